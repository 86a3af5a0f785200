//! One `build` for production and tests: the server bound (port 0 in tests) and ready.

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::clock::SharedClock;
use crate::db::{self, Pool};
use crate::images::ImageStore;
use crate::jobs::transport::{FileTransport, SmtpMail, Transport};
use crate::jobs::{self, Worker};
use crate::settings::MailSettings;
use crate::settings::Settings;
use crate::web::request_span::RequestSpan;
use crate::web::state::AppState;
use crate::web::{self as routes, Listener, csrf, error_pages, headers, networks};

mod workers;

pub const SESSION_COOKIE: &str = "handbook_admin_session";

pub struct Application {
    port: u16,
    api_port: Option<u16>,
    metrics_port: Option<u16>,
    /// The staff (or only) listener first, then the API and metrics listeners when set.
    servers: Vec<Server>,
    pub state: AppState,
}

/// How long requests in flight may take to finish once a stop begins.
pub const SHUTDOWN_SECONDS: u64 = 30;

/// Waits for SIGTERM (the service manager, the orchestrator) or SIGINT (Ctrl+C) and names it.
async fn stop_signal() -> &'static str {
    use actix_web::rt::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            }
        }
        _ => {
            // Without signal handlers the process is stopped the default way, by the kernel.
            std::future::pending::<()>().await;
            "none"
        }
    }
}

