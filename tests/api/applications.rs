use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::*;

const SOURCE_TEMPLATE: &str = "urn:alibaba:idaas:app:source:template";

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn ids_of(list: &Value) -> Vec<String> {
    list["Applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ApplicationId"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn get_application_has_every_field_and_the_defaults() {
    let app = spawn_app().await;
    let i = app.create_instance().await;
    let body = app
        .rpc(
            "CreateApplication",
            &[
                ("InstanceId", &i),
                ("ApplicationName", "Orders API"),
                ("ApplicationSourceType", STANDARD),
                ("SsoType", "oidc+oauth2/m2m"),
                ("Description", "desc"),
                ("LogoUrl", "https://example.com/logo.png"),
                ("ApplicationOwner.UserIds.1", "user_1"),
                ("ApplicationOwner.UserIds.2", "user_2"),
                ("ApplicationOwner.GroupIds.1", "group_1"),
                ("CustomFields.1.FieldName", "team"),
                ("CustomFields.1.FieldValue", "payments"),
            ],
        )
        .await
        .ok();
    assert_eq!(keys(&body), ["ApplicationId", "RequestId"]);
    let a = body["ApplicationId"].as_str().unwrap();
    let got = app
        .rpc(
            "GetApplication",
            &[("InstanceId", &i), ("ApplicationId", a)],
        )
        .await
        .ok();
    let g = &got["Application"];
    assert_eq!(
        keys(g),
        [
            "ApiInvokeStatus",
            "ApplicationCreationType",
            "ApplicationId",
            "ApplicationIdentityType",
            "ApplicationName",
            "ApplicationOwner",
            "ApplicationSourceType",
            "ApplicationVisibility",
            "AuthorizationType",
            "ClientId",
            "CreateTime",
            "CustomFields",
            "CustomSubjectStatus",
            "Description",
            "Features",
            "InstanceId",
            "LogoUrl",
            "M2MClientStatus",
            "ResourceServerStatus",
            "ServiceManaged",
            "SmartConfigCapabilities",
            "SsoType",
            "Status",
            "UpdateTime",
        ]
    );
    assert_eq!(g["ApplicationName"], "Orders API");
    assert_eq!(g["ClientId"], a);
    assert_eq!(g["Status"], "enabled");
    assert_eq!(g["ApplicationCreationType"], "user_custom");
    assert_eq!(g["ApplicationIdentityType"], "application");
    assert_eq!(g["AuthorizationType"], "authorize_required");
    assert_eq!(g["M2MClientStatus"], "enabled");
    assert_eq!(g["ResourceServerStatus"], "disabled");
    assert_eq!(g["CustomSubjectStatus"], "disabled");
    assert_eq!(
        g["ApplicationOwner"]["UserIds"],
        serde_json::json!(["user_1", "user_2"])
    );
    assert_eq!(
        g["ApplicationOwner"]["GroupIds"],
        serde_json::json!(["group_1"])
    );
    assert_eq!(
        g["CustomFields"],
        serde_json::json!([{"FieldName": "team", "FieldValue": "payments"}])
    );
    // Features is a JSON array encoded as a string.
    let features: Vec<String> = serde_json::from_str(g["Features"].as_str().unwrap()).unwrap();
    assert!(features.contains(&"sso".to_owned()) && features.contains(&"m2m_client".to_owned()));
    assert_eq!(g["CreateTime"], g["UpdateTime"]);

    let saml = app.create_app(&i, "SAML", "saml2").await;
    let got = app
        .rpc(
            "GetApplication",
            &[("InstanceId", &i), ("ApplicationId", &saml)],
        )
        .await
        .ok();
    assert_eq!(got["Application"]["M2MClientStatus"], "disabled");
}

#[tokio::test]
async fn create_application_validation() {
    let app = spawn_app().await;
    let i = app.create_instance().await;
    let base = |extra: Vec<(&'static str, String)>| {
        let mut p: Vec<(&'static str, String)> = vec![
            ("InstanceId", i.clone()),
            ("ApplicationName", "n".into()),
            ("ApplicationSourceType", STANDARD.into()),
            ("SsoType", "oidc".into()),
        ];
        for (k, v) in extra {
            p.retain(|(pk, _)| *pk != k);
            if !v.is_empty() || k == "ApplicationName" {
                p.push((k, v));
            }
        }
        p
    };
    type Case = (Vec<(&'static str, String)>, u16, &'static str);
    let cases: Vec<Case> = vec![
        (
            base(vec![("ApplicationName", "".into())]),
            400,
            "MissingParameter.ApplicationName",
        ),
        (
            base(vec![("ApplicationName", "x".repeat(129))]),
            400,
            "InvalidParameter.ApplicationName",
        ),
        (
            base(vec![("SsoType", "cas".into())]),
            400,
            "InvalidParameter.SsoType",
        ),
        (
            base(vec![("ApplicationSourceType", "urn:other".into())]),
            400,
            "InvalidParameter.ApplicationSourceType",
        ),
        (
            base(vec![(
                "ApplicationSourceType",
                "urn:alibaba:idaas:app:source:template".into(),
            )]),
            400,
            "MissingParameter.ApplicationTemplateId",
        ),
        (
            base(vec![("Description", "d".repeat(257))]),
            400,
            "InvalidParameter.Description",
        ),
        (
            base(vec![("LogoUrl", "u".repeat(1025))]),
            400,
            "InvalidParameter.LogoUrl",
        ),
        (
            base(vec![("ApplicationIdentityType", "robot".into())]),
            400,
            "InvalidParameter.ApplicationIdentityType",
        ),
        (
            base(vec![("CustomFields.1.FieldValue", "v".into())]),
            400,
            "MissingParameter.CustomFields.1.FieldName",
        ),
        (
            base(vec![(
                "InstanceId",
                "idaas_aaaaaaaaaaaaaaaaaaaaaaaaaa".into(),
            )]),
            404,
            "ResourceNotFound.Instance",
        ),
    ];
    for (params, status, code) in cases {
        let p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.rpc("CreateApplication", &p).await.err(status, code);
    }
    let too_many: Vec<(String, String)> = (1..=101)
        .map(|n| (format!("ApplicationOwner.UserIds.{n}"), format!("u{n}")))
        .collect();
    let mut p: Vec<(&str, &str)> = vec![
        ("InstanceId", &i),
        ("ApplicationName", "n"),
        ("ApplicationSourceType", STANDARD),
        ("SsoType", "oidc"),
    ];
    p.extend(too_many.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    app.rpc("CreateApplication", &p)
        .await
        .err(400, "InvalidParameter.UserIds");
    let list = app
        .rpc("ListApplications", &[("InstanceId", &i)])
        .await
        .ok();
    assert_eq!(list["TotalCount"], 0, "no half-created application");
}

#[tokio::test]
async fn paging_250_applications_returns_each_once_in_order() {
    let app = spawn_app().await;
    let i = app.create_instance().await;
    let mut created = Vec::new();
    for n in 0..250 {
        let sso = if n % 3 == 0 { "oauth2/m2m" } else { "oidc" };
        created.push(app.create_app(&i, &format!("app-{n:03}"), sso).await);
        if n % 2 == 0 {
            app.clock.advance(1);
        }
    }
    // Expected order: CreateTime, then ApplicationId.
    let mut expected: Vec<(i64, String)> = Vec::new();
    for id in &created {
        let g = app
            .rpc(
                "GetApplication",
                &[("InstanceId", &i), ("ApplicationId", id)],
            )
            .await
            .ok();
        expected.push((g["Application"]["CreateTime"].as_i64().unwrap(), id.clone()));
    }
    expected.sort();
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();
    for size in [20usize, 7, 100] {
        let mut seen = Vec::new();
        let mut page = 1;
        loop {
            let body = app
                .rpc(
                    "ListApplications",
                    &[
                        ("InstanceId", &i),
                        ("PageSize", &size.to_string()),
                        ("PageNumber", &page.to_string()),
                    ],
                )
                .await
                .ok();
            assert_eq!(body["TotalCount"], 250);
            let ids = ids_of(&body);
            if ids.is_empty() {
                break;
            }
            assert!(ids.len() <= size);
            seen.extend(ids);
            page += 1;
        }
        assert_eq!(seen, expected, "page size {size}");
    }
    let m2m = app
        .rpc(
            "ListApplications",
            &[("InstanceId", &i), ("SsoType", "oauth2/m2m")],
        )
        .await
        .ok();
    assert_eq!(m2m["TotalCount"], 84);
    let both = app
        .rpc(
            "ListApplications",
            &[("InstanceId", &i), ("SsoType", "oauth2/m2m,oidc")],
        )
        .await
        .ok();
    assert_eq!(both["TotalCount"], 250);
    let m2m_enabled = app
        .rpc(
            "ListApplications",
            &[("InstanceId", &i), ("M2MClientStatus", "enabled")],
        )
        .await
        .ok();
    assert_eq!(m2m_enabled["TotalCount"], 84);
    let prefix = app
        .rpc(
            "ListApplications",
            &[("InstanceId", &i), ("ApplicationName", "app-1")],
        )
        .await
        .ok();
    assert_eq!(prefix["TotalCount"], 100);
    let by_ids = app
        .rpc(
            "ListApplications",
            &[
                ("InstanceId", &i),
                ("ApplicationIds.1", &created[5]),
                ("ApplicationIds.2", &created[9]),
            ],
        )
        .await
        .ok();
    assert_eq!(by_ids["TotalCount"], 2);
    let disabled = app
        .rpc(
            "ListApplications",
            &[("InstanceId", &i), ("Status", "disabled")],
        )
        .await
        .ok();
    assert_eq!(disabled["TotalCount"], 0);
}

#[tokio::test]
async fn the_name_prefix_filter_treats_wildcards_as_characters() {
    let app = spawn_app().await;
    let i = app.create_instance().await;
    for name in [
        "50%_off sale",
        "50% off",
        "50x_off",
        "500_off",
        "50%_offer",
        "x50%_off",
        r"50\%_off",
    ] {
        app.create_app(&i, name, "oidc").await;
    }
    let body = app
        .rpc(
            "ListApplications",
            &[("InstanceId", &i), ("ApplicationName", "50%_off")],
        )
        .await
        .ok();
    let mut names: Vec<&str> = body["Applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ApplicationName"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["50%_off sale", "50%_offer"]);
    assert_eq!(body["TotalCount"], 2);
    let body = app
        .rpc(
            "ListApplications",
            &[("InstanceId", &i), ("ApplicationName", r"50\%")],
        )
        .await
        .ok();
    assert_eq!(body["TotalCount"], 1);
}

#[tokio::test]
async fn default_listing_shows_only_custom_applications_of_identity_application() {
    let app = spawn_app().await;
    let i = app.create_instance().await;
    app.create_app(&i, "plain", "oidc").await;
    app.rpc(
        "CreateApplication",
        &[
            ("InstanceId", &i),
            ("ApplicationName", "agent"),
            ("ApplicationSourceType", STANDARD),
            ("SsoType", "oauth2/m2m"),
            ("ApplicationIdentityType", "agent"),
        ],
    )
    .await
    .ok();
    let default = app
        .rpc("ListApplications", &[("InstanceId", &i)])
        .await
        .ok();
    assert_eq!(default["TotalCount"], 1);
    let all = app
        .rpc(
            "ListApplications",
            &[("InstanceId", &i), ("ApplicationIdentityType", "all")],
        )
        .await
        .ok();
    assert_eq!(all["TotalCount"], 2);
    let agents = app
        .rpc(
            "ListApplications",
            &[("InstanceId", &i), ("ApplicationIdentityType", "agent")],
        )
        .await
        .ok();
    assert_eq!(agents["TotalCount"], 1);
    let system = app
        .rpc(
            "ListApplications",
            &[
                ("InstanceId", &i),
                ("ApplicationCreationType", "system_init"),
            ],
        )
        .await
        .ok();
    assert_eq!(system["TotalCount"], 0);
}

#[tokio::test]
async fn switches_and_updates_move_update_time() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let ids = [("InstanceId", i.as_str()), ("ApplicationId", a.as_str())];
    let get = || async { app.rpc("GetApplication", &ids).await.ok()["Application"].clone() };
    let mut last = get().await["UpdateTime"].as_i64().unwrap();
    let mut step = |g: Value| {
        let t = g["UpdateTime"].as_i64().unwrap();
        assert!(t > last, "UpdateTime moved");
        last = t;
        g
    };
    for (action, field, value) in [
        ("DisableApplication", "Status", "disabled"),
        ("EnableApplication", "Status", "enabled"),
        ("DisableApplicationM2MClient", "M2MClientStatus", "disabled"),
        ("EnableApplicationM2MClient", "M2MClientStatus", "enabled"),
        (
            "EnableApplicationResourceServer",
            "ResourceServerStatus",
            "enabled",
        ),
        (
            "DisableApplicationResourceServer",
            "ResourceServerStatus",
            "disabled",
        ),
    ] {
        let body = app.rpc(action, &ids).await.ok();
        assert_eq!(keys(&body), ["RequestId"]);
        let g = step(get().await);
        assert_eq!(g[field], value, "{action}");
    }
    app.rpc(
        "UpdateApplicationDescription",
        &[ids[0], ids[1], ("Description", "new")],
    )
    .await
    .ok();
    assert_eq!(step(get().await)["Description"], "new");
    app.rpc(
        "UpdateApplicationInfo",
        &[
            ids[0],
            ids[1],
            ("ApplicationName", "Renamed"),
            ("LogoUrl", "https://x/l.png"),
            ("ApplicationOwner.UserIds.1", "u9"),
            ("ApplicationVisibility.1", "v1"),
            ("CustomFields.1.FieldName", "a"),
            ("CustomFields.1.FieldValue", "1"),
            ("CustomFields.1.Operation", "add"),
            ("CustomFields.2.FieldName", "b"),
            ("CustomFields.2.FieldValue", "2"),
        ],
    )
    .await
    .ok();
    let g = step(get().await);
    assert_eq!(g["ApplicationName"], "Renamed");
    assert_eq!(g["LogoUrl"], "https://x/l.png");
    assert_eq!(g["ApplicationOwner"]["UserIds"], serde_json::json!(["u9"]));
    assert_eq!(g["ApplicationVisibility"], serde_json::json!(["v1"]));
    assert_eq!(
        g["CustomFields"],
        serde_json::json!([{"FieldName": "a", "FieldValue": "1"}, {"FieldName": "b", "FieldValue": "2"}])
    );
    app.rpc(
        "UpdateApplicationInfo",
        &[
            ids[0],
            ids[1],
            ("CustomFields.1.FieldName", "a"),
            ("CustomFields.1.Operation", "remove"),
            ("CustomFields.2.FieldName", "b"),
            ("CustomFields.2.FieldValue", "22"),
            ("CustomFields.2.Operation", "replace"),
        ],
    )
    .await
    .ok();
    let g = step(get().await);
    assert_eq!(
        g["CustomFields"],
        serde_json::json!([{"FieldName": "b", "FieldValue": "22"}])
    );
    assert_eq!(
        g["ApplicationName"], "Renamed",
        "absent fields are left alone"
    );
    app.rpc(
        "UpdateApplicationInfo",
        &[
            ids[0],
            ids[1],
            ("CustomFields.1.FieldName", "c"),
            ("CustomFields.1.Operation", "explode"),
        ],
    )
    .await
    .err(400, "InvalidParameter.CustomFields");
    app.rpc(
        "SetApplicationResourceServerIdentifier",
        &[
            ids[0],
            ids[1],
            ("ResourceServerIdentifier", "https://orders.example.com"),
        ],
    )
    .await
    .ok();
    let g = step(get().await);
    assert_eq!(g["ResourceServerIdentifier"], "https://orders.example.com");
    assert_eq!(
        g["ResourceServerSourceType"],
        "urn:cloud:idaas:resourceserver:source:custom"
    );
}

#[tokio::test]
async fn resource_server_identifiers_are_unique_within_an_instance() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let b = app.create_app(&i, "b", "oauth2/m2m").await;
    let set = |app_id: &str, ident: &str| {
        let (i, app_id, ident) = (i.clone(), app_id.to_owned(), ident.to_owned());
        let app = &app;
        async move {
            app.rpc(
                "SetApplicationResourceServerIdentifier",
                &[
                    ("InstanceId", &i),
                    ("ApplicationId", &app_id),
                    ("ResourceServerIdentifier", &ident),
                ],
            )
            .await
        }
    };
    set(&a, "https://api").await.ok();
    set(&b, "https://api")
        .await
        .err(409, "EntityAlreadyExists.ResourceServerIdentifier");
    set(&a, "https://api").await.ok();
    set(&b, "has space")
        .await
        .err(400, "InvalidParameter.ResourceServerIdentifier");
    set(&b, "")
        .await
        .err(400, "MissingParameter.ResourceServerIdentifier");
    // Another instance may use the same identifier.
    let (i2, c) = app.m2m_app().await;
    app.rpc(
        "SetApplicationResourceServerIdentifier",
        &[
            ("InstanceId", &i2),
            ("ApplicationId", &c),
            ("ResourceServerIdentifier", "https://api"),
        ],
    )
    .await
    .ok();
}

#[tokio::test]
async fn not_found_and_missing_parameters_for_each_application_action() {
    let app = spawn_app().await;
    let i = app.create_instance().await;
    let missing_app = "app_aaaaaaaaaaaaaaaaaaaaaaaaaa";
    for action in [
        "GetApplication",
        "DeleteApplication",
        "EnableApplication",
        "DisableApplication",
        "UpdateApplicationInfo",
        "UpdateApplicationDescription",
        "EnableApplicationM2MClient",
        "DisableApplicationM2MClient",
        "EnableApplicationResourceServer",
        "DisableApplicationResourceServer",
    ] {
        app.rpc(
            action,
            &[("InstanceId", &i), ("ApplicationId", missing_app)],
        )
        .await
        .err(404, "ResourceNotFound.Application");
        app.rpc(action, &[("InstanceId", &i)])
            .await
            .err(400, "MissingParameter.ApplicationId");
        app.rpc(action, &[("ApplicationId", missing_app)])
            .await
            .err(400, "MissingParameter.InstanceId");
    }
}

#[tokio::test]
async fn a_disabled_application_keeps_its_secrets_listable_and_obtainable() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let (sid, plain) = app.create_secret(&i, &a).await;
    app.rpc(
        "DisableApplication",
        &[("InstanceId", &i), ("ApplicationId", &a)],
    )
    .await
    .ok();
    let g = app
        .rpc(
            "GetApplication",
            &[("InstanceId", &i), ("ApplicationId", &a)],
        )
        .await
        .ok();
    assert_eq!(g["Application"]["Status"], "disabled");
    let listed = app
        .rpc("ListApplications", &[("InstanceId", &i)])
        .await
        .ok();
    assert_eq!(listed["Applications"][0]["Status"], "disabled");
    assert_eq!(app.list_secrets(&i, &a).await.len(), 1);
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
async fn deleting_an_application_removes_its_secrets_in_the_database() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    let keep = app.create_app(&i, "keep", "oauth2/m2m").await;
    app.create_secret(&i, &a).await;
    app.create_secret(&i, &a).await;
    app.create_secret(&i, &keep).await;
    app.rpc(
        "DeleteApplication",
        &[("InstanceId", &i), ("ApplicationId", &a)],
    )
    .await
    .ok();
    assert_eq!(
        app.sql_count(&format!(
            "SELECT count(*) FROM client_secrets WHERE application_id = '{a}'"
        ))
        .await,
        0
    );
    assert_eq!(
        app.sql_count("SELECT count(*) FROM client_secrets").await,
        1
    );
    app.rpc(
        "GetApplication",
        &[("InstanceId", &i), ("ApplicationId", &a)],
    )
    .await
    .err(404, "ResourceNotFound.Application");
    let ids: HashSet<String> = ids_of(
        &app.rpc("ListApplications", &[("InstanceId", &i)])
            .await
            .ok(),
    )
    .into_iter()
    .collect();
    assert_eq!(ids, HashSet::from([keep]));
}

#[tokio::test]
async fn every_list_filter_counts_its_matches_and_pages_them_in_order() {
    let app = spawn_app().await;
    let i = app.create_instance().await;
    let other = app.create_instance().await;
    // Twelve applications, in creation order; each filter below picks a different subset.
    let mut ids: Vec<String> = Vec::new();
    for n in 0..12 {
        let mut p: Vec<(String, String)> = vec![
            ("InstanceId".into(), i.clone()),
            ("ApplicationName".into(), format!("app-{n:02}")),
            ("SsoType".into(), "oauth2/m2m".into()),
        ];
        if n % 3 == 0 {
            p.push(("ApplicationSourceType".into(), SOURCE_TEMPLATE.into()));
            p.push(("ApplicationTemplateId".into(), "apt_orders".into()));
        } else {
            p.push(("ApplicationSourceType".into(), STANDARD.into()));
        }
        let mut fields = Vec::new();
        if n % 4 == 0 {
            fields.push(("team", "payments"));
        }
        if n % 2 == 1 {
            fields.push(("team", "search"));
        }
        if n == 5 || n == 8 {
            fields.push(("tier", "gold"));
        }
        for (k, (name, value)) in fields.into_iter().enumerate() {
            p.push((format!("CustomFields.{}.FieldName", k + 1), name.into()));
            p.push((format!("CustomFields.{}.FieldValue", k + 1), value.into()));
        }
        let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let body = app.rpc("CreateApplication", &p).await.ok();
        ids.push(body["ApplicationId"].as_str().unwrap().to_owned());
        app.clock.advance(1);
    }
    // The same template and field in another instance must not be counted.
    app.rpc(
        "CreateApplication",
        &[
            ("InstanceId", &other),
            ("ApplicationName", "elsewhere"),
            ("SsoType", "oidc"),
            ("ApplicationSourceType", SOURCE_TEMPLATE),
            ("ApplicationTemplateId", "apt_orders"),
            ("CustomFields.1.FieldName", "team"),
            ("CustomFields.1.FieldValue", "search"),
        ],
    )
    .await
    .ok();
    let ids_at = |ns: &[usize]| -> Vec<String> { ns.iter().map(|&n| ids[n].clone()).collect() };
    for n in [1, 2, 7] {
        app.rpc(
            "DisableApplication",
            &[("InstanceId", &i), ("ApplicationId", &ids[n])],
        )
        .await
        .ok();
    }
    for n in [0, 5, 10] {
        app.rpc(
            "EnableApplicationResourceServer",
            &[("InstanceId", &i), ("ApplicationId", &ids[n])],
        )
        .await
        .ok();
    }
    // No API call sets these; an operator can, in the database.
    let set = |col: &str, ns: &[usize]| {
        let list: Vec<String> = ns.iter().map(|&n| format!("'{}'", ids[n])).collect();
        format!(
            "UPDATE applications SET {col} WHERE application_id IN ({})",
            list.join(",")
        )
    };
    app.sql_exec(&set("authorization_type = 'default_all'", &[2, 3]))
        .await;
    app.sql_exec(&set(
        "service_managed = 1, managed_service_code = 'rpa'",
        &[9, 10],
    ))
    .await;
    app.sql_exec(&set(
        "service_managed = 1, managed_service_code = 'waf'",
        &[11],
    ))
    .await;

    let list = |extra: Vec<(&'static str, &'static str)>| {
        let app = &app;
        let i = i.clone();
        async move {
            let mut p: Vec<(&str, &str)> = vec![("InstanceId", &i), ("PageSize", "100")];
            p.extend(extra);
            let body = app.rpc("ListApplications", &p).await.ok();
            let ids = ids_of(&body);
            assert_eq!(body["TotalCount"], ids.len() as i64, "{p:?}");
            ids
        }
    };
    type Case = (Vec<(&'static str, &'static str)>, Vec<usize>);
    let cases: Vec<Case> = vec![
        (vec![], (0..12).collect()),
        (
            vec![("ApplicationTemplateId", "apt_orders")],
            vec![0, 3, 6, 9],
        ),
        (vec![("ApplicationTemplateId", "apt_other")], vec![]),
        (vec![("AuthorizationType", "default_all")], vec![2, 3]),
        (
            vec![("AuthorizationType", "authorize_required")],
            vec![0, 1, 4, 5, 6, 7, 8, 9, 10, 11],
        ),
        (
            vec![
                ("CustomFields.1.FieldName", "team"),
                ("CustomFields.1.FieldValue", "payments"),
            ],
            vec![0, 4, 8],
        ),
        (
            vec![
                ("CustomFields.1.FieldName", "team"),
                ("CustomFields.1.FieldValue", "search"),
            ],
            vec![1, 3, 5, 7, 9, 11],
        ),
        // Several fields must all match.
        (
            vec![
                ("CustomFields.1.FieldName", "team"),
                ("CustomFields.1.FieldValue", "search"),
                ("CustomFields.2.FieldName", "tier"),
                ("CustomFields.2.FieldValue", "gold"),
            ],
            vec![5],
        ),
        (
            vec![
                ("CustomFields.1.FieldName", "team"),
                ("CustomFields.1.FieldValue", "Payments"),
            ],
            vec![],
        ),
        // A name without a value: every application that has the field, whatever its value.
        (vec![("CustomFields.1.FieldName", "tier")], vec![5, 8]),
        (vec![("CustomFields.1.FieldName", "nosuchfield")], vec![]),
        (vec![("ManagedServiceCode", "rpa")], vec![9, 10]),
        (vec![("ManagedServiceCode", "waf")], vec![11]),
        (vec![("ManagedServiceCode", "kms")], vec![]),
        (vec![("ResourceServerStatus", "enabled")], vec![0, 5, 10]),
        (
            vec![("ResourceServerStatus", "disabled")],
            vec![1, 2, 3, 4, 6, 7, 8, 9, 11],
        ),
        (vec![("ServiceManaged", "true")], vec![9, 10, 11]),
        (
            vec![("ServiceManaged", "false")],
            vec![0, 1, 2, 3, 4, 5, 6, 7, 8],
        ),
        (vec![("Status", "disabled")], vec![1, 2, 7]),
        (
            vec![("Status", "enabled")],
            vec![0, 3, 4, 5, 6, 8, 9, 10, 11],
        ),
        // Filters combine with AND.
        (
            vec![("Status", "enabled"), ("ServiceManaged", "true")],
            vec![9, 10, 11],
        ),
        (
            vec![
                ("Status", "disabled"),
                ("AuthorizationType", "default_all"),
                ("ApplicationTemplateId", "apt_orders"),
            ],
            vec![],
        ),
        (
            vec![
                ("ResourceServerStatus", "enabled"),
                ("ManagedServiceCode", "rpa"),
            ],
            vec![10],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(list(filter.clone()).await, ids_at(&expected), "{filter:?}");
    }
    // The listed objects carry the values the filters matched on.
    let managed = app
        .rpc(
            "ListApplications",
            &[("InstanceId", &i), ("ManagedServiceCode", "waf")],
        )
        .await
        .ok();
    assert_eq!(managed["Applications"][0]["ServiceManaged"], true);
    assert_eq!(managed["Applications"][0]["ManagedServiceCode"], "waf");

    // One filtered list, paged: the pages concatenated are exactly the matches, in order,
    // and every page reports the full count.
    let expected = ids_at(&[0, 3, 4, 5, 6, 8, 9, 10, 11]);
    let mut seen = Vec::new();
    for page in 1..=6 {
        let body = app
            .rpc(
                "ListApplications",
                &[
                    ("InstanceId", &i),
                    ("Status", "enabled"),
                    ("PageSize", "2"),
                    ("PageNumber", &page.to_string()),
                ],
            )
            .await
            .ok();
        assert_eq!(body["TotalCount"], 9);
        let got = ids_of(&body);
        assert_eq!(
            got.len(),
            if page <= 4 {
                2
            } else if page == 5 {
                1
            } else {
                0
            }
        );
        seen.extend(got);
    }
    assert_eq!(seen, expected);
}
