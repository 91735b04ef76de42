//! Read models for screens ([`cosabi_core::views`]): the dashboard, the sync summary
//! and the purchases list, each computed from the rows in one call.
//!
//! Also the device-local sync bookkeeping the summary reads: when the last sync
//! finished (`sync.last_ok`) and the highest seq of this device the server holds
//! (`sync.acked_seq`), recorded by [`crate::client::SyncClient::sync`].

use crate::error::{Error, Result};
use crate::rows::{int_at, uuid_at};
use crate::sync::ConflictKey;
use crate::Replica;
use cosabi_core::ledger::PurchaseFilter;
use cosabi_core::schema::{PURCHASE, RECEIPT};
use cosabi_core::views::{
    AgreementDue, ConflictField, ConflictItem, Dashboard, PurchaseListItem, PurchasePage,
    SyncSummary, AGREEMENTS_DUE_MAX, AGREEMENT_DUE_DAYS, PURCHASE_PAGE_LIMIT_MAX,
};
use cosabi_core::{Centavos, ValidationError};
use rusqlite::OptionalExtension;
use std::collections::HashMap;

/// Setting: RFC 3339 (UTC) of the last sync that finished.
pub const SETTING_SYNC_LAST_OK: &str = "sync.last_ok";
/// Setting: the highest seq of this device's own changes the server holds.
pub const SETTING_SYNC_ACKED_SEQ: &str = "sync.acked_seq";

fn parse_iso(d: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()
}

/// The purchases a filter keeps. As in `purchases`: every filter always bound, a
/// NULL switches it off, so one cached statement serves every combination.
const PURCHASE_WHERE: &str = "p.fiscal_year = ?1 AND p.deleted = 0
       AND (?2 IS NULL OR p.category = ?2)
       AND (?3 IS NULL OR p.action_id = ?3)
       AND (?4 IS NULL OR substr(p.date, 6, 2) = ?4)";

fn purchase_count_sql() -> String {
    format!("SELECT count(*), coalesce(sum(p.total), 0) FROM purchase p WHERE {PURCHASE_WHERE}")
}

/// The page's rows are chosen first, so the per-row counts run for this page only.
/// Photos: of the purchase itself and of its receipts not deleted; `CROSS JOIN`
/// keeps SQLite walking a purchase's receipts and then their photos, never every
/// receipt photo of the clinic (it has no statistics to know better).
fn purchase_page_sql() -> String {
    format!(
        "WITH page AS (
           SELECT p.id, p.date, p.action_id FROM purchase p
           WHERE {PURCHASE_WHERE}
           ORDER BY p.date DESC, p.id DESC
           LIMIT ?5 OFFSET ?6)
         SELECT g.id,
           (SELECT count(*) FROM receipt r WHERE r.purchase_id = g.id AND r.deleted = 0),
           (SELECT count(*) FROM photo ph
             WHERE ph.owner_table = {purchase} AND ph.owner_id = g.id AND ph.deleted = 0)
           + (SELECT count(*) FROM receipt r
               CROSS JOIN photo ph ON ph.owner_table = {receipt} AND ph.owner_id = r.id
               WHERE r.purchase_id = g.id AND r.deleted = 0 AND ph.deleted = 0),
           coalesce(
             (SELECT ph.sha256 FROM receipt r
               CROSS JOIN photo ph ON ph.owner_table = {receipt} AND ph.owner_id = r.id
               WHERE r.purchase_id = g.id AND r.deleted = 0 AND ph.deleted = 0
               ORDER BY r.id, ph.id LIMIT 1),
             (SELECT ph.sha256 FROM photo ph
               WHERE ph.owner_table = {purchase} AND ph.owner_id = g.id AND ph.deleted = 0
               ORDER BY ph.id LIMIT 1)),
           a.description
         FROM page g
         LEFT JOIN action a ON a.id = g.action_id AND a.deleted = 0
         ORDER BY g.date DESC, g.id DESC",
        purchase = PURCHASE.id,
        receipt = RECEIPT.id,
    )
}

impl Replica {
    /// Records that the server confirmed it holds this device's own changes up to
    /// `own_seq`: they were in a page it took without refusing (it compares what it
    /// already held, so a copy's different changes are refused, never confirmed).
    /// A server's version vector alone is not a confirmation: a copy of this replica
    /// may have put other changes there under the same seqs. Never goes back.
    pub fn record_pushed(&mut self, own_seq: u64) -> Result<()> {
        let own_seq = own_seq.min(self.local_change_count());
        if own_seq > self.acked_seq()? {
            self.set_setting(SETTING_SYNC_ACKED_SEQ, &own_seq.to_string())?;
        }
        Ok(())
    }

