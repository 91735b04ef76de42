//! Read models: what a screen shows, computed by the replica from its rows and handed
//! to the UI whole, so a screen is one command.
//!
//! - [`Dashboard`]: the year's money, agreements coming due, the next assembly and
//!   where sync stands ([`SyncSummary`]).
//! - [`PurchasePage`]: one page of the purchases list with the filter's count and sum.
//! - [`HistoryEntry`]: one field change of a record, with who made it and the value
//!   as people read it.

use crate::assembly::{Agreement, Assembly};
use crate::change::Value;
use crate::hlc::Hlc;
use crate::ids::{MemberId, SiteId};
use crate::ledger::{Balance, Purchase};
use crate::money::Centavos;
use crate::schema::{self, ColumnKind};
use serde::{Deserialize, Serialize};

/// Agreements due within this many days of today (or overdue) are on the dashboard.
pub const AGREEMENT_DUE_DAYS: i64 = 30;
/// At most this many of them, soonest first.
pub const AGREEMENTS_DUE_MAX: usize = 5;
/// Most purchases one page may ask for.
pub const PURCHASE_PAGE_LIMIT_MAX: u32 = 200;

/// The home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub balance: Balance,
    /// Open agreements due within [`AGREEMENT_DUE_DAYS`] days or overdue, soonest
    /// first, at most [`AGREEMENTS_DUE_MAX`].
    pub agreements_due: Vec<AgreementDue>,
    /// The earliest assembly dated today or later whose acta is not closed.
    pub next_assembly: Option<Assembly>,
    /// Assemblies of the fiscal year whose acta is closed.
    pub assemblies_held: u32,
    pub sync: SyncSummary,
}

/// An open agreement coming due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementDue {
    pub agreement: Agreement,
    /// ISO date of the assembly that made it (or that it was carried over to).
    pub assembly_date: String,
    pub responsible_name: Option<String>,
    /// Its due date is before today.
    pub overdue: bool,
}

/// Where this device's sync stands.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSummary {
    /// Whether the device has joined a sync server (else it syncs by files only).
    pub enrolled: bool,
    /// RFC 3339 (UTC) of the last sync that finished; `None` before the first.
    pub last_sync: Option<String>,
    /// Field changes written on this device that the server has not confirmed
    /// holding.
    pub pending_changes: u64,
    /// Records (a purchase, a member, an acta) with changes the server has not
    /// confirmed holding: what the status line counts for people.
    pub pending_records: u64,
    /// Conflicts in the inbox not yet resolved.
    pub conflicts: u64,
    /// Photos held here that the server still lacks.
    pub photos_pending: u64,
}

/// What the Sincronizar screen and the status line show about this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub server: Option<String>,
    pub enrolled: bool,
    pub summary: SyncSummary,
    /// The name this device gave itself, shown to others on its changes.
    pub device_name: Option<String>,
}

/// One page of the purchases list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchasePage {
    /// Purchases matching the filter, on every page.
    pub total_count: u64,
    /// Their total, on every page.
    pub total_amount: Centavos,
    /// This page, newest date first.
    pub items: Vec<PurchaseListItem>,
}

/// A purchase as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseListItem {
    pub purchase: Purchase,
    /// Receipts attached.
    pub receipts: u32,
    /// Photos of the purchase and of its receipts.
    pub photos: u32,
    /// SHA-256 of the photo to show small: the first of its receipts', else the
    /// purchase's own first.
    pub thumb_sha: Option<String>,
    /// The planned action it buys for.
    pub action_description: Option<String>,
}

/// One field change of a record: who changed what to what, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// As a decimal string: a 64-bit clock reading does not survive a JavaScript
    /// number on its way to the UI.
    #[serde(with = "hlc_as_string")]
    pub hlc: Hlc,
    /// When, as the writing device's clock said (RFC 3339, UTC).
    pub at: String,
    pub site: SiteId,
    pub seq: u64,
    pub author: Option<MemberId>,
    /// The author's name, if they are a member this device knows.
    pub author_name: Option<String>,
    /// The column's name, or `#<id>` for a column this app version does not know.
    pub column: String,
    pub value: Value,
    /// The value as people read it: money as `$1,250.50`, dates as `dd/mm/aaaa`, a
    /// referenced record by its name in words (a member's name, an action's
    /// description, a purchase's concept), empty for no value — and empty for a
    /// record this device does not have, which `refers_to` then marks.
    pub display: String,
    /// For a field that refers to another record (see [`referenced_tables`]): the
    /// catalog name of the record's table, so the screen can say "a record this
    /// device does not have" when `display` is empty; never shown as it is.
    #[serde(default)]
    pub refers_to: Option<String>,
}

