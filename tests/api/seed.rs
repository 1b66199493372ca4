use std::path::{Path, PathBuf};
use std::sync::Arc;

use eiam_local::clock::SystemClock;
use eiam_local::config::Settings;
use eiam_local::seed::{SeedFailure, apply_file, export};

use crate::helpers::*;

fn settings(db: &Path) -> Settings {
    let mut s = Settings::new(db);
    s.argon2 = light_argon2();
    s
}

/// Every row of every table, as text: equal dumps mean equal databases.
pub async fn dump(db: &Path) -> String {
    let store = eiam_local::storage::SqliteStore::open(db, 1).await.unwrap();
    let mut conn = store.writer_pool().acquire().await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut out = String::new();
    for t in tables {
        let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{t}') ORDER BY cid"
        )))
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let expr = cols
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT {expr} FROM \"{t}\" ORDER BY 1"
        )))
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        out.push_str(&format!("== {t}\n{}\n", rows.join("\n")));
    }
    drop(conn);
    store.writer_pool().close().await;
    out
}

async fn apply(db: &Path, file: &Path) -> Result<String, SeedFailure> {
    apply_file(&settings(db), file, Arc::new(SystemClock))
        .await
        .map(|r| r.to_string())
}

#[tokio::test]
async fn applying_the_demo_twice_changes_nothing_and_ids_are_stable() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let first = apply(&a, Path::new(DEMO)).await.unwrap();
    assert!(first.contains("applied"), "{first}");
    let before = dump(&a).await;
    let second = apply(&a, Path::new(DEMO)).await.unwrap();
    assert!(second.contains("nothing changed"), "{second}");
    assert_eq!(dump(&a).await, before);

    let b = dir.path().join("b.db");
    apply(&b, Path::new(DEMO)).await.unwrap();
    let ids = |db: PathBuf| async move {
        let store = eiam_local::storage::SqliteStore::open(&db, 1)
            .await
            .unwrap();
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT instance_id FROM instances UNION ALL SELECT application_id FROM applications
             UNION ALL SELECT secret_id FROM client_secrets UNION ALL SELECT scope_id FROM resource_server_scopes
             ORDER BY 1",
        )
        .fetch_all(store.writer_pool())
        .await
        .unwrap();
        rows
    };
    let (ia, ib) = (ids(a).await, ids(b).await);
    assert_eq!(ia.len(), 1 + 3 + 4 + 2);
    assert_eq!(ia, ib);
}

#[tokio::test]
async fn export_apply_export_gives_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    apply(&a, Path::new(DEMO)).await.unwrap();
    for with_secrets in [false, true] {
        let first = export(&settings(&a), with_secrets, Arc::new(SystemClock))
            .await
            .unwrap();
        let file = dir.path().join(format!("export-{with_secrets}.toml"));
        std::fs::write(&file, &first).unwrap();
        let b = dir.path().join(format!("b-{with_secrets}.db"));
        apply(&b, &file).await.unwrap();
        let second = export(&settings(&b), with_secrets, Arc::new(SystemClock))
            .await
            .unwrap();
        assert_eq!(first, second);
        assert_eq!(
            first.contains("CSdemoReportingWorker000000000000000000000RW"),
            with_secrets
        );
    }
}

const BASE: &str = r#"
[[instances]]
name = "bad"

  [[instances.applications]]
  name = "api"
  sso_type = "oauth2/m2m"

    [instances.applications.resource_server]
    identifier = "https://api"

      [[instances.applications.resource_server.scopes]]
      value = "read"
"#;

