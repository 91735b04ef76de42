//! Lays a [`Document`] out on Letter pages and writes it as a PDF with lopdf.
//!
//! The layout is a simple top-to-bottom flow: text is measured with the embedded
//! DejaVu Sans widths and wrapped greedily by words; a block that does not fit on
//! the page goes on to the next one (tables repeat their header row, paragraphs flow
//! line by line). Every page gets "Página n de m" once the page count is known.
//! Fonts are embedded (subset) from `assets/fonts`, so the output does not depend on
//! the fonts of the machine and its text can be selected and extracted.

use crate::model::{
    Align, Block, Document, Orientation, Picture, PictureEntry, SealMark, Signature, Table,
};
use crate::texts::{fill, t};
use crate::{Error, Result};
use lopdf::{dictionary, Dictionary, Object, ObjectId, Stream, StringFormat};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::OnceLock;

// `static`, not `const`: a const's bytes are copied into each place that uses it
// (twice each in the web build's wasm, 1.5 MB more for phones to download).
// DejaVu Sans cut down to the Latin a committee writes in, with its accents,
// modifiers and symbols (scripts/subset-fonts.sh; the full fonts are in
// assets/fonts/source): a fifth of the size, which the web build downloads.
static REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// Letter paper, in points (8.5 × 11 in).
const LETTER_SHORT_PT: f32 = 612.0;
const LETTER_LONG_PT: f32 = 792.0;
const MARGIN_SIDE_PT: f32 = 48.0;
const MARGIN_TOP_PT: f32 = 48.0;
const MARGIN_BOTTOM_PT: f32 = 54.0;
const FOOTER_BASELINE_PT: f32 = 28.0;

const TITLE_SIZE_PT: f32 = 15.0;
const HEADING_SIZE_PT: f32 = 11.5;
const BODY_SIZE_PT: f32 = 9.5;
const BODY_LEADING_PT: f32 = 12.5;
/// Tables are read by auditors and signed on: no smaller than 9 pt.
const TABLE_SIZE_PT: f32 = 9.0;
const TABLE_LEADING_PT: f32 = 11.0;
const TABLE_SIZE_MIN_PT: f32 = 9.0;
const _: () = assert!(TABLE_SIZE_PT >= TABLE_SIZE_MIN_PT && BODY_SIZE_PT >= TABLE_SIZE_MIN_PT);
const _: () = assert!(TABLE_LEADING_PT > TABLE_SIZE_PT);
const CELL_PAD_PT: f32 = 3.0;
const FOOTER_SIZE_PT: f32 = 7.5;
const FOOTER_LEADING_PT: f32 = 9.5;
/// The verification box's QR code, quiet zone included: 1.5 inches.
const QR_BOX_PT: f32 = 108.0;
const CODE_SIZE_PT: f32 = 15.0;
/// Room a heading keeps for what follows it, so it never ends a page alone.
const HEADING_KEEP_PT: f32 = 100.0;
const THUMB_BOX_PT: f32 = 84.0;
const THUMB_GAP_PT: f32 = 6.0;
const SIGNATURES_PER_ROW: usize = 3;
const SIGNATURE_ROOM_PT: f32 = 42.0;
/// Share of a line of text's size from its top to its baseline (DejaVu's ascent).
const ASCENT: f32 = 0.8;

/// One embedded face: its glyphs and their advance widths, read from the font.
struct Font {
    face: ttf_parser::Face<'static>,
    bytes: &'static [u8],
    name: &'static str,
}

impl Font {
    /// The glyph drawing `c`, if the face has one.
    fn glyph(&self, c: char) -> Option<u16> {
        self.face.glyph_index(c).map(|g| g.0).filter(|g| *g != 0)
    }

    /// A glyph's advance width, in font units.
    fn advance(&self, glyph: u16) -> u16 {
        self.face
            .glyph_hor_advance(ttf_parser::GlyphId(glyph))
            .unwrap_or(0)
    }

    fn units_per_em(&self) -> u16 {
        self.face.units_per_em().max(1)
    }
}

struct Fonts {
    regular: Font,
    bold: Font,
}

/// The embedded fonts, parsed once per process.
fn fonts() -> Result<&'static Fonts> {
    static FONTS: OnceLock<std::result::Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let parse = |bytes: &'static [u8], name: &'static str| {
                ttf_parser::Face::parse(bytes, 0)
                    .map(|face| Font { face, bytes, name })
                    .map_err(|e| format!("the embedded font {name} does not parse: {e}"))
            };
            Ok(Fonts {
                regular: parse(REGULAR_TTF, "DejaVuSans")?,
                bold: parse(BOLD_TTF, "DejaVuSans-Bold")?,
            })
        })
        .as_ref()
        .map_err(|e| Error::Pdf(e.clone()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
}

/// `font` cut down to the glyphs of `chars` (and `.notdef`), as the bytes of a
/// TrueType font with its own cmap: a document embeds a few tens of KB of font.
fn subset(font: &Font, chars: &BTreeSet<char>) -> Result<Vec<u8>> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile};
    let mut glyphs: Vec<u16> = chars.iter().filter_map(|c| font.glyph(*c)).collect();
    // `.notdef` must come first and nothing may repeat.
    glyphs.push(0);
    glyphs.sort_unstable();
    glyphs.dedup();
    let data = ReadScope::new(font.bytes)
        .read::<FontData<'_>>()
        .map_err(|e| Error::Pdf(format!("reading the embedded font: {e}")))?;
    let provider = data
        .table_provider(0)
        .map_err(|e| Error::Pdf(format!("reading the embedded font: {e}")))?;
    allsorts::subset::subset(&provider, &glyphs, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| Error::Pdf(format!("subsetting the embedded font: {e}")))
}

impl Fonts {
    fn font(&self, face: Face) -> &Font {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }

    /// Width of `s` set in `face` at `size` points.
    fn width(&self, s: &str, face: Face, size: f32) -> f32 {
        let font = self.font(face);
        let fallback = font.glyph('?').map_or(0, |g| font.advance(g));
        let units: u32 = s
            .chars()
            .map(|c| u32::from(font.glyph(c).map_or(fallback, |g| font.advance(g))))
            .sum();
        units as f32 * size / f32::from(font.units_per_em())
    }

