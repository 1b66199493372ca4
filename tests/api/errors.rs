use crate::helpers::*;

#[tokio::test]
async fn unknown_action_version_path_and_method_are_json() {
    let app = spawn_app().await;
    app.rpc("NoSuchAction", &[])
        .await
        .err(404, "InvalidAction.NotFound");
    let r = app
        .raw(
            "POST",
            "/",
            &[
                ("x-acs-action", "ListInstances"),
                ("x-acs-version", "2019-01-01"),
            ],
            vec![],
        )
        .await;
    r.err(400, "InvalidVersion");
    app.raw("POST", "/", &[("x-acs-version", VERSION)], vec![])
        .await
        .err(400, "MissingParameter.Action");
    app.raw("POST", "/?Action=ListInstances", &[], vec![])
        .await
        .err(400, "MissingParameter.Version");
    app.raw("GET", "/nothing/here", &[], vec![])
        .await
        .err(404, "InvalidAction.NotFound");
    app.raw("GET", "/", &[], vec![])
        .await
        .err(404, "InvalidAction.NotFound");
    app.raw("DELETE", "/", &[], vec![])
        .await
        .err(404, "InvalidAction.NotFound");
    app.raw("PUT", "/x?y=%zz", &[], vec![])
        .await
        .err(404, "InvalidAction.NotFound");
}

#[tokio::test]
async fn v1_style_requests_dispatch_on_the_action_parameter() {
    let app = spawn_app().await;
    let body = app
        .rpc_v1("CreateInstance", &[("Description", "v1")])
        .await
        .ok();
    let id = body["InstanceId"].as_str().unwrap();
    let got = app
        .rpc_v1(
            "GetInstance",
            &[
                ("InstanceId", id),
                ("Format", "JSON"),
                ("RegionId", "cn-hangzhou"),
                ("SignatureType", ""),
            ],
        )
        .await
        .ok();
    assert_eq!(got["Instance"]["Description"], "v1");
}

#[tokio::test]
async fn missing_and_empty_required_parameters() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    app.rpc("ListApplicationClientSecrets", &[("ApplicationId", &a)])
        .await
        .err(400, "MissingParameter.InstanceId");
    app.rpc(
        "ListApplicationClientSecrets",
        &[("InstanceId", ""), ("ApplicationId", &a)],
    )
    .await
    .err(400, "MissingParameter.InstanceId");
    app.rpc("ListApplicationClientSecrets", &[("InstanceId", &i)])
        .await
        .err(400, "MissingParameter.ApplicationId");
    app.rpc(
        "ObtainApplicationClientSecret",
        &[("InstanceId", &i), ("ApplicationId", &a)],
    )
    .await
    .err(400, "MissingParameter.SecretId");
    app.rpc("CreateApplicationClientSecret", &[("InstanceId", &i)])
        .await
        .err(400, "MissingParameter.ApplicationId");
    app.rpc("GetInstance", &[])
        .await
        .err(400, "MissingParameter.InstanceId");
}

#[tokio::test]
async fn ids_of_the_wrong_shape() {
    let app = spawn_app().await;
    let (i, a) = app.m2m_app().await;
    for (name, bad) in [
        ("InstanceId", "idaas_x"),
        ("InstanceId", "app_aaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("InstanceId", "IDAAS_AAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ("ApplicationId", "app_missing"),
        ("ApplicationId", "app_aaaaaaaaaaaaaaaaaaaaaaaaa1"),
    ] {
        let mut p = vec![("InstanceId", i.as_str()), ("ApplicationId", a.as_str())];
        for kv in p.iter_mut() {
            if kv.0 == name {
                kv.1 = bad;
            }
        }
        app.rpc("ListApplicationClientSecrets", &p)
            .await
            .err(400, &format!("InvalidParameter.{name}"));
    }
    app.rpc(
        "ObtainApplicationClientSecret",
        &[
            ("InstanceId", &i),
            ("ApplicationId", &a),
            ("SecretId", "sci_../../etc"),
        ],
    )
    .await
    .err(400, "InvalidParameter.SecretId");
}

#[tokio::test]
async fn a_10_mb_body_is_413_json() {
    let app = spawn_app().await;
    let body = vec![b'a'; 10 * 1024 * 1024];
    let r = app
        .raw(
            "POST",
            "/",
            &[
                ("x-acs-action", "ListInstances"),
                ("x-acs-version", VERSION),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body,
        )
        .await;
    r.err(413, "RequestEntityTooLarge");
}

#[tokio::test]
async fn invalid_percent_encoding_and_non_utf8_in_the_query() {
    let app = spawn_app().await;
    let h = [
        ("x-acs-action", "CreateInstance"),
        ("x-acs-version", VERSION),
    ];
    app.raw("POST", "/?Description=%zz", &h, vec![])
        .await
        .err(400, "InvalidParameter.Description");
    app.raw("POST", "/?Description=abc%", &h, vec![])
        .await
        .err(400, "InvalidParameter.Description");
    let r = app.raw("POST", "/?Description=%FF%FE", &h, vec![]).await;
    r.err(400, "InvalidParameter.Description");
    assert!(r.body["Message"].as_str().unwrap().contains("UTF-8"));
    app.raw("POST", "/?%FF=1", &h, vec![])
        .await
        .err(400, "InvalidParameter.query string");
    // Nothing was created by any of them.
    let list = app.rpc("ListInstances", &[]).await.ok();
    assert_eq!(list["TotalCount"], 0);
}

#[tokio::test]
async fn form_bodies_are_parameters_too() {
    let app = spawn_app().await;
    let r = app
        .raw(
            "POST",
            "/?Description=with+token",
            &[
                ("x-acs-action", "CreateInstance"),
                ("x-acs-version", VERSION),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            b"ClientToken=tok+en%2A~%2F".to_vec(),
        )
        .await;
    let first = r.ok()["InstanceId"].as_str().unwrap().to_owned();
    let again = app
        .rpc("CreateInstance", &[("ClientToken", "tok en*~/")])
        .await
        .ok();
    assert_eq!(again["InstanceId"], first.as_str());
}

#[tokio::test]
async fn malformed_integers_and_booleans() {
    let app = spawn_app().await;
    let i = app.create_instance().await;
    app.rpc(
        "ListApplications",
        &[("InstanceId", &i), ("PageSize", "ten")],
    )
    .await
    .err(400, "InvalidParameter.PageSize");
    app.rpc(
        "ListApplications",
        &[("InstanceId", &i), ("ServiceManaged", "yes")],
    )
    .await
    .err(400, "InvalidParameter.ServiceManaged");
    app.rpc(
        "ListApplications",
        &[("InstanceId", &i), ("ServiceManaged", "True")],
    )
    .await
    .ok();
    app.rpc(
        "ListApplications",
        &[("InstanceId", &i), ("ServiceManaged", "false")],
    )
    .await
    .ok();
}
