//! Dinero: what is left to spend first (card and cash), purchases (filters, receipts
//! with photos, corrections) and card movements; and Documentos, the year's paperwork. Writes are offered to the tesorero and the
//! presidente; everyone reads.

use crate::api;
use crate::components::date_picker::DatePicker;
use crate::components::draft::Draft;
use crate::components::history::HistoryButton;
use crate::components::money::{amount_view, left_to_spend};
use crate::components::photos::{read_first_file, PhotoStrip};
use crate::components::saved_file::SavedFile;
use crate::components::session::{use_session, YearSelect};
use crate::i18n::use_i18n;
use crate::nav::{PageTitle, Screen};
use crate::pages::{FormState, PermissionHint};
use cosabi_core::actions::Category;
use cosabi_core::committee::Permission;
use cosabi_core::format::display_date;
use cosabi_core::ledger::{
    Balance, CardMovement, CardMovementKind, NewCardMovement, NewPurchase, NewReceipt, PaidFrom,
    Purchase, PurchaseFilter, Receipt, ReceiptKind,
};
use cosabi_core::schema::{PURCHASE, RECEIPT};
use cosabi_core::views::PurchaseListItem;
use cosabi_core::Centavos;
use leptos::prelude::*;
use uuid::Uuid;

/// Purchases shown per page: enough for a year of a small clinic, small enough to
/// paint at once on a cheap phone.
const PAGE_SIZE: u32 = 50;

/// Today on the device (a date people read; merging uses the HLC).
pub fn today_date() -> chrono::NaiveDate {
    let d = js_sys::Date::new_0();
    chrono::NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
        .unwrap_or_default()
}

/// Today as dd/mm/aaaa, to prefill date fields.
pub fn today_input() -> String {
    today_date().format("%d/%m/%Y").to_string()
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Purchases,
    Card,
}

#[component]
pub fn MoneyPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let tab = RwSignal::new(Tab::Purchases);
    let selected = RwSignal::new(None::<Uuid>);

    view! {
        <section class="page" id="page-money">
            <div class="title-row">
                <PageTitle screen=Screen::Money/>
                <YearSelect/>
            </div>
            <LeftToSpend balance=session.balance id_prefix="bal"/>
            <div class="tabs two" role="tablist">
                <button type="button" role="tab" id="tab-purchases" class:active=move || tab.get() == Tab::Purchases
                    aria-selected=move || (tab.get() == Tab::Purchases).to_string()
                    on:click=move |_| { tab.set(Tab::Purchases); selected.set(None); }>{move || i18n.t("money.purchases")}</button>
                <button type="button" role="tab" id="tab-card" class:active=move || tab.get() == Tab::Card
                    aria-selected=move || (tab.get() == Tab::Card).to_string()
                    on:click=move |_| tab.set(Tab::Card)>{move || i18n.t("money.card")}</button>
            </div>
            {move || match (tab.get(), selected.get(), session.year.get()) {
                (Tab::Purchases, None, year) => view! { <Purchases year=year selected=selected/> }.into_any(),
                (Tab::Purchases, Some(id), _) => view! { <PurchaseDetail id=id selected=selected/> }.into_any(),
                (Tab::Card, _, year) => view! { <CardMovements year=year/> }.into_any(),
            }}
        </section>
    }
}

/// Documentos: the year's paperwork made from the records, and checking a document.
#[component]
pub fn DocumentsPage() -> impl IntoView {
    let session = use_session();
    view! {
        <section class="page" id="page-documents">
            <div class="title-row">
                <PageTitle screen=Screen::Documents/>
                <YearSelect/>
            </div>
            {move || {
                let year = session.year.get();
                view! { <Documents year=year/> }
            }}
            <crate::components::verify::VerifyDocument/>
        </section>
    }
}

/// The one figure that matters first: what is left to spend (card and cash), large,
/// with the card, the cash and what was spent beneath. Ids are `<id_prefix>-left`,
/// `-card`, `-cash` and `-spent`.
#[component]
pub fn LeftToSpend(balance: RwSignal<Option<Balance>>, id_prefix: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let figure = move |f: fn(&Balance) -> Centavos| match balance.get() {
        Some(b) => amount_view(f(&b)).into_any(),
        None => "—".into_any(),
    };
    view! {
        <div class="left-card" id=format!("{id_prefix}-lead")>
            <span class="left-label">{move || i18n.t("money.left")}</span>
            <strong class="left-amount money" id=format!("{id_prefix}-left")>{move || figure(|b| left_to_spend(b.card, b.cash))}</strong>
            <dl class="left-parts">
                <div><dt>{move || i18n.t("money.left_card")}</dt>
                    <dd class="money" id=format!("{id_prefix}-card")>{move || figure(|b| b.card)}</dd></div>
                <div><dt>{move || i18n.t("money.left_cash")}</dt>
                    <dd class="money" id=format!("{id_prefix}-cash")>{move || figure(|b| b.cash)}</dd></div>
                <div><dt>{move || i18n.t("money.spent")}</dt>
                    <dd class="money" id=format!("{id_prefix}-spent")>{move || figure(|b| b.spent_total)}</dd></div>
            </dl>
        </div>
    }
}

