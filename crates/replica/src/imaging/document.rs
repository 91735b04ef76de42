//! Document mode for receipt photos: the paper is found in the photo, straightened
//! to a flat page, evened out (no shadows, white paper) and kept in grey, so a
//! receipt weighs a fraction of a photo while its text stays legible and its CFDI QR
//! code still reads.
//!
//! Steps, all with `image` and `imageproc`:
//! 1. [`find_page`]: in a copy [`PAGE_SEARCH_EDGE`] px long, smoothed, paper and table
//!    are told apart by Otsu's threshold; the largest light region's convex hull,
//!    simplified (Douglas–Peucker), must be a quadrilateral covering at least
//!    [`PAGE_AREA_MIN_PERCENT`] of the photo and filling its hull.
//! 2. The quadrilateral is mapped onto an upright rectangle (a projective warp),
//!    long edge at most [`DOCUMENT_EDGE_MAX`], from a copy shrunk to about that scale
//!    first (bilinear sampling alone would alias when shrinking more than twofold).
//! 3. Lighting: the paper's own brightness is estimated at an eighth of the size (a
//!    grey dilation removes the print, a box filter smooths) and each pixel divided
//!    by it; then levels put the paper at pure white and the darkest print at black.
//!    Flat white paper costs a JPEG almost nothing; the print keeps its grey edges.
//! 4. A grey JPEG, the best quality of `DOCUMENT_QUALITIES` that fits
//!    [`DOCUMENT_BYTES_MAX`], made smaller only if none does.
//! 5. If the page had a QR code (read before compression) and that JPEG lost it,
//!    higher qualities (`QR_KEEPING_QUALITIES`), then larger sizes, until one keeps
//!    it, within what any photo may weigh.
//!
//! Not a binarised PNG (not measured here): the rest of the app (expediente file
//! names, PDFs, the UI's data URLs) expects JPEG photos, and grey keeps faint print
//! and stamps that a threshold would drop.
//!
//! When no page is found (a crumpled ticket, a page on a white tablecloth, anything
//! not four-sided), [`super::prepare_receipt_photo`] keeps the photo as any other.

use super::{decode_qr, decode_qr_in, encode_jpeg, fit_jpeg, shrink_to, PreparedPhoto};
use crate::error::Result;
use image::{DynamicImage, GenericImageView, GrayImage, Luma};
use imageproc::contours::{find_contours, BorderType};
use imageproc::contrast::{otsu_level, threshold, ThresholdType};
use imageproc::filter::box_filter;
use imageproc::geometric_transformations::{warp_into, Interpolation, Projection};
use imageproc::geometry::{approximate_polygon_dp, arc_length, contour_area, convex_hull};
use imageproc::morphology::{grayscale_dilate, Mask};
use imageproc::point::Point;

