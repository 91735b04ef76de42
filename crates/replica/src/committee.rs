//! The clinic and its committee: typed writes and reads.

use crate::error::{Error, Result};
use crate::log::value_from_sql;
use crate::Replica;
use chrono::Datelike;
use cosabi_core::change::Value;
use cosabi_core::clinic::{allocation_for, state_by_code, Clinic, NewClinic};
use cosabi_core::committee::{Gender, Member, NewMember, Role, ValidMember};
use cosabi_core::ids::{clinic_id_for_clues, ClinicId, MemberId};
use cosabi_core::schema::{CLINIC, MEMBER};
use cosabi_core::ValidationError;
use rusqlite::OptionalExtension;
use uuid::Uuid;

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn opt_date(d: Option<chrono::NaiveDate>) -> Value {
    match d {
        Some(d) => Value::Text(d.format("%Y-%m-%d").to_string()),
        None => Value::Null,
    }
}

impl Replica {
    /// The clinic this replica holds, if created.
    pub fn clinic(&self) -> Result<Option<Clinic>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, clues, name, state, municipality, locality, consultorios
                 FROM clinic WHERE deleted = 0 ORDER BY id LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, clues, name, state, municipality, locality, consultorios)) = row else {
            return Ok(None);
        };
        let id = Uuid::from_slice(&id).map_err(|e| Error::Corrupt(format!("clinic id: {e}")))?;
        let state = state.unwrap_or_default();
        let consultorios = consultorios.unwrap_or(1).clamp(0, u32::MAX as i64) as u32;
        let year = chrono::Local::now().year();
        Ok(Some(Clinic {
            id: ClinicId(id),
            clues: clues.unwrap_or_default(),
            name: name.unwrap_or_default(),
            state_name: state_by_code(&state)
                .map(|s| s.name.to_owned())
                .unwrap_or_else(|| state.clone()),
            state,
            municipality: municipality.unwrap_or_default(),
            locality: locality.unwrap_or_default(),
            consultorios,
            allocation: allocation_for(year, consultorios).unwrap_or_default(),
            allocation_year: year,
        }))
    }

    fn clinic_id(&self) -> Result<ClinicId> {
        self.clinic()?.map(|c| c.id).ok_or(Error::NoClinic)
    }

    /// Creates the clinic on first start. Its id is UUIDv5 of the CLUES, so the same
    /// clinic created on two devices is one row.
    pub fn create_clinic(&mut self, input: &NewClinic) -> Result<Clinic> {
        let valid = input.validate()?;
        if let Some(existing) = self.clinic()? {
            return Err(Error::ClinicExists(existing.clues));
        }
        let id = clinic_id_for_clues(&valid.clues);
        self.write(|w| {
            w.insert(
                &CLINIC,
                id.0,
                &[
                    (1, text(&valid.clues)),
                    (2, text(&valid.name)),
                    (3, text(valid.state.code)),
                    (4, text(&valid.municipality)),
                    (5, text(&valid.locality)),
                    (6, Value::Int(valid.consultorios as i64)),
                ],
            )
        })?;
        self.clinic()?.ok_or(Error::NoClinic)
    }

    /// Who holds `role`'s seat today, other than `except`: members whose term has
    /// not ended (a past end date frees the seat for whoever replaces them).
    fn seat_holder(&self, role: Role, except: Option<MemberId>) -> Result<Option<String>> {
        if !role.is_committee_seat() {
            return Ok(None);
        }
        let clinic = self.clinic_id()?;
        let except = except.map(|m| m.0.as_bytes().to_vec()).unwrap_or_default();
        Ok(self
            .conn
            .query_row(
                "SELECT name FROM member
                 WHERE clinic_id = ?1 AND role = ?2 AND deleted = 0 AND id <> ?3
                   AND (term_end IS NULL OR term_end >= ?4)",
                rusqlite::params![
                    clinic.0.as_bytes().as_slice(),
                    role.code(),
                    except,
                    today().format("%Y-%m-%d").to_string()
                ],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Refuses a second person in `role`'s seat, naming who holds it.
    fn check_seat_free(&self, role: Role, except: Option<MemberId>) -> Result<()> {
        match self.seat_holder(role, except)? {
            Some(holder) => Err(ValidationError::new("role", "role_taken")
                .with("role", role.code())
                .with("holder", holder)
                .into()),
            None => Ok(()),
        }
    }

    /// Adds a member. One person in office per committee seat: a second presidente
    /// is refused, naming who holds the seat (one whose term has ended does not).
    pub fn add_member(&mut self, input: &NewMember) -> Result<Member> {
        let valid = input.validate()?;
        let clinic = self.clinic_id()?;
        self.check_seat_free(valid.role, None)?;
        let id = MemberId(Uuid::now_v7());
        let fields = new_member_fields(clinic, &valid);
        self.write(|w| w.insert(&MEMBER, id.0, &fields))?;
        Ok(member_of(id, valid))
    }

    /// Ends `old`'s term the day before `input`'s starts (today when it gives no
    /// start) and seats `input` in the same role: the person who held the seat stays
    /// in the committee's history as a former member. Both in one write.
    pub fn replace_member(&mut self, old: MemberId, input: &NewMember) -> Result<Member> {
        let before = self.member(old)?;
        let mut input = input.clone();
        input.role = before.role.clone();
        if input.term_start.trim().is_empty() {
            input.term_start = today().format("%d/%m/%Y").to_string();
        }
        let valid = input.validate()?;
        let start = valid.term_start.unwrap_or_else(today);
        let ends = start.pred_opt().unwrap_or(start);
        if before.term_start_date().is_some_and(|s| s > ends) {
            return Err(
                ValidationError::new("term_start", "replacement_before_start")
                    .with("name", before.name)
                    .into(),
            );
        }
        self.check_seat_free(valid.role, Some(old))?;
        let clinic = self.clinic_id()?;
        let id = MemberId(Uuid::now_v7());
        let fields = new_member_fields(clinic, &valid);
        // A term already written to end sooner is left as it is.
        let end_old = before.term_end_date().is_none_or(|e| e > ends);
        self.write(|w| {
            if end_old {
                w.update(&MEMBER, old.0, &[(5, opt_date(Some(ends)))])?;
            }
            w.insert(&MEMBER, id.0, &fields)
        })?;
        Ok(member_of(id, valid))
    }

    /// Ends `id`'s term on `on` (as typed, dd/mm/aaaa): not before it started.
    pub fn end_term(&mut self, id: MemberId, on: &str) -> Result<Member> {
        let before = self.member(id)?;
        if on.trim().is_empty() {
            return Err(ValidationError::new("term_end", "required").into());
        }
        let end = cosabi_core::format::read_date_input(on)
            .map_err(|e| ValidationError::new("term_end", e.code()))?;
        if before.term_start_date().is_some_and(|s| end < s) {
            return Err(ValidationError::new("term_end", "term_end_before_start").into());
        }
        self.write(|w| w.update(&MEMBER, id.0, &[(5, opt_date(Some(end)))]))?;
        self.member(id)
    }

    /// One member; `not_found` if there is no such member (or it was deleted).
    fn member(&self, id: MemberId) -> Result<Member> {
        self.members()?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| ValidationError::new("member", "not_found").into())
    }

    /// Corrects a member's name, role, term or gender. Only changed fields are logged; the
    /// one-person-per-seat rule applies as when adding.
    pub fn update_member(&mut self, id: MemberId, input: &NewMember) -> Result<Member> {
        let valid = input.validate()?;
        self.check_seat_free(valid.role, Some(id))?;
        let mut fields = vec![
            (2, text(&valid.name)),
            (3, text(valid.role.code())),
            (4, opt_date(valid.term_start)),
            (5, opt_date(valid.term_end)),
        ];
        // "Not said" is written only over a gender that was said.
        let stored: Option<String> = self
            .conn
            .query_row(
                "SELECT gender FROM member WHERE id = ?1",
                [id.0.as_bytes().as_slice()],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let said = valid.gender.map_or("", Gender::code);
        if said != stored.as_deref().unwrap_or("") {
            fields.push((6, text(said)));
        }
        self.write(|w| w.update(&MEMBER, id.0, &fields))?;
        self.members()?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| Error::Corrupt(format!("member {id} vanished")))
    }

    /// The committee: the seven seats in their order, then staff and contraloría
    /// social, each by name.
    pub fn members(&self) -> Result<Vec<Member>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, role, term_start, term_end, gender FROM member WHERE deleted = 0",
        )?;
        let mut out = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: Vec<u8> = r.get(0)?;
            let role = match value_from_sql(r.get_ref(2)?)? {
                Value::Text(t) => t,
                _ => String::new(),
            };
            out.push(Member {
                id: MemberId(
                    Uuid::from_slice(&id).map_err(|e| Error::Corrupt(format!("member id: {e}")))?,
                ),
                name: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                role,
                term_start: r.get(3)?,
                term_end: r.get(4)?,
                gender: match value_from_sql(r.get_ref(5)?)? {
                    Value::Text(t) => t,
                    _ => String::new(),
                },
            });
        }
        let rank = |m: &Member| {
            Role::from_code(&m.role)
                .map(|r| r as usize)
                .unwrap_or(Role::ALL.len())
        };
        out.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name)));
        Ok(out)
    }

    /// Loads the demo clinic (fictional people in a real place), so a newcomer can look
    /// around at once. Refused if the replica already holds a clinic.
    pub fn load_demo(&mut self) -> Result<Clinic> {
        let demo: Demo = serde_json::from_str(DEMO_JSON)
            .map_err(|e| Error::Corrupt(format!("demo data: {e}")))?;
        let clinic = self.create_clinic(&demo.clinic)?;
        // The demo's committee is in office whatever the day it is opened: a term the
        // demo file wrote is kept from its start (the demo's assemblies fall in it)
        // and runs on, a year at a time, past today.
        let today = today();
        for m in &demo.members {
            let mut member = m.clone();
            let end = cosabi_core::format::parse_date_input(&m.term_end);
            if let Some(mut end) = end.filter(|e| *e < today) {
                while end < today {
                    end = end
                        .checked_add_months(chrono::Months::new(12))
                        .unwrap_or(today);
                }
                member.term_end = end.format("%d/%m/%Y").to_string();
            }
            self.add_member(&member)?;
        }
        Ok(clinic)
    }
}

