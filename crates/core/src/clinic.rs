//! The clinic: CLUES code, the 32 states, the allocation table and validation of a new
//! clinic.

use crate::error::{ValidationError, ValidationErrors};
use crate::money::Centavos;
use serde::{Deserialize, Serialize};

/// One of Mexico's 32 federal entities with the two-letter code that opens every
/// CLUES of that state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct State {
    /// Two-letter CLUES/RENAPO prefix, e.g. `VZ`.
    pub code: &'static str,
    /// Official name in Spanish (a proper name: not translated).
    pub name: &'static str,
}

/// The 32 states in alphabetical order.
pub const STATES: [State; 32] = [
    State {
        code: "AS",
        name: "Aguascalientes",
    },
    State {
        code: "BC",
        name: "Baja California",
    },
    State {
        code: "BS",
        name: "Baja California Sur",
    },
    State {
        code: "CC",
        name: "Campeche",
    },
    State {
        code: "CS",
        name: "Chiapas",
    },
    State {
        code: "CH",
        name: "Chihuahua",
    },
    State {
        code: "DF",
        name: "Ciudad de México",
    },
    State {
        code: "CL",
        name: "Coahuila",
    },
    State {
        code: "CM",
        name: "Colima",
    },
    State {
        code: "DG",
        name: "Durango",
    },
    State {
        code: "MC",
        name: "Estado de México",
    },
    State {
        code: "GT",
        name: "Guanajuato",
    },
    State {
        code: "GR",
        name: "Guerrero",
    },
    State {
        code: "HG",
        name: "Hidalgo",
    },
    State {
        code: "JC",
        name: "Jalisco",
    },
    State {
        code: "MN",
        name: "Michoacán",
    },
    State {
        code: "MS",
        name: "Morelos",
    },
    State {
        code: "NT",
        name: "Nayarit",
    },
    State {
        code: "NL",
        name: "Nuevo León",
    },
    State {
        code: "OC",
        name: "Oaxaca",
    },
    State {
        code: "PL",
        name: "Puebla",
    },
    State {
        code: "QT",
        name: "Querétaro",
    },
    State {
        code: "QR",
        name: "Quintana Roo",
    },
    State {
        code: "SP",
        name: "San Luis Potosí",
    },
    State {
        code: "SL",
        name: "Sinaloa",
    },
    State {
        code: "SR",
        name: "Sonora",
    },
    State {
        code: "TC",
        name: "Tabasco",
    },
    State {
        code: "TS",
        name: "Tamaulipas",
    },
    State {
        code: "TL",
        name: "Tlaxcala",
    },
    State {
        code: "VZ",
        name: "Veracruz",
    },
    State {
        code: "YN",
        name: "Yucatán",
    },
    State {
        code: "ZS",
        name: "Zacatecas",
    },
];

pub fn state_by_code(code: &str) -> Option<&'static State> {
    STATES
        .iter()
        .find(|s| s.code.eq_ignore_ascii_case(code.trim()))
}

/// Upper-case, no surrounding or inner spaces.
pub fn normalise_clues(clues: &str) -> String {
    clues
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A CLUES is 11 characters: the state's two letters, three letters of the
/// institution, six digits (e.g. `VZIMB001234`).
pub fn validate_clues(clues: &str) -> Result<String, ValidationError> {
    let c = normalise_clues(clues);
    if c.is_empty() {
        return Err(ValidationError::new("clues", "clues_required"));
    }
    let bytes = c.as_bytes();
    let shape_ok = bytes.len() == 11
        && bytes[..5].iter().all(u8::is_ascii_uppercase)
        && bytes[5..].iter().all(u8::is_ascii_digit);
    if !shape_ok {
        return Err(ValidationError::new("clues", "clues_format"));
    }
    if state_by_code(&c[..2]).is_none() {
        return Err(ValidationError::new("clues", "clues_state_unknown").with("prefix", &c[..2]));
    }
    Ok(c)
}

/// Money allocated to a clinic for one fiscal year by its number of consultorios.
/// The table is configuration of the programme and may change by year; years not in
/// the table use the latest year before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocationRow {
    pub year: i32,
    /// Consultorios from this number up (the last row covers "or more").
    pub consultorios_from: u32,
    pub amount: Centavos,
}

/// The programme's table as the 2024 releases report it: 400,000 MXN for one
/// consultorio, 200,000 more per consultorio, up to 1,200,000 for the largest units.
pub const ALLOCATION_TABLE: [AllocationRow; 5] = [
    AllocationRow {
        year: 2024,
        consultorios_from: 1,
        amount: Centavos::from_pesos(400_000),
    },
    AllocationRow {
        year: 2024,
        consultorios_from: 2,
        amount: Centavos::from_pesos(600_000),
    },
    AllocationRow {
        year: 2024,
        consultorios_from: 3,
        amount: Centavos::from_pesos(800_000),
    },
    AllocationRow {
        year: 2024,
        consultorios_from: 4,
        amount: Centavos::from_pesos(1_000_000),
    },
    AllocationRow {
        year: 2024,
        consultorios_from: 5,
        amount: Centavos::from_pesos(1_200_000),
    },
];

/// Most consultorios a first-level unit can declare; more is a typing mistake.
pub const CONSULTORIOS_MAX: u32 = 99;

