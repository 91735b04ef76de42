//! Who is using the device: members sign in with a PIN, and every change they write
//! records them as its author.
//!
//! PINs are device-local, never synced: a shared laptop at the clinic and the
//! tesorero's phone each keep their own. Each is kept as an Argon2id PHC string in
//! the replica's local settings (`pin.<member>`), with the count of wrong tries in a
//! row (`pin_failures.<member>`) and, after [`PIN_TRIES_MAX`] of them, the time the
//! member may try again (`pin_locked_until_ms.<member>`).
//!
//! This divides the committee's work on a device the committee shares; it is not a
//! defence against the device's owner, who holds the database file.

use crate::error::{Error, Result};
use crate::Replica;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use cosabi_core::committee::{Member, Permission, Role};
use cosabi_core::ids::MemberId;
use cosabi_core::{ValidationError, ValidationErrors};

/// Shortest and longest PIN, in ASCII digits.
pub const PIN_DIGITS_MIN: usize = 4;
pub const PIN_DIGITS_MAX: usize = 6;
/// Wrong tries in a row before a member is locked out for [`PIN_LOCK_MS`].
pub const PIN_TRIES_MAX: u32 = 5;
pub const PIN_LOCK_MS: i64 = 60_000;

fn pin_key(member: MemberId) -> String {
    format!("pin.{member}")
}

fn failures_key(member: MemberId) -> String {
    format!("pin_failures.{member}")
}

fn locked_until_key(member: MemberId) -> String {
    format!("pin_locked_until_ms.{member}")
}

fn pin_error(code: &str) -> ValidationError {
    ValidationError::new("pin", code)
}

fn pin_format_ok(pin: &str) -> bool {
    (PIN_DIGITS_MIN..=PIN_DIGITS_MAX).contains(&pin.len())
        && pin.bytes().all(|b| b.is_ascii_digit())
}

/// The crate's default Argon2id parameters (19 MiB, 2 passes, 1 lane): OWASP's
/// recommended minimum, a fraction of a second on a cheap phone. A PIN has few
/// possibilities, so the hash mostly slows down someone who copied the file; the
/// lockout is what protects a PIN typed at the device.
fn hasher() -> Argon2<'static> {
    Argon2::default()
}

fn hash_pin(pin: &str) -> Result<String> {
    // 16 random bytes from the OS (UUIDv4 is the crate's random source already).
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|e| Error::Corrupt(format!("pin salt: {e}")))?;
    Ok(hasher()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| Error::Corrupt(format!("pin hash: {e}")))?
        .to_string())
}

