//! Which networks may reach the staff console, and who the client is behind load balancers.
//!
//! The seeds' data-flow sheet keeps the staff console on in-company PCs (社内専用). Behind a
//! balancer the peer is the balancer; the client is then found in `X-Forwarded-For`, whose
//! entries are believed only as far as they were written by proxies the operator named.

use std::net::IpAddr;

use ipnet::IpNet;

/// A list of networks (`10.0.0.0/8, 192.168.1.7, fd00::/8`); a bare address is its own /32 or /128.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Networks(Vec<IpNet>);

impl Networks {
    /// Parses a comma-separated list; the error names the entry that is not a network.
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| format!("{entry} is not an address or a CIDR network"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `address` is inside one of the networks (an IPv4 address written as IPv6,
    /// `::ffff:10.0.0.5`, counts as the IPv4 address).
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|net| net.contains(&address))
    }
}

/// How far `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyTrust {
    /// The peer is always the operator's balancer: its last entry is the client (the older,
    /// all-or-nothing setting).
    pub one_hop: bool,
    /// The proxies by address: entries are read from the right while they name one of these.
    pub proxies: Networks,
}

impl ProxyTrust {
    /// The client's address, from the peer and the `X-Forwarded-For` entries in order (`None`
    /// for an entry that is not an address: `unknown`, `ip:port`, garbage).
    ///
    /// Every proxy appends the address it received from, so entries are peeled from the right:
    /// the first one that is not a trusted proxy is the client. Entries further left were
    /// written by whoever sent the request and prove nothing. When the chain ends, or reaches
    /// an entry that is not an address, while still at a trusted proxy, the client is unknown
    /// (`None`): never the entry beyond it, which the sender may have written.
    pub fn client(&self, peer: IpAddr, forwarded: &[Option<IpAddr>]) -> Option<IpAddr> {
        let peer = peer.to_canonical();
        if !self.proxies.is_empty() {
            let mut current = peer;
            let mut hops = forwarded.iter().rev();
            while self.proxies.contains(current) {
                current = (*hops.next()?)?.to_canonical();
            }
            return Some(current);
        }
        match (self.one_hop, forwarded.last()) {
            (true, Some(last)) => last.map(|ip| ip.to_canonical()),
            _ => Some(peer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    /// A header's entries as the web layer hands them over.
    fn hops(list: &[&str]) -> Vec<Option<IpAddr>> {
        list.iter().map(|s| s.parse().ok()).collect()
    }

    #[test]
    fn networks_parse_cidr_and_bare_addresses_and_name_a_bad_entry() {
        let nets = Networks::parse("10.0.0.0/8, 192.168.1.7 ,fd00::/8,").unwrap_or_default();
        assert!(nets.contains(ip("10.20.30.40")));
        assert!(nets.contains(ip("192.168.1.7")));
        assert!(!nets.contains(ip("192.168.1.8")));
        assert!(nets.contains(ip("fd00::1")));
        assert!(!nets.contains(ip("203.0.113.5")));
        assert!(nets.contains(ip("::ffff:10.1.2.3")), "an IPv4 peer seen through an IPv6 socket");
        assert_eq!(Networks::parse("10.0.0.0/8, intranet"), Err("intranet is not an address or a CIDR network".into()));
        assert_eq!(
            Networks::parse("10.0.0.0/33").map(|n| n.is_empty()),
            Err("10.0.0.0/33 is not an address or a CIDR network".into())
        );
        assert!(Networks::parse(" ").unwrap_or_default().is_empty());
    }

    #[test]
    fn without_trust_the_client_is_the_peer() {
        let trust = ProxyTrust::default();
        assert_eq!(trust.client(ip("10.0.0.5"), &hops(&["203.0.113.9"])), Some(ip("10.0.0.5")));
    }

    #[test]
    fn one_hop_trust_takes_the_last_entry() {
        let trust = ProxyTrust { one_hop: true, proxies: Networks::default() };
        assert_eq!(trust.client(ip("10.0.0.5"), &hops(&["1.1.1.1", "203.0.113.9"])), Some(ip("203.0.113.9")));
        assert_eq!(trust.client(ip("10.0.0.5"), &[]), Some(ip("10.0.0.5")));
        assert_eq!(trust.client(ip("10.0.0.5"), &hops(&["1.1.1.1", "unknown"])), None);
    }

    #[test]
    fn named_proxies_are_peeled_from_the_right_and_a_forged_entry_proves_nothing() {
        let trust = ProxyTrust { one_hop: false, proxies: Networks::parse("10.0.0.0/24").unwrap_or_default() };
        // client 192.168.5.5 → proxy 10.0.0.7 → balancer 10.0.0.5 → us
        assert_eq!(trust.client(ip("10.0.0.5"), &hops(&["192.168.5.5", "10.0.0.7"])), Some(ip("192.168.5.5")));
        // A client outside wrote an in-company address first; the balancer appended the truth.
        assert_eq!(trust.client(ip("10.0.0.5"), &hops(&["192.168.5.5", "203.0.113.9"])), Some(ip("203.0.113.9")));
        // A peer that is not a named proxy is the client, whatever it claims.
        assert_eq!(trust.client(ip("203.0.113.9"), &hops(&["192.168.5.5"])), Some(ip("203.0.113.9")));
        // Only proxies all the way, or a hop that is not an address: the client is unknown,
        // never the entry the sender may have written beyond it.
        assert_eq!(trust.client(ip("10.0.0.5"), &hops(&["10.0.0.6"])), None);
        assert_eq!(trust.client(ip("10.0.0.5"), &[]), None);
        assert_eq!(trust.client(ip("10.0.0.5"), &hops(&["192.168.5.5", "unknown"])), None);
        assert_eq!(trust.client(ip("10.0.0.5"), &hops(&["192.168.5.5", "10.0.0.7:443"])), None);
    }
}
