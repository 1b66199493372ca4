use std::path::PathBuf;
use std::sync::Arc;

use actix_web::dev::ServerHandle;
use eiam_local::clock::{Clock, ManualClock, SharedClock};
use eiam_local::config::Settings;
use eiam_local::crypto::Argon2Settings;
use eiam_local::startup::Application;
use eiam_local::state::AppState;
use serde_json::Value;
use tempfile::TempDir;

pub const VERSION: &str = "2021-12-01";
pub const STANDARD: &str = "urn:alibaba:idaas:app:source:standard";

/// Cheap Argon2 for tests; production keeps the crate's defaults.
pub fn light_argon2() -> Argon2Settings {
    Argon2Settings {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    }
}

pub fn test_settings(dir: &TempDir) -> Settings {
    let mut s = Settings::new(dir.path().join("eiam.db"));
    s.listen = "127.0.0.1:0".into();
    s.argon2 = light_argon2();
    s.last_used_flush_ms = 50;
    s.workers = Some(2);
    s
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub dir: Arc<TempDir>,
    pub db_path: PathBuf,
    pub state: AppState,
    pub clock: ManualClock,
    handle: ServerHandle,
    task: Option<tokio::task::JoinHandle<Result<(), eiam_local::Error>>>,
}

pub const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo.toml");

/// The demo environment (examples/demo.toml) applied to a fresh database.
pub struct Demo {
    pub app: TestApp,
    pub instance: String,
    /// The applications as ListApplications returns them.
    pub apps: Vec<Value>,
}

impl Demo {
    /// One token for the Reporting Worker with its demo secret, and time for the flusher to
    /// write its LastUsedTime, so views and keys have values to show.
    pub async fn use_reporting_worker(&self) {
        let reporting = self.id_of("Reporting Worker");
        self.app
            .token(
                &self.instance,
                &reporting,
                "CSdemoReportingWorker000000000000000000000RW",
                "https://orders.demo.example|orders:read",
            )
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }

    /// The id of the demo application called `name`.
    pub fn id_of(&self, name: &str) -> String {
        self.apps
            .iter()
            .find(|a| a["ApplicationName"] == name)
            .unwrap_or_else(|| panic!("no demo application {name:?}"))["ApplicationId"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// A server on a fresh database seeded with the demo.
pub async fn spawn_demo() -> Demo {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let mut settings = Settings::new(dir.path().join("eiam.db"));
    settings.argon2 = light_argon2();
    eiam_local::seed::apply_file(
        &settings,
        std::path::Path::new(DEMO),
        Arc::new(eiam_local::clock::SystemClock),
    )
    .await
    .expect("the demo applies");
    let app = spawn_in(dir, |_| {}).await;
    let instance = app.rpc("ListInstances", &[]).await.ok()["Instances"][0]["InstanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let apps = app
        .rpc("ListApplications", &[("InstanceId", &instance)])
        .await
        .ok()["Applications"]
        .as_array()
        .unwrap()
        .clone();
    Demo {
        app,
        instance,
        apps,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    spawn_in(dir, configure).await
}

/// A server on an existing folder (to restart on the same database).
pub async fn spawn_in(dir: Arc<TempDir>, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings(&dir);
    configure(&mut settings);
    let clock = ManualClock::new(eiam_local::clock::SystemClock.now_ms());
    let shared: SharedClock = Arc::new(clock.clone());
    let app = Application::build(settings.clone(), shared)
        .await
        .expect("server builds");
    let port = app.port();
    let state = app.state().clone();
    let handle = app.handle();
    let task = tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::new(),
        db_path: settings.database.clone(),
        dir,
        state,
        clock,
        handle,
        task: Some(task),
    }
}

pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub request_id_header: Option<String>,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["Code"].as_str().unwrap_or("")
    }

    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "expected success, got {}", self.body);
        self.body
    }

