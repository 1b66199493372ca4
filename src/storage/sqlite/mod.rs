//! SQLite storage: one file in WAL mode, one writer connection and a pool of readers, so that
//! writes queue in the process instead of failing with `database is locked`, and reads never
//! wait for writes.

mod applications;
mod client_secrets;
mod instances;
mod m2m;
mod readers;
mod rows;
mod seed;
mod sql;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use std::sync::Arc;

use async_trait::async_trait;
use readers::Readers;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{GrantRecord, SeedBatch, Store};
use crate::clock::Millis;
use crate::domain::Toggle;
use crate::domain::application::{Application, ApplicationFilter, ApplicationPatch};
use crate::domain::client_secret::ClientSecretRecord;
use crate::domain::ids::{ApplicationId, InstanceId, ScopeId, SecretId};
use crate::domain::instance::{Instance, InstanceFilter};
use crate::domain::paging::Page;
use crate::domain::resource_server::{Scope, ScopeFilter, ScopePatch, SigningKeyRecord};
use crate::error::Error;

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// How long a connection waits for another process's lock (the `sqlite3` shell, a seed run).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Address space for memory-mapped reads (not memory: pages are the OS's file cache).
const MMAP_BYTES: i64 = 1 << 30;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Reads, on rusqlite connections (see readers.rs for why not sqlx).
    readers: Arc<Readers>,
    /// Exactly one connection: writes are serialised here, not by SQLite's lock.
    writer: SqlitePool,
    path: PathBuf,
}

/// Apply the embedded migrations (creating the file and its folder if needed).
pub fn migrate(path: &Path) -> Result<Vec<String>, Error> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::internal(format!("creating {}: {e}", dir.display())))?;
    }
    // refinery opens the file read-write without creating it; an empty file is an empty
    // SQLite database.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::internal(format!("creating {}: {e}", path.display())))?;
    let path_text = path
        .to_str()
        .ok_or_else(|| Error::internal("the database path must be valid UTF-8"))?;
    let mut config = refinery::config::Config::new(refinery::config::ConfigDbType::Sqlite)
        .set_db_path(path_text);
    let report = embedded::migrations::runner()
        .run(&mut config)
        .map_err(|e| Error::internal(format!("migrations: {e}")))?;
    Ok(report
        .applied_migrations()
        .iter()
        .map(|m| m.to_string())
        .collect())
}

fn writer_options() -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(60))
        // A local file cannot "hang up"; the default ping costs a round trip to the
        // connection's worker thread on every acquire.
        .test_before_acquire(false)
        .after_connect(|conn, _meta| Box::pin(stable_query_plans(conn)))
}

/// Turn on SQLite's query-planner stability guarantee for this connection.
///
/// Without it, SQLite (3.4x+) marks every statement with a `column = ?` term as "re-prepare when
/// this parameter is rebound", and sqlx clears the bindings after each execution, so every
/// cached statement was parsed and planned again on every use (two thirds of a List request's
/// time in SQLite). With QPSG the plan never depends on bound values, so cached statements
/// are reused as they are.
async fn stable_query_plans(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this connection's open handle, locked for us for the duration of the
    // call; ENABLE_QPSG takes an int and an optional int* out-parameter (null: not wanted).
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1,
            std::ptr::null_mut::<std::os::raw::c_int>(),
        )
    };
    if rc != libsqlite3_sys::SQLITE_OK {
        return Err(sqlx::Error::Configuration(
            format!("sqlite3_db_config(ENABLE_QPSG) returned {rc}").into(),
        ));
    }
    Ok(())
}

