//! Fuzzing of the pure decoders that read bytes from elsewhere: the page decoder
//! (`wire::decode_page`) and the CFDI XML reader (`cfdi::parse_cfdi_xml`). cargo-fuzz
//! needs a nightly toolchain, which this project cannot install, so this is proptest
//! over arbitrary bytes and over mutations of valid inputs, with two checks per
//! input: no panic, and no more memory allocated at once than a stated bound (a
//! counting global allocator). The targets run one after the other in one test, so
//! the count is theirs alone.
//!
//! `cargo test` runs a few hundred inputs per target; `make fuzz` runs each target
//! for `COSABI_FUZZ_SECONDS` (default 60).

use cosabi_core::cfdi::{parse_cfdi_xml, XML_BYTES_MAX};
use cosabi_core::wire::{decode_page, encode_page, Page};
use peak_alloc::PeakAlloc;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// Runs `f` and returns the most bytes it had allocated at once. The counter is
/// process-wide: every target runs in the one test below, on one thread.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let out = f();
    (out, ALLOCATOR.peak_usage().saturating_sub(base))
}

/// Cases in a normal test run.
const CASES_QUICK: u32 = 256;

/// Runs `strategy` × `check` for the quick case count, or for `COSABI_FUZZ_SECONDS`.
fn fuzz<S: Strategy>(strategy: S, check: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let budget = std::env::var("COSABI_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs);
    let deadline = budget.map(|b| Instant::now() + b);
    let mut batches = 0u64;
    loop {
        let mut runner = TestRunner::new(Config {
            cases: CASES_QUICK,
            failure_persistence: None,
            ..Config::default()
        });
        if let Err(e) = runner.run(&strategy, &check) {
            panic!("{e}");
        }
        batches += 1;
        match deadline {
            Some(d) if Instant::now() < d => continue,
            _ => break,
        }
    }
    if budget.is_some() {
        println!("fuzz: {} inputs", batches * u64::from(CASES_QUICK));
    }
}

/// Random edits of `seed`: flipped, inserted and removed bytes, a cut.
fn mutations(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = seed.len().max(1);
    proptest::collection::vec((0..len, any::<u8>(), 0u8..4), 1..12).prop_map(move |edits| {
        let mut b = seed.clone();
        for (at, byte, how) in edits {
            let at = at.min(b.len());
            match how {
                0 if at < b.len() => b[at] = byte,
                1 => b.insert(at, byte),
                2 if at < b.len() => {
                    b.remove(at);
                }
                _ => b.truncate(at),
            }
        }
        b
    })
}

fn sample_page() -> Vec<u8> {
    use cosabi_core::change::{ChangeGroup, FieldChange, Value, Version};
    use cosabi_core::hlc::Hlc;
    use cosabi_core::ids::SiteId;
    use uuid::Uuid;
    let a = SiteId(Uuid::from_u128(0xa1));
    let groups = (0..20u64)
        .map(|i| ChangeGroup {
            site: a,
            seq_first: 1 + i * 3,
            hlc: Hlc::new(1_700_000_000_000 + i, 0),
            table: 9,
            row: Uuid::from_u128(i as u128),
            author: None,
            fields: vec![
                FieldChange {
                    column: 4,
                    value: Value::Text(format!("Pintura {i}")),
                    prev: None,
                },
                FieldChange {
                    column: 5,
                    value: Value::Int(i as i64),
                    prev: (i > 0).then_some(Version { site: a, seq: i }),
                },
                FieldChange {
                    column: 1,
                    value: Value::Bytes(vec![7; 16]),
                    prev: None,
                },
            ],
        })
        .collect();
    encode_page(&Page {
        schema_version: 6,
        tags: Vec::new(),
        groups,
    })
}

/// Most bytes decoding `len` bytes of page may hold at once: every element of a page
/// takes at least one input byte, and none is wider than 64 bytes in memory, twice
/// over (the wire form and the page it becomes), plus a fixed allowance.
fn page_bound(len: usize) -> usize {
    2 * 64 * len + 64 * 1024
}

fn check_page(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let (_, peak) = peak_of(|| decode_page(&bytes));
    prop_assert!(
        peak <= page_bound(bytes.len()),
        "decoding {} bytes held {peak} bytes at once",
        bytes.len()
    );
    Ok(())
}

fn fuzz_page_decoder_arbitrary_bytes() {
    fuzz(proptest::collection::vec(any::<u8>(), 0..4096), check_page);
}

fn fuzz_page_decoder_mutated_pages() {
    fuzz(mutations(sample_page()), check_page);
}

/// Most bytes reading a CFDI of `len` bytes may hold at once: the parsed tree is a
/// bounded multiple of the text (roxmltree keeps slices of it).
fn xml_bound(len: usize) -> usize {
    48 * len + 256 * 1024
}

fn check_xml(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (_, peak) = peak_of(|| parse_cfdi_xml(&text));
    prop_assert!(
        peak <= xml_bound(text.len()),
        "reading {} bytes of XML held {peak} bytes at once",
        text.len()
    );
    Ok(())
}

fn sample_xml() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cfdi40_ferreteria_iva.xml"
    ))
    .unwrap()
}

fn fuzz_cfdi_xml_arbitrary_text() {
    fuzz(proptest::collection::vec(any::<u8>(), 0..4096), check_xml);
}

fn fuzz_cfdi_xml_mutated_invoices() {
    fuzz(mutations(sample_xml()), check_xml);
}

/// A CFDI at the size limit, and one past it, are read within the bound.
fn a_huge_cfdi_is_refused_within_the_bound() {
    let mut xml = String::from_utf8(sample_xml()).unwrap();
    let pad = "<!-- relleno -->".repeat(XML_BYTES_MAX / 16 + 1);
    xml.insert_str(xml.find("?>").map_or(0, |i| i + 2), &pad);
    let (result, peak) = peak_of(|| parse_cfdi_xml(&xml));
    assert!(result.is_err(), "a CFDI over the size limit was read");
    assert!(peak <= xml_bound(0), "refusing it held {peak} bytes");
}

/// Every target, one after the other (see the module docs).
#[test]
fn fuzz_decoders_of_outside_bytes() {
    fuzz_page_decoder_arbitrary_bytes();
    fuzz_page_decoder_mutated_pages();
    fuzz_cfdi_xml_arbitrary_text();
    fuzz_cfdi_xml_mutated_invoices();
    a_huge_cfdi_is_refused_within_the_bound();
}
