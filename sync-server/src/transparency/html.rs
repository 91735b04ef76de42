//! The transparency pages (es-MX), with the programme view's stylesheet and page
//! shell: phone first, no JavaScript, no inline styles (the CSP allows only the
//! stylesheet), every table with headers and every photo with a text alternative.

use super::StateLine;
use crate::programme::fold::{ClinicFold, FoldedAction, FoldedAssembly};
use crate::programme::html::{actions_table, category_es, count, shell, status_es, year_form};
use crate::programme::report::{percent, ClinicRow, Figures, CATEGORIES, SEATS};
use crate::programme::View;
use cosabi_core::clinic::State as StateDef;
use cosabi_core::committee::Role;
use cosabi_core::format::display_date;
use cosabi_core::glossary;
use cosabi_core::photo::PhotoKind;
use cosabi_core::Centavos;
use cosabi_reports::texts;
use maud::{html, Markup};
use std::collections::HashSet;

const HEADING: &str = "La Clínica es Nuestra · Transparencia";

/// `n` and the word that goes with it: "1 acción", "2 acciones".
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

fn page(title: &str, body: Markup) -> Markup {
    shell(
        title,
        HEADING,
        html! {},
        html! {
            (body)
            p.fineprint {
                "Información pública de los Comités de Salud para el Bienestar, calculada con lo que "
                "cada comité registró y sincronizó. No incluye nombres de personas, proveedores ni "
                "comprobantes: de quien es responsable de un acuerdo se muestra solo su cargo."
            }
        },
    )
}

/// The one page for anything not published.
pub fn not_found() -> Markup {
    page(
        "Página no encontrada",
        html! {
            h2 { "Página no encontrada" }
            p { "No hay información pública en esta dirección." }
            p { a href="/transparencia" { "Ir a la transparencia de los comités" } }
        },
    )
}

/// The path of a published action photo.
pub fn photo_path(clues: &str, sha256: &str) -> String {
    format!("/transparencia/clinica/{clues}/foto/{sha256}")
}

/// A role as the public pages name whoever holds it.
pub fn responsible_es(r: Role) -> String {
    texts::role(r.code()).into_owned()
}

/// The assemblies of `fiscal_year` whose acta is closed (held), oldest first.
pub fn assemblies_held(fold: &ClinicFold, fiscal_year: i32) -> Vec<&FoldedAssembly> {
    let year = fiscal_year.to_string();
    let mut held: Vec<&FoldedAssembly> = fold
        .assemblies
        .iter()
        .filter(|a| a.closed && a.date.get(..4) == Some(year.as_str()))
        .collect();
    held.sort_by(|a, b| a.date.cmp(&b.date));
    held
}

fn money_cards(f: &Figures, year: i32) -> Markup {
    html! {
        div.card {
            div.label { (glossary::term("assigned")) " " (year) }
            div.value { (f.assigned.to_string()) }
            div.note { "Según los consultorios de cada centro de salud" }
        }
        div.card {
            div.label { "Depositado en tarjeta " (year) }
            div.value { (f.deposits.to_string()) }
            div.note { (percent(positive(f.deposits), positive(f.assigned))) " % de lo asignado" }
        }
        div.card {
            div.label { (glossary::term("spent")) " " (year) }
            div.value { (f.spent_total().to_string()) }
            div.note { (percent(positive(f.spent_total()), positive(f.deposits))) " % de lo depositado" }
        }
    }
}

fn positive(c: Centavos) -> u64 {
    c.get().max(0) as u64
}

/// Spending of the year per category (rubro), with its total.
fn spending_table(f: &Figures, year: i32) -> Markup {
    let total = f.spent_total();
    let category = glossary::term("category").to_lowercase();
    html! {
        h3 { "Gasto por " (category) ", " (year) }
        div.scroll tabindex="0" role="region" aria-label={ "Gasto por " (category) ", " (year) } {
            table.spending {
                thead { tr { th scope="col" { (glossary::term("category")) } th scope="col" { (glossary::term("spent")) } th scope="col" { "Parte del gasto" } } }
                tbody {
                    @for (i, c) in CATEGORIES.iter().enumerate() {
                        tr {
                            th scope="row" { (category_es(*c)) }
                            td { (f.spent[i].to_string()) }
                            td { (percent(positive(f.spent[i]), positive(total))) " %" }
                        }
                    }
                    @if f.spent_other.get() != 0 {
                        tr {
                            th scope="row" { "Otros" }
                            td { (f.spent_other.to_string()) }
                            td { (percent(positive(f.spent_other), positive(total))) " %" }
                        }
                    }
                }
                tfoot { tr { th scope="row" { (glossary::term("total_spent")) } td { (total.to_string()) } td { "" } } }
            }
        }
    }
}

