//! Which screen is showing. A signal in context, not a router: the app has seven
//! screens and no URLs to share, and a router would add wasm for nothing.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Home,
    Committee,
    Assemblies,
    Actions,
    Money,
    Sync,
    Settings,
}

impl Screen {
    pub const ALL: [Screen; 7] = [
        Screen::Home,
        Screen::Committee,
        Screen::Assemblies,
        Screen::Actions,
        Screen::Money,
        Screen::Sync,
        Screen::Settings,
    ];

    /// Used for element ids (`nav-<id>`, `page-<id>`) and translation keys.
    pub const fn id(self) -> &'static str {
        match self {
            Screen::Home => "home",
            Screen::Committee => "committee",
            Screen::Assemblies => "assemblies",
            Screen::Actions => "actions",
            Screen::Money => "money",
            Screen::Sync => "sync",
            Screen::Settings => "settings",
        }
    }
}

/// The current screen, shared through context.
#[derive(Clone, Copy)]
pub struct Nav {
    pub screen: RwSignal<Screen>,
}

impl Nav {
    pub fn go(&self, screen: Screen) {
        self.screen.set(screen);
    }
}

pub fn use_nav() -> Nav {
    use_context::<Nav>().expect("Nav is provided by App")
}
