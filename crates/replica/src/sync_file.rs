//! Sync by file, for where there is no network at all: a USB stick or a Bluetooth
//! transfer carries the same idempotent pages as the server does.
//!
//! A file is bound to its clinic and authenticated with HMAC-SHA256 under the
//! clinic's `sync_key` (a random secret created with the clinic and synced with it):
//! a file of another clinic, or one altered after export, is refused before anything
//! is applied. A device that holds no clinic yet trusts the key the file's own pages
//! carry (trust on first use), as it would trust the first sync.
//!
//! Layout: `MAGIC`, u32 LE header length, postcard [`FileHeader`], then per page a
//! u32 LE length and a compressed page, then the 32-byte HMAC of everything before.

use crate::codec::{page_from_bytes, page_to_bytes};
use crate::error::{Error, Result};
use crate::log::value_from_sql;
use crate::{Replica, VersionVector};
use cosabi_core::change::Value;
use cosabi_core::ids::{ClinicId, SiteId};
use cosabi_core::schema::CLINIC;
use cosabi_core::wire::Page;
use hmac::{Hmac, Mac};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const MAGIC: &[u8; 12] = b"COSABI-SYNC\x01";
const MAC_BYTES: usize = 32;
/// Most bytes of a sync file read (a clinic-year with room to spare; photos travel
/// apart).
pub const SYNC_FILE_BYTES_MAX: usize = 256 * 1024 * 1024;
/// Column of `clinic` holding the sync key.
const SYNC_KEY_COLUMN: u16 = 7;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHeader {
    pub clinic_id: ClinicId,
    pub clues: String,
    pub exported_by: SiteId,
    pub exported_at_ms: u64,
    pub schema_version: u32,
    pub pages: u32,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub pages: u64,
    pub applied: u64,
    pub duplicates: u64,
    pub deferred: u64,
    /// The replica had no clinic and trusted the file's key.
    pub trusted_on_first_use: bool,
}

fn refuse(code: &str) -> Error {
    Error::Invalid(cosabi_core::ValidationError::new("file", code).into())
}

fn mac(key: &str, bytes: &[u8]) -> [u8; MAC_BYTES] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
        .expect("HMAC takes keys of any length");
    m.update(bytes);
    m.finalize().into_bytes().into()
}

