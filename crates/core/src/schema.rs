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
    ],
};

// Tables 3..=99 are the committee's domain; 100 and up are replication's own.

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
pub const TABLES: &[TableDef] = &[CLINIC, MEMBER, CONFLICT_RESOLUTION, CLOCK_CORRECTION];

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
}
