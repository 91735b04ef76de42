//! The history of a record, read back from the change log: who changed which field
//! to what, and when. What a contraloría social volunteer or an auditor looks at.

use crate::error::{Error, Result};
use crate::log::{decode, LogField};
use crate::Replica;
use cosabi_core::change::Value;
use cosabi_core::format::display_date;
use cosabi_core::glossary;
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::{MemberId, SiteId};
use cosabi_core::schema::TableDef;
use cosabi_core::views::{display_value, hlc_rfc3339, is_member_column, referenced_tables};
use cosabi_core::ValidationError;
use rusqlite::OptionalExtension;
use std::collections::HashMap;
use uuid::Uuid;

/// One field change of a record; shared with the UI, so it lives in core.
pub use cosabi_core::views::HistoryEntry;

/// A stored value as people read it: a member by name (from `names`, see
/// [`Replica::member_names`]), money as money, dates as dd/mm/aaaa.
pub fn value_for_people(
    names: &HashMap<Uuid, String>,
    table: u16,
    column: &str,
    value: &cosabi_core::change::Value,
) -> String {
    is_member_column(table, column)
        .then(|| value.as_uuid())
        .flatten()
        .and_then(|m| names.get(&m).cloned())
        .unwrap_or_else(|| display_value(table, column, value))
}

/// A referenced record this device does not have, in words (Spanish, as the
/// replica's other words for people: the expediente and the inbox read them).
pub const UNKNOWN_RECORD: &str = "(registro que no está en este equipo)";

/// A referenced record in words, from the values [`Replica::record_name`] reads:
/// an assembly by its kind and date ("Asamblea ordinaria del 20/03/2025", as the
/// expediente says it), a receipt by its kind and date (its folio fiscal is a
/// UUID people do not read), a photo by the day it was
/// taken, every other record by its name, text, description or concept. `None`
/// when the record has no words yet (a field not synced).
pub fn record_words(table: &str, first: Option<String>, second: Option<String>) -> Option<String> {
    let first = first.filter(|f| !f.trim().is_empty());
    match table {
        "assembly" | "receipt" => {
            let code = first?;
            let prefix = if table == "assembly" {
                "asm.kind"
            } else {
                "receipt_kind"
            };
            let kind = glossary::code(prefix, &code).map_or(code, str::to_owned);
            Some(match second.filter(|d| !d.trim().is_empty()) {
                Some(date) => format!("{kind} del {}", display_date(&date)),
                None => kind,
            })
        }
        "photo" => second
            .filter(|at| at.len() >= 10 && at.is_char_boundary(10))
            .map(|at| display_date(&at[..10])),
        _ => first,
    }
}

impl Replica {
    /// The record `id` of `table` in words ([`record_words`]); `None` when this
    /// device does not have it (not synced yet, or from a table without a name).
    pub fn record_name(&self, table: &TableDef, id: Uuid) -> Result<Option<String>> {
        let sql = match table.name {
            "member" | "clinic" => "SELECT name, NULL FROM {t} WHERE id = ?1",
            "assembly" => "SELECT kind, date FROM {t} WHERE id = ?1",
            "agreement" => "SELECT text, NULL FROM {t} WHERE id = ?1",
            "action" => "SELECT description, NULL FROM {t} WHERE id = ?1",
            "purchase" => "SELECT concept, NULL FROM {t} WHERE id = ?1",
            "receipt" => "SELECT kind, issued_on FROM {t} WHERE id = ?1",
            "photo" => "SELECT kind, taken_at FROM {t} WHERE id = ?1",
            _ => return Ok(None),
        };
        let row: Option<(Option<String>, Option<String>)> = self
            .conn
            .prepare_cached(&sql.replace("{t}", table.name))?
            .query_row([id.as_bytes().as_slice()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(first, second)| record_words(table.name, first, second)))
    }

    /// A field's value in words for a history: a reference by the referenced
    /// record's name (empty when this device does not have it, never the id),
    /// anything else as [`value_for_people`] reads it. Also says which table a
    /// reference points to.
    fn words_for(
        &self,
        names: &HashMap<Uuid, String>,
        table: u16,
        column: &str,
        value: &Value,
    ) -> Result<(String, Option<String>)> {
        let to = referenced_tables(table, column);
        let Some(first) = to.first() else {
            return Ok((value_for_people(names, table, column, value), None));
        };
        let refers_to = Some(first.name.to_owned());
        let Some(id) = value.as_uuid() else {
            // No value (a reference cleared) reads as nothing.
            return Ok((display_value(table, column, value), refers_to));
        };
        if first.name == "member" {
            return Ok((names.get(&id).cloned().unwrap_or_default(), refers_to));
        }
        for t in to {
            if let Some(name) = self.record_name(t, id)? {
                return Ok((name, Some(t.name.to_owned())));
            }
        }
        Ok((String::new(), refers_to))
    }

