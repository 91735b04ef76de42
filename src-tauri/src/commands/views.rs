//! Read models for the screens: a record's history and the conflicts inbox, with
//! people's names and values ready to show (money as money, members by name).

use super::with_replica;
use crate::error::ApiResult;
use crate::AppState;
use cosabi_core::access::Write;
use cosabi_core::views::{ConflictField, ConflictItem, HistoryEntry};
use cosabi_replica::{value_for_people, ConflictKey, Replica};
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub fn record_history(
    state: State<'_, AppState>,
    table: u16,
    row: Uuid,
) -> ApiResult<Vec<HistoryEntry>> {
    with_replica(&state, |r| r.record_history(table, row))
}

/// A short label for a row: its first text column that names it.
fn record_label(r: &Replica, table: &str, row: Uuid) -> String {
    let column = match table {
        "purchase" => "concept",
        "member" => "name",
        "action" => "description",
        "agreement" => "text",
        "assembly" => "date",
        "card_movement" => "date",
        "receipt" => "folio_fiscal",
        "clinic" => "name",
        _ => return String::new(),
    };
    let sql = format!("SELECT {column} FROM {table} WHERE id = ?1");
    r.connection()
        .query_row(&sql, [row.as_bytes().as_slice()], |x| {
            x.get::<_, Option<String>>(0)
        })
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[tauri::command]
pub fn conflict_items(state: State<'_, AppState>) -> ApiResult<Vec<ConflictItem<ConflictKey>>> {
    with_replica(&state, |r| {
        let names = r.member_names()?;
        let mut views = r.conflicts()?;
        // One write's fields together, in column order.
        views.sort_by_key(|c| {
            (
                c.key.table,
                c.key.row,
                c.loser_hlc,
                c.key.site,
                c.key.column,
            )
        });
        let mut out: Vec<ConflictItem<ConflictKey>> = Vec::new();
        for c in views {
            let field = ConflictField {
                current: value_for_people(&names, c.key.table, &c.column, &c.winner_value),
                other: value_for_people(&names, c.key.table, &c.column, &c.loser_value),
                column: c.column.clone(),
            };
            if let Some(last) = out.last_mut() {
                let k = &last.keys[0];
                if k.table == c.key.table
                    && k.row == c.key.row
                    && k.site == c.key.site
                    && last.other_at_ms == c.loser_hlc.ms()
                    && last.resolved == c.resolved
                {
                    last.keys.push(c.key);
                    last.fields.push(field);
                    continue;
                }
            }
            out.push(ConflictItem {
                record: record_label(r, &c.table, c.key.row),
                keys: vec![c.key],
                table: c.table,
                fields: vec![field],
                current_author: c.winner_author.and_then(|a| names.get(&a.0).cloned()),
                current_at_ms: c.winner_hlc.ms(),
                other_author: c.loser_author.and_then(|a| names.get(&a.0).cloned()),
                other_at_ms: c.loser_hlc.ms(),
                resolved: c.resolved,
            });
        }
        Ok(out)
    })
}

/// Keeps the other values of one conflicting write (new writes, synced like any
/// other), all in one go.
#[tauri::command]
pub fn restore_conflict(state: State<'_, AppState>, keys: Vec<ConflictKey>) -> ApiResult<()> {
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
pub fn dismiss_conflict(state: State<'_, AppState>, keys: Vec<ConflictKey>) -> ApiResult<()> {
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
) -> ApiResult<cosabi_core::views::Dashboard> {
    let today = chrono::Local::now().date_naive();
    with_replica(&state, |r| r.dashboard(fiscal_year, today))
}
