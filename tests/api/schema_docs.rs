use std::process::Command;

use crate::helpers::*;

const SCHEMA_DOC: &str = include_str!("../../docs/schema.md");

fn sql_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim()) {
            (None, "```sql") => current = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

/// The documented queries, run by the real `sqlite3` shell while the server serves.
#[tokio::test]
async fn every_documented_query_runs_while_the_server_serves() {
    let demo = spawn_demo().await;
    let db = demo.app.db_path.clone();
    demo.use_reporting_worker().await;

    let blocks = sql_blocks(SCHEMA_DOC);
    assert!(blocks.len() >= 5, "the schema doc has its example queries");
    let mut with_rows = 0;
    for sql in &blocks {
        let out = Command::new("sqlite3")
            .arg("-bail")
            .arg("-header")
            .arg(&db)
            .arg(sql)
            .output()
            .expect("the sqlite3 shell is installed (Debian package sqlite3)");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "query failed:\n{sql}\n{stderr}"
        );
        if String::from_utf8_lossy(&out.stdout).lines().count() >= 2 {
            with_rows += 1;
        }
    }
    assert!(
        with_rows >= blocks.len() - 1,
        "the demo should give most examples something to show"
    );
    // The server is still serving, undisturbed.
    demo.app.rpc("ListInstances", &[]).await.ok();
}

#[tokio::test]
async fn no_view_exposes_a_hash_a_sealed_value_or_a_private_key() {
    let app = spawn_app().await;
    let store = eiam_local::storage::SqliteStore::open(&app.db_path, 1)
        .await
        .unwrap();
    let views: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")
            .fetch_all(store.writer_pool())
            .await
            .unwrap();
    assert!(views.len() >= 6);
    for v in views {
        let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{v}')"
        )))
        .fetch_all(store.writer_pool())
        .await
        .unwrap();
        for c in cols {
            assert!(
                !c.contains("hash") && !c.contains("sealed") && !c.contains("private"),
                "{v}.{c}"
            );
        }
    }
}

#[test]
fn the_schema_doc_mentions_every_table_and_view() {
    let migrations = [
        include_str!("../../migrations/V1__initial_schema.sql"),
        include_str!("../../migrations/V2__views_for_people.sql"),
        include_str!("../../migrations/V3__listing_index_and_quota_trigger.sql"),
    ]
    .join("\n");
    for line in migrations.lines() {
        let line = line.trim();
        for kw in ["CREATE TABLE ", "CREATE VIEW "] {
            if let Some(rest) = line.strip_prefix(kw) {
                let name = rest.split_whitespace().next().unwrap();
                assert!(
                    SCHEMA_DOC.contains(&format!("`{name}`")),
                    "docs/schema.md does not describe {name}"
                );
            }
        }
    }
}

