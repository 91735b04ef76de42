//! Planned improvements (mejoras): what the committee decided to fix or buy, and its
//! progress up to verification by a vocal or the contraloría social.

use crate::committee::Role;
use crate::error::ValidationErrors;
use crate::ids::MemberId;
use crate::input::{code_enum, long_text, positive_amount, required_code};
use crate::money::Centavos;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

code_enum!(
    /// The programme's three spending categories, shared by actions and purchases.
    Category {
        Infraestructura => "infraestructura",
        Equipamiento => "equipamiento",
        Mobiliario => "mobiliario",
    }
);

code_enum!(
    /// An action's progress; it moves one step forward at a time.
    ActionStatus {
        Propuesta => "propuesta",
        Aprobada => "aprobada",
        EnProceso => "en_proceso",
        Terminada => "terminada",
        Verificada => "verificada",
    }
);

impl ActionStatus {
    /// The only status an action may move to from this one; `None` once verified.
    pub const fn next(self) -> Option<ActionStatus> {
        match self {
            ActionStatus::Propuesta => Some(ActionStatus::Aprobada),
            ActionStatus::Aprobada => Some(ActionStatus::EnProceso),
            ActionStatus::EnProceso => Some(ActionStatus::Terminada),
            ActionStatus::Terminada => Some(ActionStatus::Verificada),
            ActionStatus::Verificada => None,
        }
    }
}

/// Who may verify a finished action: the vocales and the contraloría social, people
/// who did not handle the money.
pub const fn can_verify(role: Role) -> bool {
    matches!(
        role,
        Role::VocalSalud
            | Role::VocalSaneamiento
            | Role::VocalNutricion
            | Role::VocalEducacion
            | Role::ContraloriaSocial
    )
}

/// Longest action description.
pub const DESCRIPTION_CHARS_MAX: usize = 2_000;

/// What a person fills in to propose or edit an action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAction {
    /// A [`Category::code`].
    pub category: String,
    pub description: String,
    /// As typed (`$12,500.00`).
    pub estimated_cost: String,
    /// The agreement that approved it, chosen from a list; may be empty.
    #[serde(default)]
    pub agreement_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidAction {
    pub category: Category,
    pub description: String,
    pub estimated_cost: Centavos,
    pub agreement_id: Option<Uuid>,
}

impl NewAction {
    pub fn validate(&self) -> Result<ValidAction, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let category = required_code(
            "category",
            &self.category,
            "category_required",
            Category::from_code,
            &mut errors,
        );
        let description = long_text(
            "description",
            &self.description,
            DESCRIPTION_CHARS_MAX,
            true,
            &mut errors,
        );
        let estimated_cost = positive_amount("estimated_cost", &self.estimated_cost, &mut errors);
        errors.into_result()?;
        match (category, description, estimated_cost) {
            (Some(category), Some(description), Some(estimated_cost)) => Ok(ValidAction {
                category,
                description,
                estimated_cost,
                agreement_id: self.agreement_id,
            }),
            _ => unreachable!("a missing field always records an error"),
        }
    }
}

/// An action as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: Uuid,
    /// A [`Category::code`].
    pub category: String,
    pub description: String,
    pub estimated_cost: Centavos,
    pub agreement_id: Option<Uuid>,
    /// An [`ActionStatus::code`].
    pub status: String,
    pub verified_by: Option<MemberId>,
    pub verified_on: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_action() {
        let a = NewAction {
            category: "mobiliario".into(),
            description: "Bancas para la sala de espera".into(),
            estimated_cost: "$12,500".into(),
            agreement_id: None,
        }
        .validate()
        .unwrap();
        assert_eq!(a.category, Category::Mobiliario);
        assert_eq!(a.estimated_cost, Centavos(1_250_000));
    }

    #[test]
    fn action_reports_every_problem() {
        let errs = NewAction::default().validate().unwrap_err();
        let codes: Vec<_> = errs
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("category", "category_required"),
                ("description", "required"),
                ("estimated_cost", "required"),
            ]
        );
        for (cost, code) in [("doce", "amount_invalid"), ("0", "amount_not_positive")] {
            let errs = NewAction {
                category: "equipamiento".into(),
                description: "Báscula".into(),
                estimated_cost: cost.into(),
                agreement_id: None,
            }
            .validate()
            .unwrap_err();
            assert_eq!(errs.0[0].code, code);
        }
    }

    #[test]
    fn status_moves_one_step_forward() {
        let mut s = ActionStatus::Propuesta;
        let mut seen = vec![s.code()];
        while let Some(n) = s.next() {
            s = n;
            seen.push(s.code());
        }
        assert_eq!(
            seen,
            vec![
                "propuesta",
                "aprobada",
                "en_proceso",
                "terminada",
                "verificada"
            ]
        );
    }

    #[test]
    fn who_can_verify() {
        let verifiers: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| can_verify(*r))
            .map(Role::code)
            .collect();
        assert_eq!(
            verifiers,
            vec![
                "vocal_salud",
                "vocal_saneamiento",
                "vocal_nutricion",
                "vocal_educacion",
                "contraloria_social"
            ]
        );
    }
}
