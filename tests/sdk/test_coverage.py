"""The suite covers every action the server implements: the list in src/wire/dispatch.rs
against the ``@action("Name")`` tests here."""

import re
from pathlib import Path

from actions import implemented_actions

HERE = Path(__file__).resolve().parent


def _tested_actions() -> set[str]:
    found = set()
    for f in HERE.glob("test_*.py"):
        found |= set(re.findall(r'^@action\("([A-Za-z0-9]+)"\)', f.read_text(), re.M))
    return found


def test_every_implemented_action_has_a_conformance_test():
    implemented = implemented_actions()
    assert len(implemented) >= 30, implemented
    missing = sorted(set(implemented) - _tested_actions())
    assert not missing, f"actions without an SDK conformance test: {missing}"
    unknown = sorted(_tested_actions() - set(implemented))
    assert not unknown, f"tests for actions the server does not dispatch: {unknown}"
