"""Plain-HTTP helpers (no SDK): fixtures are set up and side effects checked with these, so
that what a test asserts about an SDK does not depend on that same SDK."""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest

from eiamsdk import API_VERSION, flatten_all

ID_PATTERNS = {
    "idaas_": re.compile(r"^idaas_[a-z2-7]{26}$"),
    "app_": re.compile(r"^app_[a-z2-7]{26}$"),
    "sci_": re.compile(r"^sci_[a-z2-7]{26}$"),
    "ress_": re.compile(r"^ress_[a-z2-7]{26}$"),
}
SECRET_VALUE = re.compile(r"^CS[A-Za-z0-9]{42}$")
SOURCE_STANDARD = "urn:alibaba:idaas:app:source:standard"
SCOPE_TYPE = "urn:alibaba:idaas:resourceserver:scope:delegated"
RS_SOURCE_CUSTOM = "urn:cloud:idaas:resourceserver:source:custom"


def is_id(prefix: str, value: Any) -> bool:
    return isinstance(value, str) and bool(ID_PATTERNS[prefix].match(value))


def unknown_id(prefix: str) -> str:
    """A well-formed id that no object has (all 'a' is as good as random here)."""
    return prefix + "a" * 26


def now_ms() -> int:
    return int(time.time() * 1000)


def mask(value: str) -> str:
    """API.md §4: first 4 characters, one '*' per hidden character, last 2."""
    return value[:4] + "*" * (len(value) - 6) + value[-2:]


class RawError(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class Raw:
    """The RPC API and the token endpoint over plain urllib."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")

    def rpc(self, action: str, **params: Any) -> dict:
        query = urllib.parse.urlencode(flatten_all(params))
        req = urllib.request.Request(
            f"{self.base_url}/?{query}",
            method="POST",
            data=b"",
            headers={"x-acs-action": action, "x-acs-version": API_VERSION},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise RawError(e.code, json.loads(e.read() or b"{}")) from None

    def get_json(self, url: str) -> dict:
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.loads(r.read())

    def token(self, token_endpoint: str, form: dict, basic: tuple[str, str] | None = None):
        """(status, JSON body) of a token request."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if basic:
            raw = f"{basic[0]}:{basic[1]}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        req = urllib.request.Request(
            token_endpoint,
            method="POST",
            data=urllib.parse.urlencode(form).encode(),
            headers=headers,
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")

    # ---- fixtures ----

    def instance(self, description: str = "sdk conformance") -> str:
        return self.rpc("CreateInstance", Description=description)["InstanceId"]

    def app(self, instance_id: str, name: str | None = None, sso: str = "oidc", **extra: Any) -> str:
        return self.rpc(
            "CreateApplication",
            InstanceId=instance_id,
            ApplicationName=name or f"app-{uuid.uuid4().hex[:8]}",
            ApplicationSourceType=SOURCE_STANDARD,
            SsoType=sso,
            **extra,
        )["ApplicationId"]

    def get_app(self, instance_id: str, app_id: str) -> dict:
        return self.rpc("GetApplication", InstanceId=instance_id, ApplicationId=app_id)["Application"]

    def secret(self, instance_id: str, app_id: str, **extra: Any) -> dict:
        """{ClientId, ClientSecret, SecretId} of a new secret."""
        return self.rpc(
            "CreateApplicationClientSecret", InstanceId=instance_id, ApplicationId=app_id, **extra
        )["ApplicationClientSecret"]

    def secrets(self, instance_id: str, app_id: str) -> dict[str, dict]:
        """The List view of an app's secrets, by SecretId."""
        body = self.rpc("ListApplicationClientSecrets", InstanceId=instance_id, ApplicationId=app_id)
        return {s["SecretId"]: s for s in body["ApplicationClientSecrets"]}

    def scope(self, instance_id: str, rs_app: str, value: str, name: str | None = None) -> str:
        return self.rpc(
            "CreateResourceServerScope",
            InstanceId=instance_id,
            ApplicationId=rs_app,
            AuthorizationType="authorize_required",
            ResourceServerScopeName=name or f"scope {value}",
            ResourceServerScopeType=SCOPE_TYPE,
            ResourceServerScopeValue=value,
        )["ResourceServerScopeId"]

    def resource_server(self, instance_id: str, identifier: str, values: list[str]) -> tuple[str, dict]:
        """An enabled resource server with scopes: (application id, {value: scope id})."""
        rs = self.app(instance_id, name=f"rs {identifier}")
        self.rpc("EnableApplicationResourceServer", InstanceId=instance_id, ApplicationId=rs)
        self.rpc(
            "SetApplicationResourceServerIdentifier",
            InstanceId=instance_id,
            ApplicationId=rs,
            ResourceServerIdentifier=identifier,
        )
        return rs, {v: self.scope(instance_id, rs, v) for v in values}

    def issuer(self, instance_id: str) -> str:
        return f"{self.base_url}/{instance_id}/api/v2/iauths_system/oauth2"

    def token_endpoint(self, instance_id: str) -> str:
        return self.issuer(instance_id) + "/token"

    def token_post(self, instance_id: str, client_id: str, secret: str, scope: str):
        """A client_secret_post request: (status, body)."""
        return self.token(
            self.token_endpoint(instance_id),
            {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
                "scope": scope,
            },
        )


def expect_request_id(value: Any) -> None:
    from eiamsdk import REQUEST_ID

    assert isinstance(value, str) and REQUEST_ID.match(value), f"RequestId {value!r}"


def raises_rpc(status: int, code: str):
    """Context manager: a plain-HTTP call fails with this status and code."""
    return _RaisesRpc(status, code)


class _RaisesRpc:
    def __init__(self, status: int, code: str):
        self.status, self.code = status, code

    def __enter__(self):
        return self

    def __exit__(self, typ, exc, tb):
        if exc is None:
            pytest.fail(f"expected HTTP {self.status} {self.code}, the call succeeded")
        if not isinstance(exc, RawError):
            return False
        assert (exc.status, exc.body.get("Code")) == (self.status, self.code), exc.body
        return True


def action(name: str):
    """One test per client kind for an implemented action, recorded in the 'actions' section
    of docs/compatibility.md."""
    from eiamsdk import kinds_for

    def deco(fn):
        fn = pytest.mark.compat("actions", name)(fn)
        return pytest.mark.parametrize("kind", kinds_for(name))(fn)

    return deco


def all_kinds(section: str, row: str, kinds=("v3", "v1", "old")):
    """One test per client kind, recorded as a row of another section."""

    def deco(fn):
        fn = pytest.mark.compat(section, row)(fn)
        return pytest.mark.parametrize("kind", list(kinds))(fn)

    return deco


def envelope(api, body) -> str:
    """The RequestId of a successful response, checked: upper-case UUID, and for the current
    SDK also HTTP 200 and the same id in the x-acs-request-id header."""
    rid = body.request_id if api.typed else body["RequestId"]
    expect_request_id(rid)
    if api.typed:
        assert api.last_response.status_code == 200
        assert api.last_response.headers.get("x-acs-request-id") == rid
    return rid
