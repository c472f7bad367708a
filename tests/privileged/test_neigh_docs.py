"""The privileged examples of docs/{neigh,rule,sysctl,monitor}.md run as written.

Unprivileged examples (``>>>``) are doctests run by the unit suite; the
fenced ``python`` blocks without prompts need root and run here, each in its
own fresh interpreter namespace. They make their own (anonymous) network
namespaces, so nothing outside them is touched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def doc_scripts(page: str) -> list[str]:
    """The fenced python blocks of ``docs/PAGE.md`` that are scripts, not doctests."""
    text = (DOCS / f"{page}.md").read_text()
    return [b for b in _BLOCK.findall(text) if ">>>" not in b]


def run_doc_script(page: str, index: int) -> None:
    code = doc_scripts(page)[index]
    exec(compile(code, f"docs/{page}.md#example{index}", "exec"), {"__name__": "__doc__"})  # noqa: S102 - our own docs


PAGES = ["neigh", "rule", "sysctl", "monitor"]
CASES = [(p, i) for p in PAGES for i in range(len(doc_scripts(p)))]


def test_every_page_has_a_privileged_example() -> None:
    assert {p for p, _ in CASES} == set(PAGES)


@pytest.mark.parametrize(("page", "index"), CASES)
def test_doc_example_runs(page: str, index: int) -> None:
    run_doc_script(page, index)
