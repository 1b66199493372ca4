use super::SqliteStore;
use super::sql;
use crate::domain::ids::{ApplicationId, InstanceId, ScopeId};
use crate::error::Error;
use crate::storage::{GrantRecord, SeedBatch};
use rusqlite::Connection;

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// Turn constraint failures into messages a seed author can act on.
fn explain(e: sqlx::Error, what: String) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.message().contains("QuotaExceeded") => {
            Error::QuotaExceeded(what)
        }
        sqlx::Error::Database(db)
            if db.is_unique_violation()
                || db.is_foreign_key_violation()
                || db.is_check_violation() =>
        {
            Error::invalid("Seed", format!("{what}: {}", db.message()))
        }
        _ => e.into(),
    }
}

pub async fn apply(store: &SqliteStore, b: &SeedBatch) -> Result<u64, Error> {
    let mut tx = store.begin().await?;
    let mut changed = 0;
    for i in &b.instances {
        changed += sqlx::query(
            "INSERT INTO instances (instance_id, description, status, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, 'running', ?4, ?4)
             ON CONFLICT (instance_id) DO UPDATE
                SET description = excluded.description, updated_at_ms = max(updated_at_ms + 1, ?3)
              WHERE description IS NOT excluded.description",
        )
        .bind(i.id.as_str())
        .bind(&i.description)
        .bind(b.now)
        .bind(i.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| explain(e, format!("instance {}", i.id)))?
        .rows_affected();
    }
    for a in &b.applications {
        changed += sqlx::query(
            "INSERT INTO applications (application_id, instance_id, name, description, source_type,
                 sso_type, status, identity_type, m2m_client_status, resource_server_status,
                 resource_server_identifier, owner_user_ids, owner_group_ids, visibility,
                 created_at_ms, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?16, ?16)
             ON CONFLICT (application_id) DO UPDATE
                SET name = excluded.name, description = excluded.description,
                    sso_type = excluded.sso_type, status = excluded.status,
                    identity_type = excluded.identity_type,
                    m2m_client_status = excluded.m2m_client_status,
                    resource_server_status = excluded.resource_server_status,
                    resource_server_identifier = excluded.resource_server_identifier,
                    updated_at_ms = max(updated_at_ms + 1, ?15)
              WHERE applications.instance_id = excluded.instance_id
                AND (name, description, sso_type, status, identity_type, m2m_client_status,
                     resource_server_status, resource_server_identifier)
                    IS NOT (excluded.name, excluded.description, excluded.sso_type,
                     excluded.status, excluded.identity_type, excluded.m2m_client_status,
                     excluded.resource_server_status, excluded.resource_server_identifier)",
        )
        .bind(a.id.as_str())
        .bind(a.instance_id.as_str())
        .bind(&a.name)
        .bind(&a.description)
        .bind(&a.source_type)
        .bind(a.sso_type.as_str())
        .bind(a.status.as_str())
        .bind(&a.identity_type)
        .bind(a.m2m_client_status.as_str())
        .bind(a.resource_server_status.as_str())
        .bind(&a.resource_server_identifier)
        .bind(json(&a.owner_user_ids))
        .bind(json(&a.owner_group_ids))
        .bind(json(&a.visibility))
        .bind(b.now)
        .bind(a.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| explain(e, format!("application {:?} ({})", a.name, a.id)))?
        .rows_affected();
    }
    for s in &b.scopes {
        changed += sqlx::query(
            "INSERT INTO resource_server_scopes (scope_id, instance_id, application_id, name, value,
                 scope_type, authorization_type, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?9)
             ON CONFLICT (scope_id) DO UPDATE
                SET name = excluded.name, authorization_type = excluded.authorization_type,
                    updated_at_ms = max(updated_at_ms + 1, ?8)
              WHERE (name, authorization_type) IS NOT (excluded.name, excluded.authorization_type)",
        )
        .bind(s.id.as_str())
        .bind(s.instance_id.as_str())
        .bind(s.application_id.as_str())
        .bind(&s.name)
        .bind(&s.value)
        .bind(&s.scope_type)
        .bind(&s.authorization_type)
        .bind(b.now)
        .bind(s.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| explain(e, format!("scope {:?} of {}", s.value, s.application_id)))?
        .rows_affected();
    }
    for (instance, client, server) in &b.server_grants {
        changed += sqlx::query(
            "INSERT INTO resource_server_grants
                 (instance_id, client_application_id, resource_server_application_id, created_at_ms)
             VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(instance.as_str())
        .bind(client.as_str())
        .bind(server.as_str())
        .bind(b.now)
        .execute(&mut *tx)
        .await
        .map_err(|e| explain(e, format!("grant of {server} to {client}")))?
        .rows_affected();
    }
    for (client, scope) in &b.scope_grants {
        changed += sqlx::query(
            "INSERT INTO scope_grants (client_application_id, scope_id, created_at_ms)
             VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(client.as_str())
        .bind(scope.as_str())
        .bind(b.now)
        .execute(&mut *tx)
        .await
        .map_err(|e| explain(e, format!("grant of {scope} to {client}")))?
        .rows_affected();
    }
    for s in &b.new_secrets {
        let (prefix, suffix) = match &s.mask.ends {
            Some((p, x)) => (Some(p.as_str()), Some(x.as_str())),
            None => (None, None),
        };
        changed += sqlx::query(
            "INSERT INTO client_secrets (secret_id, instance_id, application_id, status, secret_hash,
                 secret_sealed, mask_prefix, mask_suffix, secret_length, expires_at_ms,
                 created_at_ms, updated_at_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .bind(s.created_at)
        .bind(s.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| explain(e, format!("client secret {} of {}", s.id, s.application_id)))?
        .rows_affected();
    }
    for u in &b.secret_updates {
        changed += sqlx::query(
            "UPDATE client_secrets SET status = ?1, expires_at_ms = ?2,
                    updated_at_ms = max(updated_at_ms + 1, ?3)
              WHERE instance_id = ?4 AND application_id = ?5 AND secret_id = ?6
                AND (status, expires_at_ms) IS NOT (?1, ?2)",
        )
        .bind(u.status.as_str())
        .bind(u.expires_at)
        .bind(b.now)
        .bind(u.instance_id.as_str())
        .bind(u.application_id.as_str())
        .bind(u.id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(changed)
}

pub fn list_grants(conn: &Connection, instance_id: &InstanceId) -> Result<Vec<GrantRecord>, Error> {
    sql::all(
        conn,
        "SELECT client_application_id, resource_server_application_id, NULL, 0, created_at_ms
           FROM resource_server_grants WHERE instance_id = ?1
         UNION ALL
         SELECT g.client_application_id, s.application_id, g.scope_id, 1, s.created_at_ms
           FROM scope_grants g JOIN resource_server_scopes s ON s.scope_id = g.scope_id
          WHERE s.instance_id = ?1
         ORDER BY 1, 2, 4, 5, 3",
        [instance_id.as_str()],
        |r| {
            Ok(GrantRecord {
                client: ApplicationId::from_trusted(r.get(0)?),
                server: ApplicationId::from_trusted(r.get(1)?),
                scope: r.get::<_, Option<String>>(2)?.map(ScopeId::from_trusted),
            })
        },
    )
}
