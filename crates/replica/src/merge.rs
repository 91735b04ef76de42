//! The merge rule, shared by local writes and remote changes so both reach the same
//! state by construction.
//!
//! Per field, the *heads* are the changes no other known change names as replaced.
//! The winner is the head with the highest (effective HLC, site id); the other heads
//! are *losers*, kept in the `conflicts` table with their values. A change replaces
//! exactly the version it names (`prev`), so:
//! - a sequential edit (prev = the current winner) simply takes its place;
//! - a concurrent edit (prev is older, or none) becomes one more head, and whichever
//!   head loses is kept as a conflict: nothing is silently lost;
//! - an edit made over a loser (its author had not seen the winner) replaces that
//!   loser and competes with the winner again.
//!
//! Changes are applied in causal order (a change only after the version it names),
//! so the heads, and therefore the winner and the conflicts, are a function of the
//! set of changes, whatever order they were delivered in.
//!
//! The effective HLC is the HLC shifted by a `clock_correction` of its site, if one
//! covers it (see ARCHITECTURE.md, "Clocks").

use crate::error::{Error, Result};
use crate::log::{decode_versions, encode_versions, value_from_sql, FieldVersion, SqlValue};
use cosabi_core::change::Value;
use cosabi_core::ids::SiteId;
use cosabi_core::schema::TableDef;
use rusqlite::{OptionalExtension, ToSql, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// One field change to fold, with `prev` as a local (site index, seq).
#[derive(Debug, Clone)]
pub(crate) struct FoldField<'a> {
    pub column: u16,
    pub value: &'a Value,
    pub prev: Option<(u64, u64)>,
    pub seq: u64,
}

/// A head of a field: a version and its value.
#[derive(Debug, Clone)]
struct Head {
    site_idx: u64,
    seq: u64,
    hlc: u64,
    value: Value,
}

/// What the merge needs to compare heads: site ids (the tie-breaker must be the
/// global id, not the local index) and clock corrections. Loaded on first need, so
/// the common path (no concurrent heads) never reads them.
#[derive(Default)]
pub(crate) struct MergeCtx {
    loaded: bool,
    /// SQL text of the hot statements by (table, column mask): building it is a
    /// visible part of a write's cost, and rusqlite's statement cache needs the text.
    insert_sql: HashMap<(u16, u64), Arc<str>>,
    sites: HashMap<u64, SiteId>,
    /// site index → (from_seq, to_seq, offset_ms), sorted by correction id.
    corrections: HashMap<u64, Vec<(u64, u64, i64)>>,
}

impl MergeCtx {
    /// Forgets what was loaded (after a clock correction or a new site arrives).
    pub fn invalidate(&mut self) {
        self.loaded = false;
    }

