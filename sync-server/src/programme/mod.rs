//! The programme view: how the committees are doing, per state and per clinic, for
//! the people who follow the programme — server-rendered pages (es-MX) and CSV
//! downloads behind accounts scoped to the programme, a state or a municipality.
//!
//! Everything is computed from what the devices synced: each clinic's changes are
//! folded into an in-memory replica with the replica's own merge code
//! ([`fold`]), cached by the clinic's version vector, and added up ([`report`]).
//!
//! Routes (all need a session from the login form, else they redirect to it):
//! - `GET /programa[.csv]` — the states within the account's scope.
//! - `GET /programa/estado/{code}[.csv]` — the clinics of a state.
//! - `GET /programa/clinica/{clues}[.csv]` — one clinic.
//! - `GET /programa/clinica/{clues}/expediente.zip` — the clinic's expediente of the
//!   fiscal year (actas, cuadernillo, photos, index, completeness), made from what
//!   its devices synced and uploaded ([`expediente`]).
//! - `GET|POST /programa/entrar`, `POST /programa/salir` — sign in and out.
//!
//! Each takes `?ejercicio=AAAA` (the fiscal year; this year by default). A state or
//! clinic outside the account's scope is 403.

pub mod expediente;
pub mod fold;
pub mod html;
pub mod report;

pub use fold::FoldCache;

use crate::accounts::{
    cleared_cookie, decoy_hash, session_cookie, session_token, start_session, validate_user,
    verify_password, Scope, Viewer, PASSWORD_BYTES_MAX, USER_CHARS_MAX,
};
use crate::auth::sha256_hex;
use crate::error::AppError;
use crate::store::{AccountRecord, ClinicRecord};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::handler::Handler;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Datelike;
use cosabi_core::clinic::{normalise_clues, state_by_code, STATES};
use cosabi_core::glossary;
use cosabi_core::ids::ClinicId;
use cosabi_reports::spreadsheet::neutralise_cell;
use report::{clinic_row, percent, pesos_plain, ClinicRow, Figures, CATEGORIES, STATUSES};
use serde::Deserialize;
use std::collections::HashMap;
use tower_http::limit::RequestBodyLimitLayer;

/// First fiscal year the year chooser offers (the programme started in 2023).
pub(crate) const FIRST_FISCAL_YEAR: i32 = 2023;

/// The programme's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/programa", get(national))
        .route("/programa.csv", get(national_csv))
        .route("/programa/estado/{code}", get(state_page))
        .route("/programa/clinica/{clues}", get(clinic_page))
        .route(
            "/programa/clinica/{clues}/expediente.zip",
            get(clinic_expediente),
        )
        .route(
            "/programa/entrar",
            // 413 on an announced length over the limit before reading a byte of
            // the body, and on a chunked body once it passes the limit.
            get(login_form).post(login.layer(RequestBodyLimitLayer::new(SIGN_IN_BODY_BYTES_MAX))),
        )
        .route("/programa/salir", post(logout))
}

/// One state's line.
#[derive(Debug, Clone)]
pub struct StateRow {
    pub code: &'static str,
    pub name: &'static str,
    pub figures: Figures,
}

/// What a page shows.
#[derive(Debug, Clone)]
pub struct View {
    pub fiscal_year: i32,
    pub current_year: i32,
    pub states: Vec<StateRow>,
    pub clinics: Vec<ClinicRow>,
    pub total: Figures,
}

