//! Read models for the screens: a record's history and the conflicts inbox, with
//! people's names and values ready to show (money as money, members by name).

use super::with_replica;
use super::Out;
use crate::error::ApiResult;
use crate::AppState;
use cosabi_api as api;
use cosabi_core::access::Write;
use cosabi_replica::ConflictKey;
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub fn record_history(
    state: State<'_, AppState>,
    table: u16,
    row: Uuid,
) -> ApiResult<Out<api::RecordHistory>> {
    with_replica(&state, |r| r.record_history(table, row))
}

#[tauri::command]
pub fn conflict_items(state: State<'_, AppState>) -> ApiResult<Out<api::ConflictItems>> {
    with_replica(&state, |r| r.conflict_items())
}

/// Keeps the other values of one conflicting write (new writes, synced like any
/// other), all in one go.
#[tauri::command]
pub fn restore_conflict(
    state: State<'_, AppState>,
    keys: Vec<ConflictKey>,
) -> ApiResult<Out<api::RestoreConflict>> {
    with_replica(&state, |r| {
        for key in &keys {
            r.gate(Write::RestoreConflict { table: key.table })?;
        }
        for key in &keys {
            r.restore_conflict(key)?;
        }
        Ok(())
    })
}

/// Keeps the value the merge kept ("Dejar este valor"): the conflict is marked
/// resolved on every device, and the other value stays in the history.
#[tauri::command]
pub fn dismiss_conflict(
    state: State<'_, AppState>,
    keys: Vec<ConflictKey>,
) -> ApiResult<Out<api::DismissConflict>> {
    with_replica(&state, |r| {
        for key in &keys {
            r.gate(Write::RestoreConflict { table: key.table })?;
        }
        for key in &keys {
            r.dismiss_conflict(key)?;
        }
        Ok(())
    })
}

/// Inicio: the year's money, agreements due soon, the next assembly, sync state.
#[tauri::command]
pub fn dashboard(
    state: State<'_, AppState>,
    fiscal_year: i32,
) -> ApiResult<Out<api::GetDashboard>> {
    let today = chrono::Local::now().date_naive();
    with_replica(&state, |r| r.dashboard(fiscal_year, today))
}