/// Long edge of the copy the page is looked for in: corners to within about half a
/// percent of the photo, in a few milliseconds.
pub const PAGE_SEARCH_EDGE: u32 = 800;
/// A page smaller than this share of the photo is not taken for the receipt.
pub const PAGE_AREA_MIN_PERCENT: u32 = 15;
/// The quadrilateral must cover this share of the light region's hull: a region
/// that is not four-sided (a torn or folded page) is not straightened.
const PAGE_HULL_FILL_PERCENT: u32 = 93;
/// How much brighter (of 255) the paper is just inside its sides than just outside.
const PAGE_EDGE_STEP_MIN: i32 = 24;
/// How far inside and outside a side its brightness is sampled, in pixels of the
/// search copy, and at how many points along it.
const PAGE_EDGE_OFFSET: f32 = 6.0;
const PAGE_EDGE_SAMPLES: u32 = 16;
/// Douglas–Peucker tolerances tried, in thousandths of the hull's perimeter.
const PAGE_SIMPLIFY_PERMILLE: [u32; 5] = [10, 20, 30, 40, 60];
/// The photo is first shrunk to this long edge: a page covering two thirds of the
/// photo still has [`DOCUMENT_EDGE_MAX`] px to give, and no step works on more.
pub const DOCUMENT_SOURCE_EDGE: u32 = 2400;
/// Longest edge of a stored document page.
pub const DOCUMENT_EDGE_MAX: u32 = 1600;
/// Long edges tried, largest first, once no quality fits at the size before.
const DOCUMENT_EDGES: [u32; 4] = [DOCUMENT_EDGE_MAX, 1400, 1200, 1024];
/// What a stored document page aims to weigh at most.
pub const DOCUMENT_BYTES_MAX: usize = 60 * 1024;
/// JPEG qualities tried for a page, lowest first (as for photos).
const DOCUMENT_QUALITIES: [u8; 5] = [30, 40, 50, 60, 70];
/// The page's edge is trimmed by this many thousandths of its long edge, so a sliver
/// of table along a slightly misplaced edge does not show as a dark border.
const PAGE_TRIM_PERMILLE: f32 = 6.0;
/// The paper's brightness is estimated at 1/`LIGHT_SCALE` of the page's size.
const LIGHT_SCALE: u32 = 8;
/// Radius of the grey dilation that removes print from the estimate, at that scale:
/// 40 px of the page, wider than any stroke and than the QR code's modules.
const LIGHT_PRINT_RADIUS: u8 = 5;
/// Darkest paper brightness divided by: shadows deeper than this are not lifted
/// (dividing by almost nothing would turn noise into print).
const LIGHT_FLOOR: u16 = 40;
/// After evening out, what is at least this bright (of 255) is paper: pure white.
const PAPER_WHITE: u8 = 200;
/// Qualities tried at each size, in order, when the JPEG that fits
/// [`DOCUMENT_BYTES_MAX`] lost the page's QR code: the code (a CFDI's folio, RFCs and
/// total) matters more than the size, so the first that keeps it is kept even over
/// that size (never over [`super::PREPARED_BYTES_MAX`]).
const QR_KEEPING_QUALITIES: [u8; 4] = [40, 50, 65, 80];
/// The share of pixels (in thousandths) that levels set to black at most: the print.
const PRINT_BLACK_PERMILLE: u32 = 20;

const _: () = assert!(DOCUMENT_EDGES[DOCUMENT_EDGES.len() - 1] >= PAGE_SEARCH_EDGE);
const _: () = assert!(DOCUMENT_SOURCE_EDGE >= DOCUMENT_EDGE_MAX);
const _: () = assert!(DOCUMENT_BYTES_MAX < super::PREPARED_BYTES_MAX);

/// A point with `f32` coordinates, `(x, y)`.
pub type Corner = (f32, f32);

/// The corners of the page in a grey photo — top left, top right, bottom right,
/// bottom left, in the photo's pixels — or `None` when no page stands out.
pub fn find_page(grey: &GrayImage) -> Option<[Corner; 4]> {
    let (w, h) = grey.dimensions();
    if w.min(h) < 16 {
        return None;
    }
    let small = shrink_to(DynamicImage::ImageLuma8(grey.clone()), PAGE_SEARCH_EDGE)
        .ok()?
        .into_luma8();
    let scale = w as f32 / small.width() as f32;
    let smooth = box_filter(&small, 2, 2);
    let light = threshold(&smooth, otsu_level(&smooth), ThresholdType::Binary);
    let quad = largest_quadrilateral(&light)?;
    if !has_edges(&smooth, &quad) {
        return None;
    }
    Some(quad.map(|(x, y)| (x * scale, y * scale)))
}

