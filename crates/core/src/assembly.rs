//! Assemblies (asambleas), their minutes (actas), attendance, quorum and agreements.
//!
//! Rules that need other rows (the acta is closed, the responsible person exists) are
//! the replica's; here each form is checked on its own.

use crate::clinic::required_text;
use crate::error::{ValidationError, ValidationErrors};
use crate::ids::MemberId;
use crate::input::{
    code_enum, long_text, optional_date, required_code, required_date, whole_number,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

code_enum!(
    /// What kind of assembly: the one that installs the committee, the regular ones,
    /// or one called for a particular matter.
    AssemblyKind {
        Constitutiva => "constitutiva",
        Ordinaria => "ordinaria",
        Extraordinaria => "extraordinaria",
    }
);

code_enum!(
    /// An acta is a draft until it is closed ("firmada"); then it no longer changes
    /// and corrections are amendments.
    AssemblyStatus {
        Draft => "draft",
        Closed => "closed",
    }
);

code_enum!(
    /// Where an agreement stands; open ones are carried over to the next assembly.
    AgreementStatus {
        Pendiente => "pendiente",
        EnProceso => "en_proceso",
        Cumplido => "cumplido",
        Cancelado => "cancelado",
    }
);

impl AgreementStatus {
    /// Still to be done, so carried over to the next assembly.
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            AgreementStatus::Pendiente | AgreementStatus::EnProceso
        )
    }
}

/// Longest minutes text accepted (about 40 printed pages).
pub const MINUTES_CHARS_MAX: usize = 100_000;
/// Longest agenda item.
pub const AGENDA_ITEM_CHARS_MAX: usize = 200;
/// Longest agreement or amendment text.
pub const AGREEMENT_CHARS_MAX: usize = 2_000;
pub const AMENDMENT_CHARS_MAX: usize = 20_000;
/// The default quorum: half of the active members plus one.
pub const QUORUM_PERCENT_DEFAULT: i64 = 50;
/// More community attendees than this is a typing mistake.
pub const COMMUNITY_ATTENDEES_MAX: i64 = 100_000;

/// What a person fills in to create or edit an assembly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAssembly {
    /// An [`AssemblyKind::code`].
    pub kind: String,
    /// As typed (`dd/mm/aaaa` or ISO).
    pub date: String,
    pub place: String,
    /// Agenda items, one per line; empty lines are dropped.
    #[serde(default)]
    pub agenda: String,
    /// How many people of the community came; empty means none.
    #[serde(default)]
    pub community_attendees: String,
    /// Percent of active members whose half-plus-one makes quorum; empty means 50.
    #[serde(default)]
    pub quorum_percent: String,
    #[serde(default)]
    pub minutes: String,
}

/// A validated assembly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidAssembly {
    pub kind: AssemblyKind,
    pub date: chrono::NaiveDate,
    pub place: String,
    pub agenda: Vec<String>,
    pub community_attendees: i64,
    pub quorum_percent: i64,
    pub minutes: String,
}

impl ValidAssembly {
    /// The agenda as stored: one item per line.
    pub fn agenda_text(&self) -> String {
        self.agenda.join("\n")
    }
}

/// Splits an agenda as typed into its items, checking each one's length.
pub fn parse_agenda(s: &str, errors: &mut ValidationErrors) -> Vec<String> {
    let items: Vec<String> = s
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    if items
        .iter()
        .any(|i| i.chars().count() > AGENDA_ITEM_CHARS_MAX)
    {
        errors.push(
            ValidationError::new("agenda", "too_long")
                .with("max", AGENDA_ITEM_CHARS_MAX.to_string()),
        );
    }
    items
}

/// Checks minutes text on its own (for the minutes editor, which saves only them).
pub fn validate_minutes(s: &str) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let m = long_text("minutes", s, MINUTES_CHARS_MAX, false, &mut errors);
    errors.into_result()?;
    Ok(m.unwrap_or_default())
}

