"""Errors as SDK users see them: the SDK's own exception, with the server's code, HTTP status
and request id.

- current SDK: ``alibabacloud_tea_openapi.exceptions.ClientException`` for 4xx
  (``e.code``, ``e.status_code``, ``e.request_id``, the body in ``e.data``);
- old SDK: ``aliyunsdkcore.acs_exception.exceptions.ServerException``
  (``get_error_code()``, ``get_http_status()``, ``get_request_id()``).
"""

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException as TeaClientException

from eiamsdk import REQUEST_ID
from support import SCOPE_TYPE, SOURCE_STANDARD, all_kinds, now_ms, unknown_id

SECTION = "errors"


def expect_error(api, status: int, code: str, fn, *args, **kwargs):
    with pytest.raises(api.errors) as caught:
        fn(*args, **kwargs)
    e = caught.value
    if api.typed:
        # 4xx is the SDK's ClientException (5xx would be ServerException).
        assert type(e) is TeaClientException, type(e)
    info = api.error_info(e)
    assert (info.http_status, info.code) == (status, code), info
    assert REQUEST_ID.match(info.request_id or ""), info.request_id
    if info.body_request_id is not None:
        assert info.body_request_id == info.request_id
    assert info.message and info.message != "None"
    if api.typed:
        assert e.data["Code"] == code
        assert e.data["statusCode"] == status
        assert e.data["HostId"] and e.data["Recommend"]
    else:
        assert str(e).startswith(f"HTTP Status: {status} Error:{code} ")
    return info


@all_kinds(SECTION, "404 ResourceNotFound.Application: GetApplication of a well-formed unknown id")
def test_not_found(api, instance_id):
    info = expect_error(
        api,
        404,
        "ResourceNotFound.Application",
        api.call,
        "GetApplication",
        InstanceId=instance_id,
        ApplicationId=unknown_id("app_"),
    )
    assert unknown_id("app_") in info.message


@all_kinds(SECTION, "404 ResourceNotFound.Instance: GetInstance of a well-formed unknown id")
def test_instance_not_found(api):
    expect_error(api, 404, "ResourceNotFound.Instance", api.call, "GetInstance", InstanceId=unknown_id("idaas_"))


@all_kinds(SECTION, "404 ResourceNotFound.ApplicationClientSecret: ObtainApplicationClientSecret")
def test_secret_not_found(api, raw, instance_id):
    app = raw.app(instance_id)
    expect_error(
        api,
        404,
        "ResourceNotFound.ApplicationClientSecret",
        api.call,
        "ObtainApplicationClientSecret",
        InstanceId=instance_id,
        ApplicationId=app,
        SecretId=unknown_id("sci_"),
    )


@all_kinds(SECTION, "400 InvalidParameter.ApplicationId: a malformed id")
def test_malformed_id(api, instance_id):
    expect_error(
        api,
        400,
        "InvalidParameter.ApplicationId",
        api.call,
        "GetApplication",
        InstanceId=instance_id,
        ApplicationId="app_not-an-id",
    )


@all_kinds(SECTION, "400 MissingParameter.ApplicationId / .ApplicationName")
def test_missing_parameter(api, instance_id):
    expect_error(
        api, 400, "MissingParameter.ApplicationId", api.call, "GetApplication", InstanceId=instance_id
    )
    expect_error(
        api,
        400,
        "MissingParameter.ApplicationName",
        api.call,
        "CreateApplication",
        InstanceId=instance_id,
        ApplicationSourceType=SOURCE_STANDARD,
        SsoType="oidc",
    )


@all_kinds(SECTION, "400 InvalidParameter.PageSize: not an integer")
def test_invalid_integer(api, instance_id):
    expect_error(
        api,
        400,
        "InvalidParameter.PageSize",
        api.call,
        "ListApplications",
        InstanceId=instance_id,
        PageSize="twenty",
    )


@all_kinds(SECTION, "400 InvalidParameter.ExpirationTime: seconds instead of milliseconds")
def test_expiration_in_seconds(api, raw, instance_id):
    app = raw.app(instance_id)
    info = expect_error(
        api,
        400,
        "InvalidParameter.ExpirationTime",
        api.call,
        "CreateApplicationClientSecret",
        InstanceId=instance_id,
        ApplicationId=app,
        ExpirationTime=now_ms() // 1000 + 86400 * 30,
    )
    assert "millisecond" in info.message


@all_kinds(SECTION, "400 QuotaExceeded.ApplicationClientSecret: the third secret")
def test_quota_exceeded(api, raw, instance_id):
    app = raw.app(instance_id, sso="oauth2/m2m")
    for _ in range(2):
        api.call("CreateApplicationClientSecret", InstanceId=instance_id, ApplicationId=app)
    expect_error(
        api,
        400,
        "QuotaExceeded.ApplicationClientSecret",
        api.call,
        "CreateApplicationClientSecret",
        InstanceId=instance_id,
        ApplicationId=app,
    )
    assert len(raw.secrets(instance_id, app)) == 2


@all_kinds(SECTION, "409 EntityAlreadyExists: a scope value used twice", kinds=("v3", "v1", "old-common"))
def test_duplicate_scope(api, raw, instance_id):
    rs = raw.app(instance_id)
    raw.rpc("EnableApplicationResourceServer", InstanceId=instance_id, ApplicationId=rs)
    raw.scope(instance_id, rs, "orders:read")
    info = expect_error(
        api,
        409,
        "EntityAlreadyExists.ResourceServerScope",
        api.call,
        "CreateResourceServerScope",
        InstanceId=instance_id,
        ApplicationId=rs,
        AuthorizationType="authorize_required",
        ResourceServerScopeName="again",
        ResourceServerScopeType=SCOPE_TYPE,
        ResourceServerScopeValue="orders:read",
    )
    assert "orders:read" in info.message


@all_kinds(SECTION, "404 InvalidAction.NotFound: call_api / CommonRequest with an unknown action")
def test_unknown_action(api, instance_id):
    info = expect_error(
        api, 404, "InvalidAction.NotFound", api.call_api, "ListUsers", {"InstanceId": instance_id}
    )
    assert "ListUsers" in info.message


@all_kinds(SECTION, "400 InvalidVersion: call_api / CommonRequest with another API version")
def test_unknown_version(api):
    expect_error(api, 400, "InvalidVersion", api.call_api, "ListInstances", {}, version="2022-02-25")


@all_kinds(SECTION, "10 concurrent CreateApplicationClientSecret: 2 secrets, 8 clean QuotaExceeded errors")
def test_concurrent_quota(kind, server, raw, instance_id):
    from concurrent.futures import ThreadPoolExecutor

    from eiamsdk import make_client

    app = raw.app(instance_id, sso="oauth2/m2m")

    def create(_):
        api = make_client(kind, server.endpoint)  # one client (and connection) per thread
        try:
            api.call("CreateApplicationClientSecret", InstanceId=instance_id, ApplicationId=app)
            return "created"
        except api.errors as e:
            info = api.error_info(e)
            return f"{info.http_status} {info.code}"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = sorted(pool.map(create, range(10)))
    assert outcomes == ["400 QuotaExceeded.ApplicationClientSecret"] * 8 + ["created"] * 2
    assert len(raw.secrets(instance_id, app)) == 2
