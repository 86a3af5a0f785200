//! Demo data, generated at run time (nothing personal or binary is committed), and the Myna
//! Portal simulator the demo and the tests talk to.

pub mod art;
pub mod bulk;
pub mod guard;
pub mod holders;
pub mod myna;
pub mod myna_sim;
pub mod people;
pub mod raster;
pub mod requests;

use time::OffsetDateTime;

use crate::audit::Actor;
use crate::db::{self, DbConnection};
use crate::domain::staff::{NewPassword, Role, StaffEmail};
use crate::services::accounts::manage::{self, NewAccount};

/// The day the demo data was generated: its dates are relative to it, and the Myna Portal
/// simulator regenerates the same holders from it. Kept in `<data dir>/demo-seeded-on`,
/// written when `fresh` (the data is about to be generated); an older folder without the file
/// reads as today.
pub fn seeded_on(data_dir: &std::path::Path, fresh: bool, now: OffsetDateTime) -> anyhow::Result<time::Date> {
    let path = data_dir.join("demo-seeded-on");
    if fresh {
        std::fs::create_dir_all(data_dir)?;
        crate::atomic_file::write(&path, now.date().to_string().as_bytes(), false)?;
        return Ok(now.date());
    }
    Ok(std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| time::Date::parse(text.trim(), &time::format_description::well_known::Iso8601::DATE).ok())
        .unwrap_or(now.date()))
}

/// Generates the demo's secrets on its first run, and the audit key a file written before the
/// chain was keyed lacks, into `<data dir>/demo-secrets.json`; the settings read them from
/// there, so a restarted demo can still decrypt the photos it stored.
pub fn ensure_secrets(data_dir: &std::path::Path) -> anyhow::Result<()> {
    use crate::settings::DemoSecrets;
    let fail = |e: &dyn std::fmt::Display| anyhow::anyhow!("configuration: HANDBOOK_ADMIN_DATA_DIR: demo secrets: {e}");
    let key = |bytes: &[u8]| hex::encode(bytes);
    let secrets = match DemoSecrets::read(data_dir).map_err(|e| fail(&e))? {
        Some(secrets) if !secrets.audit_key.is_empty() => return Ok(()),
        Some(secrets) => DemoSecrets { audit_key: key(&crate::secrets::random::bytes::<32>()), ..secrets },
        None => DemoSecrets {
            session_key: key(&crate::secrets::random::bytes::<64>()),
            image_key: key(&crate::secrets::random::bytes::<32>()),
            audit_key: key(&crate::secrets::random::bytes::<32>()),
        },
    };
    std::fs::create_dir_all(data_dir).map_err(|e| fail(&e))?;
    let text = serde_json::to_string_pretty(&secrets).map_err(|e| fail(&e))?;
    let path = data_dir.join(crate::settings::DEMO_SECRETS_FILE);
    crate::atomic_file::write(&path, text.as_bytes(), true).map_err(|e| fail(&e))?;
    Ok(())
}

pub const DEFAULT_PASSWORD: &str = "demo-pass-2026";

/// The demo accounts of CONTRACT.md, one or two per role.
pub const STAFF: [(&str, &str, Role); 7] = [
    ("reviewer@demo.invalid", "審査 花子", Role::Reviewer),
    ("reviewer2@demo.invalid", "審査 次郎", Role::Reviewer),
    ("supervisor@demo.invalid", "責任者 一郎", Role::Supervisor),
    // A second supervisor: deprivation and deletion need another supervisor's approval.
    ("supervisor2@demo.invalid", "責任者 二郎", Role::Supervisor),
    ("support@demo.invalid", "窓口 さくら", Role::Support),
    ("auditor@demo.invalid", "監査 誠", Role::Auditor),
    ("admin@demo.invalid", "管理 直子", Role::Admin),
];

/// Creates the demo staff that do not exist yet. Returns how many were created.
pub fn seed_staff(
    conn: &mut DbConnection,
    keys: &crate::audit::AuditKeys,
    password: &str,
    now: OffsetDateTime,
) -> anyhow::Result<usize> {
    let password = NewPassword::parse(password, None).map_err(|e| anyhow::anyhow!("DEMO_PASSWORD: {e}"))?;
    let mut created = 0;
    for (email, name, role) in STAFF {
        let email = StaffEmail::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
        if db::staff::find_by_email(conn, email.as_str())?.is_some() {
            continue;
        }
        let account = NewAccount { email: &email, display_name: name, role, password: &password, temporary: false };
        match manage::create(conn, keys, Actor::Cli, &account, now, None) {
            Ok(_) => created += 1,
            // Another node of the same demo created it between the look-up and the insert.
            Err(manage::ManageError::EmailTaken) => {}
            Err(e) => return Err(anyhow::anyhow!("{e}")),
        }
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use crate::settings::{Mode, Settings};

    #[test]
    fn demo_generates_secrets_once_and_the_settings_reuse_them() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { panic!("tempdir") };
        let data = dir.path().to_string_lossy().into_owned();
        let lookup = |k: &str| (k == "HANDBOOK_ADMIN_DATA_DIR").then(|| data.clone());
        let load = || {
            assert!(super::ensure_secrets(dir.path()).is_ok());
            Settings::from_lookup(Mode::Demo, lookup).ok()
        };
        let first = load().map(|s| s.image_key_id());
        let second = load().map(|s| s.image_key_id());
        assert!(first.is_some());
        assert_eq!(first, second);
        let demo = load();
        assert_eq!(demo.as_ref().map(|s| s.secure_cookies), Some(false));
        assert_eq!(demo.as_ref().map(|s| s.require_totp), Some(false));
    }
}
