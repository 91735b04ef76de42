//! The committee: roles and members.

use crate::clinic::required_text;
use crate::error::{ValidationError, ValidationErrors};
use crate::ids::MemberId;
use crate::input::code_enum;
use serde::{Deserialize, Serialize};

/// What a person does in the committee. The first seven are the COSABI roles, one
/// person each; a committee is *installed* when all seven are filled. Clinic staff and
/// contraloría social volunteers are members outside those seven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Presidente,
    Secretario,
    Tesorero,
    VocalSalud,
    VocalSaneamiento,
    VocalNutricion,
    VocalEducacion,
    PersonalSalud,
    ContraloriaSocial,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Presidente,
        Role::Secretario,
        Role::Tesorero,
        Role::VocalSalud,
        Role::VocalSaneamiento,
        Role::VocalNutricion,
        Role::VocalEducacion,
        Role::PersonalSalud,
        Role::ContraloriaSocial,
    ];

    /// Stable code stored in the database and used as translation key `role.<code>`.
    pub const fn code(self) -> &'static str {
        match self {
            Role::Presidente => "presidente",
            Role::Secretario => "secretario",
            Role::Tesorero => "tesorero",
            Role::VocalSalud => "vocal_salud",
            Role::VocalSaneamiento => "vocal_saneamiento",
            Role::VocalNutricion => "vocal_nutricion",
            Role::VocalEducacion => "vocal_educacion",
            Role::PersonalSalud => "personal_salud",
            Role::ContraloriaSocial => "contraloria_social",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// One of the seven roles that only one active member may hold.
    pub const fn is_committee_seat(self) -> bool {
        !matches!(self, Role::PersonalSalud | Role::ContraloriaSocial)
    }
}

code_enum!(
    /// A member's gender as they said it, so documents name their role as they would
    /// (presidenta, presidente). Not said is stored as the empty code and gets the
    /// office's name (presidencia).
    Gender {
        Female => "f",
        Male => "m",
    }
);

/// What a person fills in to add a member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMember {
    pub name: String,
    /// A [`Role::code`].
    pub role: String,
    /// Start of the term as typed (`dd/mm/aaaa` or ISO); may be empty.
    #[serde(default)]
    pub term_start: String,
    /// End of the term as typed; may be empty.
    #[serde(default)]
    pub term_end: String,
    /// A [`Gender::code`], or empty when the member prefers not to say.
    #[serde(default)]
    pub gender: String,
}

/// A validated member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidMember {
    pub name: String,
    pub role: Role,
    pub term_start: Option<chrono::NaiveDate>,
    pub term_end: Option<chrono::NaiveDate>,
    /// `None` when not said.
    pub gender: Option<Gender>,
}

impl NewMember {
    /// Checks the fields on their own; rules that need the rest of the committee
    /// (one presidente) are the replica's, which sees it.
    pub fn validate(&self) -> Result<ValidMember, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = required_text("name", &self.name, &mut errors);
        let role = Role::from_code(self.role.trim());
        if role.is_none() {
            errors.push(ValidationError::new("role", "role_required"));
        }
        let term_start = crate::input::optional_date("term_start", &self.term_start, &mut errors);
        let term_end = crate::input::optional_date("term_end", &self.term_end, &mut errors);
        let gender = Gender::from_code(&self.gender);
        if gender.is_none() && !self.gender.trim().is_empty() {
            errors.push(ValidationError::new("gender", "gender_invalid"));
        }
        if let (Some(s), Some(e)) = (term_start, term_end) {
            if e < s {
                errors.push(ValidationError::new("term_end", "term_end_before_start"));
            }
        }
        errors.into_result()?;
        match (name, role) {
            (Some(name), Some(role)) => Ok(ValidMember {
                name,
                role,
                term_start,
                term_end,
                gender,
            }),
            _ => unreachable!("a missing field always records an error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(
            Role::ALL.iter().filter(|r| r.is_committee_seat()).count(),
            7
        );
    }

