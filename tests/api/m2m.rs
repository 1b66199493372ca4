use serde_json::Value;

use crate::helpers::*;

const DELEGATED: &str = "urn:alibaba:idaas:resourceserver:scope:delegated";

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

async fn create_scope(app: &TestApp, i: &str, a: &str, value: &str) -> crate::helpers::Reply {
    app.rpc(
        "CreateResourceServerScope",
        &[
            ("InstanceId", i),
            ("ApplicationId", a),
            ("AuthorizationType", "authorize_required"),
            ("ResourceServerScopeName", &format!("Scope {value}")),
            ("ResourceServerScopeType", DELEGATED),
            ("ResourceServerScopeValue", value),
        ],
    )
    .await
}

#[tokio::test]
async fn scope_crud_shapes() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let created = create_scope(&app, &i, &a, "orders:read").await.ok();
    assert_eq!(keys(&created), ["RequestId", "ResourceServerScopeId"]);
    let sid = created["ResourceServerScopeId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(sid.starts_with("ress_") && sid.len() == 31);
    let ids = [
        ("InstanceId", i.as_str()),
        ("ApplicationId", a.as_str()),
        ("ResourceServerScopeId", sid.as_str()),
    ];
    let got = app.rpc("GetResourceServerScope", &ids).await.ok();
    let s = &got["ResourceServerScope"];
    assert_eq!(
        keys(s),
        [
            "ApplicationId",
            "AuthorizationType",
            "InstanceId",
            "ResourceServerScopeId",
            "ResourceServerScopeName",
            "ResourceServerScopeType",
            "ResourceServerScopeValue"
        ]
    );
    assert_eq!(s["ResourceServerScopeValue"], "orders:read");
    app.rpc(
        "UpdateResourceServerScope",
        &[
            ids[0],
            ids[1],
            ids[2],
            ("ResourceServerScopeName", "Read orders"),
        ],
    )
    .await
    .ok();
    let got = app.rpc("GetResourceServerScope", &ids).await.ok();
    assert_eq!(
        got["ResourceServerScope"]["ResourceServerScopeName"],
        "Read orders"
    );
    app.rpc("UpdateResourceServerScope", &ids)
        .await
        .err(400, "MissingParameter.ResourceServerScopeName");
    app.rpc("DeleteResourceServerScope", &ids).await.ok();
    app.rpc("GetResourceServerScope", &ids)
        .await
        .err(404, "ResourceNotFound.ResourceServerScope");
    app.rpc("DeleteResourceServerScope", &ids)
        .await
        .err(404, "ResourceNotFound.ResourceServerScope");
}

#[tokio::test]
async fn scope_values_are_unique_per_resource_server() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let b = app.create_app(&i, "other", "oauth2/m2m").await;
    create_scope(&app, &i, &a, "read").await.ok();
    create_scope(&app, &i, &a, "read")
        .await
        .err(409, "EntityAlreadyExists.ResourceServerScope");
    create_scope(&app, &i, &b, "read").await.ok();
    create_scope(&app, &i, &a, "has space")
        .await
        .err(400, "InvalidParameter.ResourceServerScopeValue");
    create_scope(&app, &i, &a, ".all")
        .await
        .err(400, "InvalidParameter.ResourceServerScopeValue");
    create_scope(&app, &i, "app_aaaaaaaaaaaaaaaaaaaaaaaaaa", "x")
        .await
        .err(404, "ResourceNotFound.Application");
    app.rpc(
        "CreateResourceServerScope",
        &[
            ("InstanceId", &i),
            ("ApplicationId", &a),
            ("AuthorizationType", "sometimes"),
            ("ResourceServerScopeName", "n"),
            ("ResourceServerScopeType", DELEGATED),
            ("ResourceServerScopeValue", "v"),
        ],
    )
    .await
    .err(400, "InvalidParameter.AuthorizationType");
}

