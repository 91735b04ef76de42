//! A real S3-compatible server on 127.0.0.1 for the blob tests: `s3s-fs` (installed by
//! `scripts/setup.sh`), which keeps each bucket as a directory under its root.

use cosabi_sync_server::blob_store::BlobStore;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The credentials the test server accepts (it checks signatures with them).
pub const ACCESS_KEY: &str = "cosabi-test-key";
pub const SECRET_KEY: &str = "cosabi-test-secret";
/// How long s3s-fs may take to say where it listens before the test gives up.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// The line s3s-fs logs once its socket is bound.
const LISTENING: &str = "server is running at ";

/// An `s3s-fs` process, killed when dropped.
pub struct S3Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    /// Where it keeps buckets (one directory each).
    pub root: PathBuf,
}

/// The s3s-fs binary: `$S3S_FS`, else on the PATH, else in `~/.cargo/bin`.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("S3S_FS") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("s3s-fs"))
        .find(|p| p.is_file());
    let in_cargo = std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cargo/bin/s3s-fs"))
        .filter(|p| p.is_file());
    on_path
        .or(in_cargo)
        .expect("s3s-fs is not installed: run scripts/setup.sh (or set S3S_FS)")
}

impl S3Server {
    /// Starts s3s-fs on a free port of 127.0.0.1 with its buckets in `root`, with
    /// `bucket` created, and waits for the line that says it listens.
    pub fn start(root: &Path, bucket: &str) -> S3Server {
        // s3s-fs maps a bucket to a directory of its root: creating the directory is
        // creating the bucket (object_store has no call for it).
        std::fs::create_dir_all(root.join(bucket)).unwrap();
        let mut child = Command::new(binary())
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root)
            .env("RUST_LOG", "s3s_fs=info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("s3s-fs starts");
        // Its log goes to stdout: one thread finds the address in it and then keeps
        // reading, so a full pipe never blocks the server.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find(LISTENING) {
                    let url = line[at + LISTENING.len()..]
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(url);
                    }
                }
            }
        });
        let endpoint = match rx.recv_timeout(START_TIMEOUT) {
            Ok(url) => url,
            Err(e) => {
                let _ = child.kill();
                panic!("s3s-fs did not say where it listens within {START_TIMEOUT:?}: {e}");
            }
        };
        assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint:?}");
        S3Server {
            child,
            endpoint,
            root: root.to_owned(),
        }
    }

    /// The `--blobs` URL of `bucket` under `prefix` (empty for none); credentials
    /// come from [`S3Server::env`].
    pub fn blobs_url(&self, bucket: &str, prefix: &str) -> String {
        let path = if prefix.is_empty() {
            bucket.to_owned()
        } else {
            format!("{bucket}/{prefix}")
        };
        format!("s3://{path}?endpoint={}&allow_http=true", self.endpoint)
    }

    /// The environment a server process needs to sign its requests.
    pub fn env(&self) -> [(&'static str, &'static str); 2] {
        [
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ]
    }

    /// The store a server given [`S3Server::blobs_url`] sees, for the test to look
    /// into (credentials in the URL: this process's environment is left alone).
    pub fn store(&self, bucket: &str, prefix: &str) -> BlobStore {
        let url = format!(
            "{}&access_key_id={ACCESS_KEY}&secret_access_key={SECRET_KEY}",
            self.blobs_url(bucket, prefix)
        );
        BlobStore::from_url(&url).unwrap()
    }

    /// Waits until the server answers S3 requests for `bucket`: it has bound its
    /// socket already, so the first listing normally succeeds; a few are allowed.
    pub async fn wait_ready(&self, bucket: &str) {
        use futures::TryStreamExt;
        const ATTEMPTS_MAX: usize = 50;
        let store = self.store(bucket, "");
        let mut last = None;
        for _ in 0..ATTEMPTS_MAX {
            match store
                .object_store()
                .list(None)
                .try_collect::<Vec<_>>()
                .await
            {
                Ok(_) => return,
                Err(e) => last = Some(e),
            }
        }
        panic!("s3s-fs at {} does not answer: {last:?}", self.endpoint);
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
