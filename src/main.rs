use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    handbook_admin::telemetry::init();
    let cli = handbook_admin::cli::Cli::parse();
    match handbook_admin::cli::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            // One line, naming what is wrong (for settings: the variable).
            eprintln!("handbook-admin: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