    /// `text` broken into lines no wider than `max_w`: by words, and inside a word
    /// (a long folio or URL) by characters. `\n` always breaks.
    fn wrap(&self, text: &str, face: Face, size: f32, max_w: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, face, size) <= max_w {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                if self.width(word, face, size) <= max_w {
                    line = word.to_owned();
                    continue;
                }
                // A word wider than the column: cut it where it fills a line.
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && self.width(&next, face, size) > max_w {
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    } else {
                        line = next;
                    }
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// The most operations a page's footer adds ([`Layout::footers`]).
const FOOTER_OPS_MAX: usize = 16;

/// What a page draws, in PDF's terms (points from the page's lower left corner),
/// written out as its content stream when the document is finished.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// `BT`: a text object starts.
    BeginText,
    /// `ET`.
    EndText,
    /// `Tf`: the face and size of the text that follows.
    Font { face: Face, size: f32 },
    /// `Tm` then `Tj`: `text` with its baseline starting at (`x`, `y`).
    Text { x: f32, y: f32, text: String },
    /// `g`: the fill's grey (0 black, 1 white).
    FillGrey(f32),
    /// `G`: the outline's grey.
    StrokeGrey(f32),
    /// `w`.
    LineWidth(f32),
    /// A horizontal line from `x1` to `x2` at `y`.
    Line { x1: f32, x2: f32, y: f32 },
    /// `re`, filled or outlined.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: bool,
    },
    /// The document's picture `index` drawn in the box (`x`, `y`, `w`, `h`).
    Image {
        index: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// The flow of content onto pages.
struct Layout<'a> {
    fonts: &'a Fonts,
    /// The document's title, for its metadata.
    title: String,
    /// The pictures, each an image XObject, drawn by index.
    xobjects: Vec<Stream>,
    /// The characters drawn in each face, to subset the fonts to.
    used_regular: BTreeSet<char>,
    used_bold: BTreeSet<char>,
    page_w: f32,
    page_h: f32,
    pages: Vec<Vec<Op>>,
    /// The page being drawn on: the last one, except while footers are added.
    current: usize,
    /// The text object open on the current page, and the face and size last set in
    /// it: consecutive pieces of text share one (`BT … ET`) and set the font only
    /// when it changes, so a page of table cells holds two operations per cell
    /// instead of five (a clinic-year's cuadernillo is hundreds of pages, all held
    /// until the document is written).
    text_open: Option<Option<(Face, u32)>>,
    /// Where the next content starts, in points from the bottom of the page.
    y: f32,
    /// Pictures already added to the document, by SHA-256.
    images: HashMap<String, Option<(usize, f32, f32)>>,
}

impl<'a> Layout<'a> {
    fn new(fonts: &'a Fonts, title: &str, orientation: Orientation) -> Layout<'a> {
        // The fonts are added when the document is finished, subset to what it uses.
        let (page_w, page_h) = match orientation {
            Orientation::Portrait => (LETTER_SHORT_PT, LETTER_LONG_PT),
            Orientation::Landscape => (LETTER_LONG_PT, LETTER_SHORT_PT),
        };
        let mut layout = Layout {
            fonts,
            title: title.to_owned(),
            xobjects: Vec::new(),
            used_regular: BTreeSet::new(),
            used_bold: BTreeSet::new(),
            page_w,
            page_h,
            pages: Vec::new(),
            current: 0,
            text_open: None,
            y: 0.0,
            images: HashMap::new(),
        };
        layout.new_page();
        layout
    }

    fn left(&self) -> f32 {
        MARGIN_SIDE_PT
    }
    fn content_w(&self) -> f32 {
        self.page_w - 2.0 * MARGIN_SIDE_PT
    }
    fn top(&self) -> f32 {
        self.page_h - MARGIN_TOP_PT
    }
    /// The most a page can hold.
    fn body_h(&self) -> f32 {
        self.top() - MARGIN_BOTTOM_PT
    }

    fn new_page(&mut self) {
        self.end_text();
        // A finished page keeps its operations until the document is saved: without
        // the room its vector grew into (a clinic-year's cuadernillo has hundreds).
        if let Some(done) = self.pages.last_mut() {
            done.shrink_to_fit();
        }
        self.pages.push(Vec::new());
        self.current = self.pages.len() - 1;
        self.y = self.top();
    }

    /// Draws on page `index` from now on (the footers go back to every page).
    fn switch_to(&mut self, index: usize) {
        self.end_text();
        self.current = index;
    }

    /// Closes the open text object, if any: graphics are drawn outside one.
    fn end_text(&mut self) {
        if self.text_open.take().is_some() {
            self.pages[self.current].push(Op::EndText);
        }
    }

    /// Starts a new page unless `h` points still fit on this one.
    fn ensure(&mut self, h: f32) {
        if self.y - h < MARGIN_BOTTOM_PT && self.y < self.top() {
            self.new_page();
        }
    }

    /// The current page's operations, for graphics (outside any text object).
    fn ops(&mut self) -> &mut Vec<Op> {
        self.end_text();
        &mut self.pages[self.current]
    }

    fn text(&mut self, x: f32, baseline: f32, face: Face, size: f32, s: &str) {
        if s.is_empty() {
            return;
        }
        let used = match face {
            Face::Regular => &mut self.used_regular,
            Face::Bold => &mut self.used_bold,
        };
        used.extend(s.chars());
        let ops = &mut self.pages[self.current];
        let set = self.text_open.get_or_insert_with(|| {
            ops.push(Op::BeginText);
            None
        });
        // Sizes are compared to a hundredth of a point.
        let want = (face, (size * 100.0).round() as u32);
        if *set != Some(want) {
            *set = Some(want);
            ops.push(Op::Font { face, size });
        }
        // `Tm` places each piece from the page's corner (`Td` would move from the
        // previous one).
        ops.push(Op::Text {
            x,
            y: baseline,
            text: s.to_owned(),
        });
    }

    /// Text placed in a box of width `w` starting at `x`.
    #[allow(clippy::too_many_arguments)]
    fn text_in(
        &mut self,
        x: f32,
        w: f32,
        align: Align,
        baseline: f32,
        face: Face,
        size: f32,
        s: &str,
    ) {
        let tw = self.fonts.width(s, face, size);
        let x = match align {
            Align::Left => x,
            Align::Right => x + w - tw,
            Align::Center => x + (w - tw) / 2.0,
        };
        self.text(x, baseline, face, size, s);
    }

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, shade: f32) {
        self.ops().extend([
            Op::FillGrey(shade),
            Op::Rect {
                x,
                y,
                w,
                h,
                fill: true,
            },
            Op::FillGrey(0.0),
        ]);
    }

    fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.stroke_rects(&[(x, y, w, h)]);
    }

    /// Outlines each `(x, y, w, h)`, setting the pen once for them all.
    fn stroke_rects(&mut self, rects: &[(f32, f32, f32, f32)]) {
        let ops = self.ops();
        ops.extend([Op::StrokeGrey(0.35), Op::LineWidth(0.5)]);
        ops.extend(rects.iter().map(|&(x, y, w, h)| Op::Rect {
            x,
            y,
            w,
            h,
            fill: false,
        }));
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness: f32) {
        self.ops().extend([
            Op::StrokeGrey(0.0),
            Op::LineWidth(thickness),
            Op::Line { x1, x2, y },
        ]);
    }

    /// Lines of text from the current position, flowing onto new pages.
    fn lines(&mut self, x: f32, lines: &[String], face: Face, size: f32, leading: f32) {
        for line in lines {
            self.ensure(leading);
            let baseline = self.y - size * ASCENT - (leading - size) / 2.0;
            self.text(x, baseline, face, size, line);
            self.y -= leading;
        }
    }

    fn title(&mut self, doc: &Document) {
        let w = self.content_w();
        let lines = self.fonts.wrap(&doc.title, Face::Bold, TITLE_SIZE_PT, w);
        let x = self.left();
        self.lines(x, &lines, Face::Bold, TITLE_SIZE_PT, TITLE_SIZE_PT * 1.3);
        for s in &doc.subtitle {
            let lines = self.fonts.wrap(s, Face::Regular, BODY_SIZE_PT, w);
            self.lines(x, &lines, Face::Regular, BODY_SIZE_PT, BODY_LEADING_PT);
        }
        self.y -= 4.0;
        self.hline(x, x + w, self.y, 1.0);
        self.y -= 8.0;
    }

    fn heading(&mut self, h: &str) {
        self.y -= 8.0;
        let lines = self
            .fonts
            .wrap(h, Face::Bold, HEADING_SIZE_PT, self.content_w());
        let h_pt = lines.len() as f32 * HEADING_SIZE_PT * 1.35;
        self.ensure(h_pt + HEADING_KEEP_PT);
        let x = self.left();
        self.lines(
            x,
            &lines,
            Face::Bold,
            HEADING_SIZE_PT,
            HEADING_SIZE_PT * 1.35,
        );
        self.y -= 2.0;
    }

    fn paragraph(&mut self, p: &str) {
        let lines = self
            .fonts
            .wrap(p, Face::Regular, BODY_SIZE_PT, self.content_w());
        let x = self.left();
        self.lines(x, &lines, Face::Regular, BODY_SIZE_PT, BODY_LEADING_PT);
        self.y -= 4.0;
    }

    fn fields(&mut self, fields: &[(String, String)]) {
        let widest = fields
            .iter()
            .map(|(l, _)| self.fonts.width(&format!("{l}:"), Face::Bold, BODY_SIZE_PT))
            .fold(0.0f32, f32::max);
        let label_w = (widest + 8.0).min(self.content_w() * 0.4);
        let value_x = self.left() + label_w;
        let value_w = self.content_w() - label_w;
        for (label, value) in fields {
            let labels = self.fonts.wrap(
                &format!("{label}:"),
                Face::Bold,
                BODY_SIZE_PT,
                label_w - 4.0,
            );
            let values = self.fonts.wrap(value, Face::Regular, BODY_SIZE_PT, value_w);
            let n = labels.len().max(values.len());
            self.ensure(n as f32 * BODY_LEADING_PT);
            let top = self.y;
            let x = self.left();
            self.lines(x, &labels, Face::Bold, BODY_SIZE_PT, BODY_LEADING_PT);
            let after_labels = self.y;
            self.y = top;
            self.lines(
                value_x,
                &values,
                Face::Regular,
                BODY_SIZE_PT,
                BODY_LEADING_PT,
            );
            self.y = self.y.min(after_labels);
        }
        self.y -= 4.0;
    }

    fn numbered(&mut self, items: &[String]) {
        let indent = 20.0;
        for (i, item) in items.iter().enumerate() {
            let lines =
                self.fonts
                    .wrap(item, Face::Regular, BODY_SIZE_PT, self.content_w() - indent);
            self.ensure(BODY_LEADING_PT);
            let baseline = self.y - BODY_SIZE_PT * ASCENT - (BODY_LEADING_PT - BODY_SIZE_PT) / 2.0;
            let x = self.left();
            self.text(
                x,
                baseline,
                Face::Regular,
                BODY_SIZE_PT,
                &format!("{}.", i + 1),
            );
            self.lines(
                x + indent,
                &lines,
                Face::Regular,
                BODY_SIZE_PT,
                BODY_LEADING_PT,
            );
        }
        self.y -= 4.0;
    }

