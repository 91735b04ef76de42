//! PostgreSQL over TLS when the URL asks for it: a scratch PostgreSQL cluster of its
//! own (initdb, `ssl = on`, a self-signed certificate made here) whose `pg_hba.conf`
//! accepts TCP connections over TLS only (`hostssl`), so a plain connection is
//! refused; the store and a real server process connect with `sslmode=require` and
//! `verify-full`, and `pg_stat_ssl` shows their connections encrypted.

mod support;

use cosabi_sync_server::pg_store::PgStore;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use support::*;

/// The newest PostgreSQL's binaries on this machine (Debian keeps them out of PATH).
fn pg_bin(name: &str) -> PathBuf {
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let from_config = out.map(|d| d.join(name)).filter(|p| p.exists());
    from_config.unwrap_or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL installed (bash scripts/setup.sh)")
            .map(|e| e.unwrap().path().join("bin").join(name))
            .filter(|p| p.exists())
            .collect();
        versions.sort();
        versions.pop().expect("PostgreSQL's binaries")
    })
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next().map(|u| u == "0"))
        .unwrap()
}

/// `program` as the user PostgreSQL runs as: itself, or `postgres` when the tests run
/// as root (PostgreSQL refuses to run as root); `setpriv` execs, so the child is the
/// program itself.
fn as_pg_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--init-groups"])
            .arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A PostgreSQL cluster in a temporary directory, TLS only over TCP; stopped and
/// removed when dropped.
struct Cluster {
    child: Child,
    data: PathBuf,
    port: u16,
    /// Where the cluster's Unix socket is: the test's own way in, without TLS.
    socket_dir: PathBuf,
    /// The server's certificate (PEM): the root to trust for verify-full.
    cert: PathBuf,
    dir: tempfile::TempDir,
}

impl Cluster {
    fn start() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        if is_root() {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let out = as_pg_user(&pg_bin("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "cosabi", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The server's certificate: self-signed, for the names the tests connect to.
        let made = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap();
        let cert = dir.path().join("server.crt");
        std::fs::write(&cert, made.cert.pem()).unwrap();
        std::fs::write(data.join("server.crt"), made.cert.pem()).unwrap();
        let key = data.join("server.key");
        std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let socket_dir = dir.path().to_owned();
        let mut conf = std::fs::read_to_string(data.join("postgresql.conf")).unwrap();
        conf.push_str(&format!(
            "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n\
             listen_addresses = '127.0.0.1'\nport = {port}\n\
             unix_socket_directories = '{}'\nfsync = off\n",
            socket_dir.display()
        ));
        std::fs::write(data.join("postgresql.conf"), conf).unwrap();
        // TCP over TLS only: a plain connection finds no line and is refused.
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
        )
        .unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&data)
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let mut child = as_pg_user(&pg_bin("postgres"))
            .arg("-D")
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Ready when it says so.
        let mut log = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            let n = log.read_line(&mut line).unwrap();
            assert!(n > 0, "PostgreSQL stopped: {seen}");
            seen.push_str(&line);
            if line.contains("ready to accept connections") {
                break;
            }
        }
        // Keep reading its log, so it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while log.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        Cluster {
            child,
            data,
            port,
            socket_dir,
            cert,
            dir,
        }
    }

    /// A URL of the cluster's `postgres` database on `host` with `params`.
    fn url(&self, host: &str, params: &str) -> String {
        format!("postgres://cosabi@{host}:{}/postgres?{params}", self.port)
    }

    /// The test's own plain connection, over the Unix socket.
    async fn admin(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::Config::new()
            .host_path(&self.socket_dir)
            .port(self.port)
            .user("cosabi")
            .dbname("postgres")
            .connect(tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client
    }

    /// Connections of `application` that are (`true`) and are not (`false`) over TLS.
    async fn connections(&self, application: &str) -> (i64, i64) {
        let row = self
            .admin()
            .await
            .query_one(
                "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl)
                 FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
                 WHERE a.application_name = $1",
                &[&application],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_pg_user(&pg_bin("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["stop", "-m", "immediate"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = &self.dir;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_and_the_server_reach_postgresql_over_tls_when_the_url_asks() {
    let pg = Cluster::start();

    // Plain is refused: the cluster takes TLS only.
    let plain = PgStore::connect(&pg.url("127.0.0.1", "sslmode=disable")).await;
    assert!(plain.is_err(), "a plain connection must be refused");
    let absent = PgStore::connect(&pg.url("127.0.0.1", "")).await;
    assert!(absent.is_err(), "no sslmode stays plain, as before");

    // sslmode=require: encrypted.
    let store =
        PgStore::connect(&pg.url("127.0.0.1", "sslmode=require&application_name=t-require"))
            .await
            .unwrap();
    let (tls, plain) = pg.connections("t-require").await;
    assert!(
        tls >= 1 && plain == 0,
        "require: {tls} over TLS, {plain} plain"
    );
    drop(store);

    // verify-full with the server's certificate as the root, by name and by address.
    for host in ["localhost", "127.0.0.1"] {
        let url = pg.url(
            host,
            &format!(
                "sslmode=verify-full&sslrootcert={}&application_name=t-full",
                pg.cert.display()
            ),
        );
        let store = PgStore::connect(&url).await.unwrap();
        let (tls, plain) = pg.connections("t-full").await;
        assert!(
            tls >= 1 && plain == 0,
            "verify-full: {tls} TLS, {plain} plain"
        );
        drop(store);
    }

    // verify-full and verify-ca refuse a certificate that does not chain to the root.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let other_root = pg.dir.path().join("other.crt");
    std::fs::write(&other_root, other.cert.pem()).unwrap();
    for mode in ["verify-full", "verify-ca", "require"] {
        let url = pg.url(
            "localhost",
            &format!("sslmode={mode}&sslrootcert={}", other_root.display()),
        );
        let refused = PgStore::connect(&url).await;
        assert!(refused.is_err(), "{mode} with another root must be refused");
    }

    // The real server process and the admin command, over TLS.
    let url = pg.url(
        "localhost",
        &format!(
            "sslmode=verify-full&sslrootcert={}&application_name=t-server",
            pg.cert.display()
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let db = PathBuf::from(&url);
    let server = Server::start_with(
        &db,
        dir.path().join("blobs").to_str().unwrap(),
        "127.0.0.1:0",
        &[],
    );
    let code = add_clinic(&db, "VZIMB000417");
    let device = Device::enroll(dir.path(), "phone", &server.url, &code).await;
    device.with(|r| r.load_demo().unwrap());
    let progress = device.sync(&server.url).await;
    assert!(progress.changes_up > 0, "{progress:?}");
    let (tls, plain) = pg.connections("t-server").await;
    assert!(tls >= 1 && plain == 0, "server: {tls} TLS, {plain} plain");
}
