//! Commands for planned improvements (acciones de mejora). Reads need no sign-in;
//! proposing and following up needs `Permission::Action`, verifying
//! `Permission::VerifyAction` (the verifier is the signed-in member).

use super::Out;
use crate::commands::{with_replica, with_write};
use crate::error::ApiResult;
use crate::AppState;
use cosabi_api as api;
use cosabi_api::AgreementChoice;
use cosabi_core::access::Write;
use cosabi_core::actions::NewAction;
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub fn list_actions(state: State<'_, AppState>) -> ApiResult<Out<api::ListActions>> {
    with_replica(&state, |r| r.actions())
}

#[tauri::command]
pub fn create_action(
    state: State<'_, AppState>,
    input: NewAction,
) -> ApiResult<Out<api::CreateAction>> {
    with_write(&state, Write::CreateAction, |r| r.create_action(&input))
}

#[tauri::command]
pub fn update_action(
    state: State<'_, AppState>,
    id: Uuid,
    input: NewAction,
) -> ApiResult<Out<api::UpdateAction>> {
    with_write(&state, Write::UpdateAction, |r| r.update_action(id, &input))
}

#[tauri::command]
pub fn set_action_status(
    state: State<'_, AppState>,
    id: Uuid,
    status: String,
) -> ApiResult<Out<api::SetActionStatus>> {
    with_write(&state, Write::SetActionStatus, |r| {
        r.set_action_status(id, &status)
    })
}

/// Verifies a finished action in the name of the signed-in vocal or contralor(a).
#[tauri::command]
pub fn verify_action(state: State<'_, AppState>, id: Uuid) -> ApiResult<Out<api::VerifyAction>> {
    with_write(&state, Write::VerifyAction, |r| {
        let Some(member) = r.signed_in()? else {
            return Err(cosabi_replica::Error::SignInRequired);
        };
        r.verify_action(id, member.id)
    })
}

/// Every agreement of every assembly, newest assembly first.
#[tauri::command]
pub fn agreement_choices(state: State<'_, AppState>) -> ApiResult<Out<api::AgreementChoices>> {
    with_replica(&state, |r| {
        let mut out = Vec::new();
        for a in r.assemblies()? {
            for g in r.agreements(a.id)? {
                out.push(AgreementChoice {
                    agreement: g,
                    assembly_date: a.date.clone(),
                });
            }
        }
        Ok(out)
    })
}
