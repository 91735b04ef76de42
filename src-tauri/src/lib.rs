//! cosabi-app: the Tauri v2 shell around the Leptos UI.
//!
//! The shell only delegates: every command the UI sends reaches [`invoke`], the one
//! invoke handler, which hands its name and its JSON arguments (or its `x-…` headers
//! and raw body) to the [`cosabi_host::Host`] and answers with the host's output or
//! its `{ code, errors }` object. The host holds the replica and every command's
//! logic, the same code the web build runs in a worker; what only the desktop can do
//! (the Downloads folder, the system's program for a PDF, the save dialog) is
//! [`platform::Desktop`], given to the host when it opens.

mod platform;

use cosabi_host::{ApiError, Host};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::ipc::{Invoke, InvokeBody};
use tauri::{Manager, Runtime};

/// Where the replica lives: `COSABI_DATA_DIR` if set, else the platform's app-data
/// directory (on Linux `$XDG_DATA_HOME/mx.cosabi.app`).
fn data_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os("COSABI_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?)
}

/// Builds the app with its one command handler; `run` and the tests share it.
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(invoke)
}

/// Opens the host of the device whose data folder is `dir`, for `app`'s window.
pub fn open_host<R: Runtime>(
    app: &tauri::AppHandle<R>,
    dir: &std::path::Path,
) -> cosabi_replica::Result<Arc<Host>> {
    let platform = platform::Desktop::new(app.clone());
    Ok(Arc::new(Host::open(dir, platform)?))
}

/// The one invoke handler: every command of the contract, by name, to the host.
///
/// Each call runs on a thread of the blocking pool, where it drives the host's
/// future to its end (`block_on`): the host's futures need not be `Send` (a web
/// worker's are not), the window's thread never waits for the replica or a dialog,
/// and a long command (`sync_now`, an expediente) holds one thread while the others,
/// `sync_progress` among them, keep answering. A name outside the contract is the
/// host's `unknown_command`, so the UI always gets `{ code, errors }`.
fn invoke<R: Runtime>(invoke: Invoke<R>) -> bool {
    let Invoke {
        message, resolver, ..
    } = invoke;
    let Some(host) = message.webview_ref().try_state::<Arc<Host>>() else {
        // Only before `setup` has opened the replica.
        resolver.reject(ApiError::code("storage"));
        return true;
    };
    let host = Arc::clone(&host);
    let name = message.command().to_owned();
    let headers = message.headers().clone();
    let body = message.payload().clone();
    tauri::async_runtime::spawn_blocking(move || {
        let answer = tauri::async_runtime::block_on(async {
            match body {
                InvokeBody::Json(args) => host.dispatch(&name, args).await,
                InvokeBody::Raw(bytes) => {
                    let header = |h: &str| {
                        headers
                            .get(h)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    host.dispatch_raw(&name, &header, bytes).await
                }
            }
        });
        match answer {
            Ok(output) => resolver.resolve(output),
            Err(e) => resolver.reject(e),
        }
    });
    true
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    builder(tauri::Builder::default())
        // The system's save dialog, for "Guardar una copia" (platform::Desktop).
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let dir = data_dir(app)?;
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create the data folder {}: {e}", dir.display()))?;
            let host = open_host(app.handle(), &dir)?;
            app.manage(host);
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running the Cosabi app");
}

#[cfg(test)]
mod ipc_tests {
    //! The contract (`cosabi-api`) through Tauri's own IPC (the mock runtime) to the
    //! host: every name of the contract reaches it, values of the contract's types
    //! are read as the UI sends them, and arguments outside the contract are refused.
    use super::*;
    use cosabi_api::{self as api, Command, RawCommand};
    use tauri::ipc::{CallbackFn, InvokeResponseBody};
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
            .build(mock_context(noop_assets()))
            .unwrap();
        app.manage(open_host(app.handle(), dir.path()).unwrap());
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
    /// itself (its errors are strings, the host's are `{ code, errors }`).
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
    fn every_command_of_the_contract_reaches_the_host() {
        // Arguments no command takes (a string, not an object): each name the
        // contract declares is known to the host and refused for its arguments, before
        // anything runs; a name the host does not know would say `unknown_command`.
        let app = app();
        for (name, _) in api::ALL.iter().chain(api::RAW) {
            let body = InvokeBody::Json(serde_json::json!("not the arguments"));
            let code = answer::<serde_json::Value>(name, send(&app, name, body, &[]));
            assert_eq!(
                code.unwrap_err(),
                api::BAD_ARGUMENTS,
                "{name} did not reach the host's command"
            );
        }
        let body = InvokeBody::Json(serde_json::json!({}));
        let unknown = answer::<serde_json::Value>("x", send(&app, "export_database", body, &[]));
        assert_eq!(unknown.unwrap_err(), api::UNKNOWN_COMMAND);
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
        // Without its headers a raw command does not run.
        assert_eq!(
            answer::<serde_json::Value>(
                "attach_photo",
                send(&app, "attach_photo", InvokeBody::Raw(vec![1]), &[])
            )
            .unwrap_err(),
            api::BAD_ARGUMENTS
        );
    }

    #[test]
    fn arguments_outside_the_contract_are_refused() {
        // The checks above can fail: snake_case keys are not what the host reads.
        let app = app();
        let wrong = InvokeBody::Json(serde_json::json!({ "fiscal_year": 2026 }));
        let refused = answer::<serde_json::Value>(
            api::GetBalance::NAME,
            send(&app, api::GetBalance::NAME, wrong, &[]),
        );
        assert_eq!(refused.unwrap_err(), api::BAD_ARGUMENTS);
    }
}