/// The data folder (photos, checkpoints, the outbox, often the database) is its owner's alone,
/// however it was made: set at every start.
fn owner_only_folder(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

impl Application {
    /// Connects, migrates and binds. The returned server runs when awaited.
    pub fn build(settings: Settings, clock: SharedClock) -> anyhow::Result<Self> {
        let pool = db::connect_server_pool(&settings.database_url, settings.db)?;
        db::run_migrations(&mut *pool.get()?)?;
        Self::build_with_pool(settings, clock, pool)
    }

    pub fn build_with_pool(settings: Settings, clock: SharedClock, pool: Pool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind)?;
        let port = listener.local_addr()?.port();
        let settings = Arc::new(settings);
        owner_only_folder(&settings.data_dir)?;
        let images = Arc::new(ImageStore::from_settings(&settings)?);
        // Made at start, so readiness can tell a lost mount from a store that is merely empty.
        images.prepare()?;
        tracing::info!(store = %images.describe(), "photo store");
        let db_permits = Arc::new(tokio::sync::Semaphore::new(pool.max_size() as usize));
        let audit = Arc::new(crate::audit::AuditKeys::new(&settings.audit_key, &settings.old_audit_keys));
        {
            let mut conn = pool.get()?;
            crate::services::accounts::seal_totp_secrets(&mut conn, images.keyring())?;
            crate::audit::keep_checkpoints(&mut conn, &audit, &settings.audit_checkpoint_dir, clock.now())?;
        }
        let ocr = load_ocr(&settings);
        let state = AppState {
            pool,
            ocr,
            clock,
            settings: settings.clone(),
            images,
            db_permits,
            audit,
            hasher: Arc::new(crate::auth::hasher::Hasher::for_this_machine()),
            throttles: Arc::new(crate::web::throttles::Throttles::default()),
            stopping: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            metrics: Arc::new(crate::metrics::Metrics::new()),
        };
        start_workers(&state)?;
        let data = web::Data::new(state.clone());
        let (staff_side, api_listener) = match settings.api_bind {
            None => (Listener::All, None),
            Some(addr) => (Listener::Staff, Some(TcpListener::bind(addr)?)),
        };
        let mut servers = vec![staff_server(data.clone(), &settings, listener, staff_side)?];
        let api_port = match api_listener {
            None => None,
            Some(listener) => {
                let port = listener.local_addr()?.port();
                servers.push(api_server(data.clone(), listener)?);
                Some(port)
            }
        };
        let metrics_port = match settings.metrics_bind {
            None => None,
            Some(addr) => {
                let listener = TcpListener::bind(addr)?;
                let port = listener.local_addr()?.port();
                servers.push(metrics_server(data, listener)?);
                Some(port)
            }
        };
        Ok(Self { port, api_port, metrics_port, servers, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The machine endpoints' own port, when `HANDBOOK_ADMIN_API_BIND` is set.
    pub fn api_port(&self) -> Option<u16> {
        self.api_port
    }

    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// Serves until SIGTERM or SIGINT (or the server is stopped otherwise), then writes a last
    /// checkpoint of the audit chain's head.
    ///
    /// On a signal: `/readyz` answers 503 at once, the listener stops accepting, requests in
    /// flight get up to [`SHUTDOWN_SECONDS`], and the workers finish the unit in hand and give
    /// back the rest of what they claimed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handles: Vec<_> = self.servers.iter().map(Server::handle).collect();
        let stopping = self.state.stopping.clone();
        actix_web::rt::spawn(async move {
            let stop = stop_signal().await;
            tracing::info!(signal = stop, "stopping: no new connections, requests in flight finish");
            stopping.store(true, std::sync::atomic::Ordering::Release);
            futures_util::future::join_all(handles.iter().map(|h| h.stop(true))).await;
        });
        // One listener ending (stopped from outside) ends them all. A stop is sent at once but
        // carried out inside its server's future: ask every other server to stop first, then
        // keep polling them all until they have (awaiting one stop alone would never end).
        let (served, _, others) = futures_util::future::select_all(self.servers).await;
        for server in &others {
            drop(server.handle().stop(true));
        }
        futures_util::future::join_all(others).await;
        let state = self.state;
        // The notice worker finishes the send in hand and gives back the rest of its batch.
        state.stopping.store(true, std::sync::atomic::Ordering::Release);
        let last = actix_web::web::block(move || -> anyhow::Result<()> {
            let mut conn = state.pool.get()?;
            crate::audit::checkpoint_now(
                &mut conn,
                &state.audit,
                &state.settings.audit_checkpoint_dir,
                state.clock.now(),
            )?;
            Ok(())
        })
        .await;
        if let Ok(Err(e)) | Err(e) = last.map_err(anyhow::Error::from) {
            tracing::error!(error = %e, "final audit checkpoint failed");
        }
        served
    }
}

/// The OCR engine when it is configured, saying in the log whether it is on.
fn load_ocr(settings: &Settings) -> crate::ocr::Status {
    let ocr = crate::ocr::load(settings.ocr.runtime.as_deref(), settings.ocr.models.as_deref());
    match &ocr {
        crate::ocr::Status::Off => {
            tracing::info!("OCR is off (HANDBOOK_ADMIN_OCR_RUNTIME and HANDBOOK_ADMIN_OCR_MODELS unset)")
        }
        crate::ocr::Status::Failed(why) => {
            tracing::error!(error = %why, "OCR could not be loaded; the console runs without it")
        }
        crate::ocr::Status::On(_) => tracing::info!("OCR is on"),
    }
    ocr
}

/// Starts every background worker, each through the one loop of `jobs` and each stopping with
/// the server (`AppState::stopping`).
fn start_workers(state: &AppState) -> anyhow::Result<()> {
    let settings = &state.settings;
    let stop = &state.stopping;
    let transport: Arc<dyn Transport> = match &settings.mail {
        MailSettings::File => Arc::new(FileTransport::new(&settings.data_dir)),
        MailSettings::Smtp { url, from } => Arc::new(SmtpMail::new(url.expose(), from)?),
    };
    tokio::spawn(jobs::every(Worker::new("notices", settings.jobs_idle, stop), workers::notices(state, transport)));
    if let Some(reader) = state.ocr.reader() {
        tokio::spawn(jobs::every(Worker::new("ocr", settings.jobs_idle, stop), workers::ocr(state, reader)));
    }
    let purge = Worker::new("myna purge", std::time::Duration::from_secs(600), stop);
    tokio::spawn(jobs::every(purge, workers::myna_purge(state)));
    let retention = Worker::new("retention", std::time::Duration::from_secs(3600), stop).first_after_a_period();
    tokio::spawn(jobs::every(retention, workers::retention(state)));
    if let Some(config) = &settings.myna_portal {
        // Requests are signed with the first callback secret: the one secret shared with the portal.
        let portal =
            crate::myna::http::HttpPortal::new(config, settings.myna_callback_secret.first(), state.clock.clone())
                .map_err(|e| anyhow::anyhow!("Myna Portal: {e}"))?;
        let requests = Worker::new("myna requests", settings.jobs_idle, stop);
        tokio::spawn(jobs::every_async(requests, workers::myna_requests(state, Arc::new(portal))));
    }
    let checkpoints = Worker::new("audit checkpoints", settings.audit_checkpoint_every, stop).first_after_a_period();
    tokio::spawn(jobs::every(checkpoints, workers::audit_checkpoints(state)));
    let prune = Worker::new("card budget prune", std::time::Duration::from_secs(3600), stop).first_after_a_period();
    tokio::spawn(jobs::every(prune, workers::card_budget_prune(state)));
    // What a crash left in the photo store: removed before anything else is stored.
    tokio::spawn(jobs::every(Worker::once("photo store sweep", stop), workers::photo_sweep(state)));
    let statistics = Worker::new("planner statistics", std::time::Duration::from_secs(6 * 3600), stop);
    tokio::spawn(jobs::every(statistics.first_after_a_period(), workers::statistics(state)));
    if settings.database_url.backend() == db::Backend::Sqlite {
        // Keeps the write-ahead log short, off the request path (see `db::checkpoint`).
        let wal = Worker::new("WAL checkpoint", std::time::Duration::from_millis(250), stop).first_after_a_period();
        tokio::spawn(jobs::every(wal, workers::wal_checkpoint(state)));
    }
    Ok(())
}

/// The staff pages (and, on one listener, the machine endpoints too).
fn staff_server(
    data: web::Data<AppState>,
    settings: &Settings,
    listener: TcpListener,
    side: Listener,
) -> std::io::Result<Server> {
    let key = Key::from(settings.session_key.expose());
    let secure = settings.secure_cookies;
    Ok(HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
            .cookie_name(SESSION_COOKIE.to_owned())
            .cookie_secure(secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Strict)
            .cookie_path("/".to_owned())
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(BrowserSession::default())
            .build();
        // Order: the last `wrap` runs first. Logging sees everything; headers apply to
        // every response, error pages included; the network check comes before the session
        // is read; the CSRF check needs the session.
        App::new()
            .app_data(data.clone())
            .app_data(web::FormConfig::default().limit(256 * 1024))
            .configure(|cfg| routes::configure(cfg, side))
            .default_service(web::to(routes::not_found))
            .wrap(from_fn(csrf::guard))
            .wrap(from_fn(networks::staff_only))
            .wrap(from_fn(error_pages::render))
            .wrap(sessions)
            .wrap(headers::security_headers(secure))
            .wrap(from_fn(crate::web::metrics::record))
            .wrap(TracingLogger::<RequestSpan>::new())
    })
    // Signals are handled in `run_until_stopped`: readiness must turn 503 the moment a stop begins.
    .disable_signals()
    .shutdown_timeout(SHUTDOWN_SECONDS)
    .listen(listener)?
    .run())
}

/// The machine endpoints on their own listener: no sessions, no staff pages, JSON errors.
fn api_server(data: web::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    let secure = data.settings.secure_cookies;
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(|cfg| routes::configure(cfg, Listener::Api))
            .default_service(web::to(routes::api_not_found))
            .wrap(headers::security_headers(secure))
            .wrap(from_fn(crate::web::metrics::record))
            .wrap(TracingLogger::<RequestSpan>::new())
    })
    .disable_signals()
    .shutdown_timeout(SHUTDOWN_SECONDS)
    .listen(listener)?
    .run())
}

/// `/metrics` alone, for the monitoring network.
fn metrics_server(data: web::Data<AppState>, listener: TcpListener) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/metrics", web::get().to(crate::web::metrics::scrape))
            .default_service(web::to(actix_web::HttpResponse::NotFound))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(5)
    .listen(listener)?
    .run())
}