/// The tables a reference column points to, most likely first: the record whose
/// name stands for the stored id in a history. A photo's owner is any record a photo
/// is taken of. Empty for a column that refers to nothing (or to a device).
pub fn referenced_tables(table: u16, column: &str) -> &'static [&'static schema::TableDef] {
    use schema::{ACTION, AGREEMENT, ASSEMBLY, CLINIC, MEMBER, PHOTO, PURCHASE, RECEIPT};
    if is_member_column(table, column) {
        return &[&MEMBER];
    }
    match (schema::table(table).map(|t| t.name), column) {
        (Some(_), "clinic_id") => &[&CLINIC],
        (Some(_), "assembly_id") => &[&ASSEMBLY],
        (Some(_), "agreement_id") | (Some("agreement"), "carried_from_id") => &[&AGREEMENT],
        (Some(_), "action_id") => &[&ACTION],
        (Some(_), "purchase_id") => &[&PURCHASE],
        (Some("assembly"), "signed_photo_id") => &[&PHOTO],
        (Some("photo"), "owner_id") => &[&RECEIPT, &ACTION, &ASSEMBLY, &PURCHASE],
        _ => &[],
    }
}

/// RFC 3339 (UTC, seconds) of a clock reading.
pub fn hlc_rfc3339(hlc: Hlc) -> String {
    i64::try_from(hlc.ms())
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Integer columns that hold centavos.
pub fn is_money_column(table: u16, column: &str) -> bool {
    matches!(
        (schema::table(table).map(|t| t.name), column),
        (Some("card_movement"), "amount")
            | (Some("purchase"), "unit_cost" | "total")
            | (Some("receipt"), "total")
            | (Some("action"), "estimated_cost")
    )
}

/// Columns that name a member.
pub fn is_member_column(table: u16, column: &str) -> bool {
    matches!(
        (schema::table(table).map(|t| t.name), column),
        (Some("agreement"), "responsible_id")
            | (Some("assembly"), "closed_by" | "opened_by")
            | (Some("action"), "verified_by")
            | (Some("attendance"), "member_id")
            | (Some("pin_event"), "member_id" | "approved_by")
    )
}

/// A stored value as people read it, without looking anything up (a member column
/// shows the id; the replica puts the name there).
pub fn display_value(table: u16, column: &str, value: &Value) -> String {
    let kind = schema::table(table)
        .and_then(|t| t.column_named(column))
        .map(|c| c.kind);
    match value {
        Value::Null => String::new(),
        Value::Int(i) if is_money_column(table, column) => Centavos(*i).to_string(),
        Value::Int(i) => i.to_string(),
        Value::Text(t) if kind == Some(ColumnKind::Date) => crate::format::display_date(t),
        Value::Text(t) => t.clone(),
        Value::Bytes(b) => match value.as_uuid() {
            Some(u) => u.to_string(),
            None => b.iter().map(|x| format!("{x:02x}")).collect(),
        },
    }
}

// Sync and review items the shell returns as the replica makes them: declared here,
// not in the replica, so that the command contract (`cosabi-api`) can name them.

/// Something a person must look at after a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// Stable code, translated by the UI as `review.<code>`:
    /// `purchase_total_mismatch`, `seat_held_twice`, `folio_used_twice`,
    /// `acta_edited_while_closing`, `change_set_aside`.
    pub code: String,
    pub table: String,
    pub row: uuid::Uuid,
    /// Values the message needs.
    pub detail: Vec<(String, String)>,
}

/// Identifies one losing version of one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictKey {
    pub table: u16,
    pub row: uuid::Uuid,
    pub column: u16,
    pub site: SiteId,
    pub seq: u64,
}

