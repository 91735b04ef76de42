//! `cosabi-sync-server demo`: fills a running server with demo clinics the way the
//! real ones arrive — registered by the admin (a clinic and a one-time code in the
//! server's database), then one device per clinic that builds a small replica with
//! the app's typed writes, enrolls over HTTP and syncs with the device's own sync
//! engine ([`cosabi_replica::client::SyncClient`]).
//!
//! The per-state figures come from a table like the seed releases'
//! (`estado,comites_instalados,centros_de_salud`): of a state's N clinics, exactly
//! the table's number get all seven committee seats filled; the others get some of
//! them. The programme view must then compute the table's figures from the synced
//! committees — nothing of the table is stored on the server.

use crate::auth::sha256_hex;
use crate::store::ClinicRecord;
use anyhow::Context;
use chrono::Datelike;
use cosabi_core::actions::{ActionStatus, NewAction};
use cosabi_core::assembly::{AgreementStatus, NewAgreement, NewAssembly};
use cosabi_core::clinic::{State, STATES};
use cosabi_core::committee::{NewMember, Role};
use cosabi_core::ids::clinic_id_for_clues;
use cosabi_core::ledger::{NewCardMovement, NewPurchase, NewReceipt};
use cosabi_core::photo::NewPhoto;
use cosabi_core::schema::ACTION;
use cosabi_replica::client::{enroll, SyncClient};
use cosabi_replica::workload::SplitMix64;
use cosabi_replica::Replica;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Clinics built and synced at once unless told otherwise.
pub const DEMO_PARALLEL_DEFAULT: usize = 16;
/// Most clinics one table row may ask for (the largest state has about 1,250).
pub const CLINICS_PER_STATE_MAX: u32 = 20_000;
/// Demo CLUES take numbers from here up, clear of the series real units use.
const DEMO_CLUES_FIRST: u32 = 900_001;
/// How long the demo's enrollment codes last.
const CODE_TTL_MS: u64 = 24 * 60 * 60 * 1000;

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub state: &'static State,
    pub installed: u32,
    pub clinics: u32,
}

/// A state by its name as the releases write it, or by its two-letter code.
pub fn state_named(name: &str) -> Option<&'static State> {
    let n = name.trim();
    STATES
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(n) || s.code.eq_ignore_ascii_case(n))
}

/// Reads `estado,comites_instalados,centros_de_salud`.
pub fn read_table(path: &Path) -> anyhow::Result<Vec<TableRow>> {
    let mut reader = csv::Reader::from_path(path)
        .with_context(|| format!("cannot read the table {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
            .with_context(|| format!("{} has no column {name}", path.display()))
    };
    let (c_state, c_installed, c_clinics) = (
        col("estado")?,
        col("comites_instalados")?,
        col("centros_de_salud")?,
    );
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        let line = i + 2;
        let field = |c: usize| record.get(c).unwrap_or("").trim();
        let state = state_named(field(c_state))
            .with_context(|| format!("line {line}: {:?} is not a state name", field(c_state)))?;
        let number = |c: usize| -> anyhow::Result<u32> {
            field(c)
                .replace(',', "")
                .parse()
                .with_context(|| format!("line {line}: {:?} is not a count", field(c)))
        };
        let (installed, clinics) = (number(c_installed)?, number(c_clinics)?);
        if installed > clinics || clinics > CLINICS_PER_STATE_MAX {
            anyhow::bail!(
                "line {line}: {installed} committees of {clinics} clinics does not fit (at most {CLINICS_PER_STATE_MAX} clinics)"
            );
        }
        rows.push(TableRow {
            state,
            installed,
            clinics,
        });
    }
    Ok(rows)
}

/// What `demo` is told.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// The running server devices enroll with and sync to.
    pub server: String,
    /// That server's database, for the admin's part (clinics and codes).
    pub db: String,
    pub table: PathBuf,
    /// State codes or names; all of the table's when empty.
    pub states: Vec<String>,
    pub seed: u64,
    pub parallel: usize,
    /// Where the devices' replicas live while they sync (removed after).
    pub work_dir: PathBuf,
}

