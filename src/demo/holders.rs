//! Demo holders with photographed handbooks, some carrying the defects reviewers must find:
//! no face photo, the wrong page, an unreadable photo, an expired mental handbook, a number
//! that differs between pages; and planted duplicates (terms art. 3(1)(vi)).

use ab_glyph::FontRef;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use time::{Date, Duration, Month, OffsetDateTime};

use super::art::{self, Design, Facts, Page};
use super::people::*;
use super::raster::{Photographed, photograph};
use crate::audit::Actor;
use crate::db::DbConnection;
use crate::domain::decision::{Checklist, DecisionInput};
use crate::domain::email::EmailAddress;
use crate::domain::handbook::HandbookKind;
use crate::domain::holder::PublicId;
use crate::domain::review::Decision;
use crate::domain::staff::Role;
use crate::domain::transcription::TranscriptionInput;
use crate::domain::wareki;
use crate::images::{ImageStore, Processed};
use crate::services::intake::{self, Channel, Metadata, Submission};
use crate::services::review::decide::{self, DecideResult};
use crate::services::review::transcribe::{self, SaveResult};
use crate::services::review::{Acting, claim};

const SANS: &[u8] = include_bytes!("fonts/NotoSansJP-demo.otf");
const SERIF: &[u8] = include_bytes!("fonts/NotoSerifJP-demo.otf");

/// A defect planted in a demo registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defect {
    None,
    NoFacePhoto,
    WrongPage,
    Unreadable,
    Expired,
    NumberMismatch,
}

pub struct DemoHolder {
    pub public_id: String,
    pub facts: Facts,
    pub defect: Defect,
    pub proxy: bool,
    pub hours_waiting: i64,
    /// Already reviewed and approved when the demo starts (history, cards, duplicates to find).
    pub approved: bool,
}

