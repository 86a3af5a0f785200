//! The in-process budget of one instance: card API callers asking for IDs that do not exist
//! (the sign-in budgets and the card credential's budget of distinct holders are kept in the
//! database, across nodes: `services::accounts::budgets`, `services::card`).

use std::net::IpAddr;
use std::sync::Mutex;

use actix_web::HttpRequest;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::domain::networks::ProxyTrust;
use crate::domain::throttle::{Budget, Refused, RetryAfter, Throttle};

/// The app's backend asks for IDs it was given; a caller walking through made-up IDs is not.
pub const CARD_MISSES_PER_TOKEN: Budget = Budget { attempts: 30, per: Duration::minutes(5) };

const MAX_KEYS: usize = 10_000;

pub struct Throttles {
    card_misses: Mutex<Throttle<String>>,
    /// The budget window each card credential was last counted as refused in (so a flood of
    /// refused reads is one tally, not one write each). A handful of credentials: bounded.
    card_budget_noted: Mutex<std::collections::HashMap<String, OffsetDateTime>>,
}

impl Default for Throttles {
    fn default() -> Self {
        Self {
            card_misses: Mutex::new(Throttle::new(CARD_MISSES_PER_TOKEN, MAX_KEYS)),
            card_budget_noted: Mutex::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Throttles {
    /// Refuses a card caller that used up its budget of unknown IDs.
    pub fn card_check(&self, caller: &str, now: OffsetDateTime) -> Result<(), Refused> {
        lock(&self.card_misses).check(&caller.to_owned(), now)
    }

    pub fn card_miss(&self, caller: &str, now: OffsetDateTime) {
        lock(&self.card_misses).take(&caller.to_owned(), now).ok();
    }

    /// Whether this refusal over the distinct-holder budget is the credential's first in the
    /// window (on this node): worth one tally.
    pub fn card_budget_first_refusal(&self, caller: &str, window: OffsetDateTime) -> bool {
        let mut noted = lock(&self.card_budget_noted);
        if noted.len() > 1_000 {
            noted.clear();
        }
        noted.insert(caller.to_owned(), window) != Some(window)
    }

    /// Card callers being slowed now, by their token's fingerprint.
    pub fn card_callers_slowed(&self, now: OffsetDateTime) -> Vec<String> {
        let mut callers: Vec<String> = lock(&self.card_misses).exhausted(now).cloned().collect();
        callers.sort();
        callers
    }
}

/// A token named without being shown: the first 8 hex digits of its SHA-256.
pub fn fingerprint(token: &str) -> String {
    hex::encode(&Sha256::digest(token.as_bytes())[..4])
}

/// The client's address: the peer, or behind trusted proxies the address they received from
/// (`ProxyTrust::client`); `None` when it cannot be told.
pub fn client_address(req: &HttpRequest, trust: &ProxyTrust) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let forwarded: Vec<Option<IpAddr>> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|part| part.trim().parse::<IpAddr>().ok())
        .collect();
    trust.client(peer, &forwarded)
}

/// Seconds for a `Retry-After` header (at least one).
pub fn retry_after_seconds(wait: RetryAfter) -> i64 {
    wait.0.whole_seconds().max(1)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn the_client_is_the_peer_unless_a_trusted_balancer_says_otherwise() {
        let peer: std::net::SocketAddr = ([10, 0, 0, 5], 40_000).into();
        let req = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("x-forwarded-for", "203.0.113.9, 198.51.100.7"))
            .to_http_request();
        let none = ProxyTrust::default();
        let one_hop = ProxyTrust { one_hop: true, ..ProxyTrust::default() };
        assert_eq!(client_address(&req, &none), Some(peer.ip()), "a header the client can write is ignored");
        let balancer_added: IpAddr = [198, 51, 100, 7].into();
        assert_eq!(
            client_address(&req, &one_hop),
            Some(balancer_added),
            "the last entry, the one the balancer appended"
        );
        let bare = TestRequest::default().peer_addr(peer).to_http_request();
        assert_eq!(client_address(&bare, &one_hop), Some(peer.ip()), "no header: the peer");
    }

    #[test]
    fn a_token_is_named_by_a_fingerprint_that_does_not_show_it() {
        let print = fingerprint("walker-token-walker-token");
        assert_eq!(print.len(), 8);
        assert!(!"walker-token-walker-token".contains(&print));
        assert_eq!(print, fingerprint("walker-token-walker-token"));
    }
}
