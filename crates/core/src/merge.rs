//! The rule that must never be wrong, without I/O: which of a field's heads wins.
//!
//! A field's *heads* are the changes no known change names as replaced. One change
//! arriving (a local write or a remote one) replaces the head it names (`prev`) and
//! joins the others; the winner is the head with the highest key — (effective HLC,
//! site id, seq) — and every other head is a *loser*, kept as a conflict. The
//! replica (`cosabi_replica::merge`) reads the heads from SQLite, calls [`decide`],
//! and writes the outcome back; everything that decides lives here and is tested
//! without a database.
//!
//! Because a change replaces exactly the head it names, and changes arrive in causal
//! order (a change only after the version it names), the set of heads after a set of
//! changes does not depend on their delivery order, and neither does the winner: the
//! property test below checks both over random histories.

use crate::ids::SiteId;

/// What orders two heads: the HLC shifted by any clock correction of its site, then
/// the site id (the global id, never a replica's local index), then the seq (two
/// changes of one site with one HLC are never concurrent, but the order is total).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HeadKey {
    pub effective_hlc: u64,
    pub site: Option<SiteId>,
    pub seq: u64,
}

/// The heads of one field after a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<H> {
    /// The head the row holds.
    pub winner: H,
    /// The other heads, kept as conflicts.
    pub losers: Vec<H>,
    /// Whether the new change replaced a loser (its author edited over a value that
    /// had lost): the conflict set changed even if no head was added.
    pub replaced_loser: bool,
}

/// The index of the winning head (the highest key). `heads` must not be empty.
pub fn winner_index<H>(heads: &[H], key: impl Fn(&H) -> HeadKey) -> usize {
    assert!(!heads.is_empty(), "a field with no heads has no winner");
    let mut best = 0;
    for i in 1..heads.len() {
        if key(&heads[i]) > key(&heads[best]) {
            best = i;
        }
    }
    best
}

