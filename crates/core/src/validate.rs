//! The schema check every door applies to changes that arrive from elsewhere: the
//! server's push, a replica's apply (pulled pages and sync files), the sync-file
//! reader. A change group is valid when every value fits its column as the catalog
//! (`schema`) declares it, nothing is NULL where the store says NOT NULL, values and
//! groups stay within their limits, and a `clinic` row is the clinic's own.
//!
//! Architecture invariant: an honest writer never produces an invalid group (the
//! domain validates what people type, and these limits sit above the domain's), so
//! a group refused here is a bug or a lie; it is set aside, never folded, and never
//! allowed to stop the good groups around it.

use crate::change::{ChangeGroup, Value};
use crate::schema::{self, ColumnKind, TableDef, CLINIC, DELETED, DEVICE};
use crate::wire::{value_size, Page, PAGE_FIELD_CHANGES_MAX, PAGE_VALUE_BYTES_MAX};
use uuid::Uuid;

/// Most fields in one change group: one write to one row. No table has more than a
/// few dozen columns; a newer app's unknown table is held to the same bound.
pub const GROUP_FIELDS_MAX: usize = 64;
/// Most bytes of one text value: an acta's minutes are at most 100,000 characters
/// (`assembly::MINUTES_CHARS_MAX`), up to 4 bytes each in UTF-8.
pub const TEXT_BYTES_MAX: usize = 512 * 1024;
/// Most bytes of one blob value: ids are 16 bytes; a newer app's blob column gets
/// room, photos never travel as values.
pub const BLOB_BYTES_MAX: usize = 4 * 1024;
/// Most page weight (values plus 8 bytes of overhead per field, as the page cutters
/// count it) of one group. A group this heavy travels alone in its page.
pub const GROUP_WEIGHT_MAX: usize = 1024 * 1024;
/// Most weight of one page: the cutters close a page before it passes
/// `PAGE_VALUE_BYTES_MAX`, unless its single group is heavier.
pub const PAGE_WEIGHT_MAX: usize = PAGE_VALUE_BYTES_MAX + GROUP_WEIGHT_MAX;
/// Bytes a field adds to a page's weight besides its value.
pub const FIELD_OVERHEAD_BYTES: usize = 8;

// Limits that depend on each other, checked when the crate compiles.
const _: () = assert!(GROUP_FIELDS_MAX <= PAGE_FIELD_CHANGES_MAX);
const _: () = assert!(TEXT_BYTES_MAX + FIELD_OVERHEAD_BYTES <= GROUP_WEIGHT_MAX);
const _: () = assert!(GROUP_WEIGHT_MAX <= crate::protocol::SYNC_BODY_BYTES_MAX);
const _: () = {
    let mut i = 0;
    while i < schema::TABLES.len() {
        assert!(schema::TABLES[i].columns.len() <= GROUP_FIELDS_MAX);
        i += 1;
    }
};

/// Why a change group cannot be taken in. `code` is stable (logs, the review inbox,
/// the server's refusal); `column` names the field when one is at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{table}{}: {code}", column.as_ref().map(|c| format!(".{c}")).unwrap_or_default())]
pub struct InvalidChange {
    /// `empty_group`, `too_many_fields`, `column_twice`, `too_heavy`, `wrong_type`,
    /// `null_not_allowed`, `bad_tombstone`, `bad_date`, `value_too_long`,
    /// `other_clinic`, `sequence_overflow`.
    pub code: &'static str,
    /// The table's name, or its number when this version does not know it.
    pub table: String,
    /// The column's name, or its number when unknown.
    pub column: Option<String>,
}

fn invalid(code: &'static str, table: u16, column: Option<u16>) -> InvalidChange {
    let def = schema::table(table);
    InvalidChange {
        code,
        table: def.map_or_else(|| table.to_string(), |t| t.name.to_owned()),
        column: column.map(|c| {
            def.and_then(|t| t.column(c))
                .map_or_else(|| c.to_string(), |c| c.name.to_owned())
        }),
    }
}

/// Weight of one group in a page, as the page cutters count it.
pub fn group_weight(g: &ChangeGroup) -> usize {
    g.fields
        .iter()
        .map(|f| value_size(&f.value) + FIELD_OVERHEAD_BYTES)
        .sum()
}

/// `YYYY-MM-DD`, a day that exists. Split by hand rather than with chrono's format
/// parser, which costs several times more on the apply path; chrono still decides
/// which days exist.
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    chrono::NaiveDate::from_ymd_opt(n(0..4) as i32, n(5..7), n(8..10)).is_some()
}

