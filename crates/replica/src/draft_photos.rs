//! A photo taken for a form not yet saved (the receipt's photo that starts a
//! purchase) survives the app being closed before the form is saved, as the form's
//! typed text does: its bytes go to the photo store (encrypted like every photo) and
//! its name to a device-local setting `draft_photo.<form>`. Never synced, and never
//! uploaded: only photo records' blobs are. Replacing or forgetting the draft's photo
//! removes its bytes unless a saved photo record uses the same ones.

use crate::error::{Error, Result};
use crate::Replica;
use cosabi_core::photo::PHOTO_BYTES_MAX;
use cosabi_core::settings::draft_key;
use cosabi_core::ValidationError;
use rusqlite::OptionalExtension;

/// The setting naming the photo of form `form`'s draft.
fn setting_key(form: &str) -> Result<String> {
    // The same rule for form names as the text drafts.
    draft_key(form)?;
    Ok(format!("draft_photo.{form}"))
}

impl Replica {
    /// Keeps `bytes` as the photo of form `form`'s draft, in place of any earlier one.
    pub fn set_draft_photo(&mut self, form: &str, bytes: &[u8]) -> Result<()> {
        let key = setting_key(form)?;
        if bytes.is_empty() || bytes.len() as i64 > PHOTO_BYTES_MAX {
            return Err(Error::from(
                ValidationError::new("photo", "size_invalid")
                    .with("max", PHOTO_BYTES_MAX.to_string()),
            ));
        }
        let before = self.setting(&key)?;
        let sha = self.store_blob(bytes)?;
        self.set_setting(&key, &sha)?;
        if let Some(old) = before.filter(|old| *old != sha) {
            self.remove_unused_blob(&old)?;
        }
        Ok(())
    }

    /// The photo of form `form`'s draft, if one is kept and its bytes are here.
    pub fn draft_photo(&self, form: &str) -> Result<Option<Vec<u8>>> {
        match self.setting(&setting_key(form)?)? {
            Some(sha) if !sha.is_empty() => self.blob(&sha),
            _ => Ok(None),
        }
    }

    /// Forgets the photo of form `form`'s draft (the form was saved or emptied).
    pub fn forget_draft_photo(&mut self, form: &str) -> Result<()> {
        let key = setting_key(form)?;
        if let Some(sha) = self.setting(&key)? {
            self.remove_setting(&key)?;
            if !sha.is_empty() {
                self.remove_unused_blob(&sha)?;
            }
        }
        Ok(())
    }

    /// Removes the blob `sha` unless a photo record or another draft names it.
    fn remove_unused_blob(&self, sha: &str) -> Result<()> {
        let used = self
            .conn
            .query_row(
                "SELECT 1 FROM photo WHERE sha256 = ?1
                 UNION ALL
                 SELECT 1 FROM meta WHERE key LIKE 'setting.draft\\_photo.%' ESCAPE '\\'
                   AND value = ?1
                 LIMIT 1",
                [sha],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !used {
            self.remove_blob(sha)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosabi_core::photo::NewPhoto;
    use cosabi_core::schema::PURCHASE;

    fn on_disk() -> (tempfile::TempDir, Replica) {
        let dir = tempfile::tempdir().unwrap();
        let r = Replica::open(&dir.path().join("r.sqlite3")).unwrap();
        (dir, r)
    }

    fn blobs(r: &Replica) -> usize {
        std::fs::read_dir(r.blob_dir().unwrap()).map_or(0, |d| d.count())
    }

    #[test]
    fn a_drafts_photo_survives_reopening_and_is_forgotten_with_its_bytes() {
        let (dir, mut r) = on_disk();
        let photo = vec![0xd8u8; 300_000];
        r.set_draft_photo("purchase", &photo).unwrap();
        drop(r);
        let mut r = Replica::open(&dir.path().join("r.sqlite3")).unwrap();
        assert_eq!(r.draft_photo("purchase").unwrap(), Some(photo));
        assert_eq!(r.draft_photo("deposit").unwrap(), None);
        // A second photo replaces the first, whose bytes go.
        r.set_draft_photo("purchase", &[1, 2, 3]).unwrap();
        assert_eq!(r.draft_photo("purchase").unwrap(), Some(vec![1, 2, 3]));
        assert_eq!(blobs(&r), 1);
        r.forget_draft_photo("purchase").unwrap();
        assert_eq!(r.draft_photo("purchase").unwrap(), None);
        assert_eq!(blobs(&r), 0);
        // Forgetting twice is nothing.
        r.forget_draft_photo("purchase").unwrap();
    }

    #[test]
    fn bytes_a_saved_photo_uses_stay_when_the_draft_forgets_them() {
        let (_dir, mut r) = on_disk();
        r.load_demo().unwrap();
        let purchase = r
            .record_purchase(&cosabi_core::ledger::NewPurchase {
                date: "10/03/2025".into(),
                concept: "Cemento gris 50 kg".into(),
                quantity: "4".into(),
                unit_cost: "245".into(),
                supplier: "Materiales El Puente".into(),
                category: "infraestructura".into(),
                paid_from: "efectivo".into(),
                ..Default::default()
            })
            .unwrap();
        let bytes = vec![7u8; 5_000];
        r.set_draft_photo("purchase", &bytes).unwrap();
        let sha = crate::blobs::blob_name(&bytes);
        r.add_photo(&NewPhoto {
            owner_table: PURCHASE.id,
            owner_id: purchase.id,
            kind: "receipt".into(),
            sha256: sha.clone(),
            size_bytes: 5_000,
            mime: "image/jpeg".into(),
            taken_at: String::new(),
        })
        .unwrap();
        r.forget_draft_photo("purchase").unwrap();
        assert!(r.has_blob(&sha));
    }

    #[test]
    fn bad_form_names_and_sizes_are_refused() {
        let (_dir, mut r) = on_disk();
        assert!(r.set_draft_photo("../x", &[1]).is_err());
        assert!(r.set_draft_photo("purchase", &[]).is_err());
        assert!(r.draft_photo("Purchase!").is_err());
    }
}
