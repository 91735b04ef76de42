//! The device's key ring: what opens the encrypted replica, and who may open it.
//!
//! On a device the replica (SQLCipher), its photos and its secrets are encrypted
//! under one random 256-bit **data key**. The key itself is never stored in the clear
//! once a member has a PIN here: it is wrapped (XChaCha20-Poly1305) under a key
//! derived from each member's PIN (Argon2id, with the member's id as associated
//! data), so any one member with a PIN opens the device and nobody's absence locks
//! the committee out. A **recovery code** (printed once, kept by the municipal
//! office) wraps it too, for the day every PIN is forgotten.
//!
//! The ring is a small JSON file next to the database (`<db>.vault`, in the files
//! beside it: [`crate::files`], a folder natively, OPFS in the browser; at most
//! [`RING_BYTES_MAX`] are read back). It also keeps what must be read before anyone
//! signs in and is no secret: the language, whether the privacy notice was accepted,
//! and the lockouts (wrong PINs in a row). Member names are not in it: the lock
//! screen names roles only.
//!
//! Lockouts escalate (1 min, 5 min, 15 min, 1 h, then 4 h each time) and count down
//! on the monotonic clock while the app runs: turning the device clock does not
//! shorten them, and a restart keeps what is left.
//!
//! Brute force of a copied file: a PIN of 4 to 6 digits is 10⁴ to 10⁶ tries of
//! Argon2id (19 MiB, 2 passes): minutes to days on a laptop. That protects a lost
//! phone against a casual finder, not against a determined attacker with the file;
//! ARCHITECTURE.md's threat model says so.

use crate::error::{Error, Result};
use crate::files::{FileStore, Files};
use crate::Instant;
use argon2::Argon2;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use cosabi_core::ids::MemberId;
use cosabi_core::ValidationError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
#[cfg(not(target_arch = "wasm32"))]
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Bytes of a key ring file, at most: a ring holds a wrap per member with a PIN and
/// a few preferences, a few KiB; anything larger is not ours and is not loaded.
pub const RING_BYTES_MAX: usize = 1 << 20;
/// Wrong PINs in a row before a lockout.
pub const PIN_TRIES_MAX: u32 = 5;
/// Lockout lengths by how many lockouts came in a row; the last one repeats.
pub const LOCKOUT_STEPS_MS: [u64; 5] = [60_000, 300_000, 900_000, 3_600_000, 14_400_000];
/// The key that stands for the recovery code in the lockout table.
const RECOVERY_LOCK: &str = "recovery";
const VAULT_VERSION: u32 = 1;
/// Characters of a recovery code (Crockford base 32: no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 20 random bytes: 32 characters of base 32, written in 8 groups of 4.
const RECOVERY_BYTES: usize = 20;

/// The 256-bit key the replica, its photos and its secrets are encrypted under.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> DataKey {
        DataKey(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn from_hex(s: &str) -> Result<DataKey> {
        let bytes = hex::decode(s).map_err(|e| Error::Corrupt(format!("vault key: {e}")))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::Corrupt("vault key: wrong length".into()))?;
        Ok(DataKey(arr))
    }

    /// A key for one purpose derived from this one (HKDF-SHA-256), so the photo
    /// files and the database never share a key.
    pub(crate) fn derive(&self, purpose: &str) -> [u8; 32] {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(None, &self.0);
        let mut out = [0u8; 32];
        hk.expand(purpose.as_bytes(), &mut out)
            .expect("32 bytes is a valid HKDF-SHA-256 length");
        out
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct Wrap {
    /// The member's role when the PIN was set or last used: the lock screen lists
    /// roles, never names.
    #[serde(default)]
    role: String,
    salt: String,
    nonce: String,
    ct: String,
}

#[derive(Clone, Default, Serialize, Deserialize)]
struct Lock {
    /// Wrong tries since the last success or lockout.
    failures: u32,
    /// Lockouts in a row (each one longer).
    level: u32,
    /// What is left of the current lockout, in monotonic milliseconds.
    remaining_ms: u64,
}

#[derive(Clone, Default, Serialize, Deserialize)]
struct VaultFile {
    version: u32,
    /// The data key in the clear: only while no member has a PIN on this device (a
    /// device being set up) or a PIN from before encryption is still to be used once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    open_key: Option<String>,
    #[serde(default)]
    wraps: BTreeMap<String, Wrap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recovery: Option<Wrap>,
    #[serde(default)]
    locks: BTreeMap<String, Lock>,
    /// PIN hashes (Argon2id PHC) kept by an app version from before encryption; each
    /// becomes a wrap the first time its member signs in.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    legacy: BTreeMap<String, String>,
    #[serde(default)]
    prefs: BTreeMap<String, String>,
}

pub use cosabi_core::committee::Keyholder;

/// The key ring of one device (or of a replica in memory, kept in memory).
pub struct Vault {
    /// Where the ring is kept: the files beside its database and its name there
    /// (`None`: in memory only).
    store: Option<(Files, String)>,
    file: VaultFile,
    /// When the lockouts' remaining time was last counted down.
    checkpoint: Instant,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("name", &self.store.as_ref().map(|(_, name)| name))
            .finish_non_exhaustive()
    }
}

