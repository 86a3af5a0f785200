//! The servers: `serve`, `demo` (with its in-process Myna Portal simulator) and `myna-sim`.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use super::args::DEMO_HOLDERS;
use super::{configuration, demo_settings};
use crate::clock::SharedClock;
use crate::db;
use crate::demo::myna_sim::{self, Simulator, dataset::Dataset};
use crate::images::ImageStore;
use crate::settings::{Mode, Settings};
use crate::startup::Application;

/// The production server; configuration from the environment.
pub(super) async fn serve(clock: SharedClock) -> anyhow::Result<()> {
    let settings = Settings::from_env(Mode::Serve).map_err(configuration)?;
    let app = Application::build(settings, clock)?;
    tracing::info!(port = app.port(), "serving");
    app.run_until_stopped().await?;
    Ok(())
}

/// The console with demo data, and the Myna Portal simulator beside it.
pub(super) async fn demo(clock: SharedClock, bind: Option<SocketAddr>, force: bool) -> anyhow::Result<()> {
    let mut settings = demo_settings()?;
    crate::demo::guard::check(&settings.database_url, &settings.data_dir, force)?;
    if let Some(bind) = bind {
        settings.bind = bind;
    }
    let password = std::env::var("DEMO_PASSWORD").unwrap_or_else(|_| crate::demo::DEFAULT_PASSWORD.to_owned());
    let pool = db::connect_server_pool(&settings.database_url, settings.db)?;
    db::run_migrations(&mut *pool.get()?)?;
    let holders = std::env::var("DEMO_HOLDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(DEMO_HOLDERS);
    let now = clock.now();
    let fresh = crate::db::holders::count(&mut *pool.get()?)? == 0;
    let seeded_on = crate::demo::seeded_on(&settings.data_dir, fresh, now)?;
    // The Myna Portal simulator, in-process: its municipal data agrees with the demo's.
    let sim_listener = TcpListener::bind("127.0.0.1:0")?;
    let sim = demo_simulator(&settings, &clock, holders, seeded_on)?;
    if settings.myna_portal.is_none() {
        settings.myna_portal = Some(crate::myna::http::PortalConfig {
            url: format!("http://{}", sim_listener.local_addr()?),
            service_id: "handbook-admin-demo".into(),
            client_cert: None,
            client_key: None,
            ca: None,
        });
    }
    let seed = DemoSeed { pool: pool.clone(), password: password.clone(), sim: sim.clone(), holders, fresh };
    seed_demo(seed, &settings, now).await?;
    tokio::spawn(myna_sim::serve(sim, sim_listener, None)?);
    let app = Application::build_with_pool(settings, clock, pool)?;
    print_demo_banner(app.port(), &password);
    app.run_until_stopped().await?;
    Ok(())
}

/// The simulator the demo talks to, calling the demo's own callback back.
fn demo_simulator(
    settings: &Settings,
    clock: &SharedClock,
    holders: usize,
    seeded_on: time::Date,
) -> anyhow::Result<Arc<Simulator>> {
    let callback_host = if settings.bind.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], settings.bind.port()))
    } else {
        settings.bind
    };
    Simulator::new(
        Dataset::demo(holders, seeded_on),
        clock.clone(),
        format!("http://{callback_host}/api/v1/myna/callback"),
        settings.myna_callback_secret.first(),
        myna_sim::Behaviour::default(),
    )
}

/// What the demo seeds on start.
struct DemoSeed {
    pool: db::Pool,
    password: String,
    sim: Arc<Simulator>,
    holders: usize,
    /// An empty database: holders, photos and Myna Portal data are generated too.
    fresh: bool,
}

/// The demo staff (those missing), and on a fresh database the demo holders.
async fn seed_demo(seed: DemoSeed, settings: &Settings, now: time::OffsetDateTime) -> anyhow::Result<()> {
    let store = ImageStore::from_settings(settings)?;
    let keys = crate::audit::AuditKeys::new(&settings.audit_key, &settings.old_audit_keys);
    let due_days = settings.request_due_days;
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = seed.pool.get()?;
        crate::demo::seed_staff(&mut conn, &keys, &seed.password, now)?;
        if seed.fresh {
            let holders = seed.holders;
            println!("generating {holders} demo holders with handbook photos (first run only)…");
            let created = crate::demo::holders::seed(&mut conn, &keys, &store, holders, now)?;
            let (deliveries, requests) = crate::demo::myna::seed(&mut conn, &keys, &seed.sim, now)?;
            let asked = crate::demo::requests::seed(&mut conn, &keys, due_days, now)?;
            println!(
                "{created} demo holders ready ({deliveries} with Myna Portal data to check, {requests} Myna Portal requests, {asked} holder requests)"
            );
        }
        Ok(())
    })
    .await?
}

fn print_demo_banner(port: u16, password: &str) {
    println!();
    println!("handbook-admin demo: http://127.0.0.1:{port}/");
    println!("demo logins (password: {password}, no second factor in demo):");
    for (email, name, role) in crate::demo::STAFF {
        println!("  {email:<26} {:<12} {name}", role.as_str());
    }
    println!();
}

/// The Myna Portal simulator on its own, calling `callback` back.
pub(super) async fn myna_sim(
    clock: SharedClock,
    bind: SocketAddr,
    callback: String,
    holders: usize,
    seeded_on: Option<&str>,
    tls: Option<myna_sim::Tls>,
) -> anyhow::Result<()> {
    let seeded_on = match seeded_on {
        Some(day) => time::Date::parse(day, &time::format_description::well_known::Iso8601::DATE)
            .map_err(|_| anyhow::anyhow!("--seeded-on must be YYYY-MM-DD"))?,
        None => clock.now().date(),
    };
    let secret = std::env::var("MYNA_CALLBACK_SECRET").unwrap_or_else(|_| crate::settings::DEMO_MYNA_SECRET.to_owned());
    let sim = Simulator::new(
        Dataset::demo(holders, seeded_on),
        clock.clone(),
        callback,
        crate::secrets::Secret::new(secret).first(),
        myna_sim::Behaviour::default(),
    )?;
    let listener = TcpListener::bind(bind)?;
    println!(
        "Myna Portal simulator on {}://{} ({} holders)",
        if tls.is_some() { "https" } else { "http" },
        listener.local_addr()?,
        sim.dataset().len()
    );
    myna_sim::serve(sim, listener, tls.as_ref())?.await?;
    Ok(())
}
