//! Document seals: what binds a printed acta, cuadernillo or expediente index to the
//! exact records it was made from.
//!
//! A seal names the document ([`DocKind`] and its subject: an assembly or a fiscal
//! year), when it was generated, and a [`records_digest`]: SHA-256 over the whole
//! change history (every write: site, seq, HLC, author, columns, values and the
//! versions they replaced) of every row the document reads. A row edited later,
//! rewritten by a device, or added to the document's selection changes the digest.
//!
//! The seal's [`code`] is what is printed (in words and in a QR code):
//! `<CLUES>-XXXX-XXXX`, the clinic's CLUES and 40 bits of a hash over the seal, in
//! Crockford's base 32 (no I, L, O or U; read back case-insensitively, with O as 0 and
//! I or L as 1), so a person can type it from paper.
//!
//! Pure: the replica gathers the rows' histories, the server and the app compare.

use crate::change::Value;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Which document a seal is for. Serialised as its [`DocKind::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// The acta of one assembly; subject: the assembly's id.
    Acta,
    /// The cuadernillo de control de gastos of a fiscal year; subject: the year.
    Cuadernillo,
    /// The expediente (its index) of a fiscal year; subject: the year.
    Expediente,
}

impl DocKind {
    pub const ALL: [DocKind; 3] = [DocKind::Acta, DocKind::Cuadernillo, DocKind::Expediente];

    /// The stored and synced name.
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Acta => "acta",
            DocKind::Cuadernillo => "cuadernillo",
            DocKind::Expediente => "expediente",
        }
    }

    pub fn from_code(code: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A row of a synced table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowRef {
    pub table: u16,
    pub row: Uuid,
}

/// One field of a logged write: its column, the version it replaced and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedField {
    pub column: u16,
    /// The replaced version, `(site, seq)`; `None` for a first write.
    pub prev: Option<(Uuid, u64)>,
    pub value: Value,
}

/// One logged write to one row: fields `seq_first..=seq_last` of `site`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedWrite {
    pub site: Uuid,
    pub seq_first: u64,
    pub seq_last: u64,
    pub hlc: u64,
    pub author: Option<Uuid>,
    pub fields: Vec<LoggedField>,
}

/// The writes of each row, in any order: [`records_digest`] sorts them.
pub type RowHistories = BTreeMap<RowRef, Vec<LoggedWrite>>;

/// Domain separation of the two hashes.
const DIGEST_DOMAIN: &[u8] = b"cosabi-seal-records-v1";
const CODE_DOMAIN: &[u8] = b"cosabi-seal-code-v1";

/// Bytes of the seal hash a code carries: 40 bits, 8 base-32 characters.
pub const CODE_HASH_BYTES: usize = 5;
/// Longest code accepted as input (a CLUES is 11 characters; room for separators).
pub const CODE_INPUT_MAX: usize = 64;

/// SHA-256 over the histories of `rows`, canonical: rows by (table, id), each row's
/// writes by (site, seq), every length and value written unambiguously.
pub fn records_digest(rows: &RowHistories) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DIGEST_DOMAIN);
    h.update((rows.len() as u64).to_be_bytes());
    for (r, writes) in rows {
        h.update(r.table.to_be_bytes());
        h.update(r.row.as_bytes());
        let mut sorted: Vec<&LoggedWrite> = writes.iter().collect();
        sorted.sort_by_key(|w| (w.site, w.seq_first));
        h.update((sorted.len() as u64).to_be_bytes());
        for w in sorted {
            h.update(w.site.as_bytes());
            h.update(w.seq_first.to_be_bytes());
            h.update(w.seq_last.to_be_bytes());
            h.update(w.hlc.to_be_bytes());
            match w.author {
                Some(a) => {
                    h.update([1]);
                    h.update(a.as_bytes());
                }
                None => h.update([0]),
            }
            h.update((w.fields.len() as u64).to_be_bytes());
            for f in &w.fields {
                h.update(f.column.to_be_bytes());
                match f.prev {
                    Some((site, seq)) => {
                        h.update([1]);
                        h.update(site.as_bytes());
                        h.update(seq.to_be_bytes());
                    }
                    None => h.update([0]),
                }
                hash_value(&mut h, &f.value);
            }
        }
    }
    h.finalize().into()
}

fn hash_value(h: &mut Sha256, v: &Value) {
    match v {
        Value::Null => h.update([0]),
        Value::Int(i) => {
            h.update([1]);
            h.update(i.to_be_bytes());
        }
        Value::Text(s) => {
            h.update([2]);
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
        Value::Bytes(b) => {
            h.update([3]);
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        }
    }
}

/// `rows` with only the writes a replica at `vector` (site → highest seq) held; rows
/// left with no write are dropped. What a document sealed at `vector` was made from,
/// if nothing was rewritten since.
pub fn restrict(rows: &RowHistories, vector: &BTreeMap<Uuid, u64>) -> RowHistories {
    rows.iter()
        .filter_map(|(r, writes)| {
            let kept: Vec<LoggedWrite> = writes
                .iter()
                .filter(|w| vector.get(&w.site).is_some_and(|max| w.seq_last <= *max))
                .cloned()
                .collect();
            (!kept.is_empty()).then_some((*r, kept))
        })
        .collect()
}

/// The writes of `rows` that a replica at `vector` did not hold: what changed since.
pub fn since(rows: &RowHistories, vector: &BTreeMap<Uuid, u64>) -> Vec<(RowRef, LoggedWrite)> {
    let mut out: Vec<(RowRef, LoggedWrite)> = rows
        .iter()
        .flat_map(|(r, writes)| {
            writes
                .iter()
                .filter(|w| vector.get(&w.site).is_none_or(|max| w.seq_last > *max))
                .map(|w| (*r, w.clone()))
        })
        .collect();
    out.sort_by_key(|(_, w)| w.hlc);
    out
}

/// The text form of a version vector stored in a seal: `site:seq` pairs (hyphenated
/// UUIDs), sorted, separated by `;`.
pub fn vector_to_text(vector: &BTreeMap<Uuid, u64>) -> String {
    vector
        .iter()
        .map(|(s, q)| format!("{s}:{q}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// [`vector_to_text`] read back; `None` if any pair is malformed.
pub fn vector_from_text(text: &str) -> Option<BTreeMap<Uuid, u64>> {
    if text.is_empty() {
        return Some(BTreeMap::new());
    }
    text.split(';')
        .map(|pair| {
            let (s, q) = pair.split_once(':')?;
            Some((Uuid::parse_str(s).ok()?, q.parse().ok()?))
        })
        .collect()
}

/// Crockford's base-32 alphabet. Written out rather than taken from a crate: 8
/// characters of 5 bits are all a code needs, and reading back must also map the
/// letters people confuse (O, I, L), which base-32 crates do not.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn crockford_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    CROCKFORD
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u8)
}

/// The code printed on a document: `<CLUES>-XXXX-XXXX`.
pub fn code(
    clues: &str,
    clinic: Uuid,
    kind: DocKind,
    subject: &str,
    generated_at: &str,
    digest: &[u8; 32],
) -> String {
    let mut h = Sha256::new();
    h.update(CODE_DOMAIN);
    for part in [
        clues.as_bytes(),
        clinic.as_bytes(),
        kind.code().as_bytes(),
        subject.as_bytes(),
        generated_at.as_bytes(),
        digest,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    let hash = h.finalize();
    let mut bits: u64 = 0;
    for b in &hash[..CODE_HASH_BYTES] {
        bits = (bits << 8) | u64::from(*b);
    }
    let chars: String = (0..8)
        .rev()
        .map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("{clues}-{}-{}", &chars[..4], &chars[4..])
}

/// A code as a person typed or a QR code gave it, in its printed form, or `None` if it
/// cannot be one. Accepts lower case, spaces, missing or extra hyphens, O for 0 and
/// I or L for 1 in the hash part, and a whole verification address
/// (`https://…/verificar/<code>`).
pub fn normalise_code(input: &str) -> Option<String> {
    if input.len() > CODE_INPUT_MAX * 4 {
        return None;
    }
    let input = input.trim();
    let input = match input.rfind("/verificar/") {
        Some(at) => &input[at + "/verificar/".len()..],
        None => input,
    };
    let input = input.split(['?', '#']).next().unwrap_or_default();
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if compact.len() > CODE_INPUT_MAX || !compact.is_ascii() || compact.len() <= 8 {
        return None;
    }
    let (clues, hash) = compact.split_at(compact.len() - 8);
    // The CLUES's six digits read as the hash's characters do: O is 0, I or L is 1.
    let clues: String = crate::clinic::normalise_clues(clues)
        .chars()
        .enumerate()
        .map(|(i, c)| match (i >= 5, c) {
            (true, 'O') => '0',
            (true, 'I' | 'L') => '1',
            (_, c) => c,
        })
        .collect();
    crate::clinic::validate_clues(&clues).ok()?;
    let hash: Option<String> = hash
        .chars()
        .map(|c| crockford_value(c).map(|v| CROCKFORD[v as usize] as char))
        .collect();
    let hash = hash?;
    Some(format!("{clues}-{}-{}", &hash[..4], &hash[4..]))
}

/// The CLUES part of a code in its printed form.
pub fn code_clues(code: &str) -> &str {
    code.get(..code.len().saturating_sub(10))
        .unwrap_or_default()
}

/// What verifying a document found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The records it was made from are as they were.
    Matches,
    /// They were, but some changed (or were added) after it was made.
    ChangedSince,
    /// They were rewritten, or not all of them have reached this replica.
    DoesNotMatch,
}

