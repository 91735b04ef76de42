//! Sync by file, for where there is no network at all: a USB stick or a Bluetooth
//! transfer carries the same idempotent pages as the server does.
//!
//! A file is sealed with HMAC-SHA256 under the clinic's *file key*, which never
//! travels in the synced data: a key inside the pages would let anyone holding one
//! file seal another. Each device keeps a keyring in its `meta` table
//! ([`META_KEYRING`], not a `setting.` key, so the webview's generic settings cannot
//! read it). A key gets there from the server at enrollment, typed or scanned from
//! another device's Sincronizar screen, or made on the device that holds a clinic and
//! has no key yet (a clinic created offline) when it first needs one. The first key
//! of the ring (the primary) seals; any key of the ring opens. A device with no key
//! refuses every file: there is no trust on first use.
//!
//! Layout (version 2; integers little-endian):
//!
//! | bytes | what |
//! |---|---|
//! | 11 | [`MAGIC`] |
//! | 1 | [`FORMAT_VERSION`] |
//! | 8 | key id: the first 8 bytes of SHA-256([`KEY_ID_CONTEXT`] ‖ key) |
//! | 16 | clinic id |
//! | 4 + n | header length, postcard [`FileHeader`] |
//! | per page, 4 + n | page length, compressed page (`codec`) |
//! | 32 | HMAC-SHA256 under the key of every byte before it |
//!
//! Reading checks only the fixed prefix (magic, version, clinic, key id) before the
//! tag, in constant time, over the raw bytes; nothing is decoded and nothing is
//! allocated from the file's numbers before that. After the tag, every length and
//! count is checked against the bytes actually there.

use crate::codec::{page_from_bytes, page_to_bytes};
use crate::error::{Error, Result};
use crate::Replica;
use cosabi_core::ids::{ClinicId, SiteId};
use cosabi_core::ValidationError;
use hmac::{Hmac, Mac};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What every sync file starts with.
const MAGIC: &[u8; 11] = b"COSABI-SYNC";
/// Version of the layout; version 1 was sealed with a key carried in its own pages.
const FORMAT_VERSION: u8 = 2;
const KEY_ID_BYTES: usize = 8;
/// Bytes before the header: magic, version, key id, clinic id, header length.
const PREFIX_BYTES: usize = MAGIC.len() + 1 + KEY_ID_BYTES + 16 + 4;
const MAC_BYTES: usize = 32;
/// A page takes at least its length and one byte, so a file of `n` bytes cannot hold
/// more than `n / PAGE_FRAME_BYTES_MIN` pages, whatever its header says.
const PAGE_FRAME_BYTES_MIN: usize = 4 + 1;
/// Most bytes of a sync file read (a clinic-year with room to spare; photos travel
/// apart).
pub const SYNC_FILE_BYTES_MAX: usize = 256 * 1024 * 1024;
/// Hashed before a key to name it in a file, so the id is no MAC under that key.
const KEY_ID_CONTEXT: &[u8] = b"cosabi sync file key id\0";

/// Device-local key of `meta` holding the keyring: a JSON array, primary first.
const META_KEYRING: &str = "sync_file_keys";
/// Keys a ring keeps; past this the oldest one that is not primary is forgotten.
pub const SYNC_FILE_KEYS_MAX: usize = 8;
/// Characters of a key: Crockford's base32 (no I, L, O, U), so a key copied by hand
/// or read aloud survives; typed I and L are read as 1, O as 0.
const KEY_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a key this device makes: 32 × 5 = 160 random bits.
const KEY_CHARS: usize = 32;
/// Shortest key accepted: 26 characters are 130 bits.
const KEY_CHARS_MIN: usize = 26;
/// Longest key accepted (a server may make longer keys than a device does).
const KEY_CHARS_MAX: usize = 64;
/// Characters between dashes when a key is shown.
const KEY_GROUP_CHARS: usize = 4;
/// What a file-key QR code holds before the key.
const KEY_QR_PREFIX: &str = "cosabi:filekey?key=";
/// Smallest edge of the QR image shown, in pixels.
const KEY_QR_EDGE_PX: u32 = 320;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHeader {
    pub clinic_id: ClinicId,
    pub clues: String,
    pub exported_by: SiteId,
    pub exported_at_ms: u64,
    pub schema_version: u32,
    pub pages: u32,
}

pub use cosabi_core::views::ImportReport;

fn refuse(code: &str) -> Error {
    Error::Invalid(ValidationError::new("file", code).into())
}

fn key_invalid() -> Error {
    Error::Invalid(ValidationError::new("key", "sync_file_key_invalid").into())
}

fn hmac_for(key: &str) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length")
}

