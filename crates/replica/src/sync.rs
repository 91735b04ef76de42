//! Replication: the version vector, what a peer lacks (in bounded pages), applying a
//! page, the conflicts inbox, and clock corrections.

use crate::error::{Error, Result};
use crate::log::{
    append_log, decode, decode_versions, encode, resolution_id, site_index, value_from_sql,
    FieldVersion, LogField, LogFieldRef,
};
use crate::merge::{fold_fields, reorder_conflicted_fields, FoldField, MergeCtx};
use crate::Replica;
use cosabi_core::change::{admit, Admission, ChangeGroup, FieldChange, Value, Version};
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::{MemberId, SiteId};
use cosabi_core::schema::{self, CLINIC, CLOCK_CORRECTION};
use cosabi_core::validate::check_group;
use cosabi_core::wire::{value_size, Page, Tag, PAGE_FIELD_CHANGES_MAX, PAGE_VALUE_BYTES_MAX};
use cosabi_core::ValidationError;
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

pub use cosabi_core::views::{ConflictKey, ConflictView};

/// For each site, the highest seq held with no gap before it.
pub type VersionVector = BTreeMap<SiteId, u64>;

/// A clock off by more than this (against the server's) is corrected for the
/// changes already written with it.
pub const CLOCK_SKEW_TOLERANCE_MS: i64 = 2 * 60 * 1000;

/// What applying a page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// Field changes applied now.
    pub applied: u64,
    /// Field changes this replica already had.
    pub duplicates: u64,
    /// Field changes not applied because something before them is missing (a gap in
    /// their site's seqs, or the version they replaced); a later exchange brings them.
    pub deferred: u64,
    /// Field changes of tables or columns this app version does not know: kept.
    pub kept_unknown: u64,
    /// Field changes of groups that break the schema: kept in the log and relayed,
    /// never folded into rows, listed for review.
    pub set_aside: u64,
}

/// A conflict head in a replica-independent form (site ids, not local indexes), for
/// comparing replicas.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ConflictHead {
    pub table: u16,
    pub row: Uuid,
    pub column: u16,
    pub site: SiteId,
    pub seq: u64,
    pub value: Value,
}

struct SiteInfo {
    idx: i64,
    max_seq: u64,
}

