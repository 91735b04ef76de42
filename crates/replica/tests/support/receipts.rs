//! Photographed receipts made in code, shared by the imaging tests and the replica
//! bench (`receipt_photo_kb`, BENCHMARKS.md): printed text in a real font (DejaVu Sans
//! Mono, from Debian's `fonts-dejavu-core`, which `scripts/setup.sh` installs) with a
//! total line such as `TOTAL $1,234.56` and a CFDI's verification QR code, on a ticket
//! or a letter-size invoice, laid on a darker table, turned and tilted as a hand holds a
//! phone, lit unevenly with a shadow across, with sensor noise, 3000×4000 px and JPEG at
//! q90 as a camera stores it — some sideways with an EXIF orientation tag.
//!
//! Everything follows from the receipt's number: the same number makes the same bytes.
#![allow(dead_code)]

use ab_glyph::FontRef;
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageEncoder, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use imageproc::drawing::draw_text_mut;
use imageproc::geometric_transformations::{warp_into, Interpolation, Projection};

/// The camera's frame, portrait.
pub const FRAME_W: u32 = 3000;
pub const FRAME_H: u32 = 4000;
/// Receipts in the generated set (BENCHMARKS.md asks for at least 20).
pub const RECEIPT_COUNT: u32 = 20;
const CAMERA_QUALITY: u8 = 90;
const FONT_REGULAR: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
const FONT_BOLD: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf";

/// One generated photo and what is printed on it.
#[derive(Debug, Clone)]
pub struct PhotographedReceipt {
    /// A short description for messages, e.g. `#3 ticket, sideways`.
    pub name: String,
    /// The photo as the camera stores it.
    pub jpeg: Vec<u8>,
    /// The printed total, in centavos.
    pub total_centavos: i64,
    /// What the QR code says (a CFDI verification address).
    pub qr_text: String,
}

/// splitmix64: a tiny deterministic generator, so every run draws the same receipts.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Uniform in `[lo, hi)`.
    fn between(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Pixel noise from a hash of the position, in `-amplitude..=amplitude`.
fn noise(x: u32, y: u32, salt: u32, amplitude: i32) -> i32 {
    let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77) ^ salt;
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    (h % (2 * amplitude as u32 + 1)) as i32 - amplitude
}

/// `1234.56` as printed: `1,234.56`.
pub fn money(centavos: i64) -> String {
    let pesos = (centavos / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in pesos.chars().enumerate() {
        if i > 0 && (pesos.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped}.{:02}", centavos % 100)
}

fn font(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        panic!("{path}: {e}; install Debian's fonts-dejavu-core (scripts/setup.sh does)")
    })
}

const STORES: [(&str, &str); 6] = [
    ("FERRETERIA LA ESPERANZA", "FES0102039A1"),
    ("FARMACIA SAN JUDAS", "FSJ990415KL2"),
    ("MATERIALES ZONGOLICA", "MZO190312AB1"),
    ("PAPELERIA EL ESTUDIANTE", "PES080722QW3"),
    ("ABARROTES DONA LUPE", "ADL150901MN4"),
    ("TLAPALERIA HIDALGO", "THI110630PR5"),
];
const ITEMS: [&str; 12] = [
    "CEMENTO GRIS 50 KG",
    "PINTURA VINILICA 19 L",
    "BROCHA 4 PULGADAS",
    "GASAS ESTERILES 10X10",
    "ALCOHOL 1 L",
    "CUADERNO PROFESIONAL",
    "FOCO LED 9 W",
    "CLORO 5 L",
    "JABON LIQUIDO 1 L",
    "CINTA ADHESIVA",
    "GUANTES DE LATEX",
    "ESCOBA DE MIJO",
];

/// What is printed: lines of text (bold or not) and the total.
struct Content {
    lines: Vec<(String, bool)>,
    total_centavos: i64,
    qr_text: String,
}

