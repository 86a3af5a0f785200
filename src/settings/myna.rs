//! The Myna Portal: the callback secret, the request endpoint over mutual TLS, and which
//! fields the portal provides.

use std::path::PathBuf;

use super::{Mode, SettingsError, missing};
use crate::domain::reconcile::{Field, Provided};
use crate::myna::http::PortalConfig;
use crate::secrets::Secret;

pub const DEMO_MYNA_SECRET: &str = "demo-myna-secret";

/// The Myna Portal's part of the settings.
pub(super) struct Myna {
    pub callback_secret: Secret<String>,
    pub portal: Option<PortalConfig>,
    pub provided: Provided,
}

pub(super) fn myna(mode: Mode, get: &impl Fn(&'static str) -> Option<String>) -> Result<Myna, SettingsError> {
    let callback_secret = match (get("MYNA_CALLBACK_SECRET"), mode) {
        (Some(raw), _) => raw,
        (None, Mode::Demo) => DEMO_MYNA_SECRET.to_owned(),
        (None, Mode::Serve) => {
            return Err(missing("MYNA_CALLBACK_SECRET", "the HMAC key of Myna Portal callbacks"));
        }
    };
    let portal = portal_settings(mode, get)?;
    Ok(Myna { callback_secret: Secret::new(callback_secret), portal, provided: provided(get)? })
}

/// Which fields the portal provides for each kind (the intellectual handbook: none today,
/// `HANDBOOK_ADMIN_MYNA_INTELLECTUAL_FIELDS` once it does).
fn provided(get: &impl Fn(&'static str) -> Option<String>) -> Result<Provided, SettingsError> {
    let mut provided = Provided::default();
    if let Some(raw) = get("HANDBOOK_ADMIN_MYNA_INTELLECTUAL_FIELDS") {
        provided.intellectual = raw
            .split(',')
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(|code| {
                Field::parse(code).ok_or_else(|| {
                    SettingsError::new(
                        "HANDBOOK_ADMIN_MYNA_INTELLECTUAL_FIELDS",
                        "field codes: disability_category, grade, municipality, number, issued_on, renewed_on, expires_on",
                    )
                })
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(provided)
}

/// Where the Myna Portal is (`MYNA_PORTAL_URL`) and our client certificate (`MYNA_CLIENT_CERT`,
/// `MYNA_CLIENT_KEY`) and the portal's CA (`MYNA_PORTAL_CA`). `serve` talks to the portal only
/// over mutual TLS (guideline ※7), so there the URL must be https and all three files given;
/// the demo's in-process simulator is plain HTTP on loopback.
fn portal_settings(
    mode: Mode,
    get: &impl Fn(&'static str) -> Option<String>,
) -> Result<Option<PortalConfig>, SettingsError> {
    let Some(url) = get("MYNA_PORTAL_URL") else { return Ok(None) };
    let url = url.trim().to_owned();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(SettingsError::new("MYNA_PORTAL_URL", "must be an https:// URL"));
    }
    let file = |name: &'static str| get(name).map(PathBuf::from);
    let config = PortalConfig {
        service_id: get("MYNA_SERVICE_ID").unwrap_or_else(|| "handbook-admin".to_owned()),
        client_cert: file("MYNA_CLIENT_CERT"),
        client_key: file("MYNA_CLIENT_KEY"),
        ca: file("MYNA_PORTAL_CA"),
        url,
    };
    if config.client_cert.is_some() != config.client_key.is_some() {
        return Err(SettingsError::new("MYNA_CLIENT_KEY", "MYNA_CLIENT_CERT and MYNA_CLIENT_KEY go together"));
    }
    if mode == Mode::Serve {
        if !config.url.starts_with("https://") {
            return Err(SettingsError::new("MYNA_PORTAL_URL", "must be https:// (mutual TLS) in serve"));
        }
        if config.client_cert.is_none() {
            return Err(missing("MYNA_CLIENT_CERT", "the client certificate for mutual TLS (PEM)"));
        }
        if config.ca.is_none() {
            return Err(missing("MYNA_PORTAL_CA", "the CA of the portal's server certificate (PEM)"));
        }
    }
    Ok(Some(config))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{load, serve_env};

    #[test]
    fn the_portal_is_reached_only_over_mutual_tls_in_serve() {
        let mut env = serve_env();
        env.insert("MYNA_PORTAL_URL", "http://portal.example".to_owned());
        assert_eq!(load(&env).err().map(|e| e.variable), Some("MYNA_PORTAL_URL"));
        env.insert("MYNA_PORTAL_URL", "https://portal.example".to_owned());
        assert_eq!(load(&env).err().map(|e| e.variable), Some("MYNA_CLIENT_CERT"));
        env.insert("MYNA_CLIENT_CERT", "/etc/hb/client.pem".to_owned());
        assert_eq!(load(&env).err().map(|e| e.variable), Some("MYNA_CLIENT_KEY"));
        env.insert("MYNA_CLIENT_KEY", "/etc/hb/client-key.pem".to_owned());
        assert_eq!(load(&env).err().map(|e| e.variable), Some("MYNA_PORTAL_CA"));
        env.insert("MYNA_PORTAL_CA", "/etc/hb/portal-ca.pem".to_owned());
        let portal = load(&env).ok().and_then(|s| s.myna_portal);
        assert_eq!(portal.map(|p| p.url), Some("https://portal.example".to_owned()));
    }

    #[test]
    fn the_intellectual_handbook_provides_what_the_setting_says() {
        let none = load(&serve_env()).ok().map(|s| s.myna_provided.intellectual);
        assert_eq!(none, Some(Vec::new()), "nothing today");
        let mut env = serve_env();
        env.insert("HANDBOOK_ADMIN_MYNA_INTELLECTUAL_FIELDS", "grade, number".to_owned());
        let some = load(&env).ok().map(|s| s.myna_provided.intellectual);
        use crate::domain::reconcile::Field;
        assert_eq!(some, Some(vec![Field::Grade, Field::Number]));
    }
}
