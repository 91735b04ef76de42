//! Assemblies and their actas, attendance, amendments and agreements: typed writes and
//! reads.
//!
//! An acta is a draft until it is closed; closing copies the minutes into
//! `closed_minutes` and from then on the acta's content (date, place, agenda,
//! minutes, attendance, agreements) is refused with `acta_closed`, and corrections
//! are amendments. Following up an agreement (its status) stays open, since that
//! happens in later assemblies.

use crate::error::{Error, Result};
use crate::rows::{
    clinic_uuid, date, int_at, not_found, opt_uuid_at, require_row, row_exists, text, text_at,
    today, uuid_at,
};
use crate::Replica;
use cosabi_core::assembly::{
    agreement_choices, open_before, parse_community_attendees, parse_community_names,
    source_assemblies, validate_amendment, validate_minutes, Agreement, AgreementChoice,
    AgreementStatus, Amendment, Assembly, AssemblyDetail, AssemblyStatus, AttendanceEntry,
    NewAgreement, NewAssembly, Quorum,
};
use cosabi_core::change::Value;
use cosabi_core::committee::Role;
use cosabi_core::ids::{natural_id, MemberId};
use cosabi_core::schema::{AGREEMENT, AMENDMENT, ASSEMBLY, ATTENDANCE, MEMBER};
use cosabi_core::{ValidationError, ValidationErrors};
use rusqlite::OptionalExtension;
use uuid::Uuid;

const ASSEMBLY_COLUMNS: &str = "id, kind, date, place, agenda, community_attendees, minutes, \
     status, closed_minutes, closed_by, quorum_percent, signed_photo_id, opened_at, opened_by, \
     closed_at, community_names";

fn assembly_from_row(r: &rusqlite::Row<'_>) -> Result<Assembly> {
    let agenda = text_at(r, 4)?;
    Ok(Assembly {
        id: uuid_at(r, 0, "assembly id")?,
        kind: text_at(r, 1)?,
        date: text_at(r, 2)?,
        place: text_at(r, 3)?,
        agenda: agenda.lines().map(str::to_owned).collect(),
        community_attendees: int_at(r, 5)?,
        minutes: text_at(r, 6)?,
        status: text_at(r, 7)?,
        closed_minutes: r.get(8)?,
        closed_by: opt_uuid_at(r, 9, "closed_by")?.map(MemberId),
        // A row whose quorum field has not arrived yet uses the default rule.
        quorum_percent: r
            .get::<_, Option<i64>>(10)?
            .unwrap_or(cosabi_core::assembly::QUORUM_PERCENT_DEFAULT),
        signed_photo_id: opt_uuid_at(r, 11, "signed_photo_id")?,
        opened_at: r.get(12)?,
        opened_by: opt_uuid_at(r, 13, "opened_by")?.map(MemberId),
        closed_at: r.get(14)?,
        community_names: r
            .get::<_, Option<String>>(15)?
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect(),
    })
}

const AGREEMENT_COLUMNS: &str =
    "a.id, a.assembly_id, a.text, a.responsible_id, a.due_date, a.status, a.carried_from_id";

fn agreement_from_row(r: &rusqlite::Row<'_>) -> Result<Agreement> {
    Ok(Agreement {
        id: uuid_at(r, 0, "agreement id")?,
        assembly_id: uuid_at(r, 1, "agreement assembly")?,
        text: text_at(r, 2)?,
        responsible_id: opt_uuid_at(r, 3, "responsible")?.map(MemberId),
        due_date: r.get(4)?,
        status: text_at(r, 5)?,
        carried_from_id: opt_uuid_at(r, 6, "carried_from")?,
    })
}

fn acta_closed() -> Error {
    ValidationError::new("status", "acta_closed").into()
}

/// The fields every new agreement row carries; absent optional fields are left out
/// rather than logged as NULL.
fn agreement_fields(
    assembly: Uuid,
    text_value: &str,
    responsible: Option<MemberId>,
    due_date: Option<Value>,
    status: &str,
    carried_from: Option<Uuid>,
) -> Vec<(u16, Value)> {
    let mut fields = vec![(1, Value::uuid(assembly)), (2, text(text_value))];
    if let Some(r) = responsible {
        fields.push((3, Value::uuid(r.0)));
    }
    if let Some(d) = due_date {
        fields.push((4, d));
    }
    fields.push((5, text(status)));
    if let Some(c) = carried_from {
        fields.push((6, Value::uuid(c)));
    }
    fields
}

impl Replica {
    /// One assembly that exists and is not deleted, else `not_found`.
    fn assembly_row(&self, id: Uuid) -> Result<Assembly> {
        let sql = format!("SELECT {ASSEMBLY_COLUMNS} FROM assembly WHERE id = ?1 AND deleted = 0");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([id.as_bytes().as_slice()])?;
        match rows.next()? {
            Some(r) => assembly_from_row(r),
            None => Err(not_found("assembly_id", id)),
        }
    }

    /// An assembly whose acta may still change, else `acta_closed`.
    fn draft_assembly(&self, id: Uuid) -> Result<Assembly> {
        let a = self.assembly_row(id)?;
        if a.is_closed() {
            return Err(acta_closed());
        }
        Ok(a)
    }

