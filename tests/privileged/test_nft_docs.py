"""The privileged examples of docs/nat.md and docs/nft.md run as written.

Fenced ``python`` blocks without ``>>>`` are scripts; each runs in its own
fresh globals. They create anonymous network namespaces (``netns.new()``),
so nothing outside them is touched, and everything goes when they end.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
PAGES = ["nat", "nft"]


def scripts(page: str) -> list[str]:
    text = (DOCS / f"{page}.md").read_text()
    return [b for b in _BLOCK.findall(text) if ">>>" not in b]


CASES = [(p, i) for p in PAGES for i in range(len(scripts(p)))]


def test_each_page_has_scripts() -> None:
    assert {p for p, _ in CASES} == set(PAGES)


@pytest.mark.parametrize(("page", "index"), CASES)
def test_doc_script_runs(page: str, index: int) -> None:
    code = scripts(page)[index]
    exec(compile(code, f"docs/{page}.md#script{index}", "exec"), {"__name__": "__doc__"})  # noqa: S102 - our own docs
