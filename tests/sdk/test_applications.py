"""Applications (and their M2M / resource-server switches): every action with every client kind."""

import json

from support import (
    RS_SOURCE_CUSTOM,
    SOURCE_STANDARD,
    action,
    envelope,
    is_id,
    now_ms,
    raises_rpc,
)


@action("CreateApplication")
def test_create_application(api, raw, instance_id):
    body = api.call(
        "CreateApplication",
        InstanceId=instance_id,
        ApplicationName="Orders service",
        ApplicationSourceType=SOURCE_STANDARD,
        SsoType="oauth2/m2m",
        Description="created by an SDK",
        LogoUrl="https://example.com/logo.png",
    )
    envelope(api, body)
    app_id = body.application_id if api.typed else body["ApplicationId"]
    assert is_id("app_", app_id)
    got = raw.get_app(instance_id, app_id)
    assert got["ApplicationName"] == "Orders service"
    assert got["Description"] == "created by an SDK"
    assert got["LogoUrl"] == "https://example.com/logo.png"
    assert got["SsoType"] == "oauth2/m2m"
    assert got["M2MClientStatus"] == "enabled"


@action("GetApplication")
def test_get_application(api, raw, instance_id):
    before = now_ms()
    app_id = raw.app(
        instance_id,
        name="Billing",
        sso="oidc+oauth2/m2m",
        Description="bills",
        ApplicationOwner={"UserIds": ["user_1", "user_2"], "GroupIds": ["group_1"]},
        CustomFields=[{"FieldName": "team", "FieldValue": "payments"}],
    )
    raw.rpc("EnableApplicationResourceServer", InstanceId=instance_id, ApplicationId=app_id)
    raw.rpc(
        "SetApplicationResourceServerIdentifier",
        InstanceId=instance_id,
        ApplicationId=app_id,
        ResourceServerIdentifier="https://billing.example.com",
    )
    body = api.call("GetApplication", InstanceId=instance_id, ApplicationId=app_id)
    envelope(api, body)
    if api.typed:
        a = body.application
        assert a.application_id == app_id
        assert a.client_id == app_id
        assert a.instance_id == instance_id
        assert a.application_name == "Billing"
        assert a.description == "bills"
        assert a.application_source_type == SOURCE_STANDARD
        assert a.application_creation_type == "user_custom"
        assert a.application_identity_type == "application"
        assert a.authorization_type == "authorize_required"
        assert a.sso_type == "oidc+oauth2/m2m"
        assert a.status == "enabled"
        assert a.m_2mclient_status == "enabled"
        assert a.resource_server_status == "enabled"
        assert a.resource_server_identifier == "https://billing.example.com"
        assert a.resource_server_source_type == RS_SOURCE_CUSTOM
        assert a.custom_subject_status == "disabled"
        assert a.api_invoke_status in ("enabled", "disabled")
        assert a.service_managed is False
        assert a.application_owner.user_ids == ["user_1", "user_2"]
        assert a.application_owner.group_ids == ["group_1"]
        assert [(f.field_name, f.field_value) for f in a.custom_fields] == [("team", "payments")]
        assert isinstance(a.features, str) and isinstance(json.loads(a.features), list)
        assert isinstance(a.create_time, int) and a.create_time >= before - 5000
        assert isinstance(a.update_time, int) and a.update_time >= a.create_time
    else:
        a = body["Application"]
        assert a["ApplicationId"] == app_id
        assert a["ClientId"] == app_id
        assert a["InstanceId"] == instance_id
        assert a["ApplicationName"] == "Billing"
        assert a["Description"] == "bills"
        assert a["ApplicationSourceType"] == SOURCE_STANDARD
        assert a["ApplicationCreationType"] == "user_custom"
        assert a["ApplicationIdentityType"] == "application"
        assert a["AuthorizationType"] == "authorize_required"
        assert a["SsoType"] == "oidc+oauth2/m2m"
        assert a["Status"] == "enabled"
        assert a["M2MClientStatus"] == "enabled"
        assert a["ResourceServerStatus"] == "enabled"
        assert a["ResourceServerIdentifier"] == "https://billing.example.com"
        assert a["ResourceServerSourceType"] == RS_SOURCE_CUSTOM
        assert a["CustomSubjectStatus"] == "disabled"
        assert a["ServiceManaged"] is False
        assert a["ApplicationOwner"] == {"UserIds": ["user_1", "user_2"], "GroupIds": ["group_1"]}
        assert a["CustomFields"] == [{"FieldName": "team", "FieldValue": "payments"}]
        assert isinstance(json.loads(a["Features"]), list)
        assert isinstance(a["CreateTime"], int) and a["CreateTime"] >= before - 5000
        assert isinstance(a["UpdateTime"], int) and a["UpdateTime"] >= a["CreateTime"]


