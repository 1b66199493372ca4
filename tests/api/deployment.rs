//! The real binary: CLI, clean shutdown on SIGTERM, health checks, container files.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_eiam-local");
const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo.toml");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

fn signal(child: &Child, sig: i32) {
    unsafe {
        kill(child.id() as i32, sig);
    }
}

async fn wait_ready(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {base} did not become ready");
}

fn serve(dir: &std::path::Path, port: u16, extra: &[&str]) -> Child {
    Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--database")
        .arg(dir.join("eiam.db"))
        .args(extra)
        .env("EIAM_ARGON2_MEMORY_KIB", "64")
        .env("EIAM_ARGON2_ITERATIONS", "1")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn sigterm_during_a_token_burst_exits_0_and_keeps_every_acknowledged_last_use() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = serve(dir.path(), port, &["--seed", DEMO]);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let client = reqwest::Client::new();
    let call = |action: &'static str, params: Vec<(&'static str, String)>| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .post(format!("{base}/"))
                .header("x-acs-action", action)
                .header("x-acs-version", VERSION)
                .query(&params)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let instance = call("ListInstances", vec![]).await["Instances"][0]["InstanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let apps = call("ListApplications", vec![("InstanceId", instance.clone())]).await;
    let reporting = apps["Applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["ApplicationName"] == "Reporting Worker")
        .unwrap()["ApplicationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{base}/{instance}/api/v2/iauths_system/oauth2/token");
    // SIGTERM goes out once the burst has had its first answer, so that the stop lands in
    // the middle of it however slowly a loaded machine starts the requests.
    let first_answer = std::sync::Arc::new(tokio::sync::Notify::new());
    let burst = (0..300).map(|_| {
        let (client, url, reporting) = (client.clone(), url.clone(), reporting.clone());
        let first_answer = first_answer.clone();
        async move {
            let r = client
                .post(&url)
                .basic_auth(
                    &reporting,
                    Some("CSdemoReportingWorker000000000000000000000RW"),
                )
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("scope", "https://orders.demo.example|orders:read"),
                ])
                .send()
                .await
                .ok()?;
            if !r.status().is_success() {
                return None;
            }
            let body: serde_json::Value = r.json().await.ok()?;
            first_answer.notify_one();
            body["expires_at"].as_i64()
        }
    });
    let burst = tokio::spawn(futures_util::future::join_all(burst));
    tokio::time::timeout(Duration::from_secs(60), first_answer.notified())
        .await
        .expect("a first token within 60 s");
    signal(&child, 15);
    let acknowledged: Vec<i64> = burst.await.unwrap().into_iter().flatten().collect();
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
    assert!(
        !acknowledged.is_empty(),
        "some tokens were issued before the stop"
    );
    // iat = expires_at - 1200 s; the stored last use is no earlier than the latest issued.
    let latest_iat_ms = (acknowledged.iter().max().unwrap() - 1200) * 1000;
    // The WAL was checkpointed into the database at exit.
    let wal = dir.path().join("eiam.db-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "WAL left with {wal_len} bytes");
    let store = eiam_local::storage::SqliteStore::open(&dir.path().join("eiam.db"), 1)
        .await
        .unwrap();
    let stored: Option<i64> = sqlx::query_scalar(
        "SELECT max(last_used_at_ms) FROM client_secrets WHERE application_id = ?",
    )
    .bind(&reporting)
    .fetch_one(store.writer_pool())
    .await
    .unwrap();
    let stored = stored.expect("last use written at shutdown");
    assert!(
        stored >= latest_iat_ms,
        "stored {stored} < acknowledged {latest_iat_ms}"
    );
}

#[tokio::test]
async fn sigint_also_stops_cleanly_and_healthcheck_reports() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = serve(dir.path(), port, &[]);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let ok = Command::new(BIN)
        .args(["healthcheck", "--url", &format!("{base}/healthz")])
        .status()
        .unwrap();
    assert!(ok.success());
    signal(&child, 2);
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
    let down = Command::new(BIN)
        .args(["healthcheck", "--url", &format!("{base}/healthz")])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!down.success());
}

#[tokio::test]
async fn healthz_and_readyz() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let r = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert!(r.headers().contains_key("x-acs-request-id"));
    }
}

#[test]
fn cli_help_and_version() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for word in ["serve", "migrate", "seed", "healthcheck"] {
        assert!(text.contains(word), "{text}");
    }
    let serve = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&serve.stdout);
    for flag in [
        "--listen",
        "EIAM_LISTEN",
        "--database",
        "EIAM_DATABASE",
        "--public-url",
        "--log-format",
        "--seed",
    ] {
        assert!(text.contains(flag), "serve --help lacks {flag}:\n{text}");
    }
    let version = Command::new(BIN).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("eiam-local "));
}

