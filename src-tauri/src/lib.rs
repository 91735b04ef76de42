//! cosabi-app: the Tauri v2 shell around the Leptos UI.
//!
//! The shell owns the replica ([`AppState`]) and exposes it to the UI through thin
//! commands ([`commands`]); errors reach the UI as [`error::ApiError`] codes. The UI
//! does no I/O of its own.

mod commands;
pub mod error;

use cosabi_core::settings::Preference;
use cosabi_replica::{DeviceOpen, Replica, Vault};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tauri::Manager;

/// The shell's state: the replica, or the key ring while the device is locked.
pub struct AppState {
    /// The open replica; a placeholder in memory while the device is locked.
    pub replica: Mutex<Replica>,
    /// The key ring while the device is locked (`None` once a PIN opened it).
    locked: Mutex<Option<Vault>>,
    /// The data folder: the device's own replica is [`DATABASE_FILE`] in it, the demo
    /// clinic's is in [`DEMO_DIR`].
    dir: PathBuf,
    /// Whether the replica open is the demo clinic's.
    demo: AtomicBool,
    /// The running (or last) sync's progress, polled by the UI.
    pub sync: Mutex<cosabi_core::views::LiveSync>,
}

impl AppState {
    /// Opens the replica of the device whose data folder is `dir`: the demo clinic's
    /// while the device is in demo mode, else its own; open, or locked until a PIN.
    pub fn open(dir: &Path) -> Result<AppState, cosabi_replica::Error> {
        let demo = demo_database(dir).exists();
        let path = if demo {
            demo_database(dir)
        } else {
            dir.join(DATABASE_FILE)
        };
        let (replica, locked) = open_device(&path)?;
        Ok(AppState {
            replica: Mutex::new(replica),
            locked: Mutex::new(locked),
            dir: dir.to_path_buf(),
            demo: AtomicBool::new(demo),
            sync: Mutex::new(Default::default()),
        })
    }

    /// Whether the device shows the demo clinic.
    pub fn is_demo(&self) -> bool {
        self.demo.load(Ordering::SeqCst)
    }

    /// The database file open now.
    fn path(&self) -> PathBuf {
        if self.is_demo() {
            demo_database(&self.dir)
        } else {
            self.dir.join(DATABASE_FILE)
        }
    }

    /// Enters demo mode: the demo clinic is created in its own folder and opened in
    /// place of the device's replica, which is left as it is (it holds no clinic:
    /// the demo is offered only on the first screen). The language and the privacy
    /// notice already chosen come along.
    pub(crate) fn enter_demo(
        &self,
        replica: &mut Replica,
    ) -> cosabi_replica::Result<cosabi_core::clinic::Clinic> {
        if let Some(c) = replica.clinic()? {
            return Err(cosabi_replica::Error::ClinicExists(c.clues));
        }
        debug_assert!(!self.is_demo(), "a demo replica holds its clinic");
        let path = demo_database(&self.dir);
        // A half-made demo folder (a power cut while it was made) is started over.
        remove_demo_folder(&self.dir)?;
        std::fs::create_dir_all(path.parent().unwrap_or(&self.dir))?;
        let made = (|| {
            let DeviceOpen::Open(mut demo) = Replica::open_device(&path)? else {
                return Err(cosabi_replica::Error::Corrupt(
                    "a new demo folder opened locked".into(),
                ));
            };
            for p in [Preference::Language, Preference::PrivacyAccepted] {
                if let Some(v) = replica.vault().pref(p.key()) {
                    demo.vault_mut().set_pref(p.key(), &v)?;
                }
            }
            let clinic = demo.load_demo()?;
            Ok((demo, clinic))
        })();
        match made {
            Ok((demo, clinic)) => {
                // From here on a restart opens the demo (its folder exists).
                *replica = demo;
                self.demo.store(true, Ordering::SeqCst);
                Ok(clinic)
            }
            Err(e) => {
                let _ = remove_demo_folder(&self.dir);
                Err(e)
            }
        }
    }