/// A verification, in words for people (es-MX).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub code: String,
    pub verdict: Verdict,
    /// "Acta de asamblea ordinaria del 12/03/2026".
    pub document: String,
    /// "Centro de Salud … (VZIMB000417)".
    pub clinic: String,
    /// When it was made, central Mexico time.
    pub generated_at: String,
    /// The role of who made it, if known (never a name: the page is public).
    pub generated_by: Option<String>,
    /// How many records it was made from.
    pub records: i64,
    /// The newest change the checking replica holds, central Mexico time: "as of".
    pub as_of: Option<String>,
    /// What changed since it was made, newest last, one line each.
    pub changes: Vec<String>,
    /// Devices whose changes it was made from are missing here (not synced yet).
    pub devices_behind: usize,
}

/// What checking a file found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "file", rename_all = "snake_case")]
pub enum FileCheck {
    /// Byte for byte the file Cosabi made; its records as verified.
    Original { verification: Verification },
    /// It names a code, but it is not the file made with it: altered after it was
    /// made (or a copy re-saved by another program). The code's verification, if the
    /// code is known.
    Altered {
        code: Option<String>,
        verification: Option<Verification>,
    },
    /// Nothing in it was made by Cosabi, as far as this replica knows.
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(site: u8, seq: u64, hlc: u64, value: i64) -> LoggedWrite {
        LoggedWrite {
            site: Uuid::from_bytes([site; 16]),
            seq_first: seq,
            seq_last: seq,
            hlc,
            author: None,
            fields: vec![LoggedField {
                column: 4,
                prev: None,
                value: Value::Int(value),
            }],
        }
    }

