//! Scratch databases on a PostgreSQL server, for tests and benchmarks (the
//! `test-support` feature): each test gets a fresh database of its own.

use super::setup_error;
use anyhow::Context;
use tokio_postgres::NoTls;
use uuid::Uuid;

/// The server the tests create their databases on (for tests and benchmarks): the
/// environment's `COSABI_TEST_PG`, or the local one `bash scripts/setup.sh` prepares.
pub fn test_admin_url() -> String {
    std::env::var("COSABI_TEST_PG")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| "postgres://cosabi:cosabi@127.0.0.1:5432/postgres".to_owned())
}

/// What to do when the test server cannot be reached.
const TEST_SERVER_HINT: &str = "run `bash scripts/setup.sh` (local PostgreSQL on 127.0.0.1:5432, role cosabi) or set COSABI_TEST_PG to a postgres:// URL of a role that may create databases";

/// Creates a fresh, empty database with a unique name (`cosabi_t_<uuid>`) on the
/// server `admin_url` reaches, and returns its URL. For tests and benchmarks: each
/// gets a database of its own, so they run in parallel and leave nothing shared.
pub async fn scratch_database(admin_url: &str) -> anyhow::Result<String> {
    let name = format!("cosabi_t_{}", Uuid::new_v4().simple());
    let client = admin_client(admin_url).await?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .map_err(setup_error)
        .with_context(|| {
            format!("cannot create the scratch database {name}: {TEST_SERVER_HINT}")
        })?;
    with_database(admin_url, &name)
}

/// Drops a database [`scratch_database`] made (for tests and benchmarks), even if
/// connections to it are still open.
pub async fn drop_database(admin_url: &str, database_url: &str) -> anyhow::Result<()> {
    let config: tokio_postgres::Config = database_url.parse()?;
    let name = config.get_dbname().context("the URL names no database")?;
    anyhow::ensure!(
        name.starts_with("cosabi_t_")
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "{name} is not a scratch database: not dropping it"
    );
    let client = admin_client(admin_url).await?;
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .map_err(setup_error)
        .with_context(|| format!("cannot drop the scratch database {name}"))?;
    Ok(())
}

async fn admin_client(admin_url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(admin_url, NoTls)
        .await
        .map_err(setup_error)
        .with_context(|| {
            format!(
                "cannot reach PostgreSQL at {}: {TEST_SERVER_HINT}",
                crate::backend::redacted(admin_url)
            )
        })?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "admin connection to PostgreSQL failed");
        }
    });
    Ok(client)
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> anyhow::Result<String> {
    let Some(scheme_end) = url.find("://") else {
        // Key-value form: a later key wins.
        return Ok(format!("{url} dbname={database}"));
    };
    let rest_start = scheme_end + 3;
    let (base, query) = match url[rest_start..].find('?') {
        Some(q) => url.split_at(rest_start + q),
        None => (url, ""),
    };
    // The authority ends at the first '/' after the last '@' (a password may hold '/').
    let authority_start = base[rest_start..]
        .rfind('@')
        .map_or(rest_start, |at| rest_start + at + 1);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |slash| authority_start + slash);
    Ok(format!("{}/{database}{query}", &base[..authority_end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_urls_name_the_new_database() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres", "x").unwrap(),
            "postgres://u:p@h:5432/x"
        );
        assert_eq!(
            with_database("postgresql://u:p/q@h/postgres?sslmode=disable", "x").unwrap(),
            "postgresql://u:p/q@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h", "x").unwrap(),
            "postgres://h/x"
        );
        assert_eq!(
            with_database("host=h user=u", "x").unwrap(),
            "host=h user=u dbname=x"
        );
    }
}
