use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::*;

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn create_returns_exactly_client_id_secret_id_and_plaintext() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let r = app
        .rpc(
            "CreateApplicationClientSecret",
            &[("InstanceId", &i), ("ApplicationId", &a)],
        )
        .await;
    assert_request_id(&r);
    let body = r.ok();
    assert_eq!(keys(&body), ["ApplicationClientSecret", "RequestId"]);
    let s = &body["ApplicationClientSecret"];
    assert_eq!(keys(s), ["ClientId", "ClientSecret", "SecretId"]);
    assert_eq!(s["ClientId"], a.as_str());
    let secret = s["ClientSecret"].as_str().unwrap();
    assert_eq!(secret.len(), 44);
    assert!(secret.starts_with("CS") && secret.bytes().all(|b| b.is_ascii_alphanumeric()));
    let sid = s["SecretId"].as_str().unwrap();
    assert!(sid.starts_with("sci_") && sid.len() == 30);
}

#[tokio::test]
async fn list_masks_and_omits_unknown_times() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let (sid, plain) = app.create_secret(&i, &a).await;
    let body = app
        .rpc(
            "ListApplicationClientSecrets",
            &[("InstanceId", &i), ("ApplicationId", &a)],
        )
        .await
        .ok();
    assert_eq!(
        keys(&body),
        ["ApplicationClientSecrets", "RequestId", "TotalCount"]
    );
    assert_eq!(body["TotalCount"], 1);
    let s = &body["ApplicationClientSecrets"][0];
    // Never used, never expires: both times omitted, not 0.
    assert_eq!(
        keys(s),
        [
            "ApplicationId",
            "ClientId",
            "ClientSecret",
            "InstanceId",
            "SecretId",
            "Status"
        ]
    );
    let masked = s["ClientSecret"].as_str().unwrap();
    assert_eq!(
        masked,
        format!("{}{}{}", &plain[..4], "*".repeat(38), &plain[42..])
    );
    assert_eq!(s["SecretId"], sid.as_str());
    assert_eq!(s["Status"], "enabled");
    assert_eq!(s["InstanceId"], i.as_str());
    assert_eq!(s["ApplicationId"], a.as_str());
    assert_eq!(s["ClientId"], a.as_str());
}

#[tokio::test]
async fn obtain_returns_the_plaintext_and_every_field() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let exp = (now_ms() + 10 * 86_400_000).to_string();
    let created = app
        .rpc(
            "CreateApplicationClientSecret",
            &[
                ("InstanceId", &i),
                ("ApplicationId", &a),
                ("ExpirationTime", &exp),
            ],
        )
        .await
        .ok();
    let sid = created["ApplicationClientSecret"]["SecretId"]
        .as_str()
        .unwrap();
    let plain = created["ApplicationClientSecret"]["ClientSecret"]
        .as_str()
        .unwrap();
    let body = app
        .rpc(
            "ObtainApplicationClientSecret",
            &[("InstanceId", &i), ("ApplicationId", &a), ("SecretId", sid)],
        )
        .await
        .ok();
    let s = &body["ApplicationClientSecret"];
    assert_eq!(
        keys(s),
        [
            "ApplicationId",
            "ClientId",
            "ClientSecret",
            "ExpirationTime",
            "InstanceId",
            "SecretId",
            "Status"
        ]
    );
    assert_eq!(s["ClientSecret"], plain);
    assert_eq!(s["ExpirationTime"].as_i64().unwrap().to_string(), exp);
}

#[tokio::test]
async fn enable_disable_are_idempotent_and_delete_works_in_any_status() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let (sid, _) = app.create_secret(&i, &a).await;
    let ids = [
        ("InstanceId", i.as_str()),
        ("ApplicationId", a.as_str()),
        ("SecretId", sid.as_str()),
    ];
    for action in [
        "DisableApplicationClientSecret",
        "DisableApplicationClientSecret",
        "EnableApplicationClientSecret",
        "EnableApplicationClientSecret",
        "DisableApplicationClientSecret",
    ] {
        let body = app.rpc(action, &ids).await.ok();
        assert_eq!(keys(&body), ["RequestId"], "{action}");
    }
    assert_eq!(app.list_secrets(&i, &a).await[0]["Status"], "disabled");
    app.rpc("DeleteApplicationClientSecret", &ids).await.ok();
    assert!(app.list_secrets(&i, &a).await.is_empty());
    app.rpc("DeleteApplicationClientSecret", &ids)
        .await
        .err(404, "ResourceNotFound.ApplicationClientSecret");
}