    fn table(&mut self, table: &Table) {
        let total_weight: f32 = table
            .columns
            .iter()
            .map(|c| c.weight)
            .sum::<f32>()
            .max(0.001);
        let widths: Vec<f32> = table
            .columns
            .iter()
            .map(|c| c.weight / total_weight * self.content_w())
            .collect();
        let wrap_row = |fonts: &Fonts, cells: &[String], face: Face| -> Vec<Vec<String>> {
            widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let cell = cells.get(i).map(String::as_str).unwrap_or("");
                    fonts.wrap(cell, face, TABLE_SIZE_PT, w - 2.0 * CELL_PAD_PT)
                })
                .collect()
        };
        let row_h = |cells: &[Vec<String>]| {
            let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            n as f32 * TABLE_LEADING_PT + 2.0 * CELL_PAD_PT
        };
        let titles: Vec<String> = table.columns.iter().map(|c| c.title.clone()).collect();
        // A header is never cut inside a word ("Comp / r."): the columns' weights
        // must leave room for each header's longest word.
        debug_assert!(
            titles.iter().zip(&widths).all(|(title, w)| title
                .split_whitespace()
                .all(|word| self.fonts.width(word, Face::Bold, TABLE_SIZE_PT)
                    <= w - 2.0 * CELL_PAD_PT)),
            "a table header does not fit its column: {titles:?} in {widths:?}"
        );
        let header = wrap_row(self.fonts, &titles, Face::Bold);
        let header_h = row_h(&header);
        let header_aligns: Vec<Align> = table.columns.iter().map(|_| Align::Left).collect();
        let aligns: Vec<Align> = table.columns.iter().map(|c| c.align).collect();

        let first_h = table
            .rows
            .first()
            .map(|r| row_h(&wrap_row(self.fonts, r, Face::Regular)))
            .unwrap_or(0.0)
            .max(table.row_height_min_pt);
        self.ensure(header_h + first_h.min(self.body_h() / 2.0));
        self.table_row(&widths, &header, &header_aligns, header_h, Face::Bold, 0.88);
        let rows = table
            .rows
            .iter()
            .map(|r| (r, Face::Regular))
            .chain(table.footer.iter().map(|r| (r, Face::Bold)));
        for (row, face) in rows {
            let mut cells = wrap_row(self.fonts, row, face);
            let mut h = row_h(&cells).max(table.row_height_min_pt);
            // A row taller than a page is cut to what a page holds.
            let room = self.body_h() - header_h;
            if h > room {
                let keep = ((room - 2.0 * CELL_PAD_PT) / TABLE_LEADING_PT)
                    .floor()
                    .max(1.0) as usize;
                for c in &mut cells {
                    if c.len() > keep {
                        c.truncate(keep);
                        if let Some(last) = c.last_mut() {
                            last.push('…');
                        }
                    }
                }
                h = row_h(&cells).max(table.row_height_min_pt).min(room);
            }
            if self.y - h < MARGIN_BOTTOM_PT {
                self.new_page();
                self.table_row(&widths, &header, &header_aligns, header_h, Face::Bold, 0.88);
            }
            let shade = if face == Face::Bold { 0.94 } else { 1.0 };
            self.table_row(&widths, &cells, &aligns, h, face, shade);
        }
        self.y -= 6.0;
    }

    fn table_row(
        &mut self,
        widths: &[f32],
        cells: &[Vec<String>],
        aligns: &[Align],
        h: f32,
        face: Face,
        shade: f32,
    ) {
        let mut x = self.left();
        let top = self.y;
        if shade < 1.0 {
            let w = self.content_w();
            self.fill_rect(x, top - h, w, h, shade);
        }
        // The cells' outlines first, then their text in one text object: a page of
        // rows holds a few operations per cell.
        let rects: Vec<_> = widths
            .iter()
            .scan(x, |left, w| {
                let cell = (*left, top - h, *w, h);
                *left += w;
                Some(cell)
            })
            .collect();
        self.stroke_rects(&rects);
        for (i, w) in widths.iter().enumerate() {
            if let Some(lines) = cells.get(i) {
                for (k, line) in lines.iter().enumerate() {
                    let baseline = top
                        - CELL_PAD_PT
                        - TABLE_SIZE_PT * ASCENT
                        - (TABLE_LEADING_PT - TABLE_SIZE_PT) / 2.0
                        - k as f32 * TABLE_LEADING_PT;
                    let align = aligns.get(i).copied().unwrap_or(Align::Left);
                    self.text_in(
                        x + CELL_PAD_PT,
                        w - 2.0 * CELL_PAD_PT,
                        align,
                        baseline,
                        face,
                        TABLE_SIZE_PT,
                        line,
                    );
                }
            }
            x += w;
        }
        self.y = top - h;
    }

    fn signatures(&mut self, signatures: &[Signature]) {
        let gap = 24.0;
        let per_row = SIGNATURES_PER_ROW;
        let w = (self.content_w() - gap * (per_row as f32 - 1.0)) / per_row as f32;
        for row in signatures.chunks(per_row) {
            let name_lines = row
                .iter()
                .map(|s| {
                    let name = if s.name.is_empty() {
                        t::VACANT
                    } else {
                        s.name.as_str()
                    };
                    self.fonts.wrap(name, Face::Bold, BODY_SIZE_PT, w).len()
                        + self
                            .fonts
                            .wrap(&s.role, Face::Regular, BODY_SIZE_PT, w)
                            .len()
                })
                .max()
                .unwrap_or(2);
            // A caption ("Elaboró") sits above the room to sign.
            let caption_h = if row.iter().any(|s| !s.caption.is_empty()) {
                BODY_LEADING_PT
            } else {
                0.0
            };
            let h = caption_h + SIGNATURE_ROOM_PT + name_lines as f32 * BODY_LEADING_PT + 8.0;
            self.ensure(h);
            let top = self.y;
            let line_y = top - caption_h - SIGNATURE_ROOM_PT;
            let mut bottom = line_y;
            for (i, s) in row.iter().enumerate() {
                let x = self.left() + i as f32 * (w + gap);
                if !s.caption.is_empty() {
                    let baseline = top - BODY_SIZE_PT * ASCENT;
                    self.text_in(
                        x,
                        w,
                        Align::Center,
                        baseline,
                        Face::Bold,
                        BODY_SIZE_PT,
                        &s.caption,
                    );
                }
                self.hline(x, x + w, line_y, 0.7);
                let name = if s.name.is_empty() {
                    t::VACANT
                } else {
                    s.name.as_str()
                };
                let mut lines: Vec<(Face, String)> = self
                    .fonts
                    .wrap(name, Face::Bold, BODY_SIZE_PT, w)
                    .into_iter()
                    .map(|l| (Face::Bold, l))
                    .collect();
                lines.extend(
                    self.fonts
                        .wrap(&s.role, Face::Regular, BODY_SIZE_PT, w)
                        .into_iter()
                        .map(|l| (Face::Regular, l)),
                );
                let mut baseline = line_y - 4.0 - BODY_SIZE_PT * ASCENT;
                for (face, line) in lines {
                    self.text_in(x, w, Align::Center, baseline, face, BODY_SIZE_PT, &line);
                    baseline -= BODY_LEADING_PT;
                }
                bottom = bottom.min(baseline);
            }
            self.y = bottom - 4.0;
        }
    }

    /// A picture's XObject and pixel size, added to the document once per SHA-256;
    /// `None` if its bytes do not decode.
    fn image(&mut self, sha256: &str, bytes: &[u8]) -> Option<(usize, f32, f32)> {
        if let Some(known) = self.images.get(sha256) {
            return *known;
        }
        let added = match jpeg_frame(bytes) {
            // As it is: a cuadernillo of a clinic-year holds hundreds of thumbnails,
            // each would be about 13 times the JPEG's bytes decoded.
            Some(frame) => {
                self.xobjects.push(jpeg_xobject(bytes, frame));
                Some((
                    self.xobjects.len() - 1,
                    frame.width as f32,
                    frame.height as f32,
                ))
            }
            None => pixels_xobject(bytes).map(|(xobject, w, h)| {
                self.xobjects.push(xobject);
                (self.xobjects.len() - 1, w, h)
            }),
        };
        self.images.insert(sha256.to_owned(), added);
        added
    }

    fn pictures(&mut self, entries: &[PictureEntry]) {
        let caption_w = self.content_w() * 0.42;
        let pics_x = self.left() + caption_w + 10.0;
        let pics_w = self.content_w() - caption_w - 10.0;
        let per_row = ((pics_w + THUMB_GAP_PT) / (THUMB_BOX_PT + THUMB_GAP_PT))
            .floor()
            .max(1.0) as usize;
        for entry in entries {
            let mut caption: Vec<(Face, String)> = Vec::new();
            for (i, c) in entry.caption.iter().enumerate() {
                let face = if i == 0 { Face::Bold } else { Face::Regular };
                caption.extend(
                    self.fonts
                        .wrap(c, face, TABLE_SIZE_PT + 0.5, caption_w)
                        .into_iter()
                        .map(|l| (face, l)),
                );
            }
            let caption_h = caption.len() as f32 * TABLE_LEADING_PT;
            let pic_rows = entry.pictures.len().div_ceil(per_row);
            let pics_h = if pic_rows == 0 {
                TABLE_LEADING_PT
            } else {
                pic_rows as f32 * (THUMB_BOX_PT + THUMB_GAP_PT)
            };
            let h = (caption_h.max(pics_h) + 8.0).min(self.body_h());
            self.ensure(h);
            let top = self.y - 4.0;
            let mut baseline = top - TABLE_SIZE_PT * ASCENT;
            let x = self.left();
            for (face, line) in &caption {
                self.text(x, baseline, *face, TABLE_SIZE_PT + 0.5, line);
                baseline -= TABLE_LEADING_PT;
            }
            if entry.pictures.is_empty() {
                let note_baseline = top - TABLE_SIZE_PT * ASCENT;
                self.text(
                    pics_x,
                    note_baseline,
                    Face::Regular,
                    TABLE_SIZE_PT,
                    &entry.empty_note,
                );
            }
            for (i, picture) in entry.pictures.iter().enumerate() {
                let (row, col) = (i / per_row, i % per_row);
                let bx = pics_x + col as f32 * (THUMB_BOX_PT + THUMB_GAP_PT);
                let by = top - row as f32 * (THUMB_BOX_PT + THUMB_GAP_PT) - THUMB_BOX_PT;
                let placed = match picture {
                    Picture::Jpeg { sha256, bytes } => self.image(sha256, bytes),
                    Picture::Missing { .. } | Picture::InExpediente { .. } => None,
                };
                match placed {
                    Some((index, pw, ph)) => {
                        // Fit inside the box, keeping the aspect ratio.
                        let scale = (THUMB_BOX_PT / pw).min(THUMB_BOX_PT / ph);
                        let (w, h) = (pw * scale, ph * scale);
                        self.ops().push(Op::Image {
                            index,
                            x: bx + (THUMB_BOX_PT - w) / 2.0,
                            y: by + (THUMB_BOX_PT - h) / 2.0,
                            w,
                            h,
                        });
                    }
                    None => {
                        self.stroke_rect(bx, by, THUMB_BOX_PT, THUMB_BOX_PT);
                        let note = match picture {
                            Picture::InExpediente { .. } => t::PHOTO_IN_EXPEDIENTE,
                            _ => t::PHOTO_NOT_HERE,
                        };
                        let lines = self.fonts.wrap(
                            note,
                            Face::Regular,
                            TABLE_SIZE_PT - 1.0,
                            THUMB_BOX_PT - 8.0,
                        );
                        let mut b = by + THUMB_BOX_PT / 2.0 + lines.len() as f32 * 4.0;
                        for line in lines {
                            self.text_in(
                                bx + 4.0,
                                THUMB_BOX_PT - 8.0,
                                Align::Center,
                                b,
                                Face::Regular,
                                TABLE_SIZE_PT - 1.0,
                                &line,
                            );
                            b -= TABLE_LEADING_PT - 1.0;
                        }
                    }
                }
            }
            self.y -= h;
            let w = self.content_w();
            self.hline(x, x + w, self.y + 2.0, 0.3);
        }
    }

    /// "Página n de m" and the running title on every page, and under them, for a
    /// sealed document, when and with what it was generated and its verification code.
    fn footers(&mut self, running_title: &str, mark: Option<&SealMark>) {
        let m = self.pages.len();
        let (x, w) = (self.left(), self.content_w());
        let top_line = if mark.is_some() {
            FOOTER_BASELINE_PT + FOOTER_LEADING_PT
        } else {
            FOOTER_BASELINE_PT
        };
        for n in 1..=m {
            let page = fill(t::PAGE_OF, &[("n", &n.to_string()), ("m", &m.to_string())]);
            self.switch_to(n - 1);
            // Exactly the room the footer takes: growing a finished page's operations
            // the usual way would double every page's memory at the end.
            self.pages[n - 1].reserve_exact(FOOTER_OPS_MAX);
            self.hline(x, x + w, top_line + 11.0, 0.3);
            self.text(x, top_line, Face::Regular, FOOTER_SIZE_PT, running_title);
            self.text_in(
                x,
                w,
                Align::Right,
                top_line,
                Face::Regular,
                FOOTER_SIZE_PT,
                &page,
            );
            if let Some(mark) = mark {
                self.text(
                    x,
                    FOOTER_BASELINE_PT,
                    Face::Regular,
                    FOOTER_SIZE_PT,
                    &mark.footer_line,
                );
            }
        }
    }

    /// The verification box at the end of a sealed document: the QR code and, beside
    /// it, the code in large type and how to check it.
    fn seal_box(&mut self, mark: &SealMark) {
        let Ok(qr) = qrcode::QrCode::with_error_correction_level(
            mark.qr_payload.as_bytes(),
            qrcode::EcLevel::M,
        ) else {
            return;
        };
        let modules = qr.width();
        let colors = qr.to_colors();
        // Four modules of quiet zone around the code, as scanners expect.
        let module = QR_BOX_PT / (modules + 8) as f32;
        let text_w = self.content_w() - QR_BOX_PT - 12.0;
        let mut lines: Vec<(String, Face, f32)> = Vec::new();
        for l in self
            .fonts
            .wrap(&mark.heading, Face::Bold, HEADING_SIZE_PT, text_w)
        {
            lines.push((l, Face::Bold, HEADING_SIZE_PT));
        }
        for l in self
            .fonts
            .wrap(&mark.code, Face::Bold, CODE_SIZE_PT, text_w)
        {
            lines.push((l, Face::Bold, CODE_SIZE_PT));
        }
        for p in &mark.lines {
            for l in self.fonts.wrap(p, Face::Regular, BODY_SIZE_PT, text_w) {
                lines.push((l, Face::Regular, BODY_SIZE_PT));
            }
        }
        let text_h: f32 = lines.iter().map(|(_, _, size)| size * 1.35).sum();
        let h = QR_BOX_PT.max(text_h);
        self.y -= 10.0;
        self.ensure(h);
        let top = self.y;
        let (x0, y0) = (self.left(), top - QR_BOX_PT);
        for row in 0..modules {
            let mut col = 0;
            while col < modules {
                if colors[row * modules + col] != qrcode::Color::Dark {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < modules && colors[row * modules + col] == qrcode::Color::Dark {
                    col += 1;
                }
                self.fill_rect(
                    x0 + (start + 4) as f32 * module,
                    y0 + (modules + 3 - row) as f32 * module,
                    (col - start) as f32 * module,
                    module,
                    0.0,
                );
            }
        }
        let tx = x0 + QR_BOX_PT + 12.0;
        let mut baseline = top;
        for (l, face, size) in &lines {
            baseline -= size * 1.35;
            self.text(tx, baseline + size * 0.3, *face, *size, l);
        }
        self.y = top - h;
    }

    fn finish(mut self, running_title: &str, mark: Option<&SealMark>) -> Result<Vec<u8>> {
        self.footers(running_title, mark);
        self.end_text();
        let mut pdf = lopdf::Document::with_version("1.7");
        let mut fonts = Dictionary::new();
        let mut embedded = [None, None];
        for (face, used) in [
            (Face::Regular, &self.used_regular),
            (Face::Bold, &self.used_bold),
        ] {
            if !used.is_empty() {
                let (id, glyphs) = embed_font(&mut pdf, self.fonts.font(face), used)?;
                fonts.set(face.resource(), id);
                embedded[face as usize] = Some(glyphs);
            }
        }
        let mut xobjects = Dictionary::new();
        for (index, xobject) in std::mem::take(&mut self.xobjects).into_iter().enumerate() {
            xobjects.set(format!("Im{index}"), pdf.add_object(xobject));
        }
        let resources = pdf.add_object(dictionary! {
            "Font" => fonts,
            "XObject" => xobjects,
        });
        let pages_id = pdf.new_object_id();
        let mut kids = Vec::with_capacity(self.pages.len());
        for ops in std::mem::take(&mut self.pages) {
            let mut content = Stream::new(Dictionary::new(), content_stream(&ops, &embedded));
            // Left plain if deflating would not make it smaller.
            let _ = content.compress();
            let content = pdf.add_object(content);
            kids.push(Object::Reference(pdf.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "MediaBox" => vec![0.into(), 0.into(), self.page_w.into(), self.page_h.into()],
                "Contents" => content,
                "Resources" => resources,
            })));
        }
        let count = kids.len() as i64;
        pdf.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => kids,
                "Count" => count,
            }),
        );
        let catalog = pdf.add_object(dictionary! {
            "Type" => "Catalog",
            "Pages" => pages_id,
        });
        pdf.trailer.set("Root", catalog);
        let mut info = dictionary! { "Title" => text_string(&self.title) };
        if let Some(mark) = mark {
            let when = chrono::DateTime::from_timestamp(mark.generated_unix, 0)
                .ok_or_else(|| Error::Pdf(format!("no such time: {}", mark.generated_unix)))?
                .format("D:%Y%m%d%H%M%S+00'00'")
                .to_string();
            info.set("CreationDate", Object::string_literal(when.clone()));
            info.set("ModDate", Object::string_literal(when));
            // The seal's code, in plain bytes: `seal::code_in_file` finds it there.
            info.set("Keywords", Object::string_literal(mark.code.clone()));
            info.set("Subject", Object::string_literal(mark.code.clone()));
            info.set("Creator", text_string(&mark.creator));
            info.set("Producer", text_string(&mark.creator));
        }
        let info = pdf.add_object(info);
        pdf.trailer.set("Info", info);
        let mut out = Vec::new();
        pdf.save_to(&mut out)
            .map_err(|e| Error::Pdf(format!("writing the PDF: {e}")))?;
        Ok(out)
    }
}

