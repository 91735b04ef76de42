//! The list of assemblies, the form to call one, and the agreements still open.

use super::*;
use crate::api;
use crate::components::form::failure_text;
use crate::components::session::use_session;
use crate::i18n::use_i18n;
use cosabi_core::assembly::Assembly;
use cosabi_core::committee::Permission;
use cosabi_core::format::display_date;
use leptos::prelude::*;
use uuid::Uuid;

/// The list of assemblies, the button and form to register one, and the agreements
/// still open.
#[component]
pub(super) fn AssemblyList(selected: RwSignal<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    // The assemblies and the agreements still open, read again whenever the replica
    // changes.
    let data = LocalResource::new(move || {
        session.track();
        async move {
            let list = api::assembly::list_assemblies().await;
            let open = api::assembly::open_agreements().await.unwrap_or_default();
            (list, open)
        }
    });
    let list = move || {
        data.get()
            .and_then(|(list, _)| list.ok())
            .unwrap_or_default()
    };
    let loaded = move || data.get().is_some_and(|(list, _)| list.is_ok());
    let load_error = move || {
        data.get()
            .and_then(|(list, _)| list.err())
            .map(|e| failure_text(i18n, "asm", &e, &[]))
    };
    let open = move || data.get().map(|(_, open)| open).unwrap_or_default();
    let members = committee();
    let form_open = RwSignal::new(false);

    let on_saved = Callback::new(move |id: Uuid| {
        form_open.set(false);
        session.bump();
        selected.set(Some(id));
    });
    let on_cancel = Callback::new(move |_: ()| form_open.set(false));
    let date_of = move |assembly: Uuid| {
        list()
            .iter()
            .find(|a| a.id == assembly)
            .map(|a| display_date(&a.date))
            .unwrap_or_default()
    };

    view! {
        <div class="rec-head">
            <crate::nav::PageTitle screen=crate::nav::Screen::Assemblies/>
            <button type="button" class="primary rec-new" id="new-assembly"
                disabled=move || !session.can(Permission::Assembly)
                aria-expanded=move || form_open.get().to_string()
                on:click=move |_| form_open.update(|o| *o = !*o)>
                {move || i18n.t("asm.new")}
            </button>
        </div>
        <p class="lead">{move || i18n.t("asm.lead")}</p>
        <MayHint permission=Permission::Assembly signed_out="asm.sign_in_hint" denied="asm.sign_in_hint" id="asm-may"/>
        {move || load_error().map(|e| view! { <p class="banner error" role="alert" id="assembly-load-error">{e}</p> })}

        <div class="rec-cols">
            <Show when=move || form_open.get()>
                <AssemblyForm editing=None on_saved=on_saved on_cancel=on_cancel/>
            </Show>
            <div class="card">
                <h2>{move || i18n.t("asm.list_title")}</h2>
                <Show
                    when=move || !list().is_empty()
                    fallback=move || view! {
                        <p class="muted" id="assembly-empty">
                            {move || if loaded() { i18n.t("asm.empty") } else { i18n.t("common.loading") }}
                        </p>
                    }
                >
                    <ul class="rec-list" id="assembly-list">
                        <For
                            each=move || list()
                            key=|a| (a.id, a.status.clone(), a.date.clone(), a.place.clone(), a.kind.clone())
                            children=move |a: Assembly| {
                                let id = a.id;
                                let closed = a.is_closed();
                                let kind = a.kind.clone();
                                view! {
                                    <li>
                                        <button type="button" class="assembly-item rec-item" id=format!("assembly-{id}")
                                            on:click=move |_| selected.set(Some(id))>
                                            <span class="rec-item-main">
                                                <span class="rec-date">{display_date(&a.date)}</span>
                                                <span class="rec-title">{move || kind_label(i18n, &kind)}</span>
                                                <span class="rec-sub">{a.place.clone()}</span>
                                            </span>
                                            <span class="badge" class:closed=closed>
                                                {move || if closed { i18n.t("asm.status.closed") } else { i18n.t("asm.status.draft") }}
                                            </span>
                                        </button>
                                    </li>
                                }
                            }
                        />
                    </ul>
                </Show>
            </div>
            <div class="card" id="open-agreements">
                <h2>{move || i18n.t("asm.open_title")}</h2>
                <Show
                    when=move || !open().is_empty()
                    fallback=move || view! { <p class="muted">{move || i18n.t("asm.open_empty")}</p> }
                >
                    <ul class="rec-list plain">
                        {move || open().into_iter().map(|g| {
                            let assembly = g.assembly_id;
                            let who = g.responsible_id.map(|r| member_name(&members.get(), r));
                            let due = g.due_date.clone().map(|d| display_date(&d));
                            let status = g.status.clone();
                            view! {
                                <li class="open-agreement">
                                    <button type="button" class="rec-item" on:click=move |_| selected.set(Some(assembly))>
                                        <span class="rec-item-main">
                                            <span class="rec-text">{g.text.clone()}</span>
                                            <span class="rec-sub">
                                                {move || i18n.t_with("asm.from_assembly", &[("date", date_of(assembly))])}
                                                {who.clone().map(|w| format!(" · {}", i18n.t_with("asm.agr_by", &[("name", w)])))}
                                                {due.clone().map(|d| format!(" · {}", i18n.t_with("asm.agr_due_on", &[("date", d)])))}
                                            </span>
                                        </span>
                                        <span class="badge">{move || t_or(i18n, &format!("asm.agr_status.{status}"), &status)}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </Show>
            </div>
        </div>
    }
}
