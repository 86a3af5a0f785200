//! What the command-line tools read without a whole `Settings`: the audit keys and checkpoint
//! folder, the photo store and its keys. Keys come from the environment, or from a demo's data
//! folder; never made up.

use std::path::{Path, PathBuf};

use super::keys::{DemoSecrets, old_keys, parse_hex_key};
use super::{PhotoStore, SettingsError, missing};
use crate::secrets::Secret;

/// What the command-line audit tools need: the audit keys and the checkpoint folder, from the
/// environment; where `HANDBOOK_ADMIN_AUDIT_KEY` is unset, the key a demo generated in its data
/// folder (never a new one: a tool that invented a key would report every row as forged).
pub fn audit_tools_from_env() -> Result<(crate::audit::AuditKeys, PathBuf), SettingsError> {
    let data_dir = data_dir_from_env();
    let current = key_from_env_or_demo("HANDBOOK_ADMIN_AUDIT_KEY", &data_dir, |demo| demo.audit_key)?;
    let retired = old_keys("HANDBOOK_ADMIN_OLD_AUDIT_KEYS", env("HANDBOOK_ADMIN_OLD_AUDIT_KEYS"))?;
    let dir = env("HANDBOOK_ADMIN_AUDIT_CHECKPOINT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir.join("audit-checkpoints"));
    Ok((crate::audit::AuditKeys::new(&current, &retired), dir))
}

/// A variable of the process environment, unset when blank.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `HANDBOOK_ADMIN_DATA_DIR`, or `./data`.
pub fn data_dir_from_env() -> PathBuf {
    PathBuf::from(env("HANDBOOK_ADMIN_DATA_DIR").unwrap_or_else(|| "./data".to_owned()))
}

/// A 32-byte key from `variable`, or else the one a demo generated in its data folder (never a
/// new one: a tool with an invented key would find every seal broken and every photo sealed).
fn key_from_env_or_demo(
    variable: &'static str,
    data_dir: &Path,
    pick: impl FnOnce(DemoSecrets) -> String,
) -> Result<Secret<[u8; 32]>, SettingsError> {
    let raw = match env(variable) {
        Some(raw) => raw,
        None => DemoSecrets::read(data_dir)
            .ok()
            .flatten()
            .map(pick)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| missing(variable, "32 bytes as 64 hex characters"))?,
    };
    Ok(Secret::new(parse_hex_key::<32>(variable, &raw)?))
}

/// What `backup` and `restore` need: the data folder (the photo store is its `images`), the
/// image keys (restore opens every photo), and the audit tools (the manifest is sealed with the
/// audit key). Keys come from the environment, or from a demo's data folder; never made up.
pub struct StoreTools {
    pub data_dir: PathBuf,
    pub photo_store: PhotoStore,
    pub image_key: Secret<[u8; 32]>,
    pub old_image_keys: Vec<Secret<[u8; 32]>>,
    pub audit_keys: crate::audit::AuditKeys,
    pub checkpoint_dir: PathBuf,
}

/// The photo store's place alone (the data folder and `HANDBOOK_ADMIN_PHOTO_STORE`), for tools
/// that never open a photo (the sweep).
pub fn photo_store_from_env() -> Result<(PhotoStore, PathBuf), SettingsError> {
    Ok((super::photo_store::photo_store(&|name| env(name))?, data_dir_from_env()))
}

/// The retention schedule (`HANDBOOK_ADMIN_RETAIN_*`), for `purge-expired`.
pub fn retention_from_env() -> Result<crate::domain::retention::Schedule, SettingsError> {
    Ok(super::rights::rights(&|name| env(name))?.retention)
}

pub fn store_tools_from_env() -> Result<StoreTools, SettingsError> {
    let (photo_store, data_dir) = photo_store_from_env()?;
    let image_key = key_from_env_or_demo("HANDBOOK_ADMIN_IMAGE_KEY", &data_dir, |demo| demo.image_key)?;
    let old_image_keys = old_keys("HANDBOOK_ADMIN_OLD_IMAGE_KEYS", env("HANDBOOK_ADMIN_OLD_IMAGE_KEYS"))?;
    let (audit_keys, checkpoint_dir) = audit_tools_from_env()?;
    Ok(StoreTools { data_dir, photo_store, image_key, old_image_keys, audit_keys, checkpoint_dir })
}
