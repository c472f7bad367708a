"""The privileged examples of docs/netns.md and docs/probe.md run as written.

The ``>>>`` examples are doctests run by the unit suite; every other fenced
``python`` block needs root and runs here, each as a script in a fresh
interpreter (the examples send signals to their own process, move threads
between namespaces, and one calls ``rootless.enter()``, which changes the
whole process for good). The block that calls ``rootless.enter()`` runs as the
user ``nobody`` when the system's python3 can import rawns' extension (it
needs cffi's backend), as root otherwise. The examples make their own
namespaces and remove them; afterwards none of their names may remain.
"""

from __future__ import annotations

import os
import pwd
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
TIMEOUT = 120
PAGES = ["netns", "probe"]


def doc_scripts(page: str) -> list[str]:
    """The fenced python blocks of ``docs/PAGE.md`` that are scripts, not doctests."""
    return [b for b in _BLOCK.findall((DOCS / f"{page}.md").read_text()) if ">>>" not in b]


CASES = [(p, i) for p in PAGES for i in range(len(doc_scripts(p)))]


def _doc_namespaces() -> set[str]:
    out = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    return {line.split()[0] for line in out.splitlines() if line.startswith("rawns-ex-")}


def _system_python_as_nobody() -> tuple[list[str], dict[str, str], Callable[[], None]] | None:
    """argv prefix, env and preexec_fn to run a script as nobody, or None if impossible."""
    python = "/usr/bin/python3"
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        return None
    if not os.access(python, os.X_OK):
        return None
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8"}
    probe = subprocess.run(
        [python, "-c", "import _cffi_backend, rawns.netns"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    if probe.returncode != 0:
        return None

    def as_nobody() -> None:
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return [python], env, as_nobody


def run_script(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with ``python -c`` in a fresh interpreter (as nobody for rootless)."""
    argv, env = [sys.executable], dict(os.environ)
    preexec: Callable[[], None] | None = None
    if "rootless.enter()" in code:
        nobody = _system_python_as_nobody()
        if nobody is not None:
            argv, env, preexec = nobody[0], nobody[1], nobody[2]
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [*argv, "-c", code],
        cwd="/",  # readable by nobody too
        env=env,
        preexec_fn=preexec,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_every_page_has_examples() -> None:
    assert {p for p, _ in CASES} == set(PAGES)
    assert len(doc_scripts("netns")) >= 5


@pytest.mark.parametrize(("page", "index"), CASES)
def test_doc_example_runs(page: str, index: int) -> None:
    before = _doc_namespaces()
    where = f"docs/{page}.md#example{index}"
    p = run_script(doc_scripts(page)[index])
    left = _doc_namespaces() - before
    for name in left:  # never leave a mess behind, even when the assertion fails
        subprocess.run(["ip", "netns", "del", name], check=False, timeout=30)
    assert p.returncode == 0, f"{where} failed:\n{p.stdout}\n{p.stderr}"
    assert not left, f"{where} left namespaces behind: {sorted(left)}"
