//! The catalog of synced tables and columns.
//!
//! Tables and columns travel on the wire and in the change log by small numeric ids.
//! Ids are append-only: a new table or column takes the next unused id and an id is
//! never reused, so a change written by a newer app (with ids this version does not
//! know) is kept and served unchanged, and takes effect once a migration adds them.

/// How a column's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// UTF-8 text.
    Text,
    /// Signed integer (centavos, counts, booleans as 0/1).
    Int,
    /// A UUID (16 bytes), usually a reference to another row.
    Uuid,
    /// A date, `YYYY-MM-DD` text.
    Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    pub id: u16,
    pub name: &'static str,
    pub kind: ColumnKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDef {
    pub id: u16,
    pub name: &'static str,
    pub columns: &'static [ColumnDef],
}

impl TableDef {
    pub fn column(&self, id: u16) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.id == id)
    }

    pub fn column_named(&self, name: &str) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn col(id: u16, name: &'static str, kind: ColumnKind) -> ColumnDef {
    ColumnDef { id, name, kind }
}

use ColumnKind::{Date, Int, Text, Uuid};

/// Column id 0 of every table is the tombstone: deletes are a field like any other.
pub const DELETED: ColumnDef = col(0, "deleted", Int);

pub const CLINIC: TableDef = TableDef {
    id: 1,
    name: "clinic",
    columns: &[
        DELETED,
        col(1, "clues", Text),
        col(2, "name", Text),
        col(3, "state", Text),
        col(4, "municipality", Text),
        col(5, "locality", Text),
        col(6, "consultorios", Int),
        // Formerly the key that sealed the clinic's sync files: a synced secret is no
        // secret (every file carried it). No longer written nor trusted; the key is
        // device-local now (replica's `sync_file` keyring). Kept: ids are never reused.
        col(7, "sync_key", Text),
    ],
};

pub const MEMBER: TableDef = TableDef {
    id: 2,
    name: "member",
    columns: &[
        DELETED,
        col(1, "clinic_id", Uuid),
        col(2, "name", Text),
        col(3, "role", Text),
        col(4, "term_start", Date),
        col(5, "term_end", Date),
        // f | m | empty (not said): role names on documents follow it.
        col(6, "gender", Text),
    ],
};

// Tables 3..=99 are the committee's domain; 100 and up are replication's own.

/// An assembly (asamblea) and its minutes (acta). Closing copies `minutes` into
/// `closed_minutes`, so an edit merged in after the close is visible as a difference.
/// Opening and closing record when and by whom, so the printed acta can say it.
pub const ASSEMBLY: TableDef = TableDef {
    id: 3,
    name: "assembly",
    columns: &[
        DELETED,
        col(1, "clinic_id", Uuid),
        // constitutiva | ordinaria | extraordinaria
        col(2, "kind", Text),
        col(3, "date", Date),
        col(4, "place", Text),
        // Agenda items, one per line.
        col(5, "agenda", Text),
        col(6, "community_attendees", Int),
        col(7, "minutes", Text),
        // draft | closed
        col(8, "status", Text),
        col(9, "closed_minutes", Text),
        col(10, "closed_by", Uuid),
        // Quorum is floor(active members × percent / 100) + 1; 50 by default.
        col(11, "quorum_percent", Int),
        col(12, "signed_photo_id", Uuid),
        // When the assembly was opened and closed, RFC 3339 UTC, and by whom: each
        // written once, by the member using the device (`closed_by` is column 10).
        col(13, "opened_at", Text),
        col(14, "opened_by", Uuid),
        col(15, "closed_at", Text),
        // People of the community who came, one name per line (may be fewer than
        // `community_attendees`: not everyone gives a name).
        col(16, "community_names", Text),
    ],
};

/// Whether a member attended an assembly. Its id is the natural key
/// `natural_id("attendance", [assembly, member])`, so two devices that take the
/// list offline converge to one row per person.
pub const ATTENDANCE: TableDef = TableDef {
    id: 4,
    name: "attendance",
    columns: &[
        DELETED,
        col(1, "assembly_id", Uuid),
        col(2, "member_id", Uuid),
        // 1 present, 0 absent.
        col(3, "present", Int),
    ],
};

/// A correction to a closed acta: the closed text never changes, amendments follow it.
pub const AMENDMENT: TableDef = TableDef {
    id: 5,
    name: "amendment",
    columns: &[
        DELETED,
        col(1, "assembly_id", Uuid),
        col(2, "text", Text),
        col(3, "made_on", Date),
    ],
};