fn pin_error(code: &str) -> ValidationError {
    ValidationError::new("pin", code)
}

fn locked_error(left_ms: u64) -> Error {
    // Whole seconds, rounded up: "0 seconds left" would be wrong while still locked.
    let seconds = left_ms.div_ceil(1000);
    pin_error("pin_locked")
        .with("seconds", seconds.to_string())
        .into()
}

/// The key a PIN (or recovery code) stands for: Argon2id with the crate's default
/// parameters (19 MiB, 2 passes, 1 lane), OWASP's minimum and a fraction of a second
/// on a cheap phone.
fn kek(secret: &str, salt: &[u8]) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    Argon2::default()
        .hash_password_into(secret.as_bytes(), salt, &mut out)
        .map_err(|e| Error::Corrupt(format!("key derivation: {e}")))?;
    Ok(out)
}

fn wrap(key: &DataKey, secret: &str, aad: &[u8], role: &str) -> Result<Wrap> {
    let salt: [u8; 16] = XChaCha20Poly1305::generate_nonce(&mut OsRng)[..16]
        .try_into()
        .expect("a 24-byte nonce has 16 bytes");
    let cipher = XChaCha20Poly1305::new(&kek(secret, &salt)?.into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ct = cipher
        .encrypt(&nonce, Payload { msg: &key.0, aad })
        .map_err(|_| Error::Corrupt("key wrap failed".into()))?;
    Ok(Wrap {
        role: role.to_string(),
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        ct: hex::encode(ct),
    })
}

/// The data key, if `secret` is the one `w` was made with.
fn unwrap(w: &Wrap, secret: &str, aad: &[u8]) -> Result<Option<DataKey>> {
    let bad = |what: &str| Error::Corrupt(format!("vault {what}"));
    let salt = hex::decode(&w.salt).map_err(|_| bad("salt"))?;
    let nonce = hex::decode(&w.nonce).map_err(|_| bad("nonce"))?;
    let ct = hex::decode(&w.ct).map_err(|_| bad("wrap"))?;
    if nonce.len() != 24 {
        return Err(bad("nonce"));
    }
    let cipher = XChaCha20Poly1305::new(&kek(secret, &salt)?.into());
    match cipher.decrypt(XNonce::from_slice(&nonce), Payload { msg: &ct, aad }) {
        Ok(bytes) => {
            let arr: [u8; 32] = bytes.try_into().map_err(|_| bad("key length"))?;
            Ok(Some(DataKey(arr)))
        }
        Err(_) => Ok(None),
    }
}

/// Normalises a typed recovery code: upper case, no spaces or dashes, O → 0, I/L → 1.
fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

fn new_recovery_code() -> String {
    let mut bytes = Vec::with_capacity(RECOVERY_BYTES);
    while bytes.len() < RECOVERY_BYTES {
        bytes.extend_from_slice(&XChaCha20Poly1305::generate_nonce(&mut OsRng));
    }
    bytes.truncate(RECOVERY_BYTES);
    // 160 bits, 5 at a time.
    let mut out = String::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(CROCKFORD[((acc >> bits) & 31) as usize] as char);
        }
    }
    out.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("ASCII"))
        .collect::<Vec<_>>()
        .join("-")
}

