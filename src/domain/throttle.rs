//! Attempt budgets per key (a client address, an account, a machine token) in fixed windows.
//!
//! The lock-out on the staff row stops guessing one known account; a budget also stops
//! spraying many e-mails from one address and keeps the password hasher's work bounded before
//! any hash runs. Attempts are taken before the work and given back on success, so a burst of
//! parallel attempts cannot all slip through the check together.

use std::collections::HashMap;
use std::hash::Hash;

use time::{Duration, OffsetDateTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub attempts: u32,
    pub per: Duration,
}

impl Budget {
    /// The fixed window `now` falls in (aligned to the epoch, so every node agrees on it): its
    /// start and its end.
    pub fn window(&self, now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
        let span = self.per.whole_seconds().max(1);
        let start = OffsetDateTime::from_unix_timestamp(now.unix_timestamp().div_euclid(span) * span).unwrap_or(now);
        (start, start + self.per)
    }
}

/// How long the caller should wait before the next attempt can count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

/// A caller refused by [`Throttle::check`]: how long to wait, and whether this is the first
/// refusal of its window (worth recording once, not once per call of a flood).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    pub wait: RetryAfter,
    pub first: bool,
}

#[derive(Clone, Copy, Debug)]
struct Window {
    started: OffsetDateTime,
    used: u32,
    refused: bool,
}

/// Budgets per key. Memory stays bounded: when `max_keys` windows are held, the ended ones
/// are dropped, and if every window is still live the oldest goes.
#[derive(Debug)]
pub struct Throttle<K> {
    budget: Budget,
    max_keys: usize,
    windows: HashMap<K, Window>,
}

impl<K: Eq + Hash + Clone> Throttle<K> {
    pub fn new(budget: Budget, max_keys: usize) -> Self {
        Self { budget, max_keys: max_keys.max(1), windows: HashMap::new() }
    }

    /// Takes one attempt from `key`'s budget, or says how long to wait when none is left.
    pub fn take(&mut self, key: &K, now: OffsetDateTime) -> Result<(), RetryAfter> {
        let budget = self.budget;
        if let Some(window) = self.windows.get_mut(key) {
            if now - window.started < budget.per {
                if window.used >= budget.attempts {
                    return Err(RetryAfter(window.started + budget.per - now));
                }
                window.used += 1;
                return Ok(());
            }
            *window = Window { started: now, used: 1, refused: false };
            return Ok(());
        }
        if budget.attempts == 0 {
            return Err(RetryAfter(budget.per));
        }
        self.make_room(now);
        self.windows.insert(key.clone(), Window { started: now, used: 1, refused: false });
        Ok(())
    }

    /// Refuses `key` when its budget is used up, without taking an attempt.
    pub fn check(&mut self, key: &K, now: OffsetDateTime) -> Result<(), Refused> {
        let per = self.budget.per;
        let attempts = self.budget.attempts;
        match self.windows.get_mut(key) {
            Some(window) if now - window.started < per && window.used >= attempts => {
                let first = !window.refused;
                window.refused = true;
                Err(Refused { wait: RetryAfter(window.started + per - now), first })
            }
            _ => Ok(()),
        }
    }

    /// Gives an attempt back (it succeeded, so it was no guess).
    pub fn give_back(&mut self, key: &K) {
        if let Some(window) = self.windows.get_mut(key) {
            window.used = window.used.saturating_sub(1);
        }
    }

    /// Attempts used in `key`'s current window (what the tests look at).
    #[cfg(test)]
    fn used(&self, key: &K, now: OffsetDateTime) -> u32 {
        self.windows.get(key).filter(|w| now - w.started < self.budget.per).map_or(0, |w| w.used)
    }

    /// Keys that used their whole budget in the current window.
    pub fn exhausted(&self, now: OffsetDateTime) -> impl Iterator<Item = &K> {
        self.windows
            .iter()
            .filter(move |(_, w)| now - w.started < self.budget.per && w.used >= self.budget.attempts)
            .map(|(k, _)| k)
    }