impl Face {
    /// The page resource naming the face's font.
    fn resource(self) -> &'static str {
        match self {
            Face::Regular => "F0",
            Face::Bold => "F1",
        }
    }
}

/// A PDF text string: ASCII as it is, anything else in UTF-16BE with its mark.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        return Object::string_literal(s);
    }
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// How an embedded face writes text: each character's glyph in the subset font.
struct Glyphs {
    of: BTreeMap<char, u16>,
    /// For a character the font lacks: `?`, else `.notdef`.
    fallback: u16,
}

/// Embeds `font` cut down to `used` as a Type 0 font (Identity-H, so text is glyph
/// numbers, with a ToUnicode map so it can be searched and copied); returns the
/// font's object and how to write text in it.
fn embed_font(
    pdf: &mut lopdf::Document,
    font: &Font,
    used: &BTreeSet<char>,
) -> Result<(ObjectId, Glyphs)> {
    let small = subset(font, used)?;
    let sub = ttf_parser::Face::parse(&small, 0)
        .map_err(|e| Error::Pdf(format!("the subset of {} does not parse: {e}", font.name)))?;
    let of: BTreeMap<char, u16> = used
        .iter()
        .filter_map(|c| sub.glyph_index(*c).map(|g| (*c, g.0)))
        .filter(|(_, g)| *g != 0)
        .collect();
    let fallback = sub.glyph_index('?').map_or(0, |g| g.0);
    let upem = f32::from(sub.units_per_em().max(1));
    let scaled = |v: f32| Object::Integer((v * 1000.0 / upem).round() as i64);
    let widths: Vec<Object> = (0..sub.number_of_glyphs())
        .map(|g| {
            scaled(f32::from(
                sub.glyph_hor_advance(ttf_parser::GlyphId(g)).unwrap_or(0),
            ))
        })
        .collect();
    // A subset font's name starts with a tag of six capitals, from what it holds.
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(used.iter().collect::<String>().as_bytes());
    let tag: String = digest[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let name = format!("{tag}+{}", font.name);
    let bbox = sub.global_bounding_box();
    let mut descriptor = dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => Object::Name(name.clone().into_bytes()),
        "Flags" => 32,
        "FontBBox" => vec![
            scaled(f32::from(bbox.x_min)),
            scaled(f32::from(bbox.y_min)),
            scaled(f32::from(bbox.x_max)),
            scaled(f32::from(bbox.y_max)),
        ],
        "ItalicAngle" => 0,
        "Ascent" => scaled(f32::from(sub.ascender())),
        "Descent" => scaled(f32::from(sub.descender())),
        "CapHeight" => scaled(f32::from(sub.capital_height().unwrap_or(sub.ascender()))),
        "StemV" => 80,
    };
    // The font's bytes go in last: everything above reads them.
    let length = small.len() as i64;
    let mut file = Stream::new(dictionary! { "Length1" => length }, small);
    let _ = file.compress();
    descriptor.set("FontFile2", pdf.add_object(file));
    let descriptor = pdf.add_object(descriptor);
    let cid_font = pdf.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => Object::Name(name.clone().into_bytes()),
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "W" => vec![0.into(), Object::Array(widths)],
        "CIDToGIDMap" => "Identity",
    });
    let mut to_unicode = Stream::new(Dictionary::new(), to_unicode_cmap(&of).into_bytes());
    let _ = to_unicode.compress();
    let to_unicode = pdf.add_object(to_unicode);
    let id = pdf.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => Object::Name(name.into_bytes()),
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![cid_font.into()],
        "ToUnicode" => to_unicode,
    });
    Ok((id, Glyphs { of, fallback }))
}