impl View {
    /// The fiscal years the chooser offers.
    pub fn years(&self) -> Vec<i32> {
        let last = self.current_year.max(self.fiscal_year);
        let first = FIRST_FISCAL_YEAR.min(self.fiscal_year);
        (first..=last).rev().collect()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    pub(crate) ejercicio: Option<i32>,
}

/// Which clinics a page is about, before the scope is applied.
pub(crate) enum Narrow<'a> {
    All,
    /// The clinics of these states (codes).
    States(&'a [&'a str]),
    State(&'a str),
    Clinic(&'a str),
}

pub(crate) fn this_year() -> i32 {
    chrono::Local::now().year()
}

/// The clinics `narrow` names within `scope`, with their figures for the fiscal
/// year `query` asks for, added up per state.
pub(crate) async fn load(
    state: &AppState,
    scope: &Scope,
    narrow: Narrow<'_>,
    query: &YearQuery,
) -> Result<View, AppError> {
    let current_year = this_year();
    let fiscal_year = query
        .ejercicio
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(current_year);
    let clinics: Vec<ClinicRecord> = state
        .store
        .clinics()
        .await?
        .into_iter()
        // The scope is applied to what the server registered, never to what the
        // clinic synced: a committee editing its municipality stays where it is.
        .filter(|c| scope.contains(&c.state, &c.municipality))
        .filter(|c| match narrow {
            Narrow::All => true,
            Narrow::States(codes) => codes.contains(&c.state.as_str()),
            Narrow::State(code) => c.state.eq_ignore_ascii_case(code),
            Narrow::Clinic(clues) => c.clues == clues,
        })
        .collect();
    let ids: Vec<ClinicId> = clinics.iter().map(|c| c.id).collect();
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
    let folds = fold::folds_of(state, &ids, parallel).await?;
    let mut last_sync: HashMap<ClinicId, u64> = HashMap::new();
    for d in state.store.devices(None).await? {
        if let Some(ms) = d.last_sync_ms {
            let e = last_sync.entry(d.clinic_id).or_insert(ms);
            *e = (*e).max(ms);
        }
    }
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let empty = std::sync::Arc::new(fold::ClinicFold::default());
    let rows: Vec<ClinicRow> = clinics
        .iter()
        .map(|c| {
            let f = folds.get(&c.id).unwrap_or(&empty);
            clinic_row(c, f, fiscal_year, &today, last_sync.get(&c.id).copied())
        })
        .collect();
    let mut states = Vec::new();
    let mut total = Figures::default();
    for s in STATES.iter() {
        let mut figures = Figures::default();
        let mut any = false;
        for r in rows.iter().filter(|r| r.record.state == s.code) {
            figures.add(&r.figures);
            any = true;
        }
        if any {
            total.add(&figures);
            states.push(StateRow {
                code: s.code,
                name: s.name,
                figures,
            });
        }
    }
    Ok(View {
        fiscal_year,
        current_year,
        states,
        clinics: rows,
        total,
    })
}

/// Pages hold what committees did with public money, per account: no caches.
/// A file to save (`Content-Disposition: attachment`), kept out of shared caches.
fn download(
    content_type: &'static str,
    file_name: &str,
    body: impl IntoResponse,
) -> Result<Response, AppError> {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .map_err(|e| AppError::internal(e.to_string()))?;
    Ok(private(
        (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response(),
    ))
}

fn private(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    resp
}

fn refused(status: StatusCode, viewer: &AccountRecord, title: &str, text: &str) -> Response {
    private(
        (
            status,
            Html(html::message(Some(viewer), title, text).into_string()),
        )
            .into_response(),
    )
}

fn out_of_scope(viewer: &AccountRecord) -> Response {
    refused(
        StatusCode::FORBIDDEN,
        viewer,
        "Sin acceso",
        "Esta información está fuera del alcance de su cuenta. Pida acceso a quien administra el servidor.",
    )
}

fn page(markup: maud::Markup) -> Response {
    private(Html(markup.into_string()).into_response())
}

/// `name.csv` → (`name`, true).
pub(crate) fn split_csv(param: &str) -> (&str, bool) {
    match param.strip_suffix(".csv") {
        Some(p) => (p, true),
        None => (param, false),
    }
}

async fn national(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let view = load(&state, &viewer.scope, Narrow::All, &q).await?;
    Ok(page(html::national(&view, &viewer)))
}

async fn national_csv(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let view = load(&state, &viewer.scope, Narrow::All, &q).await?;
    let mut rows: Vec<Vec<String>> = view
        .states
        .iter()
        .map(|s| state_csv_row(s.name, s.code, &s.figures))
        .collect();
    rows.push(state_csv_row("Total", "", &view.total));
    csv_response(
        &format!("programa-{}.csv", view.fiscal_year),
        national_headers(),
        rows,
    )
}

async fn state_page(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(param): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let (code, csv) = split_csv(&param);
    let Some(st) = state_by_code(code) else {
        return Ok(refused(
            StatusCode::NOT_FOUND,
            &viewer,
            "Estado desconocido",
            "No hay un estado con esa clave.",
        ));
    };
    if !viewer.scope.reaches_state(st.code) {
        return Ok(out_of_scope(&viewer));
    }
    let view = load(&state, &viewer.scope, Narrow::State(st.code), &q).await?;
    if csv {
        let rows = view.clinics.iter().map(clinic_csv_row).collect();
        return csv_response(
            &format!("programa-{}-{}.csv", st.code, view.fiscal_year),
            clinic_headers(),
            rows,
        );
    }
    Ok(page(html::state(&view, &viewer, st.code, st.name)))
}

/// The clinic a page asks for, with the view narrowed to it, or the page that
/// refuses it. Only a programme-wide account is told that a CLUES is unknown; any
/// other gets the same refusal for an unknown clinic as for one outside its scope,
/// so CLUES cannot be probed. A municipal account's clinics are those registered
/// in its municipality (`clinic add --municipality`), whatever they synced.
async fn scoped_clinic(
    state: &AppState,
    viewer: &AccountRecord,
    clues: &str,
    q: &YearQuery,
) -> Result<Result<(ClinicRecord, View), Response>, AppError> {
    let clues = normalise_clues(clues);
    let record = state.store.clinic_by_clues(&clues).await?;
    let Some(record) = record.filter(|r| viewer.scope.reaches_state(&r.state)) else {
        return Ok(Err(if matches!(viewer.scope, Scope::Programme) {
            refused(
                StatusCode::NOT_FOUND,
                viewer,
                "Centro de salud desconocido",
                "No hay un centro de salud registrado con esa CLUES.",
            )
        } else {
            out_of_scope(viewer)
        }));
    };
    let view = load(state, &viewer.scope, Narrow::Clinic(&clues), q).await?;
    if view.clinics.is_empty() {
        return Ok(Err(out_of_scope(viewer)));
    }
    Ok(Ok((record, view)))
}

async fn clinic_page(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(param): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let (clues, csv) = split_csv(&param);
    let (_, view) = match scoped_clinic(&state, &viewer, clues, &q).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal),
    };
    let row = &view.clinics[0];
    if csv {
        return csv_response(
            &format!("programa-{}-{}.csv", row.record.clues, view.fiscal_year),
            clinic_headers(),
            vec![clinic_csv_row(row)],
        );
    }
    let state_name = state_by_code(&row.record.state).map_or("", |s| s.name);
    Ok(page(html::clinic(&view, &viewer, row, state_name)))
}

