//! `demo` and `seed` create staff with a known password and made-up holders: they must never
//! land in a production database. Both refuse PostgreSQL (the production kind) and any SQLite
//! file outside the data folder unless told `--force`.

use std::path::{Component, Path, PathBuf};

use crate::db::DatabaseUrl;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error(
        "DATABASE_URL names a PostgreSQL database; demo data (staff with a known password) is only written to SQLite in the data folder. Pass --force for a throwaway PostgreSQL database"
    )]
    Postgres,
    #[error(
        "DATABASE_URL names a SQLite file outside the data folder (HANDBOOK_ADMIN_DATA_DIR); demo data is only written inside it. Pass --force if this file is a throwaway"
    )]
    OutsideDataDir,
}

/// Whether demo data may be written to `url`.
pub fn check(url: &DatabaseUrl, data_dir: &Path, force: bool) -> Result<(), Refused> {
    if force {
        return Ok(());
    }
    match url {
        DatabaseUrl::Postgres(_) => Err(Refused::Postgres),
        DatabaseUrl::Sqlite(file) => {
            let (file, dir) = (lexical(file), lexical(data_dir));
            if file.parent().is_some_and(|parent| parent.starts_with(&dir)) {
                Ok(())
            } else {
                Err(Refused::OutsideDataDir)
            }
        }
    }
}

/// The absolute path with `.` and `..` resolved by name (the file may not exist yet).
fn lexical(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> DatabaseUrl {
        DatabaseUrl::parse(raw).unwrap()
    }

    #[test]
    fn the_default_layout_is_allowed() {
        assert_eq!(check(&url("sqlite://./data/handbook-admin.db"), Path::new("./data"), false), Ok(()));
        assert_eq!(check(&url("sqlite:///srv/hb/data/x/y.db"), Path::new("/srv/hb/data"), false), Ok(()));
    }

    #[test]
    fn postgres_and_files_elsewhere_need_force() {
        let data = Path::new("/srv/hb/data");
        assert_eq!(check(&url("postgres://db.internal/handbook"), data, false), Err(Refused::Postgres));
        assert_eq!(check(&url("sqlite:///srv/hb/prod.db"), data, false), Err(Refused::OutsideDataDir));
        assert_eq!(check(&url("sqlite:///srv/hb/data/../prod.db"), data, false), Err(Refused::OutsideDataDir));
        assert_eq!(check(&url("sqlite:///srv/hb/data-old/x.db"), data, false), Err(Refused::OutsideDataDir));
        assert_eq!(check(&url("postgres://db.internal/throwaway"), data, true), Ok(()));
    }

    #[test]
    fn the_refusal_names_no_credentials() {
        let message = Refused::Postgres.to_string();
        assert!(message.contains("--force") && !message.contains("postgres://"));
    }
}