/// `2024-01-01T00:00:00.000Z`: what the views show beside a `*_ms` column.
fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The views on the demo seed hold the values the API and the tables hold.
#[tokio::test]
async fn the_views_show_the_right_values_for_the_demo() {
    let demo = spawn_demo().await;
    let (app, instance) = (&demo.app, &demo.instance);
    let db = app.db_path.clone();
    let id_of = |name: &str| demo.id_of(name);
    let (orders, reporting, fulfillment) = (
        id_of("Orders API"),
        id_of("Reporting Worker"),
        id_of("Fulfillment Service"),
    );
    // One use, so last_used_at and a signing key have values to show.
    demo.use_reporting_worker().await;

    let store = eiam_local::storage::SqliteStore::open(&db, 1)
        .await
        .unwrap();
    let pool = store.writer_pool();

    // v_client_secrets against ListApplicationClientSecrets, secret by secret.
    type SecretRow = (
        String,
        String,
        String,
        String,
        String,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        i64,
    );
    let rows: Vec<SecretRow> = sqlx::query_as(
        "SELECT secret_id, application_id, application_name, masked_secret, status, state,
                usable, expires_at_ms, last_used_at_ms, retrievable
         FROM v_client_secrets ORDER BY created_at_ms",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 4);
    let mut listed = Vec::new();
    for (name, id) in [
        ("Reporting Worker", &reporting),
        ("Fulfillment Service", &fulfillment),
    ] {
        for s in app.list_secrets(instance, id).await {
            listed.push((name, s));
        }
    }
    assert_eq!(listed.len(), 4);
    let demo_values = [
        ("CSdemoReportingWorker000000000000000000000RW", "active", 1),
        (
            "CSdemoReportingWorkerOld000000000000000000RO",
            "disabled",
            0,
        ),
        ("CSdemoFulfillmentService000000000000000000FS", "active", 1),
        ("CSdemoFulfillmentServiceExpired00000000000FX", "expired", 0),
    ];
    let mut states = Vec::new();
    for (name, s) in &listed {
        let secret_id = s["SecretId"].as_str().unwrap();
        let row = rows
            .iter()
            .find(|r| r.0 == secret_id)
            .unwrap_or_else(|| panic!("{secret_id} not in v_client_secrets"));
        let (_, app_id, app_name, masked, status, state, usable, expires, last_used, retr) = row;
        assert_eq!(app_name, name);
        assert_eq!(Some(app_id.as_str()), s["ApplicationId"].as_str());
        assert_eq!(
            Some(masked.as_str()),
            s["ClientSecret"].as_str(),
            "{secret_id}"
        );
        assert_eq!(Some(status.as_str()), s["Status"].as_str(), "{secret_id}");
        assert_eq!(*expires, s["ExpirationTime"].as_i64(), "{secret_id}");
        assert_eq!(*last_used, s["LastUsedTime"].as_i64(), "{secret_id}");
        assert_eq!(*retr, 1);
        // Which demo secret this is, from its plaintext; then the 4 + '*' + 2 rule.
        let plain = app
            .rpc(
                "ObtainApplicationClientSecret",
                &[
                    ("InstanceId", instance),
                    ("ApplicationId", app_id),
                    ("SecretId", secret_id),
                ],
            )
            .await
            .ok()["ApplicationClientSecret"]["ClientSecret"]
            .as_str()
            .unwrap()
            .to_owned();
        let (value, want_state, want_usable) = demo_values
            .iter()
            .find(|(v, _, _)| *v == plain)
            .unwrap_or_else(|| panic!("{plain} is no demo value"));
        assert_eq!(
            masked,
            &format!(
                "{}{}{}",
                &value[..4],
                "*".repeat(value.len() - 6),
                &value[value.len() - 2..]
            )
        );
        assert_eq!(masked, &eiam_local::domain::secret::mask(value));
        assert_eq!(state, want_state, "{value}");
        assert_eq!(usable, want_usable, "{value}");
        states.push(state.clone());
    }
    states.sort();
    assert_eq!(states, ["active", "active", "disabled", "expired"]);
    // The Reporting Worker's primary was just used; nothing else was.
    let used: Vec<&str> = rows
        .iter()
        .filter(|r| r.8.is_some())
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(used, [reporting.as_str()]);

    // Every ISO-8601 column equals its *_ms column, in every view and row (with updates
    // that set each updated_at apart from its created_at).
    sqlx::raw_sql(
        "UPDATE instances SET updated_at_ms = updated_at_ms + 1234567;
         UPDATE applications SET updated_at_ms = updated_at_ms + 7654321;",
    )
    .execute(pool)
    .await
    .unwrap();
    let views: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")
            .fetch_all(pool)
            .await
            .unwrap();
    let mut compared = std::collections::BTreeSet::new();
    let mut non_null = 0;
    for v in &views {
        let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{v}')"
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        for c in &cols {
            let Some(base) = c.strip_suffix("_ms") else {
                continue;
            };
            assert!(cols.iter().any(|x| x == base), "{v}.{c} has no ISO column");
            let pairs: Vec<(Option<String>, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(
                format!("SELECT \"{base}\", \"{c}\" FROM \"{v}\""),
            ))
            .fetch_all(pool)
            .await
            .unwrap();
            assert!(!pairs.is_empty(), "{v} is empty");
            for (text, ms) in pairs {
                assert_eq!(text, ms.map(iso), "{v}.{base}");
                non_null += usize::from(ms.is_some());
            }
            compared.insert(format!("{v}.{base}"));
        }
    }
    for expected in [
        "v_instances.created_at",
        "v_instances.updated_at",
        "v_applications.created_at",
        "v_applications.updated_at",
        "v_client_secrets.created_at",
        "v_client_secrets.expires_at",
        "v_client_secrets.last_used_at",
        "v_resource_server_scopes.created_at",
        "v_signing_keys.created_at",
    ] {
        assert!(compared.contains(expected), "{expected} not compared");
    }
    // 1 instance × 2, 3 applications × 2, 4 secrets created + 1 expiry + 1 last use,
    // 2 scopes, 1 signing key.
    assert_eq!(non_null, 2 + 6 + 6 + 2 + 1);
    // And against fixed instants, so a wrong conversion in both places cannot agree.
    let expired_at: String =
        sqlx::query_scalar("SELECT expires_at FROM v_client_secrets WHERE state = 'expired'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(expired_at, "2024-01-01T00:00:00.000Z");

    // Parent names and counts joined in.
    let inst: (String, i64, i64) = sqlx::query_as(
        "SELECT description, applications, client_secrets FROM v_instances WHERE instance_id = ?",
    )
    .bind(instance)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(inst, ("eiam-local demo instance".into(), 3, 4));
    type AppRow = (
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        i64,
        i64,
    );
    let mut app_rows: Vec<AppRow> = sqlx::query_as(
        "SELECT application_id, name, instance_description, m2m_client_status,
                    resource_server_status, resource_server_identifier, client_secrets, scopes
             FROM v_applications ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let expected_apps = vec![
        (
            fulfillment.clone(),
            "Fulfillment Service".to_owned(),
            "eiam-local demo instance".to_owned(),
            "enabled".to_owned(),
            "disabled".to_owned(),
            None,
            2,
            0,
        ),
        (
            orders.clone(),
            "Orders API".to_owned(),
            "eiam-local demo instance".to_owned(),
            "disabled".to_owned(),
            "enabled".to_owned(),
            Some("https://orders.demo.example".to_owned()),
            0,
            2,
        ),
        (
            reporting.clone(),
            "Reporting Worker".to_owned(),
            "eiam-local demo instance".to_owned(),
            "enabled".to_owned(),
            "disabled".to_owned(),
            None,
            2,
            0,
        ),
    ];
    app_rows.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(app_rows, expected_apps);

    let scopes: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT application_id, application_name, resource_server_identifier, value, requested_as, name
         FROM v_resource_server_scopes ORDER BY value",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let scope = |value: &str, name: &str| {
        (
            orders.clone(),
            "Orders API".to_owned(),
            "https://orders.demo.example".to_owned(),
            value.to_owned(),
            format!("https://orders.demo.example|{value}"),
            name.to_owned(),
        )
    };
    assert_eq!(
        scopes,
        [
            scope("orders:read", "Read orders"),
            scope("orders:write", "Create and change orders"),
        ]
    );

    let grants: Vec<(String, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT client_application_id, client_name, resource_server_application_id,
                resource_server_name, resource_server_identifier, scope_value, granted_by
         FROM v_grants ORDER BY client_name, scope_value",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let grant = |client: &str, name: &str, value: &str| {
        (
            client.to_owned(),
            name.to_owned(),
            orders.clone(),
            "Orders API".to_owned(),
            "https://orders.demo.example".to_owned(),
            value.to_owned(),
            "scope".to_owned(),
        )
    };
    assert_eq!(
        grants,
        [
            grant(&fulfillment, "Fulfillment Service", "orders:read"),
            grant(&fulfillment, "Fulfillment Service", "orders:write"),
            grant(&reporting, "Reporting Worker", "orders:read"),
        ]
    );

    let keys: Vec<(String, String, String)> =
        sqlx::query_as("SELECT instance_id, algorithm, public_jwk FROM v_signing_keys")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0].0.as_str(), keys[0].1.as_str()),
        (instance.as_str(), "RS256")
    );
    let jwk: serde_json::Value = serde_json::from_str(&keys[0].2).unwrap();
    assert_eq!(jwk["kty"], "RSA");
    assert!(jwk.get("d").is_none(), "no private part");

    // `usable` also needs the application and its M2M client enabled; `state` does not.
    for switch in ["m2m_client_status", "status"] {
        for (value, usable) in [("disabled", 0), ("enabled", 1)] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE applications SET {switch} = ? WHERE application_id = ?"
            )))
            .bind(value)
            .bind(&reporting)
            .execute(pool)
            .await
            .unwrap();
            let row: (i64, String) = sqlx::query_as(
                "SELECT usable, state FROM v_client_secrets WHERE application_id = ? AND status = 'enabled'",
            )
            .bind(&reporting)
            .fetch_one(pool)
            .await
            .unwrap();
            assert_eq!(row, (usable, "active".to_owned()), "{switch} = {value}");
        }
    }

    // Instants whose milliseconds a float conversion could round the wrong way.
    for ms in [
        1_000_000_000_001,
        1_717_171_717_999,
        1_704_067_199_999,
        4_102_444_799_999,
        1_234_567_890_123,
        1_111_111_111_005,
    ] {
        sqlx::query("UPDATE client_secrets SET last_used_at_ms = ? WHERE application_id = ?")
            .bind(ms)
            .bind(&fulfillment)
            .execute(pool)
            .await
            .unwrap();
        let shown: Vec<String> = sqlx::query_scalar(
            "SELECT last_used_at FROM v_client_secrets WHERE application_id = ?",
        )
        .bind(&fulfillment)
        .fetch_all(pool)
        .await
        .unwrap();
        assert_eq!(shown, [iso(ms), iso(ms)], "{ms}");
    }
    pool.close().await;
}
