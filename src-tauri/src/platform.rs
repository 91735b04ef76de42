//! What only the desktop can do for the host: where documents go, opening one with
//! the system's program (the opener plugin), and the system's save dialog (the
//! dialog plugin) for "Guardar una copia".

use cosabi_host::{ApiError, ApiResult, Platform, PlatformFuture};
use std::path::{Path, PathBuf};
use tauri::{Manager, Runtime};

/// The desktop platform of the app whose handle it holds.
pub struct Desktop<R: Runtime> {
    app: tauri::AppHandle<R>,
}

impl<R: Runtime> Desktop<R> {
    pub fn new(app: tauri::AppHandle<R>) -> Self {
        Desktop { app }
    }
}

impl<R: Runtime> Platform for Desktop<R> {
    /// `COSABI_EXPORT_DIR`, else the Downloads folder, else the data folder.
    fn export_dir(&self) -> PathBuf {
        if let Some(d) = std::env::var_os("COSABI_EXPORT_DIR") {
            return PathBuf::from(d);
        }
        self.app
            .path()
            .download_dir()
            .or_else(|_| self.app.path().app_data_dir())
            .unwrap_or_else(|_| PathBuf::from("."))
    }

    fn open_document(&self, file: &Path) -> ApiResult<()> {
        tauri_plugin_opener::open_path(file.display().to_string(), None::<&str>).map_err(|e| {
            eprintln!("cosabi: open {}: {e}", file.display());
            ApiError::code("open_failed")
        })
    }

    /// The dialog blocks the calling thread until the person answers: the shell runs
    /// every command on the blocking pool, never on the window's thread.
    fn choose_copy_path<'a>(
        &'a self,
        file: &'a Path,
        kind: &'a str,
        title: &'a str,
    ) -> PlatformFuture<'a, Option<PathBuf>> {
        use tauri_plugin_dialog::DialogExt;
        Box::pin(async move {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut dialog = self
                .app
                .dialog()
                .file()
                .set_title(title)
                .set_file_name(name)
                .add_filter(kind.to_ascii_uppercase(), &[kind]);
            if let Some(dir) = file.parent() {
                dialog = dialog.set_directory(dir);
            }
            let chosen = dialog.blocking_save_file()?;
            match chosen.into_path() {
                Ok(path) => Some(path),
                Err(e) => {
                    eprintln!("cosabi: the save dialog gave no path: {e}");
                    None
                }
            }
        })
    }
}
