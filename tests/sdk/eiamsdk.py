"""The official Python SDKs, configured against a local eiam-local, behind one small interface.

Client kinds (one test id per kind):

- ``v3``: the current SDK ``alibabacloud_eiam20211201`` with its default configuration
  (V3 ``ACS3-HMAC-SHA256`` signature, the action in the ``x-acs-action`` header);
- ``v1``: the same SDK with ``Config.signature_algorithm = 'v2'`` (the V1 HMAC-SHA1 query
  signature, ``Action``/``Version`` in the query);
- ``old``: the old RPC SDK, ``aliyunsdkcore.client.AcsClient`` with the generated
  ``aliyunsdkeiam.request.v20211201.<Action>Request`` class;
- ``old-common``: the old SDK's generic ``CommonRequest``, used for the actions that
  ``aliyun-python-sdk-eiam`` 1.0.5 has no request class for.

The current SDK returns its typed response models (``resp.body``); the old SDK returns the
raw body, which the caller parses with ``json.loads`` exactly as its users do. Tests assert
on those: typed attributes for the current SDK, JSON keys for the old one.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from dataclasses import dataclass
from typing import Any

from alibabacloud_eiam20211201 import models as eiam_models
from alibabacloud_eiam20211201.client import Client as EiamClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi import utils_models as open_api_util_models
from alibabacloud_tea_openapi.exceptions import ClientException as TeaClientException
from alibabacloud_tea_openapi.exceptions import ServerException as TeaServerException
from aliyunsdkcore.acs_exception.exceptions import ServerException as AcsServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from darabonba.runtime import RuntimeOptions

API_VERSION = "2021-12-01"
# Signatures are not checked yet (API.md §2); any key works. These are the WIRE.md test keys.
ACCESS_KEY_ID = "testid"
ACCESS_KEY_SECRET = "testsecret"
REGION = "cn-hangzhou"

KINDS = ("v3", "v1", "old")
KIND_LABELS = {
    "v3": "current SDK, V3 signature",
    "v1": "current SDK, signature_algorithm='v2' (V1)",
    "old": "old SDK (aliyunsdkcore + aliyunsdkeiam request class)",
    "old-common": "old SDK (aliyunsdkcore CommonRequest)",
}

REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


def old_request_class_exists(action: str) -> bool:
    return importlib.util.find_spec(f"aliyunsdkeiam.request.v20211201.{action}Request") is not None


def kinds_for(action: str) -> list[str]:
    """The client kinds an action is driven with: the old SDK's request class where it has one,
    its CommonRequest otherwise (the compatibility table shows the latter as n/a)."""
    return ["v3", "v1", "old" if old_request_class_exists(action) else "old-common"]


def flatten(name: str, value: Any) -> list[tuple[str, Any]]:
    """``Name.N`` for list elements (1-based), ``Name.Field`` for object fields, nested;
    the same flattening the SDKs apply (WIRE.md §2.1)."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            out += flatten(f"{name}.{k}", v)
        return out
    if isinstance(value, (list, tuple)):
        out = []
        for i, v in enumerate(value, start=1):
            out += flatten(f"{name}.{i}", v)
        return out
    return [(name, value)]


@dataclass
class ErrorInfo:
    """What an SDK exception tells its user, whichever SDK raised it."""

    code: str
    http_status: int
    request_id: str
    body_request_id: str | None  # the RequestId of the JSON body, where the SDK exposes it
    message: str


