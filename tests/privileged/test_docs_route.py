"""Run the privileged examples of docs/route.md and docs/addr.md.

Each block marked ``<!-- privileged example -->`` creates its own namespace
(``netns.create(...)`` as a context manager) and removes it on exit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"<!-- privileged example -->\n```python\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str]]:
    out = []
    for page in ("route.md", "addr.md"):
        for i, code in enumerate(_BLOCK.findall((DOCS / page).read_text())):
            out.append((f"{page}#{i}", code))
    return out


@pytest.mark.parametrize(("where", "code"), _examples(), ids=[w for w, _ in _examples()])
def test_doc_example_runs(where: str, code: str) -> None:
    exec(compile(code, where, "exec"), {"__name__": "__doc_example__"})  # noqa: S102 - our own docs