fn content(draw: &mut Draw, width_chars: usize) -> Content {
    let (store, rfc) = STORES[draw.below(STORES.len() as u64) as usize];
    let mut lines = vec![
        (store.to_owned(), true),
        (format!("RFC: {rfc}"), false),
        ("AV. HIDALGO 123, ZONGOLICA, VER.".to_owned(), false),
        (
            format!(
                "FECHA: {:02}/{:02}/2025 {:02}:{:02}",
                1 + draw.below(28),
                1 + draw.below(12),
                8 + draw.below(11),
                draw.below(60)
            ),
            false,
        ),
        ("-".repeat(width_chars), false),
    ];
    let row = |left: &str, right: &str| format!("{left:<w$}{right:>12}", w = width_chars - 12);
    let mut subtotal = 0i64;
    for _ in 0..3 + draw.below(5) {
        let item = ITEMS[draw.below(ITEMS.len() as u64) as usize];
        let quantity = 1 + draw.below(6) as i64;
        let unit = 1_500 + draw.below(60_000) as i64;
        subtotal += quantity * unit;
        lines.push((format!("{quantity} x {item}"), false));
        lines.push((
            row(&format!("   @ ${}", money(unit)), &money(quantity * unit)),
            false,
        ));
    }
    // IVA at 16 %, rounded to the centavo: integer arithmetic only.
    let iva = (subtotal * 16 + 50) / 100;
    let total = subtotal + iva;
    lines.push(("-".repeat(width_chars), false));
    lines.push((row("SUBTOTAL", &format!("${}", money(subtotal))), false));
    lines.push((row("IVA 16%", &format!("${}", money(iva))), false));
    lines.push((row("TOTAL", &format!("${}", money(total))), true));
    lines.push(("-".repeat(width_chars), false));
    let hex = |draw: &mut Draw, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b"0123456789ABCDEF"[draw.below(16) as usize]))
            .collect()
    };
    let id = format!(
        "{}-{}-4{}-8{}-{}",
        hex(draw, 8),
        hex(draw, 4),
        hex(draw, 3),
        hex(draw, 3),
        hex(draw, 12)
    );
    let qr_text = format!(
        "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx?id={id}\
         &re={rfc}&rr=COS250101AB1&tt={:010}.{:02}0000&fe={}",
        total / 100,
        total % 100,
        hex(draw, 8)
    );
    Content {
        lines,
        total_centavos: total,
        qr_text,
    }
}

/// The printed paper, flat and evenly lit, at about the resolution it has in the
/// photo: a narrow thermal ticket or a letter-size invoice.
fn paper(draw: &mut Draw, ticket: bool) -> (RgbImage, Content) {
    let regular = font(FONT_REGULAR);
    let bold = font(FONT_BOLD);
    let regular = FontRef::try_from_slice(&regular).expect("DejaVu Sans Mono is a font");
    let bold = FontRef::try_from_slice(&bold).expect("DejaVu Sans Mono Bold is a font");
    // Ticket: 80 mm paper, 42 columns. Invoice: 21.6 cm wide, 10-point type.
    let (width, width_chars, scale, line_h, module_px) = if ticket {
        (1150u32, 42usize, 43.0f32, 56u32, 8u32)
    } else {
        (2000, 56, 40.0, 54, 7)
    };
    let c = content(draw, width_chars);
    let code = qrcode::QrCode::new(c.qr_text.as_bytes())
        .unwrap()
        .render::<Luma<u8>>()
        .quiet_zone(false)
        .module_dimensions(module_px, module_px)
        .build();
    let top = 110;
    let text_h = top + line_h * c.lines.len() as u32;
    let height = if ticket {
        text_h + 60 + code.height() + 180
    } else {
        // Letter paper; the QR and the seals at the bottom.
        width * 279 / 216
    };
    let tint = [246 - draw.below(8) as u8, 244 - draw.below(8) as u8, 236];
    let mut img = RgbImage::from_pixel(width, height, Rgb(tint));
    let ink = Rgb([34, 32, 40]);
    let left = (width - (width_chars as f32 * scale * 0.602) as u32) / 2;
    for (i, (line, is_bold)) in c.lines.iter().enumerate() {
        let y = (top + line_h * i as u32) as i32;
        let f = if *is_bold { &bold } else { &regular };
        draw_text_mut(&mut img, ink, left as i32, y, scale, f, line);
    }
    let (qx, qy) = if ticket {
        ((width - code.width()) / 2, text_h + 60)
    } else {
        (left, height - 150 - code.height())
    };
    assert!(qy + code.height() < height, "the QR fits on the paper");
    for (x, y, p) in code.enumerate_pixels() {
        if p.0[0] < 128 {
            img.put_pixel(qx + x, qy + y, ink);
        }
    }
    if !ticket {
        // The invoice's digital seals beside the code: long lines of small print.
        let seal_x = (qx + code.width() + 60) as i32;
        for i in 0..12u32 {
            let text: String = (0..52)
                .map(|_| {
                    char::from(
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                            [draw.below(64) as usize],
                    )
                })
                .collect();
            let y = (qy + i * 34) as i32;
            draw_text_mut(&mut img, ink, seal_x, y, 24.0, &regular, &text);
        }
    }
    (img, c)
}