#[tokio::test]
async fn list_scopes_pages_with_next_token() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let mut created = Vec::new();
    for n in 0..25 {
        let body = create_scope(&app, &i, &a, &format!("s{n:02}")).await.ok();
        created.push(body["ResourceServerScopeId"].as_str().unwrap().to_owned());
        app.clock.advance(1);
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut p = vec![
            ("InstanceId", i.as_str()),
            ("ApplicationId", a.as_str()),
            ("MaxResults", "10"),
        ];
        if let Some(t) = &token {
            p.push(("NextToken", t));
        }
        let body = app.rpc("ListResourceServerScopes", &p).await.ok();
        assert_eq!(body["TotalCount"], 25);
        assert_eq!(body["MaxResults"], 10);
        pages += 1;
        for s in body["ResourceServerScopes"].as_array().unwrap() {
            seen.push(s["ResourceServerScopeId"].as_str().unwrap().to_owned());
        }
        match body.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
    let filtered = app
        .rpc(
            "ListResourceServerScopes",
            &[
                ("InstanceId", &i),
                ("ApplicationId", &a),
                ("ResourceServerScopeValue", "s07"),
            ],
        )
        .await
        .ok();
    assert_eq!(filtered["TotalCount"], 1);
    app.rpc(
        "ListResourceServerScopes",
        &[
            ("InstanceId", &i),
            ("ApplicationId", &a),
            ("NextToken", "garbage"),
        ],
    )
    .await
    .err(400, "InvalidParameter.NextToken");
    app.rpc(
        "ListResourceServerScopes",
        &[
            ("InstanceId", &i),
            ("ApplicationId", &a),
            ("MaxResults", "0"),
        ],
    )
    .await
    .err(400, "InvalidParameter.MaxResults");
}

#[tokio::test]
async fn grants_need_existing_parties_and_scopes_of_that_server() {
    let app = spawn_app().await;
    let (i, client) = app.m2m_app().await;
    let server = app.create_app(&i, "server", "oauth2/m2m").await;
    let other = app.create_app(&i, "other", "oauth2/m2m").await;
    let foreign = create_scope(&app, &i, &other, "x").await.ok();
    let foreign_id = foreign["ResourceServerScopeId"].as_str().unwrap();
    let parties = [
        ("InstanceId", i.as_str()),
        ("ClientApplicationId", client.as_str()),
        ("ResourceServerApplicationId", server.as_str()),
    ];
    app.rpc("AuthorizeResourceServerScopesToClient", &parties)
        .await
        .err(400, "MissingParameter.ResourceServerScopeIds");
    app.rpc(
        "AuthorizeResourceServerScopesToClient",
        &[
            parties[0],
            parties[1],
            parties[2],
            ("ResourceServerScopeIds.1", foreign_id),
        ],
    )
    .await
    .err(404, "ResourceNotFound.ResourceServerScope");
    app.rpc(
        "AuthorizeResourceServerToClient",
        &[
            ("InstanceId", &i),
            ("ClientApplicationId", "app_aaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("ResourceServerApplicationId", &server),
        ],
    )
    .await
    .err(404, "ResourceNotFound.Application");
    app.rpc("AuthorizeResourceServerToClient", &parties)
        .await
        .ok();
    app.rpc("AuthorizeResourceServerToClient", &parties)
        .await
        .ok();
    app.rpc("RevokeResourceServerFromClient", &parties)
        .await
        .ok();
    app.rpc("RevokeResourceServerFromClient", &parties)
        .await
        .ok();
    assert_eq!(
        app.sql_count("SELECT count(*) FROM resource_server_grants")
            .await,
        0
    );
    // Deleting the server application drops the grants that name it.
    app.rpc("AuthorizeResourceServerToClient", &parties)
        .await
        .ok();
    app.rpc(
        "DeleteApplication",
        &[("InstanceId", &i), ("ApplicationId", &server)],
    )
    .await
    .ok();
    assert_eq!(
        app.sql_count("SELECT count(*) FROM resource_server_grants")
            .await,
        0
    );
}
