//! The committee's money: card movements, purchases and their receipts, the checks on
//! RFC and folio fiscal, and the balance view. Amounts are [`Centavos`] throughout.

use crate::actions::Category;
use crate::clinic::required_text;
use crate::error::{ValidationError, ValidationErrors};
use crate::input::{
    code_enum, fiscal_year, long_text, positive_amount, required_code, required_date, whole_number,
};
use crate::money::Centavos;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

code_enum!(
    /// How money moves on the card. `deposito` is the programme's dispersión onto the
    /// card; `retiro` takes cash out; `reintegro` returns unspent funds at the end of
    /// the fiscal year (it leaves the card); `cambio_devuelto` puts change left over
    /// from cash purchases back.
    CardMovementKind {
        Deposito => "deposito",
        Retiro => "retiro",
        Reintegro => "reintegro",
        CambioDevuelto => "cambio_devuelto",
    }
);

code_enum!(
    /// Whether a purchase was paid with the card or with cash withdrawn before.
    PaidFrom {
        Tarjeta => "tarjeta",
        Efectivo => "efectivo",
    }
);

code_enum!(
    /// What backs a purchase: a CFDI (electronic invoice), a shop's nota, a simple
    /// receipt for labour, or a bank slip.
    ReceiptKind {
        Cfdi => "cfdi",
        Nota => "nota",
        ReciboSimple => "recibo_simple",
        FichaBancaria => "ficha_bancaria",
    }
);

/// Longest note on a card movement.
pub const NOTE_CHARS_MAX: usize = 500;
/// More units than this in one purchase line is a typing mistake.
pub const QUANTITY_MAX: i64 = 1_000_000;

/// Checks an RFC (Mexican tax id) as typed. Empty is allowed (`None`): a market stall
/// may have none. Returns it upper-case without spaces or dashes.
///
/// A company's RFC is 12 characters (3 letters, `&` and `Ñ` included, a `YYMMDD`
/// date, 3 alphanumerics); a person's is 13 (4 letters, date, 3). A wrong shape is
/// `rfc_format`, an impossible date `rfc_date`. The check digit is not enforced here:
/// a mismatch is only a warning, which the UI gets from [`crate::rfc::rfc_warning`].
/// The rules live in [`crate::rfc::check_rfc`].
pub fn validate_rfc(input: &str) -> Result<Option<String>, ValidationError> {
    if crate::rfc::normalize_rfc(input).is_empty() {
        return Ok(None);
    }
    let check = crate::rfc::check_rfc(input);
    match check.error() {
        None => Ok(Some(check.normalized)),
        Some(problem) => Err(ValidationError::new("rfc", problem.code())),
    }
}

/// Checks a folio fiscal (a CFDI's UUID: 8-4-4-4-12 hex digits, 36 characters with
/// dashes). Empty is allowed (`None`). Returns it upper-case, as SAT prints it.
pub fn validate_folio_fiscal(input: &str) -> Result<Option<String>, ValidationError> {
    let f = input.trim().to_ascii_uppercase();
    if f.is_empty() {
        return Ok(None);
    }
    let groups: Vec<&str> = f.split('-').collect();
    let shape_ok = f.len() == 36
        && groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()));
    if shape_ok {
        Ok(Some(f))
    } else {
        Err(ValidationError::new("folio_fiscal", "folio_format"))
    }
}

/// What a person fills in to record a card movement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCardMovement {
    /// A [`CardMovementKind::code`].
    pub kind: String,
    /// As typed, positive: the kind gives the direction.
    pub amount: String,
    pub date: String,
    #[serde(default)]
    pub note: String,
    /// Empty means the year of `date`.
    #[serde(default)]
    pub fiscal_year: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidCardMovement {
    pub kind: CardMovementKind,
    pub amount: Centavos,
    pub date: chrono::NaiveDate,
    pub note: String,
    pub fiscal_year: i32,
}

impl NewCardMovement {
    pub fn validate(&self) -> Result<ValidCardMovement, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let kind = required_code(
            "kind",
            &self.kind,
            "kind_required",
            CardMovementKind::from_code,
            &mut errors,
        );
        let amount = positive_amount("amount", &self.amount, &mut errors);
        let date = required_date("date", &self.date, &mut errors);
        let note = long_text("note", &self.note, NOTE_CHARS_MAX, false, &mut errors);
        let year = fiscal_year(&self.fiscal_year, date, &mut errors);
        errors.into_result()?;
        match (kind, amount, date, note, year) {
            (Some(kind), Some(amount), Some(date), Some(note), Some(fiscal_year)) => {
                Ok(ValidCardMovement {
                    kind,
                    amount,
                    date,
                    note,
                    fiscal_year,
                })
            }
            _ => unreachable!("a missing field always records an error"),
        }
    }
}

