//! The public verification page: anyone holding a printed or shared document (an
//! acta, a cuadernillo, an expediente index) checks it against what the committee's
//! devices synced, with no account.
//!
//! Routes:
//! - `GET /verificar` — a form to type the code or send the file; `?codigo=…`
//!   redirects to the code's page.
//! - `GET /verificar/{code}` — what the QR code printed on a document opens: whether
//!   the document matches the synced records, as of when, and what changed since if
//!   it does not ([`cosabi_reports::verify`], the app's own code).
//! - `POST /verificar/archivo` — a PDF sent from the form (multipart, at most
//!   [`FILE_BYTES_MAX`]): is it the very file Cosabi made?
//!
//! The seal is looked up among the clinic's synced `document_seal` rows (documents
//! made on devices) and the server's own issued seals (documents it made for the
//! programme view). The clinic comes from the code's CLUES; its changes are folded
//! into a throwaway in-memory replica, as for the programme view.
//!
//! An unknown code, a code of an unknown clinic and a malformed code get the same
//! answer (404, same page), so the page does not tell which clinics exist. At most
//! [`VERIFY_PARALLEL_MAX`] verifications run at once; more get 503 with
//! `Retry-After`. The code's 40 bits of hash make guessing a valid one hopeless at
//! that rate.

use crate::error::AppError;
use crate::programme::fold::clinic_pages;
use crate::store::IssuedSeal;
use crate::AppState;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use cosabi_core::seal::{code_clues, normalise_code};
use cosabi_replica::Replica;
use cosabi_reports::{FileCheck, Verdict, Verification};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Verifications running at once: each folds a clinic's changes (a clinic-year in
/// well under a second), so two keep a small instance responsive.
pub const VERIFY_PARALLEL_MAX: usize = 2;
/// Largest file the form takes: a cuadernillo with its thumbnails is a few MB.
pub const FILE_BYTES_MAX: usize = 16 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/verificar", get(form))
        .route("/verificar/{code}", get(by_code))
        .route(
            "/verificar/archivo",
            post(by_file).layer(DefaultBodyLimit::max(FILE_BYTES_MAX + 64 * 1024)),
        )
}

/// No script, no outside resource: styles inline, nothing else.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                   base-uri 'none'; frame-ancestors 'none'";

fn respond(status: StatusCode, markup: Markup) -> Response {
    let mut resp = (status, Html(markup.into_string())).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

fn busy() -> Response {
    let mut resp = respond(
        StatusCode::SERVICE_UNAVAILABLE,
        page(
            "Intente en unos segundos",
            html! {
                h2 { "Intente en unos segundos" }
                p { "Hay muchas verificaciones en curso. Vuelva a intentarlo en unos segundos." }
            },
        ),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    resp
}

#[derive(Debug, Deserialize)]
struct FormQuery {
    codigo: Option<String>,
}

async fn form(Query(q): Query<FormQuery>) -> Response {
    match q.codigo.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => match normalise_code(code) {
            Some(code) => Redirect::to(&format!("/verificar/{code}")).into_response(),
            None => unknown(),
        },
        None => respond(StatusCode::OK, form_page(None)),
    }
}

/// What the server found for a code.
enum Found {
    Verified(Verification),
    /// A file: its check, with the code's verification inside.
    File(FileCheck),
    Unknown,
}

/// Folds the clinic a code names and verifies the code (and, given a file's
/// SHA-256, whether the file is the one made with it).
async fn check(
    state: &AppState,
    code: &str,
    file_sha256: Option<String>,
) -> Result<Found, AppError> {
    let Some(code) = normalise_code(code) else {
        return Ok(Found::Unknown);
    };
    let Some(clinic) = state.store.clinic_by_clues(code_clues(&code)).await? else {
        return Ok(Found::Unknown);
    };
    let issued: Option<IssuedSeal> = state
        .store
        .issued_seal(&code)
        .await?
        .filter(|s| s.clinic == clinic.id);
    let pages = clinic_pages(state, clinic.id).await?;
    tokio::task::spawn_blocking(move || -> Result<Found, String> {
        let mut replica = Replica::open_in_memory().map_err(|e| e.to_string())?;
        for page in &pages {
            // A page that cannot be applied is skipped, as in the programme view:
            // what it held is then missing, and the verification says so.
            let _ = replica.apply_page(page);
        }
        if replica.clinic().map_err(|e| e.to_string())?.is_none() {
            return Ok(Found::Unknown);
        }
        let seal = match replica.seal(&code).map_err(|e| e.to_string())? {
            Some(seal) => Some(seal),
            None => issued.map(|i| i.seal),
        };
        let Some(seal) = seal else {
            return Ok(Found::Unknown);
        };
        let verification = cosabi_reports::verify(&replica, &seal).map_err(|e| e.to_string())?;
        Ok(match file_sha256 {
            None => Found::Verified(verification),
            Some(sha) if !seal.file_sha256.is_empty() && sha == seal.file_sha256 => {
                Found::File(FileCheck::Original { verification })
            }
            Some(_) => Found::File(FileCheck::Altered {
                code: Some(code),
                verification: Some(verification),
            }),
        })
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))?
    .map_err(AppError::internal)
}

async fn by_code(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let Ok(_permit) = state.verifications.clone().try_acquire_owned() else {
        return busy();
    };
    match check(&state, &code, None).await {
        Ok(Found::Verified(v)) => respond(StatusCode::OK, result_page(&v, None)),
        Ok(_) => unknown(),
        Err(e) => e.into_response(),
    }
}

async fn by_file(State(state): State<AppState>, mut multipart: Multipart) -> Response {
    let mut bytes = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("archivo") {
            match field.bytes().await {
                Ok(b) => bytes = Some(b),
                Err(_) => return too_large(),
            }
        }
    }
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return respond(
            StatusCode::BAD_REQUEST,
            form_page(Some("Elija el archivo PDF del documento.")),
        );
    };
    if bytes.len() > FILE_BYTES_MAX {
        return too_large();
    }
    let Ok(_permit) = state.verifications.clone().try_acquire_owned() else {
        return busy();
    };
    let sha = hex::encode(Sha256::digest(&bytes));
    let Some(code) = cosabi_reports::seal::code_in_file(&bytes) else {
        return respond(StatusCode::OK, file_unknown_page());
    };
    match check(&state, &code, Some(sha)).await {
        Ok(Found::File(FileCheck::Original { verification })) => {
            respond(StatusCode::OK, result_page(&verification, Some(true)))
        }
        Ok(Found::File(FileCheck::Altered {
            verification: Some(v),
            ..
        })) => respond(StatusCode::OK, result_page(&v, Some(false))),
        Ok(_) => respond(StatusCode::OK, file_unknown_page()),
        Err(e) => e.into_response(),
    }
}

