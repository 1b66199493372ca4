use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine;
use eiam_local::domain::Toggle;
use eiam_local::domain::client_secret::{FixedSecret, insert_with_value};
use eiam_local::domain::ids::{ApplicationId, InstanceId, SecretId};
use eiam_local::domain::secret::SecretValue;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

use crate::helpers::*;

const RS: &str = "https://orders.example.com";

/// An instance with a resource server (scopes read, write) and an M2M client granted `read`.
pub struct M2m {
    pub instance: String,
    pub server: String,
    pub client: String,
    pub read: String,
    pub write: String,
}

pub async fn m2m_setup(app: &TestApp) -> M2m {
    let instance = app.create_instance().await;
    let server = app.create_app(&instance, "orders api", "oauth2/m2m").await;
    let client = app.create_app(&instance, "worker", "oauth2/m2m").await;
    let ids = [
        ("InstanceId", instance.as_str()),
        ("ApplicationId", server.as_str()),
    ];
    app.rpc("EnableApplicationResourceServer", &ids).await.ok();
    app.rpc(
        "SetApplicationResourceServerIdentifier",
        &[ids[0], ids[1], ("ResourceServerIdentifier", RS)],
    )
    .await
    .ok();
    let mut scope_ids = Vec::new();
    for v in ["orders:read", "orders:write"] {
        let body = app
            .rpc(
                "CreateResourceServerScope",
                &[
                    ids[0],
                    ids[1],
                    ("AuthorizationType", "authorize_required"),
                    ("ResourceServerScopeName", v),
                    (
                        "ResourceServerScopeType",
                        "urn:alibaba:idaas:resourceserver:scope:delegated",
                    ),
                    ("ResourceServerScopeValue", v),
                ],
            )
            .await
            .ok();
        scope_ids.push(body["ResourceServerScopeId"].as_str().unwrap().to_owned());
    }
    app.rpc(
        "AuthorizeResourceServerScopesToClient",
        &[
            ("InstanceId", &instance),
            ("ClientApplicationId", &client),
            ("ResourceServerApplicationId", &server),
            ("ResourceServerScopeIds.1", &scope_ids[0]),
        ],
    )
    .await
    .ok();
    M2m {
        instance,
        server,
        client,
        read: scope_ids[0].clone(),
        write: scope_ids[1].clone(),
    }
}

impl TestApp {
    pub fn token_url(&self, instance: &str) -> String {
        format!(
            "{}/{instance}/api/v2/iauths_system/oauth2/token",
            self.address
        )
    }