fn pick<T: Copy>(rng: &mut StdRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn date_between(rng: &mut StdRng, from: Date, to: Date) -> Date {
    let span = (to - from).whole_days().max(1);
    from + Duration::days(rng.random_range(0..span))
}

fn end_of_month(year: i32, month: Month) -> Date {
    let next = if month == Month::December { (year + 1, Month::January) } else { (year, month.next()) };
    Date::from_calendar_date(next.0, next.1, 1).map(|d| d - Duration::days(1)).unwrap_or(Date::MIN)
}

/// The `index`-th demo holder. Deterministic: the same index always gives the same person.
pub fn holder(index: usize, today: Date) -> DemoHolder {
    let mut rng = StdRng::seed_from_u64(0x4D52_4944 + index as u64);
    let kind = match index % 10 {
        0..=4 => HandbookKind::Physical,
        5..=7 => HandbookKind::Mental,
        _ => HandbookKind::Intellectual,
    };
    let design = Design::for_kind(kind, rng.random_range(0..2));
    let (family, family_kana) = pick(&mut rng, &FAMILY_NAMES);
    let (given, given_kana) = pick(&mut rng, &GIVEN_NAMES);
    let (municipality, issuer) = pick(&mut rng, &MUNICIPALITIES);
    let birth = date_between(
        &mut rng,
        Date::from_calendar_date(1941, Month::April, 1).unwrap_or(Date::MIN),
        today - Duration::days(365 * 6),
    );
    let mut issued = date_between(&mut rng, today - Duration::days(365 * 9), today - Duration::days(30));
    let (category, grade, fare_class, expires, recert) = match kind {
        HandbookKind::Physical => {
            let grade = rng.random_range(1..=6u8);
            let recert = rng
                .random_bool(0.3)
                .then(|| date_between(&mut rng, today + Duration::days(200), today + Duration::days(1000)));
            (
                pick(&mut rng, &PHYSICAL_CATEGORIES).to_owned(),
                format!("{grade}級"),
                Some(if grade <= 2 { 1 } else { 2 }),
                None,
                recert,
            )
        }
        HandbookKind::Mental => {
            issued = date_between(&mut rng, today - Duration::days(700), today - Duration::days(20));
            let grade = rng.random_range(1..=3u8);
            let end = issued + Duration::days(730);
            let expires = end_of_month(end.year(), end.month());
            // The class stamp exists only on handbooks issued since the 2025 change, and not on all.
            let stamped =
                issued >= Date::from_calendar_date(2025, Month::April, 1).unwrap_or(Date::MAX) && rng.random_bool(0.7);
            let class = stamped.then_some(if grade == 1 { 1 } else { 2 });
            (pick(&mut rng, &MENTAL_CATEGORIES).to_owned(), format!("{grade}級"), class, Some(expires), None)
        }
        HandbookKind::Intellectual => {
            let (_, grades) =
                if design == Design::AiNoTecho { INTELLECTUAL_DESIGNS[0] } else { INTELLECTUAL_DESIGNS[1] };
            let step = rng.random_range(0..4usize);
            let recert = rng
                .random_bool(0.5)
                .then(|| date_between(&mut rng, today + Duration::days(100), today + Duration::days(1500)));
            (
                format!("{municipality}児童相談所"),
                grades[step].to_owned(),
                Some(if step < 2 { 1 } else { 2 }),
                None,
                recert,
            )
        }
    };
    let renewed = rng.random_bool(0.3).then(|| date_between(&mut rng, issued + Duration::days(1), today));
    let mut facts = Facts {
        kind,
        design,
        name: format!("{family}\u{3000}{given}"),
        name_kana: format!("{family_kana}\u{3000}{given_kana}"),
        birth,
        municipality: municipality.to_owned(),
        issuer: issuer.to_owned(),
        address: pick(&mut rng, &ADDRESSES).to_owned(),
        number: rng.random_range(1_000_000..9_999_999),
        details_number: None,
        category,
        grade,
        fare_class,
        care: fare_class == Some(1) && rng.random_bool(0.5),
        issued,
        renewed,
        expires,
        recert,
        recert_in_old_era: false,
        face_photo: true,
    };
    let defect = match index {
        i if i % 17 == 3 => Defect::NoFacePhoto,
        i if i % 19 == 4 => Defect::WrongPage,
        i if i % 23 == 5 => Defect::Unreadable,
        i if kind == HandbookKind::Mental && i % 11 == 2 => Defect::Expired,
        i if !design.is_card() && i % 29 == 6 => Defect::NumberMismatch,
        _ => Defect::None,
    };
    match defect {
        Defect::NoFacePhoto => facts.face_photo = false,
        Defect::Expired => {
            facts.issued = today - Duration::days(900);
            facts.renewed = None;
            let end = facts.issued + Duration::days(730);
            facts.expires = Some(end_of_month(end.year(), end.month()));
            facts.fare_class = None;
        }
        Defect::NumberMismatch => facts.details_number = Some(facts.number + 6),
        _ => {}
    }
    // An old physical handbook that prints its re-certification in Heisei past the era's end.
    if kind == HandbookKind::Physical && index % 31 == 12 {
        facts.issued = Date::from_calendar_date(2018, Month::June, 12).unwrap_or(facts.issued);
        facts.recert = Date::from_calendar_date(2027, Month::March, 1).ok();
        facts.recert_in_old_era = true;
    }
    DemoHolder {
        public_id: format!("MR-{:07}", 2_600_000 + index),
        facts,
        defect,
        proxy: index % 20 == 9,
        hours_waiting: ((index * 37) % 110) as i64 + 1,
        approved: index % 6 == 1,
    }
}

/// Makes the planted duplicates: the same person registered under two IDs, and two holders
/// with one municipality and number.
pub fn plant_duplicates(holders: &mut [DemoHolder]) {
    // The copies wait longest, so "take next" meets them first; the originals are approved.
    for (index, hours) in [(7usize, 140i64), (15, 138), (46, 136), (30, 134)] {
        if let Some(h) = holders.get_mut(index) {
            h.hours_waiting = hours;
            h.defect = Defect::None;
            h.approved = false;
        }
    }
    for index in [3usize, 40, 5, 20] {
        if let Some(h) = holders.get_mut(index) {
            h.approved = true;
            h.defect = Defect::None;
            h.facts.face_photo = true;
            h.facts.details_number = None;
        }
    }
    let pairs = [(3usize, 7usize), (40, 46)];
    for (original, copy) in pairs {
        if copy < holders.len() {
            let (name, kana, birth) = (
                holders[original].facts.name.clone(),
                holders[original].facts.name_kana.clone(),
                holders[original].facts.birth,
            );
            let facts = &mut holders[copy].facts;
            facts.name = name;
            facts.name_kana = kana;
            facts.birth = birth;
        }
    }
    // Consistency warnings to meet early: a mental handbook whose fare stamp does not match its
    // grade, the expired ones, and a re-certification printed in Heisei past its end.
    if let Some(h) = holders.get_mut(25).filter(|h| h.facts.kind == HandbookKind::Mental) {
        h.facts.issued = Date::from_calendar_date(2025, Month::June, 2).unwrap_or(h.facts.issued);
        let end = h.facts.issued + Duration::days(730);
        h.facts.expires = Some(end_of_month(end.year(), end.month()));
        h.facts.fare_class = Some(if h.facts.grade == "1級" { 2 } else { 1 });
        h.hours_waiting = 132;
        h.defect = Defect::None;
        h.approved = false;
    }
    for h in holders.iter_mut() {
        if h.defect == Defect::Expired || h.facts.recert_in_old_era {
            h.hours_waiting = h.hours_waiting.max(120);
            h.approved = false;
        }
    }
    for (original, copy) in [(5usize, 15usize), (20, 30)] {
        if copy < holders.len() && holders[original].facts.kind == holders[copy].facts.kind {
            let (municipality, issuer, number) = (
                holders[original].facts.municipality.clone(),
                holders[original].facts.issuer.clone(),
                holders[original].facts.number,
            );
            let facts = &mut holders[copy].facts;
            facts.municipality = municipality;
            facts.issuer = issuer;
            facts.number = number;
        }
    }
    // One person already holding two approved IDs (art. 3(1)(vi)): what the supervisors'
    // duplicate list is for, after review let it through.
    let planted = [3usize, 5, 7, 15, 20, 25, 30, 40, 46];
    let free = |c: usize| !planted.contains(&c) && c != 9;
    if let Some(copy) = (10..holders.len().min(40))
        .find(|&c| free(c) && holders[c].facts.kind == holders[9].facts.kind && !holders[c].approved)
    {
        let original = holders[9].facts.clone();
        for index in [9, copy] {
            let h = &mut holders[index];
            h.approved = true;
            h.defect = Defect::None;
            h.facts.face_photo = true;
            h.facts.details_number = None;
        }
        let facts = &mut holders[copy].facts;
        facts.name = original.name;
        facts.name_kana = original.name_kana;
        facts.birth = original.birth;
        facts.municipality = original.municipality;
        facts.issuer = original.issuer;
        facts.number = original.number;
        facts.issued = original.issued;
    }
}

/// The photos the holder sends, already through the real intake processing.
pub fn photos(holder: &DemoHolder) -> anyhow::Result<Vec<Processed>> {
    let sans = FontRef::try_from_slice(SANS)?;
    let serif = FontRef::try_from_slice(SERIF)?;
    let mut rng = StdRng::seed_from_u64(0x5048_4F54 + holder.public_id.len() as u64 + u64::from(holder.facts.number));
    let pages: Vec<Page> = match (holder.facts.design.is_card(), holder.defect) {
        (true, Defect::WrongPage) => vec![Page::Notes],
        (true, _) => vec![Page::Face],
        (false, Defect::WrongPage) => vec![Page::Face, Page::Notes],
        (false, _) => vec![Page::Face, Page::Details],
    };
    let mut out = Vec::with_capacity(pages.len());
    for (i, page) in pages.into_iter().enumerate() {
        let doc = art::render(&holder.facts, page, &sans, &serif, &mut rng);
        let look = Photographed {
            angle_degrees: rng.random_range(-4.0..4.0),
            blur_sigma: if holder.defect == Defect::Unreadable && i == pages_len_last(holder) {
                7.0
            } else {
                rng.random_range(0.4..1.1)
            },
            glare: rng.random_range(0.0..0.35),
            noise: rng.random_range(2..7),
        };
        let photo = photograph(&doc, &look, &mut rng);
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 86).encode(
            photo.as_raw(),
            photo.width() as u16,
            photo.height() as u16,
            jpeg_encoder::ColorType::Rgb,
        )?;
        out.push(crate::images::process(&jpeg).map_err(|e| anyhow::anyhow!("demo photo: {e}"))?);
    }
    Ok(out)
}

