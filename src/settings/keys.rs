//! Keys and tokens: the session, image and audit keys (and the retired ones), the bearer
//! tokens of the intake and card APIs. `demo` may take the keys from the file it generated in
//! its data folder; settings only read that file, never write it.

use std::path::Path;

use super::{Mode, SettingsError, missing};
use crate::secrets::Secret;

pub const DEMO_INTAKE_TOKEN: &str = "demo-intake-token";
pub const DEMO_CARD_TOKEN: &str = "demo-card-token";

/// The file, in the demo's data folder, of the secrets `demo` generated on its first run.
pub const DEMO_SECRETS_FILE: &str = "demo-secrets.json";

/// Secrets `demo` generated on its first run, kept in `<data dir>/demo-secrets.json` (hex).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct DemoSecrets {
    pub session_key: String,
    pub image_key: String,
    /// Absent in files written before the chain was keyed: added on the next start.
    #[serde(default)]
    pub audit_key: String,
}

impl DemoSecrets {
    /// The demo's secrets in `data_dir`, `None` when it has none yet.
    pub fn read(data_dir: &Path) -> Result<Option<Self>, String> {
        match std::fs::read_to_string(data_dir.join(DEMO_SECRETS_FILE)) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| e.to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The keys and tokens of the settings.
pub(super) struct Keys {
    pub session_key: Secret<Vec<u8>>,
    pub image_key: Secret<[u8; 32]>,
    pub old_image_keys: Vec<Secret<[u8; 32]>>,
    pub audit_key: Secret<[u8; 32]>,
    pub old_audit_keys: Vec<Secret<[u8; 32]>>,
    pub intake_token: Secret<String>,
    pub card_token: Secret<String>,
}

pub(super) fn keys(
    mode: Mode,
    get: &impl Fn(&'static str) -> Option<String>,
    data_dir: &Path,
) -> Result<Keys, SettingsError> {
    let demo = match mode {
        Mode::Demo => DemoSecrets::read(data_dir)
            .map_err(|e| SettingsError::new("HANDBOOK_ADMIN_DATA_DIR", format!("demo secrets: {e}")))?,
        Mode::Serve => None,
    };
    let session_key =
        key::<64>(get, "HANDBOOK_ADMIN_SESSION_KEY", demo.as_ref().map(|d| d.session_key.as_str()))?.to_vec();
    let image_key = key::<32>(get, "HANDBOOK_ADMIN_IMAGE_KEY", demo.as_ref().map(|d| d.image_key.as_str()))?;
    let audit_key = key::<32>(get, "HANDBOOK_ADMIN_AUDIT_KEY", demo.as_ref().map(|d| d.audit_key.as_str()))?;
    let (intake_token, card_token) = tokens(mode, get)?;
    Ok(Keys {
        session_key: Secret::new(session_key),
        image_key: Secret::new(image_key),
        old_image_keys: old_keys("HANDBOOK_ADMIN_OLD_IMAGE_KEYS", get("HANDBOOK_ADMIN_OLD_IMAGE_KEYS"))?,
        audit_key: Secret::new(audit_key),
        old_audit_keys: old_keys("HANDBOOK_ADMIN_OLD_AUDIT_KEYS", get("HANDBOOK_ADMIN_OLD_AUDIT_KEYS"))?,
        intake_token: Secret::new(intake_token),
        card_token: Secret::new(card_token),
    })
}

/// An `N`-byte hex key from `variable`, or else from the demo's file.
fn key<const N: usize>(
    get: &impl Fn(&'static str) -> Option<String>,
    variable: &'static str,
    demo: Option<&str>,
) -> Result<[u8; N], SettingsError> {
    match (get(variable), demo) {
        (Some(raw), _) => parse_hex_key::<N>(variable, &raw),
        (None, Some(demo)) => parse_hex_key::<N>(variable, demo),
        (None, None) => Err(missing(variable, &format!("{N} bytes as {} hex characters", N * 2))),
    }
}

/// The intake's and the card API's bearer tokens: comma-separated lists, none shared.
fn tokens(mode: Mode, get: &impl Fn(&'static str) -> Option<String>) -> Result<(String, String), SettingsError> {
    let intake_token = match (get("HANDBOOK_ADMIN_INTAKE_TOKEN"), mode) {
        (Some(raw), _) => raw,
        (None, Mode::Demo) => DEMO_INTAKE_TOKEN.to_owned(),
        (None, Mode::Serve) => {
            return Err(missing("HANDBOOK_ADMIN_INTAKE_TOKEN", "the bearer token of the app's intake calls"));
        }
    };
    let card_token = match (get("HANDBOOK_ADMIN_CARD_TOKEN"), mode) {
        (Some(raw), _) => raw,
        (None, Mode::Demo) => DEMO_CARD_TOKEN.to_owned(),
        (None, Mode::Serve) => {
            return Err(missing("HANDBOOK_ADMIN_CARD_TOKEN", "the bearer token of the card API"));
        }
    };
    for (variable, list) in [("HANDBOOK_ADMIN_INTAKE_TOKEN", &intake_token), ("HANDBOOK_ADMIN_CARD_TOKEN", &card_token)]
    {
        let tokens: Vec<&str> = list.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
        if tokens.is_empty() || (mode == Mode::Serve && tokens.iter().any(|t| t.len() < 24)) {
            return Err(SettingsError::new(variable, "each comma-separated token must be at least 24 characters"));
        }
    }
    if intake_token.split(',').map(str::trim).any(|t| card_token.split(',').map(str::trim).any(|c| c == t)) {
        return Err(SettingsError::new("HANDBOOK_ADMIN_CARD_TOKEN", "must differ from every intake token"));
    }
    Ok((intake_token, card_token))
}

/// A comma-separated list of retired 32-byte hex keys.
pub(super) fn old_keys(variable: &'static str, raw: Option<String>) -> Result<Vec<Secret<[u8; 32]>>, SettingsError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| parse_hex_key::<32>(variable, k).map(Secret::new))
        .collect()
}

pub(super) fn parse_hex_key<const N: usize>(variable: &'static str, raw: &str) -> Result<[u8; N], SettingsError> {
    let bytes = hex::decode(raw.trim())
        .map_err(|_| SettingsError::new(variable, format!("must be {N} bytes as {} hex characters", N * 2)))?;
    bytes.try_into().map_err(|_| SettingsError::new(variable, format!("must be {N} bytes as {} hex characters", N * 2)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{load, serve_env};

    #[test]
    fn each_missing_secret_is_named() {
        for key in [
            "HANDBOOK_ADMIN_SESSION_KEY",
            "HANDBOOK_ADMIN_IMAGE_KEY",
            "HANDBOOK_ADMIN_AUDIT_KEY",
            "HANDBOOK_ADMIN_INTAKE_TOKEN",
            "HANDBOOK_ADMIN_CARD_TOKEN",
            "MYNA_CALLBACK_SECRET",
            "HANDBOOK_ADMIN_MAIL_TRANSPORT",
        ] {
            let mut env = serve_env();
            env.remove(key);
            let err = load(&env).err().map(|e| e.variable);
            assert_eq!(err, Some(key));
        }
    }

    #[test]
    fn errors_never_echo_the_value() {
        let mut env = serve_env();
        env.insert("HANDBOOK_ADMIN_SESSION_KEY", "secret-looking-value".to_owned());
        let message = load(&env).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(!message.contains("secret-looking-value"));
    }

    #[test]
    fn demo_settings_read_the_demos_secrets_and_never_write_them() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { panic!("tempdir") };
        let data = dir.path().to_string_lossy().into_owned();
        let lookup = |k: &str| (k == "HANDBOOK_ADMIN_DATA_DIR").then(|| data.clone());
        let missing = super::super::Settings::from_lookup(super::Mode::Demo, lookup).err().map(|e| e.variable);
        assert_eq!(missing, Some("HANDBOOK_ADMIN_SESSION_KEY"));
        assert!(!dir.path().join(super::DEMO_SECRETS_FILE).exists(), "the settings wrote no file");
        let secrets =
            super::DemoSecrets { session_key: "ab".repeat(64), image_key: "cd".repeat(32), audit_key: "ef".repeat(32) };
        let text = serde_json::to_string(&secrets).unwrap_or_default();
        assert!(std::fs::write(dir.path().join(super::DEMO_SECRETS_FILE), text).is_ok());
        let loaded = super::super::Settings::from_lookup(super::Mode::Demo, lookup).map_err(|e| e.to_string());
        assert_eq!(loaded.map(|s| *s.audit_key.expose()), Ok([0xef; 32]));
    }
}
