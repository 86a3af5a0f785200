//! Where the encrypted photos are kept: the data folder, or an S3-compatible bucket
//! (`HANDBOOK_ADMIN_PHOTO_STORE` and the `AWS_*` variables).

use super::{SettingsError, parse_bool};
use crate::secrets::Secret;

/// Where the encrypted photos are kept (`HANDBOOK_ADMIN_PHOTO_STORE`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PhotoStore {
    /// `<data dir>/images`: one node.
    #[default]
    Folder,
    /// An S3-compatible bucket: several nodes share it.
    S3(S3Settings),
}

/// `s3://bucket/prefix` and the usual `AWS_*` variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    pub prefix: String,
    /// `AWS_ENDPOINT_URL`: another S3-compatible service than AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<Secret<String>>,
    pub secret_access_key: Option<Secret<String>>,
    /// `AWS_ALLOW_HTTP=true`: a plain-HTTP endpoint (a test server on loopback).
    pub allow_http: bool,
}

/// Parses `HANDBOOK_ADMIN_PHOTO_STORE` with the `AWS_*` variables it needs.
pub(super) fn photo_store(get: &impl Fn(&'static str) -> Option<String>) -> Result<PhotoStore, SettingsError> {
    const VAR: &str = "HANDBOOK_ADMIN_PHOTO_STORE";
    let Some(raw) = get(VAR) else { return Ok(PhotoStore::Folder) };
    let raw = raw.trim();
    if raw == "folder" {
        return Ok(PhotoStore::Folder);
    }
    let Some(rest) = raw.strip_prefix("s3://") else {
        return Err(SettingsError::new(VAR, "must be s3://bucket/prefix (or unset for the data folder)"));
    };
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(SettingsError::new(VAR, "names no bucket: s3://bucket/prefix"));
    }
    let endpoint = get("AWS_ENDPOINT_URL").or_else(|| get("AWS_ENDPOINT"));
    let allow_http = match get("AWS_ALLOW_HTTP") {
        None => false,
        Some(raw) => parse_bool(&raw).ok_or_else(|| SettingsError::new("AWS_ALLOW_HTTP", "must be true or false"))?,
    };
    if endpoint.as_deref().is_some_and(|e| e.starts_with("http://")) && !allow_http {
        return Err(SettingsError::new("AWS_ENDPOINT_URL", "is plain HTTP: set AWS_ALLOW_HTTP=true to mean it"));
    }
    let access_key_id = get("AWS_ACCESS_KEY_ID");
    let secret_access_key = get("AWS_SECRET_ACCESS_KEY");
    if access_key_id.is_some() != secret_access_key.is_some() {
        return Err(SettingsError::new(
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together",
        ));
    }
    Ok(PhotoStore::S3(S3Settings {
        bucket: bucket.to_owned(),
        prefix: prefix.trim_matches('/').to_owned(),
        endpoint,
        region: get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION")).unwrap_or_else(|| "us-east-1".to_owned()),
        access_key_id: access_key_id.map(Secret::new),
        secret_access_key: secret_access_key.map(Secret::new),
        allow_http,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{load, serve_env};
    use super::*;

    #[test]
    fn the_photo_store_is_the_folder_or_a_bucket_with_its_aws_variables() {
        let d = load(&serve_env()).map_err(|e| e.to_string());
        assert_eq!(d.map(|s| s.photo_store), Ok(PhotoStore::Folder));
        let mut env = serve_env();
        env.insert("HANDBOOK_ADMIN_PHOTO_STORE", "s3://handbook-photos/prod/v1/".into());
        env.insert("AWS_ENDPOINT_URL", "https://s3.example.jp".into());
        env.insert("AWS_REGION", "ap-northeast-1".into());
        env.insert("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE".into());
        env.insert("AWS_SECRET_ACCESS_KEY", "secret".into());
        let store = load(&env).map(|s| s.photo_store).map_err(|e| e.to_string());
        let Ok(PhotoStore::S3(s3)) = store else { panic!("{store:?}") };
        assert_eq!((s3.bucket.as_str(), s3.prefix.as_str()), ("handbook-photos", "prod/v1"));
        assert_eq!(s3.region, "ap-northeast-1");
        assert!(!s3.allow_http);
        for (key, value, named) in [
            ("HANDBOOK_ADMIN_PHOTO_STORE", "/mnt/photos", "HANDBOOK_ADMIN_PHOTO_STORE"),
            ("HANDBOOK_ADMIN_PHOTO_STORE", "s3://", "HANDBOOK_ADMIN_PHOTO_STORE"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000", "AWS_ENDPOINT_URL"),
            ("AWS_SECRET_ACCESS_KEY", "", "AWS_SECRET_ACCESS_KEY"),
        ] {
            let mut env = env.clone();
            env.insert(key, value.into());
            assert_eq!(load(&env).err().map(|e| e.variable), Some(named), "{key}={value}");
        }
    }
}
