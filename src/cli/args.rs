//! The commands, their flags and their environment fallbacks (clap's definitions).

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

/// Demo holders seeded on the first `demo` run (`DEMO_HOLDERS` to change).
pub const DEMO_HOLDERS: usize = 240;

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
    /// the console runs (PostgreSQL: the command runs `pg_dump` itself, on a snapshot it holds;
    /// `pg_dump` must be on the machine or named by `HANDBOOK_ADMIN_PG_DUMP`).
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
        /// audit, decisions, sanctions, lost-device, myna-consents or card-reads.
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
