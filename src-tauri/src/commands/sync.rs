//! Sync: the engine lives in cosabi-replica; the shell keeps the server address and
//! the device token in the replica's local settings and never shows the token.
//! While a sync runs, its progress is kept in [`AppState`] and the UI polls it.

use super::photos::data_url;
use super::{with_replica, with_write};
use super::{Out, RawOut};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use cosabi_api as api;
use cosabi_api::{FileKey, ScannedCode};
use cosabi_core::access::Write;
use cosabi_core::protocol::EnrollmentPayload;
use cosabi_core::views::{LiveSync, SyncStatus};
use std::path::PathBuf;
use tauri::ipc::{InvokeBody, Request};
use tauri::State;

pub(crate) const SETTING_SERVER: &str = "sync.server";
use cosabi_replica::SETTING_SYNC_TOKEN as SETTING_TOKEN;

#[tauri::command]
pub fn sync_status(state: State<'_, AppState>) -> ApiResult<Out<api::GetSyncStatus>> {
    with_replica(&state, |r| {
        Ok(SyncStatus {
            server: r.setting(SETTING_SERVER)?,
            enrolled: r.setting(SETTING_TOKEN)?.is_some(),
            summary: r.sync_summary()?,
            device_name: r.device_name()?,
        })
    })
}

/// Names this device ("Laptop de la clínica"): the other devices show the name on
/// its side of a conflict.
#[tauri::command]
pub fn set_device_name(
    state: State<'_, AppState>,
    name: String,
) -> ApiResult<Out<api::SetDeviceName>> {
    with_write(&state, Write::Enroll, |r| {
        r.set_device_name(&name).map(|_| ())
    })
}

/// Changes the sync server's address (the municipal office moved it): someone who
/// may set up the committee, since the device's token goes to that address. An
/// `http(s)://` address of at most 200 characters, no control characters.
#[tauri::command]
pub fn set_sync_server(
    state: State<'_, AppState>,
    address: String,
) -> ApiResult<Out<api::SetSyncServer>> {
    let address = address.trim().trim_end_matches('/').to_owned();
    let ok = (address.starts_with("http://") || address.starts_with("https://"))
        && address.len() <= cosabi_core::settings::SERVER_HINT_MAX
        && !address.chars().any(char::is_control);
    if !ok {
        return Err(ApiError::code("server_invalid"));
    }
    with_write(&state, Write::Enroll, |r| {
        r.set_setting(SETTING_SERVER, &address)
    })
}

/// The server address and this device's token, or `not_enrolled`.
pub(crate) fn server_and_token(state: &State<'_, AppState>) -> ApiResult<(String, String)> {
    let (server, token) = with_replica(state, |r| {
        Ok((r.setting(SETTING_SERVER)?, r.setting(SETTING_TOKEN)?))
    })?;
    match (server, token) {
        (Some(s), Some(t)) => Ok((s, t)),
        _ => Err(ApiError::code("not_enrolled")),
    }
}

/// Enrolls this device with the one-time code from the municipal office.
#[tauri::command]
pub async fn enroll(
    state: State<'_, AppState>,
    server: String,
    code: String,
    device_name: String,
) -> ApiResult<Out<api::Enroll>> {
    super::refuse_in_demo(&state)?;
    let server = server.trim().trim_end_matches('/').to_owned();
    if server.is_empty() {
        return Err(ApiError::code("server_required"));
    }
    let device_name = device_name.trim().to_owned();
    let local_clues = with_write(&state, Write::Enroll, |r| Ok(r.clinic()?.map(|c| c.clues)))?;
    // Sends the device's key (so the server can check its changes relayed by
    // others) and, if this folder is a copy of an enrolled one, moves its writes to
    // a fresh site first.
    let resp = cosabi_replica::client::enroll_replica(&server, &code, &device_name, &state.replica)
        .await
        .map_err(|e| ApiError::code(&e.code()))?;
    if local_clues.is_some_and(|c| c != resp.clues) {
        return Err(ApiError::code("enroll_other_clinic"));
    }
    with_replica(&state, |r| {
        r.set_setting(SETTING_SERVER, &server)?;
        r.set_setting(SETTING_TOKEN, &resp.token)?;
        // The name the office's list shows is the one the committee's devices show.
        if !device_name.is_empty() {
            r.set_device_name(&device_name)?;
        }
        Ok(())
    })?;
    sync_status(state)
}

/// Reads the enrollment QR code from a photo or image file (raw request body).
#[tauri::command]
pub fn read_enrollment_qr(request: Request<'_>) -> ApiResult<RawOut<api::ReadEnrollmentQr>> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::code("invalid"));
    };
    let text =
        cosabi_replica::imaging::decode_qr(bytes)?.ok_or_else(|| ApiError::code("qr_not_found"))?;
    let p = EnrollmentPayload::parse(&text).ok_or_else(|| ApiError::code("qr_not_enrollment"))?;
    Ok(ScannedCode {
        code: p.code,
        server: p.server,
    })
}

fn update(state: &AppState, f: impl FnOnce(&mut LiveSync)) {
    if let Ok(mut p) = state.sync.lock() {
        f(&mut p);
    }
}

#[tauri::command]
pub fn sync_progress(state: State<'_, AppState>) -> Out<api::SyncProgress> {
    state.sync.lock().map(|p| p.clone()).unwrap_or_default()
}