/// The paper's corners in the frame: centred near the middle, its long side a given
/// share of the frame's height, narrowed at the top or bottom (the phone tilted) and
/// turned by a few degrees.
fn placement(draw: &mut Draw, paper_w: u32, paper_h: u32) -> [(f32, f32); 4] {
    let share = draw.between(0.72, 0.86);
    let mut hh = FRAME_H as f32 * share / 2.0;
    let mut hw = hh * paper_w as f32 / paper_h as f32;
    if hw > FRAME_W as f32 * 0.42 {
        hh *= FRAME_W as f32 * 0.42 / hw;
        hw = FRAME_W as f32 * 0.42;
    }
    let cx = FRAME_W as f32 / 2.0 + draw.between(-90.0, 90.0);
    let cy = FRAME_H as f32 / 2.0 + draw.between(-120.0, 120.0);
    // Keystone: one edge shorter than the other, as when the phone leans back.
    let keystone = draw.between(-0.10, 0.10);
    let (top, bottom) = (1.0 - keystone.max(0.0), 1.0 + keystone.min(0.0));
    let angle = draw.between(-9.0, 9.0).to_radians();
    let (sin, cos) = angle.sin_cos();
    [
        (-hw * top, -hh),
        (hw * top, -hh),
        (hw * bottom, hh),
        (-hw * bottom, hh),
    ]
    .map(|(x, y)| (cx + x * cos - y * sin, cy + x * sin + y * cos))
}

/// A TIFF block with one entry, Orientation, as EXIF carries it (little-endian).
pub fn exif_orientation(value: u16) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"II*\0");
    t.extend_from_slice(&8u32.to_le_bytes()); // first IFD right after the header
    t.extend_from_slice(&1u16.to_le_bytes()); // one entry
    t.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    t.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    t.extend_from_slice(&1u32.to_le_bytes()); // one value
    t.extend_from_slice(&value.to_le_bytes());
    t.extend_from_slice(&[0, 0]); // padding of the 4-byte value field
    t.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    t
}

