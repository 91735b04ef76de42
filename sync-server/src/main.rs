//! The `cosabi-sync-server` binary: `serve`, the admin commands a municipal IT
//! person runs on the server machine (clinics, devices, programme accounts), and
//! `demo`, which fills a running server with synced demo clinics.

use anyhow::Context;
use clap::{Parser, Subcommand};
use cosabi_core::clinic::{state_by_code, validate_clues, CONSULTORIOS_MAX};
use cosabi_core::ids::clinic_id_for_clues;
use cosabi_sync_server::accounts::{
    hash_password, validate_user, Scope, PASSWORD_BYTES_MAX, PASSWORD_CHARS_MIN,
};
use cosabi_sync_server::blob_store::BlobStore;
use cosabi_sync_server::config::{self, FileConfig};
use cosabi_sync_server::demo::{DemoOptions, DEMO_PARALLEL_DEFAULT};
use cosabi_sync_server::programme::expediente;
use cosabi_sync_server::store::{AccountRecord, ClinicRecord, Store};
use cosabi_sync_server::text::for_terminal;
use cosabi_sync_server::{auth, now_ms, AppState};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "cosabi-sync-server",
    version,
    about = "Cosabi sync server and its admin commands"
)]
struct Cli {
    /// A configuration file (TOML: db, blobs, listen, public_url,
    /// shutdown_grace_seconds, log, web_app, [transparency] states). Flags and environment
    /// variables win over it.
    #[arg(long, global = true, env = "COSABI_CONFIG")]
    config: Option<PathBuf>,
    /// The server's database: a SQLite file (created if missing; the default
    /// `cosabi-server.sqlite3`), or a PostgreSQL URL
    /// `postgres://user:password@host:5432/database` for several instances.
    #[arg(long, global = true, env = "COSABI_DB")]
    db: Option<String>,
    /// PostgreSQL connections this instance keeps at most (default 16). Keep
    /// instances × pool size under the database's max_connections.
    #[arg(long, global = true, env = "COSABI_DB_POOL_SIZE")]
    db_pool_size: Option<usize>,
    /// Where receipt photos are kept (content-addressed): a directory (created if
    /// missing; the default `cosabi-blobs`), or an S3 bucket `s3://bucket[/prefix]`
    /// for several instances, with settings in the query
    /// (`?endpoint=…&region=…&allow_http=true`) or the `AWS_*` environment variables,
    /// credentials in `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`. `serve` keeps
    /// them there and `expediente` reads them.
    #[arg(long, global = true, env = "COSABI_BLOBS")]
    blobs: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        /// Address to listen on (default 127.0.0.1:8787); port 0 picks a free one
        /// (printed at start).
        #[arg(long, env = "COSABI_LISTEN")]
        listen: Option<SocketAddr>,
        /// The address people and devices reach the server at, e.g.
        /// https://cosabi.example.gob.mx (https makes the session cookie Secure).
        #[arg(long, env = "COSABI_PUBLIC_URL")]
        public_url: Option<String>,
        /// Seconds a shutdown (SIGTERM, Ctrl-C) waits for requests in flight
        /// (default 30).
        #[arg(long, env = "COSABI_SHUTDOWN_GRACE_SECONDS")]
        shutdown_grace_seconds: Option<u64>,
        /// Sign-in password checks run at once (default: the number of cores);
        /// sign-ins beyond them are answered 503 with Retry-After.
        #[arg(long, env = "COSABI_SIGN_IN_PARALLEL", value_parser = clap::value_parser!(u16).range(1..=256))]
        sign_in_parallel: Option<u16>,
        /// The folder of the built web app, served at /app for phones to install
        /// (not served when unset).
        #[arg(long, env = "COSABI_WEB_APP")]
        web_app: Option<PathBuf>,
    },
    /// Clinics: register one (prints its first enrollment code), list them, or issue
    /// another code (one per device).
    #[command(subcommand)]
    Clinic(ClinicCommand),
    /// Devices: list them, or revoke a lost one.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Accounts of the programme view (/programa), each scoped to the whole
    /// programme, a state or a municipality.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Write a clinic's expediente of a fiscal year (actas, cuadernillo, receipt and
    /// action photos, index, completeness report) as a ZIP, from what its devices
    /// synced and the photos in --blobs: the same file as the programme view's
    /// "Descargar expediente (ZIP)".
    Expediente {
        /// The clinic's CLUES.
        #[arg(long)]
        clues: String,
        /// The fiscal year, e.g. 2025.
        #[arg(long)]
        year: i32,
        /// The ZIP to write (replaced if it exists).
        #[arg(long)]
        out: PathBuf,
    },
    /// Receipt photos in --blobs: `prune` deletes uploads abandoned half-way.
    #[command(subcommand)]
    Blobs(BlobsCommand),
    /// Write the server's store (clinics, devices, accounts, every synced change) to
    /// one portable file: restorable into SQLite or PostgreSQL. Photos are kept in
    /// --blobs and backed up with it (copy the directory, or the bucket's
    /// replication).
    Backup {
        /// The backup file to write (e.g. cosabi-2026-11-23.backup; replaced only
        /// once complete).
        #[arg(long)]
        out: PathBuf,
    },
    /// Load a backup into --db, which must be new (empty): every enrolled device
    /// keeps syncing, every account keeps its password.
    Restore {
        /// The backup file written by `backup`.
        #[arg(long)]
        from: PathBuf,
    },
    /// Fill a running server with demo clinics from a table of committees per state
    /// (estado,comites_instalados,centros_de_salud): each clinic is registered in
    /// --db, and a device builds its replica, enrolls and syncs over HTTP.
    Demo {
        /// The running server's address, e.g. http://127.0.0.1:8787.
        #[arg(long)]
        server: String,
        /// The table (CSV).
        #[arg(long)]
        table: PathBuf,
        /// Only these states (codes or names, comma-separated), e.g. BS,CC.
        #[arg(long, value_delimiter = ',')]
        states: Vec<String>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Clinics built and synced at once.
        #[arg(long, default_value_t = DEMO_PARALLEL_DEFAULT)]
        parallel: usize,
        /// Where the devices' replicas live while they sync (default: a new folder
        /// in the system's temporary directory).
        #[arg(long)]
        work_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum BlobsCommand {
    /// Delete the pieces of photo uploads nobody has added to for --days (devices
    /// that gave up or were revoked half-way); complete photos are never touched.
    Prune {
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account; the password is asked twice (or read from stdin).
    Add {
        #[arg(long)]
        user: String,
        /// programa, estado:XX or municipio:XX/Name (e.g. municipio:VZ/Tlaquilpa).
        #[arg(long)]
        scope: String,
        /// Read the password from the first line of stdin instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts and their scopes.
    List,
    /// Remove an account; its sessions end at once.
    Remove {
        #[arg(long)]
        user: String,
    },
}

#[derive(Subcommand)]
enum ClinicCommand {
    /// Register a clinic and print a one-time enrollment code.
    Add {
        #[arg(long)]
        clues: String,
        #[arg(long)]
        name: String,
        /// Two-letter state code (VZ, OC, CS, …).
        #[arg(long)]
        state: String,
        #[arg(long, default_value_t = 1)]
        consultorios: u32,
        /// The municipality, e.g. "San Andrés Tuxtla": accounts scoped to a
        /// municipality see the clinics registered in it, whatever the committee's
        /// synced record later says.
        #[arg(long)]
        municipality: String,
        #[command(flatten)]
        code: CodeArgs,
    },
    /// Issue a new one-time enrollment code for a registered clinic.
    Code {
        #[arg(long)]
        clues: String,
        #[command(flatten)]
        code: CodeArgs,
    },
    /// List registered clinics (those without a registered municipality are
    /// marked: no municipal account sees them).
    List,
    /// Set the registered municipality of a clinic: for clinics registered before
    /// `clinic add` required one, or to correct a typo.
    SetMunicipality {
        #[arg(long)]
        clues: String,
        #[arg(long)]
        municipality: String,
    },
}

/// A municipality as typed, with runs of spaces made one; an error when empty.
fn municipality_arg(municipality: &str) -> anyhow::Result<String> {
    let m = cosabi_sync_server::text::for_terminal(municipality)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    anyhow::ensure!(
        !m.is_empty(),
        "--municipality is required: the municipality the clinic is in, e.g. \"San Andrés Tuxtla\""
    );
    Ok(m)
}

#[derive(clap::Args)]
struct CodeArgs {
    /// Days the code stays valid.
    #[arg(long, default_value_t = 7)]
    days: u32,
    /// Write the code as a QR image (PNG) here too.
    #[arg(long)]
    qr: Option<PathBuf>,
    /// The address devices reach this server at, put in the QR code.
    #[arg(long, env = "COSABI_PUBLIC_URL")]
    server_url: Option<String>,
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// List enrolled devices (of one clinic with --clues).
    List {
        #[arg(long)]
        clues: Option<String>,
    },
    /// Revoke a device (its id or the first 8+ characters): it is refused at once.
    Revoke { id: String },
}

/// Letters and digits that cannot be mistaken for each other when read aloud or
/// copied from paper (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_CHARS: usize = 10;

fn new_code() -> String {
    let mut bytes = [0u8; CODE_CHARS];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect()
}

fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("-")
}

async fn issue_code(
    store: &dyn Store,
    clinic: &ClinicRecord,
    args: &CodeArgs,
    // The configuration file's public URL, when --server-url is not given.
    public_url: Option<&str>,
) -> anyhow::Result<()> {
    let code = new_code();
    let expires = now_ms() + u64::from(args.days) * 86_400_000;
    store
        .add_enrollment_code(clinic.id, &auth::sha256_hex(code.as_bytes()), expires)
        .await?;
    println!(
        "clinic:          {} ({})",
        for_terminal(&clinic.name),
        for_terminal(&clinic.clues)
    );
    println!("enrollment code: {}", grouped(&code));
    println!(
        "valid until:     {} (one device, one use)",
        chrono::DateTime::from_timestamp_millis(expires as i64)
            .map(|d| d.format("%d/%m/%Y %H:%M UTC").to_string())
            .unwrap_or_default()
    );
    if let Some(path) = &args.qr {
        let payload = cosabi_core::protocol::EnrollmentPayload {
            code: code.clone(),
            server: args
                .server_url
                .clone()
                .or_else(|| public_url.map(str::to_owned)),
        }
        .render();
        let qr = qrcode::QrCode::new(payload.as_bytes()).context("the code does not fit a QR")?;
        let img = qr
            .render::<image::Luma<u8>>()
            .min_dimensions(400, 400)
            .build();
        img.save(path)
            .with_context(|| format!("cannot write the QR image to {}", path.display()))?;
        println!("QR image:        {}", path.display());
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = match &cli.config {
        Some(path) => FileConfig::read(path)?,
        None => FileConfig::default(),
    };
    let log = std::env::var("RUST_LOG")
        .ok()
        .or_else(|| file.log.clone())
        .unwrap_or_else(|| config::DEFAULT_LOG.to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&log)
                .with_context(|| format!("log filter {log:?} is not valid"))?,
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log file or the journal gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let db = config::pick(cli.db.clone(), file.db.clone(), || {
        config::DEFAULT_DB.to_owned()
    });
    let blobs = config::pick(cli.blobs.clone(), file.blobs.clone(), || {
        config::DEFAULT_BLOBS.to_owned()
    });
    let store =
        cosabi_sync_server::backend::open_store_with(&db, cli.db_pool_size.or(file.db_pool_size))
            .await?;
    match cli.command {
        Command::Serve {
            listen,
            public_url,
            shutdown_grace_seconds,
            sign_in_parallel,
            web_app,
        } => {
            let listen = config::pick(listen, file.listen, || {
                config::DEFAULT_LISTEN
                    .parse()
                    .expect("the default address parses")
            });
            let public_url = public_url.or_else(|| file.public_url.clone());
            if let Some(url) = &public_url {
                config::check_public_url(url)?;
            }
            let grace = config::pick(shutdown_grace_seconds, file.shutdown_grace_seconds, || {
                config::DEFAULT_SHUTDOWN_GRACE_SECONDS
            });
            let blobs = BlobStore::from_url(&blobs)?;
            let web_app = match web_app.or_else(|| file.web_app.clone()) {
                Some(dir) => {
                    let app = cosabi_sync_server::web_app::WebApp::load(&dir)?;
                    let (files, bytes) = app.size();
                    tracing::info!(dir = %dir.display(), files, bytes, "web app served at /app");
                    Some(app)
                }
                None => None,
            };
            let unplaced = store
                .clinics()
                .await?
                .iter()
                .filter(|c| c.municipality.is_empty())
                .count();
            if unplaced > 0 {
                tracing::warn!(
                    clinics = unplaced,
                    "clinics without a registered municipality are in no municipal account's view: \
                     see `clinic list`, then `clinic set-municipality`"
                );
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}: is the port in use?"))?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, db = %cosabi_sync_server::backend::redacted(&db), blobs = %blobs.location(), "cosabi sync server listening");
            println!("listening on http://{addr}");
            let state = AppState::new(store, blobs)
                .with_public_url(public_url.as_deref())
                .with_sign_in_parallel(config::pick(
                    sign_in_parallel.map(usize::from),
                    file.sign_in_parallel,
                    config::default_sign_in_parallel,
                ))
                .with_transparency(file.transparency_states())
                .with_web_app(web_app);
            cosabi_sync_server::serve::serve(state, listener, Duration::from_secs(grace)).await?;
        }
        Command::Clinic(ClinicCommand::Add {
            clues,
            name,
            state,
            consultorios,
            municipality,
            code,
        }) => {
            let clues = validate_clues(&clues).map_err(|_| {
                anyhow::anyhow!("{clues:?} is not a CLUES: 11 characters like VZIMB001234")
            })?;
            let st = state_by_code(&state).ok_or_else(|| {
                anyhow::anyhow!("{state:?} is not a state code: use two letters like VZ, OC, CS")
            })?;
            if consultorios == 0 || consultorios > CONSULTORIOS_MAX {
                anyhow::bail!("--consultorios must be between 1 and {CONSULTORIOS_MAX}");
            }
            let clinic = ClinicRecord {
                id: clinic_id_for_clues(&clues),
                clues,
                name: name.trim().to_owned(),
                state: st.code.to_owned(),
                consultorios,
                municipality: municipality_arg(&municipality)?,
                created_at_ms: now_ms(),
            };
            store.add_clinic(clinic.clone()).await?;
            issue_code(store.as_ref(), &clinic, &code, file.public_url.as_deref()).await?;
        }
        Command::Clinic(ClinicCommand::Code { clues, code }) => {
            let clues = cosabi_core::clinic::normalise_clues(&clues);
            let clinic = store.clinic_by_clues(&clues).await?.ok_or_else(|| {
                anyhow::anyhow!(
                    "no clinic {}: register it with `clinic add`",
                    for_terminal(&clues)
                )
            })?;
            issue_code(store.as_ref(), &clinic, &code, file.public_url.as_deref()).await?;
        }
        Command::Clinic(ClinicCommand::List) => {
            let mut unplaced = 0;
            for c in store.clinics().await? {
                let devices = store.devices(Some(c.id)).await?;
                if c.municipality.is_empty() {
                    unplaced += 1;
                }
                println!(
                    "{}\t{}\t{}\t{}\t{} consultorio(s)\t{} device(s)",
                    for_terminal(&c.clues),
                    for_terminal(&c.state),
                    if c.municipality.is_empty() {
                        "NO MUNICIPALITY".to_owned()
                    } else {
                        for_terminal(&c.municipality)
                    },
                    for_terminal(&c.name),
                    c.consultorios,
                    devices.iter().filter(|d| !d.revoked).count()
                );
            }
            if unplaced > 0 {
                eprintln!(
                    "{unplaced} clinic(s) have no registered municipality: no municipal account sees them. \
                     Set it with `clinic set-municipality --clues <CLUES> --municipality <name>`."
                );
            }
        }
        Command::Clinic(ClinicCommand::SetMunicipality {
            clues,
            municipality,
        }) => {
            let clues = cosabi_core::clinic::normalise_clues(&clues);
            let municipality = municipality_arg(&municipality)?;
            store.set_clinic_municipality(&clues, &municipality).await?;
            println!(
                "{}: municipality {}",
                for_terminal(&clues),
                for_terminal(&municipality)
            );
        }
        Command::Device(DeviceCommand::List { clues }) => {
            let clinic = match clues {
                Some(c) => Some(
                    store
                        .clinic_by_clues(&cosabi_core::clinic::normalise_clues(&c))
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no clinic {}", for_terminal(&c)))?
                        .id,
                ),
                None => None,
            };
            let clinics: std::collections::HashMap<_, _> = store
                .clinics()
                .await?
                .into_iter()
                .map(|c| (c.id, c.clues))
                .collect();
            for d in store.devices(clinic).await? {
                println!(
                    "{}\t{}\t{}\t{}\tlast sync {}",
                    for_terminal(&d.id),
                    for_terminal(clinics.get(&d.clinic_id).map(String::as_str).unwrap_or("?")),
                    for_terminal(&d.name),
                    if d.revoked { "REVOKED" } else { "active" },
                    d.last_sync_ms
                        .and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64))
                        .map(|t| t.format("%d/%m/%Y %H:%M UTC").to_string())
                        .unwrap_or_else(|| "never".into())
                );
            }
        }
        Command::Device(DeviceCommand::Revoke { id }) => {
            if store.revoke_device(&id).await? {
                println!("revoked {}: its next request is refused", for_terminal(&id));
            } else {
                anyhow::bail!("no device {}: see `device list`", for_terminal(&id));
            }
        }
        Command::Account(AccountCommand::Add {
            user,
            scope,
            password_stdin,
        }) => {
            let user = validate_user(&user).map_err(anyhow::Error::msg)?;
            let scope: Scope = scope.parse()?;
            let password = read_password(password_stdin)?;
            let password_hash = hash_password(&password).map_err(anyhow::Error::msg)?;
            store
                .add_account(AccountRecord {
                    user: user.clone(),
                    password_hash,
                    scope: scope.clone(),
                    created_at_ms: now_ms(),
                })
                .await?;
            println!(
                "account {} created, scope {}",
                for_terminal(&user),
                for_terminal(&scope.to_string())
            );
        }
        Command::Account(AccountCommand::List) => {
            for a in store.accounts().await? {
                println!(
                    "{}\t{}",
                    for_terminal(&a.user),
                    for_terminal(&a.scope.to_string())
                );
            }
        }
        Command::Account(AccountCommand::Remove { user }) => {
            let user = validate_user(&user).map_err(anyhow::Error::msg)?;
            if store.remove_account(&user).await? {
                println!("removed {user}: their sessions ended");
            } else {
                anyhow::bail!("no account {user}: see `account list`");
            }
        }
        Command::Expediente { clues, year, out } => {
            anyhow::ensure!(
                (2000..=2100).contains(&year),
                "--year is a fiscal year such as 2025"
            );
            let clues = cosabi_core::clinic::normalise_clues(&clues);
            let clinic = store
                .clinic_by_clues(&clues)
                .await?
                .with_context(|| format!("no clinic {clues}: see `clinic list`"))?;
            let state = AppState::new(store, BlobStore::from_url(&blobs)?);
            let started = std::time::Instant::now();
            let report = expediente::expediente_file(&state, clinic.id, year, &out)
                .await
                .with_context(|| format!("cannot write the expediente of {clues} {year}"))?;
            let missing = report.completeness.gaps.len();
            println!(
                "{}: {} files, {} gap(s) in the completeness report, {:.1} s",
                out.display(),
                report.files.len(),
                missing,
                started.elapsed().as_secs_f64()
            );
        }
        Command::Blobs(BlobsCommand::Prune { days }) => {
            anyhow::ensure!(
                days >= 1,
                "--days must be at least 1: a device may be mid-upload"
            );
            let blobs = BlobStore::from_url(&blobs)?;
            let before = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
            let pruned = blobs.prune_abandoned(before).await?;
            println!(
                "pruned {} abandoned uploads in {} ({} objects, {} bytes) untouched for {days} days",
                pruned.uploads,
                blobs.location(),
                pruned.objects,
                pruned.bytes
            );
        }
        Command::Backup { out } => {
            let started = std::time::Instant::now();
            let counts = cosabi_sync_server::backup::backup(store.as_ref(), &out, now_ms()).await?;
            println!(
                "backup written to {}: {counts}, {:.1} s",
                out.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Restore { from } => {
            let started = std::time::Instant::now();
            let counts = cosabi_sync_server::backup::restore(store.as_ref(), &from).await?;
            println!(
                "restored {} into {}: {counts}, {:.1} s",
                from.display(),
                cosabi_sync_server::backend::redacted(&db),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Demo {
            server,
            table,
            states,
            seed,
            parallel,
            work_dir,
        } => {
            let work_dir = work_dir.unwrap_or_else(|| {
                std::env::temp_dir().join(format!("cosabi-demo-{}", std::process::id()))
            });
            // The admin's part writes to the database the server has open: WAL and a
            // busy timeout let both work at once.
            drop(store);
            let report = cosabi_sync_server::demo::run(DemoOptions {
                server,
                db: db.clone(),
                table,
                states,
                seed,
                parallel,
                work_dir,
            })
            .await?;
            println!(
                "demo: {} clinics registered, enrolled and synced ({} with an installed committee), {} field changes, {:.1} s",
                report.clinics, report.installed, report.field_changes, report.seconds
            );
        }
    }
    Ok(())
}

/// A new account's password: asked twice on the terminal, or the first line of stdin.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("Password: ")
            .context("cannot read the password: use --password-stdin without a terminal")?;
        let again = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == again, "the passwords differ: try again");
        first
    };
    anyhow::ensure!(
        password.chars().count() >= PASSWORD_CHARS_MIN,
        "the password needs at least {PASSWORD_CHARS_MIN} characters"
    );
    anyhow::ensure!(
        password.len() <= PASSWORD_BYTES_MAX,
        "the password is longer than {PASSWORD_BYTES_MAX} bytes"
    );
    Ok(password)
}