    /// Leaves demo mode: the demo's folder is removed and the device's own replica
    /// (untouched while the demo was shown) is opened again. Only the demo's folder
    /// is ever removed, and only in demo mode, so no real clinic's record can be
    /// lost; the demo cannot be enrolled or receive a sync file, so it holds nothing
    /// from a real clinic either.
    pub(crate) fn leave_demo(&self, replica: &mut Replica) -> cosabi_replica::Result<()> {
        debug_assert!(self.is_demo(), "the command checks demo mode first");
        let DeviceOpen::Open(mut own) = Replica::open_device(&self.dir.join(DATABASE_FILE))? else {
            // The device's own replica had no clinic, hence no PIN, when the demo
            // began: a locked one is someone else's folder. Leave it all alone.
            return Err(cosabi_replica::Error::Corrupt(
                "the device's own replica is locked: the demo stays".into(),
            ));
        };
        // The language chosen during the demo stays chosen.
        for p in [Preference::Language, Preference::PrivacyAccepted] {
            if let Some(v) = replica.vault().pref(p.key()) {
                own.vault_mut().set_pref(p.key(), &v)?;
            }
        }
        // The demo's database closes here, before its files go.
        *replica = own;
        self.demo.store(false, Ordering::SeqCst);
        remove_demo_folder(&self.dir)?;
        Ok(())
    }

    /// Whether the device waits for a PIN (a poisoned lock counts as locked).
    pub fn is_locked(&self) -> bool {
        self.locked.lock().map_or(true, |l| l.is_some())
    }

    /// Runs `f` on the key ring, wherever it is now.
    pub(crate) fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> cosabi_replica::Result<T>,
    ) -> error::ApiResult<T> {
        let mut locked = self
            .locked
            .lock()
            .map_err(|_| error::ApiError::code("storage"))?;
        match locked.as_mut() {
            Some(v) => f(v).map_err(Into::into),
            None => {
                let mut r = self
                    .replica
                    .lock()
                    .map_err(|_| error::ApiError::code("storage"))?;
                f(r.vault_mut()).map_err(Into::into)
            }
        }
    }

    /// Opens the locked device with `open` (a PIN or the recovery code); on a
    /// refusal the key ring stays, with the try counted.
    pub(crate) fn open_with<T>(
        &self,
        open: impl FnOnce(&Path, Vault) -> Result<(Replica, T), cosabi_replica::Refused>,
    ) -> error::ApiResult<T> {
        let mut locked = self
            .locked
            .lock()
            .map_err(|_| error::ApiError::code("storage"))?;
        let Some(vault) = locked.take() else {
            return Err(error::ApiError::code("not_locked"));
        };
        match open(&self.path(), vault) {
            Ok((replica, out)) => {
                *self
                    .replica
                    .lock()
                    .map_err(|_| error::ApiError::code("storage"))? = replica;
                Ok(out)
            }
            Err(refused) => {
                let (vault, e) = *refused;
                *locked = Some(vault);
                Err(e.into())
            }
        }
    }
}

/// File name of the replica inside the app-data directory.
pub const DATABASE_FILE: &str = "cosabi.sqlite3";
/// Folder, inside the app-data directory, of the demo clinic's replica (its key ring
/// and photos beside it). It exists exactly while the device is in demo mode.
pub const DEMO_DIR: &str = "demo";

fn demo_database(dir: &Path) -> PathBuf {
    dir.join(DEMO_DIR).join(DATABASE_FILE)
}

