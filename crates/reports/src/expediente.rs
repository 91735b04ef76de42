//! The expediente of a fiscal year as one ZIP: every acta, the cuadernillo (PDF and
//! XLSX), every photo, an index linking each file to its record, and a completeness
//! report of what is missing.
//!
//! ZIP layout:
//! ```text
//! indice.html, indice.csv              every file with its record
//! completitud.html, completitud.csv    the gaps found
//! actas/2025-01-08_acta-ordinaria.pdf
//! actas/2025-01-08_acta-ordinaria_firmada_1.jpg   photo of the wet-signed acta
//! cuadernillo/cuadernillo-de-control-de-gastos-2025.pdf (and .xlsx)
//! fotos/2025-03-20_baumanometro-digital_1.jpg      receipt photos, by purchase
//! fotos/2025-06-02_bancas-para-la-sala-de-espera_despues_1.jpg   action photos
//! ```
//! Names are slugs (lower case, no accents, `-` between words) and unique.

use crate::cuadernillo::Ledger;
use crate::texts::{self, file_words as fw, fill, t};
use crate::{acta, cuadernillo, date, xlsx, Result};
use cosabi_core::assembly::Assembly;
use cosabi_core::photo::Photo;
use cosabi_core::schema::{ACTION, ASSEMBLY};
use cosabi_core::Centavos;
use cosabi_replica::Replica;
use std::collections::{BTreeSet, HashSet};
use std::io::{Seek, Write};
use uuid::Uuid;
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

/// Longest slug taken from a concept or description, in characters.
const SLUG_CHARS_MAX: usize = 60;

/// What kind of file an index entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Acta,
    ActaPhoto,
    CuadernilloPdf,
    CuadernilloXlsx,
    ReceiptPhoto,
    BeforePhoto,
    AfterPhoto,
    Index,
    Completeness,
}

impl FileKind {
    fn label(self) -> &'static str {
        match self {
            FileKind::Acta => t::FILE_ACTA,
            FileKind::ActaPhoto => t::FILE_ACTA_PHOTO,
            FileKind::CuadernilloPdf => t::FILE_CUADERNILLO_PDF,
            FileKind::CuadernilloXlsx => t::FILE_CUADERNILLO_XLSX,
            FileKind::ReceiptPhoto => t::FILE_RECEIPT_PHOTO,
            FileKind::BeforePhoto => t::FILE_BEFORE_PHOTO,
            FileKind::AfterPhoto => t::FILE_AFTER_PHOTO,
            FileKind::Index => t::FILE_INDEX,
            FileKind::Completeness => t::FILE_COMPLETENESS,
        }
    }
}

/// One file of the expediente and the record it documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// Path inside the ZIP, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    /// The table of the record (`assembly`, `purchase`, `receipt`, `action`,
    /// `clinic`); `None` for the index and the report themselves.
    pub table: Option<&'static str>,
    pub record: Option<Uuid>,
    pub description: String,
}

/// A kind of gap the completeness report looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GapKind {
    /// A purchase with no receipt at all.
    PurchaseWithoutReceipt,
    /// A purchase whose receipts neither add up to its total nor include one for
    /// its total (a CFDI plus the bank slip of the same payment is fine).
    ReceiptTotalDiffers,
    /// A receipt with no photo recorded.
    ReceiptWithoutPhoto,
    /// A photo recorded (on another device) whose bytes are not on this one, so the
    /// ZIP lacks it.
    PhotoNotOnDevice,
    /// An action with work done or money spent in the year (finished, verified, or
    /// with purchases) and no "after" photo.
    ActionWithoutAfterPhoto,
    /// An assembly of the year whose acta is still a draft.
    ActaNotClosed,
    /// A conflict from sync nobody has looked at.
    UnresolvedConflict,
    /// A rule spanning records broken after a merge (a total nobody typed, a folio
    /// used twice…).
    ReviewItem,
}

