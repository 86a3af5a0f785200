//! What the app may show at a counter: the holder's ID status and, only while the ID is in
//! use, the approved handbooks that have not expired. A suspended or revoked ID shows its
//! status and no handbook.

use serde_json::json;
use time::{Date, OffsetDateTime};

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::{to_db, today_jst};
use crate::db::handbooks::ApprovedHandbook;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::handbook::HandbookKind;
use crate::domain::holder::{HolderStatus, PublicId};
use crate::domain::reconcile::{LinkStatus, Provided};
use crate::domain::transcription::FareClass;
use crate::error::Fault;

/// Who reads: the credential's fingerprint and its budget of distinct holders per window.
#[derive(Clone, Debug)]
pub struct Reader {
    pub token: String,
    pub budget: crate::domain::card_budget::CardBudget,
}

/// What a read found.
pub enum Read<T> {
    /// No such ID (or nothing to show).
    Unknown,
    /// The credential read its budget of distinct holders this window: nothing was read.
    /// `retry_after`: until the window ends.
    OverBudget {
        retry_after: time::Duration,
        window: OffsetDateTime,
    },
    Found(T),
}

/// Takes the holder from the reader's budget for this window (a holder read before in the
/// window costs nothing). Kept in the database, so every node counts against one budget; `None`
/// when admitted, else the refusal.
fn admit<T>(
    c: &mut DbConnection,
    reader: &Reader,
    holder_id: i64,
    now: OffsetDateTime,
) -> Result<Option<Read<T>>, Fault> {
    let (start, end) = reader.budget.window(now);
    let window = to_db(start);
    let Some(read) = db::card_token_reads::take(c, &reader.token, window, holder_id)? else { return Ok(None) };
    // `read` counts this holder: admitted while the ones before it were under the budget.
    if reader.budget.admits(read - 1, false) {
        return Ok(None);
    }
    db::card_token_reads::give_back(c, &reader.token, window, holder_id)?;
    Ok(Some(Read::OverBudget { retry_after: end - now, window: start }))
}

/// Credentials at their budget now, by fingerprint (the dashboard names them).
pub fn readers_at_budget(
    conn: &mut DbConnection,
    budget: crate::domain::card_budget::CardBudget,
    now: OffsetDateTime,
) -> Result<Vec<String>, Fault> {
    Ok(db::card_token_reads::at_budget(conn, to_db(budget.window(now).0), budget.holders)?)
}

/// Forgets the budget windows that ended a day ago or earlier.
pub fn prune_budgets(conn: &mut DbConnection, now: OffsetDateTime) -> Result<usize, Fault> {
    Ok(db::card_token_reads::prune(conn, to_db(now - time::Duration::days(1)))?)
}

pub struct Card {
    pub public_id: String,
    pub status: HolderStatus,
    /// A coupon sanction (art. 15(1)): the ID stays usable, coupons do not.
    pub coupon_suspended: bool,
    pub handbooks: Vec<CardHandbook>,
}

/// One handbook as the app's detail screen shows it (DOMAIN.md "The app's card").
pub struct CardHandbook {
    pub kind: HandbookKind,
    pub name: String,
    pub name_kana: String,
    pub birth_date: Date,
    pub grade: String,
    pub fare_class: Option<FareClass>,
    pub care: bool,
    pub municipality: String,
    pub number: String,
    /// 「未来県 第1000001号」: the issuer's place and the number, as the app shows them.
    pub number_display: String,
    /// 障害名・障害の種別, as printed (the physical handbook always prints one).
    pub disability_category: Option<String>,
    /// 自立支援医療受給者番号, printed on some mental handbooks.
    pub medical_number: Option<String>,
    /// The handbook's name as printed (「愛の手帳」), else the kind's usual name.
    pub handbook_name: String,
    pub issued_on: Date,
    pub renewed_on: Option<Date>,
    pub expires_on: Option<Date>,
    /// 「2027-03」 for a year and month, or the full date.
    pub recertification: Option<String>,
    /// This handbook's Myna Portal link: the intellectual handbook has no Myna data.
    pub myna_link: LinkStatus,
    /// A face crop was marked: the app may fetch it (`face`).
    pub has_face: bool,
    /// When this handbook was verified against the portal, while it is 連携済.
    pub myna_verified_at: Option<OffsetDateTime>,
}

