//! Photos prepared on the device, with real images made here: a 12-megapixel
//! "receipt" (paper on a table, rows of text-like marks, a CFDI's QR code) as a
//! camera stores it — sideways, with an EXIF orientation tag — and JPEG at q92; and
//! receipts kept as documents, on the generated photographed receipts of
//! `support/receipts.rs` (the set the `receipt_photo_kb` bench measures).

#[path = "support/receipts.rs"]
mod receipts;

use cosabi_core::protocol::EnrollmentPayload;
use cosabi_core::schema::{ACTION, PURCHASE};
use cosabi_replica::imaging::{
    DOCUMENT_BYTES_MAX, DOCUMENT_EDGE_MAX, PHOTO_INPUT_BYTES_MAX, PREPARED_BYTES_MAX,
    PREPARED_EDGE_MAX, PREPARED_EDGE_MIN, THUMBNAIL_EDGE, THUMB_DIR_NAME,
};
use cosabi_replica::{
    decode_qr, prepare_document, prepare_photo, prepare_receipt_photo, thumbnail, Error, Replica,
};
use image::{DynamicImage, GenericImageView, ImageEncoder, Luma, Rgb, RgbImage};
use receipts::{jpeg_with_orientation, ocr_total, photographed_receipt, Layout};
use std::io::Cursor;
use std::time::Instant;

/// What the QR code of a CFDI says: SAT's verification address with the folio, both
/// RFCs and the total.
const CFDI_URL: &str = "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx\
?id=6F1A2B3C-0D4E-4F5A-8B6C-7D8E9F0A1B2C&re=TES0102039A1&rr=COS250101AB1\
&tt=0000003751.500000&fe=A1b2C3d4";

/// Upright receipt size (portrait), as the person sees it.
const UPRIGHT_W: u32 = 3000;
const UPRIGHT_H: u32 = 4000;
/// The store's logo: a dark block at the top left of the receipt.
const LOGO: (u32, u32, u32, u32) = (300, 300, 1500, 450);

/// A small deterministic hash for noise, so every run makes the same image.
fn noise(x: u32, y: u32) -> i32 {
    let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    (h % 11) as i32 - 5
}

fn fill(img: &mut RgbImage, (x0, y0, x1, y1): (u32, u32, u32, u32), c: [u8; 3]) {
    for y in y0..y1 {
        for x in x0..x1 {
            img.put_pixel(x, y, Rgb(c));
        }
    }
}

/// The receipt, upright: paper on a darker table, lit unevenly, with sensor noise.
fn upright_receipt(qr_text: &str) -> RgbImage {
    let mut img = RgbImage::from_fn(UPRIGHT_W, UPRIGHT_H, |x, y| {
        let paper = (150..UPRIGHT_W - 150).contains(&x) && (150..UPRIGHT_H - 150).contains(&y);
        let n = noise(x, y);
        if paper {
            // Lighter at the top left, a little darker toward the bottom right.
            let shade = ((x + y) / 500) as i32;
            let v = |base: i32| (base - shade + n).clamp(0, 255) as u8;
            Rgb([v(246), v(243), v(236)])
        } else {
            let v = |base: i32| (base + n).clamp(0, 255) as u8;
            Rgb([v(92), v(74), v(58)])
        }
    });
    fill(&mut img, LOGO, [28, 28, 34]);
    // Rows of "words": letters as vertical strokes with a baseline, 40 px high.
    let mut seed = 7u32;
    let mut next = |n: u32| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (seed >> 8) % n
    };
    for row in 0..26 {
        let y = 600 + row * 90;
        let mut x = 300;
        while x < 2600 {
            let word = 80 + next(320);
            let end = (x + word).min(2700);
            let mut lx = x;
            while lx + 6 < end {
                let tall = if next(4) == 0 { 56 } else { 40 };
                fill(
                    &mut img,
                    (lx, y + 40 - tall.min(40), lx + 6, y + 40),
                    [38, 36, 44],
                );
                if tall > 40 {
                    fill(&mut img, (lx, y - 16, lx + 6, y), [38, 36, 44]);
                }
                if next(3) == 0 {
                    fill(&mut img, (lx, y + 18, lx + 18, y + 23), [38, 36, 44]);
                }
                lx += 22;
            }
            fill(&mut img, (x, y + 40, end, y + 43), [60, 58, 66]);
            x = end + 40 + next(30);
        }
    }
    // The QR code at the bottom right, 12 px per module.
    let qr = qrcode::QrCode::new(qr_text.as_bytes()).unwrap();
    let code = qr.render::<Luma<u8>>().module_dimensions(12, 12).build();
    let (qx, qy) = (UPRIGHT_W - 250 - code.width(), 3000);
    assert!(
        qy + code.height() < UPRIGHT_H - 150,
        "the QR fits on the paper"
    );
    for (x, y, p) in code.enumerate_pixels() {
        let v = p.0[0];
        if v < 128 {
            img.put_pixel(qx + x, qy + y, Rgb([30, 30, 36]));
        }
    }
    img
}

