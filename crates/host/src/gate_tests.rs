//! Every command that writes goes through the one gate. Read from the sources: each
//! handler's body (`impl Handle<api::…> for Host` to the next handler) and the
//! replica's methods that take `&mut self` (the only way to change a replica).

use std::collections::BTreeSet;

const SRC: &str = env!("CARGO_MANIFEST_DIR");

/// Handlers that change the replica outside the gate, each for a reason: the
/// session's own rules (a PIN, its approval) and device-local preferences and
/// drafts, which record nobody's decision.
const OUTSIDE_THE_GATE: &[(&str, &[&str])] = &[
    ("SignIn", &["sign_in"]),
    ("SignOut", &["sign_out"]),
    ("SetPin", &["set_pin", "sign_in"]),
    ("NewRecoveryCode", &["new_recovery_code"]),
    ("SetPreference", &["set_setting", "set_pref"]),
    ("SetDraft", &["set_setting"]),
    ("KeepDraftPhoto", &["set_draft_photo"]),
    ("ForgetDraftPhoto", &["forget_draft_photo"]),
    // Sync: the engine takes `&Mutex<Replica>`; the gate runs first (tested below).
    ("Enroll", &[]),
    ("PhotoFull", &[]),
];

/// The host's sources, concatenated.
fn sources() -> Vec<String> {
    std::fs::read_dir(format!("{SRC}/src"))
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter(|p| !p.ends_with("gate_tests.rs") && !p.ends_with("tests.rs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Each handler's body, by the command type's name: from its `impl` to the next.
pub(crate) fn bodies() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for text in sources() {
        let parts: Vec<&str> = text.split("\nimpl Handle").collect();
        for chunk in parts.iter().skip(1) {
            let name = chunk
                .split("api::")
                .nth(1)
                .and_then(|s| s.split('>').next())
                .unwrap()
                .trim()
                .to_string();
            out.push((name, chunk.to_string()));
        }
    }
    out
}

/// The replica's methods that can change it.
fn mutators() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(format!("{SRC}/../replica/src"))];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                files.push(path);
            }
        }
    }
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        for part in text.split("pub fn ").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let sig = &part[..part.find('{').unwrap_or(part.len()).min(400)];
            if sig.contains("&mut self") {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn every_command_has_one_handler_body() {
    let bodies = bodies();
    assert_eq!(
        bodies.len(),
        cosabi_api::ALL.len() + cosabi_api::RAW.len(),
        "the reader missed a handler: {:?}",
        bodies.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    let names: BTreeSet<&String> = bodies.iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), bodies.len(), "a handler is read twice");
}

#[test]
fn every_command_that_writes_passes_the_gate() {
    let mutators = mutators();
    assert!(mutators.contains("record_purchase") && mutators.contains("import_sync_file"));
    assert!(mutators.contains("carry_over_into"));
    let mut ungated = Vec::new();
    for (name, body) in bodies() {
        let gated = body.contains("with_write(")
            || body.contains(".gate(")
            || body.contains("lock_to_export(");
        let allowed: &[&str] = OUTSIDE_THE_GATE
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[], |(_, m)| m);
        let writes: Vec<&String> = mutators
            .iter()
            .filter(|m| body.contains(&format!(".{m}(")) && !allowed.contains(&m.as_str()))
            .collect();
        if !gated && !writes.is_empty() {
            ungated.push(format!("{name} calls {writes:?}"));
        }
    }
    assert!(ungated.is_empty(), "writes outside the gate: {ungated:?}");
}

#[test]
fn the_reader_sees_a_write_outside_the_gate() {
    // The test above can fail: a handler that writes without the gate is caught.
    let body = "<api::Sneaky> for Host {\n async fn handle(&self, c: api::Sneaky) {\n self.with_replica(|r| r.record_purchase(&c.input))\n }\n}";
    let mutators = mutators();
    let gated = body.contains("with_write(");
    let writes = mutators.iter().any(|m| body.contains(&format!(".{m}(")));
    assert!(!gated && writes);
}

#[test]
fn every_write_the_policy_names_has_a_command() {
    let all: String = sources().concat();
    for w in cosabi_core::access::Write::ALL {
        let name = format!("{w:?}");
        let variant = name.split([' ', '{']).next().unwrap();
        assert!(
            all.contains(&format!("Write::{variant}")),
            "no command uses Write::{variant}"
        );
    }
}

#[test]
fn the_sync_engine_commands_gate_before_they_write() {
    let bodies = bodies();
    for name in ["Enroll", "SyncNow"] {
        let (_, body) = bodies.iter().find(|(n, _)| n == name).unwrap();
        let gate = body.find("with_write(").unwrap_or(usize::MAX);
        let engine = body
            .find("enroll_replica(")
            .or_else(|| body.find("run_sync("))
            .unwrap();
        assert!(gate < engine, "{name} writes before the gate");
    }
}
