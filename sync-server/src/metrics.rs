//! `/metrics` in the Prometheus text format, for the municipal or national IT team's
//! monitoring: requests, sync pages and field changes, bytes, errors and latency.
//!
//! One registry per process ([`METRICS`]): a server process is one instance, and each
//! instance is scraped on its own (several stateless instances are summed by
//! Prometheus). Every HTTP request goes through [`track`], which labels it by the
//! route it matched (`/v1/blobs/{sha256}`, never the concrete path, so the label
//! set stays small) — unknown paths are one label, `unmatched`.
//!
//! Metric names (all prefixed `cosabi_`):
//! - `http_requests_total{method,route,status}` and
//!   `http_request_duration_seconds{method,route}` (histogram, 1 ms … 33 s);
//! - `http_requests_in_flight`;
//! - `http_received_bytes_total{route}`, `http_sent_bytes_total{route}` (bodies, as
//!   declared by their lengths);
//! - `sync_pages_total{direction}`, `sync_field_changes_total{direction}` where
//!   direction is `push` (device → server) or `pull` (server → device);
//! - `errors_total{code}`: every refused or failed request by its stable error code
//!   (`code_invalid`, `offset_mismatch`, `internal`, …);
//! - `sign_in_password_checks_total`: Argon2id password checks the programme
//!   view's sign-ins ran (a flood of refused sign-ins should not move it).

use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::LazyLock;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct BytesLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DirectionLabels {
    pub direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    pub code: &'static str,
}

fn latency_histogram() -> Histogram {
    // 1 ms doubling to about 33 s: a sync page on a 2G link can take many seconds.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pub in_flight: Gauge,
    pub received_bytes: Family<BytesLabels, Counter>,
    pub sent_bytes: Family<BytesLabels, Counter>,
    pub sync_pages: Family<DirectionLabels, Counter>,
    pub sync_field_changes: Family<DirectionLabels, Counter>,
    pub errors: Family<ErrorLabels, Counter>,
    pub sign_in_password_checks: Counter,
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("cosabi");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let in_flight = Gauge::default();
        let received_bytes = Family::<BytesLabels, Counter>::default();
        let sent_bytes = Family::<BytesLabels, Counter>::default();
        let sync_pages = Family::<DirectionLabels, Counter>::default();
        let sync_field_changes = Family::<DirectionLabels, Counter>::default();
        let errors = Family::<ErrorLabels, Counter>::default();
        let sign_in_password_checks = Counter::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            latency.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being answered now",
            in_flight.clone(),
        );
        registry.register(
            "http_received_bytes",
            "Request body bytes received, by route",
            received_bytes.clone(),
        );
        registry.register(
            "http_sent_bytes",
            "Response body bytes sent, by route",
            sent_bytes.clone(),
        );
        registry.register(
            "sync_pages",
            "Sync pages of changes, pushed by devices or pulled by them",
            sync_pages.clone(),
        );
        registry.register(
            "sync_field_changes",
            "Field changes in sync pages: pushed (stored) or pulled",
            sync_field_changes.clone(),
        );
        registry.register(
            "errors",
            "Requests refused or failed, by error code",
            errors.clone(),
        );
        registry.register(
            "sign_in_password_checks",
            "Password checks (Argon2id) run for programme sign-ins",
            sign_in_password_checks.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            in_flight,
            received_bytes,
            sent_bytes,
            sync_pages,
            sync_field_changes,
            errors,
            sign_in_password_checks,
        }
    }

    /// Counts a sync page and its field changes in one direction.
    pub fn sync_page(&self, direction: &'static str, field_changes: u64) {
        let labels = DirectionLabels { direction };
        self.sync_pages.get_or_create(&labels).inc();
        self.sync_field_changes
            .get_or_create(&labels)
            .inc_by(field_changes);
    }

    /// Counts a refused or failed request by its error code.
    pub fn error(&self, code: &'static str) {
        self.errors.get_or_create(&ErrorLabels { code }).inc();
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// `GET /metrics`.
pub async fn metrics() -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        METRICS.render(),
    )
        .into_response()
}

fn content_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Decrements the in-flight gauge however the request ends (even if the client
/// goes away and the handler's future is dropped).
struct InFlight;

impl InFlight {
    fn start() -> InFlight {
        METRICS.in_flight.inc();
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        METRICS.in_flight.dec();
    }
}

/// Middleware: counts and times every request by the route it matched.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let method = req.method().as_str().to_owned();
    let received = content_length(req.headers());
    let _in_flight = InFlight::start();
    let started = Instant::now();
    let resp = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let bytes = BytesLabels {
        route: route.clone(),
    };
    if let Some(n) = received {
        METRICS.received_bytes.get_or_create(&bytes).inc_by(n);
    }
    if let Some(n) = axum::body::HttpBody::size_hint(resp.body()).exact() {
        METRICS.sent_bytes.get_or_create(&bytes).inc_by(n);
    }
    METRICS
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(seconds);
    METRICS
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: resp.status().as_u16(),
        })
        .inc();
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_metric() {
        METRICS.sync_page("push", 330);
        METRICS.error("code_invalid");
        let text = METRICS.render();
        for family in [
            "cosabi_http_requests",
            "cosabi_http_request_duration_seconds",
            "cosabi_http_requests_in_flight",
            "cosabi_http_received_bytes",
            "cosabi_http_sent_bytes",
            "cosabi_sync_pages",
            "cosabi_sync_field_changes",
            "cosabi_errors",
        ] {
            assert!(
                text.contains(&format!("# TYPE {family} ")),
                "{family} missing from:\n{text}"
            );
        }
        for sample in [
            "cosabi_sync_pages_total{direction=\"push\"} ",
            "cosabi_sync_field_changes_total{direction=\"push\"} ",
            "cosabi_errors_total{code=\"code_invalid\"} ",
        ] {
            assert!(text.contains(sample), "{sample} missing from:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