/// An agreement (acuerdo) of an assembly; open ones are carried over to the next
/// assembly as copies that name the original in `carried_from_id`.
pub const AGREEMENT: TableDef = TableDef {
    id: 6,
    name: "agreement",
    columns: &[
        DELETED,
        col(1, "assembly_id", Uuid),
        col(2, "text", Text),
        col(3, "responsible_id", Uuid),
        col(4, "due_date", Date),
        // pendiente | en_proceso | cumplido | cancelado
        col(5, "status", Text),
        col(6, "carried_from_id", Uuid),
    ],
};

/// A planned improvement (mejora) and its progress up to verification.
pub const ACTION: TableDef = TableDef {
    id: 7,
    name: "action",
    columns: &[
        DELETED,
        col(1, "clinic_id", Uuid),
        // infraestructura | equipamiento | mobiliario
        col(2, "category", Text),
        col(3, "description", Text),
        // Centavos.
        col(4, "estimated_cost", Int),
        col(5, "agreement_id", Uuid),
        // propuesta | aprobada | en_proceso | terminada | verificada
        col(6, "status", Text),
        col(7, "verified_by", Uuid),
        col(8, "verified_on", Date),
    ],
};

/// Money moving onto, off or out of the card, or cash coming back to it.
pub const CARD_MOVEMENT: TableDef = TableDef {
    id: 8,
    name: "card_movement",
    columns: &[
        DELETED,
        col(1, "clinic_id", Uuid),
        col(2, "fiscal_year", Int),
        // deposito | retiro | reintegro | cambio_devuelto
        col(3, "kind", Text),
        // Centavos, always positive: the kind gives the direction.
        col(4, "amount", Int),
        col(5, "date", Date),
        col(6, "note", Text),
    ],
};

/// A purchase. `total` is written with `quantity` and `unit_cost` by every write, so a
/// merge that mixes two devices' quantity and unit cost shows as a wrong total.
pub const PURCHASE: TableDef = TableDef {
    id: 9,
    name: "purchase",
    columns: &[
        DELETED,
        col(1, "clinic_id", Uuid),
        col(2, "fiscal_year", Int),
        col(3, "date", Date),
        col(4, "concept", Text),
        // Whole units, at least 1.
        col(5, "quantity", Int),
        // Centavos.
        col(6, "unit_cost", Int),
        // Centavos, quantity × unit_cost.
        col(7, "total", Int),
        col(8, "supplier", Text),
        col(9, "rfc", Text),
        // infraestructura | equipamiento | mobiliario
        col(10, "category", Text),
        col(11, "action_id", Uuid),
        // tarjeta | efectivo
        col(12, "paid_from", Text),
    ],
};

/// A receipt that backs a purchase.
pub const RECEIPT: TableDef = TableDef {
    id: 10,
    name: "receipt",
    columns: &[
        DELETED,
        col(1, "purchase_id", Uuid),
        // cfdi | nota | recibo_simple | ficha_bancaria
        col(2, "kind", Text),
        // A CFDI's UUID, upper-case; empty for other kinds.
        col(3, "folio_fiscal", Text),
        // Centavos.
        col(4, "total", Int),
        col(5, "issued_on", Date),
    ],
};

/// A photo's metadata; the image travels separately, addressed by its SHA-256.
pub const PHOTO: TableDef = TableDef {
    id: 11,
    name: "photo",
    columns: &[
        DELETED,
        // The id of the table the owner row is in.
        col(1, "owner_table", Int),
        col(2, "owner_id", Uuid),
        // receipt | before | after | acta
        col(3, "kind", Text),
        // 64 lower-case hex digits.
        col(4, "sha256", Text),
        col(5, "size_bytes", Int),
        col(6, "mime", Text),
        // RFC 3339, or empty when unknown.
        col(7, "taken_at", Text),
    ],
};

/// A document the committee printed or shared (acta, cuadernillo, expediente), sealed
/// to the records it was made from ([`crate::seal`]). Its id is the natural key of its
/// code, so a seal synced twice is one row. Written once, never edited.
pub const DOCUMENT_SEAL: TableDef = TableDef {
    id: 12,
    name: "document_seal",
    columns: &[
        DELETED,
        col(1, "clinic_id", Uuid),
        // acta | cuadernillo | expediente
        col(2, "kind", Text),
        // The assembly's id (hyphenated) or the fiscal year.
        col(3, "subject", Text),
        // `<CLUES>-XXXX-XXXX`, as printed.
        col(4, "code", Text),
        // RFC 3339 UTC, whole seconds.
        col(5, "generated_at", Text),
        // 64 lower-case hex digits: `seal::records_digest`.
        col(6, "digest", Text),
        // The generating replica's version vector: `seal::vector_to_text`.
        col(7, "vector", Text),
        col(8, "records", Int),
        // SHA-256 of the file as written (64 hex digits), or empty.
        col(9, "file_sha256", Text),
    ],
};

