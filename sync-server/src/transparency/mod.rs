//! The public transparency pages: what each clinic of a state received, spent and
//! did with the programme's money, for anyone, without an account — for the states
//! the configuration lists (`[transparency] states`, none by default).
//!
//! The figures are the programme view's ([`crate::programme`]): the same folds of
//! what the devices synced (cached by version vector), the same sums. What a public
//! page adds is the detail of one clinic — deposits, spending by category, actions
//! with their before/after photos, assemblies held and their agreements — and what
//! it leaves out is everything about people: no member names (the person responsible
//! for an agreement appears as a role), no suppliers, RFCs, receipts, folios, places
//! or minutes, no device or sync details.
//!
//! Routes (es-MX, like the programme's):
//! - `GET /transparencia[.csv]` — the published states and their committee table
//!   (`estado,comites_instalados,centros_de_salud,…`, as the seed releases).
//! - `GET /transparencia/estado/{code}[.csv]` — a state's clinics.
//! - `GET /transparencia/clinica/{clues}[.csv]` — one clinic; its CSV lists every
//!   line the page shows (`seccion`: deposito, gasto, accion, asamblea, acuerdo).
//! - `GET /transparencia/clinica/{clues}/foto/{sha256}` — a before or after photo
//!   of one of the clinic's actions; never a receipt or any other photo.
//!
//! Each takes `?ejercicio=AAAA`. Anything unknown, unpublished or malformed — a
//! state not listed, a CLUES not registered, a photo that is not an action's — gets
//! one and the same 404 page, so nothing can be learnt by probing.

pub mod html;

use crate::accounts::Scope;
use crate::blob_store::READS_PARALLEL_MAX;
use crate::blobs::is_blob_name;
use crate::error::AppError;
use crate::programme::fold::{folds_of, ClinicFold};
use crate::programme::report::{pesos_plain, ClinicRow, Figures, CATEGORIES};
use crate::programme::{
    clinic_csv_row, clinic_headers, csv_bytes, load, national_headers, split_csv, state_csv_row,
    this_year, Narrow, View, YearQuery, FIRST_FISCAL_YEAR,
};
use crate::store::ClinicRecord;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use cosabi_core::clinic::{normalise_clues, state_by_code, validate_clues, State as StateDef};
use cosabi_core::photo::PhotoKind;
use futures::StreamExt;
use serde::Deserialize;
use sha2::Digest;
use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

/// Longest CLUES path parameter looked at (a CLUES is 11 characters; `.csv` adds 4).
const CLUES_PARAM_CHARS_MAX: usize = 16;
/// Photos of one clinic whose presence on the server a page checks at most; past
/// it, a page says the photo has not reached the server. A clinic-year has a few
/// dozen.
pub const PHOTOS_CHECKED_MAX: usize = 400;
/// How long browsers and proxies may keep a page, a CSV or a 404 (seconds): a sync
/// shows within five minutes.
const PAGE_MAX_AGE_SECONDS: u32 = 300;
/// How long a photo may be kept: its bytes never change (named by their SHA-256),
/// but a committee may delete the photo row.
const PHOTO_MAX_AGE_SECONDS: u32 = 3600;

