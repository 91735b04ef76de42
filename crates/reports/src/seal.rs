//! Sealed documents: every acta, cuadernillo and expediente index the app or the
//! server makes carries a verification code and a QR code that bind it to the exact
//! records it was made from ([`cosabi_core::seal`]), and anyone holding the document
//! can check it against the records: in the app, offline, against its own replica,
//! or on the server's public page `/verificar/<code>` against what devices synced.
//!
//! Making a sealed document reads the replica only: [`acta_pdf_sealed`] and friends
//! return the file and the [`NewSeal`] to record ([`Replica::record_seal`]), which the
//! app writes (and syncs) and the server keeps in its own store.
//!
//! Verifying ([`verify_code`], [`verify_file`]) recomputes the digest over the rows the
//! document reads now:
//! - equal → [`Verdict::Matches`]: nothing it was made from changed;
//! - equal once the changes made after it are left out → [`Verdict::ChangedSince`],
//!   with what changed;
//! - otherwise → [`Verdict::DoesNotMatch`]: the records were rewritten, or changes it
//!   was made from have not reached this replica yet.

use crate::model::{Document, SealMark};
use crate::texts::{self, fill, v};
use crate::{acta, clinic_of, cuadernillo, date, Result};
use chrono::{DateTime, FixedOffset, Utc};
use cosabi_core::schema;
use cosabi_core::seal::{self as core_seal, DocKind, RowHistories};
pub use cosabi_core::seal::{FileCheck, Verdict, Verification};
use cosabi_replica::{NewSeal, Replica, Seal};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The app's name and version, printed on every sealed page.
pub const APP: &str = concat!("Cosabi ", env!("CARGO_PKG_VERSION"));

/// Central Mexico time (UTC−6, no daylight saving since 2022): how times are shown on
/// the verification page and in the app's verification, the same on every device.
fn central(t: DateTime<Utc>) -> String {
    let offset = FixedOffset::west_opt(6 * 3600).expect("a valid offset");
    let when = t
        .with_timezone(&offset)
        .format("%d/%m/%Y %H:%M")
        .to_string();
    fill(v::CENTRAL_TIME, &[("when", &when)])
}

/// Who makes a document and when.
#[derive(Debug, Clone)]
pub struct Issuer {
    pub now: DateTime<Utc>,
    /// The clock shown on the document (the device's own time zone).
    pub local: DateTime<FixedOffset>,
    /// The server's public address (`https://…`), if known: the QR code then opens
    /// its verification page.
    pub verify_base: Option<String>,
}

impl Issuer {
    /// Now, on this machine's clock and time zone.
    pub fn now(verify_base: Option<String>) -> Issuer {
        let now = Utc::now();
        Issuer {
            now,
            local: chrono::Local::now().fixed_offset(),
            verify_base,
        }
    }

    /// A fixed moment (tests, reproducible documents), shown in central Mexico time.
    pub fn at(now: DateTime<Utc>, verify_base: Option<String>) -> Issuer {
        let offset = FixedOffset::west_opt(6 * 3600).expect("a valid offset");
        Issuer {
            now,
            local: now.with_timezone(&offset),
            verify_base,
        }
    }

