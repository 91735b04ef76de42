//! A link that can be cut: a TCP proxy on 127.0.0.1 in front of a sync server. The
//! web app is loaded through it, so the app's origin (its only allowed `connect-src`)
//! is the proxy's, and every sync request crosses it.
//!
//! Armed with [`CutProxy::cut_after_response_bytes`], it passes that many more bytes
//! from the server to the app, then drops the connection in the middle of that
//! answer and refuses every request after it (a connection is accepted and closed
//! before anything is forwarded), until [`CutProxy::restore`]. A request that was
//! being answered reached the server whole: the server did its work, the app never
//! heard back — the case a device must survive without duplicating anything.

use anyhow::Result;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Not armed: no budget runs out.
const UNARMED: i64 = i64::MAX;
/// Bytes read at a time in each direction.
const BUF_BYTES: usize = 16 * 1024;

#[derive(Default)]
struct Link {
    /// Server-to-app bytes still allowed ([`UNARMED`] when not armed).
    budget: AtomicI64,
    /// Cut: nothing passes until restored.
    down: AtomicBool,
    /// Answers cut so far.
    cuts: AtomicU32,
    /// Connections refused while down.
    refused: AtomicU32,
}

/// The proxy; it stops when dropped.
pub struct CutProxy {
    /// `http://127.0.0.1:<port>`: the address the app is opened at and syncs with.
    pub url: String,
    link: Arc<Link>,
    task: tokio::task::JoinHandle<()>,
}

impl CutProxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream`
    /// (`http://127.0.0.1:<port>`). Needs a running tokio runtime.
    pub async fn start(upstream: &str) -> Result<CutProxy> {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let link = Arc::new(Link {
            budget: AtomicI64::new(UNARMED),
            ..Link::default()
        });
        let task = tokio::spawn({
            let link = link.clone();
            async move {
                while let Ok((app, _)) = listener.accept().await {
                    if link.down.load(Ordering::SeqCst) {
                        link.refused.fetch_add(1, Ordering::SeqCst);
                        drop(app);
                        continue;
                    }
                    tokio::spawn(forward(app, upstream.clone(), link.clone()));
                }
            }
        });
        Ok(CutProxy { url, link, task })
    }

    /// Lets `bytes` more bytes reach the app, then cuts the link.
    pub fn cut_after_response_bytes(&self, bytes: i64) {
        self.link.budget.store(bytes, Ordering::SeqCst);
    }

    /// The link is back: everything passes again.
    pub fn restore(&self) {
        self.link.budget.store(UNARMED, Ordering::SeqCst);
        self.link.down.store(false, Ordering::SeqCst);
    }

    /// Answers cut in the middle so far.
    pub fn cuts(&self) -> u32 {
        self.link.cuts.load(Ordering::SeqCst)
    }

    /// Connections refused while the link was cut.
    pub fn refused(&self) -> u32 {
        self.link.refused.load(Ordering::SeqCst)
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One connection, both ways, until either side closes or the link is cut.
async fn forward(app: TcpStream, upstream: String, link: Arc<Link>) {
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let _ = app.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut app_rx, mut app_tx) = app.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let up = {
        let link = link.clone();
        async move {
            let mut buf = vec![0u8; BUF_BYTES];
            loop {
                let n = match app_rx.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                // A request on a connection kept open from before the cut.
                if link.down.load(Ordering::SeqCst) {
                    return;
                }
                if server_tx.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    };
    let down = async move {
        let mut buf = vec![0u8; BUF_BYTES];
        loop {
            let n = match server_rx.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if link.down.load(Ordering::SeqCst) {
                return;
            }
            if link.budget.load(Ordering::SeqCst) != UNARMED {
                let left = link
                    .budget
                    .fetch_sub(i64::try_from(n).unwrap_or(i64::MAX), Ordering::SeqCst);
                if left <= i64::try_from(n).unwrap_or(i64::MAX) {
                    // The budget ends inside this read: pass what it allows, then cut.
                    link.budget.store(UNARMED, Ordering::SeqCst);
                    link.down.store(true, Ordering::SeqCst);
                    link.cuts.fetch_add(1, Ordering::SeqCst);
                    let allowed = usize::try_from(left.max(0)).unwrap_or(0);
                    let _ = app_tx.write_all(&buf[..allowed]).await;
                    return;
                }
            }
            if app_tx.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    // Whichever way ends first ends the connection: both halves are dropped.
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}