#[test]
fn migrate_creates_the_folder_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested/deeper/eiam.db");
    let out = Command::new(BIN)
        .arg("migrate")
        .arg("--database")
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists());
    let again = Command::new(BIN)
        .arg("migrate")
        .arg("--database")
        .arg(&db)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("up to date"));
}

#[test]
fn the_compose_file_is_valid_for_debians_docker_compose() {
    let out = Command::new("docker-compose")
        .args([
            "-f",
            concat!(env!("CARGO_MANIFEST_DIR"), "/docker-compose.yml"),
            "config",
            "-q",
        ])
        .output()
        .expect("docker-compose is installed (Debian package docker-compose; .ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_image_runs_as_non_root_with_a_data_volume_and_a_self_healthcheck() {
    let dockerfile = include_str!("../../Dockerfile");
    assert!(dockerfile.contains("USER 65532"));
    assert!(dockerfile.contains("VOLUME [\"/data\"]"));
    assert!(dockerfile.contains("\"healthcheck\""));
    assert!(dockerfile.matches("FROM ").count() >= 2, "multi-stage");
    let compose = include_str!("../../docker-compose.yml");
    assert!(compose.contains("--seed") && compose.contains("examples/demo.toml"));
    assert!(compose.contains("eiam-data:/data"));
    // The health checks follow EIAM_LISTEN rather than a fixed URL, so a changed port
    // keeps them right.
    for (name, text) in [("Dockerfile", dockerfile), ("docker-compose.yml", compose)] {
        assert!(!text.contains("--url"), "{name} fixes the health URL");
        assert!(text.contains("EIAM_LISTEN"), "{name}");
    }
}

/// The binary with cheap Argon2 and no inherited settings that would change its behaviour.
fn cli(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env("EIAM_ARGON2_MEMORY_KIB", "64")
        .env("EIAM_ARGON2_ITERATIONS", "1")
        .env("RUST_LOG", "warn")
        .env_remove("EIAM_LISTEN")
        .env_remove("EIAM_HEALTHCHECK_URL")
        .env_remove("EIAM_DATABASE")
        .env_remove("EIAM_MASTER_KEY")
        .env_remove("EIAM_MASTER_KEY_FILE");
    c
}

fn run(mut command: Command) -> (bool, String, String) {
    let out = command.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn seed_apply(file: &std::path::Path, db: &std::path::Path) -> Command {
    let mut c = cli(&["seed", "apply"]);
    c.arg(file).arg("--database").arg(db);
    c
}

fn seed_export(db: &std::path::Path, out: &std::path::Path) -> Command {
    let mut c = cli(&["seed", "export", "--with-secrets", "-o"]);
    c.arg(out).arg("--database").arg(db);
    c
}

#[tokio::test]
async fn seed_apply_as_a_process_rejects_a_bad_file_whole_and_applies_the_demo_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("eiam.db");
    let (ok, out, err) = run(seed_apply(DEMO.as_ref(), &db));
    assert!(ok, "{out}{err}");
    assert!(out.contains("applied ("), "{out}");
    let (ok, out, err) = run(seed_apply(DEMO.as_ref(), &db));
    assert!(ok, "{out}{err}");
    assert!(out.contains("nothing changed"), "{out}");
    let before = crate::seed::dump(&db).await;

    // A new instance that is fine in every way but one: its secret's status (line 11).
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[instances]]\nname = \"other\"\n\n  [[instances.applications]]\n  name = \"worker\"\n  sso_type = \"oauth2/m2m\"\n\n    [[instances.applications.secrets]]\n    name = \"primary\"\n    value = \"CSotherWorker000000000000000000000000000000\"\n    status = \"paused\"\n",
    )
    .unwrap();
    let (ok, out, err) = run(seed_apply(&bad, &db));
    assert!(!ok, "a bad file was accepted: {out}");
    assert!(err.contains("bad.toml:line 11:"), "{err}");
    assert!(
        err.contains("instances[0].applications[0].secrets[0].status"),
        "{err}"
    );
    assert!(err.contains("nothing was applied"), "{err}");
    assert_eq!(
        crate::seed::dump(&db).await,
        before,
        "the bad file changed the database"
    );
}

#[test]
fn seed_export_with_secrets_as_a_process_reproduces_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    let (fa, fb) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    let (ok, _, err) = run(seed_apply(DEMO.as_ref(), &a));
    assert!(ok, "{err}");
    let (ok, out, err) = run(seed_export(&a, &fa));
    assert!(ok, "{err}");
    assert!(out.is_empty(), "-o writes the file, not stdout: {out}");
    let first = std::fs::read_to_string(&fa).unwrap();
    for value in [
        "CSdemoReportingWorker000000000000000000000RW",
        "CSdemoReportingWorkerOld000000000000000000RO",
        "CSdemoFulfillmentService000000000000000000FS",
        "CSdemoFulfillmentServiceExpired00000000000FX",
    ] {
        assert!(
            first.contains(value),
            "{value} missing from the export:\n{first}"
        );
    }
    let (ok, out, err) = run(seed_apply(&fa, &b));
    assert!(ok, "{out}{err}");
    assert!(out.contains("applied ("), "{out}");
    let (ok, _, err) = run(seed_export(&b, &fb));
    assert!(ok, "{err}");
    assert_eq!(first, std::fs::read_to_string(&fb).unwrap());
}