/// A conflict as the inbox shows it: the winning value, the losing one, who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictView {
    pub key: ConflictKey,
    pub table: String,
    pub column: String,
    pub winner_value: Value,
    pub winner_hlc: Hlc,
    pub winner_author: Option<MemberId>,
    /// The site that wrote the kept value (`None` for a row with no version of it).
    pub winner_site: Option<SiteId>,
    pub loser_value: Value,
    pub loser_hlc: Hlc,
    pub loser_author: Option<MemberId>,
    pub resolved: bool,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub pages: u64,
    pub applied: u64,
    pub duplicates: u64,
    pub deferred: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{AGREEMENT, CLINIC, PURCHASE};

    #[test]
    fn values_read_as_people_write_them() {
        assert_eq!(
            display_value(PURCHASE.id, "total", &Value::Int(125_050)),
            "$1,250.50"
        );
        assert_eq!(display_value(PURCHASE.id, "quantity", &Value::Int(3)), "3");
        assert_eq!(
            display_value(PURCHASE.id, "date", &Value::Text("2025-05-02".into())),
            "02/05/2025"
        );
        assert_eq!(
            display_value(PURCHASE.id, "concept", &Value::Text("Pintura".into())),
            "Pintura"
        );
        assert_eq!(display_value(CLINIC.id, "name", &Value::Null), "");
        let id = uuid::Uuid::from_u128(7);
        assert_eq!(
            display_value(AGREEMENT.id, "responsible_id", &Value::uuid(id)),
            id.to_string()
        );
        assert!(is_member_column(AGREEMENT.id, "responsible_id"));
        assert!(!is_member_column(AGREEMENT.id, "assembly_id"));
        assert!(!is_money_column(CLINIC.id, "consultorios"));
    }

    #[test]
    fn clock_readings_as_rfc3339() {
        assert_eq!(
            hlc_rfc3339(Hlc::new(1_750_000_000_000, 3)),
            "2025-06-15T15:06:40Z"
        );
    }
}

/// How far the running (or last) sync has got, for the progress bar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSync {
    pub running: bool,
    /// `metadata` or `photos`.
    pub phase: String,
    pub changes_up: u64,
    pub changes_down: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    pub photos_done: u64,
    pub photos_total: u64,
    pub photo_bytes: u64,
    pub photo_bytes_total: u64,
}

/// One field of a conflict: the value kept and the other one, as people read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictField {
    pub column: String,
    pub current: String,
    pub other: String,
}

/// A conflict as the inbox shows it: one concurrent write that lost, with every
/// field it changed (a corrected unit cost comes with its total), who wrote each
/// side and when. `K` is the replica's key of a conflicting field, passed back
/// unchanged to keep the other values (the UI holds it as opaque JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictItem<K> {
    pub keys: Vec<K>,
    pub table: String,
    /// What the record is, in a few words (a purchase's concept, a member's name).
    pub record: String,
    pub fields: Vec<ConflictField>,
    pub current_author: Option<String>,
    /// The device that wrote the kept value, by the name it gave itself; `None`
    /// when it has not named itself yet (as before this app version).
    pub current_device: Option<String>,
    /// Whether the kept value was written on this device.
    pub current_here: bool,
    pub current_at_ms: u64,
    pub other_author: Option<String>,
    pub other_device: Option<String>,
    pub other_here: bool,
    pub other_at_ms: u64,
    pub resolved: bool,
}

/// Serde for an [`Hlc`] as a decimal string (JSON numbers lose 64-bit precision in
/// the webview).
mod hlc_as_string {
    use crate::hlc::Hlc;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(h: &Hlc, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&h.0.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Hlc, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map(Hlc).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod history_serde_tests {
    use super::*;

    #[test]
    fn a_history_entry_keeps_its_clock_through_json() {
        let e = HistoryEntry {
            hlc: Hlc((1_750_000_000_123 << 16) | 7),
            at: "2025-06-15T15:06:40Z".into(),
            site: crate::ids::SiteId(uuid::Uuid::nil()),
            seq: 3,
            author: None,
            author_name: None,
            column: "total".into(),
            value: Value::Int(125_050),
            display: "$1,250.50".into(),
            refers_to: None,
        };
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains(&format!("\"{}\"", e.hlc.0)), "{json}");
        assert_eq!(serde_json::from_str::<HistoryEntry>(&json).unwrap(), e);
    }

    /// Every id a person could see in a history refers to a record that has a name:
    /// each UUID column of the synced tables but a device's site.
    #[test]
    fn every_reference_column_names_the_records_it_points_to() {
        for t in schema::TABLES.iter().filter(|t| t.id < 100) {
            for c in t
                .columns
                .iter()
                .filter(|c| c.kind == schema::ColumnKind::Uuid)
            {
                let to = referenced_tables(t.id, c.name);
                assert_eq!(
                    to.is_empty(),
                    (t.name, c.name) == ("device", "site"),
                    "{}.{}",
                    t.name,
                    c.name
                );
            }
        }
        assert_eq!(
            referenced_tables(schema::PURCHASE.id, "action_id")[0].name,
            "action"
        );
        assert_eq!(
            referenced_tables(schema::PURCHASE.id, "concept"),
            &[] as &[&schema::TableDef]
        );
    }
}