fn pages_len_last(holder: &DemoHolder) -> usize {
    if holder.facts.design.is_card() { 0 } else { 1 }
}

/// Seeds `count` demo holders unless holders exist already. Returns how many were created.
pub fn seed(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    store: &ImageStore,
    count: usize,
    now: OffsetDateTime,
) -> anyhow::Result<usize> {
    if crate::db::holders::count(conn)? > 0 {
        return Ok(0);
    }
    let approver = crate::db::staff::find_by_email(conn, "reviewer2@demo.invalid")?.map(|s| s.id);
    let today = now.date();
    let mut holders: Vec<DemoHolder> = (0..count).map(|i| holder(i, today)).collect();
    plant_duplicates(&mut holders);
    let mut created = 0;
    let mut progress = crate::progress::Progress::new("drawing demo handbooks", count as u64);
    for batch in holders.chunks(16) {
        // Drawing and processing photos is the slow part: one thread per core.
        let photos: Vec<anyhow::Result<Vec<Processed>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .chunks(batch.len().div_ceil(2).max(1))
                .map(|part| scope.spawn(move || part.iter().map(photos).collect::<Vec<_>>()))
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        });
        for (holder, images) in batch.iter().zip(photos) {
            let images = images?;
            let metadata = Metadata {
                holder_public_id: PublicId::parse(&holder.public_id).map_err(|e| anyhow::anyhow!("{e}"))?,
                email: EmailAddress::parse(&format!("{}@example.invalid", holder.public_id.to_lowercase())).ok(),
                kind: holder.facts.kind,
                proxy: holder.proxy,
                terms_version: crate::domain::terms::Version::parse("v7"),
                privacy_version: crate::domain::terms::Version::parse("v3"),
            };
            let submitted = now - Duration::hours(holder.hours_waiting) - Duration::minutes((created * 7 % 60) as i64);
            let submission = Submission {
                consent_signed_on: None,
                metadata: &metadata,
                images: &images,
                channel: if holder.proxy { Channel::Staff } else { Channel::App },
                actor: Actor::App,
                audit: keys,
                note: holder.proxy.then_some("郵送で受け付けたため（デモ）"),
                now: submitted,
                request_id: None,
            };
            let registered =
                intake::register(conn, store, &submission).map_err(|e| anyhow::anyhow!("demo registration: {e}"))?;
            if holder.approved
                && holder.defect == Defect::None
                && let Some(reviewer) = approver
            {
                approve(
                    conn,
                    keys,
                    store,
                    registered.handbook_id,
                    holder,
                    reviewer,
                    submitted + Duration::minutes(45),
                )?;
            }
            created += 1;
        }
        progress.advance(batch.len() as u64);
    }
    progress.finish();
    Ok(created)
}

