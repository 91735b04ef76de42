//! cosabi-host: the one host of the command contract (`cosabi-api`), used by the
//! desktop shell (`src-tauri`) and by the web build's dedicated worker alike.
//!
//! Main types:
//! - [`Host`]: what answers the UI's commands. It owns the replica of the device whose
//!   data folder it was opened on ([`Host::open`]), the key ring while the device is
//!   locked, whether the demo clinic is shown, and the live progress of a running
//!   sync. [`Host::dispatch`] (JSON commands) and [`Host::dispatch_raw`] (commands
//!   whose body is bytes) are the only entry points: a command's name and what the UI
//!   sent in, its output as JSON or an [`ApiError`] out.
//! - [`Platform`]: what only the platform can do (where documents go, opening one
//!   with the system's program, asking where a copy goes), given to the host when it
//!   is opened.
//!
//! Every command is an `impl Handle<api::…> for Host` (or `HandleRaw`) in the module
//! of its area (`clinic`, `session`, `sync`, `photos`, `money`, `views`, `reports`,
//! `assembly`, `actions`); the contract's `Commands` trait requires one for each of
//! its commands, so a command the host does not handle is a compile error. Every
//! command that changes the replica goes through one gate ([`Host::with_write`],
//! `Replica::gate`); `gate_tests` reads the handlers and fails if one writes
//! outside it.
//!
//! The futures are not `Send` (a web worker's never are) and no lock is held across
//! an `.await`, so `sync_progress` answers while `sync_now` runs. Compiles for wasm32;
//! what needs a file system outside the replica (the demo's folder, documents) is
//! `std::fs`, which fails there until the web build gives it a place (issue 12).

mod actions;
mod assembly;
mod clinic;
mod demo;
mod money;
mod photos;
mod platform;
mod reports;
mod session;
mod sync;
mod views;

pub use cosabi_api::{ApiError, ApiResult};
pub use platform::{Platform, PlatformFuture, PlatformSendSync};

use cosabi_core::access::Write;
use cosabi_core::views::LiveSync;
use cosabi_replica::{DeviceOpen, Replica, Vault};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// File name of the replica inside the data folder.
pub const DATABASE_FILE: &str = "cosabi.sqlite3";
/// Folder, inside the data folder, of the demo clinic's replica (its key ring and
/// photos beside it). It exists exactly while the device is in demo mode.
pub const DEMO_DIR: &str = "demo";

/// What command `C` of the contract returns.
pub(crate) type Out<C> = <C as cosabi_api::Command>::Output;
/// What raw command `C` of the contract returns.
pub(crate) type RawOut<C> = <C as cosabi_api::RawCommand>::Output;

/// The host of one device's replica: see the crate's documentation.
pub struct Host {
    /// The open replica; a placeholder in memory while the device is locked.
    replica: Mutex<Replica>,
    /// The key ring while the device is locked (`None` once a PIN opened it).
    locked: Mutex<Option<Vault>>,
    /// The data folder: the device's own replica is [`DATABASE_FILE`] in it, the demo
    /// clinic's is in [`DEMO_DIR`].
    dir: PathBuf,
    /// Whether the replica open is the demo clinic's.
    demo: AtomicBool,
    /// The running (or last) sync's progress, polled by the UI.
    sync: Mutex<LiveSync>,
    platform: Box<dyn Platform>,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("dir", &self.dir)
            .field("demo", &self.is_demo())
            .finish_non_exhaustive()
    }
}

impl Host {
    /// Opens the replica of the device whose data folder is `dir`: the demo clinic's
    /// while the device is in demo mode, else its own; open, or locked until a PIN.
    pub fn open(dir: &Path, platform: impl Platform + 'static) -> cosabi_replica::Result<Host> {
        let demo = cosabi_replica::replica_exists(&demo::database(dir))?;
        let path = if demo {
            demo::database(dir)
        } else {
            dir.join(DATABASE_FILE)
        };
        let (replica, locked) = open_device(&path)?;
        Ok(Host {
            replica: Mutex::new(replica),
            locked: Mutex::new(locked),
            dir: dir.to_path_buf(),
            demo: AtomicBool::new(demo),
            sync: Mutex::new(LiveSync::default()),
            platform: Box::new(platform),
        })
    }

    /// Runs JSON command `name` with `args`, the JSON object the UI sends (camelCase
    /// keys, as the contract's types serialise): its output as JSON, or
    /// `unknown_command`, `bad_arguments`, or the command's own error.
    pub async fn dispatch(
        &self,
        name: &str,
        args: serde_json::Value,
    ) -> ApiResult<serde_json::Value> {
        cosabi_api::dispatch(self, name, args).await
    }