#[tokio::test]
async fn update_expiration_time() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let (sid, _) = app.create_secret(&i, &a).await;
    let exp = (now_ms() + 2 * 86_400_000).to_string();
    let mut p = vec![
        ("InstanceId", i.as_str()),
        ("ApplicationId", a.as_str()),
        ("SecretId", sid.as_str()),
    ];
    app.rpc("UpdateApplicationClientSecretExpirationTime", &p)
        .await
        .err(400, "MissingParameter.ExpirationTime");
    // The same rules as on create, with messages that say what was wrong.
    let now = now_ms();
    let seconds = (now / 1000 + 86_400 * 30).to_string();
    let beyond = (now + (3 * 366 + 7) * 86_400_000).to_string();
    for (value, words) in [
        (seconds.as_str(), "milliseconds"),
        ("-5", "positive"),
        ("12abc", "integer"),
        (beyond.as_str(), "three years"),
    ] {
        let mut bad = p.clone();
        bad.push(("ExpirationTime", value));
        let r = app
            .rpc("UpdateApplicationClientSecretExpirationTime", &bad)
            .await;
        r.err(400, "InvalidParameter.ExpirationTime");
        let msg = r.body["Message"].as_str().unwrap();
        assert!(msg.contains(words), "{value}: {msg}");
    }
    assert!(
        app.list_secrets(&i, &a).await[0]
            .get("ExpirationTime")
            .is_none()
    );
    p.push(("ExpirationTime", &exp));
    let body = app
        .rpc("UpdateApplicationClientSecretExpirationTime", &p)
        .await
        .ok();
    assert_eq!(keys(&body), ["RequestId"]);
    assert_eq!(
        app.list_secrets(&i, &a).await[0]["ExpirationTime"]
            .as_i64()
            .unwrap()
            .to_string(),
        exp
    );
}

#[tokio::test]
async fn expiration_time_rules() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let now = now_ms();
    let three_years_and_a_week = (now + (3 * 366 + 7) * 86_400_000).to_string();
    let seconds = (now / 1000 + 86_400 * 30).to_string();
    let cases: Vec<(&str, &str)> = vec![
        (seconds.as_str(), "seconds"),
        ("-5", "positive"),
        ("abc", "integer"),
        ("1.5e12", "integer"),
        (three_years_and_a_week.as_str(), "three years"),
        ("1000000000001", "one day"),
    ];
    for (value, words) in cases {
        let r = app
            .rpc(
                "CreateApplicationClientSecret",
                &[
                    ("InstanceId", &i),
                    ("ApplicationId", &a),
                    ("ExpirationTime", value),
                ],
            )
            .await;
        r.err(400, "InvalidParameter.ExpirationTime");
        let msg = r.body["Message"].as_str().unwrap();
        assert!(msg.contains(words), "{value}: {msg}");
    }
    let secs = app
        .rpc(
            "CreateApplicationClientSecret",
            &[
                ("InstanceId", &i),
                ("ApplicationId", &a),
                ("ExpirationTime", &seconds),
            ],
        )
        .await;
    assert!(
        secs.body["Message"]
            .as_str()
            .unwrap()
            .contains("milliseconds")
    );
    // Nothing was half-created.
    assert!(app.list_secrets(&i, &a).await.is_empty());
    // The edges are accepted.
    let one_day = (now_ms() + 86_400_000 + 60_000).to_string();
    app.rpc(
        "CreateApplicationClientSecret",
        &[
            ("InstanceId", &i),
            ("ApplicationId", &a),
            ("ExpirationTime", &one_day),
        ],
    )
    .await
    .ok();
}

#[tokio::test]
async fn the_third_secret_is_refused() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let (first, _) = app.create_secret(&i, &a).await;
    app.rpc(
        "DisableApplicationClientSecret",
        &[
            ("InstanceId", &i),
            ("ApplicationId", &a),
            ("SecretId", &first),
        ],
    )
    .await
    .ok();
    app.create_secret(&i, &a).await;
    app.rpc(
        "CreateApplicationClientSecret",
        &[("InstanceId", &i), ("ApplicationId", &a)],
    )
    .await
    .err(400, "QuotaExceeded.ApplicationClientSecret");
}

