use rusqlite::Connection;
use sqlx::{QueryBuilder, Sqlite};

use super::SqliteStore;
use super::rows::{APPLICATION_COLUMNS, ApplicationRow};
use super::sql::{self, Sql};
use crate::clock::Millis;
use crate::domain::application::{
    Application, ApplicationFilter, ApplicationPatch, FieldOperation,
};
use crate::domain::ids::{ApplicationId, InstanceId};
use crate::domain::paging::Page;
use crate::error::{Error, Resource};

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// Unique violations on the identifier become 409s; everything else stays internal.
fn map_write_error(e: sqlx::Error, instance_id: &InstanceId) -> Error {
    if let sqlx::Error::Database(db) = &e {
        let msg = db.message();
        if db.is_unique_violation() && msg.contains("resource_server_identifier") {
            return Error::AlreadyExists {
                object: "ResourceServerIdentifier",
                message: format!(
                    "Another application of instance {instance_id} already uses this ResourceServerIdentifier; identifiers are unique within an instance."
                ),
            };
        }
        if db.is_foreign_key_violation() {
            return Error::not_found(Resource::Instance, instance_id.as_str());
        }
    }
    e.into()
}

pub async fn insert(store: &SqliteStore, app: &Application) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    sqlx::query(
        "INSERT INTO applications (application_id, instance_id, name, description, logo_url,
             source_type, template_id, sso_type, status, creation_type, identity_type,
             authorization_type, m2m_client_status, resource_server_status,
             resource_server_identifier, custom_subject_status, api_invoke_status,
             managed_service_code, service_managed, owner_user_ids, owner_group_ids, visibility,
             created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(app.id.as_str())
    .bind(app.instance_id.as_str())
    .bind(&app.name)
    .bind(&app.description)
    .bind(&app.logo_url)
    .bind(&app.source_type)
    .bind(&app.template_id)
    .bind(app.sso_type.as_str())
    .bind(app.status.as_str())
    .bind(&app.creation_type)
    .bind(&app.identity_type)
    .bind(&app.authorization_type)
    .bind(app.m2m_client_status.as_str())
    .bind(app.resource_server_status.as_str())
    .bind(&app.resource_server_identifier)
    .bind(app.custom_subject_status.as_str())
    .bind(app.api_invoke_status.as_str())
    .bind(&app.managed_service_code)
    .bind(app.service_managed as i64)
    .bind(json(&app.owner_user_ids))
    .bind(json(&app.owner_group_ids))
    .bind(json(&app.visibility))
    .bind(app.created_at)
    .bind(app.updated_at)
    .execute(&mut *tx)
    .await
    .map_err(|e| map_write_error(e, &app.instance_id))?;
    for f in &app.custom_fields {
        sqlx::query(
            "INSERT INTO application_custom_fields (application_id, field_name, field_value)
             VALUES (?, ?, ?)
             ON CONFLICT (application_id, field_name) DO UPDATE SET field_value = excluded.field_value",
        )
        .bind(app.id.as_str())
        .bind(&f.name)
        .bind(&f.value)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub fn get(
    conn: &Connection,
    instance_id: &InstanceId,
    id: &ApplicationId,
) -> Result<Option<Application>, Error> {
    sql::optional(
        conn,
        &format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications a
             WHERE a.instance_id = ? AND a.application_id = ?"
        ),
        [instance_id.as_str(), id.as_str()],
        ApplicationRow::from_row,
    )?
    .map(Application::try_from)
    .transpose()
}

pub fn find_by_identifier(
    conn: &Connection,
    instance_id: &InstanceId,
    identifier: &str,
) -> Result<Option<Application>, Error> {
    sql::optional(
        conn,
        &format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications a
             WHERE a.instance_id = ? AND a.resource_server_identifier = ?"
        ),
        [instance_id.as_str(), identifier],
        ApplicationRow::from_row,
    )?
    .map(Application::try_from)
    .transpose()
}

