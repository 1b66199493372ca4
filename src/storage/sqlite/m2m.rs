use rusqlite::Connection;
use sqlx::{AssertSqlSafe, SqlitePool};

use super::SqliteStore;
use super::rows::{SCOPE_COLUMNS, SIGNING_KEY_COLUMNS, ScopeRow, SigningKeyRow};
use super::sql::{self, Sql};
use crate::clock::Millis;
use crate::domain::ids::{ApplicationId, InstanceId, ScopeId};
use crate::domain::resource_server::{Scope, ScopeFilter, ScopePatch, SigningKeyRecord};
use crate::error::{Error, Resource};

pub async fn insert_scope(store: &SqliteStore, scope: &Scope) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO resource_server_scopes (scope_id, instance_id, application_id, name, value,
             scope_type, authorization_type, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(scope.id.as_str())
    .bind(scope.instance_id.as_str())
    .bind(scope.application_id.as_str())
    .bind(&scope.name)
    .bind(&scope.value)
    .bind(&scope.scope_type)
    .bind(&scope.authorization_type)
    .bind(scope.created_at)
    .bind(scope.updated_at)
    .execute(&store.writer)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::AlreadyExists {
            object: "ResourceServerScope",
            message: format!(
                "Resource server {} already has a scope with the value {:?}; scope values are unique within a resource server.",
                scope.application_id, scope.value
            ),
        },
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => Error::not_found_in(
            Resource::Application,
            scope.application_id.as_str(),
            format!("instance {}", scope.instance_id),
        ),
        _ => e.into(),
    })?;
    Ok(())
}

pub fn get_scope(
    conn: &Connection,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    id: &ScopeId,
) -> Result<Option<Scope>, Error> {
    let row = sql::optional(
        conn,
        &format!(
            "SELECT {SCOPE_COLUMNS} FROM resource_server_scopes
             WHERE instance_id = ? AND application_id = ? AND scope_id = ?"
        ),
        [instance_id.as_str(), application_id.as_str(), id.as_str()],
        ScopeRow::from_row,
    )?;
    Ok(row.map(Scope::from))
}

fn push_scope_filter(
    q: &mut Sql,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    f: &ScopeFilter,
) {
    q.push(" WHERE instance_id = ")
        .bind(instance_id.as_str().to_owned())
        .push(" AND application_id = ")
        .bind(application_id.as_str().to_owned())
        .and_eq("authorization_type", &f.authorization_type)
        .and_eq("scope_type", &f.scope_type)
        .and_eq("value", &f.value)
        .and_prefix("name", &f.name)
        .and_in("scope_id", &f.ids);
}

pub fn list_scopes(
    conn: &Connection,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    filter: &ScopeFilter,
    after: Option<(Millis, ScopeId)>,
    limit: i64,
) -> Result<(Vec<Scope>, i64), Error> {
    let tx = conn.unchecked_transaction()?;
    let mut count = Sql::new("SELECT count(*) FROM resource_server_scopes");
    push_scope_filter(&mut count, instance_id, application_id, filter);
    let total: i64 = count.scalar(&tx)?;

    let mut q = Sql::new(format!(
        "SELECT {SCOPE_COLUMNS} FROM resource_server_scopes"
    ));
    push_scope_filter(&mut q, instance_id, application_id, filter);
    if let Some((created, id)) = after {
        q.push(" AND (created_at_ms, scope_id) > (")
            .bind(created)
            .push(", ")
            .bind(id.into_string())
            .push(")");
    }
    q.push(" ORDER BY created_at_ms, scope_id LIMIT ")
        .bind(limit);
    let rows = q.rows(&tx, ScopeRow::from_row)?;
    tx.commit()?;
    Ok((rows.into_iter().map(Scope::from).collect(), total))
}

pub async fn update_scope(
    pool: &SqlitePool,
    instance_id: &InstanceId,
    application_id: &ApplicationId,
    id: &ScopeId,
    patch: &ScopePatch,
    now: Millis,
) -> Result<bool, Error> {
    let r = sqlx::query(
        "UPDATE resource_server_scopes
            SET name = coalesce(?, name), updated_at_ms = max(updated_at_ms + 1, ?)
          WHERE instance_id = ? AND application_id = ? AND scope_id = ?",
    )
    .bind(patch.name.as_deref())
    .bind(now)
    .bind(instance_id.as_str())
    .bind(application_id.as_str())
    .bind(id.as_str())
    .execute(pool)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Revoking the whole server also drops single-scope grants of that server.
pub async fn revoke_resource_server(
    store: &SqliteStore,
    instance_id: &InstanceId,
    client: &ApplicationId,
    server: &ApplicationId,
) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    sqlx::query(
        "DELETE FROM resource_server_grants
         WHERE instance_id = ? AND client_application_id = ? AND resource_server_application_id = ?",
    )
    .bind(instance_id.as_str())
    .bind(client.as_str())
    .bind(server.as_str())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM scope_grants
         WHERE client_application_id = ?
           AND scope_id IN (SELECT scope_id FROM resource_server_scopes
                             WHERE instance_id = ? AND application_id = ?)",
    )
    .bind(client.as_str())
    .bind(instance_id.as_str())
    .bind(server.as_str())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn count_scopes_of(
    tx: &mut sqlx::SqliteConnection,
    instance_id: &InstanceId,
    server: &ApplicationId,
    scopes: &[ScopeId],
) -> Result<Option<ScopeId>, Error> {
    for id in scopes {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM resource_server_scopes
             WHERE instance_id = ? AND application_id = ? AND scope_id = ?",
        )
        .bind(instance_id.as_str())
        .bind(server.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if found.is_none() {
            return Ok(Some(id.clone()));
        }
    }
    Ok(None)
}

