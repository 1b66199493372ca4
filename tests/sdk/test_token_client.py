"""The M2M token endpoint driven by Alibaba's own client, cloud-idaas-core, and its tokens
verified with PyJWT against the instance's JWKS.

How cloud-idaas-core is pointed at eiam-local: ``IDaaSMachineCredentialProviderBuilder`` with
``token_endpoint = {issuer}/token`` where ``issuer = {public_url}/{InstanceId}/api/v2/iauths_system/oauth2``,
the client id (= the application id), the scope ``<resource server identifier>|<scope value>`` and
``authn_method`` CLIENT_SECRET_BASIC / CLIENT_SECRET_POST (``client_secret_supplier``) or
CLIENT_SECRET_JWT (``StaticClientSecretAssertionProvider``, an HS256 assertion whose ``aud`` is the
token endpoint). Its config-file route (``IDaaSCredentialProviderFactory.init``) is not usable
against a plain-http server: ``NormalizeUtil`` rewrites every endpoint to https.
"""

import time
import uuid

import jwt
import pytest
from cloud_idaas.core import (
    IDaaSMachineCredentialProviderBuilder,
    StaticClientSecretAssertionProvider,
    TokenAuthnMethod,
)

from eiamsdk import CurrentSdk
from support import now_ms

SECTION = "token"
IDENTIFIER = "https://orders.example.com"
METHODS = {
    "client_secret_basic": TokenAuthnMethod.CLIENT_SECRET_BASIC,
    "client_secret_post": TokenAuthnMethod.CLIENT_SECRET_POST,
    "client_secret_jwt": TokenAuthnMethod.CLIENT_SECRET_JWT,
}


def make_provider(token_endpoint: str, method: str, client_id: str, secret: str, scope: str):
    """A cloud-idaas-core credential provider, configured as its users do."""
    b = (
        IDaaSMachineCredentialProviderBuilder()
        .client_id(client_id)
        .scope(scope)
        .token_endpoint(token_endpoint)
        .authn_method(METHODS[method])
    )
    if method == "client_secret_jwt":
        assertion = StaticClientSecretAssertionProvider(lambda: secret)
        assertion.client_id = client_id
        assertion.token_endpoint = token_endpoint
        assertion.scope = scope
        b.client_assertion_provider(assertion)
    else:
        b.client_secret_supplier(lambda: secret)
    return b.build()


class M2M:
    """One instance with the resource server https://orders.example.com (orders:read,
    orders:write); each test adds its own client application."""

    def __init__(self, raw):
        self.raw = raw
        self.instance_id = raw.instance("m2m")
        self.rs, self.scopes = raw.resource_server(self.instance_id, IDENTIFIER, ["orders:read", "orders:write"])
        self.issuer = raw.issuer(self.instance_id)
        self.token_endpoint = raw.token_endpoint(self.instance_id)
        self.discovery = raw.get_json(f"{self.issuer}/.well-known/openid-configuration")
        self.jwks = jwt.PyJWKClient(self.discovery["jwks_uri"], cache_keys=False)

    def client(self, granted=("orders:read",)) -> tuple[str, list[dict]]:
        """A new M2M client app with two secrets and the given scopes granted."""
        app = self.raw.app(self.instance_id, name=f"client {uuid.uuid4().hex[:6]}", sso="oauth2/m2m")
        secrets = [self.raw.secret(self.instance_id, app) for _ in range(2)]
        if granted:
            self.raw.rpc(
                "AuthorizeResourceServerScopesToClient",
                InstanceId=self.instance_id,
                ClientApplicationId=app,
                ResourceServerApplicationId=self.rs,
                ResourceServerScopeIds=[self.scopes[v] for v in granted],
            )
        return app, secrets

    def provider(self, method: str, client_id: str, secret: str, scope: str):
        return make_provider(self.token_endpoint, method, client_id, secret, scope)

    def verify(self, token: str) -> dict:
        """Check an access token's RS256 signature against the JWKS, and iss and aud."""
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "RS256" and header.get("kid")
        key = self.jwks.get_signing_key_from_jwt(token)
        return jwt.decode(token, key.key, algorithms=["RS256"], audience=IDENTIFIER, issuer=self.issuer)