/// Removes the demo's folder, if any: nothing else.
fn remove_demo_folder(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(dir.join(DEMO_DIR)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// A replica at `path`, with the key ring instead while it is locked.
fn open_device(path: &Path) -> Result<(Replica, Option<Vault>), cosabi_replica::Error> {
    Ok(match Replica::open_device(path)? {
        DeviceOpen::Open(r) => (r, None),
        DeviceOpen::Locked(v) => (Replica::open_in_memory()?, Some(v)),
    })
}

/// Where the replica lives: `COSABI_DATA_DIR` if set, else the platform's app-data
/// directory (on Linux `$XDG_DATA_HOME/mx.cosabi.app`).
fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os("COSABI_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?)
}

/// Builds the app with its commands; `run` and the tests share it.
pub fn builder<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::get_clinic,
        commands::create_clinic,
        commands::load_demo,
        commands::leave_demo,
        commands::list_members,
        commands::add_member,
        commands::update_member,
        commands::end_term,
        commands::replace_member,
        commands::get_preference,
        commands::set_preference,
        commands::get_draft,
        commands::set_draft,
        commands::list_conflicts,
        commands::review_items,
        commands::sync::sync_status,
        commands::sync::set_device_name,
        commands::sync::enroll,
        commands::sync::set_sync_server,
        commands::sync::read_enrollment_qr,
        commands::sync::sync_now,
        commands::sync::sync_progress,
        commands::sync::export_sync_file,
        commands::sync::import_sync_file,
        commands::sync::sync_file_key,
        commands::sync::set_sync_file_key,
        commands::sync::read_sync_file_key_qr,
        commands::session::device_status,
        commands::session::unlock,
        commands::session::recover,
        commands::session::members_with_pins,
        commands::session::sign_in,
        commands::session::set_pin,
        commands::session::new_recovery_code,
        commands::session::sign_out,
        commands::session::signed_in,
        commands::money::balance,
        commands::money::purchase_page,
        commands::money::get_purchase,
        commands::money::record_purchase,
        commands::money::update_purchase_amounts,
        commands::money::update_purchase,
        commands::money::delete_purchase,
        commands::money::list_receipts,
        commands::money::add_receipt,
        commands::money::card_movements,
        commands::money::add_card_movement,
        commands::money::read_cfdi_qr,
        commands::money::read_cfdi_xml,
        commands::photos::list_photos,
        commands::photos::attach_photo,
        commands::photos::keep_draft_photo,
        commands::photos::draft_photo,
        commands::photos::forget_draft_photo,
        commands::photos::photo_thumbnail,
        commands::photos::photo_full,
        commands::views::dashboard,
        commands::reports::open_document,
        commands::reports::save_document_as,
        commands::reports::export_acta,
        commands::reports::export_cuadernillo,
        commands::reports::export_expediente,
        commands::reports::verify_document,
        commands::reports::verify_document_photo,
        commands::reports::verify_document_file,
        commands::views::record_history,
        commands::views::conflict_items,
        commands::views::restore_conflict,
        commands::views::dismiss_conflict,
        commands::assembly::list_assemblies,
        commands::assembly::get_assembly,
        commands::assembly::create_assembly,
        commands::assembly::update_assembly,
        commands::assembly::save_minutes,
        commands::assembly::save_agenda,
        commands::assembly::set_community_attendees,
        commands::assembly::set_community_names,
        commands::assembly::open_acta,
        commands::assembly::set_attendance,
        commands::assembly::close_acta,
        commands::assembly::add_amendment,
        commands::assembly::list_agreements,
        commands::assembly::add_agreement,
        commands::assembly::set_agreement_status,
        commands::assembly::delete_agreement,
        commands::assembly::carry_over_candidates,
        commands::assembly::carry_over_agreements,
        commands::assembly::open_agreements,
        commands::actions::list_actions,
        commands::actions::create_action,
        commands::actions::update_action,
        commands::actions::set_action_status,
        commands::actions::verify_action,
        commands::actions::agreement_choices,
    ])
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    builder(tauri::Builder::default())
        // The system's save dialog, for "Guardar una copia" (commands::reports).
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let dir = data_dir(app)?;
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create the data folder {}: {e}", dir.display()))?;
            app.manage(AppState::open(&dir)?);
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Cosabi app");
}

