"""Resource-server scopes and grants: every action with every client kind (the old SDK has no
request classes for these, so it drives them with CommonRequest)."""

import uuid

import pytest

from support import SCOPE_TYPE, action, envelope, is_id, raises_rpc


@pytest.fixture
def rs_app(raw, instance_id):
    app = raw.app(instance_id, name="resource server")
    raw.rpc("EnableApplicationResourceServer", InstanceId=instance_id, ApplicationId=app)
    raw.rpc(
        "SetApplicationResourceServerIdentifier",
        InstanceId=instance_id,
        ApplicationId=app,
        ResourceServerIdentifier=f"https://{uuid.uuid4().hex[:8]}.example.com",
    )
    return app


def _get_scope(raw, instance_id, app, scope_id):
    return raw.rpc(
        "GetResourceServerScope",
        InstanceId=instance_id,
        ApplicationId=app,
        ResourceServerScopeId=scope_id,
    )["ResourceServerScope"]


@action("CreateResourceServerScope")
def test_create_resource_server_scope(api, raw, instance_id, rs_app):
    body = api.call(
        "CreateResourceServerScope",
        InstanceId=instance_id,
        ApplicationId=rs_app,
        AuthorizationType="authorize_required",
        ResourceServerScopeName="Read orders",
        ResourceServerScopeType=SCOPE_TYPE,
        ResourceServerScopeValue="orders:read",
    )
    envelope(api, body)
    scope_id = body.resource_server_scope_id if api.typed else body["ResourceServerScopeId"]
    assert is_id("ress_", scope_id)
    got = _get_scope(raw, instance_id, rs_app, scope_id)
    assert got["ResourceServerScopeValue"] == "orders:read"
    assert got["ResourceServerScopeName"] == "Read orders"


@action("GetResourceServerScope")
def test_get_resource_server_scope(api, raw, instance_id, rs_app):
    scope_id = raw.scope(instance_id, rs_app, "orders:write", name="Write orders")
    body = api.call(
        "GetResourceServerScope",
        InstanceId=instance_id,
        ApplicationId=rs_app,
        ResourceServerScopeId=scope_id,
    )
    envelope(api, body)
    if api.typed:
        s = body.resource_server_scope
        assert s.resource_server_scope_id == scope_id
        assert s.application_id == rs_app
        assert s.instance_id == instance_id
        assert s.authorization_type == "authorize_required"
        assert s.resource_server_scope_name == "Write orders"
        assert s.resource_server_scope_type == SCOPE_TYPE
        assert s.resource_server_scope_value == "orders:write"
    else:
        assert body["ResourceServerScope"] == {
            "ResourceServerScopeId": scope_id,
            "ApplicationId": rs_app,
            "InstanceId": instance_id,
            "AuthorizationType": "authorize_required",
            "ResourceServerScopeName": "Write orders",
            "ResourceServerScopeType": SCOPE_TYPE,
            "ResourceServerScopeValue": "orders:write",
        }


@action("ListResourceServerScopes")
def test_list_resource_server_scopes(api, raw, instance_id, rs_app):
    ids = [raw.scope(instance_id, rs_app, v) for v in ("a:read", "b:read", "c:read")]
    everything = api.call("ListResourceServerScopes", InstanceId=instance_id, ApplicationId=rs_app)
    envelope(api, everything)
    first = api.call(
        "ListResourceServerScopes", InstanceId=instance_id, ApplicationId=rs_app, MaxResults=2
    )
    token = first.next_token if api.typed else first["NextToken"]
    assert token
    rest = api.call(
        "ListResourceServerScopes",
        InstanceId=instance_id,
        ApplicationId=rs_app,
        MaxResults=2,
        NextToken=token,
    )
    by_id = api.call(
        "ListResourceServerScopes",
        InstanceId=instance_id,
        ApplicationId=rs_app,
        ResourceServerScopeIds=[ids[0], ids[2]],
    )
    if api.typed:
        assert everything.total_count == 3
        assert everything.max_results == 20
        assert everything.next_token is None
        assert sorted(s.resource_server_scope_id for s in everything.resource_server_scopes) == sorted(ids)
        s = everything.resource_server_scopes[0]
        assert s.application_id == rs_app and s.instance_id == instance_id
        assert s.resource_server_scope_type == SCOPE_TYPE
        assert s.resource_server_scope_value.endswith(":read")
        assert len(first.resource_server_scopes) == 2 and first.max_results == 2
        assert len(rest.resource_server_scopes) == 1 and rest.next_token is None
        paged = [s.resource_server_scope_id for s in first.resource_server_scopes + rest.resource_server_scopes]
        assert sorted(paged) == sorted(ids)
        assert sorted(s.resource_server_scope_id for s in by_id.resource_server_scopes) == sorted(
            [ids[0], ids[2]]
        )
        assert by_id.total_count == 2
    else:
        assert everything["TotalCount"] == 3
        assert everything["MaxResults"] == 20
        assert "NextToken" not in everything
        scopes = everything["ResourceServerScopes"]
        assert sorted(s["ResourceServerScopeId"] for s in scopes) == sorted(ids)
        assert scopes[0]["ApplicationId"] == rs_app and scopes[0]["InstanceId"] == instance_id
        assert scopes[0]["ResourceServerScopeType"] == SCOPE_TYPE
        assert len(first["ResourceServerScopes"]) == 2 and first["MaxResults"] == 2
        assert len(rest["ResourceServerScopes"]) == 1 and "NextToken" not in rest
        paged = [s["ResourceServerScopeId"] for s in first["ResourceServerScopes"] + rest["ResourceServerScopes"]]
        assert sorted(paged) == sorted(ids)
        assert sorted(s["ResourceServerScopeId"] for s in by_id["ResourceServerScopes"]) == sorted(
            [ids[0], ids[2]]
        )
        assert by_id["TotalCount"] == 2


