//! A WebDriver client (the protocol is a little JSON over HTTP, spoken here with the test's
//! HTTP client), with what every browser test needs: keys as a person types them, waits,
//! axe-core accessibility checks, window sizes, and a screenshot plus the page's HTML saved
//! to `target/browser-artifacts/` when a test fails.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::FutureExt;
use serde_json::{Value, json};

pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";
pub const SPACE: &str = " ";
pub const ARROW_UP: &str = "\u{E013}";
pub const ARROW_DOWN: &str = "\u{E015}";
pub const ESCAPE: &str = "\u{E00C}";

/// The chromedriver to use, or `None` (the test is skipped, or fails under CI).
pub fn webdriver_url() -> Option<String> {
    let url = std::env::var("WEBDRIVER_URL").ok().filter(|v| !v.is_empty());
    if url.is_none() {
        crate::helpers::skip_or_fail("WEBDRIVER_URL not set: browser test");
    }
    url
}

pub struct Browser {
    http: reqwest::Client,
    session: String,
    /// Non-text key presses so far (Tab, Enter, arrows, Escape, and Space given to `press`):
    /// what a keyboard journey costs a person.
    presses: std::sync::atomic::AtomicUsize,
}

/// Runs one browser test body. On a panic anywhere inside, the page as it was (screenshot and
/// HTML) is saved under `target/browser-artifacts/<name>.*` before the test fails, so a red
/// CI run can be understood without running it again.
pub async fn with_browser<F, Fut>(name: &str, body: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(webdriver) = webdriver_url() else { return };
    let browser = Browser::start(&webdriver).await;
    let handle = Browser { http: browser.http.clone(), session: browser.session.clone(), presses: Default::default() };
    let outcome = AssertUnwindSafe(body(browser)).catch_unwind().await;
    if let Err(panic) = outcome {
        let saved = handle.save_artifacts(name).await;
        eprintln!("browser test {name} failed; the page is saved in {}", saved.display());
        handle.quit().await;
        std::panic::resume_unwind(panic);
    }
    handle.quit().await;
}

