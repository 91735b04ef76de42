//! Fixtures: real replicas on disk, written through the replica's typed writes, with
//! real JPEG photos, and a record of the gaps each fixture was built with.

use cosabi_core::actions::NewAction;
use cosabi_core::assembly::{NewAgreement, NewAssembly};
use cosabi_core::committee::{Member, NewMember};
use cosabi_core::ledger::{NewCardMovement, NewPurchase, NewReceipt};
use cosabi_core::photo::NewPhoto;
use cosabi_core::schema::{ACTION, ASSEMBLY, RECEIPT};
use cosabi_replica::Replica;
use cosabi_reports::GapKind;
use std::collections::BTreeSet;
use uuid::Uuid;

pub const YEAR: i32 = cosabi_replica::workload::YEAR;

/// A JPEG of `w`×`h` pixels whose picture depends on `seed`.
pub fn jpeg(seed: u8, w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 255 / w) as u8,
            (y * 255 / h) as u8,
            seed.wrapping_mul(37),
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

pub fn open(dir: &tempfile::TempDir, name: &str) -> Replica {
    Replica::open(&dir.path().join(format!("{name}.sqlite3"))).unwrap()
}

pub fn member<'a>(members: &'a [Member], role: &str) -> &'a Member {
    members.iter().find(|m| m.role == role).unwrap()
}

/// Minutes long enough to need more than one page.
pub fn long_minutes() -> String {
    let sentences = [
        "Siendo las diez horas del día señalado, se reunieron en la sala de espera los integrantes del comité y vecinos de la comunidad.",
        "La secretaria pasó lista de asistencia y se verificó que existe quórum para sesionar.",
        "El tesorero informó el saldo de la tarjeta y presentó los comprobantes de las compras del periodo, que los asistentes revisaron sin observaciones.",
        "La vocal de salud expuso que el baumanómetro del consultorio dejó de funcionar y que urge reponerlo.",
        "Se acordó comprar un baumanómetro digital y bancas para la sala de espera con los recursos del programa.",
    ];
    let mut out = String::new();
    for i in 0..60 {
        out.push_str(sentences[i % sentences.len()]);
        out.push(if i % 5 == 4 { '\n' } else { ' ' });
    }
    out.push_str("No habiendo otro asunto que tratar, se dio por terminada la asamblea a las trece horas. FIN DEL ACTA.");
    out
}

/// The fixture's records and the gaps it was built with.
pub struct Fixture {
    /// Closed, with an amendment and a photo of the signed acta.
    pub assembly: Uuid,
    /// Left as a draft.
    pub draft_assembly: Uuid,
    /// (kind, record) of every gap the fixture holds on purpose.
    pub gaps: BTreeSet<(GapKind, Uuid)>,
    /// Photos whose bytes are on the device.
    pub photos_on_device: usize,
}