    pub async fn token_basic(
        &self,
        instance: &str,
        user: &str,
        pass: &str,
        scope: &str,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        );
        self.token_with_header(
            instance,
            &header,
            &[("grant_type", "client_credentials"), ("scope", scope)],
        )
        .await
    }

    pub async fn token_with_header(
        &self,
        instance: &str,
        authorization: &str,
        form: &[(&str, &str)],
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let r = self
            .client
            .post(self.token_url(instance))
            .header("authorization", authorization)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, r.json().await.unwrap(), headers)
    }

    pub async fn token_post(&self, instance: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .client
            .post(self.token_url(instance))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// A token by client_secret_post; asserts success.
    pub async fn token(&self, instance: &str, client: &str, secret: &str, scope: &str) -> Value {
        let (status, body) = self
            .token_post(
                instance,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", client),
                    ("client_secret", secret),
                    ("scope", scope),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn fixed_secret(&self, instance: &str, app_id: &str, value: &str) -> String {
        let id = insert_with_value(
            &self.state,
            &InstanceId::parse(instance).unwrap(),
            &ApplicationId::parse(app_id).unwrap(),
            FixedSecret {
                id: SecretId::generate(),
                value: SecretValue::parse(value).unwrap(),
                status: Toggle::Enabled,
                expires_at: None,
            },
        )
        .await
        .unwrap();
        id.into_string()
    }

    pub async fn last_used(&self, instance: &str, app: &str, secret_id: &str) -> Option<i64> {
        self.list_secrets(instance, app)
            .await
            .iter()
            .find(|s| s["SecretId"] == secret_id)
            .expect("secret listed")
            .get("LastUsedTime")
            .map(|v| v.as_i64().unwrap())
    }
}

fn read_scope() -> String {
    format!("{RS}|orders:read")
}

#[tokio::test]
async fn basic_with_encoded_or_raw_secret_and_post_with_encoded_secret() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let value = "a+b/c=d&e:f%g";
    app.fixed_secret(&m.instance, &m.client, value).await;
    let encoded = "a%2Bb%2Fc%3Dd%26e%3Af%25g";
    let (s, body, _) = app
        .token_basic(&m.instance, &m.client, encoded, &read_scope())
        .await;
    assert_eq!(s, 200, "form-encoded Basic: {body}");
    let (s, body, _) = app
        .token_basic(&m.instance, &m.client, value, &read_scope())
        .await;
    assert_eq!(s, 200, "raw Basic (cloud-idaas-core style): {body}");
    // client_secret_post: reqwest form-encodes the value.
    app.token(&m.instance, &m.client, value, &read_scope())
        .await;

    let (s, body, headers) = app
        .token_basic(&m.instance, &m.client, "a+b/c=d&e:f%h", &read_scope())
        .await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
    assert!(
        headers
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let no_colon = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("nocolonhere")
    );
    let (s, body, _) = app
        .token_with_header(
            &m.instance,
            &no_colon,
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_request")));
    let (s, body, _) = app
        .token_with_header(
            &m.instance,
            "Basic ***not-base64***",
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_request")));
}

#[tokio::test]
async fn unknown_client_and_wrong_secret_look_the_same() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let (_, plain) = app.create_secret(&m.instance, &m.client).await;
    let wrong = app
        .token_basic(&m.instance, &m.client, &format!("{plain}x"), &read_scope())
        .await;
    let unknown = app
        .token_basic(
            &m.instance,
            "app_aaaaaaaaaaaaaaaaaaaaaaaaaa",
            &plain,
            &read_scope(),
        )
        .await;
    let garbage = app
        .token_basic(&m.instance, "not-an-app", &plain, &read_scope())
        .await;
    for (s, body, headers) in [wrong, unknown, garbage] {
        assert_eq!(s, 401);
        assert_eq!(
            body,
            json!({"error": "invalid_client", "error_description": "Client authentication failed: unknown client, or no usable secret matches."})
        );
        assert!(headers.contains_key("www-authenticate"));
    }
    let (s, body) = app
        .token_post(
            &m.instance,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &m.client),
                ("client_secret", "nope"),
            ],
        )
        .await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
}

#[tokio::test]
async fn the_token_verifies_against_the_jwks() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let (_, plain) = app.create_secret(&m.instance, &m.client).await;
    let r = app
        .client
        .post(app.token_url(&m.instance))
        .basic_auth(&m.client, Some(&plain))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", &read_scope()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 1200);
    assert_eq!(body["scope"], read_scope());
    let issuer = format!("{}/{}/api/v2/iauths_system/oauth2", app.address, m.instance);
    let discovery: Value = app
        .client
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], issuer.as_str());
    assert_eq!(
        discovery["token_endpoint"],
        app.token_url(&m.instance).as_str()
    );
    let jwks: jsonwebtoken::jwk::JwkSet = app
        .client
        .get(discovery["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid in JWKS");
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[RS]);
    v.set_issuer(&[&issuer]);
    let claims = jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &v)
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], m.client.as_str());
    assert_eq!(claims["client_id"], m.client.as_str());
    assert_eq!(claims["scope"], read_scope());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        1200
    );
    assert!(claims["jti"].as_str().is_some());
    assert_eq!(body["expires_at"], claims["exp"]);
}

