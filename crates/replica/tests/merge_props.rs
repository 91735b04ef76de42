//! Property: whatever replicas do offline and however their pages travel (subsets,
//! duplicates, reordering, cuts, crashes between pages), after a full exchange every
//! replica holds the same state and the same conflicts, and no value ever written is
//! unaccounted for.
//!
//! `make test` runs a few hundred cases; `make test-long` (COSABI_LONG=1) runs 10,000.

mod support;

use cosabi_core::change::{Value, Version};
use cosabi_core::schema::{self, MEMBER};
use cosabi_core::wire::Page;
use cosabi_replica::Replica;
use proptest::prelude::*;
use std::collections::HashSet;
use support::*;
use uuid::Uuid;

/// Rows every replica may create or edit: fixed ids, so replicas create "the same"
/// row concurrently, as natural keys do.
const ROWS: u128 = 4;
/// Values come from a small set so equal concurrent values happen too.
const VALUES: u8 = 4;

#[derive(Debug, Clone)]
enum Delivery {
    InOrder,
    /// Only the chunks whose bit is set.
    Subset(u32),
    /// Everything twice.
    Duplicated,
    Reversed,
    /// The first n chunks, then the receiving process crashes (reopened from disk).
    CrashAfter(usize),
}

#[derive(Debug, Clone)]
enum Op {
    Write {
        replica: usize,
        row: u128,
        fields: Vec<(u16, u8)>,
    },
    Delete {
        replica: usize,
        row: u128,
    },
    Restore {
        replica: usize,
        pick: usize,
    },
    Sync {
        from: usize,
        to: usize,
        cuts: Vec<usize>,
        delivery: Delivery,
    },
}

fn arb_delivery() -> impl Strategy<Value = Delivery> {
    prop_oneof![
        3 => Just(Delivery::InOrder),
        1 => any::<u32>().prop_map(Delivery::Subset),
        1 => Just(Delivery::Duplicated),
        1 => Just(Delivery::Reversed),
        1 => (0usize..4).prop_map(Delivery::CrashAfter),
    ]
}

fn arb_op(n: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..n, 0..ROWS, proptest::collection::vec((2u16..=4, 0..VALUES), 1..3))
            .prop_map(|(replica, row, fields)| Op::Write { replica, row, fields }),
        1 => (0..n, 0..ROWS).prop_map(|(replica, row)| Op::Delete { replica, row }),
        1 => (0..n, any::<usize>()).prop_map(|(replica, pick)| Op::Restore { replica, pick }),
        3 => (0..n, 0..n, proptest::collection::vec(0usize..50, 0..4), arb_delivery())
            .prop_map(|(from, to, cuts, delivery)| Op::Sync { from, to, cuts, delivery }),
    ]
}

fn arb_case() -> impl Strategy<Value = (usize, Vec<Op>)> {
    (3usize..=5).prop_flat_map(|n| (Just(n), proptest::collection::vec(arb_op(n), 1..40)))
}

fn row_id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

/// Cuts one page's groups into chunks at the given points (each a page).
fn chunks(pages: Vec<Page>, cuts: &[usize]) -> Vec<Page> {
    let groups: Vec<_> = pages.into_iter().flat_map(|p| p.groups).collect();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (groups.len() + 1)).collect();
    points.push(groups.len());
    points.sort_unstable();
    points.dedup();
    let mut out = Vec::new();
    let mut start = 0;
    for p in points {
        if p > start {
            out.push(Page {
                schema_version: 3,
                tags: Vec::new(),
                groups: groups[start..p].to_vec(),
            });
            start = p;
        }
    }
    out
}

