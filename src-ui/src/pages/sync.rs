//! Sincronizar: enroll the device with the code from the municipal office (typed or
//! read from a QR image), sync with a progress bar, the conflicts inbox, sync files
//! for when there is no server at all, and the clinic's file key that seals them.

use crate::api;
use crate::api::views::{ConflictItem, FileKey, LiveSync, SyncStatus};
use crate::components::history::{code_text, display_time};
use crate::components::photos::read_first_file;
use crate::components::session::use_session;
use crate::components::sync_line::SyncLine;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// Local setting: the last server address typed, offered again.

#[component]
pub fn SyncPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let status = RwSignal::new(None::<SyncStatus>);
    // Read again whenever the replica changes; renaming the device also sets it.
    let read = LocalResource::new(move || {
        session.track();
        api::views::sync_status()
    });
    Effect::new(move |_| {
        if let Some(Ok(s)) = read.get() {
            status.set(Some(s));
        }
    });
    let enrolled = Memo::new(move |_| status.get().map(|s| s.enrolled));
    view! {
        <section class="page" id="page-sync">
            <crate::nav::PageTitle screen=crate::nav::Screen::Sync/>
            // The demo is fictional: the shell refuses to enroll it or give it a sync
            // file; say so before anyone types a code.
            <Show when=move || session.demo.get()>
                <p class="banner warn" id="sync-demo">{move || i18n.t("error.demo_mode")}</p>
            </Show>
            // Re-rendered only when enrollment changes, so a sync's outcome stays shown
            // while the figures around it refresh.
            {move || enrolled.get().map(|e| if e {
                view! { <SyncPanel status=status/> }.into_any()
            } else {
                view! { <EnrollForm on_enrolled=Callback::new(move |_| session.bump())/> }.into_any()
            })}
            <ConflictInbox/>
            <ReviewList/>
            <SyncFiles/>
            <FileKeyCard/>
        </section>
    }
}

/// Enrollment: the server address, the one-time code (or its QR image), a name for
/// this device.
#[component]
pub fn EnrollForm(on_enrolled: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let server = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let device = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let qr_ref = NodeRef::<leptos::html::Input>::new();
    let enroll = Action::new_local(move |(s, c, d): &(String, String, String)| {
        let (s, c, d) = (s.clone(), c.clone(), d.clone());
        async move {
            let _ =
                api::set_preference(cosabi_core::settings::Preference::ServerHint, s.trim()).await;
            let device = if d.trim().is_empty() {
                i18n.t("sync.default_device")
            } else {
                d
            };
            match api::views::enroll(&s, &c, &device).await {
                Ok(_) => on_enrolled.run(()),
                Err(e) => error.set(Some(i18n.api_error_text(&e))),
            }
        }
    });
    let busy = enroll.pending();
    // The last address typed is offered again once read (an editable field).
    spawn_local(async move {
        if let Ok(Some(s)) =
            api::get_preference(cosabi_core::settings::Preference::ServerHint).await
        {
            if server.get_untracked().is_empty() {
                server.set(s);
            }
        }
    });
    // The chosen file is read by an action (its element is not `Send`).
    let read_qr = Action::new_local(move |input: &leptos::web_sys::HtmlInputElement| {
        let input = input.clone();
        async move {
            if let Some(bytes) = read_first_file(&input).await {
                match api::views::read_enrollment_qr(&bytes).await {
                    Ok(scan) => {
                        code.set(scan.code);
                        if let Some(s) = scan.server {
                            server.set(s);
                        }
                        error.set(None);
                    }
                    Err(e) => error.set(Some(i18n.api_error_text(&e))),
                }
            }
            input.set_value("");
        }
    });
    let on_qr = move |_| {
        if let Some(input) = qr_ref.get_untracked() {
            read_qr.dispatch_local(input);
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (s, c, d) = (
            server.get_untracked(),
            code.get_untracked(),
            device.get_untracked(),
        );
        if s.trim().is_empty() || c.trim().is_empty() {
            error.set(Some(i18n.t("sync.enroll_missing")));
            return;
        }
        error.set(None);
        enroll.dispatch((s, c, d));
    };
    view! {
        <form class="card form" id="enroll-form" on:submit=submit novalidate=true>
            <h2>{move || i18n.t("sync.enroll_title")}</h2>
            <p class="muted">{move || i18n.t("sync.enroll_lead")}</p>
            {move || error.get().map(|e| view! { <p class="banner error" role="alert" id="enroll-error">{e}</p> })}
            <label for="enroll-server">{move || i18n.t("sync.server")}</label>
            <input id="enroll-server" inputmode="url" autocomplete="off" placeholder="https://…" bind:value=server/>
            <label for="enroll-code">{move || i18n.t("sync.code")}</label>
            <input id="enroll-code" autocomplete="off" autocapitalize="characters" bind:value=code/>
            <label class="button secondary" for="enroll-qr">{move || i18n.t("sync.read_qr")}</label>
            <input type="file" id="enroll-qr" class="photo-input" accept="image/*" capture="environment" node_ref=qr_ref on:change=on_qr/>
            <label for="enroll-device">{move || i18n.t("sync.device_name")}</label>
            <input id="enroll-device" autocomplete="off" placeholder=move || i18n.t("sync.default_device") bind:value=device/>
            <button type="submit" class="primary" id="enroll-submit" disabled=move || busy.get()>
                {move || if busy.get() { i18n.t("sync.enrolling") } else { i18n.t("sync.enroll") }}
            </button>
        </form>
    }
}

fn kb(bytes: u64) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} B")
    } else {
        format!("{} KB", bytes / 1024)
    }
}