#[cfg(test)]
mod gate_tests {
    //! Every command that writes goes through the one gate. Read from the sources:
    //! the commands registered above, each command's body, and the replica's methods
    //! that take `&mut self` (the only way to change a replica).
    use std::collections::BTreeSet;

    const SRC: &str = env!("CARGO_MANIFEST_DIR");

    /// Commands that change the replica outside the gate, each for a reason: the
    /// session's own rules (a PIN, its approval) and device-local preferences and
    /// drafts, which record nobody's decision.
    const OUTSIDE_THE_GATE: &[(&str, &[&str])] = &[
        ("sign_in", &["sign_in"]),
        ("sign_out", &["sign_out"]),
        ("set_pin", &["set_pin", "sign_in"]),
        ("new_recovery_code", &["new_recovery_code"]),
        ("set_preference", &["set_setting", "set_pref"]),
        ("set_draft", &["set_setting"]),
        ("keep_draft_photo", &["set_draft_photo"]),
        ("forget_draft_photo", &["forget_draft_photo"]),
        // Sync: the engine takes `&Mutex<Replica>`; the gate runs first (tested below).
        ("enroll", &[]),
        ("photo_full", &[]),
    ];

    fn read(path: &str) -> String {
        std::fs::read_to_string(format!("{SRC}/{path}")).unwrap()
    }

    pub(super) fn registered() -> Vec<String> {
        let lib = read("src/lib.rs");
        let start = lib.find("generate_handler![").unwrap();
        let end = start + lib[start..].find("])").unwrap();
        lib[start..end]
            .split(',')
            .filter_map(|s| s.trim().rsplit("::").next().map(str::to_string))
            .filter(|s| !s.is_empty() && !s.contains('['))
            .collect()
    }