impl Browser {
    async fn start(webdriver: &str) -> Self {
        let http = reqwest::Client::new();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM_BINARY").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
                     "--lang=ja"]}}}});
        let value: Value =
            http.post(format!("{webdriver}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let id = value["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {value}"));
        Self { http, session: format!("{webdriver}/session/{id}"), presses: Default::default() }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut request = self.http.request(method.clone(), format!("{}{path}", self.session));
        if method != reqwest::Method::GET {
            request = request.json(&body);
        }
        let response = request.send().await.expect("webdriver request");
        let value: Value = response.json().await.unwrap_or(Value::Null);
        value["value"].clone()
    }

    pub async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({"url": url})).await;
    }

    pub async fn js(&self, script: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", json!({"script": script, "args": []})).await
    }

    /// Runs an asynchronous script: it ends by calling its last argument with the result.
    pub async fn js_async(&self, script: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/async", json!({"script": script, "args": []})).await
    }

    /// Key presses into whatever has focus, as a person would type them.
    pub async fn keys(&self, text: &str) {
        let mut actions = Vec::new();
        let special = text.chars().filter(|c| ('\u{E000}'..='\u{F8FF}').contains(c)).count();
        self.presses.fetch_add(special, std::sync::atomic::Ordering::SeqCst);
        for c in text.chars() {
            let key = c.to_string();
            actions.push(json!({"type": "keyDown", "value": key}));
            actions.push(json!({"type": "keyUp", "value": key}));
        }
        self.call(
            reqwest::Method::POST,
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await;
        self.call(reqwest::Method::DELETE, "/actions", json!({})).await;
    }

    pub async fn press(&self, key: &str) {
        if key == SPACE {
            self.presses.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        self.keys(key).await;
    }

    /// Non-text key presses since the last call.
    pub fn take_presses(&self) -> usize {
        self.presses.swap(0, std::sync::atomic::Ordering::SeqCst)
    }

    /// Ctrl+Enter.
    pub async fn ctrl_enter(&self) {
        self.chord("\u{E009}", ENTER).await;
    }

    /// Shift+Tab.
    pub async fn shift_tab(&self) {
        self.chord("\u{E008}", TAB).await;
    }

    /// A key pressed with a modifier held: one press.
    pub async fn chord(&self, modifier: &str, key: &str) {
        self.presses.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let actions = json!([
            {"type": "keyDown", "value": modifier}, {"type": "keyDown", "value": key},
            {"type": "keyUp", "value": key}, {"type": "keyUp", "value": modifier}
        ]);
        self.call(
            reqwest::Method::POST,
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}),
        )
        .await;
        self.call(reqwest::Method::DELETE, "/actions", json!({})).await;
    }

    /// How many documents this tab has loaded since `mark_loads` (a marker on `window` is gone
    /// after every load).
    pub async fn mark_loads(&self) {
        self.js("window.__journey = true;").await;
    }

    pub async fn loaded_since_mark(&self) -> bool {
        self.js("return !window.__journey;").await == Value::Bool(true)
    }

    /// Presses Tab until the focused element satisfies `test` (JavaScript on `e`).
    pub async fn tab_to(&self, test: &str) {
        for _ in 0..120 {
            let found = self.js(&format!("const e = document.activeElement; return !!(e && ({test}));")).await;
            if found == Value::Bool(true) {
                return;
            }
            self.press(TAB).await;
        }
        panic!("Tab never reached {test}");
    }

    /// Tabs to the field with this id and types into it.
    pub async fn type_into(&self, id: &str, text: &str) {
        self.tab_to(&format!("e.id === '{id}'")).await;
        self.keys(text).await;
    }

    pub async fn url(&self) -> String {
        self.js("return location.href;").await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn wait_for(&self, test: &str) {
        for _ in 0..100 {
            if self.js(&format!("return !!({test});")).await == Value::Bool(true) {
                return;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let seen = self.js("const s = document.querySelector('.error-summary'); return location.href + ' | ' + (s ? s.textContent : '');").await;
        panic!("never true: {test}; page: {seen}");
    }

    /// Waits until the page's main heading contains `text`.
    pub async fn wait_for_heading(&self, text: &str) {
        self.wait_for(&format!(
            "document.querySelector('h1') && document.querySelector('h1').textContent.includes('{text}')"
        ))
        .await;
    }

    /// The layout viewport as a device of this many CSS pixels wide (Chrome's device
    /// emulation); `None` restores the window.
    pub async fn emulate_width(&self, width: Option<u32>) {
        let (cmd, params) = match width {
            Some(w) => (
                "Emulation.setDeviceMetricsOverride",
                json!({"width": w, "height": 900, "deviceScaleFactor": 2, "mobile": false}),
            ),
            None => ("Emulation.clearDeviceMetricsOverride", json!({})),
        };
        self.call(reqwest::Method::POST, "/goog/cdp/execute", json!({"cmd": cmd, "params": params})).await;
    }

    /// Saves a screenshot and the HTML of the current page; returns the folder.
    pub async fn save_artifacts(&self, name: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
        let _ = std::fs::create_dir_all(&dir);
        let shot = self.call(reqwest::Method::GET, "/screenshot", Value::Null).await;
        if let Some(png) = shot.as_str().and_then(|b64| BASE64.decode(b64).ok()) {
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
        let html = self.call(reqwest::Method::GET, "/source", Value::Null).await;
        let _ = std::fs::write(dir.join(format!("{name}.html")), html.as_str().unwrap_or_default());
        dir
    }

    pub async fn quit(&self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

/// The artifacts are real: a screenshot and the page's HTML land where CI keeps them.
#[actix_web::test]
async fn a_failing_page_can_be_saved() {
    with_browser("artifacts-check", |b| async move {
        let app = crate::helpers::spawn_app(crate::helpers::TestDb::Sqlite).await;
        b.go(&format!("{}/login", app.address)).await;
        b.wait_for_heading("サインイン").await;
        let dir = b.save_artifacts("artifacts-check").await;
        let png = std::fs::read(dir.join("artifacts-check.png")).expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG image");
        let html = std::fs::read_to_string(dir.join("artifacts-check.html")).expect("the HTML");
        assert!(html.contains("サインイン"));
        let _ = std::fs::remove_file(dir.join("artifacts-check.png"));
        let _ = std::fs::remove_file(dir.join("artifacts-check.html"));
    })
    .await;
}
