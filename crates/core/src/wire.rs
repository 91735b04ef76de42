//! The wire form of changes: a [`Page`] of [`ChangeGroup`]s, as sent between
//! replicas (over HTTP or in a sync file).
//!
//! A page is a causal sequence: a change never comes before the change it replaced,
//! and the changes of one site come in seq order. Sites and authors are sent once per
//! page in dictionaries and referred to by index; HLCs are sent as the difference
//! from the previous group's; integers are varints (postcard). The bytes are then
//! compressed by the sender (cosabi-replica's codec).
//!
//! Frozen format: `FORMAT_VERSION` changes whenever these bytes change, and a golden
//! test holds them; a page written by a prior release must keep decoding.

use crate::change::{ChangeGroup, FieldChange, Value, Version};
use crate::hlc::Hlc;
use crate::ids::{MemberId, SiteId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Version of the page encoding below. Format 2 adds the device tags of groups
/// ([`Page::tags`]); a page without tags is still written as format 1, byte for byte,
/// so devices that only read format 1 keep reading every page they are sent.
pub const FORMAT_VERSION: u16 = 2;
/// The format of a page without tags.
const FORMAT_UNTAGGED: u16 = 1;

/// Most field changes in one page.
pub const PAGE_FIELD_CHANGES_MAX: usize = 8192;
/// Most bytes of values (text, blobs) in one page, before compression: ~40 KiB on
/// the wire, 8 s at 2G speed. Bigger pages compress better and pay the 1 s round
/// trip less often; a dropped link costs at most the page in flight (measured:
/// `link_pages_resent_per_drop`, `link_metadata_sync_s`).
pub const PAGE_VALUE_BYTES_MAX: usize = 256 * 1024;

/// Changes sent together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// Schema version (the replica's migration count) of the app that wrote it.
    pub schema_version: u32,
    pub groups: Vec<ChangeGroup>,
    /// The device tags of some groups (index into `groups`, ascending): the proof,
    /// made with the key of the device that wrote a group, that it did. The server
    /// checks them on changes relayed by another device (see `crate::identity`).
    pub tags: Vec<(u32, Tag)>,
}

/// A device's tag on one change group (`crate::identity::tag`).
pub type Tag = [u8; 16];

impl Page {
    pub fn field_change_count(&self) -> usize {
        self.groups.iter().map(|g| g.fields.len()).sum()
    }

    /// The tag of group `index`, if the page carries one.
    pub fn tag(&self, index: usize) -> Option<&Tag> {
        let i = u32::try_from(index).ok()?;
        self.tags
            .binary_search_by_key(&i, |(at, _)| *at)
            .ok()
            .map(|k| &self.tags[k].1)
    }

    /// Adds a group and its tag, if any.
    pub fn push(&mut self, group: ChangeGroup, tag: Option<Tag>) {
        if let Some(t) = tag {
            self.tags.push((self.groups.len() as u32, t));
        }
        self.groups.push(group);
    }
}

/// Approximate bytes a value adds to a page, for [`PAGE_VALUE_BYTES_MAX`].
pub fn value_size(v: &Value) -> usize {
    match v {
        Value::Null => 1,
        Value::Int(_) => 4,
        Value::Text(s) => s.len() + 2,
        Value::Bytes(b) => b.len() + 2,
    }
}

#[derive(Serialize, Deserialize)]
struct WirePage {
    format: u16,
    schema_version: u32,
    sites: Vec<Uuid>,
    authors: Vec<Uuid>,
    groups: Vec<WireGroup>,
}

/// Format 2: format 1 followed by the tags.
#[derive(Serialize, Deserialize)]
struct WirePageTagged {
    page: WirePage,
    tags: Vec<(u32, Tag)>,
}

#[derive(Serialize, Deserialize)]
struct WireGroup {
    site: u32,
    seq_first: u64,
    hlc_delta: i64,
    table: u16,
    row: Uuid,
    /// 0 = none, else index + 1 into `authors`.
    author: u32,
    fields: Vec<WireField>,
}

#[derive(Serialize, Deserialize)]
struct WireField {
    column: u16,
    /// 0 = none, else index + 1 into `sites`; seq follows.
    prev_site: u32,
    prev_seq: u64,
    value: Value,
}

/// Why bytes are not a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("not a change page: {0}")]
    Malformed(String),
    #[error("page format {0} is newer than this app knows ({FORMAT_VERSION}): update the app")]
    TooNew(u16),
}

