//! Money: card movements, purchases and receipts. Writes need the tesorero or the
//! presidente signed in; everyone reads.

use super::with_replica;
use crate::error::ApiResult;
use crate::AppState;
use cosabi_core::committee::Permission;
use cosabi_core::ledger::{
    Balance, CardMovement, NewCardMovement, NewPurchase, NewReceipt, Purchase, PurchaseAmounts,
    PurchaseFilter, Receipt,
};
use cosabi_core::views::PurchasePage;
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub fn balance(state: State<'_, AppState>, fiscal_year: i32) -> ApiResult<Balance> {
    with_replica(&state, |r| r.balance(fiscal_year))
}

#[tauri::command]
pub fn purchase_page(
    state: State<'_, AppState>,
    fiscal_year: i32,
    filter: PurchaseFilter,
    offset: u32,
    limit: u32,
) -> ApiResult<PurchasePage> {
    with_replica(&state, |r| {
        r.purchase_page(fiscal_year, &filter, offset, limit.min(500))
    })
}

#[tauri::command]
pub fn get_purchase(state: State<'_, AppState>, id: Uuid) -> ApiResult<Option<Purchase>> {
    with_replica(&state, |r| r.purchase(id))
}

#[tauri::command]
pub fn record_purchase(state: State<'_, AppState>, input: NewPurchase) -> ApiResult<Purchase> {
    with_replica(&state, |r| {
        r.require(Permission::Money)?;
        r.record_purchase(&input)
    })
}

#[tauri::command]
pub fn update_purchase_amounts(
    state: State<'_, AppState>,
    id: Uuid,
    input: PurchaseAmounts,
) -> ApiResult<Option<Purchase>> {
    with_replica(&state, |r| {
        r.require(Permission::Money)?;
        r.update_purchase_amounts(id, &input)?;
        r.purchase(id)
    })
}

#[tauri::command]
pub fn delete_purchase(state: State<'_, AppState>, id: Uuid) -> ApiResult<()> {
    with_replica(&state, |r| {
        r.require(Permission::Money)?;
        r.delete_purchase(id).map(|_| ())
    })
}

#[tauri::command]
pub fn list_receipts(state: State<'_, AppState>, purchase: Uuid) -> ApiResult<Vec<Receipt>> {
    with_replica(&state, |r| r.receipts(purchase))
}

#[tauri::command]
pub fn add_receipt(
    state: State<'_, AppState>,
    purchase: Uuid,
    input: NewReceipt,
) -> ApiResult<Receipt> {
    with_replica(&state, |r| {
        r.require(Permission::Money)?;
        r.add_receipt(purchase, &input)
    })
}

#[tauri::command]
pub fn card_movements(
    state: State<'_, AppState>,
    fiscal_year: i32,
) -> ApiResult<Vec<CardMovement>> {
    with_replica(&state, |r| r.card_movements(fiscal_year))
}

#[tauri::command]
pub fn add_card_movement(
    state: State<'_, AppState>,
    input: NewCardMovement,
) -> ApiResult<CardMovement> {
    with_replica(&state, |r| {
        r.require(Permission::Money)?;
        r.add_card_movement(&input)
    })
}
