//! Photos prepared on the device before they are kept: turned upright, scaled down
//! and re-encoded as a JPEG small enough to cross a 2G link, plus thumbnails for
//! lists and QR codes read from photos (a CFDI's, an enrollment code's).
//!
//! A 12-megapixel receipt photo straight from a phone camera is 3 to 6 MB; prepared
//! it is at most [`PREPARED_BYTES_MAX`] (150 KiB) with its long edge between 1024
//! and 1600 px, which keeps printed text legible.
//!
//! Measured on the test's 12-megapixel receipt (a 2.9 MB JPEG at q92, a page dense
//! with text and sensor noise, turned by EXIF): 0.8 s on one core of the
//! development machine with the image crates optimised (about 20 s unoptimised),
//! giving 960×1280 px and 142 KiB; its QR code still reads. Decoding is about a
//! tenth of that, each JPEG encoding of a 1600-px image about a sixth.
//!
//! Receipt photos are kept as documents ([`prepare_receipt_photo`], module
//! [`document`]): the paper found, straightened, evenly lit and stored as a grey JPEG
//! of at most [`DOCUMENT_BYTES_MAX`] (60 KiB); a photo in which no page is found is
//! prepared as above. On the 20 generated photographed receipts of the bench
//! (`receipt_photo_kb`) the median is 58.0 KiB, every QR code still reads and
//! tesseract reads every total (as a single column) where it read none from the
//! originals.

use crate::blobs::BLOB_DIR_NAME;
use crate::error::{Error, Result};
use crate::files::FileStore;
use crate::Replica;
use cosabi_core::photo::{validate_sha256, NewPhoto, Photo};
use cosabi_core::ValidationError;
use image::metadata::Orientation;
use image::{DynamicImage, GenericImageView, ImageDecoder, ImageReader, Limits};
use std::io::Cursor;

pub mod document;
pub use document::{find_page, DOCUMENT_BYTES_MAX, DOCUMENT_EDGE_MAX};

/// Largest file accepted from the camera or the gallery.
pub const PHOTO_INPUT_BYTES_MAX: usize = 30 * 1024 * 1024;
/// Largest decoded image accepted (a 200-megapixel camera's photo is 600 MB).
pub const PHOTO_DECODED_BYTES_MAX: u64 = 512 * 1024 * 1024;
/// Longest edge of a prepared photo.
pub const PREPARED_EDGE_MAX: u32 = 1600;
/// A prepared photo is never scaled below this long edge to meet the size target.
pub const PREPARED_EDGE_MIN: u32 = 1024;
/// What a prepared photo aims to weigh at most.
pub const PREPARED_BYTES_MAX: usize = 150 * 1024;
/// JPEG qualities tried at each size, lowest first: the lowest alone tells whether
/// the size can fit at all, then the best that fits is searched.
const QUALITIES: [u8; 5] = [45, 55, 65, 75, 85];
/// Long edges tried, largest first, once no quality fits at the size before.
const EDGES: [u32; 3] = [PREPARED_EDGE_MAX, 1280, PREPARED_EDGE_MIN];
/// Long edge of the thumbnails [`Replica::photo_thumbnail`] keeps.
pub const THUMBNAIL_EDGE: u32 = 240;
/// Largest thumbnail [`thumbnail`] makes.
pub const THUMBNAIL_EDGE_MAX: u32 = PREPARED_EDGE_MAX;
const THUMBNAIL_QUALITY: u8 = 80;
/// Directory inside the blob directory for cached thumbnails.
pub const THUMB_DIR_NAME: &str = "thumbs";
/// Long edges at which [`decode_qr`] looks for a code, after the photo's own size:
/// a code too blurred at full size is often found smaller, and the reverse.
const QR_EDGES: [u32; 4] = [1600, 1000, 640, 400];

/// A photo ready to keep: a JPEG and its size in pixels.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PreparedPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

fn photo_error(code: &str) -> Error {
    ValidationError::new("photo", code).into()
}

fn image_error(e: image::ImageError) -> Error {
    match e {
        image::ImageError::Limits(_) => photo_error("photo_too_large"),
        _ => photo_error("photo_unreadable"),
    }
}