/// A clinic-year in miniature, in a replica on disk with real photos:
/// - assembly 1 (20/03/2025, closed, amended, signed photo), assembly 2 (draft);
/// - action A (finished, before and after photos), action B (bought for, before
///   photo only), action C (proposed, nothing bought);
/// - purchases: a complete one, one whose receipt differs from its total, one
///   without receipts, one whose receipt has no photo, one whose photo is not on
///   this device;
/// - one unresolved conflict on a member's name, merged from a second device.
pub fn fixture(dir: &tempfile::TempDir) -> (Replica, Fixture) {
    let mut r = open(dir, "main");
    r.load_demo().unwrap();
    let members = r.members().unwrap();
    let (presidente, secretario, tesorero) = (
        member(&members, "presidente").clone(),
        member(&members, "secretario").clone(),
        member(&members, "tesorero").clone(),
    );
    let mut gaps = BTreeSet::new();
    let mut photos_on_device = 0;

    let a1 = r
        .create_assembly(&NewAssembly {
            kind: "ordinaria".into(),
            date: "20/03/2025".into(),
            place: "Sala de espera del Centro de Salud".into(),
            agenda: "Lista de asistencia y verificación del quórum\nInforme de la tesorería\nCompra de equipamiento\nAsuntos generales".into(),
            community_attendees: "23".into(),
            quorum_percent: String::new(),
            minutes: long_minutes(),
        })
        .unwrap();
    r.open_assembly(a1.id, presidente.id).unwrap();
    for (i, m) in members.iter().enumerate() {
        r.set_attendance(a1.id, m.id, i % 4 != 3).unwrap();
    }
    r.set_community_names(a1.id, "Rosa Tepole Xocua\nFelipe Colohua\nJacinto Tlaxcala")
        .unwrap();
    let ag1 = r
        .add_agreement(
            a1.id,
            &NewAgreement {
                text: "Comprar un baumanómetro digital para el consultorio".into(),
                responsible_id: Some(tesorero.id),
                due_date: "30/04/2025".into(),
            },
        )
        .unwrap();
    let ag2 = r
        .add_agreement(
            a1.id,
            &NewAgreement {
                text: "Comprar bancas para la sala de espera".into(),
                responsible_id: Some(presidente.id),
                due_date: String::new(),
            },
        )
        .unwrap();
    r.add_agreement(
        a1.id,
        &NewAgreement {
            text: "Instalar un bebedero de agua potable".into(),
            responsible_id: None,
            due_date: "15/06/2025".into(),
        },
    )
    .unwrap();
    r.set_agreement_status(ag1.id, "cumplido").unwrap();
    r.close_assembly(a1.id, secretario.id).unwrap();
    r.add_amendment(
        a1.id,
        "Donde dice «veintitrés asistentes» debe decir «veinticuatro».",
    )
    .unwrap();
    r.attach_photo(
        ASSEMBLY.id,
        a1.id,
        "acta",
        &jpeg(1, 800, 1000),
        "2025-03-20T13:05:00-06:00",
    )
    .unwrap();
    photos_on_device += 1;

    let a2 = r
        .create_assembly(&NewAssembly {
            kind: "extraordinaria".into(),
            date: "2025-06-05".into(),
            place: "Agencia municipal".into(),
            agenda: "Revisión de comprobantes".into(),
            community_attendees: "8".into(),
            quorum_percent: String::new(),
            minutes: "Se revisaron los comprobantes.".into(),
        })
        .unwrap();
    gaps.insert((GapKind::ActaNotClosed, a2.id));

    let action = |r: &mut Replica, category: &str, description: &str, agreement: Option<Uuid>| {
        r.create_action(&NewAction {
            category: category.into(),
            description: description.into(),
            estimated_cost: "5,000".into(),
            agreement_id: agreement,
        })
        .unwrap()
    };
    let act_a = action(
        &mut r,
        "equipamiento",
        "Baumanómetro digital y estetoscopio",
        Some(ag1.id),
    );
    for s in ["aprobada", "en_proceso", "terminada"] {
        r.set_action_status(act_a.id, s).unwrap();
    }
    r.attach_photo(
        ACTION.id,
        act_a.id,
        "before",
        &jpeg(2, 640, 480),
        "2025-03-18T09:00:00-06:00",
    )
    .unwrap();
    r.attach_photo(
        ACTION.id,
        act_a.id,
        "after",
        &jpeg(3, 640, 480),
        "2025-04-02T09:00:00-06:00",
    )
    .unwrap();
    photos_on_device += 2;
    let act_b = action(
        &mut r,
        "mobiliario",
        "Bancas para la sala de espera",
        Some(ag2.id),
    );
    r.attach_photo(ACTION.id, act_b.id, "before", &jpeg(4, 640, 480), "")
        .unwrap();
    photos_on_device += 1;
    gaps.insert((GapKind::ActionWithoutAfterPhoto, act_b.id));
    // Proposed and approved in the year's assembly, nothing bought: no gap.
    action(
        &mut r,
        "infraestructura",
        "Bebedero de agua potable",
        Some(ag2.id),
    );

    for (kind, amount, on) in [
        ("deposito", "300,000", "15/03/2025"),
        ("retiro", "5,000", "01/04/2025"),
        ("cambio_devuelto", "120.50", "03/04/2025"),
    ] {
        r.add_card_movement(&NewCardMovement {
            kind: kind.into(),
            amount: amount.into(),
            date: on.into(),
            note: format!("Movimiento del {on}"),
            fiscal_year: String::new(),
        })
        .unwrap();
    }

    let purchase = |r: &mut Replica,
                    on: &str,
                    concept: &str,
                    qty: &str,
                    unit: &str,
                    category: &str,
                    action: Option<Uuid>,
                    paid: &str| {
        r.record_purchase(&NewPurchase {
            date: on.into(),
            concept: concept.into(),
            quantity: qty.into(),
            unit_cost: unit.into(),
            supplier: "Equipo Médico de Orizaba".into(),
            rfc: "EMO1106223H7".into(),
            category: category.into(),
            action_id: action,
            paid_from: paid.into(),
            fiscal_year: String::new(),
        })
        .unwrap()
    };
    let receipt =
        |r: &mut Replica, purchase: Uuid, kind: &str, folio: &str, total: &str, on: &str| {
            r.add_receipt(
                purchase,
                &NewReceipt {
                    kind: kind.into(),
                    folio_fiscal: folio.into(),
                    total: total.into(),
                    issued_on: on.into(),
                },
            )
            .unwrap()
        };

    // Complete: a CFDI with its photo.
    let p1 = purchase(
        &mut r,
        "20/03/2025",
        "Baumanómetro digital",
        "1",
        "1,293.10",
        "equipamiento",
        Some(act_a.id),
        "tarjeta",
    );
    let r1 = receipt(
        &mut r,
        p1.id,
        "cfdi",
        "6f1a2b3c-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
        "1,293.10",
        "20/03/2025",
    );
    r.attach_photo(
        RECEIPT.id,
        r1.id,
        "receipt",
        &jpeg(5, 1200, 1600),
        "2025-03-20T11:00:00-06:00",
    )
    .unwrap();
    photos_on_device += 1;

    // A nota for less than the purchase.
    let p2 = purchase(
        &mut r,
        "02/04/2025",
        "Banca de espera de 3 plazas",
        "3",
        "1,500",
        "mobiliario",
        Some(act_b.id),
        "efectivo",
    );
    let r2 = receipt(&mut r, p2.id, "nota", "", "4,000", "02/04/2025");
    r.attach_photo(
        RECEIPT.id,
        r2.id,
        "receipt",
        &jpeg(6, 900, 1200),
        "2025-04-02T12:00:00-06:00",
    )
    .unwrap();
    photos_on_device += 1;
    gaps.insert((GapKind::ReceiptTotalDiffers, p2.id));

    // No receipt at all.
    let p3 = purchase(
        &mut r,
        "10/05/2025",
        "Pintura vinílica blanca 19 L",
        "2",
        "1,250.50",
        "infraestructura",
        None,
        "tarjeta",
    );
    gaps.insert((GapKind::PurchaseWithoutReceipt, p3.id));

    // A receipt nobody photographed.
    let p4 = purchase(
        &mut r,
        "12/05/2025",
        "Mano de obra de albañilería",
        "1",
        "2,500",
        "infraestructura",
        None,
        "efectivo",
    );
    let r4 = receipt(&mut r, p4.id, "recibo_simple", "", "2,500", "12/05/2025");
    gaps.insert((GapKind::ReceiptWithoutPhoto, r4.id));

    // A receipt photographed on another device whose photo has not arrived.
    let p5 = purchase(
        &mut r,
        "20/03/2025",
        "Baumanómetro digital",
        "1",
        "990",
        "equipamiento",
        Some(act_a.id),
        "tarjeta",
    );
    let r5 = receipt(
        &mut r,
        p5.id,
        "cfdi",
        "7a1a2b3c-0d4e-4f5a-8b6c-7d8e9f0a1b2c",
        "990",
        "20/03/2025",
    );
    let absent = r
        .add_photo(&NewPhoto {
            owner_table: RECEIPT.id,
            owner_id: r5.id,
            kind: "receipt".into(),
            sha256: "ab".repeat(32),
            size_bytes: 90_000,
            mime: "image/jpeg".into(),
            taken_at: "2025-03-20T11:30:00-06:00".into(),
        })
        .unwrap();
    gaps.insert((GapKind::PhotoNotOnDevice, absent.id));

    // The tesorero's name edited on two devices at once.
    let mut other = open(dir, "other");
    for p in r.pages_since(&other.version_vector().unwrap()).unwrap() {
        other.apply_page(&p).unwrap();
    }
    let rename = |r: &mut Replica, name: &str| {
        r.update_member(
            tesorero.id,
            &NewMember {
                name: name.into(),
                role: "tesorero".into(),
                term_start: tesorero.term_start.clone().unwrap_or_default(),
                term_end: tesorero.term_end.clone().unwrap_or_default(),
                gender: tesorero.gender.clone(),
            },
        )
        .unwrap();
    };
    rename(&mut r, "María Cuaquehua Tlaxcala de Xocua");
    rename(&mut other, "Maria Cuaquehua T.");
    for p in other.pages_since(&r.version_vector().unwrap()).unwrap() {
        r.apply_page(&p).unwrap();
    }
    gaps.insert((GapKind::UnresolvedConflict, tesorero.id.0));

    (
        r,
        Fixture {
            assembly: a1.id,
            draft_assembly: a2.id,
            gaps,
            photos_on_device,
        },
    )
}

/// The text of every page of a PDF, read back with lopdf.
pub fn pdf_pages_text(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    pages
        .iter()
        .map(|n| doc.extract_text(&[*n]).unwrap())
        .collect()
}