@action("UpdateResourceServerScope")
def test_update_resource_server_scope(api, raw, instance_id, rs_app):
    scope_id = raw.scope(instance_id, rs_app, "orders:read", name="old")
    body = api.call(
        "UpdateResourceServerScope",
        InstanceId=instance_id,
        ApplicationId=rs_app,
        ResourceServerScopeId=scope_id,
        ResourceServerScopeName="Read all orders",
    )
    envelope(api, body)
    assert _get_scope(raw, instance_id, rs_app, scope_id)["ResourceServerScopeName"] == "Read all orders"


@action("DeleteResourceServerScope")
def test_delete_resource_server_scope(api, raw, instance_id, rs_app):
    scope_id = raw.scope(instance_id, rs_app, "orders:read")
    body = api.call(
        "DeleteResourceServerScope",
        InstanceId=instance_id,
        ApplicationId=rs_app,
        ResourceServerScopeId=scope_id,
    )
    envelope(api, body)
    with raises_rpc(404, "ResourceNotFound.ResourceServerScope"):
        _get_scope(raw, instance_id, rs_app, scope_id)


# ---- grants: their effect is seen at the token endpoint (plain HTTP, client_secret_post)


@pytest.fixture
def grant_setup(raw, instance_id):
    identifier = f"https://{uuid.uuid4().hex[:8]}.example.com"
    rs, scopes = raw.resource_server(instance_id, identifier, ["orders:read", "orders:write"])
    client = raw.app(instance_id, name="m2m client", sso="oauth2/m2m")
    secret = raw.secret(instance_id, client)["ClientSecret"]

    class G:
        pass

    g = G()
    g.identifier, g.rs, g.scopes, g.client, g.secret = identifier, rs, scopes, client, secret
    g.parties = dict(InstanceId=instance_id, ClientApplicationId=client, ResourceServerApplicationId=rs)

    def granted():
        """The scope values a `<identifier>|.all` token carries, or None if none is granted."""
        status, body = raw.token_post(instance_id, client, secret, f"{identifier}|.all")
        if status != 200:
            assert (status, body.get("error")) == (400, "invalid_scope"), body
            return None
        return sorted(s.split("|", 1)[1] for s in body["scope"].split())

    g.granted = granted
    return g


@action("AuthorizeResourceServerToClient")
def test_authorize_resource_server_to_client(api, grant_setup):
    g = grant_setup
    assert g.granted() is None
    envelope(api, api.call("AuthorizeResourceServerToClient", **g.parties))
    assert g.granted() == ["orders:read", "orders:write"]


@action("RevokeResourceServerFromClient")
def test_revoke_resource_server_from_client(api, raw, grant_setup):
    g = grant_setup
    raw.rpc("AuthorizeResourceServerToClient", **g.parties)
    assert g.granted() == ["orders:read", "orders:write"]
    envelope(api, api.call("RevokeResourceServerFromClient", **g.parties))
    assert g.granted() is None


@action("AuthorizeResourceServerScopesToClient")
def test_authorize_resource_server_scopes_to_client(api, grant_setup):
    g = grant_setup
    body = api.call(
        "AuthorizeResourceServerScopesToClient",
        ResourceServerScopeIds=[g.scopes["orders:read"]],
        **g.parties,
    )
    envelope(api, body)
    assert g.granted() == ["orders:read"]


@action("RevokeResourceServerScopesFromClient")
def test_revoke_resource_server_scopes_from_client(api, raw, grant_setup):
    g = grant_setup
    raw.rpc(
        "AuthorizeResourceServerScopesToClient",
        ResourceServerScopeIds=list(g.scopes.values()),
        **g.parties,
    )
    assert g.granted() == ["orders:read", "orders:write"]
    body = api.call(
        "RevokeResourceServerScopesFromClient",
        ResourceServerScopeIds=[g.scopes["orders:write"]],
        **g.parties,
    )
    envelope(api, body)
    assert g.granted() == ["orders:read"]
