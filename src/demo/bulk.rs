//! `handbook-admin seed --holders N`: bulk synthetic data for benchmarks. Rows are inserted
//! in large multi-row batches inside transactions; every photo row points at one shared,
//! really encrypted placeholder, so queue and photo paths behave as in production.

use time::{Duration, OffsetDateTime};

use crate::clock::to_db;
use crate::db::DbConnection;
use crate::db::bulk::{self, BulkHandbook, BulkHolder, BulkImage};
use crate::domain::handbook::ReviewStatus::{Approved, Corrected, Rejected, Returned, Submitted};
use crate::domain::handbook::{Channel, HandbookKind};
use crate::domain::holder::HolderStatus;
use crate::images::ImageStore;

const BATCH: usize = 2_000;

pub struct BulkStats {
    pub holders: usize,
    pub handbooks: usize,
    pub images: usize,
}

const KINDS: [HandbookKind; 3] = HandbookKind::ALL;

/// Each holder gets an approved handbook and a second registration: most decided, about one
/// in twenty waiting in the queue.
pub fn seed(
    conn: &mut DbConnection,
    store: &ImageStore,
    count: usize,
    now: OffsetDateTime,
) -> anyhow::Result<BulkStats> {
    let placeholder = crate::images::process(&placeholder_jpeg()?).map_err(|e| anyhow::anyhow!("{e}"))?;
    let full_key = store.put(&placeholder.full_jpeg)?;
    let thumb_key = store.put(&placeholder.thumb_jpeg)?;
    let key_id = store.key_id();
    let (first_holder, first_handbook) = bulk::next_ids(conn)?;
    let mut stats = BulkStats { holders: 0, handbooks: 0, images: 0 };
    let statuses = [Approved, Approved, Corrected, Returned, Rejected];
    for start in (0..count).step_by(BATCH) {
        let end = (start + BATCH).min(count);
        let mut new_holders = Vec::with_capacity(end - start);
        let mut new_handbooks = Vec::with_capacity(2 * (end - start));
        let mut new_images = Vec::with_capacity(2 * (end - start));
        for i in start..end {
            let holder_id = first_holder + i as i64;
            let created = to_db(now - Duration::minutes((i as i64 * 13) % (60 * 24 * 900)));
            new_holders.push(BulkHolder {
                id: holder_id,
                public_id: format!("BK-{:08}", holder_id),
                email: Some(format!("bk{holder_id}@example.invalid")),
                status: HolderStatus::Active.as_str(),
                created_at: created,
                updated_at: created,
            });
            for n in 0..2 {
                let handbook_id = first_handbook + 2 * i as i64 + n;
                let waiting = n == 1 && i % 20 == 0;
                let status = if n == 0 {
                    Approved
                } else if waiting {
                    Submitted
                } else {
                    statuses[i % statuses.len()]
                };
                let submitted =
                    if waiting { to_db(now - Duration::minutes((i as i64 * 7) % (60 * 24 * 5))) } else { created };
                new_handbooks.push(BulkHandbook {
                    id: handbook_id,
                    holder_id,
                    kind: KINDS[(i + n as usize) % 3].as_str(),
                    submitted_kind: KINDS[(i + n as usize) % 3].as_str(),
                    status: status.as_str(),
                    channel: Channel::App.as_str(),
                    proxy: false,
                    submitted_at: submitted,
                    created_at: submitted,
                    updated_at: submitted,
                });
                new_images.push(BulkImage {
                    handbook_id,
                    page: 1,
                    storage_key: &full_key,
                    thumb_key: &thumb_key,
                    key_id: &key_id,
                    original_sha256: format!("{handbook_id:064x}"),
                    original_bytes: placeholder.original_bytes as i64,
                    original_mime: "image/jpeg",
                    stored_bytes: placeholder.full_jpeg.len() as i64,
                    width: placeholder.width as i32,
                    height: placeholder.height as i32,
                    created_at: submitted,
                });
            }
        }
        bulk::insert_batch(conn, &new_holders, &new_handbooks, &new_images)?;
        stats.holders += new_holders.len();
        stats.handbooks += new_handbooks.len();
        stats.images += new_images.len();
    }
    bulk::finish(conn)?;
    Ok(stats)
}

fn placeholder_jpeg() -> anyhow::Result<Vec<u8>> {
    let image = image::RgbImage::from_fn(320, 200, |x, y| image::Rgb([200, (x % 256) as u8, (y % 256) as u8]));
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80).encode(image.as_raw(), 320, 200, jpeg_encoder::ColorType::Rgb)?;
    Ok(out)
}