/// Whether the paper stands out along its sides: just inside each side it is at least
/// [`PAGE_EDGE_STEP_MIN`] brighter than just outside, on average. A smooth gradient
/// (a wall, a sky), which Otsu's threshold also splits, has no such step. Sides along
/// the photo's border (a page filling the frame) have no outside and are not checked.
fn has_edges(smooth: &GrayImage, quad: &[Corner; 4]) -> bool {
    let (w, h) = (smooth.width() as f32, smooth.height() as f32);
    let (cx, cy) = (
        quad.iter().map(|c| c.0).sum::<f32>() / 4.0,
        quad.iter().map(|c| c.1).sum::<f32>() / 4.0,
    );
    let at = |x: f32, y: f32| {
        ((0.0..w).contains(&x) && (0.0..h).contains(&y))
            .then(|| i32::from(smooth.get_pixel(x as u32, y as u32).0[0]))
    };
    (0..4).all(|side| {
        let (a, b) = (quad[side], quad[(side + 1) % 4]);
        let length = distance(a, b).max(1.0);
        // The unit normal, turned toward the page's centre.
        let (mut nx, mut ny) = ((a.1 - b.1) / length, (b.0 - a.0) / length);
        let (mx, my) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        if (cx - mx) * nx + (cy - my) * ny < 0.0 {
            (nx, ny) = (-nx, -ny);
        }
        let (mut step, mut samples) = (0, 0);
        for i in 1..PAGE_EDGE_SAMPLES {
            let t = i as f32 / PAGE_EDGE_SAMPLES as f32;
            let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            let d = PAGE_EDGE_OFFSET;
            if let (Some(inside), Some(outside)) =
                (at(x + nx * d, y + ny * d), at(x - nx * d, y - ny * d))
            {
                step += inside - outside;
                samples += 1;
            }
        }
        samples == 0 || step >= PAGE_EDGE_STEP_MIN * samples
    })
}

/// The largest light region's outline as a quadrilateral, corners in order.
fn largest_quadrilateral(light: &GrayImage) -> Option<[Corner; 4]> {
    let frame_area = f64::from(light.width()) * f64::from(light.height());
    let mut region = find_contours::<i32>(light)
        .into_iter()
        .filter(|c| c.border_type == BorderType::Outer && c.points.len() >= 4)
        .map(|c| convex_hull(c.points))
        .filter(|hull| hull.len() >= 4)
        .max_by(|a, b| contour_area(a).total_cmp(&contour_area(b)))?;
    let hull_area = contour_area(&region);
    if hull_area * 100.0 < frame_area * f64::from(PAGE_AREA_MIN_PERCENT) {
        return None;
    }
    // Simplified as two open curves between two true corners: the point farthest
    // from the centre and the point farthest from that one (a closed curve given to
    // Douglas–Peucker keeps its arbitrary first point, perhaps mid-edge).
    let n = region.len() as f64;
    let (cx, cy) = region.iter().fold((0.0, 0.0), |(x, y), p| {
        (x + f64::from(p.x) / n, y + f64::from(p.y) / n)
    });
    let far_from = |(fx, fy): (f64, f64)| {
        move |p: &Point<i32>| (f64::from(p.x) - fx).hypot(f64::from(p.y) - fy)
    };
    let farthest = |points: &[Point<i32>], from: (f64, f64)| {
        let d = far_from(from);
        (0..points.len()).max_by(|&a, &b| d(&points[a]).total_cmp(&d(&points[b])))
    };
    let first = farthest(&region, (cx, cy))?;
    region.rotate_left(first);
    let second = farthest(&region, (f64::from(region[0].x), f64::from(region[0].y)))?;
    let mut back: Vec<Point<i32>> = region[second..].to_vec();
    back.push(region[0]);
    let perimeter = arc_length(&region, true);
    let quad = PAGE_SIMPLIFY_PERMILLE.iter().find_map(|permille| {
        let epsilon = perimeter * f64::from(*permille) / 1000.0;
        let mut poly = approximate_polygon_dp(&region[..=second], epsilon, false);
        poly.pop();
        poly.extend(approximate_polygon_dp(&back, epsilon, false));
        poly.pop();
        (poly.len() == 4).then_some(poly)
    })?;
    if contour_area(&quad) * 100.0 < hull_area * f64::from(PAGE_HULL_FILL_PERCENT) {
        return None;
    }
    Some(in_reading_order(&quad))
}

