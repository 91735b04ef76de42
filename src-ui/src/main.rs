//! cosabi-ui: the Leptos (CSR) user interface, built with trunk into `dist/`.
//!
//! The UI does no I/O of its own: every read and write goes through the Tauri shell
//! via the typed functions of [`api`]. Every user-visible string comes from the
//! translation files in `assets/i18n` through [`i18n`].

mod api;
mod app;
mod components;
mod i18n;
mod nav;
mod pages;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
