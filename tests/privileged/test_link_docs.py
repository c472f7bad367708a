"""The privileged examples of docs/link.md run as written.

The ``>>>`` examples are doctests run by the unit suite; the fenced
``python`` blocks without prompts need root and run here, each in a fresh
interpreter namespace. They make their own anonymous network namespaces.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _scripts() -> list[str]:
    text = (DOCS / "link.md").read_text()
    return [b for b in _BLOCK.findall(text) if ">>>" not in b]


def test_the_page_has_privileged_examples() -> None:
    assert len(_scripts()) >= 4


@pytest.mark.parametrize("index", range(len(_scripts())))
def test_link_doc_example_runs(index: int) -> None:
    code = _scripts()[index]
    exec(compile(code, f"docs/link.md#example{index}", "exec"), {"__name__": "__doc__"})  # noqa: S102 - our own docs
