//! `handbook-admin seed --holders N`: bulk synthetic data for benchmarks. Rows are inserted
//! in large multi-row batches inside transactions; every photo row points at one shared,
//! really encrypted placeholder, so queue and photo paths behave as in production.
//!
//! The data looks like production where the searches look: every decided registration carries
//! its transcription, names and readings drawn from a skewed distribution of common family
//! names (a few very common, most rare), handbook numbers unique but for the odd duplicate
//! (one in 2,000), about one in ten decided registrations returned.

use time::{Duration, OffsetDateTime};

use crate::clock::to_db;
use crate::db::DbConnection;
use crate::db::bulk::{self, BulkFields, BulkHandbook, BulkHolder, BulkImage};
use crate::demo::people::{FAMILY_NAMES, GIVEN_NAMES, MUNICIPALITIES};
use crate::domain::handbook::ReviewStatus::{Approved, Corrected, Rejected, Returned, Submitted};
use crate::domain::handbook::{Channel, HandbookKind};
use crate::domain::holder::HolderStatus;
use crate::domain::normalize;
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
    let transcriber = seed_transcriber(conn, now)?;
    let (first_holder, first_handbook) = bulk::next_ids(conn)?;
    let mut stats = BulkStats { holders: 0, handbooks: 0, images: 0 };
    let mut progress = crate::progress::Progress::new("seeding holders", count as u64);
    let statuses =
        [Approved, Approved, Corrected, Approved, Approved, Approved, Approved, Approved, Returned, Rejected];
    for start in (0..count).step_by(BATCH) {
        let end = (start + BATCH).min(count);
        let mut new_holders = Vec::with_capacity(end - start);
        let mut new_handbooks = Vec::with_capacity(2 * (end - start));
        let mut new_images = Vec::with_capacity(2 * (end - start));
        let mut new_fields = Vec::with_capacity(2 * (end - start));
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
                if matches!(status, Approved | Corrected | Returned) {
                    let kind = KINDS[(i + n as usize) % 3];
                    new_fields.push(fields(i, handbook_id, kind, transcriber, submitted));
                }
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
        bulk::insert_batch(conn, &new_holders, &new_handbooks, &new_images, &new_fields)?;
        stats.holders += new_holders.len();
        stats.handbooks += new_handbooks.len();
        stats.images += new_images.len();
        progress.advance(new_holders.len() as u64);
    }
    progress.finish();
    bulk::finish(conn)?;
    Ok(stats)
}

/// An index skewed toward 0: family names are not equally common (the first few of the list
/// stand for 佐藤, 鈴木, 高橋…).
fn skewed(seed: usize, len: usize) -> usize {
    let u = (seed.wrapping_mul(2_654_435_761) % 10_007) as f64 / 10_007.0;
    ((u * u * u) * len as f64) as usize % len
}

/// The transcription of holder `i`'s registration, as a reviewer would have typed it.
fn fields(i: usize, handbook_id: i64, kind: HandbookKind, by: i64, at: time::PrimitiveDateTime) -> BulkFields {
    let (family, family_kana) = FAMILY_NAMES[skewed(i, FAMILY_NAMES.len())];
    let (given, given_kana) = GIVEN_NAMES[(i * 7 + i / 13) % GIVEN_NAMES.len()];
    let (name, kana) = (format!("{family}\u{3000}{given}"), format!("{family_kana}\u{3000}{given_kana}"));
    let (_, issuer) = MUNICIPALITIES[i % MUNICIPALITIES.len()];
    // One holder in 2,000 shares a number with the one before: the duplicates list's work.
    let owner = if i % 2_000 == 7 { i - 1 } else { i };
    let number = format!("{}", 1_000_000 + owner * 3 + (kind as usize));
    let birth = time::Date::from_calendar_date(1940 + (i % 70) as i32, time::Month::January, 1)
        .unwrap_or(time::Date::MIN)
        + Duration::days((i % 365) as i64);
    let issued = at.date() - Duration::days(30 + (i % 2_000) as i64);
    let (grade, category, fare) = match kind {
        HandbookKind::Physical => {
            (format!("{}級", 1 + i % 6), Some("肢体不自由"), Some(if i % 6 < 2 { "1" } else { "2" }))
        }
        HandbookKind::Mental => (format!("{}級", 1 + i % 3), Some("精神障害"), None),
        HandbookKind::Intellectual => {
            (["A", "B", "A1", "B2"][i % 4].to_owned(), None, Some(if i.is_multiple_of(2) { "1" } else { "2" }))
        }
    };
    BulkFields {
        handbook_id,
        name_key: normalize::name_key(&name),
        kana_key: normalize::kana_key(&kana),
        municipality_key: normalize::municipality_key(issuer),
        number_key: normalize::handbook_number_key(&number),
        name,
        name_kana: kana,
        birth_date: birth,
        disability_category: category,
        grade,
        fare_class: fare,
        care: i.is_multiple_of(5),
        municipality: issuer,
        number,
        issued_on: issued,
        expires_on: (kind == HandbookKind::Mental).then(|| issued + Duration::days(730)),
        recert_month_only: false,
        transcribed_by: by,
        transcribed_at: at,
    }
}

/// The member of staff the seeded transcriptions name: an account that cannot sign in.
fn seed_transcriber(conn: &mut DbConnection, now: OffsetDateTime) -> anyhow::Result<i64> {
    const EMAIL: &str = "bulk-seed@demo.invalid";
    if let Some(row) = crate::db::staff::find_by_email(conn, EMAIL)? {
        return Ok(row.id);
    }
    let at = to_db(now);
    let id = crate::db::staff::insert(
        conn,
        &crate::db::staff::NewStaff {
            email: EMAIL,
            display_name: "一括投入（ベンチマーク）",
            role: crate::domain::staff::Role::Reviewer,
            // Not a password hash: nothing ever verifies against it.
            password_hash: "!",
            must_change_password: true,
            created_at: at,
            updated_at: at,
        },
    )?;
    crate::db::staff::set_active(conn, id, false, at)?;
    Ok(id)
}

fn placeholder_jpeg() -> anyhow::Result<Vec<u8>> {
    let image = image::RgbImage::from_fn(320, 200, |x, y| image::Rgb([200, (x % 256) as u8, (y % 256) as u8]));
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80).encode(image.as_raw(), 320, 200, jpeg_encoder::ColorType::Rgb)?;
    Ok(out)
}