#[tokio::test]
async fn malformed_seed_files_are_rejected_whole_with_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("eiam.db");
    apply(&db, Path::new(DEMO)).await.unwrap();
    let before = dump(&db).await;
    let client = |extra: &str| {
        format!(
            "{BASE}\n  [[instances.applications]]\n  name = \"client\"\n  sso_type = \"oauth2/m2m\"\n{extra}"
        )
    };
    // (file, the text on the line the error must point at, expected field fragment)
    let cases: Vec<(String, &str, &str)> = vec![
        (client("  sso_typ = \"oidc\"\n"), "sso_typ = ", "sso_typ"),
        (
            client("  m2m_client = \"yes\"\n"),
            "m2m_client = ",
            "m2m_client",
        ),
        (
            client(
                "  [[instances.applications.secrets]]\n  name = \"a\"\n  [[instances.applications.secrets]]\n  name = \"b\"\n  [[instances.applications.secrets]]\n  name = \"c\"\n",
            ),
            "name = \"c\"",
            "secrets[2]",
        ),
        (
            client(
                "  [[instances.applications.grants]]\n  resource_server = \"https://api\"\n  scopes = [\"write\"]\n",
            ),
            "scopes = [\"write\"]",
            "grants[0].scopes[0]",
        ),
        (
            client(
                "  [[instances.applications.secrets]]\n  name = \"old\"\n  expiration = \"2001-01-01T00:00:00Z\"\n",
            ),
            "expiration =",
            "secrets[0].expiration",
        ),
        (
            format!(
                "{BASE}\n  [[instances.applications]]\n  name = \"api\"\n  sso_type = \"oidc\"\n"
            ),
            "sso_type = \"oidc\"",
            "applications[1].name",
        ),
        (
            client("  description = \"unterminated\n"),
            "unterminated",
            "description",
        ),
        (
            format!(
                "{BASE}\n  [[instances.applications]]\n  name = \"cas\"\n  sso_type = \"cas\"\n"
            ),
            "sso_type = \"cas\"",
            "applications[1].sso_type",
        ),
        (
            client(
                "  [[instances.applications.secrets]]\n  name = \"env\"\n  value_env = \"EIAM_TEST_SURELY_UNSET_VARIABLE\"\n",
            ),
            "value_env",
            "secrets[0].value_env",
        ),
        (
            client(
                "  [[instances.applications.secrets]]\n  name = \"sp\"\n  value = \"has a space\"\n",
            ),
            "has a space",
            "secrets[0].value",
        ),
        (
            client("  id = \"app_not_an_id\"\n"),
            "app_not_an_id",
            "applications[1].id",
        ),
        (
            format!(
                "{BASE}\n  [[instances.applications]]\n  name = \"api2\"\n  sso_type = \"oauth2/m2m\"\n    [instances.applications.resource_server]\n    identifier = \"https://api\"\n"
            ),
            "identifier = ",
            "resource_server.identifier",
        ),
    ];
    assert!(cases.len() >= 10);
    for (n, (text, marker, field)) in cases.into_iter().enumerate() {
        let line = text
            .lines()
            .collect::<Vec<_>>()
            .iter()
            .rposition(|l| l.contains(marker))
            .expect("marker in the file")
            + 1;
        // Errors about a whole table may point at its header, just above the marker.
        let near = [line, line - 1];
        let file = dir.path().join(format!("bad-{n}.toml"));
        std::fs::write(&file, &text).unwrap();
        let err = apply(&db, &file)
            .await
            .expect_err(&format!("case {n} accepted:\n{text}"));
        let msg = err.to_string();
        assert!(matches!(err, SeedFailure::Rejected(_)), "case {n}: {msg}");
        assert!(
            near.iter().any(|l| msg.contains(&format!(":line {l}:"))),
            "case {n}: expected line {line}: {msg}"
        );
        assert!(
            msg.contains(field),
            "case {n}: expected field {field}: {msg}"
        );
        assert!(msg.contains("nothing was applied"), "{msg}");
        assert_eq!(dump(&db).await, before, "case {n} changed the database");
    }
}

#[tokio::test]
async fn a_generated_secret_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("eiam.db");
    let file = dir.path().join("gen.toml");
    std::fs::write(
        &file,
        "[[instances]]\nname = \"g\"\n[[instances.applications]]\nname = \"c\"\nsso_type = \"oauth2/m2m\"\n[[instances.applications.secrets]]\nname = \"generated\"\n",
    )
    .unwrap();
    let first = apply(&db, &file).await.unwrap();
    assert!(
        first.contains("generated client secret g/c/generated"),
        "{first}"
    );
    let line = first.lines().find(|l| l.starts_with("generated")).unwrap();
    let value = line
        .split("): ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert!(value.starts_with("CS") && value.len() == 44, "{value}");
    let second = apply(&db, &file).await.unwrap();
    assert!(!second.contains("CS"), "{second}");
}

#[tokio::test]
async fn the_demo_seed_works_at_the_token_endpoint() {
    let demo = spawn_demo().await;
    let (app, instance) = (&demo.app, &demo.instance);
    let id_of = |name: &str| demo.id_of(name);
    let (reporting, fulfillment) = (id_of("Reporting Worker"), id_of("Fulfillment Service"));
    let read = "https://orders.demo.example|orders:read";
    let write = "https://orders.demo.example|orders:write";
    let token = app
        .token(
            instance,
            &reporting,
            "CSdemoReportingWorker000000000000000000000RW",
            read,
        )
        .await;
    assert_eq!(token["scope"], read);
    let (s, body) = app
        .token_post(
            instance,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &reporting),
                (
                    "client_secret",
                    "CSdemoReportingWorker000000000000000000000RW",
                ),
                ("scope", write),
            ],
        )
        .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_scope")));
    app.token(
        instance,
        &fulfillment,
        "CSdemoFulfillmentService000000000000000000FS",
        &format!("{read} {write}"),
    )
    .await;
    for (client, secret) in [
        (&reporting, "CSdemoReportingWorkerOld000000000000000000RO"),
        (&fulfillment, "CSdemoFulfillmentServiceExpired00000000000FX"),
    ] {
        let (s, body, _) = app.token_basic(instance, client, secret, read).await;
        assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
    }
}