impl SqliteStore {
    /// Migrate, then open the writer and the readers (`readers`: how many idle read
    /// connections to keep).
    pub async fn open(path: &Path, readers: u32) -> Result<Self, Error> {
        let applied = migrate(path)?;
        for m in &applied {
            tracing::info!(migration = %m, "applied migration");
        }
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(Error::internal)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("temp_store", "memory")
            // Reads come straight from the page cache of the OS instead of a pread() per page
            // missing from SQLite's own (per-connection) cache.
            .pragma("mmap_size", MMAP_BYTES.to_string());
        let writer = writer_options().connect_with(options).await?;
        let readers = Readers::open(path, readers as usize)?;
        Ok(Self {
            readers: Arc::new(readers),
            writer,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// For tests and tools that need raw SQL (bulk fills, inspection).
    pub fn writer_pool(&self) -> &SqlitePool {
        &self.writer
    }

    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, Error> {
        // IMMEDIATE takes the write lock up front, so a transaction never fails half-way
        // because another process (a seed run, the sqlite3 shell) started writing.
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), Error> {
        self.readers
            .with(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .map(|_| ())
    }

    async fn close(&self) {
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.writer)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint at shutdown failed");
        }
        self.readers.close();
        self.writer.close().await;
    }

    async fn create_instance(
        &self,
        instance: &Instance,
        client_token: Option<&str>,
    ) -> Result<InstanceId, Error> {
        instances::create(self, instance, client_token).await
    }

    async fn get_instance(&self, id: &InstanceId) -> Result<Option<Instance>, Error> {
        self.readers.with(|c| instances::get(c, id))
    }

    async fn list_instances(
        &self,
        filter: &InstanceFilter,
        page: Page,
    ) -> Result<(Vec<Instance>, i64), Error> {
        let filter = filter.clone();
        self.readers
            .with_blocking(move |c| instances::list(c, &filter, page))
            .await
    }

    async fn delete_instance(&self, id: &InstanceId) -> Result<bool, Error> {
        let r = sqlx::query("DELETE FROM instances WHERE instance_id = ?")
            .bind(id.as_str())
            .execute(&self.writer)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn update_instance_description(
        &self,
        id: &InstanceId,
        description: &str,
        now: Millis,
    ) -> Result<bool, Error> {
        let r = sqlx::query(
            "UPDATE instances SET description = ?, updated_at_ms = max(updated_at_ms, ?)
             WHERE instance_id = ?",
        )
        .bind(description)
        .bind(now)
        .bind(id.as_str())
        .execute(&self.writer)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn insert_application(&self, app: &Application) -> Result<(), Error> {
        applications::insert(self, app).await
    }

    async fn get_application(
        &self,
        instance_id: &InstanceId,
        id: &ApplicationId,
    ) -> Result<Option<Application>, Error> {
        self.readers.with(|c| applications::get(c, instance_id, id))
    }

    async fn list_applications(
        &self,
        instance_id: &InstanceId,
        filter: &ApplicationFilter,
        page: Page,
    ) -> Result<(Vec<Application>, i64), Error> {
        let (instance_id, filter) = (instance_id.clone(), filter.clone());
        self.readers
            .with_blocking(move |c| applications::list(c, &instance_id, &filter, page))
            .await
    }

    async fn delete_application(
        &self,
        instance_id: &InstanceId,
        id: &ApplicationId,
    ) -> Result<bool, Error> {
        let r =
            sqlx::query("DELETE FROM applications WHERE instance_id = ? AND application_id = ?")
                .bind(instance_id.as_str())
                .bind(id.as_str())
                .execute(&self.writer)
                .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn update_application(
        &self,
        instance_id: &InstanceId,
        id: &ApplicationId,
        patch: &ApplicationPatch,
        now: Millis,
    ) -> Result<bool, Error> {
        applications::update(self, instance_id, id, patch, now).await
    }

    async fn count_client_secrets(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
    ) -> Result<i64, Error> {
        self.readers
            .with(|c| client_secrets::count(c, instance_id, application_id))
    }

    async fn insert_client_secret(
        &self,
        secret: &ClientSecretRecord,
        quota: i64,
    ) -> Result<(), Error> {
        client_secrets::insert(self, secret, quota).await
    }

    async fn list_client_secrets(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
    ) -> Result<Vec<ClientSecretRecord>, Error> {
        self.readers
            .with(|c| client_secrets::list(c, instance_id, application_id))
    }

    async fn get_client_secret(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &SecretId,
    ) -> Result<Option<ClientSecretRecord>, Error> {
        self.readers
            .with(|c| client_secrets::get(c, instance_id, application_id, id))
    }

    async fn set_client_secret_status(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &SecretId,
        status: Toggle,
        now: Millis,
    ) -> Result<bool, Error> {
        client_secrets::update_column(
            &self.writer,
            "status",
            status.as_str(),
            (instance_id, application_id, id),
            now,
        )
        .await
    }

    async fn set_client_secret_expiration(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &SecretId,
        expires_at: Millis,
        now: Millis,
    ) -> Result<bool, Error> {
        client_secrets::update_column(
            &self.writer,
            "expires_at_ms",
            expires_at,
            (instance_id, application_id, id),
            now,
        )
        .await
    }

    async fn delete_client_secret(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &SecretId,
    ) -> Result<bool, Error> {
        let r = sqlx::query(
            "DELETE FROM client_secrets
             WHERE instance_id = ? AND application_id = ? AND secret_id = ?",
        )
        .bind(instance_id.as_str())
        .bind(application_id.as_str())
        .bind(id.as_str())
        .execute(&self.writer)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn record_last_used(&self, batch: &[(SecretId, Millis)]) -> Result<(), Error> {
        client_secrets::record_last_used(self, batch).await
    }

    async fn insert_scope(&self, scope: &Scope) -> Result<(), Error> {
        m2m::insert_scope(self, scope).await
    }

    async fn get_scope(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &ScopeId,
    ) -> Result<Option<Scope>, Error> {
        self.readers
            .with(|c| m2m::get_scope(c, instance_id, application_id, id))
    }

    async fn list_scopes(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        filter: &ScopeFilter,
        after: Option<(Millis, ScopeId)>,
        limit: i64,
    ) -> Result<(Vec<Scope>, i64), Error> {
        let (instance_id, application_id, filter) =
            (instance_id.clone(), application_id.clone(), filter.clone());
        self.readers
            .with_blocking(move |c| {
                m2m::list_scopes(c, &instance_id, &application_id, &filter, after, limit)
            })
            .await
    }

    async fn update_scope(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &ScopeId,
        patch: &ScopePatch,
        now: Millis,
    ) -> Result<bool, Error> {
        m2m::update_scope(&self.writer, instance_id, application_id, id, patch, now).await
    }

    async fn delete_scope(
        &self,
        instance_id: &InstanceId,
        application_id: &ApplicationId,
        id: &ScopeId,
    ) -> Result<bool, Error> {
        let r = sqlx::query(
            "DELETE FROM resource_server_scopes
             WHERE instance_id = ? AND application_id = ? AND scope_id = ?",
        )
        .bind(instance_id.as_str())
        .bind(application_id.as_str())
        .bind(id.as_str())
        .execute(&self.writer)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn grant_resource_server(
        &self,
        instance_id: &InstanceId,
        client: &ApplicationId,
        server: &ApplicationId,
        now: Millis,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO resource_server_grants
                 (instance_id, client_application_id, resource_server_application_id, created_at_ms)
             VALUES (?, ?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(instance_id.as_str())
        .bind(client.as_str())
        .bind(server.as_str())
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn revoke_resource_server(
        &self,
        instance_id: &InstanceId,
        client: &ApplicationId,
        server: &ApplicationId,
    ) -> Result<(), Error> {
        m2m::revoke_resource_server(self, instance_id, client, server).await
    }

    async fn grant_scopes(
        &self,
        instance_id: &InstanceId,
        client: &ApplicationId,
        server: &ApplicationId,
        scopes: &[ScopeId],
        now: Millis,
    ) -> Result<(), Error> {
        m2m::grant_scopes(self, instance_id, client, server, scopes, now).await
    }

    async fn revoke_scopes(
        &self,
        instance_id: &InstanceId,
        client: &ApplicationId,
        server: &ApplicationId,
        scopes: &[ScopeId],
    ) -> Result<(), Error> {
        m2m::revoke_scopes(self, instance_id, client, server, scopes).await
    }

    async fn find_resource_server(
        &self,
        instance_id: &InstanceId,
        identifier: &str,
    ) -> Result<Option<Application>, Error> {
        self.readers
            .with(|c| applications::find_by_identifier(c, instance_id, identifier))
    }

    async fn granted_scope_values(
        &self,
        client: &ApplicationId,
        server: &ApplicationId,
    ) -> Result<Vec<String>, Error> {
        self.readers
            .with(|c| m2m::granted_scope_values(c, client, server))
    }

    async fn scope_values(&self, server: &ApplicationId) -> Result<Vec<String>, Error> {
        self.readers.with(|c| m2m::scope_values(c, server))
    }

    async fn list_grants(&self, instance_id: &InstanceId) -> Result<Vec<GrantRecord>, Error> {
        self.readers.with(|c| seed::list_grants(c, instance_id))
    }

    async fn apply_seed(&self, batch: &SeedBatch) -> Result<u64, Error> {
        seed::apply(self, batch).await
    }

    async fn signing_key(
        &self,
        instance_id: &InstanceId,
        algorithm: &str,
    ) -> Result<Option<SigningKeyRecord>, Error> {
        self.readers
            .with(|c| m2m::signing_key(c, instance_id, algorithm))
    }

    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> Result<SigningKeyRecord, Error> {
        m2m::insert_signing_key(self, key).await
    }

    async fn signing_keys(&self, instance_id: &InstanceId) -> Result<Vec<SigningKeyRecord>, Error> {
        self.readers.with(|c| m2m::signing_keys(c, instance_id))
    }

    async fn use_client_assertion(
        &self,
        client_id: &ApplicationId,
        jti: &str,
        expires_at: Millis,
        now: Millis,
    ) -> Result<bool, Error> {
        m2m::use_client_assertion(self, client_id, jti, expires_at, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn qpsg(conn: &mut sqlx::SqliteConnection) -> std::os::raw::c_int {
        let mut handle = conn.lock_handle().await.unwrap();
        let mut on: std::os::raw::c_int = -1;
        // SAFETY: as in `stable_query_plans`; -1 asks without changing, the value goes to `on`.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_db_config(
                handle.as_raw_handle().as_ptr(),
                libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
                -1,
                &mut on as *mut std::os::raw::c_int,
            )
        };
        assert_eq!(rc, libsqlite3_sys::SQLITE_OK);
        on
    }

    /// Without QPSG every cached statement is parsed again on each use (see
    /// `stable_query_plans` and readers.rs): a regression here halves List's throughput and
    /// no functional test would notice.
    #[tokio::test]
    async fn every_connection_has_stable_query_plans() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db"), 3)
            .await
            .unwrap();
        let on = store
            .readers
            .with(|c| Ok(c.db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG)?))
            .unwrap();
        assert!(on, "readers");
        let mut w = store.writer_pool().acquire().await.unwrap();
        assert_eq!(qpsg(&mut w).await, 1, "writer");
    }

    #[tokio::test]
    async fn readers_refuse_writes_and_stop_at_close() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db"), 1)
            .await
            .unwrap();
        let write = store
            .readers
            .with(|c| Ok(c.execute("DELETE FROM instances", [])?));
        assert!(write.is_err(), "read connections are read-only");
        // Nested use (a second connection while one is out) opens another one.
        let nested = store.readers.with(|_| {
            store
                .readers
                .with(|c| Ok(c.query_row("SELECT 7", [], |r| r.get::<_, i64>(0))?))
        });
        assert_eq!(nested.unwrap(), 7);
        store.close().await;
        assert!(store.ping().await.is_err(), "closed");
    }

    #[tokio::test]
    async fn paged_lists_run_in_the_blocking_pool() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db"), 1)
            .await
            .unwrap();
        let (rows, total) = store
            .list_instances(&InstanceFilter::default(), Page::new(None, None).unwrap())
            .await
            .unwrap();
        assert_eq!((rows.len(), total), (0, 0));
    }
}