fn index_of(list: &mut Vec<Uuid>, id: Uuid) -> u32 {
    match list.iter().position(|x| *x == id) {
        Some(i) => i as u32,
        None => {
            list.push(id);
            (list.len() - 1) as u32
        }
    }
}

/// Encodes a page (uncompressed).
pub fn encode_page(page: &Page) -> Vec<u8> {
    let mut sites = Vec::new();
    let mut authors = Vec::new();
    let mut groups = Vec::with_capacity(page.groups.len());
    let mut last_hlc: u64 = 0;
    for g in &page.groups {
        let site = index_of(&mut sites, g.site.0);
        let author = match g.author {
            Some(a) => index_of(&mut authors, a.0) + 1,
            None => 0,
        };
        let fields = g
            .fields
            .iter()
            .map(|f| {
                let (prev_site, prev_seq) = match f.prev {
                    Some(v) => (index_of(&mut sites, v.site.0) + 1, v.seq),
                    None => (0, 0),
                };
                WireField {
                    column: f.column,
                    prev_site,
                    prev_seq,
                    value: f.value.clone(),
                }
            })
            .collect();
        groups.push(WireGroup {
            site,
            seq_first: g.seq_first,
            hlc_delta: g.hlc.0.wrapping_sub(last_hlc) as i64,
            table: g.table,
            row: g.row,
            author,
            fields,
        });
        last_hlc = g.hlc.0;
    }
    let tagged = !page.tags.is_empty();
    let wire = WirePage {
        format: if tagged {
            FORMAT_VERSION
        } else {
            FORMAT_UNTAGGED
        },
        schema_version: page.schema_version,
        sites,
        authors,
        groups,
    };
    if tagged {
        let wire = WirePageTagged {
            page: wire,
            tags: page.tags.clone(),
        };
        postcard::to_allocvec(&wire).expect("postcard encodes plain data")
    } else {
        postcard::to_allocvec(&wire).expect("postcard encodes plain data")
    }
}

/// The same page without tags: what a device that reads only format 1 is sent.
pub fn untagged(mut page: Page) -> Page {
    page.tags.clear();
    page
}

