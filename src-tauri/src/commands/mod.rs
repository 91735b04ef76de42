//! Tauri commands: one-line delegations to the replica.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use cosabi_api as api;
use cosabi_core::access::Write;
use cosabi_core::clinic::NewClinic;
use cosabi_core::committee::NewMember;
use cosabi_core::ids::MemberId;
use cosabi_core::settings::{check_draft, draft_key, Preference};
use tauri::State;

/// What command `C` of the contract (`cosabi-api`) returns. Every command's result
/// is written `Out<api::…>` (or `RawOut`), so the compiler holds the shell to the
/// contract the UI reads; `lib.rs`'s `contract_tests` check names and parameters.
pub(crate) type Out<C> = <C as cosabi_api::Command>::Output;
/// What raw-body command `C` of the contract returns.
pub(crate) type RawOut<C> = <C as cosabi_api::RawCommand>::Output;

pub mod actions;
pub mod assembly;
pub mod money;
pub mod photos;
pub mod reports;
pub mod session;
pub mod sync;
pub mod views;

/// Runs `f` on the open replica; `locked` while the device waits for a PIN.
pub(crate) fn with_replica<T>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&mut cosabi_replica::Replica) -> cosabi_replica::Result<T>,
) -> ApiResult<T> {
    if state.is_locked() {
        return Err(ApiError::code("locked"));
    }
    let mut replica = state.replica.lock().map_err(|_| ApiError {
        code: "storage".into(),
        errors: Vec::new(),
    })?;
    f(&mut replica).map_err(ApiError::from)
}

/// The one way a command writes: the replica's gate checks `w` against the member
/// signed in (`cosabi_core::access`), then `f` runs. A test in `lib.rs` proves that
/// every command that writes goes through here.
pub(crate) fn with_write<T>(
    state: &State<'_, AppState>,
    w: Write,
    f: impl FnOnce(&mut cosabi_replica::Replica) -> cosabi_replica::Result<T>,
) -> ApiResult<T> {
    with_replica(state, |r| {
        r.gate(w)?;
        f(r)
    })
}

#[tauri::command]
pub fn get_clinic(state: State<'_, AppState>) -> ApiResult<Out<api::GetClinic>> {
    with_replica(&state, |r| r.clinic())
}

#[tauri::command]
pub fn create_clinic(
    state: State<'_, AppState>,
    input: NewClinic,
) -> ApiResult<Out<api::CreateClinic>> {
    with_write(&state, Write::CreateClinic, |r| r.create_clinic(&input))
}

/// Shows the demo clinic, from its own folder (the device's replica stays empty).
#[tauri::command]
pub fn load_demo(state: State<'_, AppState>) -> ApiResult<Out<api::LoadDemo>> {
    with_write(&state, Write::LoadDemo, |r| state.enter_demo(r))
}

/// Leaves demo mode: back to the first screen, with the demo's records gone.
#[tauri::command]
pub fn leave_demo(state: State<'_, AppState>) -> ApiResult<Out<api::LeaveDemo>> {
    if !state.is_demo() {
        return Err(ApiError::code("not_demo"));
    }
    with_write(&state, Write::LeaveDemo, |r| state.leave_demo(r))
}

/// The demo clinic is fictional: it is never enrolled nor given another device's
/// records, so leaving it can lose nothing real.
pub(crate) fn refuse_in_demo(state: &State<'_, AppState>) -> ApiResult<()> {
    if state.is_demo() {
        return Err(ApiError::code("demo_mode"));
    }
    Ok(())
}

#[tauri::command]
pub fn list_members(state: State<'_, AppState>) -> ApiResult<Out<api::ListMembers>> {
    with_replica(&state, |r| r.members())
}

#[tauri::command]
pub fn add_member(state: State<'_, AppState>, input: NewMember) -> ApiResult<Out<api::AddMember>> {
    with_write(&state, Write::AddMember, |r| r.add_member(&input))
}

#[tauri::command]
pub fn update_member(
    state: State<'_, AppState>,
    member: MemberId,
    input: NewMember,
) -> ApiResult<Out<api::UpdateMember>> {
    with_write(&state, Write::UpdateMember, |r| {
        r.update_member(member, &input)
    })
}

/// Ends `member`'s term on `on` (dd/mm/aaaa).
#[tauri::command]
pub fn end_term(
    state: State<'_, AppState>,
    member: MemberId,
    on: String,
) -> ApiResult<Out<api::EndTerm>> {
    with_write(&state, Write::UpdateMember, |r| r.end_term(member, &on))
}

/// Seats `input` in `member`'s place: `member`'s term ends the day before.
#[tauri::command]
pub fn replace_member(
    state: State<'_, AppState>,
    member: MemberId,
    input: NewMember,
) -> ApiResult<Out<api::ReplaceMember>> {
    with_write(&state, Write::ReplaceMember, |r| {
        r.replace_member(member, &input)
    })
}

/// A device preference by name (language, privacy notice, server hint). The
/// language and the notice live in the key ring, readable on the lock screen.
#[tauri::command]
pub fn get_preference(
    state: State<'_, AppState>,
    name: Preference,
) -> ApiResult<Out<api::GetPreference>> {
    if name.before_sign_in() {
        return state.with_vault(|v| Ok(v.pref(name.key())));
    }
    with_replica(&state, |r| r.setting(name.key()))
}

#[tauri::command]
pub fn set_preference(
    state: State<'_, AppState>,
    name: Preference,
    value: String,
) -> ApiResult<Out<api::SetPreference>> {
    let value = name
        .check(&value)
        .map_err(|e| ApiError::from(cosabi_replica::Error::from(e)))?;
    if name.before_sign_in() {
        return state.with_vault(|v| v.set_pref(name.key(), &value));
    }
    with_replica(&state, |r| r.set_setting(name.key(), &value))
}

/// What was typed in a form and not yet saved (in the encrypted replica).
#[tauri::command]
pub fn get_draft(state: State<'_, AppState>, form: String) -> ApiResult<Out<api::GetDraft>> {
    let key = draft_key(&form).map_err(|e| ApiError::from(cosabi_replica::Error::from(e)))?;
    with_replica(&state, |r| r.setting(&key))
}

#[tauri::command]
pub fn set_draft(
    state: State<'_, AppState>,
    form: String,
    text: String,
) -> ApiResult<Out<api::SetDraft>> {
    let key = draft_key(&form).map_err(|e| ApiError::from(cosabi_replica::Error::from(e)))?;
    check_draft(&text).map_err(|e| ApiError::from(cosabi_replica::Error::from(e)))?;
    with_replica(&state, |r| r.set_setting(&key, &text))
}

#[tauri::command]
pub fn list_conflicts(state: State<'_, AppState>) -> ApiResult<Out<api::ListConflicts>> {
    with_replica(&state, |r| r.conflicts())
}

#[tauri::command]
pub fn review_items(state: State<'_, AppState>) -> ApiResult<Out<api::ReviewItems>> {
    with_replica(&state, |r| r.review_items())
}
