//! The cuadernillo de control de gastos of one fiscal year: what the [`Ledger`] holds,
//! as a document (PDF); `xlsx.rs` writes the same ledger as a workbook.

use crate::model::{
    Align, Block, Column, Document, Orientation, Picture, PictureEntry, Signature, Table,
};
use crate::texts::{self, fill, t};
use crate::words::amount_in_words;
use crate::{clinic_fields, clinic_of, date, Result};
use cosabi_core::clinic::Clinic;
use cosabi_core::committee::{Member, Role};
use cosabi_core::ledger::{
    Balance, CardMovement, CardMovementKind, PaidFrom, Purchase, PurchaseFilter, Receipt,
};
use cosabi_core::photo::Photo;
use cosabi_core::schema::{PURCHASE, RECEIPT};
use cosabi_core::Centavos;
use cosabi_replica::Replica;
use std::collections::HashMap;
use uuid::Uuid;

/// Everything the cuadernillo prints, read once from the replica.
pub(crate) struct Ledger {
    pub clinic: Clinic,
    pub members: Vec<Member>,
    pub fiscal_year: i32,
    pub movements: Vec<CardMovement>,
    pub purchases: Vec<PurchaseLine>,
    pub balance: Balance,
}

/// A purchase with what backs it.
pub(crate) struct PurchaseLine {
    pub purchase: Purchase,
    pub receipts: Vec<ReceiptLine>,
    /// Photos recorded on the purchase itself rather than on one of its receipts.
    pub photos: Vec<Photo>,
    /// The linked action's description.
    pub action: Option<String>,
}

pub(crate) struct ReceiptLine {
    pub receipt: Receipt,
    pub photos: Vec<Photo>,
}

impl PurchaseLine {
    /// The folios fiscales of its receipts, one per line.
    pub fn folios(&self) -> String {
        let folios: Vec<&str> = self
            .receipts
            .iter()
            .filter_map(|r| r.receipt.folio_fiscal.as_deref())
            .collect();
        folios.join("\n")
    }
}

impl Ledger {
    pub fn read(replica: &Replica, fiscal_year: i32) -> Result<Ledger> {
        let clinic = clinic_of(replica)?;
        let actions: HashMap<Uuid, String> = replica
            .actions()?
            .into_iter()
            .map(|a| (a.id, a.description))
            .collect();
        let mut purchases = Vec::new();
        for purchase in replica.purchases(fiscal_year, &PurchaseFilter::default())? {
            let mut receipts = Vec::new();
            for receipt in replica.receipts(purchase.id)? {
                receipts.push(ReceiptLine {
                    photos: replica.photos(RECEIPT.id, receipt.id)?,
                    receipt,
                });
            }
            purchases.push(PurchaseLine {
                photos: replica.photos(PURCHASE.id, purchase.id)?,
                action: purchase.action_id.and_then(|a| actions.get(&a).cloned()),
                receipts,
                purchase,
            });
        }
        Ok(Ledger {
            clinic,
            members: replica.members()?,
            fiscal_year,
            movements: replica.card_movements(fiscal_year)?,
            purchases,
            balance: replica.balance(fiscal_year)?,
        })
    }

    /// The sum of the card movements of one kind.
    pub fn movements_of(&self, kind: &str) -> Centavos {
        Centavos(
            self.movements
                .iter()
                .filter(|m| m.kind == kind)
                .map(|m| m.amount.get())
                .sum(),
        )
    }

    /// (label, amount) lines of the balance, in the order printed.
    pub fn balance_lines(&self) -> Vec<(&'static str, Centavos)> {
        let b = &self.balance;
        vec![
            (t::ASSIGNED, b.assigned),
            (t::DEPOSITS, b.deposits),
            (t::WITHDRAWALS, self.movements_of("retiro")),
            (t::CHANGE_RETURNED, self.movements_of("cambio_devuelto")),
            (t::REINTEGROS, b.reintegros),
            (t::total_spent(), b.spent_total),
            (t::card_balance(), b.card),
            (t::cash_on_hand(), b.cash),
        ]
    }
}

/// One line of the card statement.
pub(crate) struct StatementLine {
    pub date: String,
    /// The movement's kind, or "Compra con tarjeta".
    pub what: String,
    /// The movement's note, or the purchase's concept.
    pub note: String,
    /// Positive onto the card, negative off it.
    pub amount: Centavos,
    /// The card's balance after this line.
    pub balance: Centavos,
}

