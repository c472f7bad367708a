"""The examples of docs/pods.md run as written (issue 14).

Every fenced ``python`` block that is not a doctest (those run in the unit
suite) and not marked ``# Not run`` (the two-real-machines sketch, which would
change the machine's own namespace) runs as root in a fresh interpreter. The
examples make namespaces named ``rawns-ex-pods-*`` and remove them; none may
remain afterwards.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "pods.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
NOT_RUN = "# Not run"
TIMEOUT = 120


def blocks() -> list[str]:
    return _BLOCK.findall(PAGE.read_text())


def scripts() -> list[str]:
    return [b for b in blocks() if ">>>" not in b and not b.startswith(NOT_RUN)]


def _ours() -> set[str]:
    out = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    return {ln.split()[0] for ln in out.splitlines() if ln.startswith("rawns-ex-pods-")}


def test_page_has_its_examples() -> None:
    assert len(scripts()) >= 4
    not_run = [b for b in blocks() if b.startswith(NOT_RUN)]
    assert len(not_run) == 1 and "Handle.open()" in not_run[0]


@pytest.mark.parametrize("index", range(len(scripts())))
def test_pods_doc_example_runs(index: int) -> None:
    before = _ours()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    p = subprocess.run(
        [sys.executable, "-c", scripts()[index]],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    left = _ours() - before
    for name in left:  # never leave a mess behind, even when the assertion fails
        subprocess.run(["ip", "netns", "del", name], check=False, timeout=30)
    assert p.returncode == 0, f"docs/pods.md#example{index} failed:\n{p.stdout}\n{p.stderr}"
    assert not left, f"docs/pods.md#example{index} left namespaces behind: {sorted(left)}"