#[component]
fn Purchases(year: i32, selected: RwSignal<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let category = RwSignal::new(String::new());
    let month = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let items = RwSignal::new(Vec::<PurchaseListItem>::new());
    let show_form = RwSignal::new(false);
    // The actions a purchase may be for, read once.
    let action_list = LocalResource::new(api::actions::list_actions);
    let action_list = move || action_list.get().and_then(|l| l.ok()).unwrap_or_default();
    let actions = Signal::derive(move || {
        action_list()
            .into_iter()
            .map(|a| (a.id, a.description))
            .collect::<Vec<_>>()
    });
    // Actions the assembly has not approved yet: a purchase for one is warned.
    let proposed = Signal::derive(move || {
        action_list()
            .iter()
            .filter(|a| a.status == cosabi_core::actions::ActionStatus::Propuesta.code())
            .map(|a| a.id)
            .collect::<Vec<_>>()
    });

    let filter = move || PurchaseFilter {
        category: Some(category.get()).filter(|c| !c.is_empty()),
        action_id: action.get().parse().ok(),
        month: month.get().parse().ok(),
    };
    let filter_untracked = move || untrack(filter);
    // The first page under the filter, read again when it or the replica changes;
    // "more" appends the next pages to `items`.
    let first = LocalResource::new(move || {
        session.track();
        let f = filter();
        async move { api::money::purchase_page(year, &f, 0, PAGE_SIZE).await }
    });
    let page = move || first.get().and_then(|p| p.ok());
    let error = move || {
        first
            .get()
            .and_then(|p| p.err())
            .map(|e| i18n.t(&format!("error.{}", e.code)))
    };
    Effect::new(move |_| {
        if let Some(p) = page() {
            items.set(p.items);
        }
    });
    let next_page = Action::new_local(move |offset: &u32| {
        let (f, offset) = (filter_untracked(), *offset);
        async move {
            if let Ok(p) = api::money::purchase_page(year, &f, offset, PAGE_SIZE).await {
                items.update(|v| v.extend(p.items));
            }
        }
    });
    let more = move |_| {
        if !next_page.pending().get_untracked() {
            next_page.dispatch(items.get_untracked().len() as u32);
        }
    };

    view! {
        <div class="purchases">
            <div class="toolbar">
                <button type="button" class="primary" id="new-purchase"
                    disabled=move || !session.can(Permission::Money)
                    on:click=move |_| show_form.update(|s| *s = !*s)>
                    {move || i18n.t("money.new_purchase")}
                </button>
                <PermissionHint p=Permission::Money/>
            </div>
            <Show when=move || show_form.get()>
                <PurchaseForm year=year actions=actions proposed=proposed on_saved=Callback::new(move |_| { show_form.set(false); session.bump(); })/>
            </Show>
            <div class="filters">
                <label><span>{move || i18n.t("money.filter_category")}</span>
                    <select id="f-category" on:change=move |ev| category.set(event_target_value(&ev))>
                        <option value="">{move || i18n.t("money.all")}</option>
                        {Category::ALL.iter().map(|c| { let code = c.code(); view! { <option value=code>{move || i18n.t(&format!("category.{code}"))}</option> } }).collect_view()}
                    </select></label>
                <label><span>{move || i18n.t("money.filter_month")}</span>
                    <select id="f-month" on:change=move |ev| month.set(event_target_value(&ev))>
                        <option value="">{move || i18n.t("money.all")}</option>
                        {(1..=12u32).map(|m| view! { <option value=m.to_string()>{move || i18n.t(&format!("month.{m}"))}</option> }).collect_view()}
                    </select></label>
                <label><span>{move || i18n.t("money.filter_action")}</span>
                    <select id="f-action" on:change=move |ev| action.set(event_target_value(&ev))>
                        <option value="">{move || i18n.t("money.all")}</option>
                        {move || actions.get().into_iter().map(|(id, d)| view! { <option value=id.to_string()>{d}</option> }).collect_view()}
                    </select></label>
            </div>
            {move || error().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
            <p class="summary" id="purchase-summary">{move || page().map(|p| i18n.t_with("money.summary", &[
                ("count", p.total_count.to_string()), ("total", p.total_amount.to_string())]))}</p>
            <ul class="purchase-list" id="purchase-list">
                <For each=move || items.get() key=|i| i.purchase.id
                    children=move |item: PurchaseListItem| view! { <PurchaseRow item=item selected=selected/> }/>
            </ul>
            <Show when=move || page().is_some_and(|p| p.total_count == 0)>
                <p class="muted" id="no-purchases">{move || i18n.t("money.no_purchases")}</p>
            </Show>
            <Show when=move || page().is_some_and(|p| (items.get().len() as u64) < p.total_count)>
                <button type="button" class="secondary" id="more-purchases" on:click=more>{move || i18n.t("money.more")}</button>
            </Show>
        </div>
    }
}

#[component]
fn PurchaseRow(item: PurchaseListItem, selected: RwSignal<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    let p = item.purchase;
    let id = p.id;
    let sha = item.thumb_sha.clone();
    let thumb = LocalResource::new(move || {
        let sha = sha.clone();
        async move {
            match sha {
                Some(sha) => api::photos::thumbnail(&sha).await.ok().flatten(),
                None => None,
            }
        }
    });
    let thumb = move || thumb.get().flatten();
    let category = p.category.clone();
    let receipts = item.receipts;
    let photos = item.photos;
    view! {
        <li class="purchase-row" data-id=id.to_string()>
            <button type="button" class="row-button" on:click=move |_| selected.set(Some(id))>
                <span class="row-thumb">{move || match thumb() {
                    Some(s) => view! { <img src=s alt=""/> }.into_any(),
                    None => view! { <span class=if receipts == 0 { "no-receipt" } else { "has-receipt" }>{if receipts == 0 { "!" } else { "✓" }}</span> }.into_any(),
                }}</span>
                <span class="row-main">
                    <span class="row-title">{p.concept.clone()}</span>
                    <span class="row-sub muted">{display_date(&p.date)}" · "{p.supplier.clone()}</span>
                    <span class="row-sub">
                        <span class=format!("chip cat-{category}")>{let c = category.clone(); move || i18n.t(&format!("category.{c}"))}</span>
                        {move || if receipts == 0 { i18n.t("money.no_receipt") } else { i18n.t_with("money.receipts_count", &[("receipts", i18n.plural("money.n_receipts", receipts as usize)), ("photos", i18n.plural("money.n_photos", photos as usize))]) }}
                    </span>
                </span>
                <span class="row-amount money">{p.total.to_string()}</span>
            </button>
        </li>
    }
}

/// What saving a new purchase takes: the purchase, the receipt the photo, QR or XML
/// gave, and the receipt's photo with the kind chosen for it.
#[derive(Clone)]
struct PurchaseInput {
    purchase: NewPurchase,
    receipt: Option<NewReceipt>,
    photo: Option<Vec<u8>>,
    photo_kind: String,
}

/// The draft whose photo is the purchase form's receipt photo.
const PHOTO_DRAFT: &str = "purchase";

#[component]
fn PurchaseForm(
    year: i32,
    actions: Signal<Vec<(Uuid, String)>>,
    /// Actions not approved yet.
    proposed: Signal<Vec<Uuid>>,
    on_saved: Callback<Purchase>,
) -> impl IntoView {
    let i18n = use_i18n();
    let concept = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let quantity = RwSignal::new(String::new());
    let unit_cost = RwSignal::new(String::new());
    let supplier = RwSignal::new(String::new());
    let rfc = RwSignal::new(String::new());
    let draft = Draft::with_defaults(
        "purchase",
        vec![
            ("concept", concept),
            ("date", date),
            ("quantity", quantity),
            ("unit_cost", unit_cost),
            ("supplier", supplier),
            ("rfc", rfc),
        ],
        vec![("date", today_input()), ("quantity", "1".into())],
    );
    let category_ref = NodeRef::<leptos::html::Select>::new();
    let action_ref = NodeRef::<leptos::html::Select>::new();
    let chosen_action = RwSignal::new(None::<Uuid>);
    let paid_ref = NodeRef::<leptos::html::Select>::new();
    let form = FormState::new("money");
    // An imported invoice: its warnings, and the receipt to add once the purchase is saved.
    let hints = RwSignal::new(Vec::<String>::new());
    let filled_from = RwSignal::new(None::<String>);
    let pending_receipt = RwSignal::new(None::<NewReceipt>);
    let xml_ref = NodeRef::<leptos::html::Input>::new();
    // Camera first: the receipt's photo, kept as the receipt's photo once the
    // purchase is saved; its CFDI QR, when it has one, fills total, RFC and folio.
    let receipt_photo = StoredValue::new(None::<Vec<u8>>);
    // None: no photo yet; Some(true): its QR was read; Some(false): no QR in it.
    let photo_read = RwSignal::new(None::<bool>);
    let receipt_kind_ref = NodeRef::<leptos::html::Select>::new();
    let photo_ref = NodeRef::<leptos::html::Input>::new();
    // The receipt's photo, as taken (`fresh`: its QR fills the form and the photo is
    // kept with the draft, so closing the app before saving loses neither) or as
    // brought back from the draft (the typed fields already came back with it).
    let use_photo = move |bytes: Vec<u8>, fresh: bool| async move {
        let read = api::money::read_cfdi_qr(&bytes, None).await;
        if fresh {
            // Kept in memory all the same if the device cannot keep it.
            let _ = api::photos::keep_draft_photo(PHOTO_DRAFT, &bytes).await;
        }
        receipt_photo.set_value(Some(bytes));
        form.banner.set(None);
        match read {
            Ok(read) => {
                let x = read.cfdi;
                if fresh {
                    quantity.set("1".into());
                    unit_cost.set(x.total.input_text());
                    rfc.set(x.rfc_emisor.clone());
                    if supplier.get_untracked().trim().is_empty() {
                        supplier.set(x.rfc_emisor.clone());
                    }
                }
                pending_receipt.set(Some(NewReceipt {
                    kind: "cfdi".into(),
                    folio_fiscal: x.uuid.clone(),
                    total: x.total.input_text(),
                    issued_on: String::new(),
                }));
                filled_from.set(Some(x.uuid));
                hints.set(read.hints.iter().map(|h| hint_text(i18n, h)).collect());
                photo_read.set(Some(true));
            }
            // A photo with no CFDI QR (a nota de venta) is still the receipt.
            Err(_) => {
                if filled_from.get_untracked().is_none() {
                    pending_receipt.set(None);
                }
                photo_read.set(Some(false));
            }
        }
    };
    // The chosen file is read by an action (its element is not `Send`).
    let read_photo = Action::new_local(move |input: &leptos::web_sys::HtmlInputElement| {
        let input = input.clone();
        async move {
            if let Some(bytes) = read_first_file(&input).await {
                use_photo(bytes, true).await;
            }
            input.set_value("");
        }
    });
    // A photo taken before the app was closed comes back with the draft.
    let restore_photo = Action::new_local(move |_: &()| async move {
        if let Ok(Some(bytes)) = api::photos::draft_photo(PHOTO_DRAFT).await {
            if receipt_photo.with_value(Option::is_none) {
                use_photo(bytes, false).await;
            }
        }
    });
    restore_photo.dispatch_local(());
    let on_photo = move |_| {
        if let Some(input) = photo_ref.get_untracked() {
            read_photo.dispatch_local(input);
        }
    };
    // The chosen file is read by an action (its element is not `Send`).
    let read_xml = Action::new_local(move |input: &leptos::web_sys::HtmlInputElement| {
        let input = input.clone();
        async move {
            if let Some(bytes) = read_first_file(&input).await {
                match api::money::read_cfdi_xml(&bytes, None).await {
                    Ok(read) => {
                        let x = read.cfdi;
                        let concepts: Vec<&str> =
                            x.concepts.iter().map(|c| c.description.as_str()).collect();
                        concept.set(concepts.join("; "));
                        date.set(x.date.format("%d/%m/%Y").to_string());
                        quantity.set("1".into());
                        unit_cost.set(x.total.input_text());
                        supplier.set(
                            x.nombre_emisor
                                .clone()
                                .unwrap_or_else(|| x.rfc_emisor.clone()),
                        );
                        rfc.set(x.rfc_emisor.clone());
                        pending_receipt.set(Some(NewReceipt {
                            kind: "cfdi".into(),
                            folio_fiscal: x.uuid.clone(),
                            total: x.total.input_text(),
                            issued_on: x.date.format("%d/%m/%Y").to_string(),
                        }));
                        filled_from.set(Some(x.uuid));
                        hints.set(read.hints.iter().map(|h| hint_text(i18n, h)).collect());
                        form.banner.set(None);
                    }
                    Err(e) => form.banner.set(Some(i18n.api_error_text(&e))),
                }
            }
            input.set_value("");
        }
    });
    let on_xml = move |_| {
        if let Some(input) = xml_ref.get_untracked() {
            read_xml.dispatch_local(input);
        }
    };

    let preview = move || {
        let q: Option<i64> = quantity.get().trim().parse().ok();
        let u = Centavos::parse(&unit_cost.get());
        match (q, u) {
            (Some(q), Some(u)) if q > 0 => u
                .get()
                .checked_mul(q)
                .map(|t| Centavos(t).to_string())
                .unwrap_or_else(|| "—".into()),
            _ => "—".into(),
        }
    };

    let draft_state = draft.state();
    let save = form.save(
        move |typed: &PurchaseInput| {
            let PurchaseInput {
                purchase,
                receipt,
                photo,
                photo_kind,
            } = typed.clone();
            async move {
                let p = api::money::record_purchase(&purchase).await?;
                // The receipt the photo, the QR or the XML gave; a photo with no QR
                // is a receipt of the kind chosen, for the purchase's total and day.
                let receipt = match (receipt, &photo) {
                    (Some(r), _) => Some(NewReceipt {
                        issued_on: if r.issued_on.is_empty() {
                            display_date(&p.date)
                        } else {
                            r.issued_on
                        },
                        ..r
                    }),
                    (None, Some(_)) => Some(NewReceipt {
                        kind: photo_kind,
                        folio_fiscal: String::new(),
                        total: p.total.input_text(),
                        issued_on: display_date(&p.date),
                    }),
                    (None, None) => None,
                };
                if let Some(r) = receipt {
                    let r = api::money::add_receipt(p.id, &r).await?;
                    if let Some(bytes) = photo {
                        let taken = crate::components::photos::now_rfc3339();
                        crate::api::photos::attach_photo(
                            RECEIPT.id, r.id, "receipt", &taken, &bytes,
                        )
                        .await?;
                    }
                }
                // The receipt holds the photo now: the draft's copy can go.
                let _ = api::photos::forget_draft_photo(PHOTO_DRAFT).await;
                Ok(p)
            }
        },
        move |p| {
            draft.clear();
            pending_receipt.set(None);
            filled_from.set(None);
            hints.set(Vec::new());
            receipt_photo.set_value(None);
            photo_read.set(None);
            on_saved.run(p);
        },
    );
    let busy = save.pending();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let sel = |r: NodeRef<leptos::html::Select>| {
            r.get_untracked().map(|s| s.value()).unwrap_or_default()
        };
        let input = NewPurchase {
            date: date.get_untracked(),
            concept: concept.get_untracked(),
            quantity: quantity.get_untracked(),
            unit_cost: unit_cost.get_untracked(),
            supplier: supplier.get_untracked(),
            rfc: rfc.get_untracked(),
            category: sel(category_ref),
            action_id: sel(action_ref).parse().ok(),
            paid_from: sel(paid_ref),
            fiscal_year: String::new(),
        };
        save.run(PurchaseInput {
            purchase: input,
            receipt: pending_receipt.get_untracked(),
            photo: receipt_photo.get_value(),
            photo_kind: sel(receipt_kind_ref),
        });
    };
    let invalid = move |f: &'static str| form.invalid(f);

    view! {
        <form class="card form" id="purchase-form" on:submit=submit novalidate=true data-draft=draft_state>
            <h2>{move || i18n.t("money.new_purchase")}</h2>
            {form.banner_view("purchase-form-error")}
            <p class="hint">{move || i18n.t("money.photo_first_lead")}</p>
            <label class="button primary camera-first" for="p-photo">{move || i18n.t("money.photo_first")}</label>
            <input type="file" id="p-photo" class="photo-input" accept="image/*" capture="environment" node_ref=photo_ref on:change=on_photo/>
            {move || photo_read.get().map(|qr| view! {
                <p class=if qr { "banner ok" } else { "banner warn" } role="status" id="p-photo-kept">
                    {i18n.t(if qr { "money.photo_qr_read" } else { "money.photo_no_qr" })}
                </p>
            })}
            <Show when=move || photo_read.get() == Some(false)>
                <label for="p-receipt-kind">{move || i18n.t("money.receipt_kind")}</label>
                <select id="p-receipt-kind" node_ref=receipt_kind_ref>
                    {ReceiptKind::ALL.iter().filter(|k| k.code() != "cfdi").map(|k| { let code = k.code(); view! { <option value=code>{move || i18n.t(&format!("receipt_kind.{code}"))}</option> } }).collect_view()}
                </select>
            </Show>
            <label class="button secondary" for="p-xml">{move || i18n.t("money.import_xml")}</label>
            <input type="file" id="p-xml" class="photo-input" accept=".xml,text/xml,application/xml" node_ref=xml_ref on:change=on_xml/>
            {move || filled_from.get().map(|u| view! {
                <p class="banner ok" role="status" id="cfdi-filled">{i18n.t_with("money.cfdi_filled", &[("uuid", u)])}" "{i18n.t("money.cfdi_receipt_pending")}</p>
            })}
            {move || hints.get().into_iter().map(|h| view! { <p class="banner warn cfdi-hint" role="status">{h}</p> }).collect_view()}
            <label for="p-concept">{move || i18n.t("money.concept")}</label>
            <input id="p-concept" autocomplete="off" class:invalid=invalid("concept") bind:value=concept/>
            {form.problem("concept", "p-concept")}
            <div class="row">
                <div>
                    <label for="p-date">{move || i18n.t("money.date")}</label>
                    <input id="p-date" inputmode="numeric" placeholder=move || i18n.t("field.date_placeholder") class:invalid=invalid("date") bind:value=date/>
                    <DatePicker value=date for_id="p-date"/>
                    {form.problem("date", "p-date")}
                </div>
                <div>
                    <label for="p-category">{move || i18n.t("money.category")}</label>
                    <select id="p-category" node_ref=category_ref class:invalid=invalid("category")>
                        <option value="">{move || i18n.t("money.choose")}</option>
                        {Category::ALL.iter().map(|c| { let code = c.code(); view! { <option value=code>{move || i18n.t(&format!("category.{code}"))}</option> } }).collect_view()}
                    </select>
                    {form.problem("category", "p-category")}
                </div>
            </div>
            <div class="row">
                <div>
                    <label for="p-quantity">{move || i18n.t("money.quantity")}</label>
                    <input id="p-quantity" inputmode="numeric" class:invalid=invalid("quantity") bind:value=quantity/>
                    {form.problem("quantity", "p-quantity")}
                </div>
                <div>
                    <label for="p-unit-cost">{move || i18n.t("money.unit_cost")}</label>
                    <input id="p-unit-cost" inputmode="decimal" placeholder="0.00" class:invalid=invalid("unit_cost") bind:value=unit_cost/>
                    {form.problem("unit_cost", "p-unit-cost")}
                </div>
            </div>
            <p class="total-preview">{move || i18n.t("money.total")}": "<strong class="money" id="p-total-preview">{preview}</strong></p>
            <div class="row">
                <div>
                    <label for="p-supplier">{move || i18n.t("money.supplier")}</label>
                    <input id="p-supplier" autocomplete="off" class:invalid=invalid("supplier") bind:value=supplier/>
                    {form.problem("supplier", "p-supplier")}
                </div>
                <div>
                    <label for="p-rfc">{move || i18n.t("money.rfc")}</label>
                    <input id="p-rfc" autocomplete="off" autocapitalize="characters" class:invalid=invalid("rfc") bind:value=rfc/>
                    <p class="hint">{move || i18n.t("money.rfc_hint")}</p>
                    {form.problem("rfc", "p-rfc")}
                    {move || cosabi_core::rfc::rfc_warning(&rfc.get()).map(|c| view! {
                        <p class="hint warn" id="rfc-warning">{i18n.t(&format!("error.{c}"))}</p>
                    })}
                </div>
            </div>
            <div class="row">
                <div>
                    <label for="p-paid-from">{move || i18n.t("money.paid_from")}</label>
                    <select id="p-paid-from" node_ref=paid_ref class:invalid=invalid("paid_from")>
                        {PaidFrom::ALL.iter().map(|c| { let code = c.code(); view! { <option value=code>{move || i18n.t(&format!("paid_from.{code}"))}</option> } }).collect_view()}
                    </select>
                    {form.problem("paid_from", "p-paid-from")}
                </div>
                <div>
                    <label for="p-action">{move || i18n.t("money.action")}</label>
                    <select id="p-action" node_ref=action_ref
                        on:change=move |ev| chosen_action.set(event_target_value(&ev).parse().ok())>
                        <option value="">{move || i18n.t("money.no_action")}</option>
                        {move || actions.get().into_iter().map(|(id, d)| view! { <option value=id.to_string()>{d}</option> }).collect_view()}
                    </select>
                    {move || chosen_action.get().filter(|a| proposed.get().contains(a)).map(|_| view! {
                        <p class="hint warn" id="p-action-proposed" role="status">{i18n.t("money.action_not_approved")}</p>
                    })}
                </div>
            </div>
            <button type="submit" class="primary" id="p-save" disabled=move || busy.get()>
                {move || if busy.get() { i18n.t("common.saving") } else { i18n.t("money.save_purchase") }}
            </button>
            <p class="hint">{move || i18n.t_with("money.year_hint", &[("year", year.to_string())])}</p>
        </form>
    }
}

