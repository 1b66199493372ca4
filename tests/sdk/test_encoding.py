"""Encoding round trips: what each SDK puts on the wire comes back exactly.

The current SDK is driven here with its typed request models built by hand (nested
``...ApplicationOwner`` / ``...CustomFields`` classes), as its users write them; the old SDK
with its request classes plus ``add_query_param`` for the parameters it has no setter for.
"""

import uuid

import pytest

from alibabacloud_eiam20211201 import models as m

from support import SOURCE_STANDARD, all_kinds

SECTION = "encoding"

NAME = "Orders & Billing + Co = 100% / a*b ~ 'single' \"double\" 测试 🚀"
DESCRIPTION = (
    "a  b+c&d=e/f%g*h~i?j#k;l,m:n@o[p]q{r}s<t>u|v\\w 'x' \"y\" %20 %2B 测试 😀\nsecond line\ttab"
)


def _create(api, instance_id, name, description="", owner=None, fields=None):
    if api.typed:
        req = m.CreateApplicationRequest(
            instance_id=instance_id,
            application_name=name,
            application_source_type=SOURCE_STANDARD,
            sso_type="oidc",
            description=description,
        )
        if owner is not None:
            req.application_owner = m.CreateApplicationRequestApplicationOwner(
                user_ids=owner.get("UserIds"), group_ids=owner.get("GroupIds")
            )
        if fields is not None:
            req.custom_fields = [
                m.CreateApplicationRequestCustomFields(field_name=k, field_value=v) for k, v in fields
            ]
        return api.send("CreateApplication", req).application_id
    params = dict(
        InstanceId=instance_id,
        ApplicationName=name,
        ApplicationSourceType=SOURCE_STANDARD,
        SsoType="oidc",
        Description=description,
    )
    if owner is not None:
        params["ApplicationOwner"] = owner
    if fields is not None:
        params["CustomFields"] = [{"FieldName": k, "FieldValue": v} for k, v in fields]
    return api.call("CreateApplication", **params)["ApplicationId"]


def _get(api, instance_id, app_id) -> dict:
    """GetApplication through the client under test, as (wire name → value)."""
    if api.typed:
        a = api.send(
            "GetApplication", m.GetApplicationRequest(instance_id=instance_id, application_id=app_id)
        ).application
        return {
            "ApplicationName": a.application_name,
            "Description": a.description,
            "UserIds": a.application_owner.user_ids,
            "GroupIds": a.application_owner.group_ids,
            "CustomFields": [(f.field_name, f.field_value) for f in a.custom_fields],
        }
    a = api.call("GetApplication", InstanceId=instance_id, ApplicationId=app_id)["Application"]
    return {
        "ApplicationName": a["ApplicationName"],
        "Description": a["Description"],
        "UserIds": a["ApplicationOwner"]["UserIds"],
        "GroupIds": a["ApplicationOwner"]["GroupIds"],
        "CustomFields": [(f["FieldName"], f["FieldValue"]) for f in a["CustomFields"]],
    }


def _list(api, instance_id, **filters) -> tuple[int, list[tuple[str, str, str]]]:
    """ListApplications through the client under test: (TotalCount, [(id, name, description)])."""
    if api.typed:
        names = {
            "ApplicationName": "application_name",
            "ApplicationIds": "application_ids",
            "ServiceManaged": "service_managed",
            "PageSize": "page_size",
        }
        req = m.ListApplicationsRequest(instance_id=instance_id)
        for k, v in filters.items():
            setattr(req, names[k], v)
        body = api.send("ListApplications", req)
        return body.total_count, [(a.application_id, a.application_name, a.description) for a in body.applications]
    body = api.call("ListApplications", InstanceId=instance_id, **filters)
    return body["TotalCount"], [
        (a["ApplicationId"], a["ApplicationName"], a["Description"]) for a in body["Applications"]
    ]


@all_kinds(SECTION, "ApplicationName / Description with spaces, `+ & = / % * ~ ' \"`, 测试, emoji: Create → Get → List")
def test_special_characters_round_trip(api, instance_id):
    app_id = _create(api, instance_id, NAME, DESCRIPTION)
    got = _get(api, instance_id, app_id)
    assert got["ApplicationName"] == NAME
    assert got["Description"] == DESCRIPTION
    total, items = _list(api, instance_id, ApplicationIds=[app_id])
    assert (total, items) == (1, [(app_id, NAME, DESCRIPTION)])
    # The name as a (prefix) filter value goes through the same encoding.
    total, items = _list(api, instance_id, ApplicationName=NAME)
    assert (total, items) == (1, [(app_id, NAME, DESCRIPTION)])


@all_kinds(SECTION, "ApplicationName prefix filter: `%` and `_` are literal characters")
def test_name_prefix_is_literal(api, raw, instance_id):
    real = raw.app(instance_id, name="50% off_sale")
    raw.app(instance_id, name="50 percent offXsale")  # matches if % and _ were wildcards
    raw.app(instance_id, name="other")
    total, items = _list(api, instance_id, ApplicationName="50% off_")
    assert total == 1 and [i[0] for i in items] == [real]


@all_kinds(SECTION, "booleans: ServiceManaged True/False (Python) and true/false")
def test_booleans(api, raw, instance_id):
    app_id = raw.app(instance_id)
    for value, expected in [(False, 1), (True, 0), ("false", 1), ("true", 0), ("FALSE", 1)]:
        total, items = _list(api, instance_id, ServiceManaged=value)
        assert total == expected, f"ServiceManaged={value!r}"
        assert [i[0] for i in items] == ([app_id] if expected else [])
        body = api.call("ListInstances", InstanceIds=[instance_id], ServiceManaged=value)
        count = body.total_count if api.typed else body["TotalCount"]
        assert count == expected, f"ListInstances ServiceManaged={value!r}"