/// Syncs now: metadata first, then the photos this device holds. One at a time.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> ApiResult<Out<api::SyncNow>> {
    with_write(&state, Write::ReceiveChanges, |_| Ok(()))?;
    let (server, token) = server_and_token(&state)?;
    {
        let mut p = state.sync.lock().map_err(|_| ApiError::code("storage"))?;
        if p.running {
            return Err(ApiError::code("sync_running"));
        }
        *p = LiveSync {
            running: true,
            phase: "metadata".into(),
            ..LiveSync::default()
        };
    }
    let result = run_sync(&state, &server, &token).await;
    update(&state, |p| p.running = false);
    result?;
    Ok(sync_progress(state))
}

async fn run_sync(state: &State<'_, AppState>, server: &str, token: &str) -> ApiResult<()> {
    cosabi_replica::client::SyncClient::new(server, token)
        .sync(&state.replica, |p| {
            update(state, |l| {
                l.changes_up = p.changes_up;
                l.changes_down = p.changes_down;
                l.bytes_up = p.bytes_up;
                l.bytes_down = p.bytes_down;
            })
        })
        .await
        .map_err(|e| ApiError::code(&e.code()))?;
    let pending = with_replica(state, |r| r.blobs_to_upload())?;
    update(state, |l| {
        l.phase = "photos".into();
        l.photos_total = pending.len() as u64;
    });
    let mut current = String::new();
    cosabi_replica::blob_client::BlobClient::new(server, token)
        .upload_pending(&state.replica, |sha, sent, total| {
            if current != sha {
                if !current.is_empty() {
                    update(state, |l| l.photos_done += 1);
                }
                current = sha.to_owned();
            }
            update(state, |l| {
                l.photo_bytes = sent;
                l.photo_bytes_total = total;
            })
        })
        .await
        .map_err(|e| ApiError::code(&e.code()))?;
    update(state, |l| l.photos_done = l.photos_total);
    Ok(())
}

/// Where exported sync files go: `COSABI_EXPORT_DIR`, else the Downloads folder,
/// else the data folder.
pub(crate) fn export_dir<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> PathBuf {
    use tauri::Manager;
    if let Some(d) = std::env::var_os("COSABI_EXPORT_DIR") {
        return PathBuf::from(d);
    }
    app.path()
        .download_dir()
        .or_else(|_| app.path().app_data_dir())
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// Writes everything this replica holds to a sync file (for a USB stick or a
/// messaging app when there is no server); returns the file's path.
#[tauri::command]
pub fn export_sync_file<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> ApiResult<Out<api::ExportSyncFile>> {
    let (bytes, clues) = with_write(&state, Write::ExportDocument, |r| {
        let clues = r.clinic()?.map(|c| c.clues).unwrap_or_default();
        Ok((r.export_sync_file(&Default::default())?, clues))
    })?;
    let dir = export_dir(&app);
    std::fs::create_dir_all(&dir).map_err(|_| ApiError::code("export_failed"))?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let path = dir.join(format!("cosabi-{clues}-{stamp}.cosabi"));
    std::fs::write(&path, bytes).map_err(|_| ApiError::code("export_failed"))?;
    Ok(path.display().to_string())
}

/// Imports a sync file chosen by the person (raw request body).
#[tauri::command]
pub fn import_sync_file(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> ApiResult<RawOut<api::ImportSyncFile>> {
    super::refuse_in_demo(&state)?;
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::code("invalid"));
    };
    with_write(&state, Write::ReceiveChanges, |r| r.import_sync_file(bytes))
}

/// The clinic's sync-file key, to enter on another device (made now on a device that
/// holds a clinic created offline and has none). Whoever has it can seal files for
/// the clinic, so it is shown only to someone who may set up the committee.
#[tauri::command]
pub fn sync_file_key(state: State<'_, AppState>) -> ApiResult<Out<api::GetSyncFileKey>> {
    // Whoever may set the key may see it.
    with_replica(&state, |r| {
        r.gate(Write::SetSyncFileKey)?;
        r.sync_file_key()?
            .map(|k| {
                Ok(FileKey {
                    qr: data_url(&k.qr_png()?, "image/png"),
                    text: k.text,
                })
            })
            .transpose()
    })
}

/// Takes the clinic's sync-file key, typed or read from another device's QR code.
#[tauri::command]
pub fn set_sync_file_key(
    state: State<'_, AppState>,
    key: String,
) -> ApiResult<Out<api::SetSyncFileKey>> {
    with_write(&state, Write::SetSyncFileKey, |r| r.set_sync_file_key(&key))
}

/// Reads a sync-file key QR code from a photo or image file (raw request body), for
/// the person to check and save.
#[tauri::command]
pub fn read_sync_file_key_qr(request: Request<'_>) -> ApiResult<RawOut<api::ReadSyncFileKeyQr>> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::code("invalid"));
    };
    let text =
        cosabi_replica::imaging::decode_qr(bytes)?.ok_or_else(|| ApiError::code("qr_not_found"))?;
    let key = cosabi_replica::SyncFileKey::parse(&text)
        .ok_or_else(|| ApiError::code("qr_not_file_key"))?;
    Ok(key.text)
}
