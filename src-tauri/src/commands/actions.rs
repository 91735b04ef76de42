//! Commands for planned improvements (acciones de mejora). Reads need no sign-in;
//! proposing and following up needs `Permission::Action`, verifying
//! `Permission::VerifyAction` (the verifier is the signed-in member).

use crate::commands::{with_replica, with_write};
use crate::error::ApiResult;
use crate::AppState;
use cosabi_core::access::Write;
use cosabi_core::actions::{Action, NewAction};
use cosabi_core::assembly::Agreement;
use serde::Serialize;
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub fn list_actions(state: State<'_, AppState>) -> ApiResult<Vec<Action>> {
    with_replica(&state, |r| r.actions())
}

#[tauri::command]
pub fn create_action(state: State<'_, AppState>, input: NewAction) -> ApiResult<Action> {
    with_write(&state, Write::CreateAction, |r| r.create_action(&input))
}

#[tauri::command]
pub fn update_action(state: State<'_, AppState>, id: Uuid, input: NewAction) -> ApiResult<usize> {
    with_write(&state, Write::UpdateAction, |r| r.update_action(id, &input))
}

#[tauri::command]
pub fn set_action_status(state: State<'_, AppState>, id: Uuid, status: String) -> ApiResult<usize> {
    with_write(&state, Write::SetActionStatus, |r| {
        r.set_action_status(id, &status)
    })
}

/// Verifies a finished action in the name of the signed-in vocal or contralor(a).
#[tauri::command]
pub fn verify_action(state: State<'_, AppState>, id: Uuid) -> ApiResult<Action> {
    with_write(&state, Write::VerifyAction, |r| {
        let Some(member) = r.signed_in()? else {
            return Err(cosabi_replica::Error::SignInRequired);
        };
        r.verify_action(id, member.id)
    })
}

/// An agreement as offered when choosing the one that approved an action.
#[derive(Debug, Serialize)]
pub struct AgreementChoice {
    pub agreement: Agreement,
    /// The assembly's date, ISO.
    pub assembly_date: String,
}

/// Every agreement of every assembly, newest assembly first.
#[tauri::command]
pub fn agreement_choices(state: State<'_, AppState>) -> ApiResult<Vec<AgreementChoice>> {
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
