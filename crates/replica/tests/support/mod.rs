//! Shared helpers of the replica's integration tests.
#![allow(dead_code)]

use cosabi_core::change::{ChangeGroup, Value};
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::SiteId;
use cosabi_core::schema::MEMBER;
use cosabi_replica::Replica;
use uuid::Uuid;

pub const TEN_YEARS_MS: i64 = 10 * 365 * 86_400_000;
pub const TWENTY_SIX_YEARS_MS: i64 = 26 * 365 * 86_400_000;
/// Bound on full-exchange rounds: convergence takes at most a few.
pub const ROUNDS_MAX: usize = 20;

pub fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis() as u64
}

/// The clinic most tests record in.
pub fn tlaquilpa() -> cosabi_core::clinic::NewClinic {
    cosabi_core::clinic::NewClinic {
        clues: "VZIMB001234".into(),
        name: "Centro de Salud Tlaquilpa".into(),
        state: "VZ".into(),
        municipality: "Tlaquilpa".into(),
        locality: "Tlaquilpa".into(),
        consultorios: 2,
    }
}

pub fn open(dir: &tempfile::TempDir, name: &str) -> Replica {
    Replica::open(&dir.path().join(format!("{name}.sqlite3"))).unwrap()
}

/// Sends `to` everything `from` has that it lacks, page by page.
pub fn exchange(from: &Replica, to: &mut Replica) {
    let pages = from.pages_since(&to.version_vector().unwrap()).unwrap();
    for p in &pages {
        to.apply_page(p).unwrap();
    }
}

/// Exchanges between every pair until all hold the same version vector.
pub fn sync_all(replicas: &mut [&mut Replica]) {
    for _ in 0..ROUNDS_MAX {
        for i in 0..replicas.len() {
            for j in 0..replicas.len() {
                if i != j {
                    let (from, to) = if i < j {
                        let (l, r) = replicas.split_at_mut(j);
                        (&*l[i], &mut *r[0])
                    } else {
                        let (l, r) = replicas.split_at_mut(i);
                        (&*r[0], &mut *l[j])
                    };
                    exchange(from, to);
                }
            }
        }
        let first = replicas[0].version_vector().unwrap();
        if replicas
            .iter()
            .all(|r| r.version_vector().unwrap() == first)
        {
            return;
        }
    }
    panic!("replicas did not converge in {ROUNDS_MAX} rounds");
}

pub fn assert_same(a: &Replica, b: &Replica) {
    assert_eq!(
        a.domain_rows().unwrap(),
        b.domain_rows().unwrap(),
        "domain state differs"
    );
    assert_eq!(
        a.conflict_heads().unwrap(),
        b.conflict_heads().unwrap(),
        "conflicts differ"
    );
}

pub fn name_of(r: &Replica, row: Uuid) -> Value {
    r.domain_rows()
        .unwrap()
        .into_iter()
        .find(|(t, id, _)| t == MEMBER.name && *id == row)
        .map(|(_, _, v)| v[2].clone())
        .unwrap()
}

pub fn group(
    site: SiteId,
    seq_first: u64,
    table: u16,
    row: Uuid,
    fields: Vec<(u16, Value)>,
) -> ChangeGroup {
    ChangeGroup::fresh(site, seq_first, Hlc::new(now_ms(), 0), table, row, fields)
}