    /// Creates an assembly as a draft acta.
    pub fn create_assembly(&mut self, input: &NewAssembly) -> Result<Assembly> {
        let v = input.validate()?;
        let clinic = clinic_uuid(&self.conn)?;
        let id = Uuid::now_v7();
        self.write(|w| {
            w.insert(
                &ASSEMBLY,
                id,
                &[
                    (1, Value::uuid(clinic)),
                    (2, text(v.kind.code())),
                    (3, date(v.date)),
                    (4, text(&v.place)),
                    (5, text(&v.agenda_text())),
                    (6, Value::Int(v.community_attendees)),
                    (7, text(&v.minutes)),
                    (8, text(AssemblyStatus::Draft.code())),
                    (11, Value::Int(v.quorum_percent)),
                ],
            )
        })?;
        self.assembly_row(id)
    }

    /// Corrects a draft acta's header: kind, date, place, agenda, community attendees
    /// and quorum rule. The minutes are saved on their own
    /// ([`Replica::update_assembly_minutes`]) so a stale form cannot overwrite them.
    /// Returns how many fields changed.
    pub fn update_assembly(&mut self, id: Uuid, input: &NewAssembly) -> Result<usize> {
        let v = input.validate()?;
        self.draft_assembly(id)?;
        self.write(|w| {
            w.update(
                &ASSEMBLY,
                id,
                &[
                    (2, text(v.kind.code())),
                    (3, date(v.date)),
                    (4, text(&v.place)),
                    (5, text(&v.agenda_text())),
                    (6, Value::Int(v.community_attendees)),
                    (11, Value::Int(v.quorum_percent)),
                ],
            )
        })
    }

    /// Saves a draft acta's agenda alone (one item per line, as typed), as the acta's
    /// agenda step saves it while it is typed: the header (kind, date, place, quorum)
    /// and the community count are not written, so a header corrected meanwhile
    /// is never put back. Returns 0 when it did not change.
    pub fn update_assembly_agenda(&mut self, id: Uuid, agenda: &str) -> Result<usize> {
        let mut errors = ValidationErrors::default();
        let items = cosabi_core::assembly::parse_agenda(agenda, &mut errors);
        errors.into_result()?;
        self.draft_assembly(id)?;
        self.write(|w| w.update(&ASSEMBLY, id, &[(5, text(&items.join("\n")))]))
    }

    /// Saves a draft acta's minutes; returns 0 when they did not change.
    pub fn update_assembly_minutes(&mut self, id: Uuid, minutes: &str) -> Result<usize> {
        let minutes = validate_minutes(minutes)?;
        self.draft_assembly(id)?;
        self.write(|w| w.update(&ASSEMBLY, id, &[(7, text(&minutes))]))
    }

    /// Sets how many people of the community came, as typed.
    pub fn set_community_attendees(&mut self, id: Uuid, count: &str) -> Result<usize> {
        let mut errors = ValidationErrors::default();
        let n = parse_community_attendees(count, &mut errors);
        errors.into_result()?;
        let n = n.unwrap_or_default();
        self.draft_assembly(id)?;
        self.write(|w| w.update(&ASSEMBLY, id, &[(6, Value::Int(n))]))
    }

    /// Marks a member present or absent. The row's id is the natural key of (assembly,
    /// member), so two devices taking the list offline write the same row; setting
    /// the same value again logs nothing. Returns how many fields changed.
    pub fn set_attendance(
        &mut self,
        assembly: Uuid,
        member: MemberId,
        present: bool,
    ) -> Result<usize> {
        self.draft_assembly(assembly)?;
        require_row(&self.conn, &MEMBER, member.0, "member_id")?;
        let id = natural_id("attendance", &[assembly.as_bytes(), member.0.as_bytes()]);
        let present = Value::Int(i64::from(present));
        if row_exists(&self.conn, &ATTENDANCE, id)? {
            // Undeletes a row a device had tombstoned: taking attendance again means it.
            self.write(|w| w.update(&ATTENDANCE, id, &[(0, Value::Int(0)), (3, present)]))
        } else {
            self.write(|w| {
                w.insert(
                    &ATTENDANCE,
                    id,
                    &[
                        (1, Value::uuid(assembly)),
                        (2, Value::uuid(member.0)),
                        (3, present),
                    ],
                )?;
                Ok(3)
            })
        }
    }

    /// Sets the names of the community attendees, one per line as typed; blank lines
    /// are dropped. Returns 0 when they did not change.
    pub fn set_community_names(&mut self, id: Uuid, names: &str) -> Result<usize> {
        let names = parse_community_names(names)?;
        let a = self.draft_assembly(id)?;
        if a.community_names == names {
            return Ok(0);
        }
        self.write(|w| w.update(&ASSEMBLY, id, &[(16, text(&names.join("\n")))]))
    }

    /// Opens the assembly: records when (now, by the device's corrected clock) and by
    /// whom, once. Opening again, or a closed acta, changes nothing and returns the
    /// assembly as it is: the first opening is the one the acta prints.
    pub fn open_assembly(&mut self, id: Uuid, opened_by: MemberId) -> Result<Assembly> {
        let a = self.assembly_row(id)?;
        if a.opened_at.is_some() || a.is_closed() {
            return Ok(a);
        }
        require_row(&self.conn, &MEMBER, opened_by.0, "opened_by")?;
        let at = self.now_rfc3339();
        self.write(|w| {
            w.update(
                &ASSEMBLY,
                id,
                &[(13, text(&at)), (14, Value::uuid(opened_by.0))],
            )
        })?;
        self.assembly_row(id)
    }