/// Four corners ordered top left, top right, bottom right, bottom left: clockwise on
/// screen (y grows down) from the one nearest the photo's top left.
fn in_reading_order(quad: &[Point<i32>]) -> [Corner; 4] {
    let (cx, cy) = quad.iter().fold((0.0, 0.0), |(x, y), p| {
        (x + p.x as f32 / 4.0, y + p.y as f32 / 4.0)
    });
    let mut corners: Vec<Corner> = quad.iter().map(|p| (p.x as f32, p.y as f32)).collect();
    corners.sort_by(|a, b| {
        (a.1 - cy)
            .atan2(a.0 - cx)
            .total_cmp(&(b.1 - cy).atan2(b.0 - cx))
    });
    let first = (0..4)
        .min_by(|&a, &b| (corners[a].0 + corners[a].1).total_cmp(&(corners[b].0 + corners[b].1)))
        .expect("four corners");
    corners.rotate_left(first);
    [corners[0], corners[1], corners[2], corners[3]]
}

fn distance(a: Corner, b: Corner) -> f32 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// The page inside `corners` of `grey`, as an upright rectangle whose long edge is at
/// most `edge_max`.
fn straighten(grey: GrayImage, corners: [Corner; 4], edge_max: u32) -> Option<GrayImage> {
    let [tl, tr, br, bl] = corners;
    let page_w = distance(tl, tr).max(distance(bl, br));
    let page_h = distance(tl, bl).max(distance(tr, br));
    let scale = (edge_max as f32 / page_w.max(page_h)).min(1.0);
    let (out_w, out_h) = (
        (page_w * scale).round() as u32,
        (page_h * scale).round() as u32,
    );
    if out_w.min(out_h) < 16 {
        return None;
    }
    // Shrink the photo to about the page's scale first; sample it bilinearly after.
    let long = grey.width().max(grey.height());
    let source_edge = ((long as f32 * scale).ceil() as u32).clamp(1, long);
    let source = shrink_to(DynamicImage::ImageLuma8(grey), source_edge)
        .ok()?
        .into_luma8();
    let source_scale = source.width().max(source.height()) as f32 / long as f32;
    let from = corners.map(|(x, y)| (x * source_scale, y * source_scale));
    let trim = PAGE_TRIM_PERMILLE / 1000.0 * out_w.max(out_h) as f32;
    let (w, h) = (out_w as f32, out_h as f32);
    let to = [
        (-trim, -trim),
        (w + trim, -trim),
        (w + trim, h + trim),
        (-trim, h + trim),
    ];
    let projection = Projection::from_control_points(from, to)?;
    let mut page = GrayImage::new(out_w, out_h);
    warp_into(
        &source,
        &projection,
        Interpolation::Bilinear,
        Luma([255]),
        &mut page,
    );
    Some(page)
}

/// The page evenly lit: each pixel divided by the paper's brightness around it, then
/// levels that make the paper pure white and the darkest print black.
fn even_out(page: &GrayImage) -> GrayImage {
    let (w, h) = page.dimensions();
    let small = DynamicImage::ImageLuma8(page.clone())
        .thumbnail_exact((w / LIGHT_SCALE).max(1), (h / LIGHT_SCALE).max(1))
        .into_luma8();
    let paper = grayscale_dilate(&small, &Mask::disk(LIGHT_PRINT_RADIUS));
    let paper = box_filter(&paper, 3, 3);
    let paper = DynamicImage::ImageLuma8(paper)
        .resize_exact(w, h, image::imageops::FilterType::Triangle)
        .into_luma8();
    let mut flat = GrayImage::new(w, h);
    let mut histogram = [0u32; 256];
    for ((out, p), l) in flat.pixels_mut().zip(page.pixels()).zip(paper.pixels()) {
        let v = (u16::from(p.0[0]) * 255 / u16::from(l.0[0]).max(LIGHT_FLOOR)).min(255) as u8;
        histogram[usize::from(v)] += 1;
        out.0[0] = v;
    }
    // The black point: the level below which PRINT_BLACK_PERMILLE of the pixels lie
    // (a page with little print keeps its black point low).
    let budget = u64::from(w) * u64::from(h) * u64::from(PRINT_BLACK_PERMILLE) / 1000;
    let mut seen = 0u64;
    let black = histogram
        .iter()
        .position(|n| {
            seen += u64::from(*n);
            seen > budget
        })
        .unwrap_or(0)
        .min(usize::from(PAPER_WHITE) - 64) as u16;
    let span = u16::from(PAPER_WHITE) - black;
    let levels: Vec<u8> = (0..=255u16)
        .map(|v| (v.saturating_sub(black) * 255 / span).min(255) as u8)
        .collect();
    for p in flat.pixels_mut() {
        p.0[0] = levels[usize::from(p.0[0])];
    }
    flat
}

