//! Receipt photos: content-addressed blobs with resumable upload (to be filled in).

use crate::AppState;
use axum::Router;

/// The blob endpoints under `/v1/blobs`.
pub fn routes() -> Router<AppState> {
    Router::new()
}
