//! Money: card movements, purchases and receipts. Writes need the tesorero or the
//! presidente signed in; everyone reads.

use super::{with_replica, with_write};
use super::{Out, RawOut};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use cosabi_api as api;
use cosabi_api::CfdiRead;
use cosabi_core::access::Write;
use cosabi_core::cfdi::{
    parse_cfdi_xml, parse_verification_url, purchase_hints, CfdiSummary, Hint,
};
use cosabi_core::ledger::{
    NewCardMovement, NewPurchase, NewReceipt, PurchaseAmounts, PurchaseFilter,
};
use tauri::ipc::{InvokeBody, Request};
use tauri::State;
use uuid::Uuid;

#[tauri::command]
pub fn balance(state: State<'_, AppState>, fiscal_year: i32) -> ApiResult<Out<api::GetBalance>> {
    with_replica(&state, |r| r.balance(fiscal_year))
}

#[tauri::command]
pub fn purchase_page(
    state: State<'_, AppState>,
    fiscal_year: i32,
    filter: PurchaseFilter,
    offset: u32,
    limit: u32,
) -> ApiResult<Out<api::GetPurchasePage>> {
    with_replica(&state, |r| {
        r.purchase_page(fiscal_year, &filter, offset, limit.min(500))
    })
}

#[tauri::command]
pub fn get_purchase(state: State<'_, AppState>, id: Uuid) -> ApiResult<Out<api::GetPurchase>> {
    with_replica(&state, |r| r.purchase(id))
}

#[tauri::command]
pub fn record_purchase(
    state: State<'_, AppState>,
    input: NewPurchase,
) -> ApiResult<Out<api::RecordPurchase>> {
    with_write(&state, Write::RecordPurchase, |r| r.record_purchase(&input))
}

#[tauri::command]
pub fn update_purchase_amounts(
    state: State<'_, AppState>,
    id: Uuid,
    input: PurchaseAmounts,
) -> ApiResult<Out<api::UpdatePurchaseAmounts>> {
    with_write(&state, Write::UpdatePurchaseAmounts, |r| {
        r.update_purchase_amounts(id, &input)?;
        r.purchase(id)
    })
}

/// Corrects any field of a purchase (only the changed ones are logged).
#[tauri::command]
pub fn update_purchase(
    state: State<'_, AppState>,
    id: Uuid,
    input: NewPurchase,
) -> ApiResult<Out<api::UpdatePurchase>> {
    with_write(&state, Write::UpdatePurchase, |r| {
        r.update_purchase(id, &input)
    })
}

#[tauri::command]
pub fn delete_purchase(
    state: State<'_, AppState>,
    id: Uuid,
) -> ApiResult<Out<api::DeletePurchase>> {
    with_write(&state, Write::DeletePurchase, |r| {
        r.delete_purchase(id).map(|_| ())
    })
}

#[tauri::command]
pub fn list_receipts(
    state: State<'_, AppState>,
    purchase: Uuid,
) -> ApiResult<Out<api::ListReceipts>> {
    with_replica(&state, |r| r.receipts(purchase))
}

#[tauri::command]
pub fn add_receipt(
    state: State<'_, AppState>,
    purchase: Uuid,
    input: NewReceipt,
) -> ApiResult<Out<api::AddReceipt>> {
    with_write(&state, Write::AddReceipt, |r| {
        r.add_receipt(purchase, &input)
    })
}

#[tauri::command]
pub fn card_movements(
    state: State<'_, AppState>,
    fiscal_year: i32,
) -> ApiResult<Out<api::ListCardMovements>> {
    with_replica(&state, |r| r.card_movements(fiscal_year))
}

#[tauri::command]
pub fn add_card_movement(
    state: State<'_, AppState>,
    input: NewCardMovement,
) -> ApiResult<Out<api::AddCardMovement>> {
    with_write(&state, Write::AddCardMovement, |r| {
        r.add_card_movement(&input)
    })
}

fn cfdi_error(e: cosabi_core::cfdi::CfdiError) -> ApiError {
    ApiError {
        code: "invalid".into(),
        errors: vec![e.to_validation_error()],
    }
}

/// The raw body, and the purchase it is for (`api::HEADER_PURCHASE`, absent for a new one).
fn body_and_purchase<'a>(request: &'a Request<'_>) -> ApiResult<(&'a [u8], Option<Uuid>)> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::code("invalid"));
    };
    // The same header, and the same reading, for both CFDI reads.
    let api::ReadCfdiQr { purchase } = super::photos::raw_args(request)?;
    Ok((bytes, purchase))
}

fn hints_for(
    r: &cosabi_replica::Replica,
    summary: CfdiSummary,
    purchase: Option<Uuid>,
) -> cosabi_replica::Result<Vec<Hint>> {
    let folios = r.receipt_folios(purchase)?;
    let total = match purchase {
        Some(id) => r.purchase(id)?.map(|p| p.total),
        None => None,
    };
    Ok(purchase_hints(summary, &folios, total))
}

/// Reads the verification QR code from a photo of an invoice.
#[tauri::command]
pub fn read_cfdi_qr(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> ApiResult<RawOut<api::ReadCfdiQr>> {
    let (bytes, purchase) = body_and_purchase(&request)?;
    let text =
        cosabi_replica::imaging::decode_qr(bytes)?.ok_or_else(|| ApiError::code("qr_not_found"))?;
    let qr = parse_verification_url(&text).map_err(cfdi_error)?;
    let hints = with_replica(&state, |r| hints_for(r, CfdiSummary::from(&qr), purchase))?;
    Ok(CfdiRead { cfdi: qr, hints })
}

/// Reads an invoice's XML file (CFDI 4.0 or 3.3).
#[tauri::command]
pub fn read_cfdi_xml(
    state: State<'_, AppState>,
    request: Request<'_>,
) -> ApiResult<RawOut<api::ReadCfdiXml>> {
    let (bytes, purchase) = body_and_purchase(&request)?;
    let text = std::str::from_utf8(bytes).map_err(|_| {
        cfdi_error(cosabi_core::cfdi::CfdiError::XmlMalformed {
            detail: "not UTF-8".into(),
        })
    })?;
    let xml = parse_cfdi_xml(text).map_err(cfdi_error)?;
    let hints = with_replica(&state, |r| hints_for(r, CfdiSummary::from(&xml), purchase))?;
    Ok(CfdiRead { cfdi: xml, hints })
}