impl Replica {
    pub(crate) fn site_uuids(&self) -> Result<HashMap<i64, SiteId>> {
        let mut stmt = self.conn.prepare_cached("SELECT idx, site FROM sites")?;
        let mut rows = stmt.query([])?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            let site: Vec<u8> = r.get(1)?;
            out.insert(
                r.get(0)?,
                SiteId(Uuid::from_slice(&site).map_err(|e| Error::Corrupt(format!("site: {e}")))?),
            );
        }
        Ok(out)
    }

    /// What this replica holds, per site.
    pub fn version_vector(&self) -> Result<VersionVector> {
        let mut vv = VersionVector::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT site, max_seq FROM sites WHERE max_seq > 0")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let site: Vec<u8> = r.get(0)?;
            let site =
                SiteId(Uuid::from_slice(&site).map_err(|e| Error::Corrupt(format!("site: {e}")))?);
            vv.insert(site, r.get::<_, i64>(1)? as u64);
        }
        if self.next_seq > 1 {
            vv.insert(self.site, self.next_seq - 1);
        }
        Ok(vv)
    }

    /// Everything `peer` lacks, in causal order, cut into pages of at most
    /// [`PAGE_FIELD_CHANGES_MAX`] changes and about [`PAGE_VALUE_BYTES_MAX`] bytes of
    /// values (a single write larger than that travels alone).
    pub fn pages_since(&self, peer: &VersionVector) -> Result<Vec<Page>> {
        self.pages_since_limited(peer, usize::MAX)
    }

    /// Like [`Replica::pages_since`], stopping after `pages_max` pages.
    pub fn pages_since_limited(&self, peer: &VersionVector, pages_max: usize) -> Result<Vec<Page>> {
        let sites = self.site_uuids()?;
        let mut pages = Vec::new();
        let mut page = Page {
            schema_version: crate::db::SCHEMA_VERSION as u32,
            tags: Vec::new(),
            groups: Vec::new(),
        };
        let (mut count, mut bytes) = (0usize, 0usize);
        let mut stmt = self.conn.prepare_cached(
            "SELECT site_idx, seq_first, seq_last, hlc, tbl, row_id, author, body, tag
             FROM change_log ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let site_idx: i64 = r.get(0)?;
            let site = *sites
                .get(&site_idx)
                .ok_or_else(|| Error::Corrupt(format!("unknown site index {site_idx}")))?;
            let seq_first = r.get::<_, i64>(1)? as u64;
            let seq_last = r.get::<_, i64>(2)? as u64;
            let has = peer.get(&site).copied().unwrap_or(0);
            if seq_last <= has {
                continue;
            }
            let body: Vec<u8> = r.get(7)?;
            let fields: Vec<LogField> = decode(&body, "change body")?;
            let skip = has.saturating_sub(seq_first - 1) as usize;
            let author: Option<Vec<u8>> = r.get(6)?;
            let row: Vec<u8> = r.get(5)?;
            let mut group = ChangeGroup {
                site,
                seq_first: seq_first + skip as u64,
                hlc: Hlc(r.get::<_, i64>(3)? as u64),
                table: r.get(4)?,
                row: Uuid::from_slice(&row).map_err(|e| Error::Corrupt(format!("row id: {e}")))?,
                author: author
                    .map(|a| Uuid::from_slice(&a).map(MemberId))
                    .transpose()
                    .map_err(|e| Error::Corrupt(format!("author: {e}")))?,
                fields: Vec::with_capacity(fields.len() - skip),
            };
            let mut group_bytes = 0;
            for f in fields.into_iter().skip(skip) {
                group_bytes += value_size(&f.value) + 8;
                let prev = match f.prev {
                    None => None,
                    Some((idx, seq)) => Some(Version {
                        site: *sites
                            .get(&(idx as i64))
                            .ok_or_else(|| Error::Corrupt(format!("unknown site index {idx}")))?,
                        seq,
                    }),
                };
                group.fields.push(FieldChange {
                    column: f.column,
                    value: f.value,
                    prev,
                });
            }
            if count > 0
                && (count + group.fields.len() > PAGE_FIELD_CHANGES_MAX
                    || bytes + group_bytes > PAGE_VALUE_BYTES_MAX)
            {
                pages.push(std::mem::replace(
                    &mut page,
                    Page {
                        schema_version: crate::db::SCHEMA_VERSION as u32,
                        tags: Vec::new(),
                        groups: Vec::new(),
                    },
                ));
                count = 0;
                bytes = 0;
                if pages.len() >= pages_max {
                    return Ok(pages);
                }
            }
            count += group.fields.len();
            bytes += group_bytes;
            // This device's groups are tagged as they leave it; others' carry the tag
            // they came with (valid only for the whole group).
            let tag = if site == self.site {
                Some(cosabi_core::identity::tag(&self.device_key, &group))
            } else if skip == 0 {
                r.get::<_, Option<Vec<u8>>>(8)?
                    .and_then(|t| Tag::try_from(t.as_slice()).ok())
            } else {
                None
            };
            page.push(group, tag);
        }
        if !page.groups.is_empty() && pages.len() < pages_max {
            pages.push(page);
        }
        Ok(pages)
    }

    /// Applies a page in one transaction. Idempotent: what this replica already has is
    /// skipped, so a page applied twice changes nothing. Changes whose predecessors
    /// are missing are deferred, never applied out of order. A group that breaks the
    /// schema is set aside (logged and relayed, so its site's later changes still
    /// apply, but never folded into rows) and listed for review.
    ///
    /// A page that holds more of this replica's own site than it has, or a different
    /// change at one of its own (site, seq), means this replica is a copy (a copied
    /// or restored folder, a commit lost to a power cut): its own writes from there
    /// move to a fresh site first ([`Replica::move_to_fresh_site`]), and the page's
    /// changes of the old site then apply as anyone else's.
    pub fn apply_page(&mut self, page: &Page) -> Result<ApplyReport> {
        if let Some(from) = self.own_divergence(&page.groups)? {
            // A peer holding more than we wrote shows we are a copy, but not where we
            // parted: what the server never confirmed moves too (an identical change
            // moved is a harmless twin; a different one left behind would be lost).
            let from = if from >= self.next_seq {
                from.min(self.acked_seq()? + 1)
            } else {
                from
            };
            self.move_to_fresh_site(from)?;
        }
        let now = self.physical_now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (report, max_hlc) = apply_groups(
            &tx,
            &mut self.ctx,
            self.site,
            self.next_seq - 1,
            &page.groups,
            |i| page.tag(i).copied(),
        )?;
        tx.commit()?;
        self.clock.observe(max_hlc, now);
        Ok(report)
    }

    /// Where `groups` leave this replica's own history: the first own seq at which a
    /// peer holds a different change, or, if the peer holds more than this replica
    /// wrote, the seq after its last. `None` when they agree.
    fn own_divergence(&self, groups: &[ChangeGroup]) -> Result<Option<u64>> {
        let own_max = self.next_seq - 1;
        let own: Vec<&ChangeGroup> = groups.iter().filter(|g| g.site == self.site).collect();
        if own.is_empty() {
            return Ok(None);
        }
        let from = own.iter().map(|g| g.seq_first).min().unwrap_or(1);
        let to = own
            .iter()
            .map(|g| g.seq_last())
            .max()
            .unwrap_or(0)
            .min(own_max);
        let mut held: Vec<ChangeGroup> = Vec::new();
        if from <= to {
            let sites = self.site_uuids()?;
            let mut stmt = self.conn.prepare_cached(
                "SELECT seq_first, hlc, tbl, row_id, author, body FROM change_log
                 WHERE site_idx = ?1 AND seq_last >= ?2 AND seq_first <= ?3",
            )?;
            let mut rows = stmt.query(rusqlite::params![self.site_idx, from as i64, to as i64])?;
            while let Some(r) = rows.next()? {
                let fields: Vec<LogField> = decode(&r.get::<_, Vec<u8>>(5)?, "change body")?;
                let author: Option<Vec<u8>> = r.get(4)?;
                held.push(ChangeGroup {
                    site: self.site,
                    seq_first: r.get::<_, i64>(0)? as u64,
                    hlc: Hlc(r.get::<_, i64>(1)? as u64),
                    table: r.get(2)?,
                    row: Uuid::from_slice(&r.get::<_, Vec<u8>>(3)?)
                        .map_err(|e| Error::Corrupt(format!("row id: {e}")))?,
                    author: author.and_then(|a| Uuid::from_slice(&a).ok()).map(MemberId),
                    fields: fields
                        .into_iter()
                        .map(|f| FieldChange {
                            column: f.column,
                            value: f.value,
                            prev: f.prev.and_then(|(idx, seq)| {
                                sites
                                    .get(&(idx as i64))
                                    .map(|site| Version { site: *site, seq })
                            }),
                        })
                        .collect(),
                });
            }
        }
        let mut first: Option<u64> = None;
        for g in own {
            for i in 0..g.fields.len() {
                let seq = g.seq_first + i as u64;
                let same = seq <= own_max && held.iter().any(|h| h.same_change_at(g, seq));
                if !same {
                    first = Some(first.map_or(seq, |s| s.min(seq)));
                    break;
                }
            }
        }
        Ok(first)
    }

    /// Moves this replica's own writes from `from_seq` on to a fresh site, losing
    /// nothing: every change is kept, those moved are re-recorded under the new site
    /// (same HLC, table, row, author and values; the versions they replaced renamed
    /// where they were moved too), and the rows, conflicts and set-aside changes are
    /// rebuilt from the change set in one transaction, so a power cut leaves either
    /// the old replica or the new one. The old site's changes before `from_seq` stay,
    /// as another site's. Returns the new site.
    ///
    /// A copy of this replica (or a peer) holds the old site's seqs from `from_seq`
    /// with other changes; writing on under the old site would make the server and
    /// every peer drop these writes as duplicates.
    pub fn move_to_fresh_site(&mut self, from_seq: u64) -> Result<SiteId> {
        let old = self.site;
        let new = SiteId(Uuid::now_v7());
        let from_seq = from_seq.max(1);
        let mut renamed: HashMap<u64, u64> = HashMap::new();
        let mut next = 1u64;
        let mut groups = Vec::new();
        let mut tags: Vec<Option<Tag>> = Vec::new();
        // Every change with its tag (this device's are tagged on the way out, so the
        // old site's keep proof of their device once they are another site's).
        let all = self
            .pages_since(&VersionVector::new())?
            .into_iter()
            .flat_map(|p| {
                let tags: Vec<Option<Tag>> =
                    (0..p.groups.len()).map(|i| p.tag(i).copied()).collect();
                p.groups.into_iter().zip(tags)
            });
        for (mut g, tag) in all {
            if g.site != old || g.seq_last() < from_seq {
                groups.push(g);
                tags.push(tag);
                continue;
            }
            let keep = from_seq.saturating_sub(g.seq_first) as usize;
            if keep > 0 {
                let kept = ChangeGroup {
                    fields: g.fields[..keep].to_vec(),
                    ..g.clone()
                };
                tags.push(Some(cosabi_core::identity::tag(&self.device_key, &kept)));
                groups.push(kept);
            }
            let old_first = g.seq_first + keep as u64;
            g.fields.drain(..keep);
            for f in &mut g.fields {
                if let Some(p) = f.prev.filter(|p| p.site == old && p.seq >= from_seq) {
                    if let Some(seq) = renamed.get(&p.seq) {
                        f.prev = Some(Version {
                            site: new,
                            seq: *seq,
                        });
                    }
                }
            }
            let new_first = next;
            for i in 0..g.fields.len() as u64 {
                renamed.insert(old_first + i, next);
                next += 1;
            }
            groups.push(ChangeGroup {
                site: new,
                seq_first: new_first,
                ..g
            });
            tags.push(None);
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for t in schema::TABLES {
            tx.execute(&format!("DELETE FROM {}", t.name), [])?;
        }
        tx.execute_batch(
            "DELETE FROM change_log; DELETE FROM conflicts; DELETE FROM pending_unknown;
             DELETE FROM set_aside; DELETE FROM sites;",
        )?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'site_id'",
            [new.0.as_bytes().as_slice()],
        )?;
        // Nothing of the new site is on the server yet, and its clock check starts
        // over.
        tx.execute(
            "DELETE FROM meta WHERE key IN ('clock_checked_seq', ?1)",
            [format!("setting.{}", crate::SETTING_SYNC_ACKED_SEQ)],
        )?;
        let new_idx = site_index(&tx, new)?;
        let mut ctx = MergeCtx::default();
        let (report, _) = apply_groups(&tx, &mut ctx, new, 0, &groups, |i| tags[i])?;
        tx.commit()?;
        tracing::warn!(
            old = %old, new = %new, from_seq, moved = next - 1, deferred = report.deferred,
            "this replica is a copy: its writes moved to a fresh site"
        );
        self.site = new;
        self.site_idx = new_idx;
        self.next_seq = next;
        self.ctx = MergeCtx::default();
        Ok(new)
    }

    /// Folds changes kept for tables or columns this version did not know, now that
    /// a migration may have added them. Run after opening.
    pub(crate) fn refold_pending(&mut self) -> Result<u64> {
        let pending: Vec<(i64, i64)> = {
            let mut stmt = self.conn.prepare(
                "SELECT p.log_id, p.col FROM pending_unknown p ORDER BY p.log_id, p.col",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if pending.is_empty() {
            return Ok(0);
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut ctx = MergeCtx::default();
        let mut folded = 0;
        for (log_id, col) in pending {
            let (site_idx, seq_first, hlc, tbl, row, body): (i64, i64, i64, u16, Vec<u8>, Vec<u8>) =
                tx.query_row(
                    "SELECT site_idx, seq_first, hlc, tbl, row_id, body FROM change_log WHERE id = ?1",
                    [log_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                )?;
            let Some(table) = schema::table(tbl) else {
                continue;
            };
            let fields: Vec<LogField> = decode(&body, "change body")?;
            // Columns this version did not know when they arrived were only checked
            // for size: check them against the schema now that it knows them.
            let known = ChangeGroup {
                site: SiteId(Uuid::nil()),
                seq_first: seq_first as u64,
                hlc: Hlc(hlc as u64),
                table: tbl,
                row: Uuid::from_slice(&row).unwrap_or_default(),
                author: None,
                fields: fields
                    .iter()
                    .filter(|f| col == -1 || i64::from(f.column) == col)
                    .map(|f| FieldChange {
                        column: f.column,
                        value: f.value.clone(),
                        prev: None,
                    })
                    .collect(),
            };
            if let Err(e) = check_group(&known, None) {
                tx.execute(
                    "INSERT OR IGNORE INTO set_aside(log_id, code, detail) VALUES (?1, ?2, ?3)",
                    rusqlite::params![log_id, e.code, e.to_string()],
                )?;
                tx.execute(
                    "DELETE FROM pending_unknown WHERE log_id = ?1 AND col = ?2",
                    rusqlite::params![log_id, col],
                )?;
                continue;
            }
            let fold: Vec<FoldField<'_>> = fields
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    (col == -1 || i64::from(f.column) == col) && table.column(f.column).is_some()
                })
                .map(|(i, f)| FoldField {
                    column: f.column,
                    value: &f.value,
                    prev: f.prev,
                    seq: seq_first as u64 + i as u64,
                })
                .collect();
            if fold.is_empty() {
                continue;
            }
            let row = Uuid::from_slice(&row).map_err(|e| Error::Corrupt(format!("row id: {e}")))?;
            fold_fields(
                &tx,
                &mut ctx,
                table,
                row,
                site_idx as u64,
                hlc as u64,
                &fold,
            )?;
            folded += fold.len() as u64;
            tx.execute(
                "DELETE FROM pending_unknown WHERE log_id = ?1 AND col = ?2",
                rusqlite::params![log_id, col],
            )?;
        }
        tx.commit()?;
        Ok(folded)
    }

    /// The author of one field change, from the log.
    fn author_of(&self, site_idx: i64, seq: u64) -> Result<Option<MemberId>> {
        let author: Option<Option<Vec<u8>>> = self
            .conn
            .query_row(
                "SELECT author FROM change_log WHERE site_idx = ?1 AND seq_first <= ?2 AND seq_last >= ?2",
                rusqlite::params![site_idx, seq as i64],
                |r| r.get(0),
            )
            .optional()?;
        Ok(author
            .flatten()
            .and_then(|a| Uuid::from_slice(&a).ok())
            .map(MemberId))
    }

    /// The conflicts inbox: every losing value that differs from the winner, with who
    /// and when, newest first. Resolved ones stay listed (the history) with
    /// `resolved = true`.
    pub fn conflicts(&self) -> Result<Vec<ConflictView>> {
        let sites = self.site_uuids()?;
        type Row = (u16, Vec<u8>, u16, i64, i64, i64, Value);
        let heads: Vec<Row> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT tbl, row_id, col, site_idx, seq, hlc, value FROM conflicts ORDER BY hlc DESC",
            )?;
            let mut rows = stmt.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    value_from_sql(r.get_ref(6)?)?,
                ));
            }
            out
        };
        let mut out = Vec::new();
        for (tbl, row, col, site_idx, seq, hlc, value) in heads {
            // Replication's own tables merge identical values from several devices.
            let Some(table) = schema::table(tbl).filter(|t| t.id < 100) else {
                continue;
            };
            let Some(column) = table.column(col) else {
                continue;
            };
            let sql = format!(
                "SELECT {}, _ver FROM {} WHERE id = ?1",
                column.name, table.name
            );
            let (winner_value, ver): (Value, Option<Vec<u8>>) =
                self.conn.query_row(&sql, [&row], |r| {
                    Ok((
                        value_from_sql(r.get_ref(0)?).unwrap_or(Value::Null),
                        r.get(1)?,
                    ))
                })?;
            if winner_value == value {
                continue;
            }
            let versions: Vec<FieldVersion> = match ver {
                Some(b) => decode_versions(&b)?,
                None => Vec::new(),
            };
            let winner = versions.iter().find(|v| v.column == col).copied();
            let site = *sites
                .get(&site_idx)
                .ok_or_else(|| Error::Corrupt(format!("unknown site index {site_idx}")))?;
            let row = Uuid::from_slice(&row).map_err(|e| Error::Corrupt(format!("row id: {e}")))?;
            let resolved: bool = self.conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM conflict_resolution WHERE id = ?1 AND deleted = 0)",
                [resolution_id(tbl, row, col, site.0.as_bytes(), seq as u64)
                    .as_bytes()
                    .as_slice()],
                |r| r.get(0),
            )?;
            out.push(ConflictView {
                key: ConflictKey {
                    table: tbl,
                    row,
                    column: col,
                    site,
                    seq: seq as u64,
                },
                table: table.name.to_owned(),
                column: column.name.to_owned(),
                winner_value,
                winner_hlc: Hlc(winner.map(|w| w.hlc).unwrap_or(0)),
                winner_author: match winner {
                    Some(w) => self.author_of(w.site_idx as i64, w.seq)?,
                    None => None,
                },
                winner_site: winner.and_then(|w| sites.get(&(w.site_idx as i64)).copied()),
                loser_value: value,
                loser_hlc: Hlc(hlc as u64),
                loser_author: self.author_of(site_idx, seq as u64)?,
                resolved,
            });
        }
        Ok(out)
    }

    /// Brings a losing value back: a new write of it over the current winner, which
    /// also resolves the field's conflicts.
    pub fn restore_conflict(&mut self, key: &ConflictKey) -> Result<()> {
        let table = schema::table(key.table)
            .ok_or_else(|| ValidationError::new("conflict", "conflict_gone"))?;
        let value: Option<Value> = self
            .conn
            .query_row(
                "SELECT c.value FROM conflicts c JOIN sites s ON s.idx = c.site_idx
                 WHERE c.tbl = ?1 AND c.row_id = ?2 AND c.col = ?3 AND s.site = ?4 AND c.seq = ?5",
                rusqlite::params![
                    key.table,
                    key.row.as_bytes().as_slice(),
                    key.column,
                    key.site.0.as_bytes().as_slice(),
                    key.seq as i64
                ],
                |r| Ok(value_from_sql(r.get_ref(0)?).unwrap_or(Value::Null)),
            )
            .optional()?;
        let value = value.ok_or_else(|| ValidationError::new("conflict", "conflict_gone"))?;
        self.write(|w| {
            w.update(table, key.row, &[(key.column, value)])?;
            w.resolve_field(table, key.row, key.column)?;
            Ok(())
        })
    }

    /// Marks a conflict resolved, keeping the winner.
    pub fn dismiss_conflict(&mut self, key: &ConflictKey) -> Result<()> {
        let table = schema::table(key.table)
            .ok_or_else(|| ValidationError::new("conflict", "conflict_gone"))?;
        self.write(|w| w.resolve_field(table, key.row, key.column).map(|_| ()))
    }

    /// Every conflict head, in a form comparable across replicas.
    pub fn conflict_heads(&self) -> Result<Vec<ConflictHead>> {
        let sites = self.site_uuids()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT tbl, row_id, col, site_idx, seq, value FROM conflicts")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let row: Vec<u8> = r.get(1)?;
            let idx: i64 = r.get(3)?;
            out.push(ConflictHead {
                table: r.get(0)?,
                row: Uuid::from_slice(&row).map_err(|e| Error::Corrupt(format!("row id: {e}")))?,
                column: r.get(2)?,
                site: *sites
                    .get(&idx)
                    .ok_or_else(|| Error::Corrupt(format!("unknown site index {idx}")))?,
                seq: r.get::<_, i64>(4)? as u64,
                value: value_from_sql(r.get_ref(5)?)?,
            });
        }
        out.sort();
        Ok(out)
    }

    /// Every row of every synced table (values only), sorted: the replica's state in a
    /// form comparable across replicas.
    pub fn domain_rows(&self) -> Result<Vec<(String, Uuid, Vec<Value>)>> {
        let mut out = Vec::new();
        for table in schema::TABLES {
            let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
            let sql = format!(
                "SELECT id, {} FROM {} ORDER BY id",
                names.join(", "),
                table.name
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: Vec<u8> = r.get(0)?;
                let mut values = Vec::with_capacity(names.len());
                for i in 0..names.len() {
                    values.push(value_from_sql(r.get_ref(i + 1)?)?);
                }
                out.push((
                    table.name.to_owned(),
                    Uuid::from_slice(&id).map_err(|e| Error::Corrupt(format!("row id: {e}")))?,
                    values,
                ));
            }
        }
        Ok(out)
    }

    /// Every field change this replica holds, with the version it replaced: the raw
    /// material of "nothing is lost" checks and audits.
    pub fn all_changes(&self) -> Result<Vec<ChangeGroup>> {
        Ok(self
            .pages_since(&VersionVector::new())?
            .into_iter()
            .flat_map(|p| p.groups)
            .collect())
    }

    /// Sets the correction added to this device's clock. Sync calls it (through
    /// [`Replica::adopt_reference_time`]); tests use it to play a device whose clock
    /// is wrong.
    pub fn set_clock_offset_ms(&mut self, offset_ms: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES ('clock_offset_ms', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [offset_ms],
        )?;
        self.clock_offset_ms = offset_ms;
        Ok(())
    }

    /// Takes in a trusted clock reading (the server's, at sync). If this device's clock
    /// was off by more than [`CLOCK_SKEW_TOLERANCE_MS`], the changes it wrote since the
    /// last check are covered by a synced `clock_correction` (every replica then orders
    /// them by corrected time), and later writes use the corrected clock. Returns the
    /// correction written, in ms, if any.
    pub fn adopt_reference_time(&mut self, reference_ms: u64) -> Result<Option<i64>> {
        let device_ms = chrono::Utc::now().timestamp_millis();
        let new_offset = reference_ms as i64 - device_ms;
        let correction = new_offset - self.clock_offset_ms;
        let checked: i64 = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'clock_checked_seq'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let last_seq = self.next_seq as i64 - 1;
        let mut written = None;
        if correction.abs() > CLOCK_SKEW_TOLERANCE_MS {
            if last_seq > checked {
                let site = self.site;
                let id = cosabi_core::ids::natural_id(
                    "clock_correction",
                    &[
                        site.0.as_bytes(),
                        &(checked + 1).to_be_bytes(),
                        &last_seq.to_be_bytes(),
                    ],
                );
                self.write(|w| {
                    w.insert(
                        &CLOCK_CORRECTION,
                        id,
                        &[
                            (1, Value::uuid(site.0)),
                            (2, Value::Int(checked + 1)),
                            (3, Value::Int(last_seq)),
                            (4, Value::Int(correction)),
                        ],
                    )
                })?;
                self.reorder_after_correction()?;
                written = Some(correction);
            }
            // Later ticks start from the corrected past, not the wrong future.
            self.clock =
                cosabi_core::hlc::HlcClock::starting_at(self.clock.last().shifted_ms(correction));
        }
        self.set_clock_offset_ms(new_offset)?;
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES ('clock_checked_seq', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [self.next_seq as i64 - 1],
        )?;
        let now = self.physical_now_ms();
        self.clock.observe(Hlc::new(reference_ms, 0), now);
        Ok(written)
    }

    fn reorder_after_correction(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        reorder_conflicted_fields(&tx, &mut MergeCtx::default())?;
        tx.commit()?;
        Ok(())
    }
}

