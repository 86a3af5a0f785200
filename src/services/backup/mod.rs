//! `backup --out DIR` and `restore --from DIR`: the database and the photo store copied as one
//! consistent whole, with a sealed manifest.
//!
//! Consistency comes from the order intake and erasure keep (a photo's file is written before
//! the row naming it commits, and removed after the row is gone): the database is copied as of
//! one moment (SQLite: `VACUUM INTO`, one read transaction; PostgreSQL: `pg_dump` of a snapshot
//! this command holds open), then exactly the files that moment's rows name, read in the same
//! snapshot. Photos uploaded meanwhile are neither in the copy's rows nor in its files. The
//! signed checkpoints are copied first, so none is ahead of the copied chain.

pub mod manifest;
mod restore;

pub use self::restore::restore;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use self::manifest::{AuditHead, FileEntry, Manifest, Mismatch};
use crate::audit::VerifyError;
use crate::db::{self, DatabaseUrl, DbConnection};
use crate::error::Fault;
use crate::images::ImageStore;
use crate::images::crypto::Keyring;
use crate::images::store::StoreError;
use crate::settings::StoreTools;

/// The database copy's name inside a backup (SQLite).
pub const SQLITE_FILE: &str = "database.sqlite";
/// The `pg_dump` (custom format) inside a backup (PostgreSQL).
pub const PG_DUMP_FILE: &str = "database.pgdump";
const PHOTOS: &str = "photos";
const CHECKPOINTS: &str = "audit-checkpoints";

