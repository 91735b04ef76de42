//! Sync: the engine lives in cosabi-replica; the host keeps the server address and
//! the device token in the replica's local settings and never shows the token.
//! While a sync runs, its progress is kept in the [`Host`] and the UI polls it: the
//! engine takes the replica's mutex itself, between its network waits, so
//! `sync_progress` and every other command answer meanwhile.

use crate::{data_url, ApiError, ApiResult, Host, Out, RawOut};
use cosabi_api::{self as api, FileKey, Handle, HandleRaw, ScannedCode};
use cosabi_core::access::Write;
use cosabi_core::protocol::EnrollmentPayload;
use cosabi_core::views::{LiveSync, SyncStatus};
use cosabi_replica::SETTING_SYNC_TOKEN as SETTING_TOKEN;

/// The sync server's address, in the replica's local settings.
pub(crate) const SETTING_SERVER: &str = "sync.server";

impl Host {
    /// The server address and this device's token, or `not_enrolled`.
    pub(crate) fn server_and_token(&self) -> ApiResult<(String, String)> {
        let (server, token) =
            self.with_replica(|r| Ok((r.setting(SETTING_SERVER)?, r.setting(SETTING_TOKEN)?)))?;
        match (server, token) {
            (Some(s), Some(t)) => Ok((s, t)),
            _ => Err(ApiError::code("not_enrolled")),
        }
    }

    fn sync_status(&self) -> ApiResult<SyncStatus> {
        self.with_replica(|r| {
            Ok(SyncStatus {
                server: r.setting(SETTING_SERVER)?,
                enrolled: r.setting(SETTING_TOKEN)?.is_some(),
                summary: r.sync_summary()?,
                device_name: r.device_name()?,
            })
        })
    }

    /// Changes the live progress; a poisoned lock only loses a figure.
    fn update_progress(&self, f: impl FnOnce(&mut LiveSync)) {
        if let Ok(mut p) = self.sync.lock() {
            f(&mut p);
        }
    }