fn key_id(key: &str) -> [u8; KEY_ID_BYTES] {
    let digest = Sha256::new()
        .chain_update(KEY_ID_CONTEXT)
        .chain_update(key.as_bytes())
        .finalize();
    let mut id = [0u8; KEY_ID_BYTES];
    id.copy_from_slice(&digest[..KEY_ID_BYTES]);
    id
}

/// A new random file key (normalised, without dashes). The server makes the keys it
/// hands out at enrollment with this too.
pub fn new_sync_file_key() -> String {
    // Two v4 UUIDs are 244 bits from the OS (UUIDv4 is the crate's random source
    // already); SHA-256 spreads them evenly and the first 160 bits are kept.
    let digest = Sha256::new()
        .chain_update(uuid::Uuid::new_v4().as_bytes())
        .chain_update(uuid::Uuid::new_v4().as_bytes())
        .finalize();
    let mut bits = 0u64;
    let mut held = 0u32;
    let mut bytes = digest.iter();
    let mut key = String::with_capacity(KEY_CHARS);
    while key.len() < KEY_CHARS {
        if held < 5 {
            bits = (bits << 8) | u64::from(*bytes.next().expect("32 bytes hold 160 bits"));
            held += 8;
        }
        held -= 5;
        key.push(KEY_ALPHABET[((bits >> held) & 31) as usize] as char);
    }
    key
}

/// The key in `text` as typed or scanned (a bare key, grouped or not, or a file-key
/// QR payload), normalised: upper case, no spaces or dashes, I and L as 1, O as 0.
/// `None` if it is no key.
pub fn parse_sync_file_key(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text.strip_prefix(KEY_QR_PREFIX).unwrap_or(text);
    let mut key = String::with_capacity(text.len().min(KEY_CHARS_MAX));
    for c in text.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        };
        if !c.is_ascii() || !KEY_ALPHABET.contains(&(c as u8)) || key.len() == KEY_CHARS_MAX {
            return None;
        }
        key.push(c);
    }
    (key.len() >= KEY_CHARS_MIN).then_some(key)
}

/// A key as shown to people: groups of four joined by dashes.
fn grouped(key: &str) -> String {
    key.as_bytes()
        .chunks(KEY_GROUP_CHARS)
        .map(|g| std::str::from_utf8(g).expect("keys are ASCII"))
        .collect::<Vec<_>>()
        .join("-")
}

/// A file key for people: the text to copy and what its QR code holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncFileKey {
    /// Grouped by four with dashes, for reading and typing.
    pub text: String,
    /// The QR code's content (`cosabi:filekey?key=…`).
    pub qr_payload: String,
}

impl SyncFileKey {
    /// The key in `text` as typed or scanned ([`parse_sync_file_key`]), for showing.
    pub fn parse(text: &str) -> Option<SyncFileKey> {
        parse_sync_file_key(text).map(|k| SyncFileKey::of(&k))
    }

    fn of(key: &str) -> SyncFileKey {
        let text = grouped(key);
        SyncFileKey {
            qr_payload: format!("{KEY_QR_PREFIX}{text}"),
            text,
        }
    }

    /// The QR code as a PNG image.
    pub fn qr_png(&self) -> Result<Vec<u8>> {
        let code = qrcode::QrCode::new(self.qr_payload.as_bytes())
            .map_err(|e| Error::Corrupt(format!("file key QR: {e}")))?;
        let img = code
            .render::<image::Luma<u8>>()
            .min_dimensions(KEY_QR_EDGE_PX, KEY_QR_EDGE_PX)
            .build();
        let mut png = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageLuma8(img)
            .write_to(&mut png, image::ImageFormat::Png)
            .map_err(|e| Error::Corrupt(format!("file key QR: {e}")))?;
        Ok(png.into_inner())
    }
}

/// The fixed prefix of a file, read without decoding anything.
struct Sealed<'a> {
    key_id: [u8; KEY_ID_BYTES],
    clinic: ClinicId,
    /// Everything the tag covers.
    body: &'a [u8],
    tag: &'a [u8],
}

