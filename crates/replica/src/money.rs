//! The committee's money: card movements, purchases, receipts and the balance.
//!
//! Totals are always computed from the rows by SQL, never kept as counters, so a
//! merge of two devices' rows gives the right totals by construction.

use crate::error::{Error, Result};
use crate::rows::{clinic_uuid, date, int_at, opt_uuid_at, require_row, text, text_at, uuid_at};
use crate::Replica;
use cosabi_core::actions::Category;
use cosabi_core::change::Value;
use cosabi_core::clinic::allocation_for;
use cosabi_core::ledger::{
    Balance, CardMovement, CardMovementKind, NewCardMovement, NewPurchase, NewReceipt, PaidFrom,
    Purchase, PurchaseAmounts, PurchaseFilter, Receipt,
};
use cosabi_core::schema::{ACTION, CARD_MOVEMENT, PURCHASE, RECEIPT};
use cosabi_core::{Centavos, ValidationError};
use rusqlite::OptionalExtension;
use uuid::Uuid;

const PURCHASE_COLUMNS: &str = "id, fiscal_year, date, concept, quantity, unit_cost, total, \
     supplier, rfc, category, action_id, paid_from";

fn purchase_from_row(r: &rusqlite::Row<'_>) -> Result<Purchase> {
    Ok(Purchase {
        id: uuid_at(r, 0, "purchase id")?,
        fiscal_year: int_at(r, 1)? as i32,
        date: text_at(r, 2)?,
        concept: text_at(r, 3)?,
        quantity: int_at(r, 4)?,
        unit_cost: Centavos(int_at(r, 5)?),
        total: Centavos(int_at(r, 6)?),
        supplier: text_at(r, 7)?,
        rfc: r.get(8)?,
        category: text_at(r, 9)?,
        action_id: opt_uuid_at(r, 10, "action")?,
        paid_from: text_at(r, 11)?,
    })
}

fn receipt_from_row(r: &rusqlite::Row<'_>) -> Result<Receipt> {
    Ok(Receipt {
        id: uuid_at(r, 0, "receipt id")?,
        purchase_id: uuid_at(r, 1, "receipt purchase")?,
        kind: text_at(r, 2)?,
        folio_fiscal: r.get(3)?,
        total: Centavos(int_at(r, 4)?),
        issued_on: text_at(r, 5)?,
    })
}

fn overflow() -> Error {
    Error::Corrupt("the year's amounts overflow 64 bits".into())
}

impl Replica {
    /// Records money moving on the card.
    pub fn add_card_movement(&mut self, input: &NewCardMovement) -> Result<CardMovement> {
        let v = input.validate()?;
        let clinic = clinic_uuid(&self.conn)?;
        let id = Uuid::now_v7();
        self.write(|w| {
            w.insert(
                &CARD_MOVEMENT,
                id,
                &[
                    (1, Value::uuid(clinic)),
                    (2, Value::Int(v.fiscal_year.into())),
                    (3, text(v.kind.code())),
                    (4, Value::Int(v.amount.get())),
                    (5, date(v.date)),
                    (6, text(&v.note)),
                ],
            )
        })?;
        Ok(CardMovement {
            id,
            fiscal_year: v.fiscal_year,
            kind: v.kind.code().to_owned(),
            amount: v.amount,
            date: crate::rows::iso(v.date),
            note: v.note,
        })
    }

