use rusqlite::Connection;
use sqlx::{AssertSqlSafe, SqlitePool};

use super::SqliteStore;
use super::rows::{SECRET_COLUMNS, SecretRow};
use super::sql;
use crate::clock::Millis;
use crate::domain::client_secret::ClientSecretRecord;
use crate::domain::ids::{ApplicationId, InstanceId, SecretId};
use crate::error::{Error, Resource};

pub fn count(
    conn: &Connection,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
) -> Result<i64, Error> {
    let n = sql::optional(
        conn,
        "SELECT count(*) FROM client_secrets WHERE instance_id = ? AND application_id = ?",
        [instance_id.as_str(), application_id.as_str()],
        |r| r.get(0),
    )?;
    Ok(n.unwrap_or(0))
}

pub async fn insert(store: &SqliteStore, s: &ClientSecretRecord, quota: i64) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    let app_exists: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM applications WHERE instance_id = ? AND application_id = ?",
    )
    .bind(s.instance_id.as_str())
    .bind(s.application_id.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    if app_exists.is_none() {
        return Err(Error::not_found_in(
            Resource::Application,
            s.application_id.as_str(),
            format!("instance {}", s.instance_id),
        ));
    }
    let existing: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM client_secrets WHERE instance_id = ? AND application_id = ?",
    )
    .bind(s.instance_id.as_str())
    .bind(s.application_id.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if existing >= quota {
        return Err(Error::QuotaExceeded(s.application_id.to_string()));
    }
    let (prefix, suffix) = match &s.mask.ends {
        Some((p, x)) => (Some(p.as_str()), Some(x.as_str())),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO client_secrets (secret_id, instance_id, application_id, status, secret_hash,
             secret_sealed, mask_prefix, mask_suffix, secret_length, expires_at_ms,
             last_used_at_ms, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(s.id.as_str())
    .bind(s.instance_id.as_str())
    .bind(s.application_id.as_str())
    .bind(s.status.as_str())
    .bind(&s.hash)
    .bind(s.sealed.as_deref())
    .bind(prefix)
    .bind(suffix)
    .bind(s.mask.length as i64)
    .bind(s.expires_at)
    .bind(s.last_used_at)
    .bind(s.created_at)
    .bind(s.created_at)
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        // The trigger is the database's own copy of the quota rule.
        sqlx::Error::Database(db) if db.message().contains("QuotaExceeded") => {
            Error::QuotaExceeded(s.application_id.to_string())
        }
        _ => e.into(),
    })?;
    tx.commit().await?;
    Ok(())
}

pub fn list(
    conn: &Connection,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
) -> Result<Vec<ClientSecretRecord>, Error> {
    sql::all(
        conn,
        &format!(
            "SELECT {SECRET_COLUMNS} FROM client_secrets
             WHERE instance_id = ? AND application_id = ?
             ORDER BY created_at_ms, secret_id"
        ),
        [instance_id.as_str(), application_id.as_str()],
        SecretRow::from_row,
    )?
    .into_iter()
    .map(ClientSecretRecord::try_from)
    .collect()
}

pub fn get(
    conn: &Connection,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    id: &SecretId,
) -> Result<Option<ClientSecretRecord>, Error> {
    sql::optional(
        conn,
        &format!(
            "SELECT {SECRET_COLUMNS} FROM client_secrets
             WHERE instance_id = ? AND application_id = ? AND secret_id = ?"
        ),
        [instance_id.as_str(), application_id.as_str(), id.as_str()],
        SecretRow::from_row,
    )?
    .map(ClientSecretRecord::try_from)
    .transpose()
}

/// `column` is one of ours, never user input.
pub async fn update_column<T>(
    pool: &SqlitePool,
    column: &'static str,
    value: T,
    (instance_id, application_id, id): (&InstanceId, &ApplicationId, &SecretId),
    now: Millis,
) -> Result<bool, Error>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Send + 'static,
{
    let r = sqlx::query(AssertSqlSafe(format!(
        "UPDATE client_secrets SET {column} = ?, updated_at_ms = max(updated_at_ms, ?)
         WHERE instance_id = ? AND application_id = ? AND secret_id = ?"
    )))
    .bind(value)
    .bind(now)
    .bind(instance_id.as_str())
    .bind(application_id.as_str())
    .bind(id.as_str())
    .execute(pool)
    .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn record_last_used(
    store: &SqliteStore,
    batch: &[(SecretId, Millis)],
) -> Result<(), Error> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    for (id, at) in batch {
        sqlx::query(
            "UPDATE client_secrets SET last_used_at_ms = max(coalesce(last_used_at_ms, 0), ?)
             WHERE secret_id = ?",
        )
        .bind(*at)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