async fn clinic_expediente(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(clues): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let (record, view) = match scoped_clinic(&state, &viewer, &clues, &q).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(refusal),
    };
    let fiscal_year = view.fiscal_year;
    let Ok(permit) = state.expedientes.clone().try_acquire_owned() else {
        tracing::info!(user = %viewer.user, clues = %record.clues, "expediente refused: builds at their limit");
        return Ok(builds_busy(&viewer));
    };
    let started = std::time::Instant::now();
    let (user, clues) = (viewer.user.clone(), record.clues.clone());
    let done = move |made: &expediente::Made| {
        tracing::info!(
            %user,
            %clues,
            fiscal_year,
            files = made.report.files.len(),
            bytes = made.bytes,
            ms = started.elapsed().as_millis() as u64,
            "expediente downloaded"
        );
    };
    let body =
        match expediente::expediente_stream(&state, record.id, fiscal_year, permit, done).await {
            Ok(body) => body,
            Err(expediente::ExpedienteError::NothingSynced) => {
                return Ok(refused(
                    StatusCode::NOT_FOUND,
                    &viewer,
                    "Sin expediente",
                    "Este centro de salud aún no ha sincronizado los datos de su comité.",
                ))
            }
            Err(e) => return Err(AppError::internal(e.to_string())),
        };
    download(
        "application/zip",
        &expediente::file_name(&record.clues, fiscal_year),
        body,
    )
}