    #[test]
    fn member_needs_name_and_role() {
        let errs = NewMember::default().validate().unwrap_err();
        let codes: Vec<_> = errs.0.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, vec!["required", "role_required"]);
    }

    #[test]
    fn term_must_be_ordered() {
        let m = NewMember {
            name: "Ana".into(),
            role: "tesorero".into(),
            term_start: "10/01/2025".into(),
            term_end: "10/01/2024".into(),
            gender: String::new(),
        };
        assert_eq!(m.validate().unwrap_err().0[0].code, "term_end_before_start");
    }

    #[test]
    fn a_member_whose_term_ended_is_former_once_someone_holds_the_seat() {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let member = |name: &str, end: Option<&str>| Member {
            id: crate::ids::MemberId(uuid::Uuid::from_u128(name.len() as u128)),
            name: name.into(),
            role: "presidente".into(),
            term_start: Some("2024-04-12".into()),
            term_end: end.map(str::to_owned),
            gender: String::new(),
        };
        let juana = member("Juana", Some("2026-04-11"));
        let today = day("2026-05-01");
        assert_eq!(
            juana.standing(std::slice::from_ref(&juana), day("2026-04-11")),
            Standing::InOffice
        );
        assert_eq!(
            juana.standing(std::slice::from_ref(&juana), today),
            Standing::Expired
        );
        let rosa = member("Rosa", None);
        let both = [juana.clone(), rosa.clone()];
        assert_eq!(juana.standing(&both, today), Standing::Former);
        assert_eq!(rosa.standing(&both, today), Standing::InOffice);
    }

    #[test]
    fn gender_is_f_m_or_not_said() {
        let m = |g: &str| NewMember {
            name: "Ana".into(),
            role: "tesorero".into(),
            gender: g.into(),
            ..Default::default()
        };
        assert_eq!(m("f").validate().unwrap().gender, Some(Gender::Female));
        assert_eq!(m(" m ").validate().unwrap().gender, Some(Gender::Male));
        assert_eq!(m("").validate().unwrap().gender, None);
        assert_eq!(m("x").validate().unwrap_err().0[0].code, "gender_invalid");
    }
}

/// A member as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: crate::ids::MemberId,
    pub name: String,
    /// A [`Role::code`]; unknown codes (from a newer app) are shown as they are.
    pub role: String,
    pub term_start: Option<String>,
    pub term_end: Option<String>,
    /// A [`Gender::code`], or empty when not said (or unknown to this version).
    #[serde(default)]
    pub gender: String,
}

/// Where a member stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Their term has not ended (or has no end written).
    InOffice,
    /// Their term has ended and nobody took the seat after them: the committee should
    /// renew the term or elect someone in an assembly.
    Expired,
    /// Their term has ended and someone else holds the seat now.
    Former,
}

fn stored_date(d: &Option<String>) -> Option<chrono::NaiveDate> {
    d.as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

impl Member {
    /// The term's start, if written.
    pub fn term_start_date(&self) -> Option<chrono::NaiveDate> {
        stored_date(&self.term_start)
    }

    /// The term's end, if written.
    pub fn term_end_date(&self) -> Option<chrono::NaiveDate> {
        stored_date(&self.term_end)
    }

    /// Whether the term's end date is before `today`.
    pub fn term_ended(&self, today: chrono::NaiveDate) -> bool {
        self.term_end_date().is_some_and(|e| e < today)
    }

    /// Where this member stands on `today`, among `committee` (every member).
    pub fn standing(&self, committee: &[Member], today: chrono::NaiveDate) -> Standing {
        if !self.term_ended(today) {
            Standing::InOffice
        } else if committee
            .iter()
            .any(|o| o.id != self.id && o.role == self.role && !o.term_ended(today))
        {
            Standing::Former
        } else {
            Standing::Expired
        }
    }
}

/// What a screen or a write needs the person using the device to be allowed to do.
/// Checked on the device ([`Permission::allows`]) before a write; the rule is the
/// committee's own division of work, not a security boundary against the device's
/// owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Set up the clinic and the committee's members.
    Committee,
    /// Create assemblies, take attendance, write the minutes and agreements.
    Assembly,
    /// Close ("firmar") an acta: the secretario's.
    CloseActa,
    /// Propose and follow up planned improvements.
    Action,
    /// Verify a finished improvement: someone who did not handle the money.
    VerifyAction,
    /// Record card movements, purchases and receipts: the tesorero's, or the
    /// presidente's in their absence.
    Money,
}

