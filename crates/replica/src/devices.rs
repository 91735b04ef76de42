//! Devices by name: each device names itself (`schema::DEVICE`, synced) when it joins
//! the clinic or in Ajustes, so people see "Laptop de la clínica" on each side of a
//! conflict instead of a site id.

use crate::error::{Error, Result};
use crate::rows::text;
use crate::Replica;
use cosabi_core::change::Value;
use cosabi_core::ids::{device_row_id, SiteId};
use cosabi_core::schema::DEVICE;
use cosabi_core::{ValidationError, ValidationErrors};
use std::collections::HashMap;
use uuid::Uuid;

/// A device's name, in characters: as the server's enrollment takes it.
pub const DEVICE_NAME_CHARS_MAX: usize = 80;

impl Replica {
    /// Names this device (trimmed, 1 to [`DEVICE_NAME_CHARS_MAX`] characters);
    /// returns how many fields changed (0 when the name is the same).
    pub fn set_device_name(&mut self, name: &str) -> Result<usize> {
        let name = name.trim();
        if name.is_empty() {
            return Err(field_error("required"));
        }
        if name.chars().count() > DEVICE_NAME_CHARS_MAX || name.chars().any(char::is_control) {
            return Err(field_error("device_name_invalid"));
        }
        let site = self.site;
        let fields = [(1, Value::uuid(site.0)), (2, text(name))];
        self.write(|w| {
            let id = device_row_id(site);
            let exists: bool = w.conn().query_row(
                "SELECT EXISTS(SELECT 1 FROM device WHERE id = ?1)",
                [id.as_bytes().as_slice()],
                |r| r.get(0),
            )?;
            if exists {
                w.update(&DEVICE, id, &fields)
            } else {
                w.insert(&DEVICE, id, &fields).map(|()| fields.len())
            }
        })
    }

    /// This device's name, if it has one.
    pub fn device_name(&self) -> Result<Option<String>> {
        Ok(self.device_names()?.remove(&self.site))
    }

    /// Every device's name this replica knows, by site. Only rows whose id is the
    /// one their site derives count (the sync's validation refuses the others).
    pub fn device_names(&self) -> Result<HashMap<SiteId, String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, site, name FROM device WHERE deleted = 0 AND site IS NOT NULL AND name IS NOT NULL",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next()? {
            let id: Vec<u8> = r.get(0)?;
            let site: Vec<u8> = r.get(1)?;
            let site = SiteId(
                Uuid::from_slice(&site).map_err(|e| Error::Corrupt(format!("device site: {e}")))?,
            );
            if id.as_slice() == device_row_id(site).as_bytes() {
                out.insert(site, r.get(2)?);
            }
        }
        Ok(out)
    }
}

fn field_error(code: &str) -> Error {
    ValidationErrors::from(ValidationError::new("device_name", code)).into()
}