/// A purchase's quantity and unit cost as typed; the total is always computed from
/// them, never typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseAmounts {
    pub quantity: String,
    pub unit_cost: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidAmounts {
    pub quantity: i64,
    pub unit_cost: Centavos,
    /// `quantity × unit_cost`.
    pub total: Centavos,
}

impl PurchaseAmounts {
    pub fn validate(&self) -> Result<ValidAmounts, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let amounts = self.check(&mut errors);
        errors.into_result()?;
        match amounts {
            Some(a) => Ok(a),
            None => unreachable!("a missing field always records an error"),
        }
    }

    fn check(&self, errors: &mut ValidationErrors) -> Option<ValidAmounts> {
        let quantity = whole_number(
            "quantity",
            &self.quantity,
            1,
            QUANTITY_MAX,
            None,
            "quantity_invalid",
            errors,
        );
        let unit_cost = positive_amount("unit_cost", &self.unit_cost, errors);
        let (quantity, unit_cost) = (quantity?, unit_cost?);
        match unit_cost.get().checked_mul(quantity) {
            Some(total) => Some(ValidAmounts {
                quantity,
                unit_cost,
                total: Centavos(total),
            }),
            None => {
                errors.push(ValidationError::new("unit_cost", "amount_invalid"));
                None
            }
        }
    }
}

/// What a person fills in to record a purchase.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPurchase {
    pub date: String,
    pub concept: String,
    pub quantity: String,
    pub unit_cost: String,
    pub supplier: String,
    /// The supplier's RFC; may be empty.
    #[serde(default)]
    pub rfc: String,
    /// A [`Category::code`].
    pub category: String,
    /// The planned action this buys for, chosen from a list; may be empty.
    #[serde(default)]
    pub action_id: Option<Uuid>,
    /// A [`PaidFrom::code`].
    pub paid_from: String,
    /// Empty means the year of `date`.
    #[serde(default)]
    pub fiscal_year: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidPurchase {
    pub date: chrono::NaiveDate,
    pub concept: String,
    pub amounts: ValidAmounts,
    pub supplier: String,
    pub rfc: Option<String>,
    pub category: Category,
    pub action_id: Option<Uuid>,
    pub paid_from: PaidFrom,
    pub fiscal_year: i32,
}

impl NewPurchase {
    pub fn validate(&self) -> Result<ValidPurchase, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let date = required_date("date", &self.date, &mut errors);
        let concept = required_text("concept", &self.concept, &mut errors);
        let amounts = PurchaseAmounts {
            quantity: self.quantity.clone(),
            unit_cost: self.unit_cost.clone(),
        }
        .check(&mut errors);
        let supplier = required_text("supplier", &self.supplier, &mut errors);
        let rfc = validate_rfc(&self.rfc).map_err(|e| errors.push(e)).ok();
        let category = required_code(
            "category",
            &self.category,
            "category_required",
            Category::from_code,
            &mut errors,
        );
        let paid_from = required_code(
            "paid_from",
            &self.paid_from,
            "paid_from_required",
            PaidFrom::from_code,
            &mut errors,
        );
        let year = fiscal_year(&self.fiscal_year, date, &mut errors);
        errors.into_result()?;
        match (
            date, concept, amounts, supplier, rfc, category, paid_from, year,
        ) {
            (
                Some(date),
                Some(concept),
                Some(amounts),
                Some(supplier),
                Some(rfc),
                Some(category),
                Some(paid_from),
                Some(fiscal_year),
            ) => Ok(ValidPurchase {
                date,
                concept,
                amounts,
                supplier,
                rfc,
                category,
                action_id: self.action_id,
                paid_from,
                fiscal_year,
            }),
            _ => unreachable!("a missing field always records an error"),
        }
    }
}

/// What a person fills in (or a CFDI's QR code fills) to attach a receipt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReceipt {
    /// A [`ReceiptKind::code`].
    pub kind: String,
    /// A CFDI's UUID; may be empty.
    #[serde(default)]
    pub folio_fiscal: String,
    pub total: String,
    pub issued_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidReceipt {
    pub kind: ReceiptKind,
    /// Upper-case.
    pub folio_fiscal: Option<String>,
    pub total: Centavos,
    pub issued_on: chrono::NaiveDate,
}