    fn generated_at(&self) -> String {
        self.now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// A seal computed for a document about to be made: what to record and what to print.
#[derive(Debug, Clone)]
pub struct Sealing {
    pub seal: NewSeal,
    pub mark: SealMark,
}

/// The histories of the rows `kind`/`subject` reads, rows never written left out.
fn histories(replica: &Replica, kind: DocKind, subject: &str) -> Result<RowHistories> {
    let rows = replica.seal_rows(kind, subject)?;
    let mut h = replica.row_histories(&rows)?;
    h.retain(|_, writes| !writes.is_empty());
    Ok(h)
}

fn records_text(n: usize) -> String {
    if n == 1 {
        v::RECORD_ONE.to_owned()
    } else {
        fill(v::RECORD_MANY, &[("n", &n.to_string())])
    }
}

/// Seals the document `kind`/`subject` as the replica holds it now.
pub fn seal(replica: &Replica, kind: DocKind, subject: &str, issuer: &Issuer) -> Result<Sealing> {
    let clinic = clinic_of(replica)?;
    let h = histories(replica, kind, subject)?;
    let digest = core_seal::records_digest(&h);
    let vector: BTreeMap<Uuid, u64> = replica
        .version_vector()?
        .into_iter()
        .map(|(s, q)| (s.0, q))
        .collect();
    let generated_at = issuer.generated_at();
    let code = core_seal::code(
        &clinic.clues,
        clinic.id.0,
        kind,
        subject,
        &generated_at,
        &digest,
    );
    let qr_payload = match &issuer.verify_base {
        Some(base) => format!("{}/verificar/{code}", base.trim_end_matches('/')),
        None => code.clone(),
    };
    let how = match &issuer.verify_base {
        Some(base) => fill(
            v::BOX_HOW_ONLINE,
            &[("url", &format!("{}/verificar", base.trim_end_matches('/')))],
        ),
        None => v::BOX_HOW_OFFLINE.to_owned(),
    };
    let when = issuer.local.format("%d/%m/%Y %H:%M").to_string();
    let mark = SealMark {
        footer_line: fill(v::FOOTER, &[("when", &when), ("app", APP), ("code", &code)]),
        heading: v::BOX_HEADING.to_owned(),
        lines: vec![
            how,
            fill(v::BOX_RECORDS, &[("records", &records_text(h.len()))]),
        ],
        qr_payload,
        generated_unix: issuer.now.timestamp(),
        creator: APP.to_owned(),
        code: code.clone(),
    };
    Ok(Sealing {
        seal: NewSeal {
            kind,
            subject: subject.to_owned(),
            code,
            generated_at,
            digest,
            vector,
            records: h.len(),
            file_sha256: None,
        },
        mark,
    })
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Renders `doc` sealed with `sealing`; the seal gets the file's SHA-256.
fn render(doc: &Document, mut sealing: Sealing) -> Result<(Vec<u8>, NewSeal)> {
    let pdf = crate::pdf::render_sealed(doc, Some(&sealing.mark))?;
    sealing.seal.file_sha256 = Some(sha256(&pdf));
    Ok((pdf, sealing.seal))
}

/// The acta of `assembly`, sealed: the PDF and the seal to record.
pub fn acta_pdf_sealed(
    replica: &Replica,
    assembly: Uuid,
    issuer: &Issuer,
) -> Result<(Vec<u8>, NewSeal)> {
    let doc = acta::acta_document(replica, assembly)?;
    let sealing = seal(replica, DocKind::Acta, &assembly.to_string(), issuer)?;
    render(&doc, sealing)
}

/// The cuadernillo of `fiscal_year`, sealed: the PDF and the seal to record.
pub fn cuadernillo_pdf_sealed(
    replica: &Replica,
    fiscal_year: i32,
    issuer: &Issuer,
) -> Result<(Vec<u8>, NewSeal)> {
    cuadernillo_pdf_sealed_with(
        replica,
        fiscal_year,
        issuer,
        cuadernillo::Pictures::Thumbnails,
    )
}

/// [`cuadernillo_pdf_sealed`] with its photos shown as `pictures`.
pub fn cuadernillo_pdf_sealed_with(
    replica: &Replica,
    fiscal_year: i32,
    issuer: &Issuer,
    pictures: cuadernillo::Pictures,
) -> Result<(Vec<u8>, NewSeal)> {
    let doc = cuadernillo::cuadernillo_document_with(replica, fiscal_year, pictures)?;
    let sealing = seal(
        replica,
        DocKind::Cuadernillo,
        &fiscal_year.to_string(),
        issuer,
    )?;
    render(&doc, sealing)
}

/// Makes the acta and records its seal (the app's path: the seal syncs).
pub fn issue_acta(replica: &mut Replica, assembly: Uuid, issuer: &Issuer) -> Result<Vec<u8>> {
    let (pdf, seal) = acta_pdf_sealed(replica, assembly, issuer)?;
    replica.record_seal(&seal)?;
    Ok(pdf)
}

/// Makes the cuadernillo and records its seal.
pub fn issue_cuadernillo(
    replica: &mut Replica,
    fiscal_year: i32,
    issuer: &Issuer,
) -> Result<Vec<u8>> {
    let (pdf, seal) = cuadernillo_pdf_sealed(replica, fiscal_year, issuer)?;
    replica.record_seal(&seal)?;
    Ok(pdf)
}

/// Largest file [`verify_file`] reads: the biggest cuadernillo with thumbnails is a few
/// megabytes; anything far larger is not one.
pub const VERIFY_FILE_BYTES_MAX: usize = 64 * 1024 * 1024;

fn parse_time(rfc3339: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn hlc_time(hlc: u64) -> Option<DateTime<Utc>> {
    cosabi_core::hlc::Hlc(hlc).to_datetime()
}

fn document_title(replica: &Replica, seal: &Seal) -> Result<String> {
    Ok(match seal.kind {
        DocKind::Acta => {
            let assembly = Uuid::parse_str(&seal.subject)
                .ok()
                .map(|id| replica.assembly(id))
                .transpose()?
                .flatten();
            match assembly {
                Some(d) => fill(
                    v::DOC_ACTA,
                    &[
                        ("kind", &texts::assembly_kind_lower(&d.assembly.kind)),
                        ("date", &date(&d.assembly.date)),
                    ],
                ),
                None => v::DOC_ACTA_UNKNOWN.to_owned(),
            }
        }
        DocKind::Cuadernillo => fill(v::DOC_CUADERNILLO, &[("year", &seal.subject)]),
        DocKind::Expediente => fill(v::DOC_EXPEDIENTE, &[("year", &seal.subject)]),
    })
}

/// Verifies `seal` against what `replica` holds now.
pub fn verify(replica: &Replica, seal: &Seal) -> Result<Verification> {
    let clinic = clinic_of(replica)?;
    let now = histories(replica, seal.kind, &seal.subject)?;
    let sealed_vector = core_seal::vector_from_text(&seal.vector).unwrap_or_default();
    let digest = hex::encode(core_seal::records_digest(&now));
    let restricted = core_seal::restrict(&now, &sealed_vector);
    let verdict = if digest == seal.digest {
        Verdict::Matches
    } else if hex::encode(core_seal::records_digest(&restricted)) == seal.digest {
        Verdict::ChangedSince
    } else {
        Verdict::DoesNotMatch
    };
    let members: HashMap<Uuid, String> = replica
        .members()?
        .into_iter()
        .map(|m| (m.id.0, m.role))
        .collect();
    let role_of = |id: Option<Uuid>| {
        id.and_then(|a| members.get(&a))
            .map(|r| texts::role(r).into_owned())
    };
    let changes = if verdict == Verdict::Matches {
        Vec::new()
    } else {
        core_seal::since(&now, &sealed_vector)
            .into_iter()
            .map(|(r, w)| {
                let table = schema::table(r.table);
                let record = table.map_or(texts::t::RECORD_OTHER, |t| texts::table_label(t.name));
                let new = w.fields.iter().all(|f| f.prev.is_none());
                let mut fields: Vec<std::borrow::Cow<'static, str>> = if new {
                    vec![v::NEW_RECORD.into()]
                } else {
                    w.fields
                        .iter()
                        .map(|f| {
                            table
                                .and_then(|t| t.column(f.column))
                                .map_or(texts::t::FIELD_OTHER.into(), |c| {
                                    texts::column_label(c.name)
                                })
                        })
                        .collect()
                };
                fields.dedup();
                let what = fill(
                    v::FIELDS_CHANGED,
                    &[("record", record), ("fields", &fields.join(", "))],
                );
                let when = hlc_time(w.hlc).map(central).unwrap_or_default();
                match role_of(w.author) {
                    Some(role) => fill(
                        v::CHANGE_BY,
                        &[("what", &what), ("when", &when), ("role", &role)],
                    ),
                    None => fill(v::CHANGE_AT, &[("what", &what), ("when", &when)]),
                }
            })
            .collect()
    };
    let held = replica.version_vector()?;
    let devices_behind = sealed_vector
        .iter()
        .filter(|(site, seq)| {
            held.get(&cosabi_core::ids::SiteId(**site))
                .is_none_or(|h| h < *seq)
        })
        .count();
    Ok(Verification {
        code: seal.code.clone(),
        verdict,
        document: document_title(replica, seal)?,
        clinic: format!("{} ({})", clinic.name, clinic.clues),
        generated_at: parse_time(&seal.generated_at)
            .map(central)
            .unwrap_or_else(|| seal.generated_at.clone()),
        generated_by: role_of(seal.generated_by),
        records: seal.records,
        as_of: replica.newest_change_hlc()?.and_then(hlc_time).map(central),
        changes,
        devices_behind,
    })
}

/// Verifies the code a person typed or a QR code gave (`None`: no document with that
/// code is known here).
pub fn verify_code(replica: &Replica, input: &str) -> Result<Option<Verification>> {
    let Some(code) = core_seal::normalise_code(input) else {
        return Ok(None);
    };
    match replica.seal(&code)? {
        Some(seal) => Ok(Some(verify(replica, &seal)?)),
        None => Ok(None),
    }
}

/// The first seal code written in `bytes` (a sealed PDF names it in its metadata).
pub fn code_in_file(bytes: &[u8]) -> Option<String> {
    // CLUES (5 letters, 6 digits), '-', 4, '-', 4 base-32 characters.
    const LEN: usize = 21;
    bytes.windows(LEN).find_map(|b| {
        // The shape on bytes first: a file is megabytes of windows, nearly none a code.
        let shape = b[..5].iter().all(u8::is_ascii_uppercase)
            && b[5..11].iter().all(u8::is_ascii_digit)
            && b[11] == b'-'
            && b[16] == b'-'
            && b[12..16]
                .iter()
                .chain(&b[17..])
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
        if !shape {
            return None;
        }
        let s = std::str::from_utf8(b).ok()?;
        core_seal::normalise_code(s).filter(|c| c == s)
    })
}

/// Checks a file someone holds (a PDF as it was shared): is it the very file Cosabi
/// made, and do its records still match?
pub fn verify_file(replica: &Replica, bytes: &[u8]) -> Result<FileCheck> {
    if bytes.len() > VERIFY_FILE_BYTES_MAX {
        return Ok(FileCheck::Unknown);
    }
    let sha = hex::encode(sha256(bytes));
    if let Some(seal) = replica.seal_of_file(&sha)? {
        return Ok(FileCheck::Original {
            verification: verify(replica, &seal)?,
        });
    }
    Ok(match code_in_file(bytes) {
        Some(code) => FileCheck::Altered {
            verification: verify_code(replica, &code)?,
            code: Some(code),
        },
        None => FileCheck::Unknown,
    })
}
