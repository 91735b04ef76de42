//! cosabi-replica: the device's SQLite replica of one clinic.
//!
//! Main types:
//! - [`Replica`]: an open replica. One typed method per user action
//!   ([`Replica::create_clinic`], [`Replica::add_member`], …); each runs in one
//!   IMMEDIATE transaction that updates the row and appends its field changes to the
//!   change log.
//! - [`Error`]: what went wrong, with a stable [`Error::code`] for the UI.
//! - Sessions ([`Replica::sign_in`], [`Replica::require`]): who is using the device,
//!   with device-local PINs, recorded as the author of every change.
//! - Read models for screens ([`Replica::dashboard`], [`Replica::purchase_page`],
//!   [`Replica::record_history`]), their types in `cosabi_core::views`.
//! - [`files`]: the files a replica keeps beside its database (the key ring, the
//!   photos) on both targets, [`remove_replica`] to remove one whole.
//! - [`imaging`]: photos prepared on the device ([`prepare_photo`], receipts as
//!   documents with [`prepare_receipt_photo`], [`Replica::attach_photo`]), thumbnails
//!   and QR codes read from photos.
//!
//! Every synced table has a UUID `id`, its domain columns (named in
//! `cosabi_core::schema`), a `deleted` tombstone and a hidden `_ver` column holding the
//! current version (site, seq, HLC) of each field.

mod actions;
mod assembly;
pub mod blob_client;
mod blobs;
pub mod client;
pub mod codec;
mod committee;
pub mod db;
mod device;
mod devices;
mod draft_photos;
mod error;
pub mod files;
mod history;
pub mod imaging;
mod log;
mod merge;
mod money;
mod photos;
mod review;
mod rows;
mod seals;
mod session;
mod sync;
mod sync_file;
pub mod sync_session;
pub mod vault;
mod views;
pub mod workload;

pub use blobs::{blob_name, BLOB_DIR_NAME};
pub use device::{DeviceOpen, Refused};
pub use error::{Error, Result};
pub use files::{remove_replica, replica_exists};
pub use history::{value_for_people, HistoryEntry, UNKNOWN_RECORD};
pub use imaging::{
    decode_qr, prepare_document, prepare_photo, prepare_receipt_photo, thumbnail, PreparedPhoto,
};
pub use review::ReviewItem;
pub use seals::{seal_id, NewSeal, Seal};
pub use session::{
    approves_pins, PinApproval, LOCKOUT_STEPS_MS, PIN_DIGITS_MAX, PIN_DIGITS_MIN, PIN_TRIES_MAX,
};
pub use sync::{ApplyReport, ConflictHead, ConflictKey, ConflictView, VersionVector};
pub use sync_file::{
    new_sync_file_key, parse_sync_file_key, FileHeader, ImportReport, SyncFileKey,
    SYNC_FILE_BYTES_MAX, SYNC_FILE_KEYS_MAX,
};
pub use vault::{DataKey, Keyholder, Vault};
pub use views::{SETTING_SYNC_ACKED_SEQ, SETTING_SYNC_LAST_OK};

/// The monotonic clock the PIN lockouts count on: std's on the desktop (this is
/// `std::time::Instant` there); on the web std's panics, and web-time's reads the
/// browser's `performance.now()`.
#[cfg(not(target_arch = "wasm32"))]
pub use std::time::Instant;
#[cfg(target_arch = "wasm32")]
pub use web_time::Instant;

use cosabi_core::hlc::{Hlc, HlcClock};
use cosabi_core::ids::{MemberId, SiteId};
use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};