pub async fn grant_scopes(
    store: &SqliteStore,
    instance_id: &InstanceId,
    client: &ApplicationId,
    server: &ApplicationId,
    scopes: &[ScopeId],
    now: Millis,
) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    if let Some(missing) = count_scopes_of(&mut tx, instance_id, server, scopes).await? {
        return Err(Error::not_found_in(
            Resource::ResourceServerScope,
            missing.as_str(),
            format!("resource server {server}"),
        ));
    }
    for id in scopes {
        sqlx::query(
            "INSERT INTO scope_grants (client_application_id, scope_id, created_at_ms)
             VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(client.as_str())
        .bind(id.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn revoke_scopes(
    store: &SqliteStore,
    instance_id: &InstanceId,
    client: &ApplicationId,
    server: &ApplicationId,
    scopes: &[ScopeId],
) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    if let Some(missing) = count_scopes_of(&mut tx, instance_id, server, scopes).await? {
        return Err(Error::not_found_in(
            Resource::ResourceServerScope,
            missing.as_str(),
            format!("resource server {server}"),
        ));
    }
    for id in scopes {
        sqlx::query("DELETE FROM scope_grants WHERE client_application_id = ? AND scope_id = ?")
            .bind(client.as_str())
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub fn granted_scope_values(
    conn: &Connection,
    client: &ApplicationId,
    server: &ApplicationId,
) -> Result<Vec<String>, Error> {
    sql::all(
        conn,
        "SELECT s.value FROM resource_server_scopes s
          WHERE s.application_id = ?1
            AND (s.authorization_type = 'default_all'
                 OR EXISTS (SELECT 1 FROM scope_grants g
                          WHERE g.scope_id = s.scope_id AND g.client_application_id = ?2)
                 OR EXISTS (SELECT 1 FROM resource_server_grants r
                             WHERE r.resource_server_application_id = ?1
                               AND r.client_application_id = ?2))
          ORDER BY s.value",
        [server.as_str(), client.as_str()],
        |r| r.get(0),
    )
}

pub fn scope_values(conn: &Connection, server: &ApplicationId) -> Result<Vec<String>, Error> {
    sql::all(
        conn,
        "SELECT value FROM resource_server_scopes WHERE application_id = ? ORDER BY value",
        [server.as_str()],
        |r| r.get(0),
    )
}

pub fn signing_key(
    conn: &Connection,
    instance_id: &InstanceId,
    algorithm: &str,
) -> Result<Option<SigningKeyRecord>, Error> {
    let row = sql::optional(
        conn,
        &format!(
            "SELECT {SIGNING_KEY_COLUMNS} FROM signing_keys WHERE instance_id = ? AND algorithm = ?"
        ),
        [instance_id.as_str(), algorithm],
        SigningKeyRow::from_row,
    )?;
    Ok(row.map(SigningKeyRecord::from))
}

pub fn signing_keys(
    conn: &Connection,
    instance_id: &InstanceId,
) -> Result<Vec<SigningKeyRecord>, Error> {
    let rows = sql::all(
        conn,
        &format!(
            "SELECT {SIGNING_KEY_COLUMNS} FROM signing_keys WHERE instance_id = ?
             ORDER BY created_at_ms, kid"
        ),
        [instance_id.as_str()],
        SigningKeyRow::from_row,
    )?;
    Ok(rows.into_iter().map(SigningKeyRecord::from).collect())
}

pub async fn insert_signing_key(
    store: &SqliteStore,
    key: &SigningKeyRecord,
) -> Result<SigningKeyRecord, Error> {
    let mut tx = store.begin().await?;
    let r = sqlx::query(
        "INSERT INTO signing_keys (kid, instance_id, algorithm, private_key_sealed, public_jwk, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (instance_id, algorithm) DO NOTHING",
    )
    .bind(&key.kid)
    .bind(key.instance_id.as_str())
    .bind(&key.algorithm)
    .bind(&key.private_key_sealed)
    .bind(&key.public_jwk)
    .bind(key.created_at)
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            Error::not_found(Resource::Instance, key.instance_id.as_str())
        }
        _ => e.into(),
    })?;
    let kept: SigningKeyRow = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {SIGNING_KEY_COLUMNS} FROM signing_keys WHERE instance_id = ? AND algorithm = ?"
    )))
    .bind(key.instance_id.as_str())
    .bind(&key.algorithm)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    if r.rows_affected() == 0 {
        tracing::debug!(instance = %key.instance_id, "another request created the signing key first");
    }
    Ok(kept.into())
}

pub async fn use_client_assertion(
    store: &SqliteStore,
    client_id: &ApplicationId,
    jti: &str,
    expires_at: Millis,
    now: Millis,
) -> Result<bool, Error> {
    let mut tx = store.begin().await?;
    // Expired entries can no longer be replayed anyway (the JWT's exp check stops them).
    sqlx::query("DELETE FROM used_client_assertions WHERE expires_at_ms <= ?")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let r = sqlx::query(
        "INSERT INTO used_client_assertions (client_id, jti, expires_at_ms) VALUES (?, ?, ?)
         ON CONFLICT DO NOTHING",
    )
    .bind(client_id.as_str())
    .bind(jti)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(r.rows_affected() == 1)
}
