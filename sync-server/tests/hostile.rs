//! The hostile-device property (issue 11): 3–5 honest devices of a clinic write,
//! sync through a real server process and pass sealed sync files to each other, while one enrolled device sends the server random malformed, forged,
//! replayed and squatting pages. After a full exchange the honest devices hold the
//! same rows and the same conflicts, and every honest write is in every honest
//! replica's history.
//!
//! `make test` runs 50 cases; `make test-long` (COSABI_LONG=1) runs 1,000. Each case
//! is a new clinic on one server process; a failing case prints its seed.

mod support;

use cosabi_core::change::{ChangeGroup, Value};
use cosabi_core::hlc::Hlc;
use cosabi_core::ids::SiteId;
use cosabi_core::protocol::{SyncRequest, PROTOCOL_VERSION};
use cosabi_core::schema::{CLINIC, MEMBER, PURCHASE};
use cosabi_core::wire::Page;
use cosabi_replica::codec::page_to_bytes;
use std::collections::BTreeSet;
use std::path::Path;
use support::*;
use uuid::Uuid;

/// Cases in `make test`, and in `make test-long`.
const CASES_QUICK: u64 = 50;
const CASES_LONG: u64 = 1_000;
/// Steps of one case (writes, syncs, page passes, hostile sends).
const STEPS_MAX: u64 = 24;
/// Rounds of the final exchange: every honest device syncs, in turn, this often.
const FINAL_ROUNDS: usize = 3;

/// A small deterministic generator (xorshift64*): a case is replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// An honest write, as it must be found in every honest history: (table, row,
/// column, value). Site and seq may change if its device heals a copy.
type Write = (u16, Uuid, u16, Value);

struct Honest {
    device: Device,
    writes: Vec<Write>,
}

fn clues_for(case: u64) -> String {
    format!("VZIMB{:06}", 100_000 + case)
}

