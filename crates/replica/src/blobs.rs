//! The replica's local photo store: image bytes as files named by their SHA-256, in
//! `blobs/` next to the database file (in the files beside it, [`crate::files`]: a
//! folder on the desktop and phones, OPFS in the browser). A file read back is
//! bounded by [`BLOB_FILE_BYTES_MAX`], a photo's limit and its seal.
//!
//! Photos stay out of SQLite on purpose: the database holds only their metadata (the
//! synced `photo` rows), so it stays small and quick to back up, and a photo can be
//! written, uploaded and fetched on its own schedule. Which blobs the server already
//! holds is device-local bookkeeping (`blob_upload`), never synced: every device
//! learns it from the server itself.

use crate::error::{Error, Result};
use crate::files::{FileStore, Files};
use crate::Replica;
use cosabi_core::photo::{validate_sha256, PHOTO_BYTES_MAX};
use cosabi_core::ValidationError;
use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};
#[cfg(not(target_arch = "wasm32"))]
use std::path::PathBuf;

/// The directory next to the database file that holds the photos.
pub const BLOB_DIR_NAME: &str = "blobs";
/// Directory inside the blob directory for downloads in progress (native only, as
/// the downloads that resume from it: `blob_client`).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) const PARTIAL_DIR_NAME: &str = "partial";

/// Hex SHA-256 of `bytes`, the name of a blob.
pub fn blob_name(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The first bytes of a photo file encrypted at rest; a JPEG starts with FF D8.
const SEALED_MAGIC: &[u8; 6] = b"CSBE1\0";
const NONCE_BYTES: usize = 24;
/// XChaCha20-Poly1305's tag.
const TAG_BYTES: usize = 16;

const _: () = assert!(PHOTO_BYTES_MAX > 0 && PHOTO_BYTES_MAX <= u32::MAX as i64);
/// Bytes of a file in the photo store, at most: the largest photo the app keeps
/// ([`PHOTO_BYTES_MAX`], also the server's limit) sealed. A larger file is refused
/// as damaged, never loaded.
pub const BLOB_FILE_BYTES_MAX: usize =
    PHOTO_BYTES_MAX as usize + SEALED_MAGIC.len() + NONCE_BYTES + TAG_BYTES;

/// The name of the blob `sha` in the files beside the database (`blobs/<sha>`),
/// its hash checked and lower-cased, so it stays a plain file name.
pub(crate) fn blob_file(sha: &str) -> Result<(String, String)> {
    let sha = validate_sha256(sha)?;
    Ok((format!("{BLOB_DIR_NAME}/{sha}"), sha))
}

/// Encrypts a photo file's bytes under `key` (XChaCha20-Poly1305, the file's name as
/// associated data: a file renamed to another photo's name does not open).
pub(crate) fn seal_bytes(key: &[u8; 32], name: &str, plain: &[u8]) -> Result<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
    let cipher = chacha20poly1305::XChaCha20Poly1305::new(key.into());
    let nonce = chacha20poly1305::XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ct = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plain,
                aad: name.as_bytes(),
            },
        )
        .map_err(|_| Error::Corrupt("photo encryption failed".into()))?;
    let mut out = Vec::with_capacity(SEALED_MAGIC.len() + NONCE_BYTES + ct.len());
    out.extend_from_slice(SEALED_MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Whether a file's bytes are encrypted by [`seal_bytes`].
pub(crate) fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(SEALED_MAGIC)
}

/// The plain bytes of a file written by [`seal_bytes`]; files in the clear (an older
/// version's, or a replica not encrypted) pass through.
pub(crate) fn open_bytes(key: Option<&[u8; 32]>, name: &str, bytes: Vec<u8>) -> Result<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    if !is_sealed(&bytes) {
        return Ok(bytes);
    }
    let key = key.ok_or_else(|| Error::Corrupt(format!("photo {name} is encrypted")))?;
    let body = &bytes[SEALED_MAGIC.len()..];
    if body.len() < NONCE_BYTES {
        return Err(Error::Corrupt(format!("photo {name} is cut short")));
    }
    let (nonce, ct) = body.split_at(NONCE_BYTES);
    chacha20poly1305::XChaCha20Poly1305::new(key.into())
        .decrypt(
            chacha20poly1305::XNonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: name.as_bytes(),
            },
        )
        .map_err(|_| Error::Corrupt(format!("photo {name} does not open: damaged or not ours")))
}

