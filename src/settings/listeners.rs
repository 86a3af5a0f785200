//! Where the console listens and whom it believes: the staff, API and metrics addresses, the
//! staff networks and the proxies whose `X-Forwarded-For` counts.

use std::net::SocketAddr;

use super::{SettingsError, parse_bool};
use crate::domain::networks::{Networks, ProxyTrust};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// The three listeners: staff (or all), API, metrics.
pub(super) struct Listeners {
    pub bind: SocketAddr,
    pub api_bind: Option<SocketAddr>,
    pub metrics_bind: Option<SocketAddr>,
}

pub(super) fn listeners(get: &impl Fn(&'static str) -> Option<String>) -> Result<Listeners, SettingsError> {
    let bind = get("HANDBOOK_ADMIN_BIND")
        .unwrap_or_else(|| DEFAULT_BIND.to_owned())
        .parse::<SocketAddr>()
        .map_err(|_| SettingsError::new("HANDBOOK_ADMIN_BIND", "must be HOST:PORT, e.g. 127.0.0.1:8080"))?;
    let address = |variable: &'static str| {
        get(variable)
            .map(|raw| {
                raw.trim()
                    .parse::<SocketAddr>()
                    .map_err(|_| SettingsError::new(variable, "must be HOST:PORT, e.g. 10.0.0.5:8081"))
            })
            .transpose()
    };
    let api_bind = address("HANDBOOK_ADMIN_API_BIND")?;
    let metrics_bind = address("HANDBOOK_ADMIN_METRICS_BIND")?;
    // Port 0 (a free port, in tests) is never a clash.
    let clash = |a: SocketAddr, b: SocketAddr| a.port() != 0 && a == b;
    if api_bind.is_some_and(|api| clash(api, bind)) {
        return Err(SettingsError::new("HANDBOOK_ADMIN_API_BIND", "must differ from HANDBOOK_ADMIN_BIND"));
    }
    if metrics_bind.is_some_and(|m| clash(m, bind) || api_bind.is_some_and(|api| clash(m, api))) {
        return Err(SettingsError::new(
            "HANDBOOK_ADMIN_METRICS_BIND",
            "must differ from the staff and API addresses (metrics are never served beside them)",
        ));
    }
    Ok(Listeners { bind, api_bind, metrics_bind })
}

/// How far `X-Forwarded-For` is believed, and the networks allowed the staff pages.
pub(super) fn networks(get: &impl Fn(&'static str) -> Option<String>) -> Result<(ProxyTrust, Networks), SettingsError> {
    let trust_forwarded_for = match get("HANDBOOK_ADMIN_TRUST_FORWARDED_FOR") {
        None => false,
        Some(raw) => parse_bool(&raw)
            .ok_or_else(|| SettingsError::new("HANDBOOK_ADMIN_TRUST_FORWARDED_FOR", "must be true or false"))?,
    };
    let networks = |variable: &'static str| {
        get(variable)
            .map(|raw| Networks::parse(&raw).map_err(|e| SettingsError::new(variable, e)))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    let proxy_trust = ProxyTrust { one_hop: trust_forwarded_for, proxies: networks("HANDBOOK_ADMIN_TRUSTED_PROXIES")? };
    let staff_networks = networks("HANDBOOK_ADMIN_STAFF_NETWORKS")?;
    if !staff_networks.is_empty() && proxy_trust.one_hop && proxy_trust.proxies.is_empty() {
        // The one-hop rule believes whatever any peer writes: fine for a throttle's
        // bucket, not for deciding who reaches the staff pages.
        return Err(SettingsError::new(
            "HANDBOOK_ADMIN_TRUSTED_PROXIES",
            "must name the load balancers when HANDBOOK_ADMIN_STAFF_NETWORKS is set behind one (HANDBOOK_ADMIN_TRUST_FORWARDED_FOR believes any peer)",
        ));
    }
    Ok((proxy_trust, staff_networks))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{load, serve_env};

    #[test]
    fn production_layout_settings_are_parsed_and_clashes_named() {
        let mut env = serve_env();
        env.insert("HANDBOOK_ADMIN_DB_POOL_SIZE", "32".into());
        env.insert("HANDBOOK_ADMIN_DB_CHECKOUT_TIMEOUT_MS", "2500".into());
        env.insert("HANDBOOK_ADMIN_DB_STATEMENT_TIMEOUT_MS", "5000".into());
        env.insert("HANDBOOK_ADMIN_API_BIND", "0.0.0.0:8081".into());
        env.insert("HANDBOOK_ADMIN_METRICS_BIND", "10.0.0.5:9100".into());
        env.insert("HANDBOOK_ADMIN_STAFF_NETWORKS", "10.0.0.0/8, 192.168.0.0/16".into());
        env.insert("HANDBOOK_ADMIN_TRUSTED_PROXIES", "10.0.0.2".into());
        let settings = load(&env).map_err(|e| e.to_string());
        let Ok(s) = settings else { panic!("{settings:?}") };
        assert_eq!(s.db.max_size, 32);
        assert_eq!(s.db.checkout_timeout, std::time::Duration::from_millis(2500));
        assert_eq!(s.db.statement_timeout, std::time::Duration::from_secs(5));
        assert_eq!(s.api_bind.map(|a| a.port()), Some(8081));
        assert_eq!(s.metrics_bind.map(|a| a.port()), Some(9100));
        assert!(s.staff_networks.contains([192, 168, 3, 4].into()));
        assert!(s.proxy_trust.proxies.contains([10, 0, 0, 2].into()));

        let mut believes_anyone = serve_env();
        believes_anyone.insert("HANDBOOK_ADMIN_STAFF_NETWORKS", "10.0.0.0/8".into());
        believes_anyone.insert("HANDBOOK_ADMIN_TRUST_FORWARDED_FOR", "true".into());
        assert_eq!(load(&believes_anyone).err().map(|e| e.variable), Some("HANDBOOK_ADMIN_TRUSTED_PROXIES"));

        let defaults = load(&serve_env()).map_err(|e| e.to_string());
        let Ok(d) = defaults else { panic!("{defaults:?}") };
        assert_eq!(d.db, crate::db::PoolSettings::default());
        assert!(d.api_bind.is_none() && d.metrics_bind.is_none() && d.staff_networks.is_empty());

        for (key, value, named) in [
            ("HANDBOOK_ADMIN_METRICS_BIND", "127.0.0.1:8080", "HANDBOOK_ADMIN_METRICS_BIND"),
            ("HANDBOOK_ADMIN_API_BIND", "127.0.0.1:8080", "HANDBOOK_ADMIN_API_BIND"),
            ("HANDBOOK_ADMIN_STAFF_NETWORKS", "10.0.0.0/8, intranet", "HANDBOOK_ADMIN_STAFF_NETWORKS"),
            ("HANDBOOK_ADMIN_TRUSTED_PROXIES", "lb", "HANDBOOK_ADMIN_TRUSTED_PROXIES"),
            ("HANDBOOK_ADMIN_DB_STATEMENT_TIMEOUT_MS", "0", "HANDBOOK_ADMIN_DB_STATEMENT_TIMEOUT_MS"),
            ("HANDBOOK_ADMIN_DB_CHECKOUT_TIMEOUT_MS", "soon", "HANDBOOK_ADMIN_DB_CHECKOUT_TIMEOUT_MS"),
        ] {
            let mut env = serve_env();
            env.insert(key, value.into());
            assert_eq!(load(&env).err().map(|e| e.variable), Some(named), "{key}={value}");
        }
    }
}
