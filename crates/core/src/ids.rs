//! Identifiers. Every synced row has a UUID key: UUIDv7 when a device creates it,
//! UUIDv5 under [`NAMESPACE`] when it has a natural key, so two devices that create
//! the same thing offline converge to one row.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// The one namespace of every deterministic id in Cosabi. Never change it: every
/// natural-key id ever written derives from it.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x5a1b_c0de_c05a_4b1e_8a7e_0000_c05a_b100);

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub const fn from_uuid(u: Uuid) -> Self {
                Self(u)
            }
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A health centre (its committee's whole replica hangs off it).
    ClinicId
);
id_type!(
    /// A person of the committee, staff or contraloría social.
    MemberId
);
id_type!(
    /// A replica: one app installation (or the server).
    SiteId
);

/// Deterministic id from a kind and normalised parts, under [`NAMESPACE`].
pub fn natural_id(kind: &str, parts: &[&[u8]]) -> Uuid {
    let mut name = Vec::with_capacity(64);
    name.extend_from_slice(kind.as_bytes());
    for p in parts {
        // Length-prefix each part so ("ab","c") and ("a","bc") differ.
        name.push(0x1f);
        name.extend_from_slice(&(p.len() as u32).to_be_bytes());
        name.extend_from_slice(p);
    }
    Uuid::new_v5(&NAMESPACE, &name)
}

/// The clinic's id: UUIDv5 of its normalised CLUES code.
pub fn clinic_id_for_clues(clues: &str) -> ClinicId {
    let normalised = crate::clinic::normalise_clues(clues);
    ClinicId(natural_id("clinic", &[normalised.as_bytes()]))
}

/// The row of a device's name (`schema::DEVICE`): UUIDv5 of its site, so a device
/// renamed twice updates one row, and the row names the only device that may write it.
pub fn device_row_id(site: SiteId) -> Uuid {
    natural_id("device", &[site.0.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clinic_id_is_stable_and_normalised() {
        let a = clinic_id_for_clues("vzssa001234");
        let b = clinic_id_for_clues(" VZSSA001234 ");
        assert_eq!(a, b);
        // Frozen: if this changes, every clinic id ever written stops matching.
        assert_eq!(a.to_string(), "c3fea94b-5be2-585e-b13b-c408995d9e71");
        assert_eq!(a.0.get_version_num(), 5);
    }

    #[test]
    fn parts_are_unambiguous() {
        assert_ne!(
            natural_id("x", &[b"ab", b"c"]),
            natural_id("x", &[b"a", b"bc"])
        );
    }
}