impl NewReceipt {
    pub fn validate(&self) -> Result<ValidReceipt, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let kind = required_code(
            "kind",
            &self.kind,
            "kind_required",
            ReceiptKind::from_code,
            &mut errors,
        );
        let folio = validate_folio_fiscal(&self.folio_fiscal)
            .map_err(|e| errors.push(e))
            .ok();
        let total = positive_amount("total", &self.total, &mut errors);
        let issued_on = required_date("issued_on", &self.issued_on, &mut errors);
        errors.into_result()?;
        match (kind, folio, total, issued_on) {
            (Some(kind), Some(folio_fiscal), Some(total), Some(issued_on)) => Ok(ValidReceipt {
                kind,
                folio_fiscal,
                total,
                issued_on,
            }),
            _ => unreachable!("a missing field always records an error"),
        }
    }
}

/// Which purchases to list; every filter left `None` keeps all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseFilter {
    /// A [`Category::code`].
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub action_id: Option<Uuid>,
    /// 1..=12, of the purchase's date.
    #[serde(default)]
    pub month: Option<u32>,
}

/// A card movement as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardMovement {
    pub id: Uuid,
    pub fiscal_year: i32,
    /// A [`CardMovementKind::code`].
    pub kind: String,
    pub amount: Centavos,
    pub date: String,
    pub note: String,
}

/// A purchase as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    pub id: Uuid,
    pub fiscal_year: i32,
    pub date: String,
    pub concept: String,
    pub quantity: i64,
    pub unit_cost: Centavos,
    pub total: Centavos,
    pub supplier: String,
    pub rfc: Option<String>,
    /// A [`Category::code`].
    pub category: String,
    pub action_id: Option<Uuid>,
    /// A [`PaidFrom::code`].
    pub paid_from: String,
}

impl Purchase {
    /// The purchase as its form holds it, to correct some of its fields and save it
    /// whole ([`NewPurchase::validate`] reads it back to the same purchase).
    pub fn to_input(&self) -> NewPurchase {
        NewPurchase {
            date: crate::format::display_date(&self.date),
            concept: self.concept.clone(),
            quantity: self.quantity.to_string(),
            unit_cost: self.unit_cost.input_text(),
            supplier: self.supplier.clone(),
            rfc: self.rfc.clone().unwrap_or_default(),
            category: self.category.clone(),
            action_id: self.action_id,
            paid_from: self.paid_from.clone(),
            fiscal_year: self.fiscal_year.to_string(),
        }
    }
}

/// A receipt as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: Uuid,
    pub purchase_id: Uuid,
    /// A [`ReceiptKind::code`].
    pub kind: String,
    pub folio_fiscal: Option<String>,
    pub total: Centavos,
    pub issued_on: String,
}

