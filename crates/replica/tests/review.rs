//! Rules spanning fields or rows, broken by merges that each device's own rules could
//! not prevent, show up as items to review on every replica.

mod support;

use cosabi_core::assembly::NewAssembly;
use cosabi_core::committee::{NewMember, Role};
use cosabi_core::ledger::{NewPurchase, NewReceipt, PurchaseAmounts};
use cosabi_replica::Replica;
use support::*;

fn two_with_demo(dir: &tempfile::TempDir) -> (Replica, Replica) {
    let mut a = open(dir, "a");
    let mut b = open(dir, "b");
    a.load_demo().unwrap();
    sync_all(&mut [&mut a, &mut b]);
    (a, b)
}

fn purchase(r: &mut Replica, concept: &str) -> uuid::Uuid {
    r.record_purchase(&NewPurchase {
        date: "10/03/2025".into(),
        concept: concept.into(),
        quantity: "2".into(),
        unit_cost: "100".into(),
        supplier: "Ferretería La Esperanza".into(),
        category: "infraestructura".into(),
        paid_from: "efectivo".into(),
        ..Default::default()
    })
    .unwrap()
    .id
}

fn codes(r: &Replica) -> Vec<String> {
    r.review_items()
        .unwrap()
        .into_iter()
        .map(|i| i.code)
        .collect()
}

#[test]
fn quantity_and_unit_cost_edited_apart_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = two_with_demo(&dir);
    let p = purchase(&mut a, "Pintura vinílica");
    sync_all(&mut [&mut a, &mut b]);
    assert!(codes(&a).is_empty());
    a.update_purchase_amounts(
        p,
        &PurchaseAmounts {
            quantity: "3".into(),
            unit_cost: "100".into(),
        },
    )
    .unwrap();
    b.update_purchase_amounts(
        p,
        &PurchaseAmounts {
            quantity: "2".into(),
            unit_cost: "150".into(),
        },
    )
    .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    assert_eq!(codes(&a), vec!["purchase_total_mismatch"]);
    assert_eq!(a.review_items().unwrap(), b.review_items().unwrap());
}

#[test]
fn two_presidentes_named_offline_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "a");
    let mut b = open(&dir, "b");
    a.create_clinic(&cosabi_core::clinic::NewClinic {
        clues: "VZIMB001234".into(),
        name: "CS Tlaquilpa".into(),
        state: "VZ".into(),
        municipality: "Tlaquilpa".into(),
        locality: "Tlaquilpa".into(),
        consultorios: 1,
    })
    .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    for (r, name) in [(&mut a, "Juana"), (&mut b, "Pedro")] {
        r.add_member(&NewMember {
            name: name.into(),
            role: Role::Presidente.code().into(),
            ..Default::default()
        })
        .unwrap();
    }
    sync_all(&mut [&mut a, &mut b]);
    assert_eq!(codes(&a), vec!["seat_held_twice", "seat_held_twice"]);
    assert_eq!(a.review_items().unwrap(), b.review_items().unwrap());
}

#[test]
fn one_folio_on_two_devices_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = two_with_demo(&dir);
    let pa = purchase(&mut a, "Cemento");
    let pb = purchase(&mut b, "Cemento gris");
    let receipt = NewReceipt {
        kind: "cfdi".into(),
        folio_fiscal: "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f".into(),
        total: "200".into(),
        issued_on: "10/03/2025".into(),
    };
    a.add_receipt(pa, &receipt).unwrap();
    b.add_receipt(pb, &receipt).unwrap();
    sync_all(&mut [&mut a, &mut b]);
    assert_eq!(codes(&b), vec!["folio_used_twice", "folio_used_twice"]);
}

#[test]
fn minutes_edited_while_the_acta_was_closed_elsewhere_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = two_with_demo(&dir);
    let asm = a
        .create_assembly(&NewAssembly {
            kind: "ordinaria".into(),
            date: "15/03/2025".into(),
            place: "Casa de salud".into(),
            minutes: "Se acordó pintar la fachada.".into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    sync_all(&mut [&mut a, &mut b]);
    let secretario = a
        .members()
        .unwrap()
        .into_iter()
        .find(|m| m.role == "secretario")
        .unwrap()
        .id;
    a.close_assembly(asm, secretario).unwrap();
    b.update_assembly_minutes(asm, "Se acordó pintar la fachada y el techo.")
        .unwrap();
    sync_all(&mut [&mut a, &mut b]);
    let items = a.review_items().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].code, "acta_edited_while_closing");
    assert!(items[0].detail.iter().any(|(_, v)| v.contains("techo")));
}
