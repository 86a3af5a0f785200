//! Walks the route table: every staff route refuses anonymous visitors and every role it does
//! not name, and lets in the roles it does; every POST refuses a missing CSRF token.

use handbook_admin::domain::staff::Role;
use handbook_admin::web::access::AccessRule;
use handbook_admin::web::{ROUTES, RouteInfo};
use reqwest::StatusCode;

use crate::dual_test;
use crate::helpers::{Browser, Page, TestDb, spawn_app};

fn concrete(path: &str) -> String {
    // Ids that do not exist: allowed roles get past the guard and find nothing.
    path.replace("{id}", "999999")
        .replace("{name}", "x")
        .replace("{public_id}", "NOPE")
        .replace("{notice}", "999999")
        .replace("{proposal}", "999999")
}

async fn request_page(browser: &mut Browser, route: &RouteInfo, with_token: bool) -> Page {
    let path = concrete(route.path);
    match route.method {
        "get" => browser.get(&path).await,
        "post" if with_token => browser.post(&path, &[]).await,
        "post" => browser.post_raw(&path, &[]).await,
        other => panic!("method {other} not covered by the walker"),
    }
}

async fn request(browser: &mut Browser, route: &RouteInfo, with_token: bool) -> StatusCode {
    request_page(browser, route, with_token).await.status
}

dual_test!(every_route_is_guarded_by_role, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut anonymous = app.browser();
    anonymous.get("/login").await;
    // Sign-out ends the browser's session, so it is checked last.
    let mut routes: Vec<&RouteInfo> = ROUTES.iter().collect();
    routes.sort_by_key(|r| r.path == "/logout");
    let mut browsers = Vec::new();
    for role in Role::ALL {
        browsers.push((role, app.signed_in(role).await));
    }
    let mut staff_routes = 0;
    for route in routes {
        let AccessRule::Staff(allowed) = route.access else {
            continue;
        };
        staff_routes += 1;
        let status = request(&mut anonymous, route, true).await;
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "{} {} must send anonymous visitors to sign in",
            route.method,
            route.path
        );
        for (role, browser) in browsers.iter_mut() {
            browser.get("/").await;
            let page = request_page(browser, route, true).await;
            let status = page.status;
            if allowed.contains(role) {
                assert_ne!(status, StatusCode::FORBIDDEN, "{} {} must admit {role}", route.method, route.path);
                let to_login = status == StatusCode::SEE_OTHER && page.location() == Some("/login");
                assert!(
                    !to_login || route.path == "/logout",
                    "{} {} as {role} was sent to sign in",
                    route.method,
                    route.path
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{} {} must refuse {role}", route.method, route.path);
            }
        }
    }
    assert!(staff_routes >= 10);
});

dual_test!(every_post_needs_the_csrf_token, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut admin = app.signed_in(Role::Admin).await;
    for route in ROUTES.iter().filter(|r| r.method == "post" && r.access != AccessRule::Machine) {
        admin.get("/").await;
        let status = request(&mut admin, route, false).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "POST {} without a token", route.path);
    }
    // Still signed in: a refused POST (even to /logout) changed nothing.
    assert_eq!(admin.get("/").await.status, StatusCode::OK);
});

dual_test!(machine_routes_refuse_calls_without_credentials, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let mut signed_in = app.signed_in(Role::Supervisor).await;
    let mut machine_routes = 0;
    for route in ROUTES.iter().filter(|r| r.access == AccessRule::Machine) {
        machine_routes += 1;
        // Neither nothing nor a staff session counts as machine credentials.
        for browser in [&mut app.browser(), &mut signed_in] {
            let status = request(browser, route, true).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{} {}", route.method, route.path);
        }
    }
    assert!(machine_routes >= 1);
});

#[test]
fn the_table_has_no_duplicates() {
    let mut seen = std::collections::HashSet::new();
    for route in ROUTES {
        assert!(seen.insert((route.method, route.path)), "{} {} twice", route.method, route.path);
    }
}

dual_test!(each_machine_credential_opens_only_its_own_api, |db: TestDb| async move {
    let app = spawn_app(db).await;
    let client = reqwest::Client::new();
    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| r.access == AccessRule::Machine && !r.path.contains("/myna/callback")) {
        let card = route.path.ends_with("/card") || route.path.ends_with("/face");
        // The other API's token: a card reader's token cannot upload, an intake token cannot read cards.
        let wrong = if card { crate::intake::TOKEN } else { crate::review::CARD_TOKEN };
        let url = format!("{}{}", app.address, concrete(route.path));
        let request = match route.method {
            "get" => client.get(&url),
            _ => client.post(&url).header("content-type", "application/json").body("{}"),
        };
        let response = request.bearer_auth(wrong).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{} {} with the other API's token",
            route.method,
            route.path
        );
        checked += 1;
    }
    assert!(checked >= 5);
    // The right one gets past the credential check (a 404 for an unknown holder, not a 401).
    let card = client
        .get(format!("{}/api/v1/holders/MR-NOBODY01/card", app.address))
        .bearer_auth(crate::review::CARD_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(card.status(), StatusCode::NOT_FOUND);
});