/// Whether `value` fits a column of `kind` (NULL fits every column but the tombstone).
fn check_value(
    table: &TableDef,
    column: u16,
    kind: ColumnKind,
    value: &Value,
) -> Result<(), InvalidChange> {
    let fail = |code| Err(invalid(code, table.id, Some(column)));
    if column == DELETED.id {
        return match value {
            Value::Int(0 | 1) => Ok(()),
            Value::Null => fail("null_not_allowed"),
            _ => fail("bad_tombstone"),
        };
    }
    match (kind, value) {
        (_, Value::Null) => Ok(()),
        (ColumnKind::Int, Value::Int(_)) => Ok(()),
        (ColumnKind::Text, Value::Text(s)) if s.len() <= TEXT_BYTES_MAX => Ok(()),
        (ColumnKind::Text, Value::Text(_)) => fail("value_too_long"),
        (ColumnKind::Uuid, Value::Bytes(b)) if b.len() == 16 => Ok(()),
        (ColumnKind::Date, Value::Text(s)) if s.is_empty() || is_iso_date(s) => Ok(()),
        (ColumnKind::Date, Value::Text(_)) => fail("bad_date"),
        _ => fail("wrong_type"),
    }
}

/// Checks one change group against the catalog. `clinic` is the clinic the receiver
/// holds (or is scoped to), if it knows it: a `clinic` row with another id is
/// refused, so no second clinic can enter a replica. Tables and columns of a newer
/// app pass with their values bounded.
pub fn check_group(g: &ChangeGroup, clinic: Option<Uuid>) -> Result<(), InvalidChange> {
    if g.fields.is_empty() {
        return Err(invalid("empty_group", g.table, None));
    }
    if g.fields.len() > GROUP_FIELDS_MAX {
        return Err(invalid("too_many_fields", g.table, None));
    }
    if g.seq_first == 0 || g.seq_first.checked_add(g.fields.len() as u64).is_none() {
        return Err(invalid("sequence_overflow", g.table, None));
    }
    if group_weight(g) > GROUP_WEIGHT_MAX {
        return Err(invalid("too_heavy", g.table, None));
    }
    for (i, f) in g.fields.iter().enumerate() {
        if g.fields[..i].iter().any(|o| o.column == f.column) {
            return Err(invalid("column_twice", g.table, Some(f.column)));
        }
    }
    let Some(table) = schema::table(g.table) else {
        return g
            .fields
            .iter()
            .try_for_each(|f| unknown_value(g.table, f.column, &f.value));
    };
    if table.id == CLINIC.id && clinic.is_some_and(|c| c != g.row) {
        return Err(invalid("other_clinic", g.table, None));
    }
    // A device names itself only: its row is the one derived from its own site, and
    // the site it names is its own.
    if table.id == DEVICE.id {
        let own = crate::ids::device_row_id(g.site);
        let names_other = g
            .fields
            .iter()
            .any(|f| f.column == 1 && f.value.as_uuid() != Some(g.site.0));
        if g.row != own || names_other {
            return Err(invalid("other_device", g.table, None));
        }
    }
    for f in &g.fields {
        match table.column(f.column) {
            Some(c) => check_value(table, c.id, c.kind, &f.value)?,
            None => unknown_value(g.table, f.column, &f.value)?,
        }
    }
    Ok(())
}

/// A value of a column this version does not know: only its size can be checked.
fn unknown_value(table: u16, column: u16, value: &Value) -> Result<(), InvalidChange> {
    let ok = match value {
        Value::Text(s) => s.len() <= TEXT_BYTES_MAX,
        Value::Bytes(b) => b.len() <= BLOB_BYTES_MAX,
        Value::Null | Value::Int(_) => true,
    };
    if ok {
        Ok(())
    } else {
        Err(invalid("value_too_long", table, Some(column)))
    }
}

/// Why a whole page is refused (before its groups are looked at one by one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageTooLarge {
    #[error("page has {0} field changes (at most {PAGE_FIELD_CHANGES_MAX})")]
    FieldChanges(usize),
    #[error("page weighs {0} bytes (at most {PAGE_WEIGHT_MAX})")]
    Weight(usize),
}

