//! Who is using the device. On a shared phone each member picks their name and types
//! a short PIN; every change then records them as its author, and the screens offer
//! only what their role may do (the shell checks again: the UI is not the guard).

use cosabi_core::clinic::Clinic;
use cosabi_core::committee::{Member, Permission, Role};
use leptos::prelude::*;

/// The signed-in member and a counter that screens watch to reload after a write or
/// a sync changed the replica.
#[derive(Clone, Copy)]
pub struct Session {
    pub member: RwSignal<Option<Member>>,
    pub clinic: RwSignal<Option<Clinic>>,
    pub data_version: RwSignal<u64>,
    /// Set to open the "who is using" sheet (e.g. from a "sign in to do this" hint).
    pub sheet_open: RwSignal<bool>,
}

impl Session {
    pub fn new() -> Self {
        Session {
            member: RwSignal::new(None),
            clinic: RwSignal::new(None),
            data_version: RwSignal::new(0),
            sheet_open: RwSignal::new(false),
        }
    }

    /// Whether the signed-in member may do this (reactive).
    pub fn can(&self, p: Permission) -> bool {
        self.member
            .get()
            .and_then(|m| Role::from_code(&m.role))
            .is_some_and(|r| p.allows(r))
    }

    /// Tells every screen that the replica changed.
    pub fn bump(&self) {
        self.data_version.update(|v| *v += 1);
    }

    /// Reading this inside an effect or resource makes it reload after `bump`.
    pub fn track(&self) -> u64 {
        self.data_version.get()
    }
}

pub fn use_session() -> Session {
    use_context::<Session>().expect("Session is provided by App")
}
