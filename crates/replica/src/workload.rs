//! The clinic-year workload of BENCHMARKS.md, built through the app's typed write
//! methods (real writes, change log included), from a seed.
//!
//! [`clinic_year`] builds one clinic's year: 1 clinic, 7 committee members + 2 staff
//! (and 31 community members, so each assembly has 40 people on its attendance list),
//! 24 assemblies each with 40 attendance rows, a 5-item agenda and about 2,000
//! characters of Spanish minutes, 60 agreements, 40 planned actions, 30 card
//! movements, and 400 purchases with 2 receipts each and 2 photo records per receipt.
//! [`random_edits`] then makes further field edits on random existing records; the
//! sync harness calls it on each device.
//!
//! The same seed gives the same records and the same number of field changes; row ids
//! are UUIDv7 and differ from run to run, so records are picked by their position in
//! id order, which is creation order on every replica.

use crate::error::Result;
use crate::Replica;
use cosabi_core::actions::{ActionStatus, NewAction};
use cosabi_core::assembly::{AgreementStatus, NewAgreement, NewAssembly};
use cosabi_core::clinic::NewClinic;
use cosabi_core::committee::NewMember;
use cosabi_core::ids::MemberId;
use cosabi_core::ledger::{NewCardMovement, NewPurchase, NewReceipt, PurchaseAmounts};
use cosabi_core::photo::NewPhoto;
use cosabi_core::schema::RECEIPT;
use cosabi_core::Centavos;
use rusqlite::OptionalExtension;
use uuid::Uuid;

/// splitmix64 (Steele, Lea & Flood 2014): a 64-bit generator in a few lines. Written
/// here rather than taken from `rand` so the workload needs no extra dependency and a
/// seed gives the same workload on every version of the project.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (multiply-shift: no modulo bias worth the name); `n` > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        out
    }
}

/// What [`clinic_year`] built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadSummary {
    pub seed: u64,
    pub members: u64,
    pub assemblies: u64,
    pub attendance: u64,
    pub agreements: u64,
    pub actions: u64,
    pub card_movements: u64,
    pub purchases: u64,
    pub receipts: u64,
    pub photos: u64,
    /// Field changes this replica logged while building it.
    pub field_changes: u64,
}

/// The fiscal year the workload's money belongs to.
pub const YEAR: i32 = 2025;

const SEATS: [(&str, &str); 9] = [
    ("Juana Tzompaxtle Xocua", "presidente"),
    ("Rogelio Tepole Colohua", "secretario"),
    ("María Cuaquehua Tlaxcala", "tesorero"),
    ("Ana Lilia Xalamihua", "vocal_salud"),
    ("Pedro Temoxtle Sánchez", "vocal_saneamiento"),
    ("Lucía Panzo Itehua", "vocal_nutricion"),
    ("Tomás Coyotl Macuixtle", "vocal_educacion"),
    ("Dra. Elena Vázquez Ruiz", "personal_salud"),
    ("Enf. Marcos Tlaxcala Ruiz", "personal_salud"),
];

const FIRST_NAMES: [&str; 16] = [
    "Adela",
    "Bernardo",
    "Carmen",
    "Delfino",
    "Esperanza",
    "Fidel",
    "Guadalupe",
    "Hilario",
    "Inés",
    "Jacinto",
    "Leticia",
    "Macario",
    "Natalia",
    "Octavio",
    "Petra",
    "Rufino",
];

const SURNAMES: [&str; 16] = [
    "Xocua",
    "Tepole",
    "Colohua",
    "Itehua",
    "Panzo",
    "Coyotl",
    "Macuixtle",
    "Zepahua",
    "Tlacotempa",
    "Cuaquehua",
    "Temoxtle",
    "Xalamihua",
    "Sánchez",
    "Hernández",
    "Martínez",
    "Tzompaxtle",
];

const PLACES: [&str; 4] = [
    "Sala de espera del Centro de Salud",
    "Agencia municipal",
    "Escuela primaria Benito Juárez",
    "Casa de salud comunitaria",
];

