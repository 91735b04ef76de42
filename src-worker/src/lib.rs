//! cosabi-worker: the web build's host of the replica (issue 12).
//!
//! On a phone, Cosabi is the same Leptos UI served by the sync server at `/app`; the
//! replica cannot run beside it on the page (SQLite's OPFS files need a *dedicated
//! worker*'s synchronous access handles), so it runs here, in a Web Worker the page
//! starts (`src-ui/src/api/worker.rs`). `worker.js` loads this module, calls
//! [`open`] once, then [`handle`] for each message. What a command does is
//! `cosabi-host`'s, exactly as in the desktop shell: this crate only carries
//! messages in and answers out.
//!
//! The database and the replica's files live in the origin's private file system
//! through sqlite-wasm-vfs's SyncAccessHandle pool, in the folder [`OPFS_DIR`]. The
//! pool can be held by one worker at a time: a second tab of the app gets
//! `storage_busy` (the UI says to close the other one).
//!
//! Natively this crate is empty (it is built for wasm32 only).
#![cfg(target_arch = "wasm32")]

use cosabi_api::{ApiError, ApiResult};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The folder of the origin's private file system that holds the pool's files.
pub const OPFS_DIR: &str = "cosabi";
/// The app's data folder inside the pool (the desktop's app-data directory).
pub const DATA_DIR: &str = "/data";
/// Where the host writes documents, inside the pool.
pub const EXPORT_DIR: &str = "/exports";
/// A raw command's body at most (a 12-megapixel photo, a sync file): what the
/// contract bounds anyway, checked here before anything is copied.
const BODY_BYTES_MAX: u32 = 64 * 1024 * 1024;

thread_local! {
    static HOST: RefCell<Option<Rc<cosabi_host::Host>>> = const { RefCell::new(None) };
}

fn error_text(e: &ApiError) -> String {
    serde_json::to_string(e).unwrap_or_else(|_| r#"{"code":"unknown","errors":[]}"#.into())
}

fn code(code: &str) -> String {
    error_text(&ApiError::code(code))
}

/// Opens the replica: installs the OPFS pool as SQLite's VFS, then opens the data
/// folder as the desktop shell does. Fails with `storage_busy` when another tab
/// holds the pool, `storage` when OPFS is missing (an old browser, a private
/// window).
#[wasm_bindgen]
pub async fn open() -> Result<(), String> {
    console_error_panic_hook::set_once();
    let config = sqlite_wasm_vfs::sahpool::OpfsSAHPoolCfgBuilder::new()
        .directory(OPFS_DIR)
        .build();
    cosabi_replica::files::install_opfs(&config)
        .await
        .map_err(|e| match e {
            sqlite_wasm_vfs::sahpool::OpfsSAHError::NotSupported => code("no_worker"),
            // The pool's files are held by another worker: another tab of the app
            // (the browser's NoModificationAllowedError on createSyncAccessHandle).
            sqlite_wasm_vfs::sahpool::OpfsSAHError::Opfs { message, .. }
                if message.contains("NoModificationAllowed") =>
            {
                code("storage_busy")
            }
            _ => code("storage"),
        })?;
    let host = cosabi_host::Host::open(Path::new(DATA_DIR), Browser)
        .map_err(|e| error_text(&ApiError::from(e)))?;
    HOST.with_borrow_mut(|h| *h = Some(Rc::new(host)));
    Ok(())
}

/// What only the browser can do for the host.
struct Browser;

impl cosabi_host::Platform for Browser {
    fn export_dir(&self) -> PathBuf {
        PathBuf::from(EXPORT_DIR)
    }

    fn keeps_documents(&self) -> bool {
        true
    }

    /// A document as a Blob in this worker, offered to the page by its object URL
    /// (same origin, so the page can download it) with the file's name after `#`.
    /// It lasts as long as the worker (the page): a document is written again on
    /// request, from the records.
    fn keep_document(&self, name: &str, bytes: Vec<u8>) -> ApiResult<String> {
        let failed = |_| ApiError::code("export_failed");
        let mime = match name.rsplit_once('.').map(|(_, e)| e) {
            Some("pdf") => "application/pdf",
            Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Some("zip") => "application/zip",
            _ => "application/octet-stream",
        };
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
            .map_err(failed)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)?;
        Ok(format!("{url}#{name}"))
    }

    /// A page cannot hand a file to another program: the web UI downloads documents.
    fn open_document(&self, _file: &Path) -> ApiResult<()> {
        Err(ApiError::code("open_failed"))
    }

    /// The browser's download is the copy: no save dialog of the host's.
    fn choose_copy_path<'a>(
        &'a self,
        _file: &'a Path,
        _kind: &'a str,
        _title: &'a str,
    ) -> cosabi_host::PlatformFuture<'a, Option<PathBuf>> {
        Box::pin(async { None })
    }
}

fn field(message: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(message, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Answers one message from the page: `{ name, args }` (JSON text) or `{ name,
/// headers, body }` (a raw command). Returns the output's JSON text, or the error
/// object's.
#[wasm_bindgen]
pub async fn handle(message: JsValue) -> Result<String, String> {
    let host = HOST
        .with_borrow(|h| h.clone())
        .ok_or_else(|| code("storage"))?;
    let name = field(&message, "name")
        .as_string()
        .ok_or_else(|| code("unknown_command"))?;
    let body = field(&message, "body");
    let output = if body.is_undefined() {
        let args = field(&message, "args").as_string().unwrap_or_default();
        let args: serde_json::Value =
            serde_json::from_str(&args).map_err(|_| code("bad_arguments"))?;
        host.dispatch(&name, args).await
    } else {
        let body: js_sys::Uint8Array = body.dyn_into().map_err(|_| code("bad_arguments"))?;
        if body.length() > BODY_BYTES_MAX {
            return Err(code("too_large"));
        }
        let headers = field(&message, "headers");
        let header = |name: &str| field(&headers, name).as_string();
        host.dispatch_raw(&name, &header, body.to_vec()).await
    };
    let output = output.map_err(|e| error_text(&e))?;
    serde_json::to_string(&output).map_err(|_| code("unknown"))
}