impl Replica {
    /// Low-level write of raw fields, inserting the row if it does not exist here.
    /// It bypasses the domain's validation: for tools and tests of the merge, never
    /// for what a person types. A column given twice takes its last value.
    pub fn set_fields(
        &mut self,
        table: &schema::TableDef,
        row: Uuid,
        fields: &[(u16, Value)],
    ) -> Result<usize> {
        let mut unique: Vec<(u16, Value)> = Vec::with_capacity(fields.len());
        for (c, v) in fields {
            match unique.iter_mut().find(|(uc, _)| uc == c) {
                Some(slot) => slot.1 = v.clone(),
                None => unique.push((*c, v.clone())),
            }
        }
        let fields = unique.as_slice();
        // Raw writes skip the domain's checks, never the schema's: every replica
        // would set aside a change that breaks it, and this one would differ.
        let probe = ChangeGroup {
            site: self.site,
            seq_first: 1,
            hlc: Hlc::ZERO,
            table: table.id,
            row,
            author: None,
            fields: fields
                .iter()
                .map(|(column, value)| FieldChange {
                    column: *column,
                    value: value.clone(),
                    prev: None,
                })
                .collect(),
        };
        let clinic = if table.id == CLINIC.id {
            self.clinic()?.map(|c| c.id.0)
        } else {
            None
        };
        check_group(&probe, clinic).map_err(|e| {
            Error::Invalid(
                ValidationError::new("change", e.code)
                    .with("detail", e.to_string())
                    .into(),
            )
        })?;
        let exists: bool = self.conn.query_row(
            &format!("SELECT EXISTS(SELECT 1 FROM {} WHERE id = ?1)", table.name),
            [row.as_bytes().as_slice()],
            |r| r.get(0),
        )?;
        self.write(|w| {
            if exists {
                w.update(table, row, fields)
            } else {
                w.insert(table, row, fields).map(|_| fields.len())
            }
        })
    }