const AGENDA: [&str; 12] = [
    "Lista de asistencia y verificación del quórum",
    "Lectura y aprobación del orden del día",
    "Lectura del acta anterior",
    "Informe de la tesorería sobre el uso de los recursos",
    "Seguimiento de acuerdos pendientes",
    "Necesidades de infraestructura del centro de salud",
    "Propuesta de compra de equipamiento",
    "Informe de la contraloría social",
    "Mantenimiento de mobiliario",
    "Revisión de comprobantes fiscales",
    "Asuntos generales",
    "Clausura de la asamblea",
];

const SENTENCES: [&str; 24] = [
    "Siendo las diez horas, se reunieron en el lugar señalado los integrantes del comité y los habitantes de la comunidad.",
    "La secretaria pasó lista de asistencia y se verificó que existe quórum legal para sesionar.",
    "Se dio lectura al orden del día, que fue aprobado por unanimidad de los presentes.",
    "El tesorero informó el saldo de la tarjeta y presentó los comprobantes de las compras del periodo.",
    "Los asistentes revisaron las facturas y las notas de compra y no encontraron observaciones.",
    "La vocal de salud expuso que el techo de la sala de espera presenta filtraciones en temporada de lluvias.",
    "Se acordó solicitar tres cotizaciones para la impermeabilización antes de la siguiente asamblea.",
    "El personal de salud señaló la necesidad de una báscula pediátrica y un baumanómetro nuevo.",
    "La contraloría social verificó que las bancas adquiridas se encuentran instaladas y en buen estado.",
    "Se informó que los recursos deben ejercerse dentro del ejercicio fiscal y que lo no ejercido se reintegra.",
    "Un vecino preguntó por el horario de atención y se le explicó que el comité no decide sobre el personal.",
    "Se revisó el avance de los acuerdos de la asamblea anterior y se actualizó su estado.",
    "El presidente propuso pintar la fachada con apoyo de faena comunitaria, lo que fue aprobado.",
    "Se acordó que el tesorero retire efectivo únicamente para compras que no aceptan pago con tarjeta.",
    "La vocal de saneamiento informó sobre la limpieza del área de residuos y la reparación de la fosa.",
    "Se explicó a los asistentes cómo consultar el expediente de gastos del comité.",
    "Se registraron las propuestas de la comunidad para las mejoras del siguiente trimestre.",
    "La asamblea aprobó la compra de dos archiveros metálicos para resguardar los expedientes.",
    "Se recordó que toda compra debe contar con comprobante y fotografía del recibo.",
    "La vocal de nutrición propuso instalar un bebedero de agua potable en la sala de espera.",
    "El vocal de educación ofreció organizar una plática sobre el uso de los recursos del programa.",
    "No habiendo otro asunto que tratar, se dio por terminada la asamblea a las trece horas.",
    "Firman al calce los integrantes del comité que intervinieron, para los efectos que haya lugar.",
    "Se tomó nota de las observaciones y se turnaron al comité para su atención.",
];

const AGREEMENTS: [&str; 10] = [
    "Solicitar tres cotizaciones para impermeabilizar el techo de la sala de espera",
    "Comprar una báscula pediátrica para el consultorio",
    "Organizar faena comunitaria para pintar la fachada",
    "Reparar la instalación eléctrica del consultorio dos",
    "Adquirir dos archiveros metálicos para los expedientes",
    "Instalar un bebedero de agua potable",
    "Revisar los comprobantes del trimestre con la contraloría social",
    "Cambiar las chapas de las puertas de la farmacia",
    "Comprar sillas para la sala de espera",
    "Publicar el informe de gastos en el periódico mural",
];

const ACTIONS: [(&str, &str); 8] = [
    (
        "infraestructura",
        "Impermeabilización del techo de la sala de espera",
    ),
    ("infraestructura", "Reparación de la instalación eléctrica"),
    (
        "infraestructura",
        "Pintura de la fachada y la barda perimetral",
    ),
    ("equipamiento", "Báscula pediátrica con estadímetro"),
    ("equipamiento", "Baumanómetro digital y estetoscopio"),
    ("mobiliario", "Bancas para la sala de espera"),
    ("mobiliario", "Archiveros metálicos para expedientes"),
    ("mobiliario", "Escritorio y sillas para el consultorio"),
];

