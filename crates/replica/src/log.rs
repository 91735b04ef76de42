//! The write path: a row update and its change-log entry in the same transaction.
//!
//! Layout, chosen to keep a logged write within a small factor of a plain INSERT:
//! one `change_log` row per write to one row (not one per field), whose `body` holds
//! the field changes; the current version of each field lives in the row itself
//! (`_ver`), so recording a write touches two b-trees, not one per field.

use crate::error::{Error, Result};
use crate::merge::{fold_fields, insert_new_row, FoldField, MergeCtx};
use cosabi_core::change::Value;
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::{MemberId, SiteId};
use cosabi_core::schema::{TableDef, CONFLICT_RESOLUTION};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, ToSql, Transaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A field change as stored locally: `prev` names the replaced version by local
/// site index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LogField {
    pub column: u16,
    pub prev: Option<(u64, u64)>,
    pub value: Value,
}

/// [`LogField`] borrowing its value, to encode a log body without copying values;
/// serialises exactly as `LogField` does.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct LogFieldRef<'a> {
    pub column: u16,
    pub prev: Option<(u64, u64)>,
    pub value: &'a Value,
}

/// The version of one field as kept in a row's `_ver` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FieldVersion {
    pub column: u16,
    pub site_idx: u64,
    pub seq: u64,
    pub hlc: u64,
}

/// A run of field versions written by one change group: same site and HLC,
/// consecutive seqs from `seq_first`, one per column in order.
#[derive(Serialize, Deserialize)]
struct VersionRun {
    site_idx: u64,
    seq_first: u64,
    hlc: u64,
    columns: Vec<u16>,
}

/// Encodes a row's field versions as runs: a freshly inserted row is one run, a
/// couple of dozen bytes instead of a dozen bytes per field.
pub(crate) fn encode_versions(versions: &[FieldVersion]) -> Vec<u8> {
    let mut runs: Vec<VersionRun> = Vec::new();
    for v in versions {
        match runs.last_mut() {
            Some(r)
                if r.site_idx == v.site_idx
                    && r.hlc == v.hlc
                    && r.seq_first + r.columns.len() as u64 == v.seq =>
            {
                r.columns.push(v.column)
            }
            _ => runs.push(VersionRun {
                site_idx: v.site_idx,
                seq_first: v.seq,
                hlc: v.hlc,
                columns: vec![v.column],
            }),
        }
    }
    encode(&runs)
}

pub(crate) fn decode_versions(bytes: &[u8]) -> Result<Vec<FieldVersion>> {
    let runs: Vec<VersionRun> = decode(bytes, "field versions")?;
    let mut out = Vec::new();
    for r in runs {
        for (i, column) in r.columns.into_iter().enumerate() {
            out.push(FieldVersion {
                column,
                site_idx: r.site_idx,
                seq: r.seq_first + i as u64,
                hlc: r.hlc,
            });
        }
    }
    Ok(out)
}

pub(crate) fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // postcard cannot fail on these plain types with an allocating writer.
    postcard::to_allocvec(v).expect("postcard encodes plain data")
}

pub(crate) fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &str) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| Error::Corrupt(format!("{what}: {e}")))
}

pub(crate) struct SqlValue<'a>(pub &'a Value);

impl ToSql for SqlValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

pub(crate) fn value_from_sql(v: ValueRef<'_>) -> Result<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Text(t) => Value::Text(
            std::str::from_utf8(t)
                .map_err(|e| Error::Corrupt(format!("text: {e}")))?
                .to_owned(),
        ),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
        ValueRef::Real(_) => return Err(Error::Corrupt("a REAL value in a synced table".into())),
    })
}

/// The local index of `site`, registering it on first sight.
pub(crate) fn site_index(conn: &Connection, site: SiteId) -> Result<i64> {
    let bytes = site.0.as_bytes().as_slice();
    if let Some(idx) = conn
        .query_row("SELECT idx FROM sites WHERE site = ?1", [bytes], |r| {
            r.get(0)
        })
        .optional()?
    {
        return Ok(idx);
    }
    conn.execute("INSERT INTO sites(site) VALUES (?1)", [bytes])?;
    Ok(conn.last_insert_rowid())
}

/// A changed field: column, new value, the version it replaces (local site index, seq).
type Changed<'v> = (u16, &'v Value, Option<(u64, u64)>);