const DEMO_JSON: &str = include_str!("../../../assets/demo/clinic.json");

#[derive(serde::Deserialize)]
struct Demo {
    clinic: NewClinic,
    members: Vec<NewMember>,
}

/// The device's local date: seats are free once a term's end date is past. (A date
/// people read, not an ordering of changes: merging uses the HLC.)
pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// A new member's fields as logged.
fn new_member_fields(clinic: ClinicId, valid: &ValidMember) -> Vec<(u16, Value)> {
    let mut fields = vec![
        (1, Value::uuid(clinic.0)),
        (2, text(&valid.name)),
        (3, text(valid.role.code())),
        (4, opt_date(valid.term_start)),
        (5, opt_date(valid.term_end)),
    ];
    // Not said is left out rather than logged.
    if let Some(g) = valid.gender {
        fields.push((6, text(g.code())));
    }
    fields
}

fn member_of(id: MemberId, valid: ValidMember) -> Member {
    Member {
        id,
        name: valid.name,
        role: valid.role.code().to_owned(),
        term_start: valid.term_start.map(|d| d.format("%Y-%m-%d").to_string()),
        term_end: valid.term_end.map(|d| d.format("%Y-%m-%d").to_string()),
        gender: valid.gender.map_or("", Gender::code).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clinic_input() -> NewClinic {
        NewClinic {
            clues: "VZIMB001234".into(),
            name: "Centro de Salud Tlaquilpa".into(),
            state: "VZ".into(),
            municipality: "Tlaquilpa".into(),
            locality: "Tlaquilpa".into(),
            consultorios: 2,
        }
    }

    fn member(name: &str, role: &str) -> NewMember {
        NewMember {
            name: name.into(),
            role: role.into(),
            ..Default::default()
        }
    }

    #[test]
    fn clinic_and_members_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        {
            let mut r = Replica::open(&path).unwrap();
            let c = r.create_clinic(&clinic_input()).unwrap();
            assert_eq!(c.allocation.to_string(), "$600,000.00");
            assert_eq!(c.id, clinic_id_for_clues("vzimb001234"));
            r.add_member(&member("Rosa Tepole", "tesorero")).unwrap();
            r.add_member(&member("Juan Xocua", "presidente")).unwrap();
        }
        let r = Replica::open(&path).unwrap();
        let names: Vec<_> = r.members().unwrap().into_iter().map(|m| m.name).collect();
        assert_eq!(names, vec!["Juan Xocua", "Rosa Tepole"]);
        // One change per field: 6 clinic fields + 5 per member.
        assert_eq!(r.local_change_count(), 16);
    }

    #[test]
    fn second_presidente_is_refused_and_nothing_saved() {
        let mut r = Replica::open_in_memory().unwrap();
        r.create_clinic(&clinic_input()).unwrap();
        r.add_member(&member("Juan Xocua", "presidente")).unwrap();
        let before = r.local_change_count();
        let err = r.add_member(&member("Pedro", "presidente")).unwrap_err();
        match err {
            Error::Invalid(e) => {
                assert_eq!(e.0[0].code, "role_taken");
                assert!(e.0[0]
                    .detail
                    .contains(&("holder".into(), "Juan Xocua".into())));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(r.members().unwrap().len(), 1);
        assert_eq!(r.local_change_count(), before);
        // Staff roles are not seats: two are fine.
        r.add_member(&member("Dra. Luz", "personal_salud")).unwrap();
        r.add_member(&member("Enf. Mar", "personal_salud")).unwrap();
    }

    #[test]
    fn member_needs_a_clinic() {
        let mut r = Replica::open_in_memory().unwrap();
        assert!(matches!(
            r.add_member(&member("Ana", "tesorero")),
            Err(Error::NoClinic)
        ));
    }

    #[test]
    fn one_clinic_per_replica() {
        let mut r = Replica::open_in_memory().unwrap();
        r.create_clinic(&clinic_input()).unwrap();
        assert!(matches!(
            r.create_clinic(&clinic_input()),
            Err(Error::ClinicExists(_))
        ));
    }

    #[test]
    fn demo_loads_a_full_committee() {
        let mut r = Replica::open_in_memory().unwrap();
        let c = r.load_demo().unwrap();
        assert_eq!(c.state, "VZ");
        let seats = r
            .members()
            .unwrap()
            .iter()
            .filter(|m| Role::from_code(&m.role).is_some_and(Role::is_committee_seat))
            .count();
        assert_eq!(seats, 7);
    }

    #[test]
    fn member_can_be_corrected_but_not_into_a_taken_seat() {
        let mut r = Replica::open_in_memory().unwrap();
        r.create_clinic(&clinic_input()).unwrap();
        r.add_member(&member("Juan Xocua", "presidente")).unwrap();
        let ana = r.add_member(&member("Ana Xolo", "tesorero")).unwrap();
        let before = r.local_change_count();
        let fixed = r
            .update_member(ana.id, &member("Ana Xolo Tepole", "tesorero"))
            .unwrap();
        assert_eq!(fixed.name, "Ana Xolo Tepole");
        assert_eq!(r.local_change_count(), before + 1, "only the name changed");
        let err = r.update_member(ana.id, &member("Ana Xolo Tepole", "presidente"));
        assert!(matches!(err, Err(Error::Invalid(_))));
    }

    #[test]
    fn gender_is_kept_and_corrected() {
        let mut r = Replica::open_in_memory().unwrap();
        r.create_clinic(&clinic_input()).unwrap();
        let before = r.local_change_count();
        let ana = r.add_member(&member("Ana Xolo", "tesorero")).unwrap();
        assert_eq!(ana.gender, "");
        assert_eq!(r.local_change_count() - before, 5, "not said is not logged");
        let said = NewMember {
            gender: "f".into(),
            ..member("Ana Xolo", "tesorero")
        };
        let before = r.local_change_count();
        assert_eq!(r.update_member(ana.id, &said).unwrap().gender, "f");
        assert_eq!(r.local_change_count(), before + 1);
        r.update_member(ana.id, &said).unwrap();
        assert_eq!(
            r.local_change_count(),
            before + 1,
            "unchanged: nothing logged"
        );
        let unsaid = r
            .update_member(ana.id, &member("Ana Xolo", "tesorero"))
            .unwrap();
        assert_eq!(unsaid.gender, "");
        assert_eq!(r.local_change_count(), before + 2);
        let juan = r
            .add_member(&NewMember {
                gender: "m".into(),
                ..member("Juan Xocua", "presidente")
            })
            .unwrap();
        assert_eq!(r.members().unwrap()[0], juan);
    }

    #[test]
    fn update_logs_only_changed_fields_with_prev() {
        let mut r = Replica::open_in_memory().unwrap();
        let c = r.create_clinic(&clinic_input()).unwrap();
        let n = r
            .write(|w| {
                w.update(
                    &CLINIC,
                    c.id.0,
                    &[(2, text("Centro de Salud Tlaquilpa")), (6, Value::Int(3))],
                )
            })
            .unwrap();
        assert_eq!(n, 1);
        let history = r.history(&CLINIC, c.id.0).unwrap();
        assert_eq!(history.len(), 7);
        assert_eq!(history[6].column, "consultorios");
        assert_eq!(history[6].value, Value::Int(3));
        let body: Vec<u8> = r
            .conn
            .query_row(
                "SELECT body FROM change_log ORDER BY id DESC LIMIT 1",
                [],
                |row| row.get(0),
            )
            .unwrap();
        let fields: Vec<crate::log::LogField> = crate::log::decode(&body, "body").unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].column, 6);
        assert_eq!(fields[0].prev, Some((1, 6)));
        assert_eq!(r.clinic().unwrap().unwrap().consultorios, 3);
    }
}
