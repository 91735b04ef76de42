//! The programme's figures: per clinic from its fold, added up per state and for
//! the whole view. Integer arithmetic only (money is centavos).

use super::fold::ClinicFold;
use crate::store::ClinicRecord;
use cosabi_core::actions::{ActionStatus, Category};
use cosabi_core::clinic::allocation_for;
use cosabi_core::committee::Role;
use cosabi_core::Centavos;
use std::collections::BTreeSet;

/// Categories and statuses in the order the pages and CSV columns list them.
pub const CATEGORIES: [Category; 3] = [
    Category::Infraestructura,
    Category::Equipamiento,
    Category::Mobiliario,
];
pub const STATUSES: [ActionStatus; 5] = [
    ActionStatus::Propuesta,
    ActionStatus::Aprobada,
    ActionStatus::EnProceso,
    ActionStatus::Terminada,
    ActionStatus::Verificada,
];
/// Seats a committee needs to count as installed.
pub const SEATS: usize = 7;

/// Figures that add up across clinics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// Clinics registered on the server.
    pub clinics: u64,
    /// Clinics whose seven committee seats are held today.
    pub installed: u64,
    /// Closed actas of assemblies dated in the fiscal year.
    pub assemblies_held: u64,
    /// Clinics with at least one of those.
    pub clinics_with_assembly: u64,
    /// The allocation table's amount for the year by consultorios.
    pub assigned: Centavos,
    /// Deposits (dispersión) recorded for the year.
    pub deposits: Centavos,
    /// Purchases of the year per category, in [`CATEGORIES`] order.
    pub spent: [Centavos; 3],
    /// Purchases of the year whose category is none of the three (older or newer
    /// apps): counted in the total only.
    pub spent_other: Centavos,
    /// Actions per category and status ([`CATEGORIES`] × [`STATUSES`]).
    pub actions: [[u64; 5]; 3],
    /// Actions whose category or status this server does not know.
    pub actions_other: u64,
    /// Purchases of the year with no receipt attached.
    pub purchases_without_receipt: u64,
    /// Actas of the year dated today or earlier and not closed.
    pub actas_open: u64,
    /// Finished or verified actions with no "after" photo.
    pub actions_without_after_photo: u64,
    /// Clinics that have synced at least once.
    pub clinics_synced: u64,
    /// Clinics with synced changes that could not be folded ("datos con errores"):
    /// changes set aside for breaking the schema, or a fold that failed. The rest
    /// of their data is counted.
    pub clinics_with_data_errors: u64,
    /// The most recent sync of any device of these clinics.
    pub last_sync_ms: Option<u64>,
}

fn add(a: Centavos, b: Centavos) -> Centavos {
    Centavos(a.get().saturating_add(b.get()))
}

impl Figures {
    pub fn add(&mut self, o: &Figures) {
        self.clinics += o.clinics;
        self.installed += o.installed;
        self.assemblies_held += o.assemblies_held;
        self.clinics_with_assembly += o.clinics_with_assembly;
        self.assigned = add(self.assigned, o.assigned);
        self.deposits = add(self.deposits, o.deposits);
        for i in 0..3 {
            self.spent[i] = add(self.spent[i], o.spent[i]);
            for j in 0..5 {
                self.actions[i][j] += o.actions[i][j];
            }
        }
        self.spent_other = add(self.spent_other, o.spent_other);
        self.actions_other += o.actions_other;
        self.purchases_without_receipt += o.purchases_without_receipt;
        self.actas_open += o.actas_open;
        self.actions_without_after_photo += o.actions_without_after_photo;
        self.clinics_synced += o.clinics_synced;
        self.clinics_with_data_errors += o.clinics_with_data_errors;
        self.last_sync_ms = self.last_sync_ms.max(o.last_sync_ms);
    }

    pub fn spent_total(&self) -> Centavos {
        self.spent.iter().fold(self.spent_other, |a, b| add(a, *b))
    }

    pub fn actions_in_category(&self, c: usize) -> u64 {
        self.actions[c].iter().sum()
    }

    pub fn actions_in_status(&self, s: usize) -> u64 {
        self.actions.iter().map(|row| row[s]).sum()
    }

    pub fn actions_total(&self) -> u64 {
        self.actions.iter().flatten().sum::<u64>() + self.actions_other
    }
}