/// As many expedientes as the server builds at once are being built: 503, try again
/// in a minute.
fn builds_busy(viewer: &AccountRecord) -> Response {
    let mut resp = refused(
        StatusCode::SERVICE_UNAVAILABLE,
        viewer,
        "Intente en un momento",
        "Se están generando otros expedientes. Vuelva a intentarlo en un minuto.",
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    resp
}

async fn login_form() -> Response {
    page(html::login(None))
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    usuario: String,
    contrasena: String,
}

/// Whether this request reached the server over TLS: the server's public URL is
/// `https`, or the TLS proxy in front says so.
fn over_tls(state: &AppState, headers: &HeaderMap) -> bool {
    state.sign_in.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The login page again, refused with `status` and a message.
fn login_refused(status: StatusCode, message: &str) -> Response {
    private((status, Html(html::login(Some(message)).into_string())).into_response())
}

/// Whole minutes, rounded up, for people.
fn minutes_text(wait: std::time::Duration) -> String {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    if minutes == 1 {
        "1 minuto".to_owned()
    } else {
        format!("{minutes} minutos")
    }
}

fn too_many_attempts(wait: std::time::Duration) -> Response {
    let mut resp = login_refused(
        StatusCode::TOO_MANY_REQUESTS,
        &format!(
            "Demasiados intentos fallidos con este usuario. Espere {} e intente de nuevo.",
            minutes_text(wait)
        ),
    );
    resp.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(wait.as_secs().max(1)),
    );
    resp
}

/// Longest sign-in form body: a user name of [`USER_CHARS_MAX`] characters and a
/// password of [`PASSWORD_BYTES_MAX`] bytes, URL-encoded, fit many times over.
pub const SIGN_IN_BODY_BYTES_MAX: usize = 8 * 1024;

/// The answer when every password check is busy: try again in a moment.
fn sign_in_busy() -> Response {
    let mut resp = login_refused(
        StatusCode::SERVICE_UNAVAILABLE,
        "El servidor está ocupado. Intente de nuevo en unos segundos.",
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    resp
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    // A name no account can have (over USER_CHARS_MAX characters, or characters
    // user names never hold) and a password longer than any accepted are refused
    // here, before any lookup, lockout entry, hashing or log line: the request's
    // text goes nowhere.
    let user = if form.usuario.len() > 4 * USER_CHARS_MAX {
        Err(())
    } else {
        validate_user(&form.usuario).map_err(|_| ())
    };
    let Ok(user) = user.and_then(|u| {
        (form.contrasena.len() <= PASSWORD_BYTES_MAX)
            .then_some(u)
            .ok_or(())
    }) else {
        crate::metrics::METRICS.error("sign_in_malformed");
        return Ok(login_refused(
            StatusCode::BAD_REQUEST,
            "Usuario o contraseña incorrectos.",
        ));
    };
    // From here the name is at most USER_CHARS_MAX letters, digits, '.', '_' or
    // '-': the lockout key and what the log says.
    let limiter = &state.sign_in.limiter;
    if let Err(wait) = limiter.check(&user, std::time::Instant::now()) {
        tracing::warn!(user = %user, "programme sign-in refused: locked out after failed attempts");
        return Ok(too_many_attempts(wait));
    }
    // A bounded number of password checks at once; none free is 503, not a queue.
    let Ok(permit) = state.sign_in.password_checks.clone().try_acquire_owned() else {
        crate::metrics::METRICS.error("sign_in_busy");
        return Ok(sign_in_busy());
    };
    let account = state.store.account(&user).await?;
    // Unknown users are checked against a decoy so a failure takes as long either way.
    let phc = account
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |a| a.password_hash.clone());
    let password = form.contrasena;
    crate::metrics::METRICS.sign_in_password_checks.inc();
    let matches = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        verify_password(&password, &phc)
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))?;
    let Some(account) = account.filter(|_| matches) else {
        tracing::info!(user = %user, "programme sign-in refused");
        if let Some(wait) = limiter.failed(&user, std::time::Instant::now()) {
            tracing::warn!(user = %user, seconds = wait.as_secs(), "programme sign-in locked out");
            return Ok(too_many_attempts(wait));
        }
        return Ok(login_refused(
            StatusCode::UNAUTHORIZED,
            "Usuario o contraseña incorrectos.",
        ));
    };
    limiter.succeeded(&user);
    let token = start_session(&state, &account.user).await?;
    tracing::info!(user = %account.user, scope = %account.scope, "programme sign-in");
    let mut resp = Redirect::to("/programa").into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&session_cookie(&token, over_tls(&state, &headers)))
            .map_err(|e| AppError::internal(e.to_string()))?,
    );
    Ok(private(resp))
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    let secure = over_tls(&state, &headers);
    let (mut parts, _) = axum::http::Request::new(()).into_parts();
    parts.headers = headers;
    if let Some(token) = session_token(&parts) {
        state
            .store
            .remove_session(&sha256_hex(token.as_bytes()))
            .await?;
    }
    let mut resp = Redirect::to(crate::accounts::LOGIN_PATH).into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cleared_cookie(secure))
            .map_err(|e| AppError::internal(e.to_string()))?,
    );
    Ok(private(resp))
}