/// Decodes a JPEG, PNG or WebP into 8-bit RGB or grey, with the EXIF orientation
/// it should be shown in (applied by the caller, after shrinking, where it is cheap).
fn decode(bytes: &[u8]) -> Result<(DynamicImage, Orientation)> {
    if bytes.len() > PHOTO_INPUT_BYTES_MAX {
        return Err(ValidationError::new("photo", "photo_too_large")
            .with("max_bytes", PHOTO_INPUT_BYTES_MAX.to_string())
            .into());
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| photo_error("photo_unreadable"))?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(PHOTO_DECODED_BYTES_MAX);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(image_error)?;
    // A photo whose EXIF cannot be read is shown as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let img = DynamicImage::from_decoder(decoder).map_err(image_error)?;
    // JPEG has no alpha and no 16 bits: RGB or grey from here on.
    let img = match img {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageLuma8(_) => img,
        other if other.color().has_color() => DynamicImage::ImageRgb8(other.into_rgb8()),
        other => DynamicImage::ImageLuma8(other.into_luma8()),
    };
    Ok((img, orientation))
}

/// `(width, height)` scaled so the long edge is `edge`, keeping the aspect ratio.
fn fit(width: u32, height: u32, edge: u32) -> (u32, u32) {
    let long = u64::from(width.max(height).max(1));
    let scale = |side: u32| ((u64::from(side) * u64::from(edge) + long / 2) / long).max(1) as u32;
    (scale(width), scale(height))
}

/// The image with its long edge at most `edge`.
///
/// The `image` crate's own filters, not `fast_image_resize`: that crate's resizer is
/// generic, so it is compiled with the caller's optimisation level, which makes
/// unoptimised builds (and so the tests) take seconds per photo.
fn shrink_to(img: DynamicImage, edge: u32) -> Result<DynamicImage> {
    let (w, h) = img.dimensions();
    if w.max(h) <= edge {
        return Ok(img);
    }
    let (nw, nh) = fit(w, h, edge);
    // Area averaging when shrinking by 2 or more: fast, every source pixel counts,
    // so thin pen strokes survive. Closer to 1 it aliases; a triangle filter then.
    Ok(if w.max(h) >= 2 * edge {
        img.thumbnail_exact(nw, nh)
    } else {
        img.resize_exact(nw, nh, image::imageops::FilterType::Triangle)
    })
}

/// Baseline JPEG with 4:2:2 chroma and Huffman tables fitted to the image:
/// `jpeg-encoder` is about twice as fast as the `image` crate's encoder, and on the
/// receipt test photo its files are 15 to 25 % smaller at the same quality. Not 4:2:0
/// with fitted tables: zune-jpeg 0.5, which decodes photos here, reads their colours
/// wrong (other decoders read them right).
fn encode_jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>> {
    let (w, h) = img.dimensions();
    let too_big = || Error::Corrupt(format!("{w}x{h} is too big for a JPEG"));
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| too_big())?,
        u16::try_from(h).map_err(|_| too_big())?,
    );
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_2);
    enc.set_optimized_huffman_tables(true);
    let encoded = match img {
        DynamicImage::ImageLuma8(g) => {
            enc.encode(g.as_raw(), w16, h16, jpeg_encoder::ColorType::Luma)
        }
        DynamicImage::ImageRgb8(c) => {
            enc.encode(c.as_raw(), w16, h16, jpeg_encoder::ColorType::Rgb)
        }
        other => enc.encode(
            other.to_rgb8().as_raw(),
            w16,
            h16,
            jpeg_encoder::ColorType::Rgb,
        ),
    };
    encoded.map_err(|e| Error::Corrupt(format!("jpeg encoding: {e}")))?;
    Ok(out)
}

/// The best of `qualities` (lowest first) whose JPEG fits `bytes_max` (`Ok`), else
/// the lowest quality's JPEG (`Err`): the lowest first (when it does not fit, no
/// other will), then a binary search upward, so at most four encodings for five.
fn best_fitting_jpeg(
    img: &DynamicImage,
    qualities: &[u8],
    bytes_max: usize,
) -> Result<Result<Vec<u8>, Vec<u8>>> {
    debug_assert!(qualities.windows(2).all(|q| q[0] < q[1]));
    let lowest = encode_jpeg(img, qualities[0])?;
    if lowest.len() > bytes_max {
        return Ok(Err(lowest));
    }
    // qualities[fits] fits; qualities[too_big] does not (or is past the end).
    let (mut fits, mut too_big) = (0, qualities.len());
    let mut best = lowest;
    while too_big - fits > 1 {
        let mid = (fits + too_big) / 2;
        let jpeg = encode_jpeg(img, qualities[mid])?;
        if jpeg.len() <= bytes_max {
            (fits, best) = (mid, jpeg);
        } else {
            too_big = mid;
        }
    }
    Ok(Ok(best))
}

