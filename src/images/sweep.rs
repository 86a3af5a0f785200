//! The photo store's sweep: what a crash leaves behind. Intake writes a photo's files before
//! the transaction that names them commits, and erasure removes files after the transaction
//! that forgets them; a process killed in between leaves `.tmp-*` files or whole encrypted
//! photos no row names — personal data no deletion would ever reach. Run at start-up and by
//! `purge-expired`; only files older than `min_age` are touched, so a write under way in
//! another process is never taken for debris.

use std::time::{Duration, SystemTime};

use super::ImageStore;
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

/// Removes old temporary files and old photo files no row names, in the folder or the bucket.
pub fn sweep(conn: &mut DbConnection, store: &ImageStore, now: SystemTime, min_age: Duration) -> Result<Swept, Fault> {
    let mut swept = Swept::default();
    let mut candidates = Vec::new();
    for listed in store.list()? {
        if !now.duration_since(listed.modified).is_ok_and(|age| age >= min_age) {
            continue;
        }
        if listed.temp {
            if removed(store.remove_leftover(&listed)) {
                swept.temp_files += 1;
            }
        } else if listed.key.ends_with(".hbai") {
            candidates.push(listed.key);
        }
    }
    for batch in candidates.chunks(BATCH) {
        let named = db::handbooks::referenced_keys(conn, batch)?;
        for key in batch {
            if !named.contains(key) && removed(store.remove(key)) {
                swept.orphan_photos += 1;
            }
        }
    }
    Ok(swept)
}

fn removed(result: Result<(), super::store::StoreError>) -> bool {
    match result {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "sweep could not remove a file");
            false
        }
    }
}
