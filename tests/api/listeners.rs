//! The listeners of a production node: machine endpoints on their own address, staff pages
//! only from the company's networks, and `/metrics` apart from both.

use reqwest::StatusCode;
use serde_json::Value;

use crate::dual_test;
use crate::helpers::spawn_app_with;

fn any_port() -> Option<std::net::SocketAddr> {
    Some("127.0.0.1:0".parse().unwrap())
}

async fn status_of(request: reqwest::RequestBuilder) -> (StatusCode, String) {
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

dual_test!(machine_endpoints_have_their_own_listener_and_metrics_theirs, |db| async move {
    let app = spawn_app_with(db, |s| {
        s.api_bind = any_port();
        s.metrics_bind = any_port();
    })
    .await;
    let metrics = app.metrics_address.clone().unwrap();
    assert_ne!(app.api_address, app.address);
    let client = reqwest::Client::new();
    let (staff, api) = (app.address.clone(), app.api_address.clone());

    // The staff listener: pages yes, machine endpoints no.
    assert_eq!(status_of(client.get(format!("{staff}/login"))).await.0, StatusCode::OK);
    let (status, _) =
        status_of(client.post(format!("{staff}/api/v1/registrations")).bearer_auth(crate::intake::TOKEN)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "intake is absent beside the staff pages");
    let card = |base: &str| {
        client.get(format!("{base}/api/v1/holders/MR-NOBODY01/card")).bearer_auth(crate::review::CARD_TOKEN)
    };
    assert_eq!(status_of(card(&staff)).await.0, StatusCode::NOT_FOUND);

    // The API listener: machine endpoints and probes, no page, no static file, JSON errors.
    for path in ["/login", "/", "/queue", "/static/app.css"] {
        let (status, body) = status_of(client.get(format!("{api}{path}"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path} on the API listener");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let (status, _) = status_of(client.post(format!("{api}/login")).form(&[("email", "a@b.c")])).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no sign-in form on the API listener");
    for probe in ["/healthz", "/readyz"] {
        assert_eq!(status_of(client.get(format!("{api}{probe}"))).await.0, StatusCode::OK, "{probe}");
        assert_eq!(status_of(client.get(format!("{staff}{probe}"))).await.0, StatusCode::OK, "{probe}");
    }
    // A real upload through the API listener, then the card of an unknown ID answers as an API does.
    crate::intake::register(&app, "MR-LISTEN01", "physical", vec![crate::fixtures::jpeg(120, 80)]).await;
    let (status, body) = status_of(card(&api)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(serde_json::from_str::<Value>(&body).is_ok(), "{body}");

    // `/metrics` only on its own listener.
    assert_eq!(status_of(client.get(format!("{staff}/metrics"))).await.0, StatusCode::NOT_FOUND);
    assert_eq!(status_of(client.get(format!("{api}/metrics"))).await.0, StatusCode::NOT_FOUND);
    let response = client.get(format!("{metrics}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    let text = response.text().await.unwrap();
    for expected in [
        r#"handbook_admin_http_requests_total{method="GET",route="/login",status="200"} 1"#,
        r#"handbook_admin_http_requests_total{method="POST",route="/api/v1/registrations",status="201"} 1"#,
        r#"handbook_admin_http_requests_total{method="GET",route="/api/v1/holders/{public_id}/card",status="404"} 1"#,
        r#"handbook_admin_http_requests_total{method="GET",route="unmatched",status="404"}"#,
        r#"handbook_admin_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/login"}"#,
        "handbook_admin_review_queue_depth 1",
        "handbook_admin_notices_pending 0",
        "handbook_admin_notices_failed 0",
        "handbook_admin_myna_requests_waiting 0",
        "handbook_admin_db_pool_max 8",
        "handbook_admin_db_pool_waiting 0",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    let chain = text.lines().find_map(|l| l.strip_prefix("handbook_admin_audit_chain_length ")).unwrap();
    assert!(chain.parse::<i64>().unwrap() > 0, "the intake was audited");
    let oldest = text.lines().find_map(|l| l.strip_prefix("handbook_admin_review_queue_oldest_seconds ")).unwrap();
    assert!(oldest.parse::<i64>().is_ok(), "{oldest}");
    // No path as sent, no ID, no address of a holder in any label.
    for personal in ["MR-LISTEN01", "MR-NOBODY01", "holder@example.jp", "/static/app.css"] {
        assert!(!text.contains(personal), "{personal} in the metrics");
    }
});

dual_test!(
    staff_pages_answer_only_the_staff_networks_and_forwarded_addresses_only_from_named_proxies,
    |db| async move {
        use handbook_admin::domain::networks::Networks;
        let app = spawn_app_with(db, |s| {
            s.staff_networks = Networks::parse("10.0.0.0/8, 192.168.10.0/24").unwrap();
            s.proxy_trust.proxies = Networks::parse("127.0.0.1").unwrap();
        })
        .await;
        let client = reqwest::Client::new();
        let login = |forwarded: Option<&str>| {
            let mut request = client.get(format!("{}/login", app.address));
            if let Some(chain) = forwarded {
                request = request.header("x-forwarded-for", chain);
            }
            status_of(request)
        };
        // The balancer (127.0.0.1, a named proxy) forwards a staff PC: in.
        assert_eq!(login(Some("10.1.2.3")).await.0, StatusCode::OK);
        assert_eq!(login(Some("192.168.10.44")).await.0, StatusCode::OK);
        // The balancer itself, or a client outside: out, with the page that says why.
        let (status, body) = login(None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("社内ネットワークからのみ利用できます"), "{body}");
        assert_eq!(login(Some("203.0.113.5")).await.0, StatusCode::FORBIDDEN);
        // An outsider who writes an in-company address first is still the outsider the balancer saw.
        assert_eq!(login(Some("10.1.2.3, 203.0.113.5")).await.0, StatusCode::FORBIDDEN);
        // Every staff route is covered, posts too (before the CSRF check).
        let (status, body) = status_of(
            client
                .post(format!("{}/login", app.address))
                .header("x-forwarded-for", "203.0.113.5")
                .form(&[("email", "x")]),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("社内ネットワークからのみ利用できます"), "the network check, not the CSRF one");
        // A malformed hop ends what is believed: the client is unknown, so refused.
        assert_eq!(login(Some("10.1.2.3, unknown")).await.0, StatusCode::FORBIDDEN);
        assert_eq!(login(Some("10.1.2.3, 10.1.2.4:5555")).await.0, StatusCode::FORBIDDEN);
        // The probes and the machine endpoints are for hosts outside the staff networks.
        assert_eq!(status_of(client.get(format!("{}/healthz", app.address))).await.0, StatusCode::OK);
        crate::intake::register(&app, "MR-NETWORK1", "physical", vec![crate::fixtures::jpeg(120, 80)]).await;
    }
);

dual_test!(a_forwarded_address_from_an_unnamed_peer_proves_nothing, |db| async move {
    let app = spawn_app_with(db, |s| {
        s.staff_networks = handbook_admin::domain::networks::Networks::parse("10.0.0.0/8").unwrap();
    })
    .await;
    let request = reqwest::Client::new().get(format!("{}/login", app.address)).header("x-forwarded-for", "10.1.2.3");
    assert_eq!(status_of(request).await.0, StatusCode::FORBIDDEN);
    let app = spawn_app_with(db, |s| {
        s.staff_networks = handbook_admin::domain::networks::Networks::parse("127.0.0.0/8").unwrap();
    })
    .await;
    let mut browser = app.signed_in(handbook_admin::domain::staff::Role::Reviewer).await;
    assert_eq!(browser.get("/queue").await.status, StatusCode::OK, "a staff PC on the listed network works as before");
});
