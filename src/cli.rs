//! The command line (CONTRACT.md "Commands").

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::audit::{self, Actor};
use crate::clock::{SharedClock, SystemClock};
use crate::db::{self, DatabaseUrl};
use crate::domain::staff::{NewPassword, Role, StaffEmail};
use crate::images::ImageStore;
use crate::services::accounts::manage::{self, NewAccount};
use crate::settings::{DEFAULT_DATABASE_URL, Mode, Settings};
use crate::startup::Application;

/// Demo holders seeded on the first `demo` run (`DEMO_HOLDERS` to change).
const DEMO_HOLDERS: usize = 240;

#[derive(Parser, Debug)]
#[command(name = "handbook-admin", version, about = "Internal console for disability handbook registrations")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Production server; configuration from the environment.
    Serve,
    /// The console with demo data on 127.0.0.1:8080 (or --bind).
    Demo {
        #[arg(long)]
        bind: Option<SocketAddr>,
        /// Write demo data (staff with a known password) even to PostgreSQL or a SQLite file
        /// outside the data folder.
        #[arg(long)]
        force: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// The Myna Portal simulator on its own: answers signed requests inside the municipal
    /// server's hours and delivers signed callbacks to --callback (some late, some twice).
    MynaSim {
        #[arg(long, default_value = "127.0.0.1:8090")]
        bind: SocketAddr,
        /// The console's callback URL, e.g. http://127.0.0.1:8080/api/v1/myna/callback
        #[arg(long)]
        callback: String,
        /// How many demo holders the municipal dataset covers.
        #[arg(long, default_value_t = DEMO_HOLDERS)]
        holders: usize,
        /// The day the demo was seeded (its dates are relative to it); default today.
        #[arg(long)]
        seeded_on: Option<String>,
        /// Serve over mutual TLS: this certificate chain and key (PEM)...
        #[arg(long, requires_all = ["tls_key", "client_ca"])]
        tls_cert: Option<std::path::PathBuf>,
        #[arg(long)]
        tls_key: Option<std::path::PathBuf>,
        /// ...accepting client certificates from this CA (PEM).
        #[arg(long)]
        client_ca: Option<std::path::PathBuf>,
    },
    /// Purge the Myna Portal values whose consent has ended (the server also does it on a
    /// schedule).
    PurgeExpired,
    /// Bulk synthetic data for benchmarks.
    Seed {
        #[arg(long, default_value_t = 0)]
        holders: usize,
        /// Write to PostgreSQL or a SQLite file outside the data folder (a throwaway database).
        #[arg(long)]
        force: bool,
        /// Also append this many sealed audit events over the last 30 days (export benchmark).
        #[arg(long, default_value_t = 0)]
        audit_events: usize,
    },
    /// The project's benchmarks (see README "Performance").
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// A consistent copy of the database and the photo store, with a sealed manifest, while
    /// the console runs (PostgreSQL: after the README's `pg_dump` line into the same folder).
    Backup {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Restore a backup into an empty data folder (and a new SQLite file, or the PostgreSQL
    /// database its dump was just restored into); refuses a folder its manifest does not match.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum StaffCommand {
    /// Create an account; the password is read from stdin.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Every list and search of the query-shape table, the dashboard, the holder profile and the
    /// review screen under concurrent load on a running console, at each client count.
    Http {
        /// HOST:PORT of the running console; repeat it (or separate with commas) for several
        /// nodes, and the clients are dealt to them in turn.
        #[arg(long, value_delimiter = ',', default_value = "127.0.0.1:8080")]
        target: Vec<String>,
        #[arg(long, default_value = "reviewer@demo.invalid")]
        email: String,
        #[arg(long, env = "BENCH_PASSWORD", default_value = "demo-pass-2026")]
        password: String,
        /// Client counts to run each shape with, e.g. `1,32`: the report gives the throughput
        /// of the last over the first.
        #[arg(long, value_delimiter = ',', default_value = "1,32")]
        clients: Vec<usize>,
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Only the shapes whose name contains this (e.g. `kana`).
        #[arg(long)]
        only: Option<String>,
    },
    /// One CSV export through the console's pipeline: rows/s, first chunk, memory growth.
    Export {
        /// audit, decisions, sanctions or lost-device.
        #[arg(long, default_value = "audit")]
        kind: String,
        /// First day (YYYY-MM-DD, Japan).
        #[arg(long)]
        from: String,
        /// Last day, included.
        #[arg(long)]
        to: String,
    },
    /// Reads N demo handbooks with OCR and prints, per field, how often the suggestion equals
    /// the value the demo printed; plus CPU seconds per photo and peak memory.
    Ocr {
        #[arg(long, default_value_t = 60)]
        holders: usize,
        /// Path of the ONNX Runtime library (`libonnxruntime.so.*`).
        #[arg(long, env = "HANDBOOK_ADMIN_OCR_RUNTIME")]
        runtime: std::path::PathBuf,
        /// Folder of the PP-OCRv5 models.
        #[arg(long, env = "HANDBOOK_ADMIN_OCR_MODELS")]
        models: std::path::PathBuf,
        /// Also write each handbook's lines as JSON into this folder (test fixtures).
        #[arg(long)]
        dump: Option<std::path::PathBuf>,
        /// Print each field that was not read as printed (to stderr; demo data only).
        #[arg(long)]
        show_misses: bool,
    },
    /// Photo intake of a 4 MB phone JPEG.
    Intake {
        #[arg(long, default_value_t = 30)]
        iterations: usize,
        /// Also time each step once.
        #[arg(long)]
        breakdown: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the keyed chain and compare it with every checkpoint; exit 1 naming the first
    /// row (or checkpoint) that does not match, and why.
    Verify,
    /// Write a signed checkpoint of the chain's head now.
    Checkpoint,
    /// Exit 0 if FILE is, byte for byte, a CSV export the console recorded (its SHA-256 is in
    /// the export's audit event); 1 otherwise.
    VerifyExport { file: std::path::PathBuf },
}

fn database_url() -> anyhow::Result<DatabaseUrl> {
    let raw = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    DatabaseUrl::parse(&raw).map_err(|e| anyhow::anyhow!("DATABASE_URL: {e}"))
}

fn store_tools() -> anyhow::Result<crate::settings::StoreTools> {
    crate::settings::store_tools_from_env().map_err(|e| anyhow::anyhow!("configuration: {e}"))
}

fn pool() -> anyhow::Result<db::Pool> {
    let url = database_url()?;
    let pool = db::connect_pool(&url, 2).with_context(|| format!("cannot open {url}"))?;
    db::run_migrations(&mut *pool.get()?)?;
    Ok(pool)
}

pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let clock: SharedClock = Arc::new(SystemClock);
    match cli.command {
        Command::Serve => {
            let settings = Settings::from_env(Mode::Serve).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
            let app = Application::build(settings, clock)?;
            tracing::info!(port = app.port(), "serving");
            app.run_until_stopped().await?;
        }
        Command::Demo { bind, force } => {
            let mut settings = Settings::from_env(Mode::Demo).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
            crate::demo::guard::check(&settings.database_url, &settings.data_dir, force)?;
            if let Some(bind) = bind {
                settings.bind = bind;
            }
            let password = std::env::var("DEMO_PASSWORD").unwrap_or_else(|_| crate::demo::DEFAULT_PASSWORD.to_owned());
            let pool = db::connect_server_pool(&settings.database_url, settings.db)?;
            db::run_migrations(&mut *pool.get()?)?;
            let now = clock.now();
            let holders = std::env::var("DEMO_HOLDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(DEMO_HOLDERS);
            let fresh = crate::db::holders::count(&mut *pool.get()?)? == 0;
            let seeded_on = crate::demo::seeded_on(&settings.data_dir, fresh, now)?;
            // The Myna Portal simulator, in-process: its municipal data agrees with the demo's.
            let sim_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            let callback_host = if settings.bind.ip().is_unspecified() {
                std::net::SocketAddr::from(([127, 0, 0, 1], settings.bind.port()))
            } else {
                settings.bind
            };
            let sim = crate::demo::myna_sim::Simulator::new(
                crate::demo::myna_sim::dataset::Dataset::demo(holders, seeded_on),
                clock.clone(),
                format!("http://{callback_host}/api/v1/myna/callback"),
                settings.myna_callback_secret.first(),
                crate::demo::myna_sim::Behaviour::default(),
            )?;
            if settings.myna_portal.is_none() {
                settings.myna_portal = Some(crate::myna::http::PortalConfig {
                    url: format!("http://{}", sim_listener.local_addr()?),
                    service_id: "handbook-admin-demo".into(),
                    client_cert: None,
                    client_key: None,
                    ca: None,
                });
            }
            let demo_pool = pool.clone();
            let demo_password = password.clone();
            let demo_sim = sim.clone();
            let store = ImageStore::from_settings(&settings)?;
            let keys = crate::audit::AuditKeys::new(&settings.audit_key, &settings.old_audit_keys);
            actix_web::web::block(move || -> anyhow::Result<()> {
                let mut conn = demo_pool.get()?;
                crate::demo::seed_staff(&mut conn, &keys, &demo_password, now)?;
                if fresh {
                    println!("generating {holders} demo holders with handbook photos (first run only)…");
                    let created = crate::demo::holders::seed(&mut conn, &keys, &store, holders, now)?;
                    let (deliveries, requests) = crate::demo::myna::seed(&mut conn, &keys, &demo_sim, now)?;
                    println!(
                        "{created} demo holders ready ({deliveries} with Myna Portal data to check, {requests} Myna Portal requests)"
                    );
                }
                Ok(())
            })
            .await??;
            actix_web::rt::spawn(crate::demo::myna_sim::serve(sim, sim_listener, None)?);
            let app = Application::build_with_pool(settings, clock, pool)?;
            print_demo_banner(app.port(), &password);
            app.run_until_stopped().await?;
        }
        Command::Seed { holders, audit_events, force } => {
            let settings = Settings::from_env(Mode::Demo).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
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
        }
        Command::Bench { command: BenchCommand::Http { target, email, password, clients, seconds, only } } => {
            let options = crate::bench::http::Options {
                hosts: target,
                email,
                password,
                clients: clients.into_iter().map(|c| c.max(1)).collect(),
                seconds: seconds.max(1),
                only,
            };
            actix_web::web::block(move || crate::bench::http::run(&options, &mut std::io::stdout().lock())).await??;
        }
        Command::Bench { command: BenchCommand::Export { kind, from, to } } => {
            let kind = crate::services::exports::ExportKind::parse(&kind)
                .ok_or_else(|| anyhow::anyhow!("--kind must be audit, decisions, sanctions or lost-device"))?;
            let period =
                crate::domain::period::Period::parse(&from, &to).map_err(|e| anyhow::anyhow!("--from/--to: {e}"))?;
            let pool = pool()?;
            let (keys, _) =
                crate::settings::audit_tools_from_env().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
            println!("{}", crate::bench::export::run(&mut *pool.get()?, &keys, kind, period, clock.now())?);
        }
        Command::Bench { command: BenchCommand::Ocr { holders, runtime, models, dump, show_misses } } => {
            let reader = crate::ocr::engine::PpOcr::load(&runtime, &models)?;
            let today = crate::clock::today_jst(clock.now());
            if let Some(dir) = dump {
                crate::bench::ocr::dump(reader.as_ref(), holders, &dir, today)?;
            }
            println!("{}", crate::bench::ocr::run(reader.as_ref(), holders, today, show_misses)?);
        }
        Command::Bench { command: BenchCommand::Intake { iterations, breakdown } } => {
            if breakdown {
                println!("{}", crate::bench::intake::breakdown()?);
            }
            println!("{}", crate::bench::intake::run(iterations.max(1))?);
        }
        Command::PurgeExpired => {
            let pool = pool()?;
            let (keys, _) =
                crate::settings::audit_tools_from_env().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
            let n = crate::services::myna::purge::expired(&mut *pool.get()?, &keys, Actor::Cli, clock.now())?;
            println!("purged the Myna Portal values of {n} ended consent(s)");
            let (photo_store, data_dir) =
                crate::settings::photo_store_from_env().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
            // The sweep lists and removes files, never opens one: no image key is needed.
            let unused = crate::secrets::Secret::new(crate::secrets::random::bytes::<32>());
            let store = ImageStore::open(&photo_store, &data_dir, crate::images::Keyring::new(&unused, &[]))?;
            let swept =
                crate::services::photos::sweep_store(&mut *pool.get()?, &keys, &store, Actor::Cli, clock.now())?;
            println!(
                "photo store: removed {} temporary file(s) and {} photo file(s) no row names",
                swept.temp_files, swept.orphan_photos
            );
        }
        Command::MynaSim { bind, callback, holders, seeded_on, tls_cert, tls_key, client_ca } => {
            let seeded_on = match seeded_on {
                Some(day) => time::Date::parse(&day, &time::format_description::well_known::Iso8601::DATE)
                    .map_err(|_| anyhow::anyhow!("--seeded-on must be YYYY-MM-DD"))?,
                None => clock.now().date(),
            };
            let secret =
                std::env::var("MYNA_CALLBACK_SECRET").unwrap_or_else(|_| crate::settings::DEMO_MYNA_SECRET.to_owned());
            let sim = crate::demo::myna_sim::Simulator::new(
                crate::demo::myna_sim::dataset::Dataset::demo(holders, seeded_on),
                clock.clone(),
                callback,
                crate::secrets::Secret::new(secret).first(),
                crate::demo::myna_sim::Behaviour::default(),
            )?;
            let tls = match (tls_cert, tls_key, client_ca) {
                (Some(cert), Some(key), Some(client_ca)) => Some(crate::demo::myna_sim::Tls { cert, key, client_ca }),
                _ => None,
            };
            let listener = std::net::TcpListener::bind(bind)?;
            println!(
                "Myna Portal simulator on {}://{} ({} holders)",
                if tls.is_some() { "https" } else { "http" },
                listener.local_addr()?,
                sim.dataset().len()
            );
            crate::demo::myna_sim::serve(sim, listener, tls.as_ref())?.await?;
        }
        Command::Backup { out } => {
            let (url, tools, now) = (database_url()?, store_tools()?, clock.now());
            let report =
                actix_web::web::block(move || crate::services::backup::take(&url, &tools, &out, now)).await??;
            println!(
                "backup complete: {} files ({} photo-store files), audit chain head #{}",
                report.files, report.photos, report.audit_head
            );
        }
        Command::Restore { from } => {
            let (url, tools, now) = (database_url()?, store_tools()?, clock.now());
            let report =
                actix_web::web::block(move || crate::services::backup::restore(&url, &tools, &from, now)).await??;
            println!(
                "restore complete: {} files checked against the manifest, {} photo-store files open, audit chain of {} events verified",
                report.files, report.photos, report.audit_head
            );
        }
        Command::Migrate => {
            let url = database_url()?;
            let pool = db::connect_pool(&url, 1)?;
            let applied = db::run_migrations(&mut *pool.get()?)?;
            println!("{applied} migration(s) applied to {url}");
        }
        Command::Staff { command: StaffCommand::Add { email, name, role } } => {
            let email = StaffEmail::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role must be one of reviewer, supervisor, support, auditor, admin")
            })?;
            let name = name.trim();
            anyhow::ensure!(!name.is_empty(), "--name must not be empty");
            let password = read_password()?;
            let password = NewPassword::parse(&password, Some(&email)).map_err(|e| anyhow::anyhow!("password: {e}"))?;
            let pool = pool()?;
            let (keys, _) =
                crate::settings::audit_tools_from_env().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
            let account = NewAccount { email: &email, display_name: name, role, password: &password, temporary: false };
            let id = manage::create(&mut *pool.get()?, &keys, Actor::Cli, &account, clock.now(), None)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created staff #{id} ({role})");
        }
        Command::Audit { command: AuditCommand::VerifyExport { file } } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let pool = pool()?;
            return Ok(match crate::services::exports::find_export(&mut *pool.get()?, &bytes)? {
                Some((seq, who, at, export)) => {
                    let at = crate::clock::from_db(at).to_offset(crate::clock::JST);
                    println!("{} is the {export} export recorded as audit event #{seq} ({who}, {at})", file.display());
                    std::process::ExitCode::SUCCESS
                }
                None => {
                    eprintln!(
                        "{} is not an export the console recorded (no export event has its SHA-256)",
                        file.display()
                    );
                    std::process::ExitCode::FAILURE
                }
            });
        }
        Command::Audit { command: AuditCommand::Checkpoint } => {
            let pool = pool()?;
            let (keys, dir) =
                crate::settings::audit_tools_from_env().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
            match audit::checkpoint_now(&mut *pool.get()?, &keys, &dir, clock.now())? {
                Some(mark) => println!("checkpoint written: event #{} in {}", mark.seq, dir.display()),
                None => println!("the audit trail is empty: nothing to checkpoint"),
            }
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let pool = pool()?;
            let (keys, dir) =
                crate::settings::audit_tools_from_env().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
            return Ok(match audit::verify(&mut *pool.get()?, &keys, &dir) {
                Ok(report) => {
                    println!(
                        "audit chain intact: {} event(s), {} checkpoint(s){}",
                        report.events,
                        report.checkpoints,
                        report.last_checkpoint.map(|s| format!(", the newest at #{s}")).unwrap_or_default()
                    );
                    std::process::ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("audit chain BROKEN: {error}");
                    std::process::ExitCode::FAILURE
                }
            });
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// One line from stdin, without the newline. Prompts only when a person is typing.
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
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
