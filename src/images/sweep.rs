//! The photo store's sweep: what a crash leaves behind. Intake writes a photo's files before
//! the transaction that names them commits, and erasure removes files after the transaction
//! that forgets them; a process killed in between leaves `.tmp-*` files or whole encrypted
//! photos no row names — personal data no deletion would ever reach. Run at start-up and by
//! `purge-expired`; only files older than `min_age` are touched, so a write under way in
//! another process is never taken for debris.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::db::{self, DbConnection};
use crate::error::Fault;

/// Files older than this may be swept: far longer than any intake takes from write to commit.
pub const MIN_AGE: Duration = Duration::from_secs(10 * 60);
/// Keys asked about per query.
const BATCH: usize = 500;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub temp_files: usize,
    pub orphan_photos: usize,
}

/// Removes old temporary files and old photo files no row names, under `root`.
pub fn sweep(conn: &mut DbConnection, root: &Path, now: SystemTime, min_age: Duration) -> Result<Swept, Fault> {
    let mut swept = Swept::default();
    let mut candidates: Vec<(String, PathBuf)> = Vec::new();
    let old_enough = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| now.duration_since(modified).is_ok_and(|age| age >= min_age))
    };
    for (key, path) in files(root) {
        if !old_enough(&path) {
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.starts_with(".tmp-") {
            if remove(&path) {
                swept.temp_files += 1;
            }
        } else if name.ends_with(".hbai") {
            candidates.push((key, path));
        }
    }
    for batch in candidates.chunks(BATCH) {
        let keys: Vec<String> = batch.iter().map(|(k, _)| k.clone()).collect();
        let named = db::handbooks::referenced_keys(conn, &keys)?;
        for (key, path) in batch {
            if !named.contains(key) && remove(path) {
                swept.orphan_photos += 1;
            }
        }
    }
    Ok(swept)
}

fn remove(path: &Path) -> bool {
    match std::fs::remove_file(path) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e.kind(), "sweep could not remove a file");
            false
        }
    }
}

/// Every file under `root` two levels down (`ab/cd/name`), with its storage key.
fn files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let dirs = |p: &Path| std::fs::read_dir(p).into_iter().flatten().flatten().map(|e| e.path());
    for first in dirs(root).filter(|p| p.is_dir()) {
        for second in dirs(&first).filter(|p| p.is_dir()) {
            for file in dirs(&second).filter(|p| p.is_file()) {
                let part = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_owned);
                if let (Some(a), Some(b), Some(c)) = (part(&first), part(&second), part(&file)) {
                    out.push((format!("{a}/{b}/{c}"), file));
                }
            }
        }
    }
    out
}
