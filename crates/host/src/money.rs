//! Money: card movements, purchases and receipts, and invoices (CFDI) read from a
//! photo's QR code or an XML file. Writes need the tesorero or the presidente
//! signed in; everyone reads.

use crate::{ApiError, ApiResult, Host, Out, RawOut};
use cosabi_api::{self as api, CfdiRead, Handle, HandleRaw};
use cosabi_core::access::Write;
use cosabi_core::cfdi::{
    parse_cfdi_xml, parse_verification_url, purchase_hints, CfdiError, CfdiSummary, Hint,
};
use uuid::Uuid;

/// Largest page of purchases one call returns.
const PURCHASE_PAGE_ROWS_MAX: u32 = 500;

impl Handle<api::GetBalance> for Host {
    async fn handle(&self, c: api::GetBalance) -> ApiResult<Out<api::GetBalance>> {
        self.with_replica(|r| r.balance(c.fiscal_year))
    }
}

impl Handle<api::GetPurchasePage> for Host {
    async fn handle(&self, c: api::GetPurchasePage) -> ApiResult<Out<api::GetPurchasePage>> {
        self.with_replica(|r| {
            r.purchase_page(
                c.fiscal_year,
                &c.filter,
                c.offset,
                c.limit.min(PURCHASE_PAGE_ROWS_MAX),
            )
        })
    }
}

impl Handle<api::GetPurchase> for Host {
    async fn handle(&self, c: api::GetPurchase) -> ApiResult<Out<api::GetPurchase>> {
        self.with_replica(|r| r.purchase(c.id))
    }
}

impl Handle<api::RecordPurchase> for Host {
    async fn handle(&self, c: api::RecordPurchase) -> ApiResult<Out<api::RecordPurchase>> {
        self.with_write(Write::RecordPurchase, |r| r.record_purchase(&c.input))
    }
}

impl Handle<api::UpdatePurchaseAmounts> for Host {
    async fn handle(
        &self,
        c: api::UpdatePurchaseAmounts,
    ) -> ApiResult<Out<api::UpdatePurchaseAmounts>> {
        self.with_write(Write::UpdatePurchaseAmounts, |r| {
            r.update_purchase_amounts(c.id, &c.input)?;
            r.purchase(c.id)
        })
    }
}

/// Corrects any field of a purchase (only the changed ones are logged).
impl Handle<api::UpdatePurchase> for Host {
    async fn handle(&self, c: api::UpdatePurchase) -> ApiResult<Out<api::UpdatePurchase>> {
        self.with_write(Write::UpdatePurchase, |r| r.update_purchase(c.id, &c.input))
    }
}

impl Handle<api::DeletePurchase> for Host {
    async fn handle(&self, c: api::DeletePurchase) -> ApiResult<Out<api::DeletePurchase>> {
        self.with_write(Write::DeletePurchase, |r| {
            r.delete_purchase(c.id).map(|_| ())
        })
    }
}

impl Handle<api::ListReceipts> for Host {
    async fn handle(&self, c: api::ListReceipts) -> ApiResult<Out<api::ListReceipts>> {
        self.with_replica(|r| r.receipts(c.purchase))
    }
}

impl Handle<api::AddReceipt> for Host {
    async fn handle(&self, c: api::AddReceipt) -> ApiResult<Out<api::AddReceipt>> {
        self.with_write(Write::AddReceipt, |r| r.add_receipt(c.purchase, &c.input))
    }
}

impl Handle<api::ListCardMovements> for Host {
    async fn handle(&self, c: api::ListCardMovements) -> ApiResult<Out<api::ListCardMovements>> {
        self.with_replica(|r| r.card_movements(c.fiscal_year))
    }
}

impl Handle<api::AddCardMovement> for Host {
    async fn handle(&self, c: api::AddCardMovement) -> ApiResult<Out<api::AddCardMovement>> {
        self.with_write(Write::AddCardMovement, |r| r.add_card_movement(&c.input))
    }
}

fn cfdi_error(e: CfdiError) -> ApiError {
    ApiError {
        code: "invalid".into(),
        errors: vec![e.to_validation_error()],
    }
}

impl Host {
    /// Warnings for `purchase` (absent for a new one) about the CFDI read: a folio
    /// already recorded, a total that differs.
    fn hints_for(&self, summary: CfdiSummary, purchase: Option<Uuid>) -> ApiResult<Vec<Hint>> {
        self.with_replica(|r| {
            let folios = r.receipt_folios(purchase)?;
            let total = match purchase {
                Some(id) => r.purchase(id)?.map(|p| p.total),
                None => None,
            };
            Ok(purchase_hints(summary, &folios, total))
        })
    }
}

/// Reads the verification QR code from a photo of an invoice.
impl HandleRaw<api::ReadCfdiQr> for Host {
    async fn handle_raw(
        &self,
        c: api::ReadCfdiQr,
        body: Vec<u8>,
    ) -> ApiResult<RawOut<api::ReadCfdiQr>> {
        let text = cosabi_replica::imaging::decode_qr(&body)?
            .ok_or_else(|| ApiError::code("qr_not_found"))?;
        let qr = parse_verification_url(&text).map_err(cfdi_error)?;
        let hints = self.hints_for(CfdiSummary::from(&qr), c.purchase)?;
        Ok(CfdiRead { cfdi: qr, hints })
    }
}

/// Reads an invoice's XML file (CFDI 4.0 or 3.3).
impl HandleRaw<api::ReadCfdiXml> for Host {
    async fn handle_raw(
        &self,
        c: api::ReadCfdiXml,
        body: Vec<u8>,
    ) -> ApiResult<RawOut<api::ReadCfdiXml>> {
        let text = std::str::from_utf8(&body).map_err(|_| {
            cfdi_error(CfdiError::XmlMalformed {
                detail: "not UTF-8".into(),
            })
        })?;
        let xml = parse_cfdi_xml(text).map_err(cfdi_error)?;
        let hints = self.hints_for(CfdiSummary::from(&xml), c.purchase)?;
        Ok(CfdiRead { cfdi: xml, hints })
    }
}