/// One change arriving at a field: `current` is the head the row holds (if the field
/// has a value), `losers` the field's conflict heads, `new` the change, and
/// `replaces(h)` whether `new` names `h` as the version it replaced. The replaced
/// head leaves; every other head stays; the highest key wins.
pub fn decide<H>(
    current: Option<H>,
    losers: Vec<H>,
    new: H,
    replaces: impl Fn(&H) -> bool,
    key: impl Fn(&H) -> HeadKey,
) -> Outcome<H> {
    let mut heads: Vec<H> = Vec::with_capacity(losers.len() + 2);
    if let Some(c) = current {
        if !replaces(&c) {
            heads.push(c);
        }
    }
    let mut replaced_loser = false;
    for l in losers {
        if replaces(&l) {
            replaced_loser = true;
        } else {
            heads.push(l);
        }
    }
    heads.push(new);
    let w = winner_index(&heads, &key);
    let winner = heads.swap_remove(w);
    let winner_key = key(&winner);
    debug_assert!(
        heads.iter().all(|h| key(h) != winner_key),
        "the winner is never among the losers"
    );
    debug_assert!(
        heads.iter().all(|h| key(h) < winner_key),
        "every loser orders below the winner"
    );
    Outcome {
        winner,
        losers: heads,
        replaced_loser,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};
    use uuid::Uuid;

    /// A change to one field: its version (site, seq), HLC, and the version it
    /// replaced.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Change {
        site: u8,
        seq: u64,
        hlc: u64,
        prev: Option<(u8, u64)>,
    }

    fn key(c: &Change) -> HeadKey {
        HeadKey {
            effective_hlc: c.hlc,
            site: Some(SiteId(Uuid::from_u128(c.site as u128))),
            seq: c.seq,
        }
    }

    /// A field fed `changes` in this order: the winner and the set of losers.
    fn fold(changes: &[Change]) -> (Change, BTreeSet<(u8, u64)>) {
        let mut current: Option<Change> = None;
        let mut losers: Vec<Change> = Vec::new();
        for c in changes {
            let out = decide(
                current,
                std::mem::take(&mut losers),
                *c,
                |h| c.prev == Some((h.site, h.seq)),
                key,
            );
            current = Some(out.winner);
            losers = out.losers;
        }
        let winner = current.expect("at least one change");
        (winner, losers.iter().map(|l| (l.site, l.seq)).collect())
    }

    #[test]
    fn a_sequential_edit_takes_the_place_of_what_it_replaced() {
        let a = Change {
            site: 1,
            seq: 1,
            hlc: 10,
            prev: None,
        };
        let b = Change {
            site: 2,
            seq: 1,
            hlc: 5,
            prev: Some((1, 1)),
        };
        // b is older by the clock but replaced a knowingly: no conflict.
        assert_eq!(fold(&[a, b]), (b, BTreeSet::new()));
    }

    #[test]
    fn concurrent_edits_keep_the_loser_and_an_edit_over_it_competes_again() {
        let a = Change {
            site: 1,
            seq: 1,
            hlc: 10,
            prev: None,
        };
        let b = Change {
            site: 2,
            seq: 1,
            hlc: 20,
            prev: None,
        };
        assert_eq!(fold(&[a, b]), (b, BTreeSet::from([(1, 1)])));
        assert_eq!(fold(&[b, a]), (b, BTreeSet::from([(1, 1)])));
        // Site 1 edits over its own (losing) value, at a later time: it wins now,
        // and b is the loser.
        let c = Change {
            site: 1,
            seq: 2,
            hlc: 30,
            prev: Some((1, 1)),
        };
        let out = decide(Some(b), vec![a], c, |h| (h.site, h.seq) == (1, 1), key);
        assert_eq!(out.winner, c);
        assert_eq!(out.losers, vec![b]);
        assert!(out.replaced_loser);
    }

    #[test]
    fn equal_clocks_are_ordered_by_site() {
        let a = Change {
            site: 1,
            seq: 9,
            hlc: 10,
            prev: None,
        };
        let b = Change {
            site: 2,
            seq: 1,
            hlc: 10,
            prev: None,
        };
        assert_eq!(fold(&[a, b]).0, b);
        assert_eq!(fold(&[b, a]).0, b);
    }

    /// A random history of one field: each new change replaces a head it could have
    /// seen (or none), on a site whose seqs grow.
    fn history() -> impl Strategy<Value = Vec<Change>> {
        proptest::collection::vec(
            (
                0u8..4,
                0u64..50,
                any::<prop::sample::Index>(),
                any::<bool>(),
            ),
            1..14,
        )
        .prop_map(|steps| {
            let mut out: Vec<Change> = Vec::new();
            let mut next_seq: BTreeMap<u8, u64> = BTreeMap::new();
            for (site, hlc, pick, fresh) in steps {
                let seq = next_seq.entry(site).or_insert(0);
                *seq += 1;
                let prev = if fresh || out.is_empty() {
                    None
                } else {
                    let p = out[pick.index(out.len())];
                    Some((p.site, p.seq))
                };
                out.push(Change {
                    site,
                    seq: *seq,
                    hlc,
                    prev,
                });
            }
            out
        })
    }

    /// A causal order of `changes` (each after the one it replaced and after its
    /// site's earlier ones), shuffled by `seed`.
    fn causal_shuffle(changes: &[Change], seed: u64) -> Vec<Change> {
        let mut left: Vec<Change> = changes.to_vec();
        let mut out: Vec<Change> = Vec::new();
        let mut rng = seed | 1;
        while !left.is_empty() {
            let ready: Vec<usize> = (0..left.len())
                .filter(|&i| {
                    let c = left[i];
                    let prev_done = c
                        .prev
                        .is_none_or(|p| out.iter().any(|o| (o.site, o.seq) == p));
                    let site_done = left.iter().all(|o| o.site != c.site || o.seq >= c.seq);
                    prev_done && site_done
                })
                .collect();
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let i = ready[(rng % ready.len() as u64) as usize];
            out.push(left.remove(i));
        }
        out
    }

    proptest! {
        #[test]
        fn the_outcome_does_not_depend_on_delivery_order(h in history(), seed in any::<u64>()) {
            let reference = fold(&h);
            let shuffled = causal_shuffle(&h, seed);
            prop_assert_eq!(fold(&shuffled), reference);
        }

        #[test]
        fn the_winner_is_the_highest_head_and_never_a_loser(h in history()) {
            let (winner, losers) = fold(&h);
            prop_assert!(!losers.contains(&(winner.site, winner.seq)));
            for c in &h {
                if losers.contains(&(c.site, c.seq)) {
                    prop_assert!(key(c) < key(&winner));
                }
            }
            // Every change is the winner, a loser, or replaced by a later change.
            for c in &h {
                let replaced = h.iter().any(|o| o.prev == Some((c.site, c.seq)));
                let kept = (winner.site, winner.seq) == (c.site, c.seq) || losers.contains(&(c.site, c.seq));
                prop_assert!(replaced || kept, "{:?} was lost", c);
            }
        }
    }
}
