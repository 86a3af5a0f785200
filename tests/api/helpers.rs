#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use handbook_admin::clock::{Clock, ManualClock, SharedClock};
use handbook_admin::db::{DatabaseUrl, Pool};
use handbook_admin::domain::staff::Role;
use handbook_admin::secrets::Secret;
use handbook_admin::settings::{Mode, Settings};
use handbook_admin::startup::Application;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use tempfile::TempDir;
use time::macros::datetime;

pub const PASSWORD: &str = "demo-pass-2026";

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestDb {
    Sqlite,
    Postgres,
}

/// Runs one async test body on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set:
/// `dual_test!(name, |db| async move { ... })` makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! dual_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[actix_web::test]
            async fn sqlite() {
                ($body)($crate::helpers::TestDb::Sqlite).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if $crate::helpers::postgres_admin_url().is_none() {
                    $crate::helpers::skip_or_fail("TEST_DATABASE_URL not set: PostgreSQL run");
                    return;
                }
                ($body)($crate::helpers::TestDb::Postgres).await;
            }
        }
    };
}

/// Called by a test that cannot run here (no database or browser to run against). Locally it
/// prints why and the test passes as skipped; when `CI` is set, a skipped test would be a green
/// run that tested nothing, so it fails instead.
pub fn skip_or_fail(what: &str) {
    if std::env::var("CI").is_ok_and(|v| !v.is_empty()) {
        panic!("{what} cannot be skipped: CI is set, and in CI every test must run");
    }
    eprintln!("{what} skipped");
}

pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|v| !v.is_empty())
}

/// A fresh, empty database URL for one test.
pub fn fresh_database(kind: TestDb, dir: &TempDir) -> String {
    match kind {
        TestDb::Sqlite => format!("sqlite://{}", dir.path().join("test.db").display()),
        TestDb::Postgres => {
            let admin = postgres_admin_url().expect("TEST_DATABASE_URL");
            // Named after this process, so the next run can tell what an ended run left.
            let name = format!("hba_test_{}_{}", std::process::id(), uuid::Uuid::new_v4().simple());
            let mut conn = diesel::PgConnection::establish(&admin).expect("TEST_DATABASE_URL");
            static SWEPT: std::sync::Once = std::sync::Once::new();
            SWEPT.call_once(|| drop_databases_of_ended_runs(&mut conn));
            conn.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
            let (base, _) = admin.rsplit_once('/').unwrap_or((&admin, ""));
            format!("{base}/{name}")
        }
    }
}

/// Tests leave their PostgreSQL databases behind (a running server holds them until the test
/// process ends); the first test of the next run drops those of runs no longer running, which
/// otherwise piled up by the thousand on a developer's machine. A database still in use is
/// refused by PostgreSQL and stays.
fn drop_databases_of_ended_runs(conn: &mut diesel::PgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Database {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let Ok(found) = diesel::RunQueryDsl::load::<Database>(
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'hba\\_test\\_%'"),
        conn,
    ) else {
        return;
    };
    for Database { datname } in found {
        let owner = datname.strip_prefix("hba_test_").and_then(|rest| rest.split_once('_')).map(|(pid, _)| pid);
        let ended = match owner.and_then(|pid| pid.parse::<u32>().ok()) {
            Some(pid) => pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            None => true,
        };
        if ended {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{datname}\""));
        }
    }
}

pub struct TestApp {
    pub address: String,
    /// Where the machine endpoints are: `address`, or the API listener when one is set.
    pub api_address: String,
    /// The metrics listener, when one is set.
    pub metrics_address: Option<String>,
    pub port: u16,
    pub clock: Arc<ManualClock>,
    pub pool: Pool,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub settings: Settings,
    _dir: TempDir,
}

/// The audit key of every test app (tests that need another build their own `AuditKeys`).
pub const TEST_AUDIT_KEY: [u8; 32] = [5u8; 32];

/// The audit keys of the test apps.
pub fn test_audit_keys() -> handbook_admin::audit::AuditKeys {
    handbook_admin::audit::AuditKeys::new(&Secret::new(TEST_AUDIT_KEY), &[])
}