/// An upright image as a JPEG of at most `bytes_max`: at each of `edges` (long
/// edges, largest first) the best of `qualities` that fits; the next, smaller edge
/// only when none does. An image so noisy that even the smallest try is larger is
/// kept as that try.
fn fit_jpeg(
    mut img: DynamicImage,
    edges: &[u32],
    qualities: &[u8],
    bytes_max: usize,
) -> Result<PreparedPhoto> {
    debug_assert!(edges.windows(2).all(|e| e[0] > e[1]));
    let mut smallest = None;
    for edge in edges {
        // Each size is made from the one before it, the cheapest source.
        img = shrink_to(img, *edge)?;
        let (width, height) = img.dimensions();
        let (Ok(jpeg) | Err(jpeg)) = match best_fitting_jpeg(&img, qualities, bytes_max)? {
            Ok(jpeg) => {
                return Ok(PreparedPhoto {
                    jpeg,
                    width,
                    height,
                })
            }
            tried => tried,
        };
        smallest = Some(PreparedPhoto {
            jpeg,
            width,
            height,
        });
        if width.max(height) <= edges[edges.len() - 1] {
            break;
        }
    }
    Ok(smallest.expect("at least one size is tried"))
}

/// Prepares a photo to keep: upright, long edge at most [`PREPARED_EDGE_MAX`], a
/// JPEG of at most [`PREPARED_BYTES_MAX`] — lowering the quality first, then the
/// size, never below [`PREPARED_EDGE_MIN`]. A photo so noisy that even the smallest
/// try is larger is kept as that try. Refuses input over [`PHOTO_INPUT_BYTES_MAX`]
/// (`photo_too_large`) and what does not decode as JPEG, PNG or WebP
/// (`photo_unreadable`).
pub fn prepare_photo(bytes: &[u8]) -> Result<PreparedPhoto> {
    let (img, orientation) = decode(bytes)?;
    let mut img = shrink_to(img, EDGES[0])?;
    img.apply_orientation(orientation);
    fit_jpeg(img, &EDGES, &QUALITIES, PREPARED_BYTES_MAX)
}

/// Prepares a receipt photo to keep: as a document page when the paper is found
/// ([`prepare_document`]: straightened, evenly lit, grey, at most
/// [`DOCUMENT_BYTES_MAX`]), else as any photo ([`prepare_photo`]) — a receipt is
/// never lost for want of a page. Refuses what [`prepare_photo`] refuses.
pub fn prepare_receipt_photo(bytes: &[u8]) -> Result<PreparedPhoto> {
    let (img, orientation) = decode(bytes)?;
    let mut img = shrink_to(img, document::DOCUMENT_SOURCE_EDGE)?;
    img.apply_orientation(orientation);
    if let Some(page) = document::prepare_document_from(&img)? {
        return Ok(page);
    }
    let img = shrink_to(img, EDGES[0])?;
    fit_jpeg(img, &EDGES, &QUALITIES, PREPARED_BYTES_MAX)
}

/// A photo of a page as a document (see [`document`]), `None` when no page is
/// found in it. Refuses what [`prepare_photo`] refuses.
pub fn prepare_document(bytes: &[u8]) -> Result<Option<PreparedPhoto>> {
    let (img, orientation) = decode(bytes)?;
    let mut img = shrink_to(img, document::DOCUMENT_SOURCE_EDGE)?;
    img.apply_orientation(orientation);
    document::prepare_document_from(&img)
}

/// A JPEG thumbnail, upright, whose long edge is `edge` (a smaller image is not
/// enlarged).
pub fn thumbnail(bytes: &[u8], edge: u32) -> Result<Vec<u8>> {
    if !(1..=THUMBNAIL_EDGE_MAX).contains(&edge) {
        return Err(ValidationError::new("edge", "invalid")
            .with("max", THUMBNAIL_EDGE_MAX.to_string())
            .into());
    }
    let (img, orientation) = decode(bytes)?;
    let mut small = shrink_to(img, edge)?;
    small.apply_orientation(orientation);
    encode_jpeg(&small, THUMBNAIL_QUALITY)
}

