use sqlx::{AssertSqlSafe, Connection, QueryBuilder, Sqlite, SqliteConnection};

use super::SqliteStore;
use super::rows::{INSTANCE_COLUMNS, InstanceRow};
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

pub async fn get(conn: &mut SqliteConnection, id: &InstanceId) -> Result<Option<Instance>, Error> {
    let row: Option<InstanceRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {INSTANCE_COLUMNS} FROM instances WHERE instance_id = ?"
    )))
    .bind(id.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(Instance::from))
}

fn push_filter(qb: &mut QueryBuilder<Sqlite>, filter: &InstanceFilter) {
    qb.push(" WHERE 1 = 1");
    if !filter.ids.is_empty() {
        qb.push(" AND instance_id IN (");
        let mut sep = qb.separated(", ");
        for id in &filter.ids {
            sep.push_bind(id.as_str());
        }
        qb.push(")");
    }
    if let Some(status) = &filter.status {
        qb.push(" AND status = ").push_bind(status.as_str());
    }
}

pub async fn list(
    conn: &mut SqliteConnection,
    filter: &InstanceFilter,
    page: Page,
) -> Result<(Vec<Instance>, i64), Error> {
    // One read transaction, so the total and the page come from the same snapshot.
    let mut tx = conn.begin().await?;
    let mut count = QueryBuilder::new("SELECT count(*) FROM instances");
    push_filter(&mut count, filter);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;

    let mut qb = QueryBuilder::new(format!("SELECT {INSTANCE_COLUMNS} FROM instances"));
    push_filter(&mut qb, filter);
    qb.push(" ORDER BY created_at_ms, instance_id LIMIT ")
        .push_bind(page.size)
        .push(" OFFSET ")
        .push_bind(page.offset());
    let rows: Vec<InstanceRow> = qb.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok((rows.into_iter().map(Instance::from).collect(), total))
}
