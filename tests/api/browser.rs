//! A reviewer's day without a mouse, in a real browser: sign in, take next, work the photo
//! viewer by keys, transcribe as printed, decide. Runs when WEBDRIVER_URL points at a
//! chromedriver (`.ci/run` starts one); skipped otherwise, except under CI where a missing
//! WEBDRIVER_URL fails the test (see `helpers::skip_or_fail`).
//!
//! The WebDriver protocol is a little JSON over HTTP, spoken here with the test's HTTP client.

use handbook_admin::domain::handbook::ReviewStatus;
use handbook_admin::domain::staff::Role;
use serde_json::{Value, json};

use crate::fixtures;
use crate::helpers::{PASSWORD, TestDb, demo_email, spawn_app};
use crate::intake::register;

struct Browser {
    http: reqwest::Client,
    session: String,
}

impl Browser {
    async fn start(webdriver: &str) -> Self {
        let http = reqwest::Client::new();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM_BINARY").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]}}}});
        let value: Value = http
            .post(format!("{webdriver}/session"))
            .json(&caps)
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("webdriver");
        let id = value["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {value}"));
        Self { http, session: format!("{webdriver}/session/{id}") }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method, format!("{}{path}", self.session))
            .json(&body)
            .send()
            .await
            .expect("webdriver request");
        let value: Value = response.json().await.unwrap_or(Value::Null);
        value["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", json!({"url": url})).await;
    }

    async fn js(&self, script: &str) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", json!({"script": script, "args": []})).await
    }

    /// Key presses into whatever has focus, as a person would type them.
    async fn keys(&self, text: &str) {
        let mut actions = Vec::new();
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

    async fn press(&self, key: &str) {
        self.keys(key).await;
    }

    /// Presses Tab until the focused element satisfies `test` (JavaScript on `e`).
    async fn tab_to(&self, test: &str) {
        for _ in 0..80 {
            let found = self.js(&format!("const e = document.activeElement; return !!(e && ({test}));")).await;
            if found == Value::Bool(true) {
                return;
            }
            self.press(TAB).await;
        }
        panic!("Tab never reached {test}");
    }

    async fn url(&self) -> String {
        self.js("return location.href;").await.as_str().unwrap_or_default().to_owned()
    }

    async fn wait_for(&self, test: &str) {
        for _ in 0..100 {
            if self.js(&format!("return !!({test});")).await == Value::Bool(true) {
                return;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let seen = self.js("const s = document.querySelector('.error-summary'); return location.href + ' | ' + (s ? s.textContent : '');").await;
        panic!("never true: {test}; page: {seen}");
    }

    async fn quit(&self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const SPACE: &str = " ";
const ARROW_UP: &str = "\u{E013}";

#[actix_web::test]
async fn a_reviewer_works_a_registration_with_the_keyboard_alone() {
    let Some(webdriver) = std::env::var("WEBDRIVER_URL").ok().filter(|v| !v.is_empty()) else {
        crate::helpers::skip_or_fail("WEBDRIVER_URL not set: browser test");
        return;
    };
    let app = spawn_app(TestDb::Sqlite).await;
    let id = register(&app, "MR-KEYBOARD1", "physical", vec![fixtures::jpeg(640, 400), fixtures::png(400, 640)]).await;
    let b = Browser::start(&webdriver).await;

    // Sign in: Tab to the e-mail field, type, Tab, type, Enter.
    b.go(&format!("{}/login", app.address)).await;
    b.tab_to("e.id === 'field-email'").await;
    b.keys(demo_email(Role::Reviewer)).await;
    b.press(TAB).await;
    b.keys(PASSWORD).await;
    b.press(ENTER).await;
    b.wait_for("document.querySelector('h1') && document.querySelector('h1').textContent.includes('ダッシュボード')")
        .await;

    // Take next from the dashboard.
    b.tab_to("e.tagName === 'BUTTON' && e.textContent.includes('次の登録を担当する')").await;
    b.press(ENTER).await;
    b.wait_for("document.querySelector('[data-viewer]')").await;
    let url = b.url().await;
    assert!(url.ends_with(&format!("/registrations/{id}")), "{url}");

    // The photo viewer answers keys: zoom, rotate, brightness, next page.
    b.tab_to("e.hasAttribute('data-viewer')").await;
    b.keys("+r]").await;
    let style = b
        .js("const i = document.querySelector('[data-viewer-image]'); return i.style.transform + ' ' + i.style.filter;")
        .await;
    let style = style.as_str().unwrap_or_default().to_owned();
    assert!(
        style.contains("scale(1.25)") && style.contains("rotate(90deg)") && style.contains("brightness(110%)"),
        "{style}"
    );
    b.press("2").await;
    let alt = b.js("return document.querySelector('[data-viewer-image]').alt;").await;
    assert_eq!(alt.as_str(), Some("2枚目の写真"));

    // Transcribe as printed: era dates, full-width digits; Tab from field to field.
    b.tab_to("e.id === 'field-name'").await;
    for (field, text) in [
        ("field-name", "髙橋　太郎"),
        ("field-name_kana", "たかはし　たろう"),
        ("field-birth_date", "平成６年３月１日"),
        ("field-disability_category", "肢体不自由"),
        ("field-grade", "２級"),
    ] {
        b.tab_to(&format!("e.id === '{field}'")).await;
        b.keys(text).await;
    }
    // A radio group is one Tab stop; arrows choose within it ("なし" → 第2種 → 第1種).
    b.tab_to("e.name === 'fare_class'").await;
    b.keys(&format!("{ARROW_UP}{ARROW_UP}")).await;
    for (field, text) in [
        ("field-municipality", "未来県知事"),
        ("field-number", "第１０００００１号"),
        ("field-issued_on", "令和４年１月３１日"),
    ] {
        b.tab_to(&format!("e.id === '{field}'")).await;
        b.keys(text).await;
    }
    b.press(ENTER).await;
    b.wait_for("document.body.textContent.includes('転記を保存しました')").await;
    b.wait_for("document.body.textContent.includes('読み取り結果: 平成6年3月1日（1994-03-01）')").await;

    // Decide: check the list with Space, choose "approve" with Space, submit with Enter.
    for check in ["field-face_photo", "field-right_pages", "field-legible", "field-no_tampering"] {
        b.tab_to(&format!("e.id === '{check}'")).await;
        b.press(SPACE).await;
    }
    b.tab_to("e.name === 'decision'").await;
    b.press(SPACE).await;
    b.tab_to("e.tagName === 'BUTTON' && e.textContent.includes('判定を確定する')").await;
    b.press(ENTER).await;
    b.wait_for("location.pathname === '/queue'").await;
    b.quit().await;

    assert_eq!(app.status_of(id), ReviewStatus::Approved);
    let fields = app.fields_of(id).expect("the transcription is saved");
    assert_eq!((fields.number_key.as_str(), fields.fare_class.as_deref()), ("1000001", Some("1")));
}
