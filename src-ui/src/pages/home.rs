//! Inicio: what is left to spend first, then what the committee was assigned and has spent this year, where it went, what is due,
//! the next assembly and whether this device's records have reached the programme.

use crate::api;
use crate::components::money::amount_view;
use crate::components::session::{use_session, YearSelect};
use crate::components::sync_line::SyncLine;
use crate::i18n::use_i18n;
use crate::nav::{use_nav, PageTitle, Screen};
use crate::pages::money::LeftToSpend;
use cosabi_core::format::display_date;
use cosabi_core::views::SyncSummary;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let nav = use_nav();
    // The year's dashboard, read again when the year or the replica changes.
    let loaded = LocalResource::new(move || {
        session.track();
        api::views::dashboard(session.year.get())
    });
    let data = move || loaded.get().and_then(|d| d.ok());
    let error = move || {
        loaded
            .get()
            .and_then(|d| d.err())
            .map(|e| i18n.t(&format!("error.{}", e.code)))
    };

    view! {
        <section class="page" id="page-home">
            <div class="title-row">
                <PageTitle screen=Screen::Home/>
                <YearSelect/>
            </div>
            <LeftToSpend balance=session.balance id_prefix="home"/>
            {move || error().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
            {move || data().map(|d| {
                let b = d.balance.clone();
                let max = b.spent_by_category.iter().map(|(_, c)| c.get()).max().unwrap_or(0).max(1);
                let spent_pct = if b.assigned.get() > 0 {
                    (b.spent_total.get() as f64 / b.assigned.get() as f64 * 100.0).clamp(0.0, 100.0)
                } else { 0.0 };
                view! {
                    <div class="home-grid">
                        <div class="card money-card">
                            <h2>{i18n.t_with("home.money", &[("year", b.fiscal_year.to_string())])}</h2>
                            <dl class="facts two">
                                <div><dt>{i18n.t("home.assigned")}</dt><dd class="money" id="home-assigned">{amount_view(b.assigned)}</dd></div>
                                <div><dt>{i18n.t("home.spent")}</dt><dd class="money">{amount_view(b.spent_total)}</dd></div>
                            </dl>
                            <div class="meter" role="img" aria-label=i18n.t_with("home.spent_pct", &[("pct", percent(spent_pct))])>
                                <span style=format!("width:{spent_pct:.1}%")></span>
                            </div>
                            <p class="hint" id="home-spent-pct">{i18n.t_with("home.spent_pct", &[("pct", percent(spent_pct))])}</p>
                            <button type="button" class="secondary" on:click=move |_| nav.go(Screen::Money)>{i18n.t("home.go_money")}</button>
                        </div>
                        <div class="card">
                            <h2>{i18n.t("home.by_category")}</h2>
                            <ul class="bars" id="category-chart">
                                {b.spent_by_category.iter().map(|(cat, amount)| {
                                    let pct = amount.get() as f64 / max as f64 * 100.0;
                                    view! {
                                        <li class="bar-row" data-category=cat.clone()>
                                            <span class="bar-label">{i18n.t(&format!("category.{cat}"))}</span>
                                            <span class="bar-track"><span class=format!("bar-fill cat-{cat}") style=format!("width:{pct:.1}%")></span></span>
                                            <span class="bar-value money" id=format!("cat-{cat}")>{amount_view(*amount)}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </div>
                        <div class="card">
                            <h2>{i18n.t("home.agreements_title")}</h2>
                            {if d.agreements_due.is_empty() {
                                view! { <p class="muted" id="no-due">{i18n.t("home.nothing_due")}</p> }.into_any()
                            } else {
                                // Overdue agreements first, under their own heading: they
                                // are not "coming due" any more.
                                let group = |overdue: bool, id: &'static str, title: &'static str| {
                                    let items: Vec<_> = d.agreements_due.iter().filter(|a| a.overdue == overdue).cloned().collect();
                                    (!items.is_empty()).then(|| view! {
                                        <h3 class="due-heading" class:overdue=overdue>{i18n.plural(title, items.len())}</h3>
                                        <ul class="due-list" id=id>
                                            {items.into_iter().map(|a| {
                                                let due = a.agreement.due_date.as_deref().map(display_date).unwrap_or_default();
                                                view! {
                                                    <li class="due-item" class:overdue=a.overdue>
                                                        <span class="wrap">{a.agreement.text.clone()}</span>
                                                        <span class="muted small">
                                                            {i18n.t_with(if a.overdue { "home.overdue" } else { "home.due" }, &[("date", due)])}
                                                            {a.responsible_name.clone().map(|n| format!(" · {n}"))}
                                                        </span>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    })
                                };
                                view! {
                                    {group(true, "overdue-list", "home.agreements_overdue")}
                                    {group(false, "due-list", "home.agreements_due")}
                                }.into_any()
                            }}
                        </div>
                        <div class="card">
                            <h2>{i18n.t("home.next_assembly")}</h2>
                            {match d.next_assembly.clone() {
                                Some(a) => view! {
                                    <p id="next-assembly"><strong>{display_date(&a.date)}</strong>" · "<span class="wrap">{a.place.clone()}</span></p>
                                }.into_any(),
                                None => view! { <p class="muted" id="next-assembly">{i18n.t("home.no_next_assembly")}</p> }.into_any(),
                            }}
                            <p class="hint">{i18n.t_with("home.assemblies_held", &[("n", d.assemblies_held.to_string())])}</p>
                            <button type="button" class="secondary" on:click=move |_| nav.go(Screen::Assemblies)>{i18n.t("home.go_assemblies")}</button>
                        </div>
                        <SyncCard summary=d.sync.clone()/>
                    </div>
                }
            })}
        </section>
    }
}

/// A share for people: one decimal below 10 % (0.4 %, not 0 %), whole above.
fn percent(p: f64) -> String {
    if p > 0.0 && p < 10.0 {
        format!("{p:.1}")
    } else {
        format!("{p:.0}")
    }
}

/// Where sync stands in one line, conflicts to review, and a way to the Sync screen.
#[component]
pub fn SyncCard(summary: SyncSummary) -> impl IntoView {
    let i18n = use_i18n();
    let nav = use_nav();
    let conflicts = summary.conflicts as usize;
    view! {
        <div class="card sync-card" class:attention={conflicts > 0}>
            <h2>{move || i18n.t("home.sync")}</h2>
            <SyncLine summary=Signal::derive(move || Some(summary.clone())) id="home-sync-line"/>
            {(conflicts > 0).then(|| view! {
                <p class="banner warn" id="home-conflicts">{move || i18n.plural("sync.conflicts_count", conflicts)}</p>
            })}
            <button type="button" class="secondary" on:click=move |_| nav.go(Screen::Sync)>{move || i18n.t("home.go_sync")}</button>
        </div>
    }
}
