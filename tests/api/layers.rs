//! The floors of the layout (README "Layout"), read from the sources: a file that reaches past
//! its floor fails here, naming the file and the line.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(path)
}

/// Code lines (comments left out) of the files under `paths` that contain any of `words`.
fn lines_with(paths: &[&str], words: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    for path in paths {
        // A module is a folder or a file: `settings` is `settings/` or `settings.rs`.
        let path = src(path);
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else {
            files.push(path.with_extension("rs"));
        }
    }
    assert!(!files.is_empty(), "no sources under {paths:?}");
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if words.iter().any(|w| code.contains(w)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, code));
            }
        }
    }
    found
}

#[test]
fn screens_reach_the_data_only_through_services() {
    let found = lines_with(&["web"], &["crate::db", "diesel::prelude", "diesel::connection", "RunQueryDsl"]);
    assert!(found.is_empty(), "src/web reads or writes the database past the services:\n{}", found.join("\n"));
}

#[test]
fn the_domain_does_no_io() {
    let found = lines_with(
        &["domain"],
        &[
            "crate::db",
            "crate::services",
            "crate::web",
            "diesel",
            "actix",
            "tokio",
            "std::fs",
            "TcpStream",
            "TcpListener",
            "reqwest",
        ],
    );
    assert!(found.is_empty(), "src/domain does I/O or reaches outwards:\n{}", found.join("\n"));
}

#[test]
fn services_and_adapters_never_reach_the_web() {
    let found = lines_with(
        &["services", "db", "audit", "auth", "images", "jobs", "myna", "ocr", "secrets", "settings"],
        &["crate::web", "crate::startup", "HttpResponse", "HttpServer"],
    );
    assert!(found.is_empty(), "an inner floor reaches the web:\n{}", found.join("\n"));
}

#[test]
fn adapters_never_call_a_use_case() {
    let found = lines_with(
        &["db", "audit", "auth", "images", "jobs", "myna", "ocr", "secrets", "settings", "clock", "error", "metrics"],
        &["crate::services"],
    );
    assert!(found.is_empty(), "an adapter calls a use case (wire it in start-up instead):\n{}", found.join("\n"));
}

#[test]
fn only_the_data_layer_sees_the_schema() {
    let floors = ["domain", "services", "audit", "auth", "images", "jobs", "myna", "ocr", "secrets", "settings", "web"];
    let found = lines_with(&floors, &["db::schema", "schema::"]);
    assert!(found.is_empty(), "the schema is seen outside src/db:\n{}", found.join("\n"));
}

#[test]
fn only_the_web_floor_and_the_demo_tools_run_an_http_server() {
    let mut files = Vec::new();
    rust_files(&src(""), &mut files);
    let servers: Vec<String> = files
        .iter()
        .filter(|f| std::fs::read_to_string(f).unwrap().contains("HttpServer::new"))
        .map(|f| f.strip_prefix(src("")).unwrap().display().to_string())
        .filter(|f| !(f.starts_with("web/") || f == "startup.rs" || f.starts_with("demo/")))
        .collect();
    assert!(servers.is_empty(), "HTTP servers outside src/web, src/startup.rs and src/demo: {servers:?}");
}

#[test]
fn the_guard_sees_a_reach_past_the_services() {
    // The check itself: a line that imports the data layer into a screen is found.
    let dir = std::env::temp_dir().join(format!("layers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("screen.rs"), "// crate::db in a comment is fine\nuse crate::db::staff;\n").unwrap();
    let found = lines_with(&[dir.to_str().unwrap()], &["crate::db"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("use crate::db::staff;"));
}
