//! Pages as bytes on the wire and in sync files: the page encoding of
//! `cosabi_core::wire`, compressed with zstd.

use cosabi_core::wire::{decode_page, encode_page, Page, WireError};

/// zstd level for pages. Bytes are what a 2G link pays for: level 19 packs a
/// clinic-year in ~8 bytes per field change (level 9: ~9.7), and compresses a page
/// in tens of milliseconds, nothing next to the seconds it spends on the wire.
pub const PAGE_ZSTD_LEVEL: i32 = 19;

/// Most bytes a compressed page may expand to. Larger is refused before it is
/// allocated, so a hostile page cannot exhaust memory.
pub const PAGE_DECODED_BYTES_MAX: usize = 8 * 1024 * 1024;

/// A page, encoded and compressed.
pub fn page_to_bytes(page: &Page) -> Vec<u8> {
    page_to_bytes_at(page, PAGE_ZSTD_LEVEL)
}

/// A page compressed at another zstd level (any level decodes the same way).
pub fn page_to_bytes_at(page: &Page, level: i32) -> Vec<u8> {
    let raw = encode_page(page);
    // Compressing an in-memory buffer cannot fail except on allocation failure.
    zstd::bulk::compress(&raw, level).expect("zstd compresses a buffer")
}

/// The page in `bytes`, or why not.
pub fn page_from_bytes(bytes: &[u8]) -> Result<Page, WireError> {
    let raw = zstd::bulk::decompress(bytes, PAGE_DECODED_BYTES_MAX)
        .map_err(|e| WireError::Malformed(format!("not a compressed page: {e}")))?;
    decode_page(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_clinic_round_trips_and_compresses() {
        let mut r = crate::Replica::open_in_memory().unwrap();
        r.load_demo().unwrap();
        let pages = r.pages_since(&Default::default()).unwrap();
        assert_eq!(pages.len(), 1);
        let bytes = page_to_bytes(&pages[0]);
        assert_eq!(page_from_bytes(&bytes).unwrap(), pages[0]);
        assert!(bytes.len() < encode_page(&pages[0]).len());
    }

    #[test]
    fn garbage_and_bombs_are_refused() {
        assert!(page_from_bytes(b"hello").is_err());
        let bomb = zstd::bulk::compress(&vec![0u8; PAGE_DECODED_BYTES_MAX + 1], 3).unwrap();
        assert!(page_from_bytes(&bomb).is_err());
    }
}