/// The CMap that reads glyph numbers back as the characters they show.
fn to_unicode_cmap(of: &BTreeMap<char, u16>) -> String {
    let mut by_glyph: BTreeMap<u16, char> = BTreeMap::new();
    for (c, g) in of {
        by_glyph.entry(*g).or_insert(*c);
    }
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(u16, char)> = by_glyph.into_iter().collect();
    // At most 100 entries to a block.
    for block in entries.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", block.len());
        for (g, c) in block {
            let units: String = c
                .encode_utf16(&mut [0; 2])
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(cmap, "<{g:04X}> <{units}>");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap
}

/// A number as a content stream writes it: at most three decimals, no trailing zeros.
fn num(v: f32) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// A page's operations as its content stream.
fn content_stream(ops: &[Op], fonts: &[Option<Glyphs>; 2]) -> Vec<u8> {
    let mut out = String::new();
    let mut face = Face::Regular;
    for op in ops {
        let _ = match op {
            Op::BeginText => writeln!(out, "BT"),
            Op::EndText => writeln!(out, "ET"),
            Op::Font { face: f, size } => {
                face = *f;
                writeln!(out, "/{} {} Tf", f.resource(), num(*size))
            }
            Op::Text { x, y, text } => {
                let hex: String = match &fonts[face as usize] {
                    Some(glyphs) => text
                        .chars()
                        .map(|c| {
                            format!(
                                "{:04X}",
                                glyphs.of.get(&c).copied().unwrap_or(glyphs.fallback)
                            )
                        })
                        .collect(),
                    None => String::new(),
                };
                writeln!(out, "1 0 0 1 {} {} Tm\n<{hex}> Tj", num(*x), num(*y))
            }
            Op::FillGrey(g) => writeln!(out, "{} g", num(*g)),
            Op::StrokeGrey(g) => writeln!(out, "{} G", num(*g)),
            Op::LineWidth(w) => writeln!(out, "{} w", num(*w)),
            Op::Line { x1, x2, y } => {
                writeln!(
                    out,
                    "{} {} m {} {} l S",
                    num(*x1),
                    num(*y),
                    num(*x2),
                    num(*y)
                )
            }
            Op::Rect { x, y, w, h, fill } => writeln!(
                out,
                "{} {} {} {} re {}",
                num(*x),
                num(*y),
                num(*w),
                num(*h),
                if *fill { "f" } else { "S" }
            ),
            Op::Image { index, x, y, w, h } => writeln!(
                out,
                "q {} 0 0 {} {} {} cm /Im{index} Do Q",
                num(*w),
                num(*h),
                num(*x),
                num(*y)
            ),
        };
    }
    out.into_bytes()
}

/// Renders `doc` as a PDF on Letter paper.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    render_sealed(doc, None)
}

