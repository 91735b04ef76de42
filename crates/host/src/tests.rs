//! The host as the shells use it: commands by name with the JSON the UI sends, on a
//! real (encrypted) replica in a temporary data folder.

use super::*;
use cosabi_api::{self as api, Command, BAD_ARGUMENTS, UNKNOWN_COMMAND};
use cosabi_core::settings::Preference;
use futures::executor::block_on;
use serde_json::{json, Value};
use std::sync::Mutex as StdMutex;

/// A platform that writes into a folder of the test and "chooses" a given path.
struct TestPlatform {
    export: PathBuf,
    choose: Option<PathBuf>,
    opened: StdMutex<Vec<PathBuf>>,
}

impl Platform for TestPlatform {
    fn export_dir(&self) -> PathBuf {
        self.export.clone()
    }

    fn open_document(&self, file: &Path) -> ApiResult<()> {
        self.opened
            .lock()
            .map_err(|_| ApiError::code("open_failed"))?
            .push(file.to_path_buf());
        Ok(())
    }

    fn choose_copy_path<'a>(
        &'a self,
        _file: &'a Path,
        _kind: &'a str,
        _title: &'a str,
    ) -> PlatformFuture<'a, Option<PathBuf>> {
        Box::pin(std::future::ready(self.choose.clone()))
    }
}

struct Device {
    dir: tempfile::TempDir,
    host: Host,
}

fn device_choosing(choose: Option<PathBuf>) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("Descargas");
    let host = Host::open(
        dir.path(),
        TestPlatform {
            export,
            choose,
            opened: StdMutex::new(Vec::new()),
        },
    )
    .unwrap();
    Device { dir, host }
}

fn device() -> Device {
    device_choosing(None)
}

fn run(d: &Device, name: &str, args: Value) -> Result<Value, ApiError> {
    block_on(d.host.dispatch(name, args))
}

/// Command `c` by its name, with its JSON as the UI sends it; its output read back.
fn call<C: Command>(d: &Device, c: &C) -> Result<C::Output, ApiError> {
    let out = run(d, C::NAME, serde_json::to_value(c).unwrap())?;
    Ok(serde_json::from_value(out).unwrap())
}

fn new_clinic() -> cosabi_core::clinic::NewClinic {
    cosabi_core::clinic::NewClinic {
        clues: "VZIMB001234".into(),
        name: "Centro de Salud Tlaquilpa".into(),
        state: "VZ".into(),
        municipality: "Tlaquilpa".into(),
        locality: "Tlaquilpa".into(),
        consultorios: 2,
    }
}

fn member(name: &str, role: &str) -> cosabi_core::committee::NewMember {
    cosabi_core::committee::NewMember {
        name: name.into(),
        role: role.into(),
        ..Default::default()
    }
}

#[test]
fn commands_answer_by_name_with_the_uis_json() {
    let d = device();
    assert_eq!(run(&d, "get_clinic", json!({})).unwrap(), Value::Null);
    // No arguments at all counts as `{}`.
    assert_eq!(run(&d, "get_clinic", Value::Null).unwrap(), Value::Null);
    let clinic = run(&d, "create_clinic", json!({ "input": new_clinic() })).unwrap();
    assert_eq!(clinic["clues"], "VZIMB001234");
    assert_eq!(run(&d, "get_clinic", json!({})).unwrap(), clinic);
    // camelCase keys, as the contract's types serialise.
    let page = run(
        &d,
        "purchase_page",
        json!({ "fiscalYear": 2026, "filter": {}, "offset": 0, "limit": 20 }),
    )
    .unwrap();
    assert_eq!(page["total_count"], 0, "{page}");
    call(
        &d,
        &api::SetDraft {
            form: "purchase".into(),
            text: "{\"concept\":\"jabón\"}".into(),
        },
    )
    .unwrap();
    let draft = call(
        &d,
        &api::GetDraft {
            form: "purchase".into(),
        },
    )
    .unwrap();
    assert_eq!(draft.as_deref(), Some("{\"concept\":\"jabón\"}"));
    let enroll = api::Enroll {
        server: " ".into(),
        code: "ABCD".into(),
        device_name: "Laptop".into(),
    };
    assert_eq!(call(&d, &enroll).unwrap_err().code, "server_required");
    // Domain logic moved out of the shell answers through the host too.
    call(
        &d,
        &api::AddMember {
            input: member("Juana Xocua", "presidente"),
        },
    )
    .unwrap();
    let pins = call(&d, &api::MembersWithPins {}).unwrap();
    assert_eq!(pins.len(), 1);
    assert!(!pins[0].1);
    assert!(call(&d, &api::AgreementChoices {}).unwrap().is_empty());
}

