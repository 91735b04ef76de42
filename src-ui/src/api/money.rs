//! Money: balance, purchases, receipts, card movements.

use super::{call, call_raw, ApiError};
use cosabi_api as c;
use cosabi_core::ledger::{
    Balance, CardMovement, NewCardMovement, NewPurchase, NewReceipt, Purchase, PurchaseFilter,
    Receipt,
};
use cosabi_core::views::PurchasePage;
use uuid::Uuid;

/// A CFDI read from a receipt, with warnings for the purchase.
pub use cosabi_api::CfdiRead;

pub async fn balance(fiscal_year: i32) -> Result<Balance, ApiError> {
    call(&c::GetBalance { fiscal_year }).await
}

pub async fn purchase_page(
    fiscal_year: i32,
    filter: &PurchaseFilter,
    offset: u32,
    limit: u32,
) -> Result<PurchasePage, ApiError> {
    call(&c::GetPurchasePage {
        fiscal_year,
        filter: filter.clone(),
        offset,
        limit,
    })
    .await
}

pub async fn get_purchase(id: Uuid) -> Result<Option<Purchase>, ApiError> {
    call(&c::GetPurchase { id }).await
}

pub async fn record_purchase(input: &NewPurchase) -> Result<Purchase, ApiError> {
    call(&c::RecordPurchase {
        input: input.clone(),
    })
    .await
}

/// Corrects any field of a purchase.
pub async fn update_purchase(id: Uuid, input: &NewPurchase) -> Result<Purchase, ApiError> {
    call(&c::UpdatePurchase {
        id,
        input: input.clone(),
    })
    .await
}

pub async fn delete_purchase(id: Uuid) -> Result<(), ApiError> {
    call(&c::DeletePurchase { id }).await
}

pub async fn list_receipts(purchase: Uuid) -> Result<Vec<Receipt>, ApiError> {
    call(&c::ListReceipts { purchase }).await
}

pub async fn add_receipt(purchase: Uuid, input: &NewReceipt) -> Result<Receipt, ApiError> {
    call(&c::AddReceipt {
        purchase,
        input: input.clone(),
    })
    .await
}

pub async fn card_movements(fiscal_year: i32) -> Result<Vec<CardMovement>, ApiError> {
    call(&c::ListCardMovements { fiscal_year }).await
}

pub async fn add_card_movement(input: &NewCardMovement) -> Result<CardMovement, ApiError> {
    call(&c::AddCardMovement {
        input: input.clone(),
    })
    .await
}

/// Reads the verification QR code from a photo of an invoice.
pub async fn read_cfdi_qr(
    image: &[u8],
    purchase: Option<Uuid>,
) -> Result<CfdiRead<cosabi_core::cfdi::CfdiQr>, ApiError> {
    call_raw(&c::ReadCfdiQr { purchase }, image).await
}

/// Reads an invoice's XML file.
pub async fn read_cfdi_xml(
    xml: &[u8],
    purchase: Option<Uuid>,
) -> Result<CfdiRead<cosabi_core::cfdi::CfdiXml>, ApiError> {
    call_raw(&c::ReadCfdiXml { purchase }, xml).await
}
