"""Client secrets: every action with every client kind."""

import pytest

from support import SECRET_VALUE, action, envelope, is_id, mask, now_ms

DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def app_id(raw, instance_id):
    return raw.app(instance_id, sso="oauth2/m2m")


@action("CreateApplicationClientSecret")
def test_create_application_client_secret(api, raw, instance_id, app_id):
    expires = now_ms() + 30 * DAY_MS
    body = api.call(
        "CreateApplicationClientSecret",
        InstanceId=instance_id,
        ApplicationId=app_id,
        ExpirationTime=expires,
    )
    envelope(api, body)
    if api.typed:
        s = body.application_client_secret
        client_id, value, secret_id = s.client_id, s.client_secret, s.secret_id
    else:
        s = body["ApplicationClientSecret"]
        assert set(s) == {"ClientId", "ClientSecret", "SecretId"}
        client_id, value, secret_id = s["ClientId"], s["ClientSecret"], s["SecretId"]
    assert client_id == app_id
    assert SECRET_VALUE.match(value), value
    assert is_id("sci_", secret_id)
    listed = raw.secrets(instance_id, app_id)[secret_id]
    assert listed["Status"] == "enabled"
    assert listed["ExpirationTime"] == expires
    assert listed["ClientSecret"] == mask(value)


@action("ListApplicationClientSecrets")
def test_list_application_client_secrets(api, raw, instance_id, app_id):
    expires = now_ms() + 7 * DAY_MS
    forever = raw.secret(instance_id, app_id)
    dated = raw.secret(instance_id, app_id, ExpirationTime=expires)
    body = api.call("ListApplicationClientSecrets", InstanceId=instance_id, ApplicationId=app_id)
    envelope(api, body)
    if api.typed:
        assert body.total_count == 2
        by_id = {s.secret_id: s for s in body.application_client_secrets}
        assert set(by_id) == {forever["SecretId"], dated["SecretId"]}
        for created in (forever, dated):
            s = by_id[created["SecretId"]]
            assert s.application_id == app_id
            assert s.client_id == app_id
            assert s.instance_id == instance_id
            assert s.status == "enabled"
            assert s.client_secret == mask(created["ClientSecret"])  # masked, length kept
            assert s.last_used_time is None  # never used: omitted, not 0
        assert by_id[forever["SecretId"]].expiration_time is None  # never expires: omitted
        assert by_id[dated["SecretId"]].expiration_time == expires
    else:
        assert body["TotalCount"] == 2
        by_id = {s["SecretId"]: s for s in body["ApplicationClientSecrets"]}
        assert set(by_id) == {forever["SecretId"], dated["SecretId"]}
        for created in (forever, dated):
            s = by_id[created["SecretId"]]
            assert s["ApplicationId"] == app_id
            assert s["ClientId"] == app_id
            assert s["InstanceId"] == instance_id
            assert s["Status"] == "enabled"
            assert s["ClientSecret"] == mask(created["ClientSecret"])
            assert "LastUsedTime" not in s
        assert "ExpirationTime" not in by_id[forever["SecretId"]]
        assert by_id[dated["SecretId"]]["ExpirationTime"] == expires


@action("ObtainApplicationClientSecret")
def test_obtain_application_client_secret(api, raw, instance_id, app_id):
    expires = now_ms() + 2 * DAY_MS
    created = raw.secret(instance_id, app_id, ExpirationTime=expires)
    body = api.call(
        "ObtainApplicationClientSecret",
        InstanceId=instance_id,
        ApplicationId=app_id,
        SecretId=created["SecretId"],
    )
    envelope(api, body)
    if api.typed:
        s = body.application_client_secret
        assert s.client_secret == created["ClientSecret"]  # the plaintext
        assert s.secret_id == created["SecretId"]
        assert s.application_id == app_id
        assert s.client_id == app_id
        assert s.instance_id == instance_id
        assert s.status == "enabled"
        assert s.expiration_time == expires
        assert s.last_used_time is None
    else:
        s = body["ApplicationClientSecret"]
        assert s["ClientSecret"] == created["ClientSecret"]
        assert s["SecretId"] == created["SecretId"]
        assert s["ApplicationId"] == app_id
        assert s["ClientId"] == app_id
        assert s["InstanceId"] == instance_id
        assert s["Status"] == "enabled"
        assert s["ExpirationTime"] == expires
        assert "LastUsedTime" not in s


def _status_change(api, raw, instance_id, app_id, action_name, start_disabled, expected):
    created = raw.secret(instance_id, app_id)
    ids = dict(InstanceId=instance_id, ApplicationId=app_id, SecretId=created["SecretId"])
    if start_disabled:
        raw.rpc("DisableApplicationClientSecret", **ids)
    envelope(api, api.call(action_name, **ids))
    assert raw.secrets(instance_id, app_id)[created["SecretId"]]["Status"] == expected
    # Idempotent: the same call again succeeds and changes nothing.
    envelope(api, api.call(action_name, **ids))
    assert raw.secrets(instance_id, app_id)[created["SecretId"]]["Status"] == expected


@action("EnableApplicationClientSecret")
def test_enable_application_client_secret(api, raw, instance_id, app_id):
    _status_change(api, raw, instance_id, app_id, "EnableApplicationClientSecret", True, "enabled")


@action("DisableApplicationClientSecret")
def test_disable_application_client_secret(api, raw, instance_id, app_id):
    _status_change(api, raw, instance_id, app_id, "DisableApplicationClientSecret", False, "disabled")


@action("DeleteApplicationClientSecret")
def test_delete_application_client_secret(api, raw, instance_id, app_id):
    gone = raw.secret(instance_id, app_id)
    kept = raw.secret(instance_id, app_id)
    body = api.call(
        "DeleteApplicationClientSecret",
        InstanceId=instance_id,
        ApplicationId=app_id,
        SecretId=gone["SecretId"],
    )
    envelope(api, body)
    assert set(raw.secrets(instance_id, app_id)) == {kept["SecretId"]}


@action("UpdateApplicationClientSecretExpirationTime")
def test_update_application_client_secret_expiration_time(api, raw, instance_id, app_id):
    created = raw.secret(instance_id, app_id)
    expires = now_ms() + 90 * DAY_MS
    body = api.call(
        "UpdateApplicationClientSecretExpirationTime",
        InstanceId=instance_id,
        ApplicationId=app_id,
        SecretId=created["SecretId"],
        ExpirationTime=expires,
    )
    envelope(api, body)
    assert raw.secrets(instance_id, app_id)[created["SecretId"]]["ExpirationTime"] == expires