    /// The card movements of a fiscal year, by date.
    pub fn card_movements(&self, fiscal_year: i32) -> Result<Vec<CardMovement>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, fiscal_year, kind, amount, date, note FROM card_movement
             WHERE fiscal_year = ?1 AND deleted = 0 ORDER BY date, id",
        )?;
        let mut rows = stmt.query([fiscal_year])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(CardMovement {
                id: uuid_at(r, 0, "card movement id")?,
                fiscal_year: int_at(r, 1)? as i32,
                kind: text_at(r, 2)?,
                amount: Centavos(int_at(r, 3)?),
                date: text_at(r, 4)?,
                note: text_at(r, 5)?,
            });
        }
        Ok(out)
    }

    /// Records a purchase; its total is quantity × unit cost.
    pub fn record_purchase(&mut self, input: &NewPurchase) -> Result<Purchase> {
        let v = input.validate()?;
        let id = Uuid::now_v7();
        let clinic = self.clinic_uuid_cached()?;
        // Checks read inside the write's transaction: what they see is what it is based on.
        self.write(|w| {
            if let Some(a) = v.action_id {
                require_row(w.conn(), &ACTION, a, "action_id")?;
            }
            let mut fields = vec![
                (1, Value::uuid(clinic)),
                (2, Value::Int(v.fiscal_year.into())),
                (3, date(v.date)),
                (4, text(&v.concept)),
                (5, Value::Int(v.amounts.quantity)),
                (6, Value::Int(v.amounts.unit_cost.get())),
                (7, Value::Int(v.amounts.total.get())),
                (8, text(&v.supplier)),
            ];
            if let Some(rfc) = &v.rfc {
                fields.push((9, text(rfc)));
            }
            fields.push((10, text(v.category.code())));
            if let Some(a) = v.action_id {
                fields.push((11, Value::uuid(a)));
            }
            fields.push((12, text(v.paid_from.code())));
            w.insert(&PURCHASE, id, &fields)
        })?;
        Ok(Purchase {
            id,
            fiscal_year: v.fiscal_year,
            date: crate::rows::iso(v.date),
            concept: v.concept,
            quantity: v.amounts.quantity,
            unit_cost: v.amounts.unit_cost,
            total: v.amounts.total,
            supplier: v.supplier,
            rfc: v.rfc,
            category: v.category.code().to_owned(),
            action_id: v.action_id,
            paid_from: v.paid_from.code().to_owned(),
        })
    }

    /// Corrects a purchase's quantity and unit cost. All three of quantity, unit cost
    /// and total are written together (unchanged ones are not logged), so whatever a
    /// merge picks for each, a total nobody typed is detectable.
    pub fn update_purchase_amounts(
        &mut self,
        id: Uuid,
        amounts: &PurchaseAmounts,
    ) -> Result<usize> {
        let v = amounts.validate()?;
        require_row(&self.conn, &PURCHASE, id, "purchase_id")?;
        self.write(|w| {
            w.update(
                &PURCHASE,
                id,
                &[
                    (5, Value::Int(v.quantity)),
                    (6, Value::Int(v.unit_cost.get())),
                    (7, Value::Int(v.total.get())),
                ],
            )
        })
    }

    /// Corrects any field of a purchase: only the fields that change are logged (so a
    /// correction merges field by field with others' edits), and quantity, unit cost
    /// and total are written together when any of them changes, as in
    /// [`Replica::update_purchase_amounts`].
    pub fn update_purchase(&mut self, id: Uuid, input: &NewPurchase) -> Result<Purchase> {
        let v = input.validate()?;
        let before = self
            .purchase(id)?
            .ok_or_else(|| ValidationError::new("purchase_id", "not_found"))?;
        self.write(|w| {
            if let Some(a) = v.action_id {
                require_row(w.conn(), &ACTION, a, "action_id")?;
            }
            let mut fields = Vec::new();
            if before.fiscal_year != v.fiscal_year {
                fields.push((2, Value::Int(v.fiscal_year.into())));
            }
            if before.date != crate::rows::iso(v.date) {
                fields.push((3, date(v.date)));
            }
            if before.concept != v.concept {
                fields.push((4, text(&v.concept)));
            }
            if (before.quantity, before.unit_cost, before.total)
                != (v.amounts.quantity, v.amounts.unit_cost, v.amounts.total)
            {
                fields.extend([
                    (5, Value::Int(v.amounts.quantity)),
                    (6, Value::Int(v.amounts.unit_cost.get())),
                    (7, Value::Int(v.amounts.total.get())),
                ]);
            }
            if before.supplier != v.supplier {
                fields.push((8, text(&v.supplier)));
            }
            if before.rfc != v.rfc {
                fields.push((9, v.rfc.as_deref().map_or(Value::Null, text)));
            }
            if before.category != v.category.code() {
                fields.push((10, text(v.category.code())));
            }
            if before.action_id != v.action_id {
                fields.push((11, v.action_id.map_or(Value::Null, Value::uuid)));
            }
            if before.paid_from != v.paid_from.code() {
                fields.push((12, text(v.paid_from.code())));
            }
            if fields.is_empty() {
                return Ok(0);
            }
            w.update(&PURCHASE, id, &fields)
        })?;
        self.purchase(id)?
            .ok_or_else(|| Error::Corrupt(format!("purchase {id} vanished")))
    }

    /// Deletes a purchase (a tombstone: its history stays). Its receipts stay as they
    /// are and vanish from reads with it, so undoing the delete brings them back.
    pub fn delete_purchase(&mut self, id: Uuid) -> Result<usize> {
        require_row(&self.conn, &PURCHASE, id, "purchase_id")?;
        self.write(|w| w.update(&PURCHASE, id, &[(0, Value::Int(1))]))
    }

    /// One purchase, `None` if it does not exist or was deleted.
    pub fn purchase(&self, id: Uuid) -> Result<Option<Purchase>> {
        let sql = format!("SELECT {PURCHASE_COLUMNS} FROM purchase WHERE id = ?1 AND deleted = 0");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([id.as_bytes().as_slice()])?;
        rows.next()?.map(purchase_from_row).transpose()
    }

    /// The purchases of a fiscal year by date, narrowed by `filter`.
    pub fn purchases(&self, fiscal_year: i32, filter: &PurchaseFilter) -> Result<Vec<Purchase>> {
        // Each filter is always bound; a NULL parameter switches it off, which keeps
        // one cached statement for every combination.
        let sql = format!(
            "SELECT {PURCHASE_COLUMNS} FROM purchase
             WHERE fiscal_year = ?1 AND deleted = 0
               AND (?2 IS NULL OR category = ?2)
               AND (?3 IS NULL OR action_id = ?3)
               AND (?4 IS NULL OR substr(date, 6, 2) = ?4)
             ORDER BY date, id"
        );
        let month = filter.month.map(|m| format!("{m:02}"));
        let action = filter.action_id.map(|a| a.as_bytes().to_vec());
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params![
            fiscal_year,
            filter.category.as_deref(),
            action,
            month
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(purchase_from_row(r)?);
        }
        Ok(out)
    }

    /// Attaches a receipt to a purchase. A folio fiscal already on another receipt of
    /// the clinic is refused (`folio_duplicate`, naming that purchase): one CFDI
    /// cannot back two purchases.
    pub fn add_receipt(&mut self, purchase: Uuid, input: &NewReceipt) -> Result<Receipt> {
        let v = input.validate()?;
        require_row(&self.conn, &PURCHASE, purchase, "purchase_id")?;
        if let Some(folio) = &v.folio_fiscal {
            let used: Option<(Option<String>, Option<String>)> = self
                .conn
                .prepare_cached(
                    "SELECT p.concept, p.date FROM receipt r
                     JOIN purchase p ON p.id = r.purchase_id AND p.deleted = 0
                     WHERE r.folio_fiscal = ?1 AND r.deleted = 0 LIMIT 1",
                )?
                .query_row([folio], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((concept, on)) = used {
                return Err(ValidationError::new("folio_fiscal", "folio_duplicate")
                    .with("concept", concept.unwrap_or_default())
                    .with("date", on.unwrap_or_default())
                    .into());
            }
        }
        let id = Uuid::now_v7();
        let mut fields = vec![(1, Value::uuid(purchase)), (2, text(v.kind.code()))];
        if let Some(folio) = &v.folio_fiscal {
            fields.push((3, text(folio)));
        }
        fields.push((4, Value::Int(v.total.get())));
        fields.push((5, date(v.issued_on)));
        self.write(|w| w.insert(&RECEIPT, id, &fields))?;
        Ok(Receipt {
            id,
            purchase_id: purchase,
            kind: v.kind.code().to_owned(),
            folio_fiscal: v.folio_fiscal,
            total: v.total,
            issued_on: crate::rows::iso(v.issued_on),
        })
    }

    /// Deletes a receipt (a tombstone: its history stays).
    pub fn delete_receipt(&mut self, id: Uuid) -> Result<usize> {
        require_row(&self.conn, &RECEIPT, id, "receipt_id")?;
        self.write(|w| w.update(&RECEIPT, id, &[(0, Value::Int(1))]))
    }

    /// The folios fiscales of the clinic's receipts, except those of `except_purchase`
    /// (the purchase being edited): a CFDI already used elsewhere is worth a warning.
    pub fn receipt_folios(&self, except_purchase: Option<Uuid>) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.folio_fiscal FROM receipt r JOIN purchase p ON p.id = r.purchase_id
             WHERE r.deleted = 0 AND p.deleted = 0 AND r.folio_fiscal IS NOT NULL
               AND (?1 IS NULL OR r.purchase_id IS NOT ?1)",
        )?;
        let except = except_purchase.map(|u| u.as_bytes().to_vec());
        let rows = stmt.query_map([except], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The receipts of a purchase, in the order they were attached.
    pub fn receipts(&self, purchase: Uuid) -> Result<Vec<Receipt>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.id, r.purchase_id, r.kind, r.folio_fiscal, r.total, r.issued_on
             FROM receipt r JOIN purchase p ON p.id = r.purchase_id AND p.deleted = 0
             WHERE r.purchase_id = ?1 AND r.deleted = 0 ORDER BY r.id",
        )?;
        let mut rows = stmt.query([purchase.as_bytes().as_slice()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(receipt_from_row(r)?);
        }
        Ok(out)
    }

    /// Where the money of a fiscal year stands, from the rows:
    /// card = deposits + change returned − withdrawals − reintegros − card purchases;
    /// cash = withdrawals − cash purchases − change returned.
    pub fn balance(&self, fiscal_year: i32) -> Result<Balance> {
        let mut by_kind = [0i64; 4];
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT kind, coalesce(sum(amount), 0) FROM card_movement
                 WHERE fiscal_year = ?1 AND deleted = 0 GROUP BY kind",
            )?;
            let mut rows = stmt.query([fiscal_year])?;
            while let Some(r) = rows.next()? {
                let kind = CardMovementKind::from_code(&text_at(r, 0)?);
                if let Some(i) =
                    kind.and_then(|k| CardMovementKind::ALL.iter().position(|x| *x == k))
                {
                    by_kind[i] = r.get(1)?;
                }
            }
        }
        let amount = |k: CardMovementKind| {
            CardMovementKind::ALL
                .iter()
                .position(|x| *x == k)
                .map_or(0, |i| by_kind[i])
        };
        let (deposits, retiros, reintegros, cambio) = (
            amount(CardMovementKind::Deposito),
            amount(CardMovementKind::Retiro),
            amount(CardMovementKind::Reintegro),
            amount(CardMovementKind::CambioDevuelto),
        );
        let (mut by_card, mut by_cash, mut spent_total) = (0i64, 0i64, 0i64);
        let mut spent_by_category: Vec<(String, Centavos)> = Category::ALL
            .iter()
            .map(|c| (c.code().to_owned(), Centavos::ZERO))
            .collect();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT paid_from, category, coalesce(sum(total), 0) FROM purchase
                 WHERE fiscal_year = ?1 AND deleted = 0 GROUP BY paid_from, category",
            )?;
            let mut rows = stmt.query([fiscal_year])?;
            while let Some(r) = rows.next()? {
                let paid_from = text_at(r, 0)?;
                let category = text_at(r, 1)?;
                let sum: i64 = r.get(2)?;
                spent_total = spent_total.checked_add(sum).ok_or_else(overflow)?;
                match PaidFrom::from_code(&paid_from) {
                    Some(PaidFrom::Tarjeta) => {
                        by_card = by_card.checked_add(sum).ok_or_else(overflow)?
                    }
                    Some(PaidFrom::Efectivo) => {
                        by_cash = by_cash.checked_add(sum).ok_or_else(overflow)?
                    }
                    // A code from a newer app: counted as spent, from neither.
                    None => {}
                }
                match spent_by_category.iter_mut().find(|(c, _)| *c == category) {
                    Some((_, total)) => {
                        *total = total.checked_add(Centavos(sum)).ok_or_else(overflow)?;
                    }
                    None => spent_by_category.push((category, Centavos(sum))),
                }
            }
        }
        let card = [cambio, -retiros, -reintegros, -by_card]
            .into_iter()
            .try_fold(deposits, i64::checked_add)
            .ok_or_else(overflow)?;
        let cash = [-by_cash, -cambio]
            .into_iter()
            .try_fold(retiros, i64::checked_add)
            .ok_or_else(overflow)?;
        let consultorios: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT consultorios FROM clinic WHERE deleted = 0 ORDER BY id LIMIT 1",
            )?
            .query_row([], |r| r.get(0))
            .optional()?
            .flatten();
        let assigned = consultorios
            .and_then(|c| u32::try_from(c).ok())
            .and_then(|c| allocation_for(fiscal_year, c))
            .unwrap_or_default();
        Ok(Balance {
            fiscal_year,
            assigned,
            deposits: Centavos(deposits),
            card: Centavos(card),
            cash: Centavos(cash),
            spent_total: Centavos(spent_total),
            spent_by_category,
            reintegros: Centavos(reintegros),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::tests::replica_with;

    fn code(e: Error) -> String {
        match e {
            Error::Invalid(v) => v.0[0].code.clone(),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn movement(kind: &str, amount: &str, on: &str) -> NewCardMovement {
        NewCardMovement {
            kind: kind.into(),
            amount: amount.into(),
            date: on.into(),
            ..Default::default()
        }
    }

    fn purchase(qty: &str, unit: &str, category: &str, paid_from: &str) -> NewPurchase {
        NewPurchase {
            date: "02/05/2025".into(),
            concept: "Pintura vinílica 19 L".into(),
            quantity: qty.into(),
            unit_cost: unit.into(),
            supplier: "Tlapalería La Esperanza".into(),
            rfc: "TES0102039A1".into(),
            category: category.into(),
            action_id: None,
            paid_from: paid_from.into(),
            fiscal_year: "".into(),
        }
    }

    fn cfdi(folio: &str) -> NewReceipt {
        NewReceipt {
            kind: "cfdi".into(),
            folio_fiscal: folio.into(),
            total: "3,751.50".into(),
            issued_on: "02/05/2025".into(),
        }
    }

    const FOLIO: &str = "6f1a2b3c-0d4e-4f5a-8b6c-7d8e9f0a1b2c";

    #[test]
    fn every_field_of_a_purchase_can_be_corrected_and_only_changes_are_logged() {
        let (mut r, _) = replica_with(&[]);
        let mut input = purchase("3", "1,250.50", "infraestructura", "tarjeta");
        input.rfc = String::new();
        let p = r.record_purchase(&input).unwrap();
        let logged = r.history(&PURCHASE, p.id).unwrap().len();
        // The RFC read later from the invoice, the supplier's name and the date.
        input.rfc = "tes0102039a1".into();
        input.supplier = "Tlapalería La Esperanza S.A.".into();
        input.date = "03/05/2025".into();
        let q = r.update_purchase(p.id, &input).unwrap();
        assert_eq!(q.rfc.as_deref(), Some("TES0102039A1"));
        assert_eq!(q.supplier, "Tlapalería La Esperanza S.A.");
        assert_eq!(q.date, "2025-05-03");
        assert_eq!(q.total, p.total);
        let h = r.history(&PURCHASE, p.id).unwrap();
        let mut changed: Vec<_> = h[logged..].iter().map(|e| e.column.as_str()).collect();
        changed.sort();
        assert_eq!(changed, vec!["date", "rfc", "supplier"]);
        // Nothing changed: nothing logged; a purchase's own input is no change.
        r.update_purchase(p.id, &input).unwrap();
        r.update_purchase(p.id, &q.to_input()).unwrap();
        assert_eq!(r.history(&PURCHASE, p.id).unwrap().len(), h.len());
        // A new quantity writes the three amounts together.
        input.quantity = "4".into();
        let q = r.update_purchase(p.id, &input).unwrap();
        assert_eq!(q.total, Centavos(500_200));
        // Invalid input and unknown purchases are refused, nothing written.
        input.quantity = "0".into();
        assert_eq!(
            code(r.update_purchase(p.id, &input).unwrap_err()),
            "quantity_invalid"
        );
        input.quantity = "4".into();
        assert_eq!(
            code(r.update_purchase(Uuid::now_v7(), &input).unwrap_err()),
            "not_found"
        );
    }

    #[test]
    fn purchase_total_is_written_with_its_amounts() {
        let (mut r, _) = replica_with(&[]);
        let p = r
            .record_purchase(&purchase("3", "1,250.50", "infraestructura", "tarjeta"))
            .unwrap();
        assert_eq!(p.total, Centavos(375_150));
        assert_eq!(r.purchase(p.id).unwrap(), Some(p.clone()));
        // Only the unit cost changes, but the total changes with it.
        let n = r
            .update_purchase_amounts(
                p.id,
                &PurchaseAmounts {
                    quantity: "3".into(),
                    unit_cost: "1,300".into(),
                },
            )
            .unwrap();
        assert_eq!(n, 2);
        let h = r.history(&PURCHASE, p.id).unwrap();
        let last: Vec<_> = h[h.len() - 2..].iter().map(|e| e.column.as_str()).collect();
        assert_eq!(last, vec!["unit_cost", "total"]);
        assert_eq!(r.purchase(p.id).unwrap().unwrap().total, Centavos(390_000));
        let bad = PurchaseAmounts {
            quantity: "0".into(),
            unit_cost: "1".into(),
        };
        assert_eq!(
            code(r.update_purchase_amounts(p.id, &bad).unwrap_err()),
            "quantity_invalid"
        );
        let mut with_action = purchase("1", "10", "mobiliario", "efectivo");
        with_action.action_id = Some(Uuid::now_v7());
        assert_eq!(
            code(r.record_purchase(&with_action).unwrap_err()),
            "not_found"
        );
    }

    #[test]
    fn duplicate_folio_is_refused() {
        let (mut r, _) = replica_with(&[]);
        let p1 = r
            .record_purchase(&purchase("1", "100", "mobiliario", "tarjeta"))
            .unwrap();
        let p2 = r
            .record_purchase(&purchase("2", "100", "mobiliario", "tarjeta"))
            .unwrap();
        let first = r.add_receipt(p1.id, &cfdi(FOLIO)).unwrap();
        assert_eq!(first.folio_fiscal.as_deref(), Some(&*FOLIO.to_uppercase()));
        let before = r.local_change_count();
        // Lower or upper case, it is the same folio.
        let err = r
            .add_receipt(p2.id, &cfdi(&FOLIO.to_uppercase()))
            .unwrap_err();
        assert_eq!(code(err), "folio_duplicate");
        assert_eq!(r.local_change_count(), before);
        // Receipts without a folio never collide.
        let nota = NewReceipt {
            kind: "nota".into(),
            ..cfdi("")
        };
        r.add_receipt(p2.id, &nota).unwrap();
        r.add_receipt(p2.id, &nota).unwrap();
        // Once the first receipt is deleted its folio is free again.
        r.delete_receipt(first.id).unwrap();
        r.add_receipt(p2.id, &cfdi(FOLIO)).unwrap();
        assert_eq!(r.receipts(p2.id).unwrap().len(), 3);
        assert!(r.receipts(p1.id).unwrap().is_empty());
    }

    #[test]
    fn deleted_purchase_vanishes_but_keeps_its_history() {
        let (mut r, _) = replica_with(&[]);
        let p = r
            .record_purchase(&purchase("1", "500", "equipamiento", "tarjeta"))
            .unwrap();
        r.add_receipt(p.id, &cfdi(FOLIO)).unwrap();
        assert_eq!(r.delete_purchase(p.id).unwrap(), 1);
        assert_eq!(r.purchase(p.id).unwrap(), None);
        assert!(r
            .purchases(2025, &PurchaseFilter::default())
            .unwrap()
            .is_empty());
        assert!(r.receipts(p.id).unwrap().is_empty());
        assert_eq!(r.balance(2025).unwrap().spent_total, Centavos::ZERO);
        let h = r.history(&PURCHASE, p.id).unwrap();
        assert_eq!(h.len(), 12, "11 fields recorded, then the tombstone");
        assert_eq!(
            (h[11].column.as_str(), &h[11].value),
            ("deleted", &Value::Int(1))
        );
        assert_eq!(code(r.delete_purchase(p.id).unwrap_err()), "not_found");
        // The folio of a deleted purchase's receipt no longer counts as used.
        let other = r
            .record_purchase(&purchase("1", "500", "equipamiento", "tarjeta"))
            .unwrap();
        r.add_receipt(other.id, &cfdi(FOLIO)).unwrap();
    }

    #[test]
    fn purchases_are_filtered() {
        let (mut r, _) = replica_with(&[]);
        let action = r
            .create_action(&cosabi_core::actions::NewAction {
                category: "mobiliario".into(),
                description: "Bancas".into(),
                estimated_cost: "5,000".into(),
                agreement_id: None,
            })
            .unwrap();
        let mut may = purchase("2", "1,000", "mobiliario", "tarjeta");
        may.action_id = Some(action.id);
        let may = r.record_purchase(&may).unwrap();
        let mut june = purchase("1", "300", "infraestructura", "efectivo");
        june.date = "10/06/2025".into();
        let june = r.record_purchase(&june).unwrap();
        let mut old = purchase("1", "300", "infraestructura", "efectivo");
        old.fiscal_year = "2024".into();
        r.record_purchase(&old).unwrap();
        let ids = |f: PurchaseFilter| -> Vec<Uuid> {
            r.purchases(2025, &f)
                .unwrap()
                .into_iter()
                .map(|p| p.id)
                .collect()
        };
        assert_eq!(ids(PurchaseFilter::default()), vec![may.id, june.id]);
        let by_category = PurchaseFilter {
            category: Some("infraestructura".into()),
            ..Default::default()
        };
        assert_eq!(ids(by_category), vec![june.id]);
        let by_action = PurchaseFilter {
            action_id: Some(action.id),
            ..Default::default()
        };
        assert_eq!(ids(by_action), vec![may.id]);
        let by_month = PurchaseFilter {
            month: Some(6),
            ..Default::default()
        };
        assert_eq!(ids(by_month), vec![june.id]);
    }

    /// A worked example, in centavos:
    /// deposits 400,000.00 + 200,000.00 = 60,000,000
    /// withdrawal 5,000.00 = 500,000; change returned 320.50 = 32,050;
    /// reintegro 10,000.00 = 1,000,000
    /// card purchases: 3 × 1,250.50 = 375,150 and 1 × 20,000.00 = 2,000,000
    /// cash purchases: 2 × 1,200.00 = 240,000 and 1 × 1,979.50 = 197,950
    /// card = 60,000,000 + 32,050 − 500,000 − 1,000,000 − 2,375,150 = 56,156,900
    /// cash = 500,000 − 437,950 − 32,050 = 30,000
    #[test]
    fn balance_is_computed_from_rows() {
        let (mut r, _) = replica_with(&[]);
        for m in [
            movement("deposito", "400,000", "15/03/2025"),
            movement("deposito", "200,000", "15/07/2025"),
            movement("retiro", "5,000", "01/04/2025"),
            movement("cambio_devuelto", "320.50", "03/04/2025"),
            movement("reintegro", "10,000", "15/12/2025"),
            // Another year does not count.
            movement("deposito", "1,000", "15/03/2024"),
        ] {
            r.add_card_movement(&m).unwrap();
        }
        r.record_purchase(&purchase("3", "1,250.50", "infraestructura", "tarjeta"))
            .unwrap();
        r.record_purchase(&purchase("1", "20,000", "equipamiento", "tarjeta"))
            .unwrap();
        r.record_purchase(&purchase("2", "1,200", "mobiliario", "efectivo"))
            .unwrap();
        let cash = r
            .record_purchase(&purchase("1", "1,979.50", "infraestructura", "efectivo"))
            .unwrap();
        let b = r.balance(2025).unwrap();
        assert_eq!(b.deposits, Centavos(60_000_000));
        assert_eq!(b.card, Centavos(56_156_900));
        assert_eq!(b.cash, Centavos(30_000));
        assert_eq!(
            b.spent_total,
            Centavos(375_150 + 2_000_000 + 240_000 + 197_950)
        );
        assert_eq!(
            b.spent_by_category,
            vec![
                ("infraestructura".to_owned(), Centavos(375_150 + 197_950)),
                ("equipamiento".to_owned(), Centavos(2_000_000)),
                ("mobiliario".to_owned(), Centavos(240_000)),
            ]
        );
        assert_eq!(b.reintegros, Centavos(1_000_000));
        // Two consultorios: 600,000.00 assigned.
        assert_eq!(b.assigned, Centavos::from_pesos(600_000));
        assert_eq!(r.card_movements(2025).unwrap().len(), 5);
        // Deleting a purchase gives its money back.
        r.delete_purchase(cash.id).unwrap();
        assert_eq!(r.balance(2025).unwrap().cash, Centavos(30_000 + 197_950));
    }

    #[test]
    fn money_needs_a_clinic() {
        let mut r = Replica::open_in_memory().unwrap();
        assert!(matches!(
            r.add_card_movement(&movement("deposito", "1", "01/01/2025")),
            Err(Error::NoClinic)
        ));
        assert!(matches!(
            r.record_purchase(&purchase("1", "1", "mobiliario", "tarjeta")),
            Err(Error::NoClinic)
        ));
    }
}