/// Decodes a page, checking every reference.
pub fn decode_page(bytes: &[u8]) -> Result<Page, WireError> {
    // The format number comes first: read it alone so a newer page is reported as
    // such rather than as garbage.
    let (format, _) =
        postcard::take_from_bytes::<u16>(bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
    if format > FORMAT_VERSION {
        return Err(WireError::TooNew(format));
    }
    let (wire, tags): (WirePage, Vec<(u32, Tag)>) = if format <= FORMAT_UNTAGGED {
        let wire = postcard::from_bytes(bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
        (wire, Vec::new())
    } else {
        let t: WirePageTagged =
            postcard::from_bytes(bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
        (t.page, t.tags)
    };
    if tags.windows(2).any(|w| w[0].0 >= w[1].0)
        || tags
            .last()
            .is_some_and(|(i, _)| *i as usize >= wire.groups.len())
    {
        return Err(WireError::Malformed("tags out of order or range".into()));
    }
    let site = |i: u32| {
        wire.sites
            .get(i as usize)
            .copied()
            .map(SiteId)
            .ok_or_else(|| WireError::Malformed(format!("site index {i} out of range")))
    };
    let mut groups = Vec::with_capacity(wire.groups.len());
    let mut last_hlc: u64 = 0;
    for g in &wire.groups {
        if g.fields.is_empty() {
            return Err(WireError::Malformed("a change group without fields".into()));
        }
        if g.seq_first == 0 || g.seq_first.checked_add(g.fields.len() as u64).is_none() {
            return Err(WireError::Malformed("sequence numbers out of range".into()));
        }
        let hlc = last_hlc.wrapping_add(g.hlc_delta as u64);
        last_hlc = hlc;
        let author = match g.author {
            0 => None,
            i => Some(MemberId(*wire.authors.get(i as usize - 1).ok_or_else(
                || WireError::Malformed(format!("author index {i} out of range")),
            )?)),
        };
        let mut fields = Vec::with_capacity(g.fields.len());
        for f in &g.fields {
            let prev = match f.prev_site {
                0 => None,
                i => Some(Version {
                    site: site(i - 1)?,
                    seq: f.prev_seq,
                }),
            };
            fields.push(FieldChange {
                column: f.column,
                value: f.value.clone(),
                prev,
            });
        }
        groups.push(ChangeGroup {
            site: site(g.site)?,
            seq_first: g.seq_first,
            hlc: Hlc(hlc),
            table: g.table,
            row: g.row,
            author,
            fields,
        });
    }
    Ok(Page {
        schema_version: wire.schema_version,
        groups,
        tags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Page {
        let a = SiteId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00a1));
        let b = SiteId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00b2));
        let row = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0111);
        let author = MemberId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0222));
        Page {
            schema_version: 3,
            tags: Vec::new(),
            groups: vec![
                ChangeGroup {
                    site: a,
                    seq_first: 1,
                    hlc: Hlc::new(1_700_000_000_000, 0),
                    table: 2,
                    row,
                    author: None,
                    fields: vec![
                        FieldChange {
                            column: 2,
                            value: Value::Text("Rosa".into()),
                            prev: None,
                        },
                        FieldChange {
                            column: 3,
                            value: Value::Int(-5),
                            prev: None,
                        },
                    ],
                },
                ChangeGroup {
                    site: b,
                    seq_first: 7,
                    hlc: Hlc::new(1_700_000_000_500, 2),
                    table: 2,
                    row,
                    author: Some(author),
                    fields: vec![FieldChange {
                        column: 2,
                        value: Value::Bytes(vec![1, 2]),
                        prev: Some(Version { site: a, seq: 1 }),
                    }],
                },
            ],
        }
    }

    /// Golden bytes: if this changes, every page and sync file written by a prior
    /// release fails to decode. Bump FORMAT_VERSION and keep a decoder for the old one.
    #[test]
    fn page_encoding_is_frozen() {
        let bytes = encode_page(&sample());
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "01030210019000000000700080000000000000a110019000000000700080000000000000b2\
             01100190000000007000800000000000022202000180808080adf9e78b0302100190000000\
             007000800000000000011100020200000204526f7361030000010901078480a01f02100190\
             0000000070008000000000000111010102010103020102"
        );
        assert_eq!(decode_page(&bytes).unwrap(), sample());
    }

    #[test]
    fn tagged_pages_round_trip_and_untagged_ones_stay_format_1() {
        let mut page = sample();
        assert_eq!(encode_page(&page)[0], 1, "no tags: format 1");
        page.tags = vec![(1, [7; 16])];
        let bytes = encode_page(&page);
        assert_eq!(bytes[0], 2);
        let back = decode_page(&bytes).unwrap();
        assert_eq!(back, page);
        assert_eq!(back.tag(1), Some(&[7; 16]));
        assert_eq!(back.tag(0), None);
        assert_eq!(untagged(back), sample());
        // Tags that name no group are refused.
        page.tags = vec![(2, [7; 16])];
        assert!(decode_page(&encode_page(&page)).is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode_page(&[]).is_err());
        assert!(decode_page(&[1, 0, 0xff, 0xff, 0xff]).is_err());
        assert_eq!(decode_page(&[0x09]), Err(WireError::TooNew(9)));
        let mut bytes = encode_page(&sample());
        bytes.truncate(bytes.len() - 3);
        assert!(decode_page(&bytes).is_err());
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::Int),
            ".{0,40}".prop_map(Value::Text),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
        ]
    }

    fn arb_group() -> impl Strategy<Value = ChangeGroup> {
        (
            0u128..4,
            1u64..1_000_000,
            any::<u64>(),
            any::<u16>(),
            any::<u128>(),
            proptest::option::of(any::<u128>()),
            proptest::collection::vec(
                (
                    any::<u16>(),
                    arb_value(),
                    proptest::option::of((0u128..4, 1u64..1000)),
                ),
                1..6,
            ),
        )
            .prop_map(
                |(site, seq_first, hlc, table, row, author, fields)| ChangeGroup {
                    site: SiteId(Uuid::from_u128(site)),
                    seq_first,
                    hlc: Hlc(hlc),
                    table,
                    row: Uuid::from_u128(row),
                    author: author.map(|a| MemberId(Uuid::from_u128(a))),
                    fields: fields
                        .into_iter()
                        .map(|(column, value, prev)| FieldChange {
                            column,
                            value,
                            prev: prev.map(|(s, seq)| Version {
                                site: SiteId(Uuid::from_u128(s)),
                                seq,
                            }),
                        })
                        .collect(),
                },
            )
    }

    proptest! {
        #[test]
        fn pages_round_trip(groups in proptest::collection::vec(arb_group(), 0..20), schema in any::<u32>()) {
            let page = Page { schema_version: schema, groups, tags: Vec::new() };
            prop_assert_eq!(decode_page(&encode_page(&page)).unwrap(), page);
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode_page(&bytes);
        }
    }
}