@all_kinds(SECTION, "CreateApplication `ApplicationOwner.UserIds.N`, `CustomFields.N.FieldName/FieldValue` (12 elements)")
def test_create_lists_and_objects(api, instance_id):
    users = [f"user_{i}" for i in range(1, 13)]  # .10, .11, .12 must not sort before .2
    fields = [(f"field{i}", f"v{i} &=+/% 测") for i in range(1, 13)]
    app_id = _create(
        api, instance_id, "nested", owner={"UserIds": users, "GroupIds": ["group a&b"]}, fields=fields
    )
    got = _get(api, instance_id, app_id)
    assert got["UserIds"] == users
    assert got["GroupIds"] == ["group a&b"]
    # Custom fields are keyed by name (UpdateApplicationInfo adds/replaces/removes by name);
    # the server lists them by name, so compare them as a set.
    assert sorted(got["CustomFields"]) == sorted(fields)


@all_kinds(SECTION, "UpdateApplicationInfo `CustomFields.N.FieldName/FieldValue/Operation`, `ApplicationOwner.UserIds.N`")
def test_update_custom_fields(api, raw, instance_id):
    app_id = raw.app(
        instance_id,
        CustomFields=[
            {"FieldName": "keep", "FieldValue": "1"},
            {"FieldName": "change", "FieldValue": "2"},
            {"FieldName": "drop", "FieldValue": "3"},
        ],
    )
    changes = [("change", "two & more", "replace"), ("drop", "", "remove"), ("new", "a=b+c", "add")]
    if api.typed:
        req = m.UpdateApplicationInfoRequest(
            instance_id=instance_id,
            application_id=app_id,
            application_owner=m.UpdateApplicationInfoRequestApplicationOwner(user_ids=["u 1", "u+2"]),
            custom_fields=[
                m.UpdateApplicationInfoRequestCustomFields(field_name=n, field_value=v, operation=o)
                for n, v, o in changes
            ],
        )
        api.send("UpdateApplicationInfo", req)
    else:
        api.call(
            "UpdateApplicationInfo",
            InstanceId=instance_id,
            ApplicationId=app_id,
            ApplicationOwner={"UserIds": ["u 1", "u+2"]},
            CustomFields=[{"FieldName": n, "FieldValue": v, "Operation": o} for n, v, o in changes],
        )
    got = _get(api, instance_id, app_id)
    assert dict(got["CustomFields"]) == {"keep": "1", "change": "two & more", "new": "a=b+c"}
    assert got["UserIds"] == ["u 1", "u+2"]


@all_kinds(SECTION, "ListApplications `ApplicationIds.N` (11 ids)")
def test_list_by_ids(api, raw, instance_id):
    ids = [raw.app(instance_id, name=f"app {i}") for i in range(12)]
    wanted = ids[1:]
    total, items = _list(api, instance_id, ApplicationIds=wanted, PageSize=100)
    assert total == 11
    assert sorted(i[0] for i in items) == sorted(wanted)


@all_kinds(
    SECTION,
    "AuthorizeResourceServerScopesToClient `ResourceServerScopeIds.N`",
    kinds=("v3", "v1", "old-common"),
)
def test_scope_ids_list(api, raw, instance_id):
    identifier = f"https://{uuid.uuid4().hex[:8]}.example.com"
    values = ["a:read", "b:read", "c:read"]
    rs, scopes = raw.resource_server(instance_id, identifier, values)
    client = raw.app(instance_id, sso="oauth2/m2m")
    secret = raw.secret(instance_id, client)["ClientSecret"]
    api.call(
        "AuthorizeResourceServerScopesToClient",
        InstanceId=instance_id,
        ClientApplicationId=client,
        ResourceServerApplicationId=rs,
        ResourceServerScopeIds=[scopes["a:read"], scopes["c:read"]],
    )
    status, body = raw.token_post(instance_id, client, secret, f"{identifier}|.all")
    assert status == 200, body
    assert sorted(body["scope"].split()) == [f"{identifier}|a:read", f"{identifier}|c:read"]


@all_kinds(SECTION, "CreateApplication with 100 CustomFields of 512 characters (a ~58 KB request target)")
def test_largest_request_target_that_fits(api, instance_id):
    """The SDKs put every parameter in the query string, and the HTTP layer (the `http`
    crate's `Uri`) takes request targets of at most 65,534 bytes: 100 fields of 512
    characters fit, whatever the signature mode adds."""
    fields = [(f"field{i:03d}", "x" * 512) for i in range(100)]
    app_id = _create(api, instance_id, "N" * 128, "D" * 256, fields=fields)
    got = _get(api, instance_id, app_id)
    assert sorted(got["CustomFields"]) == fields


@all_kinds(SECTION, "Known limit: a request target over 64 KiB (100 × 1024-character CustomFields) is refused, nothing written")
def test_request_target_over_the_limit_is_refused(api, instance_id):
    """API.md §3 allows 100 custom fields of 1,024 characters; through the SDKs that is a
    ~106 KB URL, which the HTTP layer refuses (empty 400) before eiam-local sees it. See
    docs/decisions.md. The refusal must not create anything."""
    name = f"too-long-{uuid.uuid4().hex[:8]}"
    fields = [(f"field{i:03d}", "x" * 1024) for i in range(100)]
    with pytest.raises(Exception) as raised:
        _create(api, instance_id, name, fields=fields)
    if not api.typed:
        assert raised.value.get_http_status() == 400
    total, items = _list(api, instance_id, ApplicationName=name)
    assert (total, items) == (0, [])