const CONCEPTS: [(&str, &str); 10] = [
    ("infraestructura", "Impermeabilizante acrílico 19 L"),
    ("infraestructura", "Pintura vinílica blanca 19 L"),
    ("infraestructura", "Cable eléctrico calibre 12, rollo"),
    ("infraestructura", "Mano de obra de albañilería"),
    ("equipamiento", "Báscula pediátrica"),
    ("equipamiento", "Baumanómetro digital"),
    ("equipamiento", "Termómetro infrarrojo"),
    ("mobiliario", "Silla apilable de plástico"),
    ("mobiliario", "Archivero metálico de 4 gavetas"),
    ("mobiliario", "Banca de espera de 3 plazas"),
];

const SUPPLIERS: [(&str, &str); 6] = [
    ("Tlapalería La Esperanza", "TES0102039A1"),
    ("Ferretería y Materiales del Golfo", "FMG980715KJ2"),
    ("Equipo Médico de Orizaba", "EMO1106223H7"),
    ("Muebles Tlaquilpa", ""),
    ("José Ramírez Tepole (albañil)", "RATJ800214AB3"),
    ("Papelería y Mercería Rosy", ""),
];

fn date_in(rng: &mut SplitMix64, year: i32) -> chrono::NaiveDate {
    let first = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    first + chrono::Days::new(rng.below(365))
}