#[tokio::test]
async fn es256_can_be_selected() {
    let app =
        spawn_app_with(|s| s.token_algorithm = eiam_local::config::TokenAlgorithm::Es256).await;
    let m = m2m_setup(&app).await;
    let (_, plain) = app.create_secret(&m.instance, &m.client).await;
    let body = app
        .token(&m.instance, &m.client, &plain, &read_scope())
        .await;
    let header = jsonwebtoken::decode_header(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(header.alg, Algorithm::ES256);
}

#[tokio::test]
async fn scopes_grants_and_switches() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let (_, plain) = app.create_secret(&m.instance, &m.client).await;
    let ask = |scope: String| {
        let (app, m, plain) = (&app, &m, plain.clone());
        async move {
            app.token_post(
                &m.instance,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &m.client),
                    ("client_secret", &plain),
                    ("scope", &scope),
                ],
            )
            .await
        }
    };
    let error = |r: (u16, Value)| (r.0, r.1["error"].as_str().unwrap_or("").to_owned());
    // Not granted, unknown scope, unknown server, bad syntax, none at all.
    assert_eq!(
        error(ask(format!("{RS}|orders:write")).await),
        (400, "invalid_scope".into())
    );
    assert_eq!(
        error(ask(format!("{RS}|nope")).await),
        (400, "invalid_scope".into())
    );
    assert_eq!(
        error(ask("https://other|x".into()).await),
        (400, "invalid_scope".into())
    );
    assert_eq!(
        error(ask("no-pipe".into()).await),
        (400, "invalid_scope".into())
    );
    assert_eq!(error(ask(" ".into()).await), (400, "invalid_scope".into()));
    // .all = everything granted (only read so far).
    let (s, body) = ask(format!("{RS}|.all")).await;
    assert_eq!(
        (s, body["scope"].as_str().unwrap()),
        (200, read_scope().as_str())
    );
    // Granting the whole server gives every scope.
    app.rpc(
        "AuthorizeResourceServerToClient",
        &[
            ("InstanceId", &m.instance),
            ("ClientApplicationId", &m.client),
            ("ResourceServerApplicationId", &m.server),
        ],
    )
    .await
    .ok();
    let (s, body) = ask(format!("{RS}|.all")).await;
    assert_eq!(s, 200);
    let got: HashSet<&str> = body["scope"].as_str().unwrap().split(' ').collect();
    let want = format!("{RS}|orders:write");
    assert_eq!(got, HashSet::from([read_scope().as_str(), want.as_str()]));
    app.rpc(
        "RevokeResourceServerFromClient",
        &[
            ("InstanceId", &m.instance),
            ("ClientApplicationId", &m.client),
            ("ResourceServerApplicationId", &m.server),
        ],
    )
    .await
    .ok();
    assert_eq!(
        error(ask(format!("{RS}|orders:read")).await),
        (400, "invalid_scope".into()),
        "revoking the server revokes its scopes"
    );
    app.rpc(
        "AuthorizeResourceServerScopesToClient",
        &[
            ("InstanceId", &m.instance),
            ("ClientApplicationId", &m.client),
            ("ResourceServerApplicationId", &m.server),
            ("ResourceServerScopeIds.1", &m.read),
            ("ResourceServerScopeIds.2", &m.write),
        ],
    )
    .await
    .ok();
    assert_eq!(ask(format!("{RS}|orders:write")).await.0, 200);
    app.rpc(
        "RevokeResourceServerScopesFromClient",
        &[
            ("InstanceId", &m.instance),
            ("ClientApplicationId", &m.client),
            ("ResourceServerApplicationId", &m.server),
            ("ResourceServerScopeIds.1", &m.write),
        ],
    )
    .await
    .ok();
    assert_eq!(
        error(ask(format!("{RS}|orders:write")).await),
        (400, "invalid_scope".into())
    );
    // Resource server disabled.
    let server_ids = [
        ("InstanceId", m.instance.as_str()),
        ("ApplicationId", m.server.as_str()),
    ];
    app.rpc("DisableApplicationResourceServer", &server_ids)
        .await
        .ok();
    assert_eq!(
        error(ask(read_scope()).await),
        (400, "invalid_scope".into())
    );
    app.rpc("EnableApplicationResourceServer", &server_ids)
        .await
        .ok();
    assert_eq!(ask(read_scope()).await.0, 200);
    // M2M client disabled: unauthorized_client. Application disabled: invalid_client.
    let client_ids = [
        ("InstanceId", m.instance.as_str()),
        ("ApplicationId", m.client.as_str()),
    ];
    app.rpc("DisableApplicationM2MClient", &client_ids)
        .await
        .ok();
    assert_eq!(
        error(ask(read_scope()).await),
        (400, "unauthorized_client".into())
    );
    app.rpc("EnableApplicationM2MClient", &client_ids)
        .await
        .ok();
    app.rpc("DisableApplication", &client_ids).await.ok();
    assert_eq!(
        error(ask(read_scope()).await),
        (401, "invalid_client".into())
    );
    app.rpc("EnableApplication", &client_ids).await.ok();
    assert_eq!(ask(read_scope()).await.0, 200);
}