fn pin_matches(phc: &str, pin: &str) -> Result<bool> {
    let parsed =
        PasswordHash::new(phc).map_err(|e| Error::Corrupt(format!("stored pin hash: {e}")))?;
    Ok(hasher().verify_password(pin.as_bytes(), &parsed).is_ok())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Replica {
    fn member_by_id(&self, member: MemberId) -> Result<Option<Member>> {
        Ok(self.members()?.into_iter().find(|m| m.id == member))
    }

    fn known_member(&self, member: MemberId) -> Result<Member> {
        self.member_by_id(member)?.ok_or_else(|| {
            ValidationError::new("member", "member_unknown")
                .with("id", member.to_string())
                .into()
        })
    }

    fn int_setting(&self, key: &str) -> Result<i64> {
        Ok(self.setting(key)?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Sets a member's PIN on this device: 4 to 6 digits. A member who already has
    /// one here may change it only while signed in. A first PIN is chosen freely by
    /// the first person on the device; after that someone signed in must be present
    /// (`pin_needs_member`), so nobody can pick a PIN for the tesorero on a phone
    /// left on a table.
    pub fn set_pin(&mut self, member: MemberId, pin: &str) -> Result<()> {
        let mut errors = ValidationErrors::default();
        if self.member_by_id(member)?.is_none() {
            errors.push(ValidationError::new("member", "member_unknown"));
        }
        if !pin_format_ok(pin) {
            errors.push(
                pin_error("pin_format")
                    .with("min", PIN_DIGITS_MIN.to_string())
                    .with("max", PIN_DIGITS_MAX.to_string()),
            );
        }
        errors.into_result()?;
        if self.has_pin(member)? {
            if self.author != Some(member) {
                return Err(pin_error("pin_exists").into());
            }
        } else if self.author.is_none() && self.any_pin_on_device()? {
            return Err(pin_error("pin_needs_member").into());
        }
        let phc = hash_pin(pin)?;
        self.set_setting(&pin_key(member), &phc)?;
        self.set_setting(&failures_key(member), "0")?;
        self.set_setting(&locked_until_key(member), "0")
    }

    /// Whether the member has a PIN on this device.
    pub fn has_pin(&self, member: MemberId) -> Result<bool> {
        Ok(self.setting(&pin_key(member))?.is_some())
    }

    /// Signs a member in with their PIN; from then on every change records them as
    /// its author. After [`PIN_TRIES_MAX`] wrong tries in a row the member is locked
    /// out for [`PIN_LOCK_MS`] (`pin_locked`, with the seconds left).
    pub fn sign_in(&mut self, member: MemberId, pin: &str) -> Result<Member> {
        self.sign_in_at(member, pin, now_ms())
    }

    /// [`Replica::sign_in`] at the time `now_ms` (milliseconds since the Unix epoch)
    /// instead of the device clock's, so the lockout can be tested without waiting.
    pub fn sign_in_at(&mut self, member: MemberId, pin: &str, now_ms: i64) -> Result<Member> {
        let found = self.known_member(member)?;
        let Some(phc) = self.setting(&pin_key(member))? else {
            return Err(pin_error("pin_not_set").into());
        };
        let locked_until = self.int_setting(&locked_until_key(member))?;
        // A lock further ahead than one lock period means the clock went back: it
        // lasts one period from now rather than until the clock catches up.
        let left_ms = (locked_until - now_ms).min(PIN_LOCK_MS);
        if left_ms > 0 {
            return Err(pin_locked(left_ms).into());
        }
        // A malformed PIN is a wrong try, without spending a hash on it.
        if pin_format_ok(pin) && pin_matches(&phc, pin)? {
            self.set_setting(&failures_key(member), "0")?;
            self.set_setting(&locked_until_key(member), "0")?;
            self.set_author(Some(member));
            return Ok(found);
        }
        let failures = self.int_setting(&failures_key(member))?.max(0) + 1;
        if failures >= i64::from(PIN_TRIES_MAX) {
            self.set_setting(&failures_key(member), "0")?;
            self.set_setting(
                &locked_until_key(member),
                &(now_ms + PIN_LOCK_MS).to_string(),
            )?;
            return Err(pin_locked(PIN_LOCK_MS).into());
        }
        self.set_setting(&failures_key(member), &failures.to_string())?;
        let tries_left = i64::from(PIN_TRIES_MAX) - failures;
        Err(pin_error("pin_wrong")
            .with("tries_left", tries_left.to_string())
            .into())
    }

    /// Nobody is using the device any more; later changes have no author.
    pub fn sign_out(&mut self) {
        self.set_author(None);
    }

    /// The member signed in, if any (and still a member).
    pub fn signed_in(&self) -> Result<Option<Member>> {
        match self.author {
            Some(id) => self.member_by_id(id),
            None => Ok(None),
        }
    }

    /// Whether anyone of the clinic has a PIN on this device.
    fn any_pin_on_device(&self) -> Result<bool> {
        for m in self.members()? {
            if self.has_pin(m.id)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Refuses what the person using the device may not do: `sign_in_required` when
    /// nobody is signed in, `forbidden` when their role does not allow it. Setting up
    /// the committee is open to anyone until a first member has a PIN here, so a new
    /// device can be set up at all.
    pub fn require(&self, p: Permission) -> Result<()> {
        let Some(member) = self.signed_in()? else {
            if p == Permission::Committee && !self.any_pin_on_device()? {
                return Ok(());
            }
            return Err(Error::SignInRequired);
        };
        match Role::from_code(&member.role) {
            Some(role) if p.allows(role) => Ok(()),
            // A role from a newer app version is allowed nothing it cannot name.
            _ => Err(Error::Forbidden(p)),
        }
    }
}

fn pin_locked(left_ms: i64) -> ValidationError {
    // Whole seconds, rounded up: "0 seconds left" would be wrong while still locked.
    let seconds = (left_ms + 999) / 1000;
    pin_error("pin_locked").with("seconds", seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_format() {
        for ok in ["1234", "000000", "98765"] {
            assert!(pin_format_ok(ok), "{ok}");
        }
        for bad in ["123", "1234567", "12a4", "١٢٣٤", " 1234", ""] {
            assert!(!pin_format_ok(bad), "{bad}");
        }
    }

    #[test]
    fn hash_is_salted_and_verifies() {
        let a = hash_pin("2468").unwrap();
        let b = hash_pin("2468").unwrap();
        assert_ne!(a, b, "each hash has its own salt");
        assert!(a.starts_with("$argon2id$"));
        assert!(pin_matches(&a, "2468").unwrap());
        assert!(!pin_matches(&a, "2469").unwrap());
    }

    #[test]
    fn seconds_left_round_up() {
        assert_eq!(pin_locked(60_000).detail[0].1, "60");
        assert_eq!(pin_locked(1).detail[0].1, "1");
        assert_eq!(pin_locked(59_001).detail[0].1, "60");
    }
}
