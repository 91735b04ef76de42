//! Hostile sync files: truncated, lying about their sizes, altered, or plain
//! noise. Each is refused with a stable code, nothing is applied, nothing panics,
//! and nothing large is allocated.
//!
//! The test runs in a child copy of this binary whose address space is limited
//! (sh's `ulimit -v`: the workspace forbids the unsafe `setrlimit` call and so a
//! counting allocator too), so a buffer sized from a lying number fails to allocate
//! and aborts the child instead of passing unseen.
//!
//! `make test` runs 256 cases of each property; COSABI_LONG=1 runs 10,000.

mod sealing;
mod support;

use cosabi_core::change::Value;
use cosabi_core::ids::ClinicId;
use cosabi_core::schema::MEMBER;
use cosabi_replica::codec::{page_to_bytes, PAGE_DECODED_BYTES_MAX};
use cosabi_replica::{Error, Replica, VersionVector};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sealing::*;
use std::cell::RefCell;
use std::process::Command;
use support::*;

/// Address space the child may map: far above what reading a file of a few
/// kilobytes needs, far below a buffer sized from a lying u32::MAX (4 GiB of bytes,
/// or 128 GiB of pages).
const CHILD_ADDRESS_SPACE_BYTES: u64 = 1024 * 1024 * 1024;
/// Set in the child's environment.
const CHILD_ENV: &str = "COSABI_SYNC_FILE_HOSTILE_CHILD";
const TEST_NAME: &str = "hostile_files_are_refused_without_large_allocations";

/// Every code a sync file may be refused with.
const CODES: &[&str] = &[
    "sync_file_malformed",
    "sync_file_version",
    "sync_file_altered",
    "sync_file_other_clinic",
    "sync_file_no_key",
    "sync_file_unknown_key",
    "sync_file_too_large",
];

fn code_of(e: Error) -> String {
    match e {
        Error::Invalid(v) => v.0[0].code.clone(),
        other => panic!("unexpected {other:?}"),
    }
}

/// A replica holding the demo clinic and its key, and a file of one edit it lacks.
struct Fixture {
    b: Replica,
    key: String,
    clinic: ClinicId,
    file: Vec<u8>,
    rows: Vec<(String, uuid::Uuid, Vec<Value>)>,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut b = open(&dir, "b");
    a.load_demo().unwrap();
    let key = key_of(&mut a);
    b.set_sync_file_key(&key).unwrap();
    b.import_sync_file(&a.export_sync_file(&VersionVector::new()).unwrap())
        .unwrap();
    a.set_fields(
        &MEMBER,
        a.members().unwrap()[1].id.0,
        &[(2, Value::Text("Rogelio".into()))],
    )
    .unwrap();
    let file = a.export_sync_file(&b.version_vector().unwrap()).unwrap();
    let clinic = a.clinic().unwrap().unwrap().id;
    let rows = b.domain_rows().unwrap();
    Fixture {
        b,
        key,
        clinic,
        file,
        rows,
        _dir: dir,
    }
}

impl Fixture {
    /// Imports `bytes`, which must be refused with nothing applied; returns the code.
    fn refuse(&mut self, bytes: &[u8]) -> String {
        let result = self.b.import_sync_file(bytes);
        let code = code_of(result.expect_err("a hostile file was accepted"));
        assert!(CODES.contains(&code.as_str()), "{code}");
        assert_eq!(self.b.domain_rows().unwrap(), self.rows, "applied: {code}");
        code
    }

    /// A well-sealed file whose insides are given raw.
    fn sealed(&self, header_len: u32, header: &[u8], frames: &[u8]) -> Vec<u8> {
        sealed(
            &self.key,
            body(key_id(&self.key), self.clinic, header_len, header, frames),
        )
    }
}