#[tokio::test]
async fn secret_status_changes_take_effect_on_the_next_request() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let (s1, p1) = app.create_secret(&m.instance, &m.client).await;
    let (_, p2) = app.create_secret(&m.instance, &m.client).await;
    app.token(&m.instance, &m.client, &p1, &read_scope()).await;
    let ids = [
        ("InstanceId", m.instance.as_str()),
        ("ApplicationId", m.client.as_str()),
        ("SecretId", s1.as_str()),
    ];
    app.rpc("DisableApplicationClientSecret", &ids).await.ok();
    let (s, body, _) = app
        .token_basic(&m.instance, &m.client, &p1, &read_scope())
        .await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
    app.token(&m.instance, &m.client, &p2, &read_scope()).await;
    app.rpc("EnableApplicationClientSecret", &ids).await.ok();
    app.token(&m.instance, &m.client, &p1, &read_scope()).await;
    app.rpc("DeleteApplicationClientSecret", &ids).await.ok();
    let (s, _, _) = app
        .token_basic(&m.instance, &m.client, &p1, &read_scope())
        .await;
    assert_eq!(s, 401);
    // A change made directly in SQL counts too.
    let store = eiam_local::storage::SqliteStore::open(&app.db_path, 1)
        .await
        .unwrap();
    sqlx::query("UPDATE client_secrets SET status = 'disabled'")
        .execute(store.writer_pool())
        .await
        .unwrap();
    let (s, _, _) = app
        .token_basic(&m.instance, &m.client, &p2, &read_scope())
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn expiry_is_exact_to_the_millisecond() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let now = app.clock.now_ms_pub();
    let exp = now + 2 * 86_400_000;
    let (sid, plain) = app
        .create_secret_expiring(&m.instance, &m.client, exp)
        .await;
    app.clock.set(exp - 1);
    app.token(&m.instance, &m.client, &plain, &read_scope())
        .await;
    let used = app.last_used(&m.instance, &m.client, &sid).await;
    assert_eq!(used, Some(exp - 1));
    app.clock.set(exp);
    let (s, body, _) = app
        .token_basic(&m.instance, &m.client, &plain, &read_scope())
        .await;
    assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(
        app.last_used(&m.instance, &m.client, &sid).await,
        Some(exp - 1),
        "expired attempts leave it"
    );
}

/// The usability check and LastUsedTime read the same instant: with a clock that moves at
/// every reading, a request that straddles ExpirationTime must not store a LastUsedTime at or
/// after it (that would say an expired secret was used).
#[tokio::test]
async fn last_used_time_is_the_instant_the_secret_was_found_usable() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let exp = app.clock.now_ms_pub() + 2 * 86_400_000;
    let (sid, plain) = app
        .create_secret_expiring(&m.instance, &m.client, exp)
        .await;
    let mut successes = 0;
    for before in (1..=12).rev() {
        app.clock.set(exp - before);
        app.clock.set_tick(1);
        let (status, _, _) = app
            .token_basic(&m.instance, &m.client, &plain, &read_scope())
            .await;
        app.clock.set_tick(0);
        if status == 200 {
            successes += 1;
            let used = app.last_used(&m.instance, &m.client, &sid).await.unwrap();
            assert!(
                used < exp,
                "LastUsedTime {used} at or after ExpirationTime {exp}"
            );
        }
    }
    assert!(
        successes > 0,
        "some requests started early enough to succeed"
    );
}