pub fn test_settings(database_url: &str, data_dir: PathBuf) -> Settings {
    Settings {
        mode: Mode::Demo,
        database_url: DatabaseUrl::parse(database_url).unwrap(),
        bind: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.clone(),
        session_key: Secret::new(vec![7u8; 64]),
        image_key: Secret::new([9u8; 32]),
        old_image_keys: Vec::new(),
        audit_key: Secret::new(TEST_AUDIT_KEY),
        old_audit_keys: Vec::new(),
        audit_checkpoint_dir: data_dir.join("audit-checkpoints"),
        audit_checkpoint_every: std::time::Duration::from_secs(3600),
        card_budget: handbook_admin::domain::card_budget::CardBudget { holders: 120, per: time::Duration::minutes(10) },
        intake_token: Secret::new("test-intake-token".to_owned()),
        card_token: Secret::new(crate::review::CARD_TOKEN.to_owned()),
        myna_callback_secret: Secret::new("test-myna-secret".to_owned()),
        secure_cookies: false,
        require_totp: false,
        proxy_trust: Default::default(),
        staff_networks: Default::default(),
        api_bind: None,
        metrics_bind: None,
        queue_sla_hours: 48,
        db: Default::default(),
        mail: handbook_admin::settings::MailSettings::File,
        jobs_idle: std::time::Duration::from_millis(50),
        myna_portal: None,
        myna_provided: Default::default(),
        ocr: Default::default(),
        photo_store: Default::default(),
        request_due_days: 14,
        retention: Default::default(),
    }
}

pub async fn spawn_app(db: TestDb) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// Starts the real application with demo staff seeded; `adjust` changes settings first.
pub async fn spawn_app_with(db: TestDb, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let database_url = fresh_database(db, &dir);
    let data_dir = dir.path().join("data");
    let mut settings = test_settings(&database_url, data_dir.clone());
    adjust(&mut settings);
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-24 01:00 UTC)));
    let shared: SharedClock = clock.clone();
    let app = Application::build(settings.clone(), shared).expect("build");
    let pool = app.state.pool.clone();
    let now = clock.now();
    let seed_pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = seed_pool.get().expect("pool");
        handbook_admin::demo::seed_staff(&mut conn, &test_audit_keys(), PASSWORD, now).expect("seed");
    })
    .await
    .expect("seed task");
    serve(app, clock, database_url, settings, dir)
}

/// Runs the built application in the background and describes it for the tests.
fn serve(app: Application, clock: Arc<ManualClock>, database_url: String, settings: Settings, dir: TempDir) -> TestApp {
    let (port, pool) = (app.port(), app.state.pool.clone());
    let api_address = format!("http://127.0.0.1:{}", app.api_port().unwrap_or(port));
    let metrics_address = app.metrics_port().map(|p| format!("http://127.0.0.1:{p}"));
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        api_address,
        metrics_address,
        port,
        clock,
        pool,
        database_url,
        data_dir: settings.data_dir.clone(),
        settings,
        _dir: dir,
    }
}

/// A second instance of `first`'s console: the same database, keys and photo store, its own
/// listener and workers, as a second node behind the load balancer.
pub async fn spawn_second_instance(first: &TestApp) -> TestApp {
    let clock = Arc::new(ManualClock::new(first.clock.now()));
    let shared: SharedClock = clock.clone();
    let app = Application::build(first.settings.clone(), shared).expect("build the second instance");
    // The first instance owns the data folder; this one's own folder stays empty.
    serve(app, clock, first.database_url.clone(), first.settings.clone(), tempfile::tempdir().expect("tempdir"))
}

pub fn demo_email(role: Role) -> &'static str {
    match role {
        Role::Reviewer => "reviewer@demo.invalid",
        Role::Supervisor => "supervisor@demo.invalid",
        Role::Support => "support@demo.invalid",
        Role::Auditor => "auditor@demo.invalid",
        Role::Admin => "admin@demo.invalid",
    }
}

/// A browser: its own cookie jar, no automatic redirects (tests look at each 303).
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub base: String,
    /// The CSRF token of the last page that had a form.
    pub csrf: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of the first `<input name=...>` of that name.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let selector = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).ok()?;
        doc.select(&selector).next()?.value().attr("value").map(str::to_owned)
    }

    /// The attribute `attr` of every element `css` selects.
    pub fn select_attr(&self, css: &str, attr: &str) -> Vec<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let Ok(selector) = scraper::Selector::parse(css) else {
            return Vec::new();
        };
        doc.select(&selector).filter_map(|e| e.value().attr(attr).map(str::to_owned)).collect()
    }

    pub fn select_texts(&self, css: &str) -> Vec<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let Ok(selector) = scraper::Selector::parse(css) else {
            return Vec::new();
        };
        doc.select(&selector).map(|e| e.text().collect::<String>().trim().to_owned()).collect()
    }
}

impl TestApp {
    /// Verifies the chain as the CLI does: this app's keys and checkpoint folder.
    pub fn verify_audit(&self) -> Result<handbook_admin::audit::VerifyReport, handbook_admin::audit::VerifyError> {
        let mut conn = self.pool.get().expect("pool");
        handbook_admin::audit::verify(&mut conn, &test_audit_keys(), &self.settings.audit_checkpoint_dir)
    }

