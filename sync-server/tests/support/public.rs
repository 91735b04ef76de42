//! A server that publishes transparency pages: demo clinics of some states synced
//! through the real protocol, one clinic built by hand with everything a public
//! page shows and everything it must not (member names, suppliers, an RFC, a CFDI
//! folio, a receipt photo — also recorded as an "after" photo —, a draft acta), and
//! a clinic of a state that does not publish.

use super::*;
use chrono::Datelike;
use cosabi_core::actions::NewAction;
use cosabi_core::assembly::{NewAgreement, NewAssembly};
use cosabi_core::clinic::NewClinic;
use cosabi_core::committee::{NewMember, Role};
use cosabi_core::ledger::{NewCardMovement, NewPurchase, NewReceipt};
use cosabi_core::schema::{ACTION, RECEIPT};
use cosabi_replica::blob_client::BlobClient;
use cosabi_sync_server::blob_store::BlobStore;
use cosabi_sync_server::demo::{read_table, TableRow};
use cosabi_sync_server::programme::fold::clinic_pages;
use cosabi_sync_server::sqlite_store::SqliteStore;
use cosabi_sync_server::store::Store;
use cosabi_sync_server::AppState;

/// The states the server publishes: the demo's, and Nayarit for the hand-built clinic.
pub const NAYARIT: &str = "NT";
/// The hand-built clinic.
pub const CLUES: &str = "NTIMB000123";
/// A clinic of Veracruz, which does not publish (`assets/demo/clinic.json`).
pub const UNPUBLISHED_CLUES: &str = "VZIMB000417";
/// An agreement typed as a list item: a spreadsheet would take the leading `-` for
/// a formula, so the CSV must neutralise it.
pub const DASH_AGREEMENT: &str = "- Pintar la barda perimetral en faena con la comunidad";
/// The text of an agreement in an acta still in draft: not published.
pub const DRAFT_AGREEMENT: &str = "Acuerdo de un acta que sigue en borrador";

/// The committee of the hand-built clinic: (name, role).
pub const MEMBERS: [(&str, Role); 9] = [
    ("Rosalía Carrillo de la Cruz", Role::Presidente),
    ("Anselmo Díaz Muñoz", Role::Secretario),
    ("Brígida Ortiz Candelario", Role::Tesorero),
    ("Herminio Bautista Flores", Role::VocalSalud),
    ("Modesta Rentería Solís", Role::VocalSaneamiento),
    ("Eulalia Ramos Cayetano", Role::VocalNutricion),
    ("Crescencio López Madera", Role::VocalEducacion),
    ("Fidencio Cázares Robles", Role::ContraloriaSocial),
    ("Dra. Itzel Varela Quintero", Role::PersonalSalud),
];

pub struct PublicSite {
    pub server: Server,
    /// The demo states' lines of the seed table.
    pub table: Vec<TableRow>,
    pub year: i32,
    pub before_sha: String,
    pub after_sha: String,
    pub receipt_sha: String,
    /// The bytes the server holds for the before and after photos.
    pub before_jpeg: Vec<u8>,
    pub after_jpeg: Vec<u8>,
    /// What no public page may show: every member name, supplier, RFC, CFDI folio
    /// and acta minutes of every synced clinic, read back from the server's store.
    pub private_texts: Vec<String>,
    _dir: tempfile::TempDir,
}