/// RFC 6749 §3.3: scope items are separated by spaces only; a tab is not a separator.
#[tokio::test]
async fn scope_items_are_separated_by_spaces_only() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let (_, plain) = app.create_secret(&m.instance, &m.client).await;
    let two = format!("{} {}", read_scope(), read_scope());
    let (s, body, _) = app.token_basic(&m.instance, &m.client, &plain, &two).await;
    assert_eq!(s, 200, "{body}");
    for odd in [
        format!("{}\t{}", read_scope(), read_scope()),
        format!("{}\n", read_scope()),
    ] {
        let (s, body, _) = app.token_basic(&m.instance, &m.client, &plain, &odd).await;
        assert_eq!(
            (s, body["error"].as_str()),
            (400, Some("invalid_scope")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn last_used_time_is_set_by_successes_only() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let (sid, plain) = app.create_secret(&m.instance, &m.client).await;
    assert_eq!(app.last_used(&m.instance, &m.client, &sid).await, None);
    app.clock.advance(5);
    let t1 = app.clock.now_ms_pub();
    app.token(&m.instance, &m.client, &plain, &read_scope())
        .await;
    // Read-your-writes: the very next List shows it.
    assert_eq!(app.last_used(&m.instance, &m.client, &sid).await, Some(t1));
    let obtained = app
        .rpc(
            "ObtainApplicationClientSecret",
            &[
                ("InstanceId", &m.instance),
                ("ApplicationId", &m.client),
                ("SecretId", &sid),
            ],
        )
        .await
        .ok();
    assert_eq!(obtained["ApplicationClientSecret"]["LastUsedTime"], t1);
    app.clock.advance(1000);
    app.token_basic(&m.instance, &m.client, "wrong-secret-value", &read_scope())
        .await;
    let ids = [
        ("InstanceId", m.instance.as_str()),
        ("ApplicationId", m.client.as_str()),
        ("SecretId", sid.as_str()),
    ];
    app.rpc("DisableApplicationClientSecret", &ids).await.ok();
    app.token_basic(&m.instance, &m.client, &plain, &read_scope())
        .await;
    app.rpc("EnableApplicationClientSecret", &ids).await.ok();
    assert_eq!(app.last_used(&m.instance, &m.client, &sid).await, Some(t1));
    // In the database within a second (the flusher runs every 50 ms in tests).
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(
        app.sql_count(&format!(
            "SELECT last_used_at_ms FROM client_secrets WHERE secret_id = '{sid}'"
        ))
        .await,
        t1
    );
}

/// 200 token requests in flight at once while the clock moves and Lists poll: every one
/// succeeds, LastUsedTime as seen by List never moves backwards (not even while a flush is
/// committing), and the latest success wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_token_requests() {
    // Frequent flushes, so that Lists race with flushes as well as with requests.
    let app = Arc::new(spawn_app_with(|s| s.last_used_flush_ms = 10).await);
    let m = m2m_setup(&app).await;
    let (sid, plain) = app.create_secret(&m.instance, &m.client).await;
    let form: Arc<Vec<(String, String)>> = Arc::new(
        [
            ("grant_type", "client_credentials"),
            ("client_id", m.client.as_str()),
            ("client_secret", plain.as_str()),
            ("scope", read_scope().as_str()),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect(),
    );

    let done = Arc::new(AtomicBool::new(false));
    let pollers: Vec<_> = (0..3)
        .map(|_| {
            let (app, done, sid) = (app.clone(), done.clone(), sid.clone());
            let (instance, client) = (m.instance.clone(), m.client.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while !done.load(Ordering::SeqCst) {
                    seen.push(app.last_used(&instance, &client, &sid).await);
                }
                seen
            })
        })
        .collect();

    let requests: Vec<_> = (0..200u64)
        .map(|n| {
            let (app, form, instance) = (app.clone(), form.clone(), m.instance.clone());
            tokio::spawn(async move {
                // Spread the starts over ~100 ms, so that clock moves interleave with requests
                // in flight and with several flushes.
                tokio::time::sleep(Duration::from_micros(n * 500)).await;
                app.clock.advance(1 + (n % 3) as i64);
                let form: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                app.token_post(&instance, &form).await
            })
        })
        .collect();
    let mut failures = Vec::new();
    for r in requests {
        let (status, body) = r.await.unwrap();
        if status != 200 || body.to_string().contains("locked") {
            failures.push((status, body));
        }
    }
    done.store(true, Ordering::SeqCst);
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );

    let final_clock = app.clock.now_ms_pub();
    let used = app.last_used(&m.instance, &m.client, &sid).await;
    assert_eq!(used, Some(final_clock), "the latest success wins");
    for poller in pollers {
        let mut polled = poller.await.unwrap();
        polled.push(used);
        if let Some(i) = polled.windows(2).position(|w| w[0] > w[1]) {
            panic!(
                "LastUsedTime moved backwards at poll {} of {}: {:?} then {:?}",
                i + 1,
                polled.len(),
                polled[i],
                polled[i + 1]
            );
        }
        let distinct = polled.iter().flatten().collect::<HashSet<_>>().len();
        assert!(
            distinct >= 3,
            "a poller should see the time move while requests run ({} polls, {distinct} values)",
            polled.len()
        );
    }

    let Ok(app) = Arc::try_unwrap(app) else {
        panic!("every task is done")
    };
    let dir = app.stop().await;
    let app = spawn_in(dir, |_| {}).await;
    assert_eq!(
        app.last_used(&m.instance, &m.client, &sid).await,
        Some(final_clock),
        "stored at shutdown"
    );
}

