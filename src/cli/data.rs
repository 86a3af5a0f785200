//! The database and the photo store: `migrate`, `seed`, `purge-expired`, `backup`, `restore`.

use std::path::PathBuf;

use super::{audit_tools, configuration, database_url, demo_settings, pool};
use crate::audit::Actor;
use crate::clock::SharedClock;
use crate::db;
use crate::images::ImageStore;

/// Applies pending migrations.
pub(super) fn migrate() -> anyhow::Result<()> {
    let url = database_url()?;
    let pool = db::connect_pool(&url, 1)?;
    let applied = db::run_migrations(&mut *pool.get()?)?;
    println!("{applied} migration(s) applied to {url}");
    Ok(())
}

/// Bulk synthetic data for benchmarks (and sealed audit events for the export benchmark).
pub(super) fn seed(clock: SharedClock, holders: usize, audit_events: usize, force: bool) -> anyhow::Result<()> {
    let settings = demo_settings()?;
    crate::demo::guard::check(&settings.database_url, &settings.data_dir, force)?;
    let pool = db::connect_pool(&settings.database_url, 2)?;
    db::run_migrations(&mut *pool.get()?)?;
    let store = ImageStore::from_settings(&settings)?;
    if audit_events > 0 {
        let keys = crate::audit::AuditKeys::new(&settings.audit_key, &settings.old_audit_keys);
        let started = std::time::Instant::now();
        let n = crate::bench::export::seed_audit_events(&mut *pool.get()?, &keys, audit_events, clock.now())?;
        println!("appended {n} audit events in {:.1} s", started.elapsed().as_secs_f64());
    }
    let started = std::time::Instant::now();
    let stats = crate::demo::bulk::seed(&mut *pool.get()?, &store, holders, clock.now())?;
    // The planner must know the tables' new size before the first query.
    let analysed = std::time::Instant::now();
    db::analyze(&mut *pool.get()?)?;
    println!("planner statistics gathered in {:.1} s", analysed.elapsed().as_secs_f64());
    println!(
        "seeded {} holders, {} handbooks, {} photo rows in {:.1} s",
        stats.holders,
        stats.handbooks,
        stats.images,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Purges the Myna Portal values whose consent has ended, applies the retention schedule, then
/// sweeps the photo store.
pub(super) fn purge_expired(clock: SharedClock) -> anyhow::Result<()> {
    let pool = pool()?;
    let (keys, _) = audit_tools()?;
    let n = crate::services::myna::purge::expired(&mut *pool.get()?, &keys, Actor::Cli, clock.now())?;
    println!("purged the Myna Portal values of {n} ended consent(s)");
    let (photo_store, data_dir) = crate::settings::photo_store_from_env().map_err(configuration)?;
    // The sweep lists and removes files, never opens one: no image key is needed.
    let unused = crate::secrets::Secret::new(crate::secrets::random::bytes::<32>());
    let store = ImageStore::open(&photo_store, &data_dir, crate::images::Keyring::new(&unused, &[]))?;
    let schedule = crate::settings::retention_from_env().map_err(configuration)?;
    let receipt =
        crate::services::retention::run(&mut *pool.get()?, &store, &schedule, &keys, Actor::Cli, clock.now())?;
    println!(
        "retention: removed the photos and transcriptions of {} registration(s) ({} ended ID(s)), {} file(s)",
        receipt.registrations, receipt.holders, receipt.files
    );
    let swept = crate::services::photos::sweep_store(&mut *pool.get()?, &keys, &store, Actor::Cli, clock.now())?;
    println!(
        "photo store: removed {} temporary file(s) and {} photo file(s) no row names",
        swept.temp_files, swept.orphan_photos
    );
    Ok(())
}

fn store_tools() -> anyhow::Result<crate::settings::StoreTools> {
    crate::settings::store_tools_from_env().map_err(configuration)
}

/// A consistent copy of the database and the photo store, with a sealed manifest.
pub(super) async fn backup(clock: SharedClock, out: PathBuf) -> anyhow::Result<()> {
    let (url, tools, now) = (database_url()?, store_tools()?, clock.now());
    let report = tokio::task::spawn_blocking(move || crate::services::backup::take(&url, &tools, &out, now)).await??;
    println!(
        "backup complete: {} files ({} photo-store files), audit chain head #{}",
        report.files, report.photos, report.audit_head
    );
    Ok(())
}

/// Restores a backup into an empty data folder, checking it against its manifest.
pub(super) async fn restore(clock: SharedClock, from: PathBuf) -> anyhow::Result<()> {
    let (url, tools, now) = (database_url()?, store_tools()?, clock.now());
    let report =
        tokio::task::spawn_blocking(move || crate::services::backup::restore(&url, &tools, &from, now)).await??;
    println!(
        "restore complete: {} files checked against the manifest, {} photo-store files open, audit chain of {} events verified",
        report.files, report.photos, report.audit_head
    );
    Ok(())
}