/// Where the money of one fiscal year stands, computed from the rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub fiscal_year: i32,
    /// The clinic's allocation for the year from the programme's table.
    pub assigned: Centavos,
    /// What the card actually received (depósitos).
    pub deposits: Centavos,
    /// Deposits + change returned − withdrawals − reintegros − card purchases.
    pub card: Centavos,
    /// Withdrawals − cash purchases − change returned to the card.
    pub cash: Centavos,
    /// Every purchase of the year, however paid.
    pub spent_total: Centavos,
    /// Spent per [`Category::code`], in the categories' order, each listed.
    pub spent_by_category: Vec<(String, Centavos)>,
    /// Unspent funds returned at the end of the year.
    pub reintegros: Centavos,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(e: &ValidationErrors) -> Vec<(&str, &str)> {
        e.0.iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn rfc_shapes() {
        assert_eq!(
            validate_rfc(" abc-010203-xy9 ").unwrap().as_deref(),
            Some("ABC010203XY9")
        );
        assert_eq!(
            validate_rfc("&ÑA010203AB1").unwrap().as_deref(),
            Some("&ÑA010203AB1")
        );
        assert_eq!(
            validate_rfc("ximl850412hv3").unwrap().as_deref(),
            Some("XIML850412HV3")
        );
        assert_eq!(validate_rfc("").unwrap(), None);
        for bad in [
            "ABC01020XY9",    // 11 characters
            "AB1010203XY9",   // digit among the letters
            "ABC010203XY_",   // symbol in the tail
            "XIML850412HV3X", // 14 characters
        ] {
            assert_eq!(validate_rfc(bad).unwrap_err().code, "rfc_format", "{bad}");
        }
        // Month 13 and 30 February.
        for impossible_date in ["ABC011303XY9", "ABC010230XY9"] {
            assert_eq!(
                validate_rfc(impossible_date).unwrap_err().code,
                "rfc_date",
                "{impossible_date}"
            );
        }
        // 29 February exists in 2000 (and 2004…), so "000229" is a real date.
        assert!(validate_rfc("ABC000229XY9").is_ok());
    }

    #[test]
    fn folio_fiscal_is_a_uuid() {
        assert_eq!(
            validate_folio_fiscal(" 6f1a2b3c-0d4e-4f5a-8b6c-7d8e9f0a1b2c ")
                .unwrap()
                .as_deref(),
            Some("6F1A2B3C-0D4E-4F5A-8B6C-7D8E9F0A1B2C")
        );
        assert_eq!(validate_folio_fiscal("").unwrap(), None);
        for bad in [
            "6f1a2b3c0d4e4f5a8b6c7d8e9f0a1b2c",
            "6f1a2b3c-0d4e-4f5a-8b6c-7d8e9f0a1b2g",
            "6f1a2b3c-0d4e4-f5a-8b6c-7d8e9f0a1b2c",
        ] {
            assert_eq!(
                validate_folio_fiscal(bad).unwrap_err().code,
                "folio_format",
                "{bad}"
            );
        }
    }

    #[test]
    fn card_movement() {
        let m = NewCardMovement {
            kind: "deposito".into(),
            amount: "200,000".into(),
            date: "15/03/2025".into(),
            note: "Primera dispersión".into(),
            fiscal_year: "".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(m.amount, Centavos(20_000_000));
        assert_eq!(m.fiscal_year, 2025);
        let bad = NewCardMovement {
            kind: "abono".into(),
            amount: "-5".into(),
            date: "".into(),
            note: "n".repeat(NOTE_CHARS_MAX + 1),
            fiscal_year: "1999".into(),
        };
        assert_eq!(
            codes(&bad.validate().unwrap_err()),
            vec![
                ("kind", "kind_required"),
                ("amount", "amount_not_positive"),
                ("date", "required"),
                ("note", "too_long"),
                ("fiscal_year", "fiscal_year_invalid"),
            ]
        );
    }

    fn purchase() -> NewPurchase {
        NewPurchase {
            date: "02/05/2025".into(),
            concept: "Pintura vinílica 19 L".into(),
            quantity: "3".into(),
            unit_cost: "1,250.50".into(),
            supplier: "Tlapalería La Esperanza".into(),
            rfc: "".into(),
            category: "infraestructura".into(),
            action_id: None,
            paid_from: "tarjeta".into(),
            fiscal_year: "".into(),
        }
    }

    #[test]
    fn purchase_total_is_computed() {
        let p = purchase().validate().unwrap();
        assert_eq!(p.amounts.total, Centavos(375_150));
        assert_eq!(p.rfc, None);
        assert_eq!(p.fiscal_year, 2025);
    }

    #[test]
    fn purchase_reports_every_problem() {
        let bad = NewPurchase {
            date: "2025/13/01".into(),
            concept: "".into(),
            quantity: "1.5".into(),
            unit_cost: "gratis".into(),
            supplier: " ".into(),
            rfc: "XYZ".into(),
            category: "".into(),
            action_id: None,
            paid_from: "vales".into(),
            fiscal_year: "".into(),
        };
        assert_eq!(
            codes(&bad.validate().unwrap_err()),
            vec![
                ("date", "date_format"),
                ("concept", "required"),
                ("quantity", "quantity_invalid"),
                ("unit_cost", "amount_invalid"),
                ("supplier", "required"),
                ("rfc", "rfc_format"),
                ("category", "category_required"),
                ("paid_from", "paid_from_required"),
            ]
        );
    }

    #[test]
    fn amounts_overflow_and_zero() {
        let e = PurchaseAmounts {
            quantity: "1000000".into(),
            unit_cost: "99,999,999,999,999".into(),
        }
        .validate()
        .unwrap_err();
        assert_eq!(codes(&e), vec![("unit_cost", "amount_invalid")]);
        let e = PurchaseAmounts {
            quantity: "0".into(),
            unit_cost: "0".into(),
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            codes(&e),
            vec![
                ("quantity", "quantity_invalid"),
                ("unit_cost", "amount_not_positive")
            ]
        );
    }

    #[test]
    fn receipt() {
        let r = NewReceipt {
            kind: "cfdi".into(),
            folio_fiscal: "6f1a2b3c-0d4e-4f5a-8b6c-7d8e9f0a1b2c".into(),
            total: "3,751.50".into(),
            issued_on: "2025-05-02".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(
            r.folio_fiscal.as_deref(),
            Some("6F1A2B3C-0D4E-4F5A-8B6C-7D8E9F0A1B2C")
        );
        let bad = NewReceipt {
            kind: "".into(),
            folio_fiscal: "123".into(),
            total: "0".into(),
            issued_on: "ayer".into(),
        };
        assert_eq!(
            codes(&bad.validate().unwrap_err()),
            vec![
                ("kind", "kind_required"),
                ("folio_fiscal", "folio_format"),
                ("total", "amount_not_positive"),
                ("issued_on", "date_format"),
            ]
        );
    }
}
