//! The review queue as reviewers browse it: one keyset page of registrations and the counts
//! per status and kind. A search is recorded on its first page only (`queue.searched`, the
//! query as an HMAC), in the call that ran it: paging through its results is one search.

use crate::db::{self, DbConnection};
use crate::domain::handbook::{HandbookKind, ReviewStatus};
use crate::error::Fault;
use crate::services::acting::Acting;

pub use crate::db::queue::{QueueFilter, QueueRow};

/// Registrations per status and kind (a counter table, never a `COUNT(*)` over handbooks).
pub type Counts = Vec<(ReviewStatus, HandbookKind, i64)>;

/// One page of the queue (up to `filter.limit` rows) and the tab counts. `typed` is the query
/// as typed, recorded when `first_page` is set and the filter searches.
pub fn browse(
    conn: &mut DbConnection,
    filter: &QueueFilter<'_>,
    typed: &str,
    first_page: bool,
    shown_at_most: usize,
    acting: &Acting<'_>,
) -> Result<(Vec<QueueRow>, Counts), Fault> {
    let rows = db::queue::page(conn, filter)?;
    if first_page {
        let found = rows.len().min(shown_at_most);
        super::holders::record_search(conn, "queue.searched", filter.search, typed, found, acting)?;
    }
    Ok((rows, db::counts::all(conn)?))
}