    /// Closes the acta: its minutes are copied to `closed_minutes`, and when (now, by
    /// the device's corrected clock) and by whom are recorded; it no longer changes.
    /// Refused if it is already closed. Closing is not signing: the signatures are on
    /// paper, and the acta says "firmada" only once a photo of it is attached.
    pub fn close_assembly(&mut self, id: Uuid, closed_by: MemberId) -> Result<Assembly> {
        let a = self.draft_assembly(id)?;
        require_row(&self.conn, &MEMBER, closed_by.0, "closed_by")?;
        let at = self.now_rfc3339();
        self.write(|w| {
            w.update(
                &ASSEMBLY,
                id,
                &[
                    (8, text(AssemblyStatus::Closed.code())),
                    (9, text(&a.minutes)),
                    (10, Value::uuid(closed_by.0)),
                    (15, text(&at)),
                ],
            )
        })?;
        self.assembly_row(id)
    }

    /// Records a correction to a closed acta, dated today.
    pub fn add_amendment(&mut self, assembly: Uuid, amendment: &str) -> Result<Amendment> {
        let t = validate_amendment(amendment)?;
        if !self.assembly_row(assembly)?.is_closed() {
            return Err(ValidationError::new("status", "acta_not_closed").into());
        }
        let id = Uuid::now_v7();
        let made_on = today();
        self.write(|w| {
            w.insert(
                &AMENDMENT,
                id,
                &[
                    (1, Value::uuid(assembly)),
                    (2, text(&t)),
                    (3, date(made_on)),
                ],
            )
        })?;
        Ok(Amendment {
            id,
            assembly_id: assembly,
            text: t,
            made_on: crate::rows::iso(made_on),
        })
    }

    /// Every assembly, newest first.
    pub fn assemblies(&self) -> Result<Vec<Assembly>> {
        let sql = format!(
            "SELECT {ASSEMBLY_COLUMNS} FROM assembly WHERE deleted = 0
             ORDER BY date DESC, id DESC"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(assembly_from_row(r)?);
        }
        Ok(out)
    }

