//! Which screen is showing. A signal in context, not a router: the app has a handful
//! of screens and no URLs to share, and a router would add wasm for nothing.
//!
//! Phones show five tabs ([`Screen::TABS`] and "Más"); the rest ([`Screen::MORE`])
//! are listed on the "Más" screen. Wide windows list every screen in a side rail.
//! A screen's tab and its page title are one translation key, `nav.<id>`, so they
//! cannot drift apart.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Home,
    Money,
    Assemblies,
    Actions,
    Committee,
    Documents,
    Sync,
    Settings,
    /// The list of the screens that have no tab on phones.
    More,
}

impl Screen {
    /// The screens with a tab of their own on phones, before "Más".
    pub const TABS: [Screen; 4] = [
        Screen::Home,
        Screen::Money,
        Screen::Assemblies,
        Screen::Actions,
    ];
    /// The screens reached through "Más" on phones (in the rail on wide windows).
    pub const MORE: [Screen; 4] = [
        Screen::Committee,
        Screen::Documents,
        Screen::Sync,
        Screen::Settings,
    ];

    /// Used for element ids (`nav-<id>`, `page-<id>`) and translation keys
    /// (`nav.<id>` is both the tab's name and the page's title).
    pub const fn id(self) -> &'static str {
        match self {
            Screen::Home => "home",
            Screen::Money => "money",
            Screen::Assemblies => "assemblies",
            Screen::Actions => "actions",
            Screen::Committee => "committee",
            Screen::Documents => "documents",
            Screen::Sync => "sync",
            Screen::Settings => "settings",
            Screen::More => "more",
        }
    }

    /// Whether a phone reaches this screen through "Más".
    pub fn under_more(self) -> bool {
        self == Screen::More || Screen::MORE.contains(&self)
    }
}

/// At most five tabs (these and "Más") fit a 360 px phone with full words of 13 px.
const TABS_MAX: usize = 5;
const _: () = assert!(Screen::TABS.len() < TABS_MAX);

/// The current screen, shared through context.
#[derive(Clone, Copy)]
pub struct Nav {
    pub screen: RwSignal<Screen>,
}

impl Nav {
    pub fn go(&self, screen: Screen) {
        self.screen.set(screen);
        // A new screen starts at its top, not where the last one was scrolled to.
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
}

pub fn use_nav() -> Nav {
    use_context::<Nav>().expect("Nav is provided by App")
}

/// A page's title: the same words as its tab.
#[component]
pub fn PageTitle(screen: Screen) -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    view! { <h1 class="page-title">{move || i18n.t(&format!("nav.{}", screen.id()))}</h1> }
}
