//! Small conversions between domain values and stored fields, shared by the typed
//! reads and writes of the committee's records.

use crate::error::{Error, Result};
use cosabi_core::change::Value;
use cosabi_core::schema::TableDef;
use cosabi_core::ValidationError;
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

pub(crate) fn iso(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn date(d: chrono::NaiveDate) -> Value {
    Value::Text(iso(d))
}

pub(crate) fn opt_uuid(u: Option<Uuid>) -> Value {
    u.map(Value::uuid).unwrap_or(Value::Null)
}

/// Today on the device, for dates the app fills in itself (an amendment's date).
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn to_uuid(bytes: &[u8], what: &str) -> Result<Uuid> {
    Uuid::from_slice(bytes).map_err(|e| Error::Corrupt(format!("{what}: {e}")))
}

/// A non-null UUID column.
pub(crate) fn uuid_at(r: &rusqlite::Row<'_>, idx: usize, what: &str) -> Result<Uuid> {
    let b: Vec<u8> = r.get(idx)?;
    to_uuid(&b, what)
}

/// A nullable UUID column.
pub(crate) fn opt_uuid_at(r: &rusqlite::Row<'_>, idx: usize, what: &str) -> Result<Option<Uuid>> {
    let b: Option<Vec<u8>> = r.get(idx)?;
    b.map(|b| to_uuid(&b, what)).transpose()
}

/// A nullable text column read as a string; NULL reads as empty, as a field another
/// device has not filled yet.
pub(crate) fn text_at(r: &rusqlite::Row<'_>, idx: usize) -> Result<String> {
    Ok(r.get::<_, Option<String>>(idx)?.unwrap_or_default())
}

pub(crate) fn int_at(r: &rusqlite::Row<'_>, idx: usize) -> Result<i64> {
    Ok(r.get::<_, Option<i64>>(idx)?.unwrap_or_default())
}

/// The clinic's id, read the cheap way: money writes call this on every purchase.
pub(crate) fn clinic_uuid(conn: &Connection) -> Result<Uuid> {
    let id: Option<Vec<u8>> = conn
        .prepare_cached("SELECT id FROM clinic WHERE deleted = 0 ORDER BY id LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    match id {
        Some(b) => to_uuid(&b, "clinic id"),
        None => Err(Error::NoClinic),
    }
}

/// Refuses a reference to a row that does not exist or was deleted; `field` names the
/// form field that held the reference.
pub(crate) fn require_row(
    conn: &Connection,
    table: &TableDef,
    id: Uuid,
    field: &str,
) -> Result<()> {
    // The table name comes from the static catalog, never from input.
    let sql = format!("SELECT 1 FROM {} WHERE id = ?1 AND deleted = 0", table.name);
    let found: Option<i64> = conn
        .prepare_cached(&sql)?
        .query_row([id.as_bytes().as_slice()], |r| r.get(0))
        .optional()?;
    if found.is_some() {
        Ok(())
    } else {
        Err(not_found(field, id))
    }
}

pub(crate) fn not_found(field: &str, id: Uuid) -> Error {
    ValidationError::new(field, "not_found")
        .with("id", id.to_string())
        .into()
}

/// Whether a row exists at all, deleted or not: a natural-key row that exists must be
/// updated, never inserted again.
pub(crate) fn row_exists(conn: &Connection, table: &TableDef, id: Uuid) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {} WHERE id = ?1", table.name);
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.as_bytes().as_slice()], |r| r.get::<_, i64>(0))
        .optional()?
        .is_some())
}