    /// One assembly with its attendance list, quorum and amendments; `None` if it does
    /// not exist or was deleted.
    ///
    /// The list holds every member whose term covers the assembly's date, plus anyone
    /// else marked present; quorum counts only the former.
    pub fn assembly(&self, id: Uuid) -> Result<Option<AssemblyDetail>> {
        let assembly = match self.assembly_row(id) {
            Ok(a) => a,
            Err(Error::Invalid(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.name, m.role, coalesce(a.present, 0),
                    coalesce(m.term_start, '') <= ?2
                      AND (m.term_end IS NULL OR m.term_end = '' OR m.term_end >= ?2)
             FROM member m
             LEFT JOIN attendance a
               ON a.member_id = m.id AND a.assembly_id = ?1 AND a.deleted = 0
             WHERE m.deleted = 0",
        )?;
        let mut rows = stmt.query(rusqlite::params![id.as_bytes().as_slice(), assembly.date])?;
        let mut attendance = Vec::new();
        let (mut active, mut present) = (0i64, 0i64);
        while let Some(r) = rows.next()? {
            let is_present = int_at(r, 3)? == 1;
            let is_active: bool = r.get(4)?;
            if is_active {
                active += 1;
                present += i64::from(is_present);
            } else if !is_present {
                continue;
            }
            attendance.push(AttendanceEntry {
                member_id: MemberId(uuid_at(r, 0, "member id")?),
                name: text_at(r, 1)?,
                role: text_at(r, 2)?,
                present: is_present,
            });
        }
        let rank = |e: &AttendanceEntry| {
            Role::from_code(&e.role)
                .map(|r| r as usize)
                .unwrap_or(Role::ALL.len())
        };
        attendance.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name)));
        let quorum = Quorum::compute(active, present, assembly.quorum_percent);
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, text, made_on FROM amendment
             WHERE assembly_id = ?1 AND deleted = 0 ORDER BY made_on, id",
        )?;
        let mut rows = stmt.query([id.as_bytes().as_slice()])?;
        let mut amendments = Vec::new();
        while let Some(r) = rows.next()? {
            amendments.push(Amendment {
                id: uuid_at(r, 0, "amendment id")?,
                assembly_id: id,
                text: text_at(r, 1)?,
                made_on: text_at(r, 2)?,
            });
        }
        Ok(Some(AssemblyDetail {
            assembly,
            attendance,
            quorum,
            amendments,
        }))
    }

    /// Records an agreement of a draft acta, pending.
    pub fn add_agreement(&mut self, assembly: Uuid, input: &NewAgreement) -> Result<Agreement> {
        let v = input.validate()?;
        self.draft_assembly(assembly)?;
        if let Some(r) = v.responsible_id {
            require_row(&self.conn, &MEMBER, r.0, "responsible_id")?;
        }
        let id = Uuid::now_v7();
        let status = AgreementStatus::Pendiente.code();
        let fields = agreement_fields(
            assembly,
            &v.text,
            v.responsible_id,
            v.due_date.map(date),
            status,
            None,
        );
        self.write(|w| w.insert(&AGREEMENT, id, &fields))?;
        Ok(Agreement {
            id,
            assembly_id: assembly,
            text: v.text,
            responsible_id: v.responsible_id,
            due_date: v.due_date.map(crate::rows::iso),
            status: status.to_owned(),
            carried_from_id: None,
        })
    }

    /// Follows an agreement up: `status` is an [`AgreementStatus::code`].
    pub fn set_agreement_status(&mut self, id: Uuid, status: &str) -> Result<usize> {
        let status = AgreementStatus::from_code(status)
            .ok_or_else(|| ValidationError::new("status", "status_required"))?;
        require_row(&self.conn, &AGREEMENT, id, "agreement_id")?;
        self.write(|w| w.update(&AGREEMENT, id, &[(5, text(status.code()))]))
    }

    /// Copies the open agreements of `from` into the draft acta `to`, each naming its
    /// original in `carried_from_id`; ones already carried into `to` are skipped, so
    /// doing it twice copies nothing more. Returns the copies.
    pub fn carry_over_open_agreements(&mut self, from: Uuid, to: Uuid) -> Result<Vec<Agreement>> {
        if from == to {
            return Err(ValidationError::new("to", "same_assembly").into());
        }
        self.assembly_row(from)?;
        self.draft_assembly(to)?;
        let already: Vec<Option<Uuid>> = self
            .agreements(to)?
            .into_iter()
            .map(|a| a.carried_from_id)
            .collect();
        let to_copy: Vec<Agreement> = self
            .agreements(from)?
            .into_iter()
            .filter(|a| AgreementStatus::from_code(&a.status).is_some_and(AgreementStatus::is_open))
            .filter(|a| !already.contains(&Some(a.id)))
            .collect();
        if to_copy.is_empty() {
            return Ok(Vec::new());
        }
        let copies: Vec<Agreement> = to_copy
            .into_iter()
            .map(|a| Agreement {
                id: Uuid::now_v7(),
                assembly_id: to,
                carried_from_id: Some(a.id),
                ..a
            })
            .collect();
        self.write(|w| {
            for c in &copies {
                let fields = agreement_fields(
                    to,
                    &c.text,
                    c.responsible_id,
                    c.due_date.as_deref().map(text),
                    &c.status,
                    c.carried_from_id,
                );
                w.insert(&AGREEMENT, c.id, &fields)?;
            }
            Ok(())
        })?;
        Ok(copies)
    }

    /// Open agreements of assemblies held before `assembly`, each as its latest copy,
    /// not yet carried into it: what [`Replica::carry_over_into`] would copy.
    pub fn carry_over_candidates(&self, assembly: Uuid) -> Result<Vec<Agreement>> {
        Ok(open_before(
            &self.assemblies()?,
            self.open_agreements()?,
            assembly,
        ))
    }

    /// Copies the open agreements of every earlier assembly into the draft acta
    /// `assembly` ([`Replica::carry_over_candidates`], one source assembly at a time).
    /// Returns the copies.
    pub fn carry_over_into(&mut self, assembly: Uuid) -> Result<Vec<Agreement>> {
        let mut copies = Vec::new();
        for from in source_assemblies(&self.carry_over_candidates(assembly)?) {
            copies.extend(self.carry_over_open_agreements(from, assembly)?);
        }
        Ok(copies)
    }

    /// Every agreement of every assembly, newest assembly first, as offered when
    /// choosing the one that approved an action.
    pub fn agreement_choices(&self) -> Result<Vec<AgreementChoice>> {
        let mut all = Vec::new();
        for a in self.assemblies()? {
            let agreements = self.agreements(a.id)?;
            all.push((a, agreements));
        }
        Ok(agreement_choices(all))
    }

    /// Deletes an agreement of a draft acta (a tombstone: its history stays).
    pub fn delete_agreement(&mut self, id: Uuid) -> Result<usize> {
        let assembly: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT assembly_id FROM agreement WHERE id = ?1 AND deleted = 0")?
            .query_row([id.as_bytes().as_slice()], |r| r.get(0))
            .optional()?
            .flatten();
        let Some(assembly) = assembly else {
            return Err(not_found("agreement_id", id));
        };
        let assembly =
            Uuid::from_slice(&assembly).map_err(|e| Error::Corrupt(format!("assembly id: {e}")))?;
        self.draft_assembly(assembly)?;
        self.write(|w| w.update(&AGREEMENT, id, &[(0, Value::Int(1))]))
    }

    /// The agreements of one assembly, in the order they were made.
    pub fn agreements(&self, assembly: Uuid) -> Result<Vec<Agreement>> {
        let sql = format!(
            "SELECT {AGREEMENT_COLUMNS} FROM agreement a
             WHERE a.assembly_id = ?1 AND a.deleted = 0 ORDER BY a.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([assembly.as_bytes().as_slice()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(agreement_from_row(r)?);
        }
        Ok(out)
    }

    /// Every agreement still to be done, oldest assembly first; an agreement that was
    /// carried over is listed once, as its latest copy.
    pub fn open_agreements(&self) -> Result<Vec<Agreement>> {
        let sql = format!(
            "SELECT {AGREEMENT_COLUMNS} FROM agreement a
             JOIN assembly s ON s.id = a.assembly_id AND s.deleted = 0
             WHERE a.deleted = 0 AND a.status IN (?1, ?2)
               AND NOT EXISTS (SELECT 1 FROM agreement c
                               WHERE c.carried_from_id = a.id AND c.deleted = 0)
             ORDER BY s.date, a.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([
            AgreementStatus::Pendiente.code(),
            AgreementStatus::EnProceso.code(),
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(agreement_from_row(r)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use cosabi_core::clinic::NewClinic;
    use cosabi_core::committee::{Member, NewMember};

    /// A replica with a clinic and the given members (name, role).
    pub(crate) fn replica_with(members: &[(&str, &str)]) -> (Replica, Vec<Member>) {
        let mut r = Replica::open_in_memory().unwrap();
        r.create_clinic(&NewClinic {
            clues: "VZIMB001234".into(),
            name: "Centro de Salud Tlaquilpa".into(),
            state: "VZ".into(),
            municipality: "Tlaquilpa".into(),
            locality: "Tlaquilpa".into(),
            consultorios: 2,
        })
        .unwrap();
        let ms = members
            .iter()
            .map(|(name, role)| {
                r.add_member(&NewMember {
                    name: (*name).into(),
                    role: (*role).into(),
                    ..Default::default()
                })
                .unwrap()
            })
            .collect();
        (r, ms)
    }

    pub(crate) const COMMITTEE: [(&str, &str); 7] = [
        ("Juana Xocua", "presidente"),
        ("Rogelio Tepole", "secretario"),
        ("María Cuaquehua", "tesorero"),
        ("Ana Xalamihua", "vocal_salud"),
        ("Pedro Temoxtle", "vocal_saneamiento"),
        ("Lucía Panzo", "vocal_nutricion"),
        ("Tomás Coyotl", "vocal_educacion"),
    ];

    pub(crate) fn new_assembly() -> NewAssembly {
        NewAssembly {
            kind: "ordinaria".into(),
            date: "12/04/2025".into(),
            place: "Sala de espera".into(),
            agenda: "Lista de asistencia\nInforme".into(),
            minutes: "Siendo las 10:00 horas".into(),
            ..Default::default()
        }
    }

    fn code(e: Error) -> String {
        match e {
            Error::Invalid(v) => v.0[0].code.clone(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn the_agenda_alone_leaves_a_corrected_header_as_it_is() {
        let (mut r, _) = replica_with(&COMMITTEE);
        let a = r.create_assembly(&new_assembly()).unwrap();
        // The header is corrected on one screen…
        r.update_assembly(
            a.id,
            &NewAssembly {
                place: "Salón ejidal".into(),
                ..new_assembly()
            },
        )
        .unwrap();
        // …while the agenda step saves what is typed there: the header stays.
        let agenda = "Lista de asistencia\n\n  Informe de la tesorera \nAsuntos generales";
        assert_eq!(r.update_assembly_agenda(a.id, agenda).unwrap(), 1);
        let d = r.assembly(a.id).unwrap().unwrap();
        assert_eq!(d.assembly.place, "Salón ejidal");
        assert_eq!(
            d.assembly.agenda,
            [
                "Lista de asistencia",
                "Informe de la tesorera",
                "Asuntos generales"
            ]
        );
        assert_eq!(r.update_assembly_agenda(a.id, agenda).unwrap(), 0);
        let long = "x".repeat(cosabi_core::assembly::AGENDA_ITEM_CHARS_MAX + 1);
        assert_eq!(
            code(r.update_assembly_agenda(a.id, &long).unwrap_err()),
            "too_long"
        );
    }

    #[test]
    fn assembly_is_created_as_a_draft() {
        let (mut r, _) = replica_with(&[]);
        let before = r.local_change_count();
        let a = r.create_assembly(&new_assembly()).unwrap();
        assert_eq!(a.status, "draft");
        assert_eq!(a.date, "2025-04-12");
        assert_eq!(a.agenda, vec!["Lista de asistencia", "Informe"]);
        assert_eq!(a.quorum_percent, 50);
        assert_eq!(r.local_change_count() - before, 9);
        assert_eq!(r.assemblies().unwrap(), vec![a]);
    }

    #[test]
    fn assembly_needs_a_clinic() {
        let mut r = Replica::open_in_memory().unwrap();
        assert!(matches!(
            r.create_assembly(&new_assembly()),
            Err(Error::NoClinic)
        ));
    }

    #[test]
    fn closing_locks_the_acta() {
        let (mut r, ms) = replica_with(&COMMITTEE);
        let a = r.create_assembly(&new_assembly()).unwrap();
        assert_eq!(
            r.update_assembly_minutes(a.id, "Acta corregida").unwrap(),
            1
        );
        assert_eq!(
            r.update_assembly_minutes(a.id, "Acta corregida").unwrap(),
            0
        );
        let closed = r.close_assembly(a.id, ms[1].id).unwrap();
        assert!(closed.is_closed());
        assert_eq!(closed.closed_minutes.as_deref(), Some("Acta corregida"));
        assert_eq!(closed.closed_by, Some(ms[1].id));
        let before = r.local_change_count();
        let refused = [
            r.update_assembly_minutes(a.id, "Otra cosa").unwrap_err(),
            r.update_assembly(
                a.id,
                &NewAssembly {
                    place: "Escuela".into(),
                    ..new_assembly()
                },
            )
            .unwrap_err(),
            r.set_attendance(a.id, ms[0].id, true).unwrap_err(),
            r.set_community_attendees(a.id, "12").unwrap_err(),
            r.add_agreement(
                a.id,
                &NewAgreement {
                    text: "Algo".into(),
                    ..Default::default()
                },
            )
            .unwrap_err(),
            r.close_assembly(a.id, ms[1].id).unwrap_err(),
        ];
        for e in refused {
            assert_eq!(code(e), "acta_closed");
        }
        assert_eq!(r.local_change_count(), before, "nothing was written");
        assert_eq!(r.assemblies().unwrap()[0].minutes, "Acta corregida");
    }

    #[test]
    fn carrying_over_brings_every_earlier_open_agreement_once() {
        let (mut r, _) = replica_with(&COMMITTEE);
        let agree = |r: &mut Replica, a: Uuid, text: &str| {
            r.add_agreement(
                a,
                &NewAgreement {
                    text: text.into(),
                    ..Default::default()
                },
            )
            .unwrap()
        };
        let on = |date: &str| NewAssembly {
            date: date.into(),
            ..new_assembly()
        };
        let first = r.create_assembly(&on("10/01/2026")).unwrap();
        let second = r.create_assembly(&on("10/02/2026")).unwrap();
        let third = r.create_assembly(&on("10/03/2026")).unwrap();
        agree(&mut r, first.id, "Pintar la sala");
        let done = agree(&mut r, first.id, "Comprar jabón");
        r.set_agreement_status(done.id, "cumplido").unwrap();
        agree(&mut r, second.id, "Arreglar la puerta");
        agree(&mut r, third.id, "Ya en la tercera");
        let texts = |v: &[Agreement]| v.iter().map(|g| g.text.clone()).collect::<Vec<_>>();
        let candidates = r.carry_over_candidates(third.id).unwrap();
        assert_eq!(texts(&candidates), ["Pintar la sala", "Arreglar la puerta"]);
        let copies = r.carry_over_into(third.id).unwrap();
        assert_eq!(texts(&copies), texts(&candidates));
        assert!(copies.iter().all(|c| c.assembly_id == third.id));
        // Carried: nothing left to bring, and doing it again copies nothing.
        assert!(r.carry_over_candidates(third.id).unwrap().is_empty());
        assert!(r.carry_over_into(third.id).unwrap().is_empty());
        assert!(r.carry_over_candidates(first.id).unwrap().is_empty());
        // Choices: every agreement, newest assembly first, with its date.
        let choices = r.agreement_choices().unwrap();
        assert_eq!(choices.len(), 6);
        assert_eq!(choices[0].assembly_date, third.date);
        assert_eq!(choices.last().unwrap().assembly_date, first.date);
    }

    /// An RFC 3339 UTC time to the second, within the last minute.
    fn is_recent_utc(at: &str) -> bool {
        let t = chrono::DateTime::parse_from_rfc3339(at).unwrap();
        let age = chrono::Utc::now().signed_duration_since(t);
        at.ends_with('Z') && age.num_seconds() >= 0 && age.num_seconds() < 60
    }

    #[test]
    fn opening_and_closing_record_when_and_by_whom_once() {
        let (mut r, ms) = replica_with(&COMMITTEE);
        let a = r.create_assembly(&new_assembly()).unwrap();
        assert_eq!(
            (a.opened_at.as_deref(), a.closed_at.as_deref()),
            (None, None)
        );
        assert!(!a.is_open());
        let before = r.local_change_count();
        let opened = r.open_assembly(a.id, ms[1].id).unwrap();
        assert_eq!(r.local_change_count() - before, 2);
        let at = opened.opened_at.clone().unwrap();
        assert!(is_recent_utc(&at), "{at}");
        assert_eq!(opened.opened_by, Some(ms[1].id));
        assert!(opened.is_open());
        // Opening again (another member, later) keeps the first opening.
        let before = r.local_change_count();
        let again = r.open_assembly(a.id, ms[0].id).unwrap();
        assert_eq!(again, opened);
        assert_eq!(r.local_change_count(), before, "nothing logged");
        let unknown = MemberId(Uuid::now_v7());
        let b = r.create_assembly(&new_assembly()).unwrap();
        assert_eq!(
            code(r.open_assembly(b.id, unknown).unwrap_err()),
            "not_found"
        );

        let closed = r.close_assembly(a.id, ms[0].id).unwrap();
        let closed_at = closed.closed_at.clone().unwrap();
        assert!(is_recent_utc(&closed_at), "{closed_at}");
        assert!(closed_at >= at);
        assert_eq!(closed.closed_by, Some(ms[0].id));
        assert_eq!(closed.opened_at.as_deref(), Some(at.as_str()));
        assert!(!closed.is_open());
        // A closed acta is not opened afterwards.
        let before = r.local_change_count();
        let c = r.create_assembly(&new_assembly()).unwrap();
        r.close_assembly(c.id, ms[1].id).unwrap();
        let after_close = r.local_change_count();
        assert_eq!(after_close - before, 9 + 4);
        let still = r.open_assembly(c.id, ms[1].id).unwrap();
        assert_eq!(still.opened_at, None);
        assert_eq!(r.local_change_count(), after_close);
    }

    #[test]
    fn community_attendees_by_name() {
        let (mut r, ms) = replica_with(&COMMITTEE);
        let a = r.create_assembly(&new_assembly()).unwrap();
        assert!(a.community_names.is_empty());
        let typed = "  Rosa   Tepole \n\n Juan Xocua\r\nMaría de la Luz  ";
        assert_eq!(r.set_community_names(a.id, typed).unwrap(), 1);
        let d = r.assembly(a.id).unwrap().unwrap();
        assert_eq!(
            d.assembly.community_names,
            vec!["Rosa Tepole", "Juan Xocua", "María de la Luz"]
        );
        assert_eq!(
            r.set_community_names(a.id, "Rosa Tepole\nJuan Xocua\nMaría de la Luz")
                .unwrap(),
            0,
            "the same names: nothing logged"
        );
        let long = "x".repeat(cosabi_core::assembly::COMMUNITY_NAME_CHARS_MAX + 1);
        assert_eq!(
            code(r.set_community_names(a.id, &long).unwrap_err()),
            "too_long"
        );
        r.close_assembly(a.id, ms[1].id).unwrap();
        assert_eq!(
            code(r.set_community_names(a.id, "Otra persona").unwrap_err()),
            "acta_closed"
        );
    }

    #[test]
    fn opening_closing_names_and_gender_reach_another_replica() {
        let (mut a, _) = replica_with(&[]);
        let juana = a
            .add_member(&NewMember {
                name: "Juana Xocua".into(),
                role: "presidente".into(),
                gender: "f".into(),
                ..Default::default()
            })
            .unwrap();
        let rogelio = a
            .add_member(&NewMember {
                name: "Rogelio Tepole".into(),
                role: "secretario".into(),
                gender: "m".into(),
                ..Default::default()
            })
            .unwrap();
        let asm = a.create_assembly(&new_assembly()).unwrap();
        a.open_assembly(asm.id, juana.id).unwrap();
        a.set_community_names(asm.id, "Rosa Tepole\nJuan Xocua")
            .unwrap();
        let closed = a.close_assembly(asm.id, rogelio.id).unwrap();
        let mut b = Replica::open_in_memory().unwrap();
        for p in a.pages_since(&b.version_vector().unwrap()).unwrap() {
            b.apply_page(&p).unwrap();
        }
        assert_eq!(b.assemblies().unwrap(), vec![closed]);
        assert_eq!(b.members().unwrap(), a.members().unwrap());
        assert_eq!(b.members().unwrap()[0].gender, "f");
    }

    #[test]
    fn amendments_only_after_closing() {
        let (mut r, ms) = replica_with(&COMMITTEE);
        let a = r.create_assembly(&new_assembly()).unwrap();
        assert_eq!(
            code(r.add_amendment(a.id, "Dice 5, debe decir 6").unwrap_err()),
            "acta_not_closed"
        );
        r.close_assembly(a.id, ms[1].id).unwrap();
        assert_eq!(code(r.add_amendment(a.id, " ").unwrap_err()), "required");
        let am = r.add_amendment(a.id, "Dice 5, debe decir 6").unwrap();
        let d = r.assembly(a.id).unwrap().unwrap();
        assert_eq!(d.amendments, vec![am]);
        assert_eq!(
            d.assembly.closed_minutes.as_deref(),
            Some("Siendo las 10:00 horas")
        );
    }

    #[test]
    fn attendance_is_idempotent_and_converges_on_one_row() {
        let (mut r, ms) = replica_with(&COMMITTEE);
        let a = r.create_assembly(&new_assembly()).unwrap();
        assert_eq!(r.set_attendance(a.id, ms[0].id, true).unwrap(), 3);
        let before = r.local_change_count();
        assert_eq!(r.set_attendance(a.id, ms[0].id, true).unwrap(), 0);
        assert_eq!(
            r.local_change_count(),
            before,
            "nothing logged the second time"
        );
        assert_eq!(r.set_attendance(a.id, ms[0].id, false).unwrap(), 1);
        let rows: i64 = r
            .conn
            .query_row("SELECT count(*) FROM attendance", [], |x| x.get(0))
            .unwrap();
        assert_eq!(rows, 1);
        let id = natural_id("attendance", &[a.id.as_bytes(), ms[0].id.0.as_bytes()]);
        assert_eq!(r.history(&ATTENDANCE, id).unwrap().len(), 4);
        let unknown = MemberId(Uuid::now_v7());
        assert_eq!(
            code(r.set_attendance(a.id, unknown, true).unwrap_err()),
            "not_found"
        );
    }

    #[test]
    fn quorum_is_computed_from_attendance() {
        let (mut r, ms) = replica_with(&COMMITTEE);
        let a = r.create_assembly(&new_assembly()).unwrap();
        for m in &ms[..3] {
            r.set_attendance(a.id, m.id, true).unwrap();
        }
        r.set_attendance(a.id, ms[3].id, false).unwrap();
        let d = r.assembly(a.id).unwrap().unwrap();
        // 7 active members: floor(7 × 50 / 100) + 1 = 4 needed, 3 present.
        assert_eq!(d.quorum, Quorum::compute(7, 3, 50));
        assert_eq!(d.quorum.needed, 4);
        assert!(!d.quorum.reached);
        assert_eq!(d.attendance.len(), 7);
        assert_eq!(d.attendance[0].name, "Juana Xocua");
        assert!(d.attendance[0].present && !d.attendance[3].present);
        r.set_attendance(a.id, ms[4].id, true).unwrap();
        assert!(r.assembly(a.id).unwrap().unwrap().quorum.reached);
        // A stricter rule: floor(7 × 75 / 100) + 1 = 6.
        r.update_assembly(
            a.id,
            &NewAssembly {
                quorum_percent: "75".into(),
                community_attendees: "23".into(),
                ..new_assembly()
            },
        )
        .unwrap();
        let d = r.assembly(a.id).unwrap().unwrap();
        assert_eq!((d.quorum.needed, d.quorum.reached), (6, false));
        assert_eq!(d.assembly.community_attendees, 23);
        assert_eq!(r.set_community_attendees(a.id, "25").unwrap(), 1);
        assert_eq!(
            code(r.set_community_attendees(a.id, "muchos").unwrap_err()),
            "count_invalid"
        );
    }

    #[test]
    fn members_outside_their_term_do_not_count() {
        let (mut r, _) = replica_with(&[]);
        let old = r
            .add_member(&NewMember {
                name: "Antes".into(),
                role: "presidente".into(),
                term_start: "01/01/2022".into(),
                term_end: "31/12/2024".into(),
                ..Default::default()
            })
            .unwrap();
        let now = r
            .add_member(&NewMember {
                name: "Ahora".into(),
                role: "tesorero".into(),
                term_start: "01/01/2025".into(),
                term_end: "".into(),
                ..Default::default()
            })
            .unwrap();
        let a = r.create_assembly(&new_assembly()).unwrap();
        r.set_attendance(a.id, now.id, true).unwrap();
        let d = r.assembly(a.id).unwrap().unwrap();
        assert_eq!(d.quorum.active_members, 1);
        assert!(d.quorum.reached);
        assert!(d.attendance.iter().all(|e| e.member_id != old.id));
    }

    #[test]
    fn agreements_are_carried_over_until_done() {
        let (mut r, ms) = replica_with(&COMMITTEE);
        let first = r.create_assembly(&new_assembly()).unwrap();
        let mk = |t: &str| NewAgreement {
            text: t.into(),
            responsible_id: Some(ms[2].id),
            due_date: "30/06/2025".into(),
        };
        let paint = r.add_agreement(first.id, &mk("Pintar la sala")).unwrap();
        let scale = r.add_agreement(first.id, &mk("Comprar báscula")).unwrap();
        let gone = r.add_agreement(first.id, &mk("Cancelado")).unwrap();
        r.set_agreement_status(scale.id, "cumplido").unwrap();
        r.set_agreement_status(gone.id, "cancelado").unwrap();
        assert_eq!(
            code(r.set_agreement_status(paint.id, "hecho").unwrap_err()),
            "status_required"
        );
        r.close_assembly(first.id, ms[1].id).unwrap();
        // Following up is allowed after the close.
        assert_eq!(r.set_agreement_status(paint.id, "en_proceso").unwrap(), 1);
        let second = r
            .create_assembly(&NewAssembly {
                date: "10/05/2025".into(),
                ..new_assembly()
            })
            .unwrap();
        let copies = r.carry_over_open_agreements(first.id, second.id).unwrap();
        assert_eq!(copies.len(), 1);
        assert_eq!(copies[0].text, "Pintar la sala");
        assert_eq!(copies[0].status, "en_proceso");
        assert_eq!(copies[0].carried_from_id, Some(paint.id));
        assert_eq!(copies[0].due_date.as_deref(), Some("2025-06-30"));
        assert_eq!(r.agreements(second.id).unwrap(), copies);
        assert!(r
            .carry_over_open_agreements(first.id, second.id)
            .unwrap()
            .is_empty());
        let open = r.open_agreements().unwrap();
        assert_eq!(
            open.iter().map(|a| a.id).collect::<Vec<_>>(),
            vec![copies[0].id]
        );
        assert_eq!(
            code(
                r.carry_over_open_agreements(second.id, first.id)
                    .unwrap_err()
            ),
            "acta_closed"
        );
    }

    #[test]
    fn deleted_agreement_vanishes_but_keeps_its_history() {
        let (mut r, _) = replica_with(&[]);
        let a = r.create_assembly(&new_assembly()).unwrap();
        let ag = r
            .add_agreement(
                a.id,
                &NewAgreement {
                    text: "Limpiar".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(r.delete_agreement(ag.id).unwrap(), 1);
        assert!(r.agreements(a.id).unwrap().is_empty());
        assert!(r.open_agreements().unwrap().is_empty());
        let h = r.history(&AGREEMENT, ag.id).unwrap();
        assert_eq!(h.last().unwrap().column, "deleted");
        assert_eq!(h.len(), 4);
        assert_eq!(code(r.delete_agreement(ag.id).unwrap_err()), "not_found");
    }
}
