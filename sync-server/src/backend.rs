//! Which [`Store`] a `--db` value means: a PostgreSQL URL (`postgres://…` or
//! `postgresql://…`) for deployments with several instances, anything else a SQLite
//! file (optionally written `sqlite://path`), the embedded default.

use crate::pg_store::PgStore;
use crate::sqlite_store::SqliteStore;
use crate::store::Store;
use anyhow::Context;
use std::path::Path;
use std::sync::Arc;

/// The kind of store a `--db` value names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Which backend `spec` names.
pub fn backend_of(spec: &str) -> Backend {
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// A `--db` value as people may see it in logs: a PostgreSQL password is hidden.
pub fn redacted(spec: &str) -> String {
    match backend_of(spec) {
        Backend::Sqlite => spec.to_owned(),
        Backend::Postgres => match (spec.find("://"), spec.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let userinfo = &spec[scheme + 3..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        format!("{}{user}:***{}", &spec[..scheme + 3], &spec[at..])
                    }
                    None => spec.to_owned(),
                }
            }
            _ => spec.to_owned(),
        },
    }
}

/// Opens (and migrates) the store `spec` names.
pub async fn open_store(spec: &str) -> anyhow::Result<Arc<dyn Store>> {
    open_store_with(spec, None).await
}

/// Opens (and migrates) the store `spec` names; a PostgreSQL store keeps at most
/// `pool_size` connections (default [`crate::pg_store::POOL_SIZE_DEFAULT`]).
pub async fn open_store_with(
    spec: &str,
    pool_size: Option<usize>,
) -> anyhow::Result<Arc<dyn Store>> {
    match backend_of(spec) {
        Backend::Sqlite => {
            let path = Path::new(spec.strip_prefix("sqlite://").unwrap_or(spec));
            let store = SqliteStore::open(path)
                .with_context(|| format!("cannot open the server database {}", path.display()))?;
            Ok(Arc::new(store))
        }
        Backend::Postgres => {
            let pool_size = pool_size.unwrap_or(crate::pg_store::POOL_SIZE_DEFAULT);
            anyhow::ensure!(
                pool_size > 0,
                "the database pool needs at least 1 connection"
            );
            let store = PgStore::connect_with_pool_size(spec, pool_size)
                .await
                .with_context(|| format!("cannot open the server database {}", redacted(spec)))?;
            Ok(Arc::new(store))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_name_their_backend_and_hide_passwords() {
        assert_eq!(backend_of("cosabi-server.sqlite3"), Backend::Sqlite);
        assert_eq!(backend_of("sqlite:///var/lib/cosabi/db"), Backend::Sqlite);
        assert_eq!(backend_of("postgres://u:p@h/db"), Backend::Postgres);
        assert_eq!(backend_of("postgresql://h/db"), Backend::Postgres);
        assert_eq!(
            redacted("postgres://cosabi:s3cret@db.example:5432/cosabi"),
            "postgres://cosabi:***@db.example:5432/cosabi"
        );
        assert_eq!(
            redacted("postgres://db.example/cosabi"),
            "postgres://db.example/cosabi"
        );
        assert_eq!(redacted("/srv/cosabi.sqlite3"), "/srv/cosabi.sqlite3");
    }
}
