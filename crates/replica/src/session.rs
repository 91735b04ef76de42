//! Who is using the device: members sign in with a PIN, and every change they write
//! records them as its author.
//!
//! PINs are device-local, never synced: a shared laptop at the clinic and the
//! tesorero's phone each keep their own. A PIN is not stored at all: it wraps the
//! device's data key in its key ring ([`crate::vault`]), so a PIN is right exactly
//! when it opens the key. Lockouts escalate and run on the monotonic clock.
//!
//! Nobody becomes another member: the device's first PIN is free (someone has to
//! start), a member changes their own PIN while signed in, and any other PIN (a new
//! member's first one here, or a forgotten one reset) needs the presidencia or the
//! contraloría social to approve it with their own PIN on the spot, or the device's
//! recovery code from the municipal office. Every PIN set, changed or reset is a
//! synced `pin_event`, in the history for the committee to see.

use crate::error::{Error, Result};
use crate::rows::text;
use crate::Instant;
use crate::Replica;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use cosabi_core::access::{Need, Refusal, Write};
use cosabi_core::change::Value;
use cosabi_core::committee::{Member, Permission, Role};
use cosabi_core::ids::MemberId;
use cosabi_core::schema::PIN_EVENT;
use cosabi_core::{ValidationError, ValidationErrors};

/// Shortest and longest PIN, in ASCII digits.
pub const PIN_DIGITS_MIN: usize = 4;
pub const PIN_DIGITS_MAX: usize = 6;
pub use crate::vault::{LOCKOUT_STEPS_MS, PIN_TRIES_MAX};

fn pin_error(code: &str) -> ValidationError {
    ValidationError::new("pin", code)
}

