//! CSV exports for compliance auditors: the audit trail, review decisions, sanctions and
//! lost-phone reports over a range of days in Japan.
//!
//! Excel opens them as they are: UTF-8 with a BOM, Japanese headers, CRLF. A cell that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`. The
//! rows stream out in pages read by keyset, so memory stays flat however long the range; the
//! bytes sent are hashed as they go, and the export's own audit event records who, which
//! export, the range, the row count and that SHA-256, so a file can later be proven to be the
//! console's (`handbook-admin audit verify-export FILE`).

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::json;
use sha2::{Digest, Sha256};
use time::PrimitiveDateTime;

use crate::audit::{self, Actor, AuditEntry, catalogue};
use crate::clock::{from_db, to_db};
use crate::db::audit::{BrowsedEvent, Filter};
use crate::db::{self, DbConnection, write_tx};
use crate::domain::period::Period;
use crate::domain::review::Defect;
use crate::error::Fault;
use crate::services::acting::Acting;

/// Rows read per page: large enough to amortise each query, small enough for flat memory.
const PAGE: i64 = 5_000;
/// Bytes gathered before a chunk is handed to the connection.
const CHUNK: usize = 64 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Audit,
    Decisions,
    Sanctions,
    LostDevice,
    /// Myna Portal consents with their withdrawal and purge: what an inspection asks for.
    MynaConsents,
    /// Card reads per holder and day (kept beside the chain, not in it).
    CardReads,
}

impl ExportKind {
    pub const ALL: [ExportKind; 6] = [
        ExportKind::Audit,
        ExportKind::Decisions,
        ExportKind::Sanctions,
        ExportKind::LostDevice,
        ExportKind::MynaConsents,
        ExportKind::CardReads,
    ];

    /// The name in the URL and the file (`/exports/{name}.csv`).
    pub fn name(self) -> &'static str {
        match self {
            ExportKind::Audit => "audit",
            ExportKind::Decisions => "decisions",
            ExportKind::Sanctions => "sanctions",
            ExportKind::LostDevice => "lost-device",
            ExportKind::MynaConsents => "myna-consents",
            ExportKind::CardReads => "card-reads",
        }
    }

    pub fn parse(name: &str) -> Option<ExportKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    fn headers(self) -> &'static [&'static str] {
        match self {
            ExportKind::Audit => &[
                "番号",
                "日時",
                "操作者",
                "操作者のメールアドレス",
                "操作者の種別",
                "操作",
                "操作の説明",
                "対象の種類",
                "対象の番号",
                "理由",
                "詳細",
                "リクエストID",
                "封印の鍵ID",
                "封印",
            ],
            ExportKind::Decisions => &[
                "判定番号",
                "日時",
                "登録番号",
                "利用者ID",
                "手帳の種類",
                "判定",
                "不備",
                "判定者",
                "判定者のメールアドレス",
            ],
            ExportKind::Sanctions => &[
                "処分番号",
                "起案日時",
                "利用者ID",
                "処分",
                "条項",
                "規約の版",
                "状態",
                "事前通知",
                "起案者",
                "判断者",
                "判断日時",
                "実施日時",
            ],
            ExportKind::LostDevice => &[
                "受付番号",
                "経路",
                "届出の受付日時",
                "利用停止の日時",
                "停止後の最初のカード表示拒否",
                "利用再開の日時",
                "利用者ID",
                "本人確認の失敗回数",
                "記録者",
                "記録日時",
            ],
            ExportKind::MynaConsents => &[
                "同意番号",
                "同意の日時",
                "利用者ID",
                "マイナポータルの要求ID",
                "利用目的",
                "同意の期限",
                "同意の撤回",
                "情報の消去",
            ],
            ExportKind::CardReads => &["日付", "利用者ID", "カード表示の回数"],
        }
    }
}

/// A cell as a spreadsheet may safely read it: a leading character that would start a formula
/// (or a DDE payload) is neutralised by a leading apostrophe.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

fn jst(at: PrimitiveDateTime) -> String {
    let local = from_db(at).to_offset(crate::clock::JST);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        local.year(),
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    )
}

fn jst_opt(at: Option<PrimitiveDateTime>) -> String {
    at.map(jst).unwrap_or_default()
}

/// One row of an export: an audit event is written straight from its columns (the long
/// export, millions of rows, allocates nothing more per row); the others as text cells.
enum Record {
    Event(Box<BrowsedEvent>),
    Cells(Vec<String>),
}

/// One page of rows, and the keyset of its last row.
type Rows = (Vec<Record>, Option<(PrimitiveDateTime, i64)>);