    /// Each command's body: from its `fn` to the next command.
    pub(super) fn bodies() -> Vec<(String, String)> {
        let mut out = Vec::new();
        for f in std::fs::read_dir(format!("{SRC}/src/commands")).unwrap() {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            for chunk in text.split("#[tauri::command]").skip(1) {
                let name = chunk
                    .split("fn ")
                    .nth(1)
                    .and_then(|s| s.split(['(', '<']).next())
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
        // Every source file of the replica, in its modules' folders too.
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(format!(
            "{SRC}/../crates/replica/src"
        ))];
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
    fn every_command_that_writes_passes_the_gate() {
        let registered = registered();
        assert!(registered.len() > 60, "{registered:?}");
        let bodies = bodies();
        let mutators = mutators();
        assert!(mutators.contains("record_purchase") && mutators.contains("import_sync_file"));
        let mut ungated = Vec::new();
        for name in &registered {
            let (_, body) = bodies
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("no body for {name}"));
            let gated = body.contains("with_write(")
                || body.contains(".gate(")
                || body.contains("lock_to_export(");
            let allowed: &[&str] = OUTSIDE_THE_GATE
                .iter()
                .find(|(n, _)| n == name)
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
    fn every_write_the_policy_names_has_a_command() {
        let all: String = std::fs::read_dir(format!("{SRC}/src/commands"))
            .unwrap()
            .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
            .collect();
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
        for name in ["enroll", "sync_now"] {
            let (_, body) = bodies.iter().find(|(n, _)| n == name).unwrap();
            let gate = body.find("with_write(").unwrap_or(usize::MAX);
            let engine = body
                .find("enroll_replica(")
                .or_else(|| body.find("run_sync("))
                .unwrap();
            assert!(gate < engine, "{name} writes before the gate");
        }
    }
}

#[cfg(test)]
mod contract_tests {
    //! The shell implements the contract (`cosabi-api`) the UI calls, exactly. Results
    //! are checked by the compiler (each command returns `Out<api::…>`); names and
    //! parameters here, from the sources the gate tests read; the wire through Tauri's
    //! mock runtime in `ipc_tests`.
    use super::gate_tests::{bodies, registered};
    use std::collections::BTreeSet;

    /// A command's parameters, by name, without what Tauri supplies itself (the
    /// state, the app handle, the raw request).
    fn params(body: &str) -> (Vec<String>, bool) {
        let open = body.find("fn ").unwrap();
        let start = open + body[open..].find('(').unwrap() + 1;
        let (mut depth, mut end) = (0i32, start);
        for (i, ch) in body[start..].char_indices() {
            match ch {
                '<' | '(' => depth += 1,
                '>' if !body[start..start + i].ends_with('-') => depth -= 1,
                ')' if depth == 0 => {
                    end = start + i;
                    break;
                }
                ')' => depth -= 1,
                _ => {}
            }
        }
        let (mut names, mut raw, mut depth, mut from) = (Vec::new(), false, 0i32, start);
        let mut add = |part: &str| {
            let Some((name, ty)) = part.split_once(':') else {
                return;
            };
            let (name, ty) = (name.trim(), ty.trim());
            if ty.starts_with("Request<") {
                raw = true;
            } else if !ty.starts_with("State<") && !ty.starts_with("tauri::AppHandle<") {
                names.push(name.to_string());
            }
        };
        for (i, ch) in body[start..end].char_indices() {
            match ch {
                '<' => depth += 1,
                '>' => depth -= 1,
                ',' if depth == 0 => {
                    add(&body[from..start + i]);
                    from = start + i + 1;
                }
                _ => {}
            }
        }
        add(&body[from..end]);
        (names, raw)
    }

    fn contract() -> BTreeSet<&'static str> {
        cosabi_api::ALL
            .iter()
            .chain(cosabi_api::RAW)
            .map(|(n, _)| *n)
            .collect()
    }

    #[test]
    fn the_shell_registers_exactly_the_contracts_commands() {
        let registered: BTreeSet<String> = registered().into_iter().collect();
        let contract = contract();
        let missing: Vec<_> = contract
            .iter()
            .filter(|n| !registered.contains(**n))
            .collect();
        let untyped: Vec<_> = registered
            .iter()
            .filter(|n| !contract.contains(n.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "in cosabi-api, not registered: {missing:?}"
        );
        assert!(
            untyped.is_empty(),
            "registered, not in cosabi-api: {untyped:?}"
        );
        assert_eq!(registered.len(), contract.len());
    }

    #[test]
    fn every_command_takes_the_contracts_parameters() {
        let bodies = bodies();
        assert_eq!(bodies.len(), contract().len());
        for (name, body) in &bodies {
            let (params, raw) = params(body);
            if let Some((_, want)) = cosabi_api::ALL.iter().find(|(n, _)| n == name) {
                assert!(
                    !raw,
                    "{name} reads a raw body but the contract has JSON arguments"
                );
                assert_eq!(&params, want, "{name}'s parameters");
            } else {
                assert!(
                    cosabi_api::RAW.iter().any(|(n, _)| n == name),
                    "{name} is not in cosabi-api"
                );
                assert!(raw, "{name} takes no raw request");
                assert!(params.is_empty(), "{name}: {params:?} besides its headers");
            }
        }
    }

    #[test]
    fn the_parameter_reader_sees_what_is_written() {
        let body = "pub fn f<R: tauri::Runtime>(\n app: tauri::AppHandle<R>,\n state: State<'_, AppState>,\n fiscal_year: i32,\n keys: Vec<Key>,\n) -> ApiResult<Out<api::F>> {";
        assert_eq!(
            params(body),
            (vec!["fiscal_year".into(), "keys".into()], false)
        );
        let raw = "pub fn g(state: State<'_, AppState>, request: Request<'_>) -> X {";
        assert_eq!(params(raw), (vec![], true));
    }
}

#[cfg(test)]
mod ipc_tests {
    //! Values of the contract's types, serialised as the UI sends them, go through
    //! Tauri's own IPC (the mock runtime) to the real commands: each is accepted (a
    //! result, or the command's own error object), never refused by Tauri as invalid
    //! arguments.
    use super::*;
    use cosabi_api::{self as api, Command, RawCommand};
    use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
    use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
    use tauri::webview::InvokeRequest;

    struct App {
        _dir: tempfile::TempDir,
        _app: tauri::App<MockRuntime>,
        window: tauri::WebviewWindow<MockRuntime>,
    }

    fn app() -> App {
        let dir = tempfile::tempdir().unwrap();
        let app = builder(mock_builder())
            .manage(AppState::open(dir.path()).unwrap())
            .build(mock_context(noop_assets()))
            .unwrap();
        let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        App {
            _dir: dir,
            _app: app,
            window,
        }
    }

    fn send(
        app: &App,
        cmd: &str,
        body: InvokeBody,
        headers: &[(&'static str, String)],
    ) -> Result<InvokeResponseBody, serde_json::Value> {
        let mut map = tauri::http::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        get_ipc_response(
            &app.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body,
                headers: map,
                invoke_key: tauri::test::INVOKE_KEY.to_string(),
            },
        )
    }

    /// The output, or the command's error code; panics when Tauri refused the call
    /// itself (its errors are strings, the commands' are `{ code, errors }`).
    fn answer<T: serde::de::DeserializeOwned>(
        name: &str,
        r: Result<InvokeResponseBody, serde_json::Value>,
    ) -> Result<T, String> {
        match r {
            Ok(body) => Ok(body.deserialize().unwrap_or_else(|e| {
                panic!("{name}: the answer is not the contract's output: {e}")
            })),
            Err(e) => Err(e
                .get("code")
                .and_then(|c| c.as_str())
                .unwrap_or_else(|| panic!("{name} refused by Tauri: {e}"))
                .to_string()),
        }
    }

    fn call<C: Command>(app: &App, c: &C) -> Result<C::Output, String> {
        let body = InvokeBody::Json(serde_json::to_value(c).unwrap());
        answer(C::NAME, send(app, C::NAME, body, &[]))
    }

    fn call_raw<C: RawCommand>(app: &App, c: &C, bytes: &[u8]) -> Result<C::Output, String> {
        let body = InvokeBody::Raw(bytes.to_vec());
        answer(C::NAME, send(app, C::NAME, body, &c.headers()))
    }

    #[test]
    fn contract_values_reach_the_commands() {
        let app = app();
        assert_eq!(call(&app, &api::GetClinic {}).unwrap(), None);
        let clinic = call(
            &app,
            &api::CreateClinic {
                input: cosabi_core::clinic::NewClinic {
                    clues: "VZIMB001234".into(),
                    name: "Centro de Salud Tlaquilpa".into(),
                    state: "VZ".into(),
                    municipality: "Tlaquilpa".into(),
                    locality: "Tlaquilpa".into(),
                    consultorios: 2,
                },
            },
        )
        .unwrap();
        assert_eq!(call(&app, &api::GetClinic {}).unwrap(), Some(clinic));
        // camelCase on the wire, snake_case in the shell.
        let page = call(
            &app,
            &api::GetPurchasePage {
                fiscal_year: 2026,
                filter: Default::default(),
                offset: 0,
                limit: 20,
            },
        )
        .unwrap();
        assert_eq!(page.total_count, 0);
        let photos = api::ListPhotos {
            owner_table: 4,
            owner: uuid::Uuid::from_u128(1),
        };
        assert!(call(&app, &photos).unwrap().is_empty());
        call(
            &app,
            &api::SetDraft {
                form: "purchase".into(),
                text: "{\"concept\":\"jabón\"}".into(),
            },
        )
        .unwrap();
        let draft = api::GetDraft {
            form: "purchase".into(),
        };
        assert_eq!(
            call(&app, &draft).unwrap().as_deref(),
            Some("{\"concept\":\"jabón\"}")
        );
        call(&app, &api::RestoreConflict { keys: Vec::new() }).unwrap();
        assert!(!call(&app, &api::SyncProgress {}).unwrap().running);
        let enroll = api::Enroll {
            server: " ".into(),
            code: "ABCD".into(),
            device_name: "Laptop".into(),
        };
        assert_eq!(call(&app, &enroll).unwrap_err(), "server_required");
        // Raw bodies with their headers: the commands' own refusals.
        assert_eq!(
            call_raw(&app, &api::ImportSyncFile, b"not a sync file").unwrap_err(),
            "invalid"
        );
        let read = api::ReadCfdiXml {
            purchase: Some(uuid::Uuid::from_u128(2)),
        };
        assert_eq!(call_raw(&app, &read, b"<nope").unwrap_err(), "invalid");
    }

    #[test]
    fn arguments_outside_the_contract_are_refused_by_tauri() {
        // The check above can fail: snake_case keys are not what Tauri reads.
        let app = app();
        let wrong = InvokeBody::Json(serde_json::json!({ "fiscal_year": 2026 }));
        let refused = send(&app, api::GetBalance::NAME, wrong, &[]).unwrap_err();
        assert!(refused.is_string(), "{refused}");
    }
}

#[cfg(test)]
mod demo_tests {
    //! Demo mode keeps the device's own replica out of reach: entering refuses a
    //! device that holds a clinic, and leaving removes only the demo's folder.
    use super::*;

    fn clinic() -> cosabi_core::clinic::NewClinic {
        cosabi_core::clinic::NewClinic {
            clues: "VZIMB001234".into(),
            name: "Centro de Salud Tlaquilpa".into(),
            state: "VZ".into(),
            municipality: "Tlaquilpa".into(),
            locality: "Tlaquilpa".into(),
            consultorios: 2,
        }
    }

    #[test]
    fn a_device_with_its_own_clinic_never_enters_demo_mode() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(dir.path()).unwrap();
        let mut r = state.replica.lock().unwrap();
        r.create_clinic(&clinic()).unwrap();
        let refused = state.enter_demo(&mut r).unwrap_err();
        assert_eq!(refused.code(), "clinic_exists");
        assert!(!state.is_demo());
        assert!(!dir.path().join(DEMO_DIR).exists());
        assert_eq!(r.clinic().unwrap().unwrap().clues, "VZIMB001234");
    }

    #[test]
    fn the_demo_lives_in_its_own_folder_until_it_is_left() {
        let dir = tempfile::tempdir().unwrap();
        {
            let state = AppState::open(dir.path()).unwrap();
            let mut r = state.replica.lock().unwrap();
            r.vault_mut()
                .set_pref(Preference::PrivacyAccepted.key(), "1")
                .unwrap();
            let demo = state.enter_demo(&mut r).unwrap();
            assert_eq!(r.clinic().unwrap().unwrap().id, demo.id);
            assert!(state.is_demo());
            // The choices made before the demo come along.
            assert_eq!(
                r.vault().pref(Preference::PrivacyAccepted.key()).as_deref(),
                Some("1")
            );
        }
        // A restart opens the demo again; the device's own replica holds no clinic.
        let state = AppState::open(dir.path()).unwrap();
        assert!(state.is_demo());
        let own = match Replica::open_device(&dir.path().join(DATABASE_FILE)).unwrap() {
            DeviceOpen::Open(r) => r,
            DeviceOpen::Locked(_) => panic!("the device's own replica is locked"),
        };
        assert!(own.clinic().unwrap().is_none());
        drop(own);
        let mut r = state.replica.lock().unwrap();
        r.vault_mut()
            .set_pref(Preference::Language.key(), "en")
            .unwrap();
        state.leave_demo(&mut r).unwrap();
        assert!(!state.is_demo());
        assert_eq!(
            r.vault().pref(Preference::Language.key()).as_deref(),
            Some("en")
        );
        assert!(r.clinic().unwrap().is_none());
        assert!(!dir.path().join(DEMO_DIR).exists());
        assert!(dir.path().join(DATABASE_FILE).exists());
        drop(r);
        assert!(!AppState::open(dir.path()).unwrap().is_demo());
    }
}