    fn make_room(&mut self, now: OffsetDateTime) {
        if self.windows.len() < self.max_keys {
            return;
        }
        let per = self.budget.per;
        self.windows.retain(|_, w| now - w.started < per);
        if self.windows.len() >= self.max_keys
            && let Some(oldest) = self.windows.iter().min_by_key(|(_, w)| w.started).map(|(k, _)| k.clone())
        {
            self.windows.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const THREE_A_MINUTE: Budget = Budget { attempts: 3, per: Duration::minutes(1) };

    #[test]
    fn a_budget_runs_out_and_says_when_it_refills() {
        let mut t = Throttle::new(THREE_A_MINUTE, 10);
        let now = datetime!(2026-11-26 10:00 UTC);
        for _ in 0..3 {
            assert_eq!(t.take(&"a", now), Ok(()));
        }
        assert_eq!(t.take(&"a", now + Duration::seconds(20)), Err(RetryAfter(Duration::seconds(40))));
        assert_eq!(t.take(&"b", now), Ok(()), "another key has its own budget");
        assert_eq!(t.take(&"a", now + Duration::minutes(1)), Ok(()), "a new window");
        assert_eq!(t.used(&"a", now + Duration::minutes(1)), 1);
    }

    #[test]
    fn refused_attempts_do_not_extend_the_wait() {
        let mut t = Throttle::new(THREE_A_MINUTE, 10);
        let now = datetime!(2026-11-26 10:00 UTC);
        for _ in 0..3 {
            t.take(&"a", now).ok();
        }
        for s in 1..50 {
            assert!(t.take(&"a", now + Duration::seconds(s)).is_err());
        }
        assert_eq!(t.take(&"a", now + Duration::seconds(60)), Ok(()));
    }

    #[test]
    fn a_check_refuses_once_the_budget_is_used_and_says_which_refusal_is_first() {
        let mut t = Throttle::new(THREE_A_MINUTE, 10);
        let now = datetime!(2026-11-26 10:00 UTC);
        assert_eq!(t.check(&"a", now), Ok(()));
        for _ in 0..3 {
            t.take(&"a", now).ok();
        }
        let wait = RetryAfter(Duration::seconds(50));
        let later = now + Duration::seconds(10);
        assert_eq!(t.check(&"a", later), Err(Refused { wait, first: true }));
        assert_eq!(t.check(&"a", later), Err(Refused { wait, first: false }));
        assert_eq!(t.check(&"a", now + Duration::minutes(1)), Ok(()), "a new window");
    }

    #[test]
    fn a_success_gives_its_attempt_back() {
        let mut t = Throttle::new(THREE_A_MINUTE, 10);
        let now = datetime!(2026-11-26 10:00 UTC);
        for _ in 0..10 {
            assert_eq!(t.take(&"office", now), Ok(()));
            t.give_back(&"office");
        }
        assert_eq!(t.used(&"office", now), 0);
    }

    #[test]
    fn exhausted_keys_are_listed_while_their_window_lasts() {
        let mut t = Throttle::new(THREE_A_MINUTE, 10);
        let now = datetime!(2026-11-26 10:00 UTC);
        for _ in 0..3 {
            t.take(&"walker", now).ok();
        }
        t.take(&"quiet", now).ok();
        assert_eq!(t.exhausted(now).collect::<Vec<_>>(), vec![&"walker"]);
        assert_eq!(t.exhausted(now + Duration::minutes(2)).count(), 0);
    }

    #[test]
    fn memory_is_bounded_by_dropping_ended_then_oldest_windows() {
        let mut t = Throttle::new(THREE_A_MINUTE, 2);
        let now = datetime!(2026-11-26 10:00 UTC);
        t.take(&1, now).ok();
        t.take(&2, now + Duration::seconds(1)).ok();
        t.take(&3, now + Duration::seconds(2)).ok();
        assert_eq!(t.used(&1, now + Duration::seconds(2)), 0, "the oldest live window went");
        assert_eq!(t.used(&2, now + Duration::seconds(2)), 1);
        t.take(&4, now + Duration::minutes(5)).ok();
        assert_eq!(t.used(&4, now + Duration::minutes(5)), 1);
    }
}
