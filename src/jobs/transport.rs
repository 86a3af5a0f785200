//! How notices reach holders: a file (default; readable in the demo) or SMTP.

use std::io::Write;
use std::path::PathBuf;

use lettre::message::header::ContentType;
use lettre::{Message, SmtpTransport, Transport as _};

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth retrying (network, server busy).
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// Will never succeed (malformed address).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

pub trait Transport: Send + Sync + 'static {
    fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError>;
    fn name(&self) -> &'static str;
}

/// Appends each notice as one JSON line to `<data dir>/outbox/notices.jsonl`.
pub struct FileTransport {
    path: PathBuf,
}

impl FileTransport {
    pub fn new(data_dir: &std::path::Path) -> Self {
        Self { path: data_dir.join("outbox").join("notices.jsonl") }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Transport for FileTransport {
    fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        let io = |e: std::io::Error| SendError::Temporary(e.kind().to_string());
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let line = serde_json::json!({"to": to, "subject": subject, "body": body}).to_string();
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        // Notices name holders: the file is the service account's alone.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file.metadata().map_err(io)?.permissions().mode() & 0o777;
            if mode != 0o600 {
                // A file made before this rule, or by hand: tightened, not trusted.
                file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
        }
        file.write_all(format!("{line}\n").as_bytes()).map_err(io)?;
        file.sync_data().map_err(io)
    }

    fn name(&self) -> &'static str {
        "file"
    }
}

/// Why the SMTP transport could not be set up (the URL's text is never echoed: it holds a password).
#[derive(Debug, thiserror::Error)]
pub enum SmtpSetupError {
    #[error("SMTP URL: {0}")]
    Url(#[source] lettre::transport::smtp::Error),
    #[error("mail sender: {0}")]
    From(#[source] lettre::address::AddressError),
}

pub struct SmtpMail {
    transport: SmtpTransport,
    from: lettre::message::Mailbox,
}

impl SmtpMail {
    pub fn new(url: &str, from: &str) -> Result<Self, SmtpSetupError> {
        Ok(Self {
            transport: SmtpTransport::from_url(url).map_err(SmtpSetupError::Url)?.build(),
            from: from.parse().map_err(SmtpSetupError::From)?,
        })
    }
}

impl Transport for SmtpMail {
    fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        let to = to.parse().map_err(|_| SendError::Permanent("malformed recipient address".into()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|_| SendError::Permanent("message could not be built".into()))?;
        self.transport.send(&message).map(drop).map_err(|e| {
            // The error text can quote addresses; keep only its class.
            if e.is_permanent() {
                SendError::Permanent("rejected by the mail server".into())
            } else {
                SendError::Temporary("mail server unavailable".into())
            }
        })
    }

    fn name(&self) -> &'static str {
        "smtp"
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_outbox_file_is_the_owners_alone() {
        let dir = tempfile::tempdir().unwrap();
        let transport = FileTransport::new(dir.path());
        let mode = |t: &FileTransport| std::fs::metadata(t.path()).map(|m| m.permissions().mode() & 0o777).ok();
        assert!(transport.send("a@example.jp", "件名", "本文").is_ok());
        assert_eq!(mode(&transport), Some(0o600));
        std::fs::set_permissions(transport.path(), std::fs::Permissions::from_mode(0o644)).ok();
        assert!(transport.send("a@example.jp", "件名", "本文").is_ok());
        assert_eq!(mode(&transport), Some(0o600), "a wider file made earlier is tightened");
    }
}
