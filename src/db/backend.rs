//! Which backend a `DATABASE_URL` names. The scheme decides; an unknown scheme is an error,
//! never a surprise SQLite file in the working directory.

use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed database URL. `Debug` and `Display` hide PostgreSQL credentials.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    #[error("must start with sqlite:// or postgres://")]
    UnknownScheme,
    #[error("names no SQLite file")]
    EmptyPath,
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, DatabaseUrlError> {
        let raw = raw.trim();
        if let Some(path) = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(DatabaseUrlError::EmptyPath);
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        Err(DatabaseUrlError::UnknownScheme)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(url) => {
                // Keep host and database, drop user info.
                let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
                let host = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
                let host = host.split_once('?').map(|(h, _)| h).unwrap_or(host);
                write!(f, "postgres://…@{host}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_decides_the_backend() {
        assert_eq!(DatabaseUrl::parse("sqlite://./data/x.db").map(|u| u.backend()), Ok(Backend::Sqlite));
        assert_eq!(DatabaseUrl::parse("postgres://u:p@localhost/db").map(|u| u.backend()), Ok(Backend::Postgres));
        assert_eq!(DatabaseUrl::parse("postgresql://localhost/db").map(|u| u.backend()), Ok(Backend::Postgres));
    }

    #[test]
    fn unknown_scheme_or_bare_path_is_refused() {
        assert_eq!(DatabaseUrl::parse("mysql://x"), Err(DatabaseUrlError::UnknownScheme));
        assert_eq!(DatabaseUrl::parse("./data/x.db"), Err(DatabaseUrlError::UnknownScheme));
        assert_eq!(DatabaseUrl::parse("sqlite://"), Err(DatabaseUrlError::EmptyPath));
    }

    #[test]
    fn display_hides_credentials() {
        let url =
            DatabaseUrl::parse("postgres://admin:hunter2@db.internal:5432/app?sslmode=require").map(|u| u.to_string());
        assert_eq!(url, Ok("postgres://…@db.internal:5432/app".to_owned()));
    }
}
