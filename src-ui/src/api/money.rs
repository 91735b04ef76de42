//! Money: balance, purchases, receipts, card movements.

use super::{invoke, ApiError, Input};
use cosabi_core::ledger::{
    Balance, CardMovement, NewCardMovement, NewPurchase, NewReceipt, Purchase, PurchaseFilter,
    Receipt,
};
use cosabi_core::views::PurchasePage;
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Year {
    fiscal_year: i32,
}

#[derive(Serialize)]
struct Id {
    id: Uuid,
}

pub async fn balance(fiscal_year: i32) -> Result<Balance, ApiError> {
    invoke("balance", &Year { fiscal_year }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageArgs<'a> {
    fiscal_year: i32,
    filter: &'a PurchaseFilter,
    offset: u32,
    limit: u32,
}

pub async fn purchase_page(
    fiscal_year: i32,
    filter: &PurchaseFilter,
    offset: u32,
    limit: u32,
) -> Result<PurchasePage, ApiError> {
    invoke(
        "purchase_page",
        &PageArgs {
            fiscal_year,
            filter,
            offset,
            limit,
        },
    )
    .await
}

pub async fn get_purchase(id: Uuid) -> Result<Option<Purchase>, ApiError> {
    invoke("get_purchase", &Id { id }).await
}

pub async fn record_purchase(input: &NewPurchase) -> Result<Purchase, ApiError> {
    invoke("record_purchase", &Input { input }).await
}

#[derive(Serialize)]
struct PurchaseEdit<'a> {
    id: Uuid,
    input: &'a NewPurchase,
}

/// Corrects any field of a purchase.
pub async fn update_purchase(id: Uuid, input: &NewPurchase) -> Result<Purchase, ApiError> {
    invoke("update_purchase", &PurchaseEdit { id, input }).await
}

pub async fn delete_purchase(id: Uuid) -> Result<(), ApiError> {
    invoke("delete_purchase", &Id { id }).await
}

#[derive(Serialize)]
struct PurchaseRef {
    purchase: Uuid,
}

pub async fn list_receipts(purchase: Uuid) -> Result<Vec<Receipt>, ApiError> {
    invoke("list_receipts", &PurchaseRef { purchase }).await
}

#[derive(Serialize)]
struct AddReceipt<'a> {
    purchase: Uuid,
    input: &'a NewReceipt,
}

pub async fn add_receipt(purchase: Uuid, input: &NewReceipt) -> Result<Receipt, ApiError> {
    invoke("add_receipt", &AddReceipt { purchase, input }).await
}

pub async fn card_movements(fiscal_year: i32) -> Result<Vec<CardMovement>, ApiError> {
    invoke("card_movements", &Year { fiscal_year }).await
}

pub async fn add_card_movement(input: &NewCardMovement) -> Result<CardMovement, ApiError> {
    invoke("add_card_movement", &Input { input }).await
}

/// A CFDI read from a receipt, with warnings for the purchase.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct CfdiRead<T> {
    pub cfdi: T,
    pub hints: Vec<cosabi_core::cfdi::Hint>,
}

fn purchase_header(purchase: Option<Uuid>) -> Vec<(&'static str, String)> {
    purchase
        .map(|p| vec![("x-purchase", p.to_string())])
        .unwrap_or_default()
}

/// Reads the verification QR code from a photo of an invoice.
pub async fn read_cfdi_qr(
    image: &[u8],
    purchase: Option<Uuid>,
) -> Result<CfdiRead<cosabi_core::cfdi::CfdiQr>, ApiError> {
    super::invoke_raw("read_cfdi_qr", image, &purchase_header(purchase)).await
}

/// Reads an invoice's XML file.
pub async fn read_cfdi_xml(
    xml: &[u8],
    purchase: Option<Uuid>,
) -> Result<CfdiRead<cosabi_core::cfdi::CfdiXml>, ApiError> {
    super::invoke_raw("read_cfdi_xml", xml, &purchase_header(purchase)).await
}