/// The holder's card at `now`, or `None` for an unknown ID. A read refused after a lost-phone
/// suspension is the third time of that report (the company's liability ends there), kept
/// with an audit event the first time.
pub fn card(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    reader: &Reader,
    public_id: &PublicId,
    provided: &Provided,
    now: OffsetDateTime,
) -> Result<Read<Card>, Fault> {
    let today = today_jst(now);
    let Some(holder) = db::holders::find_by_public_id(conn, public_id.as_str())? else {
        return Ok(Read::Unknown);
    };
    let approved = if holder.status == HolderStatus::Active {
        db::handbooks::approved_of_holder(conn, holder.id)?
    } else {
        Vec::new()
    };
    let handbooks = shown_at_counter(holder.status, approved, provided, today)?;
    // Every read discloses special-care data: it leaves a countable trace. A read refused
    // after a lost-phone suspension is noted on the report the first time only: the guarded
    // update decides which read that is, so two at once cannot both claim it.
    let at = to_db(now);
    let refused = write_tx(conn, |c| {
        if let Some(refused) = admit(c, reader, holder.id, now)? {
            return Ok(Some(refused));
        }
        if holder.status != HolderStatus::Active && db::lost_device::note_refused_read(c, holder.id, at)? > 0 {
            audit::append(
                c,
                keys,
                at,
                AuditEntry::new(Actor::App, "lost_device.card_refused", "holder", holder.id)
                    .details(json!({"status": holder.status.as_str()})),
            )?;
        }
        // Counted per holder and day beside the chain, not sealed into it: the counters read
        // all day, and one chain row per read would serialise them on the chain's head.
        db::card_reads::add(c, holder.id, today)?;
        Ok::<_, Fault>(None)
    })?;
    if let Some(refused) = refused {
        return Ok(refused);
    }
    Ok(Read::Found(Card {
        public_id: holder.public_id,
        status: holder.status,
        coupon_suspended: holder.coupon_suspended,
        handbooks,
    }))
}

/// Counts a card caller slowed down for asking after too many unknown IDs: one a window,
/// per day, beside the audit chain (the dashboards show it).
pub fn record_throttled(conn: &mut DbConnection, today: Date) -> Result<(), Fault> {
    Ok(db::tallies::add(conn, db::tallies::CARD_THROTTLED, today)?)
}

/// The face crop of the holder's handbook of `kind`, under the card's rule: only while the ID
/// is in use and the handbook is shown at the counter. Each fetch is audited like a card read.
/// `None` when there is nothing to show.
pub fn face(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    store: &crate::images::ImageStore,
    reader: &Reader,
    public_id: &PublicId,
    kind: HandbookKind,
    now: OffsetDateTime,
) -> Result<Read<Vec<u8>>, Fault> {
    let Some(holder) = db::holders::find_by_public_id(conn, public_id.as_str())? else { return Ok(Read::Unknown) };
    if holder.status != HolderStatus::Active {
        return Ok(Read::Unknown);
    }
    if let Some(refused) = write_tx(conn, |c| admit(c, reader, holder.id, now))? {
        return Ok(refused);
    }
    let today = today_jst(now);
    let shown = db::handbooks::approved_of_holder(conn, holder.id)?
        .into_iter()
        .find(|h| h.kind == kind && h.expires_on.is_none_or(|e| e >= today));
    let Some(key) = shown.and_then(|h| h.face_key) else { return Ok(Read::Unknown) };
    let bytes = store.get(&key)?;
    let at = to_db(now);
    write_tx(conn, |c| {
        audit::append(
            c,
            keys,
            at,
            AuditEntry::new(Actor::App, "card.face_read", "holder", holder.id).details(json!({"kind": kind.as_str()})),
        )
    })?;
    Ok(Read::Found(bytes))
}