impl Replica {
    /// Encrypts photo files kept in the clear (an older version's) and drops
    /// thumbnails kept in the clear (a cache, made again on demand).
    pub(crate) fn encrypt_plain_blobs(&self) -> Result<()> {
        let Some(key) = self.blob_key else {
            return Ok(());
        };
        let files = self.files()?;
        let thumbs = format!("{BLOB_DIR_NAME}/{}", crate::imaging::THUMB_DIR_NAME);
        let _ = files.remove_folder(&thumbs);
        for name in files.list(BLOB_DIR_NAME)? {
            if validate_sha256(&name).is_err() {
                continue;
            }
            let file = format!("{BLOB_DIR_NAME}/{name}");
            let bytes = match files.read(&file, BLOB_FILE_BYTES_MAX) {
                Ok(Some(b)) => b,
                Ok(None) => continue,
                // Not a photo of ours: left as it is, and refused when read.
                Err(Error::Corrupt(why)) => {
                    tracing::warn!("photo store: {why}");
                    continue;
                }
                Err(e) => return Err(e),
            };
            if is_sealed(&bytes) {
                continue;
            }
            files.write(&file, &seal_bytes(&key, &name, &bytes)?)?;
        }
        Ok(())
    }

    /// The files beside the database: the photo store. A replica in memory has none.
    pub(crate) fn files(&self) -> Result<&Files> {
        self.files.as_ref().ok_or(Error::NoBlobStore)
    }

