//! What a client is told when a request fails: a status and a stable code (JSON
//! `ErrorBody`). Internal details are logged, never sent.

use crate::store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use cosabi_core::ids::SiteId;
use cosabi_core::protocol::ErrorBody;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The change group a refusal is about (site and first seq), for the device.
    pub group: Option<(SiteId, u64)>,
    /// Seconds to wait before trying again (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl AppError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            group: None,
            retry_after: None,
        }
    }
    /// A pushed change differs from the one held at the same site and seq: a copied
    /// or restored device, or one writing under a site that is not its own.
    pub fn divergent(site: SiteId, seq: u64) -> Self {
        AppError {
            group: Some((site, seq)),
            ..Self::new(
                StatusCode::CONFLICT,
                "divergent",
                format!(
                    "change {seq} of site {site} differs from the one already held: \
                     the device must move its writes to a fresh site and sync again"
                ),
            )
        }
    }
    /// A pushed change group breaks the schema.
    pub fn invalid_change(
        site: SiteId,
        seq: u64,
        table: u16,
        detail: impl std::fmt::Display,
    ) -> Self {
        AppError {
            group: Some((site, seq)),
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_change",
                format!("change group {seq} of site {site} (table {table}) is invalid: {detail}"),
            )
        }
    }
    /// A site that belongs to another device.
    pub fn site_taken(site: SiteId) -> Self {
        AppError {
            group: Some((site, 0)),
            ..Self::new(
                StatusCode::CONFLICT,
                "site_taken",
                format!("site {site} belongs to another device: take a fresh site"),
            )
        }
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or unknown device token: enroll the device",
        )
    }
    pub fn revoked() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "revoked",
            "this device was revoked: ask the municipal office to enroll it again",
        )
    }
    /// Every refused enrollment code — wrong, used or expired — is this one answer
    /// (403: the code is a credential, and it is not accepted).
    pub fn code_invalid() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "code_invalid",
            "enrollment code is not valid, used or expired: check it, or ask the municipal office for a new one",
        )
    }
    /// Too many failed attempts from this client (or from everyone): try after `wait`.
    pub fn too_many_attempts(wait: std::time::Duration) -> Self {
        AppError {
            retry_after: Some(wait.as_secs().max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "too many failed attempts: wait and try again",
            )
        }
    }
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed", detail)
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", what)
    }
    pub fn protocol_too_new(v: u16) -> Self {
        Self::new(
            StatusCode::UPGRADE_REQUIRED,
            "protocol_too_new",
            format!("protocol {v} is newer than this server knows: update the server"),
        )
    }
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }
    pub fn with_status(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(status, code, message)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::CodeInvalid => AppError::code_invalid(),
            StoreError::CodeExpired => {
                AppError::new(StatusCode::GONE, "code_expired", e.to_string())
            }
            StoreError::ClinicExists(_) => {
                AppError::new(StatusCode::CONFLICT, "clinic_exists", e.to_string())
            }
            StoreError::AccountExists(_) => {
                AppError::new(StatusCode::CONFLICT, "account_exists", e.to_string())
            }
            StoreError::NoSuchClinic(_) => AppError::not_found(e.to_string()),
            StoreError::Divergent { site, seq } => AppError::divergent(site, seq),
            StoreError::SiteTaken(site) => AppError::site_taken(site),
            StoreError::Backend(_) => AppError::internal(e.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        crate::metrics::METRICS.error(self.code);
        let message = if self.status.is_server_error() {
            tracing::error!(code = self.code, detail = %self.message, "request failed");
            "the server could not complete the request; try again later".to_owned()
        } else {
            // A refusal's detail may quote the request: bounded and escaped.
            tracing::debug!(code = self.code, detail = %crate::text::for_log(&self.message), "request refused");
            self.message
        };
        let mut resp = (
            self.status,
            Json(ErrorBody {
                site: self.group.map(|g| g.0),
                seq: self.group.map(|g| g.1),
                ..ErrorBody::new(self.code, message)
            }),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        resp
    }
}