/// The rule: nothing unless the ID is in use; then each approved handbook not past its expiry.
fn shown_at_counter(
    status: HolderStatus,
    approved: Vec<ApprovedHandbook>,
    provided: &Provided,
    today: Date,
) -> Result<Vec<CardHandbook>, Fault> {
    if status != HolderStatus::Active {
        return Ok(Vec::new());
    }
    approved
        .into_iter()
        .filter(|h| h.expires_on.is_none_or(|e| e >= today))
        .map(|h| {
            let fare_class = match h.fare_class.as_deref() {
                None => None,
                Some(code) => Some(FareClass::from_code(code).ok_or(Fault::Corrupt("handbook_fields.fare_class"))?),
            };
            Ok(CardHandbook {
                has_face: h.face_key.is_some(),
                kind: h.kind,
                myna_link: LinkStatus::of(h.kind, &h.myna_link, provided),
                myna_verified_at: h
                    .myna_verified_at
                    .filter(|_| h.myna_link == LinkStatus::Linked.code())
                    .map(crate::clock::from_db),
                name: h.name,
                name_kana: h.name_kana,
                birth_date: h.birth_date,
                grade: h.grade,
                fare_class,
                care: h.care,
                number_display: crate::domain::normalize::number_display(&h.municipality, &h.number),
                disability_category: h.disability_category,
                medical_number: h.medical_number,
                handbook_name: h.handbook_name.unwrap_or_else(|| h.kind.label().to_owned()),
                municipality: h.municipality,
                number: h.number,
                issued_on: h.issued_on,
                renewed_on: h.renewed_on,
                expires_on: h.expires_on,
                recertification: h.recert_on.map(|d| {
                    if h.recert_month_only {
                        format!("{:04}-{:02}", d.year(), u8::from(d.month()))
                    } else {
                        d.to_string()
                    }
                }),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn handbook(expires_on: Option<Date>) -> ApprovedHandbook {
        ApprovedHandbook {
            kind: HandbookKind::Mental,
            name: "佐藤 花子".into(),
            name_kana: "サトウ ハナコ".into(),
            birth_date: date!(1990 - 01 - 02),
            grade: "2級".into(),
            fare_class: Some("2".into()),
            care: false,
            municipality: "若葉市".into(),
            number: "12345".into(),
            issued_on: date!(2025 - 04 - 01),
            renewed_on: None,
            expires_on,
            recert_on: Some(date!(2027 - 03 - 01)),
            recert_month_only: true,
            disability_category: Some("精神障害".into()),
            medical_number: None,
            handbook_name: None,
            face_key: None,
            myna_link: "linked".into(),
            myna_verified_at: None,
        }
    }

    #[test]
    fn only_an_active_id_shows_its_unexpired_handbooks() {
        let today = date!(2026 - 11 - 25);
        let list = || vec![handbook(Some(today)), handbook(Some(date!(2026 - 11 - 24))), handbook(None)];
        let shown = shown_at_counter(HolderStatus::Active, list(), &Provided::default(), today).unwrap();
        assert_eq!(shown.len(), 2, "the handbook that expired yesterday is not shown; today's still is");
        assert_eq!(shown[0].recertification.as_deref(), Some("2027-03"));
        assert_eq!(shown[0].fare_class, Some(FareClass::Second));
        assert_eq!(shown[0].myna_link, LinkStatus::Linked);
        for status in [HolderStatus::Suspended, HolderStatus::Revoked, HolderStatus::Pending] {
            assert!(shown_at_counter(status, list(), &Provided::default(), today).unwrap().is_empty(), "{status:?}");
        }
    }

    #[test]
    fn an_unknown_fare_class_code_is_a_fault() {
        let bad = ApprovedHandbook { fare_class: Some("9".into()), ..handbook(None) };
        assert!(
            shown_at_counter(HolderStatus::Active, vec![bad], &Provided::default(), date!(2026 - 11 - 25)).is_err()
        );
    }
}

#[cfg(test)]
mod link_tests {
    use super::*;

    #[test]
    fn the_intellectual_handbook_has_no_myna_link() {
        let provided = Provided::default();
        assert_eq!(LinkStatus::of(HandbookKind::Intellectual, "linked", &provided), LinkStatus::None);
        assert_eq!(LinkStatus::of(HandbookKind::Physical, "pending", &provided), LinkStatus::Pending);
        assert_eq!(LinkStatus::of(HandbookKind::Mental, "unlinked", &provided), LinkStatus::Unlinked);
        let later = Provided { intellectual: vec![crate::domain::reconcile::Field::Grade], ..Provided::default() };
        assert_eq!(LinkStatus::of(HandbookKind::Intellectual, "linked", &later), LinkStatus::Linked, "a setting");
    }
}
