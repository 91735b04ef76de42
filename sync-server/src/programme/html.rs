//! The programme view's pages (es-MX), rendered on the server with maud (escaped by
//! default). Phone first: cards wrap, wide tables scroll sideways, charts are CSS
//! bars; no JavaScript.

use super::report::{bar_percent, percent, ClinicRow, Figures, CATEGORIES, SEATS, STATUSES};
use super::View;
use crate::store::AccountRecord;
use cosabi_core::actions::{ActionStatus, Category};
use cosabi_core::committee::Role;
use cosabi_core::glossary;
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// The one stylesheet of the server's pages (programme and transparency).
pub(crate) const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2521;background:#f5f6f4}
header{background:#611232;color:#fff;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:space-between}
header h1{font-size:1.1rem;margin:0}
header form{margin:0}
header .who{font-size:.85rem;opacity:.9}
header button{background:transparent;color:#fff;border:1px solid #fff;border-radius:4px;padding:.25rem .6rem;font:inherit;cursor:pointer}
main{max-width:72rem;margin:0 auto;padding:1rem}
nav.crumbs{font-size:.9rem;margin-bottom:.5rem}
a{color:#235b4e}
h2{font-size:1.35rem;margin:.25rem 0 .75rem}
h3{font-size:1.05rem;margin:1.5rem 0 .5rem}
.tools{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin-bottom:1rem;font-size:.95rem}
.tools select,.tools button{font:inherit;padding:.2rem .4rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.75rem}
.card{background:#fff;border:1px solid #d9ddd8;border-radius:6px;padding:.75rem}
.card .label{font-size:.85rem;color:#4a554f}
.card .value{font-size:1.4rem;font-weight:600;white-space:nowrap}
.card .note{font-size:.8rem;color:#4a554f}
.card.warn{border-color:#9f2241}
.chart{background:#fff;border:1px solid #d9ddd8;border-radius:6px;padding:.75rem}
.bar{display:grid;grid-template-columns:9rem 1fr;gap:.5rem;align-items:center;margin:.35rem 0}
.bar .track{background:#e6e9e5;border-radius:3px;height:1.1rem;position:relative}
.bar .fill{height:100%;border-radius:3px;background:#235b4e}
.bar .fill.c1{background:#a57f2c}.bar .fill.c2{background:#9f2241}.bar .fill.total{background:#4a554f}
.bar .amount{font-size:.85rem;grid-column:2}
.scroll{overflow-x:auto;background:#fff;border:1px solid #d9ddd8;border-radius:6px}
.scroll:focus-visible{outline:3px solid #10312b;outline-offset:2px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.4rem .55rem;border-bottom:1px solid #e6e9e5;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;position:sticky;left:0;background:#fff}
thead th,thead th:first-child{background:#eef0ed;font-weight:600}
tfoot td,tfoot th,tfoot td:first-child,tfoot th:first-child{font-weight:600;background:#eef0ed}
table.fit th{white-space:normal}
table.fit th,table.fit td{padding:.4rem .35rem}
.yes{color:#1f6b3a;font-weight:600}.no{color:#9f2241;font-weight:600}
ul.seats{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.25rem}
.login{max-width:24rem;margin:3rem auto;background:#fff;border:1px solid #d9ddd8;border-radius:6px;padding:1.25rem}
.login label{display:block;margin:.75rem 0 .25rem}
.login input{width:100%;font:inherit;padding:.45rem}
.login button{margin-top:1rem;width:100%;font:inherit;padding:.55rem;background:#611232;color:#fff;border:0;border-radius:4px}
.error{color:#9f2241}
.lead{max-width:48rem}
.actions{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:.75rem}
.action h4,.assembly h4{margin:0 0 .35rem;font-size:1rem}
.action p{margin:.25rem 0}
.badge{display:inline-block;border-radius:3px;padding:0 .35rem;background:#e6e9e5;font-size:.85rem}
.photos{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0 0;padding:0;list-style:none}
.photos figure{margin:0}
.photos img{display:block;width:8.5rem;height:6.4rem;object-fit:cover;border-radius:4px;border:1px solid #d9ddd8;background:#e6e9e5}
.photos figcaption,.missing{font-size:.8rem;color:#4a554f}
.assembly{margin-bottom:.75rem}
td.text,th.text{text-align:left;white-space:normal;min-width:12rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.fineprint{margin-top:2rem;font-size:.85rem;color:#4a554f}
@media (max-width:759px){
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
table.stack tr{display:block;border-bottom:1px solid #e6e9e5;padding:.35rem 0}
table.stack td{display:block;position:static;border:0;text-align:left;white-space:normal;padding:.15rem .55rem}
table.stack td[data-label]::before{content:attr(data-label) ": ";color:#4a554f}
}
@media (min-width:760px){.bar{grid-template-columns:11rem 1fr}.card .value{font-size:clamp(1rem,1.5vw,1.6rem)}}
"#;

/// A category in the app's words (its glossary).
pub fn category_es(c: Category) -> &'static str {
    glossary::code("category", c.code()).unwrap_or(c.code())
}

/// An action's status in the app's words.
pub fn status_es(s: ActionStatus) -> &'static str {
    glossary::code("act.status", s.code()).unwrap_or(s.code())
}

/// A seat by its office ("Presidencia"), in the app's words.
pub fn role_es(r: Role) -> &'static str {
    glossary::role(r.code(), "").unwrap_or(r.code())
}

/// `dd/mm/aaaa hh:mm` in the server's time zone; "Nunca" before the first sync.
pub fn when_es(ms: Option<u64>) -> String {
    ms.and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64))
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "Nunca".to_owned())
}

/// `1234567` → `1,234,567`.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A whole page of the server: `title` in the tab, `heading` in the top bar,
/// `header_extra` beside it, `body` in `main`.
pub(crate) fn shell(title: &str, heading: &str, header_extra: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="es-MX" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · La Clínica es Nuestra" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { (heading) }
                    (header_extra)
                }
                main { (body) }
            }
        }
    }
}

fn page(title: &str, viewer: Option<&AccountRecord>, body: Markup) -> Markup {
    let who = html! {
        @if let Some(v) = viewer {
            div.who {
                (v.user) " · " (v.scope.describe_es())
            }
            form method="post" action="/programa/salir" {
                button type="submit" { "Salir" }
            }
        }
    };
    shell(
        title,
        "La Clínica es Nuestra · Avance del programa",
        who,
        body,
    )
}

pub fn login(error: Option<&str>) -> Markup {
    page(
        "Entrar",
        None,
        html! {
            form.login method="post" action="/programa/entrar" {
                h2 { "Entrar" }
                p { "Cuenta del programa, de un estado o de un municipio." }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                label for="usuario" { "Usuario" }
                input id="usuario" name="usuario" autocomplete="username" required;
                label for="contrasena" { "Contraseña" }
                input id="contrasena" name="contrasena" type="password" autocomplete="current-password" required;
                button type="submit" { "Entrar" }
            }
        },
    )
}

pub fn message(viewer: Option<&AccountRecord>, title: &str, text: &str) -> Markup {
    page(
        title,
        viewer,
        html! {
            h2 { (title) }
            p { (text) }
            p { a href="/programa" { "Volver al inicio del programa" } }
        },
    )
}

pub(crate) fn year_form(view: &View, action: &str) -> Markup {
    html! {
        form.tools method="get" action=(action) {
            label for="ejercicio" { "Ejercicio fiscal" }
            select id="ejercicio" name="ejercicio" {
                @for y in view.years() {
                    option value=(y) selected[y == view.fiscal_year] { (y) }
                }
            }
            button type="submit" { "Ver" }
            a href=(format!("{action}.csv?ejercicio={}", view.fiscal_year)) { "Descargar CSV" }
        }
    }
}

fn cards(f: &Figures, year: i32) -> Markup {
    html! {
        div.cards {
            div.card {
                div.label { "Comités instalados" }
                div.value { (count(f.installed)) " de " (count(f.clinics)) }
                div.note { (percent(f.installed, f.clinics)) " % de los centros de salud registrados (los siete cargos ocupados)" }
            }
            div.card {
                div.label { "Asambleas realizadas en " (year) }
                div.value { (count(f.assemblies_held)) }
                div.note { "Actas cerradas; " (count(f.clinics_with_assembly)) " centros con al menos una" }
            }
            div.card {
                div.label { "Dinero asignado " (year) }
                div.value { (f.assigned.to_string()) }
                div.note { "Por consultorios; depositado en tarjeta: " (f.deposits.to_string()) }
            }
            div.card {
                div.label { (glossary::term("spent")) " " (year) }
                div.value { (f.spent_total().to_string()) }
                div.note { (percent(f.spent_total().get().max(0) as u64, f.assigned.get().max(0) as u64)) " % de lo asignado" }
            }
            div.card {
                div.label { "Acciones registradas" }
                div.value { (count(f.actions_total())) }
                div.note { (count(f.actions_in_status(4))) " verificadas" }
            }
            div.card {
                div.label { "Expedientes incompletos" }
                div.value { (count(f.purchases_without_receipt + f.actas_open + f.actions_without_after_photo)) }
                div.note {
                    (count(f.purchases_without_receipt)) " compras sin comprobante · "
                    (count(f.actas_open)) " actas sin cerrar · "
                    (count(f.actions_without_after_photo)) " acciones terminadas sin foto de después"
                }
            }
            div.card {
                div.label { "Última sincronización" }
                div.value { (when_es(f.last_sync_ms)) }
                div.note { (count(f.clinics_synced)) " de " (count(f.clinics)) " centros han sincronizado" }
            }
            @if f.clinics_with_data_errors > 0 {
                div.card.warn {
                    div.label { "Datos con errores" }
                    div.value { (count(f.clinics_with_data_errors)) }
                    div.note {
                        @if f.clinics_with_data_errors == 1 { "centro envió datos que no se pudieron leer; " }
                        @else { "centros enviaron datos que no se pudieron leer; " }
                        "sus demás datos sí se cuentan"
                    }
                }
            }
        }
    }
}

/// Spending by category against the allocation, as horizontal bars.
fn chart(f: &Figures, year: i32) -> Markup {
    let scale = f.assigned.max(f.spent_total());
    html! {
        h3 { "Gasto por " (glossary::term("category").to_lowercase()) ", " (year) }
        div.chart role="img" aria-label=(format!("Gasto por {} contra lo asignado", glossary::term("category").to_lowercase())) {
            @for (i, c) in CATEGORIES.iter().enumerate() {
                div.bar {
                    span { (category_es(*c)) }
                    div.track { div class=(format!("fill c{i}")) style=(format!("width:{}%", bar_percent(f.spent[i], scale))) {} }
                    span.amount { (f.spent[i].to_string()) }
                }
            }
            div.bar {
                span { (glossary::term("total_spent")) }
                div.track { div class="fill total" style=(format!("width:{}%", bar_percent(f.spent_total(), scale))) {} }
                span.amount { (f.spent_total().to_string()) " de " (f.assigned.to_string()) " asignados" }
            }
        }
    }
}

pub(crate) fn actions_table(f: &Figures) -> Markup {
    html! {
        h3 { "Acciones por " (glossary::term("category").to_lowercase()) " y estado" }
        div.scroll tabindex="0" role="region" aria-label=(format!("Acciones por {} y estado", glossary::term("category").to_lowercase())) {
            table {
                thead { tr {
                    th { (glossary::term("category")) }
                    @for s in STATUSES { th { (status_es(s)) } }
                    th { "Total" }
                } }
                tbody {
                    @for (i, c) in CATEGORIES.iter().enumerate() {
                        tr {
                            td { (category_es(*c)) }
                            @for j in 0..STATUSES.len() { td { (count(f.actions[i][j])) } }
                            td { (count(f.actions_in_category(i))) }
                        }
                    }
                }
                tfoot { tr {
                    td { "Total" }
                    @for j in 0..STATUSES.len() { td { (count(f.actions_in_status(j))) } }
                    td { (count(f.actions_total())) }
                } }
            }
        }
    }
}

fn figure_headers() -> Markup {
    html! {
        th { "Centros de salud" }
        th { "Comités instalados" }
        th { "%" }
        th { "Asambleas (actas cerradas)" }
        th { (glossary::term("assigned")) }
        th { (glossary::term("spent")) }
        @for c in CATEGORIES { th { (category_es(c)) } }
        th { "Acciones" }
        th { "Compras sin comprobante" }
        th { "Actas sin cerrar" }
        th { "Acciones sin foto de después" }
        th { "Última sincronización" }
    }
}

fn figure_cells(f: &Figures) -> Markup {
    html! {
        td { (count(f.clinics)) }
        td { (count(f.installed)) }
        td { (percent(f.installed, f.clinics)) }
        td { (count(f.assemblies_held)) }
        td { (f.assigned.to_string()) }
        td { (f.spent_total().to_string()) }
        @for i in 0..CATEGORIES.len() { td { (f.spent[i].to_string()) } }
        td { (count(f.actions_total())) }
        td { (count(f.purchases_without_receipt)) }
        td { (count(f.actas_open)) }
        td { (count(f.actions_without_after_photo)) }
        td { (when_es(f.last_sync_ms)) }
    }
}

/// `/programa`: the states within the viewer's scope.
pub fn national(view: &View, viewer: &AccountRecord) -> Markup {
    page(
        "Programa",
        Some(viewer),
        html! {
            nav.crumbs { "Programa" }
            h2 { "Avance por estado" }
            (year_form(view, "/programa"))
            (cards(&view.total, view.fiscal_year))
            (chart(&view.total, view.fiscal_year))
            h3 { "Por estado" }
            div.scroll tabindex="0" role="region" aria-label="Por estado" {
                table {
                    thead { tr { th { "Estado" } (figure_headers()) } }
                    tbody {
                        @for s in &view.states {
                            tr {
                                td { a href=(format!("/programa/estado/{}?ejercicio={}", s.code, view.fiscal_year)) { (s.name) } }
                                (figure_cells(&s.figures))
                            }
                        }
                    }
                    tfoot { tr { td { "Total" } (figure_cells(&view.total)) } }
                }
            }
            (actions_table(&view.total))
        },
    )
}

/// `/programa/estado/{code}`: the clinics of one state within the viewer's scope.
pub fn state(view: &View, viewer: &AccountRecord, code: &str, name: &str) -> Markup {
    let action = format!("/programa/estado/{code}");
    page(
        name,
        Some(viewer),
        html! {
            nav.crumbs { a href=(format!("/programa?ejercicio={}", view.fiscal_year)) { "Programa" } " › " (name) }
            h2 { (name) }
            (year_form(view, &action))
            (cards(&view.total, view.fiscal_year))
            (chart(&view.total, view.fiscal_year))
            h3 { "Por centro de salud" }
            div.scroll tabindex="0" role="region" aria-label="Por centro de salud" {
                table {
                    thead { tr {
                        th { "Centro de salud" }
                        th { "CLUES" }
                        th { "Municipio" }
                        th { "Cargos ocupados" }
                        (figure_headers())
                    } }
                    tbody {
                        @for c in &view.clinics {
                            tr {
                                td {
                                    a href=(format!("/programa/clinica/{}?ejercicio={}", c.record.clues, view.fiscal_year)) { (display_name(c)) }
                                    @if c.figures.clinics_with_data_errors > 0 { " " span.no.data-errors { "datos con errores" } }
                                }
                                td { (c.record.clues) }
                                td { (c.municipality) }
                                td { (c.seats_held.len()) " de " (SEATS) }
                                (figure_cells(&c.figures))
                            }
                        }
                    }
                }
            }
            (actions_table(&view.total))
        },
    )
}

fn display_name(c: &ClinicRow) -> &str {
    if c.name.is_empty() {
        "Centro de salud"
    } else {
        &c.name
    }
}

/// `/programa/clinica/{clues}`: one clinic.
pub fn clinic(view: &View, viewer: &AccountRecord, c: &ClinicRow, state_name: &str) -> Markup {
    let f = &c.figures;
    let action = format!("/programa/clinica/{}", c.record.clues);
    page(
        display_name(c),
        Some(viewer),
        html! {
            nav.crumbs {
                a href=(format!("/programa?ejercicio={}", view.fiscal_year)) { "Programa" } " › "
                a href=(format!("/programa/estado/{}?ejercicio={}", c.record.state, view.fiscal_year)) { (state_name) } " › "
                (c.record.clues)
            }
            h2 { (display_name(c)) }
            @if f.clinics_with_data_errors > 0 {
                p.data-errors role="status" {
                    span.no { "Datos con errores: " }
                    "parte de lo que envió este centro no se pudo leer y no se cuenta; el resto sí. "
                    "Los equipos del comité lo muestran en «Por revisar»."
                }
            }
            p { "CLUES " (c.record.clues) " · " (c.municipality) ", " (state_name) " · " (c.record.consultorios) " consultorio(s)" }
            (year_form(view, &action))
            h3 { "Comité" }
            p {
                @if f.installed == 1 { span.yes { "Instalado" } } @else { span.no { "No instalado" } }
                " · " (c.seats_held.len()) " de " (SEATS) " cargos ocupados"
            }
            ul.seats {
                @for r in Role::ALL.iter().filter(|r| r.is_committee_seat()) {
                    li {
                        @if c.seats_held.contains(r) { span.yes { "✓ " } } @else { span.no { "✗ " } }
                        (role_es(*r))
                    }
                }
            }
            p.tools {
                a href=(format!("{action}/expediente.zip?ejercicio={}", view.fiscal_year)) {
                    "Descargar expediente (ZIP)"
                }
                " — actas, cuadernillo, fotos de comprobantes y qué le falta, del ejercicio " (view.fiscal_year)
            }
            (cards(f, view.fiscal_year))
            (chart(f, view.fiscal_year))
            (actions_table(f))
        },
    )
}