/// What `demo` did.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub clinics: u64,
    pub installed: u64,
    pub field_changes: u64,
    pub seconds: f64,
}

/// One clinic to build.
#[derive(Debug, Clone)]
struct Plan {
    clues: String,
    state: &'static State,
    municipality: String,
    name: String,
    consultorios: u32,
    installed: bool,
    seed: u64,
}

/// A few real municipalities per state, where its clinics are placed in turn.
fn municipalities(code: &str) -> &'static [&'static str] {
    match code {
        "BC" => &["Mexicali", "Tijuana", "Ensenada", "Tecate", "San Quintín"],
        "BS" => &["La Paz", "Los Cabos", "Comondú", "Mulegé", "Loreto"],
        "CC" => &["Campeche", "Calkiní", "Hopelchén", "Escárcega", "Calakmul"],
        "CS" => &[
            "Ocosingo",
            "San Cristóbal de las Casas",
            "Tapachula",
            "Palenque",
            "Chamula",
        ],
        "DF" => &[
            "Iztapalapa",
            "Tlalpan",
            "Milpa Alta",
            "Xochimilco",
            "Gustavo A. Madero",
        ],
        "CM" => &["Colima", "Manzanillo", "Tecomán", "Armería", "Comala"],
        "MC" => &[
            "Toluca",
            "Temascaltepec",
            "San Felipe del Progreso",
            "Tejupilco",
            "Ecatepec de Morelos",
        ],
        "GR" => &[
            "Chilpancingo de los Bravo",
            "Tlapa de Comonfort",
            "Metlatónoc",
            "Ometepec",
            "Acapulco de Juárez",
        ],
        "HG" => &[
            "Huejutla de Reyes",
            "Ixmiquilpan",
            "Tulancingo de Bravo",
            "Zimapán",
            "Pachuca de Soto",
        ],
        "MN" => &["Uruapan", "Zitácuaro", "Pátzcuaro", "Apatzingán", "Morelia"],
        "MS" => &["Cuautla", "Jojutla", "Tepoztlán", "Yautepec", "Cuernavaca"],
        "NT" => &["Del Nayar", "La Yesca", "Huajicori", "Compostela", "Tepic"],
        "OC" => &[
            "Juchitán de Zaragoza",
            "Heroica Ciudad de Tlaxiaco",
            "Huautla de Jiménez",
            "Santiago Jamiltepec",
            "Oaxaca de Juárez",
        ],
        "PL" => &[
            "Zacatlán",
            "Cuetzalan del Progreso",
            "Tehuacán",
            "Teziutlán",
            "Puebla",
        ],
        "QR" => &[
            "Felipe Carrillo Puerto",
            "José María Morelos",
            "Bacalar",
            "Othón P. Blanco",
            "Benito Juárez",
        ],
        "SP" => &[
            "Tamazunchale",
            "Xilitla",
            "Ciudad Valles",
            "Matehuala",
            "San Luis Potosí",
        ],
        "SL" => &["Badiraguato", "Choix", "Escuinapa", "Mazatlán", "Culiacán"],
        "SR" => &["Álamos", "Caborca", "Navojoa", "Cajeme", "Hermosillo"],
        "TC" => &["Macuspana", "Tacotalpa", "Tenosique", "Centla", "Centro"],
        "TS" => &[
            "Tula",
            "San Carlos",
            "Soto la Marina",
            "Jaumave",
            "Victoria",
        ],
        "TL" => &["Huamantla", "Calpulalpan", "Apizaco", "Tlaxco", "Tlaxcala"],
        "VZ" => &[
            "Zongolica",
            "Tlaquilpa",
            "Tehuipango",
            "Soteapan",
            "Papantla",
        ],
        "ZS" => &["Mazapil", "Valparaíso", "Jerez", "Fresnillo", "Zacatecas"],
        _ => &["Cabecera municipal"],
    }
}

