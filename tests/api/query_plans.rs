//! The query-plan guard: every list and search the console runs, planned on a database whose
//! statistics say what production holds (a million holders, two million registrations, ten
//! million audit events), must start from an index: no full scan of a big table and no
//! temporary B-tree to sort one. The SQL is the application's own, captured as its data-access
//! functions run it; `EXPLAIN QUERY PLAN` then says how SQLite would run it at that size.
//!
//! One table of shapes (`shapes`), which later work extends. A test shows the guard catches
//! a dropped index.

use std::sync::{Arc, Mutex};

use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use handbook_admin::db::queue::QueueFilter;
use handbook_admin::db::{self, DbConnection};
use handbook_admin::domain::handbook::{HandbookKind, ReviewStatus};
use handbook_admin::domain::search::Search;
use time::macros::{date, datetime};

use crate::helpers::{TestDb, fresh_database};

/// Tables whose full scan would be felt at production size.
const BIG: [&str; 10] = [
    "holders",
    "handbooks",
    "handbook_fields",
    "handbook_images",
    "audit_events",
    "notifications",
    "myna_requests",
    "myna_records",
    "myna_consents",
    "card_reads",
];

/// Rows per table at production size, and how many rows share one value of a column on
/// average (1 = unique). Columns not listed are taken as nearly unique.
fn rows_of(table: &str) -> u64 {
    match table {
        "holders" => 1_000_000,
        "handbooks" | "handbook_images" | "transcriptions" => 2_000_000,
        "handbook_fields" => 1_800_000,
        "audit_events" => 10_000_000,
        "notifications" | "decisions" => 1_500_000,
        "card_reads" => 5_000_000,
        "myna_requests" | "myna_records" | "myna_consents" | "myna_deliveries" => 200_000,
        _ => 1_000,
    }
}

fn per_value(table: &str, column: &str) -> u64 {
    let rows = rows_of(table);
    match column {
        "status" | "state" => rows / 4,
        "kind" | "channel" | "document" | "myna_link" => rows / 3,
        "action" => rows / 80,
        "target_type" => rows / 6,
        "actor_staff_id" => rows / 50,
        "holder_id" => (rows / 1_000_000).max(1),
        "handbook_id" | "consent_id" => 2,
        "kana_key" | "name_key" => 4,
        "day" => rows / 365,
        "code" => rows / 40,
        "article" => rows / 10,
        _ => 1,
    }
}

/// Writes `sqlite_stat1` rows as `ANALYZE` would on the production-size database.
fn production_statistics(conn: &mut DbConnection) {
    conn.batch_execute("ANALYZE; DELETE FROM sqlite_stat1;").unwrap();
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let indexes: Vec<(String, String)> = diesel::sql_query(
        "SELECT tbl_name AS name, name AS idx FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL",
    )
    .load::<IndexRow>(conn)
    .unwrap()
    .into_iter()
    .map(|r| (r.name, r.idx))
    .collect();
    #[derive(QueryableByName)]
    struct IndexRow {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        idx: String,
    }
    let mut statements = String::new();
    for (table, index) in indexes {
        let columns: Vec<Name> =
            diesel::sql_query(format!("SELECT name FROM pragma_index_info('{index}')")).load(conn).unwrap();
        let rows = rows_of(&table);
        let mut stat = rows.to_string();
        let mut narrowed = rows;
        for column in &columns {
            narrowed = narrowed.min(per_value(&table, &column.name)).max(1);
            stat.push_str(&format!(" {narrowed}"));
            narrowed = (narrowed / 2).max(1);
        }
        statements.push_str(&format!("INSERT INTO sqlite_stat1 VALUES ('{table}', '{index}', '{stat}');\n"));
    }
    for table in BIG.iter().chain(&["decisions", "transcriptions", "staff", "sanctions"]) {
        statements.push_str(&format!("INSERT INTO sqlite_stat1 VALUES ('{table}', NULL, '{}');\n", rows_of(table)));
    }
    statements.push_str("ANALYZE sqlite_schema;");
    conn.batch_execute(&statements).unwrap();
}

