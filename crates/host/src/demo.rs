//! Demo mode: the demo clinic lives in its own replica under `<data>/demo/`, opened
//! in place of the device's own (also after a restart, while the folder exists), and
//! removed when the demo is left. Only that folder is ever removed, and only in demo
//! mode, so no real clinic's record can be lost.

use crate::{Host, DATABASE_FILE, DEMO_DIR};
use cosabi_core::clinic::Clinic;
use cosabi_core::settings::Preference;
use cosabi_replica::{DeviceOpen, Replica};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// The demo clinic's database in data folder `dir`.
pub(crate) fn database(dir: &Path) -> PathBuf {
    dir.join(DEMO_DIR).join(DATABASE_FILE)
}

/// Removes the demo's replica (its database, key ring and photos, and its folder once
/// empty), if any: nothing else. In the browser these are in OPFS, which
/// `cosabi_replica::remove_replica` reaches as well.
fn remove_folder(dir: &Path) -> cosabi_replica::Result<()> {
    cosabi_replica::remove_replica(&database(dir))
}

/// The preferences that stay chosen across the demo: the language and the privacy
/// notice, kept in the key ring.
fn carry_preferences(from: &Replica, to: &mut Replica) -> cosabi_replica::Result<()> {
    for p in [Preference::Language, Preference::PrivacyAccepted] {
        if let Some(v) = from.vault().pref(p.key()) {
            to.vault_mut().set_pref(p.key(), &v)?;
        }
    }
    Ok(())
}

impl Host {
    /// Enters demo mode: the demo clinic is created in its own folder and opened in
    /// place of the device's replica, which is left as it is (it holds no clinic:
    /// the demo is offered only on the first screen). The language and the privacy
    /// notice already chosen come along.
    pub(crate) fn enter_demo(&self, replica: &mut Replica) -> cosabi_replica::Result<Clinic> {
        if let Some(c) = replica.clinic()? {
            return Err(cosabi_replica::Error::ClinicExists(c.clues));
        }
        debug_assert!(!self.is_demo(), "a demo replica holds its clinic");
        let path = database(&self.dir);
        // A half-made demo folder (a power cut while it was made) is started over.
        remove_folder(&self.dir)?;
        // The browser's pool has no folders: a name with `/` in it is enough there.
        #[cfg(not(target_arch = "wasm32"))]
        std::fs::create_dir_all(path.parent().unwrap_or(&self.dir))?;
        let made = (|| {
            let DeviceOpen::Open(mut demo) = Replica::open_device(&path)? else {
                return Err(cosabi_replica::Error::Corrupt(
                    "a new demo folder opened locked".into(),
                ));
            };
            carry_preferences(replica, &mut demo)?;
            let clinic = demo.load_demo()?;
            Ok((demo, clinic))
        })();
        match made {
            Ok((demo, clinic)) => {
                // From here on a restart opens the demo (its folder exists).
                *replica = demo;
                self.demo.store(true, Ordering::SeqCst);
                Ok(clinic)
            }
            Err(e) => {
                let _ = remove_folder(&self.dir);
                Err(e)
            }
        }
    }

    /// Leaves demo mode: the demo's folder is removed and the device's own replica
    /// (untouched while the demo was shown) is opened again. The demo cannot be
    /// enrolled or receive a sync file, so it holds nothing from a real clinic.
    pub(crate) fn leave_demo(&self, replica: &mut Replica) -> cosabi_replica::Result<()> {
        debug_assert!(self.is_demo(), "the command checks demo mode first");
        let DeviceOpen::Open(mut own) = Replica::open_device(&self.dir.join(DATABASE_FILE))? else {
            // The device's own replica had no clinic, hence no PIN, when the demo
            // began: a locked one is someone else's folder. Leave it all alone.
            return Err(cosabi_replica::Error::Corrupt(
                "the device's own replica is locked: the demo stays".into(),
            ));
        };
        // The language chosen during the demo stays chosen.
        carry_preferences(replica, &mut own)?;
        // The demo's database closes here, before its files go.
        *replica = own;
        self.demo.store(false, Ordering::SeqCst);
        remove_folder(&self.dir)?;
        Ok(())
    }
}
