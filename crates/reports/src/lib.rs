//! cosabi-reports: the committee's accountability outputs, made offline from a
//! [`Replica`].
//!
//! Main entry points:
//! - [`acta_pdf`]: the acta of one assembly on Letter paper: its status (draft "sin
//!   validez"; opened and closed with when and by whom; "firmada" only once a photo of
//!   the signed paper is attached), the attendance list with a column to sign or put a
//!   thumbprint, the community attendees by name, agreements, minutes, amendments and
//!   a signature line for every member present, under their role named by gender.
//! - [`cuadernillo_pdf`] and [`cuadernillo_xlsx`]: the *cuadernillo de control de
//!   gastos* of a fiscal year: the card statement (signed amounts and a running
//!   balance that ends at the card's balance), every purchase with its receipts,
//!   totals by category, balance, amounts in words, the Elaboró (tesorería) / Revisó
//!   (contraloría social) / Vo. Bo. (presidencia) signatures and an index of receipts
//!   with thumbnails.
//! - [`expediente_zip`]: everything above plus every photo, an index and a
//!   completeness report ([`ExpedienteReport`], [`Completeness`]) in one ZIP to upload;
//!   its CSV and HTML speak Spanish only (no codes, no ids).
//! - [`seal`]: every document sealed to the records it was made from, with a
//!   verification code and QR code; [`verify_code`] and [`verify_file`] check one.
//! - [`amount_in_words`] / [`number_in_words`]: "Ocho mil pesos 00/100 M.N.".
//!
//! Each document is first built as a [`Document`] (title, headings, paragraphs,
//! tables…; [`acta_document`], [`cuadernillo_document`]) and then laid out by
//! [`render_pdf`], so tests can read what a document says without parsing a PDF.
//! Every printed word comes from [`texts`] (es-MX), which the sync server's public
//! pages use too, so a label reads the same on paper and on the web.

mod acta;
mod cuadernillo;
mod expediente;
pub mod model;
mod pdf;
pub mod seal;
pub mod spreadsheet;
pub mod texts;
mod words;
mod xlsx;

pub use acta::{acta_document, acta_pdf};
pub use cuadernillo::{cuadernillo_document, cuadernillo_pdf};
pub use expediente::{
    completeness, expediente_zip, expediente_zip_sealed, expediente_zip_sealed_streamed,
    Completeness, ExpedienteReport, FileKind, Gap, GapKind, IndexEntry,
};
pub use model::{Document, SealMark};
pub use pdf::{render as render_pdf, render_sealed as render_pdf_sealed};
pub use seal::{
    acta_pdf_sealed, cuadernillo_pdf_sealed, issue_acta, issue_cuadernillo, verify, verify_code,
    verify_file, FileCheck, Issuer, Verdict, Verification,
};
pub use words::{amount_in_words, number_in_words, Gender};
pub use xlsx::cuadernillo_xlsx;

use cosabi_replica::Replica;

/// What went wrong making a document.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Replica(#[from] cosabi_replica::Error),
    #[error("the replica holds no clinic yet: create the clinic first")]
    NoClinic,
    #[error("no {what} with id {id}: it may have been deleted")]
    NotFound { what: &'static str, id: uuid::Uuid },
    #[error("pdf: {0}")]
    Pdf(String),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("writing the expediente: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// A stable code for the UI's translated message (`error.<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Replica(e) => e.code(),
            Error::NoClinic => "no_clinic",
            Error::NotFound { .. } => "not_found",
            Error::Pdf(_) | Error::Xlsx(_) => "report_failed",
            Error::Zip(_) | Error::Io(_) => "write_failed",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The clinic, or [`Error::NoClinic`].
fn clinic_of(replica: &Replica) -> Result<cosabi_core::clinic::Clinic> {
    replica.clinic()?.ok_or(Error::NoClinic)
}

/// The clinic header every document opens with.
fn clinic_fields(clinic: &cosabi_core::clinic::Clinic) -> Vec<(String, String)> {
    use texts::t;
    [
        (t::CLUES, clinic.clues.clone()),
        (t::CLINIC, clinic.name.clone()),
        (t::LOCALITY, clinic.locality.clone()),
        (t::MUNICIPALITY, clinic.municipality.clone()),
        (t::STATE, clinic.state_name.clone()),
    ]
    .into_iter()
    .map(|(l, v)| (l.to_owned(), v))
    .collect()
}

/// An RFC 3339 time in this machine's local time as (`dd/mm/aaaa`, `HH:MM`); as
/// stored (and no time) when it does not parse.
fn local_date_and_time(rfc3339: &str) -> (String, String) {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map_or_else(
        |_| (rfc3339.to_owned(), String::new()),
        |t| {
            let t = t.with_timezone(&chrono::Local);
            (
                t.format("%d/%m/%Y").to_string(),
                t.format("%H:%M").to_string(),
            )
        },
    )
}

/// `2025-03-20` → `20/03/2025`.
fn date(iso: &str) -> String {
    cosabi_core::format::display_date(iso)
}