/// With a flush interval longer than the test, only the final flush of a graceful stop can
/// write LastUsedTime to the database.
#[tokio::test]
async fn the_final_flush_at_shutdown_stores_last_used_time() {
    let rare_flushes = |s: &mut eiam_local::config::Settings| s.last_used_flush_ms = 600_000;
    let app = spawn_app_with(rare_flushes).await;
    let m = m2m_setup(&app).await;
    let (sid, plain) = app.create_secret(&m.instance, &m.client).await;
    app.clock.advance(1234);
    let used_at = app.clock.now_ms_pub();
    app.token(&m.instance, &m.client, &plain, &read_scope())
        .await;
    app.clock.advance(60_000);
    assert_eq!(
        app.last_used(&m.instance, &m.client, &sid).await,
        Some(used_at),
        "List folds in the pending time"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stored = format!("SELECT last_used_at_ms FROM client_secrets WHERE secret_id = '{sid}'");
    let unwritten = format!("SELECT count(*) FROM ({stored}) WHERE last_used_at_ms IS NULL");
    assert_eq!(
        app.sql_count(&unwritten).await,
        1,
        "nothing is written before the shutdown flush"
    );

    let dir = app.stop().await;
    let app = spawn_in(dir, rare_flushes).await;
    assert_eq!(app.state.last_used.pending_len(), 0);
    assert_eq!(app.sql_count(&stored).await, used_at);
    assert_eq!(
        app.last_used(&m.instance, &m.client, &sid).await,
        Some(used_at)
    );
}

/// API.md §5: once a value has passed Argon2 for a secret, presenting it again costs none.
/// (That status still applies to a remembered secret is covered by
/// `secret_status_changes_take_effect_on_the_next_request`.)
#[tokio::test]
async fn repeated_token_requests_do_not_pay_argon2_again() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let (_, plain) = app.create_secret(&m.instance, &m.client).await;
    let argon2 = || app.state.hasher.verifications();
    let start = argon2();

    app.token(&m.instance, &m.client, &plain, &read_scope())
        .await;
    assert_eq!(
        argon2(),
        start + 1,
        "the first request verifies with Argon2"
    );
    for _ in 0..5 {
        app.token(&m.instance, &m.client, &plain, &read_scope())
            .await;
    }
    let (s, body, _) = app
        .token_basic(&m.instance, &m.client, &plain, &read_scope())
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(argon2(), start + 1, "repeats are remembered");

    // Same length, prefix and suffix (so the same mask): only Argon2 can tell it apart.
    let mut wrong: Vec<char> = plain.chars().collect();
    wrong[20] = if wrong[20] == 'x' { 'y' } else { 'x' };
    let wrong: String = wrong.into_iter().collect();
    let reject = |secret: String| {
        let (app, m) = (&app, &m);
        async move {
            let (s, body) = app
                .token_post(
                    &m.instance,
                    &[
                        ("grant_type", "client_credentials"),
                        ("client_id", m.client.as_str()),
                        ("client_secret", secret.as_str()),
                        ("scope", read_scope().as_str()),
                    ],
                )
                .await;
            assert_eq!((s, body["error"].as_str()), (401, Some("invalid_client")));
        }
    };
    reject(wrong.clone()).await;
    assert_eq!(
        argon2(),
        start + 2,
        "a wrong value is verified, not remembered"
    );
    reject(wrong).await;
    assert_eq!(argon2(), start + 3, "and verified again on every attempt");
    // Another length cannot be the secret: the mask check rejects it without Argon2.
    reject(format!("{plain}x")).await;
    assert_eq!(argon2(), start + 3);

    app.token(&m.instance, &m.client, &plain, &read_scope())
        .await;
    assert_eq!(argon2(), start + 3, "failures do not evict the memo");
}

