//! Rules that span fields or rows, which a per-field merge cannot keep. After merges
//! they are checked here, and each violation is an item to review in the conflicts
//! inbox. They are queries over the current rows, so every replica with the same
//! changes lists the same items.

use crate::error::{Error, Result};
use crate::Replica;
pub use cosabi_core::views::ReviewItem;
use uuid::Uuid;

fn uuid(bytes: Vec<u8>) -> Result<Uuid> {
    Uuid::from_slice(&bytes).map_err(|e| Error::Corrupt(format!("row id: {e}")))
}

impl Replica {
    /// Every cross-field or cross-row rule the current rows break.
    pub fn review_items(&self) -> Result<Vec<ReviewItem>> {
        let mut out = Vec::new();

        // Quantity and unit cost edited on two devices: a total nobody typed.
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, quantity, unit_cost, total, concept FROM purchase
             WHERE deleted = 0 AND quantity * unit_cost IS NOT total",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let q: Option<i64> = r.get(1)?;
            let u: Option<i64> = r.get(2)?;
            let t: Option<i64> = r.get(3)?;
            out.push(ReviewItem {
                code: "purchase_total_mismatch".into(),
                table: "purchase".into(),
                row: uuid(r.get(0)?)?,
                detail: vec![
                    (
                        "concept".into(),
                        r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    ),
                    ("quantity".into(), q.unwrap_or(0).to_string()),
                    (
                        "unit_cost".into(),
                        cosabi_core::Centavos(u.unwrap_or(0)).to_string(),
                    ),
                    (
                        "total".into(),
                        cosabi_core::Centavos(t.unwrap_or(0)).to_string(),
                    ),
                ],
            });
        }

        // Two devices each named someone to the same seat (a member whose term has
        // ended no longer holds it).
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.role, m.name FROM member m
             WHERE m.deleted = 0 AND m.role IN ('presidente', 'secretario', 'tesorero',
                   'vocal_salud', 'vocal_saneamiento', 'vocal_nutricion', 'vocal_educacion')
               AND (m.term_end IS NULL OR m.term_end >= ?1)
               AND (SELECT count(*) FROM member o
                    WHERE o.deleted = 0 AND o.role = m.role AND o.clinic_id IS m.clinic_id
                      AND (o.term_end IS NULL OR o.term_end >= ?1)) > 1
             ORDER BY m.role, m.id",
        )?;
        let today = crate::committee::today().format("%Y-%m-%d").to_string();
        let mut rows = stmt.query([today])?;
        while let Some(r) = rows.next()? {
            out.push(ReviewItem {
                code: "seat_held_twice".into(),
                table: "member".into(),
                row: uuid(r.get(0)?)?,
                detail: vec![
                    (
                        "role".into(),
                        r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    ),
                    (
                        "name".into(),
                        r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    ),
                ],
            });
        }

        // One folio fiscal on two receipts (entered twice, or on two devices).
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.id, r.folio_fiscal FROM receipt r
             JOIN purchase p ON p.id = r.purchase_id AND p.deleted = 0
             WHERE r.deleted = 0 AND r.folio_fiscal IS NOT NULL AND r.folio_fiscal <> ''
               AND (SELECT count(*) FROM receipt o JOIN purchase op ON op.id = o.purchase_id
                    WHERE o.deleted = 0 AND op.deleted = 0 AND o.folio_fiscal = r.folio_fiscal) > 1
             ORDER BY r.folio_fiscal, r.id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            out.push(ReviewItem {
                code: "folio_used_twice".into(),
                table: "receipt".into(),
                row: uuid(r.get(0)?)?,
                detail: vec![(
                    "folio".into(),
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                )],
            });
        }

        // Minutes edited on one device while the acta was closed on another: the
        // closed text stands; the other edit is to become an amendment.
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, minutes, date FROM assembly
             WHERE deleted = 0 AND status = 'closed' AND minutes IS NOT closed_minutes",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            out.push(ReviewItem {
                code: "acta_edited_while_closing".into(),
                table: "assembly".into(),
                row: uuid(r.get(0)?)?,
                detail: vec![
                    (
                        "minutes".into(),
                        r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    ),
                    (
                        "date".into(),
                        r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    ),
                ],
            });
        }

        // Changes that arrived breaking the schema: kept, never folded (a copy of an
        // old app's bug or a lie; a person decides what to do with the record).
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.tbl, l.row_id, s.code, s.detail, l.seq_first, l.hlc FROM set_aside s
             JOIN change_log l ON l.id = s.log_id ORDER BY s.log_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let tbl: u16 = r.get(0)?;
            let table = cosabi_core::schema::table(tbl)
                .map_or_else(|| tbl.to_string(), |t| t.name.to_owned());
            let hlc = cosabi_core::hlc::Hlc(r.get::<_, i64>(5)? as u64);
            out.push(ReviewItem {
                code: "change_set_aside".into(),
                table,
                row: uuid(r.get(1)?)?,
                detail: vec![
                    ("reason".into(), r.get::<_, String>(2)?),
                    ("detail".into(), r.get::<_, String>(3)?),
                    ("seq".into(), r.get::<_, i64>(4)?.to_string()),
                    ("written_ms".into(), hlc.ms().to_string()),
                ],
            });
        }
        Ok(out)
    }
}
