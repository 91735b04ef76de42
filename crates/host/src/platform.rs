//! What only the platform can do, given to the [`crate::Host`] when it is opened: the
//! desktop shell does it with Tauri (the Downloads folder, the opener and dialog
//! plugins), the web worker will do it with the browser.
//!
//! The host keeps the rules around these calls: which files may be opened or copied
//! (only documents it wrote, in [`Platform::export_dir`]), the name a copy gets, and
//! that a copy is whole or absent. `open_document` and `save_document_as` are
//! commands of the host like the others, rather than commands the shell intercepts,
//! so the contract has one host and those rules are not the shell's to repeat.

use cosabi_api::ApiResult;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

/// A platform's answer that may take a while (a dialog the person answers).
pub type PlatformFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// `Send + Sync` where threads exist (the desktop shares the host between the
/// commands it runs on threads); nothing on wasm32, where a worker's values (its
/// JavaScript handles) are neither.
#[cfg(not(target_arch = "wasm32"))]
pub trait PlatformSendSync: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> PlatformSendSync for T {}
/// `Send + Sync` where threads exist; nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait PlatformSendSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> PlatformSendSync for T {}

/// What the host asks of the platform it runs on.
pub trait Platform: PlatformSendSync {
    /// Where documents and sync files are written for people to find (created when
    /// missing).
    fn export_dir(&self) -> PathBuf;

    /// Opens `file`, a document the host wrote, with the system's program for it.
    /// Errors are the platform's to log; the UI gets `open_failed`.
    fn open_document(&self, file: &Path) -> ApiResult<()>;

    /// Whether this platform keeps the documents the host writes itself (the browser,
    /// which has no folder a person can open: it offers them as downloads); the
    /// host then hands it each document's bytes ([`Platform::keep_document`])
    /// instead of writing a file in [`Platform::export_dir`].
    fn keeps_documents(&self) -> bool {
        false
    }

    /// Keeps document `name` (a file name the host made: `acta-<CLUES>-<date>.pdf`)
    /// for the person; returns what the UI is given as its path. Called only when
    /// [`Platform::keeps_documents`].
    fn keep_document(&self, name: &str, bytes: Vec<u8>) -> ApiResult<String> {
        let _ = (name, bytes);
        Err(cosabi_api::ApiError::code("export_failed"))
    }

    /// Asks the person where a copy of `file` goes (a document of kind `kind`, its
    /// lowercase extension), in a dialog titled `title`: the path chosen, or `None`
    /// when they cancelled. The host makes the copy.
    fn choose_copy_path<'a>(
        &'a self,
        file: &'a Path,
        kind: &'a str,
        title: &'a str,
    ) -> PlatformFuture<'a, Option<PathBuf>>;
}
