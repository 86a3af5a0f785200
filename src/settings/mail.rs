//! How notices to holders leave the system (`HANDBOOK_ADMIN_MAIL_TRANSPORT` and the SMTP
//! variables).

use super::{Mode, SettingsError, missing};
use crate::secrets::Secret;

/// How notices to holders leave the system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailSettings {
    /// One JSON line per notice in `<data dir>/outbox/notices.jsonl`.
    File,
    Smtp {
        url: Secret<String>,
        from: String,
    },
}

pub(super) fn mail(mode: Mode, get: &impl Fn(&'static str) -> Option<String>) -> Result<MailSettings, SettingsError> {
    match (get("HANDBOOK_ADMIN_MAIL_TRANSPORT").as_deref().map(str::trim), mode) {
        (Some("file"), _) | (None, Mode::Demo) => Ok(MailSettings::File),
        // A production node that silently wrote notices to a local file would never tell
        // a holder anything: the choice must be made.
        (None, Mode::Serve) => Err(missing("HANDBOOK_ADMIN_MAIL_TRANSPORT", "smtp (or file)")),
        (Some("smtp"), _) => {
            let url = get("HANDBOOK_ADMIN_SMTP_URL")
                .ok_or_else(|| missing("HANDBOOK_ADMIN_SMTP_URL", "smtps://user:password@host:465"))?;
            if !smtp_url_is_encrypted(&url) {
                return Err(SettingsError::new(
                    "HANDBOOK_ADMIN_SMTP_URL",
                    "must be smtps://… or smtp://…?tls=required (notices carry personal data)",
                ));
            }
            Ok(MailSettings::Smtp {
                url: Secret::new(url),
                from: get("HANDBOOK_ADMIN_MAIL_FROM")
                    .ok_or_else(|| missing("HANDBOOK_ADMIN_MAIL_FROM", "the sender address of notices"))?,
            })
        }
        (Some(_), _) => Err(SettingsError::new("HANDBOOK_ADMIN_MAIL_TRANSPORT", "must be file or smtp")),
    }
}

/// lettre sends `smtp://` in clear text unless told `tls=required`; notices name holders.
fn smtp_url_is_encrypted(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("smtps://") {
        return true;
    }
    lower.starts_with("smtp://")
        && lower.split_once('?').is_some_and(|(_, query)| query.split('&').any(|pair| pair == "tls=required"))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{load, serve_env};

    #[test]
    fn mail_leaves_only_over_tls() {
        let mut env = serve_env();
        env.insert("HANDBOOK_ADMIN_MAIL_TRANSPORT", "smtp".to_owned());
        env.insert("HANDBOOK_ADMIN_MAIL_FROM", "notices@example.jp".to_owned());
        for (url, ok) in [
            ("smtp://user:pw@mail.example.jp:587", false),
            ("smtp://user:pw@mail.example.jp:587?tls=opportunistic", false),
            ("smtp://user:pw@mail.example.jp:587?tls=required", true),
            ("SMTPS://user:pw@mail.example.jp:465", true),
            ("smtp://mail.example.jp?auth=plain&tls=required", true),
        ] {
            env.insert("HANDBOOK_ADMIN_SMTP_URL", url.to_owned());
            let loaded = load(&env);
            assert_eq!(loaded.is_ok(), ok, "{url}");
            if let Err(e) = loaded {
                assert_eq!(e.variable, "HANDBOOK_ADMIN_SMTP_URL");
                assert!(!e.to_string().contains("pw"), "the URL's password is never echoed");
            }
        }
    }
}
