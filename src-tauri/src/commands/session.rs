//! Who is using the device, and opening it. The replica is encrypted at rest; while
//! a member's PIN has not opened it this run, the device is locked and only the lock
//! screen's commands answer. PINs stay on this device; the signed-in member becomes
//! the author of every change.

use super::with_replica;
use super::Out;
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use cosabi_api as api;
use cosabi_core::committee::{DeviceStatus, Member, PinSet};
use cosabi_core::ids::MemberId;
use cosabi_replica::{PinApproval, Replica};
use std::time::Instant;
use tauri::State;

#[tauri::command]
pub fn device_status(state: State<'_, AppState>) -> ApiResult<Out<api::GetDeviceStatus>> {
    state
        .with_vault(|v| {
            Ok(DeviceStatus {
                locked: v.is_locked(),
                keyholders: v.keyholders(),
                has_recovery: v.has_recovery(),
                demo: false,
            })
        })
        .map(|mut s| {
            s.locked = state.is_locked();
            s.demo = state.is_demo();
            s
        })
}

/// Opens the locked device with a member's PIN and signs them in.
#[tauri::command]
pub fn unlock(
    state: State<'_, AppState>,
    member: MemberId,
    pin: String,
) -> ApiResult<Out<api::Unlock>> {
    state
        .open_with(|path, vault| {
            Replica::unlock_device(path, vault, member, &pin, Instant::now())
                .map(|(r, m)| (r, Some(m)))
        })
        .and_then(|m| m.ok_or_else(|| ApiError::code("storage")))
}

/// Opens the locked device with its recovery code (nobody signed in); a PIN is then
/// set with the same code's approval.
#[tauri::command]
pub fn recover(state: State<'_, AppState>, code: String) -> ApiResult<Out<api::Recover>> {
    state
        .open_with(|path, vault| {
            Replica::recover_device(path, vault, &code, Instant::now()).map(|r| (r, None::<Member>))
        })
        .map(|_| ())
}

#[tauri::command]
pub fn members_with_pins(state: State<'_, AppState>) -> ApiResult<Out<api::MembersWithPins>> {
    with_replica(&state, |r| {
        r.members()?
            .into_iter()
            .map(|m| {
                let has = r.has_pin(m.id)?;
                Ok((m, has))
            })
            .collect()
    })
}

#[tauri::command]
pub fn sign_in(
    state: State<'_, AppState>,
    member: MemberId,
    pin: String,
) -> ApiResult<Out<api::SignIn>> {
    with_replica(&state, |r| r.sign_in(member, &pin))
}

/// Sets a member's PIN (with the approval the rules ask for) and signs them in.
#[tauri::command]
pub fn set_pin(
    state: State<'_, AppState>,
    member: MemberId,
    pin: String,
    approval: PinApproval,
) -> ApiResult<Out<api::SetPin>> {
    with_replica(&state, |r| {
        let recovery = r.set_pin(member, &pin, &approval)?;
        let member = r.sign_in(member, &pin)?;
        Ok(PinSet { member, recovery })
    })
}

/// A new recovery code (the old one stops working): the presidencia or the
/// contraloría social signed in.
#[tauri::command]
pub fn new_recovery_code(state: State<'_, AppState>) -> ApiResult<Out<api::NewRecoveryCode>> {
    with_replica(&state, |r| r.new_recovery_code())
}

#[tauri::command]
pub fn sign_out(state: State<'_, AppState>) -> ApiResult<Out<api::SignOut>> {
    with_replica(&state, |r| {
        r.sign_out();
        Ok(())
    })
}

#[tauri::command]
pub fn signed_in(state: State<'_, AppState>) -> ApiResult<Out<api::SignedIn>> {
    with_replica(&state, |r| r.signed_in())
}