impl Ledger {
    /// What went onto and off the card in the year, by date, with the balance after
    /// each line: card movements (deposits and change returned add; withdrawals and
    /// reintegros subtract) and purchases paid by card (subtract), the same sum as
    /// [`Balance::card`], so the last balance is the card's.
    pub fn card_statement(&self) -> Vec<StatementLine> {
        let mut lines: Vec<StatementLine> = Vec::new();
        for m in &self.movements {
            let sign = match CardMovementKind::from_code(&m.kind) {
                Some(CardMovementKind::Deposito | CardMovementKind::CambioDevuelto) => 1,
                Some(CardMovementKind::Retiro | CardMovementKind::Reintegro) => -1,
                // A kind from a newer app: the balance leaves it out, and so do we.
                None => continue,
            };
            lines.push(StatementLine {
                date: m.date.clone(),
                what: texts::movement(&m.kind).into_owned(),
                note: m.note.clone(),
                amount: Centavos(sign * m.amount.get()),
                balance: Centavos::ZERO,
            });
        }
        for line in &self.purchases {
            let p = &line.purchase;
            if PaidFrom::from_code(&p.paid_from) == Some(PaidFrom::Tarjeta) {
                lines.push(StatementLine {
                    date: p.date.clone(),
                    what: t::CARD_PURCHASE.to_owned(),
                    note: p.concept.clone(),
                    amount: Centavos(-p.total.get()),
                    balance: Centavos::ZERO,
                });
            }
        }
        // By date; on one day, money in before money out (a stable sort keeps the
        // recorded order otherwise).
        lines.sort_by(|a, b| {
            a.date
                .cmp(&b.date)
                .then_with(|| b.amount.get().signum().cmp(&a.amount.get().signum()))
        });
        let mut balance = 0i64;
        for line in &mut lines {
            balance = balance.saturating_add(line.amount.get());
            line.balance = Centavos(balance);
        }
        debug_assert!(
            lines.last().is_none_or(|l| l.balance == self.balance.card),
            "the statement ends at the card's balance"
        );
        lines
    }
}

/// An amount with its sign: `+$300.00`, `-$5.00`.
fn signed(amount: Centavos) -> String {
    if amount.get() >= 0 {
        format!("+{amount}")
    } else {
        amount.to_string()
    }
}

fn with_words(amount: Centavos) -> String {
    format!("{amount} ({})", amount_in_words(amount))
}

/// How a cuadernillo shows its receipts' photos.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pictures {
    /// A thumbnail of each (the cuadernillo printed on its own).
    Thumbnails,
    /// A note that the photo is in the same expediente (the expediente's copy).
    InExpediente,
}

/// A photo's thumbnail if this device holds the photo. A thumbnail that cannot be
/// made (no photo store, a damaged file) is listed like a missing photo: the index
/// must still be printed.
fn picture(replica: &Replica, photo: &Photo, pictures: Pictures) -> Picture {
    if pictures == Pictures::InExpediente {
        return if replica.has_blob(&photo.sha256) {
            Picture::InExpediente {
                sha256: photo.sha256.clone(),
            }
        } else {
            Picture::Missing {
                sha256: photo.sha256.clone(),
            }
        };
    }
    match replica.photo_thumbnail(&photo.sha256) {
        Ok(Some(bytes)) => Picture::Jpeg {
            sha256: photo.sha256.clone(),
            bytes,
        },
        _ => Picture::Missing {
            sha256: photo.sha256.clone(),
        },
    }
}

/// The cuadernillo of `fiscal_year` as a document, with thumbnails.
pub fn cuadernillo_document(replica: &Replica, fiscal_year: i32) -> Result<Document> {
    cuadernillo_document_with(replica, fiscal_year, Pictures::Thumbnails)
}