/// What a reviewer types for this handbook: the printed values, era dates as printed.
pub fn typed(facts: &Facts) -> TranscriptionInput {
    let era = |d: Date| wareki::format(d);
    TranscriptionInput {
        kind: facts.kind.as_str().to_owned(),
        name: facts.name.clone(),
        name_kana: facts.name_kana.clone(),
        birth_date: era(facts.birth),
        disability_category: facts.category.clone(),
        grade: facts.grade.clone(),
        fare_class: facts.fare_class.map(|c| c.to_string()).unwrap_or_default(),
        care: facts.care.then(|| "on".to_owned()),
        municipality: facts.issuer.clone(),
        number: wareki::full_width_digits(&format!("第{}号", facts.number)),
        issued_on: era(facts.issued),
        renewed_on: facts.renewed.map(era).unwrap_or_default(),
        expires_on: facts.expires.map(era).unwrap_or_default(),
        recert_on: facts.recert.map(|d| art::recert_text(facts, d)).unwrap_or_default(),
        medical_number: String::new(),
        handbook_name: facts.design.printed_name().to_owned(),
        second_number: String::new(),
    }
}

/// Reviews and approves a demo registration through the real workflow (claim, transcribe,
/// decide), so its history, notice and card look like the real thing.
fn approve(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    store: &ImageStore,
    id: i64,
    holder: &DemoHolder,
    reviewer: i64,
    at: OffsetDateTime,
) -> anyhow::Result<()> {
    let fail = |e: &dyn std::fmt::Display| anyhow::anyhow!("demo approval of {id}: {e}");
    let acting = Acting { staff_id: reviewer, role: Role::Reviewer, now: at, request_id: None, audit: keys };
    claim::claim(conn, id, &acting).map_err(|e| fail(&e))?;
    let version = crate::db::handbooks::find(conn, id)?.ok_or_else(|| fail(&"registration vanished"))?.version;
    match transcribe::save(conn, id, &acting, version, &typed(&holder.facts)).map_err(|e| fail(&e))? {
        SaveResult::Saved { version } => {
            // The face box the layout proposes, confirmed as a reviewer would: no card goes
            // live without its face.
            let first = crate::db::handbooks::images_of(conn, id)?.into_iter().next();
            let first = first.ok_or_else(|| fail(&"no photo"))?;
            let face = crate::domain::face::FaceBox::proposed(first.width as u32, first.height as u32);
            crate::services::review::face::mark(conn, store, id, first.id, face, &acting)
                .map_err(|e| fail(&e))?
                .map_err(|e| fail(&e))?;
            let input = DecisionInput {
                version,
                decision: Some(Decision::Approve),
                checks: Checklist {
                    face_photo: true,
                    right_pages: true,
                    legible: true,
                    no_tampering: true,
                    proxy_confirmed: true,
                    duplicates_checked: true,
                    warnings_checked: true,
                    suggestions_checked: true,
                },
                ..Default::default()
            };
            match decide::decide(conn, id, &acting, &input).map_err(|e| fail(&e))? {
                DecideResult::Decided { .. } => Ok(()),
                DecideResult::Invalid(errors) => Err(fail(&format!("{errors:?}"))),
                DecideResult::Stale => Err(fail(&"stale")),
            }
        }
        SaveResult::Invalid(parsed) => Err(fail(&format!("{:?}", parsed.errors))),
        SaveResult::Conflict(_) | SaveResult::Stale => Err(fail(&"conflict")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ab_glyph::Font;
    use time::macros::date;

    #[test]
    fn every_character_of_the_demo_texts_is_in_the_fonts() {
        let sources = [
            include_str!("people.rs"),
            include_str!("art.rs"),
            include_str!("holders.rs"),
            include_str!("raster.rs"),
            include_str!("../domain/wareki.rs"),
        ];
        for font in [SANS, SERIF] {
            let font = FontRef::try_from_slice(font).map_err(|e| e.to_string());
            let Ok(font) = font else { panic!("font") };
            for c in sources.iter().flat_map(|s| s.chars()).filter(|c| !c.is_ascii() && !c.is_whitespace()) {
                assert_ne!(font.glyph_id(c).0, 0, "{c} missing: run .tools/subset-demo-fonts");
            }
            for c in "０１２３４５６７８９第号年月日\u{3000}".chars() {
                assert_ne!(font.glyph_id(c).0, 0, "{c}");
            }
        }
    }

    #[test]
    fn holders_are_deterministic_and_varied() {
        let today = date!(2026 - 11 - 24);
        assert_eq!(holder(12, today).facts.name, holder(12, today).facts.name);
        let all: Vec<DemoHolder> = (0..240).map(|i| holder(i, today)).collect();
        let designs: std::collections::HashSet<_> = all.iter().map(|h| format!("{:?}", h.facts.design)).collect();
        assert_eq!(designs.len(), 6);
        for defect in
            [Defect::NoFacePhoto, Defect::WrongPage, Defect::Unreadable, Defect::Expired, Defect::NumberMismatch]
        {
            assert!(all.iter().any(|h| h.defect == defect), "{defect:?} planted");
        }
        assert!(all.iter().filter(|h| h.defect == Defect::Expired).all(|h| h.facts.expires.is_some_and(|e| e < today)));
        assert!(all.iter().any(|h| h.facts.recert_in_old_era));
    }

    #[test]
    fn every_demo_handbook_typed_as_printed_parses_and_planted_warnings_appear() {
        let today = date!(2026 - 11 - 24);
        let mut all: Vec<DemoHolder> = (0..240).map(|i| holder(i, today)).collect();
        plant_duplicates(&mut all);
        for h in &all {
            let parsed = crate::domain::transcription::Transcription::parse(&typed(&h.facts), today);
            assert!(parsed.errors.is_empty(), "{}: {:?}", h.public_id, parsed.errors);
        }
        let warned = |index: usize, field: &str| {
            crate::domain::transcription::Transcription::parse(&typed(&all[index].facts), today)
                .warnings
                .iter()
                .any(|w| w.field == field)
        };
        assert!(warned(25, "fare_class"), "mental fare class against grade");
        assert!(warned(12, "recert_on"), "Heisei past its end");
        let expired = all.iter().position(|h| h.defect == Defect::Expired).unwrap_or_default();
        assert!(warned(expired, "expires_on"));
        let oldest = all.iter().filter(|h| !h.approved).max_by_key(|h| h.hours_waiting).map(|h| h.public_id.clone());
        assert_eq!(oldest.as_deref(), Some("MR-2600007"), "take next meets a planted duplicate first");
    }

    #[test]
    fn duplicates_are_planted() {
        let today = date!(2026 - 11 - 24);
        let mut all: Vec<DemoHolder> = (0..60).map(|i| holder(i, today)).collect();
        plant_duplicates(&mut all);
        assert_eq!(all[3].facts.name, all[7].facts.name);
        assert_eq!(all[3].facts.birth, all[7].facts.birth);
        assert_ne!(all[3].public_id, all[7].public_id);
    }
}