/// One clinic as the programme view shows it.
#[derive(Debug, Clone)]
pub struct ClinicRow {
    pub record: ClinicRecord,
    /// The registry's name, else the synced one.
    pub name: String,
    /// The registry's municipality, else the synced one.
    pub municipality: String,
    /// Committee seats held today.
    pub seats_held: BTreeSet<Role>,
    pub figures: Figures,
}

/// The figures of one clinic for `fiscal_year`, judged on `today` (ISO date).
pub fn clinic_row(
    record: &ClinicRecord,
    fold: &ClinicFold,
    fiscal_year: i32,
    today: &str,
    last_sync_ms: Option<u64>,
) -> ClinicRow {
    let year = fiscal_year.to_string();
    let in_year = |date: &str| date.get(..4) == Some(year.as_str());
    let seats_held: BTreeSet<Role> = fold
        .seats
        .iter()
        .filter(|s| s.role.is_committee_seat() && s.active_on(today))
        .map(|s| s.role)
        .collect();
    let mut f = Figures {
        clinics: 1,
        installed: u64::from(seats_held.len() == SEATS),
        assigned: allocation_for(fiscal_year, record.consultorios).unwrap_or_default(),
        clinics_synced: u64::from(last_sync_ms.is_some()),
        clinics_with_data_errors: u64::from(fold.data_errors > 0),
        last_sync_ms,
        ..Figures::default()
    };
    for a in &fold.assemblies {
        if !in_year(&a.date) {
            continue;
        }
        if a.closed {
            f.assemblies_held += 1;
        } else if a.date.as_str() <= today {
            f.actas_open += 1;
        }
    }
    f.clinics_with_assembly = u64::from(f.assemblies_held > 0);
    for p in fold
        .purchases
        .iter()
        .filter(|p| p.fiscal_year == fiscal_year)
    {
        match p
            .category
            .and_then(|c| CATEGORIES.iter().position(|x| *x == c))
        {
            Some(i) => f.spent[i] = add(f.spent[i], p.total),
            None => f.spent_other = add(f.spent_other, p.total),
        }
        if p.receipts == 0 {
            f.purchases_without_receipt += 1;
        }
    }
    for d in fold
        .deposits
        .iter()
        .filter(|d| d.fiscal_year == fiscal_year)
    {
        f.deposits = add(f.deposits, d.amount);
    }
    for a in &fold.actions {
        let c = a
            .category
            .and_then(|c| CATEGORIES.iter().position(|x| *x == c));
        let s = a.status.and_then(|s| STATUSES.iter().position(|x| *x == s));
        match (c, s) {
            (Some(c), Some(s)) => f.actions[c][s] += 1,
            _ => f.actions_other += 1,
        }
        let finished = matches!(
            a.status,
            Some(ActionStatus::Terminada | ActionStatus::Verificada)
        );
        if finished && !a.has_after_photo {
            f.actions_without_after_photo += 1;
        }
    }
    let synced = fold.synced.as_ref();
    let pick = |registry: &str, synced: Option<&String>| {
        if registry.trim().is_empty() {
            synced.cloned().unwrap_or_default()
        } else {
            registry.to_owned()
        }
    };
    ClinicRow {
        name: pick(&record.name, synced.map(|s| &s.name)),
        municipality: pick(&record.municipality, synced.map(|s| &s.municipality)),
        record: record.clone(),
        seats_held,
        figures: f,
    }
}

/// `part` of `whole` in percent with one decimal (`98.9`), by integer arithmetic;
/// `—` when the whole is zero.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "—".to_owned();
    }
    let tenths = (u128::from(part) * 1000 + u128::from(whole) / 2) / u128::from(whole);
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Bar width in whole percent of `whole` (0–100), for the charts.
pub fn bar_percent(part: Centavos, whole: Centavos) -> u32 {
    if whole.get() <= 0 || part.get() <= 0 {
        return 0;
    }
    let p = i128::from(part.get()) * 100 / i128::from(whole.get());
    p.clamp(0, 100) as u32
}