/// Renders `doc` as a PDF on Letter paper, with its seal's footer line on every page
/// and its verification box (QR code and code) at the end.
pub fn render_sealed(doc: &Document, mark: Option<&SealMark>) -> Result<Vec<u8>> {
    let fonts = fonts()?;
    let mut layout = Layout::new(fonts, &doc.title, doc.orientation);
    layout.title(doc);
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => layout.heading(h),
            Block::Paragraph(p) => layout.paragraph(p),
            Block::Fields(f) => layout.fields(f),
            Block::Numbered(items) => layout.numbered(items),
            Block::Table(table) => layout.table(table),
            Block::Signatures(s) => layout.signatures(s),
            Block::Pictures(entries) => layout.pictures(entries),
        }
    }
    if let Some(mark) = mark {
        layout.seal_box(mark);
    }
    layout.finish(&doc.running_title, mark)
}

/// What a JPEG's frame header says: enough to embed it in a PDF as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct JpegFrame {
    width: usize,
    height: usize,
    /// 1 (grey) or 3 (colour).
    components: u8,
}

/// The frame of a baseline or progressive 8-bit JPEG of one or three components, read
/// from its markers (nothing decoded); `None` for anything else, which is then
/// embedded as its pixels.
fn jpeg_frame(bytes: &[u8]) -> Option<JpegFrame> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0x01 || (0xD0..=0xD8).contains(&marker) {
            i += 2;
            continue;
        }
        if marker == 0xD9 || marker == 0xDA {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if matches!(marker, 0xC0..=0xC2) {
            let seg = bytes.get(i + 4..i + 2 + len)?;
            if seg.len() < 6 || seg[0] != 8 {
                return None;
            }
            let height = usize::from(u16::from_be_bytes([seg[1], seg[2]]));
            let width = usize::from(u16::from_be_bytes([seg[3], seg[4]]));
            let components = seg[5];
            return (height > 0 && width > 0 && matches!(components, 1 | 3)).then_some(JpegFrame {
                width,
                height,
                components,
            });
        }
        i += 2 + len;
    }
    None
}