/// One user action's writes, inside its transaction.
pub(crate) struct Writer<'a> {
    tx: &'a Transaction<'a>,
    ctx: &'a mut MergeCtx,
    site_idx: i64,
    next_seq: u64,
    hlc: Hlc,
    author: Option<MemberId>,
}

impl<'a> Writer<'a> {
    pub fn new(
        tx: &'a Transaction<'a>,
        ctx: &'a mut MergeCtx,
        site_idx: i64,
        next_seq: u64,
        hlc: Hlc,
        author: Option<MemberId>,
    ) -> Self {
        Self {
            tx,
            ctx,
            site_idx,
            next_seq,
            hlc,
            author,
        }
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The transaction, for reads that must see what this write is based on.
    pub fn conn(&self) -> &rusqlite::Connection {
        self.tx
    }

    /// Inserts a row that does not exist anywhere yet (a fresh UUIDv7 or a natural
    /// key seen for the first time here). Every given field is logged with no `prev`.
    pub fn insert(&mut self, table: &TableDef, row: Uuid, fields: &[(u16, Value)]) -> Result<()> {
        debug_assert!(!fields.is_empty());
        debug_assert!(
            fields
                .iter()
                .enumerate()
                .all(|(i, (c, _))| fields[..i].iter().all(|(p, _)| p != c)),
            "a column given twice in one write"
        );
        let fold: Vec<FoldField<'_>> = fields
            .iter()
            .enumerate()
            .map(|(i, (column, value))| FoldField {
                column: *column,
                value,
                prev: None,
                seq: self.next_seq + i as u64,
            })
            .collect();
        if !insert_new_row(
            self.tx,
            self.ctx,
            table,
            row,
            self.site_idx as u64,
            self.hlc.0,
            &fold,
        )? {
            // The row arrived from another device meanwhile: an edit of it, then.
            self.update(table, row, fields)?;
            return Ok(());
        }
        let log: Vec<LogFieldRef<'_>> = fields
            .iter()
            .map(|(column, value)| LogFieldRef {
                column: *column,
                prev: None,
                value,
            })
            .collect();
        self.append(table, row, &log)
    }

    /// Sets fields of an existing row. Fields whose value does not change are not
    /// logged; returns how many were. A changed field's open conflicts are resolved:
    /// the person wrote over the winner, with the losers in front of them.
    pub fn update(
        &mut self,
        table: &TableDef,
        row: Uuid,
        fields: &[(u16, Value)],
    ) -> Result<usize> {
        let names: Vec<&str> = fields
            .iter()
            .map(|(c, _)| column_name(table, *c))
            .collect::<Result<_>>()?;
        let sql = format!(
            "SELECT {}, _ver FROM {} WHERE id = ?1",
            names.join(", "),
            table.name
        );
        let row_bytes = row.as_bytes().as_slice();
        let (current, ver_blob) = {
            let mut stmt = self.tx.prepare_cached(&sql)?;
            let mut rows = stmt.query([row_bytes])?;
            let r = rows
                .next()?
                .ok_or_else(|| Error::Corrupt(format!("{} row {row} is missing", table.name)))?;
            let mut current = Vec::with_capacity(fields.len());
            for i in 0..fields.len() {
                current.push(value_from_sql(r.get_ref(i)?)?);
            }
            let ver: Option<Vec<u8>> = r.get(fields.len())?;
            (current, ver)
        };
        let versions: Vec<FieldVersion> = match &ver_blob {
            Some(b) => decode_versions(b)?,
            None => Vec::new(),
        };
        let changed: Vec<Changed<'_>> = fields
            .iter()
            .zip(&current)
            .filter(|((_, value), old)| value != *old)
            .map(|((column, value), _)| {
                let prev = versions
                    .iter()
                    .find(|v| v.column == *column)
                    .map(|v| (v.site_idx, v.seq));
                (*column, value, prev)
            })
            .collect();
        if changed.is_empty() {
            return Ok(0);
        }
        for (column, _, _) in &changed {
            self.resolve_field(table, row, *column)?;
        }
        self.write_fields(table, row, &changed)?;
        Ok(changed.len())
    }

    /// Folds and logs field changes with the given `prev`s.
    fn write_fields(&mut self, table: &TableDef, row: Uuid, changed: &[Changed<'_>]) -> Result<()> {
        let fold: Vec<FoldField<'_>> = changed
            .iter()
            .enumerate()
            .map(|(i, (column, value, prev))| FoldField {
                column: *column,
                value,
                prev: *prev,
                seq: self.next_seq + i as u64,
            })
            .collect();
        fold_fields(
            self.tx,
            self.ctx,
            table,
            row,
            self.site_idx as u64,
            self.hlc.0,
            &fold,
        )?;
        let log: Vec<LogFieldRef<'_>> = changed
            .iter()
            .map(|(column, value, prev)| LogFieldRef {
                column: *column,
                prev: *prev,
                value,
            })
            .collect();
        self.append(table, row, &log)
    }

    /// Marks every unresolved loser of one field as resolved (a synced
    /// `conflict_resolution` row whose id derives from the losing version).
    pub fn resolve_field(&mut self, table: &TableDef, row: Uuid, column: u16) -> Result<usize> {
        let losers: Vec<(Vec<u8>, i64)> = {
            let mut stmt = self.tx.prepare_cached(
                "SELECT s.site, c.seq FROM conflicts c JOIN sites s ON s.idx = c.site_idx
                 WHERE c.tbl = ?1 AND c.row_id = ?2 AND c.col = ?3",
            )?;
            let rows = stmt.query_map(
                rusqlite::params![table.id, row.as_bytes().as_slice(), column],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut n = 0;
        for (site, seq) in losers {
            let id = resolution_id(table.id, row, column, &site, seq as u64);
            let exists: bool = self
                .tx
                .prepare_cached("SELECT EXISTS(SELECT 1 FROM conflict_resolution WHERE id = ?1)")?
                .query_row([id.as_bytes().as_slice()], |r| r.get(0))?;
            if exists {
                continue;
            }
            self.insert(
                &CONFLICT_RESOLUTION,
                id,
                &[
                    (1, Value::Int(i64::from(table.id))),
                    (2, Value::uuid(row)),
                    (3, Value::Int(i64::from(column))),
                    (4, Value::Bytes(site)),
                    (5, Value::Int(seq)),
                ],
            )?;
            n += 1;
        }
        Ok(n)
    }

    fn append(&mut self, table: &TableDef, row: Uuid, fields: &[LogFieldRef<'_>]) -> Result<()> {
        let seq_first = self.next_seq;
        let seq_last = seq_first + fields.len() as u64 - 1;
        append_log(
            self.tx,
            self.site_idx,
            seq_first,
            seq_last,
            self.hlc,
            table.id,
            row,
            self.author,
            &encode(&fields),
            None,
        )?;
        self.next_seq = seq_last + 1;
        Ok(())
    }
}

/// Appends one change-log row; returns its id (the local arrival order). `tag` is the
/// device tag another device's group came with (this device's groups are tagged when
/// they leave it: `None`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn append_log(
    tx: &Transaction<'_>,
    site_idx: i64,
    seq_first: u64,
    seq_last: u64,
    hlc: Hlc,
    table: u16,
    row: Uuid,
    author: Option<MemberId>,
    body: &[u8],
    tag: Option<&[u8]>,
) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO change_log(site_idx, seq_first, seq_last, hlc, tbl, row_id, author, body, tag)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(rusqlite::params![
        site_idx,
        seq_first as i64,
        seq_last as i64,
        hlc.0 as i64,
        table,
        row.as_bytes().as_slice(),
        author.map(|a| a.0.as_bytes().to_vec()),
        body,
        tag,
    ])?;
    Ok(tx.last_insert_rowid())
}

fn column_name(table: &TableDef, column: u16) -> Result<&'static str> {
    table
        .column(column)
        .map(|c| c.name)
        .ok_or_else(|| Error::Corrupt(format!("{} has no column {column}", table.name)))
}

/// The id of the resolution of one losing version: the same on every device.
pub(crate) fn resolution_id(table: u16, row: Uuid, column: u16, site: &[u8], seq: u64) -> Uuid {
    cosabi_core::ids::natural_id(
        "conflict_resolution",
        &[
            &table.to_be_bytes(),
            row.as_bytes(),
            &column.to_be_bytes(),
            site,
            &seq.to_be_bytes(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_log_fields_encode_as_owned_ones() {
        let value = Value::Text("Pintura vinílica".into());
        let owned = vec![LogField {
            column: 4,
            prev: Some((2, 17)),
            value: value.clone(),
        }];
        let borrowed = vec![LogFieldRef {
            column: 4,
            prev: Some((2, 17)),
            value: &value,
        }];
        assert_eq!(encode(&owned), encode(&borrowed));
        let back: Vec<LogField> = decode(&encode(&borrowed), "body").unwrap();
        assert_eq!(back, owned);
    }
}