impl Vault {
    /// A key ring in memory with a fresh open key (tests, replicas in memory).
    pub fn in_memory() -> Vault {
        Vault {
            store: None,
            file: VaultFile {
                version: VAULT_VERSION,
                open_key: Some(hex::encode(DataKey::generate().0)),
                ..Default::default()
            },
            checkpoint: Instant::now(),
        }
    }

    /// The ring file of the database at `db` (on the desktop and phones).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn path_for(db: &Path) -> PathBuf {
        let mut name = db.file_name().unwrap_or_default().to_os_string();
        name.push(".vault");
        db.with_file_name(name)
    }

    /// Loads the ring file at `path` (on the desktop and phones); `None` if there is
    /// none yet.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(path: &Path) -> Result<Option<Vault>> {
        let (files, name) = Self::file_at(path)?;
        Self::load_in(&files, &name)
    }

    /// A new ring file at `path` (on the desktop and phones), as [`Vault::create_in`].
    #[cfg(not(target_arch = "wasm32"))]
    pub fn create(path: &Path, key: &DataKey) -> Result<Vault> {
        let (files, name) = Self::file_at(path)?;
        Self::create_in(&files, &name, key)
    }

    /// The folder's files and the name in them of the ring file at `path`.
    #[cfg(not(target_arch = "wasm32"))]
    fn file_at(path: &Path) -> Result<(Files, String)> {
        let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            Error::Corrupt(format!("{} is not a key ring's name", path.display()))
        })?;
        Ok((Files::beside(path)?, name.to_owned()))
    }

    /// Loads the ring kept as `name` in `files`; `None` if there is none yet.
    pub fn load_in(files: &Files, name: &str) -> Result<Option<Vault>> {
        let Some(bytes) = files.read(name, RING_BYTES_MAX)? else {
            return Ok(None);
        };
        let file: VaultFile = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Corrupt(format!("vault file: {e}")))?;
        if file.version != VAULT_VERSION {
            return Err(Error::Corrupt(format!(
                "vault version {} unknown",
                file.version
            )));
        }
        Ok(Some(Vault {
            store: Some((files.clone(), name.to_owned())),
            file,
            checkpoint: Instant::now(),
        }))
    }

    /// A new ring kept as `name` in `files`, holding `key` in the clear until a
    /// first PIN is set; written (durably) before anything is encrypted under the key.
    pub fn create_in(files: &Files, name: &str, key: &DataKey) -> Result<Vault> {
        let vault = Vault {
            store: Some((files.clone(), name.to_owned())),
            file: VaultFile {
                version: VAULT_VERSION,
                open_key: Some(hex::encode(key.0)),
                ..Default::default()
            },
            checkpoint: Instant::now(),
        };
        vault.save()?;
        Ok(vault)
    }

    /// The files the ring is kept in (`None` in memory): the photos beside it too.
    pub(crate) fn files(&self) -> Option<&Files> {
        self.store.as_ref().map(|(files, _)| files)
    }

    fn save(&self) -> Result<()> {
        if let Some((files, name)) = &self.store {
            let json = serde_json::to_vec_pretty(&self.file)
                .map_err(|e| Error::Corrupt(format!("vault file: {e}")))?;
            // Never write a ring that would be refused when read back.
            if json.len() > RING_BYTES_MAX {
                return Err(Error::Corrupt(format!(
                    "the key ring would grow past {RING_BYTES_MAX} bytes: nothing was changed on disk"
                )));
            }
            files.write(name, &json)?;
        }
        Ok(())
    }

    /// The data key, while it is still kept in the clear (no PIN set yet).
    pub fn open_key(&self) -> Result<Option<DataKey>> {
        self.file
            .open_key
            .as_deref()
            .map(DataKey::from_hex)
            .transpose()
    }

    /// Whether opening the device needs a PIN (or the recovery code).
    pub fn is_locked(&self) -> bool {
        self.file.open_key.is_none()
    }

    /// The members who can open the device here, by role.
    pub fn keyholders(&self) -> Vec<Keyholder> {
        let mut out: Vec<Keyholder> = self
            .file
            .wraps
            .iter()
            .filter_map(|(id, w)| {
                Some(Keyholder {
                    member: MemberId(id.parse().ok()?),
                    role: w.role.clone(),
                })
            })
            .collect();
        for id in self.file.legacy.keys() {
            if let Ok(u) = id.parse() {
                out.push(Keyholder {
                    member: MemberId(u),
                    role: String::new(),
                });
            }
        }
        out
    }

    /// Whether `member` has a PIN on this device.
    pub fn has_pin(&self, member: MemberId) -> bool {
        let k = member.0.to_string();
        self.file.wraps.contains_key(&k) || self.file.legacy.contains_key(&k)
    }

    /// Whether anyone has a PIN on this device.
    pub fn any_pin(&self) -> bool {
        !self.file.wraps.is_empty() || !self.file.legacy.is_empty()
    }

    /// Whether a recovery code can open this device.
    pub fn has_recovery(&self) -> bool {
        self.file.recovery.is_some()
    }

    /// Counts the lockouts down by the monotonic time since the last count.
    fn tick(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.checkpoint);
        self.checkpoint = now;
        let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        if ms == 0 {
            return;
        }
        for lock in self.file.locks.values_mut() {
            lock.remaining_ms = lock.remaining_ms.saturating_sub(ms);
        }
    }

    /// Milliseconds left of `who`'s lockout at `now` (0 if none).
    pub fn locked_for_ms(&mut self, who: &str, now: Instant) -> u64 {
        self.tick(now);
        self.file.locks.get(who).map_or(0, |l| l.remaining_ms)
    }

    /// Records a wrong try by `who`; the error to show.
    fn wrong_try(&mut self, who: &str) -> Result<Error> {
        let lock = self.file.locks.entry(who.to_string()).or_default();
        lock.failures += 1;
        let err = if lock.failures >= PIN_TRIES_MAX {
            let step = (lock.level as usize).min(LOCKOUT_STEPS_MS.len() - 1);
            lock.remaining_ms = LOCKOUT_STEPS_MS[step];
            lock.level = lock.level.saturating_add(1);
            lock.failures = 0;
            locked_error(lock.remaining_ms)
        } else {
            pin_error("pin_wrong")
                .with("tries_left", (PIN_TRIES_MAX - lock.failures).to_string())
                .into()
        };
        self.save()?;
        Ok(err)
    }

    fn right_try(&mut self, who: &str) -> Result<()> {
        if self.file.locks.remove(who).is_some() {
            self.save()?;
        }
        Ok(())
    }

    /// Checks `member`'s PIN at `now` (monotonic) and returns the data key it opens.
    /// `pin_not_set`, `pin_locked` (seconds left) or `pin_wrong` (tries left) otherwise.
    pub fn unlock(&mut self, member: MemberId, pin: &str, now: Instant) -> Result<DataKey> {
        let who = member.0.to_string();
        if !self.has_pin(member) {
            return Err(pin_error("pin_not_set").into());
        }
        let left = self.locked_for_ms(&who, now);
        if left > 0 {
            self.save()?;
            return Err(locked_error(left));
        }
        let found = if !crate::session::pin_format_ok(pin) {
            // A malformed PIN is a wrong try, without spending a derivation on it.
            None
        } else if let Some(w) = self.file.wraps.get(&who).cloned() {
            unwrap(&w, pin, member.0.as_bytes())?
        } else if let Some(phc) = self.file.legacy.get(&who).cloned() {
            if crate::session::pin_matches(&phc, pin)? {
                let key = self.open_key()?.ok_or_else(|| {
                    Error::Corrupt("vault: an old PIN without the key in the clear".into())
                })?;
                // The old hash becomes a wrap; once none is left the key leaves the clear.
                let w = wrap(&key, pin, member.0.as_bytes(), "")?;
                self.file.legacy.remove(&who);
                self.file.wraps.insert(who.clone(), w);
                if self.file.legacy.is_empty() {
                    self.file.open_key = None;
                }
                Some(key)
            } else {
                None
            }
        } else {
            None
        };
        match found {
            Some(key) => {
                self.right_try(&who)?;
                Ok(key)
            }
            None => Err(self.wrong_try(&who)?),
        }
    }

    /// Opens the device with the recovery code (same lockouts as a PIN).
    pub fn unlock_with_recovery(&mut self, code: &str, now: Instant) -> Result<DataKey> {
        let Some(w) = self.file.recovery.clone() else {
            return Err(ValidationError::new("recovery", "recovery_not_set").into());
        };
        let left = self.locked_for_ms(RECOVERY_LOCK, now);
        if left > 0 {
            self.save()?;
            return Err(locked_error(left));
        }
        let code = normalise_recovery(code);
        let found = if code.len() == RECOVERY_BYTES * 8 / 5 && code.len() < 64 {
            unwrap(&w, &code, b"recovery")?
        } else {
            None
        };
        match found {
            Some(key) => {
                self.right_try(RECOVERY_LOCK)?;
                Ok(key)
            }
            None => Err(self.wrong_try(RECOVERY_LOCK)?),
        }
    }

    /// Wraps `key` under `member`'s new PIN; the key leaves the clear (unless an old
    /// PIN still needs it). `role` is what the lock screen shows.
    pub fn set_pin(
        &mut self,
        member: MemberId,
        role: &str,
        pin: &str,
        key: &DataKey,
    ) -> Result<()> {
        let who = member.0.to_string();
        let w = wrap(key, pin, member.0.as_bytes(), role)?;
        self.file.wraps.insert(who.clone(), w);
        self.file.legacy.remove(&who);
        self.file.locks.remove(&who);
        if self.file.legacy.is_empty() {
            self.file.open_key = None;
        }
        self.save()
    }

    /// Keeps the role the lock screen shows for `member` current.
    pub fn note_role(&mut self, member: MemberId, role: &str) -> Result<()> {
        if let Some(w) = self.file.wraps.get_mut(&member.0.to_string()) {
            if w.role != role {
                w.role = role.to_string();
                return self.save();
            }
        }
        Ok(())
    }

    /// Forgets `member`'s PIN on this device (a member who left the committee).
    pub fn remove_pin(&mut self, member: MemberId) -> Result<()> {
        let who = member.0.to_string();
        self.file.wraps.remove(&who);
        self.file.legacy.remove(&who);
        self.file.locks.remove(&who);
        self.save()
    }

    /// A new recovery code for `key`, replacing any earlier one: shown once, to be
    /// printed and kept at the municipal office.
    pub fn new_recovery(&mut self, key: &DataKey) -> Result<String> {
        let code = new_recovery_code();
        self.file.recovery = Some(wrap(key, &normalise_recovery(&code), b"recovery", "")?);
        self.file.locks.remove(RECOVERY_LOCK);
        self.save()?;
        Ok(code)
    }

    /// Keeps PIN hashes of an app version from before encryption, to be turned into
    /// wraps at their members' next sign-in.
    pub(crate) fn adopt_legacy(&mut self, pins: Vec<(MemberId, String)>) -> Result<()> {
        for (m, phc) in pins {
            self.file.legacy.insert(m.0.to_string(), phc);
        }
        self.save()
    }

    /// A device preference that is no secret and is needed before anyone signs in.
    pub fn pref(&self, key: &str) -> Option<String> {
        self.file.prefs.get(key).cloned()
    }

    pub fn set_pref(&mut self, key: &str, value: &str) -> Result<()> {
        self.file.prefs.insert(key.to_string(), value.to_string());
        self.save()
    }

    /// For tests: lockouts as if `by` more monotonic time had passed.
    pub fn advance_for_tests(&mut self, by: Duration) {
        self.checkpoint = self.checkpoint.checked_sub(by).unwrap_or(self.checkpoint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> MemberId {
        MemberId(uuid::Uuid::now_v7())
    }

    #[test]
    fn each_pin_opens_the_same_key_and_nothing_else_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.vault");
        let key = DataKey::generate();
        let mut v = Vault::create(&path, &key).unwrap();
        assert!(!v.is_locked());
        let (a, b) = (member(), member());
        v.set_pin(a, "presidente", "1234", &key).unwrap();
        v.set_pin(b, "tesorero", "9876", &key).unwrap();
        assert!(v.is_locked(), "the key left the clear");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&hex::encode(key.bytes())), "{text}");
        let mut v = Vault::load(&path).unwrap().unwrap();
        let now = Instant::now();
        assert_eq!(v.unlock(a, "1234", now).unwrap(), key);
        assert_eq!(v.unlock(b, "9876", now).unwrap(), key);
        assert_eq!(v.unlock(a, "9876", now).unwrap_err().code(), "invalid");
    }

    #[test]
    fn a_ring_past_its_limit_is_neither_loaded_nor_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.vault");
        std::fs::write(&path, vec![b' '; RING_BYTES_MAX + 1]).unwrap();
        assert!(matches!(Vault::load(&path), Err(Error::Corrupt(_))));
        let mut v = Vault::create(&path, &DataKey::generate()).unwrap();
        let before = std::fs::read(&path).unwrap();
        assert!(matches!(
            v.set_pref("language", &"x".repeat(RING_BYTES_MAX)),
            Err(Error::Corrupt(_))
        ));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "the ring on disk stays"
        );
    }

    #[test]
    fn a_wrap_cannot_be_moved_to_another_member() {
        let key = DataKey::generate();
        let mut v = Vault::in_memory();
        let (a, b) = (member(), member());
        v.set_pin(a, "presidente", "1234", &key).unwrap();
        let w = v.file.wraps[&a.0.to_string()].clone();
        v.file.wraps.insert(b.0.to_string(), w);
        assert!(v.unlock(b, "1234", Instant::now()).is_err());
    }

    #[test]
    fn lockouts_escalate_on_the_monotonic_clock_and_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.vault");
        let key = DataKey::generate();
        let mut v = Vault::create(&path, &key).unwrap();
        let a = member();
        v.set_pin(a, "tesorero", "1234", &key).unwrap();
        let t0 = Instant::now();
        for _ in 0..4 {
            assert!(v.unlock(a, "0000", t0).is_err());
        }
        let e = v.unlock(a, "0000", t0).unwrap_err();
        assert!(format!("{e:?}").contains("pin_locked"), "{e:?}");
        // Even the right PIN waits.
        assert!(v.unlock(a, "1234", t0).is_err());
        // A restart keeps what is left of the lockout.
        let mut v = Vault::load(&path).unwrap().unwrap();
        let t1 = Instant::now();
        assert!(v.locked_for_ms(&a.0.to_string(), t1) > 50_000);
        // After the minute passes on the monotonic clock: five more wrong, 5 minutes.
        let t2 = t1 + Duration::from_secs(61);
        for _ in 0..5 {
            let _ = v.unlock(a, "0000", t2);
        }
        let left = v.locked_for_ms(&a.0.to_string(), t2);
        assert_eq!(left, LOCKOUT_STEPS_MS[1]);
        let t3 = t2 + Duration::from_secs(301);
        assert_eq!(v.unlock(a, "1234", t3).unwrap(), key);
        // Success clears the ladder.
        assert_eq!(v.locked_for_ms(&a.0.to_string(), t3), 0);
        assert!(!v.file.locks.contains_key(&a.0.to_string()));
    }

    #[test]
    fn the_recovery_code_opens_the_device_as_typed_by_people() {
        let key = DataKey::generate();
        let mut v = Vault::in_memory();
        v.set_pin(member(), "presidente", "1234", &key).unwrap();
        let code = v.new_recovery(&key).unwrap();
        assert_eq!(code.len(), 32 + 7, "{code}");
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(v.unlock_with_recovery(&typed, Instant::now()).unwrap(), key);
        assert!(v
            .unlock_with_recovery("0000-0000-0000-0000-0000-0000-0000-0000", Instant::now())
            .is_err());
        assert!(v
            .unlock_with_recovery(&"x".repeat(100_000), Instant::now())
            .is_err());
    }
}