#[test]
fn a_name_outside_the_contract_is_an_unknown_command() {
    let d = device();
    assert_eq!(
        run(&d, "drop_database", json!({})).unwrap_err().code,
        UNKNOWN_COMMAND
    );
    let raw = block_on(d.host.dispatch_raw("drop_database", &|_| None, Vec::new()));
    assert_eq!(raw.unwrap_err().code, UNKNOWN_COMMAND);
    // Names are exact: Tauri's camelCase command names are not the contract's.
    assert_eq!(
        run(&d, "getClinic", json!({})).unwrap_err().code,
        UNKNOWN_COMMAND
    );
}

#[test]
fn arguments_that_are_not_the_commands_are_refused_without_a_panic() {
    let d = device();
    let refused = |r: Result<Value, ApiError>| r.unwrap_err().code;
    // snake_case keys are not the wire's.
    assert_eq!(
        refused(run(&d, "balance", json!({ "fiscal_year": 2026 }))),
        BAD_ARGUMENTS
    );
    assert_eq!(
        refused(run(&d, "balance", json!({ "fiscalYear": "2026" }))),
        BAD_ARGUMENTS
    );
    assert_eq!(
        refused(run(&d, "create_clinic", json!([1, 2]))),
        BAD_ARGUMENTS
    );
    assert_eq!(refused(run(&d, "get_clinic", json!("x"))), BAD_ARGUMENTS);
    // A raw command sent as JSON, a JSON command sent as bytes.
    assert_eq!(refused(run(&d, "attach_photo", json!({}))), BAD_ARGUMENTS);
    let as_bytes = block_on(d.host.dispatch_raw("get_clinic", &|_| None, b"{}".to_vec()));
    assert_eq!(refused(as_bytes), BAD_ARGUMENTS);
    // A raw command without the headers it reads.
    let no_headers = block_on(d.host.dispatch_raw("attach_photo", &|_| None, vec![0xFF]));
    let e = no_headers.unwrap_err();
    assert_eq!(e.code, BAD_ARGUMENTS);
    assert_eq!(e.errors[0].field, "attach_photo");
    // Nothing was written by any of these.
    assert_eq!(run(&d, "get_clinic", json!({})).unwrap(), Value::Null);
}

#[test]
fn raw_commands_read_their_headers_and_body() {
    let d = device();
    let headers = api::ReadCfdiXml {
        purchase: Some(uuid::Uuid::from_u128(2)),
    };
    use cosabi_api::RawCommand;
    let list = headers.headers();
    let header = |name: &str| {
        list.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    let read = block_on(
        d.host
            .dispatch_raw("read_cfdi_xml", &header, b"<nope".to_vec()),
    );
    assert_eq!(read.unwrap_err().code, "invalid");
    let import = block_on(d.host.dispatch_raw(
        "import_sync_file",
        &|_| None,
        b"not a sync file".to_vec(),
    ));
    assert_eq!(import.unwrap_err().code, "invalid");
}

#[test]
fn a_write_is_refused_without_the_right_member_signed_in() {
    let d = device();
    call(
        &d,
        &api::CreateClinic {
            input: new_clinic(),
        },
    )
    .unwrap();
    let secretario = call(
        &d,
        &api::AddMember {
            input: member("Rogelio Tepole", "secretario"),
        },
    )
    .unwrap();
    call(
        &d,
        &api::AddMember {
            input: member("María Cuaquehua", "tesorero"),
        },
    )
    .unwrap();
    // The device's first PIN needs no approval; setting it signs the member in.
    call(
        &d,
        &api::SetPin {
            member: secretario.id,
            pin: "4821".into(),
            approval: Default::default(),
        },
    )
    .unwrap();
    let purchase = api::RecordPurchase {
        input: Default::default(),
    };
    // Money is the tesorero's or the presidente's: the gate refuses before the form
    // is even read.
    assert_eq!(call(&d, &purchase).unwrap_err().code, "forbidden");
    call(&d, &api::SignOut {}).unwrap();
    assert_eq!(call(&d, &purchase).unwrap_err().code, "sign_in_required");
    let balance = call(&d, &api::GetBalance { fiscal_year: 2026 }).unwrap();
    assert_eq!(balance.spent_total.0, 0, "nothing was recorded");
}

#[test]
fn sync_progress_answers_while_the_replica_is_busy() {
    let d = device();
    // A sync holds the replica only between its network waits; the progress never
    // waits for it.
    let busy = d.host.replica.lock().unwrap();
    let progress = call(&d, &api::SyncProgress {}).unwrap();
    assert!(!progress.running);
    drop(busy);
}

#[test]
fn documents_are_written_opened_and_copied_only_from_the_export_folder() {
    let dir = tempfile::tempdir().unwrap();
    let chosen = dir.path().join("copia del archivo");
    let d = device_choosing(Some(chosen.clone()));
    call(
        &d,
        &api::CreateClinic {
            input: new_clinic(),
        },
    )
    .unwrap();
    let written = call(&d, &api::ExportSyncFile {}).unwrap();
    let written = PathBuf::from(written);
    assert_eq!(
        written.parent(),
        Some(d.dir.path().join("Descargas").as_path())
    );
    let name = written.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("cosabi-VZIMB001234-") && name.ends_with(".cosabi"));
    // Only the kinds of file the app writes for people may be opened or copied.
    let open = |path: &Path| {
        call(
            &d,
            &api::OpenDocument {
                path: path.display().to_string(),
            },
        )
    };
    assert_eq!(open(&written).unwrap_err().code, "open_refused");
    let outside = d.dir.path().join("acta.pdf");
    std::fs::write(&outside, b"%PDF").unwrap();
    assert_eq!(open(&outside).unwrap_err().code, "open_refused");
    let acta = d
        .dir
        .path()
        .join("Descargas")
        .join("acta-VZIMB001234-2026-03-01.pdf");
    std::fs::write(&acta, b"%PDF-1.7 acta").unwrap();
    open(&acta).unwrap();
    let copy = call(
        &d,
        &api::SaveDocumentAs {
            path: acta.display().to_string(),
            title: "Guardar una copia".into(),
        },
    )
    .unwrap();
    let want = dir.path().join("copia del archivo.pdf");
    assert_eq!(copy.as_deref(), Some(want.display().to_string().as_str()));
    assert_eq!(std::fs::read(&want).unwrap(), b"%PDF-1.7 acta");
    assert!(!chosen.exists());
}

