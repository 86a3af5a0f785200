//! `bench http`, `bench export`, `bench ocr` and `bench intake`.

use super::{audit_tools, pool};
use crate::clock::SharedClock;

use super::BenchCommand;

pub(super) async fn run(clock: SharedClock, command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Http { target, email, password, clients, seconds, only } => {
            let options = crate::bench::http::Options {
                hosts: target,
                email,
                password,
                clients: clients.into_iter().map(|c| c.max(1)).collect(),
                seconds: seconds.max(1),
                only,
            };
            tokio::task::spawn_blocking(move || crate::bench::http::run(&options, &mut std::io::stdout().lock()))
                .await??;
        }
        BenchCommand::Export { kind, from, to } => export(clock, &kind, &from, &to)?,
        BenchCommand::Ocr { holders, runtime, models, dump, show_misses } => {
            let reader = crate::ocr::engine::PpOcr::load(&runtime, &models)?;
            let today = crate::clock::today_jst(clock.now());
            if let Some(dir) = dump {
                crate::bench::ocr::dump(reader.as_ref(), holders, &dir, today)?;
            }
            println!("{}", crate::bench::ocr::run(reader.as_ref(), holders, today, show_misses)?);
        }
        BenchCommand::Intake { iterations, breakdown } => {
            if breakdown {
                println!("{}", crate::bench::intake::breakdown()?);
            }
            println!("{}", crate::bench::intake::run(iterations.max(1))?);
        }
    }
    Ok(())
}

/// One CSV export through the console's pipeline.
fn export(clock: SharedClock, kind: &str, from: &str, to: &str) -> anyhow::Result<()> {
    let kind = crate::services::exports::ExportKind::parse(kind).ok_or_else(|| {
        anyhow::anyhow!(
            "--kind must be audit, decisions, sanctions, lost-device, myna-consents, card-reads or disclosures"
        )
    })?;
    let period = crate::domain::period::Period::parse(from, to).map_err(|e| anyhow::anyhow!("--from/--to: {e}"))?;
    let pool = pool()?;
    let (keys, _) = audit_tools()?;
    println!("{}", crate::bench::export::run(&mut *pool.get()?, &keys, kind, period, clock.now())?);
    Ok(())
}
