use serde_json::Value;

use crate::helpers::*;

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn get_instance_has_every_field_with_local_values() {
    let app = spawn_app().await;
    let i = app.create_instance().await;
    let body = app.rpc("GetInstance", &[("InstanceId", &i)]).await.ok();
    let inst = &body["Instance"];
    assert_eq!(
        keys(inst),
        [
            "CreateTime",
            "CrossRegionReplication",
            "DefaultEndpoint",
            "Description",
            "DomainConfig",
            "EgressAddresses",
            "InstanceFailoverStatus",
            "InstanceId",
            "ServiceManaged",
            "Status",
        ]
    );
    // Never replicated, never service-managed: CrossRegionReplicationRole,
    // ManagedServiceCode and ReplicationConfiguration are omitted (docs/decisions.md).
    assert_eq!(inst["CrossRegionReplication"], "disabled");
    assert_eq!(inst["InstanceFailoverStatus"], "inactive");
    assert_eq!(inst["EgressAddresses"], serde_json::json!([]));
    assert_eq!(
        inst["DomainConfig"]["InitDomainAutoRedirectStatus"],
        "disabled"
    );
    assert_eq!(inst["Status"], "running");
    assert_eq!(inst["InstanceId"], i.as_str());
    assert_eq!(inst["Description"], "test instance");
    assert!(inst["CreateTime"].as_i64().unwrap() > 1_000_000_000_000);
    let host = format!("127.0.0.1:{}", app.port);
    assert_eq!(inst["DefaultEndpoint"]["Endpoint"], host.as_str());
    assert_eq!(inst["DefaultEndpoint"]["Status"], "resolved");
    assert_eq!(inst["DomainConfig"]["DefaultDomain"], host.as_str());
    assert_eq!(inst["DomainConfig"]["InitDomain"], host.as_str());
    assert_eq!(inst["ServiceManaged"], false);

    let list = app.rpc("ListInstances", &[]).await.ok();
    assert_eq!(keys(&list), ["Instances", "RequestId", "TotalCount"]);
    let listed = &list["Instances"][0];
    assert_eq!(
        keys(listed),
        [
            "CreateTime",
            "CrossRegionReplication",
            "DefaultEndpoint",
            "Description",
            "InstanceFailoverStatus",
            "InstanceId",
            "ServiceManaged",
            "Status",
        ]
    );
    for k in keys(listed) {
        assert_eq!(listed[&k], inst[&k], "{k}");
    }
}

#[tokio::test]
async fn list_instances_filters() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(app.create_instance().await);
        app.clock.advance(1);
    }
    // The API only makes `running` instances; the other documented status by hand.
    app.sql_exec(&format!(
        "UPDATE instances SET status = 'creating' WHERE instance_id = '{}'",
        ids[1]
    ))
    .await;
    let count = |params: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move {
            let body = app.rpc("ListInstances", &params).await.ok();
            assert_eq!(
                body["Instances"].as_array().unwrap().len() as i64,
                body["TotalCount"].as_i64().unwrap().min(20)
            );
            body["TotalCount"].as_i64().unwrap()
        }
    };
    assert_eq!(count(vec![("Status", "running")]).await, 3);
    assert_eq!(count(vec![("Status", "creating")]).await, 1);
    assert_eq!(count(vec![("Status", "stopped")]).await, 0);
    assert_eq!(count(vec![("Status", "")]).await, 4, "empty = absent");
    // No edition locally: any Edition matches every instance.
    assert_eq!(count(vec![("Edition", "enterprise")]).await, 4);
    assert_eq!(count(vec![("CrossRegionReplication", "disabled")]).await, 4);
    assert_eq!(count(vec![("CrossRegionReplication", "enabled")]).await, 0);
    assert_eq!(count(vec![("ServiceManaged", "false")]).await, 4);
    assert_eq!(count(vec![("ServiceManaged", "true")]).await, 0);
    assert_eq!(count(vec![("ManagedServiceCode", "kms")]).await, 0);
    assert_eq!(
        count(vec![("Status", "running"), ("ServiceManaged", "False")]).await,
        3
    );
    let creating = app
        .rpc("ListInstances", &[("Status", "creating")])
        .await
        .ok();
    assert_eq!(creating["Instances"][0]["InstanceId"], ids[1].as_str());
    assert_eq!(creating["Instances"][0]["Status"], "creating");
    let two = app
        .rpc(
            "ListInstances",
            &[
                ("Status", "running"),
                ("InstanceIds.1", &ids[2]),
                ("InstanceIds.2", &ids[1]),
                ("InstanceIds.3", &ids[0]),
            ],
        )
        .await
        .ok();
    assert_eq!(two["TotalCount"], 2);
    let got: Vec<&str> = two["Instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["InstanceId"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[0].as_str(), ids[2].as_str()], "creation order");
}

