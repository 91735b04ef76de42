//! The history of a record, read back from the change log: who changed which field
//! to what, and when. What a contraloría social volunteer or an auditor looks at.

use crate::error::{Error, Result};
use crate::log::{decode, LogField};
use crate::Replica;
use cosabi_core::change::Value;
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::{MemberId, SiteId};
use cosabi_core::schema::TableDef;
use uuid::Uuid;

/// One field change of a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    pub hlc: Hlc,
    pub site: SiteId,
    pub seq: u64,
    pub author: Option<MemberId>,
    /// The column's name, or `#<id>` for a column this app version does not know.
    pub column: String,
    pub value: Value,
}

impl Replica {
    /// Every field change of one row, oldest first (in the order this replica
    /// received them, which respects causality).
    pub fn history(&self, table: &TableDef, row: Uuid) -> Result<Vec<HistoryEntry>> {
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
                out.push(HistoryEntry {
                    hlc,
                    site,
                    seq: seq_first as u64 + i as u64,
                    author,
                    column: table
                        .column(f.column)
                        .map(|c| c.name.to_owned())
                        .unwrap_or_else(|| format!("#{}", f.column)),
                    value: f.value,
                });
            }
        }
        Ok(out)
    }
}