/// The seed releases' table: committees installed of the health centres, per state.
fn committee_table(lines: &[StateLine], total: Option<&Figures>) -> Markup {
    html! {
        div.scroll tabindex="0" role="region" aria-label="Comités de salud instalados por estado" {
            table.fit #comites {
                caption.sr { "Comités de salud instalados por estado" }
                thead { tr {
                    th scope="col" { "Estado" }
                    th scope="col" { "Comités instalados" }
                    th scope="col" { "Centros de salud" }
                    th scope="col" { "%" span.sr { " de centros con comité instalado" } }
                } }
                tbody {
                    @for l in lines {
                        tr data-estado=(l.state.code) {
                            th scope="row" { a href=(format!("/transparencia/estado/{}", l.state.code)) { (l.state.name) } }
                            td.installed { (count(l.figures.installed)) }
                            td.clinics { (count(l.figures.clinics)) }
                            td { (percent(l.figures.installed, l.figures.clinics)) }
                        }
                    }
                }
                @if let Some(t) = total {
                    tfoot { tr {
                        th scope="row" { "Total" }
                        td.installed { (count(t.installed)) }
                        td.clinics { (count(t.clinics)) }
                        td { (percent(t.installed, t.clinics)) }
                    } }
                }
            }
        }
    }
}

/// `/transparencia`: the published states.
pub fn index(view: &View, lines: &[StateLine]) -> Markup {
    let t = &view.total;
    page(
        "Transparencia",
        html! {
            h2 { "Transparencia de los comités de salud" }
            p.lead {
                "Cuánto dinero recibió cada centro de salud del programa La Clínica es Nuestra, "
                "en qué se gastó, qué acciones se hicieron y qué acordaron las asambleas."
            }
            (year_form(view, "/transparencia"))
            div.cards {
                div.card {
                    div.label { "Comités instalados" }
                    div.value { (count(t.installed)) " de " (count(t.clinics)) }
                    div.note { (percent(t.installed, t.clinics)) " % de los centros de salud" }
                }
                (money_cards(t, view.fiscal_year))
            }
            h3 { "Comités de salud por estado" }
            (committee_table(lines, Some(t)))
            (spending_table(t, view.fiscal_year))
        },
    )
}

