//! Field changes: the unit of replication.
//!
//! Every local write appends one [`FieldChange`] per changed field. The changes of one
//! write to one row share a site, an HLC, a table, a row and an author, so they are
//! kept together as a [`ChangeGroup`] whose fields take consecutive sequence numbers
//! from `seq_first`. A field change is identified by its [`Version`] (site, seq), and
//! names the version it replaced (`prev`), which is what makes an edit sequential
//! rather than concurrent.

use crate::hlc::Hlc;
use crate::ids::{MemberId, SiteId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A field's value. SQLite's types without REAL: money is integer centavos.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Value {
    pub fn uuid(u: Uuid) -> Value {
        Value::Bytes(u.as_bytes().to_vec())
    }

    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Value::Bytes(b) => Uuid::from_slice(b).ok(),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// Identifies one field change: the site that wrote it and its sequence number there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version {
    pub site: SiteId,
    pub seq: u64,
}

/// One field of one row set to a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub column: u16,
    pub value: Value,
    /// The version this change replaced, as the writer saw it; `None` when the field
    /// had no value there.
    pub prev: Option<Version>,
}

/// The field changes of one write to one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeGroup {
    pub site: SiteId,
    /// Sequence number of `fields[0]`; field `i` has `seq_first + i`.
    pub seq_first: u64,
    pub hlc: Hlc,
    pub table: u16,
    pub row: Uuid,
    pub author: Option<MemberId>,
    pub fields: Vec<FieldChange>,
}

impl ChangeGroup {
    /// Sequence number of the last field.
    pub fn seq_last(&self) -> u64 {
        self.seq_first + self.fields.len() as u64 - 1
    }

    pub fn version_of(&self, index: usize) -> Version {
        Version {
            site: self.site,
            seq: self.seq_first + index as u64,
        }
    }
}
