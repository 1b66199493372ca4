"""The actions the server implements, read from src/wire/dispatch.rs (``actions! { "Name" => handler, ... }``)."""

import re
from pathlib import Path

DISPATCH = Path(__file__).resolve().parent.parent.parent / "src" / "wire" / "dispatch.rs"


def implemented_actions() -> list[str]:
    """In dispatch order."""
    source = DISPATCH.read_text()
    block = re.search(r"\nactions!\s*\{(.*?)\n\}", source, re.S)
    assert block, f"no actions! {{ ... }} block in {DISPATCH}"
    return re.findall(r'"([A-Za-z0-9]+)"\s*=>', block.group(1))
