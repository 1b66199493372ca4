use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::helpers::*;

fn file_bytes(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn no_plaintext_secret_in_the_database_or_its_wal() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let (i2, a2) = app.m2m_app().await;
    let mut plaintexts = vec![app.create_secret(&i, &a).await.1];
    plaintexts.push(app.create_secret(&i, &a).await.1);
    plaintexts.push(app.create_secret(&i2, &a2).await.1);
    let db = file_bytes(&app.db_path);
    let wal = file_bytes(&app.db_path.with_extension("db-wal"));
    assert!(!db.is_empty() || !wal.is_empty());
    for p in &plaintexts {
        // The whole value and its hidden middle: only the mask's 4 + 2 characters are kept.
        for needle in [p.as_str(), &p[4..42]] {
            assert!(!contains(&db, needle), "plaintext in the database file");
            assert!(!contains(&wal, needle), "plaintext in the WAL");
        }
    }
    let dir = app.stop().await;
    let db = file_bytes(&dir.path().join("eiam.db"));
    for p in &plaintexts {
        assert!(!contains(&db, p), "plaintext in the checkpointed database");
    }
}

#[tokio::test]
async fn the_database_runs_in_wal_mode_with_foreign_keys() {
    let app = spawn_app().await;
    app.create_instance().await;
    let store = eiam_local::storage::SqliteStore::open(&app.db_path, 1)
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.writer_pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.writer_pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn secrets_survive_a_restart() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let (sid, plain) = app.create_secret(&i, &a).await;
    let dir = app.stop().await;
    let app = spawn_in(dir, |_| {}).await;
    let listed = app.list_secrets(&i, &a).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["SecretId"], sid.as_str());
    let body = app
        .rpc(
            "ObtainApplicationClientSecret",
            &[
                ("InstanceId", &i),
                ("ApplicationId", &a),
                ("SecretId", &sid),
            ],
        )
        .await
        .ok();
    assert_eq!(
        body["ApplicationClientSecret"]["ClientSecret"],
        plain.as_str()
    );
}

#[tokio::test]
async fn the_master_key_file_is_created_beside_the_database_with_mode_0600() {
    let app = spawn_app().await;
    let key = app.db_path.with_extension("db.key");
    let meta = std::fs::metadata(&key).expect("key file exists");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    let _ = meta;
}

/// The real binary at the most verbose level: its log must not contain a plaintext.
#[tokio::test]
async fn trace_logs_contain_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_eiam-local"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--database")
        .arg(dir.path().join("eiam.db"))
        .env("RUST_LOG", "trace")
        .env("EIAM_ARGON2_MEMORY_KIB", "64")
        .env("EIAM_ARGON2_ITERATIONS", "1")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready, "server did not start");
    let call = |action: &'static str, params: Vec<(&'static str, String)>| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let r = client
                .post(format!("{base}/"))
                .header("x-acs-action", action)
                .header("x-acs-version", VERSION)
                .query(&params)
                .send()
                .await
                .unwrap();
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let i = call("CreateInstance", vec![]).await["InstanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = call(
        "CreateApplication",
        vec![
            ("InstanceId", i.clone()),
            ("ApplicationName", "logged".into()),
            ("ApplicationSourceType", STANDARD.into()),
            ("SsoType", "oauth2/m2m".into()),
        ],
    )
    .await["ApplicationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = call(
        "CreateApplicationClientSecret",
        vec![("InstanceId", i.clone()), ("ApplicationId", a.clone())],
    )
    .await;
    let plain = created["ApplicationClientSecret"]["ClientSecret"]
        .as_str()
        .unwrap()
        .to_owned();
    let sid = created["ApplicationClientSecret"]["SecretId"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        "ObtainApplicationClientSecret",
        vec![
            ("InstanceId", i.clone()),
            ("ApplicationId", a.clone()),
            ("SecretId", sid),
        ],
    )
    .await;
    call(
        "ListApplicationClientSecrets",
        vec![("InstanceId", i.clone()), ("ApplicationId", a.clone())],
    )
    .await;
    // Token requests carry the secret in a header and in a form body.
    let token_url = format!("{base}/{i}/api/v2/iauths_system/oauth2/token");
    client
        .post(&token_url)
        .basic_auth(&a, Some(&plain))
        .form(&[("grant_type", "client_credentials"), ("scope", "x|y")])
        .send()
        .await
        .unwrap();
    client
        .post(&token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", a.as_str()),
            ("client_secret", plain.as_str()),
        ])
        .send()
        .await
        .unwrap();
    unsafe { libc_kill(child.id() as i32) };
    child.wait().unwrap();
    let log = std::fs::File::open(&log_path).unwrap();
    let mut lines = 0;
    for line in BufReader::new(log).lines() {
        let line = line.unwrap();
        lines += 1;
        assert!(!line.contains(&plain), "plaintext in the log: {line}");
        assert!(
            !line.contains(&plain[4..42]),
            "part of the plaintext in the log: {line}"
        );
    }
    assert!(lines > 20, "trace logging produced only {lines} lines");
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill_raw(pid: i32, sig: i32) -> i32;
}

/// SIGTERM, so the server shuts down cleanly.
unsafe fn libc_kill(pid: i32) {
    unsafe {
        libc_kill_raw(pid, 15);
    }
}

/// The quota holds in the database too (for SQL users inserting by hand), and the trigger's
/// sibling count is an index search, not a scan of every secret of every application.
#[tokio::test]
async fn the_database_refuses_a_third_secret_through_an_index() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    app.create_secret(&i, &a).await;
    app.create_secret(&i, &a).await;
    let store = eiam_local::storage::SqliteStore::open(&app.db_path, 1)
        .await
        .unwrap();
    let copy = "INSERT INTO client_secrets (secret_id, instance_id, application_id, status,
            secret_hash, secret_sealed, mask_prefix, mask_suffix, secret_length,
            created_at_ms, updated_at_ms)
        SELECT 'sci_zzzzzzzzzzzzzzzzzzzzzzzzzz', instance_id, application_id, status,
            secret_hash, secret_sealed, mask_prefix, mask_suffix, secret_length,
            created_at_ms, updated_at_ms
        FROM client_secrets LIMIT 1";
    let err = sqlx::query(copy)
        .execute(store.writer_pool())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("QuotaExceeded.ApplicationClientSecret"),
        "{err}"
    );

    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM client_secrets
          WHERE instance_id = 'a' AND application_id = 'b'",
    )
    .fetch_all(store.writer_pool())
    .await
    .unwrap();
    assert!(
        plan.iter()
            .any(|p| p.3.contains("client_secrets_by_application")),
        "{plan:?}"
    );
    let trigger: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'client_secrets_quota'")
            .fetch_one(store.writer_pool())
            .await
            .unwrap();
    assert!(
        trigger.contains("instance_id = NEW.instance_id"),
        "{trigger}"
    );
}
