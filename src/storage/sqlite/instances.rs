use rusqlite::Connection;

use super::SqliteStore;
use super::rows::{INSTANCE_COLUMNS, InstanceRow};
use super::sql::{self, Sql};
use crate::domain::ids::InstanceId;
use crate::domain::instance::{Instance, InstanceFilter};
use crate::domain::paging::Page;
use crate::error::Error;

pub async fn create(
    store: &SqliteStore,
    instance: &Instance,
    client_token: Option<&str>,
) -> Result<InstanceId, Error> {
    let mut tx = store.begin().await?;
    if let Some(token) = client_token {
        let existing: Option<String> =
            sqlx::query_scalar("SELECT instance_id FROM instances WHERE client_token = ?")
                .bind(token)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = existing {
            return Ok(InstanceId::from_trusted(id));
        }
    }
    sqlx::query(
        "INSERT INTO instances (instance_id, description, status, client_token, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(instance.id.as_str())
    .bind(&instance.description)
    .bind(&instance.status)
    .bind(client_token)
    .bind(instance.created_at)
    .bind(instance.updated_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(instance.id.clone())
}

pub fn get(conn: &Connection, id: &InstanceId) -> Result<Option<Instance>, Error> {
    let row = sql::optional(
        conn,
        &format!("SELECT {INSTANCE_COLUMNS} FROM instances WHERE instance_id = ?"),
        [id.as_str()],
        InstanceRow::from_row,
    )?;
    Ok(row.map(Instance::from))
}

fn push_filter(q: &mut Sql, filter: &InstanceFilter) {
    q.push(" WHERE 1 = 1")
        .and_in("instance_id", &filter.ids)
        .and_eq("status", &filter.status);
}

pub fn list(
    conn: &Connection,
    filter: &InstanceFilter,
    page: Page,
) -> Result<(Vec<Instance>, i64), Error> {
    // One read transaction, so the total and the page come from the same snapshot.
    let tx = conn.unchecked_transaction()?;
    let mut count = Sql::new("SELECT count(*) FROM instances");
    push_filter(&mut count, filter);
    let total: i64 = count.scalar(&tx)?;

    let mut q = Sql::new(format!("SELECT {INSTANCE_COLUMNS} FROM instances"));
    push_filter(&mut q, filter);
    q.push(" ORDER BY created_at_ms, instance_id LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let rows = q.rows(&tx, InstanceRow::from_row)?;
    tx.commit()?;
    Ok((rows.into_iter().map(Instance::from).collect(), total))
}