/// The instance's signing private key is stored sealed (XChaCha20-Poly1305 under the master
/// key), never as the DER the server signs with.
#[tokio::test]
async fn signing_private_keys_are_sealed_at_rest() {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RsaKeyPair,
    };
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
    use eiam_local::config::TokenAlgorithm;
    use secrecy::ExposeSecret;

    for algorithm in [TokenAlgorithm::Rs256, TokenAlgorithm::Es256] {
        let app = spawn_app_with(|s| s.token_algorithm = algorithm).await;
        let m = m2m_setup(&app).await;
        let (_, plain) = app.create_secret(&m.instance, &m.client).await;
        let body = app
            .token(&m.instance, &m.client, &plain, &read_scope())
            .await;
        let token = body["access_token"].as_str().unwrap();

        let store = eiam_local::storage::SqliteStore::open(&app.db_path, 1)
            .await
            .unwrap();
        let rows: Vec<(String, String, Vec<u8>, String)> = sqlx::query_as(
            "SELECT kid, algorithm, private_key_sealed, public_jwk FROM signing_keys
             WHERE instance_id = ?",
        )
        .bind(&m.instance)
        .fetch_all(store.writer_pool())
        .await
        .unwrap();
        assert_eq!(rows.len(), 1);
        let (kid, alg, sealed, public_jwk) = &rows[0];
        assert_eq!(
            jsonwebtoken::decode_header(token).unwrap().kid.as_deref(),
            Some(kid.as_str())
        );

        // At rest: not a key, neither DER nor PEM.
        assert!(!String::from_utf8_lossy(sealed).contains("PRIVATE KEY"));
        assert!(
            RsaKeyPair::from_pkcs8(sealed).is_err(),
            "{alg}: stored as DER"
        );
        assert!(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, sealed).is_err());

        // Opened the way the server opens it: a PKCS#8 key that is nowhere in the stored bytes,
        // whose public half is the published JWK and which signed the token.
        let der = eiam_local::oauth::keys::open_private_key(&app.state.sealer, kid, sealed)
            .expect("sealed under this server's master key");
        let der = der.expose_secret();
        assert_eq!(
            sealed.len(),
            24 + der.len() + 16,
            "nonce ‖ ciphertext ‖ tag"
        );
        assert!(!sealed.windows(16).any(|w| der.windows(16).any(|d| d == w)));
        let jwk: Value = serde_json::from_str(public_jwk).unwrap();
        match algorithm {
            TokenAlgorithm::Rs256 => {
                let k = RsaKeyPair::from_pkcs8(der).expect("an RSA PKCS#8 key");
                let n = k.public_key().modulus().big_endian_without_leading_zero();
                assert_eq!(jwk["n"].as_str(), Some(B64URL.encode(n).as_str()));
            }
            TokenAlgorithm::Es256 => {
                let k = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
                    .expect("a P-256 PKCS#8 key");
                let point = k.public_key().as_ref();
                assert_eq!(
                    jwk["x"].as_str(),
                    Some(B64URL.encode(&point[1..33]).as_str())
                );
                assert_eq!(
                    jwk["y"].as_str(),
                    Some(B64URL.encode(&point[33..65]).as_str())
                );
            }
        }
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(public_jwk).unwrap();
        let mut v = Validation::new(match algorithm {
            TokenAlgorithm::Rs256 => Algorithm::RS256,
            TokenAlgorithm::Es256 => Algorithm::ES256,
        });
        v.validate_aud = false;
        jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(&jwk).unwrap(), &v)
            .expect("signed with the sealed key");
    }
}

