use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use eiam_local::clock::SystemClock;
use eiam_local::config::Settings;

use crate::helpers::*;

const SCHEMA_DOC: &str = include_str!("../../docs/schema.md");
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo.toml");

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
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let db = dir.path().join("eiam.db");
    let mut settings = Settings::new(&db);
    settings.argon2 = light_argon2();
    eiam_local::seed::apply_file(&settings, Path::new(DEMO), Arc::new(SystemClock))
        .await
        .unwrap();
    let app = spawn_in(dir, |_| {}).await;
    let instance = app.rpc("ListInstances", &[]).await.ok()["Instances"][0]["InstanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let apps = app
        .rpc("ListApplications", &[("InstanceId", &instance)])
        .await
        .ok();
    let reporting = apps["Applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["ApplicationName"] == "Reporting Worker")
        .unwrap()["ApplicationId"]
        .as_str()
        .unwrap()
        .to_owned();
    app.token(
        &instance,
        &reporting,
        "CSdemoReportingWorker000000000000000000000RW",
        "https://orders.demo.example|orders:read",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

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
    app.rpc("ListInstances", &[]).await.ok();
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
