//! Tauri commands: one-line delegations to the replica.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use cosabi_core::clinic::{Clinic, NewClinic};
use cosabi_core::committee::{Member, NewMember};
use tauri::State;

pub mod actions;
pub mod assembly;
pub mod money;
pub mod photos;
pub mod reports;
pub mod session;
pub mod sync;
pub mod views;

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
    with_replica(&state, |r| {
        r.require(cosabi_core::committee::Permission::Committee)?;
        r.add_member(&input)
    })
}

#[tauri::command]
pub fn get_setting(state: State<'_, AppState>, key: String) -> ApiResult<Option<String>> {
    with_replica(&state, |r| r.setting(&key))
}

#[tauri::command]
pub fn set_setting(state: State<'_, AppState>, key: String, value: String) -> ApiResult<()> {
    with_replica(&state, |r| r.set_setting(&key, &value))
}

#[tauri::command]
pub fn list_conflicts(state: State<'_, AppState>) -> ApiResult<Vec<cosabi_replica::ConflictView>> {
    with_replica(&state, |r| r.conflicts())
}

#[tauri::command]
pub fn review_items(state: State<'_, AppState>) -> ApiResult<Vec<cosabi_replica::ReviewItem>> {
    with_replica(&state, |r| r.review_items())
}