fn run_case(n: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
    let mut replicas: Vec<Replica> = names.iter().map(|name| open(&dir, name)).collect();
    for op in ops {
        match op {
            Op::Write {
                replica,
                row,
                fields,
            } => {
                let fields: Vec<(u16, Value)> = fields
                    .iter()
                    .map(|(c, v)| {
                        // Values fit their columns (term_start, column 4, is a date):
                        // replicas set aside what breaks the schema.
                        let text = match MEMBER.column(*c).map(|d| d.kind) {
                            Some(schema::ColumnKind::Date) => format!("2026-01-0{}", v + 1),
                            _ => format!("v{v}"),
                        };
                        (*c, Value::Text(text))
                    })
                    .collect();
                replicas[*replica]
                    .set_fields(&MEMBER, row_id(*row), &fields)
                    .unwrap();
            }
            Op::Delete { replica, row } => {
                let r = &mut replicas[*replica];
                let exists = r
                    .domain_rows()
                    .unwrap()
                    .iter()
                    .any(|(_, id, _)| *id == row_id(*row));
                if exists {
                    r.set_fields(&MEMBER, row_id(*row), &[(0, Value::Int(1))])
                        .unwrap();
                }
            }
            Op::Restore { replica, pick } => {
                let r = &mut replicas[*replica];
                let open: Vec<_> = r
                    .conflicts()
                    .unwrap()
                    .into_iter()
                    .filter(|c| !c.resolved)
                    .collect();
                if !open.is_empty() {
                    r.restore_conflict(&open[pick % open.len()].key).unwrap();
                }
            }
            Op::Sync {
                from,
                to,
                cuts,
                delivery,
            } => {
                if from == to {
                    continue;
                }
                let pages = replicas[*from]
                    .pages_since(&replicas[*to].version_vector().unwrap())
                    .unwrap();
                let pages = chunks(pages, cuts);
                let target = &mut replicas[*to];
                match delivery {
                    Delivery::InOrder => {
                        for p in &pages {
                            target.apply_page(p).unwrap();
                        }
                    }
                    Delivery::Subset(mask) => {
                        for (i, p) in pages.iter().enumerate() {
                            if mask & (1 << (i % 32)) != 0 {
                                target.apply_page(p).unwrap();
                            }
                        }
                    }
                    Delivery::Duplicated => {
                        for p in pages.iter().chain(pages.iter()) {
                            target.apply_page(p).unwrap();
                        }
                    }
                    Delivery::Reversed => {
                        for p in pages.iter().rev() {
                            target.apply_page(p).unwrap();
                        }
                    }
                    Delivery::CrashAfter(k) => {
                        for p in pages.iter().take(*k) {
                            target.apply_page(p).unwrap();
                        }
                        // The process dies; what was committed is what a new one finds.
                        let fresh = open(&dir, &names[*to]);
                        replicas[*to] = fresh;
                    }
                }
            }
        }
    }

    let mut refs: Vec<&mut Replica> = replicas.iter_mut().collect();
    sync_all(&mut refs);
    let first = &replicas[0];
    let state = first.domain_rows().unwrap();
    let heads = first.conflict_heads().unwrap();
    for r in &replicas[1..] {
        prop_assert_eq!(&r.domain_rows().unwrap(), &state);
        prop_assert_eq!(&r.conflict_heads().unwrap(), &heads);
    }

    // Every value ever written is current, replaced knowingly, or a conflict head.
    let changes = first.all_changes().unwrap();
    let mut replaced: HashSet<(u16, Uuid, u16, Version)> = HashSet::new();
    for g in &changes {
        for f in &g.fields {
            if let Some(prev) = f.prev {
                replaced.insert((g.table, g.row, f.column, prev));
            }
        }
    }
    let in_conflicts: HashSet<(u16, Uuid, u16, Version)> = heads
        .iter()
        .map(|h| {
            (
                h.table,
                h.row,
                h.column,
                Version {
                    site: h.site,
                    seq: h.seq,
                },
            )
        })
        .collect();
    for g in &changes {
        let table = schema::table(g.table).unwrap();
        for (i, f) in g.fields.iter().enumerate() {
            let v = g.version_of(i);
            let key = (g.table, g.row, f.column, v);
            let current = first.field_version(table, g.row, f.column).unwrap() == Some(v);
            prop_assert!(
                current || replaced.contains(&key) || in_conflicts.contains(&key),
                "value {:?} of {}.{} ({:?}) is unaccounted for",
                f.value,
                table.name,
                f.column,
                v
            );
        }
    }
    Ok(())
}

fn cases() -> u32 {
    if std::env::var_os("COSABI_LONG").is_some() {
        10_000
    } else {
        150
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn replicas_converge_and_lose_nothing((n, ops) in arb_case()) {
        run_case(n, &ops)?;
    }
}