    /// Records a sync that finished at `at`.
    pub fn record_sync_ok(&mut self, at: chrono::DateTime<chrono::Utc>) -> Result<()> {
        self.set_setting(
            SETTING_SYNC_LAST_OK,
            &at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
    }

    /// The highest seq of this device's own changes the server confirmed.
    pub fn acked_seq(&self) -> Result<u64> {
        Ok(self
            .setting(SETTING_SYNC_ACKED_SEQ)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Where this device's sync stands.
    pub fn sync_summary(&self) -> Result<SyncSummary> {
        let conflicts = self.conflicts()?.iter().filter(|c| !c.resolved).count() as u64;
        let photos_pending = match self.blobs_to_upload() {
            Ok(b) => b.len() as u64,
            Err(Error::NoBlobStore) => 0,
            Err(e) => return Err(e),
        };
        let acked = self.acked_seq()?;
        let pending_records: i64 = self
            .conn
            .prepare_cached(
                "SELECT COUNT(DISTINCT tbl || ':' || hex(row_id)) FROM change_log
             WHERE site_idx = ?1 AND seq_last > ?2",
            )?
            .query_row(rusqlite::params![self.site_idx, acked as i64], |r| r.get(0))?;
        Ok(SyncSummary {
            enrolled: self.setting(crate::SETTING_SYNC_TOKEN)?.is_some(),
            last_sync: self.setting(SETTING_SYNC_LAST_OK)?,
            pending_changes: self.local_change_count().saturating_sub(acked),
            pending_records: pending_records as u64,
            conflicts,
            photos_pending,
        })
    }

    /// The home screen for `fiscal_year`, with dates judged against `today`.
    pub fn dashboard(&self, fiscal_year: i32, today: chrono::NaiveDate) -> Result<Dashboard> {
        let assemblies = self.assemblies()?;
        let horizon = today + chrono::Duration::days(AGREEMENT_DUE_DAYS);
        let names: HashMap<_, _> = self
            .members()?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect();
        let assembly_dates: HashMap<_, _> = assemblies.iter().map(|a| (a.id, &a.date)).collect();
        let mut due: Vec<(chrono::NaiveDate, AgreementDue)> = self
            .open_agreements()?
            .into_iter()
            .filter_map(|a| {
                let on = parse_iso(a.due_date.as_deref()?)?;
                (on <= horizon).then_some((on, a))
            })
            .map(|(on, a)| {
                let item = AgreementDue {
                    assembly_date: assembly_dates
                        .get(&a.assembly_id)
                        .map(|d| (*d).clone())
                        .unwrap_or_default(),
                    responsible_name: a.responsible_id.and_then(|m| names.get(&m).cloned()),
                    overdue: on < today,
                    agreement: a,
                };
                (on, item)
            })
            .collect();
        due.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.agreement.id.cmp(&y.agreement.id)));
        due.truncate(AGREEMENTS_DUE_MAX);
        let next_assembly = assemblies
            .iter()
            .filter(|a| !a.is_closed() && parse_iso(&a.date).is_some_and(|d| d >= today))
            .min_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)))
            .cloned();
        let year = fiscal_year.to_string();
        let assemblies_held = assemblies
            .iter()
            .filter(|a| a.is_closed() && a.date.get(..4) == Some(year.as_str()))
            .count() as u32;
        Ok(Dashboard {
            balance: self.balance(fiscal_year)?,
            agreements_due: due.into_iter().map(|(_, a)| a).collect(),
            next_assembly,
            assemblies_held,
            sync: self.sync_summary()?,
        })
    }

    /// One page of a fiscal year's purchases narrowed by `filter`, newest date first,
    /// with the count and total of everything the filter keeps. `limit` is at most
    /// [`PURCHASE_PAGE_LIMIT_MAX`].
    pub fn purchase_page(
        &self,
        fiscal_year: i32,
        filter: &PurchaseFilter,
        offset: u32,
        limit: u32,
    ) -> Result<PurchasePage> {
        if limit > PURCHASE_PAGE_LIMIT_MAX {
            return Err(ValidationError::new("limit", "too_large")
                .with("max", PURCHASE_PAGE_LIMIT_MAX.to_string())
                .into());
        }
        let month = filter.month.map(|m| format!("{m:02}"));
        let action = filter.action_id.map(|a| a.as_bytes().to_vec());
        let (total_count, total_amount): (i64, i64) =
            self.conn.prepare_cached(&purchase_count_sql())?.query_row(
                rusqlite::params![fiscal_year, filter.category.as_deref(), action, month],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
        let sql = purchase_page_sql();
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params![
            fiscal_year,
            filter.category.as_deref(),
            action,
            month,
            limit,
            offset
        ])?;
        let count = |n: i64| n.clamp(0, u32::MAX.into()) as u32;
        let mut items = Vec::with_capacity(limit as usize);
        while let Some(r) = rows.next()? {
            let id = uuid_at(r, 0, "purchase id")?;
            // One primary-key read each, through the same code as `purchase`.
            let purchase = self
                .purchase(id)?
                .ok_or_else(|| Error::Corrupt(format!("purchase {id} vanished")))?;
            items.push(PurchaseListItem {
                purchase,
                receipts: count(int_at(r, 1)?),
                photos: count(int_at(r, 2)?),
                thumb_sha: r.get(3)?,
                action_description: r.get(4)?,
            });
        }
        Ok(PurchasePage {
            total_count: total_count.max(0) as u64,
            total_amount: Centavos(total_amount),
            items,
        })
    }
}

