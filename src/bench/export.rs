//! `bench export`: one CSV export run through the console's own pipeline (keyset pages, the
//! csv writer, hashing) into a sink that counts, timed, with the process's memory growth; and
//! `seed --audit-events`, which fills a trail to export (sealed, so it still verifies).

use std::time::Instant;

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::audit::{self, Actor, AuditEntry, AuditKeys};
use crate::clock::to_db;
use crate::db::{DbConnection, write_tx};
use crate::domain::period::Period;
use crate::services::exports::{self, ExportKind, Requester};

/// Resident memory now and at its peak, in KiB (Linux; zeros elsewhere).
pub fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

pub fn run(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    kind: ExportKind,
    period: Period,
    now: OffsetDateTime,
) -> anyhow::Result<String> {
    let (rss_before, _) = rss_kib();
    let started = Instant::now();
    let mut first = None;
    let requester = Requester { actor: Actor::Cli, now, request_id: None, audit: keys };
    let summary = exports::write(conn, kind, period, &requester, |_chunk| {
        first.get_or_insert(started.elapsed());
        true
    })?;
    let took = started.elapsed().as_secs_f64();
    let (_, peak) = rss_kib();
    Ok(format!(
        "export {}: {} rows, {:.1} MiB in {:.2} s = {:.0} rows/s; first chunk after {:.1} ms; memory growth {:.1} MiB (peak RSS over RSS before)",
        kind.name(),
        summary.rows,
        summary.bytes as f64 / (1024.0 * 1024.0),
        took,
        summary.rows as f64 / took.max(1e-9),
        first.map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0),
        peak.saturating_sub(rss_before) as f64 / 1024.0,
    ))
}

/// Appends `count` plausible events (mostly card reads, some sign-ins and views) spread over
/// the 30 days before `now`, sealed like any other; returns how many were written.
pub fn seed_audit_events(
    conn: &mut DbConnection,
    keys: &AuditKeys,
    count: usize,
    now: OffsetDateTime,
) -> anyhow::Result<i64> {
    const BATCH: usize = 50_000;
    let start = now - Duration::days(30);
    let step = Duration::days(30) / (count.max(1) as i32);
    let mut written = 0;
    for first in (0..count).step_by(BATCH) {
        let entries = (first..(first + BATCH).min(count)).map(|i| {
            let at = to_db(start + step * (i as i32));
            let (actor, action, target) = match i % 10 {
                0 => (Actor::System, "notification.sent", "notification"),
                1 => (Actor::App, "registration.received", "handbook"),
                _ => (Actor::App, "card.read", "holder"),
            };
            let entry = AuditEntry::new(actor, action, target, (i * 7919) % 1_000_000 + 1)
                .details(json!({"status": "active", "handbooks": 1}));
            (at, entry)
        });
        written += write_tx(conn, |c| audit::append_many(c, keys, entries))?;
    }
    Ok(written)
}