async fn raw_push(url: &str, token: &str, body_push: Vec<u8>) -> u16 {
    let body = postcard::to_allocvec(&SyncRequest {
        protocol: PROTOCOL_VERSION,
        schema_version: cosabi_replica::db::SCHEMA_VERSION as u32,
        have: Vec::new(),
        cursor: 0,
        push: Some(body_push),
    })
    .unwrap();
    reqwest::Client::new()
        .post(format!("{url}/v1/sync"))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn group(site: SiteId, seq: u64, table: u16, row: Uuid, fields: Vec<(u16, Value)>) -> ChangeGroup {
    ChangeGroup::fresh(
        site,
        seq,
        Hlc::new(1_780_000_000_000 + seq, 0),
        table,
        row,
        fields,
    )
}

/// One thing the hostile device sends the server.
async fn hostile_step(
    rng: &mut Rng,
    url: &str,
    hostile: &Device,
    victims: &[(SiteId, u64)],
    clinic: Uuid,
) {
    let own = hostile.with(|r| r.site_id());
    let (victim, victim_max) = victims[rng.below(victims.len() as u64) as usize];
    let row = Uuid::from_u128(rng.next() as u128 | 1);
    let page = |groups| Page {
        schema_version: cosabi_replica::db::SCHEMA_VERSION as u32,
        tags: Vec::new(),
        groups,
    };
    let bytes = match rng.below(7) {
        // Malformed values under its own site.
        0 => page_to_bytes(&page(vec![group(
            own,
            1 + rng.below(50),
            PURCHASE.id,
            row,
            vec![(0, Value::Null), (5, Value::Text("muchos".into()))],
        )])),
        // A second clinic.
        1 => page_to_bytes(&page(vec![group(
            own,
            1 + rng.below(50),
            CLINIC.id,
            row,
            vec![(2, Value::Text("Otra".into()))],
        )])),
        // Forged: an honest device's site at its next seqs (squatting), and within
        // what it holds (rewriting its history).
        2 => page_to_bytes(&page(vec![group(
            victim,
            victim_max + 1,
            MEMBER.id,
            row,
            vec![(1, Value::uuid(clinic)), (2, Value::Text("Intruso".into()))],
        )])),
        3 => page_to_bytes(&page(vec![group(
            victim,
            1 + rng.below(victim_max.max(1)),
            MEMBER.id,
            row,
            vec![(2, Value::Text("Reescrito".into()))],
        )])),
        // Replayed: everything it holds, again (a relay of others' sites).
        4 => {
            let pages = hostile.with(|r| r.pages_since(&Default::default()).unwrap());
            match pages.into_iter().next() {
                Some(p) => page_to_bytes(&p),
                None => vec![0x28, 0xb5, 0x2f, 0xfd],
            }
        }
        // Garbage.
        5 => (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
        // A group over the limits.
        _ => page_to_bytes(&page(vec![group(
            own,
            1,
            500,
            row,
            (0..80).map(|c| (c, Value::Int(1))).collect(),
        )])),
    };
    let status = raw_push(url, &hostile.token, bytes).await;
    assert!(
        status < 500,
        "the server failed on a hostile page ({status})"
    );
    // Sometimes it tries to claim an honest site, too.
    if rng.below(4) == 0 {
        let resp = reqwest::Client::new()
            .post(format!("{url}/v1/site"))
            .bearer_auth(&hostile.token)
            .json(&serde_json::json!({ "site": victim }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status().as_u16(),
            409,
            "a device claimed another's site"
        );
    }
}

fn honest_write(rng: &mut Rng, h: &mut Honest, n: u64) {
    let write = h.device.with(|r| {
        let clinic = r.clinic().unwrap().unwrap().id;
        let members = r.members().unwrap();
        if members.is_empty() || rng.below(3) == 0 {
            let row = Uuid::now_v7();
            let name = Value::Text(format!("miembro {n}"));
            r.set_fields(
                &MEMBER,
                row,
                &[
                    (1, Value::uuid(clinic.0)),
                    (2, name.clone()),
                    (3, Value::Text("vocal_salud".into())),
                ],
            )
            .unwrap();
            (MEMBER.id, row, 2, name)
        } else {
            let m = &members[rng.below(members.len() as u64) as usize];
            let value = Value::Text(format!("nombre {n}"));
            r.set_fields(&MEMBER, m.id.0, &[(2, value.clone())])
                .unwrap();
            (MEMBER.id, m.id.0, 2, value)
        }
    });
    h.writes.push(write);
}

/// Every (table, row, column, value) in a replica's history.
fn history(d: &Device) -> BTreeSet<Write> {
    d.with(|r| {
        r.all_changes()
            .unwrap()
            .into_iter()
            .flat_map(|g: ChangeGroup| {
                let (table, row) = (g.table, g.row);
                g.fields
                    .into_iter()
                    .map(move |f| (table, row, f.column, f.value))
            })
            .collect()
    })
}

async fn one_case(dir: &Path, server: &Server, case: u64, seed: u64) {
    let mut rng = Rng(seed | 1);
    let clues = clues_for(case);
    let first = add_clinic(&server.db, &clues);
    let honest_count = 3 + rng.below(3) as usize;
    let mut honest: Vec<Honest> = Vec::new();
    for i in 0..honest_count {
        let code = if i == 0 {
            first.clone()
        } else {
            new_code(&server.db, &clues)
        };
        let device = Device::enroll(dir, &format!("c{case}-h{i}"), &server.url, &code).await;
        honest.push(Honest {
            device,
            writes: Vec::new(),
        });
    }
    let code = new_code(&server.db, &clues);
    let hostile = Device::enroll(dir, &format!("c{case}-x"), &server.url, &code).await;
    honest[0].device.with(|r| {
        r.create_clinic(&cosabi_core::clinic::NewClinic {
            clues: clues.clone(),
            name: "Centro de Salud".into(),
            state: "VZ".into(),
            municipality: "Tlaquilpa".into(),
            locality: "Tlaquilpa".into(),
            consultorios: 2,
        })
        .unwrap();
    });
    honest[0].device.sync(&server.url).await;
    let clinic = honest[0].device.with(|r| r.clinic().unwrap().unwrap().id.0);
    for h in &honest[1..] {
        h.device.sync(&server.url).await;
    }
    hostile.sync(&server.url).await;

    for n in 0..(4 + rng.below(STEPS_MAX)) {
        let i = rng.below(honest.len() as u64) as usize;
        match rng.below(5) {
            0 | 1 => honest_write(&mut rng, &mut honest[i], n),
            2 => {
                honest[i].device.sync(&server.url).await;
            }
            3 => {
                // A sealed sync file from i to j, as the app exports it (everything).
                let j = rng.below(honest.len() as u64) as usize;
                if i != j {
                    let file = honest[i]
                        .device
                        .with(|r| r.export_sync_file(&Default::default()).unwrap());
                    honest[j].device.with(|r| {
                        r.import_sync_file(&file).unwrap();
                    });
                }
            }
            _ => {
                let victims: Vec<(SiteId, u64)> = honest
                    .iter()
                    .map(|h| h.device.with(|r| (r.site_id(), r.local_change_count())))
                    .collect();
                hostile.sync(&server.url).await;
                hostile_step(&mut rng, &server.url, &hostile, &victims, clinic).await;
            }
        }
    }
    for _ in 0..FINAL_ROUNDS {
        for h in &honest {
            let p = h.device.sync(&server.url).await;
            assert!(p.done, "case {case} (seed {seed}): a sync did not finish");
        }
    }
    let reference = honest[0]
        .device
        .with(|r| (r.domain_rows().unwrap(), r.conflict_heads().unwrap()));
    let mut all_writes: Vec<&Write> = Vec::new();
    for h in &honest {
        all_writes.extend(&h.writes);
    }
    for (k, h) in honest.iter().enumerate() {
        let state = h
            .device
            .with(|r| (r.domain_rows().unwrap(), r.conflict_heads().unwrap()));
        assert!(
            state.0 == reference.0,
            "case {case} (seed {seed}): device {k}'s rows differ"
        );
        let heads = |s: &Vec<cosabi_replica::ConflictHead>| {
            s.iter()
                .map(|c| (c.table, c.row, c.column, c.value.clone()))
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(
            heads(&state.1),
            heads(&reference.1),
            "case {case} (seed {seed}): device {k}'s conflicts differ"
        );
        let held = history(&h.device);
        for w in &all_writes {
            assert!(
                held.contains(*w),
                "case {case} (seed {seed}): device {k} lacks the honest write {w:?}"
            );
        }
        assert_eq!(
            h.device.with(|r| r.sync_summary().unwrap().pending_changes),
            0,
            "case {case} (seed {seed}): device {k} has unconfirmed writes"
        );
        let names = h.device.with(|r| {
            r.members()
                .unwrap()
                .into_iter()
                .map(|m| m.name)
                .collect::<Vec<_>>()
        });
        assert!(
            !names.iter().any(|n| n == "Intruso" || n == "Reescrito"),
            "case {case} (seed {seed}): a forged change reached device {k}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_devices_converge_whatever_a_hostile_device_sends() {
    let cases = if std::env::var_os("COSABI_LONG").is_some() {
        CASES_LONG
    } else {
        CASES_QUICK
    };
    let base: u64 = std::env::var("COSABI_HOSTILE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x00c0_5ab1);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), "127.0.0.1:0");
    for case in 0..cases {
        let seed = base.wrapping_add(case.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let case_dir = dir.path().join(format!("case{case}"));
        std::fs::create_dir_all(&case_dir).unwrap();
        one_case(&case_dir, &server, case, seed).await;
        // Replicas are closed with their devices; their files go with the case.
        std::fs::remove_dir_all(&case_dir).unwrap();
    }
    println!("hostile: {cases} cases passed");
}