#[tokio::test]
async fn ten_concurrent_creates_give_exactly_two_secrets() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let params = [("InstanceId", i.as_str()), ("ApplicationId", a.as_str())];
    let calls = (0..10).map(|_| app.rpc("CreateApplicationClientSecret", &params));
    let replies = futures_util::future::join_all(calls).await;
    let mut created = Vec::new();
    let mut refused = 0;
    for r in replies {
        match r.status {
            200 => {
                let s = &r.body["ApplicationClientSecret"];
                created.push((
                    s["SecretId"].as_str().unwrap().to_owned(),
                    s["ClientSecret"].as_str().unwrap().to_owned(),
                ));
            }
            _ => {
                r.err(400, "QuotaExceeded.ApplicationClientSecret");
                refused += 1;
            }
        }
    }
    assert_eq!((created.len(), refused), (2, 8));
    let listed: HashSet<String> = app
        .list_secrets(&i, &a)
        .await
        .iter()
        .map(|s| s["SecretId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, created.iter().map(|(id, _)| id.clone()).collect());
    for (sid, plain) in &created {
        let body = app
            .rpc(
                "ObtainApplicationClientSecret",
                &[("InstanceId", &i), ("ApplicationId", &a), ("SecretId", sid)],
            )
            .await
            .ok();
        assert_eq!(
            body["ApplicationClientSecret"]["ClientSecret"],
            plain.as_str()
        );
    }
}

#[tokio::test]
async fn lookups_are_scoped_by_instance_application_and_secret() {
    let app = spawn_app().await;
    let (i1, a1) = app.m2m_app().await;
    let (i2, a2) = app.m2m_app().await;
    let (sid1, _) = app.create_secret(&i1, &a1).await;
    // A secret of another application.
    app.obtain(&i2, &a2, &sid1)
        .await
        .err(404, "ResourceNotFound.ApplicationClientSecret");
    // The right application under the wrong instance.
    app.obtain(&i2, &a1, &sid1)
        .await
        .err(404, "ResourceNotFound.Application");
    app.rpc(
        "DisableApplicationClientSecret",
        &[
            ("InstanceId", &i2),
            ("ApplicationId", &a2),
            ("SecretId", &sid1),
        ],
    )
    .await
    .err(404, "ResourceNotFound.ApplicationClientSecret");
    let missing_instance = "idaas_aaaaaaaaaaaaaaaaaaaaaaaaaa";
    app.rpc(
        "ListApplicationClientSecrets",
        &[("InstanceId", missing_instance), ("ApplicationId", &a1)],
    )
    .await
    .err(404, "ResourceNotFound.Instance");
    // Still enabled: the misdirected disable changed nothing.
    assert_eq!(app.list_secrets(&i1, &a1).await[0]["Status"], "enabled");
}

#[tokio::test]
async fn obtain_with_sealing_off_is_a_clear_error_and_the_rest_works() {
    let app = spawn_app_with(|s| s.seal_secrets = false).await;
    let (i, a) = app.m2m_app().await;
    let (sid, _) = app.create_secret(&i, &a).await;
    app.obtain(&i, &a, &sid)
        .await
        .err(400, "OperationNotSupported.SecretRetrieval");
    assert_eq!(app.list_secrets(&i, &a).await.len(), 1);
    let sealed = app
        .sql_count("SELECT count(*) FROM client_secrets WHERE secret_sealed IS NOT NULL")
        .await;
    assert_eq!(sealed, 0);
}

/// API.md §4: once sealing is turned off, Obtain answers the clear error for every secret,
/// also for those created (and sealed) before; the rest keeps working.
#[tokio::test]
async fn turning_sealing_off_stops_obtain_for_older_secrets_too() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let (sid, _) = app.create_secret(&i, &a).await;
    let dir = app.stop().await;
    let app = spawn_in(dir, |s| s.seal_secrets = false).await;
    app.obtain(&i, &a, &sid)
        .await
        .err(400, "OperationNotSupported.SecretRetrieval");
    assert_eq!(app.list_secrets(&i, &a).await.len(), 1);
}

#[tokio::test]
async fn a_tampered_sealed_copy_is_an_opaque_internal_error() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let (sid, _) = app.create_secret(&i, &a).await;
    let store = eiam_local::storage::SqliteStore::open(&app.db_path, 1)
        .await
        .unwrap();
    sqlx::query("UPDATE client_secrets SET secret_sealed = zeroblob(60) WHERE secret_id = ?")
        .bind(&sid)
        .execute(store.writer_pool())
        .await
        .unwrap();
    let r = app
        .rpc(
            "ObtainApplicationClientSecret",
            &[
                ("InstanceId", &i),
                ("ApplicationId", &a),
                ("SecretId", &sid),
            ],
        )
        .await;
    r.err(500, "InternalError");
    assert!(!r.body["Message"].as_str().unwrap().contains("master key"));
}
