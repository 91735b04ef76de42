//! Sign-in attempts to the programme view, limited per account name.
//!
//! Passwords are Argon2id-hashed, so each guess costs the server ~50 ms of CPU and an
//! attacker little. After [`FREE_FAILURES`] failed attempts for one name, further
//! attempts for it are refused without checking the password until a lockout ends;
//! each further failure doubles the lockout, from [`FIRST_LOCKOUT`] up to
//! [`MAX_LOCKOUT`]. A success clears the name. Unknown names are limited the same
//! way, so the answers do not tell which accounts exist.
//!
//! The count lives in the instance's memory: with several instances an attacker gets
//! [`FREE_FAILURES`] per instance before every one locks, which still bounds guessing
//! to a handful per quarter hour. The map is bounded ([`TRACKED_NAMES_MAX`]) so a
//! stream of random names cannot grow it without end: when full, entries whose
//! lockout has ended are dropped first, then the oldest.
//!
//! Hand-written rather than a rate-limiting crate: those limit requests per key and
//! time window (token buckets), not failures with a growing lockout cleared by a
//! success, which is what a sign-in needs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed before the first lockout.
pub const FREE_FAILURES: u32 = 5;
/// The first lockout.
pub const FIRST_LOCKOUT: Duration = Duration::from_secs(60);
/// The longest lockout.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// A name with no failure for this long starts afresh.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Names tracked at most.
pub const TRACKED_NAMES_MAX: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    locked_until: Option<Instant>,
}

/// Failed sign-ins per account name.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    names: Mutex<HashMap<String, Entry>>,
}

impl LoginLimiter {
    /// `Err(wait)` when `name` is locked out at `now`.
    pub fn check(&self, name: &str, now: Instant) -> Result<(), Duration> {
        let names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        match names.get(name).and_then(|e| e.locked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Records a failed attempt; returns the lockout it starts, if any.
    pub fn failed(&self, name: &str, now: Instant) -> Option<Duration> {
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if !names.contains_key(name) && names.len() >= TRACKED_NAMES_MAX {
            make_room(&mut names, now);
        }
        let entry = names.entry(name.to_owned()).or_insert(Entry {
            failures: 0,
            last_failure: now,
            locked_until: None,
        });
        if now.duration_since(entry.last_failure) > FORGET_AFTER {
            entry.failures = 0;
        }
        entry.failures += 1;
        entry.last_failure = now;
        let over = entry.failures.checked_sub(FREE_FAILURES)?;
        let lockout = FIRST_LOCKOUT
            .saturating_mul(2u32.saturating_pow(over.min(16)))
            .min(MAX_LOCKOUT);
        entry.locked_until = Some(now + lockout);
        Some(lockout)
    }

    /// A successful sign-in clears the name.
    pub fn succeeded(&self, name: &str) {
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        names.remove(name);
    }
}

/// Drops entries no longer locked, or the oldest one if every entry is locked.
fn make_room(names: &mut HashMap<String, Entry>, now: Instant) {
    names.retain(|_, e| e.locked_until.is_some_and(|until| until > now));
    if names.len() >= TRACKED_NAMES_MAX {
        if let Some(oldest) = names
            .iter()
            .min_by_key(|(_, e)| e.last_failure)
            .map(|(k, _)| k.clone())
        {
            names.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_lockouts_double_up_to_the_cap() {
        let limiter = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..FREE_FAILURES - 1 {
            assert_eq!(
                limiter.failed("ana", t0 + Duration::from_secs(i.into())),
                None
            );
            assert!(limiter
                .check("ana", t0 + Duration::from_secs(i.into()))
                .is_ok());
        }
        let t = t0 + Duration::from_secs(10);
        assert_eq!(limiter.failed("ana", t), Some(FIRST_LOCKOUT));
        assert_eq!(limiter.check("ana", t), Err(FIRST_LOCKOUT));
        assert_eq!(
            limiter.check("ana", t + Duration::from_secs(59)),
            Err(Duration::from_secs(1))
        );
        // Another name is not affected.
        assert!(limiter.check("beto", t).is_ok());
        // After the lockout one more failure locks for twice as long.
        let t = t + FIRST_LOCKOUT;
        assert!(limiter.check("ana", t).is_ok());
        assert_eq!(limiter.failed("ana", t), Some(FIRST_LOCKOUT * 2));
        let mut t = t;
        let mut last = Duration::ZERO;
        for _ in 0..10 {
            t += MAX_LOCKOUT;
            last = limiter.failed("ana", t).unwrap();
        }
        assert_eq!(last, MAX_LOCKOUT);
        // A success clears the name.
        limiter.succeeded("ana");
        assert!(limiter.check("ana", t).is_ok());
        assert_eq!(limiter.failed("ana", t), None);
    }

    #[test]
    fn an_hour_without_failures_starts_afresh() {
        let limiter = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES - 1 {
            limiter.failed("ana", t0);
        }
        let later = t0 + FORGET_AFTER + Duration::from_secs(1);
        assert_eq!(limiter.failed("ana", later), None);
    }

    #[test]
    fn random_names_cannot_grow_the_map_without_end() {
        let limiter = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            limiter.failed("victima", t0);
        }
        for i in 0..TRACKED_NAMES_MAX + 500 {
            limiter.failed(&format!("n{i}"), t0 + Duration::from_millis(1));
        }
        let names = limiter.names.lock().unwrap();
        assert!(names.len() <= TRACKED_NAMES_MAX, "{}", names.len());
        drop(names);
        // The locked-out name survived the flood.
        assert!(limiter
            .check("victima", t0 + Duration::from_secs(1))
            .is_err());
    }
}