/// `/transparencia/estado/{code}`: a state's clinics.
pub fn state(view: &View, st: &'static StateDef) -> Markup {
    let f = &view.total;
    let action = format!("/transparencia/estado/{}", st.code);
    let line = StateLine {
        state: st,
        figures: f.clone(),
    };
    page(
        st.name,
        html! {
            nav.crumbs aria-label="Ruta" { a href="/transparencia" { "Transparencia" } " › " (st.name) }
            h2 { (st.name) }
            (year_form(view, &action))
            h3 { "Comités de salud" }
            (committee_table(std::slice::from_ref(&line), None))
            h3 { "Dinero del programa" }
            div.cards {
                (money_cards(f, view.fiscal_year))
                div.card {
                    div.label { "Asambleas realizadas en " (view.fiscal_year) }
                    div.value { (count(f.assemblies_held)) }
                    div.note { "Con acta cerrada, en " (plural(f.clinics_with_assembly, "centro de salud", "centros de salud")) }
                }
            }
            (spending_table(f, view.fiscal_year))
            (actions_table(f))
            h3 { "Por centro de salud" }
            div.scroll tabindex="0" role="region" aria-label="Por centro de salud" {
                table #centros {
                    thead { tr {
                        th scope="col" { "Centro de salud" }
                        th scope="col" { "Municipio" }
                        th scope="col" { "Comité" }
                        th scope="col" { "Asambleas" }
                        th scope="col" { "Depositado" }
                        th scope="col" { (glossary::term("spent")) }
                        th scope="col" { "Acciones" }
                        th scope="col" { "CLUES" }
                    } }
                    tbody {
                        @for c in &view.clinics {
                            tr {
                                th scope="row" { a href=(format!("/transparencia/clinica/{}?ejercicio={}", c.record.clues, view.fiscal_year)) { (display_name(c)) } }
                                td { (c.municipality) }
                                td { (committee_status(c)) }
                                td { (count(c.figures.assemblies_held)) }
                                td { (c.figures.deposits.to_string()) }
                                td { (c.figures.spent_total().to_string()) }
                                td { (count(c.figures.actions_total())) }
                                td { (c.record.clues) }
                            }
                        }
                    }
                }
            }
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

fn committee_status(c: &ClinicRow) -> Markup {
    html! {
        @if c.figures.installed == 1 { span.yes { "Instalado" } }
        @else { span.no { "No instalado" } " (" (c.seats_held.len()) " de " (SEATS) " cargos)" }
    }
}

/// `/transparencia/clinica/{clues}`: one clinic; `held` are the photos the server
/// has the bytes of.
pub fn clinic(
    view: &View,
    c: &ClinicRow,
    fold: &ClinicFold,
    state_name: &str,
    held: &HashSet<String>,
) -> Markup {
    let f = &c.figures;
    let year = view.fiscal_year;
    let action = format!("/transparencia/clinica/{}", c.record.clues);
    let deposits: Vec<_> = fold
        .deposits
        .iter()
        .filter(|d| d.fiscal_year == year)
        .collect();
    let assemblies = assemblies_held(fold, year);
    page(
        display_name(c),
        html! {
            nav.crumbs aria-label="Ruta" {
                a href="/transparencia" { "Transparencia" } " › "
                a href=(format!("/transparencia/estado/{}?ejercicio={year}", c.record.state)) { (state_name) } " › "
                (display_name(c))
            }
            h2 { (display_name(c)) }
            p { "CLUES " (c.record.clues) " · " (c.municipality) ", " (state_name) " · "
                (plural(u64::from(c.record.consultorios), "consultorio", "consultorios")) }
            (year_form(view, &action))
            div.cards {
                div.card {
                    div.label { "Comité de salud" }
                    div.value { @if f.installed == 1 { "Instalado" } @else { "No instalado" } }
                    div.note { (c.seats_held.len()) " de " (SEATS) " cargos ocupados" }
                }
                (money_cards(f, year))
            }
            h3 { "Dinero recibido en " (year) }
            @if deposits.is_empty() {
                p { "No hay depósitos registrados en este ejercicio." }
            } @else {
                div.scroll tabindex="0" role="region" aria-label={ "Dinero recibido en " (year) } {
                    table.deposits {
                        thead { tr { th scope="col" { "Fecha" } th.text scope="col" { "Concepto" } th scope="col" { "Monto" } } }
                        tbody {
                            @for d in &deposits {
                                tr { th scope="row" { (display_date(&d.date)) } td.text { "Depósito del programa" } td { (d.amount.to_string()) } }
                            }
                        }
                        tfoot { tr { th scope="row" { "Total" } td { "" } td { (f.deposits.to_string()) } } }
                    }
                }
            }
            (spending_table(f, year))
            h3 { "Acciones" }
            @if fold.actions.is_empty() {
                p { "El comité no ha registrado acciones." }
            } @else {
                p { (plural(fold.actions.len() as u64, "acción registrada", "acciones registradas")) }
                div.actions { @for a in &fold.actions { (action_card(a, &c.record.clues, held)) } }
            }
            h3 { "Asambleas realizadas en " (year) }
            @if assemblies.is_empty() {
                p { "No hay asambleas con acta cerrada en este ejercicio." }
            }
            @for a in &assemblies { (assembly_section(a)) }
        },
    )
}

fn action_card(a: &FoldedAction, clues: &str, held: &HashSet<String>) -> Markup {
    let description = if a.description.trim().is_empty() {
        "Acción sin descripción"
    } else {
        a.description.as_str()
    };
    html! {
        article.card.action {
            h4 { (description) }
            p {
                (a.category.map_or("Otra", category_es)) " · "
                span.badge { (a.status.map_or("Otro", status_es)) }
            }
            p { "Costo estimado: " (a.estimated_cost.to_string()) }
            @if !a.photos.is_empty() {
                ul.photos {
                    @for p in &a.photos {
                        @let when = if p.kind == PhotoKind::Before { "Antes" } else { "Después" };
                        li {
                            @if held.contains(&p.sha256) {
                                figure {
                                    a href=(photo_path(clues, &p.sha256)) {
                                        img src=(photo_path(clues, &p.sha256)) loading="lazy"
                                            alt=(format!("Foto de {}: {description}", when.to_lowercase()));
                                    }
                                    figcaption { (when) }
                                }
                            } @else {
                                span.missing { "Foto de " (when.to_lowercase()) ": aún no llega al servidor" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn assembly_section(a: &FoldedAssembly) -> Markup {
    html! {
        section.assembly {
            h4 { (texts::assembly_kind(&a.kind)) " · " (display_date(&a.date)) }
            @if a.agreements.is_empty() {
                p { "Sin acuerdos registrados." }
            } @else {
                div.scroll tabindex="0" role="region" aria-label={ "Acuerdos, " (texts::assembly_kind(&a.kind)) " · " (display_date(&a.date)) } {
                    table.agreements.stack {
                        thead { tr {
                            th.text scope="col" { "Acuerdo" }
                            th scope="col" { "Responsable (cargo)" }
                            th scope="col" { (texts::t::column("due_date")) }
                            th scope="col" { (texts::t::glossary("asm.agr_status")) }
                        } }
                        tbody {
                            @for g in &a.agreements {
                                tr {
                                    td.text { (g.text) }
                                    td data-label="Responsable" { (g.responsible.map(responsible_es).unwrap_or_else(|| "Sin asignar".to_owned())) }
                                    td data-label=(texts::t::column("due_date")) { (g.due_date.as_deref().map(display_date).unwrap_or_else(|| "—".to_owned())) }
                                    td data-label=(texts::t::glossary("asm.agr_status")) { (texts::agreement_status(&g.status)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