/// Pages run no script, load nothing from elsewhere and may not be framed; their one
/// stylesheet is allowed by its hash (no inline `style` attributes).
static PAGE_CSP: LazyLock<String> = LazyLock::new(|| {
    let digest = sha2::Sha256::digest(crate::programme::html::STYLE.as_bytes());
    format!(
        "default-src 'none'; img-src 'self'; style-src 'sha256-{}'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});
/// Photos and CSV files are data: nothing in them may run.
const FILE_CSP: &str = "default-src 'none'; sandbox; frame-ancestors 'none'";

/// The transparency routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/transparencia", get(index))
        .route("/transparencia.csv", get(index_csv))
        .route("/transparencia/estado/{code}", get(state_page))
        .route("/transparencia/clinica/{clues}", get(clinic_page))
        .route("/transparencia/clinica/{clues}/foto/{sha256}", get(photo))
        .route("/transparencia/{*rest}", get(|| async { not_found() }))
}

#[derive(Debug, Default, Deserialize)]
pub struct PublicQuery {
    ejercicio: Option<String>,
}

/// The fiscal year asked for: this year by default, else one the programme had
/// (2023 up to next year). Anything else is not a page.
fn fiscal_year(query: &Result<Query<PublicQuery>, QueryRejection>) -> Option<YearQuery> {
    let Ok(Query(q)) = query else {
        return None;
    };
    let Some(text) = q.ejercicio.as_deref() else {
        return Some(YearQuery::default());
    };
    let year: i32 = text.trim().parse().ok()?;
    (FIRST_FISCAL_YEAR..=this_year() + 1)
        .contains(&year)
        .then_some(YearQuery {
            ejercicio: Some(year),
        })
}

/// The headers every public answer carries.
fn public(mut resp: Response, max_age_seconds: u32, csp: &str) -> Response {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age_seconds}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    if let Ok(v) = HeaderValue::from_str(csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

fn page(status: StatusCode, markup: maud::Markup) -> Response {
    public(
        (status, Html(markup.into_string())).into_response(),
        PAGE_MAX_AGE_SECONDS,
        &PAGE_CSP,
    )
}

/// The one answer for anything that is not a published page.
pub fn not_found() -> Response {
    page(StatusCode::NOT_FOUND, html::not_found())
}

fn csv_download(
    file_name: &str,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
) -> Result<Response, AppError> {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .map_err(|e| AppError::internal(e.to_string()))?;
    let resp = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv_bytes(headers, rows)?,
    )
        .into_response();
    Ok(public(resp, PAGE_MAX_AGE_SECONDS, FILE_CSP))
}

/// A published state by its code as a path gives it (two letters, nothing longer
/// is looked up), or None.
fn published_state(state: &AppState, code: &str) -> Option<&'static StateDef> {
    if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    state_by_code(code).filter(|s| state.transparency.contains(&s.code))
}

/// A registered clinic of a published state by its CLUES as a path gives it.
async fn published_clinic(state: &AppState, clues: &str) -> Result<Option<ClinicRecord>, AppError> {
    if clues.len() > CLUES_PARAM_CHARS_MAX || validate_clues(clues).is_err() {
        return Ok(None);
    }
    let record = state.store.clinic_by_clues(&normalise_clues(clues)).await?;
    Ok(record
        .filter(|r| state_by_code(&r.state).is_some_and(|s| state.transparency.contains(&s.code))))
}

/// One state's line of the committee table.
pub struct StateLine {
    pub state: &'static StateDef,
    pub figures: Figures,
}

/// Every published state, with zeros where no clinic is registered yet.
fn state_lines(state: &AppState, view: &View) -> Vec<StateLine> {
    state
        .transparency
        .iter()
        .filter_map(|code| state_by_code(code))
        .map(|s| StateLine {
            state: s,
            figures: view
                .states
                .iter()
                .find(|r| r.code == s.code)
                .map(|r| r.figures.clone())
                .unwrap_or_default(),
        })
        .collect()
}

/// The published states' view for the year asked for, or None (nothing published,
/// or a year that is not a page).
async fn published_view(
    state: &AppState,
    query: &Result<Query<PublicQuery>, QueryRejection>,
) -> Result<Option<View>, AppError> {
    let Some(year) = fiscal_year(query).filter(|_| !state.transparency.is_empty()) else {
        return Ok(None);
    };
    let states = Narrow::States(&state.transparency);
    Ok(Some(load(state, &Scope::Programme, states, &year).await?))
}

async fn index(
    State(state): State<AppState>,
    query: Result<Query<PublicQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Some(view) = published_view(&state, &query).await? else {
        return Ok(not_found());
    };
    let lines = state_lines(&state, &view);
    Ok(page(StatusCode::OK, html::index(&view, &lines)))
}

async fn index_csv(
    State(state): State<AppState>,
    query: Result<Query<PublicQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Some(view) = published_view(&state, &query).await? else {
        return Ok(not_found());
    };
    let mut rows: Vec<Vec<String>> = state_lines(&state, &view)
        .iter()
        .map(|l| state_csv_row(l.state.name, l.state.code, &l.figures))
        .collect();
    rows.push(state_csv_row("Total", "", &view.total));
    csv_download(
        &format!("transparencia-{}.csv", view.fiscal_year),
        national_headers(),
        rows,
    )
}

async fn state_page(
    State(state): State<AppState>,
    Path(param): Path<String>,
    query: Result<Query<PublicQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let (code, csv) = split_csv(&param);
    let (Some(year), Some(st)) = (fiscal_year(&query), published_state(&state, code)) else {
        return Ok(not_found());
    };
    let view = load(&state, &Scope::Programme, Narrow::State(st.code), &year).await?;
    if csv {
        let rows = view.clinics.iter().map(clinic_csv_row).collect();
        return csv_download(
            &format!("transparencia-{}-{}.csv", st.code, view.fiscal_year),
            clinic_headers(),
            rows,
        );
    }
    Ok(page(StatusCode::OK, html::state(&view, st)))
}

/// A published clinic's row for the year and its fold, or None.
async fn clinic_and_fold(
    state: &AppState,
    clues: &str,
    year: &YearQuery,
) -> Result<Option<(View, Arc<ClinicFold>)>, AppError> {
    let Some(record) = published_clinic(state, clues).await? else {
        return Ok(None);
    };
    let view = load(
        state,
        &Scope::Programme,
        Narrow::Clinic(&record.clues),
        year,
    )
    .await?;
    if view.clinics.is_empty() {
        return Ok(None);
    }
    // The load above folded it (or found it cached): this is a cache hit.
    let fold = folds_of(state, &[record.id], 1)
        .await?
        .remove(&record.id)
        .unwrap_or_default();
    Ok(Some((view, fold)))
}

async fn clinic_page(
    State(state): State<AppState>,
    Path(param): Path<String>,
    query: Result<Query<PublicQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let (clues, csv) = split_csv(&param);
    let Some(year) = fiscal_year(&query) else {
        return Ok(not_found());
    };
    let Some((view, fold)) = clinic_and_fold(&state, clues, &year).await? else {
        return Ok(not_found());
    };
    let row = &view.clinics[0];
    if csv {
        return csv_download(
            &format!(
                "transparencia-{}-{}.csv",
                row.record.clues, view.fiscal_year
            ),
            detail_headers(),
            detail_rows(row, &fold, view.fiscal_year),
        );
    }
    let held = photos_held(&state, row, &fold).await?;
    let state_name = state_by_code(&row.record.state).map_or("", |s| s.name);
    Ok(page(
        StatusCode::OK,
        html::clinic(&view, row, &fold, state_name, &held),
    ))
}

/// Which of the clinic's publishable photos the server holds (a photo syncs as a
/// row first; its bytes come when the device uploads them).
async fn photos_held(
    state: &AppState,
    row: &ClinicRow,
    fold: &ClinicFold,
) -> Result<HashSet<String>, AppError> {
    let names: Vec<String> = fold
        .actions
        .iter()
        .flat_map(|a| a.photos.iter().map(|p| p.sha256.clone()))
        .take(PHOTOS_CHECKED_MAX)
        .collect();
    let clinic = row.record.id;
    let checks = names.into_iter().map(|sha| async move {
        let size = state.blobs.blob_size(clinic, &sha).await;
        (sha, size)
    });
    let mut held = HashSet::new();
    let mut done = futures::stream::iter(checks).buffer_unordered(READS_PARALLEL_MAX);
    while let Some((sha, size)) = done.next().await {
        if size
            .map_err(|e| AppError::internal(e.to_string()))?
            .is_some()
        {
            held.insert(sha);
        }
    }
    Ok(held)
}

/// The image types a photo may be served as, by their first bytes: devices store
/// JPEG; anything that is not an image is not served.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

async fn photo(
    State(state): State<AppState>,
    Path((clues, sha)): Path<(String, String)>,
) -> Result<Response, AppError> {
    if !is_blob_name(&sha) {
        return Ok(not_found());
    }
    let Some(record) = published_clinic(&state, &clues).await? else {
        return Ok(not_found());
    };
    let fold = folds_of(&state, &[record.id], 1)
        .await?
        .remove(&record.id)
        .unwrap_or_default();
    // Only a before or after photo of one of the clinic's actions, and only if no
    // other row (a receipt, an acta) names the same bytes: the fold decided that.
    let public_photo = fold.actions.iter().any(|a| {
        a.photos
            .iter()
            .any(|p| p.sha256 == sha && matches!(p.kind, PhotoKind::Before | PhotoKind::After))
    });
    if !public_photo {
        return Ok(not_found());
    }
    let clinic = record.id;
    let Some(bytes) = state
        .blobs
        .read_blob(clinic, &sha)
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
    else {
        return Ok(not_found());
    };
    let Some(content_type) = image_type(&bytes) else {
        return Ok(not_found());
    };
    let resp = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            ),
        ],
        bytes,
    )
        .into_response();
    Ok(public(resp, PHOTO_MAX_AGE_SECONDS, FILE_CSP))
}

