"""Fixtures of the SDK conformance suite: the real server binary, the SDK clients, and the
recorder whose JSON becomes docs/compatibility.md (tests/sdk/compat_table.py).

Environment:
  EIAM_LOCAL_BIN      server binary (default: <repo>/target/debug/eiam-local)
  EIAM_SDK_RESULTS    where the outcomes JSON goes (default: tests/sdk/.results/compat.json)
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from eiamsdk import make_client  # noqa: E402
from support import Raw  # noqa: E402

RESULTS_DIR = HERE / ".results"
DEFAULT_RESULTS = RESULTS_DIR / "compat.json"
PACKAGES = [
    "alibabacloud-eiam20211201",
    "alibabacloud-tea-openapi",
    "aliyun-python-sdk-eiam",
    "aliyun-python-sdk-core",
    "cloud-idaas-core",
    "PyJWT",
]


# ---------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary: Path, workdir: Path):
        self.binary = binary
        self.workdir = workdir
        self.log_path = RESULTS_DIR / "server.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.endpoint}"

    def start(self) -> None:
        if not self.binary.is_file():
            pytest.exit(
                f"server binary {self.binary} not found: run `cargo build --bin eiam-local` "
                "or set EIAM_LOCAL_BIN",
                returncode=2,
            )
        env = dict(os.environ)
        env.update(
            EIAM_ARGON2_MEMORY_KIB="64",  # cheap hashing: tests, not production
            EIAM_ARGON2_ITERATIONS="1",
            RUST_LOG=env.get("RUST_LOG", "info"),
            EIAM_LOG_FORMAT="text",
            NO_COLOR="1",
        )
        RESULTS_DIR.mkdir(exist_ok=True)
        last_error = ""
        for _attempt in range(3):  # a port picked free can be taken before the bind
            self.port = _free_port()
            log = open(self.log_path, "wb")
            self.proc = subprocess.Popen(
                [
                    str(self.binary),
                    "serve",
                    "--listen",
                    self.endpoint,
                    "--database",
                    str(self.workdir / "eiam.db"),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=1) as r:
                        if r.status == 200:
                            return
                except OSError:
                    time.sleep(0.05)
            self.stop()
            last_error = self.log_tail()
        pytest.exit(f"eiam-local did not start; its log ends with:\n{last_error}", returncode=2)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


_server: Server | None = None


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    global _server
    binary = Path(os.environ.get("EIAM_LOCAL_BIN") or ROOT / "target" / "debug" / "eiam-local")
    srv = Server(binary.resolve(), tmp_path_factory.mktemp("eiam-local"))
    srv.start()
    _server = srv
    yield srv
    srv.stop()
    code = srv.proc.returncode if srv.proc else None
    # A clean shutdown on SIGTERM is part of the contract (no LastUsedTime is lost).
    assert code == 0, f"eiam-local exited with {code} on SIGTERM; log:\n{srv.log_tail()}"


@pytest.fixture(scope="session")
def raw(server) -> Raw:
    return Raw(server.base_url)


@pytest.fixture
def api(kind, server):
    """The client under test; ``kind`` comes from the test's parametrization."""
    return make_client(kind, server.endpoint)


@pytest.fixture
def instance_id(raw) -> str:
    """A fresh instance per test: tests never see each other's objects."""
    return raw.instance()


# ---------------------------------------------------------------- outcomes → compat.json

_outcomes: dict[str, dict] = {}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "compat(section, row): a cell of docs/compatibility.md (column: the client kind)"
    )


def _compat_cell(item) -> tuple[str, str, str] | None:
    marker = item.get_closest_marker("compat")
    if marker is None:
        return None
    section, row = marker.args
    params = dict(item.callspec.params) if hasattr(item, "callspec") else {}
    row = row.format(**params)  # e.g. "{method}" for the token-endpoint rows
    column = marker.kwargs.get("column") or params.get("kind") or "result"
    return section, row, column


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        cell = _compat_cell(item)
        if cell:
            item.user_properties.append(("compat", cell))


def pytest_runtest_logreport(report):
    entry = _outcomes.setdefault(
        report.nodeid, {"nodeid": report.nodeid, "outcome": "passed", "cell": None}
    )
    for key, value in report.user_properties:
        if key == "compat":
            entry["cell"] = list(value)
    if report.failed:
        entry["outcome"] = "failed"
    elif report.skipped and entry["outcome"] != "failed":
        entry["outcome"] = "xfailed" if hasattr(report, "wasxfail") else "skipped"


def _versions() -> dict:
    out = {}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    out["python"] = platform.python_version()
    return out


def pytest_sessionfinish(session, exitstatus):
    results = Path(os.environ.get("EIAM_SDK_RESULTS") or DEFAULT_RESULTS)
    results.parent.mkdir(parents=True, exist_ok=True)
    skipped = [e["nodeid"] for e in _outcomes.values() if e["outcome"] in ("skipped", "xfailed")]
    payload = {
        "versions": _versions(),
        "server_binary": os.environ.get("EIAM_LOCAL_BIN") or "target/debug/eiam-local",
        "exit_status": int(exitstatus),
        "tests": list(_outcomes.values()),  # in execution order
    }
    results.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
    # Nothing may be skipped silently: a skip or xfail fails the run.
    if skipped and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    session.config._eiam_skipped = skipped


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = getattr(config, "_eiam_skipped", [])
    if skipped:
        terminalreporter.section("skipped tests fail this suite")
        for nodeid in skipped:
            terminalreporter.write_line(f"SKIPPED/XFAIL (not allowed): {nodeid}")
    failed = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    if failed and _server is not None:
        terminalreporter.section("eiam-local log (last 40 lines)")
        terminalreporter.write_line(_server.log_tail())
        terminalreporter.write_line(f"(full log: {_server.log_path})")
