//! `audit verify`, `audit checkpoint` and `audit verify-export`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::{audit_tools, pool};
use crate::clock::SharedClock;

/// Recomputes the chain and compares it with every checkpoint: exit 1 on the first break.
pub(super) fn verify() -> anyhow::Result<ExitCode> {
    let pool = pool()?;
    let (keys, dir) = audit_tools()?;
    Ok(match crate::audit::verify(&mut *pool.get()?, &keys, &dir) {
        Ok(report) => {
            println!(
                "audit chain intact: {} event(s), {} checkpoint(s){}",
                report.events,
                report.checkpoints,
                report.last_checkpoint.map(|s| format!(", the newest at #{s}")).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("audit chain BROKEN: {error}");
            ExitCode::FAILURE
        }
    })
}

/// Writes a signed checkpoint of the chain's head now.
pub(super) fn checkpoint(clock: SharedClock) -> anyhow::Result<()> {
    let pool = pool()?;
    let (keys, dir) = audit_tools()?;
    match crate::audit::checkpoint_now(&mut *pool.get()?, &keys, &dir, clock.now())? {
        Some(mark) => println!("checkpoint written: event #{} in {}", mark.seq, dir.display()),
        None => println!("the audit trail is empty: nothing to checkpoint"),
    }
    Ok(())
}

/// Exit 0 if `file` is, byte for byte, an export the console recorded.
pub(super) fn verify_export(file: &Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let pool = pool()?;
    Ok(match crate::services::exports::find_export(&mut *pool.get()?, &bytes)? {
        Some((seq, who, at, export)) => {
            let at = crate::clock::from_db(at).to_offset(crate::clock::JST);
            println!("{} is the {export} export recorded as audit event #{seq} ({who}, {at})", file.display());
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("{} is not an export the console recorded (no export event has its SHA-256)", file.display());
            ExitCode::FAILURE
        }
    })
}