pub(crate) fn new_key() -> String {
    // Two v4 UUIDs: 244 random bits from the OS, as hex.
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

fn read_u32(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let b = bytes.get(at..at + 4)?;
    Some((
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize,
        at + 4,
    ))
}

impl Replica {
    /// The clinic's sync key, creating it (a synced write) if the clinic has none.
    pub(crate) fn clinic_sync_key(&mut self) -> Result<(ClinicId, String, String)> {
        let clinic = self.clinic()?.ok_or(Error::NoClinic)?;
        let key: Option<String> = self
            .conn
            .query_row(
                "SELECT sync_key FROM clinic WHERE id = ?1",
                [clinic.id.0.as_bytes().as_slice()],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let key = match key {
            Some(k) if !k.is_empty() => k,
            _ => {
                let k = new_key();
                let value = Value::Text(k.clone());
                self.write(|w| w.update(&CLINIC, clinic.id.0, &[(SYNC_KEY_COLUMN, value)]))?;
                k
            }
        };
        Ok((clinic.id, clinic.clues, key))
    }

    /// Every key this replica accepts for its clinic: the current one and any that
    /// lost to it in a merge (two devices that each created the clinic).
    fn accepted_keys(&self, clinic: ClinicId) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        let current: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT sync_key FROM clinic WHERE id = ?1",
                [clinic.0.as_bytes().as_slice()],
                |r| r.get(0),
            )
            .optional()?;
        keys.extend(current.flatten());
        let mut stmt = self
            .conn
            .prepare("SELECT value FROM conflicts WHERE tbl = ?1 AND row_id = ?2 AND col = ?3")?;
        let mut rows = stmt.query(rusqlite::params![
            CLINIC.id,
            clinic.0.as_bytes().as_slice(),
            SYNC_KEY_COLUMN
        ])?;
        while let Some(r) = rows.next()? {
            if let Value::Text(k) = value_from_sql(r.get_ref(0)?)? {
                keys.push(k);
            }
        }
        Ok(keys)
    }

    /// A sync file of everything `peer` lacks (everything, for an empty vector).
    pub fn export_sync_file(&mut self, peer: &VersionVector) -> Result<Vec<u8>> {
        let (clinic_id, clues, key) = self.clinic_sync_key()?;
        let pages = self.pages_since(peer)?;
        let header = FileHeader {
            clinic_id,
            clues,
            exported_by: self.site,
            exported_at_ms: chrono::Utc::now().timestamp_millis().max(0) as u64,
            schema_version: crate::db::SCHEMA_VERSION as u32,
            pages: pages.len() as u32,
        };
        let header = crate::log::encode(&header);
        let mut out = Vec::with_capacity(1024);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for p in &pages {
            let bytes = page_to_bytes(p);
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        let tag = mac(&key, &out);
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Reads a sync file's header without applying anything.
    pub fn sync_file_header(bytes: &[u8]) -> Result<FileHeader> {
        Self::parse_sync_file(bytes).map(|(h, _, _)| h)
    }

    fn parse_sync_file(bytes: &[u8]) -> Result<(FileHeader, Vec<Page>, usize)> {
        if bytes.len() > SYNC_FILE_BYTES_MAX {
            return Err(refuse("sync_file_too_large"));
        }
        if bytes.len() < MAGIC.len() + 4 + MAC_BYTES || &bytes[..MAGIC.len()] != MAGIC {
            return Err(refuse("sync_file_malformed"));
        }
        let body_end = bytes.len() - MAC_BYTES;
        let (len, at) =
            read_u32(bytes, MAGIC.len()).ok_or_else(|| refuse("sync_file_malformed"))?;
        let header: FileHeader = bytes
            .get(at..at + len)
            .filter(|_| at + len <= body_end)
            .and_then(|h| postcard::from_bytes(h).ok())
            .ok_or_else(|| refuse("sync_file_malformed"))?;
        let mut at = at + len;
        let mut pages = Vec::with_capacity(header.pages as usize);
        // Past a good header, anything that does not add up was cut or changed.
        for _ in 0..header.pages {
            let (len, next) = read_u32(bytes, at).ok_or_else(|| refuse("sync_file_altered"))?;
            let page = bytes
                .get(next..next + len)
                .filter(|_| next + len <= body_end)
                .ok_or_else(|| refuse("sync_file_altered"))?;
            // An altered page may not even decode: that is still "altered" once the
            // MAC check below runs, so decoding failures are kept for after it.
            pages.push(page_from_bytes(page).map_err(|_| refuse("sync_file_altered"))?);
            at = next + len;
        }
        if at != body_end {
            return Err(refuse("sync_file_altered"));
        }
        Ok((header, pages, body_end))
    }

    /// Imports a sync file: checks clinic and authenticity first, then applies its
    /// pages. Importing the same file twice changes nothing.
    pub fn import_sync_file(&mut self, bytes: &[u8]) -> Result<ImportReport> {
        let (header, pages, body_end) = Self::parse_sync_file(bytes)?;
        let mut report = ImportReport::default();
        let keys = match self.clinic()? {
            Some(local) if local.id != header.clinic_id => {
                return Err(Error::Invalid(
                    cosabi_core::ValidationError::new("file", "sync_file_other_clinic")
                        .with("file_clues", header.clues)
                        .with("clues", local.clues)
                        .into(),
                ))
            }
            Some(_) => self.accepted_keys(header.clinic_id)?,
            None => {
                report.trusted_on_first_use = true;
                pages
                    .iter()
                    .flat_map(|p| p.groups.iter())
                    .filter(|g| g.table == CLINIC.id && g.row == header.clinic_id.0)
                    .flat_map(|g| g.fields.iter())
                    .filter(|f| f.column == SYNC_KEY_COLUMN)
                    .filter_map(|f| f.value.as_text().map(str::to_owned))
                    .collect()
            }
        };
        let tag = &bytes[body_end..];
        if !keys
            .iter()
            .any(|k| mac(k, &bytes[..body_end]).as_slice() == tag)
        {
            return Err(refuse("sync_file_altered"));
        }
        for p in &pages {
            let r = self.apply_page(p)?;
            report.pages += 1;
            report.applied += r.applied;
            report.duplicates += r.duplicates;
            report.deferred += r.deferred;
        }
        Ok(report)
    }
}