#[test]
fn hostile_files_are_refused_without_large_allocations() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return run_in_a_limited_child();
    }
    the_limit_holds();
    let mut f = fixture();
    lying_headers(&mut f);
    let good_page_alone = a_bad_page_after_a_good_one_applies_neither(&mut f);
    let f = RefCell::new(f);
    arbitrary_bytes(&f);
    mutations_of_a_valid_file(&f);
    // What the refused files were made from is accepted: each refusal above was its
    // hostile part's.
    let mut f = f.into_inner();
    let report = f.b.import_sync_file(&good_page_alone).unwrap();
    assert!(report.applied > 0);
    let original = f.file.clone();
    assert_eq!(
        f.b.import_sync_file(&original).unwrap().duplicates,
        report.applied
    );
}

fn run_in_a_limited_child() {
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v \"$1\" && shift && exec \"$@\"")
        .arg("sh")
        .arg((CHILD_ADDRESS_SPACE_BYTES / 1024).to_string())
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", TEST_NAME, "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // A child that ran nothing (a renamed test) must not pass for one that passed.
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the limited child failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

/// The child cannot map a gigabyte, yet can decode a page.
fn the_limit_holds() {
    assert!(Vec::<u8>::new()
        .try_reserve(CHILD_ADDRESS_SPACE_BYTES as usize)
        .is_err());
    assert!(Vec::<u8>::new().try_reserve(PAGE_DECODED_BYTES_MAX).is_ok());
}

fn lying_headers(f: &mut Fixture) {
    let c = f.clinic;
    // 60 bytes whose header length says u32::MAX: shorter than any sealed file (the
    // header alone, with its two ids, is over 40 bytes), refused before a number of
    // it is read.
    let mut tiny = body(key_id(&f.key), c, u32::MAX, &[], &[]);
    tiny.extend_from_slice(&header(c, u32::MAX)[..20]);
    assert_eq!(tiny.len(), 60);
    assert_eq!(f.refuse(&tiny), "sync_file_altered");

    // Sealed with the clinic's key, so only the checks after the seal stand between
    // these and the replica.
    let h = header(c, 1);
    let lots = header(c, u32::MAX);
    let page = page_to_bytes(&cosabi_core::wire::Page {
        schema_version: 1,
        groups: Vec::new(),
        tags: Vec::new(),
    });
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "u32::MAX pages, none there",
            f.sealed(lots.len() as u32, &lots, &[]),
        ),
        (
            "u32::MAX pages, one there",
            f.sealed(lots.len() as u32, &lots, &frame(&page)),
        ),
        (
            "a header of u32::MAX bytes",
            f.sealed(u32::MAX, &h, &frame(&page)),
        ),
        (
            "a header longer than it says",
            f.sealed(h.len() as u32 - 1, &h, &frame(&page)),
        ),
        ("a header that is noise", f.sealed(8, &[0xff; 8], &[])),
        ("a page of u32::MAX bytes", {
            let mut frames = u32::MAX.to_le_bytes().to_vec();
            frames.extend_from_slice(&page);
            f.sealed(h.len() as u32, &h, &frames)
        }),
        ("a page of no bytes", {
            let mut frames = frame(&[]);
            frames.push(0);
            f.sealed(h.len() as u32, &h, &frames)
        }),
        ("a page cut short", {
            let frames = frame(&page);
            f.sealed(h.len() as u32, &h, &frames[..frames.len() - 1])
        }),
        ("bytes after the last page", {
            let mut frames = frame(&page);
            frames.push(0);
            f.sealed(h.len() as u32, &h, &frames)
        }),
        ("two pages where one is said", {
            let mut frames = frame(&page);
            frames.extend_from_slice(&frame(&page));
            f.sealed(h.len() as u32, &h, &frames)
        }),
        ("a header naming another clinic than the prefix", {
            let other = header(ClinicId(uuid::Uuid::nil()), 1);
            f.sealed(other.len() as u32, &other, &frame(&page))
        }),
    ];
    for (what, file) in cases {
        assert_eq!(f.refuse(&file), "sync_file_malformed", "{what}");
    }
}