class CurrentSdk:
    """``alibabacloud_eiam20211201.client.Client``: V3 by default, V1 with ``v1=True``."""

    typed = True
    errors = (TeaClientException, TeaServerException)

    def __init__(self, endpoint: str, *, v1: bool = False):
        self.kind = "v1" if v1 else "v3"
        config = open_api_models.Config(
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            region_id=REGION,
            endpoint=endpoint,  # host:port, no scheme (WIRE.md §8.1)
            protocol="http",
        )
        if v1:
            config.signature_algorithm = "v2"
        self.client = EiamClient(config)
        self.last_response = None
        self._methods = {
            name.replace("_", ""): name
            for name in dir(self.client)
            if not name.startswith("_") and not name.endswith(("_async", "_with_options"))
        }

    def method_name(self, action: str) -> str:
        """The generated method for an action, e.g. ``enable_application_m2mclient``."""
        return self._methods[action.lower()]

    def request(self, action: str, params: dict) -> Any:
        """The typed ``<Action>Request`` for wire-named parameters (nested dicts and lists are
        turned into the nested request models by the SDK's own ``from_map``)."""
        return getattr(eiam_models, f"{action}Request")().from_map(params)

    def send(self, action: str, request: Any) -> Any:
        """Call the generated method with a typed request; return the typed response body."""
        resp = getattr(self.client, self.method_name(action))(request)
        self.last_response = resp
        return resp.body

    def call(self, action: str, **params: Any) -> Any:
        return self.send(action, self.request(action, params))

    def call_api(self, action: str, query: dict, version: str = API_VERSION) -> dict:
        """The generic ``Client.call_api`` with the Params every generated method uses
        (WIRE.md §1), for actions and versions the generated client does not have."""
        params = open_api_util_models.Params(
            action=action,
            version=version,
            protocol="HTTPS",
            pathname="/",
            method="POST",
            auth_type="AK",
            style="RPC",
            req_body_type="formData",
            body_type="json",
        )
        req = open_api_util_models.OpenApiRequest(query=dict(flatten_all(query)))
        resp = self.client.call_api(params, req, RuntimeOptions())
        return resp["body"]

    @staticmethod
    def error_info(e: Exception) -> ErrorInfo:
        data = getattr(e, "data", None) or {}
        return ErrorInfo(
            code=e.code,
            http_status=e.status_code,
            request_id=e.request_id,
            body_request_id=data.get("RequestId"),
            message=e.message,
        )


class OldSdk:
    """``aliyunsdkcore`` ``AcsClient`` with the ``aliyunsdkeiam`` request classes (kind ``old``)
    or the generic ``CommonRequest`` (kind ``old-common``)."""

    typed = False
    errors = (AcsServerException,)

    def __init__(self, endpoint: str, *, common: bool = False):
        self.kind = "old-common" if common else "old"
        self.endpoint = endpoint
        self.client = AcsClient(ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION)

    def request(self, action: str, params: dict) -> Any:
        if self.kind == "old-common":
            req = self.common_request(action)
        else:
            module = importlib.import_module(f"aliyunsdkeiam.request.v20211201.{action}Request")
            req = getattr(module, f"{action}Request")()
            req.set_endpoint(self.endpoint)  # skip the endpoint resolver (WIRE.md §8.2)
            req.set_protocol_type("http")  # the request classes default to https
        for name, value in params.items():
            setter = getattr(req, f"set_{name}", None)
            if setter is not None and self.kind == "old":
                setter(value)  # the generated setter (it flattens arrays itself)
            else:
                # No setter in aliyunsdkeiam 1.0.5 (e.g. ApplicationOwner, CustomFields):
                # the generic way users of the old SDK add parameters.
                for k, v in flatten(name, value):
                    req.add_query_param(k, v)
        return req

    def common_request(self, action: str, version: str = API_VERSION) -> CommonRequest:
        req = CommonRequest(domain=self.endpoint, version=version, action_name=action)
        req.set_protocol_type("http")
        req.set_method("POST")
        return req

    def send(self, action: str, request: Any) -> dict:
        return json.loads(self.client.do_action_with_exception(request))

    def call(self, action: str, **params: Any) -> dict:
        return self.send(action, self.request(action, params))

    def call_api(self, action: str, query: dict, version: str = API_VERSION) -> dict:
        req = self.common_request(action, version)
        for k, v in flatten_all(query):
            req.add_query_param(k, v)
        return json.loads(self.client.do_action_with_exception(req))

    @staticmethod
    def error_info(e: Exception) -> ErrorInfo:
        return ErrorInfo(
            code=e.get_error_code(),
            http_status=e.get_http_status(),
            request_id=e.get_request_id(),
            body_request_id=None,  # the old SDK keeps only Code, Message and RequestId
            message=e.get_error_msg(),
        )


def flatten_all(params: dict) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in params.items():
        out += flatten(k, v)
    return out


def make_client(kind: str, endpoint: str):
    if kind == "v3":
        return CurrentSdk(endpoint)
    if kind == "v1":
        return CurrentSdk(endpoint, v1=True)
    if kind == "old":
        return OldSdk(endpoint)
    if kind == "old-common":
        return OldSdk(endpoint, common=True)
    raise ValueError(f"unknown client kind {kind!r}")