    /// The version that currently holds one field, if the field has a value here.
    pub fn field_version(
        &self,
        table: &schema::TableDef,
        row: Uuid,
        column: u16,
    ) -> Result<Option<Version>> {
        let ver: Option<Option<Vec<u8>>> = self
            .conn
            .query_row(
                &format!("SELECT _ver FROM {} WHERE id = ?1", table.name),
                [row.as_bytes().as_slice()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(Some(ver)) = ver else {
            return Ok(None);
        };
        let versions: Vec<FieldVersion> = decode_versions(&ver)?;
        let Some(v) = versions.into_iter().find(|v| v.column == column) else {
            return Ok(None);
        };
        let sites = self.site_uuids()?;
        Ok(sites.get(&(v.site_idx as i64)).map(|site| Version {
            site: *site,
            seq: v.seq,
        }))
    }
}

/// Applies groups inside `tx`: the causal rule, the schema check, the merge. `own`
/// is this replica's site and `own_max` the highest seq it wrote (its own changes
/// are never taken from a peer: a copy is dealt with before, in `apply_page`).
fn apply_groups(
    tx: &rusqlite::Transaction<'_>,
    ctx: &mut MergeCtx,
    own: SiteId,
    own_max: u64,
    groups: &[ChangeGroup],
    tag_of: impl Fn(usize) -> Option<Tag>,
) -> Result<(ApplyReport, Hlc)> {
    let mut sites: HashMap<SiteId, SiteInfo> = HashMap::new();
    {
        let mut stmt = tx.prepare_cached("SELECT idx, site, max_seq FROM sites")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let site: Vec<u8> = r.get(1)?;
            let site =
                SiteId(Uuid::from_slice(&site).map_err(|e| Error::Corrupt(format!("site: {e}")))?);
            let max_seq = if site == own {
                own_max
            } else {
                r.get::<_, i64>(2)? as u64
            };
            sites.insert(
                site,
                SiteInfo {
                    idx: r.get(0)?,
                    max_seq,
                },
            );
        }
    }
    // The clinic this replica holds: a `clinic` row with another id is set aside.
    let mut clinic: Option<Uuid> = tx
        .query_row("SELECT id FROM clinic ORDER BY rowid LIMIT 1", [], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .optional()?
        .and_then(|b| Uuid::from_slice(&b).ok());
    ctx.invalidate();
    let mut report = ApplyReport::default();
    let mut blocked: HashSet<SiteId> = HashSet::new();
    let mut touched: HashSet<SiteId> = HashSet::new();
    let mut corrections_changed = false;
    let mut max_hlc = Hlc::ZERO;
    for (gi, g) in groups.iter().enumerate() {
        let n = g.fields.len() as u64;
        if n == 0 {
            continue;
        }
        if blocked.contains(&g.site) {
            report.deferred += n;
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(e) = sites.entry(g.site) {
            let idx = site_index(tx, g.site)?;
            e.insert(SiteInfo { idx, max_seq: 0 });
            ctx.invalidate();
        }
        let site_idx = sites[&g.site].idx;
        let skip = match admit(g, |site| sites.get(site).map_or(0, |s| s.max_seq)) {
            Admission::Duplicate => {
                report.duplicates += n;
                continue;
            }
            Admission::Gap | Admission::MissingPrev => {
                blocked.insert(g.site);
                report.deferred += n;
                continue;
            }
            Admission::Take { skip } => skip,
        };
        report.duplicates += skip as u64;
        let fields = &g.fields[skip..];
        let seq_first = g.seq_first + skip as u64;
        // Admitted: every replaced version is here; name them by local index.
        let local_prevs: Vec<Option<(u64, u64)>> = fields
            .iter()
            .map(|f| f.prev.map(|v| (sites[&v.site].idx as u64, v.seq)))
            .collect();
        let log: Vec<LogFieldRef<'_>> = fields
            .iter()
            .zip(&local_prevs)
            .map(|(f, prev)| LogFieldRef {
                column: f.column,
                prev: *prev,
                value: &f.value,
            })
            .collect();
        // The tag proves the whole group: a part of one is relayed without it.
        let tag = tag_of(gi).filter(|_| skip == 0);
        let log_id = append_log(
            tx,
            site_idx,
            seq_first,
            g.seq_last(),
            g.hlc,
            g.table,
            g.row,
            g.author,
            &encode(&log),
            tag.as_ref().map(|t| t.as_slice()),
        )?;
        let valid = check_group(g, clinic);
        match (valid, schema::table(g.table)) {
            (Err(e), _) => {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO set_aside(log_id, code, detail) VALUES (?1, ?2, ?3)",
                )?
                .execute(rusqlite::params![log_id, e.code, e.to_string()])?;
                tracing::warn!(site = %g.site, seq = g.seq_first, reason = %e, "change set aside");
                report.set_aside += fields.len() as u64;
            }
            (Ok(()), Some(table)) => {
                if table.id == CLINIC.id {
                    clinic = Some(g.row);
                }
                let mut fold = Vec::with_capacity(fields.len());
                for (i, (f, prev)) in fields.iter().zip(&local_prevs).enumerate() {
                    if table.column(f.column).is_some() {
                        fold.push(FoldField {
                            column: f.column,
                            value: &f.value,
                            prev: *prev,
                            seq: seq_first + i as u64,
                        });
                    } else {
                        tx.prepare_cached(
                            "INSERT OR IGNORE INTO pending_unknown(log_id, col) VALUES (?1, ?2)",
                        )?
                        .execute(rusqlite::params![log_id, f.column])?;
                        report.kept_unknown += 1;
                    }
                }
                report.applied += fold.len() as u64;
                fold_fields(tx, ctx, table, g.row, site_idx as u64, g.hlc.0, &fold)?;
                if table.id == CLOCK_CORRECTION.id {
                    corrections_changed = true;
                }
            }
            (Ok(()), None) => {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO pending_unknown(log_id, col) VALUES (?1, -1)",
                )?
                .execute([log_id])?;
                report.kept_unknown += fields.len() as u64;
            }
        }
        if let Some(s) = sites.get_mut(&g.site) {
            s.max_seq = g.seq_last();
        }
        touched.insert(g.site);
        max_hlc = max_hlc.max(g.hlc);
    }
    if corrections_changed {
        reorder_conflicted_fields(tx, ctx)?;
    }
    for site in &touched {
        if *site == own {
            continue;
        }
        let s = &sites[site];
        tx.prepare_cached("UPDATE sites SET max_seq = ?2 WHERE idx = ?1")?
            .execute(rusqlite::params![s.idx, s.max_seq as i64])?;
    }
    Ok((report, max_hlc))
}