/// A PIN set, changed or reset on a device. PINs stay on their device; that one was
/// set, for whom, on which device and who approved it is the committee's to see in
/// the history. Written once, never edited.
pub const PIN_EVENT: TableDef = TableDef {
    id: 13,
    name: "pin_event",
    columns: &[
        DELETED,
        col(1, "clinic_id", Uuid),
        col(2, "member_id", Uuid),
        // first | set | changed | reset
        col(3, "kind", Text),
        // The presidencia or contraloría social who approved it, if one did.
        col(4, "approved_by", Uuid),
        // first (the device's first PIN) | self | member | recovery
        col(5, "approval", Text),
        // The device's site id (hyphenated).
        col(6, "device", Text),
        // RFC 3339 UTC, whole seconds.
        col(7, "at", Text),
    ],
};

/// A device's name as people call it ("Laptop de la clínica", "Teléfono de Rosa"),
/// typed when it joined the clinic or changed in Ajustes, so a conflict's two sides
/// and a record's history name devices, not site ids. Its id is
/// [`crate::ids::device_row_id`] of the site, and a device writes only its own row
/// (`validate::check_group` refuses another's).
pub const DEVICE: TableDef = TableDef {
    id: 14,
    name: "device",
    columns: &[
        DELETED,
        // The device's site id (its own: see above). No clinic column: a device
        // names itself when it joins, before the clinic's records have reached it.
        col(1, "site", Uuid),
        col(2, "name", Text),
    ],
};

/// A conflict marked resolved; its id is derived from the losing version, so every
/// device that resolves the same conflict writes the same row.
pub const CONFLICT_RESOLUTION: TableDef = TableDef {
    id: 100,
    name: "conflict_resolution",
    columns: &[
        DELETED,
        col(1, "tbl", Int),
        col(2, "row_id", Uuid),
        col(3, "col", Int),
        col(4, "loser_site", Uuid),
        col(5, "loser_seq", Int),
    ],
};

/// A site's clock was wrong by `offset_ms` for its changes `from_seq..=to_seq`; every
/// replica orders those changes by their corrected time.
pub const CLOCK_CORRECTION: TableDef = TableDef {
    id: 101,
    name: "clock_correction",
    columns: &[
        DELETED,
        col(1, "site", Uuid),
        col(2, "from_seq", Int),
        col(3, "to_seq", Int),
        col(4, "offset_ms", Int),
    ],
};

/// Every table this app version knows, by id.
pub const TABLES: &[TableDef] = &[
    CLINIC,
    MEMBER,
    ASSEMBLY,
    ATTENDANCE,
    AMENDMENT,
    AGREEMENT,
    ACTION,
    CARD_MOVEMENT,
    PURCHASE,
    RECEIPT,
    PHOTO,
    DOCUMENT_SEAL,
    PIN_EVENT,
    DEVICE,
    CONFLICT_RESOLUTION,
    CLOCK_CORRECTION,
];

pub fn table(id: u16) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| t.id == id)
}

pub fn table_named(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = TABLES.iter().map(|t| t.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), TABLES.len());
        for t in TABLES {
            assert_eq!(
                t.columns[0], DELETED,
                "{} must start with the tombstone",
                t.name
            );
            let mut c: Vec<_> = t.columns.iter().map(|c| c.id).collect();
            c.sort();
            c.dedup();
            assert_eq!(
                c.len(),
                t.columns.len(),
                "duplicate column id in {}",
                t.name
            );
        }
    }

    #[test]
    fn domain_tables_use_ids_3_to_99() {
        let domain = [
            ASSEMBLY,
            ATTENDANCE,
            AMENDMENT,
            AGREEMENT,
            ACTION,
            CARD_MOVEMENT,
            PURCHASE,
            RECEIPT,
            PHOTO,
        ];
        for t in domain {
            assert!((3..=99).contains(&t.id), "{}", t.name);
            assert_eq!(table(t.id), Some(&t));
            assert_eq!(table_named(t.name), Some(&t));
        }
        assert_eq!(PURCHASE.column_named("total").map(|c| c.kind), Some(Int));
    }
}