@pytest.fixture(scope="module")
def m2m(raw):
    return M2M(raw)


@pytest.mark.compat(SECTION, "{method}", column="cloud-idaas-core")
@pytest.mark.parametrize("method", list(METHODS))
def test_token_with_cloud_idaas_core(m2m, server, method):
    client_id, secrets = m2m.client(granted=("orders:read", "orders:write"))
    used = secrets[1]  # the second secret: not simply "the first one"
    before_ms = now_ms()
    credential = m2m.provider(method, client_id, used["ClientSecret"], f"{IDENTIFIER}|orders:read").get_credential()

    assert credential.get_token_type() == "Bearer"
    assert credential.expires_in == 1200
    assert abs(credential.expires_at - (time.time() + 1200)) < 60
    claims = m2m.verify(credential.get_access_token())
    assert claims["iss"] == m2m.issuer
    assert claims["aud"] == IDENTIFIER
    assert claims["sub"] == client_id
    assert claims["client_id"] == client_id
    assert claims["scope"] == f"{IDENTIFIER}|orders:read"
    assert claims["exp"] - claims["iat"] == 1200
    assert claims["jti"]

    # The secret that authenticated now has a LastUsedTime (read with the current SDK's typed
    # models); the other one was not used.
    sdk = CurrentSdk(server.endpoint)
    body = sdk.call("ListApplicationClientSecrets", InstanceId=m2m.instance_id, ApplicationId=client_id)
    by_id = {s.secret_id: s for s in body.application_client_secrets}
    last_used = by_id[used["SecretId"]].last_used_time
    assert isinstance(last_used, int) and before_ms - 1000 <= last_used <= now_ms() + 1000
    assert by_id[secrets[0]["SecretId"]].last_used_time is None


@pytest.mark.compat(SECTION, "two scopes in one request, and `<identifier>|.all`", column="cloud-idaas-core")
def test_several_scopes(m2m):
    client_id, secrets = m2m.client(granted=("orders:read", "orders:write"))
    secret = secrets[0]["ClientSecret"]
    both = m2m.provider(
        "client_secret_post", client_id, secret, f"{IDENTIFIER}|orders:read {IDENTIFIER}|orders:write"
    ).get_credential()
    assert sorted(m2m.verify(both.get_access_token())["scope"].split()) == [
        f"{IDENTIFIER}|orders:read",
        f"{IDENTIFIER}|orders:write",
    ]
    everything = m2m.provider("client_secret_basic", client_id, secret, f"{IDENTIFIER}|.all").get_credential()
    assert sorted(m2m.verify(everything.get_access_token())["scope"].split()) == [
        f"{IDENTIFIER}|orders:read",
        f"{IDENTIFIER}|orders:write",
    ]


@pytest.mark.compat(SECTION, "discovery document and JWKS", column="cloud-idaas-core")
def test_discovery_and_jwks(m2m, raw):
    d = m2m.discovery
    assert d["issuer"] == m2m.issuer
    assert d["token_endpoint"] == m2m.token_endpoint
    assert d["jwks_uri"] == f"{m2m.issuer}/jwks"
    assert {"client_secret_basic", "client_secret_post", "client_secret_jwt"} <= set(
        d["token_endpoint_auth_methods_supported"]
    )
    assert "client_credentials" in d["grant_types_supported"]
    assert raw.get_json(f"{m2m.issuer}/.well-known/oauth-authorization-server")["issuer"] == m2m.issuer
    keys = raw.get_json(d["jwks_uri"])["keys"]
    assert keys and all(k["kty"] == "RSA" and k.get("kid") and "d" not in k for k in keys)