#[component]
fn PurchaseDetail(id: Uuid, selected: RwSignal<Option<Uuid>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let purchase = RwSignal::new(None::<Purchase>);
    let receipts = RwSignal::new(Vec::<Receipt>::new());
    let quantity = RwSignal::new(String::new());
    let unit_cost = RwSignal::new(String::new());
    let concept = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let supplier = RwSignal::new(String::new());
    let rfc = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let paid_from = RwSignal::new(String::new());
    let form = FormState::new("money");
    let notice = RwSignal::new(None::<String>);
    let save = form.save(
        move |input: &NewPurchase| {
            let input = input.clone();
            async move { api::money::update_purchase(id, &input).await }
        },
        move |_| {
            notice.set(Some(i18n.t("money.amounts_saved")));
            session.bump();
        },
    );
    // A tombstone: the purchase leaves the lists and totals, its history stays.
    let remove = form.save(
        move |_: &()| api::money::delete_purchase(id),
        move |()| {
            selected.set(None);
            session.bump();
        },
    );

    // The purchase and its receipts, read again whenever the replica changes; the
    // correction form follows every read, except in a field the person has changed
    // since the last one (a photo arriving or a sync must not undo their typing).
    let loaded = StoredValue::new(None::<NewPurchase>);
    let record = LocalResource::new(move || {
        session.track();
        async move {
            let p = api::money::get_purchase(id).await;
            let r = api::money::list_receipts(id).await;
            (p, r)
        }
    });
    Effect::new(move |_| {
        let Some((p, r)) = record.get() else {
            return;
        };
        if let Ok(p) = p {
            if let Some(p) = &p {
                let read = p.to_input();
                let before = loaded.get_value();
                let follow = |field: RwSignal<String>, of: fn(&NewPurchase) -> &String| {
                    let untouched = before
                        .as_ref()
                        .is_none_or(|b| field.get_untracked() == *of(b));
                    if untouched {
                        field.set(of(&read).clone());
                    }
                };
                follow(quantity, |i| &i.quantity);
                follow(unit_cost, |i| &i.unit_cost);
                follow(concept, |i| &i.concept);
                follow(date, |i| &i.date);
                follow(supplier, |i| &i.supplier);
                follow(rfc, |i| &i.rfc);
                follow(category, |i| &i.category);
                follow(paid_from, |i| &i.paid_from);
                loaded.set_value(Some(read));
            }
            purchase.set(p);
        }
        if let Ok(r) = r {
            receipts.set(r);
        }
    });

    // Every field can be corrected; only what changed is recorded, in its history.
    let save_amounts = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = purchase.get_untracked() else {
            return;
        };
        let input = NewPurchase {
            date: date.get_untracked(),
            concept: concept.get_untracked(),
            quantity: quantity.get_untracked(),
            unit_cost: unit_cost.get_untracked(),
            supplier: supplier.get_untracked(),
            rfc: rfc.get_untracked(),
            category: category.get_untracked(),
            paid_from: paid_from.get_untracked(),
            // The year follows the date, as when it was recorded.
            fiscal_year: String::new(),
            ..p.to_input()
        };
        // Correcting and removing the purchase exclude each other.
        if !remove.pending().get_untracked() {
            save.run(input);
        }
    };
    let can = Signal::derive(move || session.can(Permission::Money));
    let confirm_delete = RwSignal::new(false);
    let delete = move |_| {
        if !save.pending().get_untracked() {
            remove.run(());
        }
    };

    view! {
        <div class="purchase-detail" id="purchase-detail">
            <button type="button" class="secondary back" id="pd-back" on:click=move |_| selected.set(None)>{move || i18n.t("common.back")}</button>
            {move || purchase.get().map(|p| view! {
                <div class="card">
                    <h2 id="pd-concept">{p.concept.clone()}</h2>
                    <dl class="facts">
                        <div><dt>{move || i18n.t("money.date")}</dt><dd>{display_date(&p.date)}</dd></div>
                        <div><dt>{move || i18n.t("money.quantity")}</dt><dd id="pd-quantity-value">{p.quantity}</dd></div>
                        <div><dt>{move || i18n.t("money.unit_cost")}</dt><dd class="money" id="pd-unit-cost-value">{p.unit_cost.to_string()}</dd></div>
                        <div><dt>{move || i18n.t("money.total")}</dt><dd class="money" id="pd-total">{p.total.to_string()}</dd></div>
                        <div><dt>{move || i18n.t("money.supplier")}</dt><dd class="wrap">{p.supplier.clone()}</dd></div>
                        <div><dt>{move || i18n.t("money.rfc")}</dt><dd>{p.rfc.clone().unwrap_or_else(|| "—".into())}</dd></div>
                        <div><dt>{move || i18n.t("money.category")}</dt><dd>{let c = p.category.clone(); move || i18n.t(&format!("category.{c}"))}</dd></div>
                        <div><dt>{move || i18n.t("money.paid_from")}</dt><dd>{let c = p.paid_from.clone(); move || i18n.t(&format!("paid_from.{c}"))}</dd></div>
                    </dl>
                    <HistoryButton table=PURCHASE.id row=id/>
                </div>
            })}
            <form class="card form" id="amounts-form" on:submit=save_amounts novalidate=true>
                <h3>{move || i18n.t("money.correct_amounts")}</h3>
                {form.banner_view("amounts-form-error")}
                {move || notice.get().map(|n| view! { <p class="banner ok" role="status" id="amounts-notice">{n}</p> })}
                <label for="pd-concept-input">{move || i18n.t("money.concept")}</label>
                <input id="pd-concept-input" bind:value=concept disabled=move || !can.get()/>
                {form.problem("concept", "pd-concept-input")}
                <label for="pd-date">{move || i18n.t("money.date")}</label>
                <input id="pd-date" inputmode="numeric" bind:value=date disabled=move || !can.get()/>
                {form.problem("date", "pd-date")}
                <label for="pd-supplier">{move || i18n.t("money.supplier")}</label>
                <input id="pd-supplier" bind:value=supplier disabled=move || !can.get()/>
                {form.problem("supplier", "pd-supplier")}
                <label for="pd-rfc">{move || i18n.t("money.rfc")}</label>
                <input id="pd-rfc" autocomplete="off" autocapitalize="characters" bind:value=rfc disabled=move || !can.get()/>
                {form.problem("rfc", "pd-rfc")}
                <div class="row">
                    <div>
                        <label for="pd-category">{move || i18n.t("money.category")}</label>
                        <select id="pd-category" prop:value=move || category.get() on:change=move |ev| category.set(event_target_value(&ev)) disabled=move || !can.get()>
                            {Category::ALL.iter().map(|c| { let code = c.code(); view! { <option value=code>{move || i18n.t(&format!("category.{code}"))}</option> } }).collect_view()}
                        </select>
                    </div>
                    <div>
                        <label for="pd-paid-from">{move || i18n.t("money.paid_from")}</label>
                        <select id="pd-paid-from" prop:value=move || paid_from.get() on:change=move |ev| paid_from.set(event_target_value(&ev)) disabled=move || !can.get()>
                            {PaidFrom::ALL.iter().map(|c| { let code = c.code(); view! { <option value=code>{move || i18n.t(&format!("paid_from.{code}"))}</option> } }).collect_view()}
                        </select>
                    </div>
                </div>
                <div class="row">
                    <div>
                        <label for="pd-quantity">{move || i18n.t("money.quantity")}</label>
                        <input id="pd-quantity" inputmode="numeric" bind:value=quantity disabled=move || !can.get()/>
                        {form.problem("quantity", "pd-quantity")}
                    </div>
                    <div>
                        <label for="pd-unit-cost">{move || i18n.t("money.unit_cost")}</label>
                        <input id="pd-unit-cost" inputmode="decimal" bind:value=unit_cost disabled=move || !can.get()/>
                        {form.problem("unit_cost", "pd-unit-cost")}
                    </div>
                </div>
                <button type="submit" class="primary" id="pd-save-amounts" disabled=move || !can.get()>{move || i18n.t("common.save")}</button>
                <PermissionHint p=Permission::Money/>
            </form>
            <div class="card">
                <h3>{move || i18n.t("money.receipts")}</h3>
                <ul class="receipts" id="receipts">
                    <For each=move || receipts.get() key=|r| r.id
                        children=move |r: Receipt| view! { <ReceiptItem receipt=r can=can/> }/>
                </ul>
                <Show when=move || receipts.get().is_empty()>
                    <p class="banner warn" id="no-receipts">{move || i18n.t("money.no_receipts_yet")}</p>
                </Show>
                {move || purchase.get().map(|p| view! { <ReceiptForm purchase=p can=can on_saved=Callback::new(move |_| session.bump())/> })}
            </div>
            <div class="card">
                <Show when=move || confirm_delete.get() fallback=move || view! {
                    <button type="button" class="secondary danger" id="pd-delete" disabled=move || !can.get()
                        on:click=move |_| confirm_delete.set(true)>{move || i18n.t("money.delete")}</button>
                }>
                    <p class="banner warn" id="pd-delete-warning">{move || i18n.t("money.delete_confirm_text")}</p>
                    <div class="button-row">
                        <button type="button" class="primary danger" id="pd-delete-confirm" on:click=delete>{move || i18n.t("money.delete_confirm")}</button>
                        <button type="button" class="secondary" on:click=move |_| confirm_delete.set(false)>{move || i18n.t("common.cancel")}</button>
                    </div>
                </Show>
            </div>
        </div>
    }
}