fn assertion(secret: &str, client: &str, aud: &str, exp: i64, jti: &str) -> String {
    let claims =
        json!({"iss": client, "sub": client, "aud": aud, "exp": exp, "iat": exp - 300, "jti": jti});
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn client_secret_jwt() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let (s1, _) = app.create_secret(&m.instance, &m.client).await;
    let (s2, p2) = app.create_secret(&m.instance, &m.client).await;
    let exp = app.clock.now_ms_pub() / 1000 + 300;
    let url = app.token_url(&m.instance);
    let send = |assertion: String| {
        let app = &app;
        let instance = m.instance.clone();
        async move {
            app.token_post(
                &instance,
                &[
                    ("grant_type", "client_credentials"),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &assertion),
                    ("scope", &read_scope()),
                ],
            )
            .await
        }
    };
    let (s, body) = send(assertion(&p2, &m.client, &url, exp, "jti-1")).await;
    assert_eq!(s, 200, "{body}");
    assert!(app.last_used(&m.instance, &m.client, &s2).await.is_some());
    assert!(
        app.last_used(&m.instance, &m.client, &s1).await.is_none(),
        "only the secret that signed"
    );
    let (s, body) = send(assertion(&p2, &m.client, &url, exp, "jti-1")).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (401, Some("invalid_client")),
        "replayed jti"
    );
    let issuer = url.trim_end_matches("/token").to_owned();
    assert_eq!(
        send(assertion(&p2, &m.client, &issuer, exp, "jti-2"))
            .await
            .0,
        200,
        "issuer as audience"
    );
    assert_eq!(
        send(assertion(&p2, &m.client, "https://elsewhere", exp, "jti-3"))
            .await
            .0,
        401
    );
    assert_eq!(
        send(assertion("wrong", &m.client, &url, exp, "jti-4"))
            .await
            .0,
        401
    );
    assert_eq!(
        send(assertion(&p2, &m.client, &url, exp + 7200, "jti-5"))
            .await
            .0,
        401,
        "more than an hour ahead"
    );
    assert_eq!(
        send(assertion(&p2, &m.client, &url, exp - 600, "jti-6"))
            .await
            .0,
        401,
        "expired"
    );
    let (s, body) = send("not.a.jwt".into()).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_request")));
}

#[tokio::test]
async fn request_errors_follow_rfc_6749() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let (_, plain) = app.create_secret(&m.instance, &m.client).await;
    let (s, body) = app
        .token_post(
            &m.instance,
            &[
                ("grant_type", "password"),
                ("client_id", &m.client),
                ("client_secret", &plain),
            ],
        )
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (s, body) = app
        .token_post(
            &m.instance,
            &[("client_id", &m.client), ("client_secret", &plain)],
        )
        .await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_request")));
    let (s, body, _) = app
        .token_with_header(
            &m.instance,
            &format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{}:{plain}", m.client))
            ),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &m.client),
                ("client_secret", &plain),
            ],
        )
        .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_request")),
        "two methods"
    );
    let (s, body) = app
        .token_post(
            "idaas_aaaaaaaaaaaaaaaaaaaaaaaaaa",
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!(s, 404, "{body}");
    let r = app
        .client
        .get(app.token_url(&m.instance))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn repeated_failures_are_slowed_down_but_never_locked_out() {
    let app = spawn_app().await;
    let m = m2m_setup(&app).await;
    let (_, plain) = app.create_secret(&m.instance, &m.client).await;
    let started = std::time::Instant::now();
    for _ in 0..4 {
        let (s, _, _) = app
            .token_basic(&m.instance, &m.client, "wrong", &read_scope())
            .await;
        assert_eq!(s, 401);
    }
    // 50 + 100 + 200 + 400 ms of delay.
    assert!(started.elapsed() >= std::time::Duration::from_millis(700));
    let started = std::time::Instant::now();
    app.token(&m.instance, &m.client, &plain, &read_scope())
        .await;
    assert!(
        started.elapsed() < std::time::Duration::from_millis(500),
        "the right secret is not delayed"
    );
}