/// Who approves setting a PIN that is neither the device's first nor a member's
/// own change while signed in (the replica's `set_pin` says the rules).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum PinApproval {
    /// Nobody: enough only for the device's first PIN and a member's own change.
    #[default]
    None,
    /// The presidencia or the contraloría social, typing their own PIN here.
    Member { member: MemberId, pin: String },
    /// The device's recovery code, kept by the municipal office.
    Recovery { code: String },
}

/// Roles that may approve another member's PIN.
pub fn approves_pins(role: Role) -> bool {
    matches!(role, Role::Presidente | Role::ContraloriaSocial)
}

/// Someone who can open a locked device, as its lock screen shows them: by role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyholder {
    pub member: MemberId,
    pub role: String,
}

/// What a device's lock screen needs to know.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceStatus {
    /// A member's PIN (or the recovery code) must open the device first.
    pub locked: bool,
    /// Who can open it, by role (no names before it is open).
    pub keyholders: Vec<Keyholder>,
    /// Whether a recovery code was made for this device.
    pub has_recovery: bool,
    /// The device shows the demo clinic (kept apart from the device's own records,
    /// and left in one step).
    #[serde(default)]
    pub demo: bool,
}

/// A PIN set, and its member signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinSet {
    pub member: Member,
    /// The device's recovery code, when this was its first PIN: shown once, to print
    /// and take to the municipal office.
    pub recovery: Option<String>,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::Committee,
        Permission::Assembly,
        Permission::CloseActa,
        Permission::Action,
        Permission::VerifyAction,
        Permission::Money,
    ];

    /// Whether a member with `role` may do this.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Permission::Committee | Permission::Assembly | Permission::Action => true,
            Permission::CloseActa => role == Role::Secretario,
            Permission::VerifyAction => crate::actions::can_verify(role),
            Permission::Money => matches!(role, Role::Tesorero | Role::Presidente),
        }
    }
}

#[cfg(test)]
mod permission_tests {
    use super::*;

    fn allowed(p: Permission) -> Vec<&'static str> {
        Role::ALL
            .into_iter()
            .filter(|r| p.allows(*r))
            .map(Role::code)
            .collect()
    }

    #[test]
    fn money_is_the_tesorero_and_the_presidente() {
        assert_eq!(allowed(Permission::Money), vec!["presidente", "tesorero"]);
    }

    #[test]
    fn only_the_secretario_closes_an_acta() {
        assert_eq!(allowed(Permission::CloseActa), vec!["secretario"]);
    }

    #[test]
    fn verifying_follows_can_verify() {
        for r in Role::ALL {
            assert_eq!(
                Permission::VerifyAction.allows(r),
                crate::actions::can_verify(r)
            );
        }
        assert!(!Permission::VerifyAction.allows(Role::Tesorero));
        assert!(Permission::VerifyAction.allows(Role::ContraloriaSocial));
    }

    #[test]
    fn everyday_work_is_anyones() {
        for p in [
            Permission::Committee,
            Permission::Assembly,
            Permission::Action,
        ] {
            assert_eq!(allowed(p).len(), Role::ALL.len(), "{p:?}");
        }
    }

    #[test]
    fn permissions_serialise_as_snake_case() {
        let json = serde_json::to_string(&Permission::ALL).unwrap();
        assert_eq!(
            json,
            r#"["committee","assembly","close_acta","action","verify_action","money"]"#
        );
        let back: Vec<Permission> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Permission::ALL);
    }
}