@action("ListApplications")
def test_list_applications(api, raw, instance_id):
    a1 = raw.app(instance_id, name="list one", sso="oauth2/m2m", Description="first")
    a2 = raw.app(instance_id, name="list two")
    a3 = raw.app(instance_id, name="list three")
    # Order: CreateTime, then ApplicationId (apps made in the same millisecond sort by id).
    order = sorted([a1, a2, a3], key=lambda a: (raw.get_app(instance_id, a)["CreateTime"], a))
    body = api.call("ListApplications", InstanceId=instance_id, ApplicationIds=[a1, a3])
    envelope(api, body)
    everything = api.call("ListApplications", InstanceId=instance_id)
    page = api.call("ListApplications", InstanceId=instance_id, PageNumber=2, PageSize=2)
    m2m = api.call("ListApplications", InstanceId=instance_id, SsoType="oauth2/m2m")
    if api.typed:
        assert body.total_count == 2
        assert [a.application_id for a in body.applications] == [a for a in order if a != a2]
        first = next(a for a in body.applications if a.application_id == a1)
        assert first.client_id == a1
        assert first.instance_id == instance_id
        assert first.application_name == "list one"
        assert first.description == "first"
        assert first.sso_type == "oauth2/m2m"
        assert first.status == "enabled"
        assert first.application_creation_type == "user_custom"
        assert first.application_source_type == SOURCE_STANDARD
        assert first.resource_server_status == "disabled"
        assert first.service_managed is False
        assert isinstance(json.loads(first.features), list)
        assert isinstance(first.create_time, int) and isinstance(first.update_time, int)
        assert everything.total_count == 3
        assert [a.application_id for a in everything.applications] == order
        assert page.total_count == 3
        assert [a.application_id for a in page.applications] == order[2:]
        assert [a.application_id for a in m2m.applications] == [a1]
    else:
        assert body["TotalCount"] == 2
        assert [a["ApplicationId"] for a in body["Applications"]] == [a for a in order if a != a2]
        first = next(a for a in body["Applications"] if a["ApplicationId"] == a1)
        assert first["ClientId"] == a1
        assert first["InstanceId"] == instance_id
        assert first["ApplicationName"] == "list one"
        assert first["Description"] == "first"
        assert first["SsoType"] == "oauth2/m2m"
        assert first["Status"] == "enabled"
        assert first["ApplicationCreationType"] == "user_custom"
        assert first["ApplicationSourceType"] == SOURCE_STANDARD
        assert first["ResourceServerStatus"] == "disabled"
        assert first["ServiceManaged"] is False
        assert isinstance(json.loads(first["Features"]), list)
        assert isinstance(first["CreateTime"], int) and isinstance(first["UpdateTime"], int)
        assert everything["TotalCount"] == 3
        assert [a["ApplicationId"] for a in everything["Applications"]] == order
        assert page["TotalCount"] == 3
        assert [a["ApplicationId"] for a in page["Applications"]] == order[2:]
        assert [a["ApplicationId"] for a in m2m["Applications"]] == [a1]


@action("DeleteApplication")
def test_delete_application(api, raw, instance_id):
    app_id = raw.app(instance_id)
    raw.secret(instance_id, app_id)
    envelope(api, api.call("DeleteApplication", InstanceId=instance_id, ApplicationId=app_id))
    with raises_rpc(404, "ResourceNotFound.Application"):
        raw.get_app(instance_id, app_id)