/// Every statement the connection prepares, as SQL text with its `?` placeholders.
fn capture(conn: &mut DbConnection) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let recorder = move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            let text = query.to_string();
            let sql = text.split(" -- binds: ").next().unwrap_or_default().to_owned();
            sink.lock().unwrap().push(sql);
        }
    };
    conn.set_instrumentation(recorder);
    seen
}

#[derive(QueryableByName, Debug)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

/// What is wrong with the plan of `sql`, if anything.
fn plan_problems(conn: &mut DbConnection, sql: &str) -> Vec<String> {
    let plan: Vec<PlanLine> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).load(conn).unwrap();
    let mut problems = Vec::new();
    for line in &plan {
        for table in BIG {
            let plain_scan = line.detail == format!("SCAN {table}")
                || line.detail.starts_with(&format!("SCAN {table} ")) && !line.detail.contains("USING");
            if plain_scan {
                problems.push(format!("full scan of {table}: {}", line.detail));
            }
        }
    }
    // A sort is fine over rows found by key (a number's or a holder's few registrations); over
    // a big table walked in full or by range, it sorts that table.
    let sorts = plan.iter().any(|l| l.detail.contains("USE TEMP B-TREE FOR ORDER BY"));
    let walks_big = plan.iter().any(|l| {
        BIG.iter().any(|t| {
            l.detail.starts_with(&format!("SCAN {t}"))
                || l.detail.starts_with(&format!("SEARCH {t} ")) && (l.detail.contains("<?") || l.detail.contains(">?"))
        })
    });
    if sorts && walks_big {
        problems.push(format!("sorts a big table: {:?}", plan.iter().map(|l| l.detail.as_str()).collect::<Vec<_>>()));
    }
    problems
}

/// One shape: a name and the application's call that runs it.
type Shape = (String, Box<dyn Fn(&mut DbConnection)>);