/// Longest name of a community attendee.
pub const COMMUNITY_NAME_CHARS_MAX: usize = 120;
/// Most community attendees listed by name (a large assembly lists its count).
pub const COMMUNITY_NAMES_MAX: usize = 1_000;
// The longest list fits one synced text field, even in 4-byte characters.
const _: () = assert!(
    COMMUNITY_NAMES_MAX * (COMMUNITY_NAME_CHARS_MAX * 4 + 1) <= crate::validate::TEXT_BYTES_MAX
);

/// Splits the community attendees' names as typed, one per line, into names: spaces
/// collapsed, blank lines dropped. Too many names or one too long is `too_long`.
pub fn parse_community_names(s: &str) -> Result<Vec<String>, ValidationErrors> {
    let names: Vec<String> = s
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    let mut errors = ValidationErrors::default();
    if names.len() > COMMUNITY_NAMES_MAX {
        errors.push(
            ValidationError::new("community_names", "too_many")
                .with("max", COMMUNITY_NAMES_MAX.to_string()),
        );
    }
    if names
        .iter()
        .any(|n| n.chars().count() > COMMUNITY_NAME_CHARS_MAX)
    {
        errors.push(
            ValidationError::new("community_names", "too_long")
                .with("max", COMMUNITY_NAME_CHARS_MAX.to_string()),
        );
    }
    errors.into_result()?;
    Ok(names)
}

/// Checks a community attendees count as typed: empty is zero.
pub fn parse_community_attendees(s: &str, errors: &mut ValidationErrors) -> Option<i64> {
    whole_number(
        "community_attendees",
        s,
        0,
        COMMUNITY_ATTENDEES_MAX,
        Some(0),
        "count_invalid",
        errors,
    )
}

impl NewAssembly {
    pub fn validate(&self) -> Result<ValidAssembly, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let kind = required_code(
            "kind",
            &self.kind,
            "kind_required",
            AssemblyKind::from_code,
            &mut errors,
        );
        let date = required_date("date", &self.date, &mut errors);
        let place = required_text("place", &self.place, &mut errors);
        let agenda = parse_agenda(&self.agenda, &mut errors);
        let community_attendees = parse_community_attendees(&self.community_attendees, &mut errors);
        let quorum_percent = whole_number(
            "quorum_percent",
            &self.quorum_percent,
            1,
            100,
            Some(QUORUM_PERCENT_DEFAULT),
            "quorum_percent_range",
            &mut errors,
        );
        let minutes = long_text(
            "minutes",
            &self.minutes,
            MINUTES_CHARS_MAX,
            false,
            &mut errors,
        );
        errors.into_result()?;
        match (
            kind,
            date,
            place,
            community_attendees,
            quorum_percent,
            minutes,
        ) {
            (
                Some(kind),
                Some(date),
                Some(place),
                Some(community_attendees),
                Some(quorum_percent),
                Some(minutes),
            ) => Ok(ValidAssembly {
                kind,
                date,
                place,
                agenda,
                community_attendees,
                quorum_percent,
                minutes,
            }),
            _ => unreachable!("a missing field always records an error"),
        }
    }
}

/// What a person fills in to record an agreement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAgreement {
    pub text: String,
    /// Chosen from the committee list; may be left empty.
    #[serde(default)]
    pub responsible_id: Option<MemberId>,
    /// As typed; may be empty.
    #[serde(default)]
    pub due_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidAgreement {
    pub text: String,
    pub responsible_id: Option<MemberId>,
    pub due_date: Option<chrono::NaiveDate>,
}

impl NewAgreement {
    pub fn validate(&self) -> Result<ValidAgreement, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let text = long_text("text", &self.text, AGREEMENT_CHARS_MAX, true, &mut errors);
        let due_date = optional_date("due_date", &self.due_date, &mut errors);
        errors.into_result()?;
        match text {
            Some(text) => Ok(ValidAgreement {
                text,
                responsible_id: self.responsible_id,
                due_date,
            }),
            None => unreachable!("a missing field always records an error"),
        }
    }
}

/// Checks an amendment's text: required, at most [`AMENDMENT_CHARS_MAX`].
pub fn validate_amendment(text: &str) -> Result<String, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let t = long_text("text", text, AMENDMENT_CHARS_MAX, true, &mut errors);
    errors.into_result()?;
    Ok(t.unwrap_or_default())
}

