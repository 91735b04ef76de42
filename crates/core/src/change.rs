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
    /// A write whose fields replace nothing (a new row, or values given whole).
    pub fn fresh(
        site: SiteId,
        seq_first: u64,
        hlc: Hlc,
        table: u16,
        row: Uuid,
        fields: Vec<(u16, Value)>,
    ) -> ChangeGroup {
        ChangeGroup {
            site,
            seq_first,
            hlc,
            table,
            row,
            author: None,
            fields: fields
                .into_iter()
                .map(|(column, value)| FieldChange {
                    column,
                    value,
                    prev: None,
                })
                .collect(),
        }
    }

    /// Whether `self` and `other` hold the same change at `seq` (each must cover it):
    /// every part counts — HLC, table, row, author, column, value, replaced version.
    /// Two different changes at one (site, seq) are a copied or lying device.
    pub fn same_change_at(&self, other: &ChangeGroup, seq: u64) -> bool {
        let covers = |g: &ChangeGroup| g.seq_first <= seq && seq <= g.seq_last();
        covers(self)
            && covers(other)
            && self.site == other.site
            && self.hlc == other.hlc
            && self.table == other.table
            && self.row == other.row
            && self.author == other.author
            && self.fields[(seq - self.seq_first) as usize]
                == other.fields[(seq - other.seq_first) as usize]
    }

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

/// Whether a replica (or the server) can take in a change group now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Everything in it is already held.
    Duplicate,
    /// Changes of its site before it are missing: take them first.
    Gap,
    /// A version it replaced is missing: take that first.
    MissingPrev,
    /// Take the fields from `skip` on (the ones before are already held).
    Take { skip: usize },
}

/// The causal rule of every receiver: a site's changes in seq order with no gap, and
/// a change only after the version it names. `holds(site)` is the highest seq of that
/// site held with no gap before it.
pub fn admit(group: &ChangeGroup, holds: impl Fn(&SiteId) -> u64) -> Admission {
    let have = holds(&group.site);
    if group.fields.is_empty() || group.seq_last() <= have {
        return Admission::Duplicate;
    }
    if group.seq_first > have + 1 {
        return Admission::Gap;
    }
    let skip = (have + 1 - group.seq_first) as usize;
    let first_new = group.seq_first + skip as u64;
    for f in &group.fields[skip..] {
        if let Some(p) = f.prev {
            let known = if p.site == group.site {
                p.seq < first_new
            } else {
                p.seq <= holds(&p.site)
            };
            if !known {
                return Admission::MissingPrev;
            }
        }
    }
    Admission::Take { skip }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn g(site: u128, seq_first: u64, prevs: &[Option<(u128, u64)>]) -> ChangeGroup {
        ChangeGroup {
            site: SiteId(Uuid::from_u128(site)),
            seq_first,
            hlc: Hlc::ZERO,
            table: 2,
            row: Uuid::nil(),
            author: None,
            fields: prevs
                .iter()
                .enumerate()
                .map(|(i, p)| FieldChange {
                    column: i as u16,
                    value: Value::Null,
                    prev: p.map(|(s, seq)| Version {
                        site: SiteId(Uuid::from_u128(s)),
                        seq,
                    }),
                })
                .collect(),
        }
    }

    #[test]
    fn admission_follows_the_causal_rule() {
        let holds = |s: &SiteId| match s.0.as_u128() {
            1 => 5,
            2 => 3,
            _ => 0,
        };
        assert_eq!(admit(&g(1, 4, &[None, None]), holds), Admission::Duplicate);
        assert_eq!(admit(&g(1, 8, &[None]), holds), Admission::Gap);
        assert_eq!(
            admit(&g(1, 5, &[None, None]), holds),
            Admission::Take { skip: 1 }
        );
        assert_eq!(
            admit(&g(1, 6, &[Some((2, 3))]), holds),
            Admission::Take { skip: 0 }
        );
        assert_eq!(
            admit(&g(1, 6, &[Some((2, 4))]), holds),
            Admission::MissingPrev
        );
        assert_eq!(
            admit(&g(1, 6, &[Some((1, 5))]), holds),
            Admission::Take { skip: 0 }
        );
        assert_eq!(admit(&g(3, 1, &[None]), holds), Admission::Take { skip: 0 });
    }
}