const GIVEN_NAMES: &[&str] = &[
    "María",
    "Juana",
    "Guadalupe",
    "Rosa",
    "Margarita",
    "Leticia",
    "Josefina",
    "Elena",
    "José",
    "Juan",
    "Miguel",
    "Pedro",
    "Francisco",
    "Antonio",
    "Jesús",
    "Raúl",
];
const SURNAMES: &[&str] = &[
    "Hernández",
    "García",
    "Martínez",
    "López",
    "González",
    "Pérez",
    "Rodríguez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Gómez",
    "Morales",
    "Vázquez",
    "Jiménez",
    "Tepole",
];

/// What assemblies agree on, and the seat that answers for it.
const AGREEMENTS: &[(&str, Role)] = &[
    (
        "Impermeabilizar el techo de la sala de espera antes de las lluvias",
        Role::Tesorero,
    ),
    (
        "Pedir tres cotizaciones del baumanómetro y el glucómetro",
        Role::Presidente,
    ),
    (
        "Organizar una jornada de limpieza del centro de salud con la comunidad",
        Role::VocalSaneamiento,
    ),
    (
        "Informar en la próxima asamblea en qué se gastó el dinero",
        Role::Secretario,
    ),
    (
        "Revisar que las sillas compradas lleguen completas y en buen estado",
        Role::ContraloriaSocial,
    ),
];

/// The table's clinics, each marked installed or not: exactly `installed` of every
/// state's `clinics`, chosen by the seed.
fn plan(rows: &[TableRow], seed: u64) -> Vec<Plan> {
    let mut out = Vec::new();
    for row in rows {
        let mut rng = SplitMix64::new(
            seed ^ u64::from(u16::from_be_bytes([
                row.state.code.as_bytes()[0],
                row.state.code.as_bytes()[1],
            ])),
        );
        // Fisher–Yates over the clinic indexes; the first `installed` are installed.
        let mut order: Vec<u32> = (0..row.clinics).collect();
        for i in (1..order.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            order.swap(i, j);
        }
        let mut installed = vec![false; row.clinics as usize];
        for &i in order.iter().take(row.installed as usize) {
            installed[i as usize] = true;
        }
        let towns = municipalities(row.state.code);
        for i in 0..row.clinics {
            let municipality = towns[i as usize % towns.len()];
            let consultorios = match rng.below(100) {
                0..=59 => 1,
                60..=84 => 2,
                85..=94 => 3,
                95..=98 => 4,
                _ => 5,
            };
            out.push(Plan {
                clues: format!("{}IMB{:06}", row.state.code, DEMO_CLUES_FIRST + i),
                state: row.state,
                name: format!(
                    "Centro de Salud {municipality} {}",
                    i as usize / towns.len() + 1
                ),
                municipality: municipality.to_owned(),
                consultorios,
                installed: installed[i as usize],
                seed: rng.next_u64(),
            });
        }
    }
    out
}

