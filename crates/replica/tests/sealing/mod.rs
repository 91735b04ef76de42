//! Sync files written by hand from the layout documented in `sync_file.rs`, as
//! someone forging or damaging one would: the tests read the format independently
//! of the code that writes it.
#![allow(dead_code)]

use cosabi_core::ids::{ClinicId, SiteId};
use cosabi_replica::{parse_sync_file_key, FileHeader, Replica};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const MAGIC: &[u8] = b"COSABI-SYNC";
pub const FORMAT_VERSION: u8 = 2;
pub const KEY_ID_AT: usize = 12;
pub const CLINIC_AT: usize = 20;
pub const HEADER_LEN_AT: usize = 36;
/// Magic, version, key id, clinic id, header length.
pub const PREFIX_BYTES: usize = 40;
pub const MAC_BYTES: usize = 32;

/// The key a replica seals with, normalised as it is used for the HMAC.
pub fn key_of(r: &mut Replica) -> String {
    let shown = r.sync_file_key().unwrap().expect("the replica has a key");
    parse_sync_file_key(&shown.text).unwrap()
}

pub fn key_id(key: &str) -> [u8; 8] {
    let d = Sha256::new()
        .chain_update(b"cosabi sync file key id\0")
        .chain_update(key.as_bytes())
        .finalize();
    d[..8].try_into().unwrap()
}

pub fn header(clinic: ClinicId, pages: u32) -> Vec<u8> {
    postcard::to_allocvec(&FileHeader {
        clinic_id: clinic,
        clues: "OCIMB000123".into(),
        exported_by: SiteId(uuid::Uuid::now_v7()),
        exported_at_ms: 0,
        schema_version: 1,
        pages,
    })
    .unwrap()
}

/// A page as the file frames it: its length, then its bytes.
pub fn frame(page: &[u8]) -> Vec<u8> {
    let mut out = (page.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(page);
    out
}

/// Everything before the tag; `header_len` may lie about `header`'s length.
pub fn body(
    key_id: [u8; 8],
    clinic: ClinicId,
    header_len: u32,
    header: &[u8],
    frames: &[u8],
) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&key_id);
    out.extend_from_slice(clinic.0.as_bytes());
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(header);
    out.extend_from_slice(frames);
    out
}

/// `body` with its HMAC-SHA256 under `key` appended.
pub fn sealed(key: &str, mut body: Vec<u8>) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).unwrap();
    m.update(&body);
    body.extend_from_slice(&m.finalize().into_bytes());
    body
}

/// A whole file sealed with `key`, honest about its header and pages.
pub fn seal(key: &str, clinic: ClinicId, pages: &[Vec<u8>]) -> Vec<u8> {
    let h = header(clinic, pages.len() as u32);
    let frames: Vec<u8> = pages.iter().flat_map(|p| frame(p)).collect();
    sealed(key, body(key_id(key), clinic, h.len() as u32, &h, &frames))
}
