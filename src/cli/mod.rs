//! The command line (CONTRACT.md "Commands"): clap's definitions in `args`, one function per
//! command, grouped by concern.

mod args;
mod audit;
mod bench;
mod data;
mod serve;
mod staff;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

pub use args::{AuditCommand, BenchCommand, Cli, Command, StaffCommand};

use crate::clock::{SharedClock, SystemClock};
use crate::db::{self, DatabaseUrl};
use crate::settings::DEFAULT_DATABASE_URL;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let clock: SharedClock = Arc::new(SystemClock);
    match cli.command {
        Command::Serve => serve::serve(clock).await?,
        Command::Demo { bind, force } => serve::demo(clock, bind, force).await?,
        Command::MynaSim { bind, callback, holders, seeded_on, tls_cert, tls_key, client_ca } => {
            let tls = match (tls_cert, tls_key, client_ca) {
                (Some(cert), Some(key), Some(client_ca)) => Some(crate::demo::myna_sim::Tls { cert, key, client_ca }),
                _ => None,
            };
            serve::myna_sim(clock, bind, callback, holders, seeded_on.as_deref(), tls).await?
        }
        Command::Migrate => data::migrate()?,
        Command::Seed { holders, audit_events, force } => data::seed(clock, holders, audit_events, force)?,
        Command::PurgeExpired => data::purge_expired(clock)?,
        Command::Backup { out } => data::backup(clock, out).await?,
        Command::Restore { from } => data::restore(clock, from).await?,
        Command::Bench { command } => bench::run(clock, command).await?,
        Command::Staff { command: StaffCommand::Add { email, name, role } } => staff::add(clock, &email, &name, &role)?,
        Command::Audit { command: AuditCommand::Verify } => return audit::verify(),
        Command::Audit { command: AuditCommand::Checkpoint } => audit::checkpoint(clock)?,
        Command::Audit { command: AuditCommand::VerifyExport { file } } => return audit::verify_export(&file),
    }
    Ok(ExitCode::SUCCESS)
}

/// `DATABASE_URL`, or the default SQLite file.
fn database_url() -> anyhow::Result<DatabaseUrl> {
    let raw = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    DatabaseUrl::parse(&raw).map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))
}

/// A small pool on `DATABASE_URL`, migrated.
fn pool() -> anyhow::Result<db::Pool> {
    let url = database_url()?;
    let pool = db::connect_pool(&url, 2).with_context(|| format!("cannot open {url}"))?;
    db::run_migrations(&mut *pool.get()?)?;
    Ok(pool)
}

/// A settings error as the one line the command prints.
fn configuration(e: crate::settings::SettingsError) -> anyhow::Error {
    anyhow::anyhow!("configuration: {e}")
}

/// The demo's settings, its secrets generated in its data folder on its first run.
fn demo_settings() -> anyhow::Result<crate::settings::Settings> {
    crate::demo::ensure_secrets(&crate::settings::data_dir_from_env())?;
    crate::settings::Settings::from_env(crate::settings::Mode::Demo).map_err(configuration)
}

/// The audit keys and checkpoint folder of the command-line audit tools.
fn audit_tools() -> anyhow::Result<(crate::audit::AuditKeys, std::path::PathBuf)> {
    crate::settings::audit_tools_from_env().map_err(configuration)
}