/// The receipt as a phone held upright stores it: the sensor's landscape 4000×3000
/// (the picture turned a quarter left) with EXIF orientation 6, "turn right to view".
fn camera_receipt() -> Vec<u8> {
    let upright = upright_receipt(CFDI_URL);
    let stored = image::imageops::rotate270(&upright);
    assert_eq!(stored.dimensions(), (4000, 3000));
    jpeg_with_orientation(&DynamicImage::ImageRgb8(stored), 92, Some(6))
}

fn mean_luma(img: &DynamicImage, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> u32 {
    let grey = img.to_luma8();
    let mut sum = 0u64;
    let mut n = 0u64;
    for y in y0..y1 {
        for x in x0..x1 {
            sum += u64::from(grey.get_pixel(x, y).0[0]);
            n += 1;
        }
    }
    (sum / n) as u32
}

fn photo_code(e: Error) -> String {
    match e {
        Error::Invalid(v) => {
            assert_eq!(v.0[0].field, "photo");
            v.0[0].code.clone()
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn a_receipt_photo_is_turned_upright_shrunk_and_stays_legible() {
    let raw = camera_receipt();
    // Without its EXIF tag the picture lies on its side.
    assert_eq!(
        image::load_from_memory(&raw).unwrap().dimensions(),
        (4000, 3000)
    );
    let started = Instant::now();
    let p = prepare_photo(&raw).unwrap();
    let took = started.elapsed();
    eprintln!(
        "prepare_photo: {} KiB 12 MP JPEG q92 -> {}x{} {} KiB in {} ms",
        raw.len() / 1024,
        p.width,
        p.height,
        p.jpeg.len() / 1024,
        took.as_millis()
    );
    assert!(p.jpeg.len() <= PREPARED_BYTES_MAX, "{} bytes", p.jpeg.len());
    let long = p.width.max(p.height);
    assert!(
        (PREPARED_EDGE_MIN..=PREPARED_EDGE_MAX).contains(&long),
        "{long}"
    );
    // Upright: portrait, with the logo at the top left.
    assert!(p.height > p.width, "{}x{}", p.width, p.height);
    assert_eq!(p.width * UPRIGHT_H, p.height * UPRIGHT_W, "aspect kept");
    let out = image::load_from_memory_with_format(&p.jpeg, image::ImageFormat::Jpeg).unwrap();
    assert_eq!(out.dimensions(), (p.width, p.height));
    let s = |v: u32| v * p.width / UPRIGHT_W;
    let (x0, y0, x1, y1) = LOGO;
    let logo = (s(x0) + 4, s(y0) + 4, s(x1) - 4, s(y1) - 4);
    assert!(mean_luma(&out, logo) < 70, "logo at the top left");
    let mirrored = (
        p.width - logo.2,
        p.height - logo.3,
        p.width - logo.0,
        p.height - logo.1,
    );
    assert!(
        mean_luma(&out, mirrored) > 150,
        "paper where a wrong turn puts the logo"
    );
    // The QR code still reads: our proxy for printed text still legible.
    assert_eq!(decode_qr(&p.jpeg).unwrap().as_deref(), Some(CFDI_URL));
    // And it read in the original too.
    assert_eq!(decode_qr(&raw).unwrap().as_deref(), Some(CFDI_URL));
}

#[test]
fn what_does_not_decode_is_refused() {
    let junk: Vec<u8> = (0..50_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    assert_eq!(
        photo_code(prepare_photo(&junk).unwrap_err()),
        "photo_unreadable"
    );
    assert_eq!(
        photo_code(prepare_photo(b"").unwrap_err()),
        "photo_unreadable"
    );
    // A JPEG cut in the middle of its header.
    let small = jpeg_with_orientation(
        &DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 48, Rgb([200, 10, 10]))),
        90,
        None,
    );
    assert_eq!(
        photo_code(prepare_photo(&small[..100]).unwrap_err()),
        "photo_unreadable"
    );
    assert_eq!(
        photo_code(thumbnail(&junk, 240).unwrap_err()),
        "photo_unreadable"
    );
    assert_eq!(
        photo_code(decode_qr(&junk).unwrap_err()),
        "photo_unreadable"
    );
    // Too large is refused before anything is decoded.
    let huge = vec![0xFFu8; PHOTO_INPUT_BYTES_MAX + 1];
    assert_eq!(
        photo_code(prepare_photo(&huge).unwrap_err()),
        "photo_too_large"
    );
}

#[test]
fn png_and_webp_are_read_and_small_photos_are_not_enlarged() {
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(800, 600, |x, y| {
        Rgb([(x / 4) as u8, (y / 3) as u8, 128])
    }));
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .write_image(
            img.to_rgb8().as_raw(),
            800,
            600,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    for bytes in [png, webp] {
        let p = prepare_photo(&bytes).unwrap();
        assert_eq!((p.width, p.height), (800, 600));
        assert_eq!(&p.jpeg[..2], &[0xFF, 0xD8], "a JPEG");
        let back = image::load_from_memory(&p.jpeg).unwrap().to_rgb8();
        let px = back.get_pixel(400, 300).0;
        assert!(px[0].abs_diff(100) < 8 && px[1].abs_diff(100) < 8, "{px:?}");
    }
}

#[test]
fn a_photo_too_noisy_to_fit_stops_at_the_smallest_size() {
    // Pure noise does not compress: every try is over the target.
    // Random saturated colours in 4-pixel cells: noise coarse enough to survive the
    // shrinking filters.
    let cell = |x: u32, y: u32| {
        let mut h = u64::from(x / 4) << 32 | u64::from(y / 4);
        h = h.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 29;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 32;
        h
    };
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(2000, 1500, |x, y| {
        let h = cell(x, y);
        let on = |bit: u32| if h >> bit & 1 == 1 { 255 } else { 0 };
        Rgb([on(0), on(1), on(2)])
    }));
    let raw = jpeg_with_orientation(&img, 95, None);
    let p = prepare_photo(&raw).unwrap();
    assert_eq!((p.width, p.height), (PREPARED_EDGE_MIN, 768));
    assert!(p.jpeg.len() > PREPARED_BYTES_MAX);
}

#[test]
fn thumbnails_have_the_long_edge_asked_for() {
    let raw = camera_receipt();
    let t = thumbnail(&raw, 240).unwrap();
    let img = image::load_from_memory(&t).unwrap();
    assert_eq!(img.dimensions(), (180, 240), "upright too");
    let t = thumbnail(&raw, 600).unwrap();
    assert_eq!(
        image::load_from_memory(&t).unwrap().dimensions(),
        (450, 600)
    );
    for edge in [0, 100_000] {
        match thumbnail(&raw, edge) {
            Err(Error::Invalid(v)) => assert_eq!(v.0[0].field, "edge"),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn an_enrollment_qr_is_read_back() {
    let payload = EnrollmentPayload {
        code: "K7QW9TXM3P".into(),
        server: Some("https://sync.example.org/cosabi".into()),
    };
    let text = payload.render();
    // As the server's `clinic code --qr` draws it.
    let qr = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let img = qr.render::<Luma<u8>>().min_dimensions(400, 400).build();
    let mut png = Vec::new();
    DynamicImage::ImageLuma8(img)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let read = decode_qr(&png).unwrap().unwrap();
    assert_eq!(EnrollmentPayload::parse(&read), Some(payload));
    // A photo of a screen showing it: small in a big, noisy picture.
    let mut photo = RgbImage::from_fn(3200, 2400, |x, y| {
        let v = (120 + noise(x, y) * 3) as u8;
        Rgb([v, v, v.saturating_add(10)])
    });
    let small = image::imageops::resize(
        &image::load_from_memory(&png).unwrap().to_rgb8(),
        300,
        300,
        image::imageops::FilterType::Triangle,
    );
    image::imageops::overlay(&mut photo, &small, 1400, 900);
    let jpeg = jpeg_with_orientation(&DynamicImage::ImageRgb8(photo), 85, None);
    assert_eq!(decode_qr(&jpeg).unwrap(), Some(text));
    // No code: none.
    let blank = jpeg_with_orientation(
        &DynamicImage::ImageRgb8(RgbImage::from_pixel(640, 480, Rgb([250, 250, 250]))),
        85,
        None,
    );
    assert_eq!(decode_qr(&blank).unwrap(), None);
}

fn replica_with_purchase(dir: &tempfile::TempDir) -> (Replica, uuid::Uuid) {
    let mut r = Replica::open(&dir.path().join("cosabi.sqlite3")).unwrap();
    r.load_demo().unwrap();
    let p = r
        .record_purchase(&cosabi_core::ledger::NewPurchase {
            date: "02/05/2025".into(),
            concept: "Pintura vinílica 19 L".into(),
            quantity: "3".into(),
            unit_cost: "1,250.50".into(),
            supplier: "Tlapalería La Esperanza".into(),
            rfc: "TES0102039A1".into(),
            category: "infraestructura".into(),
            action_id: None,
            paid_from: "tarjeta".into(),
            fiscal_year: String::new(),
        })
        .unwrap();
    (r, p.id)
}

#[test]
fn attaching_a_photo_keeps_the_prepared_jpeg_and_a_cached_thumbnail() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, purchase) = replica_with_purchase(&dir);
    let raw = camera_receipt();
    let photo = r
        .attach_photo(
            PURCHASE.id,
            purchase,
            "receipt",
            &raw,
            "2025-05-02T10:31:00-06:00",
        )
        .unwrap();
    assert_eq!(
        r.photos(PURCHASE.id, purchase).unwrap(),
        vec![photo.clone()]
    );
    assert_eq!(photo.mime, "image/jpeg");
    let kept = r.photo_bytes(&photo.sha256).unwrap().unwrap();
    assert_eq!(kept.len() as i64, photo.size_bytes);
    // A receipt: kept as a document page, grey, its QR code still read (this one's
    // dense marks need a quality over DOCUMENT_BYTES_MAX to keep the code).
    assert!(kept.len() <= PREPARED_BYTES_MAX, "{} bytes", kept.len());
    assert_eq!(kept, prepare_receipt_photo(&raw).unwrap().jpeg);
    assert_eq!(
        image::load_from_memory(&kept).unwrap().color(),
        image::ColorType::L8,
        "a grey page"
    );
    assert_eq!(decode_qr(&kept).unwrap().as_deref(), Some(CFDI_URL));
    assert_eq!(cosabi_replica::blob_name(&kept), photo.sha256);
    assert_eq!(r.blobs_to_upload().unwrap(), vec![photo.sha256.clone()]);
    // The thumbnail is made once and kept next to the photos.
    let cached = r
        .blob_dir()
        .unwrap()
        .join(THUMB_DIR_NAME)
        .join(format!("{}.jpg", photo.sha256));
    assert!(!cached.exists());
    let t = r.photo_thumbnail(&photo.sha256).unwrap().unwrap();
    let img = image::load_from_memory(&t).unwrap();
    assert_eq!(img.height(), THUMBNAIL_EDGE);
    assert_eq!(std::fs::read(&cached).unwrap(), t);
    // A second call reads the cache (a marker written over it comes back).
    std::fs::write(&cached, b"cached").unwrap();
    assert_eq!(
        r.photo_thumbnail(&photo.sha256).unwrap().unwrap(),
        b"cached"
    );
    // Not on this device: none; not a photo name: refused.
    let elsewhere = "ab".repeat(32);
    assert_eq!(r.photo_thumbnail(&elsewhere).unwrap(), None);
    assert_eq!(r.photo_bytes(&elsewhere).unwrap(), None);
    assert!(matches!(
        r.photo_thumbnail("../cosabi.sqlite3"),
        Err(Error::Invalid(_))
    ));
    // The thumbnails directory is not taken for a photo.
    assert_eq!(r.blobs_to_upload().unwrap(), vec![photo.sha256.clone()]);
}

#[test]
fn a_refused_photo_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (mut r, purchase) = replica_with_purchase(&dir);
    let before = r.local_change_count();
    let raw = jpeg_with_orientation(
        &DynamicImage::ImageRgb8(RgbImage::from_pixel(640, 480, Rgb([250, 250, 250]))),
        85,
        None,
    );
    // A receipt photo cannot document an action; an unknown purchase is not found.
    let wrong_kind = r.attach_photo(ACTION.id, purchase, "receipt", &raw, "");
    assert!(matches!(wrong_kind, Err(Error::Invalid(_))));
    let unknown = r.attach_photo(PURCHASE.id, uuid::Uuid::now_v7(), "receipt", &raw, "");
    match unknown {
        Err(Error::Invalid(v)) => assert_eq!(v.0[0].code, "not_found"),
        other => panic!("unexpected {other:?}"),
    }
    let bad_time = r.attach_photo(PURCHASE.id, purchase, "receipt", &raw, "ayer");
    assert!(matches!(bad_time, Err(Error::Invalid(_))));
    let unreadable = r.attach_photo(PURCHASE.id, purchase, "receipt", b"not a photo", "");
    assert_eq!(photo_code(unreadable.unwrap_err()), "photo_unreadable");
    assert_eq!(r.local_change_count(), before, "no record written");
    assert!(r.photos(PURCHASE.id, purchase).unwrap().is_empty());
    let kept = std::fs::read_dir(r.blob_dir().unwrap())
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(kept, 0, "no photo file kept");
    // A replica in memory has nowhere to keep photos.
    let mem = Replica::open_in_memory().unwrap();
    assert!(matches!(
        mem.photo_thumbnail(&"ab".repeat(32)),
        Err(Error::NoBlobStore)
    ));
}

/// Receipts 0 to 2 of the generated set: a ticket, a ticket photographed sideways
/// (EXIF orientation 6) and a letter-size invoice — the bench measures all 20.
const RECEIPTS_CHECKED: [u32; 3] = [0, 1, 2];

#[test]
fn receipt_photos_are_kept_as_small_straight_pages_whose_qr_still_reads() {
    for n in RECEIPTS_CHECKED {
        let r = photographed_receipt(n);
        let page = prepare_document(&r.jpeg)
            .unwrap()
            .unwrap_or_else(|| panic!("{}: no page found", r.name));
        assert!(
            page.jpeg.len() <= DOCUMENT_BYTES_MAX,
            "{}: {} bytes, over the goal",
            r.name,
            page.jpeg.len()
        );
        // Upright and straight: portrait like the paper, no larger than the maximum.
        assert!(
            page.height > page.width,
            "{}: {}x{}",
            r.name,
            page.width,
            page.height
        );
        assert!(page.height <= DOCUMENT_EDGE_MAX, "{}", r.name);
        let img = image::load_from_memory(&page.jpeg).unwrap();
        assert_eq!(img.dimensions(), (page.width, page.height));
        assert_eq!(img.color(), image::ColorType::L8, "{}: grey", r.name);
        // Evenly lit: the paper in all four corners of the page is white, shadow or not.
        let (w, h) = (page.width, page.height);
        for (x, y) in [
            (w / 20, h / 40),
            (w - w / 20, h / 40),
            (w / 20, h - h / 40),
            (w - w / 20, h - h / 40),
        ] {
            let v = img.to_luma8().get_pixel(x.min(w - 1), y.min(h - 1)).0[0];
            assert!(v > 225, "{}: paper at ({x}, {y}) is {v}", r.name);
        }
        assert_eq!(
            decode_qr(&page.jpeg).unwrap().as_deref(),
            Some(r.qr_text.as_str()),
            "{}: the CFDI's QR code is lost",
            r.name
        );
        // What the app keeps for a receipt is that page.
        assert_eq!(prepare_receipt_photo(&r.jpeg).unwrap(), page, "{}", r.name);
    }
}

#[test]
fn tesseract_reads_the_total_from_a_stored_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let r = photographed_receipt(RECEIPTS_CHECKED[2]);
    let stored = prepare_receipt_photo(&r.jpeg).unwrap();
    for layout in [Layout::Automatic, Layout::SingleColumn] {
        assert_eq!(
            ocr_total(&stored.jpeg, dir.path(), "stored.jpg", layout),
            Some(r.total_centavos),
            "{}: tesseract ({layout:?}) did not read TOTAL ${}",
            r.name,
            receipts::money(r.total_centavos)
        );
    }
}

#[test]
fn a_receipt_photo_without_a_page_is_kept_as_a_photo() {
    // A round plate of food on a dark table: light, but no four-sided page.
    let (w, h) = (2000u32, 1500u32);
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - 1000.0, y as f32 - 750.0);
        let n = (x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77)) % 9;
        let v = |base: u32| (base + n) as u8;
        if dx.hypot(dy) < 600.0 {
            Rgb([v(235), v(230), v(220)])
        } else {
            Rgb([v(70), v(55), v(45)])
        }
    }));
    let raw = jpeg_with_orientation(&img, 90, None);
    assert_eq!(prepare_document(&raw).unwrap(), None, "a plate is no page");
    let kept = prepare_receipt_photo(&raw).unwrap();
    assert_eq!(kept, prepare_photo(&raw).unwrap(), "kept as any photo is");
    assert_eq!((kept.width, kept.height), (PREPARED_EDGE_MAX, 1200));
    // And attached to a purchase it is there, not refused.
    let dir = tempfile::tempdir().unwrap();
    let (mut r, purchase) = replica_with_purchase(&dir);
    let photo = r
        .attach_photo(PURCHASE.id, purchase, "receipt", &raw, "")
        .unwrap();
    assert_eq!(photo.size_bytes, kept.jpeg.len() as i64);
    assert_eq!(r.photo_bytes(&photo.sha256).unwrap().unwrap(), kept.jpeg);
}

#[test]
fn the_total_is_read_only_from_the_total_line() {
    use receipts::total_in_ocr_text;
    let text = "SUBTOTAL $1,064.27\nIVA 16% $170.29\nTOTAL $1,234.56\n";
    assert_eq!(total_in_ocr_text(text), Some(123_456));
    assert_eq!(total_in_ocr_text("SUBTOTAL $1,064.27\nTOTAL\n"), None);
    assert_eq!(total_in_ocr_text("TOTAL $1,234.5\n"), None);
    assert_eq!(receipts::money(123_456), "1,234.56");
    assert_eq!(receipts::money(5), "0.05");
    assert_eq!(receipts::money(100_000_000), "1,000,000.00");
}
