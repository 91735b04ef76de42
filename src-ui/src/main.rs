//! cosabi-ui: the Leptos (CSR) user interface, built with trunk into `dist/`.
//!
//! The UI does no I/O of its own: every read and write goes through the typed
//! functions of [`api`] to the host of the replica: the Tauri shell on the desktop,
//! a dedicated Web Worker in the web build (`index.web.html`, [`web`]). Every
//! user-visible string comes from the translation files in `assets/i18n` through
//! [`i18n`].

mod api;
mod app;
mod components;
mod i18n;
mod nav;
mod pages;
mod web;

fn main() {
    console_error_panic_hook::set_once();
    web::start();
    leptos::mount::mount_to_body(app::App);
}
