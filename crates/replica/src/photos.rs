//! Photo records. Only the metadata is a synced row; the image itself travels
//! separately, addressed by its SHA-256, so metadata sync never waits for photos.

use crate::error::Result;
use crate::rows::{int_at, require_row, text, text_at, uuid_at};
use crate::Replica;
use cosabi_core::change::Value;
use cosabi_core::photo::{NewPhoto, Photo, PhotoKind};
use cosabi_core::schema::{self, ASSEMBLY, PHOTO};
use cosabi_core::ValidationError;
use uuid::Uuid;

impl Replica {
    /// Records a photo of a receipt, purchase, action or acta. A photo of a signed acta
    /// also becomes the assembly's `signed_photo_id`, in the same write; attaching it
    /// is allowed after the close, since it documents the closed acta.
    pub fn add_photo(&mut self, input: &NewPhoto) -> Result<Photo> {
        let v = input.validate()?;
        let owner_table = schema::table(v.owner_table)
            .ok_or_else(|| ValidationError::new("owner_table", "owner_invalid"))?;
        require_row(&self.conn, owner_table, v.owner_id, "owner_id")?;
        let id = Uuid::now_v7();
        let mut fields = vec![
            (1, Value::Int(v.owner_table.into())),
            (2, Value::uuid(v.owner_id)),
            (3, text(v.kind.code())),
            (4, text(&v.sha256)),
            (5, Value::Int(v.size_bytes)),
            (6, text(&v.mime)),
        ];
        if !v.taken_at.is_empty() {
            fields.push((7, text(&v.taken_at)));
        }
        let signs_acta = v.kind == PhotoKind::Acta && v.owner_table == ASSEMBLY.id;
        self.write(|w| {
            w.insert(&PHOTO, id, &fields)?;
            if signs_acta {
                w.update(&ASSEMBLY, v.owner_id, &[(12, Value::uuid(id))])?;
            }
            Ok(())
        })?;
        Ok(Photo {
            id,
            owner_table: v.owner_table,
            owner_id: v.owner_id,
            kind: v.kind.code().to_owned(),
            sha256: v.sha256,
            size_bytes: v.size_bytes,
            mime: v.mime,
            taken_at: v.taken_at,
        })
    }

    /// The photos of one record, in the order they were taken in the app.
    pub fn photos(&self, owner_table: u16, owner: Uuid) -> Result<Vec<Photo>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, sha256, size_bytes, mime, taken_at FROM photo
             WHERE owner_table = ?1 AND owner_id = ?2 AND deleted = 0 ORDER BY id",
        )?;
        let mut rows = stmt.query(rusqlite::params![owner_table, owner.as_bytes().as_slice()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(Photo {
                id: uuid_at(r, 0, "photo id")?,
                owner_table,
                owner_id: owner,
                kind: text_at(r, 1)?,
                sha256: text_at(r, 2)?,
                size_bytes: int_at(r, 3)?,
                mime: text_at(r, 4)?,
                taken_at: text_at(r, 5)?,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::tests::{new_assembly, replica_with, COMMITTEE};
    use crate::Error;
    use cosabi_core::schema::{ACTION, RECEIPT};

    fn photo(owner_table: u16, owner_id: Uuid, kind: &str) -> NewPhoto {
        NewPhoto {
            owner_table,
            owner_id,
            kind: kind.into(),
            sha256: "0f".repeat(32),
            size_bytes: 90_000,
            mime: "image/jpeg".into(),
            taken_at: String::new(),
        }
    }

    #[test]
    fn photo_of_the_signed_acta_is_linked() {
        let (mut r, ms) = replica_with(&COMMITTEE);
        let a = r.create_assembly(&new_assembly()).unwrap();
        r.close_assembly(a.id, ms[1].id).unwrap();
        let p = r.add_photo(&photo(ASSEMBLY.id, a.id, "acta")).unwrap();
        assert_eq!(r.photos(ASSEMBLY.id, a.id).unwrap(), vec![p.clone()]);
        let d = r.assembly(a.id).unwrap().unwrap();
        assert_eq!(d.assembly.signed_photo_id, Some(p.id));
    }

    #[test]
    fn photo_needs_an_existing_owner_of_the_right_kind() {
        let (mut r, _) = replica_with(&[]);
        let missing = r.add_photo(&photo(RECEIPT.id, Uuid::now_v7(), "receipt"));
        match missing {
            Err(Error::Invalid(e)) => assert_eq!(e.0[0].code, "not_found"),
            other => panic!("unexpected {other:?}"),
        }
        let wrong = r.add_photo(&photo(ACTION.id, Uuid::now_v7(), "receipt"));
        match wrong {
            Err(Error::Invalid(e)) => assert_eq!(e.0[0].code, "owner_invalid"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