/// Whether enough committee members attended for the assembly's decisions to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quorum {
    /// Members whose term covers the assembly's date.
    pub active_members: i64,
    /// Of those, how many are marked present.
    pub present_members: i64,
    /// `floor(active × percent / 100) + 1`.
    pub needed: i64,
    pub reached: bool,
}

impl Quorum {
    /// Integer arithmetic only, so every device computes the same `needed`.
    pub fn compute(active_members: i64, present_members: i64, quorum_percent: i64) -> Quorum {
        let needed = active_members.saturating_mul(quorum_percent) / 100 + 1;
        Quorum {
            active_members,
            present_members,
            needed,
            reached: present_members >= needed,
        }
    }
}

/// An assembly as the UI lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assembly {
    pub id: Uuid,
    /// An [`AssemblyKind::code`]; unknown codes are shown as they are.
    pub kind: String,
    /// ISO `YYYY-MM-DD`.
    pub date: String,
    pub place: String,
    pub agenda: Vec<String>,
    pub community_attendees: i64,
    pub minutes: String,
    /// An [`AssemblyStatus::code`].
    pub status: String,
    /// The minutes as they were when the acta was closed.
    pub closed_minutes: Option<String>,
    pub closed_by: Option<MemberId>,
    pub quorum_percent: i64,
    pub signed_photo_id: Option<Uuid>,
    /// When the assembly was opened (RFC 3339 UTC) and by whom; `None` until then.
    #[serde(default)]
    pub opened_at: Option<String>,
    #[serde(default)]
    pub opened_by: Option<MemberId>,
    /// When the acta was closed (RFC 3339 UTC); `closed_by` says by whom.
    #[serde(default)]
    pub closed_at: Option<String>,
    /// People of the community who came and gave their name, in the order typed.
    #[serde(default)]
    pub community_names: Vec<String>,
}

impl Assembly {
    pub fn is_closed(&self) -> bool {
        self.status == AssemblyStatus::Closed.code()
    }

    /// Opened and not closed.
    pub fn is_open(&self) -> bool {
        self.opened_at.is_some() && !self.is_closed()
    }
}

/// One committee member on an assembly's attendance list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceEntry {
    pub member_id: MemberId,
    pub name: String,
    pub role: String,
    pub present: bool,
}

/// A correction made after the acta was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub id: Uuid,
    pub assembly_id: Uuid,
    pub text: String,
    pub made_on: String,
}

/// An assembly with its attendance list, quorum and amendments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssemblyDetail {
    pub assembly: Assembly,
    /// Every active member, present or not, in committee order.
    pub attendance: Vec<AttendanceEntry>,
    pub quorum: Quorum,
    pub amendments: Vec<Amendment>,
}

/// An agreement as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub id: Uuid,
    pub assembly_id: Uuid,
    pub text: String,
    pub responsible_id: Option<MemberId>,
    pub due_date: Option<String>,
    /// An [`AgreementStatus::code`].
    pub status: String,
    pub carried_from_id: Option<Uuid>,
}

/// An agreement as offered when choosing the one that approved an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementChoice {
    pub agreement: Agreement,
    /// The assembly's date, ISO.
    pub assembly_date: String,
}

/// Every agreement of every assembly as a choice, in the order given: `assemblies`
/// each with its agreements.
pub fn agreement_choices(assemblies: Vec<(Assembly, Vec<Agreement>)>) -> Vec<AgreementChoice> {
    assemblies
        .into_iter()
        .flat_map(|(a, agreements)| {
            agreements
                .into_iter()
                .map(move |agreement| AgreementChoice {
                    agreement,
                    assembly_date: a.date.clone(),
                })
        })
        .collect()
}