/// A JPEG as a camera writes it, with an EXIF orientation tag if given.
pub fn jpeg_with_orientation(img: &DynamicImage, quality: u8, orientation: Option<u16>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
    if let Some(o) = orientation {
        enc.set_exif_metadata(exif_orientation(o)).unwrap();
    }
    let rgb = img.to_rgb8();
    enc.write_image(
        rgb.as_raw(),
        rgb.width(),
        rgb.height(),
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    out
}

/// Receipt number `n` of the generated set, photographed.
pub fn photographed_receipt(n: u32) -> PhotographedReceipt {
    let mut draw = Draw(0x00C0_5AB1 ^ u64::from(n) << 32);
    // Mostly tickets, as a committee's purchases are; every third an invoice.
    let ticket = n % 3 != 2;
    let (paper, c) = paper(&mut draw, ticket);
    let corners = placement(&mut draw, paper.width(), paper.height());
    let (pw, ph) = (paper.width() as f32, paper.height() as f32);
    let projection =
        Projection::from_control_points([(0.0, 0.0), (pw, 0.0), (pw, ph), (0.0, ph)], corners)
            .expect("the paper's corners make a projection");
    let paper = DynamicImage::ImageRgb8(paper).into_rgba8();
    let mut layer = RgbaImage::new(FRAME_W, FRAME_H);
    warp_into(
        &paper,
        &projection,
        Interpolation::Bilinear,
        Rgba([0, 0, 0, 0]),
        &mut layer,
    );
    // The table: brown, with a grain along x. The light: brightest near a point
    // off one corner, falling off across the frame, and a soft shadow (the hand
    // holding the phone) over one side.
    let table = [
        [96.0f32, 74.0, 56.0],
        [70.0, 72.0, 80.0],
        [120.0, 96.0, 70.0],
    ][draw.below(3) as usize];
    let (lx, ly) = (
        draw.between(-0.3, 1.3) * FRAME_W as f32,
        draw.between(-0.3, 0.4) * FRAME_H as f32,
    );
    let falloff = draw.between(0.25, 0.45);
    let diagonal = (FRAME_W as f32).hypot(FRAME_H as f32);
    let shadow_angle = draw.between(0.0, std::f32::consts::TAU);
    let (sx, sy) = (shadow_angle.cos(), shadow_angle.sin());
    let shadow_at = draw.between(0.15, 0.45) * diagonal;
    let shadow_depth = draw.between(0.12, 0.3);
    let salt = n.wrapping_mul(0x51ED_270B);
    let frame = RgbImage::from_fn(FRAME_W, FRAME_H, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let paper = layer.get_pixel(x, y).0;
        let alpha = f32::from(paper[3]) / 255.0;
        let grain = (fy * 0.021 + (fx * 0.003).sin() * 3.0).sin() * 9.0;
        let light = 1.04 - falloff * (fx - lx).hypot(fy - ly) / diagonal;
        // Distance past the shadow's edge along its direction, softened over 200 px.
        let past = (fx * sx + fy * sy) - shadow_at;
        let shade = 1.0 - shadow_depth * (past / 200.0 + 0.5).clamp(0.0, 1.0);
        let grain_noise = noise(x, y, salt, 6) as f32;
        let c = |i: usize| {
            let surface = alpha * f32::from(paper[i]) + (1.0 - alpha) * (table[i] + grain);
            (surface * light * shade + grain_noise).clamp(0.0, 255.0) as u8
        };
        Rgb([c(0), c(1), c(2)])
    });
    // Every third photo as a phone held upright stores it: the sensor's landscape
    // frame with EXIF orientation 6 ("turn right to view").
    let sideways = n % 3 == 1;
    let jpeg = if sideways {
        let stored = image::imageops::rotate270(&frame);
        jpeg_with_orientation(&DynamicImage::ImageRgb8(stored), CAMERA_QUALITY, Some(6))
    } else {
        jpeg_with_orientation(&DynamicImage::ImageRgb8(frame), CAMERA_QUALITY, None)
    };
    PhotographedReceipt {
        name: format!(
            "#{n} {}{}",
            if ticket { "ticket" } else { "invoice" },
            if sideways { ", sideways" } else { "" }
        ),
        jpeg,
        total_centavos: c.total_centavos,
        qr_text: c.qr_text,
    }
}

/// The total tesseract read from a receipt's text: the amount on the first line that
/// starts with `TOTAL` (not `SUBTOTAL`), in centavos; `None` if there is no such line
/// or its amount does not read as pesos with two decimals.
pub fn total_in_ocr_text(text: &str) -> Option<i64> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("TOTAL")?;
        let amount: String = rest
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
            .collect();
        let (pesos, cents) = amount.rsplit_once('.')?;
        let pesos: String = pesos.chars().filter(char::is_ascii_digit).collect();
        if cents.len() != 2 || pesos.is_empty() || !cents.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(pesos.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?)
    })
}

/// How tesseract is asked to lay out the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Its default (`--psm 3`, automatic page segmentation): the plain
    /// `tesseract in.jpg stdout -l spa`.
    Automatic,
    /// `--psm 4`, "a single column of text of variable sizes": what a receipt is.
    /// The automatic layout takes a receipt's QR code for a picture and drops the
    /// column of amounts beside it with it, wherever the photo comes from.
    SingleColumn,
}

/// Runs Debian's tesseract (`tesseract-ocr` with `tesseract-ocr-spa`) on a photo and
/// returns the total it read. Panics with what to install if tesseract is missing:
/// `scripts/setup.sh` installs it, so its absence is a broken machine, not a skip.
pub fn ocr_total(photo: &[u8], dir: &std::path::Path, name: &str, layout: Layout) -> Option<i64> {
    let path = dir.join(name);
    std::fs::write(&path, photo).unwrap();
    let mut tesseract = std::process::Command::new("tesseract");
    tesseract.arg(&path).arg("stdout").args(["-l", "spa"]);
    if layout == Layout::SingleColumn {
        tesseract.args(["--psm", "4"]);
    }
    let out = tesseract
        // One thread per process: the callers run several at once.
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!("tesseract: {e}; install tesseract-ocr and tesseract-ocr-spa (scripts/setup.sh)")
        });
    assert!(
        out.status.success(),
        "tesseract failed on {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(&path).unwrap();
    total_in_ocr_text(&String::from_utf8_lossy(&out.stdout))
}