#[component]
fn SyncPanel(status: RwSignal<Option<SyncStatus>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let live = RwSignal::new(None::<LiveSync>);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let summary = Signal::derive(move || status.get().map(|s| s.summary));
    let server = move || status.get().and_then(|s| s.server).unwrap_or_default();
    let device_name = RwSignal::new(String::new());
    let device_message = RwSignal::new(None::<(bool, String)>);
    Effect::new(move |_| {
        if let Some(n) = status.get().and_then(|s| s.device_name) {
            device_name.set(n);
        }
    });
    let save_name = Action::new_local(move |name: &String| {
        let name = name.clone();
        async move {
            match api::views::set_device_name(&name).await {
                Ok(()) => {
                    device_message.set(Some((true, i18n.t("sync.device_saved"))));
                    if let Ok(s) = api::views::sync_status().await {
                        status.set(Some(s));
                    }
                }
                Err(e) => device_message.set(Some((false, i18n.api_error_text(&e)))),
            }
        }
    });
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_name.dispatch(device_name.get_untracked());
    };

    // One sync at a time (the button is disabled while it runs); the progress poll
    // ends with it.
    let sync = Action::new_local(move |handle: &Option<IntervalHandle>| {
        let handle = *handle;
        async move {
            let result = api::views::sync_now().await;
            if let Some(h) = handle {
                h.clear();
            }
            match result {
                Ok(p) => {
                    done.set(Some(i18n.t_with(
                        "sync.done",
                        &[
                            ("sent", i18n.plural("sync.n_sent", p.changes_up as usize)),
                            (
                                "received",
                                i18n.plural("sync.n_received", p.changes_down as usize),
                            ),
                            (
                                "photos",
                                i18n.plural("sync.n_photos_sent", p.photos_total as usize),
                            ),
                        ],
                    )));
                    live.set(Some(p));
                    // A device enrolled before it had a clinic gets it with the first sync.
                    if let Ok(Some(c)) = api::get_clinic().await {
                        session.clinic.set(Some(c));
                    }
                }
                Err(e) => {
                    live.update(|l| {
                        if let Some(l) = l {
                            l.running = false;
                        }
                    });
                    error.set(Some(i18n.api_error_text(&e)));
                }
            }
            session.bump();
        }
    });
    let run = move |_| {
        error.set(None);
        done.set(None);
        live.set(Some(LiveSync {
            running: true,
            ..LiveSync::default()
        }));
        // Poll the shell for progress while the sync runs.
        let handle = set_interval_with_handle(
            move || {
                // A timer's tick: the poll's answer only updates the bar.
                spawn_local(async move {
                    if let Ok(p) = api::views::sync_progress().await {
                        if p.running {
                            live.set(Some(p));
                        }
                    }
                });
            },
            Duration::from_millis(250),
        )
        .ok();
        sync.dispatch_local(handle);
    };
    let running = move || live.get().is_some_and(|l| l.running);
    let pct = move || {
        live.get().map(|l| {
            if l.phase == "photos" && l.photos_total > 0 {
                50.0 + 50.0 * (l.photos_done as f64 / l.photos_total as f64)
            } else if l.running {
                25.0
            } else {
                100.0
            }
        })
    };

    view! {
        <div class="card" id="sync-panel">
            <SyncLine summary=summary id="sync-line"/>
            <button type="button" class="primary" id="sync-now" disabled=running on:click=run>
                {move || if running() { i18n.t("sync.syncing") } else { i18n.t("sync.now") }}
            </button>
            {move || pct().map(|p| view! {
                <div class="progress" role="progressbar" aria-label=i18n.t("sync.progress_label") aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{p:.0}")>
                    <span style=format!("width:{p:.0}%")></span>
                </div>
            })}
            {move || live.get().map(|l| view! {
                <p class="hint" id="sync-progress-text">{i18n.t_with("sync.progress", &[
                    ("up", l.changes_up.to_string()), ("down", l.changes_down.to_string()),
                    ("photos", l.photos_done.to_string()), ("total", l.photos_total.to_string())])}</p>
            })}
            {move || error.get().map(|e| view! { <p class="banner error" role="alert" id="sync-error">{e}</p> })}
            {move || done.get().map(|d| view! { <p class="banner ok" role="status" id="sync-done">{d}</p> })}
            // What a clerk or the municipal office may ask for: the address, the
            // counts in changes and bytes, and this device's name (editable).
            <details class="sync-details" id="sync-details">
                <summary>{move || i18n.t("sync.details")}</summary>
                <p class="muted wrap" id="sync-server">{move || i18n.t_with("sync.server_is", &[("server", server())])}</p>
                <p class="muted" id="sync-pending-detail">{move || summary.get().map(|s| i18n.t_with("sync.pending_detail", &[("n", s.pending_changes.to_string()), ("photos", s.photos_pending.to_string())]))}</p>
                {move || live.get().filter(|l| !l.running).map(|l| view! {
                    <p class="muted" id="sync-bytes">{i18n.t_with("sync.progress_bytes", &[("bytes", kb(l.bytes_up + l.bytes_down + l.photo_bytes))])}</p>
                })}
                <form class="form" id="device-name-form" on:submit=rename novalidate=true>
                    <p class="muted" id="device-name-now">{move || match status.get().and_then(|s| s.device_name) {
                        Some(n) => i18n.t_with("sync.this_device", &[("name", n)]),
                        None => i18n.t("sync.this_device_unnamed"),
                    }}</p>
                    <label for="device-name">{move || i18n.t("sync.device_name")}</label>
                    <input id="device-name" autocomplete="off" maxlength="80" bind:value=device_name/>
                    {move || device_message.get().map(|(ok, m)| view! { <p class=if ok { "banner ok" } else { "banner error" } role="status" id="device-name-message">{m}</p> })}
                    <button type="submit" class="secondary" id="device-name-save">{move || i18n.t("sync.rename_device")}</button>
                </form>
            </details>
        </div>
    }
}