fn audit_rows(events: Vec<BrowsedEvent>) -> Rows {
    let last = events.last().map(|e| (e.event.occurred_at, e.event.seq));
    (events.into_iter().map(|e| Record::Event(Box::new(e))).collect(), last)
}

/// Writes one cell, neutralised.
fn cell(csv: &mut csv::Writer<Buffer>, text: &str) -> Result<(), Fault> {
    csv.write_field(neutralise(text).as_bytes()).map_err(|_| Fault::Corrupt("export row"))
}

fn write_record(csv: &mut csv::Writer<Buffer>, record: &Record, scratch: &mut String) -> Result<(), Fault> {
    use std::fmt::Write as _;
    match record {
        Record::Cells(cells) => {
            for text in cells {
                cell(csv, text)?;
            }
        }
        Record::Event(e) => {
            let ev = &e.event;
            scratch.clear();
            let _ = write!(scratch, "{}", ev.seq);
            cell(csv, scratch)?;
            let local = from_db(ev.occurred_at).to_offset(crate::clock::JST);
            scratch.clear();
            let _ = write!(
                scratch,
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                local.year(),
                u8::from(local.month()),
                local.day(),
                local.hour(),
                local.minute(),
                local.second()
            );
            cell(csv, scratch)?;
            cell(csv, e.staff_name.as_deref().unwrap_or_default())?;
            cell(csv, e.staff_email.as_deref().unwrap_or_default())?;
            cell(csv, if ev.actor_staff_id.is_some() { "staff" } else { &ev.actor })?;
            cell(csv, &ev.action)?;
            cell(csv, catalogue::label(&ev.action).unwrap_or_default())?;
            cell(csv, &ev.target_type)?;
            cell(csv, &ev.target_id)?;
            cell(csv, ev.reason.as_deref().unwrap_or_default())?;
            cell(csv, &ev.details)?;
            cell(csv, ev.request_id.as_deref().unwrap_or_default())?;
            cell(csv, ev.key_id.as_deref().unwrap_or_default())?;
            cell(csv, &ev.hash)?;
        }
    }
    csv.write_record(None::<&[u8]>).map_err(|_| Fault::Corrupt("export row"))
}

fn name_of(names: &HashMap<i64, (String, String)>, id: Option<i64>) -> String {
    id.and_then(|id| names.get(&id)).map(|(name, _)| name.clone()).unwrap_or_default()
}

/// A time range `[from, until)` as stored, and a page's keyset.
type Range = (PrimitiveDateTime, PrimitiveDateTime);
type Key = Option<(PrimitiveDateTime, i64)>;

fn page(conn: &mut DbConnection, kind: ExportKind, range: Range, after: Key) -> Result<Rows, Fault> {
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
    }
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

/// The bytes the CSV writer has flushed and the connection has not yet been handed.
#[derive(Clone, Default)]
struct Buffer(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Buffer {
    fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// The bytes so far; the buffer starts again at full size, so it never regrows.
    fn take(&self) -> Vec<u8> {
        std::mem::replace(&mut *self.0.borrow_mut(), Vec::with_capacity(CHUNK + CHUNK / 4))
    }
}

impl std::io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What an export sent, as its audit event records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
    /// The receiver took every byte (a closed connection ends the export early).
    pub complete: bool,
}

/// Who exports, when: a member of staff on the console, or an operator's benchmark.
pub struct Requester<'a> {
    pub actor: Actor,
    pub now: time::OffsetDateTime,
    pub request_id: Option<&'a str>,
    pub audit: &'a crate::audit::AuditKeys,
}

impl<'a> From<&Acting<'a>> for Requester<'a> {
    fn from(acting: &Acting<'a>) -> Self {
        Requester {
            actor: Actor::Staff(acting.staff_id),
            now: acting.now,
            request_id: acting.request_id,
            audit: acting.audit,
        }
    }
}

/// Writes the export to `sink` chunk by chunk (`sink` returns `false` when the receiver has
/// gone), then records the export's audit event. Reads in pages on `conn`; holds no
/// transaction open while sending.
pub fn write(
    conn: &mut DbConnection,
    kind: ExportKind,
    period: Period,
    requester: &Requester<'_>,
    mut sink: impl FnMut(Vec<u8>) -> bool,
) -> Result<Summary, Fault> {
    let (from, until) = period.bounds();
    let range = (to_db(from), to_db(until));
    let mut hasher = Sha256::new();
    let mut summary = Summary { rows: 0, bytes: 0, sha256: String::new(), complete: true };
    let streamed = stream(conn, kind, range, &mut summary, &mut |chunk: Vec<u8>| {
        hasher.update(&chunk);
        sink(chunk)
    });
    // Whatever went out is recorded, an export that failed half-way too (as incomplete).
    if streamed.is_err() {
        summary.complete = false;
    }
    summary.sha256 = hex::encode(hasher.finalize());
    record(conn, kind, period, requester, &summary)?;
    streamed.map(|()| summary)
}