/// The limits of a page as a whole: what honest page cutters never exceed.
pub fn check_page_limits(page: &Page) -> Result<(), PageTooLarge> {
    let fields = page.field_change_count();
    if fields > PAGE_FIELD_CHANGES_MAX {
        return Err(PageTooLarge::FieldChanges(fields));
    }
    let weight: usize = page.groups.iter().map(group_weight).sum();
    if weight > PAGE_WEIGHT_MAX {
        return Err(PageTooLarge::Weight(weight));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Hlc;
    use crate::ids::SiteId;
    use crate::schema::{ASSEMBLY, MEMBER, PURCHASE};

    fn group(table: u16, row: Uuid, fields: Vec<(u16, Value)>) -> ChangeGroup {
        ChangeGroup::fresh(SiteId(Uuid::from_u128(1)), 1, Hlc::ZERO, table, row, fields)
    }

    fn code(g: &ChangeGroup) -> &'static str {
        check_group(g, Some(Uuid::from_u128(7))).unwrap_err().code
    }

    #[test]
    fn every_column_kind_refuses_a_mistyped_value() {
        let row = Uuid::from_u128(9);
        let ok = group(
            PURCHASE.id,
            row,
            vec![
                (0, Value::Int(0)),
                (1, Value::uuid(Uuid::from_u128(7))),
                (3, Value::Text("2026-02-28".into())),
                (4, Value::Text("Pintura".into())),
                (5, Value::Int(2)),
                (9, Value::Null),
            ],
        );
        assert_eq!(check_group(&ok, None), Ok(()));
        // Int, Text, Uuid and Date columns, each with a value of another kind.
        for (column, value) in [
            (5, Value::Text("dos".into())),
            (4, Value::Int(4)),
            (1, Value::Bytes(vec![1, 2, 3])),
            (1, Value::Text("not an id".into())),
            (3, Value::Int(20260228)),
        ] {
            let g = group(PURCHASE.id, row, vec![(column, value)]);
            assert_eq!(code(&g), "wrong_type", "column {column}");
        }
        let g = group(
            PURCHASE.id,
            row,
            vec![(3, Value::Text("2026-02-31".into()))],
        );
        assert_eq!(code(&g), "bad_date");
    }

    #[test]
    fn the_tombstone_is_never_null() {
        let row = Uuid::from_u128(9);
        assert_eq!(
            code(&group(PURCHASE.id, row, vec![(0, Value::Null)])),
            "null_not_allowed"
        );
        assert_eq!(
            code(&group(PURCHASE.id, row, vec![(0, Value::Int(7))])),
            "bad_tombstone"
        );
    }

    #[test]
    fn limits_and_shape() {
        let row = Uuid::from_u128(9);
        let many = (0..=GROUP_FIELDS_MAX as u16)
            .map(|c| (c + 100, Value::Int(1)))
            .collect();
        assert_eq!(code(&group(500, row, many)), "too_many_fields");
        let twice = vec![(2, Value::Text("a".into())), (2, Value::Text("b".into()))];
        assert_eq!(code(&group(MEMBER.id, row, twice)), "column_twice");
        let long = "x".repeat(TEXT_BYTES_MAX + 1);
        assert_eq!(
            code(&group(ASSEMBLY.id, row, vec![(7, Value::Text(long))])),
            "value_too_long"
        );
        let blob = Value::Bytes(vec![0; BLOB_BYTES_MAX + 1]);
        assert_eq!(code(&group(500, row, vec![(1, blob)])), "value_too_long");
        assert_eq!(code(&group(MEMBER.id, row, vec![])), "empty_group");
        let text = |n| Value::Text("y".repeat(n));
        let heavy = (1..=3).map(|c| (c + 100, text(TEXT_BYTES_MAX))).collect();
        assert_eq!(code(&group(ASSEMBLY.id, row, heavy)), "too_heavy");
    }

    #[test]
    fn only_the_clinics_own_row() {
        let own = Uuid::from_u128(7);
        let g = group(CLINIC.id, own, vec![(2, Value::Text("Centro".into()))]);
        assert_eq!(check_group(&g, Some(own)), Ok(()));
        let other = group(
            CLINIC.id,
            Uuid::from_u128(8),
            vec![(2, Value::Text("Otro".into()))],
        );
        assert_eq!(code(&other), "other_clinic");
        let err = check_group(&other, Some(own)).unwrap_err();
        assert_eq!(err.to_string(), "clinic: other_clinic");
    }

    #[test]
    fn a_device_names_only_itself() {
        let site = SiteId(Uuid::from_u128(1));
        let own = crate::ids::device_row_id(site);
        let name = (2, Value::Text("Laptop de la clínica".into()));
        let g = group(DEVICE.id, own, vec![(1, Value::uuid(site.0)), name.clone()]);
        assert_eq!(check_group(&g, Some(Uuid::from_u128(7))), Ok(()));
        // Another device's row, or this row naming another site: refused.
        let other_row = crate::ids::device_row_id(SiteId(Uuid::from_u128(2)));
        assert_eq!(
            code(&group(DEVICE.id, other_row, vec![name.clone()])),
            "other_device"
        );
        let other_site = group(DEVICE.id, own, vec![(1, Value::uuid(Uuid::from_u128(2)))]);
        assert_eq!(code(&other_site), "other_device");
    }

    #[test]
    fn page_limits() {
        let row = Uuid::from_u128(9);
        let g = group(PURCHASE.id, row, vec![(5, Value::Int(1))]);
        let page = Page {
            schema_version: 1,
            tags: Vec::new(),
            groups: vec![g; PAGE_FIELD_CHANGES_MAX + 1],
        };
        assert!(matches!(
            check_page_limits(&page),
            Err(PageTooLarge::FieldChanges(_))
        ));
    }
}