    #[track_caller]
    pub fn err(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "unexpected answer: {}",
            self.body
        );
        assert_request_id(self);
        assert!(self.body["Message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[track_caller]
pub fn assert_request_id(r: &Reply) {
    let rid = r.body["RequestId"].as_str().expect("RequestId in the body");
    assert_eq!(rid.len(), 36);
    assert_eq!(rid, rid.to_uppercase());
    assert_eq!(r.request_id_header.as_deref(), Some(rid));
}

impl TestApp {
    /// A V3-style call: action and version in headers, parameters in the query.
    pub async fn rpc(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        let resp = self
            .client
            .post(format!("{}/", self.address))
            .header("x-acs-action", action)
            .header("x-acs-version", VERSION)
            .query(params)
            .send()
            .await
            .expect("request sent");
        Self::reply(resp).await
    }

    /// A V1-style call: Action and Version in the query.
    pub async fn rpc_v1(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        let mut all = vec![("Action", action), ("Version", VERSION)];
        all.extend_from_slice(params);
        let resp = self
            .client
            .post(format!("{}/", self.address))
            .query(&all)
            .send()
            .await
            .expect("request sent");
        Self::reply(resp).await
    }

    /// A raw request line (for encodings reqwest would fix up).
    pub async fn raw(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        let mut req = self.client.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{}", self.address, path_and_query),
        );
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.body(body).send().await.expect("request sent");
        Self::reply(resp).await
    }

    pub async fn reply(resp: reqwest::Response) -> Reply {
        let status = resp.status().as_u16();
        let request_id_header = resp
            .headers()
            .get("x-acs-request-id")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = resp.text().await.expect("body");
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("not JSON (status {status}): {text:?}"));
        Reply {
            status,
            body,
            request_id_header,
        }
    }

    pub async fn create_instance(&self) -> String {
        let body = self
            .rpc("CreateInstance", &[("Description", "test instance")])
            .await
            .ok();
        body["InstanceId"].as_str().unwrap().to_owned()
    }

    pub async fn create_app(&self, instance: &str, name: &str, sso: &str) -> String {
        let body = self
            .rpc(
                "CreateApplication",
                &[
                    ("InstanceId", instance),
                    ("ApplicationName", name),
                    ("ApplicationSourceType", STANDARD),
                    ("SsoType", sso),
                ],
            )
            .await
            .ok();
        body["ApplicationId"].as_str().unwrap().to_owned()
    }

    /// An instance with one M2M application.
    pub async fn m2m_app(&self) -> (String, String) {
        let i = self.create_instance().await;
        let a = self.create_app(&i, "client", "oauth2/m2m").await;
        (i, a)
    }

    /// (SecretId, plaintext)
    pub async fn create_secret(&self, instance: &str, app: &str) -> (String, String) {
        let body = self
            .rpc(
                "CreateApplicationClientSecret",
                &[("InstanceId", instance), ("ApplicationId", app)],
            )
            .await
            .ok();
        let s = &body["ApplicationClientSecret"];
        (
            s["SecretId"].as_str().unwrap().to_owned(),
            s["ClientSecret"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn obtain(&self, instance: &str, app: &str, secret: &str) -> Reply {
        self.rpc(
            "ObtainApplicationClientSecret",
            &[
                ("InstanceId", instance),
                ("ApplicationId", app),
                ("SecretId", secret),
            ],
        )
        .await
    }

    pub async fn list_secrets(&self, instance: &str, app: &str) -> Vec<Value> {
        let body = self
            .rpc(
                "ListApplicationClientSecrets",
                &[("InstanceId", instance), ("ApplicationId", app)],
            )
            .await
            .ok();
        body["ApplicationClientSecrets"].as_array().unwrap().clone()
    }

    pub async fn sql_count(&self, sql: &str) -> i64 {
        let store = eiam_local::storage::SqliteStore::open(&self.db_path, 1)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(store.writer_pool())
            .await
            .unwrap();
        n
    }

    /// A change made directly in SQL, as an operator might (for columns no API call sets).
    pub async fn sql_exec(&self, sql: &str) {
        let store = eiam_local::storage::SqliteStore::open(&self.db_path, 1)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(store.writer_pool())
            .await
            .unwrap();
    }

    /// (SecretId, plaintext) of a new secret expiring at `expires_at` (ms).
    pub async fn create_secret_expiring(
        &self,
        instance: &str,
        app: &str,
        expires_at: i64,
    ) -> (String, String) {
        let body = self
            .rpc(
                "CreateApplicationClientSecret",
                &[
                    ("InstanceId", instance),
                    ("ApplicationId", app),
                    ("ExpirationTime", &expires_at.to_string()),
                ],
            )
            .await
            .ok();
        let s = &body["ApplicationClientSecret"];
        (
            s["SecretId"].as_str().unwrap().to_owned(),
            s["ClientSecret"].as_str().unwrap().to_owned(),
        )
    }

    /// Stop gracefully and wait (flushes last-used times, checkpoints the WAL).
    pub async fn stop(mut self) -> Arc<TempDir> {
        self.handle.stop(true).await;
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
        self.dir.clone()
    }
}

pub trait ClockExt {
    fn now_ms_pub(&self) -> i64;
}

impl ClockExt for ManualClock {
    fn now_ms_pub(&self) -> i64 {
        self.now_ms()
    }
}

pub fn now_ms() -> i64 {
    eiam_local::clock::SystemClock.now_ms()
}
