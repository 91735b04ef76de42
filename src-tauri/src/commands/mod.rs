//! Tauri commands: one-line delegations to the replica.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use cosabi_core::clinic::{Clinic, NewClinic};
use cosabi_core::committee::{Member, NewMember};
use tauri::State;

pub mod actions;
pub mod assembly;

pub(crate) fn with_replica<T>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut cosabi_replica::Replica) -> cosabi_replica::Result<T>,
) -> ApiResult<T> {
    let mut replica = state.replica.lock().map_err(|_| ApiError {
        code: "storage".into(),
        errors: Vec::new(),
    })?;
    f(&mut replica).map_err(ApiError::from)
}

#[tauri::command]
pub fn get_clinic(state: State<'_, AppState>) -> ApiResult<Option<Clinic>> {
    with_replica(&state, |r| r.clinic())
}

#[tauri::command]
pub fn create_clinic(state: State<'_, AppState>, input: NewClinic) -> ApiResult<Clinic> {
    with_replica(&state, |r| r.create_clinic(&input))
}

#[tauri::command]
pub fn load_demo(state: State<'_, AppState>) -> ApiResult<Clinic> {
    with_replica(&state, |r| r.load_demo())
}

#[tauri::command]
pub fn list_members(state: State<'_, AppState>) -> ApiResult<Vec<Member>> {
    with_replica(&state, |r| r.members())
}

#[tauri::command]
pub fn add_member(state: State<'_, AppState>, input: NewMember) -> ApiResult<Member> {
    with_replica(&state, |r| r.add_member(&input))
}

#[tauri::command]
pub fn get_setting(state: State<'_, AppState>, key: String) -> ApiResult<Option<String>> {
    with_replica(&state, |r| r.setting(&key))
}

#[tauri::command]
pub fn set_setting(state: State<'_, AppState>, key: String, value: String) -> ApiResult<()> {
    with_replica(&state, |r| r.set_setting(&key, &value))
}

// Sync: the engine lives in cosabi-replica; the shell keeps the server address and
// the device token in the replica's local settings and never shows the token.

const SETTING_SERVER: &str = "sync.server";
const SETTING_TOKEN: &str = "sync.token";

/// What the UI shows about this device's enrollment.
#[derive(Debug, serde::Serialize)]
pub struct SyncStatus {
    pub server: Option<String>,
    pub enrolled: bool,
}

#[tauri::command]
pub fn sync_status(state: State<'_, AppState>) -> ApiResult<SyncStatus> {
    with_replica(&state, |r| {
        Ok(SyncStatus {
            server: r.setting(SETTING_SERVER)?,
            enrolled: r.setting(SETTING_TOKEN)?.is_some(),
        })
    })
}

/// Enrolls this device with the one-time code from the municipal office.
#[tauri::command]
pub async fn enroll(
    state: State<'_, AppState>,
    server: String,
    code: String,
    device_name: String,
) -> ApiResult<SyncStatus> {
    let server = server.trim().trim_end_matches('/').to_owned();
    let (site, local_clues) = {
        let r = state
            .replica
            .lock()
            .map_err(|_| ApiError::code("storage"))?;
        (r.site_id(), r.clinic()?.map(|c| c.clues))
    };
    let resp = cosabi_replica::client::enroll(&server, &code, &device_name, site)
        .await
        .map_err(|e| ApiError::code(&e.code()))?;
    if local_clues.is_some_and(|c| c != resp.clues) {
        return Err(ApiError::code("enroll_other_clinic"));
    }
    with_replica(&state, |r| {
        r.set_setting(SETTING_SERVER, &server)?;
        r.set_setting(SETTING_TOKEN, &resp.token)?;
        Ok(SyncStatus {
            server: Some(server.clone()),
            enrolled: true,
        })
    })
}

/// Syncs now: metadata first, then the photos this device holds.
#[tauri::command]
pub async fn sync_now(
    state: State<'_, AppState>,
) -> ApiResult<cosabi_replica::client::SyncProgress> {
    let (server, token) = {
        let r = state
            .replica
            .lock()
            .map_err(|_| ApiError::code("storage"))?;
        (r.setting(SETTING_SERVER)?, r.setting(SETTING_TOKEN)?)
    };
    let (Some(server), Some(token)) = (server, token) else {
        return Err(ApiError::code("not_enrolled"));
    };
    let progress = cosabi_replica::client::SyncClient::new(&server, &token)
        .sync(&state.replica, |_| {})
        .await
        .map_err(|e| ApiError::code(&e.code()))?;
    cosabi_replica::blob_client::BlobClient::new(&server, &token)
        .upload_pending(&state.replica, |_, _, _| {})
        .await
        .map_err(|e| ApiError::code(&e.code()))?;
    Ok(progress)
}

#[tauri::command]
pub fn list_conflicts(state: State<'_, AppState>) -> ApiResult<Vec<cosabi_replica::ConflictView>> {
    with_replica(&state, |r| r.conflicts())
}

#[tauri::command]
pub fn restore_conflict(
    state: State<'_, AppState>,
    key: cosabi_replica::ConflictKey,
) -> ApiResult<()> {
    with_replica(&state, |r| r.restore_conflict(&key))
}

#[tauri::command]
pub fn review_items(state: State<'_, AppState>) -> ApiResult<Vec<cosabi_replica::ReviewItem>> {
    with_replica(&state, |r| r.review_items())
}
