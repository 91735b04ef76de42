//! Typed calls for planned improvements (acciones de mejora).

use super::{invoke, ApiError, Input, NoArgs};
use cosabi_core::actions::{Action, NewAction};
use cosabi_core::assembly::Agreement;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Serialize)]
struct Id {
    id: Uuid,
}

#[derive(Serialize)]
struct IdInput<'a> {
    id: Uuid,
    input: &'a NewAction,
}

#[derive(Serialize)]
struct Status<'a> {
    id: Uuid,
    status: &'a str,
}

/// An agreement offered when choosing the one that approved an action.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AgreementChoice {
    pub agreement: Agreement,
    /// The assembly's date, ISO.
    pub assembly_date: String,
}

pub async fn list_actions() -> Result<Vec<Action>, ApiError> {
    invoke("list_actions", &NoArgs {}).await
}

pub async fn create_action(input: &NewAction) -> Result<Action, ApiError> {
    invoke("create_action", &Input { input }).await
}

pub async fn update_action(id: Uuid, input: &NewAction) -> Result<usize, ApiError> {
    invoke("update_action", &IdInput { id, input }).await
}

/// Moves an action one step forward (not to `verificada`: see [`verify_action`]).
pub async fn set_action_status(id: Uuid, status: &str) -> Result<usize, ApiError> {
    invoke("set_action_status", &Status { id, status }).await
}

/// Verifies a finished action in the name of the signed-in member.
pub async fn verify_action(id: Uuid) -> Result<Action, ApiError> {
    invoke("verify_action", &Id { id }).await
}

pub async fn agreement_choices() -> Result<Vec<AgreementChoice>, ApiError> {
    invoke("agreement_choices", &NoArgs {}).await
}
