//! Typed calls for planned improvements (acciones de mejora).

use super::{call, ApiError};
use cosabi_api as c;
use cosabi_core::actions::{Action, NewAction};
use uuid::Uuid;

/// An agreement offered when choosing the one that approved an action.
pub use cosabi_api::AgreementChoice;

pub async fn list_actions() -> Result<Vec<Action>, ApiError> {
    call(&c::ListActions {}).await
}

pub async fn create_action(input: &NewAction) -> Result<Action, ApiError> {
    call(&c::CreateAction {
        input: input.clone(),
    })
    .await
}

pub async fn update_action(id: Uuid, input: &NewAction) -> Result<usize, ApiError> {
    call(&c::UpdateAction {
        id,
        input: input.clone(),
    })
    .await
}

/// Moves an action one step forward (not to `verificada`: see [`verify_action`]).
pub async fn set_action_status(id: Uuid, status: &str) -> Result<usize, ApiError> {
    call(&c::SetActionStatus {
        id,
        status: status.to_owned(),
    })
    .await
}

/// Verifies a finished action in the name of the signed-in member.
pub async fn verify_action(id: Uuid) -> Result<Action, ApiError> {
    call(&c::VerifyAction { id }).await
}

pub async fn agreement_choices() -> Result<Vec<AgreementChoice>, ApiError> {
    call(&c::AgreementChoices {}).await
}
