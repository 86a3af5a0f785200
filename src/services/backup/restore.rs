//! `restore --from DIR`: every file checked against the sealed manifest before it is written,
//! the chain verified and every photo opened before the database takes its name; what was
//! written is removed again when a check fails.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{self, FileEntry, Manifest, Mismatch};
use super::{
    BackupError, CHECKPOINTS, PG_DUMP_FILE, PHOTOS, Report, SQLITE_FILE, digest_file, digest_folder, file, open_store,
    record, refuse,
};
use crate::db::{self, DatabaseUrl};
use crate::images::ImageStore;
use crate::settings::StoreTools;

/// Restores `from` into an empty photo store and checkpoint folder, and a SQLite file that
/// does not exist yet (PostgreSQL: the database the operator just ran `pg_restore` into).
///
/// Checks the manifest's seal and every file before writing anything; writes each file from
/// the very bytes it checked; puts a SQLite database under a temporary name and renames it
/// only once the audit chain verifies and every photo row opens. A failure removes what it
/// wrote.
pub fn restore(
    url: &DatabaseUrl,
    tools: &StoreTools,
    from: &Path,
    now: time::OffsetDateTime,
) -> Result<Report, BackupError> {
    let text = std::fs::read(from.join(manifest::FILE_NAME)).map_err(file(format!(
        "{} has no {} (an unfinished backup?)",
        from.display(),
        manifest::FILE_NAME
    )))?;
    let manifest: Manifest = serde_json::from_slice(&text).map_err(BackupError::ManifestUnreadable)?;
    manifest.check_seal(&tools.audit_keys)?;
    manifest.compare(&digest_folder(from)?)?;
    let store = open_store(tools)?;
    if !store.list()?.is_empty() {
        return refuse(format!("the photo store ({}) is not empty: restore only into an empty one", store.describe()));
    }
    if std::fs::read_dir(&tools.checkpoint_dir).is_ok_and(|mut d| d.next().is_some()) {
        return refuse(format!(
            "{} is not empty: restore only into an empty data folder",
            tools.checkpoint_dir.display()
        ));
    }
    let mut written = Written { database: None, photos: Vec::new(), checkpoints: tools.checkpoint_dir.clone() };
    let restored = match (url, manifest.backend.as_str()) {
        (DatabaseUrl::Sqlite(path), "sqlite") => {
            if std::fs::metadata(path).is_ok_and(|m| m.len() > 0) {
                return refuse(format!("{} exists: restore only into a new database file", path.display()));
            }
            // A log left beside the target would be replayed into the restored file.
            for suffix in ["-wal", "-shm"] {
                let sidecar = PathBuf::from(format!("{}{suffix}", path.display()));
                if std::fs::symlink_metadata(&sidecar).is_ok() {
                    return refuse(format!("{} exists: remove what an earlier database left", sidecar.display()));
                }
            }
            let temporary = temporary_name(path);
            written.database = Some(temporary.clone());
            copy_checked(&from.join(SQLITE_FILE), &temporary, &manifest, SQLITE_FILE)
                .and_then(|()| {
                    put_back(from, &store, tools, &DatabaseUrl::Sqlite(temporary.clone()), &manifest, &mut written, now)
                })
                .and_then(|report| {
                    std::fs::rename(&temporary, path)?;
                    crate::atomic_file::sync_dir(path.parent().unwrap_or(Path::new(".")))?;
                    Ok(report)
                })
        }
        (DatabaseUrl::Postgres(_), "postgres") => {
            let pool = db::connect_pool(url, 1)?;
            let seq = db::audit::head(&mut *pool.get()?).map(|h| h.0).unwrap_or(0);
            // What was restored is what the backup sealed, table by table, before anything here
            // writes to it (an edited or another dump with the same audit head is refused).
            let tables = if seq == 0 { Default::default() } else { super::table_entries(&mut *pool.get()?)? };
            drop(pool);
            if seq == 0 {
                return refuse(format!("the database is empty: pg_restore {PG_DUMP_FILE} into it first (README)"));
            }
            if seq != manifest.audit_head.seq {
                return refuse(format!(
                    "the database's audit chain ends at #{seq}, the backup's at #{}: not this backup's dump",
                    manifest.audit_head.seq
                ));
            }
            manifest.compare_tables(&tables)?;
            put_back(from, &store, tools, url, &manifest, &mut written, now)
        }
        (_, backend) => refuse(format!("this backup is of a {backend} database; DATABASE_URL names another kind")),
    };
    restored.inspect_err(|_| written.remove(&store))
}