/// Writes the CSV page by page into `send`, counting rows and bytes in `summary`; stops early
/// (incomplete) when `send` says the receiver has gone.
fn stream(
    conn: &mut DbConnection,
    kind: ExportKind,
    range: Range,
    summary: &mut Summary,
    send: &mut dyn FnMut(Vec<u8>) -> bool,
) -> Result<(), Fault> {
    let mut deliver = |chunk: Vec<u8>, summary: &mut Summary| {
        summary.bytes += chunk.len() as u64;
        send(chunk)
    };
    let buffer = Buffer::default();
    buffer.0.borrow_mut().extend_from_slice(BOM);
    let mut csv = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(buffer.clone());
    let mut scratch = String::new();
    csv.write_record(kind.headers()).map_err(|_| Fault::Corrupt("export header"))?;
    let mut after = None;
    loop {
        let (rows, last) = page(conn, kind, range, after)?;
        let full = rows.len() as i64 == PAGE;
        for row in &rows {
            write_record(&mut csv, row, &mut scratch)?;
            summary.rows += 1;
            if buffer.len() >= CHUNK && !deliver(buffer.take(), summary) {
                summary.complete = false;
                return Ok(());
            }
        }
        match (full, last) {
            (true, Some(key)) => after = Some(key),
            _ => break,
        }
    }
    csv.flush().map_err(|_| Fault::Corrupt("export flush"))?;
    let rest = buffer.take();
    if !rest.is_empty() && !deliver(rest, summary) {
        summary.complete = false;
    }
    Ok(())
}

fn record(
    conn: &mut DbConnection,
    kind: ExportKind,
    period: Period,
    requester: &Requester<'_>,
    summary: &Summary,
) -> Result<(), Fault> {
    let at = to_db(requester.now);
    write_tx(conn, |c| {
        audit::append(
            c,
            requester.audit,
            at,
            AuditEntry::new(requester.actor.clone(), "export.downloaded", "export", kind.name())
                .details(json!({
                    "export": kind.name(),
                    "from": period.from.to_string(),
                    "to": period.to.to_string(),
                    "rows": summary.rows,
                    "bytes": summary.bytes,
                    "sha256": summary.sha256,
                    "complete": summary.complete,
                }))
                .request_id(requester.request_id),
        )
    })?;
    Ok(())
}

/// The export event whose SHA-256 matches `bytes`, if the console produced them: (seq, who,
/// when, which export).
pub fn find_export(
    conn: &mut DbConnection,
    bytes: &[u8],
) -> Result<Option<(i64, String, PrimitiveDateTime, String)>, Fault> {
    let sha = hex::encode(Sha256::digest(bytes));
    let filter = Filter { action: Some("export.downloaded".into()), ..Filter::default() };
    let mut after = None;
    loop {
        let events = db::audit::export_page(conn, &filter, after, PAGE)?;
        let Some(last) = events.last().map(|e| (e.event.occurred_at, e.event.seq)) else { return Ok(None) };
        for e in &events {
            let details: serde_json::Value = Fault::parse_json("audit_events.details", &e.event.details)?;
            if details["sha256"] == sha.as_str() && details["complete"] == true {
                let who = e.staff_email.clone().unwrap_or_else(|| e.event.actor.clone());
                return Ok(Some((e.event.seq, who, e.event.occurred_at, e.event.target_id.clone())));
            }
        }
        after = Some(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_not() {
        for risky in ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"] {
            assert!(neutralise(risky).starts_with('\''), "{risky:?}");
        }
        for plain in ["高橋 太郎", "2026-11-01", "a=b", ""] {
            assert_eq!(neutralise(plain), plain);
        }
    }

    #[test]
    fn names_round_trip() {
        for k in ExportKind::ALL {
            assert_eq!(ExportKind::parse(k.name()), Some(k));
            assert!(!k.headers().is_empty());
        }
        assert_eq!(ExportKind::parse("holders"), None);
    }

    #[test]
    fn times_are_written_in_japan() {
        assert_eq!(jst(time::macros::datetime!(2026-11-30 15:00:00)), "2026-12-01 00:00:00");
    }
}
