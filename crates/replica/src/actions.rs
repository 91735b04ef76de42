//! Planned improvements (mejoras): typed writes and reads.

use crate::error::Result;
use crate::rows::{
    clinic_uuid, date, int_at, not_found, opt_uuid_at, require_row, text, text_at, today, uuid_at,
};
use crate::Replica;
use cosabi_core::actions::{can_verify, Action, ActionStatus, NewAction};
use cosabi_core::change::Value;
use cosabi_core::committee::Role;
use cosabi_core::ids::MemberId;
use cosabi_core::schema::{ACTION, AGREEMENT};
use cosabi_core::{Centavos, ValidationError};
use rusqlite::OptionalExtension;
use uuid::Uuid;

const ACTION_COLUMNS: &str =
    "id, category, description, estimated_cost, agreement_id, status, verified_by, verified_on";

fn action_from_row(r: &rusqlite::Row<'_>) -> Result<Action> {
    Ok(Action {
        id: uuid_at(r, 0, "action id")?,
        category: text_at(r, 1)?,
        description: text_at(r, 2)?,
        estimated_cost: Centavos(int_at(r, 3)?),
        agreement_id: opt_uuid_at(r, 4, "agreement")?,
        status: text_at(r, 5)?,
        verified_by: opt_uuid_at(r, 6, "verified_by")?.map(MemberId),
        verified_on: r.get(7)?,
    })
}

fn status_flow(from: &str, to: ActionStatus) -> ValidationError {
    ValidationError::new("status", "status_flow")
        .with("from", from)
        .with("to", to.code())
}

impl Replica {
    /// Proposes an action; it starts as `propuesta`.
    pub fn create_action(&mut self, input: &NewAction) -> Result<Action> {
        let v = input.validate()?;
        let clinic = clinic_uuid(&self.conn)?;
        if let Some(a) = v.agreement_id {
            require_row(&self.conn, &AGREEMENT, a, "agreement_id")?;
        }
        let id = Uuid::now_v7();
        let mut fields = vec![
            (1, Value::uuid(clinic)),
            (2, text(v.category.code())),
            (3, text(&v.description)),
            (4, Value::Int(v.estimated_cost.get())),
        ];
        if let Some(a) = v.agreement_id {
            fields.push((5, Value::uuid(a)));
        }
        fields.push((6, text(ActionStatus::Propuesta.code())));
        self.write(|w| w.insert(&ACTION, id, &fields))?;
        self.action(id)?.ok_or_else(|| not_found("action_id", id))
    }

    /// Corrects an action's category, description, cost or approving agreement.
    /// Refused once it is verified: what was verified must stay what it was.
    pub fn update_action(&mut self, id: Uuid, input: &NewAction) -> Result<usize> {
        let v = input.validate()?;
        let current = self.action(id)?.ok_or_else(|| not_found("action_id", id))?;
        if current.status == ActionStatus::Verificada.code() {
            return Err(ValidationError::new("status", "action_verified").into());
        }
        if let Some(a) = v.agreement_id {
            require_row(&self.conn, &AGREEMENT, a, "agreement_id")?;
        }
        self.write(|w| {
            w.update(
                &ACTION,
                id,
                &[
                    (2, text(v.category.code())),
                    (3, text(&v.description)),
                    (4, Value::Int(v.estimated_cost.get())),
                    (5, crate::rows::opt_uuid(v.agreement_id)),
                ],
            )
        })
    }

    /// Moves an action one step forward (propuesta → aprobada → en_proceso →
    /// terminada). Anything else is `status_flow`; the last step, to `verificada`,
    /// needs a verifier and is [`Replica::verify_action`].
    pub fn set_action_status(&mut self, id: Uuid, status: &str) -> Result<usize> {
        let to = ActionStatus::from_code(status)
            .ok_or_else(|| ValidationError::new("status", "status_required"))?;
        let current = self.action(id)?.ok_or_else(|| not_found("action_id", id))?;
        if to == ActionStatus::Verificada {
            return Err(ValidationError::new("status", "verify_required").into());
        }
        let from = ActionStatus::from_code(&current.status);
        if from.and_then(ActionStatus::next) != Some(to) {
            return Err(status_flow(&current.status, to).into());
        }
        self.write(|w| w.update(&ACTION, id, &[(6, text(to.code()))]))
    }