/// The cuadernillo of `fiscal_year` as a document, its photos shown as `pictures`.
pub fn cuadernillo_document_with(
    replica: &Replica,
    fiscal_year: i32,
    pictures: Pictures,
) -> Result<Document> {
    let ledger = Ledger::read(replica, fiscal_year)?;
    let year = fiscal_year.to_string();
    let mut blocks = Vec::new();

    let mut header = clinic_fields(&ledger.clinic);
    header.push((
        t::CONSULTORIOS.to_owned(),
        ledger.clinic.consultorios.to_string(),
    ));
    header.push((t::ASSIGNED.to_owned(), with_words(ledger.balance.assigned)));
    blocks.push(Block::Fields(header));

    blocks.push(Block::Heading(t::COMMITTEE_MEMBERS.to_owned()));
    blocks.push(Block::Table(Table {
        columns: vec![
            Column::new(t::column("role"), 1.0, Align::Left),
            Column::new(t::column("name"), 2.0, Align::Left),
        ],
        rows: ledger
            .members
            .iter()
            .map(|m| {
                vec![
                    texts::role_of(&m.role, &m.gender).into_owned(),
                    m.name.clone(),
                ]
            })
            .collect(),
        footer: None,
        row_height_min_pt: 0.0,
    }));

    blocks.push(Block::Heading(t::CARD_MOVEMENTS.to_owned()));
    let statement = ledger.card_statement();
    if statement.is_empty() {
        blocks.push(Block::Paragraph(t::CARD_MOVEMENTS_EMPTY.to_owned()));
    } else {
        blocks.push(Block::Paragraph(t::CARD_MOVEMENTS_NOTE.to_owned()));
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::new(t::column("date"), 1.0, Align::Left),
                Column::new(t::COL_MOVEMENT, 1.7, Align::Left),
                Column::new(t::column("note"), 3.6, Align::Left),
                Column::new(t::COL_SIGNED_AMOUNT, 1.5, Align::Right),
                Column::new(t::COL_RUNNING_BALANCE, 1.5, Align::Right),
            ],
            rows: statement
                .iter()
                .map(|line| {
                    vec![
                        date(&line.date),
                        line.what.clone(),
                        line.note.clone(),
                        signed(line.amount),
                        line.balance.to_string(),
                    ]
                })
                .collect(),
            footer: None,
            row_height_min_pt: 0.0,
        }));
    }

    blocks.push(Block::Heading(t::PURCHASES.to_owned()));
    if ledger.purchases.is_empty() {
        blocks.push(Block::Paragraph(t::PURCHASES_EMPTY.to_owned()));
    } else {
        let receipts_total: usize = ledger.purchases.iter().map(|p| p.receipts.len()).sum();
        blocks.push(Block::Table(Table {
            columns: vec![
                // Weights in points of the landscape page (696 wide): at 9 pt a
                // date, an amount up to $999,999.99, an RFC, "Infraestructura" and
                // "Baumanómetro" each fit their column without being cut.
                Column::new(t::COL_NUMBER, 18.0, Align::Right),
                Column::new(t::column("date"), 59.0, Align::Left),
                Column::new(t::column("concept"), 82.0, Align::Left),
                Column::new(t::COL_QUANTITY_SHORT, 34.0, Align::Right),
                Column::new(t::column("unit_cost"), 64.0, Align::Right),
                Column::new(t::column("total"), 70.0, Align::Right),
                Column::new(t::COL_SUPPLIER_RFC, 84.0, Align::Left),
                Column::new(t::col_category(), 74.0, Align::Left),
                Column::new(t::column("action_id"), 82.0, Align::Left),
                Column::new(t::column("paid_from"), 46.0, Align::Left),
                Column::new(t::COL_RECEIPTS_FOLIOS, 83.0, Align::Left),
            ],
            rows: ledger
                .purchases
                .iter()
                .enumerate()
                .map(|(i, line)| {
                    let p = &line.purchase;
                    let folios = line.folios();
                    vec![
                        (i + 1).to_string(),
                        date(&p.date),
                        p.concept.clone(),
                        p.quantity.to_string(),
                        p.unit_cost.to_string(),
                        p.total.to_string(),
                        match &p.rfc {
                            Some(rfc) => format!("{}\n{rfc}", p.supplier),
                            None => p.supplier.clone(),
                        },
                        texts::category(&p.category).into_owned(),
                        line.action.clone().unwrap_or_else(|| t::NONE.to_owned()),
                        texts::paid_from(&p.paid_from).into_owned(),
                        if folios.is_empty() {
                            line.receipts.len().to_string()
                        } else {
                            format!("{}\n{folios}", line.receipts.len())
                        },
                    ]
                })
                .collect(),
            footer: Some(vec![
                String::new(),
                String::new(),
                t::TOTAL.to_owned(),
                String::new(),
                String::new(),
                ledger.balance.spent_total.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                receipts_total.to_string(),
            ]),
            row_height_min_pt: 0.0,
        }));
    }

    blocks.push(Block::Heading(t::totals_by_category().to_owned()));
    blocks.push(Block::Table(Table {
        columns: vec![
            Column::new(t::col_category(), 1.2, Align::Left),
            Column::new(t::column("total"), 1.0, Align::Right),
            Column::new(t::COL_IN_WORDS, 4.0, Align::Left),
        ],
        rows: ledger
            .balance
            .spent_by_category
            .iter()
            .map(|(c, amount)| {
                vec![
                    texts::category(c).into_owned(),
                    amount.to_string(),
                    amount_in_words(*amount),
                ]
            })
            .collect(),
        footer: Some(vec![
            t::total_spent().to_owned(),
            ledger.balance.spent_total.to_string(),
            amount_in_words(ledger.balance.spent_total),
        ]),
        row_height_min_pt: 0.0,
    }));

    blocks.push(Block::Heading(t::BALANCE.to_owned()));
    blocks.push(Block::Fields(
        ledger
            .balance_lines()
            .into_iter()
            .map(|(label, amount)| (label.to_owned(), with_words(amount)))
            .collect(),
    ));

    blocks.push(Block::Heading(t::SIGNATURES.to_owned()));
    blocks.push(Block::Signatures(
        [
            (t::PREPARED_BY, Role::Tesorero),
            (t::REVIEWED_BY, Role::ContraloriaSocial),
            (t::APPROVED_BY, Role::Presidente),
        ]
        .into_iter()
        .map(|(caption, role)| {
            let holder = ledger.members.iter().find(|m| m.role == role.code());
            Signature {
                caption: caption.to_owned(),
                role: match holder {
                    Some(m) => texts::role_of(&m.role, &m.gender).into_owned(),
                    None => texts::role(role.code()).into_owned(),
                },
                name: holder.map(|m| m.name.clone()).unwrap_or_default(),
            }
        })
        .collect(),
    ));

    blocks.push(Block::Heading(t::RECEIPT_INDEX.to_owned()));
    let mut entries = Vec::new();
    let mut n = 0;
    for line in &ledger.purchases {
        let p = &line.purchase;
        let of = fill(
            t::RECEIPT_OF,
            &[("concept", &p.concept), ("date", &date(&p.date))],
        );
        for r in &line.receipts {
            n += 1;
            let receipt = &r.receipt;
            let mut caption = vec![
                fill(t::RECEIPT_NUMBER, &[("n", &n.to_string())]),
                of.clone(),
                fill(
                    t::RECEIPT_KIND_TOTAL,
                    &[
                        ("kind", &texts::receipt_kind(&receipt.kind)),
                        ("total", &receipt.total.to_string()),
                    ],
                ),
            ];
            if let Some(folio) = &receipt.folio_fiscal {
                caption.push(fill(t::RECEIPT_FOLIO, &[("folio", folio)]));
            }
            caption.push(fill(
                t::RECEIPT_ISSUED,
                &[("date", &date(&receipt.issued_on))],
            ));
            entries.push(PictureEntry {
                caption,
                pictures: r
                    .photos
                    .iter()
                    .map(|ph| picture(replica, ph, pictures))
                    .collect(),
                empty_note: t::NO_PHOTO.to_owned(),
            });
        }
        if !line.photos.is_empty() {
            entries.push(PictureEntry {
                caption: vec![fill(
                    t::PURCHASE_PHOTOS,
                    &[("concept", &p.concept), ("date", &date(&p.date))],
                )],
                pictures: line
                    .photos
                    .iter()
                    .map(|ph| picture(replica, ph, pictures))
                    .collect(),
                empty_note: t::NO_PHOTO.to_owned(),
            });
        }
    }
    if entries.is_empty() {
        blocks.push(Block::Paragraph(t::RECEIPT_INDEX_EMPTY.to_owned()));
    } else {
        blocks.push(Block::Pictures(entries));
    }

    Ok(Document {
        title: t::CUADERNILLO_TITLE.to_owned(),
        subtitle: vec![
            t::PROGRAMME_LINE.to_owned(),
            fill(t::FISCAL_YEAR, &[("year", &year)]),
        ],
        running_title: format!(
            "{} · {} · {}",
            t::CUADERNILLO_TITLE,
            fill(t::FISCAL_YEAR, &[("year", &year)]),
            ledger.clinic.clues
        ),
        orientation: Orientation::Landscape,
        blocks,
    })
}

/// The cuadernillo of `fiscal_year` as a Letter PDF (landscape: the purchases are a
/// wide ledger).
pub fn cuadernillo_pdf(replica: &Replica, fiscal_year: i32) -> Result<Vec<u8>> {
    crate::pdf::render(&cuadernillo_document(replica, fiscal_year)?)
}