impl GapKind {
    /// Stable code, for programs (the UI, logs); never printed for people.
    pub fn code(self) -> &'static str {
        match self {
            GapKind::PurchaseWithoutReceipt => "purchase_without_receipt",
            GapKind::ReceiptTotalDiffers => "receipt_total_differs",
            GapKind::ReceiptWithoutPhoto => "receipt_without_photo",
            GapKind::PhotoNotOnDevice => "photo_not_on_device",
            GapKind::ActionWithoutAfterPhoto => "action_without_after_photo",
            GapKind::ActaNotClosed => "acta_not_closed",
            GapKind::UnresolvedConflict => "unresolved_conflict",
            GapKind::ReviewItem => "review_item",
        }
    }

    fn label(self) -> &'static str {
        match self {
            GapKind::PurchaseWithoutReceipt => t::GAP_PURCHASE_WITHOUT_RECEIPT,
            GapKind::ReceiptTotalDiffers => t::GAP_RECEIPT_TOTAL_DIFFERS,
            GapKind::ReceiptWithoutPhoto => t::GAP_RECEIPT_WITHOUT_PHOTO,
            GapKind::PhotoNotOnDevice => t::GAP_PHOTO_NOT_ON_DEVICE,
            GapKind::ActionWithoutAfterPhoto => t::GAP_ACTION_WITHOUT_AFTER_PHOTO,
            GapKind::ActaNotClosed => t::GAP_ACTA_NOT_CLOSED,
            GapKind::UnresolvedConflict => t::GAP_UNRESOLVED_CONFLICT,
            GapKind::ReviewItem => t::GAP_REVIEW_ITEM,
        }
    }
}

/// One thing missing from the expediente.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub kind: GapKind,
    /// The table of the record concerned (`purchase`, `receipt`, `photo`, …).
    pub table: String,
    pub record: Uuid,
    /// What it is, in Spanish, for people.
    pub description: String,
}

/// What the expediente of a fiscal year lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completeness {
    pub fiscal_year: i32,
    pub gaps: Vec<Gap>,
}

impl Completeness {
    pub fn is_complete(&self) -> bool {
        self.gaps.is_empty()
    }

    pub fn of_kind(&self, kind: GapKind) -> impl Iterator<Item = &Gap> {
        self.gaps.iter().filter(move |g| g.kind == kind)
    }
}

/// What [`expediente_zip`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpedienteReport {
    pub fiscal_year: i32,
    /// Every file in the ZIP, in the order written (the index lists the same).
    pub files: Vec<IndexEntry>,
    pub completeness: Completeness,
    /// The seals of the sealed documents in it (its actas, its cuadernillo and its
    /// index), for the caller to record; empty when made unsealed.
    pub seals: Vec<cosabi_replica::NewSeal>,
}

/// The records of one fiscal year the expediente covers.
struct Year {
    ledger: Ledger,
    assemblies: Vec<Assembly>,
    /// Actions with purchases in the year or approved by an agreement of one of the
    /// year's assemblies, in the order they were proposed.
    actions: Vec<(cosabi_core::actions::Action, Vec<Photo>)>,
}

impl Year {
    fn read(replica: &Replica, fiscal_year: i32) -> Result<Year> {
        let ledger = Ledger::read(replica, fiscal_year)?;
        let prefix = format!("{fiscal_year:04}-");
        let mut assemblies: Vec<Assembly> = replica
            .assemblies()?
            .into_iter()
            .filter(|a| a.date.starts_with(&prefix))
            .collect();
        assemblies.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
        let mut agreements = HashSet::new();
        for a in &assemblies {
            agreements.extend(replica.agreements(a.id)?.into_iter().map(|ag| ag.id));
        }
        let bought: HashSet<Uuid> = ledger
            .purchases
            .iter()
            .filter_map(|p| p.purchase.action_id)
            .collect();
        let mut actions = Vec::new();
        for action in replica.actions()? {
            let approved = action.agreement_id.is_some_and(|a| agreements.contains(&a));
            if bought.contains(&action.id) || approved {
                let photos = replica.photos(ACTION.id, action.id)?;
                actions.push((action, photos));
            }
        }
        Ok(Year {
            ledger,
            assemblies,
            actions,
        })
    }
}

