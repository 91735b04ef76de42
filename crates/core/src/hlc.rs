//! Hybrid logical clock: 48 bits of milliseconds since the Unix epoch, 16 bits of
//! counter, packed in a `u64` so that integer order is clock order. Ties between sites
//! are broken by the site id, outside this type.
//!
//! Written here rather than taken from a crate: `uhlc` packs an NTP64 timestamp
//! (32.32 fixed point) with a 128-bit id, which neither fits the 48+16 layout the
//! change log and the wire encoding rely on nor lets us refuse far-future remote
//! clocks (see [`HlcClock::observe`]).
//!
//! The physical time is always passed in: this module does no I/O.

use serde::{Deserialize, Serialize};

/// How far ahead of our own (corrected) physical clock a remote timestamp may be and
/// still be adopted. Beyond this the remote clock is wrong, and adopting it would drag
/// every later write of this device into the future with it.
pub const REMOTE_AHEAD_TOLERANCE_MS: u64 = 5 * 60 * 1000;

const COUNTER_BITS: u32 = 16;
const COUNTER_MASK: u64 = (1 << COUNTER_BITS) - 1;
/// Largest representable millisecond value (48 bits: year 10889).
pub const MS_MAX: u64 = (1 << 48) - 1;

/// One timestamp.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Hlc(pub u64);

impl Hlc {
    pub const ZERO: Hlc = Hlc(0);

    pub fn new(ms: u64, counter: u16) -> Hlc {
        Hlc((ms.min(MS_MAX) << COUNTER_BITS) | u64::from(counter))
    }

    pub fn ms(self) -> u64 {
        self.0 >> COUNTER_BITS
    }

    pub fn counter(self) -> u16 {
        (self.0 & COUNTER_MASK) as u16
    }

    /// Shifted by a signed number of milliseconds, saturating at the ends of the
    /// range; the counter is kept.
    pub fn shifted_ms(self, delta_ms: i64) -> Hlc {
        let ms = (self.ms() as i128 + delta_ms as i128).clamp(0, MS_MAX as i128) as u64;
        Hlc::new(ms, self.counter())
    }

    /// For display: the physical part as a UTC date-time.
    pub fn to_datetime(self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::from_timestamp_millis(self.ms() as i64)
    }
}

/// The clock of one site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    pub fn starting_at(last: Hlc) -> Self {
        Self { last }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A new timestamp for a local write, strictly after every timestamp this clock has
    /// issued or adopted.
    pub fn tick(&mut self, physical_ms: u64) -> Hlc {
        let physical_ms = physical_ms.min(MS_MAX);
        let next = if physical_ms > self.last.ms() {
            Hlc::new(physical_ms, 0)
        } else if self.last.counter() < u16::MAX {
            Hlc(self.last.0 + 1)
        } else {
            // Counter exhausted within one millisecond: borrow the next millisecond.
            Hlc::new(self.last.ms() + 1, 0)
        };
        self.last = next;
        next
    }

    /// Takes in a remote timestamp. It is adopted (later local ticks come after it)
    /// only if it is not more than [`REMOTE_AHEAD_TOLERANCE_MS`] ahead of our physical
    /// clock; returns whether it was. Causality between writes does not depend on this:
    /// a change names the version it replaced, and that decides sequential edits.
    pub fn observe(&mut self, remote: Hlc, physical_ms: u64) -> bool {
        if remote.ms() > physical_ms.saturating_add(REMOTE_AHEAD_TOLERANCE_MS) {
            return false;
        }
        if remote > self.last {
            self.last = remote;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn layout_is_48_16() {
        let h = Hlc::new(0x1234_5678_9abc, 7);
        assert_eq!(h.0, 0x1234_5678_9abc_0007);
        assert_eq!(h.ms(), 0x1234_5678_9abc);
        assert_eq!(h.counter(), 7);
    }

    #[test]
    fn far_future_remote_is_not_adopted() {
        let now = 1_700_000_000_000;
        let mut c = HlcClock::default();
        assert!(!c.observe(Hlc::new(now + 10 * 365 * 86_400_000, 0), now));
        assert_eq!(c.tick(now).ms(), now);
        assert!(c.observe(Hlc::new(now + 1000, 3), now));
        assert!(c.tick(now) > Hlc::new(now + 1000, 3));
    }

    proptest! {
        #[test]
        fn ticks_are_strictly_increasing(times in proptest::collection::vec(0u64..2_000_000_000_000, 1..200)) {
            let mut c = HlcClock::default();
            let mut prev = Hlc::ZERO;
            for t in times {
                let h = c.tick(t);
                prop_assert!(h > prev);
                prev = h;
            }
        }
    }
}
