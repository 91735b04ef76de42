//! `backup` and `restore`: the server's store as one portable file.
//!
//! The backup is logical, written and read through [`Store`], so it does not depend
//! on the backend: a SQLite server's backup restores into PostgreSQL (how a
//! municipality's server grows into a state's), and the other way round. It holds
//! what cannot be recreated:
//! - clinics;
//! - devices with their token hashes, so every enrolled device keeps syncing after
//!   a restore without being enrolled again (revoked ones stay revoked);
//! - programme accounts with their password hashes;
//! - every clinic's change groups in the server's arrival order (which is causal,
//!   so restoring them through [`Store::push`] admits every one).
//!
//! Left out on purpose: one-time enrollment codes (issue new ones) and browser
//! sessions (people sign in again). Receipt photos live in the blob store (a
//! directory or object storage) and are backed up with it: a copy of the directory
//! (`rsync`), or the bucket's versioning and replication.
//!
//! Format: zstd-compressed JSON lines, one [`Record`] per line, a header first and a
//! trailer with the counts last — a truncated or damaged file is refused on restore
//! rather than restored in part. Change groups are stored as base64 of their
//! postcard encoding, a page per line.

use crate::store::{AccountRecord, ClinicRecord, DeviceRecord, Store};
use anyhow::Context;
use base64::Engine;
use cosabi_core::change::ChangeGroup;
use cosabi_core::ids::{ClinicId, SiteId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

/// The file format's name, in the header.
pub const FORMAT: &str = "cosabi-server-backup";
/// The file format's version; restore refuses newer ones.
pub const VERSION: u32 = 1;
/// zstd level: backups are written rarely and kept long.
const ZSTD_LEVEL: i32 = 9;

/// One line of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    Header {
        format: String,
        version: u32,
        server_version: String,
        created_at_ms: u64,
    },
    Clinic {
        id: ClinicId,
        clues: String,
        name: String,
        state: String,
        consultorios: u32,
        municipality: String,
        created_at_ms: u64,
    },
    Device {
        id: String,
        clinic_id: ClinicId,
        name: String,
        site: SiteId,
        token_hash: String,
        enrolled_at_ms: u64,
        last_sync_ms: Option<u64>,
        revoked: bool,
    },
    Account {
        user: String,
        password_hash: String,
        scope: String,
        created_at_ms: u64,
    },
    /// A page of one clinic's change groups, in arrival order.
    Changes {
        clinic: ClinicId,
        groups: String,
    },
    Trailer {
        counts: Counts,
    },
}

/// What a backup holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub clinics: u64,
    pub devices: u64,
    pub accounts: u64,
    pub change_groups: u64,
    pub field_changes: u64,
}

impl Counts {
    /// Counts a page of change groups.
    fn add_groups(&mut self, groups: &[ChangeGroup]) {
        self.change_groups += groups.len() as u64;
        self.field_changes += groups.iter().map(|g| g.fields.len() as u64).sum::<u64>();
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} clinics, {} devices, {} accounts, {} change groups ({} field changes)",
            self.clinics, self.devices, self.accounts, self.change_groups, self.field_changes
        )
    }
}

fn encode_groups(groups: &[ChangeGroup]) -> anyhow::Result<String> {
    Ok(base64::engine::general_purpose::STANDARD.encode(postcard::to_allocvec(groups)?))
}

fn decode_groups(text: &str) -> anyhow::Result<Vec<ChangeGroup>> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text)?;
    Ok(postcard::from_bytes(&bytes)?)
}

fn write_record(out: &mut impl Write, record: &Record) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes the whole store to `path` (replaced only once complete).
pub async fn backup(store: &dyn Store, path: &Path, now_ms: u64) -> anyhow::Result<Counts> {
    let partial = path.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot write the backup {}", partial.display()))?;
    let mut out = zstd::Encoder::new(std::io::BufWriter::new(file), ZSTD_LEVEL)?;
    let mut counts = Counts::default();
    write_record(
        &mut out,
        &Record::Header {
            format: FORMAT.to_owned(),
            version: VERSION,
            server_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at_ms: now_ms,
        },
    )?;
    let clinics = store.clinics().await?;
    for c in &clinics {
        write_record(
            &mut out,
            &Record::Clinic {
                id: c.id,
                clues: c.clues.clone(),
                name: c.name.clone(),
                state: c.state.clone(),
                consultorios: c.consultorios,
                municipality: c.municipality.clone(),
                created_at_ms: c.created_at_ms,
            },
        )?;
        counts.clinics += 1;
    }
    for (d, token_hash) in store.devices_with_token_hashes().await? {
        write_record(
            &mut out,
            &Record::Device {
                id: d.id,
                clinic_id: d.clinic_id,
                name: d.name,
                site: d.site,
                token_hash,
                enrolled_at_ms: d.enrolled_at_ms,
                last_sync_ms: d.last_sync_ms,
                revoked: d.revoked,
            },
        )?;
        counts.devices += 1;
    }
    for a in store.accounts().await? {
        write_record(
            &mut out,
            &Record::Account {
                user: a.user,
                password_hash: a.password_hash,
                scope: a.scope.to_string(),
                created_at_ms: a.created_at_ms,
            },
        )?;
        counts.accounts += 1;
    }
    for c in &clinics {
        // Everything the server holds, in its arrival order, a page at a time.
        let mut cursor = 0;
        loop {
            let page = store.pull(c.id, HashMap::new(), cursor).await?;
            if !page.groups.is_empty() {
                counts.add_groups(&page.groups);
                write_record(
                    &mut out,
                    &Record::Changes {
                        clinic: c.id,
                        groups: encode_groups(&page.groups)?,
                    },
                )?;
            }
            if !page.more || page.cursor == cursor {
                break;
            }
            cursor = page.cursor;
        }
    }
    write_record(&mut out, &Record::Trailer { counts })?;
    let mut inner = out.finish()?;
    inner.flush()?;
    inner.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&partial, path)
        .with_context(|| format!("cannot move the backup into {}", path.display()))?;
    Ok(counts)
}