fn too_large() -> Response {
    respond(
        StatusCode::PAYLOAD_TOO_LARGE,
        form_page(Some(
            "El archivo es demasiado grande para ser un documento de Cosabi (máximo 16 MB).",
        )),
    )
}

fn unknown() -> Response {
    respond(
        StatusCode::NOT_FOUND,
        page(
            "Código no encontrado",
            html! {
                div.verdict.bad role="status" {
                    h2 { "No encontramos un documento con ese código" }
                }
                p { "Revise que lo escribió completo, como aparece al pie del documento (por ejemplo VZIMB000417-7K3M-QX9P)." }
                p { "Si el documento se generó hace poco, puede que el equipo que lo generó aún no haya sincronizado: vuelva a intentarlo después." }
                (code_form())
            },
        ),
    )
}

fn file_unknown_page() -> Markup {
    page(
        "Archivo no reconocido",
        html! {
            div.verdict.bad role="status" {
                h2 { "Este archivo no es un documento de Cosabi que podamos verificar" }
            }
            p { "No lleva un código de verificación, o el código no corresponde a ningún documento sincronizado. Si tiene el documento impreso, escriba el código que aparece al pie." }
            (code_form())
        },
    )
}

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2521;background:#f5f6f4}
header{background:#611232;color:#fff;padding:.75rem 1rem}
header h1{font-size:1.1rem;margin:0}
main{max-width:44rem;margin:0 auto;padding:1rem}
h2{font-size:1.3rem;margin:.25rem 0 .5rem}
.verdict{border-radius:6px;padding:.75rem 1rem;margin:0 0 1rem;border:2px solid}
.verdict h2{margin:0}
.verdict p{margin:.35rem 0 0}
.ok{background:#e7f3ec;border-color:#1f6b3a;color:#14482a}
.warn{background:#fbf3e2;border-color:#8a6116;color:#5c400d}
.bad{background:#f9e9ed;border-color:#9f2241;color:#6e1730}
dl{display:grid;grid-template-columns:minmax(8rem,auto) 1fr;gap:.35rem .75rem;background:#fff;border:1px solid #d9ddd8;border-radius:6px;padding:.75rem;margin:0 0 1rem}
dt{color:#4a554f}
dd{margin:0;font-weight:600;overflow-wrap:anywhere}
ul.changes{background:#fff;border:1px solid #d9ddd8;border-radius:6px;padding:.75rem 1rem .75rem 2rem}
form{background:#fff;border:1px solid #d9ddd8;border-radius:6px;padding:1rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:0 0 .35rem}
input[type=text]{width:100%;font:inherit;font-size:1.1rem;padding:.55rem;border:1px solid #6b756f;border-radius:4px;text-transform:uppercase}
input[type=file]{font:inherit;max-width:100%}
button{margin-top:.75rem;font:inherit;min-height:44px;padding:.5rem 1rem;background:#611232;color:#fff;border:0;border-radius:4px;cursor:pointer}
:focus-visible{outline:3px solid #a57f2c;outline-offset:2px}
.hint{font-size:.9rem;color:#4a554f;margin:.35rem 0 0}
.error{color:#9f2241;font-weight:600}
code{font-size:1.05rem;overflow-wrap:anywhere}
@media (max-width:480px){dl{grid-template-columns:1fr}dt{margin-top:.35rem}}
"#;

fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="es-MX" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · Verificar un documento · La Clínica es Nuestra" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header { h1 { "La Clínica es Nuestra · Verificar un documento" } }
                main { (body) }
            }
        }
    }
}

fn code_form() -> Markup {
    html! {
        form method="get" action="/verificar" {
            label for="codigo" { "Código de verificación" }
            input id="codigo" name="codigo" type="text" autocomplete="off" autocapitalize="characters"
                spellcheck="false" maxlength="64" placeholder="VZIMB000417-7K3M-QX9P" required;
            p.hint { "Está al pie de cada página del acta, del cuadernillo o del índice del expediente." }
            button type="submit" { "Verificar" }
        }
    }
}

fn form_page(error: Option<&str>) -> Markup {
    page(
        "Verificar un documento",
        html! {
            h2 { "Verificar un documento" }
            p { "Compruebe que un acta, un cuadernillo o un expediente coincide con lo que el comité registró y sincronizó. No necesita cuenta." }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            (code_form())
            form method="post" action="/verificar/archivo" enctype="multipart/form-data" {
                label for="archivo" { "O envíe el archivo PDF" }
                input id="archivo" name="archivo" type="file" accept="application/pdf,.pdf" required;
                p.hint { "Dice además si el archivo es exactamente el que generó Cosabi o fue modificado." }
                button type="submit" { "Revisar el archivo" }
            }
        },
    )
}

fn result_page(v: &Verification, file_is_original: Option<bool>) -> Markup {
    let (class, heading, text) = match v.verdict {
        Verdict::Matches => (
            "ok",
            "✓ El documento coincide con los registros",
            match &v.as_of {
                Some(when) => format!(
                    "Nada de lo que contiene cambió desde que se generó. Registros sincronizados hasta el {when}."
                ),
                None => "Nada de lo que contiene cambió desde que se generó.".to_owned(),
            },
        ),
        Verdict::ChangedSince => (
            "warn",
            "⚠ Los registros cambiaron después de generar el documento",
            "El documento era fiel cuando se generó, pero después se cambiaron o se agregaron registros que contiene. Pida una versión nueva.".to_owned(),
        ),
        Verdict::DoesNotMatch => (
            "bad",
            "✗ El documento no coincide con los registros sincronizados",
            if v.devices_behind > 0 {
                format!(
                    "Faltan por sincronizar cambios de {} con que se hizo; o bien esos registros fueron reescritos. No lo dé por válido hasta que coincida.",
                    if v.devices_behind == 1 { "un equipo".to_owned() } else { format!("{} equipos", v.devices_behind) }
                )
            } else {
                "Los registros con que se hizo fueron reescritos después. No lo dé por válido.".to_owned()
            },
        ),
    };
    page(
        &v.document,
        html! {
            @if let Some(original) = file_is_original {
                @if original {
                    div.verdict.ok role="status" {
                        h2 { "✓ Es el archivo original" }
                        p { "Es exactamente el archivo que generó Cosabi con este código." }
                    }
                } @else {
                    div.verdict.bad role="status" {
                        h2 { "✗ Este archivo fue modificado" }
                        p { "Lleva el código de un documento auténtico, pero no es el archivo que generó Cosabi: alguien lo cambió después. Compare su contenido con los datos de abajo." }
                    }
                }
            }
            div class={ "verdict " (class) } role="status" {
                h2 { (heading) }
                p { (text) }
            }
            dl {
                dt { "Documento" } dd { (v.document) }
                dt { "Centro de salud" } dd { (v.clinic) }
                dt { "Generado el" } dd { (v.generated_at) }
                @if let Some(by) = &v.generated_by { dt { "Generado por" } dd { (by) } }
                dt { "Registros que contiene" } dd { (v.records) }
                dt { "Código" } dd { code { (v.code) } }
            }
            @if !v.changes.is_empty() {
                h2 { "Qué cambió después" }
                ul.changes {
                    @for c in &v.changes { li { (c) } }
                }
            }
            (code_form())
        },
    )
}