def _oauth_error(provider):
    """The OAuth error code cloud-idaas-core reports for a failed token request."""
    with pytest.raises(Exception) as caught:
        provider.get_credential()
    e = caught.value
    while e is not None and not getattr(e, "error_code", None):
        e = getattr(e, "cause", None) or getattr(e, "_cause", None) or e.__cause__
    assert e is not None, f"no error code in {caught.value!r}"
    return e.error_code


@pytest.mark.compat(SECTION, "wrong secret → invalid_client (LastUsedTime untouched)", column="cloud-idaas-core")
@pytest.mark.parametrize("method", list(METHODS))
def test_wrong_secret(m2m, method):
    client_id, secrets = m2m.client()
    wrong = "CS" + "x" * 42
    assert _oauth_error(m2m.provider(method, client_id, wrong, f"{IDENTIFIER}|orders:read")) == "invalid_client"
    assert all("LastUsedTime" not in s for s in m2m.raw.secrets(m2m.instance_id, client_id).values())


@pytest.mark.compat(SECTION, "scope not granted → invalid_scope", column="cloud-idaas-core")
def test_scope_not_granted(m2m):
    client_id, secrets = m2m.client(granted=("orders:read",))
    provider = m2m.provider("client_secret_post", client_id, secrets[0]["ClientSecret"], f"{IDENTIFIER}|orders:write")
    assert _oauth_error(provider) == "invalid_scope"


@pytest.mark.compat(SECTION, "disabled secret → invalid_client; enabled again → token", column="cloud-idaas-core")
def test_disabled_secret(m2m, raw):
    client_id, secrets = m2m.client()
    s = secrets[0]
    ids = dict(InstanceId=m2m.instance_id, ApplicationId=client_id, SecretId=s["SecretId"])
    raw.rpc("DisableApplicationClientSecret", **ids)
    scope = f"{IDENTIFIER}|orders:read"
    assert _oauth_error(m2m.provider("client_secret_basic", client_id, s["ClientSecret"], scope)) == "invalid_client"
    raw.rpc("EnableApplicationClientSecret", **ids)
    token = m2m.provider("client_secret_basic", client_id, s["ClientSecret"], scope).get_credential()
    assert m2m.verify(token.get_access_token())["sub"] == client_id


@pytest.mark.compat(SECTION, "identifier and scope values with URL syntax and non-ASCII: {method}", column="cloud-idaas-core")
@pytest.mark.parametrize("method", list(METHODS))
def test_unusual_identifier_and_scope(raw, method):
    instance_id = raw.instance()
    identifier = "https://orders.example.com/api/v1?tenant=a&x=b%20c+d"
    rs, scopes = raw.resource_server(instance_id, identifier, ["读取:全部", "o+r&w=1%"])
    client = raw.app(instance_id, sso="oauth2/m2m")
    secret = raw.secret(instance_id, client)["ClientSecret"]
    raw.rpc(
        "AuthorizeResourceServerToClient",
        InstanceId=instance_id,
        ClientApplicationId=client,
        ResourceServerApplicationId=rs,
    )
    endpoint = raw.token_endpoint(instance_id)
    jwks = jwt.PyJWKClient(raw.issuer(instance_id) + "/jwks", cache_keys=False)
    for value in scopes:
        scope = f"{identifier}|{value}"
        token = make_provider(endpoint, method, client, secret, scope).get_credential().get_access_token()
        claims = jwt.decode(
            token,
            jwks.get_signing_key_from_jwt(token).key,
            algorithms=["RS256"],
            audience=identifier,
            issuer=raw.issuer(instance_id),
        )
        assert claims["scope"] == scope


@pytest.mark.compat(SECTION, "M2M client disabled → unauthorized_client", column="cloud-idaas-core")
def test_m2m_disabled(m2m, raw):
    client_id, secrets = m2m.client()
    raw.rpc("DisableApplicationM2MClient", InstanceId=m2m.instance_id, ApplicationId=client_id)
    provider = m2m.provider("client_secret_post", client_id, secrets[0]["ClientSecret"], f"{IDENTIFIER}|orders:read")
    assert _oauth_error(provider) == "unauthorized_client"