impl Replica {
    /// The conflicts inbox: each concurrent write that lost, with all the fields it
    /// changed together (in column order), values as people read them, and who wrote
    /// each side, on which device and when.
    pub fn conflict_items(&self) -> Result<Vec<ConflictItem<ConflictKey>>> {
        let names = self.member_names()?;
        let devices = self.device_names()?;
        let here = self.site_id();
        let mut views = self.conflicts()?;
        views.sort_by_key(|c| {
            (
                c.key.table,
                c.key.row,
                c.loser_hlc,
                c.key.site,
                c.key.column,
            )
        });
        let mut out: Vec<ConflictItem<ConflictKey>> = Vec::new();
        for c in views {
            let field = ConflictField {
                current: self.value_words(&names, c.key.table, &c.column, &c.winner_value)?,
                other: self.value_words(&names, c.key.table, &c.column, &c.loser_value)?,
                column: c.column.clone(),
            };
            if let Some(last) = out.last_mut() {
                let k = &last.keys[0];
                if k.table == c.key.table
                    && k.row == c.key.row
                    && k.site == c.key.site
                    && last.other_at_ms == c.loser_hlc.ms()
                    && last.resolved == c.resolved
                {
                    last.keys.push(c.key);
                    last.fields.push(field);
                    continue;
                }
            }
            out.push(ConflictItem {
                record: self.record_label(&c.table, c.key.row)?,
                table: c.table,
                fields: vec![field],
                current_author: c.winner_author.and_then(|a| names.get(&a.0).cloned()),
                current_device: c.winner_site.and_then(|s| devices.get(&s).cloned()),
                current_here: c.winner_site == Some(here),
                current_at_ms: c.winner_hlc.ms(),
                other_author: c.loser_author.and_then(|a| names.get(&a.0).cloned()),
                other_device: devices.get(&c.key.site).cloned(),
                other_here: c.key.site == here,
                other_at_ms: c.loser_hlc.ms(),
                resolved: c.resolved,
                keys: vec![c.key],
            });
        }
        Ok(out)
    }

    /// A short label for a row: the text column that names it (a purchase's concept,
    /// a member's name), empty for tables with none.
    fn record_label(&self, table: &str, row: uuid::Uuid) -> Result<String> {
        let column = match table {
            "purchase" => "concept",
            "member" => "name",
            "action" => "description",
            "agreement" => "text",
            "assembly" => "date",
            "card_movement" => "date",
            "receipt" => "folio_fiscal",
            "clinic" => "name",
            _ => return Ok(String::new()),
        };
        // Table and column names come from the list above, never from input.
        let sql = format!("SELECT {column} FROM {table} WHERE id = ?1");
        let label: Option<Option<String>> = self
            .conn
            .prepare_cached(&sql)?
            .query_row([row.as_bytes().as_slice()], |x| x.get(0))
            .optional()?;
        Ok(label.flatten().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_acknowledgement_never_goes_back() {
        let mut r = Replica::open_in_memory().unwrap();
        r.load_demo().unwrap();
        r.record_pushed(7).unwrap();
        r.record_pushed(3).unwrap();
        assert_eq!(r.acked_seq().unwrap(), 7);
        // Never more than this replica wrote.
        r.record_pushed(u64::MAX).unwrap();
        assert_eq!(r.acked_seq().unwrap(), r.local_change_count());
    }

    /// Every table the purchases page reads is searched through an index, never
    /// scanned whole (`SCAN g` is the page of at most `limit` rows itself).
    #[test]
    fn purchase_queries_use_indexes() {
        let r = Replica::open_in_memory().unwrap();
        for (sql, params) in [(purchase_count_sql(), 4), (purchase_page_sql(), 6)] {
            let mut stmt = r
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let values: [&dyn rusqlite::ToSql; 6] = [
                &2025,
                &None::<String>,
                &None::<Vec<u8>>,
                &None::<String>,
                &50,
                &0,
            ];
            let plan: Vec<String> = stmt
                .query_map(&values[..params], |r| r.get(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let scans: Vec<_> = plan
                .iter()
                .filter(|d| d.starts_with("SCAN") && d.as_str() != "SCAN g")
                .collect();
            assert!(scans.is_empty(), "{plan:#?}");
            assert!(
                plan.iter()
                    .any(|d| d.contains("USING INDEX purchase_by_year_date")),
                "{plan:#?}"
            );
            // Receipt photos are found from the receipt, not the other way round.
            assert!(
                !plan
                    .iter()
                    .any(|d| d.ends_with("photo_by_owner (owner_table=?)")),
                "{plan:#?}"
            );
        }
    }
}