    pub fn browser(&self) -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client =
            reqwest::Client::builder().cookie_provider(jar.clone()).redirect(Policy::none()).build().expect("client");
        Browser { client, jar, base: self.address.clone(), csrf: None }
    }

    /// A browser signed in as the demo account of `role`.
    pub async fn signed_in(&self, role: Role) -> Browser {
        let mut browser = self.browser();
        let page = browser.login(demo_email(role), PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "sign-in as {role} failed: {}", page.body);
        browser.get("/").await;
        browser
    }

    /// `browser`, signed in as `email`, takes the registration the way the review screen does:
    /// opens it and posts the claim with the page's CSRF token. Refusals also answer 303 (with
    /// a notice), so the claim is checked in the database.
    pub async fn claim_as(&self, browser: &mut Browser, id: i64, email: &str) {
        browser.get(&format!("/registrations/{id}")).await;
        let page = browser.post(&format!("/registrations/{id}/claim"), &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "claim {id}: {}", page.body);
        assert_eq!(self.handbook(id).claimed_by, Some(self.staff_id(email)), "{email} holds {id}");
    }
}

impl Browser {
    /// The `Cookie` header this browser would send now (to replay it later, as a thief would).
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = self.base.parse().unwrap();
        self.jar.cookies(&url).and_then(|v| v.to_str().ok().map(str::to_owned)).unwrap_or_default()
    }

    async fn finish(&mut self, response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        let page = Page { status, headers, body };
        if let Some(token) = page.input_value("csrf_token") {
            self.csrf = Some(token);
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self.client.get(format!("{}{path}", self.base)).send().await.expect("GET request");
        self.finish(response).await
    }

    /// A GET whose body is kept as bytes (downloads).
    pub async fn download(&mut self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self.client.get(format!("{}{path}", self.base)).send().await.expect("GET request");
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.expect("body").to_vec())
    }

    /// Posts a form with the CSRF token of the last page seen.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response =
            self.client.post(format!("{}{path}", self.base)).form(fields).send().await.expect("POST request");
        self.finish(response).await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Page {
        self.login_with_totp(email, password, "").await
    }

    pub async fn login_with_totp(&mut self, email: &str, password: &str, totp: &str) -> Page {
        if self.csrf.is_none() {
            self.get("/login").await;
        }
        self.post("/login", &[("email", email), ("password", password), ("totp", totp)]).await
    }
}

/// The real binary as a separate process (killed when dropped), so its memory can be read on
/// its own.
pub struct Child(pub std::process::Child);

impl Child {
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// Sends SIGTERM and waits (`within` at most) for the process to end; its exit status.
    pub async fn terminate(&mut self, within: std::time::Duration) -> std::process::ExitStatus {
        let sent = std::process::Command::new("kill").args(["-TERM", &self.id().to_string()]).status().unwrap();
        assert!(sent.success());
        let started = std::time::Instant::now();
        loop {
            if let Some(code) = self.0.try_wait().unwrap() {
                return code;
            }
            assert!(started.elapsed() < within, "the process did not stop within {within:?} of SIGTERM");
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// Waits (30 s at most) until `url` answers with a success.
pub async fn wait_until_up(client: &reqwest::Client, url: &str) {
    for _ in 0..300 {
        if client.get(url).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{url} never answered");
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `VmRSS`, `RssAnon` and `RssFile` of a process, in KiB.
pub fn memory_kib(pid: u32) -> (u64, u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("RssAnon:"), field("RssFile:"))
}

/// The peak resident memory (`VmHWM`) of a process so far, in KiB.
pub fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// `handbook-admin` commands over a SQLite file in a temporary data folder, no demo holders.
pub struct DemoProcess {
    data: PathBuf,
    url: String,
    /// Variables of this test's own, set after the defaults.
    env: Vec<(&'static str, &'static str)>,
}

impl DemoProcess {
    pub fn new(dir: &TempDir) -> Self {
        let data = dir.path().join("data");
        let url = format!("sqlite://{}", data.join("console.db").display());
        Self { data, url, env: Vec::new() }
    }

    pub fn with_env(mut self, name: &'static str, value: &'static str) -> Self {
        self.env.push((name, value));
        self
    }

    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_handbook-admin"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "error")
            .env("DATABASE_URL", &self.url)
            .env("HANDBOOK_ADMIN_DATA_DIR", &self.data)
            .env("DEMO_HOLDERS", "0")
            .env("DEMO_PASSWORD", PASSWORD)
            .envs(self.env.iter().copied())
            .args(args);
        command
    }

    /// Starts `demo` on a free port and waits until it answers; returns the process, a client
    /// with a cookie jar, the jar and the base URL.
    pub async fn start(&self) -> (Child, reqwest::Client, Arc<reqwest::cookie::Jar>, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let bind = format!("127.0.0.1:{port}");
        let server =
            Child(self.command(&["demo", "--bind", &bind]).stdout(std::process::Stdio::null()).spawn().unwrap());
        let base = format!("http://{bind}");
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder().cookie_provider(jar.clone()).redirect(Policy::none()).build().unwrap();
        wait_until_up(&client, &format!("{base}/healthz")).await;
        (server, client, jar, base)
    }
}