/// The figure columns every CSV shares, after its own leading columns.
fn figure_headers() -> Vec<String> {
    let mut h: Vec<String> = [
        "comites_instalados",
        "centros_de_salud",
        "porcentaje_instalados",
        "asambleas_realizadas",
        "centros_con_asamblea",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Money columns named by the glossary, as the app and the documents name them.
    let spent = csv_name(glossary::term("spent"));
    h.extend([
        csv_name(glossary::term("assigned")),
        "depositado".to_owned(),
        spent.clone(),
    ]);
    for c in CATEGORIES {
        h.push(format!("{spent}_{}", c.code()));
    }
    h.push("acciones".into());
    for c in CATEGORIES {
        for s in STATUSES {
            h.push(format!("acciones_{}_{}", c.code(), s.code()));
        }
    }
    h.extend(
        [
            "compras_sin_comprobante",
            "actas_sin_cerrar",
            "acciones_sin_foto_despues",
            "centros_sincronizados",
            "ultima_sincronizacion",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    h
}

/// A glossary word as a CSV column's name: lowercase, words joined by `_`, no
/// accents ("Total gastado" → `total_gastado`), so scripts can name the column.
fn csv_name(word: &str) -> String {
    word.to_lowercase()
        .chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            'ñ' => 'n',
            c if c.is_ascii_alphanumeric() => c,
            _ => '_',
        })
        .collect()
}

fn figure_cells(f: &Figures) -> Vec<String> {
    let mut v = vec![
        f.installed.to_string(),
        f.clinics.to_string(),
        percent(f.installed, f.clinics),
        f.assemblies_held.to_string(),
        f.clinics_with_assembly.to_string(),
        pesos_plain(f.assigned),
        pesos_plain(f.deposits),
        pesos_plain(f.spent_total()),
    ];
    v.extend(f.spent.iter().map(|c| pesos_plain(*c)));
    v.push(f.actions_total().to_string());
    v.extend(f.actions.iter().flatten().map(u64::to_string));
    v.push(f.purchases_without_receipt.to_string());
    v.push(f.actas_open.to_string());
    v.push(f.actions_without_after_photo.to_string());
    v.push(f.clinics_synced.to_string());
    v.push(
        f.last_sync_ms
            .and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64))
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default(),
    );
    v
}

