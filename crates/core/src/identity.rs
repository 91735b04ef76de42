//! Site identity: which device wrote a change, provable when the change is relayed.
//!
//! Every device holds a random key (`DEVICE_KEY_BYTES`), given to the server when it
//! enrolls. A device *tags* each change group of its own sites with an HMAC-SHA256 of
//! the group's canonical bytes under that key (truncated to 128 bits), when the group
//! leaves it; tags travel with pages and sync files and are kept by every replica
//! that relays them. The server takes a group of a site bound to device D from
//! another device only with D's valid tag, so a change relayed through sync files is
//! verifiable and no device can write under another's site. A MAC rather than a
//! signature: only the server verifies, it knows every key, and a tag costs about a
//! microsecond where an Ed25519 signature check costs fifty.

use crate::change::ChangeGroup;
use crate::wire::Tag;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of a device key.
pub const DEVICE_KEY_BYTES: usize = 32;

fn mac(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length")
}

/// The canonical bytes of a group: its postcard encoding (fixed field order,
/// varints), which the page format's golden test freezes in effect.
fn canonical(g: &ChangeGroup) -> Vec<u8> {
    postcard::to_allocvec(g).expect("postcard encodes plain data")
}

/// The tag of `group` under a device's key.
pub fn tag(key: &[u8], group: &ChangeGroup) -> Tag {
    let mut m = mac(key);
    m.update(&canonical(group));
    let full = m.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// Whether `tag` is `group`'s under `key`, compared in constant time.
pub fn verify(key: &[u8], group: &ChangeGroup, tag: &Tag) -> bool {
    let mut m = mac(key);
    m.update(&canonical(group));
    m.verify_truncated_left(tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::{FieldChange, Value};
    use crate::hlc::Hlc;
    use crate::ids::SiteId;
    use uuid::Uuid;

    #[test]
    fn a_tag_binds_the_whole_group_and_the_key() {
        let g = ChangeGroup {
            site: SiteId(Uuid::from_u128(1)),
            seq_first: 5,
            hlc: Hlc::new(1_700_000_000_000, 0),
            table: 9,
            row: Uuid::from_u128(2),
            author: None,
            fields: vec![FieldChange {
                column: 6,
                value: Value::Int(45_000),
                prev: None,
            }],
        };
        let key = [3u8; DEVICE_KEY_BYTES];
        let t = tag(&key, &g);
        assert!(verify(&key, &g, &t));
        assert!(!verify(&[4u8; DEVICE_KEY_BYTES], &g, &t), "another key");
        let mut changed = g.clone();
        changed.fields[0].value = Value::Int(4_500_000);
        assert!(!verify(&key, &changed, &t), "a changed amount");
        let mut moved = g.clone();
        moved.seq_first = 6;
        assert!(!verify(&key, &moved, &t), "another seq");
    }
}