    /// `INSERT INTO t (id, <columns in ascending id order>, _ver) VALUES (…)`, with
    /// `ON CONFLICT DO NOTHING` so a row that exists is left for the merge path.
    pub fn insert_sql(&mut self, table: &TableDef, columns_sorted: &[u16]) -> Result<Arc<str>> {
        let mask = columns_sorted
            .iter()
            .fold(0u64, |m, c| m | (1u64 << (*c as u64 % 64)));
        let key = (table.id, mask);
        if let Some(sql) = self.insert_sql.get(&key) {
            return Ok(sql.clone());
        }
        let names: Vec<&str> = columns_sorted
            .iter()
            .map(|c| column_name(table, *c))
            .collect::<Result<_>>()?;
        let sql: Arc<str> = format!(
            "INSERT INTO {} (id, {}, _ver) VALUES (?1, {}, ?{}) ON CONFLICT(id) DO NOTHING",
            table.name,
            names.join(", "),
            (2..names.len() + 2)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", "),
            names.len() + 2
        )
        .into();
        // Column ids ≥ 64 share mask bits: only cache what the mask identifies.
        if columns_sorted.iter().all(|c| *c < 64) {
            self.insert_sql.insert(key, sql.clone());
        }
        Ok(sql)
    }

    fn load(&mut self, tx: &Transaction<'_>) -> Result<()> {
        if self.loaded {
            return Ok(());
        }
        self.sites.clear();
        self.corrections.clear();
        let mut stmt = tx.prepare_cached("SELECT idx, site FROM sites")?;
        let mut rows = stmt.query([])?;
        let mut by_uuid = HashMap::new();
        while let Some(r) = rows.next()? {
            let idx: i64 = r.get(0)?;
            let site: Vec<u8> = r.get(1)?;
            let site =
                Uuid::from_slice(&site).map_err(|e| Error::Corrupt(format!("site id: {e}")))?;
            self.sites.insert(idx as u64, SiteId(site));
            by_uuid.insert(site, idx as u64);
        }
        let mut stmt = tx.prepare_cached(
            "SELECT site, from_seq, to_seq, offset_ms FROM clock_correction
             WHERE deleted = 0 ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let site: Option<Vec<u8>> = r.get(0)?;
            let (Some(site), Some(from), Some(to), Some(offset)) = (
                site,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ) else {
                continue;
            };
            let Ok(site) = Uuid::from_slice(&site) else {
                continue;
            };
            if let Some(idx) = by_uuid.get(&site) {
                self.corrections
                    .entry(*idx)
                    .or_default()
                    .push((from as u64, to as u64, offset));
            }
        }
        self.loaded = true;
        Ok(())
    }

    /// The HLC a change is ordered by: shifted by the last correction (in id order)
    /// of its site that covers its seq.
    pub fn effective_hlc(&self, site_idx: u64, seq: u64, hlc: u64) -> u64 {
        let offset = self
            .corrections
            .get(&site_idx)
            .and_then(|list| {
                list.iter()
                    .rev()
                    .find(|(from, to, _)| *from <= seq && seq <= *to)
            })
            .map(|(_, _, off)| *off)
            .unwrap_or(0);
        cosabi_core::hlc::Hlc(hlc).shifted_ms(offset).0
    }

    /// What the merge rule orders a head by (`cosabi_core::merge::HeadKey`).
    fn key(&self, h: &Head) -> cosabi_core::merge::HeadKey {
        cosabi_core::merge::HeadKey {
            effective_hlc: self.effective_hlc(h.site_idx, h.seq, h.hlc),
            site: self.sites.get(&h.site_idx).copied(),
            seq: h.seq,
        }
    }
}

fn column_name(table: &TableDef, column: u16) -> Result<&'static str> {
    table
        .column(column)
        .map(|c| c.name)
        .ok_or_else(|| Error::Corrupt(format!("{} has no column {column}", table.name)))
}

