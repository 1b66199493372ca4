"""The suite's own configuration: each client kind really sends what its column claims
(checked against a capturing stub, not the server)."""

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from eiamsdk import make_client

BODY = b'{"RequestId":"0441BD79-92F3-53AA-8657-F8CE4A2B912A","TotalCount":0,"Instances":[]}'


@pytest.fixture
def capture():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append((self.path, dict(self.headers)))
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{httpd.server_port}", seen
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("kind", ["v3", "v1", "old", "old-common"])
def test_client_kind_wire_mode(kind, capture):
    endpoint, seen = capture
    api = make_client(kind, endpoint)
    if kind == "old-common":
        api.call_api("ListInstances", {"PageSize": 5})
    else:
        api.call("ListInstances", PageSize=5)
    (path, headers), = seen
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query, keep_blank_values=True))
    headers = {k.lower(): v for k, v in headers.items()}
    assert query["PageSize"] == "5"
    assert headers["host"] == endpoint
    if kind == "v3":
        assert headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=testid,")
        assert headers["x-acs-action"] == "ListInstances"
        assert "Action" not in query and "Signature" not in query
    else:
        assert "authorization" not in headers
        assert query["Action"] == "ListInstances" and query["Version"] == "2021-12-01"
        assert query["SignatureMethod"] == "HMAC-SHA1" and query["Signature"]
        assert query["Format"] == ("json" if kind == "v1" else "JSON")
        if kind != "v1":
            assert query["RegionId"] == "cn-hangzhou"