fn iso(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Spanish minutes of at least `chars` characters, from the fixed sentences.
fn minutes(rng: &mut SplitMix64, chars: usize) -> String {
    let mut out = String::with_capacity(chars + 200);
    while out.chars().count() < chars {
        if !out.is_empty() {
            out.push(' ');
        }
        let sentence: &&str = rng.pick(&SENTENCES);
        out.push_str(sentence);
    }
    out
}

/// Five distinct agenda items, one per line.
fn agenda(rng: &mut SplitMix64) -> String {
    let mut items: Vec<&str> = AGENDA.to_vec();
    for i in 0..5 {
        let j = i + rng.below((items.len() - i) as u64) as usize;
        items.swap(i, j);
    }
    items[..5].join("\n")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn pesos(rng: &mut SplitMix64, lo: i64, hi: i64) -> String {
    Centavos(rng.range(lo * 100, hi * 100)).to_string()
}

/// Builds the clinic-year workload in `replica`, which must not hold a clinic yet.
pub fn clinic_year(replica: &mut Replica, seed: u64) -> Result<WorkloadSummary> {
    clinic_year_of(replica, seed, "VZIMB000417")
}

/// [`clinic_year`] for the clinic `clues` (a replica holds one clinic, and a server
/// takes a clinic's changes only for its own `clinic` row).
pub fn clinic_year_of(replica: &mut Replica, seed: u64, clues: &str) -> Result<WorkloadSummary> {
    let mut rng = SplitMix64::new(seed);
    let start = replica.local_change_count();
    replica.create_clinic(&NewClinic {
        clues: clues.into(),
        name: "Centro de Salud Rural Tlaquilpa".into(),
        state: clues.get(..2).unwrap_or("VZ").into(),
        municipality: "Tlaquilpa".into(),
        locality: "Tlaquilpa".into(),
        consultorios: 2,
    })?;

    let mut members: Vec<MemberId> = Vec::with_capacity(40);
    for (name, role) in SEATS {
        let m = replica.add_member(&NewMember {
            name: name.into(),
            role: role.into(),
            term_start: "12/04/2024".into(),
            term_end: "11/04/2026".into(),
            gender: String::new(),
        })?;
        members.push(m.id);
    }
    // Community members who volunteer for the contraloría social: with them each
    // assembly's list has the 40 people the workload asks for.
    while members.len() < 40 {
        let name = format!(
            "{} {} {}",
            rng.pick(&FIRST_NAMES),
            rng.pick(&SURNAMES),
            rng.pick(&SURNAMES)
        );
        let m = replica.add_member(&NewMember {
            name,
            role: "contraloria_social".into(),
            term_start: "01/01/2025".into(),
            term_end: String::new(),
            gender: String::new(),
        })?;
        members.push(m.id);
    }
    let seats = &members[..7];

    let mut agreements: Vec<Uuid> = Vec::with_capacity(60);
    let mut attendance = 0;
    for i in 0..24u32 {
        // Two assemblies a month, the second and fourth week.
        let on = chrono::NaiveDate::from_ymd_opt(YEAR, i / 2 + 1, if i % 2 == 0 { 8 } else { 22 })
            .unwrap_or_default();
        let kind = match i {
            0 => "constitutiva",
            _ if i % 6 == 5 => "extraordinaria",
            _ => "ordinaria",
        };
        let a = replica.create_assembly(&NewAssembly {
            kind: kind.into(),
            date: iso(on),
            place: rng.pick(&PLACES).to_string(),
            agenda: agenda(&mut rng),
            community_attendees: rng.range(5, 60).to_string(),
            quorum_percent: String::new(),
            minutes: minutes(&mut rng, 2_000),
        })?;
        for m in &members {
            replica.set_attendance(a.id, *m, rng.chance(85))?;
            attendance += 1;
        }
        // 3 agreements in even assemblies, 2 in odd ones: 60 in the year.
        for _ in 0..(3 - i % 2) {
            let due = on + chrono::Days::new(rng.range(15, 90) as u64);
            let responsible = rng.chance(80).then(|| *rng.pick(seats));
            let ag = replica.add_agreement(
                a.id,
                &NewAgreement {
                    text: rng.pick(&AGREEMENTS).to_string(),
                    responsible_id: responsible,
                    due_date: if rng.chance(70) {
                        iso(due)
                    } else {
                        String::new()
                    },
                },
            )?;
            agreements.push(ag.id);
        }
    }

    let mut actions: Vec<Uuid> = Vec::with_capacity(40);
    for _ in 0..40 {
        let (category, description) = *rng.pick(&ACTIONS);
        let agreement_id = rng.chance(50).then(|| *rng.pick(&agreements));
        let a = replica.create_action(&NewAction {
            category: category.into(),
            description: description.into(),
            estimated_cost: pesos(&mut rng, 2_000, 80_000),
            agreement_id,
        })?;
        actions.push(a.id);
    }

    // The card: two dispersiones of half the allocation, 24 withdrawals, 3 returns
    // of change, and the year-end reintegro.
    let mut movements = Vec::with_capacity(30);
    for month in [3u32, 7] {
        movements.push((
            "deposito",
            "300,000".to_owned(),
            format!("{YEAR}-{month:02}-15"),
        ));
    }
    for i in 0..24u32 {
        movements.push((
            "retiro",
            pesos(&mut rng, 1_000, 6_000),
            format!("{YEAR}-{:02}-{:02}", i / 2 + 1, 10 + i % 2 * 14),
        ));
    }
    for month in [4u32, 8, 11] {
        movements.push((
            "cambio_devuelto",
            pesos(&mut rng, 50, 900),
            format!("{YEAR}-{month:02}-28"),
        ));
    }
    movements.push((
        "reintegro",
        pesos(&mut rng, 5_000, 30_000),
        format!("{YEAR}-12-30"),
    ));
    for (kind, amount, on) in &movements {
        replica.add_card_movement(&NewCardMovement {
            kind: (*kind).into(),
            amount: amount.clone(),
            date: on.clone(),
            note: format!("Movimiento de {kind}"),
            fiscal_year: String::new(),
        })?;
    }

    let (mut receipts, mut photos) = (0, 0);
    for _ in 0..400 {
        let on = date_in(&mut rng, YEAR);
        let (category, concept) = *rng.pick(&CONCEPTS);
        let (supplier, rfc) = *rng.pick(&SUPPLIERS);
        let quantity = rng.range(1, 5);
        let unit = rng.range(5_000, 80_000);
        let action_id = rng.chance(60).then(|| *rng.pick(&actions));
        let p = replica.record_purchase(&NewPurchase {
            date: iso(on),
            concept: concept.into(),
            quantity: quantity.to_string(),
            unit_cost: Centavos(unit).to_string(),
            supplier: supplier.into(),
            rfc: rfc.into(),
            category: category.into(),
            action_id,
            paid_from: if rng.chance(75) {
                "tarjeta"
            } else {
                "efectivo"
            }
            .into(),
            fiscal_year: String::new(),
        })?;
        for k in 0..2 {
            let (kind, folio) = if k == 0 {
                let folio = uuid::Builder::from_random_bytes(rng.bytes::<16>()).into_uuid();
                ("cfdi", folio.to_string())
            } else {
                (
                    *rng.pick(&["nota", "recibo_simple", "ficha_bancaria"]),
                    String::new(),
                )
            };
            let r = replica.add_receipt(
                p.id,
                &NewReceipt {
                    kind: kind.into(),
                    folio_fiscal: folio,
                    total: p.total.to_string(),
                    issued_on: iso(on),
                },
            )?;
            receipts += 1;
            for _ in 0..2 {
                replica.add_photo(&NewPhoto {
                    owner_table: RECEIPT.id,
                    owner_id: r.id,
                    kind: "receipt".into(),
                    sha256: hex(&rng.bytes::<32>()),
                    size_bytes: rng.range(60 * 1024, 150 * 1024),
                    mime: "image/jpeg".into(),
                    taken_at: format!(
                        "{}T{:02}:{:02}:00-06:00",
                        iso(on),
                        rng.range(8, 18),
                        rng.range(0, 59)
                    ),
                })?;
                photos += 1;
            }
        }
    }

    Ok(WorkloadSummary {
        seed,
        members: members.len() as u64,
        assemblies: 24,
        attendance,
        agreements: agreements.len() as u64,
        actions: actions.len() as u64,
        card_movements: movements.len() as u64,
        purchases: 400,
        receipts,
        photos,
        field_changes: replica.local_change_count() - start,
    })
}

/// Ids of a table's live rows in id order (creation order for UUIDv7), optionally
/// narrowed by a fixed SQL condition.
fn ids(replica: &Replica, table: &str, condition: &str) -> Result<Vec<Uuid>> {
    let sql = format!("SELECT id FROM {table} WHERE deleted = 0 {condition} ORDER BY id");
    let mut stmt = replica.connection().prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(crate::rows::uuid_at(r, 0, "id")?);
    }
    Ok(out)
}

fn text_of(replica: &Replica, sql: &str, id: Uuid) -> Result<String> {
    Ok(replica
        .connection()
        .query_row(sql, [id.as_bytes().as_slice()], |r| {
            r.get::<_, Option<String>>(0)
        })?
        .unwrap_or_default())
}

/// Makes `n` random field edits on random existing records of the workload, each
/// through a typed update method, and returns how many field changes they logged
/// (an edit can log more than one: a purchase's amount also rewrites its total).
///
/// The mix: minutes of draft actas 10 %, purchase amounts 25 %, agreement status
/// 20 %, action description 15 %, attendance 15 %, community attendees 10 %, action
/// status 5 %. An edit the rules refuse (an acta closed by another device) or that
/// would change nothing is replaced by another, so `n` edits are made while the
/// records allow it.
pub fn random_edits(replica: &mut Replica, seed: u64, n: usize) -> Result<u64> {
    let mut rng = SplitMix64::new(seed);
    let start = replica.local_change_count();
    let drafts = ids(replica, "assembly", "AND status = 'draft'")?;
    let purchases = ids(replica, "purchase", "")?;
    let agreements = ids(replica, "agreement", "")?;
    let actions = ids(replica, "action", "")?;
    let members = ids(replica, "member", "")?;
    let verifiers = ids(
        replica,
        "member",
        "AND (role LIKE 'vocal_%' OR role = 'contraloria_social')",
    )?;
    let (mut done, mut attempts) = (0usize, 0usize);
    while done < n && attempts < n.saturating_mul(20) {
        attempts += 1;
        let roll = rng.below(100);
        let outcome = match roll {
            0..=9 if !drafts.is_empty() => {
                let a = *rng.pick(&drafts);
                let current = text_of(replica, "SELECT minutes FROM assembly WHERE id = ?1", a)?;
                // One sentence added at the end, the oldest dropped past ~2,400
                // characters: minutes stay about the size the workload gave them.
                let mut m = format!("{current} {}", rng.pick(&SENTENCES));
                if m.chars().count() > 2_400 {
                    if let Some(cut) = m.find(". ") {
                        m = m[cut + 2..].to_owned();
                    }
                }
                replica.update_assembly_minutes(a, &m)
            }
            10..=34 if !purchases.is_empty() => {
                let p = *rng.pick(&purchases);
                let (q, u): (Option<i64>, Option<i64>) = replica.connection().query_row(
                    "SELECT quantity, unit_cost FROM purchase WHERE id = ?1",
                    [p.as_bytes().as_slice()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                let (mut q, mut u) = (q.unwrap_or(1), u.unwrap_or(100));
                if rng.chance(50) {
                    q = rng.range(1, 12);
                } else {
                    u = rng.range(5_000, 80_000);
                }
                replica.update_purchase_amounts(
                    p,
                    &PurchaseAmounts {
                        quantity: q.to_string(),
                        unit_cost: Centavos(u).to_string(),
                    },
                )
            }
            35..=54 if !agreements.is_empty() => {
                let a = *rng.pick(&agreements);
                let status = rng.pick(AgreementStatus::ALL).code();
                replica.set_agreement_status(a, status)
            }
            55..=69 if !actions.is_empty() => {
                let id = *rng.pick(&actions);
                match replica.action(id)? {
                    Some(a) => {
                        let (_, description) = *rng.pick(&ACTIONS);
                        replica.update_action(
                            id,
                            &NewAction {
                                category: a.category,
                                description: format!("{description} ({})", rng.range(1, 999)),
                                estimated_cost: a.estimated_cost.to_string(),
                                agreement_id: a.agreement_id,
                            },
                        )
                    }
                    None => Ok(0),
                }
            }
            70..=84 if !drafts.is_empty() && !members.is_empty() => {
                let a = *rng.pick(&drafts);
                let m = MemberId(*rng.pick(&members));
                let id =
                    cosabi_core::ids::natural_id("attendance", &[a.as_bytes(), m.0.as_bytes()]);
                let present: Option<i64> = replica
                    .connection()
                    .query_row(
                        "SELECT present FROM attendance WHERE id = ?1",
                        [id.as_bytes().as_slice()],
                        |r| r.get(0),
                    )
                    .optional()?
                    .flatten();
                replica.set_attendance(a, m, present != Some(1))
            }
            85..=94 if !drafts.is_empty() => {
                let a = *rng.pick(&drafts);
                replica.set_community_attendees(a, &rng.range(0, 80).to_string())
            }
            95..=99 if !actions.is_empty() => {
                let id = *rng.pick(&actions);
                match replica.action(id)? {
                    Some(a) => {
                        match ActionStatus::from_code(&a.status).and_then(ActionStatus::next) {
                            Some(ActionStatus::Verificada) if !verifiers.is_empty() => {
                                let v = MemberId(*rng.pick(&verifiers));
                                replica.verify_action(id, v).map(|_| 3)
                            }
                            Some(next) if next != ActionStatus::Verificada => {
                                replica.set_action_status(id, next.code())
                            }
                            _ => Ok(0),
                        }
                    }
                    None => Ok(0),
                }
            }
            _ => Ok(0),
        };
        match outcome {
            Ok(0) => {}
            Ok(_) => done += 1,
            // Refused by a rule: the record moved on (closed, verified); pick another.
            Err(crate::Error::Invalid(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(replica.local_change_count() - start)
}

/// Devices that edit the clinic-year in BENCHMARKS.md.
pub const DEVICES: usize = 4;
/// Edits each device makes.
pub const EDITS_PER_DEVICE: usize = 500;
/// Of those, edits of fields every device edits (concurrently): 10 %.
pub const SHARED_EDITS_PER_DEVICE: usize = EDITS_PER_DEVICE / 10;

/// The whole workload of BENCHMARKS.md in `dir`: [`clinic_year`] on an origin
/// replica, then [`DEVICES`] devices that received it each make [`EDITS_PER_DEVICE`]
/// edits offline — [`SHARED_EDITS_PER_DEVICE`] of them on the unit costs of the same
/// purchases, each device its own value (concurrent edits of one field) — and finally
/// everything is merged back into the origin, which is returned with the number of
/// field changes it holds.
pub fn clinic_year_with_devices(dir: &std::path::Path, seed: u64) -> Result<(Replica, u64)> {
    let mut origin = Replica::open(&dir.join("origin.sqlite3"))?;
    clinic_year(&mut origin, seed)?;
    let base = origin.pages_since(&crate::VersionVector::new())?;
    let purchases = ids(&origin, "purchase", "")?;
    let mut shared = SplitMix64::new(seed ^ 0x5eed);
    let targets: Vec<Uuid> = (0..SHARED_EDITS_PER_DEVICE)
        .map(|_| purchases[(shared.next_u64() % purchases.len() as u64) as usize])
        .collect();
    for d in 0..DEVICES {
        let mut device = Replica::open(&dir.join(format!("device{d}.sqlite3")))?;
        for p in &base {
            device.apply_page(p)?;
        }
        random_edits(
            &mut device,
            seed.wrapping_add(1 + d as u64),
            EDITS_PER_DEVICE - SHARED_EDITS_PER_DEVICE,
        )?;
        for (i, id) in targets.iter().enumerate() {
            let quantity = device.purchase(*id)?.map(|p| p.quantity).unwrap_or(1);
            let unit_cost = Centavos(10_000 + (i as i64) * 100 + d as i64 * 7);
            device.update_purchase_amounts(
                *id,
                &PurchaseAmounts {
                    quantity: quantity.to_string(),
                    unit_cost: unit_cost.to_string(),
                },
            )?;
        }
        for p in device.pages_since(&origin.version_vector()?)? {
            origin.apply_page(&p)?;
        }
    }
    let changes = origin
        .all_changes()?
        .iter()
        .map(|g| g.fields.len() as u64)
        .sum();
    Ok((origin, changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(r: &Replica, table: &str) -> i64 {
        r.connection()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |x| x.get(0))
            .unwrap()
    }

    #[test]
    fn splitmix64_is_the_reference_sequence() {
        // First outputs for seed 1234567, as published with the algorithm.
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        let mut r = SplitMix64::new(9);
        for _ in 0..1000 {
            assert!((3..=7).contains(&r.range(3, 7)));
        }
    }

    #[test]
    fn clinic_year_builds_the_benchmark_workload() {
        let mut r = Replica::open_in_memory().unwrap();
        let s = clinic_year(&mut r, 42).unwrap();
        println!(
            "clinic-year workload, seed {}: {} field changes",
            s.seed, s.field_changes
        );
        for (table, n) in [
            ("clinic", 1),
            ("member", 40),
            ("assembly", 24),
            ("attendance", 960),
            ("agreement", 60),
            ("action", 40),
            ("card_movement", 30),
            ("purchase", 400),
            ("receipt", 800),
            ("photo", 1600),
            ("amendment", 0),
        ] {
            assert_eq!(count(&r, table), n, "{table}");
        }
        assert_eq!(
            (s.attendance, s.receipts, s.photos, s.card_movements),
            (960, 800, 1600, 30)
        );
        assert_eq!(s.field_changes, r.local_change_count());
        let minutes: String = r
            .connection()
            .query_row("SELECT minutes FROM assembly LIMIT 1", [], |x| x.get(0))
            .unwrap();
        assert!((2_000..2_200).contains(&minutes.chars().count()));
        for a in r.assemblies().unwrap() {
            assert_eq!(a.agenda.len(), 5);
            assert_eq!(r.assembly(a.id).unwrap().unwrap().attendance.len(), 40);
        }
        let b = r.balance(YEAR).unwrap();
        assert_eq!(b.deposits, Centavos::from_pesos(600_000));
        assert_eq!(r.purchases(YEAR, &Default::default()).unwrap().len(), 400);

        // The same seed builds the same workload.
        let mut again = Replica::open_in_memory().unwrap();
        let s2 = clinic_year(&mut again, 42).unwrap();
        assert_eq!(s2, s);

        // Further edits: deterministic too, and each logs at least one change.
        let e1 = random_edits(&mut r, 7, 500).unwrap();
        let e2 = random_edits(&mut again, 7, 500).unwrap();
        println!("500 random edits, seed 7: {e1} field changes");
        assert_eq!(e1, e2);
        assert!((500..=1_500).contains(&e1), "{e1}");
    }
}