    /// The directory of this replica's photos: `blobs/` next to its database file
    /// (on the desktop and phones; in the browser they are in OPFS, [`crate::files`]).
    /// A replica in memory has none.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn blob_dir(&self) -> Result<PathBuf> {
        let db = self.path.as_ref().ok_or(Error::NoBlobStore)?;
        let parent = db.parent().unwrap_or_else(|| std::path::Path::new(""));
        Ok(parent.join(BLOB_DIR_NAME))
    }

    /// Where a download of `sha` keeps the bytes received so far.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn blob_partial_path(&self, sha: &str) -> Result<PathBuf> {
        let sha = validate_sha256(sha)?;
        Ok(self.blob_dir()?.join(PARTIAL_DIR_NAME).join(sha))
    }

    /// Keeps a photo's bytes; returns their name (hex SHA-256), which the photo row
    /// records. Storing the same bytes again writes nothing. The file appears whole or
    /// not at all, and durably ([`FileStore::write`]: natively written under a
    /// temporary name, flushed to disk, renamed, then its folders flushed too, so the
    /// name survives a power cut as well). At most [`PHOTO_BYTES_MAX`] bytes: the
    /// store never keeps what it would refuse to read back.
    pub fn store_blob(&self, bytes: &[u8]) -> Result<String> {
        if bytes.len() as u64 > PHOTO_BYTES_MAX as u64 {
            return Err(ValidationError::new("photo", "size_invalid")
                .with("max", PHOTO_BYTES_MAX.to_string())
                .into());
        }
        let sha = blob_name(bytes);
        let (file, _) = blob_file(&sha)?;
        let files = self.files()?;
        if files.exists(&file)? {
            // The name lives in the folder, and the folder (made for the first photo)
            // in the one above: a write that failed at that step, or a process that
            // died just after its rename, left a name that may not be on disk yet,
            // and the photo row pushed meanwhile would name a photo nobody holds.
            files.sync_name(&file)?;
        } else {
            // The photo may be the only copy of a receipt: on disk before it counts.
            match &self.blob_key {
                Some(key) => files.write(&file, &seal_bytes(key, &sha, bytes)?)?,
                None => files.write(&file, bytes)?,
            }
        }
        Ok(sha)
    }

    /// The bytes of the blob `sha`, if this device holds them.
    pub fn blob(&self, sha: &str) -> Result<Option<Vec<u8>>> {
        let (file, sha) = blob_file(sha)?;
        match self.files()?.read(&file, BLOB_FILE_BYTES_MAX)? {
            Some(bytes) => Ok(Some(open_bytes(self.blob_key.as_ref(), &sha, bytes)?)),
            None => Ok(None),
        }
    }

    /// Whether this device holds the blob `sha` (false for a name that is not one).
    pub fn has_blob(&self, sha: &str) -> bool {
        let Ok((file, _)) = blob_file(sha) else {
            return false;
        };
        self.files
            .as_ref()
            .is_some_and(|files| files.exists(&file).unwrap_or(false))
    }

    /// Removes the blob `sha` from this device (nothing if it is not here).
    pub(crate) fn remove_blob(&self, sha: &str) -> Result<()> {
        let (file, _) = blob_file(sha)?;
        self.files()?.remove(&file)?;
        Ok(())
    }

    /// The blobs the server still lacks as far as this device knows: those of photo
    /// records not deleted, held here, and not yet uploaded. Photos whose bytes are
    /// on another device are that device's to upload.
    pub fn blobs_to_upload(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT sha256 FROM photo
             WHERE deleted = 0 AND sha256 IS NOT NULL
               AND sha256 NOT IN (SELECT sha256 FROM blob_upload)
             ORDER BY sha256",
        )?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(names.into_iter().filter(|s| self.has_blob(s)).collect())
    }

    /// Records that the server holds the blob `sha` in full.
    pub fn mark_blob_uploaded(&mut self, sha: &str) -> Result<()> {
        let sha = validate_sha256(sha)?;
        let now = chrono::Utc::now().timestamp_millis();
        self.conn.execute(
            "INSERT INTO blob_upload(sha256, uploaded_at_ms) VALUES (?1, ?2)
             ON CONFLICT(sha256) DO NOTHING",
            rusqlite::params![sha, now],
        )?;
        Ok(())
    }

    /// Whether the blob `sha` is recorded as uploaded.
    pub fn blob_uploaded(&self, sha: &str) -> Result<bool> {
        let sha = validate_sha256(sha)?;
        Ok(self
            .conn
            .query_row("SELECT 1 FROM blob_upload WHERE sha256 = ?1", [sha], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::tests::{new_assembly, replica_with, COMMITTEE};
    use cosabi_core::photo::NewPhoto;
    use cosabi_core::schema::ASSEMBLY;

    fn on_disk() -> (tempfile::TempDir, Replica) {
        let dir = tempfile::tempdir().unwrap();
        let r = Replica::open(&dir.path().join("r.sqlite3")).unwrap();
        (dir, r)
    }

    fn photo_bytes(seed: u8, len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed)
            .collect()
    }

    #[test]
    fn blob_dir_is_next_to_the_database_and_absent_in_memory() {
        let (dir, r) = on_disk();
        assert_eq!(r.blob_dir().unwrap(), dir.path().join("blobs"));
        let mem = Replica::open_in_memory().unwrap();
        assert!(matches!(mem.blob_dir(), Err(Error::NoBlobStore)));
        assert!(matches!(mem.store_blob(b"x"), Err(Error::NoBlobStore)));
        assert!(!mem.has_blob(&"0".repeat(64)));
    }

    #[test]
    fn storing_is_idempotent_and_leaves_no_temporary_files() {
        let (_dir, r) = on_disk();
        let bytes = photo_bytes(7, 100_000);
        let sha = r.store_blob(&bytes).unwrap();
        assert_eq!(sha, blob_name(&bytes));
        assert_eq!(sha.len(), 64);
        assert_eq!(r.store_blob(&bytes).unwrap(), sha);
        assert!(r.has_blob(&sha));
        assert_eq!(r.blob(&sha).unwrap().unwrap(), bytes);
        let files: Vec<_> = std::fs::read_dir(r.blob_dir().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(files, vec![sha.clone()]);
        // Unknown and malformed names.
        assert_eq!(r.blob(&"ab".repeat(32)).unwrap(), None);
        assert!(!r.has_blob("../r.sqlite3"));
        assert!(matches!(r.blob("../r.sqlite3"), Err(Error::Invalid(_))));
    }

    #[test]
    fn photos_past_their_limit_are_neither_stored_nor_loaded() {
        let (_dir, r) = on_disk();
        let too_big = vec![0u8; PHOTO_BYTES_MAX as usize + 1];
        let e = r.store_blob(&too_big).unwrap_err();
        assert!(format!("{e:?}").contains("size_invalid"), "{e:?}");
        // A file in the photo store past any photo sealed is not one of ours.
        let sha = blob_name(b"small");
        let dir = r.blob_dir().unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(&sha), vec![0u8; BLOB_FILE_BYTES_MAX + 1]).unwrap();
        assert!(matches!(r.blob(&sha), Err(Error::Corrupt(_))));
    }

    #[test]
    fn a_blob_appears_whole_or_not_at_all() {
        let (_dir, r) = on_disk();
        let bytes = photo_bytes(3, 50_000);
        let sha = blob_name(&bytes);
        // A write that died half-way left only a temporary file: it is not the blob,
        // and the next store replaces nothing but writes the blob in full.
        let dir = r.blob_dir().unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!(".{sha}.dead.tmp")), &bytes[..1000]).unwrap();
        assert!(!r.has_blob(&sha));
        assert_eq!(r.blob(&sha).unwrap(), None);
        r.store_blob(&bytes).unwrap();
        assert_eq!(r.blob(&sha).unwrap().unwrap(), bytes);
    }

    #[test]
    fn make_durable_leaves_every_commit_in_the_database_file() {
        let (dir, mut r) = on_disk();
        // Only the barrier copies the WAL into the database file in this test.
        r.connection()
            .pragma_update(None, "wal_autocheckpoint", 0)
            .unwrap();
        r.load_demo().unwrap();
        let purchase = r
            .record_purchase(&cosabi_core::ledger::NewPurchase {
                date: "10/03/2025".into(),
                concept: "Cemento gris 50 kg".into(),
                quantity: "4".into(),
                unit_cost: "245".into(),
                supplier: "Materiales El Puente".into(),
                category: "infraestructura".into(),
                paid_from: "efectivo".into(),
                ..Default::default()
            })
            .unwrap();
        // What a power cut would leave if the WAL were lost: the database file alone.
        let in_database_file = || {
            let copy = dir.path().join("copy.sqlite3");
            std::fs::copy(dir.path().join("r.sqlite3"), &copy).unwrap();
            let conn = rusqlite::Connection::open(&copy).unwrap();
            let found = conn.query_row(
                "SELECT count(*) FROM purchase WHERE id = ?1",
                [purchase.id.as_bytes().as_slice()],
                |row| row.get::<_, i64>(0),
            );
            found.unwrap_or(0) == 1
        };
        assert!(!in_database_file(), "the commit was in the file already");
        r.make_durable().unwrap();
        assert!(in_database_file());
        // In memory there is nothing to sync, and nothing fails.
        Replica::open_in_memory().unwrap().make_durable().unwrap();
    }

    #[test]
    fn blobs_to_upload_lists_held_photos_until_marked() {
        let (mut r, _) = replica_with(&COMMITTEE);
        // replica_with is in memory; move to disk for the blob store.
        let (_dir, mut disk) = on_disk();
        std::mem::swap(&mut r.path, &mut disk.path);
        std::mem::swap(&mut r.files, &mut disk.files);
        let a = r.create_assembly(&new_assembly()).unwrap();
        let held = photo_bytes(1, 2_000);
        let held_sha = r.store_blob(&held).unwrap();
        let elsewhere_sha = blob_name(b"bytes on another phone");
        let deleted_sha = r.store_blob(&photo_bytes(2, 2_000)).unwrap();
        for sha in [&held_sha, &elsewhere_sha, &deleted_sha] {
            r.add_photo(&NewPhoto {
                owner_table: ASSEMBLY.id,
                owner_id: a.id,
                kind: "acta".into(),
                sha256: sha.clone(),
                size_bytes: 2_000,
                mime: "image/jpeg".into(),
                taken_at: String::new(),
            })
            .unwrap();
        }
        r.connection()
            .execute(
                "UPDATE photo SET deleted = 1 WHERE sha256 = ?1",
                [&deleted_sha],
            )
            .unwrap();
        assert_eq!(r.blobs_to_upload().unwrap(), vec![held_sha.clone()]);
        assert!(!r.blob_uploaded(&held_sha).unwrap());
        r.mark_blob_uploaded(&held_sha).unwrap();
        r.mark_blob_uploaded(&held_sha).unwrap();
        assert!(r.blob_uploaded(&held_sha).unwrap());
        assert!(r.blobs_to_upload().unwrap().is_empty());
    }
}
