"""The suite covers every action the server implements: the list in src/wire/dispatch.rs
(``actions! { "Name" => handler, ... }``) against the ``@action("Name")`` tests here."""

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
DISPATCH = HERE.parent.parent / "src" / "wire" / "dispatch.rs"


def _implemented_actions() -> list[str]:
    source = DISPATCH.read_text()
    block = re.search(r"\nactions!\s*\{(.*?)\n\}", source, re.S)
    assert block, f"no actions! {{ ... }} block in {DISPATCH}"
    return re.findall(r'"([A-Za-z0-9]+)"\s*=>', block.group(1))


def _tested_actions() -> set[str]:
    found = set()
    for f in HERE.glob("test_*.py"):
        found |= set(re.findall(r'^@action\("([A-Za-z0-9]+)"\)', f.read_text(), re.M))
    return found


def test_every_implemented_action_has_a_conformance_test():
    implemented = _implemented_actions()
    assert len(implemented) >= 30, implemented
    missing = sorted(set(implemented) - _tested_actions())
    assert not missing, f"actions without an SDK conformance test: {missing}"
    unknown = sorted(_tested_actions() - set(implemented))
    assert not unknown, f"tests for actions the server does not dispatch: {unknown}"
