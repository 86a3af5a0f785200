//! The environment of a `serve` with every secret, for the settings' tests.

use std::collections::HashMap;

use super::{Mode, Settings, SettingsError};

pub(super) fn serve_env() -> HashMap<&'static str, String> {
    HashMap::from([
        ("HANDBOOK_ADMIN_SESSION_KEY", "ab".repeat(64)),
        ("HANDBOOK_ADMIN_IMAGE_KEY", "cd".repeat(32)),
        ("HANDBOOK_ADMIN_AUDIT_KEY", "ef".repeat(32)),
        ("HANDBOOK_ADMIN_INTAKE_TOKEN", "t".repeat(32)),
        ("HANDBOOK_ADMIN_CARD_TOKEN", "c".repeat(32)),
        ("MYNA_CALLBACK_SECRET", "s".repeat(32)),
        ("HANDBOOK_ADMIN_MAIL_TRANSPORT", "file".to_owned()),
    ])
}

pub(super) fn load(env: &HashMap<&'static str, String>) -> Result<Settings, SettingsError> {
    Settings::from_lookup(Mode::Serve, |k| env.get(k).cloned())
}