fn shapes() -> Vec<Shape> {
    let mut shapes: Vec<Shape> = Vec::new();
    let at = datetime!(2026-11-24 01:00);
    let searches = [
        ("none", ""),
        ("public id", "MR-000123"),
        ("e-mail", "someone@example.jp"),
        ("number", "1234567"),
        ("kana", "たかは"),
        ("name", "高橋"),
    ];
    let tabs = [
        None,
        Some(ReviewStatus::Submitted),
        Some(ReviewStatus::InReview),
        Some(ReviewStatus::Approved),
        Some(ReviewStatus::Returned),
    ];
    for status in tabs {
        for kind in [None, Some(HandbookKind::Physical), Some(HandbookKind::Intellectual)] {
            for (label, q) in searches {
                for page in ["first", "after", "before"] {
                    let name = format!("queue {status:?} {kind:?} search={label} page={page}");
                    shapes.push((
                        name,
                        Box::new(move |c| {
                            let search = Search::classify(q);
                            let cursor = Some((at, 42));
                            let filter = QueueFilter {
                                status,
                                kind,
                                search: &search,
                                after: if page == "after" { cursor } else { None },
                                before: if page == "before" { cursor } else { None },
                                limit: 51,
                            };
                            db::queue::page(c, &filter).unwrap();
                        }),
                    ));
                }
            }
        }
    }
    for (label, q) in searches.into_iter().skip(1) {
        shapes.push((
            format!("holder search {label}"),
            Box::new(move |c| {
                db::holders::search(c, &Search::classify(q), 50).unwrap();
            }),
        ));
    }
    for kind in [None, Some(HandbookKind::Mental)] {
        shapes.push((
            format!("take next {kind:?}"),
            Box::new(move |c| {
                db::queue::take_next(c, 7, kind, at, at + time::Duration::minutes(30)).unwrap();
            }),
        ));
    }
    shapes.push((
        "audit browser, newest".into(),
        Box::new(|c| {
            db::audit::browse(c, &db::audit::Filter::default(), None, 51).unwrap();
        }),
    ));
    shapes.push((
        "audit browser, by action, next page".into(),
        Box::new(move |c| {
            let filter = db::audit::Filter { action: Some("holder.viewed".into()), ..Default::default() };
            db::audit::browse(c, &filter, Some((at, 99)), 51).unwrap();
        }),
    ));
    shapes.push((
        "audit browser, by actor and day".into(),
        Box::new(move |c| {
            let filter = db::audit::Filter {
                actor: Some(db::audit::ActorFilter::Staff(3)),
                from: Some(at),
                until: Some(datetime!(2026-11-25 01:00)),
                ..Default::default()
            };
            db::audit::browse(c, &filter, None, 51).unwrap();
        }),
    ));
    shapes.push((
        "work list: returned".into(),
        Box::new(|c| {
            db::worklists::returned(c, None, 51).unwrap();
        }),
    ));
    shapes.push((
        "work list: no portal record".into(),
        Box::new(|c| {
            db::worklists::no_portal_record(c, None, 51).unwrap();
        }),
    ));
    shapes.push((
        "disclosures export".into(),
        Box::new(|c| {
            db::exports::disclosures(c, datetime!(2026-11-01 00:00), datetime!(2026-11-25 00:00), None, 5000).unwrap();
        }),
    ));
    shapes.push((
        "withdrawals waiting".into(),
        Box::new(|c| {
            db::withdrawals::waiting(c, 101).unwrap();
        }),
    ));
    shapes.push((
        "work list: expired".into(),
        Box::new(|c| {
            db::worklists::expired(c, date!(2026 - 11 - 24), None, 51).unwrap();
        }),
    ));
    shapes.push((
        "Myna requests waiting".into(),
        Box::new(|c| {
            db::myna_requests::open(c, 0, 51).unwrap();
        }),
    ));
    shapes.push((
        "Myna checks waiting".into(),
        Box::new(|c| {
            db::myna::pending_checks(c, 0, 51).unwrap();
        }),
    ));
    shapes.push((
        "card reads export".into(),
        Box::new(|c| {
            db::card_reads::page(c, date!(2026 - 11 - 01), date!(2026 - 11 - 24), None, 5000).unwrap();
        }),
    ));
    shapes
}

fn production_sized() -> (tempfile::TempDir, db::Pool) {
    let dir = tempfile::tempdir().unwrap();
    let url = db::DatabaseUrl::parse(&fresh_database(TestDb::Sqlite, &dir)).unwrap();
    let pool = db::connect_pool(&url, 1).unwrap();
    db::run_migrations(&mut pool.get().unwrap()).unwrap();
    (dir, pool)
}

/// Runs every shape and returns, for each, the SELECTs it prepared.
fn selects_of_every_shape(conn: &mut DbConnection) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, run) in shapes() {
        let seen = capture(conn);
        run(conn);
        conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
        let statements = std::mem::take(&mut *seen.lock().unwrap());
        assert!(!statements.is_empty(), "{name}: no statement captured");
        // `WHERE (1=0)` is diesel's empty IN list: the database never runs it.
        let selects = statements.into_iter().filter(|s| s.trim_start().to_uppercase().starts_with("SELECT"));
        out.extend(selects.filter(|s| !s.contains("(1=0)")).map(|sql| (name.clone(), sql)));
    }
    out
}

/// The problems of each statement every shape prepares, planned on production statistics.
fn problems(conn: &mut DbConnection) -> Vec<String> {
    production_statistics(conn);
    let mut found = Vec::new();
    for (name, sql) in selects_of_every_shape(conn) {
        for problem in plan_problems(conn, &sql) {
            found.push(format!("{name}: {problem}\n    {sql}"));
        }
    }
    found
}

#[test]
fn every_list_and_search_starts_from_an_index_at_production_size() {
    let (_dir, pool) = production_sized();
    let found = problems(&mut pool.get().unwrap());
    assert!(found.is_empty(), "{} problem(s):\n{}", found.len(), found.join("\n"));
}

