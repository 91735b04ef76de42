//! A clinic-year with many receipt photos, for the expediente's test and bench: real
//! JPEGs of a chosen size, made deterministically, recorded on a device as the app
//! records receipt photos.

use super::Device;
use cosabi_core::ledger::{NewPurchase, NewReceipt};
use cosabi_core::photo::NewPhoto;
use cosabi_core::schema::RECEIPT;

/// Photos per receipt in [`record_clinic_year`].
pub const PHOTOS_PER_RECEIPT: usize = 2;

/// A real JPEG (baseline, quality 90) of `w`×`h` pixels of noise seeded by `seed`:
/// noise does not compress, as a photo of a receipt hardly does.
fn noise_jpeg(seed: u64, w: u32, h: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        image::Rgb([x as u8, (x >> 8) as u8, (x >> 16) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

/// Makes `n` distinct JPEGs of about `bytes` each (within a few per cent), the
/// same for the same arguments.
pub fn photos(n: usize, bytes: usize) -> Vec<Vec<u8>> {
    // Noise at a fixed quality costs a steady number of bytes per pixel: measure it
    // once, then size every photo by it (4:3).
    let probe = noise_jpeg(0, 400, 300);
    let per_pixel = probe.len() as f64 / (400.0 * 300.0);
    let pixels = bytes as f64 / per_pixel;
    let h = (pixels * 3.0 / 4.0).sqrt().round().max(8.0) as u32;
    let w = (h * 4 / 3).max(8);
    (0..n as u64).map(|i| noise_jpeg(i + 1, w, h)).collect()
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