fn gaps(replica: &Replica, year: &Year) -> Result<Vec<Gap>> {
    let mut gaps = Vec::new();
    let mut gap = |kind: GapKind, table: &str, record: Uuid, description: String| {
        gaps.push(Gap {
            kind,
            table: table.to_owned(),
            record,
            description,
        })
    };
    let mut bought = HashSet::new();
    for line in &year.ledger.purchases {
        let p = &line.purchase;
        bought.insert(p.action_id);
        let values = [
            ("concept", p.concept.clone()),
            ("date", date(&p.date)),
            ("total", p.total.to_string()),
        ];
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if line.receipts.is_empty() {
            gap(
                GapKind::PurchaseWithoutReceipt,
                "purchase",
                p.id,
                fill(t::GAP_PURCHASE, &values),
            );
        } else {
            let sum: i64 = line.receipts.iter().map(|r| r.receipt.total.get()).sum();
            let one_matches = line.receipts.iter().any(|r| r.receipt.total == p.total);
            if sum != p.total.get() && !one_matches {
                let mut values = values.clone();
                let receipts = Centavos(sum).to_string();
                values.push(("receipts", &receipts));
                gap(
                    GapKind::ReceiptTotalDiffers,
                    "purchase",
                    p.id,
                    fill(t::GAP_TOTALS, &values),
                );
            }
        }
        for r in &line.receipts {
            if r.photos.is_empty() {
                gap(
                    GapKind::ReceiptWithoutPhoto,
                    "receipt",
                    r.receipt.id,
                    fill(
                        t::GAP_RECEIPT,
                        &[
                            ("kind", &texts::receipt_kind(&r.receipt.kind)),
                            ("concept", &p.concept),
                            ("date", &date(&p.date)),
                        ],
                    ),
                );
            }
        }
    }
    for (action, photos) in &year.actions {
        let done = matches!(action.status.as_str(), "terminada" | "verificada");
        let has_after = photos.iter().any(|ph| ph.kind == "after");
        if (done || bought.contains(&Some(action.id))) && !has_after {
            gap(
                GapKind::ActionWithoutAfterPhoto,
                "action",
                action.id,
                fill(
                    t::GAP_ACTION,
                    &[
                        ("description", &action.description),
                        ("status", &texts::action_status(&action.status)),
                    ],
                ),
            );
        }
    }
    for a in &year.assemblies {
        if !a.is_closed() {
            gap(
                GapKind::ActaNotClosed,
                "assembly",
                a.id,
                fill(
                    t::GAP_ACTA,
                    &[
                        ("kind", &texts::assembly_kind(&a.kind)),
                        ("date", &date(&a.date)),
                    ],
                ),
            );
        }
    }
    for photo in year_photos(replica, year)? {
        if !replica.has_blob(&photo.sha256) {
            let kind = match photo.kind.as_str() {
                "before" => t::FILE_BEFORE_PHOTO,
                "after" => t::FILE_AFTER_PHOTO,
                "acta" => t::FILE_ACTA_PHOTO,
                _ => t::FILE_RECEIPT_PHOTO,
            };
            let sha = photo.sha256.get(..12).unwrap_or(&photo.sha256);
            gap(
                GapKind::PhotoNotOnDevice,
                "photo",
                photo.id,
                fill(t::GAP_PHOTO, &[("kind", kind), ("sha", sha)]),
            );
        }
    }
    let names = replica.member_names()?;
    for c in replica.conflicts()?.into_iter().filter(|c| !c.resolved) {
        let winner = replica.value_words(&names, c.key.table, &c.column, &c.winner_value)?;
        let loser = replica.value_words(&names, c.key.table, &c.column, &c.loser_value)?;
        gap(
            GapKind::UnresolvedConflict,
            &c.table,
            c.key.row,
            fill(
                t::GAP_CONFLICT,
                &[
                    ("table", texts::table_label(&c.table)),
                    ("column", &texts::column_label(&c.column)),
                    ("winner", &winner),
                    ("loser", &loser),
                ],
            ),
        );
    }
    for item in replica.review_items()? {
        gap(
            GapKind::ReviewItem,
            &item.table,
            item.row,
            fill(
                t::GAP_REVIEW,
                &[
                    ("what", texts::review_item(&item.code)),
                    ("table", texts::table_label(&item.table)),
                ],
            ),
        );
    }
    Ok(gaps)
}

/// Every photo the expediente of `year` should hold.
fn year_photos(replica: &Replica, year: &Year) -> Result<Vec<Photo>> {
    let mut out = Vec::new();
    for line in &year.ledger.purchases {
        out.extend(line.receipts.iter().flat_map(|r| r.photos.iter().cloned()));
        out.extend(line.photos.iter().cloned());
    }
    for (_, photos) in &year.actions {
        out.extend(photos.iter().cloned());
    }
    for a in &year.assemblies {
        out.extend(replica.photos(ASSEMBLY.id, a.id)?);
    }
    Ok(out)
}