/// A CFDI warning as a sentence.
fn hint_text(i18n: crate::i18n::I18n, h: &cosabi_core::cfdi::Hint) -> String {
    let args: Vec<(&str, String)> = h
        .detail
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    i18n.t_with(&format!("error.{}", h.code), &args)
}

#[component]
fn ReceiptItem(receipt: Receipt, can: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let kind = receipt.kind.clone();
    view! {
        <li class="receipt-item">
            <div class="receipt-head">
                <strong>{move || i18n.t(&format!("receipt_kind.{kind}"))}</strong>
                <span class="money">{receipt.total.to_string()}</span>
            </div>
            <p class="muted small">{display_date(&receipt.issued_on)}
                {receipt.folio_fiscal.clone().map(|f| view! { " · "<span class="wrap">{f}</span> })}</p>
            <PhotoStrip owner_table=RECEIPT.id owner=receipt.id kind="receipt" can_add=can/>
            <HistoryButton table=RECEIPT.id row=receipt.id/>
        </li>
    }
}

/// What saving a receipt takes: the receipt, and the photo and supplier's RFC its QR
/// gave.
#[derive(Clone)]
struct ReceiptInput {
    receipt: NewReceipt,
    photo: Option<Vec<u8>>,
    rfc: Option<String>,
}