/// The text of the first QR code found in a photo, `None` if there is none. Looks at
/// the photo in grey, at its own size and then smaller (a code is square, so the
/// photo's orientation does not matter).
pub fn decode_qr(bytes: &[u8]) -> Result<Option<String>> {
    let (img, _) = decode(bytes)?;
    decode_qr_in(DynamicImage::ImageLuma8(img.into_luma8()))
}

/// [`decode_qr`] on an image already decoded, in grey.
fn decode_qr_in(grey: DynamicImage) -> Result<Option<String>> {
    let long = grey.width().max(grey.height());
    let smaller = QR_EDGES.iter().copied().filter(|e| *e < long);
    for edge in std::iter::once(long).chain(smaller) {
        let scaled = shrink_to(grey.clone(), edge)?.into_luma8();
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            scaled.width() as usize,
            scaled.height() as usize,
            |x, y| scaled.get_pixel(x as u32, y as u32).0[0],
        );
        for grid in prepared.detect_grids() {
            if let Ok((_, text)) = grid.decode() {
                return Ok(Some(text));
            }
        }
    }
    Ok(None)
}

impl Replica {
    /// Attaches a photo taken or picked on the device to a record: prepares it
    /// ([`prepare_receipt_photo`] for a receipt, else [`prepare_photo`]), keeps the
    /// JPEG in the photo store and records it. One user action; `taken_at` is RFC 3339
    /// or empty.
    pub fn attach_photo(
        &mut self,
        owner_table: u16,
        owner: uuid::Uuid,
        kind: &str,
        raw: &[u8],
        taken_at: &str,
    ) -> Result<Photo> {
        let mut input = NewPhoto {
            owner_table,
            owner_id: owner,
            kind: kind.to_owned(),
            // Checked with placeholders first (and the owner looked up), so a wrong
            // kind or owner costs no image work and leaves no file behind.
            sha256: "0".repeat(64),
            size_bytes: 1,
            mime: "image/jpeg".into(),
            taken_at: taken_at.to_owned(),
        };
        let valid = input.validate()?;
        if let Some(table) = cosabi_core::schema::table(valid.owner_table) {
            crate::rows::require_row(&self.conn, table, owner, "owner_id")?;
        }
        // Receipts are documents: their page is kept, small and legible.
        let prepared = if valid.kind == cosabi_core::photo::PhotoKind::Receipt {
            prepare_receipt_photo(raw)?
        } else {
            prepare_photo(raw)?
        };
        input.sha256 = self.store_blob(&prepared.jpeg)?;
        input.size_bytes = prepared.jpeg.len() as i64;
        self.add_photo(&input)
    }

    /// The bytes of a photo kept on this device, `None` if they are not here (yet).
    pub fn photo_bytes(&self, sha: &str) -> Result<Option<Vec<u8>>> {
        self.blob(sha)
    }

    /// A [`THUMBNAIL_EDGE`]-pixel JPEG of a photo kept on this device, made once and
    /// cached next to the photos (`blobs/thumbs/<sha>.jpg`); `None` if the photo is
    /// not here (yet).
    pub fn photo_thumbnail(&self, sha: &str) -> Result<Option<Vec<u8>>> {
        let sha = validate_sha256(sha)?;
        let file = format!("{BLOB_DIR_NAME}/{THUMB_DIR_NAME}/{sha}.jpg");
        let name = format!("thumb.{sha}");
        let files = self.files()?;
        if let Some(bytes) = files.read(&file, crate::blobs::BLOB_FILE_BYTES_MAX)? {
            return Ok(Some(crate::blobs::open_bytes(
                self.blob_key.as_ref(),
                &name,
                bytes,
            )?));
        }
        let Some(bytes) = self.blob(&sha)? else {
            return Ok(None);
        };
        let thumb = thumbnail(&bytes, THUMBNAIL_EDGE)?;
        let kept = match &self.blob_key {
            Some(key) => crate::blobs::seal_bytes(key, &name, &thumb)?,
            None => thumb.clone(),
        };
        // A cache: written whole (a reader never sees half a thumbnail), but losing
        // it to a power cut costs a redo, so it does not wait for the disk.
        files.write_cache(&file, &kept)?;
        Ok(Some(thumb))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_aspect_ratio() {
        assert_eq!(fit(4000, 3000, 1600), (1600, 1200));
        assert_eq!(fit(3000, 4000, 240), (180, 240));
        assert_eq!(fit(10_000, 10, 100), (100, 1));
        assert_eq!(fit(1, 1, 240), (240, 240));
    }
}