#[derive(QueryableByName, Debug)]
struct PgPlanLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(column_name = "QUERY PLAN")]
    line: String,
}

/// PostgreSQL cannot be handed production statistics the way SQLite can; with sequential scans
/// priced out of reach, a `Seq Scan` on a big table remains only where no index can serve the
/// query, whatever its size. Plans are generic (no parameter value shapes them).
fn postgres_problems(conn: &mut DbConnection) -> Vec<String> {
    conn.batch_execute("SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan;").unwrap();
    let mut found = Vec::new();
    for (name, sql) in selects_of_every_shape(conn) {
        let params = (1..=64).take_while(|n| sql.contains(&format!("${n}"))).count();
        let nulls = vec!["NULL"; params].join(", ");
        conn.batch_execute(&format!("PREPARE planned AS {sql}")).unwrap();
        let execute = if params == 0 { "EXECUTE planned".to_owned() } else { format!("EXECUTE planned({nulls})") };
        let plan: Vec<PgPlanLine> = diesel::sql_query(format!("EXPLAIN {execute}")).load(conn).unwrap();
        conn.batch_execute("DEALLOCATE planned").unwrap();
        // The big table the nearest scan above reads: a filter by a subquery's result there
        // means the subquery did not lead (`id IN (…) OR …` walks the table testing each row).
        let mut scanning: Option<&str> = None;
        for line in &plan {
            for table in BIG {
                if line.line.contains(&format!("Seq Scan on {table} "))
                    || line.line.ends_with(&format!("Seq Scan on {table}"))
                {
                    found.push(format!("{name}: full scan of {table}: {}\n    {sql}", line.line.trim()));
                }
            }
            if line.line.contains(" Scan ") {
                scanning = BIG
                    .iter()
                    .copied()
                    .find(|t| line.line.contains(&format!(" on {t} ")) || line.line.ends_with(&format!(" on {t}")));
            }
            if let Some(table) = scanning
                && line.line.trim_start().starts_with("Filter:")
                && line.line.contains("SubPlan")
            {
                found.push(format!(
                    "{name}: {table} walked and filtered by a subquery: {}\n    {sql}",
                    line.line.trim()
                ));
            }
        }
    }
    found
}

fn postgres_database() -> Option<(tempfile::TempDir, db::Pool)> {
    crate::helpers::postgres_admin_url()?;
    let dir = tempfile::tempdir().unwrap();
    let url = db::DatabaseUrl::parse(&fresh_database(TestDb::Postgres, &dir)).unwrap();
    let pool = db::connect_pool(&url, 1).unwrap();
    db::run_migrations(&mut pool.get().unwrap()).unwrap();
    Some((dir, pool))
}

#[test]
fn every_list_and_search_has_an_index_path_on_postgres() {
    let Some((_dir, pool)) = postgres_database() else {
        return crate::helpers::skip_or_fail("TEST_DATABASE_URL is not set");
    };
    let found = postgres_problems(&mut pool.get().unwrap());
    assert!(found.is_empty(), "{} problem(s):\n{}", found.len(), found.join("\n"));
}

#[test]
fn the_postgres_guard_catches_a_dropped_index() {
    let Some((_dir, pool)) = postgres_database() else {
        return crate::helpers::skip_or_fail("TEST_DATABASE_URL is not set");
    };
    let mut conn = pool.get().unwrap();
    conn.batch_execute("DROP INDEX handbook_fields_number;").unwrap();
    let found = postgres_problems(&mut conn);
    assert!(found.iter().any(|p| p.contains("search=number")), "{found:?}");
}

#[test]
fn the_guard_catches_a_dropped_index() {
    let (_dir, pool) = production_sized();
    let mut conn = pool.get().unwrap();
    conn.batch_execute("DROP INDEX handbook_fields_number;").unwrap();
    let found = problems(&mut conn);
    assert!(found.iter().any(|p| p.contains("search=number") || p.contains("holder search number")), "{found:?}");
}