#[tokio::test]
async fn client_token_makes_create_idempotent() {
    let app = spawn_app().await;
    let a = app
        .rpc("CreateInstance", &[("ClientToken", "t-1")])
        .await
        .ok();
    let b = app
        .rpc("CreateInstance", &[("ClientToken", "t-1")])
        .await
        .ok();
    let c = app
        .rpc("CreateInstance", &[("ClientToken", "t-2")])
        .await
        .ok();
    assert_eq!(a["InstanceId"], b["InstanceId"]);
    assert_ne!(a["InstanceId"], c["InstanceId"]);
    let list = app.rpc("ListInstances", &[]).await.ok();
    assert_eq!(list["TotalCount"], 2);
    let long = "x".repeat(65);
    app.rpc("CreateInstance", &[("ClientToken", &long)])
        .await
        .err(400, "InvalidParameter.ClientToken");
}

#[tokio::test]
async fn list_delete_and_update_description() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.create_instance().await);
        app.clock.advance(1);
    }
    let page = app
        .rpc("ListInstances", &[("PageSize", "2"), ("PageNumber", "2")])
        .await
        .ok();
    assert_eq!(page["TotalCount"], 5);
    let got: Vec<&str> = page["Instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["InstanceId"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[2].as_str(), ids[3].as_str()]);
    assert!(page["Instances"][0].get("DomainConfig").is_none());
    let filtered = app
        .rpc(
            "ListInstances",
            &[("InstanceIds.1", &ids[4]), ("InstanceIds.2", &ids[0])],
        )
        .await
        .ok();
    assert_eq!(filtered["TotalCount"], 2);
    let none = app
        .rpc("ListInstances", &[("ServiceManaged", "true")])
        .await
        .ok();
    assert_eq!(none["TotalCount"], 0);
    let past_end = app.rpc("ListInstances", &[("PageNumber", "9")]).await.ok();
    assert_eq!(past_end["TotalCount"], 5);
    assert_eq!(past_end["Instances"].as_array().unwrap().len(), 0);

    app.rpc(
        "UpdateInstanceDescription",
        &[("InstanceId", &ids[0]), ("Description", "new words")],
    )
    .await
    .ok();
    let got = app
        .rpc("GetInstance", &[("InstanceId", &ids[0])])
        .await
        .ok();
    assert_eq!(got["Instance"]["Description"], "new words");
    app.rpc(
        "UpdateInstanceDescription",
        &[("InstanceId", &ids[0]), ("Description", &"d".repeat(129))],
    )
    .await
    .err(400, "InvalidParameter.Description");

    app.rpc("DeleteInstance", &[("InstanceId", &ids[0])])
        .await
        .ok();
    app.rpc("GetInstance", &[("InstanceId", &ids[0])])
        .await
        .err(404, "ResourceNotFound.Instance");
    app.rpc("DeleteInstance", &[("InstanceId", &ids[0])])
        .await
        .err(404, "ResourceNotFound.Instance");
    app.rpc("ListInstances", &[("PageSize", "101")])
        .await
        .err(400, "InvalidParameter.PageSize");
    app.rpc("ListInstances", &[("PageNumber", "0")])
        .await
        .err(400, "InvalidParameter.PageNumber");
}

#[tokio::test]
async fn deleting_an_instance_removes_everything_under_it_in_the_database() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let rs = app.create_app(&i, "api", "oauth2/m2m").await;
    app.create_secret(&i, &a).await;
    app.create_secret(&i, &rs).await;
    let scope = app
        .rpc(
            "CreateResourceServerScope",
            &[
                ("InstanceId", &i),
                ("ApplicationId", &rs),
                ("AuthorizationType", "authorize_required"),
                ("ResourceServerScopeName", "Read"),
                (
                    "ResourceServerScopeType",
                    "urn:alibaba:idaas:resourceserver:scope:delegated",
                ),
                ("ResourceServerScopeValue", "read"),
            ],
        )
        .await
        .ok();
    let sid = scope["ResourceServerScopeId"].as_str().unwrap();
    app.rpc(
        "AuthorizeResourceServerScopesToClient",
        &[
            ("InstanceId", &i),
            ("ClientApplicationId", &a),
            ("ResourceServerApplicationId", &rs),
            ("ResourceServerScopeIds.1", sid),
        ],
    )
    .await
    .ok();
    let (other_i, other_a) = app.m2m_app().await;
    app.create_secret(&other_i, &other_a).await;

    app.rpc("DeleteInstance", &[("InstanceId", &i)]).await.ok();
    for (table, column) in [
        ("applications", "instance_id"),
        ("client_secrets", "instance_id"),
        ("resource_server_scopes", "instance_id"),
    ] {
        let n = app
            .sql_count(&format!(
                "SELECT count(*) FROM {table} WHERE {column} = '{i}'"
            ))
            .await;
        assert_eq!(n, 0, "{table}");
    }
    assert_eq!(app.sql_count("SELECT count(*) FROM scope_grants").await, 0);
    assert_eq!(
        app.sql_count("SELECT count(*) FROM client_secrets").await,
        1,
        "other instance kept"
    );
}