/// The photo as a document page (see the module docs), `None` if no page is found.
/// `img` is upright already.
pub(super) fn prepare_document_from(img: &DynamicImage) -> Result<Option<PreparedPhoto>> {
    let grey = img.to_luma8();
    let Some(corners) = find_page(&grey) else {
        return Ok(None);
    };
    let Some(page) = straighten(grey, corners, DOCUMENT_EDGE_MAX) else {
        return Ok(None);
    };
    let page = DynamicImage::ImageLuma8(even_out(&page));
    // The page's QR code as read before compression, to check it survives.
    let qr = decode_qr_in(page.clone())?;
    let fitted = fit_jpeg(
        page.clone(),
        &DOCUMENT_EDGES,
        &DOCUMENT_QUALITIES,
        DOCUMENT_BYTES_MAX,
    )?;
    let Some(qr) = qr else {
        return Ok(Some(fitted));
    };
    if decode_qr(&fitted.jpeg)?.as_ref() == Some(&qr) {
        return Ok(Some(fitted));
    }
    // The smallest tries first: the fitted size at higher qualities, then larger
    // sizes (a code too small in pixels reads at no quality), never over what any
    // photo may weigh.
    let fitted_edge = fitted.width.max(fitted.height);
    for edge in DOCUMENT_EDGES.iter().rev().filter(|e| **e >= fitted_edge) {
        let sized = shrink_to(page.clone(), *edge)?;
        for quality in QR_KEEPING_QUALITIES {
            let jpeg = encode_jpeg(&sized, quality)?;
            if jpeg.len() > super::PREPARED_BYTES_MAX {
                break;
            }
            if decode_qr(&jpeg)?.as_ref() == Some(&qr) {
                tracing::debug!(edge, quality, bytes = jpeg.len(), "kept the QR code");
                let (width, height) = sized.dimensions();
                return Ok(Some(PreparedPhoto {
                    jpeg,
                    width,
                    height,
                }));
            }
        }
    }
    // Lost at every quality (a code too small to survive any JPEG): the page is still
    // the most legible record of the receipt.
    Ok(Some(fitted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_come_in_reading_order_whatever_the_outline_starts_with() {
        let p = |x, y| Point::new(x, y);
        // A page turned a little clockwise, listed from its bottom right.
        let quad = [p(90, 95), p(12, 88), p(5, 8), p(84, 2)];
        assert_eq!(
            in_reading_order(&quad),
            [(5.0, 8.0), (84.0, 2.0), (90.0, 95.0), (12.0, 88.0)]
        );
    }

    #[test]
    fn a_light_page_on_a_dark_table_is_found_and_a_blank_wall_is_not() {
        let mut photo = GrayImage::from_pixel(600, 800, Luma([60]));
        for y in 100..700 {
            for x in 150..450 {
                photo.put_pixel(x, y, Luma([230]));
            }
        }
        let corners = find_page(&photo).unwrap();
        let expected = [
            (150.0, 100.0),
            (449.0, 100.0),
            (449.0, 699.0),
            (150.0, 699.0),
        ];
        for (got, want) in corners.iter().zip(expected) {
            assert!(distance(*got, want) < 4.0, "{corners:?}");
        }
        assert_eq!(
            find_page(&GrayImage::from_pixel(600, 800, Luma([200]))),
            None
        );
    }
}