    fn rows(writes: Vec<LoggedWrite>) -> RowHistories {
        let mut r = RowHistories::new();
        r.insert(
            RowRef {
                table: 9,
                row: Uuid::from_bytes([7; 16]),
            },
            writes,
        );
        r
    }

    #[test]
    fn the_digest_ignores_order_and_sees_every_value_and_version() {
        let a = rows(vec![write(1, 1, 10, 500), write(2, 1, 11, 700)]);
        let b = rows(vec![write(2, 1, 11, 700), write(1, 1, 10, 500)]);
        assert_eq!(records_digest(&a), records_digest(&b));
        for changed in [
            rows(vec![write(1, 1, 10, 501), write(2, 1, 11, 700)]),
            rows(vec![write(1, 1, 12, 500), write(2, 1, 11, 700)]),
            rows(vec![write(3, 1, 10, 500), write(2, 1, 11, 700)]),
            rows(vec![write(1, 1, 10, 500)]),
        ] {
            assert_ne!(records_digest(&a), records_digest(&changed));
        }
    }

    #[test]
    fn restricting_to_the_sealed_vector_recovers_the_sealed_digest() {
        let sealed = rows(vec![write(1, 1, 10, 500)]);
        let vector = BTreeMap::from([(Uuid::from_bytes([1; 16]), 1)]);
        let now = rows(vec![write(1, 1, 10, 500), write(1, 2, 20, 900)]);
        assert_ne!(records_digest(&sealed), records_digest(&now));
        assert_eq!(
            records_digest(&sealed),
            records_digest(&restrict(&now, &vector))
        );
        let changed = since(&now, &vector);
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].1.seq_first, 2);
    }

    #[test]
    fn codes_read_back_as_people_type_them() {
        let d = [3u8; 32];
        let c = code(
            "VZIMB000417",
            Uuid::nil(),
            DocKind::Acta,
            "x",
            "2026-12-03T10:00:00Z",
            &d,
        );
        assert_eq!(c.len(), "VZIMB000417-XXXX-XXXX".len());
        assert_eq!(code_clues(&c), "VZIMB000417");
        assert_eq!(normalise_code(&c).as_deref(), Some(c.as_str()));
        let typed = c.to_lowercase().replace('-', " ").replace('0', "o");
        assert_eq!(normalise_code(&typed).as_deref(), Some(c.as_str()));
        let url = format!("https://cosabi.example/verificar/{c}");
        assert_eq!(normalise_code(&url).as_deref(), Some(c.as_str()));
        assert_eq!(normalise_code("VZIMB000417-UUUU-UUUU"), None);
        assert_eq!(normalise_code("nada"), None);
        assert_eq!(normalise_code(&"A".repeat(10_000)), None);
        // Another subject, time or digest gives another code.
        for other in [
            code(
                "VZIMB000417",
                Uuid::nil(),
                DocKind::Acta,
                "y",
                "2026-12-03T10:00:00Z",
                &d,
            ),
            code(
                "VZIMB000417",
                Uuid::nil(),
                DocKind::Acta,
                "x",
                "2026-12-03T10:00:01Z",
                &d,
            ),
            code(
                "VZIMB000417",
                Uuid::nil(),
                DocKind::Acta,
                "x",
                "2026-12-03T10:00:00Z",
                &[4; 32],
            ),
        ] {
            assert_ne!(other, c);
        }
    }

    #[test]
    fn vectors_round_trip_as_text() {
        let v = BTreeMap::from([
            (Uuid::from_bytes([1; 16]), 4),
            (Uuid::from_bytes([2; 16]), 9),
        ]);
        assert_eq!(vector_from_text(&vector_to_text(&v)), Some(v));
        assert_eq!(vector_from_text("x:1"), None);
        assert_eq!(vector_from_text(""), Some(BTreeMap::new()));
    }
}
