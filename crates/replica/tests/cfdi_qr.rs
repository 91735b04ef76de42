//! The CFDI verification QR read from receipt photos as phones take them: rotated,
//! tilted, blurred, large or small, JPEG-compressed at quality 40 — and still read
//! after the app's own compression (`prepare_photo`, and `prepare_receipt_photo` as
//! receipts are kept).

use cosabi_core::cfdi::parse_verification_url;
use cosabi_core::Centavos;
use cosabi_replica::imaging::{decode_qr, prepare_photo, prepare_receipt_photo};
use image::codecs::jpeg::JpegEncoder;
use image::{imageops, DynamicImage, Luma, Rgb, RgbImage};
use imageproc::geometric_transformations::{rotate_about_center, Interpolation};

const UUID: &str = "5E2D6AFF-2DD7-43D1-83D3-14C1ACA396D9";
/// A CFDI 4.0 verification address as printed under an invoice, with the `&` of an
/// RFC escaped the way some invoicing software does.
const URL: &str = "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx?\
    id=5e2d6aff-2dd7-43d1-83d3-14c1aca396d9&re=EMO0503152A1&rr=XAXX010101000\
    &tt=0000001293.100000&fe=Ab12Cd34";

/// A receipt on paper (2400×3200): rows of print and the QR code at the bottom.
fn receipt_photo() -> RgbImage {
    let (w, h) = (2400u32, 3200u32);
    let mut img = RgbImage::from_pixel(w, h, Rgb([236, 232, 222]));
    let mut seed = 7u32;
    // Print down to above the QR, which sits alone at the bottom as on real invoices.
    for row in 0..30u32 {
        let y = 200 + row * 60;
        let mut x = 150;
        while x < w - 200 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let word = 40 + (seed >> 16) % 160;
            for dy in 0..24 {
                for dx in 0..word.min(w - 200 - x) {
                    if (dx / 9) % 2 == 0 {
                        img.put_pixel(x + dx, y + dy, Rgb([40, 38, 46]));
                    }
                }
            }
            x += word + 30;
        }
    }
    let code = qrcode::QrCode::new(URL.as_bytes())
        .unwrap()
        .render::<Luma<u8>>()
        .module_dimensions(9, 9)
        .build();
    let (qx, qy) = (w - 200 - code.width(), h - 200 - code.height());
    for (x, y, p) in code.enumerate_pixels() {
        if p.0[0] < 128 {
            img.put_pixel(qx + x, qy + y, Rgb([30, 30, 36]));
        }
    }
    img
}

fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&DynamicImage::ImageRgb8(img.clone()))
        .unwrap();
    out
}

/// Reads the QR from `bytes`, directly and after the app prepared the photo.
fn assert_reads(name: &str, bytes: &[u8]) {
    let check = |stage: &str, b: &[u8]| {
        let text = decode_qr(b)
            .unwrap()
            .unwrap_or_else(|| panic!("{name}, {stage}: no QR found"));
        let qr = parse_verification_url(&text).unwrap();
        assert_eq!(qr.uuid, UUID, "{name}, {stage}");
        assert_eq!(qr.total, Centavos(129_310), "{name}, {stage}");
        assert_eq!(qr.rfc_emisor, "EMO0503152A1", "{name}, {stage}");
    };
    check("as taken", bytes);
    let prepared = prepare_photo(bytes).unwrap();
    assert!(
        prepared.jpeg.len() <= 150 * 1024,
        "{name}: {} bytes",
        prepared.jpeg.len()
    );
    check("after the app's compression", &prepared.jpeg);
    // As the app keeps a receipt photo: a document page when the paper is found.
    let kept = prepare_receipt_photo(bytes).unwrap();
    assert!(
        kept.jpeg.len() <= 150 * 1024,
        "{name}: {} bytes",
        kept.jpeg.len()
    );
    check("kept as a receipt", &kept.jpeg);
}

#[test]
fn a_sharp_upright_photo() {
    assert_reads("upright q90", &jpeg(&receipt_photo(), 90));
}

#[test]
fn turned_sideways_and_at_quality_40() {
    let img = imageops::rotate90(&receipt_photo());
    assert_reads("rotated 90°, q40", &jpeg(&img, 40));
}

#[test]
fn held_at_a_tilt_and_slightly_blurred() {
    let white = Rgb([236, 232, 222]);
    let tilted = rotate_about_center(
        &receipt_photo(),
        8f32.to_radians(),
        Interpolation::Bilinear,
        white,
    );
    let blurred = imageops::blur(&tilted, 1.2);
    assert_reads("tilted 8°, blur 1.2, q40", &jpeg(&blurred, 40));
}

#[test]
fn taken_from_further_away_and_small() {
    let img = receipt_photo();
    let small = imageops::resize(&img, 1500, 2000, imageops::FilterType::Triangle);
    assert_reads("downscaled to 1500×2000, q40", &jpeg(&small, 40));
}

#[test]
fn a_photo_without_a_qr_reads_as_none() {
    let blank = RgbImage::from_pixel(800, 600, Rgb([236, 232, 222]));
    assert_eq!(decode_qr(&jpeg(&blank, 60)).unwrap(), None);
}
