//! Serving until told to stop: SIGTERM (systemd, `kill`) or SIGINT (Ctrl-C) begins a
//! graceful shutdown — no new connections are accepted, idle ones are closed, and the
//! requests in flight (a sync page half received on a 2G link) are finished and
//! answered. Only if they take longer than the grace period does the process give
//! up on them and exit; a device whose page was cut simply sends it again (every
//! sync round is idempotent).

use crate::AppState;
use std::time::Duration;
use tokio::net::TcpListener;

/// Waits for SIGTERM or SIGINT.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C still stops");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Serves the API on `listener` until a stop signal, then finishes the requests in
/// flight, waiting at most `grace` for them.
pub async fn serve(state: AppState, listener: TcpListener, grace: Duration) -> anyhow::Result<()> {
    let (stopping_tx, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        stop_signal().await;
        tracing::info!(
            in_flight = crate::metrics::METRICS.in_flight.get(),
            grace_seconds = grace.as_secs(),
            "stopping: finishing the requests in flight"
        );
        let _ = stopping_tx.send(true);
    });
    let mut graceful = stopping.clone();
    // Each request knows its TCP peer (`ConnectInfo`): enrollment failures are
    // limited per client address.
    let server = axum::serve(
        listener,
        crate::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = graceful.wait_for(|stop| *stop).await;
    });
    let mut deadline = stopping;
    tokio::select! {
        served = server => {
            served?;
            tracing::info!("stopped: every request was answered");
        }
        _ = async {
            let _ = deadline.wait_for(|stop| *stop).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(
                in_flight = crate::metrics::METRICS.in_flight.get(),
                "stopped after the grace period with requests still in flight"
            );
        }
    }
    Ok(())
}