/// A JPEG of `w`×`h` pixels: a sky over a wall whose colour says before or after.
pub fn scene_jpeg(w: u32, h: u32, after: bool) -> Vec<u8> {
    let wall = if after { [46, 125, 92] } else { [121, 96, 76] };
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        if y < h / 3 {
            image::Rgb([150, 190, (200 + (x * 40 / w)) as u8])
        } else if !after && (x / 23 + y / 17) % 7 == 0 {
            // Stains on the old wall.
            image::Rgb([70, 60, 52])
        } else {
            let shade = (y * 30 / h) as u8;
            image::Rgb([wall[0] - shade, wall[1] - shade, wall[2] - shade])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// An ISO day of this year, `back` days before today (January 1st at the earliest).
fn day(back: i64) -> String {
    let today = chrono::Local::now().date_naive();
    let first = today.with_ordinal(1).unwrap();
    (today - chrono::Duration::days(back))
        .max(first)
        .format("%d/%m/%Y")
        .to_string()
}

/// Builds the hand-built clinic on an enrolled device, syncs it and uploads its
/// photos; returns (before, after, receipt) photo names.
async fn hand_built_clinic(server: &Server, dir: &Path) -> (String, String, String) {
    let code = admin(
        &server.db,
        &[
            "clinic",
            "add",
            "--clues",
            CLUES,
            "--name",
            "Centro de Salud Jesús María",
            "--state",
            NAYARIT,
            "--consultorios",
            "2",
            "--municipality",
            "Del Nayar",
        ],
    );
    let code = code
        .lines()
        .find_map(|l| l.strip_prefix("enrollment code: "))
        .unwrap()
        .trim()
        .to_owned();
    let device = Device::enroll(dir, "nayarit", &server.url, &code).await;
    let year = chrono::Local::now().year();
    let shas = device.with(|r| {
        r.create_clinic(&NewClinic {
            clues: CLUES.into(),
            name: "Centro de Salud Jesús María".into(),
            state: NAYARIT.into(),
            municipality: "Del Nayar".into(),
            locality: "Jesús María".into(),
            consultorios: 2,
        })
        .unwrap();
        let mut ids = Vec::new();
        for (name, role) in MEMBERS {
            let m = r
                .add_member(&NewMember {
                    name: name.into(),
                    role: role.code().into(),
                    term_start: format!("01/01/{year}"),
                    term_end: format!("31/12/{}", year + 2),
                    gender: String::new(),
                })
                .unwrap();
            ids.push((role, m.id));
        }
        let holder = |want: Role| ids.iter().find(|(r, _)| *r == want).map(|(_, id)| *id);
        r.add_card_movement(&NewCardMovement {
            kind: "deposito".into(),
            amount: "600000".into(),
            date: day(200),
            note: "Dispersión del programa".into(),
            fiscal_year: year.to_string(),
        })
        .unwrap();

        // The constitutive assembly, closed, with its agreements.
        let held = r
            .create_assembly(&NewAssembly {
                kind: "constitutiva".into(),
                date: day(190),
                place: "Cancha techada de Jesús María".into(),
                agenda: "Lista de asistencia\nElección del comité\nAcuerdos".into(),
                community_attendees: "43".into(),
                quorum_percent: String::new(),
                minutes: "Rosalía Carrillo de la Cruz abrió la asamblea a las 10:00.".into(),
            })
            .unwrap();
        for (text, role) in [
            (
                "Impermeabilizar el techo de la sala de espera antes de las lluvias",
                Some(Role::Tesorero),
            ),
            (
                "Revisar que el baumanómetro llegue completo",
                Some(Role::ContraloriaSocial),
            ),
            (DASH_AGREEMENT, None),
        ] {
            r.add_agreement(
                held.id,
                &NewAgreement {
                    text: text.into(),
                    responsible_id: role.and_then(holder),
                    due_date: day(100),
                },
            )
            .unwrap();
        }
        r.close_assembly(held.id, holder(Role::Secretario).unwrap())
            .unwrap();
        let first = r.agreements(held.id).unwrap()[0].id;
        r.set_agreement_status(first, "cumplido").unwrap();
        // An ordinary assembly whose acta is still a draft.
        let draft = r
            .create_assembly(&NewAssembly {
                kind: "ordinaria".into(),
                date: day(10),
                place: "Centro de salud".into(),
                ..Default::default()
            })
            .unwrap();
        r.add_agreement(
            draft.id,
            &NewAgreement {
                text: DRAFT_AGREEMENT.into(),
                responsible_id: holder(Role::Presidente),
                due_date: String::new(),
            },
        )
        .unwrap();

        // The roof: finished, with photos before and after.
        let roof = r
            .create_action(&NewAction {
                category: "infraestructura".into(),
                description: "Impermeabilizar el techo de la sala de espera".into(),
                estimated_cost: "85000".into(),
                agreement_id: None,
            })
            .unwrap();
        for status in ["aprobada", "en_proceso", "terminada"] {
            r.set_action_status(roof.id, status).unwrap();
        }
        let before = r
            .attach_photo(
                ACTION.id,
                roof.id,
                "before",
                &scene_jpeg(1200, 900, false),
                "",
            )
            .unwrap();
        let after = r
            .attach_photo(
                ACTION.id,
                roof.id,
                "after",
                &scene_jpeg(1200, 900, true),
                "",
            )
            .unwrap();
        let purchase = r
            .record_purchase(&NewPurchase {
                date: day(150),
                concept: "Impermeabilizante acrílico 19 L".into(),
                quantity: "10".into(),
                unit_cost: "8350".into(),
                supplier: "Impermeabilizantes Carrillo e Hijos".into(),
                rfc: "TES0102039A1".into(),
                category: "infraestructura".into(),
                action_id: Some(roof.id),
                paid_from: "tarjeta".into(),
                fiscal_year: year.to_string(),
            })
            .unwrap();
        let receipt = r
            .add_receipt(
                purchase.id,
                &NewReceipt {
                    kind: "cfdi".into(),
                    folio_fiscal: "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f".into(),
                    total: "83500".into(),
                    issued_on: day(150),
                },
            )
            .unwrap();
        let receipt_photo = r
            .attach_photo(
                RECEIPT.id,
                receipt.id,
                "receipt",
                &scene_jpeg(600, 800, false),
                "",
            )
            .unwrap();

        // Equipment, verified; its "after" photo row names the receipt's bytes.
        let equipment = r
            .create_action(&NewAction {
                category: "equipamiento".into(),
                description: "Baumanómetro digital y glucómetro para el consultorio".into(),
                estimated_cost: "12500".into(),
                agreement_id: None,
            })
            .unwrap();
        for status in ["aprobada", "en_proceso", "terminada"] {
            r.set_action_status(equipment.id, status).unwrap();
        }
        r.verify_action(equipment.id, holder(Role::VocalSalud).unwrap())
            .unwrap();
        r.add_photo(&cosabi_core::photo::NewPhoto {
            owner_table: ACTION.id,
            owner_id: equipment.id,
            kind: "after".into(),
            sha256: receipt_photo.sha256.clone(),
            size_bytes: receipt_photo.size_bytes,
            mime: "image/jpeg".into(),
            taken_at: String::new(),
        })
        .unwrap();
        r.record_purchase(&NewPurchase {
            date: day(120),
            concept: "Baumanómetro digital".into(),
            quantity: "1".into(),
            unit_cost: "11990".into(),
            supplier: "Equipo Médico Xalisco".into(),
            category: "equipamiento".into(),
            action_id: Some(equipment.id),
            paid_from: "tarjeta".into(),
            fiscal_year: year.to_string(),
            ..Default::default()
        })
        .unwrap();

        // Chairs, only proposed.
        r.create_action(&NewAction {
            category: "mobiliario".into(),
            description: "Sillas para la sala de espera".into(),
            estimated_cost: "18000".into(),
            agreement_id: None,
        })
        .unwrap();
        (before.sha256, after.sha256, receipt_photo.sha256)
    });
    device.sync(&server.url).await;
    let uploaded = BlobClient::new(&server.url, &device.token)
        .upload_pending(&device.replica, |_, _, _| {})
        .await
        .unwrap();
    assert_eq!(uploaded, 3, "before, after and receipt photos");
    shas
}

/// The clinic of a state that does not publish, synced with the app's demo data.
async fn unpublished_clinic(server: &Server, dir: &Path) {
    let code = add_clinic(&server.db, UNPUBLISHED_CLUES);
    let device = Device::enroll(dir, "veracruz", &server.url, &code).await;
    device.with(|r| r.load_demo().unwrap());
    device.sync(&server.url).await;
}

/// Every member name, supplier, RFC, CFDI folio and acta minutes the server holds,
/// read by folding each clinic's synced changes as the server does.
async fn private_texts(db: &Path) -> Vec<String> {
    let store = SqliteStore::open(db).unwrap();
    let state = AppState::new(Arc::new(store.clone()), BlobStore::in_memory());
    let mut out = Vec::new();
    for clinic in store.clinics().await.unwrap() {
        let pages = clinic_pages(&state, clinic.id).await.unwrap();
        let mut replica = Replica::open_in_memory().unwrap();
        for p in &pages {
            replica.apply_page(p).unwrap();
        }
        let conn = replica.connection();
        for sql in [
            "SELECT name FROM member",
            "SELECT supplier FROM purchase",
            "SELECT rfc FROM purchase",
            "SELECT folio_fiscal FROM receipt",
            "SELECT minutes FROM assembly",
            "SELECT closed_minutes FROM assembly",
        ] {
            let mut stmt = conn.prepare(sql).unwrap();
            let rows = stmt
                .query_map([], |r| r.get::<_, Option<String>>(0))
                .unwrap();
            out.extend(rows.map(|r| r.unwrap().unwrap_or_default()));
        }
    }
    out.retain(|t| !t.trim().is_empty());
    out.sort();
    out.dedup();
    out
}

impl PublicSite {
    /// Starts a server publishing `demo_states` and Nayarit, runs the demo for
    /// `demo_states`, and adds the hand-built and the unpublished clinic.
    pub async fn start(demo_states: &[&str]) -> PublicSite {
        let dir = tempfile::tempdir().unwrap();
        let mut published: Vec<&str> = demo_states.to_vec();
        published.push(NAYARIT);
        let config = dir.path().join("server.toml");
        std::fs::write(
            &config,
            format!(
                "[transparency]\nstates = [{}]\n",
                published
                    .iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .unwrap();
        let blobs = dir.path().join("blobs");
        let server = Server::start_with(
            &dir.path().join("server.sqlite3"),
            blobs.to_str().unwrap(),
            "127.0.0.1:0",
            &[("COSABI_CONFIG", config.to_str().unwrap())],
        );
        let out = run_demo(&server, &demo_states.join(","), &dir.path().join("demo"));
        let table: Vec<TableRow> = read_table(&table_path())
            .unwrap()
            .into_iter()
            .filter(|t| demo_states.contains(&t.state.code))
            .collect();
        let clinics: u32 = table.iter().map(|t| t.clinics).sum();
        assert!(out.contains(&format!("demo: {clinics} clinics")), "{out}");
        let devices = dir.path().join("devices");
        std::fs::create_dir_all(&devices).unwrap();
        let (before_sha, after_sha, receipt_sha) = hand_built_clinic(&server, &devices).await;
        unpublished_clinic(&server, &devices).await;
        let private_texts = private_texts(&server.db).await;
        PublicSite {
            table,
            year: chrono::Local::now().year(),
            before_jpeg: read_held(&blobs, &before_sha),
            after_jpeg: read_held(&blobs, &after_sha),
            before_sha,
            after_sha,
            receipt_sha,
            private_texts,
            server,
            _dir: dir,
        }
    }

    /// GETs a path; returns the status, the headers and the body.
    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let resp = browser()
            .get(format!("{}{path}", self.server.url))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.bytes().await.unwrap().to_vec())
    }

    /// GETs a page or CSV that must exist; returns its text.
    pub async fn text(&self, path: &str) -> String {
        let (status, _, body) = self.get(path).await;
        let body = String::from_utf8(body).unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        body
    }
}

/// The bytes of a blob in the server's blob directory, wherever it keeps them.
fn read_held(dir: &Path, sha: &str) -> Vec<u8> {
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == sha) {
                return std::fs::read(path).unwrap();
            }
        }
    }
    panic!("the server holds no blob {sha}");
}
