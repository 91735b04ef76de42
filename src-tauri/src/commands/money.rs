//! Money: card movements, purchases and receipts. Writes need the tesorero or the
//! presidente signed in; everyone reads.

use super::{with_replica, with_write};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use cosabi_core::access::Write;
use cosabi_core::cfdi::{
    parse_cfdi_xml, parse_verification_url, purchase_hints, CfdiQr, CfdiSummary, CfdiXml, Hint,
};
use cosabi_core::ledger::{
    Balance, CardMovement, NewCardMovement, NewPurchase, NewReceipt, Purchase, PurchaseAmounts,
    PurchaseFilter, Receipt,
};
use cosabi_core::views::PurchasePage;
use tauri::ipc::{InvokeBody, Request};
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
    with_write(&state, Write::RecordPurchase, |r| r.record_purchase(&input))
}

#[tauri::command]
pub fn update_purchase_amounts(
    state: State<'_, AppState>,
    id: Uuid,
    input: PurchaseAmounts,
) -> ApiResult<Option<Purchase>> {
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
) -> ApiResult<Purchase> {
    with_write(&state, Write::UpdatePurchase, |r| {
        r.update_purchase(id, &input)
    })
}

#[tauri::command]
pub fn delete_purchase(state: State<'_, AppState>, id: Uuid) -> ApiResult<()> {
    with_write(&state, Write::DeletePurchase, |r| {
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
    with_write(&state, Write::AddReceipt, |r| {
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
    with_write(&state, Write::AddCardMovement, |r| {
        r.add_card_movement(&input)
    })
}

/// What a CFDI read from a receipt says, with warnings for this purchase.
#[derive(Debug, serde::Serialize)]
pub struct CfdiRead<T> {
    pub cfdi: T,
    pub hints: Vec<Hint>,
}

fn cfdi_error(e: cosabi_core::cfdi::CfdiError) -> ApiError {
    ApiError {
        code: "invalid".into(),
        errors: vec![e.to_validation_error()],
    }
}

/// The raw body, and the purchase it is for (`x-purchase`, absent for a new one).
fn body_and_purchase<'a>(request: &'a Request<'_>) -> ApiResult<(&'a [u8], Option<Uuid>)> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(ApiError::code("invalid"));
    };
    let purchase = request
        .headers()
        .get("x-purchase")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
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
) -> ApiResult<CfdiRead<CfdiQr>> {
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
) -> ApiResult<CfdiRead<CfdiXml>> {
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
