//! CSV exports for compliance auditors: the audit trail, review decisions, sanctions and
//! lost-phone reports over a range of days in Japan.
//!
//! Excel opens them as they are: UTF-8 with a BOM, Japanese headers, CRLF. A cell that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`. The
//! rows stream out in pages read by keyset, so memory stays flat however long the range; the
//! bytes sent are hashed as they go, and the export's own audit event records who, which
//! export, the range, the row count and that SHA-256, so a file can later be proven to be the
//! console's (`handbook-admin audit verify-export FILE`).

use serde_json::json;
use sha2::{Digest, Sha256};
use time::PrimitiveDateTime;

use crate::audit::{self, Actor, AuditEntry};
use crate::clock::to_db;
use crate::db::audit::Filter;
use crate::db::{self, DbConnection, write_tx};
use crate::domain::period::Period;
use crate::error::Fault;
use crate::services::acting::Acting;

mod cells;
mod pages;

pub use self::cells::neutralise;
use self::cells::{Buffer, write_record};
use self::pages::{Range, page};

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
    /// The register of disclosures to third parties: who, to whom, on what basis, when (never
    /// what was disclosed).
    Disclosures,
}

impl ExportKind {
    pub const ALL: [ExportKind; 7] = [
        ExportKind::Audit,
        ExportKind::Decisions,
        ExportKind::Sanctions,
        ExportKind::LostDevice,
        ExportKind::MynaConsents,
        ExportKind::CardReads,
        ExportKind::Disclosures,
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
            ExportKind::Disclosures => "disclosures",
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
            ExportKind::Disclosures => &[
                "開示番号",
                "開示日時",
                "利用者ID",
                "開示先",
                "根拠",
                "関連する処分番号",
                "記録者",
                "記録者のメールアドレス",
            ],
        }
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
    use super::cells::jst;
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