    fn progress(&self) -> LiveSync {
        self.sync.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Metadata, then the photos this device holds, with the progress kept as it goes.
    async fn run_sync(&self, server: &str, token: &str) -> ApiResult<()> {
        cosabi_replica::client::SyncClient::new(server, token)
            .sync(&self.replica, |p| {
                self.update_progress(|l| {
                    l.changes_up = p.changes_up;
                    l.changes_down = p.changes_down;
                    l.bytes_up = p.bytes_up;
                    l.bytes_down = p.bytes_down;
                })
            })
            .await
            .map_err(|e| ApiError::code(&e.code()))?;
        let pending = self.with_replica(|r| r.blobs_to_upload())?;
        self.update_progress(|l| {
            l.phase = "photos".into();
            l.photos_total = pending.len() as u64;
        });
        let mut current = String::new();
        cosabi_replica::blob_client::BlobClient::new(server, token)
            .upload_pending(&self.replica, |sha, sent, total| {
                if current != sha {
                    if !current.is_empty() {
                        self.update_progress(|l| l.photos_done += 1);
                    }
                    current = sha.to_owned();
                }
                self.update_progress(|l| {
                    l.photo_bytes = sent;
                    l.photo_bytes_total = total;
                })
            })
            .await
            .map_err(|e| ApiError::code(&e.code()))?;
        self.update_progress(|l| l.photos_done = l.photos_total);
        Ok(())
    }
}

impl Handle<api::GetSyncStatus> for Host {
    async fn handle(&self, _: api::GetSyncStatus) -> ApiResult<Out<api::GetSyncStatus>> {
        self.sync_status()
    }
}

/// Names this device ("Laptop de la clínica"): the other devices show the name on
/// its side of a conflict.
impl Handle<api::SetDeviceName> for Host {
    async fn handle(&self, c: api::SetDeviceName) -> ApiResult<Out<api::SetDeviceName>> {
        self.with_write(Write::Enroll, |r| r.set_device_name(&c.name).map(|_| ()))
    }
}

/// Changes the sync server's address (the municipal office moved it): someone who
/// may set up the committee, since the device's token goes to that address. An
/// `http(s)://` address of at most 200 characters, no control characters.
impl Handle<api::SetSyncServer> for Host {
    async fn handle(&self, c: api::SetSyncServer) -> ApiResult<Out<api::SetSyncServer>> {
        let address = c.address.trim().trim_end_matches('/').to_owned();
        let ok = (address.starts_with("http://") || address.starts_with("https://"))
            && address.len() <= cosabi_core::settings::SERVER_HINT_MAX
            && !address.chars().any(char::is_control);
        if !ok {
            return Err(ApiError::code("server_invalid"));
        }
        self.with_write(Write::Enroll, |r| r.set_setting(SETTING_SERVER, &address))
    }
}

/// Enrolls this device with the one-time code from the municipal office.
impl Handle<api::Enroll> for Host {
    async fn handle(&self, c: api::Enroll) -> ApiResult<Out<api::Enroll>> {
        self.refuse_in_demo()?;
        let server = c.server.trim().trim_end_matches('/').to_owned();
        if server.is_empty() {
            return Err(ApiError::code("server_required"));
        }
        let device_name = c.device_name.trim().to_owned();
        let local_clues = self.with_write(Write::Enroll, |r| Ok(r.clinic()?.map(|c| c.clues)))?;
        // Sends the device's key (so the server can check its changes relayed by
        // others) and, if this folder is a copy of an enrolled one, moves its writes
        // to a fresh site first.
        let resp =
            cosabi_replica::client::enroll_replica(&server, &c.code, &device_name, &self.replica)
                .await
                .map_err(|e| ApiError::code(&e.code()))?;
        if local_clues.is_some_and(|c| c != resp.clues) {
            return Err(ApiError::code("enroll_other_clinic"));
        }
        self.with_replica(|r| {
            r.set_setting(SETTING_SERVER, &server)?;
            r.set_setting(SETTING_TOKEN, &resp.token)?;
            // The name the office's list shows is the one the committee's devices show.
            if !device_name.is_empty() {
                r.set_device_name(&device_name)?;
            }
            Ok(())
        })?;
        self.sync_status()
    }
}

/// Reads the enrollment QR code from a photo or image file.
impl HandleRaw<api::ReadEnrollmentQr> for Host {
    async fn handle_raw(
        &self,
        _: api::ReadEnrollmentQr,
        body: Vec<u8>,
    ) -> ApiResult<RawOut<api::ReadEnrollmentQr>> {
        let text = cosabi_replica::imaging::decode_qr(&body)?
            .ok_or_else(|| ApiError::code("qr_not_found"))?;
        let p =
            EnrollmentPayload::parse(&text).ok_or_else(|| ApiError::code("qr_not_enrollment"))?;
        Ok(ScannedCode {
            code: p.code,
            server: p.server,
        })
    }
}

/// The running (or last) sync's progress; never fails, never waits for the replica.
impl Handle<api::SyncProgress> for Host {
    async fn handle(&self, _: api::SyncProgress) -> ApiResult<Out<api::SyncProgress>> {
        Ok(self.progress())
    }
}

/// Syncs now: metadata first, then the photos this device holds. One at a time.
impl Handle<api::SyncNow> for Host {
    async fn handle(&self, _: api::SyncNow) -> ApiResult<Out<api::SyncNow>> {
        self.with_write(Write::ReceiveChanges, |_| Ok(()))?;
        let (server, token) = self.server_and_token()?;
        {
            let mut p = self.sync.lock().map_err(|_| ApiError::code("storage"))?;
            if p.running {
                return Err(ApiError::code("sync_running"));
            }
            *p = LiveSync {
                running: true,
                phase: "metadata".into(),
                ..LiveSync::default()
            };
        }
        let result = self.run_sync(&server, &token).await;
        self.update_progress(|p| p.running = false);
        result?;
        Ok(self.progress())
    }
}

/// Writes everything this replica holds to a sync file (for a USB stick or a
/// messaging app when there is no server) in the export folder; returns its path.
impl Handle<api::ExportSyncFile> for Host {
    async fn handle(&self, _: api::ExportSyncFile) -> ApiResult<Out<api::ExportSyncFile>> {
        let (bytes, clues) = self.with_write(Write::ExportDocument, |r| {
            let clues = r.clinic()?.map(|c| c.clues).unwrap_or_default();
            Ok((r.export_sync_file(&Default::default())?, clues))
        })?;
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        self.write_export(&format!("cosabi-{clues}-{stamp}.cosabi"), &bytes)
    }
}

/// Imports a sync file chosen by the person.
impl HandleRaw<api::ImportSyncFile> for Host {
    async fn handle_raw(
        &self,
        _: api::ImportSyncFile,
        body: Vec<u8>,
    ) -> ApiResult<RawOut<api::ImportSyncFile>> {
        self.refuse_in_demo()?;
        self.with_write(Write::ReceiveChanges, |r| r.import_sync_file(&body))
    }
}

/// The clinic's sync-file key, to enter on another device (made now on a device that
/// holds a clinic created offline and has none). Whoever has it can seal files for
/// the clinic, so it is shown only to whoever may set it.
impl Handle<api::GetSyncFileKey> for Host {
    async fn handle(&self, _: api::GetSyncFileKey) -> ApiResult<Out<api::GetSyncFileKey>> {
        self.with_replica(|r| {
            r.gate(Write::SetSyncFileKey)?;
            r.sync_file_key()?
                .map(|k| {
                    Ok(FileKey {
                        qr: data_url(&k.qr_png()?, "image/png"),
                        text: k.text,
                    })
                })
                .transpose()
        })
    }
}

/// Takes the clinic's sync-file key, typed or read from another device's QR code.
impl Handle<api::SetSyncFileKey> for Host {
    async fn handle(&self, c: api::SetSyncFileKey) -> ApiResult<Out<api::SetSyncFileKey>> {
        self.with_write(Write::SetSyncFileKey, |r| r.set_sync_file_key(&c.key))
    }
}

/// Reads a sync-file key QR code from a photo or image file, for the person to check
/// and save.
impl HandleRaw<api::ReadSyncFileKeyQr> for Host {
    async fn handle_raw(
        &self,
        _: api::ReadSyncFileKeyQr,
        body: Vec<u8>,
    ) -> ApiResult<RawOut<api::ReadSyncFileKeyQr>> {
        let text = cosabi_replica::imaging::decode_qr(&body)?
            .ok_or_else(|| ApiError::code("qr_not_found"))?;
        let key = cosabi_replica::SyncFileKey::parse(&text)
            .ok_or_else(|| ApiError::code("qr_not_file_key"))?;
        Ok(key.text)
    }
}