impl<'a> Sealed<'a> {
    fn open(bytes: &'a [u8]) -> Result<Sealed<'a>> {
        if bytes.len() > SYNC_FILE_BYTES_MAX {
            return Err(refuse("sync_file_too_large"));
        }
        let magic = &bytes[..bytes.len().min(MAGIC.len())];
        if magic.is_empty() || !MAGIC.starts_with(magic) {
            return Err(refuse("sync_file_malformed"));
        }
        if let Some(&version) = bytes.get(MAGIC.len()) {
            if version != FORMAT_VERSION {
                return Err(refuse("sync_file_version"));
            }
        }
        // A Cosabi file too short for its prefix and tag was cut short.
        if bytes.len() < PREFIX_BYTES + MAC_BYTES {
            return Err(refuse("sync_file_altered"));
        }
        let (body, tag) = bytes.split_at(bytes.len() - MAC_BYTES);
        let at = MAGIC.len() + 1;
        let mut key_id = [0u8; KEY_ID_BYTES];
        key_id.copy_from_slice(&body[at..at + KEY_ID_BYTES]);
        let at = at + KEY_ID_BYTES;
        let mut clinic = [0u8; 16];
        clinic.copy_from_slice(&body[at..at + 16]);
        Ok(Sealed {
            key_id,
            clinic: ClinicId(uuid::Uuid::from_bytes(clinic)),
            body,
            tag,
        })
    }

    /// Checks that the tag is `key`'s over the body, comparing in constant time.
    fn verify(&self, key: &str) -> Result<()> {
        let mut m = hmac_for(key);
        m.update(self.body);
        m.verify_slice(self.tag)
            .map_err(|_| refuse("sync_file_altered"))
    }

    /// The header and the page bytes after it. Only for a verified file: the header
    /// is decoded here. Its numbers are still checked against the bytes there, since
    /// whoever holds the key may still write nonsense.
    fn contents(&self) -> Result<(FileHeader, &'a [u8])> {
        let malformed = || refuse("sync_file_malformed");
        let len = u32::from_le_bytes(
            self.body[PREFIX_BYTES - 4..PREFIX_BYTES]
                .try_into()
                .expect("four bytes"),
        ) as usize;
        let rest = &self.body[PREFIX_BYTES..];
        if len > rest.len() {
            return Err(malformed());
        }
        let (header, pages) = rest.split_at(len);
        let header: FileHeader = postcard::from_bytes(header).map_err(|_| malformed())?;
        if header.clinic_id != self.clinic
            || header.pages as usize > pages.len() / PAGE_FRAME_BYTES_MIN
        {
            return Err(malformed());
        }
        Ok((header, pages))
    }
}

/// Calls `each` with every page's bytes; the count and every length must add up to
/// exactly the bytes there.
fn each_page<'a>(
    mut rest: &'a [u8],
    count: u32,
    mut each: impl FnMut(&'a [u8]) -> Result<()>,
) -> Result<()> {
    let malformed = || refuse("sync_file_malformed");
    for _ in 0..count {
        let (len, after) = rest.split_first_chunk::<4>().ok_or_else(malformed)?;
        let len = u32::from_le_bytes(*len) as usize;
        if len == 0 || len > after.len() {
            return Err(malformed());
        }
        let (page, after) = after.split_at(len);
        each(page)?;
        rest = after;
    }
    if rest.is_empty() {
        Ok(())
    } else {
        Err(malformed())
    }
}

/// Device-local keyring.
impl Replica {
    fn keyring(&self) -> Result<Vec<String>> {
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [META_KEYRING],
                |r| r.get(0),
            )
            .optional()?;
        match stored {
            None => Ok(Vec::new()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| Error::Corrupt(format!("sync file keyring: {e}"))),
        }
    }

    fn store_keyring(&mut self, keys: &[String]) -> Result<()> {
        let json = serde_json::to_string(keys).expect("strings encode as JSON");
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            rusqlite::params![META_KEYRING, json],
        )?;
        Ok(())
    }

    /// Makes `key` (normalised) the primary key, keeping the others for opening.
    fn make_primary(&mut self, key: String) -> Result<()> {
        let mut keys = self.keyring()?;
        keys.retain(|k| *k != key);
        keys.insert(0, key);
        keys.truncate(SYNC_FILE_KEYS_MAX);
        self.store_keyring(&keys)
    }

    /// The key files are sealed with, made now if this replica holds a clinic and no
    /// key (a clinic created offline); `None` with neither.
    fn primary_key(&mut self) -> Result<Option<String>> {
        if let Some(k) = self.keyring()?.into_iter().next() {
            return Ok(Some(k));
        }
        if self.clinic()?.is_none() {
            return Ok(None);
        }
        let key = new_sync_file_key();
        self.make_primary(key.clone())?;
        Ok(Some(key))
    }

    /// The clinic's file key, to show on this device and enter on another; made now
    /// if this replica holds a clinic and has none. `None` on a device with neither.
    pub fn sync_file_key(&mut self) -> Result<Option<SyncFileKey>> {
        Ok(self.primary_key()?.map(|k| SyncFileKey::of(&k)))
    }

    /// Takes the clinic's file key, typed, scanned or received at enrollment, as the
    /// key files are sealed with from now on. Keys held before still open files.
    pub fn set_sync_file_key(&mut self, text: &str) -> Result<()> {
        let key = parse_sync_file_key(text).ok_or_else(key_invalid)?;
        self.make_primary(key)
    }
}