fn push_filter(q: &mut Sql, instance_id: &InstanceId, f: &ApplicationFilter) {
    q.push(" WHERE a.instance_id = ")
        .bind(instance_id.as_str().to_owned())
        .and_eq("a.creation_type", &f.creation_type)
        .and_eq("a.identity_type", &f.identity_type)
        .and_eq("a.template_id", &f.template_id)
        .and_eq("a.authorization_type", &f.authorization_type)
        .and_eq("a.m2m_client_status", &f.m2m_client_status)
        .and_eq("a.managed_service_code", &f.managed_service_code)
        .and_eq("a.resource_server_status", &f.resource_server_status)
        .and_eq("a.status", &f.status)
        .and_prefix("a.name", &f.name_prefix)
        .and_in("a.application_id", &f.ids)
        .and_in("a.sso_type", &f.sso_types);
    if let Some(managed) = f.service_managed {
        q.push(" AND a.service_managed = ").bind(managed as i64);
    }
    for field in &f.custom_fields {
        q.push(
            " AND EXISTS (SELECT 1 FROM application_custom_fields c
                WHERE c.application_id = a.application_id AND c.field_name = ",
        )
        .bind(field.name.clone());
        if let Some(value) = &field.value {
            q.push(" AND c.field_value = ").bind(value.clone());
        }
        q.push(")");
    }
}

pub fn list(
    conn: &Connection,
    instance_id: &InstanceId,
    filter: &ApplicationFilter,
    page: Page,
) -> Result<(Vec<Application>, i64), Error> {
    // One read transaction, so the total and the page come from the same snapshot.
    let tx = conn.unchecked_transaction()?;
    let mut count = Sql::new("SELECT count(*) FROM applications a");
    push_filter(&mut count, instance_id, filter);
    let total: i64 = count.scalar(&tx)?;

    let mut q = Sql::new(format!("SELECT {APPLICATION_COLUMNS} FROM applications a"));
    push_filter(&mut q, instance_id, filter);
    q.push(" ORDER BY a.created_at_ms, a.application_id LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = q.rows(&tx, ApplicationRow::from_row)?;
    tx.commit()?;
    let apps = rows
        .into_iter()
        .map(Application::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((apps, total))
}

pub async fn update(
    store: &SqliteStore,
    instance_id: &InstanceId,
    id: &ApplicationId,
    patch: &ApplicationPatch,
    now: Millis,
) -> Result<bool, Error> {
    let mut tx = store.begin().await?;
    let mut qb: QueryBuilder<Sqlite> =
        QueryBuilder::new("UPDATE applications SET updated_at_ms = max(updated_at_ms + 1, ");
    qb.push_bind(now).push(")");
    let mut set = |column: &str, value: Option<String>| {
        if let Some(v) = value {
            qb.push(format!(", {column} = ")).push_bind(v);
        }
    };
    set("name", patch.name.clone());
    set("description", patch.description.clone());
    set("status", patch.status.map(|t| t.as_str().to_owned()));
    set(
        "m2m_client_status",
        patch.m2m_client_status.map(|t| t.as_str().to_owned()),
    );
    set(
        "resource_server_status",
        patch.resource_server_status.map(|t| t.as_str().to_owned()),
    );
    set(
        "resource_server_identifier",
        patch.resource_server_identifier.clone(),
    );
    set("owner_user_ids", patch.owner_user_ids.as_deref().map(json));
    set(
        "owner_group_ids",
        patch.owner_group_ids.as_deref().map(json),
    );
    set("visibility", patch.visibility.as_deref().map(json));
    if let Some(logo) = &patch.logo_url {
        qb.push(", logo_url = ").push_bind(logo.clone());
    }
    qb.push(" WHERE instance_id = ")
        .push_bind(instance_id.as_str())
        .push(" AND application_id = ")
        .push_bind(id.as_str());
    let r = qb
        .build()
        .execute(&mut *tx)
        .await
        .map_err(|e| map_write_error(e, instance_id))?;
    if r.rows_affected() == 0 {
        return Ok(false);
    }
    for (op, field) in &patch.custom_fields {
        let q = match op {
            FieldOperation::Set => sqlx::query(
                "INSERT INTO application_custom_fields (application_id, field_name, field_value)
                 VALUES (?, ?, ?)
                 ON CONFLICT (application_id, field_name) DO UPDATE SET field_value = excluded.field_value",
            )
            .bind(id.as_str())
            .bind(&field.name)
            .bind(&field.value),
            FieldOperation::Remove => sqlx::query(
                "DELETE FROM application_custom_fields WHERE application_id = ? AND field_name = ?",
            )
            .bind(id.as_str())
            .bind(&field.name),
        };
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(true)
}