fn a_bad_page_after_a_good_one_applies_neither(f: &mut Fixture) -> Vec<u8> {
    // The good page is the real file's one page, framed right after its header.
    let header_len = u32::from_le_bytes(f.file[HEADER_LEN_AT..PREFIX_BYTES].try_into().unwrap());
    let at = PREFIX_BYTES + header_len as usize + 4;
    let good = f.file[at..f.file.len() - MAC_BYTES].to_vec();
    let h = header(f.clinic, 2);
    let mut frames = frame(&good);
    frames.extend_from_slice(&frame(b"not a compressed page"));
    let file = f.sealed(h.len() as u32, &h, &frames);
    assert_eq!(f.refuse(&file), "sync_file_malformed");
    // The good page alone, for the end of the test (it would apply).
    let h = header(f.clinic, 1);
    f.sealed(h.len() as u32, &h, &frame(&good))
}

fn cases() -> u32 {
    if std::env::var_os("COSABI_LONG").is_some() {
        10_000
    } else {
        256
    }
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

fn arbitrary_bytes(f: &RefCell<Fixture>) {
    let prefix = f.borrow().file[..PREFIX_BYTES].to_vec();
    // Noise alone rarely gets past the magic; noise after a real prefix reaches the
    // key and the seal.
    let bytes = (any::<bool>(), prop::collection::vec(any::<u8>(), 0..4096)).prop_map(
        move |(with_prefix, noise)| {
            if with_prefix {
                let mut b = prefix.clone();
                b.extend_from_slice(&noise);
                b
            } else {
                noise
            }
        },
    );
    runner()
        .run(&bytes, |bytes| {
            f.borrow_mut().refuse(&bytes);
            Ok(())
        })
        .unwrap();
}

/// One change to a file.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(prop::sample::Index, u8),
    Cut(prop::sample::Index),
    Insert(prop::sample::Index, Vec<u8>),
    Remove(prop::sample::Index, usize),
    /// A little-endian u32 written over four bytes, as a lying length would be.
    Number(prop::sample::Index, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let number = prop_oneof![Just(0u32), Just(1), Just(u32::MAX), any::<u32>()];
    prop_oneof![
        (any::<prop::sample::Index>(), 1..=255u8).prop_map(|(i, m)| Mutation::Flip(i, m)),
        any::<prop::sample::Index>().prop_map(Mutation::Cut),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..64)
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<prop::sample::Index>(), 1..64usize).prop_map(|(i, n)| Mutation::Remove(i, n)),
        (any::<prop::sample::Index>(), number).prop_map(|(i, n)| Mutation::Number(i, n)),
    ]
}

fn mutate(file: &mut Vec<u8>, m: &Mutation) {
    if file.is_empty() {
        return;
    }
    match m {
        Mutation::Flip(i, mask) => {
            let at = i.index(file.len());
            file[at] ^= mask;
        }
        Mutation::Cut(i) => file.truncate(i.index(file.len())),
        Mutation::Insert(i, bytes) => {
            let at = i.index(file.len() + 1);
            file.splice(at..at, bytes.iter().copied());
        }
        Mutation::Remove(i, n) => {
            let at = i.index(file.len());
            let end = (at + n).min(file.len());
            file.drain(at..end);
        }
        Mutation::Number(i, n) => {
            let at = i.index(file.len());
            let end = (at + 4).min(file.len());
            file[at..end].copy_from_slice(&n.to_le_bytes()[..end - at]);
        }
    }
}

fn mutations_of_a_valid_file(f: &RefCell<Fixture>) {
    let original = f.borrow().file.clone();
    let mutations = prop::collection::vec(mutation(), 1..4);
    runner()
        .run(&mutations, |ms| {
            let mut file = original.clone();
            for m in &ms {
                mutate(&mut file, m);
            }
            // A number written over the same number changes nothing.
            prop_assume!(file != original);
            f.borrow_mut().refuse(&file);
            Ok(())
        })
        .unwrap();
}