/// An image XObject holding the JPEG's bytes as they are (`/DCTDecode`).
fn jpeg_xobject(bytes: &[u8], frame: JpegFrame) -> Stream {
    let colour = if frame.components == 1 {
        "DeviceGray"
    } else {
        "DeviceRGB"
    };
    let mut stream = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => frame.width as i64,
            "Height" => frame.height as i64,
            "ColorSpace" => colour,
            "BitsPerComponent" => 8,
            "Filter" => "DCTDecode",
        },
        bytes.to_vec(),
    );
    stream.allows_compression = false;
    stream
}

/// Any other picture (a PNG, a WebP) decoded to its RGB pixels, deflated; with its
/// pixel size. `None` if it does not decode.
fn pixels_xobject(bytes: &[u8]) -> Option<(Stream, f32, f32)> {
    let rgb = image::load_from_memory(bytes).ok()?.to_rgb8();
    let (w, h) = rgb.dimensions();
    let mut stream = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => i64::from(w),
            "Height" => i64::from(h),
            "ColorSpace" => "DeviceRGB",
            "BitsPerComponent" => 8,
        },
        rgb.into_raw(),
    );
    let _ = stream.compress();
    Some((stream, w as f32, h as f32))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What committees write, beyond Spanish: Nahuatl's macrons, the saltillo and
    /// the glottal stop of Tsotsil and Tseltal, Mixtec's and Zapotec's nasal and
    /// tone marks, and the signs documents use.
    const COMMITTEE_ALPHABET: &str = "ÁÉÍÓÚÜÑáéíóúüñ¿¡«»ĀĒĪŌŪāēīōūȲȳꞌꞋʼʔãẽĩõũỹÃẼĨÕŨǎěǐǒǔ\
        àèìòùâêîôûëïöçŽžČčŠšȾƚɨʉ°ºª·•–—…‘’“”€$¢№†→←✓✔✗☐☑■□●○×÷−±≤≥²³¹⁵½¼";

    #[test]
    fn the_fonts_write_everything_committees_and_documents_use() {
        let fonts = fonts().unwrap();
        let documents = [include_str!("texts.rs"), include_str!("words.rs")].concat();
        for c in COMMITTEE_ALPHABET.chars().chain(documents.chars()) {
            if c.is_whitespace() || c.is_control() {
                continue;
            }
            for (face, font) in [("regular", &fonts.regular), ("bold", &fonts.bold)] {
                assert!(
                    font.glyph(c).is_some(),
                    "{face} has no glyph for {c:?} (U+{:04X}): widen scripts/subset-fonts.sh",
                    c as u32
                );
            }
        }
    }

    #[test]
    fn jpeg_frames_are_read_from_the_markers() {
        let img = image::RgbImage::from_fn(37, 21, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .encode_image(&img)
            .unwrap();
        assert_eq!(
            jpeg_frame(&jpeg),
            Some(JpegFrame {
                width: 37,
                height: 21,
                components: 3
            })
        );
        assert_eq!(jpeg_frame(b"\x89PNG\r\n"), None);
        assert_eq!(jpeg_frame(&jpeg[..20]), None);
    }

    #[test]
    fn wrapping_keeps_lines_within_the_width() {
        let f = fonts().unwrap();
        let text = "Siendo las diez horas, se reunieron en el lugar señalado los integrantes \
                    del comité 6F1A2B3C-0D4E-4F5A-8B6C-7D8E9F0A1B2C6F1A2B3C-0D4E";
        for max_w in [40.0, 90.0, 200.0] {
            let lines = f.wrap(text, Face::Regular, 9.0, max_w);
            assert!(lines.len() > 1);
            for l in &lines {
                assert!(f.width(l, Face::Regular, 9.0) <= max_w, "{l:?} at {max_w}");
            }
            // Nothing is lost but spaces.
            let joined: String = lines.concat();
            let expected: String = text.split_whitespace().collect();
            assert_eq!(joined.replace(' ', ""), expected);
        }
        assert_eq!(f.wrap("a\nb", Face::Regular, 9.0, 100.0), vec!["a", "b"]);
        assert_eq!(f.wrap("", Face::Regular, 9.0, 100.0), vec![""]);
    }

    #[test]
    fn tables_and_signatures_are_set_at_9_pt_or_more() {
        use crate::model::{Column, Table};
        let f = fonts().unwrap();
        let mut layout = Layout::new(f, "t", Orientation::Portrait);
        layout.table(&Table {
            columns: vec![
                Column::new("Nombre", 2.0, Align::Left),
                Column::new("Importe", 1.0, Align::Right),
            ],
            rows: vec![vec!["Rosa Tepole".into(), "$1.00".into()]],
            footer: Some(vec!["Total".into(), "$1.00".into()]),
            row_height_min_pt: 0.0,
        });
        layout.signatures(&[Signature {
            role: "Tesorera".into(),
            name: "Rosa Tepole".into(),
            caption: "Elaboró".into(),
        }]);
        // The size each piece of text is shown at: the last one set before it.
        let sizes: Vec<f32> = layout.pages[0]
            .iter()
            .scan(0.0, |current, op| {
                Some(match op {
                    Op::Font { size, .. } => {
                        *current = *size;
                        None
                    }
                    Op::Text { .. } => Some(*current),
                    _ => None,
                })
            })
            .flatten()
            .collect();
        assert_eq!(sizes.len(), 2 + 2 + 2 + 3, "{sizes:?}");
        assert!(sizes.iter().all(|s| *s >= TABLE_SIZE_MIN_PT), "{sizes:?}");
    }

    #[test]
    fn bold_is_wider_and_widths_scale_with_size() {
        let f = fonts().unwrap();
        let r = f.width("Tesorería", Face::Regular, 10.0);
        assert!(r > 30.0 && r < 60.0, "{r}");
        assert!(f.width("Tesorería", Face::Bold, 10.0) > r);
        assert!((f.width("Tesorería", Face::Regular, 20.0) - 2.0 * r).abs() < 0.01);
    }
}
