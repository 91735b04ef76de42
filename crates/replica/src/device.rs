//! A device's replica, encrypted at rest: the database under SQLCipher, the photos
//! under XChaCha20-Poly1305, both with keys derived from the data key the device's
//! key ring ([`crate::vault`]) keeps wrapped under each member's PIN.
//!
//! Opening: with no ring yet, a new data key is made and written to the ring before
//! anything is encrypted under it; a database from an app version before encryption
//! is encrypted in place, its PIN hashes move into the ring (each becomes a wrap at
//! its member's next sign-in) and its photos are encrypted. While no member has a
//! PIN the key stays in the ring in the clear (a device being set up opens by
//! itself); after that the device opens locked, and a member's PIN (or the recovery
//! code) opens it.

use crate::error::{Error, Result};
use crate::files::{ring_name, Files};
use crate::vault::{DataKey, Vault};
use crate::Instant;
use crate::Replica;
use cosabi_core::committee::Member;
use cosabi_core::ids::MemberId;
use std::path::Path;

/// What opening a device's replica gives. Made once per app start: its size does
/// not matter, and boxing would only add a step for every caller.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum DeviceOpen {
    /// Open: nobody has a PIN here yet, so the key is in the clear.
    Open(Replica),
    /// Locked: a member's PIN or the recovery code opens it ([`Replica::unlock_device`]).
    Locked(Vault),
}

/// A refused unlock: the key ring back (with the try counted), and why.
pub type Refused = Box<(Vault, Error)>;

/// Purposes of the keys derived from the data key.
const DB_KEY: &str = "cosabi sqlcipher v1";
const BLOB_KEY: &str = "cosabi blobs v1";

impl Replica {
    /// Opens the replica of a device at `path`, encrypted at rest. In the browser
    /// the database and the files beside it are in the worker's OPFS pool
    /// (`files::install_opfs` first).
    pub fn open_device(path: &Path) -> Result<DeviceOpen> {
        let files = Files::beside(path)?;
        let ring = ring_name(path);
        let vault = match Vault::load_in(&files, &ring)? {
            Some(v) => v,
            None => {
                let exists = crate::files::replica_exists(path)?;
                // An encrypted database without its ring cannot be opened by anyone: a
                // new ring would only hide that (its data is on the server, or in the
                // copy of the folder the ring went missing from).
                if exists && !crate::db::is_plain(path)? {
                    return Err(Error::Corrupt(format!(
                        "the key ring {ring} beside {} is missing: restore it with the \
                         database, or enroll this device again to receive the clinic \
                         from the server",
                        path.display()
                    )));
                }
                if exists {
                    tracing::info!("encrypting a replica kept in the clear by an older version");
                }
                Vault::create_in(&files, &ring, &DataKey::generate())?
            }
        };
        match vault.open_key()? {
            Some(key) => {
                let mut replica = Self::open_keyed(path, vault, key)?;
                replica.adopt_legacy_pins()?;
                Ok(DeviceOpen::Open(replica))
            }
            None => {
                // A ring locked while the database is still plain cannot happen by
                // itself (the key leaves the clear only after encryption); refuse
                // rather than guess.
                if crate::db::is_plain(path)? {
                    return Err(Error::Corrupt(
                        "the key ring is locked but the database is not encrypted".into(),
                    ));
                }
                Ok(DeviceOpen::Locked(vault))
            }
        }
    }

    /// Opens a locked device with `member`'s PIN and signs them in. A refusal gives
    /// the key ring back (with the try counted) for the next try.
    pub fn unlock_device(
        path: &Path,
        mut vault: Vault,
        member: MemberId,
        pin: &str,
        now: Instant,
    ) -> std::result::Result<(Replica, Member), Refused> {
        let key = match vault.unlock(member, pin, now) {
            Ok(k) => k,
            Err(e) => return Err(Box::new((vault, e))),
        };
        let mut replica = match Self::open_keyed(path, vault, key) {
            Ok(r) => r,
            Err(e) => {
                // The key opened but the database did not: give the ring back.
                let v = Files::beside(path)
                    .and_then(|files| Vault::load_in(&files, &ring_name(path)))
                    .ok()
                    .flatten()
                    .unwrap_or_else(Vault::in_memory);
                return Err(Box::new((v, e)));
            }
        };
        let found = match replica.known_member(member) {
            Ok(m) => m,
            Err(e) => return Err(Box::new((replica.vault, e))),
        };
        if let Err(e) = replica.vault.note_role(member, &found.role) {
            return Err(Box::new((replica.vault, e)));
        }
        replica.set_author(Some(member));
        Ok((replica, found))
    }

    /// Opens a locked device with its recovery code (nobody signed in).
    pub fn recover_device(
        path: &Path,
        mut vault: Vault,
        code: &str,
        now: Instant,
    ) -> std::result::Result<Replica, Refused> {
        let key = match vault.unlock_with_recovery(code, now) {
            Ok(k) => k,
            Err(e) => return Err(Box::new((vault, e))),
        };
        match Self::open_keyed(path, vault, key) {
            Ok(r) => Ok(r),
            Err(e) => Err(Box::new((Vault::in_memory(), e))),
        }
    }

    /// Opens the database under `key`, first encrypting it (and its photos) if an
    /// older version left it in the clear.
    fn open_keyed(path: &Path, vault: Vault, key: DataKey) -> Result<Replica> {
        let db_key = key.derive(DB_KEY);
        let was_plain = crate::db::is_plain(path)?;
        if was_plain {
            crate::db::encrypt_in_place(path, &db_key)?;
        }
        let conn = crate::db::open_keyed(path, &db_key)?;
        let mut replica = Self::from_connection(conn)?;
        replica.path = Some(path.to_path_buf());
        // The photos beside the database, through the ring's own handle on them (in
        // the browser one connection to the files database, not two).
        replica.files = Some(match vault.files() {
            Some(files) => files.clone(),
            None => Files::beside(path)?,
        });
        replica.vault = vault;
        replica.blob_key = Some(key.derive(BLOB_KEY));
        replica.data_key = Some(key);
        // Photos written in the clear (by an older version, or before a power cut
        // interrupted this) are encrypted now; cheap when there are none.
        replica.encrypt_plain_blobs()?;
        Ok(replica)
    }

    /// Moves PIN hashes an older version kept in the database into the key ring, and
    /// the lockout settings out of the database.
    fn adopt_legacy_pins(&mut self) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT key, value FROM meta WHERE key LIKE 'setting.pin.%'
               OR key LIKE 'setting.pin_failures.%' OR key LIKE 'setting.pin_locked_until_ms.%'",
        )?;
        let rows: Vec<(String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        if rows.is_empty() {
            return Ok(());
        }
        let pins: Vec<(MemberId, String)> = rows
            .iter()
            .filter_map(|(k, v)| {
                let id = k.strip_prefix("setting.pin.")?;
                Some((MemberId(id.parse().ok()?), v.clone()))
            })
            .collect();
        self.vault.adopt_legacy(pins)?;
        self.conn.execute(
            "DELETE FROM meta WHERE key LIKE 'setting.pin.%'
               OR key LIKE 'setting.pin_failures.%' OR key LIKE 'setting.pin_locked_until_ms.%'",
            [],
        )?;
        Ok(())
    }

    /// Whether this replica is encrypted at rest.
    pub fn is_encrypted(&self) -> bool {
        self.blob_key.is_some()
    }
}