pub(crate) fn pin_format_ok(pin: &str) -> bool {
    (PIN_DIGITS_MIN..=PIN_DIGITS_MAX).contains(&pin.len())
        && pin.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a PIN against an Argon2id PHC string kept by an app version from before
/// the key ring (turned into a wrap at the member's next sign-in).
pub(crate) fn pin_matches(phc: &str, pin: &str) -> Result<bool> {
    let parsed =
        PasswordHash::new(phc).map_err(|e| Error::Corrupt(format!("stored pin hash: {e}")))?;
    Ok(Argon2::default()
        .verify_password(pin.as_bytes(), &parsed)
        .is_ok())
}

pub use cosabi_core::committee::{approves_pins, PinApproval};

impl Replica {
    fn member_by_id(&self, member: MemberId) -> Result<Option<Member>> {
        Ok(self.members()?.into_iter().find(|m| m.id == member))
    }

    pub(crate) fn known_member(&self, member: MemberId) -> Result<Member> {
        self.member_by_id(member)?.ok_or_else(|| {
            ValidationError::new("member", "member_unknown")
                .with("id", member.to_string())
                .into()
        })
    }

    /// Sets a member's PIN on this device (4 to 6 digits), as the module says: the
    /// device's first PIN freely, one's own while signed in, any other with an
    /// approval. Returns the recovery code when this was the device's first PIN (to
    /// print and take to the municipal office; it is not kept anywhere readable).
    pub fn set_pin(
        &mut self,
        member: MemberId,
        pin: &str,
        approval: &PinApproval,
    ) -> Result<Option<String>> {
        self.set_pin_at(member, pin, approval, Instant::now())
    }

    /// [`Replica::set_pin`] at a given monotonic instant (lockouts of the approver).
    pub fn set_pin_at(
        &mut self,
        member: MemberId,
        pin: &str,
        approval: &PinApproval,
        now: Instant,
    ) -> Result<Option<String>> {
        let mut errors = ValidationErrors::default();
        let target = self.member_by_id(member)?;
        if target.is_none() {
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
        let target = target.expect("checked above");
        let had_pin = self.vault.has_pin(member);
        let first_on_device = !self.vault.any_pin();
        let own_change = had_pin && self.author == Some(member);
        let (key, kind, approval_code, approved_by) = if first_on_device {
            (self.data_key.clone(), "first", "first", None)
        } else if own_change {
            (self.data_key.clone(), "changed", "self", None)
        } else {
            let kind = if had_pin { "reset" } else { "set" };
            match approval {
                PinApproval::None => {
                    return Err(pin_error(if had_pin {
                        "pin_exists"
                    } else {
                        "pin_needs_approval"
                    })
                    .into())
                }
                PinApproval::Member {
                    member: approver,
                    pin: approver_pin,
                } => {
                    let who = self.known_member(*approver)?;
                    let may = Role::from_code(&who.role).is_some_and(approves_pins);
                    if !may || *approver == member {
                        return Err(ValidationError::new("approver", "approver_role").into());
                    }
                    let key =
                        self.vault
                            .unlock(*approver, approver_pin, now)
                            .map_err(|e| match e {
                                Error::Invalid(mut v) => {
                                    for err in &mut v.0 {
                                        err.field = "approver".into();
                                    }
                                    Error::Invalid(v)
                                }
                                other => other,
                            })?;
                    (Some(key), kind, "member", Some(*approver))
                }
                PinApproval::Recovery { code } => {
                    let key = self.vault.unlock_with_recovery(code, now)?;
                    (Some(key), kind, "recovery", None)
                }
            }
        };
        let key = match key {
            Some(k) => k,
            // A replica opened in the clear (tests, tools) whose key left the clear
            // when its first PIN was set: its wraps guard a key that encrypts nothing.
            None => self.vault_key_for_plain()?,
        };
        if let Some(open) = &self.data_key {
            if *open != key {
                return Err(Error::Corrupt("the key ring opens another key".into()));
            }
        }
        self.vault.set_pin(member, &target.role, pin, &key)?;
        let recovery = if first_on_device {
            Some(self.vault.new_recovery(&key)?)
        } else {
            None
        };
        self.data_key = Some(key);
        self.record_pin_event(member, kind, approval_code, approved_by)?;
        Ok(recovery)
    }

    /// A new recovery code for this device (the old one stops working), for the
    /// presidencia or the contraloría social signed in.
    pub fn new_recovery_code(&mut self) -> Result<String> {
        let me = self.signed_in()?.ok_or(Error::SignInRequired)?;
        if !Role::from_code(&me.role).is_some_and(approves_pins) {
            return Err(ValidationError::new("approver", "approver_role").into());
        }
        let key = self.data_key.clone().ok_or(Error::SignInRequired)?;
        self.vault.new_recovery(&key)
    }

    fn vault_key_for_plain(&mut self) -> Result<crate::vault::DataKey> {
        if let Some(k) = self.vault.open_key()? {
            return Ok(k);
        }
        Err(Error::SignInRequired)
    }

    fn record_pin_event(
        &mut self,
        member: MemberId,
        kind: &str,
        approval: &str,
        approved_by: Option<MemberId>,
    ) -> Result<()> {
        let clinic = crate::rows::clinic_uuid(&self.conn)?;
        let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let device = self.site.0.to_string();
        let id = uuid::Uuid::now_v7();
        self.write(|w| {
            w.insert(
                &PIN_EVENT,
                id,
                &[
                    (1, Value::uuid(clinic)),
                    (2, Value::uuid(member.0)),
                    (3, text(kind)),
                    (4, approved_by.map_or(Value::Null, |m| Value::uuid(m.0))),
                    (5, text(approval)),
                    (6, text(&device)),
                    (7, text(&at)),
                ],
            )
        })
    }

    /// Whether the member has a PIN on this device.
    pub fn has_pin(&self, member: MemberId) -> Result<bool> {
        Ok(self.vault.has_pin(member))
    }

    /// The committee, each with whether they have a PIN on this device (the
    /// who-is-using sheet).
    pub fn members_with_pins(&self) -> Result<Vec<(Member, bool)>> {
        Ok(self
            .members()?
            .into_iter()
            .map(|m| {
                let has = self.vault.has_pin(m.id);
                (m, has)
            })
            .collect())
    }

    /// Signs a member in with their PIN; from then on every change records them as
    /// its author. Wrong tries lock the member out, longer each time (`pin_locked`,
    /// with the seconds left; `pin_wrong` with the tries left).
    pub fn sign_in(&mut self, member: MemberId, pin: &str) -> Result<Member> {
        self.sign_in_at(member, pin, Instant::now())
    }

    /// [`Replica::sign_in`] at a given monotonic instant, so lockouts can be tested
    /// without waiting.
    pub fn sign_in_at(&mut self, member: MemberId, pin: &str, now: Instant) -> Result<Member> {
        let found = self.known_member(member)?;
        let key = self.vault.unlock(member, pin, now)?;
        if let Some(open) = &self.data_key {
            if *open != key {
                return Err(Error::Corrupt("the key ring opens another key".into()));
            }
        }
        self.data_key = Some(key);
        self.vault.note_role(member, &found.role)?;
        self.set_author(Some(member));
        Ok(found)
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

    /// The device's key ring (who can open it, preferences read before sign-in).
    pub fn vault(&self) -> &crate::vault::Vault {
        &self.vault
    }

    pub fn vault_mut(&mut self) -> &mut crate::vault::Vault {
        &mut self.vault
    }

    /// The one gate every write passes: refuses `w` (`sign_in_required`,
    /// `forbidden`) unless the member signed in may do it, as `Write::need` says.
    pub fn gate(&self, w: Write) -> Result<()> {
        self.meets(w.need())
    }

    /// Refuses what the person using the device may not do: `sign_in_required` when
    /// nobody is signed in, `forbidden` when their role does not allow it. Setting up
    /// the committee is open to anyone while the device is [being set up](Self::setting_up),
    /// so a new device can be set up at all (the rule is `Need::allowed`'s).
    pub fn require(&self, p: Permission) -> Result<()> {
        self.meets(Need::Permission(p))
    }

    /// Whether this device is still being set up: no member has a PIN here, it is
    /// not enrolled, and it holds no other device's changes. Only then may anyone
    /// set up the committee without signing in; a device that joined a clinic whose
    /// committee exists asks who is using it first, as every other write does.
    pub fn setting_up(&self) -> Result<bool> {
        if self.vault.any_pin() || self.setting(crate::SETTING_SYNC_TOKEN)?.is_some() {
            return Ok(false);
        }
        let others: bool = self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM sites WHERE idx <> ?1 AND max_seq > 0)",
            [self.site_idx],
            |r| r.get(0),
        )?;
        Ok(!others)
    }

    fn meets(&self, need: Need) -> Result<()> {
        let role = match self.signed_in()? {
            Some(m) => match Role::from_code(&m.role) {
                Some(r) => Some(r),
                // A role from a newer app version is allowed nothing it cannot name.
                None => {
                    return match need {
                        Need::Anyone => Ok(()),
                        Need::Permission(p) => Err(Error::Forbidden(p)),
                    }
                }
            },
            None => None,
        };
        need.allowed(role, !self.setting_up()?)
            .map_err(|r| match r {
                Refusal::SignInRequired => Error::SignInRequired,
                Refusal::Forbidden(p) => Error::Forbidden(p),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_listed_with_whether_they_have_a_pin() {
        let (mut r, ms) = crate::assembly::tests::replica_with(&[
            ("Juana Xocua", "presidente"),
            ("Rogelio Tepole", "secretario"),
        ]);
        r.set_pin(ms[1].id, "4321", &PinApproval::None).unwrap();
        let got: Vec<(String, bool)> = r
            .members_with_pins()
            .unwrap()
            .into_iter()
            .map(|(m, has)| (m.name, has))
            .collect();
        assert_eq!(
            got,
            [
                ("Juana Xocua".into(), false),
                ("Rogelio Tepole".into(), true)
            ]
        );
    }

    #[test]
    fn pin_format() {
        for ok in ["1234", "000000", "98765"] {
            assert!(pin_format_ok(ok), "{ok}");
        }
        for bad in ["123", "1234567", "12a4", "١٢٣٤", " 1234", ""] {
            assert!(!pin_format_ok(bad), "{bad}");
        }
    }
}
