//! A clinic-year with many receipt photos, for the expediente's test and bench: real
//! JPEGs of a chosen size, made deterministically, recorded on a device as the app
//! records receipt photos.

use super::Device;
use cosabi_core::ledger::{NewPurchase, NewReceipt};
use cosabi_core::photo::NewPhoto;
use cosabi_core::schema::RECEIPT;

/// Photos per receipt in [`record_clinic_year`].
pub const PHOTOS_PER_RECEIPT: usize = 2;

/// Width and height of the photos: a phone's prepared photo (the app resizes to
/// about this before keeping one).
const PHOTO_W: u32 = 1280;
const PHOTO_H: u32 = 960;

/// A real JPEG (quality 85) shaped like a photographed receipt: paper with a soft
/// gradient, lines of dark "text" marks, and sensor noise of `noise` levels, all
/// drawn from `seed`.
fn receipt_jpeg(seed: u64, noise: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let tint = (next() % 24) as i32;
    let marks: Vec<u64> = (0..64).map(|_| next()).collect();
    let img = image::RgbImage::from_fn(PHOTO_W, PHOTO_H, |px, py| {
        let paper =
            200 + tint + (px as i32 * 24 / PHOTO_W as i32) - (py as i32 * 16 / PHOTO_H as i32);
        let line = py / 24;
        let in_text = py % 24 < 12 && px > 80 && px < PHOTO_W - 80;
        let mark = marks[(line % 64) as usize] >> ((px / 9) % 64) & 1 == 1;
        let ink = if in_text && mark { -150 } else { 0 };
        let n = if noise == 0 {
            0
        } else {
            (next() % (2 * noise as u64 + 1)) as i32 - noise as i32
        };
        let v = (paper + ink + n).clamp(0, 255) as u8;
        image::Rgb([v, v.saturating_sub(4), v.saturating_sub(12)])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out
}

/// Makes `n` distinct JPEGs of about `bytes` each (within a few per cent), the
/// same for the same arguments.
pub fn photos(n: usize, bytes: usize) -> Vec<Vec<u8>> {
    // The noise that makes the first photo `bytes` long (more noise, more bytes),
    // found by halving; the others take the same.
    let (mut lo, mut hi) = (0u32, 64u32);
    let (mut lo_len, mut hi_len) = (receipt_jpeg(0, lo).len(), usize::MAX);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        let len = receipt_jpeg(0, mid).len();
        if len < bytes {
            (lo, lo_len) = (mid, len);
        } else {
            (hi, hi_len) = (mid, len);
        }
    }
    let noise = if hi_len.abs_diff(bytes) < lo_len.abs_diff(bytes) {
        hi
    } else {
        lo
    };
    (0..n as u64).map(|i| receipt_jpeg(i + 1, noise)).collect()
}

/// Records on `device` (a clinic's records loaded first) one cash purchase of 2025
/// per [`PHOTOS_PER_RECEIPT`] photos, each with a receipt whose photos are
/// `photos` (kept on the device, ready to upload). Returns each photo's SHA-256.
pub fn record_clinic_year(device: &Device, photos: &[Vec<u8>]) -> Vec<String> {
    device.with(|r| {
        if r.clinic().unwrap().is_none() {
            r.load_demo().unwrap();
        }
        let mut shas = Vec::new();
        for (i, group) in photos.chunks(PHOTOS_PER_RECEIPT).enumerate() {
            let purchase = r
                .record_purchase(&NewPurchase {
                    date: format!("{:02}/{:02}/2025", i % 28 + 1, i % 12 + 1),
                    concept: format!("Material de curación, lote {i}"),
                    quantity: "1".into(),
                    unit_cost: "100".into(),
                    supplier: "Farmacia del Centro".into(),
                    category: "equipamiento".into(),
                    paid_from: "efectivo".into(),
                    ..Default::default()
                })
                .unwrap();
            let receipt = r
                .add_receipt(
                    purchase.id,
                    &NewReceipt {
                        kind: "nota".into(),
                        folio_fiscal: String::new(),
                        total: "100".into(),
                        issued_on: format!("{:02}/{:02}/2025", i % 28 + 1, i % 12 + 1),
                    },
                )
                .unwrap();
            for bytes in group {
                let sha = r.store_blob(bytes).unwrap();
                r.add_photo(&NewPhoto {
                    owner_table: RECEIPT.id,
                    owner_id: receipt.id,
                    kind: "receipt".into(),
                    sha256: sha.clone(),
                    size_bytes: bytes.len() as i64,
                    mime: "image/jpeg".into(),
                    taken_at: String::new(),
                })
                .unwrap();
                shas.push(sha);
            }
        }
        shas
    })
}

/// The peak resident memory of process `pid` so far (`VmHWM`), in MiB.
pub fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status");
    kib / 1024.0
}