/// Conflicts: the value kept and the other one, who wrote each and when; one tap
/// keeps the other value instead.
#[component]
fn ConflictInbox() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // The open conflicts, read again whenever the replica changes.
    let loaded = LocalResource::new(move || {
        session.track();
        api::views::conflict_items()
    });
    let items = move || {
        loaded
            .get()
            .and_then(|l| l.ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|c: &ConflictItem| !c.resolved)
            .collect::<Vec<_>>()
    };
    let error = RwSignal::new(None::<String>);
    // Keeping the other value (`true`) or the one kept (`false`) of one write.
    let resolve = Action::new_local(move |(keys, restore): &(Vec<serde_json::Value>, bool)| {
        let (keys, restore) = (keys.clone(), *restore);
        async move {
            let done = if restore {
                api::views::restore_conflict(&keys).await
            } else {
                api::views::dismiss_conflict(&keys).await
            };
            match done {
                Ok(()) => session.bump(),
                Err(e) => error.set(Some(i18n.api_error_text(&e))),
            }
        }
    });
    view! {
        <div class="card" id="conflicts">
            <h2>{move || i18n.t("sync.conflicts")}</h2>
            <p class="muted">{move || i18n.t("sync.conflicts_lead")}</p>
            {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
            <Show when=move || items().is_empty()>
                <p class="muted" id="no-conflicts">{move || i18n.t("sync.no_conflicts")}</p>
            </Show>
            <ul class="conflict-list">
                {move || items().into_iter().map(|c| {
                    let keys = c.keys.clone();
                    // Who, on which device, when: two sides by the same person at the
                    // same minute still differ by their device.
                    let who = |author: &Option<String>, device: &Option<String>, here: bool, at: u64| format!(
                        "{} · {} · {}",
                        author.clone().unwrap_or_else(|| i18n.t("history.unknown_author")),
                        match (here, device) {
                            (true, _) => i18n.t("sync.side_here"),
                            (false, Some(d)) => d.clone(),
                            (false, None) => i18n.t("sync.side_unnamed"),
                        },
                        display_time(at)
                    );
                    let current_who = who(&c.current_author, &c.current_device, c.current_here, c.current_at_ms);
                    let other_who = who(&c.other_author, &c.other_device, c.other_here, c.other_at_ms);
                    let other_summary = c.fields.iter().map(|f| code_text(i18n, &f.column, &f.other)).collect::<Vec<_>>().join(", ");
                    let keep_keys = keys.clone();
                    let restore = move |_| {
                        resolve.dispatch((keys.clone(), true));
                    };
                    let keep = move |_| {
                        resolve.dispatch((keep_keys.clone(), false));
                    };
                    view! {
                        <li class="conflict-item">
                            <p class="conflict-title"><strong class="wrap">{c.record.clone()}</strong></p>
                            <div class="conflict-sides">
                                <div class="side current">
                                    <span class="label">{i18n.t("sync.kept")}</span>
                                    {c.fields.iter().map(|f| view! {
                                        <span class="conflict-field"><span class="muted small">{column_name(i18n, &f.column)}": "</span><strong class="conflict-current wrap">{code_text(i18n, &f.column, &f.current)}</strong></span>
                                    }).collect_view()}
                                    <span class="muted small conflict-who-current">{current_who}</span>
                                </div>
                                <div class="side other">
                                    <span class="label">{i18n.t("sync.other")}</span>
                                    {c.fields.iter().map(|f| view! {
                                        <span class="conflict-field"><span class="muted small">{column_name(i18n, &f.column)}": "</span><strong class="conflict-other wrap">{code_text(i18n, &f.column, &f.other)}</strong></span>
                                    }).collect_view()}
                                    <span class="muted small conflict-who-other">{other_who}</span>
                                </div>
                            </div>
                            <div class="button-row">
                                <button type="button" class="secondary conflict-dismiss" on:click=keep>
                                    {i18n.t("sync.keep_current")}
                                </button>
                                <button type="button" class="secondary conflict-restore" on:click=restore>
                                    {i18n.t_with("sync.keep_other", &[("value", other_summary)])}
                                </button>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// What merges left for a person to look at: rules that span fields or rows, which
/// no per-field merge can keep (e.g. a total that is not quantity × unit cost after
/// two devices corrected one each). Shown only when there is something.
#[component]
fn ReviewList() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // Read again whenever the replica changes.
    let loaded = LocalResource::new(move || {
        session.track();
        api::views::review_items()
    });
    let items = move || loaded.get().and_then(|l| l.ok()).unwrap_or_default();
    view! {
        <Show when=move || !items().is_empty()>
            <div class="card attention-card" id="review">
                <h2>{move || i18n.t("review.title")}</h2>
                <ul class="review-list">
                    {move || items().into_iter().map(|item| {
                        let args: Vec<(&str, String)> = item.detail.iter().map(|(k, v)| {
                            let v = match k.as_str() {
                                "role" => i18n.t(&format!("role.{v}")),
                                "date" => cosabi_core::format::display_date(v),
                                _ => v.clone(),
                            };
                            (k.as_str(), v)
                        }).collect();
                        view! { <li class="review-item wrap">{i18n.t_with(&format!("review.{}", item.code), &args)}</li> }
                    }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}

/// A column's name as people say it (falls back to the column's own name).
fn column_name(i18n: crate::i18n::I18n, column: &str) -> String {
    let key = format!("column.{column}");
    let t = i18n.t(&key);
    if t == key {
        column.to_owned()
    } else {
        t
    }
}

/// Sync files: carry the records on a USB stick or by message when there is no server.
#[component]
fn SyncFiles() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let message = RwSignal::new(None::<(bool, String)>);
    // In the web build the file is a download, offered as any other document.
    let download = RwSignal::new(None::<String>);
    let file_ref = NodeRef::<leptos::html::Input>::new();
    let write_file = Action::new_local(move |_: &()| async move {
        download.set(None);
        match api::views::export_sync_file().await {
            Ok(path) if crate::components::saved_file::download_of(&path).is_some() => {
                message.set(None);
                download.set(Some(path));
            }
            Ok(path) => {
                let (name, folder) = crate::components::saved_file::name_and_folder(&path);
                message.set(Some((
                    true,
                    i18n.t_with("sync.exported", &[("name", name), ("folder", folder)]),
                )))
            }
            Err(e) => message.set(Some((false, i18n.api_error_text(&e)))),
        }
    });
    let export = move |_| {
        write_file.dispatch(());
    };
    // The chosen file is read by an action (its element is not `Send`).
    let read_import = Action::new_local(move |input: &leptos::web_sys::HtmlInputElement| {
        let input = input.clone();
        async move {
            if let Some(bytes) = read_first_file(&input).await {
                match api::views::import_sync_file(&bytes).await {
                    Ok(r) => {
                        message.set(Some((
                            true,
                            i18n.t_with("sync.imported", &[("n", r.applied.to_string())]),
                        )));
                        session.bump();
                    }
                    Err(e) => message.set(Some((false, i18n.api_error_text(&e)))),
                }
            }
            input.set_value("");
        }
    });
    let import = move |_| {
        if let Some(input) = file_ref.get_untracked() {
            read_import.dispatch_local(input);
        }
    };
    view! {
        <div class="card" id="sync-files">
            <h2>{move || i18n.t("sync.files")}</h2>
            <p class="muted">{move || i18n.t("sync.files_lead")}</p>
            {move || message.get().map(|(ok, m)| view! { <p class=if ok { "banner ok wrap" } else { "banner error" } role="status" id="sync-file-message">{m}</p> })}
            {move || download.get().map(|path| view! {
                <ul class="written" id="sync-file-download">
                    <crate::components::saved_file::SavedFile path=path detail=None/>
                </ul>
            })}
            <div class="button-row">
                <button type="button" class="secondary" id="export-file" on:click=export>{move || i18n.t("sync.export")}</button>
                <label class="button secondary" for="import-file">{move || i18n.t("sync.import")}</label>
                <input type="file" id="import-file" class="photo-input" accept=".cosabi,application/octet-stream" node_ref=file_ref on:change=import/>
            </div>
        </div>
    }
}

/// The clinic's file key: shown (text and QR code) on a device that has it, typed or
/// read from a photo of that QR code on another. Files open only on devices holding
/// the key, so it is shown on request, not whenever the page opens.
#[component]
fn FileKeyCard() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // None: not asked; Some(None): this device has no key yet.
    let shown = RwSignal::new(None::<Option<FileKey>>);
    let typed = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let qr_ref = NodeRef::<leptos::html::Input>::new();
    let read_key = Action::new_local(move |_: &()| async move {
        match api::views::sync_file_key().await {
            Ok(k) => shown.set(Some(k)),
            Err(e) => message.set(Some((false, i18n.api_error_text(&e)))),
        }
    });
    let show = move || {
        read_key.dispatch(());
    };
    let toggle = move |_| {
        message.set(None);
        if shown.get_untracked().is_some() {
            shown.set(None);
        } else {
            show();
        }
    };
    // The chosen file is read by an action (its element is not `Send`).
    let read_qr = Action::new_local(move |input: &leptos::web_sys::HtmlInputElement| {
        let input = input.clone();
        async move {
            if let Some(bytes) = read_first_file(&input).await {
                match api::views::read_sync_file_key_qr(&bytes).await {
                    Ok(key) => {
                        typed.set(key);
                        message.set(None);
                    }
                    Err(e) => message.set(Some((false, i18n.api_error_text(&e)))),
                }
            }
            input.set_value("");
        }
    });
    let on_qr = move |_| {
        if let Some(input) = qr_ref.get_untracked() {
            read_qr.dispatch_local(input);
        }
    };
    let store_key = Action::new_local(move |key: &String| {
        let key = key.clone();
        async move {
            match api::views::set_sync_file_key(&key).await {
                Ok(()) => {
                    typed.set(String::new());
                    message.set(Some((true, i18n.t("sync.file_key_saved"))));
                    if shown.get_untracked().is_some() {
                        show();
                    }
                    session.bump();
                }
                Err(e) => message.set(Some((false, i18n.api_error_text(&e)))),
            }
        }
    });
    let busy = store_key.pending();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let key = typed.get_untracked();
        if key.trim().is_empty() {
            message.set(Some((false, i18n.t("sync.file_key_missing"))));
            return;
        }
        store_key.dispatch(key);
    };
    view! {
        <div class="card" id="file-key">
            <h2>{move || i18n.t("sync.file_key")}</h2>
            <p class="muted">{move || i18n.t("sync.file_key_lead")}</p>
            {move || message.get().map(|(ok, m)| view! { <p class=if ok { "banner ok" } else { "banner error" } role="status" id="file-key-message">{m}</p> })}
            <button type="button" class="secondary" id="show-file-key" on:click=toggle>
                {move || if shown.get().is_some() { i18n.t("sync.file_key_hide") } else { i18n.t("sync.file_key_show") }}
            </button>
            {move || shown.get().map(|k| match k {
                Some(k) => view! {
                    <div class="file-key-shown">
                        <p class="file-key-text wrap" id="file-key-text">{k.text}</p>
                        <img class="file-key-qr" id="file-key-qr" src=k.qr alt=move || i18n.t("sync.file_key_qr_alt")/>
                        <p class="hint">{move || i18n.t("sync.file_key_private")}</p>
                    </div>
                }.into_any(),
                None => view! { <p class="muted" id="file-key-none">{move || i18n.t("sync.file_key_none")}</p> }.into_any(),
            })}
            <form class="form" id="file-key-form" on:submit=save novalidate=true>
                <label for="file-key-input">{move || i18n.t("sync.file_key_enter")}</label>
                <input id="file-key-input" autocomplete="off" autocapitalize="characters" spellcheck="false" bind:value=typed/>
                <div class="button-row">
                    <label class="button secondary" for="file-key-qr-input">{move || i18n.t("sync.read_qr")}</label>
                    <input type="file" id="file-key-qr-input" class="photo-input" accept="image/*" capture="environment" node_ref=qr_ref on:change=on_qr/>
                    <button type="submit" class="primary" id="save-file-key" disabled=move || busy.get()>
                        {move || i18n.t("sync.file_key_save")}
                    </button>
                </div>
            </form>
        </div>
    }
}