/// The clinic CSV's columns: one line per thing the page shows.
fn detail_headers() -> Vec<String> {
    [
        "clues",
        "seccion",
        "fecha",
        "rubro",
        "descripcion",
        "estado",
        "monto",
        "responsable",
        "fecha_compromiso",
        "fotos",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The clinic's lines for `fiscal_year`: deposits, spending per category, actions,
/// assemblies held and their agreements.
fn detail_rows(row: &ClinicRow, fold: &ClinicFold, fiscal_year: i32) -> Vec<Vec<String>> {
    let clues = row.record.clues.as_str();
    let line = |section: &str, cells: [String; 8]| -> Vec<String> {
        let mut v = vec![clues.to_owned(), section.to_owned()];
        v.extend(cells);
        v
    };
    let mut out = Vec::new();
    for d in fold
        .deposits
        .iter()
        .filter(|d| d.fiscal_year == fiscal_year)
    {
        out.push(line(
            "deposito",
            [
                d.date.clone(),
                String::new(),
                "Depósito del programa".into(),
                String::new(),
                pesos_plain(d.amount),
                String::new(),
                String::new(),
                String::new(),
            ],
        ));
    }
    let f = &row.figures;
    for (i, c) in CATEGORIES.iter().enumerate() {
        out.push(line(
            "gasto",
            [
                String::new(),
                c.code().to_owned(),
                String::new(),
                String::new(),
                pesos_plain(f.spent[i]),
                String::new(),
                String::new(),
                String::new(),
            ],
        ));
    }
    if f.spent_other.get() != 0 {
        out.push(line(
            "gasto",
            [
                String::new(),
                "otro".into(),
                String::new(),
                String::new(),
                pesos_plain(f.spent_other),
                String::new(),
                String::new(),
                String::new(),
            ],
        ));
    }
    for a in &fold.actions {
        let photos: Vec<String> = a
            .photos
            .iter()
            .map(|p| html::photo_path(clues, &p.sha256))
            .collect();
        out.push(line(
            "accion",
            [
                String::new(),
                a.category.map(|c| c.code().to_owned()).unwrap_or_default(),
                a.description.clone(),
                a.status.map(|s| s.code().to_owned()).unwrap_or_default(),
                pesos_plain(a.estimated_cost),
                String::new(),
                String::new(),
                photos.join(" "),
            ],
        ));
    }
    for a in html::assemblies_held(fold, fiscal_year) {
        out.push(line(
            "asamblea",
            [
                a.date.clone(),
                String::new(),
                cosabi_reports::texts::assembly_kind(&a.kind).into_owned(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
        ));
        for g in &a.agreements {
            out.push(line(
                "acuerdo",
                [
                    a.date.clone(),
                    String::new(),
                    g.text.clone(),
                    g.status.clone(),
                    String::new(),
                    g.responsible.map(html::responsible_es).unwrap_or_default(),
                    g.due_date.clone().unwrap_or_default(),
                    String::new(),
                ],
            ));
        }
    }
    out
}