impl Replica {
    /// A sync file of everything `peer` lacks (everything, for an empty vector),
    /// sealed with the primary file key.
    pub fn export_sync_file(&mut self, peer: &crate::VersionVector) -> Result<Vec<u8>> {
        let clinic = self.clinic()?.ok_or(Error::NoClinic)?;
        let key = self.primary_key()?.ok_or(Error::NoClinic)?;
        let pages = self.pages_since(peer)?;
        let header = crate::log::encode(&FileHeader {
            clinic_id: clinic.id,
            clues: clinic.clues,
            exported_by: self.site,
            exported_at_ms: chrono::Utc::now().timestamp_millis().max(0) as u64,
            schema_version: crate::db::SCHEMA_VERSION as u32,
            pages: pages.len() as u32,
        });
        let mut out = Vec::with_capacity(1024);
        out.extend_from_slice(MAGIC);
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&key_id(&key));
        out.extend_from_slice(clinic.id.0.as_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for p in &pages {
            let bytes = page_to_bytes(p);
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(&bytes);
        }
        let mut m = hmac_for(&key);
        m.update(&out);
        out.extend_from_slice(&m.finalize().into_bytes());
        // A file no device would read is not written.
        if out.len() > SYNC_FILE_BYTES_MAX {
            return Err(refuse("sync_file_too_large"));
        }
        Ok(out)
    }

    /// Imports a sync file: checks clinic, key and seal first, then that every page
    /// decodes, then applies the pages. Importing the same file twice changes nothing.
    pub fn import_sync_file(&mut self, bytes: &[u8]) -> Result<ImportReport> {
        let sealed = Sealed::open(bytes)?;
        if let Some(local) = self.clinic()? {
            if local.id != sealed.clinic {
                return Err(Error::Invalid(
                    ValidationError::new("file", "sync_file_other_clinic")
                        .with("clues", local.clues)
                        .into(),
                ));
            }
        }
        let keys = self.keyring()?;
        if keys.is_empty() {
            return Err(refuse("sync_file_no_key"));
        }
        let key = keys
            .iter()
            .find(|k| key_id(k) == sealed.key_id)
            .ok_or_else(|| refuse("sync_file_unknown_key"))?;
        sealed.verify(key)?;
        let (header, pages) = sealed.contents()?;
        // Every page decodes before any applies, one page in memory at a time.
        each_page(pages, header.pages, |p| {
            page_from_bytes(p)
                .map(drop)
                .map_err(|_| refuse("sync_file_malformed"))
        })?;
        let mut report = ImportReport::default();
        each_page(pages, header.pages, |p| {
            let page = page_from_bytes(p).map_err(|_| refuse("sync_file_malformed"))?;
            let r = self.apply_page(&page)?;
            report.pages += 1;
            report.applied += r.applied;
            report.duplicates += r.duplicates;
            report.deferred += r.deferred;
            Ok(())
        })?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_keys_are_well_formed_and_differ() {
        let a = new_sync_file_key();
        assert_eq!(a.len(), KEY_CHARS);
        assert_eq!(parse_sync_file_key(&a).as_deref(), Some(a.as_str()));
        assert_ne!(a, new_sync_file_key());
    }

    #[test]
    fn keys_are_read_as_people_type_them() {
        let key = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let shown = SyncFileKey::of(key);
        assert_eq!(shown.text, "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ");
        for typed in [
            shown.text.as_str(),
            shown.qr_payload.as_str(),
            " 0123 4567 89ab cdef ghjk mnpq rstv wxyz ",
            "O123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ",
        ] {
            assert_eq!(parse_sync_file_key(typed).as_deref(), Some(key), "{typed}");
        }
        assert_eq!(parse_sync_file_key("L").as_deref(), None);
        assert_eq!(
            parse_sync_file_key("I1234567890123456789012345").as_deref(),
            Some("11234567890123456789012345")
        );
        for bad in [
            "",
            "0123-4567",
            "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYU",
            "cosabi:enroll?code=ABCDE23456",
            &"A".repeat(KEY_CHARS_MAX + 1),
            "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYÑ",
        ] {
            assert_eq!(parse_sync_file_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_key_qr_reads_back() {
        let shown = SyncFileKey::of(&new_sync_file_key());
        let png = shown.qr_png().unwrap();
        let text = crate::imaging::decode_qr(&png).unwrap();
        assert_eq!(text.as_deref(), Some(shown.qr_payload.as_str()));
    }
}
