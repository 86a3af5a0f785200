//! Each export's rows, read one keyset page at a time.

use std::collections::HashMap;

use time::PrimitiveDateTime;

use super::cells::{Record, Rows, audit_rows, jst, jst_opt};
use super::{ExportKind, PAGE};
use crate::clock::from_db;
use crate::db::audit::Filter;
use crate::db::{self, DbConnection};
use crate::domain::review::Defect;
use crate::error::Fault;

fn name_of(names: &HashMap<i64, (String, String)>, id: Option<i64>) -> String {
    id.and_then(|id| names.get(&id)).map(|(name, _)| name.clone()).unwrap_or_default()
}

/// A time range `[from, until)` as stored, and a page's keyset.
pub(super) type Range = (PrimitiveDateTime, PrimitiveDateTime);
pub(super) type Key = Option<(PrimitiveDateTime, i64)>;

pub(super) fn page(conn: &mut DbConnection, kind: ExportKind, range: Range, after: Key) -> Result<Rows, Fault> {
    match kind {
        ExportKind::Audit => {
            let filter = Filter { from: Some(range.0), until: Some(range.1), ..Filter::default() };
            Ok(audit_rows(db::audit::export_page(conn, &filter, after, PAGE)?))
        }
        ExportKind::Decisions => decision_rows(conn, range, after),
        ExportKind::Sanctions => sanction_rows(conn, range, after),
        ExportKind::LostDevice => report_rows(conn, range, after),
        ExportKind::MynaConsents => consent_rows(conn, range, after),
        ExportKind::CardReads => card_read_rows(conn, range, after),
        ExportKind::Disclosures => disclosure_rows(conn, range, after),
    }
}

/// The disclosure register, with who recorded each (name and e-mail).
fn disclosure_rows(conn: &mut DbConnection, range: Range, after: Key) -> Result<Rows, Fault> {
    let rows = db::exports::disclosures(conn, range.0, range.1, after, PAGE)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.disclosed_by).collect();
    let names = db::exports::staff_names(conn, &ids)?;
    let last = rows.last().map(|r| (r.disclosed_at, r.id));
    let text = rows
        .into_iter()
        .map(|r| {
            let email = names.get(&r.disclosed_by).map(|(_, e)| e.clone()).unwrap_or_default();
            Record::Cells(vec![
                r.id.to_string(),
                jst(r.disclosed_at),
                r.public_id,
                r.recipient,
                r.basis,
                r.sanction_id.map(|s| s.to_string()).unwrap_or_default(),
                name_of(&names, Some(r.disclosed_by)),
                email,
            ])
        })
        .collect();
    Ok((text, last))
}

/// Reads per holder and Japanese day. The keyset carries the day as its midnight.
fn card_read_rows(conn: &mut DbConnection, range: Range, after: Key) -> Result<Rows, Fault> {
    let day = |at: PrimitiveDateTime| crate::clock::today_jst(from_db(at));
    let (first, last) = (day(range.0), day(range.1 - time::Duration::microseconds(1)));
    let rows = db::card_reads::page(conn, first, last, after.map(|(at, id)| (at.date(), id)), PAGE)?;
    let key = rows.last().map(|(d, id, _, _)| (d.midnight(), *id));
    let text = rows
        .into_iter()
        .map(|(d, _, public_id, reads)| Record::Cells(vec![d.to_string(), public_id, reads.to_string()]))
        .collect();
    Ok((text, key))
}

/// Myna Portal consents, with when each was withdrawn and when its values were purged.
fn consent_rows(conn: &mut DbConnection, range: Range, after: Key) -> Result<Rows, Fault> {
    let rows = db::exports::myna_consents(conn, range.0, range.1, after, PAGE)?;
    let last = rows.last().map(|r| (r.granted_at, r.id));
    let text = rows
        .into_iter()
        .map(|r| {
            Record::Cells(vec![
                r.id.to_string(),
                jst(r.granted_at),
                r.public_id,
                r.request_id,
                r.purpose,
                jst(r.valid_until),
                jst_opt(r.withdrawn_at),
                jst_opt(r.purged_at),
            ])
        })
        .collect();
    Ok((text, last))
}

/// Decisions, with who decided (name and e-mail) and the defects by code and reason.
fn decision_rows(conn: &mut DbConnection, range: Range, after: Key) -> Result<Rows, Fault> {
    let (from, until) = range;
    let rows = db::exports::decisions(conn, from, until, after, PAGE)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.decided_by).collect();
    let names = db::exports::staff_names(conn, &ids)?;
    let last = rows.last().map(|r| (r.decided_at, r.id));
    let text = rows
        .into_iter()
        .map(|r| {
            let (name, email) = names.get(&r.decided_by).cloned().unwrap_or_default();
            let defects: Vec<String> = r
                .defect_codes
                .split(',')
                .filter(|c| !c.is_empty())
                .map(|c| Defect::parse(c).map(|d| format!("{c} {}", d.label())).unwrap_or_else(|| c.to_owned()))
                .collect();
            Record::Cells(vec![
                r.id.to_string(),
                jst(r.decided_at),
                r.handbook_id.to_string(),
                r.public_id,
                r.kind.label().to_owned(),
                r.decision.label().to_owned(),
                defects.join(" / "),
                name,
                email,
            ])
        })
        .collect();
    Ok((text, last))
}

/// Sanctions, with the article, terms version, state, and who proposed and decided.
fn sanction_rows(conn: &mut DbConnection, range: Range, after: Key) -> Result<Rows, Fault> {
    let (from, until) = range;
    let rows = db::exports::sanctions(conn, from, until, after, PAGE)?;
    let ids: Vec<i64> = rows.iter().flat_map(|r| [r.requested_by, r.decided_by]).flatten().collect();
    let names = db::exports::staff_names(conn, &ids)?;
    let last = rows.last().map(|r| (r.requested_at, r.id));
    let text = rows
        .into_iter()
        .map(|r| {
            Record::Cells(vec![
                r.id.to_string(),
                jst(r.requested_at),
                r.public_id,
                r.action.label().to_owned(),
                r.article.label().to_owned(),
                r.terms_version.unwrap_or_default(),
                r.state.label().to_owned(),
                if r.without_notice { "なし（第3条第5項）" } else { "あり" }.to_owned(),
                r.requested_by.map(|_| name_of(&names, r.requested_by)).unwrap_or_else(|| "システム".into()),
                name_of(&names, r.decided_by),
                jst_opt(r.decided_at),
                jst_opt(r.effective_at),
            ])
        })
        .collect();
    Ok((text, last))
}

/// Lost-phone reports with the three times the company's liability rests on.
fn report_rows(conn: &mut DbConnection, range: Range, after: Key) -> Result<Rows, Fault> {
    let (from, until) = range;
    let rows = db::exports::lost_device(conn, from, until, after, PAGE)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.recorded_by).collect();
    let names = db::exports::staff_names(conn, &ids)?;
    let last = rows.last().map(|r| (r.received_at, r.id));
    let text = rows
        .into_iter()
        .map(|r| {
            let channel = r.channel.label().to_owned();
            Record::Cells(vec![
                r.reference,
                channel,
                jst(r.received_at),
                jst_opt(r.suspended_at),
                jst_opt(r.first_refused_at),
                jst_opt(r.reinstated_at),
                r.public_id.unwrap_or_default(),
                r.failed_attempts.to_string(),
                name_of(&names, Some(r.recorded_by)),
                jst(r.recorded_at),
            ])
        })
        .collect();
    Ok((text, last))
}
