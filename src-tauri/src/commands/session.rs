//! Who is using the device: PINs stay on this device; the signed-in member becomes
//! the author of every change.

use super::with_replica;
use crate::error::ApiResult;
use crate::AppState;
use cosabi_core::committee::Member;
use cosabi_core::ids::MemberId;
use tauri::State;

#[tauri::command]
pub fn members_with_pins(state: State<'_, AppState>) -> ApiResult<Vec<(Member, bool)>> {
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
pub fn sign_in(state: State<'_, AppState>, member: MemberId, pin: String) -> ApiResult<Member> {
    with_replica(&state, |r| r.sign_in(member, &pin))
}

#[tauri::command]
pub fn set_pin_and_sign_in(
    state: State<'_, AppState>,
    member: MemberId,
    pin: String,
) -> ApiResult<Member> {
    with_replica(&state, |r| {
        r.set_pin(member, &pin)?;
        r.sign_in(member, &pin)
    })
}

#[tauri::command]
pub fn sign_out(state: State<'_, AppState>) -> ApiResult<()> {
    with_replica(&state, |r| {
        r.sign_out();
        Ok(())
    })
}

#[tauri::command]
pub fn signed_in(state: State<'_, AppState>) -> ApiResult<Option<Member>> {
    with_replica(&state, |r| r.signed_in())
}