/// Folds the field changes of one group (one site, one HLC, one row) into the row.
/// Every column must be known to `table`.
pub(crate) fn fold_fields(
    tx: &Transaction<'_>,
    ctx: &mut MergeCtx,
    table: &TableDef,
    row: Uuid,
    site_idx: u64,
    hlc: u64,
    fields: &[FoldField<'_>],
) -> Result<()> {
    if fields.is_empty() {
        return Ok(());
    }
    let row_bytes = row.as_bytes().as_slice();
    // A row seen for the first time: every field is the only head. Most rows of a
    // page are new, so try that first; an existing row takes the merge path below.
    // A change that names a replaced version is an edit of a row held here: skip
    // the insert attempt.
    let all_new = fields.iter().all(|f| f.prev.is_none());
    if all_new && insert_new_row(tx, ctx, table, row, site_idx, hlc, fields)? {
        return Ok(());
    }
    // Only the touched columns are read (an acta's minutes can be kilobytes).
    let names: Vec<&str> = fields
        .iter()
        .map(|f| column_name(table, f.column))
        .collect::<Result<_>>()?;
    let select = format!(
        "SELECT {}, _ver FROM {} WHERE id = ?1",
        names.join(", "),
        table.name
    );
    let (values, ver_blob): (Vec<Value>, Option<Vec<u8>>) = {
        let mut stmt = tx.prepare_cached(&select)?;
        let mut rows = stmt.query([row_bytes])?;
        let r = rows
            .next()?
            .ok_or_else(|| Error::Corrupt(format!("{} row {row} vanished", table.name)))?;
        let mut values = Vec::with_capacity(names.len());
        for i in 0..names.len() {
            values.push(value_from_sql(r.get_ref(i)?)?);
        }
        (values, r.get(names.len())?)
    };

    let mut versions: Vec<FieldVersion> = match &ver_blob {
        Some(b) => decode_versions(b)?,
        None => Vec::new(),
    };
    let has_conflicts: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM conflicts WHERE tbl = ?1 AND row_id = ?2)")?
        .query_row(rusqlite::params![table.id, row_bytes], |r| r.get(0))?;

    let mut sets: Vec<(&'static str, Value)> = Vec::new();
    for (fi, f) in fields.iter().enumerate() {
        let new = Head {
            site_idx,
            seq: f.seq,
            hlc,
            value: f.value.clone(),
        };
        let current = versions.iter().position(|v| v.column == f.column);
        let losers = if has_conflicts {
            load_losers(tx, table.id, row_bytes, f.column)?
        } else {
            Vec::new()
        };
        let had_losers = !losers.is_empty();
        let current_head = current.map(|ci| {
            let cur = versions[ci];
            Head {
                site_idx: cur.site_idx,
                seq: cur.seq,
                hlc: cur.hlc,
                value: values[fi].clone(),
            }
        });
        let replaces = |h: &Head| f.prev == Some((h.site_idx, h.seq));
        // Site ids and clock corrections are read only when heads compete: the common
        // path (a new row, or a sequential edit) never needs them.
        let competing = current_head.as_ref().is_some_and(|c| !replaces(c))
            || losers.iter().any(|l| !replaces(l));
        if competing {
            ctx.load(tx)?;
        }
        let ctx_ref: &MergeCtx = ctx;
        let outcome =
            cosabi_core::merge::decide(current_head, losers, new, replaces, |h| ctx_ref.key(h));
        let (winner, heads, replaced_loser) =
            (outcome.winner, outcome.losers, outcome.replaced_loser);
        // The row holds the winner.
        let wv = FieldVersion {
            column: f.column,
            site_idx: winner.site_idx,
            seq: winner.seq,
            hlc: winner.hlc,
        };
        match current {
            Some(ci) => versions[ci] = wv,
            None => versions.push(wv),
        }
        if values[fi] != winner.value {
            sets.push((names[fi], winner.value.clone()));
        }
        // The conflicts table holds the other heads, if anything about them changed.
        if had_losers || !heads.is_empty() || replaced_loser {
            tx.prepare_cached("DELETE FROM conflicts WHERE tbl = ?1 AND row_id = ?2 AND col = ?3")?
                .execute(rusqlite::params![table.id, row_bytes, f.column])?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO conflicts(tbl, row_id, col, site_idx, seq, hlc, value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for h in &heads {
                insert.execute(rusqlite::params![
                    table.id,
                    row_bytes,
                    f.column,
                    h.site_idx as i64,
                    h.seq as i64,
                    h.hlc as i64,
                    SqlValue(&h.value),
                ])?;
            }
        }
    }

    let ver = encode_versions(&versions);
    if sets.is_empty() {
        tx.prepare_cached(&format!(
            "UPDATE {} SET _ver = ?2 WHERE id = ?1",
            table.name
        ))?
        .execute(rusqlite::params![row_bytes, ver])?;
    } else {
        let assignments: Vec<String> = sets
            .iter()
            .enumerate()
            .map(|(i, (name, _))| format!("{name} = ?{}", i + 3))
            .collect();
        let sql = format!(
            "UPDATE {} SET _ver = ?2, {} WHERE id = ?1",
            table.name,
            assignments.join(", ")
        );
        let vals: Vec<SqlValue<'_>> = sets.iter().map(|(_, v)| SqlValue(v)).collect();
        let mut params: Vec<&dyn ToSql> = vec![&row_bytes, &ver];
        for v in &vals {
            params.push(v);
        }
        tx.prepare_cached(&sql)?.execute(params.as_slice())?;
    }
    Ok(())
}

/// Inserts `row` with `fields` if it does not exist; returns whether it did.
pub(crate) fn insert_new_row(
    tx: &Transaction<'_>,
    ctx: &mut MergeCtx,
    table: &TableDef,
    row: Uuid,
    site_idx: u64,
    hlc: u64,
    fields: &[FoldField<'_>],
) -> Result<bool> {
    let mut order: Vec<usize> = (0..fields.len()).collect();
    order.sort_by_key(|i| fields[*i].column);
    let columns: Vec<u16> = order.iter().map(|i| fields[*i].column).collect();
    let sql = ctx.insert_sql(table, &columns)?;
    let versions: Vec<FieldVersion> = fields
        .iter()
        .map(|f| FieldVersion {
            column: f.column,
            site_idx,
            seq: f.seq,
            hlc,
        })
        .collect();
    let ver = encode_versions(&versions);
    let row_bytes = row.as_bytes().as_slice();
    let vals: Vec<SqlValue<'_>> = order.iter().map(|i| SqlValue(fields[*i].value)).collect();
    let mut params: Vec<&dyn ToSql> = Vec::with_capacity(fields.len() + 2);
    params.push(&row_bytes);
    for v in &vals {
        params.push(v);
    }
    params.push(&ver);
    let inserted = tx.prepare_cached(&sql)?.execute(params.as_slice())?;
    Ok(inserted == 1)
}

fn load_losers(tx: &Transaction<'_>, tbl: u16, row: &[u8], col: u16) -> Result<Vec<Head>> {
    let mut stmt = tx.prepare_cached(
        "SELECT site_idx, seq, hlc, value FROM conflicts WHERE tbl = ?1 AND row_id = ?2 AND col = ?3",
    )?;
    let mut rows = stmt.query(rusqlite::params![tbl, row, col])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(Head {
            site_idx: r.get::<_, i64>(0)? as u64,
            seq: r.get::<_, i64>(1)? as u64,
            hlc: r.get::<_, i64>(2)? as u64,
            value: value_from_sql(r.get_ref(3)?)?,
        });
    }
    Ok(out)
}

/// Re-decides the winner of every field that has losers, after clock corrections
/// changed the effective HLCs.
pub(crate) fn reorder_conflicted_fields(tx: &Transaction<'_>, ctx: &mut MergeCtx) -> Result<()> {
    ctx.invalidate();
    ctx.load(tx)?;
    let fields: Vec<(u16, Vec<u8>, u16)> = {
        let mut stmt = tx.prepare("SELECT DISTINCT tbl, row_id, col FROM conflicts")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (tbl, row, col) in fields {
        let Some(table) = cosabi_core::schema::table(tbl) else {
            continue;
        };
        let Some(col_def) = table.column(col) else {
            continue;
        };
        let sql = format!(
            "SELECT {}, _ver FROM {} WHERE id = ?1",
            col_def.name, table.name
        );
        let found: Option<(Value, Option<Vec<u8>>)> = tx
            .query_row(&sql, [&row], |r| {
                Ok((
                    value_from_sql(r.get_ref(0)?).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(
                            0,
                            rusqlite::types::Type::Blob,
                            Box::new(e),
                        )
                    })?,
                    r.get(1)?,
                ))
            })
            .optional()?;
        let Some((value, Some(ver_blob))) = found else {
            continue;
        };
        let mut versions: Vec<FieldVersion> = decode_versions(&ver_blob)?;
        let Some(ci) = versions.iter().position(|v| v.column == col) else {
            continue;
        };
        let cur = versions[ci];
        let mut heads = load_losers(tx, tbl, &row, col)?;
        heads.push(Head {
            site_idx: cur.site_idx,
            seq: cur.seq,
            hlc: cur.hlc,
            value,
        });
        let best = cosabi_core::merge::winner_index(&heads, |h| ctx.key(h));
        if best == heads.len() - 1 {
            continue;
        }
        let winner = heads.swap_remove(best);
        versions[ci] = FieldVersion {
            column: col,
            site_idx: winner.site_idx,
            seq: winner.seq,
            hlc: winner.hlc,
        };
        tx.execute(
            &format!(
                "UPDATE {} SET {} = ?2, _ver = ?3 WHERE id = ?1",
                table.name, col_def.name
            ),
            rusqlite::params![row, SqlValue(&winner.value), encode_versions(&versions)],
        )?;
        tx.execute(
            "DELETE FROM conflicts WHERE tbl = ?1 AND row_id = ?2 AND col = ?3",
            rusqlite::params![tbl, row, col],
        )?;
        for h in &heads {
            tx.execute(
                "INSERT INTO conflicts(tbl, row_id, col, site_idx, seq, hlc, value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![
                    tbl,
                    row,
                    col,
                    h.site_idx as i64,
                    h.seq as i64,
                    h.hlc as i64,
                    SqlValue(&h.value)
                ],
            )?;
        }
    }
    Ok(())
}