fn demo_error(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// A day of this year up to today, `back_max` days back at most.
fn day_this_year(rng: &mut SplitMix64, today: chrono::NaiveDate, back_max: i64) -> String {
    let back = rng.range(0, back_max.min(i64::from(today.ordinal0())));
    (today - chrono::Duration::days(back))
        .format("%Y-%m-%d")
        .to_string()
}

fn person(rng: &mut SplitMix64) -> String {
    format!(
        "{} {} {}",
        rng.pick(GIVEN_NAMES),
        rng.pick(SURNAMES),
        rng.pick(SURNAMES)
    )
}

fn hex64(rng: &mut SplitMix64) -> String {
    (0..4).map(|_| format!("{:016x}", rng.next_u64())).collect()
}

/// Builds one clinic's replica the way a committee would, through the typed writes.
fn build_replica(path: &Path, p: &Plan, today: chrono::NaiveDate) -> anyhow::Result<Replica> {
    let mut r = Replica::open(path).map_err(demo_error)?;
    let mut rng = SplitMix64::new(p.seed);
    r.create_clinic(&cosabi_core::clinic::NewClinic {
        clues: p.clues.clone(),
        name: p.name.clone(),
        state: p.state.code.to_owned(),
        municipality: p.municipality.clone(),
        locality: p.municipality.clone(),
        consultorios: p.consultorios,
    })
    .map_err(demo_error)?;
    let term_start = (today - chrono::Duration::days(rng.range(30, 400)))
        .format("%Y-%m-%d")
        .to_string();
    let term_end = (today + chrono::Duration::days(3 * 365))
        .format("%Y-%m-%d")
        .to_string();
    let mut seats: Vec<Role> = Role::ALL
        .iter()
        .copied()
        .filter(|r| r.is_committee_seat())
        .collect();
    if !p.installed {
        // Some seats still empty: between none and six of the seven filled.
        let keep = rng.below(7) as usize;
        for i in (1..seats.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            seats.swap(i, j);
        }
        seats.truncate(keep);
    }
    seats.push(Role::PersonalSalud);
    let mut members = Vec::new();
    for role in &seats {
        let m = r
            .add_member(&NewMember {
                name: person(&mut rng),
                role: role.code().to_owned(),
                term_start: term_start.clone(),
                term_end: term_end.clone(),
                gender: String::new(),
            })
            .map_err(demo_error)?;
        members.push((*role, m.id));
    }
    let holder = |want: Role| members.iter().find(|(r, _)| *r == want).map(|(_, id)| *id);
    let year = today.year();
    // The constitutive assembly; installed committees closed its acta.
    let assemblies = if p.installed {
        1 + rng.below(2)
    } else {
        rng.below(2)
    };
    for k in 0..assemblies {
        let a = r
            .create_assembly(&NewAssembly {
                kind: if k == 0 { "constitutiva" } else { "ordinaria" }.into(),
                date: day_this_year(&mut rng, today, 150),
                place: format!("Centro de Salud, {}", p.municipality),
                agenda: "Lista de asistencia\nNecesidades del centro de salud\nAcuerdos".into(),
                community_attendees: rng.range(8, 60).to_string(),
                quorum_percent: String::new(),
                minutes: "Se reunió la comunidad y se tomaron los acuerdos.".into(),
            })
            .map_err(demo_error)?;
        let close = p.installed && (k == 0 || rng.chance(70));
        let mut agreements = Vec::new();
        for _ in 0..rng.range(1, 4) {
            let (text, role) = rng.pick(AGREEMENTS);
            let due = chrono::NaiveDate::parse_from_str(&a.date, "%Y-%m-%d")
                .map(|d| {
                    (d + chrono::Duration::days(rng.range(20, 120)))
                        .format("%d/%m/%Y")
                        .to_string()
                })
                .unwrap_or_default();
            let g = r
                .add_agreement(
                    a.id,
                    &NewAgreement {
                        text: (*text).into(),
                        responsible_id: holder(*role),
                        due_date: due,
                    },
                )
                .map_err(demo_error)?;
            agreements.push(g.id);
        }
        if let (true, Some(secretario)) = (close, holder(Role::Secretario)) {
            r.close_assembly(a.id, secretario).map_err(demo_error)?;
            // Followed up since: some done, some under way.
            for id in agreements {
                match rng.below(3) {
                    0 => r.set_agreement_status(id, AgreementStatus::Cumplido.code()),
                    1 => r.set_agreement_status(id, AgreementStatus::EnProceso.code()),
                    _ => Ok(0),
                }
                .map_err(demo_error)?;
            }
        }
    }
    if !p.installed {
        return Ok(r);
    }
    // Money: the allocation deposited on the card, a few purchases for a few actions.
    let allocation = cosabi_core::clinic::allocation_for(year, p.consultorios).unwrap_or_default();
    if rng.chance(90) {
        r.add_card_movement(&NewCardMovement {
            kind: "deposito".into(),
            amount: allocation.to_string(),
            date: day_this_year(&mut rng, today, 120),
            note: "Dispersión del programa".into(),
            fiscal_year: year.to_string(),
        })
        .map_err(demo_error)?;
    }
    let verifier = holder(Role::VocalSalud);
    for _ in 0..rng.range(1, 3) {
        // As the 2024 actions split: 59 % infraestructura, 22 % equipamiento.
        let category = match rng.below(100) {
            0..=58 => "infraestructura",
            59..=80 => "equipamiento",
            _ => "mobiliario",
        };
        let cost_pesos = rng.range(5, 120) * 1_000;
        let action = r
            .create_action(&NewAction {
                category: category.into(),
                description: match category {
                    "infraestructura" => "Impermeabilizar el techo de la sala de espera",
                    "equipamiento" => "Baumanómetro y glucómetro para el consultorio",
                    _ => "Sillas para la sala de espera",
                }
                .into(),
                estimated_cost: cost_pesos.to_string(),
                agreement_id: None,
            })
            .map_err(demo_error)?;
        let steps = rng.below(5);
        let mut status = ActionStatus::Propuesta;
        for _ in 0..steps.min(3) {
            if let Some(next) = status.next() {
                r.set_action_status(action.id, next.code())
                    .map_err(demo_error)?;
                status = next;
            }
        }
        if steps == 4 {
            if let Some(v) = verifier {
                r.verify_action(action.id, v).map_err(demo_error)?;
                status = ActionStatus::Verificada;
            }
        }
        let finished = matches!(status, ActionStatus::Terminada | ActionStatus::Verificada);
        if finished && rng.chance(80) {
            r.add_photo(&NewPhoto {
                owner_table: ACTION.id,
                owner_id: action.id,
                kind: "after".into(),
                sha256: hex64(&mut rng),
                size_bytes: rng.range(40_000, 150_000),
                mime: "image/jpeg".into(),
                taken_at: String::new(),
            })
            .map_err(demo_error)?;
        }
        if status == ActionStatus::Propuesta {
            continue;
        }
        let quantity = rng.range(1, 4);
        let unit = cost_pesos / quantity;
        let date = day_this_year(&mut rng, today, 90);
        let purchase = r
            .record_purchase(&NewPurchase {
                date: date.clone(),
                concept: action.description.clone(),
                quantity: quantity.to_string(),
                unit_cost: unit.to_string(),
                supplier: "Materiales y Ferretería del Centro".into(),
                rfc: String::new(),
                category: category.into(),
                action_id: Some(action.id),
                paid_from: "tarjeta".into(),
                fiscal_year: year.to_string(),
            })
            .map_err(demo_error)?;
        if rng.chance(85) {
            r.add_receipt(
                purchase.id,
                &NewReceipt {
                    kind: "nota".into(),
                    folio_fiscal: String::new(),
                    total: purchase.total.to_string(),
                    issued_on: date,
                },
            )
            .map_err(demo_error)?;
        }
    }
    Ok(r)
}

/// Registers, builds, enrolls and syncs one clinic; returns the field changes synced.
async fn one_clinic(
    store: &dyn crate::store::Store,
    server: &str,
    dir: &Path,
    p: Plan,
    today: chrono::NaiveDate,
) -> anyhow::Result<u64> {
    let clinic = ClinicRecord {
        id: clinic_id_for_clues(&p.clues),
        clues: p.clues.clone(),
        name: p.name.clone(),
        state: p.state.code.to_owned(),
        consultorios: p.consultorios,
        municipality: p.municipality.clone(),
        created_at_ms: crate::now_ms(),
    };
    store
        .add_clinic(clinic.clone())
        .await
        .with_context(|| format!("cannot register {}: run the demo on a fresh --db", p.clues))?;
    let code = crate::auth::new_token();
    store
        .add_enrollment_code(
            clinic.id,
            &sha256_hex(cosabi_core::protocol::normalise_code(&code).as_bytes()),
            crate::now_ms() + CODE_TTL_MS,
        )
        .await?;
    let path = dir.join(format!("{}.sqlite3", p.clues));
    let clues = p.clues.clone();
    let build_path = path.clone();
    let replica =
        tokio::task::spawn_blocking(move || build_replica(&build_path, &p, today)).await??;
    let site = replica.site_id();
    let changes = replica.local_change_count();
    let enrolled = enroll(server, &code, "Teléfono del comité (demo)", site)
        .await
        .with_context(|| format!("{clues}: enrollment failed"))?;
    let replica = Mutex::new(replica);
    let progress = SyncClient::new(server, &enrolled.token)
        .sync(&replica, |_| {})
        .await
        .with_context(|| format!("{clues}: sync failed"))?;
    anyhow::ensure!(progress.done, "{clues}: the sync did not finish");
    drop(replica);
    for suffix in ["", "-wal", "-shm"] {
        let mut f = path.clone().into_os_string();
        f.push(suffix);
        let _ = std::fs::remove_file(f);
    }
    Ok(changes)
}

/// Runs the demo.
pub async fn run(opts: DemoOptions) -> anyhow::Result<DemoReport> {
    let started = Instant::now();
    let mut rows = read_table(&opts.table)?;
    if !opts.states.is_empty() {
        let wanted: Vec<&'static State> = opts
            .states
            .iter()
            .map(|s| {
                state_named(s).with_context(|| {
                    format!("--states: {s:?} is not a state code or name (VZ, NT, Nayarit, …)")
                })
            })
            .collect::<anyhow::Result<_>>()?;
        rows.retain(|r| wanted.contains(&r.state));
        if let Some(missing) = wanted.iter().find(|w| !rows.iter().any(|r| r.state == **w)) {
            anyhow::bail!("--states: {} is not in the table", missing.name);
        }
    }
    let store = crate::backend::open_store(&opts.db).await?;
    std::fs::create_dir_all(&opts.work_dir)
        .with_context(|| format!("cannot create {}", opts.work_dir.display()))?;
    let plans = plan(&rows, opts.seed);
    let total = plans.len();
    let installed = plans.iter().filter(|p| p.installed).count() as u64;
    let today = chrono::Local::now().date_naive();
    let mut report = DemoReport {
        clinics: total as u64,
        installed,
        ..DemoReport::default()
    };
    let mut pending = plans.into_iter();
    let mut tasks = tokio::task::JoinSet::new();
    let mut done = 0usize;
    loop {
        while tasks.len() < opts.parallel.max(1) {
            let Some(p) = pending.next() else { break };
            let (store, server, dir) = (store.clone(), opts.server.clone(), opts.work_dir.clone());
            tasks.spawn(async move { one_clinic(store.as_ref(), &server, &dir, p, today).await });
        }
        let Some(next) = tasks.join_next().await else {
            break;
        };
        report.field_changes += next??;
        done += 1;
        if done % 500 == 0 || done == total {
            eprintln!(
                "demo: {done} of {total} clinics synced ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    let _ = std::fs::remove_dir(&opts.work_dir);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seed_table_and_plans_its_figures() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/data/comites-por-estado-2024-05.csv");
        let Ok(rows) = read_table(&path) else {
            // The table lives beside the project, in shared/; the integration tests
            // need it too and fail loudly without it.
            panic!("cannot read {}", path.display());
        };
        assert_eq!(rows.len(), 23);
        // The May release's states add up to 11,480 centres (11,816 is the year's
        // national figure of committees, from another release).
        assert_eq!(
            rows.iter().map(|r| u64::from(r.clinics)).sum::<u64>(),
            11_480
        );
        let nayarit = rows.iter().find(|r| r.state.code == "NT").unwrap();
        assert_eq!((nayarit.installed, nayarit.clinics), (280, 283));
        let plans = plan(&rows, 7);
        let nt: Vec<_> = plans.iter().filter(|p| p.state.code == "NT").collect();
        assert_eq!(nt.len(), 283);
        assert_eq!(nt.iter().filter(|p| p.installed).count(), 280);
        let mut clues: Vec<_> = plans.iter().map(|p| &p.clues).collect();
        clues.sort();
        clues.dedup();
        assert_eq!(clues.len(), plans.len());
        for p in &plans {
            cosabi_core::clinic::validate_clues(&p.clues).unwrap();
        }
    }
}