/// The "Walk-through of the demo" section of README.md.
fn readme_walkthrough() -> &'static str {
    const README: &str = include_str!("../../README.md");
    let start = README
        .find("## Walk-through of the demo")
        .expect("README has the demo walk-through");
    let rest = &README[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    &rest[..end]
}

/// Words made of `[A-Za-z0-9_]` that start with `prefix`.
fn words_starting(text: &str, prefix: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

/// The text between the first pair of backquotes in `cell`.
fn quoted(cell: &str) -> Option<&str> {
    let (_, rest) = cell.split_once('`')?;
    Some(rest.split_once('`')?.0)
}

#[tokio::test]
async fn the_readme_demo_ids_and_secrets_are_what_the_demo_seed_produces() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("eiam.db");
    apply(&db, Path::new(DEMO)).await.unwrap();
    let store = eiam_local::storage::SqliteStore::open(&db, 1)
        .await
        .unwrap();
    let instances: Vec<String> = sqlx::query_scalar("SELECT instance_id FROM instances")
        .fetch_all(store.writer_pool())
        .await
        .unwrap();
    let apps: Vec<(String, String)> =
        sqlx::query_as("SELECT name, application_id FROM applications ORDER BY name")
            .fetch_all(store.writer_pool())
            .await
            .unwrap();
    store.writer_pool().close().await;
    assert_eq!(instances.len(), 1);
    // Secret values per application, from the database (export opens the sealed copies).
    let exported: toml::Table = toml::from_str(
        &export(&settings(&db), true, Arc::new(SystemClock))
            .await
            .unwrap(),
    )
    .unwrap();
    // (application name, value, status, has an expiration)
    let mut secrets: Vec<(String, String, String, bool)> = Vec::new();
    for a in exported["instances"][0]["applications"].as_array().unwrap() {
        for s in a
            .get("secrets")
            .and_then(|s| s.as_array())
            .into_iter()
            .flatten()
        {
            secrets.push((
                a["name"].as_str().unwrap().to_owned(),
                s["value"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
                s.get("expiration").is_some(),
            ));
        }
    }
    assert_eq!(secrets.len(), 4);

    let section = readme_walkthrough();
    let mut table_instance = None;
    let mut table_apps = Vec::new();
    for row in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let Some(id) = cells.get(1).and_then(|c| quoted(c)) else {
            continue;
        };
        let label = cells[0];
        if id.starts_with("idaas_") {
            assert_eq!(label, "instance `demo`");
            table_instance = Some(id.to_owned());
        } else if id.starts_with("app_") {
            let name = label.split(" (").next().unwrap().to_owned();
            let secret = label
                .split_once("(secret ")
                .and_then(|(_, s)| quoted(s))
                .map(str::to_owned);
            table_apps.push((name, id.to_owned(), secret));
        }
    }
    assert_eq!(
        table_instance.as_ref(),
        Some(&instances[0]),
        "README instance id"
    );
    let mut ids: Vec<(String, String)> = table_apps
        .iter()
        .map(|(n, i, _)| (n.clone(), i.clone()))
        .collect();
    ids.sort();
    assert_eq!(ids, apps, "README application ids");
    let usable = |app: &str| -> Vec<String> {
        secrets
            .iter()
            .filter(|s| s.0 == app && s.2 == "enabled" && !s.3)
            .map(|s| s.1.clone())
            .collect()
    };
    for (name, _, secret) in &table_apps {
        let want = usable(name);
        match secret {
            Some(v) => assert_eq!(
                want.as_slice(),
                std::slice::from_ref(v),
                "README secret of {name}"
            ),
            None => assert!(want.is_empty(), "README shows no secret for {name}"),
        }
    }
    assert_eq!(
        table_apps.iter().filter(|a| a.2.is_some()).count(),
        2,
        "the table shows both demo clients' secrets"
    );

    // The disabled secret the text names is the Reporting Worker's disabled one.
    let disabled = section
        .split_once("disabled secret")
        .and_then(|(_, rest)| quoted(rest))
        .expect("README names the disabled secret");
    assert!(
        secrets
            .iter()
            .any(|s| s.0 == "Reporting Worker" && s.1 == disabled && s.2 == "disabled"),
        "README's disabled secret {disabled}"
    );

    // Every id and demo secret anywhere in the section (curl, Python) is a real one.
    let mut known: Vec<&str> = instances.iter().map(String::as_str).collect();
    known.extend(apps.iter().map(|a| a.1.as_str()));
    let mut seen = 0;
    for word in [
        words_starting(section, "idaas_"),
        words_starting(section, "app_"),
    ]
    .concat()
    {
        assert!(
            known.contains(&word.as_str()),
            "README mentions unknown id {word}"
        );
        seen += 1;
    }
    for word in words_starting(section, "CSdemo") {
        assert!(
            secrets.iter().any(|s| s.1 == word),
            "README mentions unknown demo secret {word}"
        );
        seen += 1;
    }
    assert!(seen >= 10, "{seen}");
}