/// Money as the CSV carries it: pesos with two decimals, no grouping (`1234.56`).
pub fn pesos_plain(c: Centavos) -> String {
    let v = c.get();
    let sign = if v < 0 { "-" } else { "" };
    let abs = v.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::fold::{FoldedAction, FoldedAssembly, FoldedPurchase, Seat};
    use cosabi_core::ids::ClinicId;

    fn record() -> ClinicRecord {
        ClinicRecord {
            id: ClinicId(uuid::Uuid::nil()),
            clues: "NTIMB000001".into(),
            name: String::new(),
            state: "NT".into(),
            consultorios: 2,
            municipality: String::new(),
            created_at_ms: 0,
        }
    }

    fn seat(role: Role, end: Option<&str>) -> Seat {
        Seat {
            role,
            term_start: Some("2024-01-01".into()),
            term_end: end.map(str::to_owned),
        }
    }

    #[test]
    fn installed_needs_seven_seats_held_today() {
        let mut fold = ClinicFold::default();
        for r in Role::ALL.iter().filter(|r| r.is_committee_seat()) {
            fold.seats.push(seat(*r, None));
        }
        // Staff do not fill a seat, a second presidente adds nothing.
        fold.seats.push(seat(Role::PersonalSalud, None));
        fold.seats.push(seat(Role::Presidente, None));
        let row = clinic_row(&record(), &fold, 2024, "2024-06-01", None);
        assert_eq!(row.figures.installed, 1);
        // A tesorero whose term ended leaves the seat empty.
        fold.seats.retain(|s| s.role != Role::Tesorero);
        fold.seats.push(seat(Role::Tesorero, Some("2024-05-31")));
        let row = clinic_row(&record(), &fold, 2024, "2024-06-01", None);
        assert_eq!((row.figures.installed, row.seats_held.len()), (0, 6));
    }

    #[test]
    fn year_money_and_completeness() {
        let fold = ClinicFold {
            assemblies: vec![
                FoldedAssembly {
                    date: "2024-02-01".into(),
                    closed: true,
                    ..FoldedAssembly::default()
                },
                FoldedAssembly {
                    date: "2024-03-01".into(),
                    closed: false,
                    ..FoldedAssembly::default()
                },
                FoldedAssembly {
                    date: "2024-12-01".into(),
                    closed: false,
                    ..FoldedAssembly::default()
                },
                FoldedAssembly {
                    date: "2023-12-01".into(),
                    closed: true,
                    ..FoldedAssembly::default()
                },
            ],
            purchases: vec![
                FoldedPurchase {
                    fiscal_year: 2024,
                    category: Some(Category::Mobiliario),
                    total: Centavos::from_pesos(150),
                    receipts: 1,
                },
                FoldedPurchase {
                    fiscal_year: 2024,
                    category: Some(Category::Mobiliario),
                    total: Centavos::from_pesos(50),
                    receipts: 0,
                },
                FoldedPurchase {
                    fiscal_year: 2023,
                    category: Some(Category::Equipamiento),
                    total: Centavos::from_pesos(99),
                    receipts: 0,
                },
            ],
            actions: vec![
                FoldedAction {
                    category: Some(Category::Infraestructura),
                    status: Some(ActionStatus::Terminada),
                    has_after_photo: false,
                    ..FoldedAction::default()
                },
                FoldedAction {
                    category: Some(Category::Infraestructura),
                    status: Some(ActionStatus::Verificada),
                    has_after_photo: true,
                    ..FoldedAction::default()
                },
                FoldedAction {
                    category: Some(Category::Equipamiento),
                    status: Some(ActionStatus::Propuesta),
                    has_after_photo: false,
                    ..FoldedAction::default()
                },
            ],
            ..ClinicFold::default()
        };
        let f = clinic_row(&record(), &fold, 2024, "2024-06-01", Some(5)).figures;
        assert_eq!(
            (f.assemblies_held, f.actas_open, f.clinics_with_assembly),
            (1, 1, 1)
        );
        assert_eq!(
            f.spent,
            [Centavos(0), Centavos(0), Centavos::from_pesos(200)]
        );
        assert_eq!(f.purchases_without_receipt, 1);
        assert_eq!(f.assigned, Centavos::from_pesos(600_000));
        assert_eq!(f.actions[0][3] + f.actions[0][4] + f.actions[1][0], 3);
        assert_eq!(f.actions_without_after_photo, 1);
        assert_eq!((f.clinics_synced, f.last_sync_ms), (1, Some(5)));
    }

    #[test]
    fn percents_and_plain_pesos() {
        assert_eq!(percent(280, 283), "98.9");
        assert_eq!(percent(0, 0), "—");
        assert_eq!(percent(56, 56), "100.0");
        assert_eq!(pesos_plain(Centavos(123_456)), "1234.56");
        assert_eq!(pesos_plain(Centavos(-5)), "-0.05");
        assert_eq!(bar_percent(Centavos(1), Centavos(3)), 33);
    }
}