#[tokio::test]
async fn seed_apply_reads_value_env_and_millisecond_expirations() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("eiam.db");
    let file = dir.path().join("env.toml");
    const VALUE: &str = "CSfromTheEnvironment0000000000000000000000EV";
    const EXPIRES_MS: i64 = 4_102_444_800_123; // 2100-01-01T00:00:00.123Z
    std::fs::write(
        &file,
        format!(
            "[[instances]]\nname = \"env\"\n[[instances.applications]]\nname = \"worker\"\nsso_type = \"oauth2/m2m\"\n[[instances.applications.secrets]]\nname = \"from-env\"\nvalue_env = \"EIAM_TEST_SEED_SECRET\"\nexpiration = {EXPIRES_MS}\n"
        ),
    )
    .unwrap();
    // Without the variable the file is rejected, naming the field.
    let mut unset = seed_apply(&file, &db);
    unset.env_remove("EIAM_TEST_SEED_SECRET");
    let (ok, _, err) = run(unset);
    assert!(!ok);
    assert!(
        err.contains(":line 8:") && err.contains("secrets[0].value_env"),
        "{err}"
    );
    let mut set = seed_apply(&file, &db);
    set.env("EIAM_TEST_SEED_SECRET", VALUE);
    let (ok, out, err) = run(set);
    assert!(ok, "{out}{err}");
    assert!(
        !out.contains(VALUE),
        "a value from the environment is not echoed: {out}"
    );

    let store = eiam_local::storage::SqliteStore::open(&db, 1)
        .await
        .unwrap();
    let (masked, expires): (String, Option<i64>) = sqlx::query_as(
        "SELECT masked_secret, expires_at_ms FROM v_client_secrets WHERE application_name = 'worker'",
    )
    .fetch_one(store.writer_pool())
    .await
    .unwrap();
    store.writer_pool().close().await;
    assert_eq!(expires, Some(EXPIRES_MS));
    assert_eq!(masked, eiam_local::domain::secret::mask(VALUE));
    // The stored value is the variable's: the export opens the sealed copy.
    let exported = dir.path().join("export.toml");
    let (ok, _, err) = run(seed_export(&db, &exported));
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.contains(&format!("value = \"{VALUE}\"")), "{text}");
    assert!(text.contains("2100-01-01T00:00:00.123Z"), "{text}");
}

#[tokio::test]
async fn healthcheck_defaults_to_the_address_in_eiam_listen() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = cli(&["serve"]);
    server
        .arg("--database")
        .arg(dir.path().join("eiam.db"))
        .env("EIAM_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = server.spawn().unwrap();
    wait_ready(&format!("http://127.0.0.1:{port}")).await;

    let check = |listen: String| {
        let mut c = cli(&["healthcheck"]);
        c.env("EIAM_LISTEN", listen);
        run(c)
    };
    let (ok, _, err) = check(format!("127.0.0.1:{port}"));
    assert!(ok, "healthcheck with EIAM_LISTEN=127.0.0.1:{port}: {err}");
    // A server bound to every interface is checked on loopback.
    let (ok, _, err) = check(format!("0.0.0.0:{port}"));
    assert!(ok, "healthcheck with EIAM_LISTEN=0.0.0.0:{port}: {err}");
    let mut flag = cli(&["healthcheck", "--listen", &format!("127.0.0.1:{port}")]);
    flag.env("EIAM_LISTEN", "127.0.0.1:1");
    let (ok, _, err) = run(flag);
    assert!(ok, "--listen beats EIAM_LISTEN: {err}");

    let dead = free_port();
    let (ok, _, err) = check(format!("0.0.0.0:{dead}"));
    assert!(!ok, "nothing listens on {dead}");
    assert!(
        err.contains(&format!("http://127.0.0.1:{dead}/healthz")),
        "{err}"
    );
    // --url still overrides the address.
    let mut url = cli(&[
        "healthcheck",
        "--url",
        &format!("http://127.0.0.1:{port}/healthz"),
    ]);
    url.env("EIAM_LISTEN", format!("127.0.0.1:{dead}"));
    let (ok, _, err) = run(url);
    assert!(ok, "--url overrides EIAM_LISTEN: {err}");

    signal(&child, 15);
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
}