/// What carrying open agreements into assembly `target` brings: of `open` (every
/// agreement still to be done, each as its latest copy), those of assemblies held
/// before `target` (by date, then by id, which is creation order) whose status is
/// open. Nothing when `target` is not among `assemblies`.
pub fn open_before(assemblies: &[Assembly], open: Vec<Agreement>, target: Uuid) -> Vec<Agreement> {
    let Some(target) = assemblies.iter().find(|a| a.id == target) else {
        return Vec::new();
    };
    let key = (target.date.as_str(), target.id);
    let earlier: Vec<Uuid> = assemblies
        .iter()
        .filter(|a| (a.date.as_str(), a.id) < key)
        .map(|a| a.id)
        .collect();
    open.into_iter()
        .filter(|g| earlier.contains(&g.assembly_id))
        .filter(|g| AgreementStatus::from_code(&g.status).is_some_and(AgreementStatus::is_open))
        .collect()
}

/// The assemblies `agreements` come from, each once, in the order they first appear
/// (the order their agreements are carried in).
pub fn source_assemblies(agreements: &[Agreement]) -> Vec<Uuid> {
    let mut sources: Vec<Uuid> = Vec::new();
    for g in agreements {
        if !sources.contains(&g.assembly_id) {
            sources.push(g.assembly_id);
        }
    }
    sources
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assembly(id: u128, date: &str) -> Assembly {
        Assembly {
            id: Uuid::from_u128(id),
            kind: "ordinaria".into(),
            date: date.into(),
            place: "Sala".into(),
            agenda: Vec::new(),
            community_attendees: 0,
            minutes: String::new(),
            status: AssemblyStatus::Draft.code().into(),
            closed_minutes: None,
            closed_by: None,
            quorum_percent: 50,
            signed_photo_id: None,
            opened_at: None,
            opened_by: None,
            closed_at: None,
            community_names: Vec::new(),
        }
    }

    fn agreement(id: u128, assembly: u128, status: AgreementStatus) -> Agreement {
        Agreement {
            id: Uuid::from_u128(id),
            assembly_id: Uuid::from_u128(assembly),
            text: format!("acuerdo {id}"),
            responsible_id: None,
            due_date: None,
            status: status.code().into(),
            carried_from_id: None,
        }
    }

    #[test]
    fn only_open_agreements_of_earlier_assemblies_are_carried() {
        // Two assemblies on one day are ordered by id (creation order).
        let all = [
            assembly(1, "2026-01-10"),
            assembly(2, "2026-03-10"),
            assembly(3, "2026-03-10"),
            assembly(4, "2026-05-10"),
        ];
        let open = vec![
            agreement(10, 1, AgreementStatus::Pendiente),
            agreement(11, 2, AgreementStatus::EnProceso),
            agreement(12, 1, AgreementStatus::Cumplido),
            agreement(13, 4, AgreementStatus::Pendiente),
            agreement(14, 2, AgreementStatus::Pendiente),
        ];
        let ids = |v: Vec<Agreement>| v.into_iter().map(|g| g.id.as_u128()).collect::<Vec<_>>();
        assert_eq!(
            ids(open_before(&all, open.clone(), all[2].id)),
            [10, 11, 14]
        );
        assert_eq!(
            ids(open_before(&all, open.clone(), all[0].id)),
            Vec::<u128>::new()
        );
        assert!(open_before(&all, open.clone(), Uuid::from_u128(99)).is_empty());
        let carried = open_before(&all, open, all[3].id);
        assert_eq!(
            source_assemblies(&carried),
            [Uuid::from_u128(1), Uuid::from_u128(2)]
        );
    }

    #[test]
    fn every_agreement_is_a_choice_with_its_assemblys_date() {
        let choices = agreement_choices(vec![
            (
                assembly(2, "2026-03-10"),
                vec![agreement(20, 2, AgreementStatus::Pendiente)],
            ),
            (assembly(3, "2026-02-01"), Vec::new()),
            (
                assembly(1, "2026-01-10"),
                vec![
                    agreement(10, 1, AgreementStatus::Cumplido),
                    agreement(11, 1, AgreementStatus::Pendiente),
                ],
            ),
        ]);
        let got: Vec<(u128, &str)> = choices
            .iter()
            .map(|c| (c.agreement.id.as_u128(), c.assembly_date.as_str()))
            .collect();
        assert_eq!(
            got,
            [(20, "2026-03-10"), (10, "2026-01-10"), (11, "2026-01-10")]
        );
    }

    fn codes(e: &ValidationErrors) -> Vec<(&str, &str)> {
        e.0.iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    fn good() -> NewAssembly {
        NewAssembly {
            kind: "ordinaria".into(),
            date: "12/04/2025".into(),
            place: " Sala de  espera ".into(),
            agenda: "Lista de asistencia\n\n  Informe del tesorero \n".into(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_assembly_is_normalised_with_defaults() {
        let a = good().validate().unwrap();
        assert_eq!(a.kind, AssemblyKind::Ordinaria);
        assert_eq!(a.place, "Sala de espera");
        assert_eq!(a.agenda_text(), "Lista de asistencia\nInforme del tesorero");
        assert_eq!(a.quorum_percent, 50);
        assert_eq!(a.community_attendees, 0);
    }

    #[test]
    fn assembly_reports_every_problem() {
        let bad = NewAssembly {
            kind: "asamblea".into(),
            date: "31/02/2025".into(),
            place: "".into(),
            agenda: "x".repeat(AGENDA_ITEM_CHARS_MAX + 1),
            community_attendees: "-3".into(),
            quorum_percent: "150".into(),
            minutes: "y".repeat(MINUTES_CHARS_MAX + 1),
        };
        assert_eq!(
            codes(&bad.validate().unwrap_err()),
            vec![
                ("kind", "kind_required"),
                ("date", "date_impossible"),
                ("place", "required"),
                ("agenda", "too_long"),
                ("community_attendees", "count_invalid"),
                ("quorum_percent", "quorum_percent_range"),
                ("minutes", "too_long"),
            ]
        );
        let no_date = NewAssembly {
            date: " ".into(),
            ..good()
        };
        assert_eq!(
            codes(&no_date.validate().unwrap_err()),
            vec![("date", "required")]
        );
    }

    #[test]
    fn agreement_needs_text_and_a_readable_date() {
        let ok = NewAgreement {
            text: " Pintar la sala \n de espera ".into(),
            due_date: "30/06/2025".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(ok.text, "Pintar la sala \n de espera");
        assert_eq!(ok.due_date, chrono::NaiveDate::from_ymd_opt(2025, 6, 30));
        let bad = NewAgreement {
            text: "".into(),
            due_date: "junio".into(),
            ..Default::default()
        };
        assert_eq!(
            codes(&bad.validate().unwrap_err()),
            vec![("text", "required"), ("due_date", "date_format")]
        );
    }

    #[test]
    fn amendment_and_minutes_limits() {
        assert_eq!(
            validate_amendment(" Dice 5, debe decir 6 ").unwrap(),
            "Dice 5, debe decir 6"
        );
        assert_eq!(
            codes(&validate_amendment("  ").unwrap_err()),
            vec![("text", "required")]
        );
        assert_eq!(validate_minutes("").unwrap(), "");
        assert_eq!(
            codes(&validate_minutes(&"m".repeat(MINUTES_CHARS_MAX + 1)).unwrap_err()),
            vec![("minutes", "too_long")]
        );
    }

    #[test]
    fn quorum_is_half_plus_one_by_default() {
        let q = Quorum::compute(7, 4, 50);
        assert_eq!(q.needed, 4);
        assert!(q.reached);
        assert!(!Quorum::compute(7, 3, 50).reached);
        assert_eq!(Quorum::compute(8, 0, 50).needed, 5);
        assert_eq!(Quorum::compute(9, 0, 66).needed, 6);
        assert_eq!(Quorum::compute(0, 0, 50).needed, 1);
    }

    #[test]
    fn open_statuses() {
        let open: Vec<_> = AgreementStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.code())
            .collect();
        assert_eq!(open, vec!["pendiente", "en_proceso"]);
        assert_eq!(
            AssemblyKind::from_code("extraordinaria"),
            Some(AssemblyKind::Extraordinaria)
        );
    }
}