/// `estado,comites_instalados,centros_de_salud,…`: the seed table's first columns.
pub(crate) fn national_headers() -> Vec<String> {
    let mut h = vec!["estado".to_string()];
    h.extend(figure_headers());
    h.push("clave_estado".into());
    h
}

pub(crate) fn state_csv_row(name: &str, code: &str, f: &Figures) -> Vec<String> {
    let mut v = vec![name.to_owned()];
    v.extend(figure_cells(f));
    v.push(code.to_owned());
    v
}

pub(crate) fn clinic_headers() -> Vec<String> {
    let mut h: Vec<String> = [
        "clues",
        "centro_de_salud",
        "municipio",
        "clave_estado",
        "consultorios",
        "cargos_ocupados",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend(figure_headers());
    h
}

pub(crate) fn clinic_csv_row(c: &ClinicRow) -> Vec<String> {
    let mut v = vec![
        c.record.clues.clone(),
        c.name.clone(),
        c.municipality.clone(),
        c.record.state.clone(),
        c.record.consultorios.to_string(),
        c.seats_held.len().to_string(),
    ];
    v.extend(figure_cells(&c.figures));
    v
}

/// A CSV download, kept out of shared caches ([`csv_bytes`]).
fn csv_response(
    file_name: &str,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
) -> Result<Response, AppError> {
    download(
        "text/csv; charset=utf-8",
        file_name,
        csv_bytes(headers, rows)?,
    )
}

/// A CSV file: UTF-8 with a byte-order mark, so spreadsheet programs on the
/// municipal offices' PCs read the accents right, and every cell that a spreadsheet
/// would take for a formula neutralised ([`neutralise_cell`], the one rule of every
/// CSV Cosabi writes).
pub(crate) fn csv_bytes(headers: Vec<String>, rows: Vec<Vec<String>>) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let internal = |e: csv::Error| AppError::internal(e.to_string());
    w.write_record(&headers).map_err(internal)?;
    for r in rows {
        let cells: Vec<_> = r.iter().map(|c| neutralise_cell(c)).collect();
        w.write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(internal)?;
    }
    w.into_inner()
        .map_err(|e| AppError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::{csv_bytes, csv_name, figure_headers};

    /// One name per concept: the CSV's money columns are the glossary's words
    /// ("Asignado", "Gastado"), made machine-friendly, never "ejercido".
    #[test]
    fn csv_money_columns_are_named_by_the_glossary() {
        let h = figure_headers();
        for name in [
            "asignado",
            "gastado",
            "gastado_infraestructura",
            "gastado_mobiliario",
        ] {
            assert!(h.iter().any(|x| x == name), "no {name} in {h:?}");
        }
        assert!(!h.iter().any(|x| x.contains("ejercido")), "{h:?}");
        assert_eq!(csv_name("Total gastado"), "total_gastado");
        assert_eq!(csv_name("Depósito"), "deposito");
    }

    /// The programme's and the transparency pages' CSVs (both written here): a text
    /// cell a spreadsheet would run is written as text; numbers stay numbers.
    #[test]
    fn csv_cells_that_look_like_formulas_are_neutralised() {
        let bytes = csv_bytes(
            vec!["nombre".into(), "saldo".into()],
            vec![
                vec!["=HYPERLINK(\"http://x\")".into(), "-12.50".into()],
                vec!["@SUM(A1)".into(), "3".into()],
                vec!["+52 55".into(), "-cmd".into()],
            ],
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "\u{feff}nombre,saldo\n\"'=HYPERLINK(\"\"http://x\"\")\",-12.50\n'@SUM(A1),3\n'+52 55,'-cmd\n"
        );
    }
}