#[component]
fn ReceiptForm(
    purchase: Purchase,
    can: Signal<bool>,
    on_saved: Callback<Receipt>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kind_ref = NodeRef::<leptos::html::Select>::new();
    let folio = RwSignal::new(String::new());
    let total = RwSignal::new(purchase.total.input_text());
    let issued = RwSignal::new(display_date(&purchase.date));
    let form = FormState::new("money");
    let open = RwSignal::new(false);
    let id = purchase.id;
    let purchase_has_rfc = purchase.rfc.is_some();
    let hints = RwSignal::new(Vec::<String>::new());
    // What the invoice's QR said beyond the form's fields: the supplier's RFC, and
    // the photo it was read from, kept as the receipt's photo once it is saved.
    let qr_rfc = RwSignal::new(None::<String>);
    let qr_photo = StoredValue::new(None::<Vec<u8>>);
    let qr_ref = NodeRef::<leptos::html::Input>::new();
    // The chosen file is read by an action (its element is not `Send`).
    let read_qr = Action::new_local(move |input: &leptos::web_sys::HtmlInputElement| {
        let input = input.clone();
        async move {
            if let Some(bytes) = read_first_file(&input).await {
                match api::money::read_cfdi_qr(&bytes, Some(id)).await {
                    Ok(read) => {
                        if let Some(k) = kind_ref.get_untracked() {
                            k.set_value("cfdi");
                        }
                        folio.set(read.cfdi.uuid.clone());
                        total.set(read.cfdi.total.input_text());
                        qr_rfc.set(Some(read.cfdi.rfc_emisor.clone()));
                        qr_photo.set_value(Some(bytes));
                        hints.set(read.hints.iter().map(|h| hint_text(i18n, h)).collect());
                        form.banner.set(None);
                    }
                    Err(e) => form.banner.set(Some(i18n.api_error_text(&e))),
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
    let purchase_now = StoredValue::new(purchase.clone());
    // The receipt, then what the QR gave beyond it; a follow-up that fails is said
    // with the form open again, the receipt being saved.
    let save = form.save(
        move |typed: &ReceiptInput| {
            let ReceiptInput {
                receipt,
                photo,
                rfc,
            } = typed.clone();
            let p = purchase_now.get_value();
            async move {
                let r = api::money::add_receipt(id, &receipt).await?;
                let mut follow_up = None;
                // The photo the QR was read from is the receipt's photo: nobody
                // has to pick or shoot it again.
                if let Some(bytes) = photo {
                    let taken = crate::components::photos::now_rfc3339();
                    if let Err(e) = crate::api::photos::attach_photo(
                        RECEIPT.id, r.id, "receipt", &taken, &bytes,
                    )
                    .await
                    {
                        follow_up = Some(e);
                    }
                }
                // The supplier's RFC from the invoice, where the purchase had none.
                if let Some(rfc) = rfc.filter(|_| p.rfc.is_none()) {
                    let input = NewPurchase {
                        rfc,
                        ..p.to_input()
                    };
                    if let Err(e) = api::money::update_purchase(p.id, &input).await {
                        follow_up = Some(e);
                    }
                }
                Ok((r, follow_up))
            }
        },
        move |(r, follow_up): (Receipt, Option<crate::api::ApiError>)| {
            folio.set(String::new());
            qr_photo.set_value(None);
            qr_rfc.set(None);
            match follow_up {
                Some(e) => form.banner.set(Some(i18n.api_error_text(&e))),
                None => open.set(false),
            }
            on_saved.run(r);
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewReceipt {
            kind: kind_ref
                .get_untracked()
                .map(|s| s.value())
                .unwrap_or_default(),
            folio_fiscal: folio.get_untracked(),
            total: total.get_untracked(),
            issued_on: issued.get_untracked(),
        };
        save.run(ReceiptInput {
            receipt: input,
            photo: qr_photo.get_value(),
            rfc: qr_rfc.get_untracked(),
        });
    };
    view! {
        <Show when=move || open.get() fallback=move || view! {
            <button type="button" class="secondary" id="new-receipt" disabled=move || !can.get()
                on:click=move |_| open.set(true)>{move || i18n.t("money.add_receipt")}</button>
        }>
            <form class="form" id="receipt-form" on:submit=submit novalidate=true>
                {form.banner_view("receipt-form-error")}
                <label class="button secondary" for="r-qr">{move || i18n.t("money.read_qr")}</label>
                <input type="file" id="r-qr" class="photo-input" accept="image/*" capture="environment" node_ref=qr_ref on:change=on_qr/>
                {move || hints.get().into_iter().map(|h| view! { <p class="banner warn cfdi-hint" role="status">{h}</p> }).collect_view()}
                {move || qr_rfc.get().map(|rfc| view! {
                    <p class="banner ok" id="r-qr-read" role="status">
                        {i18n.t_with(if purchase_has_rfc { "money.qr_read" } else { "money.qr_read_rfc" }, &[("rfc", rfc)])}
                    </p>
                })}
                <div class="row">
                    <div>
                        <label for="r-kind">{move || i18n.t("money.receipt_kind")}</label>
                        <select id="r-kind" node_ref=kind_ref>
                            {ReceiptKind::ALL.iter().map(|k| { let code = k.code(); view! { <option value=code>{move || i18n.t(&format!("receipt_kind.{code}"))}</option> } }).collect_view()}
                        </select>
                        {form.problem("kind", "r-kind")}
                    </div>
                    <div>
                        <label for="r-total">{move || i18n.t("money.receipt_total")}</label>
                        <input id="r-total" inputmode="decimal" bind:value=total/>
                        {form.problem("total", "r-total")}
                    </div>
                </div>
                <div class="row">
                    <div>
                        <label for="r-date">{move || i18n.t("money.receipt_date")}</label>
                        <input id="r-date" inputmode="numeric" bind:value=issued/>
                        {form.problem("issued_on", "r-date")}
                    </div>
                    <div>
                        <label for="r-folio">{move || i18n.t("money.folio_fiscal")}</label>
                        <input id="r-folio" autocomplete="off" bind:value=folio/>
                        <p class="hint">{move || i18n.t("money.folio_hint")}</p>
                        {form.problem("folio_fiscal", "r-folio")}
                    </div>
                </div>
                <button type="submit" class="primary" id="r-save">{move || i18n.t("money.save_receipt")}</button>
            </form>
        </Show>
    }
}

#[component]
fn CardMovements(year: i32) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let kind_ref = NodeRef::<leptos::html::Select>::new();
    let amount = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let draft = Draft::with_defaults(
        "card-movement",
        vec![("amount", amount), ("date", date), ("note", note)],
        vec![("date", today_input())],
    );
    let form = FormState::new("money");
    // The year's movements, read again whenever the replica changes.
    let loaded = LocalResource::new(move || {
        session.track();
        api::money::card_movements(year)
    });
    let list = move || loaded.get().and_then(|l| l.ok()).unwrap_or_default();
    let save = form.save(
        |input: &NewCardMovement| {
            let input = input.clone();
            async move { api::money::add_card_movement(&input).await }
        },
        move |_| {
            draft.clear();
            date.set(today_input());
            session.bump();
        },
    );
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewCardMovement {
            kind: kind_ref
                .get_untracked()
                .map(|s| s.value())
                .unwrap_or_default(),
            amount: amount.get_untracked(),
            date: date.get_untracked(),
            note: note.get_untracked(),
            fiscal_year: String::new(),
        };
        save.run(input);
    };
    let can = move || session.can(Permission::Money);
    view! {
        <div class="columns">
            <div class="card">
                <h2>{move || i18n.t("money.movements")}</h2>
                <ul class="movements" id="movements">
                    <For each=list key=|m| m.id children=move |m: CardMovement| {
                        let kind = m.kind.clone();
                        let id = m.id;
                        view! {
                            <li class="movement-row">
                                <div class="row-main">
                                    <span class="row-title">{move || i18n.t(&format!("movement.{kind}"))}</span>
                                    <span class="row-sub muted">{display_date(&m.date)}" "{m.note.clone()}</span>
                                    <HistoryButton table=cosabi_core::schema::CARD_MOVEMENT.id row=id/>
                                </div>
                                <span class="money">{m.amount.to_string()}</span>
                            </li>
                        }
                    }/>
                </ul>
                <Show when=move || list().is_empty()>
                    <p class="muted">{move || i18n.t("money.no_movements")}</p>
                </Show>
            </div>
            <form class="card form" id="movement-form" on:submit=submit novalidate=true>
                <h2>{move || i18n.t("money.new_movement")}</h2>
                {form.banner_view("movement-form-error")}
                <label for="cm-kind">{move || i18n.t("money.movement_kind")}</label>
                <select id="cm-kind" node_ref=kind_ref>
                    {CardMovementKind::ALL.iter().map(|k| { let code = k.code(); view! { <option value=code>{move || i18n.t(&format!("movement.{code}"))}</option> } }).collect_view()}
                </select>
                {form.problem("kind", "cm-kind")}
                <label for="cm-amount">{move || i18n.t("money.amount")}</label>
                <input id="cm-amount" inputmode="decimal" placeholder="0.00" bind:value=amount/>
                {form.problem("amount", "cm-amount")}
                <label for="cm-date">{move || i18n.t("money.date")}</label>
                <input id="cm-date" inputmode="numeric" bind:value=date/>
                {form.problem("date", "cm-date")}
                <label for="cm-note">{move || i18n.t("money.note")}</label>
                <input id="cm-note" bind:value=note/>
                {form.problem("note", "cm-note")}
                <button type="submit" class="primary" id="cm-save" disabled=move || !can()>{move || i18n.t("common.save")}</button>
                <PermissionHint p=Permission::Money/>
            </form>
        </div>
    }
}

/// The paperwork the programme asks for, made from what was recorded: the cuadernillo
/// (PDF and Excel) and the whole expediente (ZIP) with what it still lacks.
#[component]
fn Documents(year: i32) -> impl IntoView {
    let i18n = use_i18n();
    // Each written file with what to say about it (a ZIP's count of files).
    let written = RwSignal::new(Vec::<(String, Option<String>)>::new());
    let gaps = RwSignal::new(None::<Vec<String>>);
    let error = RwSignal::new(None::<String>);
    let export_cuadernillo = Action::new_local(move |_: &()| async move {
        match api::reports::export_cuadernillo(year).await {
            Ok(paths) => written.set(paths.into_iter().map(|p| (p, None)).collect()),
            Err(e) => error.set(Some(i18n.api_error_text(&e))),
        }
    });
    let export_expediente = Action::new_local(move |_: &()| async move {
        match api::reports::export_expediente(year).await {
            Ok(done) => {
                written.set(vec![(
                    done.path,
                    Some(i18n.t_with(
                        "money.expediente_files",
                        &[("files", done.files.to_string())],
                    )),
                )]);
                gaps.set(Some(done.gaps));
            }
            Err(e) => error.set(Some(i18n.api_error_text(&e))),
        }
    });
    // One document at a time.
    let busy = move || export_cuadernillo.pending().get() || export_expediente.pending().get();
    let cuadernillo = move |_| {
        if !untrack(busy) {
            error.set(None);
            export_cuadernillo.dispatch(());
        }
    };
    let expediente = move |_| {
        if !untrack(busy) {
            error.set(None);
            export_expediente.dispatch(());
        }
    };
    view! {
        <div class="card" id="documents">
            <h2>{move || i18n.t_with("money.documents_title", &[("year", year.to_string())])}</h2>
            // A phone's browser has no folder to open: documents are downloads there.
            <p class="muted">{move || i18n.t(if api::worker::in_shell() { "money.documents_lead" } else { "money.documents_lead_web" })}</p>
            <div class="button-row">
                <button type="button" class="secondary" id="export-cuadernillo" disabled=busy on:click=cuadernillo>
                    {move || i18n.t("money.export_cuadernillo")}
                </button>
                <button type="button" class="primary" id="export-expediente" disabled=busy on:click=expediente>
                    {move || i18n.t("money.export_expediente")}
                </button>
            </div>
            <Show when=busy>
                <p class="hint" role="status">{move || i18n.t("money.exporting")}</p>
            </Show>
            {move || error.get().map(|e| view! { <p class="banner error" role="alert" id="export-error">{e}</p> })}
            <ul class="written" id="export-written">
                {move || written.get().into_iter().map(|(path, detail)| view! { <SavedFile path=path detail=detail/> }).collect_view()}
            </ul>
            {move || gaps.get().map(|g| if g.is_empty() {
                view! { <p class="banner ok" id="completeness">{i18n.t("money.expediente_complete")}</p> }.into_any()
            } else {
                view! {
                    <div id="completeness">
                        <h3>{i18n.t_with("money.expediente_gaps", &[("n", g.len().to_string())])}</h3>
                        <ul class="gaps">{g.into_iter().map(|x| view! { <li class="gap wrap">{x}</li> }).collect_view()}</ul>
                    </div>
                }.into_any()
            })}
        </div>
    }
}