    /// Verifies a finished action, today, in the name of `member`, who must be a vocal
    /// or from the contraloría social (`role_cannot_verify` otherwise).
    pub fn verify_action(&mut self, id: Uuid, member: MemberId) -> Result<Action> {
        let current = self.action(id)?.ok_or_else(|| not_found("action_id", id))?;
        let role: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT role FROM member WHERE id = ?1 AND deleted = 0")?
            .query_row([member.0.as_bytes().as_slice()], |r| r.get(0))
            .optional()?;
        let Some(role) = role else {
            return Err(not_found("member_id", member.0));
        };
        let role = role.unwrap_or_default();
        if !Role::from_code(&role).is_some_and(can_verify) {
            return Err(ValidationError::new("member_id", "role_cannot_verify")
                .with("role", role)
                .into());
        }
        if current.status != ActionStatus::Terminada.code() {
            return Err(status_flow(&current.status, ActionStatus::Verificada).into());
        }
        self.write(|w| {
            w.update(
                &ACTION,
                id,
                &[
                    (6, text(ActionStatus::Verificada.code())),
                    (7, Value::uuid(member.0)),
                    (8, date(today())),
                ],
            )
        })?;
        self.action(id)?.ok_or_else(|| not_found("action_id", id))
    }

    /// One action, `None` if it does not exist or was deleted.
    pub fn action(&self, id: Uuid) -> Result<Option<Action>> {
        let sql = format!("SELECT {ACTION_COLUMNS} FROM action WHERE id = ?1 AND deleted = 0");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([id.as_bytes().as_slice()])?;
        rows.next()?.map(action_from_row).transpose()
    }

    /// Every action, in the order they were proposed.
    pub fn actions(&self) -> Result<Vec<Action>> {
        let sql = format!("SELECT {ACTION_COLUMNS} FROM action WHERE deleted = 0 ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(action_from_row(r)?);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::tests::{replica_with, COMMITTEE};
    use crate::Error;

    fn new_action() -> NewAction {
        NewAction {
            category: "mobiliario".into(),
            description: "Bancas para la sala de espera".into(),
            estimated_cost: "12,500".into(),
            agreement_id: None,
        }
    }

    fn code(e: Error) -> String {
        match e {
            Error::Invalid(v) => v.0[0].code.clone(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn action_moves_one_step_forward_then_is_verified() {
        let mut members = COMMITTEE.to_vec();
        members.push(("Ernesto Zepahua", "contraloria_social"));
        let (mut r, ms) = replica_with(&members);
        let a = r.create_action(&new_action()).unwrap();
        assert_eq!(a.status, "propuesta");
        assert_eq!(a.estimated_cost, Centavos(1_250_000));
        assert_eq!(
            code(r.set_action_status(a.id, "en_proceso").unwrap_err()),
            "status_flow"
        );
        assert_eq!(
            code(r.set_action_status(a.id, "listo").unwrap_err()),
            "status_required"
        );
        assert_eq!(
            code(r.verify_action(a.id, ms[3].id).unwrap_err()),
            "status_flow"
        );
        for s in ["aprobada", "en_proceso", "terminada"] {
            assert_eq!(r.set_action_status(a.id, s).unwrap(), 1);
        }
        // Backwards is refused too.
        assert_eq!(
            code(r.set_action_status(a.id, "aprobada").unwrap_err()),
            "status_flow"
        );
        assert_eq!(
            code(r.set_action_status(a.id, "verificada").unwrap_err()),
            "verify_required"
        );
        // The presidente and the tesorero handled the money: they cannot verify.
        for m in [&ms[0], &ms[2]] {
            assert_eq!(
                code(r.verify_action(a.id, m.id).unwrap_err()),
                "role_cannot_verify"
            );
        }
        let v = r.verify_action(a.id, ms[7].id).unwrap();
        assert_eq!(v.status, "verificada");
        assert_eq!(v.verified_by, Some(ms[7].id));
        assert!(v.verified_on.is_some());
        assert_eq!(
            code(r.update_action(a.id, &new_action()).unwrap_err()),
            "action_verified"
        );
        assert_eq!(r.actions().unwrap(), vec![v]);
    }

    #[test]
    fn a_vocal_can_verify() {
        let (mut r, ms) = replica_with(&COMMITTEE);
        let a = r.create_action(&new_action()).unwrap();
        for s in ["aprobada", "en_proceso", "terminada"] {
            r.set_action_status(a.id, s).unwrap();
        }
        assert_eq!(
            r.verify_action(a.id, ms[5].id).unwrap().status,
            "verificada"
        );
    }

    #[test]
    fn action_edits_log_only_changes_and_check_the_agreement() {
        let (mut r, _) = replica_with(&[]);
        let a = r.create_action(&new_action()).unwrap();
        let changed = r
            .update_action(
                a.id,
                &NewAction {
                    description: "Seis bancas".into(),
                    ..new_action()
                },
            )
            .unwrap();
        assert_eq!(changed, 1);
        let bad = NewAction {
            agreement_id: Some(Uuid::now_v7()),
            ..new_action()
        };
        assert_eq!(code(r.create_action(&bad).unwrap_err()), "not_found");
        assert_eq!(r.history(&ACTION, a.id).unwrap().len(), 6);
    }
}