def _toggle(api, raw, instance_id, action_name, field, expected, sso="oidc", prepare=None):
    app_id = raw.app(instance_id, sso=sso)
    if prepare:
        raw.rpc(prepare, InstanceId=instance_id, ApplicationId=app_id)
    before = raw.get_app(instance_id, app_id)
    envelope(api, api.call(action_name, InstanceId=instance_id, ApplicationId=app_id))
    after = raw.get_app(instance_id, app_id)
    assert after[field] == expected
    assert after["UpdateTime"] >= before["UpdateTime"]


@action("EnableApplication")
def test_enable_application(api, raw, instance_id):
    _toggle(api, raw, instance_id, "EnableApplication", "Status", "enabled", prepare="DisableApplication")


@action("DisableApplication")
def test_disable_application(api, raw, instance_id):
    _toggle(api, raw, instance_id, "DisableApplication", "Status", "disabled")


@action("EnableApplicationM2MClient")
def test_enable_application_m2m_client(api, raw, instance_id):
    _toggle(api, raw, instance_id, "EnableApplicationM2MClient", "M2MClientStatus", "enabled")


@action("DisableApplicationM2MClient")
def test_disable_application_m2m_client(api, raw, instance_id):
    _toggle(
        api, raw, instance_id, "DisableApplicationM2MClient", "M2MClientStatus", "disabled", sso="oauth2/m2m"
    )


@action("EnableApplicationResourceServer")
def test_enable_application_resource_server(api, raw, instance_id):
    _toggle(api, raw, instance_id, "EnableApplicationResourceServer", "ResourceServerStatus", "enabled")


@action("DisableApplicationResourceServer")
def test_disable_application_resource_server(api, raw, instance_id):
    _toggle(
        api,
        raw,
        instance_id,
        "DisableApplicationResourceServer",
        "ResourceServerStatus",
        "disabled",
        prepare="EnableApplicationResourceServer",
    )


@action("SetApplicationResourceServerIdentifier")
def test_set_application_resource_server_identifier(api, raw, instance_id):
    app_id = raw.app(instance_id)
    raw.rpc("EnableApplicationResourceServer", InstanceId=instance_id, ApplicationId=app_id)
    body = api.call(
        "SetApplicationResourceServerIdentifier",
        InstanceId=instance_id,
        ApplicationId=app_id,
        ResourceServerIdentifier="https://inventory.example.com",
        # The current SDK sends ClientToken in a form body: the only body parameter.
        ClientToken="set-identifier-1",
    )
    envelope(api, body)
    got = raw.get_app(instance_id, app_id)
    assert got["ResourceServerIdentifier"] == "https://inventory.example.com"
    assert got["ResourceServerSourceType"] == RS_SOURCE_CUSTOM


@action("UpdateApplicationInfo")
def test_update_application_info(api, raw, instance_id):
    app_id = raw.app(
        instance_id, name="old name", CustomFields=[{"FieldName": "keep", "FieldValue": "k"}]
    )
    body = api.call(
        "UpdateApplicationInfo",
        InstanceId=instance_id,
        ApplicationId=app_id,
        ApplicationName="new name",
        LogoUrl="https://example.com/new.png",
        ApplicationOwner={"UserIds": ["user_9"]},
        CustomFields=[{"FieldName": "env", "FieldValue": "prod", "Operation": "add"}],
    )
    envelope(api, body)
    got = raw.get_app(instance_id, app_id)
    assert got["ApplicationName"] == "new name"
    assert got["LogoUrl"] == "https://example.com/new.png"
    assert got["ApplicationOwner"]["UserIds"] == ["user_9"]
    assert {f["FieldName"]: f["FieldValue"] for f in got["CustomFields"]} == {"keep": "k", "env": "prod"}


@action("UpdateApplicationDescription")
def test_update_application_description(api, raw, instance_id):
    app_id = raw.app(instance_id, Description="before")
    body = api.call(
        "UpdateApplicationDescription",
        InstanceId=instance_id,
        ApplicationId=app_id,
        Description="after",
    )
    envelope(api, body)
    assert raw.get_app(instance_id, app_id)["Description"] == "after"
