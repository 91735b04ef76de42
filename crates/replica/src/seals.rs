//! Document seals kept in the replica: which rows each document reads, their whole
//! change history for the digest ([`cosabi_core::seal`]), and the `document_seal`
//! rows the app writes when it makes a document and reads to verify one.

use crate::error::{Error, Result};
use crate::log::LogField;
use crate::rows::{int_at, text, text_at, uuid_at};
use crate::Replica;
use cosabi_core::change::Value;
use cosabi_core::ids::natural_id;
use cosabi_core::schema::{
    ACTION, AGREEMENT, AMENDMENT, ASSEMBLY, ATTENDANCE, CARD_MOVEMENT, CLINIC, DOCUMENT_SEAL,
    MEMBER, PHOTO, PURCHASE, RECEIPT,
};
use cosabi_core::seal::{DocKind, LoggedField, LoggedWrite, RowHistories, RowRef};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// A document's seal as stored and synced (and, as JSON, in the server's store of
/// the seals it issued itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seal {
    pub id: Uuid,
    pub kind: DocKind,
    /// The assembly's id (hyphenated) or the fiscal year.
    pub subject: String,
    /// As printed: `<CLUES>-XXXX-XXXX`.
    pub code: String,
    /// RFC 3339 UTC.
    pub generated_at: String,
    /// 64 hex digits.
    pub digest: String,
    /// `seal::vector_to_text`.
    pub vector: String,
    pub records: i64,
    /// SHA-256 of the file as written, or empty.
    pub file_sha256: String,
    /// Who was signed in when the document was made.
    pub generated_by: Option<Uuid>,
}

/// A seal to record (the replica fills in the clinic and the author).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSeal {
    pub kind: DocKind,
    pub subject: String,
    pub code: String,
    pub generated_at: String,
    pub digest: [u8; 32],
    pub vector: BTreeMap<Uuid, u64>,
    pub records: usize,
    pub file_sha256: Option<[u8; 32]>,
}

impl From<&NewSeal> for Seal {
    /// The seal as it is stored: digest, vector and file hash as text; no author yet.
    fn from(new: &NewSeal) -> Seal {
        Seal {
            id: seal_id(&new.code),
            kind: new.kind,
            subject: new.subject.clone(),
            code: new.code.clone(),
            generated_at: new.generated_at.clone(),
            digest: hex::encode(new.digest),
            vector: cosabi_core::seal::vector_to_text(&new.vector),
            records: new.records as i64,
            file_sha256: new.file_sha256.map(hex::encode).unwrap_or_default(),
            generated_by: None,
        }
    }
}

const SEAL_COLUMNS: &str =
    "id, kind, subject, code, generated_at, digest, vector, records, file_sha256";

/// The natural key of a seal: its code.
pub fn seal_id(code: &str) -> Uuid {
    natural_id("document_seal", &[code.as_bytes()])
}

fn ref_of(table: u16, row: Uuid) -> RowRef {
    RowRef { table, row }
}