/// Reads a backup into `store`, which must be empty. The file is checked whole
/// (header, every line, trailer counts) before anything is written.
pub async fn restore(store: &dyn Store, path: &Path) -> anyhow::Result<Counts> {
    verify(path)?;
    anyhow::ensure!(
        store.clinics().await?.is_empty() && store.accounts().await?.is_empty(),
        "the target database is not empty: restore into a new database"
    );
    let mut counts = Counts::default();
    // Read a second time, a line at a time: a national backup does not fit in memory.
    for record in records(path)? {
        match record? {
            Record::Header { .. } | Record::Trailer { .. } => {}
            Record::Clinic {
                id,
                clues,
                name,
                state,
                consultorios,
                municipality,
                created_at_ms,
            } => {
                store
                    .add_clinic(ClinicRecord {
                        id,
                        clues,
                        name,
                        state,
                        consultorios,
                        municipality,
                        created_at_ms,
                    })
                    .await?;
                counts.clinics += 1;
            }
            Record::Device {
                id,
                clinic_id,
                name,
                site,
                token_hash,
                enrolled_at_ms,
                last_sync_ms,
                revoked,
            } => {
                store
                    .restore_device(
                        DeviceRecord {
                            id,
                            clinic_id,
                            name,
                            site,
                            enrolled_at_ms,
                            last_sync_ms,
                            revoked,
                        },
                        &token_hash,
                    )
                    .await?;
                counts.devices += 1;
            }
            Record::Account {
                user,
                password_hash,
                scope,
                created_at_ms,
            } => {
                let scope = scope
                    .parse()
                    .map_err(|e| anyhow::anyhow!("account {user}: scope {scope:?}: {e}"))?;
                store
                    .add_account(AccountRecord {
                        user,
                        password_hash,
                        scope,
                        created_at_ms,
                    })
                    .await?;
                counts.accounts += 1;
            }
            Record::Changes { clinic, groups } => {
                let groups = decode_groups(&groups)?;
                let before = counts;
                counts.add_groups(&groups);
                let fields = counts.field_changes - before.field_changes;
                let report = store.push(clinic, groups).await?;
                anyhow::ensure!(
                    report.applied == fields && report.deferred == 0,
                    "clinic {clinic}: {} of {fields} field changes restored ({} deferred): the backup is not in arrival order",
                    report.applied,
                    report.deferred
                );
            }
        }
    }
    Ok(counts)
}

/// The records of a backup file, read a line at a time.
fn records(path: &Path) -> anyhow::Result<impl Iterator<Item = anyhow::Result<Record>>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read the backup {}", path.display()))?;
    let input = std::io::BufReader::new(
        zstd::Decoder::new(file).context("not a Cosabi server backup (not zstd)")?,
    );
    Ok(input.lines().enumerate().map(|(i, line)| {
        let line = line
            .with_context(|| format!("the backup is damaged or cut short near line {}", i + 1))?;
        serde_json::from_str(&line)
            .with_context(|| format!("line {} of the backup is not valid", i + 1))
    }))
}

/// Checks a whole backup file (header, every line, the trailer's counts) without
/// keeping it in memory; returns what it holds.
pub fn verify(path: &Path) -> anyhow::Result<Counts> {
    let mut found = Counts::default();
    let mut trailer = None;
    for (i, record) in records(path)?.enumerate() {
        let record = record?;
        anyhow::ensure!(trailer.is_none(), "the backup goes on after its trailer");
        match record {
            Record::Header {
                format, version, ..
            } if i == 0 && format == FORMAT => anyhow::ensure!(
                version <= VERSION,
                "the backup was written by a newer server (format {version}): update the server"
            ),
            _ if i == 0 => anyhow::bail!("not a Cosabi server backup: no header"),
            Record::Header { .. } => {
                anyhow::bail!("line {} of the backup is a second header", i + 1)
            }
            Record::Clinic { .. } => found.clinics += 1,
            Record::Device { .. } => found.devices += 1,
            Record::Account { .. } => found.accounts += 1,
            Record::Changes { groups, .. } => {
                found.add_groups(&decode_groups(&groups).context("a page of changes is damaged")?)
            }
            Record::Trailer { counts } => trailer = Some(counts),
        }
    }
    let Some(counts) = trailer else {
        anyhow::bail!("the backup is incomplete: it has no trailer (was it cut short?)");
    };
    anyhow::ensure!(
        found == counts,
        "the backup's contents ({found:?}) differ from its trailer ({counts:?})"
    );
    Ok(counts)
}