/// An open replica.
pub struct Replica {
    conn: Connection,
    site: SiteId,
    site_idx: i64,
    /// Sequence number the next local field change takes.
    next_seq: u64,
    clock: HlcClock,
    /// Correction added to the device clock, learned from the server at sync.
    clock_offset_ms: i64,
    /// The member using the device; recorded as the author of every change.
    author: Option<MemberId>,
    /// Merge context and statement texts, reused across transactions.
    ctx: merge::MergeCtx,
    /// The clinic's id once known: a replica holds one clinic and its id never
    /// changes (it derives from the CLUES), so hot writes need not look it up.
    clinic_id: Option<uuid::Uuid>,
    /// The database file (None in memory): photos are kept next to it.
    path: Option<PathBuf>,
    /// The files beside the database (None in memory): the photos ([`blobs`]); the
    /// key ring keeps its own handle on them.
    files: Option<files::Files>,
    /// This device's key: it tags the change groups of this device's sites when they
    /// leave it (`cosabi_core::identity`). Local, never synced; the server gets it at
    /// enrollment.
    device_key: Vec<u8>,
    /// The device's key ring: PINs, the recovery code, lockouts ([`vault`]).
    vault: vault::Vault,
    /// The key the database and photos are encrypted under, once known (opened with
    /// it, or a PIN that opens it was typed). `None` for a replica in the clear whose
    /// ring is locked.
    data_key: Option<vault::DataKey>,
    /// The photo files' key when the replica is encrypted at rest.
    blob_key: Option<[u8; 32]>,
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("site", &self.site)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl Replica {
    /// Opens (creating and migrating if needed) the replica at `path`.
    ///
    /// The database is in the clear (tests, tools, the server's scratch replicas);
    /// PINs are kept in the key ring next to it. A device opens its replica with
    /// [`Replica::open_device`], encrypted at rest.
    pub fn open(path: &Path) -> Result<Replica> {
        let mut replica = Self::from_connection(db::open(path)?)?;
        replica.path = Some(path.to_path_buf());
        let files = files::Files::beside(path)?;
        let ring = files::ring_name(path);
        replica.vault = match vault::Vault::load_in(&files, &ring)? {
            Some(v) => v,
            None => vault::Vault::create_in(&files, &ring, &vault::DataKey::generate())?,
        };
        replica.data_key = replica.vault.open_key()?;
        replica.files = Some(files);
        Ok(replica)
    }

    /// A replica that lives in memory only (tests).
    pub fn open_in_memory() -> Result<Replica> {
        Self::from_connection(db::open_in_memory()?)
    }

    fn from_connection(conn: Connection) -> Result<Replica> {
        let site: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM meta WHERE key = 'site_id'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let site = match site {
            Some(bytes) => SiteId(
                uuid::Uuid::from_slice(&bytes)
                    .map_err(|e| Error::Corrupt(format!("site id: {e}")))?,
            ),
            None => {
                let site = SiteId(uuid::Uuid::now_v7());
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('site_id', ?1)",
                    [site.0.as_bytes().as_slice()],
                )?;
                site
            }
        };
        let device_key: Vec<u8> = match conn
            .query_row("SELECT value FROM meta WHERE key = 'device_key'", [], |r| {
                r.get::<_, Vec<u8>>(0)
            })
            .optional()?
        {
            Some(k) if k.len() == cosabi_core::identity::DEVICE_KEY_BYTES => k,
            _ => {
                // Two v4 UUIDs: 244 random bits from the OS.
                let mut k = uuid::Uuid::new_v4().as_bytes().to_vec();
                k.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('device_key', ?1)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [k.as_slice()],
                )?;
                k
            }
        };
        let site_idx = log::site_index(&conn, site)?;
        let (max_seq, max_hlc): (i64, i64) = conn.query_row(
            "SELECT coalesce(max(seq_last), 0), coalesce(max(hlc), 0)
             FROM change_log WHERE site_idx = ?1",
            [site_idx],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let clock_offset_ms: i64 = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'clock_offset_ms'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let mut replica = Replica {
            conn,
            site,
            site_idx,
            next_seq: max_seq as u64 + 1,
            clock: HlcClock::starting_at(Hlc(max_hlc as u64)),
            clock_offset_ms,
            author: None,
            ctx: merge::MergeCtx::default(),
            clinic_id: None,
            path: None,
            files: None,
            device_key,
            vault: vault::Vault::in_memory(),
            data_key: None,
            blob_key: None,
        };
        replica.data_key = replica.vault.open_key()?;
        // Changes an older version kept for tables or columns it did not know take
        // effect now if a migration added them.
        replica.refold_pending()?;
        Ok(replica)
    }

    /// The clinic's id (looked up once).
    pub(crate) fn clinic_uuid_cached(&mut self) -> Result<uuid::Uuid> {
        if let Some(id) = self.clinic_id {
            return Ok(id);
        }
        let id = rows::clinic_uuid(&self.conn)?;
        self.clinic_id = Some(id);
        Ok(id)
    }