/// What a failed restore takes away again (all of it was empty or absent before).
struct Written {
    database: Option<PathBuf>,
    photos: Vec<String>,
    checkpoints: PathBuf,
}

impl Written {
    fn remove(&self, store: &ImageStore) {
        if let Some(path) = &self.database {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        for key in &self.photos {
            let _ = store.remove(key);
        }
        let _ = std::fs::remove_dir_all(&self.checkpoints);
    }
}

/// A name beside `path` for the database until it has been checked.
fn temporary_name(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("database");
    path.with_file_name(format!(".restoring-{}-{name}", crate::secrets::random::token(4)))
}

/// Reads one backup file and checks the bytes read against the manifest: what is written is
/// what was checked, even if the backup's storage changes underneath.
fn read_checked(from: &Path, relative: &str, manifest: &Manifest) -> Result<Vec<u8>, BackupError> {
    let bytes = std::fs::read(from.join(relative))?;
    let seen = FileEntry { bytes: bytes.len() as u64, sha256: hex::encode(Sha256::digest(&bytes)) };
    if manifest.files.get(relative) != Some(&seen) {
        return Err(Mismatch::Altered(relative.to_owned()).into());
    }
    Ok(bytes)
}

/// Copies a (large) file in a stream, then checks the copy against the manifest.
fn copy_checked(source: &Path, target: &Path, manifest: &Manifest, relative: &str) -> Result<(), BackupError> {
    if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(source, target)?;
    std::fs::File::open(target)?.sync_all()?;
    if manifest.files.get(relative) != Some(&digest_file(target)?) {
        return Err(Mismatch::Altered(relative.to_owned()).into());
    }
    Ok(())
}

fn put_back(
    from: &Path,
    store: &ImageStore,
    tools: &StoreTools,
    url: &DatabaseUrl,
    manifest: &Manifest,
    written: &mut Written,
    now: time::OffsetDateTime,
) -> Result<Report, BackupError> {
    for relative in manifest.files.keys() {
        if let Some(key) = relative.strip_prefix(&format!("{PHOTOS}/")) {
            let sealed = read_checked(from, relative, manifest)?;
            written.photos.push(key.to_owned());
            store.put_sealed(key, sealed).map_err(|e| BackupError::Photo(format!("{relative}: not restored"), e))?;
        } else if let Some(name) = relative.strip_prefix(&format!("{CHECKPOINTS}/")) {
            let text = read_checked(from, relative, manifest)?;
            std::fs::create_dir_all(&tools.checkpoint_dir)?;
            crate::atomic_file::write(&tools.checkpoint_dir.join(name), &text, true)?;
        }
    }
    // The folder is part of what is restored, even when the backup held no checkpoint yet:
    // a database that keeps checkpoints refuses to verify (or serve) without it.
    std::fs::create_dir_all(&tools.checkpoint_dir)?;
    let pool = db::connect_pool(url, 1)?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let report =
        crate::audit::verify(&mut conn, &tools.audit_keys, &tools.checkpoint_dir).map_err(BackupError::Chain)?;
    let head = db::audit::head(&mut conn)?;
    if (head.0, &head.1) != (manifest.audit_head.seq, &manifest.audit_head.hash) {
        return refuse(format!(
            "the restored audit chain ends at #{}, the manifest says #{}",
            head.0, manifest.audit_head.seq
        ));
    }
    let opened = db::photo_keys::for_each_key(&mut conn, |key| -> Result<(), BackupError> {
        store
            .get(key)
            .map(drop)
            .map_err(|e| BackupError::Photo(format!("photo {key} does not open after the restore"), e))
    })?;
    let details = serde_json::json!({
        "files": manifest.files.len(),
        "photos": opened,
        "audit_head": manifest.audit_head.seq,
        "backup_created_at": manifest.created_at,
    });
    record(&mut conn, tools, "backup.restored", details, now)?;
    Ok(Report { files: manifest.files.len(), photos: opened, audit_head: report.events + 1 })
}