/// The allocation for `consultorios` in fiscal `year`, from [`ALLOCATION_TABLE`].
pub fn allocation_for(year: i32, consultorios: u32) -> Option<Centavos> {
    if consultorios == 0 {
        return None;
    }
    let table_year = ALLOCATION_TABLE
        .iter()
        .map(|r| r.year)
        .filter(|y| *y <= year)
        .max()
        .or_else(|| ALLOCATION_TABLE.iter().map(|r| r.year).min())?;
    ALLOCATION_TABLE
        .iter()
        .filter(|r| r.year == table_year && r.consultorios_from <= consultorios)
        .max_by_key(|r| r.consultorios_from)
        .map(|r| r.amount)
}

/// Longest free-text name we accept (a clinic, a municipality, a person).
pub const NAME_CHARS_MAX: usize = 120;

/// What a person fills in on the first-start screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewClinic {
    pub clues: String,
    pub name: String,
    /// Two-letter state code.
    pub state: String,
    pub municipality: String,
    pub locality: String,
    pub consultorios: u32,
}

/// A validated clinic, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidClinic {
    pub clues: String,
    pub name: String,
    pub state: &'static State,
    pub municipality: String,
    pub locality: String,
    pub consultorios: u32,
}

pub(crate) fn required_text(
    field: &str,
    value: &str,
    errors: &mut ValidationErrors,
) -> Option<String> {
    let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if v.is_empty() {
        errors.push(ValidationError::new(field, "required"));
        None
    } else if v.chars().count() > NAME_CHARS_MAX {
        errors
            .push(ValidationError::new(field, "too_long").with("max", NAME_CHARS_MAX.to_string()));
        None
    } else {
        Some(v)
    }
}

impl NewClinic {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<ValidClinic, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let clues = validate_clues(&self.clues).map_err(|e| errors.push(e)).ok();
        let name = required_text("name", &self.name, &mut errors);
        let state = match state_by_code(&self.state) {
            Some(s) => Some(s),
            None => {
                errors.push(ValidationError::new("state", "state_required"));
                None
            }
        };
        if let (Some(c), Some(s)) = (&clues, state) {
            if &c[..2] != s.code {
                let prefix_state = state_by_code(&c[..2]).map(|p| p.name).unwrap_or("?");
                errors.push(
                    ValidationError::new("clues", "clues_state_mismatch")
                        .with("prefix", &c[..2])
                        .with("prefix_state", prefix_state)
                        .with("state", s.name),
                );
            }
        }
        let municipality = required_text("municipality", &self.municipality, &mut errors);
        let locality = required_text("locality", &self.locality, &mut errors);
        if self.consultorios == 0 || self.consultorios > CONSULTORIOS_MAX {
            errors.push(
                ValidationError::new("consultorios", "consultorios_range")
                    .with("max", CONSULTORIOS_MAX.to_string()),
            );
        }
        errors.into_result()?;
        // Every Option is Some here: each None pushed an error above.
        match (clues, name, state, municipality, locality) {
            (Some(clues), Some(name), Some(state), Some(municipality), Some(locality)) => {
                Ok(ValidClinic {
                    clues,
                    name,
                    state,
                    municipality,
                    locality,
                    consultorios: self.consultorios,
                })
            }
            _ => unreachable!("a missing field always records an error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> NewClinic {
        NewClinic {
            clues: "vzimb001234".into(),
            name: "Centro de Salud Tlaquilpa".into(),
            state: "VZ".into(),
            municipality: "Tlaquilpa".into(),
            locality: "Tlaquilpa".into(),
            consultorios: 1,
        }
    }

    #[test]
    fn valid_clinic_is_normalised() {
        let c = good().validate().unwrap();
        assert_eq!(c.clues, "VZIMB001234");
        assert_eq!(c.state.name, "Veracruz");
    }

    #[test]
    fn reports_every_problem() {
        let bad = NewClinic {
            clues: "12345".into(),
            name: "  ".into(),
            state: "".into(),
            municipality: "".into(),
            locality: "x".into(),
            consultorios: 0,
        };
        let errs = bad.validate().unwrap_err();
        let codes: Vec<_> = errs
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("clues", "clues_format"),
                ("name", "required"),
                ("state", "state_required"),
                ("municipality", "required"),
                ("consultorios", "consultorios_range"),
            ]
        );
    }

    #[test]
    fn clues_prefix_must_match_state() {
        let mut c = good();
        c.state = "OC".into();
        let errs = c.validate().unwrap_err();
        assert_eq!(errs.0[0].code, "clues_state_mismatch");
    }

    #[test]
    fn allocation_by_consultorios() {
        assert_eq!(allocation_for(2024, 1), Some(Centavos::from_pesos(400_000)));
        assert_eq!(allocation_for(2025, 2), Some(Centavos::from_pesos(600_000)));
        assert_eq!(
            allocation_for(2024, 12),
            Some(Centavos::from_pesos(1_200_000))
        );
        assert_eq!(allocation_for(2023, 3), Some(Centavos::from_pesos(800_000)));
        assert_eq!(allocation_for(2024, 0), None);
    }

    #[test]
    fn thirty_two_distinct_states() {
        let mut codes: Vec<_> = STATES.iter().map(|s| s.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 32);
    }
}

/// A clinic as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clinic {
    pub id: crate::ids::ClinicId,
    pub clues: String,
    pub name: String,
    /// Two-letter state code.
    pub state: String,
    /// The state's name, for display.
    pub state_name: String,
    pub municipality: String,
    pub locality: String,
    pub consultorios: u32,
    /// Allocation for the current fiscal year from the programme's table.
    pub allocation: Centavos,
    pub allocation_year: i32,
}
