//! Writes example outputs of the demo clinic into `docs/examples/`: the acta, the
//! cuadernillo (PDF and XLSX), the expediente ZIP, and a PNG of the first page of
//! each PDF when `pdftoppm` (poppler-utils) is installed.
//!
//! `cargo run -p cosabi-reports --example docs_examples [-- OUT_DIR]`

use cosabi_core::actions::NewAction;
use cosabi_core::assembly::{NewAgreement, NewAssembly};
use cosabi_core::ledger::{NewCardMovement, NewPurchase, NewReceipt};
use cosabi_core::schema::{ACTION, ASSEMBLY, RECEIPT};
use cosabi_replica::Replica;
use std::path::{Path, PathBuf};
use std::process::Command;

const YEAR: i32 = 2025;

/// A small picture standing in for a photo: a gradient with a band, per seed.
fn photo(seed: u8, w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let band = (y * 8 / h) % 2 == 0;
        let base = if band { 40 } else { 0 };
        image::Rgb([
            (x * 200 / w) as u8 + base,
            (y * 180 / h) as u8 + base,
            seed.wrapping_mul(53),
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode jpeg");
    out.into_inner()
}

fn demo(dir: &Path) -> Result<(Replica, uuid::Uuid), Box<dyn std::error::Error>> {
    let mut r = Replica::open(&dir.join("demo.sqlite3"))?;
    r.load_demo()?;
    let members = r.members()?;
    let by_role = |role: &str| members.iter().find(|m| m.role == role).map(|m| m.id);
    let a = r.create_assembly(&NewAssembly {
        kind: "ordinaria".into(),
        date: "20/03/2025".into(),
        place: "Sala de espera del Centro de Salud".into(),
        agenda: "Lista de asistencia y verificación del quórum\nLectura del acta anterior\nInforme de la tesorería\nPropuesta de compra de equipamiento\nAsuntos generales".into(),
        community_attendees: "23".into(),
        quorum_percent: String::new(),
        minutes: "Siendo las diez horas del 20 de marzo de 2025, se reunieron en la sala de espera del Centro de Salud los integrantes del Comité de Salud para el Bienestar y 23 habitantes de la comunidad.\n\
                  La secretaria pasó lista de asistencia y se verificó que existe quórum. Se dio lectura al orden del día, que fue aprobado por unanimidad.\n\
                  La tesorera informó que la tarjeta recibió la primera dispersión de $300,000.00 y presentó los comprobantes de las compras del periodo.\n\
                  La vocal de salud expuso que el baumanómetro del consultorio dejó de funcionar. Se acordó comprar un baumanómetro digital y bancas para la sala de espera.\n\
                  No habiendo otro asunto que tratar, se dio por terminada la asamblea a las doce horas.".into(),
    })?;
    // Opened and closed now: the acta prints today's times, whatever its date.
    r.open_assembly(a.id, by_role("presidente").expect("demo has a presidente"))?;
    for (i, m) in members.iter().enumerate() {
        r.set_attendance(a.id, m.id, i != 3)?;
    }
    r.set_community_names(
        a.id,
        "Rosa Tepole Xocua\nFelipe Colohua Tzitzihua\nJacinto Tlaxcala Mendoza",
    )?;
    let ag1 = r.add_agreement(
        a.id,
        &NewAgreement {
            text: "Comprar un baumanómetro digital para el consultorio".into(),
            responsible_id: by_role("tesorero"),
            due_date: "30/04/2025".into(),
        },
    )?;
    let ag2 = r.add_agreement(
        a.id,
        &NewAgreement {
            text: "Comprar bancas para la sala de espera".into(),
            responsible_id: by_role("presidente"),
            due_date: "31/05/2025".into(),
        },
    )?;
    r.close_assembly(a.id, by_role("secretario").expect("demo has a secretario"))?;
    r.attach_photo(
        ASSEMBLY.id,
        a.id,
        "acta",
        &photo(1, 600, 780),
        "2025-03-20T12:10:00-06:00",
    )?;

    let baumanometro = r.create_action(&NewAction {
        category: "equipamiento".into(),
        description: "Baumanómetro digital".into(),
        estimated_cost: "1,500".into(),
        agreement_id: Some(ag1.id),
    })?;
    let bancas = r.create_action(&NewAction {
        category: "mobiliario".into(),
        description: "Bancas para la sala de espera".into(),
        estimated_cost: "5,000".into(),
        agreement_id: Some(ag2.id),
    })?;
    for s in ["aprobada", "en_proceso", "terminada"] {
        r.set_action_status(bancas.id, s)?;
    }
    r.attach_photo(
        ACTION.id,
        bancas.id,
        "before",
        &photo(2, 640, 480),
        "2025-04-01T09:00:00-06:00",
    )?;
    r.attach_photo(
        ACTION.id,
        bancas.id,
        "after",
        &photo(3, 640, 480),
        "2025-04-08T09:00:00-06:00",
    )?;

    for (kind, amount, on, note) in [
        ("deposito", "300,000", "15/03/2025", "Primera dispersión"),
        ("retiro", "2,000", "01/04/2025", "Para compras en efectivo"),
        (
            "cambio_devuelto",
            "120.50",
            "03/04/2025",
            "Cambio de la compra de bancas",
        ),
    ] {
        r.add_card_movement(&NewCardMovement {
            kind: kind.into(),
            amount: amount.into(),
            date: on.into(),
            note: note.into(),
            fiscal_year: String::new(),
        })?;
    }
    let purchases = [
        (
            "20/03/2025",
            "Baumanómetro digital",
            "1",
            "1,293.10",
            "Equipo Médico de Orizaba",
            "EMO1106223H7",
            "equipamiento",
            Some(baumanometro.id),
            "tarjeta",
            Some("6F1A2B3C-0D4E-4F5A-8B6C-7D8E9F0A1B2C"),
        ),
        (
            "02/04/2025",
            "Banca de espera de 3 plazas",
            "1",
            "1,879.50",
            "Muebles Tlaquilpa",
            "",
            "mobiliario",
            Some(bancas.id),
            "efectivo",
            None,
        ),
        (
            "10/05/2025",
            "Pintura vinílica blanca 19 L",
            "2",
            "1,250.50",
            "Tlapalería La Esperanza",
            "TES0102039A1",
            "infraestructura",
            None,
            "tarjeta",
            Some("0B8E2D6A-5C1F-4E3A-9D7B-2A4C6E8F1B3D"),
        ),
    ];
    for (i, (on, concept, qty, unit, supplier, rfc, category, action, paid, folio)) in
        purchases.into_iter().enumerate()
    {
        let p = r.record_purchase(&NewPurchase {
            date: on.into(),
            concept: concept.into(),
            quantity: qty.into(),
            unit_cost: unit.into(),
            supplier: supplier.into(),
            rfc: rfc.into(),
            category: category.into(),
            action_id: action,
            paid_from: paid.into(),
            fiscal_year: String::new(),
        })?;
        let receipt = r.add_receipt(
            p.id,
            &NewReceipt {
                kind: if folio.is_some() { "cfdi" } else { "nota" }.into(),
                folio_fiscal: folio.unwrap_or("").into(),
                total: p.total.to_string(),
                issued_on: on.into(),
            },
        )?;
        r.attach_photo(
            RECEIPT.id,
            receipt.id,
            "receipt",
            &photo(10 + i as u8, 720, 960),
            "",
        )?;
    }
    Ok((r, a.id))
}

fn first_page_png(pdf: &Path) {
    let stem = pdf.with_extension("");
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&stem)
        .status();
    match out {
        Ok(s) if s.success() => println!("wrote {}", stem.with_extension("png").display()),
        _ => println!("pdftoppm not available: no PNG of {}", pdf.display()),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples"));
    std::fs::create_dir_all(&out)?;
    let out = out.canonicalize()?;
    let tmp = std::env::temp_dir().join(format!("cosabi-docs-examples-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let (mut replica, assembly) = demo(&tmp)?;
    // Sealed as a device enrolled with a server at this address would seal them.
    let issuer = cosabi_reports::Issuer::now(Some("https://cosabi.example.gob.mx".into()));

    let acta = out.join("acta.pdf");
    std::fs::write(
        &acta,
        cosabi_reports::issue_acta(&mut replica, assembly, &issuer)?,
    )?;
    let cuadernillo = out.join("cuadernillo.pdf");
    std::fs::write(
        &cuadernillo,
        cosabi_reports::issue_cuadernillo(&mut replica, YEAR, &issuer)?,
    )?;
    std::fs::write(
        out.join("cuadernillo.xlsx"),
        cosabi_reports::cuadernillo_xlsx(&replica, YEAR)?,
    )?;
    let zip = std::fs::File::create(out.join("expediente.zip"))?;
    let report = cosabi_reports::expediente_zip_sealed(&replica, YEAR, zip, &issuer)?;
    for seal in &report.seals {
        replica.record_seal(seal)?;
    }
    println!(
        "expediente: {} files, gaps found: {}",
        report.files.len(),
        report.completeness.gaps.len()
    );
    for pdf in [&acta, &cuadernillo] {
        first_page_png(pdf);
    }
    drop(replica);
    std::fs::remove_dir_all(&tmp)?;
    Ok(())
}
