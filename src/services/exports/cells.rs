//! Rows as CSV cells: times in Japan, every cell neutralised against spreadsheet formulas, an
//! audit event written straight from its columns, and the buffer chunks are cut from.

use std::borrow::Cow;

use time::PrimitiveDateTime;

use super::CHUNK;
use crate::audit::catalogue;
use crate::clock::from_db;
use crate::db::audit::BrowsedEvent;
use crate::error::Fault;

/// A cell as a spreadsheet may safely read it: a leading character that would start a formula
/// (or a DDE payload) is neutralised by a leading apostrophe.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

pub(super) fn jst(at: PrimitiveDateTime) -> String {
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

pub(super) fn jst_opt(at: Option<PrimitiveDateTime>) -> String {
    at.map(jst).unwrap_or_default()
}

/// One row of an export: an audit event is written straight from its columns (the long
/// export, millions of rows, allocates nothing more per row); the others as text cells.
pub(super) enum Record {
    Event(Box<BrowsedEvent>),
    Cells(Vec<String>),
}

/// One page of rows, and the keyset of its last row.
pub(super) type Rows = (Vec<Record>, Option<(PrimitiveDateTime, i64)>);

pub(super) fn audit_rows(events: Vec<BrowsedEvent>) -> Rows {
    let last = events.last().map(|e| (e.event.occurred_at, e.event.seq));
    (events.into_iter().map(|e| Record::Event(Box::new(e))).collect(), last)
}

/// Writes one cell, neutralised.
fn cell(csv: &mut csv::Writer<Buffer>, text: &str) -> Result<(), Fault> {
    csv.write_field(neutralise(text).as_bytes()).map_err(|_| Fault::Corrupt("export row"))
}

pub(super) fn write_record(csv: &mut csv::Writer<Buffer>, record: &Record, scratch: &mut String) -> Result<(), Fault> {
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

/// The bytes the CSV writer has flushed and the connection has not yet been handed.
#[derive(Clone, Default)]
pub(super) struct Buffer(pub(super) std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Buffer {
    pub(super) fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// The bytes so far; the buffer starts again at full size, so it never regrows.
    pub(super) fn take(&self) -> Vec<u8> {
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