/// Why a backup or a restore stopped. Nothing here carries personal data: files are named by
/// their path in the backup, photos by their store key.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The folders or the database are not in the state the command needs (not empty, of
    /// another kind, not restored yet…); the message says what to do.
    #[error("{0}")]
    Refused(String),
    /// The backup does not match its manifest.
    #[error(transparent)]
    Manifest(#[from] Mismatch),
    #[error("the manifest does not parse")]
    ManifestUnreadable(#[source] serde_json::Error),
    /// A file could not be read or written; the message names which.
    #[error("{0}")]
    File(String, #[source] std::io::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A photo the rows name could not be read or written in the store.
    #[error("{0}")]
    Photo(String, #[source] StoreError),
    #[error("the restored audit chain does not verify: {0}")]
    Chain(#[source] VerifyError),
    #[error("{program} failed: {stderr}")]
    PgDump { program: String, stderr: String },
    #[error("opening the database")]
    Setup(#[from] db::SetupError),
    #[error("opening the database copy")]
    Copy(#[from] diesel::ConnectionError),
    #[error("formatting the backup's time")]
    Time(#[from] time::error::Format),
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<diesel::result::Error> for BackupError {
    fn from(e: diesel::result::Error) -> Self {
        BackupError::Fault(e.into())
    }
}

impl From<diesel::r2d2::PoolError> for BackupError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        BackupError::Fault(e.into())
    }
}

impl From<StoreError> for BackupError {
    fn from(e: StoreError) -> Self {
        BackupError::Fault(e.into())
    }
}

/// Names the file an I/O error is about.
fn file(what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> BackupError {
    move |e| BackupError::File(what.to_string(), e)
}

#[derive(Debug, PartialEq, Eq)]
pub struct Report {
    pub files: usize,
    pub photos: usize,
    pub audit_head: i64,
}

/// Takes a backup of a running (or stopped) console into `out`, which must be new or empty.
/// On PostgreSQL `pg_dump` (or `HANDBOOK_ADMIN_PG_DUMP`) must be on the machine.
pub fn take(
    url: &DatabaseUrl,
    tools: &StoreTools,
    out: &Path,
    now: time::OffsetDateTime,
) -> Result<Report, BackupError> {
    let created_at = now.format(&time::format_description::well_known::Rfc3339)?;
    prepare_out(out)?;
    let store = open_store(tools)?;
    // First: every checkpoint copied is of a chain no longer than the one copied next.
    copy_checkpoints(&tools.checkpoint_dir, &out.join(CHECKPOINTS))?;
    let (backend, (head, photos), tables) = match url {
        DatabaseUrl::Sqlite(_) => {
            let pool = db::connect_pool(url, 1)?;
            let target = out.join(SQLITE_FILE);
            let quoted = target
                .to_str()
                .ok_or_else(|| BackupError::Refused("the backup folder's path is not UTF-8".to_owned()))?;
            // One read transaction: the copy is the database as of one moment, writers carry on.
            db::snapshot::vacuum_into(&mut *pool.get()?, quoted)?;
            drop(pool);
            // The rows to copy files for are the copy's own, read from the copy.
            let mut snapshot = db::snapshot::open_sqlite_copy(quoted)?;
            ("sqlite", copy_named_photos(&mut snapshot, &store, out)?, BTreeMap::new())
        }
        DatabaseUrl::Postgres(raw) => {
            let pool = db::connect_pool(url, 1)?;
            let mut conn = pool.get()?;
            // One snapshot for the dump and for the list of files: the rows dumped are the rows
            // whose files are copied, and the manifest's head is the dump's.
            db::snapshot::begin_read_snapshot(&mut conn)?;
            let copied = dump_snapshot(&mut conn, raw, &out.join(PG_DUMP_FILE))
                .and_then(|()| copy_named_photos(&mut conn, &store, out))
                .and_then(|copied| Ok((copied, table_entries(&mut conn)?)));
            // Read-only: ending it cannot lose anything, and the copy's own outcome is the news.
            let _ = db::snapshot::end_read_snapshot(&mut conn);
            let ((head, photos), tables) = copied?;
            ("postgres", (head, photos), tables)
        }
    };
    let files = digest_folder(out)?;
    let mut manifest = Manifest {
        format: manifest::FORMAT.to_owned(),
        created_at,
        backend: backend.to_owned(),
        audit_head: head,
        files,
        tables,
        key_id: String::new(),
        mac: String::new(),
    };
    manifest.seal(&tools.audit_keys);
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| Fault::Serialize("the manifest", e))?;
    // Written last: a folder without a manifest is an unfinished backup.
    crate::atomic_file::write(&out.join(manifest::FILE_NAME), &text, true).map_err(file("writing the manifest"))?;
    // A backup is a copy of every holder's data: the trail says it was taken, and which.
    let details = serde_json::json!({
        "backend": backend,
        "files": manifest.files.len(),
        "photos": photos,
        "audit_head": manifest.audit_head.seq,
        "manifest_sha256": hex::encode(Sha256::digest(&text)),
    });
    let pool = db::connect_pool(url, 1)?;
    record(&mut *pool.get()?, tools, "backup.taken", details, now)?;
    Ok(Report { files: manifest.files.len(), photos, audit_head: manifest.audit_head.seq })
}

/// Appends one event of the command line's to the chain.
fn record(
    conn: &mut DbConnection,
    tools: &StoreTools,
    action: &'static str,
    details: serde_json::Value,
    now: time::OffsetDateTime,
) -> Result<(), BackupError> {
    let at = crate::clock::to_db(now);
    db::write_tx(conn, |c| {
        crate::audit::append(
            c,
            &tools.audit_keys,
            at,
            crate::audit::AuditEntry::new(crate::audit::Actor::Cli, action, "backup", "-").details(details),
        )
    })?;
    Ok(())
}

/// Exports the transaction's snapshot and has `pg_dump` dump exactly it. The password, if the
/// URL carries one, goes to `pg_dump` through its environment, not its command line.
fn dump_snapshot(conn: &mut DbConnection, raw_url: &str, target: &Path) -> Result<(), BackupError> {
    let snapshot = db::snapshot::export_snapshot(conn)?;
    let (url, password) = without_password(raw_url)?;
    let program = std::env::var("HANDBOOK_ADMIN_PG_DUMP").unwrap_or_else(|_| "pg_dump".to_owned());
    let mut command = std::process::Command::new(&program);
    command.args(["--format=custom", "--no-owner", "--snapshot", &snapshot, "--file"]).arg(target).arg(&url);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().map_err(file(format!("running {program} (set HANDBOOK_ADMIN_PG_DUMP)")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        return Err(BackupError::PgDump { program, stderr });
    }
    Ok(())
}

/// The connection URL as `pg_dump` may see it on its command line, and the password apart: it
/// may ride in the user part or as a `password` parameter, and neither reaches argv.
fn without_password(raw_url: &str) -> Result<(String, Option<String>), BackupError> {
    let mut url = url::Url::parse(raw_url).map_err(|_| BackupError::Refused("DATABASE_URL is not a URL".to_owned()))?;
    let password = url
        .password()
        .map(str::to_owned)
        .or_else(|| url.query_pairs().find(|(k, _)| k == "password").map(|(_, v)| v.into_owned()));
    let _ = url.set_password(None);
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| k != "password").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Ok((url.to_string(), password))
}

fn refuse<T>(why: String) -> Result<T, BackupError> {
    Err(BackupError::Refused(why))
}

fn open_store(tools: &StoreTools) -> Result<ImageStore, BackupError> {
    let keyring = Keyring::new(&tools.image_key, &tools.old_image_keys);
    let store = ImageStore::open(&tools.photo_store, &tools.data_dir, keyring)?;
    store.prepare()?;
    Ok(store)
}

/// `out` exists empty, or not at all. A folder it refuses is left exactly as it was: the
/// check comes before anything is created or restricted.
fn prepare_out(out: &Path) -> Result<(), BackupError> {
    if std::fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some()) {
        return refuse(format!("{} is not empty: a backup goes into a new folder", out.display()));
    }
    std::fs::create_dir_all(out).map_err(file(format!("creating {}", out.display())))?;
    Ok(restrict(out)?)
}

#[cfg(unix)]
fn restrict(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn restrict(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Copies every store file the rows of `conn` name into `out/photos`; returns the audit head
/// of the same rows and how many files were copied.
fn copy_named_photos(
    conn: &mut DbConnection,
    store: &ImageStore,
    out: &Path,
) -> Result<(AuditHead, usize), BackupError> {
    let (seq, hash) = db::audit::head(conn)?;
    let copied = db::photo_keys::for_each_key(conn, |key| -> Result<(), BackupError> {
        let sealed = store.get_sealed(key).map_err(|e| {
            BackupError::Photo(
                format!(
                    "photo {key} is named by the database but not in the store (erased during the backup? run it again)"
                ),
                e,
            )
        })?;
        let target = out.join(PHOTOS).join(key);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::File::create(&target)?;
        std::io::Write::write_all(&mut file, &sealed)?;
        file.sync_all()?;
        Ok(())
    })?;
    Ok((AuditHead { seq, hash }, copied))
}

/// Every table's rows and digest as `conn` sees them (PostgreSQL; empty on SQLite).
fn table_entries(conn: &mut DbConnection) -> Result<BTreeMap<String, manifest::TableEntry>, BackupError> {
    Ok(db::snapshot::table_digests(conn)?
        .into_iter()
        .map(|(table, d)| (table, manifest::TableEntry { rows: d.rows, digest: d.digest }))
        .collect())
}

/// The signed checkpoints, as they are (a flat folder).
fn copy_checkpoints(from: &Path, to: &Path) -> Result<(), BackupError> {
    let Ok(entries) = std::fs::read_dir(from) else { return Ok(()) };
    std::fs::create_dir_all(to)?;
    for entry in entries {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path.is_file() && !name.starts_with(".tmp-") {
            std::fs::copy(&path, to.join(name))?;
        }
    }
    Ok(())
}

/// Every file under `root` but the manifest: relative path (with `/`) → size and SHA-256.
/// Regular files and folders only: a link (to `/dev/zero`, to a file elsewhere) or a device is
/// refused, never followed or read.
fn digest_folder(root: &Path) -> Result<BTreeMap<String, FileEntry>, BackupError> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(file(format!("reading {}", dir.display())))? {
            let entry = entry?;
            let (path, kind) = (entry.path(), entry.file_type()?);
            if kind.is_dir() {
                pending.push(path);
                continue;
            }
            if !kind.is_file() {
                return refuse(format!("{} is not a regular file: a backup holds files only", path.display()));
            }
            let Ok(inside) = path.strip_prefix(root) else { continue };
            let relative = inside.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            if relative == manifest::FILE_NAME {
                continue;
            }
            found.insert(relative, digest_file(&path)?);
        }
    }
    Ok(found)
}

fn digest_file(path: &Path) -> Result<FileEntry, BackupError> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok(FileEntry { bytes, sha256: hex::encode(hasher.finalize()) })
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_password_reaches_pg_dumps_command_line() {
        for raw in [
            "postgres://admin:s3cret@db.internal:5432/console?sslmode=require",
            "postgres://admin@db.internal:5432/console?password=s3cret&sslmode=require",
        ] {
            let (url, password) = without_password(raw).unwrap();
            assert_eq!(password.as_deref(), Some("s3cret"), "{raw}");
            assert!(!url.contains("s3cret"), "{url}");
            assert!(url.contains("sslmode=require") && url.contains("admin@db.internal"), "{url}");
        }
        let (url, password) = without_password("postgres://admin@db.internal/console").unwrap();
        assert_eq!((url.as_str(), password), ("postgres://admin@db.internal/console", None));
    }

    use super::*;

    #[test]
    fn a_backup_goes_only_into_a_new_or_empty_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("new");
        prepare_out(&out).unwrap();
        prepare_out(&out).unwrap();
        std::fs::write(out.join("left-over"), b"x").unwrap();
        let refused = prepare_out(&out).unwrap_err();
        assert!(matches!(refused, BackupError::Refused(_)), "{refused:?}");
        assert!(refused.to_string().contains("not empty"), "{refused}");
    }

    #[test]
    fn a_folder_digest_lists_every_file_but_the_manifest_and_names_what_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("photos/ab")).unwrap();
        std::fs::write(dir.path().join("photos/ab/x.hbai"), b"abc").unwrap();
        std::fs::write(dir.path().join(manifest::FILE_NAME), b"{}").unwrap();
        let found = digest_folder(dir.path()).unwrap();
        assert_eq!(found.keys().collect::<Vec<_>>(), ["photos/ab/x.hbai"]);
        assert_eq!(found["photos/ab/x.hbai"].bytes, 3);
        let missing = digest_folder(&dir.path().join("absent")).unwrap_err();
        assert!(matches!(missing, BackupError::File(..)) && missing.to_string().starts_with("reading "), "{missing}");
    }
}
