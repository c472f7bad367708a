"""docs/tutorial.md runs as one script and leaves nothing behind; so do docs/compose.md's.

The tutorial's fenced ``python`` blocks, concatenated in order, are one
program (the page is written that way). It runs in a fresh interpreter with
``RAWNS_TUTORIAL_TAG`` set, so every namespace it makes carries a tag known
here; afterwards ``ip netns list`` must show none of them. Two more runs stop
the script half way (an exception, then SIGTERM) to show its cleanup also runs
on failure. The privileged examples of docs/compose.md (blocks without
``>>>``; those are doctests) each run in a fresh interpreter too.

Run this file directly to print the tutorial's script::

    python3 tests/privileged/test_tutorial.py > tutorial.py && sudo python3 tutorial.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
TIMEOUT = 120


def blocks(page: str) -> list[str]:
    """The fenced python blocks of ``docs/PAGE.md``, in order."""
    return _BLOCK.findall((DOCS / f"{page}.md").read_text())


def tutorial_script(stop_after: int | None = None) -> str:
    """The tutorial as one script (only its first ``stop_after + 1`` blocks if given)."""
    parts = blocks("tutorial")
    if stop_after is not None:
        parts = parts[: stop_after + 1]
    return "\n\n".join(parts)


def tagged_namespaces(tag: str) -> list[str]:
    """Names in ``ip netns list`` that carry ``tag``."""
    out = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip() and tag in line]


def run_script(
    code: str, tmp: Path, name: str, tag: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` as a file in a fresh interpreter.

    With ``tag`` (passed as ``RAWNS_TUTORIAL_TAG``), afterwards no namespace
    carrying it may remain; any that does is removed, then the test fails.
    """
    path = tmp / name
    path.write_text(code)
    env = dict(os.environ)
    if tag is not None:
        env["RAWNS_TUTORIAL_TAG"] = tag
    try:
        return subprocess.run(
            [sys.executable, str(path)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            check=False,
        )
    finally:
        left = tagged_namespaces(tag) if tag is not None else []
        for ns in left:  # never leave our own mess behind, even when the assertion fails
            subprocess.run(["ip", "netns", "del", ns], check=False, timeout=30)
        assert not left, f"namespaces left behind: {left}"


def test_tutorial_blocks_are_one_script() -> None:
    code = tutorial_script()
    compile(code, "docs/tutorial.md", "exec")
    assert ">>>" not in (DOCS / "tutorial.md").read_text()  # no doctests on this page
    assert "atexit.register(cleanup)" in blocks("tutorial")[0]


def test_tutorial_runs_and_leaves_nothing_behind(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    code = tutorial_script()
    p = run_script(code, tmp_path, "tutorial.py", tag)
    assert p.returncode == 0, f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    assert "tutorial done; nothing left behind" in p.stdout
    checks = len(re.findall(r"^\s*check\(", code, re.M))  # calls of the page's check()
    assert p.stdout.count("answered by") == checks  # every probe ran, once


def _stop_point() -> int:
    """The block that adds the masquerade rule: all four namespaces exist by then."""
    for i, b in enumerate(blocks("tutorial")):
        if "nft.masquerade(" in b:
            return i
    raise AssertionError("the tutorial has no masquerade block")


@pytest.mark.parametrize(
    ("stop", "code", "says"),
    [
        ("raise RuntimeError('stopped on purpose')", 1, "RuntimeError: stopped on purpose"),
        ("os.kill(os.getpid(), signal.SIGTERM)\nimport time\ntime.sleep(30)", 143, ""),
    ],
    ids=["exception", "sigterm"],
)
def test_tutorial_cleans_up_when_stopped_half_way(
    tmp_path: Path, stop: str, code: int, says: str
) -> None:
    tag = uuid.uuid4().hex[:8]
    script = tutorial_script(_stop_point()) + "\nassert len(made) == 4, made\n" + stop + "\n"
    p = run_script(script, tmp_path, "tutorial_stopped.py", tag)  # checks nothing is left
    assert p.returncode == code, f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    assert says in p.stderr and "AssertionError" not in p.stderr, p.stderr


def compose_scripts() -> list[str]:
    return [b for b in blocks("compose") if ">>>" not in b]


@pytest.mark.parametrize("index", range(len(compose_scripts())))
def test_compose_doc_example_runs(tmp_path: Path, index: int) -> None:
    # Each example uses anonymous namespaces, or named ones it checks and
    # removes itself (in a finally); the rootless one lives in a private /run.
    p = run_script(compose_scripts()[index], tmp_path, f"compose_{index}.py")
    assert p.returncode == 0, f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}"


if __name__ == "__main__":
    sys.stdout.write(tutorial_script())