    /// A field's value as people read it wherever one is shown outside a history
    /// (the conflicts inbox, the expediente's list of conflicts): a reference by the
    /// referenced record's name, or [`UNKNOWN_RECORD`] when this device does not
    /// have it; never an id.
    pub fn value_words(
        &self,
        names: &HashMap<Uuid, String>,
        table: u16,
        column: &str,
        value: &Value,
    ) -> Result<String> {
        let (text, refers_to) = self.words_for(names, table, column, value)?;
        Ok(
            if text.is_empty() && refers_to.is_some() && value.as_uuid().is_some() {
                UNKNOWN_RECORD.to_owned()
            } else {
                text
            },
        )
    }

    /// Every member's name by id, deleted ones included: history names whoever
    /// made a change, even if they left the committee since.
    pub fn member_names(&self) -> Result<HashMap<Uuid, String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name FROM member WHERE name IS NOT NULL")?;
        let mut rows = stmt.query([])?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            let id: Vec<u8> = r.get(0)?;
            if let Ok(id) = Uuid::from_slice(&id) {
                out.insert(id, r.get(1)?);
            }
        }
        Ok(out)
    }

    /// Every field change of one row, oldest first (in the order this replica
    /// received them, which respects causality).
    pub fn history(&self, table: &TableDef, row: Uuid) -> Result<Vec<HistoryEntry>> {
        let names = self.member_names()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.site, l.seq_first, l.hlc, l.author, l.body
             FROM change_log l JOIN sites s ON s.idx = l.site_idx
             WHERE l.tbl = ?1 AND l.row_id = ?2 ORDER BY l.id",
        )?;
        let mut rows = stmt.query(rusqlite::params![table.id, row.as_bytes().as_slice()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let site: Vec<u8> = r.get(0)?;
            let site = SiteId(
                Uuid::from_slice(&site).map_err(|e| Error::Corrupt(format!("site id: {e}")))?,
            );
            let seq_first: i64 = r.get(1)?;
            let hlc = Hlc(r.get::<_, i64>(2)? as u64);
            let author: Option<Vec<u8>> = r.get(3)?;
            let author = author
                .map(|a| Uuid::from_slice(&a).map(MemberId))
                .transpose()
                .map_err(|e| Error::Corrupt(format!("author: {e}")))?;
            let body: Vec<u8> = r.get(4)?;
            let fields: Vec<LogField> = decode(&body, "change body")?;
            for (i, f) in fields.into_iter().enumerate() {
                let column = table
                    .column(f.column)
                    .map(|c| c.name.to_owned())
                    .unwrap_or_else(|| format!("#{}", f.column));
                let (display, refers_to) = self.words_for(&names, table.id, &column, &f.value)?;
                out.push(HistoryEntry {
                    hlc,
                    at: hlc_rfc3339(hlc),
                    site,
                    seq: seq_first as u64 + i as u64,
                    author,
                    author_name: author.and_then(|a| names.get(&a.0).cloned()),
                    column,
                    value: f.value,
                    display,
                    refers_to,
                });
            }
        }
        Ok(out)
    }

    /// [`Replica::history`] of a row of the table with catalog id `table`; an id this
    /// app version does not know is invalid input.
    pub fn record_history(&self, table: u16, row: Uuid) -> Result<Vec<HistoryEntry>> {
        let def = cosabi_core::schema::table(table).ok_or_else(|| {
            ValidationError::new("table", "invalid").with("id", table.to_string())
        })?;
        let mut out = self.history(def, row)?;
        if table == cosabi_core::schema::MEMBER.id {
            out.extend(self.pin_history(row)?);
            out.sort_by_key(|e| e.hlc);
        }
        Ok(out)
    }

    /// A member's PIN events (`pin_event`), as entries of the member's own history:
    /// `pin` (first, set, changed or reset), `pin_approved_by` (who approved, by
    /// name) and `pin_approval` (`recovery` when the recovery code approved it).
    fn pin_history(&self, member: Uuid) -> Result<Vec<HistoryEntry>> {
        let ids: Vec<Vec<u8>> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id FROM pin_event WHERE member_id = ?1 AND deleted = 0")?;
            let rows = stmt.query_map([member.as_bytes().as_slice()], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut out = Vec::new();
        for id in ids {
            let id =
                Uuid::from_slice(&id).map_err(|e| Error::Corrupt(format!("pin event: {e}")))?;
            for mut e in self.history(&cosabi_core::schema::PIN_EVENT, id)? {
                let keep = match e.column.as_str() {
                    "kind" => Some("pin"),
                    "approved_by" if e.value != Value::Null => Some("pin_approved_by"),
                    "approval" if e.display == "recovery" => Some("pin_approval"),
                    _ => None,
                };
                if let Some(column) = keep {
                    e.column = column.to_string();
                    out.push(e);
                }
            }
        }
        Ok(out)
    }
}