    pub fn site_id(&self) -> SiteId {
        self.site
    }

    /// This device's key as hex, for enrollment (the server checks with it the tags
    /// of this device's changes that other devices relay).
    pub fn device_key_hex(&self) -> String {
        hex::encode(&self.device_key)
    }

    /// Sets the member using the device; later writes record them as author.
    pub fn set_author(&mut self, author: Option<MemberId>) {
        self.author = author;
    }

    /// The device clock corrected by what the last sync taught us.
    fn physical_now_ms(&self) -> u64 {
        let now = chrono::Utc::now().timestamp_millis() + self.clock_offset_ms;
        now.max(0) as u64
    }

    /// Now by the corrected clock, as RFC 3339 UTC to the second (`…Z`): the time
    /// stamps a person reads on a document (an acta's opening and closing).
    pub(crate) fn now_rfc3339(&self) -> String {
        let ms = i64::try_from(self.physical_now_ms()).unwrap_or(i64::MAX);
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// Runs `f` in one IMMEDIATE transaction with one HLC; commits only if `f` succeeds.
    fn write<T>(&mut self, f: impl FnOnce(&mut log::Writer<'_>) -> Result<T>) -> Result<T> {
        let now = self.physical_now_ms();
        let hlc = self.clock.tick(now);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        self.ctx.invalidate();
        let mut w = log::Writer::new(
            &tx,
            &mut self.ctx,
            self.site_idx,
            self.next_seq,
            hlc,
            self.author,
        );
        let out = f(&mut w)?;
        let next_seq = w.next_seq();
        tx.commit()?;
        self.next_seq = next_seq;
        Ok(out)
    }

    /// Makes every commit so far durable: once it returns, a power cut loses none of
    /// them. Call it before pushing changes.
    ///
    /// The replica commits with `synchronous = NORMAL`, which may lose the last
    /// commits to a power cut. That is harmless until they are pushed: then the device
    /// would write other changes under (site, seq) numbers the server already holds.
    /// `synchronous = FULL` would close that gap at every commit, at one sync per
    /// write (about 4 ms on the benchmark machine, 290 times a plain insert, where
    /// the write path's budget is 1.5); a push needs it only once, here: 0.4 ms after
    /// one write, 2 ms after a hundred, 0.03 ms with nothing new (same machine).
    ///
    /// A full checkpoint syncs the WAL before copying it into the database file, then
    /// syncs the database file: every commit is on disk in both. It waits (up to the
    /// busy timeout) for readers of older snapshots, and fails as busy if one stays,
    /// since a partial checkpoint need not have synced anything.
    pub fn make_durable(&self) -> Result<()> {
        // (busy, frames in the WAL, frames checkpointed); -1 frames when the database
        // is not in WAL mode (a replica in memory), where there is nothing to sync.
        let (busy, frames, checkpointed): (i64, i64, i64) =
            self.conn
                .query_row("PRAGMA wal_checkpoint(FULL)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 || checkpointed < frames {
            return Err(Error::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                Some(format!(
                    "a reader kept {} of {frames} WAL frames from the checkpoint: \
                     the last commits may not be on disk yet",
                    frames - checkpointed.max(0)
                )),
            )));
        }
        Ok(())
    }

    /// Number of field changes this replica has written itself.
    pub fn local_change_count(&self) -> u64 {
        self.next_seq - 1
    }

    /// Read access for queries that have no typed method yet (tests, tools).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// The device-local setting that holds the sync token once the device is enrolled.
pub const SETTING_SYNC_TOKEN: &str = "sync.token";

/// Device-local settings (language, server address): kept in `meta`, never synced.
impl Replica {
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [format!("setting.{key}")],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            rusqlite::params![format!("setting.{key}"), value],
        )?;
        Ok(())
    }

    /// Forgets the device-local setting `key` (nothing when it is not set).
    pub fn remove_setting(&mut self, key: &str) -> Result<()> {
        self.conn.execute(
            "DELETE FROM meta WHERE key = ?1",
            [format!("setting.{key}")],
        )?;
        Ok(())
    }
}