    /// Runs raw command `name`: `header(name)` gives a request header (`x-…`,
    /// lowercase), `body` is the request's bytes.
    pub async fn dispatch_raw(
        &self,
        name: &str,
        header: &dyn Fn(&str) -> Option<String>,
        body: Vec<u8>,
    ) -> ApiResult<serde_json::Value> {
        cosabi_api::dispatch_raw(self, name, header, body).await
    }

    /// Whether the device shows the demo clinic.
    pub fn is_demo(&self) -> bool {
        self.demo.load(Ordering::SeqCst)
    }

    /// Whether the device waits for a PIN (a poisoned lock counts as locked).
    pub fn is_locked(&self) -> bool {
        self.locked.lock().map_or(true, |l| l.is_some())
    }

    /// The database file open now.
    fn path(&self) -> PathBuf {
        if self.is_demo() {
            demo::database(&self.dir)
        } else {
            self.dir.join(DATABASE_FILE)
        }
    }

    /// The open replica, locked for this call only; `locked` while the device waits
    /// for a PIN.
    fn replica(&self) -> ApiResult<std::sync::MutexGuard<'_, Replica>> {
        if self.is_locked() {
            return Err(ApiError::code("locked"));
        }
        self.replica.lock().map_err(|_| ApiError::code("storage"))
    }

    /// Runs `f` on the open replica; `locked` while the device waits for a PIN. The
    /// replica's lock is held while `f` runs and never across an `.await`.
    pub(crate) fn with_replica<T>(
        &self,
        f: impl FnOnce(&mut Replica) -> cosabi_replica::Result<T>,
    ) -> ApiResult<T> {
        let mut replica = self.replica()?;
        f(&mut replica).map_err(ApiError::from)
    }

    /// The one way a command writes: the replica's gate checks `w` against the member
    /// signed in (`cosabi_core::access`), then `f` runs. `gate_tests` proves that
    /// every command that writes goes through here.
    pub(crate) fn with_write<T>(
        &self,
        w: Write,
        f: impl FnOnce(&mut Replica) -> cosabi_replica::Result<T>,
    ) -> ApiResult<T> {
        self.with_replica(|r| {
            r.gate(w)?;
            f(r)
        })
    }

    /// Runs `f` on the key ring, wherever it is now.
    pub(crate) fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> cosabi_replica::Result<T>,
    ) -> ApiResult<T> {
        let mut locked = self.locked.lock().map_err(|_| ApiError::code("storage"))?;
        match locked.as_mut() {
            Some(v) => f(v).map_err(Into::into),
            None => {
                let mut r = self.replica.lock().map_err(|_| ApiError::code("storage"))?;
                f(r.vault_mut()).map_err(Into::into)
            }
        }
    }

    /// Opens the locked device with `open` (a PIN or the recovery code); on a
    /// refusal the key ring stays, with the try counted.
    pub(crate) fn open_with<T>(
        &self,
        open: impl FnOnce(&Path, Vault) -> Result<(Replica, T), cosabi_replica::Refused>,
    ) -> ApiResult<T> {
        let mut locked = self.locked.lock().map_err(|_| ApiError::code("storage"))?;
        let Some(vault) = locked.take() else {
            return Err(ApiError::code("not_locked"));
        };
        match open(&self.path(), vault) {
            Ok((replica, out)) => {
                *self.replica.lock().map_err(|_| ApiError::code("storage"))? = replica;
                Ok(out)
            }
            Err(refused) => {
                let (vault, e) = *refused;
                *locked = Some(vault);
                Err(e.into())
            }
        }
    }

    /// The demo clinic is fictional: it is never enrolled nor given another device's
    /// records, so leaving it can lose nothing real.
    pub(crate) fn refuse_in_demo(&self) -> ApiResult<()> {
        if self.is_demo() {
            return Err(ApiError::code("demo_mode"));
        }
        Ok(())
    }
}

/// A replica at `path`, with the key ring instead while it is locked.
fn open_device(path: &Path) -> cosabi_replica::Result<(Replica, Option<Vault>)> {
    Ok(match Replica::open_device(path)? {
        DeviceOpen::Open(r) => (r, None),
        DeviceOpen::Locked(v) => (Replica::open_in_memory()?, Some(v)),
    })
}

/// The bytes as a `data:` URL, for an `<img>` in the webview.
pub(crate) fn data_url(bytes: &[u8], mime: &str) -> String {
    use base64::Engine as _;
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod gate_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