/// What the expediente of `fiscal_year` lacks, without writing it.
pub fn completeness(replica: &Replica, fiscal_year: i32) -> Result<Completeness> {
    let year = Year::read(replica, fiscal_year)?;
    Ok(Completeness {
        fiscal_year,
        gaps: gaps(replica, &year)?,
    })
}

/// `Baumanómetro digital, 2 piezas` → `baumanometro-digital-2-piezas`.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' | 'ã' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' | 'õ' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= SLUG_CHARS_MAX {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        fw::UNTITLED.to_owned()
    } else {
        out
    }
}

/// The date part of an RFC 3339 time or ISO date, else "sin-fecha".
fn date_stem(s: &str) -> String {
    let d = s.get(..10).unwrap_or("");
    if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() {
        d.to_owned()
    } else {
        fw::NO_DATE.to_owned()
    }
}

/// A ZIP entry time (local, as ZIP keeps it); `None` outside 1980–2107.
fn zip_time(t: chrono::NaiveDateTime) -> Option<zip::DateTime> {
    use chrono::{Datelike, Timelike};
    zip::DateTime::from_date_and_time(
        u16::try_from(t.year()).ok()?,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .ok()
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/png" => "png",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        _ => "jpg",
    }
}

/// Writes files into the ZIP under unique names and keeps the index.
struct Expediente<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    /// When the expediente was made, as every file's time in the ZIP.
    made_at: Option<zip::DateTime>,
    used: HashSet<String>,
    files: Vec<IndexEntry>,
}

impl<W: Write + Seek> Expediente<W> {
    /// A free path `dir/stem.ext`, or `dir/stem_n.ext` with the first free `n`
    /// (always numbered when `numbered`).
    fn claim(&mut self, dir: &str, stem: &str, ext: &str, numbered: bool) -> String {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        if !numbered {
            let path = format!("{prefix}{stem}.{ext}");
            if self.used.insert(path.clone()) {
                return path;
            }
        }
        let first = if numbered { 1 } else { 2 };
        (first..)
            .map(|n| format!("{prefix}{stem}_{n}.{ext}"))
            .find(|p| self.used.insert(p.clone()))
            .expect("an unbounded range has a free name")
    }

    fn add(&mut self, entry: IndexEntry, bytes: &[u8]) -> Result<()> {
        // Photos and workbooks are compressed already.
        let method = match entry.kind {
            FileKind::ActaPhoto
            | FileKind::ReceiptPhoto
            | FileKind::BeforePhoto
            | FileKind::AfterPhoto
            | FileKind::CuadernilloXlsx => CompressionMethod::Stored,
            _ => CompressionMethod::Deflated,
        };
        let mut options = SimpleFileOptions::default().compression_method(method);
        if let Some(t) = self.made_at {
            options = options.last_modified_time(t);
        }
        self.zip.start_file(entry.path.as_str(), options)?;
        self.zip.write_all(bytes)?;
        self.files.push(entry);
        Ok(())
    }

    /// Adds a photo if its bytes are on this device (the completeness report lists
    /// those that are not).
    #[allow(clippy::too_many_arguments)]
    fn photo(
        &mut self,
        replica: &Replica,
        photo: &Photo,
        dir: &str,
        stem: &str,
        kind: FileKind,
        table: &'static str,
        record: Uuid,
        description: &str,
    ) -> Result<()> {
        let Some(bytes) = replica.photo_bytes(&photo.sha256).ok().flatten() else {
            return Ok(());
        };
        let path = self.claim(dir, stem, extension(&photo.mime), true);
        self.add(
            IndexEntry {
                path,
                kind,
                table: Some(table),
                record: Some(record),
                description: description.to_owned(),
            },
            &bytes,
        )
    }
}