#[test]
fn a_device_with_its_own_clinic_never_enters_demo_mode() {
    let d = device();
    call(
        &d,
        &api::CreateClinic {
            input: new_clinic(),
        },
    )
    .unwrap();
    assert_eq!(
        call(&d, &api::LoadDemo {}).unwrap_err().code,
        "clinic_exists"
    );
    assert!(!d.host.is_demo());
    assert!(!d.dir.path().join(DEMO_DIR).exists());
    let clinic = call(&d, &api::GetClinic {}).unwrap().unwrap();
    assert_eq!(clinic.clues, "VZIMB001234");
    assert_eq!(call(&d, &api::LeaveDemo {}).unwrap_err().code, "not_demo");
}

#[test]
fn the_demo_lives_in_its_own_folder_until_it_is_left() {
    let d = device();
    let accepted = api::SetPreference {
        name: Preference::PrivacyAccepted,
        value: "1".into(),
    };
    call(&d, &accepted).unwrap();
    let demo = call(&d, &api::LoadDemo {}).unwrap();
    assert!(d.host.is_demo());
    assert_eq!(call(&d, &api::GetClinic {}).unwrap().unwrap().id, demo.id);
    // The choices made before the demo come along.
    let privacy = api::GetPreference {
        name: Preference::PrivacyAccepted,
    };
    assert_eq!(call(&d, &privacy).unwrap().as_deref(), Some("1"));
    // Nothing real can reach the demo.
    let import = block_on(
        d.host
            .dispatch_raw("import_sync_file", &|_| None, Vec::new()),
    );
    assert_eq!(import.unwrap_err().code, "demo_mode");
    let Device { dir, host } = d;
    drop(host);
    // A restart opens the demo again; the device's own replica holds no clinic.
    let d = Device {
        host: Host::open(
            dir.path(),
            TestPlatform {
                export: dir.path().join("Descargas"),
                choose: None,
                opened: StdMutex::new(Vec::new()),
            },
        )
        .unwrap(),
        dir,
    };
    assert!(d.host.is_demo());
    let own = match Replica::open_device(&d.dir.path().join(DATABASE_FILE)).unwrap() {
        DeviceOpen::Open(r) => r,
        DeviceOpen::Locked(_) => panic!("the device's own replica is locked"),
    };
    assert!(own.clinic().unwrap().is_none());
    drop(own);
    let english = api::SetPreference {
        name: Preference::Language,
        value: "en".into(),
    };
    call(&d, &english).unwrap();
    // Leaving needs whoever may: while setting up (no PIN), anyone.
    call(&d, &api::LeaveDemo {}).unwrap();
    assert!(!d.host.is_demo());
    let language = api::GetPreference {
        name: Preference::Language,
    };
    assert_eq!(call(&d, &language).unwrap().as_deref(), Some("en"));
    assert!(call(&d, &api::GetClinic {}).unwrap().is_none());
    assert!(!d.dir.path().join(DEMO_DIR).exists());
    assert!(d.dir.path().join(DATABASE_FILE).exists());
}
