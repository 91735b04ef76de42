//! Device tokens: random, shown once, stored only as a SHA-256 hash.

use crate::error::AppError;
use crate::store::DeviceRecord;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Bytes of randomness in a device token.
const TOKEN_BYTES: usize = 32;

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new device token (base64url, 43 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    // The OS random source failing is not something a server can carry on from.
    getrandom::fill(&mut bytes).expect("the OS random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The authenticated device of a request: present, known and not revoked.
pub struct Device(pub DeviceRecord);

impl FromRequestParts<AppState> for Device {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(AppError::unauthorized)?;
        let device = state
            .store
            .device_by_token(&sha256_hex(token.as_bytes()))
            .await?
            .ok_or_else(AppError::unauthorized)?;
        if device.revoked {
            return Err(AppError::revoked());
        }
        Ok(Device(device))
    }
}