/// One CSV cell: neutralised if a spreadsheet would run it as a formula
/// ([`crate::spreadsheet::neutralise_cell`]), quoted if it needs it.
fn csv_field(s: &str) -> String {
    let s = crate::spreadsheet::neutralise_cell(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// CSV with a byte-order mark, so spreadsheet programs read the accents right.
fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(header.iter().map(|h| csv_field(h)).collect()));
    for row in rows {
        out.push_str(&line(row.iter().map(|c| csv_field(c)).collect()));
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A small self-contained HTML page with one table; cells of `link_column` link to
/// the file they name (a relative path inside the ZIP).
fn html(
    title: &str,
    intro: &str,
    header: &[&str],
    rows: &[Vec<String>],
    link_column: Option<usize>,
) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"es-MX\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}}\
         th{{background:#ddd}}</style>\n</head>\n<body>\n<h1>{t}</h1>\n<p>{i}</p>\n<table>\n<tr>",
        t = html_escape(title),
        i = html_escape(intro)
    );
    for h in header {
        out.push_str(&format!("<th>{}</th>", html_escape(h)));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let e = html_escape(cell);
            if Some(i) == link_column {
                out.push_str(&format!("<td><a href=\"{e}\">{e}</a></td>"));
            } else {
                out.push_str(&format!("<td>{e}</td>"));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n</body>\n</html>\n");
    out
}

/// Writes the expediente of `fiscal_year` as a ZIP into `out`: every acta of the
/// year's assemblies, the cuadernillo (PDF and XLSX), every receipt, before/after
/// and signed-acta photo held on this device, the index (HTML and CSV) and the
/// completeness report (HTML and CSV), which is also returned.
pub fn expediente_zip(
    replica: &Replica,
    fiscal_year: i32,
    out: impl Write + Seek,
) -> Result<ExpedienteReport> {
    write_expediente(replica, fiscal_year, zip::ZipWriter::new(out), None)
}

/// [`expediente_zip`] with every acta, the cuadernillo and the index sealed
/// ([`crate::seal`]); the seals to record are in the report.
pub fn expediente_zip_sealed(
    replica: &Replica,
    fiscal_year: i32,
    out: impl Write + Seek,
    issuer: &crate::seal::Issuer,
) -> Result<ExpedienteReport> {
    write_expediente(replica, fiscal_year, zip::ZipWriter::new(out), Some(issuer))
}

/// [`expediente_zip_sealed`] into a writer that cannot seek (a download's body as it
/// is sent): every entry is written once, front to back, its sizes and CRC in a data
/// descriptor after its bytes (ZIP's streaming form, which every reader reads through
/// the central directory). Only one photo's bytes are held at a time.
pub fn expediente_zip_sealed_streamed(
    replica: &Replica,
    fiscal_year: i32,
    out: impl Write,
    issuer: &crate::seal::Issuer,
) -> Result<ExpedienteReport> {
    write_expediente(
        replica,
        fiscal_year,
        zip::ZipWriter::new_stream(out),
        Some(issuer),
    )
}

fn write_expediente<W: Write + Seek>(
    replica: &Replica,
    fiscal_year: i32,
    zip: zip::ZipWriter<W>,
    issuer: Option<&crate::seal::Issuer>,
) -> Result<ExpedienteReport> {
    let mut seals = Vec::new();
    // The index's seal is taken first: every document in it is made from the same
    // records.
    let index_seal = issuer
        .map(|i| {
            crate::seal::seal(
                replica,
                cosabi_core::seal::DocKind::Expediente,
                &fiscal_year.to_string(),
                i,
            )
        })
        .transpose()?;
    let year = Year::read(replica, fiscal_year)?;
    let completeness = Completeness {
        fiscal_year,
        gaps: gaps(replica, &year)?,
    };
    let mut x = Expediente {
        zip,
        made_at: zip_time(chrono::Local::now().naive_local()),
        used: HashSet::new(),
        files: Vec::new(),
    };
    let clinic = &year.ledger.clinic;

    for a in &year.assemblies {
        let stem = format!("{}_{}-{}", date_stem(&a.date), fw::ACTA, slug(&a.kind));
        let path = x.claim(fw::ACTAS_DIR, &stem, "pdf", false);
        let description = format!("{} {}", texts::assembly_kind(&a.kind), date(&a.date));
        let pdf = match issuer {
            Some(i) => {
                let (pdf, seal) = crate::seal::acta_pdf_sealed(replica, a.id, i)?;
                seals.push(seal);
                pdf
            }
            None => acta::acta_pdf(replica, a.id)?,
        };
        x.add(
            IndexEntry {
                path: path.clone(),
                kind: FileKind::Acta,
                table: Some("assembly"),
                record: Some(a.id),
                description: description.clone(),
            },
            &pdf,
        )?;
        let signed_stem = format!("{stem}_{}", fw::SIGNED);
        for photo in replica.photos(ASSEMBLY.id, a.id)? {
            x.photo(
                replica,
                &photo,
                fw::ACTAS_DIR,
                &signed_stem,
                FileKind::ActaPhoto,
                "assembly",
                a.id,
                &description,
            )?;
        }
    }

    let stem = format!("{}-{fiscal_year}", fw::CUADERNILLO);
    let description = fill(t::FISCAL_YEAR, &[("year", &fiscal_year.to_string())]);
    let pdf = match issuer {
        Some(i) => {
            // Its receipts' photos are files of this same ZIP: the cuadernillo says so
            // rather than carry a second copy of each as a thumbnail.
            let (pdf, seal) = crate::seal::cuadernillo_pdf_sealed_with(
                replica,
                fiscal_year,
                i,
                cuadernillo::Pictures::InExpediente,
            )?;
            seals.push(seal);
            pdf
        }
        None => crate::pdf::render(&cuadernillo::cuadernillo_document_with(
            replica,
            fiscal_year,
            cuadernillo::Pictures::InExpediente,
        )?)?,
    };
    let path = x.claim(fw::CUADERNILLO_DIR, &stem, "pdf", false);
    x.add(
        IndexEntry {
            path,
            kind: FileKind::CuadernilloPdf,
            table: Some("clinic"),
            record: Some(clinic.id.0),
            description: description.clone(),
        },
        &pdf,
    )?;
    let book = xlsx::cuadernillo_xlsx(replica, fiscal_year)?;
    let path = x.claim(fw::CUADERNILLO_DIR, &stem, "xlsx", false);
    x.add(
        IndexEntry {
            path,
            kind: FileKind::CuadernilloXlsx,
            table: Some("clinic"),
            record: Some(clinic.id.0),
            description,
        },
        &book,
    )?;

    for line in &year.ledger.purchases {
        let p = &line.purchase;
        let stem = format!("{}_{}", date_stem(&p.date), slug(&p.concept));
        let description = format!("{} ({})", p.concept, date(&p.date));
        for r in &line.receipts {
            let receipt_description =
                format!("{}: {description}", texts::receipt_kind(&r.receipt.kind));
            for photo in &r.photos {
                x.photo(
                    replica,
                    photo,
                    fw::PHOTOS_DIR,
                    &stem,
                    FileKind::ReceiptPhoto,
                    "receipt",
                    r.receipt.id,
                    &receipt_description,
                )?;
            }
        }
        for photo in &line.photos {
            x.photo(
                replica,
                photo,
                fw::PHOTOS_DIR,
                &stem,
                FileKind::ReceiptPhoto,
                "purchase",
                p.id,
                &description,
            )?;
        }
    }

    for (action, photos) in &year.actions {
        for photo in photos {
            let (word, kind) = match photo.kind.as_str() {
                "before" => (fw::BEFORE, FileKind::BeforePhoto),
                "after" => (fw::AFTER, FileKind::AfterPhoto),
                _ => continue,
            };
            let stem = format!(
                "{}_{}_{word}",
                date_stem(&photo.taken_at),
                slug(&action.description)
            );
            x.photo(
                replica,
                photo,
                fw::PHOTOS_DIR,
                &stem,
                kind,
                "action",
                action.id,
                &action.description,
            )?;
        }
    }

    // The report and the index come last: the index lists every file, itself too.
    let gap_rows: Vec<Vec<String>> = completeness
        .gaps
        .iter()
        .map(|g| {
            vec![
                g.kind.label().to_owned(),
                texts::table_label(&g.table).to_owned(),
                g.description.clone(),
            ]
        })
        .collect();
    // For people: words only, no codes and no ids (the report returned keeps both).
    let gap_header = [t::COL_GAP, t::COL_TABLE, t::COL_DESCRIPTION];
    let intro = match completeness.gaps.len() {
        0 => t::COMPLETENESS_OK.to_owned(),
        1 => t::COMPLETENESS_ONE.to_owned(),
        n => fill(t::COMPLETENESS_COUNT, &[("n", &n.to_string())]),
    };
    let report_title = format!(
        "{} · {} · {}",
        t::COMPLETENESS_TITLE,
        fill(t::EXPEDIENTE_TITLE, &[("year", &fiscal_year.to_string())]),
        clinic.clues
    );
    let report_files = [
        (
            x.claim("", fw::COMPLETENESS, "html", false),
            html(&report_title, &intro, &gap_header, &gap_rows, None),
        ),
        (
            x.claim("", fw::COMPLETENESS, "csv", false),
            csv(&gap_header, &gap_rows),
        ),
    ];
    for (path, text) in report_files {
        x.add(
            IndexEntry {
                path,
                kind: FileKind::Completeness,
                table: None,
                record: None,
                description: intro.clone(),
            },
            text.as_bytes(),
        )?;
    }

    let index_html = x.claim("", fw::INDEX, "html", false);
    let index_csv = x.claim("", fw::INDEX, "csv", false);
    let index_title = format!(
        "{} · {} · {}",
        t::INDEX_TITLE,
        fill(t::EXPEDIENTE_TITLE, &[("year", &fiscal_year.to_string())]),
        clinic.clues
    );
    let mut files = x.files.clone();
    for path in [&index_html, &index_csv] {
        files.push(IndexEntry {
            path: path.clone(),
            kind: FileKind::Index,
            table: None,
            record: None,
            description: index_title.clone(),
        });
    }
    let index_header = [t::COL_FILE, t::COL_KIND, t::COL_TABLE, t::COL_DESCRIPTION];
    let rows: Vec<Vec<String>> = files
        .iter()
        .map(|f| {
            vec![
                f.path.clone(),
                f.kind.label().to_owned(),
                f.table
                    .map_or(t::RECORD_NONE, texts::table_label)
                    .to_owned(),
                f.description.clone(),
            ]
        })
        .collect();
    let mut intro = format!("{} · {}", clinic.name, clinic.clues);
    if let Some(sealing) = &index_seal {
        intro = format!("{intro} · {}", sealing.mark.footer_line);
    }
    let html_text = html(&index_title, &intro, &index_header, &rows, Some(0));
    let csv_text = csv(&index_header, &rows);
    for (i, text) in [html_text, csv_text].into_iter().enumerate() {
        let entry = files[files.len() - 2 + i].clone();
        x.add(entry, text.as_bytes())?;
    }
    x.zip.finish()?;
    debug_assert_eq!(x.files, files);
    // Files are unique by construction; keep the report's order.
    debug_assert_eq!(
        x.files
            .iter()
            .map(|f| &f.path)
            .collect::<BTreeSet<_>>()
            .len(),
        x.files.len()
    );
    seals.extend(index_seal.map(|s| s.seal));
    Ok(ExpedienteReport {
        fiscal_year,
        files: x.files,
        completeness,
        seals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_have_no_accents_or_spaces() {
        assert_eq!(slug("Baumanómetro digital"), "baumanometro-digital");
        assert_eq!(
            slug("  Impermeabilización del techo — sala de espera (2ª etapa) "),
            "impermeabilizacion-del-techo-sala-de-espera-2-etapa"
        );
        assert_eq!(slug("Niño Ñandú ÜBER"), "nino-nandu-uber");
        assert_eq!(slug("¿?"), "sin-nombre");
        assert!(slug(&"palabra ".repeat(40)).len() <= SLUG_CHARS_MAX);
        assert!(!slug(&"palabra ".repeat(40)).ends_with('-'));
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv_field("a"), "a");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("dijo \"sí\""), "\"dijo \"\"sí\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            csv(&["x", "y"], &[vec!["1".into(), "2\n3".into()]]),
            "\u{feff}x,y\r\n1,\"2\n3\"\r\n"
        );
    }

    #[test]
    fn dates_in_names() {
        assert_eq!(date_stem("2025-03-20T10:11:00-06:00"), "2025-03-20");
        assert_eq!(date_stem("2025-03-20"), "2025-03-20");
        assert_eq!(date_stem(""), "sin-fecha");
        assert_eq!(date_stem("20/03/2025"), "sin-fecha");
    }
}
