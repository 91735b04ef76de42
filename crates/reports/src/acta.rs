//! The acta of one assembly.

use crate::model::{Align, Block, Column, Document, Orientation, Signature, Table};
use crate::texts::{self, fill, t};
use crate::{clinic_fields, clinic_of, date, local_date_and_time, Error, Result};
use cosabi_core::assembly::AttendanceEntry;
use cosabi_core::ids::MemberId;
use cosabi_replica::Replica;
use std::collections::HashMap;
use uuid::Uuid;

/// Room left in each attendance row to sign or put a thumbprint.
const SIGNATURE_ROW_PT: f32 = 26.0;

/// The acta of `assembly` as a document. A closed acta prints the minutes as they
/// were when it was closed; a draft says it is one.
pub fn acta_document(replica: &Replica, assembly: Uuid) -> Result<Document> {
    let clinic = clinic_of(replica)?;
    let detail = replica.assembly(assembly)?.ok_or(Error::NotFound {
        what: "assembly",
        id: assembly,
    })?;
    let agreements = replica.agreements(assembly)?;
    let members = replica.members()?;
    let names: HashMap<MemberId, &str> = members.iter().map(|m| (m.id, m.name.as_str())).collect();
    let genders: HashMap<MemberId, &str> =
        members.iter().map(|m| (m.id, m.gender.as_str())).collect();
    // Deleted members too: whoever opened or closed the acta may have left since.
    let everyone = replica.member_names()?;
    let who = |m: Option<MemberId>| {
        m.and_then(|m| everyone.get(&m.0).cloned())
            .unwrap_or_else(|| t::UNKNOWN_PERSON.to_owned())
    };
    let a = &detail.assembly;
    let kind = texts::assembly_kind(&a.kind);

    let opened = a.opened_at.as_deref().map(|at| {
        let (day, time) = local_date_and_time(at);
        fill(
            t::OPENED_AT_BY,
            &[("date", &day), ("time", &time), ("name", &who(a.opened_by))],
        )
    });
    // The office the closer holds, named by their gender (a former member: none).
    let closer_office = a
        .closed_by
        .and_then(|m| members.iter().find(|x| x.id == m))
        .map(|m| {
            fill(
                t::CLOSER_OFFICE,
                &[("role", &texts::role_of(&m.role, &m.gender))],
            )
        })
        .unwrap_or_default();
    let closed = a.is_closed().then(|| match a.closed_at.as_deref() {
        Some(at) => {
            let (day, time) = local_date_and_time(at);
            fill(
                t::CLOSED_AT_BY,
                &[("date", &day), ("time", &time), ("name", &who(a.closed_by))],
            ) + &closer_office
        }
        None => fill(t::CLOSED_BY, &[("name", &who(a.closed_by))]),
    });
    let status = match (&closed, &opened) {
        // Signed means a photo of the signed paper is attached, nothing less.
        (Some(c), _) if a.signed_photo_id.is_some() => fill(t::ACTA_SIGNED, &[("closed", c)]),
        (Some(c), _) => c.clone(),
        (None, Some(o)) => fill(t::ACTA_OPENED_DRAFT, &[("opened", o)]),
        (None, None) => t::ACTA_DRAFT.to_owned(),
    };
    let mut header = vec![
        (t::glossary("asm.kind").to_owned(), kind.to_string()),
        (t::column("date").to_owned(), date(&a.date)),
        (t::column("place").to_owned(), a.place.clone()),
        (t::ACTA_STATUS.to_owned(), status),
    ];
    if closed.is_some() {
        header.push((
            t::ACTA_OPENING.to_owned(),
            opened.unwrap_or_else(|| t::NOT_RECORDED.to_owned()),
        ));
    }

    let mut blocks = vec![Block::Fields(clinic_fields(&clinic))];
    blocks.push(Block::Fields(header));

    let role_of = |e: &AttendanceEntry| {
        texts::role_of(&e.role, genders.get(&e.member_id).copied().unwrap_or("")).into_owned()
    };
    blocks.push(Block::Heading(t::ATTENDANCE.to_owned()));
    blocks.push(Block::Table(Table {
        columns: vec![
            Column::new(t::COL_NUMBER, 0.35, Align::Right),
            Column::new(t::column("name"), 3.0, Align::Left),
            Column::new(t::column("role"), 2.2, Align::Left),
            Column::new(t::column("present"), 1.1, Align::Left),
            Column::new(t::COL_SIGNATURE, 2.6, Align::Left),
        ],
        rows: detail
            .attendance
            .iter()
            .enumerate()
            .map(|(i, e)| {
                vec![
                    (i + 1).to_string(),
                    e.name.clone(),
                    role_of(e),
                    if e.present { t::PRESENT } else { t::ABSENT }.to_owned(),
                    String::new(),
                ]
            })
            .collect(),
        footer: None,
        row_height_min_pt: SIGNATURE_ROW_PT,
    }));
    let q = &detail.quorum;
    let quorum = fill(
        if q.reached {
            t::QUORUM_VALUE_REACHED
        } else {
            t::QUORUM_VALUE_MISSING
        },
        &[
            ("needed", &q.needed.to_string()),
            ("percent", &a.quorum_percent.to_string()),
        ],
    );
    let community = if a.community_names.is_empty() {
        a.community_attendees.to_string()
    } else {
        fill(
            t::COMMUNITY_NAMED,
            &[
                ("count", &a.community_attendees.to_string()),
                ("named", &a.community_names.len().to_string()),
            ],
        )
    };
    blocks.push(Block::Fields(vec![
        (
            t::MEMBERS_PRESENT.to_owned(),
            fill(
                t::MEMBERS_PRESENT_VALUE,
                &[
                    ("present", &q.present_members.to_string()),
                    ("active", &q.active_members.to_string()),
                ],
            ),
        ),
        (t::QUORUM.to_owned(), quorum),
        (t::column("community_attendees").to_owned(), community),
    ]));
    if !a.community_names.is_empty() {
        blocks.push(Block::Heading(t::COMMUNITY_LIST.to_owned()));
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::new(t::COL_NUMBER, 0.35, Align::Right),
                Column::new(t::column("name"), 5.2, Align::Left),
                Column::new(t::COL_SIGNATURE, 3.7, Align::Left),
            ],
            rows: a
                .community_names
                .iter()
                .enumerate()
                .map(|(i, n)| vec![(i + 1).to_string(), n.clone(), String::new()])
                .collect(),
            footer: None,
            row_height_min_pt: SIGNATURE_ROW_PT,
        }));
    }

    blocks.push(Block::Heading(t::column("agenda").to_owned()));
    if a.agenda.iter().all(|i| i.trim().is_empty()) {
        blocks.push(Block::Paragraph(t::AGENDA_EMPTY.to_owned()));
    } else {
        blocks.push(Block::Numbered(a.agenda.clone()));
    }

    blocks.push(Block::Heading(t::AGREEMENTS.to_owned()));
    if agreements.is_empty() {
        blocks.push(Block::Paragraph(t::AGREEMENTS_EMPTY.to_owned()));
    } else {
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::new(t::COL_NUMBER, 0.35, Align::Right),
                Column::new(t::column("agreement_id"), 4.6, Align::Left),
                Column::new(t::column("responsible_id"), 2.0, Align::Left),
                Column::new(t::column("due_date"), 1.2, Align::Left),
                Column::new(t::glossary("asm.agr_status"), 1.3, Align::Left),
            ],
            rows: agreements
                .iter()
                .enumerate()
                .map(|(i, ag)| {
                    let text = if ag.carried_from_id.is_some() {
                        format!("{} {}", ag.text, t::CARRIED_OVER)
                    } else {
                        ag.text.clone()
                    };
                    vec![
                        (i + 1).to_string(),
                        text,
                        ag.responsible_id
                            .and_then(|r| names.get(&r).copied())
                            .unwrap_or(t::NONE)
                            .to_owned(),
                        ag.due_date.as_deref().map_or(t::NONE.to_owned(), date),
                        texts::agreement_status(&ag.status).into_owned(),
                    ]
                })
                .collect(),
            footer: None,
            row_height_min_pt: 0.0,
        }));
    }

    blocks.push(Block::Heading(t::column("minutes").to_owned()));
    let minutes = match (&a.closed_minutes, a.is_closed()) {
        (Some(signed), true) => signed.as_str(),
        _ => a.minutes.as_str(),
    };
    if minutes.trim().is_empty() {
        blocks.push(Block::Paragraph(t::MINUTES_EMPTY.to_owned()));
    } else {
        blocks.extend(
            minutes
                .split('\n')
                .filter(|p| !p.trim().is_empty())
                .map(|p| Block::Paragraph(p.trim().to_owned())),
        );
    }

    if !detail.amendments.is_empty() {
        blocks.push(Block::Heading(t::AMENDMENTS.to_owned()));
        blocks.push(Block::Numbered(
            detail
                .amendments
                .iter()
                .map(|am| {
                    fill(
                        t::AMENDMENT_ITEM,
                        &[("date", &date(&am.made_on)), ("text", &am.text)],
                    )
                })
                .collect(),
        ));
    }

    // Everyone present signs, under their role: the acta is valid with their
    // signatures, not with three seats'.
    blocks.push(Block::Heading(t::SIGNATURES_PRESENT.to_owned()));
    let present: Vec<Signature> = detail
        .attendance
        .iter()
        .filter(|e| e.present)
        .map(|e| Signature {
            role: role_of(e),
            name: e.name.clone(),
            caption: String::new(),
        })
        .collect();
    if present.is_empty() {
        blocks.push(Block::Paragraph(t::NO_MEMBER_PRESENT.to_owned()));
    } else {
        blocks.push(Block::Signatures(present));
    }

    let title = fill(
        t::ACTA_TITLE,
        &[("kind", &texts::assembly_kind_lower(&a.kind))],
    );
    Ok(Document {
        running_title: format!("{title} · {} · {}", date(&a.date), clinic.clues),
        title,
        subtitle: vec![t::PROGRAMME_LINE.to_owned(), clinic.name.clone()],
        orientation: Orientation::Portrait,
        blocks,
    })
}

/// The acta of `assembly` as a Letter PDF.
pub fn acta_pdf(replica: &Replica, assembly: Uuid) -> Result<Vec<u8>> {
    crate::pdf::render(&acta_document(replica, assembly)?)
}
