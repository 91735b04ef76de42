//! Crash test: a child process writes locally and applies pages from a peer, and is
//! killed with SIGKILL at random moments. After each kill the database must pass
//! `PRAGMA integrity_check`, hold every write the child reported committed, and its
//! rows must equal the fold of its own change log (replayed into a fresh replica).
//!
//! `make test` runs 12 kills; `make test-long` (COSABI_LONG=1) runs 100.

mod support;

use cosabi_core::change::Value;
use cosabi_core::schema::MEMBER;
use cosabi_core::wire::Page;
use cosabi_replica::{Replica, VersionVector};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use uuid::Uuid;

/// The child stops by itself after this many transactions if nobody kills it.
const CHILD_STEPS_MAX: u64 = 20_000;
/// Groups per page the child applies (small, so kills land between and inside pages).
const GROUPS_PER_PAGE: usize = 3;

/// splitmix64: a tiny seeded generator, so the test needs no extra dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn peer_pages(dir: &Path) -> Vec<Page> {
    let mut peer = Replica::open(&dir.join("peer.sqlite3")).unwrap();
    if peer.clinic().unwrap().is_none() {
        peer.load_demo().unwrap();
        for i in 0..200u128 {
            let row = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_1000 + (i % 17));
            peer.set_fields(&MEMBER, row, &[(2, Value::Text(format!("peer {i}")))])
                .unwrap();
        }
    }
    let groups: Vec<_> = peer
        .pages_since(&VersionVector::new())
        .unwrap()
        .into_iter()
        .flat_map(|p| p.groups)
        .collect();
    groups
        .chunks(GROUPS_PER_PAGE)
        .map(|c| Page {
            schema_version: 3,
            tags: Vec::new(),
            groups: c.to_vec(),
        })
        .collect()
}

/// Child: alternate local writes and page applications, reporting each commit.
fn child(dir: &Path, seed: u64) {
    let pages = peer_pages(dir);
    let mut r = Replica::open(&dir.join("victim.sqlite3")).unwrap();
    let mut rng = Rng(seed);
    let out = std::io::stdout();
    let mut out = out.lock();
    let mut next_page = 0usize;
    for step in 0..CHILD_STEPS_MAX {
        if step % 2 == 0 || next_page >= pages.len() {
            let row = Uuid::from_u128(
                0x0190_0000_0000_7000_8000_0000_0000_2000 + u128::from(rng.next() % 13),
            );
            let text = "x".repeat((rng.next() % 3000) as usize);
            r.set_fields(
                &MEMBER,
                row,
                &[(2, Value::Text(format!("local {step} {text}")))],
            )
            .unwrap();
            writeln!(out, "W {}", r.local_change_count()).unwrap();
        } else {
            // Restart from what is really committed, as a sync would.
            let vv = r.version_vector().unwrap();
            let peer_site = pages[0].groups[0].site;
            let have = vv.get(&peer_site).copied().unwrap_or(0);
            next_page = pages
                .iter()
                .position(|p| p.groups.last().unwrap().seq_last() > have)
                .unwrap_or(pages.len());
            if next_page < pages.len() {
                r.apply_page(&pages[next_page]).unwrap();
                let have = r
                    .version_vector()
                    .unwrap()
                    .get(&peer_site)
                    .copied()
                    .unwrap_or(0);
                writeln!(out, "A {have}").unwrap();
                next_page += 1;
            }
        }
        out.flush().unwrap();
    }
}

/// One kill; returns what was checked, or why it failed.
fn one_kill(dir: &Path, seed: u64, rng: &mut Rng) -> Result<String, String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("COSABI_CRASH_CHILD", dir)
        .env("COSABI_CRASH_SEED", seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| e.to_string())?;
    let lines_before_kill = 1 + rng.next() % 60;
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let (mut local, mut applied) = (0u64, 0u64);
    let mut line = String::new();
    for _ in 0..lines_before_kill {
        line.clear();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            break;
        }
        let mut parts = line.split_whitespace();
        match (
            parts.next(),
            parts.next().and_then(|n| n.parse::<u64>().ok()),
        ) {
            (Some("W"), Some(n)) => local = n,
            (Some("A"), Some(n)) => applied = n,
            _ => return Err(format!("child said {line:?}")),
        }
    }
    child.kill().map_err(|e| e.to_string())?; // SIGKILL on Unix
    child.wait().map_err(|e| e.to_string())?;

    let db = dir.join("victim.sqlite3");
    let conn = rusqlite::Connection::open(&db).map_err(|e| e.to_string())?;
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check != "ok" {
        return Err(format!("integrity_check: {check}"));
    }
    drop(conn);
    let r = Replica::open(&db).map_err(|e| e.to_string())?;
    if r.local_change_count() < local {
        return Err(format!(
            "child reported {local} local changes committed, found {}",
            r.local_change_count()
        ));
    }
    let peer_site = peer_pages(dir)[0].groups[0].site;
    let have = r
        .version_vector()
        .unwrap()
        .get(&peer_site)
        .copied()
        .unwrap_or(0);
    if have < applied {
        return Err(format!(
            "child reported peer seq {applied} applied, found {have}"
        ));
    }
    // The rows are exactly the fold of the log.
    let mut fresh = Replica::open_in_memory().map_err(|e| e.to_string())?;
    for p in r
        .pages_since(&VersionVector::new())
        .map_err(|e| e.to_string())?
    {
        fresh.apply_page(&p).map_err(|e| e.to_string())?;
    }
    if fresh.domain_rows().unwrap() != r.domain_rows().unwrap() {
        return Err("rows differ from the fold of the change log".into());
    }
    if fresh.conflict_heads().unwrap() != r.conflict_heads().unwrap() {
        return Err("conflicts differ from the fold of the change log".into());
    }
    Ok(format!("local {local}, peer {applied}"))
}

fn main() {
    if let Some(dir) = std::env::var_os("COSABI_CRASH_CHILD") {
        let seed = std::env::var("COSABI_CRASH_SEED").unwrap().parse().unwrap();
        child(Path::new(&dir), seed);
        return;
    }
    let kills: u64 = if std::env::var_os("COSABI_LONG").is_some() {
        100
    } else {
        12
    };
    let dir = tempfile::tempdir().unwrap();
    let seed = std::env::var("COSABI_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x00c0_5ab1);
    println!("crash test: {kills} kills, seed {seed}");
    let mut rng = Rng(seed);
    let (mut passed, mut failed) = (0, 0);
    for i in 0..kills {
        if i % 3 == 0 {
            // A new victim now and then, so kills also land while it catches up.
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.path().join(format!("victim.sqlite3{suffix}")));
            }
        }
        match one_kill(dir.path(), rng.next(), &mut rng) {
            Ok(what) => {
                passed += 1;
                println!("kill {i}: ok ({what})");
            }
            Err(why) => {
                failed += 1;
                println!("kill {i}: FAILED: {why}");
            }
        }
    }
    println!("crash: {passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