impl Replica {
    /// Ids of the rows of `table` matching `sql` (one `id` column, parameters `p`).
    fn ids(&self, sql: &str, p: &[&dyn rusqlite::ToSql]) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(p)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(uuid_at(r, 0, "row id")?);
        }
        Ok(out)
    }

    /// The rows a document reads, deleted ones included (a delete is a change too):
    /// what its seal covers.
    ///
    /// - acta: the clinic, the assembly, its attendance, agreements and amendments, and
    ///   the members they name (attendees, those responsible, who opened and closed it);
    /// - cuadernillo: the clinic, every member (its signature blocks), the fiscal
    ///   year's card movements and purchases, their receipts, their photos and the
    ///   actions the purchases pay for;
    /// - expediente: the cuadernillo's rows, every acta of the year's assemblies, every
    ///   action and their photos.
    pub fn seal_rows(&self, kind: DocKind, subject: &str) -> Result<BTreeSet<RowRef>> {
        let mut out = BTreeSet::new();
        for c in self.ids("SELECT id FROM clinic", &[])? {
            out.insert(ref_of(CLINIC.id, c));
        }
        match kind {
            DocKind::Acta => {
                let assembly = Uuid::parse_str(subject)
                    .map_err(|_| Error::Corrupt(format!("acta subject {subject:?}")))?;
                self.acta_rows(assembly, &mut out)?;
            }
            DocKind::Cuadernillo => {
                let year = fiscal_year(subject)?;
                self.cuadernillo_rows(year, &mut out)?;
            }
            DocKind::Expediente => {
                let year = fiscal_year(subject)?;
                self.cuadernillo_rows(year, &mut out)?;
                let pattern = format!("{year:04}-%");
                for a in self.ids("SELECT id FROM assembly WHERE date LIKE ?1", &[&pattern])? {
                    self.acta_rows(a, &mut out)?;
                }
                for a in self.ids("SELECT id FROM action", &[])? {
                    out.insert(ref_of(ACTION.id, a));
                    for p in self.ids(
                        "SELECT id FROM photo WHERE owner_table = ?1 AND owner_id = ?2",
                        &[&ACTION.id, &a.as_bytes().as_slice()],
                    )? {
                        out.insert(ref_of(PHOTO.id, p));
                    }
                }
            }
        }
        Ok(out)
    }

    fn acta_rows(&self, assembly: Uuid, out: &mut BTreeSet<RowRef>) -> Result<()> {
        let a = assembly.as_bytes().as_slice();
        out.insert(ref_of(ASSEMBLY.id, assembly));
        for (table, sql) in [
            (
                ATTENDANCE.id,
                "SELECT id FROM attendance WHERE assembly_id = ?1",
            ),
            (
                AGREEMENT.id,
                "SELECT id FROM agreement WHERE assembly_id = ?1",
            ),
            (
                AMENDMENT.id,
                "SELECT id FROM amendment WHERE assembly_id = ?1",
            ),
            (
                MEMBER.id,
                "SELECT member_id FROM attendance WHERE assembly_id = ?1 AND member_id IS NOT NULL
                 UNION SELECT responsible_id FROM agreement
                 WHERE assembly_id = ?1 AND responsible_id IS NOT NULL
                 UNION SELECT opened_by FROM assembly WHERE id = ?1 AND opened_by IS NOT NULL
                 UNION SELECT closed_by FROM assembly WHERE id = ?1 AND closed_by IS NOT NULL",
            ),
        ] {
            for id in self.ids(sql, &[&a])? {
                out.insert(ref_of(table, id));
            }
        }
        Ok(())
    }

    fn cuadernillo_rows(&self, year: i64, out: &mut BTreeSet<RowRef>) -> Result<()> {
        for (table, sql) in [
            (MEMBER.id, "SELECT id FROM member"),
            (
                CARD_MOVEMENT.id,
                "SELECT id FROM card_movement WHERE fiscal_year = ?1",
            ),
            (
                PURCHASE.id,
                "SELECT id FROM purchase WHERE fiscal_year = ?1",
            ),
            (
                RECEIPT.id,
                "SELECT r.id FROM receipt r JOIN purchase p ON p.id = r.purchase_id
                 WHERE p.fiscal_year = ?1",
            ),
            (
                ACTION.id,
                "SELECT DISTINCT action_id FROM purchase
                 WHERE fiscal_year = ?1 AND action_id IS NOT NULL",
            ),
            (
                PHOTO.id,
                "SELECT ph.id FROM photo ph JOIN purchase p
                   ON ph.owner_table = 9 AND ph.owner_id = p.id WHERE p.fiscal_year = ?1
                 UNION
                 SELECT ph.id FROM photo ph JOIN receipt r
                   ON ph.owner_table = 10 AND ph.owner_id = r.id
                 JOIN purchase p ON p.id = r.purchase_id WHERE p.fiscal_year = ?1",
            ),
        ] {
            let params: &[&dyn rusqlite::ToSql] = if sql.contains("?1") { &[&year] } else { &[] };
            for id in self.ids(sql, params)? {
                out.insert(ref_of(table, id));
            }
        }
        Ok(())
    }

    /// The whole change history of each of `rows`, for [`cosabi_core::seal::records_digest`].
    /// One pass over the change log: a clinic-year's document reads thousands of rows.
    pub fn row_histories(&self, rows: &BTreeSet<RowRef>) -> Result<RowHistories> {
        let sites: HashMap<i64, Uuid> = self
            .site_uuids()?
            .into_iter()
            .map(|(i, s)| (i, s.0))
            .collect();
        let site = |idx: i64| {
            sites
                .get(&idx)
                .copied()
                .ok_or_else(|| Error::Corrupt(format!("unknown site index {idx}")))
        };
        let mut out: RowHistories = rows.iter().map(|r| (*r, Vec::new())).collect();
        let mut stmt = self.conn.prepare_cached(
            "SELECT site_idx, seq_first, seq_last, hlc, tbl, row_id, author, body FROM change_log",
        )?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let table = r.get::<_, i64>(4)? as u16;
            let row: Vec<u8> = r.get(5)?;
            let Ok(row) = Uuid::from_slice(&row) else {
                continue;
            };
            let Some(writes) = out.get_mut(&ref_of(table, row)) else {
                continue;
            };
            let body: Vec<u8> = r.get(7)?;
            let fields: Vec<LogField> = crate::log::decode(&body, "change body")?;
            let author: Option<Vec<u8>> = r.get(6)?;
            writes.push(LoggedWrite {
                site: site(r.get(0)?)?,
                seq_first: r.get::<_, i64>(1)? as u64,
                seq_last: r.get::<_, i64>(2)? as u64,
                hlc: r.get::<_, i64>(3)? as u64,
                author: author.and_then(|a| Uuid::from_slice(&a).ok()),
                fields: fields
                    .into_iter()
                    .map(|f| {
                        Ok(LoggedField {
                            column: f.column,
                            prev: f
                                .prev
                                .map(|(idx, seq)| site(idx as i64).map(|s| (s, seq)))
                                .transpose()?,
                            value: f.value,
                        })
                    })
                    .collect::<Result<_>>()?,
            });
        }
        Ok(out)
    }

    /// Records the seal of a document just made, as the signed-in member.
    pub fn record_seal(&mut self, seal: &NewSeal) -> Result<Seal> {
        // The same document made twice within a second has the same code: one seal.
        if let Some(existing) = self.seal(&seal.code)? {
            return Ok(existing);
        }
        let clinic = crate::rows::clinic_uuid(&self.conn)?;
        let s = Seal::from(seal);
        self.write(|w| {
            w.insert(
                &DOCUMENT_SEAL,
                s.id,
                &[
                    (1, Value::uuid(clinic)),
                    (2, text(s.kind.code())),
                    (3, text(&s.subject)),
                    (4, text(&s.code)),
                    (5, text(&s.generated_at)),
                    (6, text(&s.digest)),
                    (7, text(&s.vector)),
                    (8, Value::Int(s.records)),
                    (9, text(&s.file_sha256)),
                ],
            )
        })?;
        self.seal(&seal.code)?
            .ok_or_else(|| Error::Corrupt("the seal just recorded is not there".into()))
    }

    fn seals_where(&self, filter: &str, p: &[&dyn rusqlite::ToSql]) -> Result<Vec<Seal>> {
        let sql = format!(
            "SELECT {SEAL_COLUMNS} FROM document_seal WHERE deleted = 0 AND {filter}
             ORDER BY generated_at DESC, code"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(p)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id = uuid_at(r, 0, "seal id")?;
            // A seal from a newer app version with a kind this one does not know is
            // left out, not an error.
            let Some(kind) = DocKind::from_code(&text_at(r, 1)?) else {
                continue;
            };
            out.push(Seal {
                id,
                kind,
                subject: text_at(r, 2)?,
                code: text_at(r, 3)?,
                generated_at: text_at(r, 4)?,
                digest: text_at(r, 5)?,
                vector: text_at(r, 6)?,
                records: int_at(r, 7)?,
                file_sha256: text_at(r, 8)?,
                generated_by: None,
            });
        }
        for s in &mut out {
            s.generated_by = self.first_author(DOCUMENT_SEAL.id, s.id)?;
        }
        Ok(out)
    }

    /// Who wrote a row first.
    fn first_author(&self, table: u16, row: Uuid) -> Result<Option<Uuid>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT author FROM change_log WHERE tbl = ?1 AND row_id = ?2 ORDER BY id LIMIT 1",
        )?;
        let mut rows = stmt.query(rusqlite::params![table, row.as_bytes().as_slice()])?;
        Ok(match rows.next()? {
            Some(r) => r
                .get::<_, Option<Vec<u8>>>(0)?
                .and_then(|a| Uuid::from_slice(&a).ok()),
            None => None,
        })
    }

    /// The seal printed as `code` (in its printed form), if this replica has it.
    pub fn seal(&self, code: &str) -> Result<Option<Seal>> {
        Ok(self.seals_where("code = ?1", &[&code])?.into_iter().next())
    }

    /// The seal of the file whose SHA-256 is `sha256` (64 lower-case hex digits).
    pub fn seal_of_file(&self, sha256: &str) -> Result<Option<Seal>> {
        if sha256.is_empty() {
            return Ok(None);
        }
        Ok(self
            .seals_where("file_sha256 = ?1", &[&sha256])?
            .into_iter()
            .next())
    }

    /// Every document made, newest first.
    pub fn seals(&self) -> Result<Vec<Seal>> {
        self.seals_where("1 = 1", &[])
    }

    /// When the newest change this replica holds was made (HLC), if any.
    pub fn newest_change_hlc(&self) -> Result<Option<u64>> {
        Ok(self
            .conn
            .query_row("SELECT max(hlc) FROM change_log", [], |r| {
                r.get::<_, Option<i64>>(0)
            })?
            .map(|h| h as u64))
    }
}

fn fiscal_year(subject: &str) -> Result<i64> {
    subject
        .parse::<i64>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| Error::Corrupt(format!("fiscal year subject {subject:?}")))
}
