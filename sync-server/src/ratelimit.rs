//! Failed attempts, limited: sign-ins to the programme view per account name
//! ([`LoginLimiter`]), and enrollment codes per client address and overall
//! ([`EnrollLimiter`]).
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
use std::net::IpAddr;
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

/// Wrong enrollment codes one client address may send per [`ENROLL_WINDOW`].
pub const ENROLL_FAILURES_PER_ADDRESS: u32 = 10;
/// Wrong enrollment codes the whole server takes per [`ENROLL_WINDOW`], from every
/// address together (a guesser with many addresses).
pub const ENROLL_FAILURES_OVERALL: u32 = 200;
/// The window enrollment failures are counted in.
pub const ENROLL_WINDOW: Duration = Duration::from_secs(10 * 60);
/// Client addresses tracked at most.
pub const TRACKED_ADDRESSES_MAX: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

impl Window {
    /// The wait until the window ends, if `limit` failures were counted in it.
    fn wait(&self, limit: u32, now: Instant) -> Option<Duration> {
        let ends = self.started + ENROLL_WINDOW;
        (self.failures >= limit && ends > now).then(|| ends - now)
    }

    fn count(&mut self, now: Instant) {
        if now.duration_since(self.started) >= ENROLL_WINDOW {
            *self = Window {
                started: now,
                failures: 0,
            };
        }
        self.failures = self.failures.saturating_add(1);
    }
}

/// Failed enrollments (a wrong, used or expired code) per client address and
/// overall, in fixed windows of [`ENROLL_WINDOW`]: past
/// [`ENROLL_FAILURES_PER_ADDRESS`] an address is refused until its window ends, past
/// [`ENROLL_FAILURES_OVERALL`] every address is. Codes are 10 characters of 31, so
/// guessing was never practical; the limit keeps a flood of guesses from costing
/// the store a lookup each. IPv6 addresses count by their /64 (one subscriber's
/// network). Successes are not counted: a municipal office enrolling sixty tablets
/// from one address is never refused.
#[derive(Debug)]
pub struct EnrollLimiter {
    addresses: Mutex<HashMap<IpAddr, Window>>,
    overall: Mutex<Window>,
}

impl Default for EnrollLimiter {
    fn default() -> Self {
        EnrollLimiter {
            addresses: Mutex::default(),
            overall: Mutex::new(Window {
                started: Instant::now(),
                failures: 0,
            }),
        }
    }
}

/// The key an address is counted under: itself, or its /64 for IPv6.
fn address_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

impl EnrollLimiter {
    /// `Err(wait)` when `addr`, or the server as a whole, is over its limit at `now`.
    pub fn check(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        let overall = *self.overall.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(wait) = overall.wait(ENROLL_FAILURES_OVERALL, now) {
            return Err(wait);
        }
        let addresses = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
        match addresses.get(&address_key(addr)) {
            Some(w) => w.wait(ENROLL_FAILURES_PER_ADDRESS, now).map_or(Ok(()), Err),
            None => Ok(()),
        }
    }

    /// Counts a failed enrollment from `addr`.
    pub fn failed(&self, addr: IpAddr, now: Instant) {
        self.overall
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .count(now);
        let key = address_key(addr);
        let mut addresses = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
        if !addresses.contains_key(&key) && addresses.len() >= TRACKED_ADDRESSES_MAX {
            addresses.retain(|_, w| now.duration_since(w.started) < ENROLL_WINDOW);
            if addresses.len() >= TRACKED_ADDRESSES_MAX {
                if let Some(oldest) = addresses
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(k, _)| *k)
                {
                    addresses.remove(&oldest);
                }
            }
        }
        addresses
            .entry(key)
            .or_insert(Window {
                started: now,
                failures: 0,
            })
            .count(now);
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

    #[test]
    fn enrollment_failures_are_limited_per_address_then_overall() {
        let limiter = EnrollLimiter::default();
        let t0 = Instant::now();
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        for _ in 0..ENROLL_FAILURES_PER_ADDRESS {
            assert!(limiter.check(a, t0).is_ok());
            limiter.failed(a, t0);
        }
        assert_eq!(limiter.check(a, t0), Err(ENROLL_WINDOW));
        // Another address is not affected; the window's end frees the first.
        assert!(limiter.check("203.0.113.8".parse().unwrap(), t0).is_ok());
        assert!(limiter.check(a, t0 + ENROLL_WINDOW).is_ok());
        // One IPv6 /64 is one address.
        let v6 = |s: &str| s.parse::<IpAddr>().unwrap();
        for i in 0..ENROLL_FAILURES_PER_ADDRESS {
            limiter.failed(v6(&format!("2001:db8:1:2::{i:x}")), t0);
        }
        assert!(limiter.check(v6("2001:db8:1:2:ffff::1"), t0).is_err());
        assert!(limiter.check(v6("2001:db8:1:3::1"), t0).is_ok());
        // Many addresses together reach the overall limit.
        let overall = EnrollLimiter::default();
        for i in 0..ENROLL_FAILURES_OVERALL {
            let addr = IpAddr::from([10, 0, (i / 256) as u8, (i % 256) as u8]);
            assert!(overall.check(addr, t0).is_ok());
            overall.failed(addr, t0);
        }
        assert!(overall.check("198.51.100.1".parse().unwrap(), t0).is_err());
    }

    #[test]
    fn random_addresses_cannot_grow_the_map_without_end() {
        let limiter = EnrollLimiter::default();
        let t0 = Instant::now();
        for i in 0..TRACKED_ADDRESSES_MAX as u32 + 500 {
            limiter.failed(IpAddr::from(i.to_be_bytes()), t0);
        }
        assert!(limiter.addresses.lock().unwrap().len() <= TRACKED_ADDRESSES_MAX);
    }
}
