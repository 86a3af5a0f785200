//! The benchmark drives the real server the way the README's performance table was measured:
//! signed-in clients, each shape at each client count, one line per run and the scaling.

use handbook_admin::bench::http::{Options, run};

use crate::helpers::{PASSWORD, TestDb, spawn_app_with};

/// Against two nodes at once, as the PostgreSQL column of the README's table is measured: the
/// clients are dealt to both.
#[actix_web::test]
async fn bench_http_runs_each_shape_at_each_client_count_and_reports_the_scaling() {
    let app = spawn_app_with(TestDb::Sqlite, |s| s.metrics_bind = Some("127.0.0.1:0".parse().unwrap())).await;
    let second = crate::helpers::spawn_second_instance(&app).await;
    let options = Options {
        hosts: vec![format!("127.0.0.1:{}", app.port), format!("127.0.0.1:{}", second.port)],
        email: "reviewer@demo.invalid".into(),
        password: PASSWORD.into(),
        clients: vec![1, 3],
        seconds: 1,
        only: Some("GET /queue?q=<kana".into()),
    };
    let report = actix_web::web::block(move || {
        let mut out = Vec::new();
        run(&options, &mut out).map(|()| String::from_utf8(out).unwrap())
    })
    .await
    .unwrap()
    .unwrap();
    let lines: Vec<&str> = report.lines().collect();
    // Header, column names, one line per client count, the scaling.
    assert_eq!(lines.len(), 5, "{report}");
    assert!(lines[2].starts_with("GET /queue?q=<kana prefix"), "{report}");
    fn columns(line: &str) -> Vec<&str> {
        line.split_whitespace().rev().take(5).collect()
    }
    // clients, req/s, p50, p99, errors (read from the right)
    let one = columns(lines[2]);
    let three = columns(lines[3]);
    assert_eq!((one[4], three[4]), ("1", "3"), "{report}");
    assert_eq!((one[0], three[0]), ("0", "0"), "no errors: {report}");
    assert!(one[3].parse::<f64>().unwrap() > 10.0, "{report}");
    assert!(lines[4].contains("scaling") && lines[4].ends_with('×'), "{report}");
    // Each search was a real one: audited.
    assert!(app.audit_count("queue.searched") > 10);
    assert!(lines[0].contains(" and "), "both targets named: {report}");
    for node in [&app, &second] {
        let metrics = reqwest::get(format!("{}/metrics", node.metrics_address.as_ref().unwrap()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(metrics.contains(r#"route="/queue",status="200""#), "each node served searches: {metrics}");
    }
}
