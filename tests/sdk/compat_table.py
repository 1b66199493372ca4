#!/usr/bin/env python3
"""Render docs/compatibility.md from the outcomes the SDK suite recorded.

    tests/sdk/run --update-docs                       # run the suite, then this
    tests/sdk/.venv/bin/python tests/sdk/compat_table.py [--results FILE] [--output FILE]

Every cell is what the suite produced: `pass` when all the tests recorded for that cell passed,
`FAIL` when one of them failed, `not run` when none ran (e.g. a run with -k). Rows of the
operations table are the actions in src/wire/dispatch.rs, in its order.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from actions import implemented_actions  # noqa: E402

DEFAULT_RESULTS = HERE / ".results" / "compat.json"

SDK_COLUMNS = [
    ("v3", "current SDK, V3 signature"),
    ("v1", "current SDK, V1 mode (`signature_algorithm='v2'`)"),
    ("old", "older SDK (`aliyunsdkcore` + `aliyunsdkeiam`)"),
]
SECTIONS = [
    ("errors", "Errors as the SDKs raise them"),
    ("encoding", "Encoding round trips"),
]


def cell(text: str) -> str:
    """Text for a Markdown table cell: a literal | must be escaped."""
    return text.replace("|", "\\|")


def status(outcomes: list[str]) -> str:
    if not outcomes:
        return "not run"
    if any(o != "passed" for o in outcomes):
        return "**FAIL**"
    return "pass"


def collect(results: dict):
    cells: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    rows: dict[str, list[str]] = defaultdict(list)
    failures = []
    for t in results["tests"]:
        if t["outcome"] != "passed":
            failures.append(t)
        if not t.get("cell"):
            continue
        section, row, column = t["cell"]
        cells[(section, row, column)].append(t["outcome"])
        if row not in rows[section]:
            rows[section].append(row)
    return cells, rows, failures


def old_cell(cells, section, row) -> str:
    if (section, row, "old") in cells:
        return status(cells[(section, row, "old")])
    common = cells.get((section, row, "old-common"))
    if common is not None:
        return f"n/a (no request class; CommonRequest: {status(common)})"
    return "not run"


def sdk_table(cells, section: str, rows: list[str]) -> list[str]:
    head = "| | " + " | ".join(label for _, label in SDK_COLUMNS) + " |"
    out = [head, "|---|" + "---|" * len(SDK_COLUMNS)]
    for row in rows:
        v3 = status(cells.get((section, row, "v3"), []))
        v1 = status(cells.get((section, row, "v1"), []))
        name = f"`{row}`" if section == "actions" else cell(row)
        out.append(f"| {name} | {v3} | {v1} | {old_cell(cells, section, row)} |")
    return out


def render(results: dict) -> str:
    cells, rows, failures = collect(results)
    v = results["versions"]
    counts = defaultdict(int)
    for t in results["tests"]:
        counts[t["outcome"]] += 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    actions = implemented_actions()
    lines = [
        "# SDK compatibility",
        "",
        "Which official Alibaba Cloud clients work against eiam-local, operation by operation.",
        "**Generated** from the outcomes of the SDK conformance suite (`tests/sdk`), not written",
        "by hand:",
        "",
        "```sh",
        "tests/sdk/run --update-docs   # runs the suite, then tests/sdk/compat_table.py writes this page",
        "```",
        "",
        "`tests/sdk/run` installs the pinned packages of `tests/sdk/requirements.txt` into",
        "`tests/sdk/.venv`, builds `target/debug/eiam-local`, starts it on a free port with a fresh",
        "database, and runs pytest; each test records its cell in `tests/sdk/.results/compat.json`,",
        "which `tests/sdk/compat_table.py` renders. A cell is `pass` only if every test recorded for it",
        "passed. The same suite runs in CI (`scripts/test`).",
        "",
        f"This page: generated {datetime.date.today().isoformat()}; {summary}"
        f" (pytest exit status {results['exit_status']}).",
        "",
        "| client | package versions |",
        "|---|---|",
        f"| current SDK | `alibabacloud-eiam20211201` {v.get('alibabacloud-eiam20211201')}, "
        f"`alibabacloud-tea-openapi` {v.get('alibabacloud-tea-openapi')} |",
        f"| older SDK | `aliyun-python-sdk-eiam` {v.get('aliyun-python-sdk-eiam')}, "
        f"`aliyun-python-sdk-core` {v.get('aliyun-python-sdk-core')} |",
        f"| M2M token client | `cloud-idaas-core` {v.get('cloud-idaas-core')} "
        f"(tokens verified with `PyJWT` {v.get('PyJWT')}) |",
        f"| Python | {v.get('python')} |",
        "",
        "Columns: **current SDK, V3 signature** is `alibabacloud_eiam20211201.client.Client` with its",
        "default configuration (`ACS3-HMAC-SHA256`, the action in the `x-acs-action` header),",
        "`protocol='http'`, `endpoint='127.0.0.1:PORT'`; **V1 mode** is the same client with",
        "`config.signature_algorithm = 'v2'` (HMAC-SHA1 query signature, `Action`/`Version` in the",
        "query); **older SDK** is `aliyunsdkcore.client.AcsClient` with the generated",
        "`aliyunsdkeiam.request.v20211201.<Action>Request`, `set_endpoint('127.0.0.1:PORT')` and",
        "`set_protocol_type('http')`. `aliyun-python-sdk-eiam` 1.0.5 has no request class for the M2M",
        "and resource-server operations: those cells say n/a, and give the result of the same call",
        "made with the old SDK's generic `CommonRequest`. Signatures are not verified by the server",
        "yet, so any access key works.",
        "",
        "Each operation test calls the operation with each client, asserts on the **typed response",
        "models** of the current SDK (e.g. `resp.body.application.m_2mclient_status`) and on the",
        "parsed JSON of the old one, and checks the effect with a plain HTTP request.",
        "",
        f"## Operations ({len(actions)})",
        "",
    ]
    lines += sdk_table(cells, "actions", actions)
    for section, title in SECTIONS:
        lines += ["", f"## {title}", ""]
        if section == "errors":
            lines += [
                "Each raises the SDK's exception — `alibabacloud_tea_openapi.exceptions.ClientException`",
                "(`e.code`, `e.status_code`, `e.request_id`, body in `e.data`) in the current SDK,",
                "`aliyunsdkcore.acs_exception.exceptions.ServerException` (`get_error_code()`,",
                "`get_http_status()`, `get_request_id()`) in the old one — with the right code and HTTP",
                "status, and a request id that is a 36-character upper-case UUID equal to the body's.",
                "",
            ]
        lines += sdk_table(cells, section, rows.get(section, []))
    lines += [
        "",
        "## M2M token endpoint with `cloud-idaas-core`",
        "",
        "Alibaba's M2M client gets tokens from `{issuer}/token`, issuer",
        "`{public_url}/{InstanceId}/api/v2/iauths_system/oauth2`, configured with",
        "`IDaaSMachineCredentialProviderBuilder` (client id, scope `<identifier>|<value>`, token",
        "endpoint, authentication method; `StaticClientSecretAssertionProvider` for",
        "`client_secret_jwt`). Every token is verified with PyJWT against the JWKS named in the",
        "discovery document (RS256; `iss` = issuer, `aud` = the resource server identifier,",
        "`sub` = `client_id` = the application id, `scope` e.g. `https://orders.example.com|orders:read`),",
        "and ListApplicationClientSecrets then shows a `LastUsedTime` on the secret that was used.",
        "",
        "Limitation of the client, not the server: `cloud-idaas-core`'s config-file route",
        "(`IDaaSCredentialProviderFactory.init`) rewrites every endpoint to `https://`",
        "(`NormalizeUtil`), so against a plain-http eiam-local use the builder as above.",
        "",
        "| | cloud-idaas-core |",
        "|---|---|",
    ]
    for row in rows.get("token", []):
        lines.append(f"| {cell(row)} | {status(cells.get(('token', row, 'cloud-idaas-core'), []))} |")
    lines += [
        "",
        "## Notes",
        "",
        "- Custom fields are keyed by name (UpdateApplicationInfo adds, replaces and removes them by",
        "  name); GetApplication lists them by name, not in request order.",
        "- The SDKs send every parameter in the URL query string. The server's HTTP stack",
        "  (actix-http, which uses the `http` crate's `Uri`) rejects a request target longer than",
        "  65,534 bytes with an empty `400` before the application sees it; the current SDK reports",
        "  that as `darabonba.exceptions.UnretryableException` (\"Failed to parse the value as json",
        "  format\"), the old one as `ServerException` `SDK.UnknownServerError`. The encoding test at",
        "  the documented maximums exercises this.",
    ]
    lines += ["", "## Failing tests", ""]
    if failures:
        lines += ["Known server bugs show up here until they are fixed:", ""]
        lines += [f"- `{t['nodeid']}` ({t['outcome']})" for t in failures]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    ap.add_argument("--output", type=Path, help="write here (default: stdout)")
    a = ap.parse_args()
    if not a.results.is_file():
        print(f"{a.results}: no results; run tests/sdk/run first", file=sys.stderr)
        return 2
    text = render(json.loads(a.results.read_text()))
    if a.output:
        a.output.parent.mkdir(parents=True, exist_ok=True)
        a.output.write_text(text)
        print(f"wrote {a.output}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
