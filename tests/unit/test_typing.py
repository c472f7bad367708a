"""``mypy --strict`` over a consumer of every public verb, and one wrong call per verb family.

``tests/typing/consumer.py`` must type-check clean; in each
``tests/typing/wrong_*.py`` the line after every ``# E: <fragment>`` comment
must be reported by mypy with that fragment in the message, and no other line
may be. mypy runs once, from this venv (``sys.executable -m mypy``), with
``--follow-imports=silent``: only the consumer files are judged, not rawns
itself (CI checks rawns with its own mypy run).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TYPING = ROOT / "tests" / "typing"
_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<msg>.*)$")


def _expected(path: Path) -> dict[int, str]:
    """Line number -> fragment, for the line after each ``# E:`` comment."""
    out: dict[int, str] = {}
    lines = path.read_text().splitlines()
    for i, text in enumerate(lines):
        stripped = text.strip()
        if stripped.startswith("# E: "):
            out[i + 2] = stripped[len("# E: ") :]  # 1-based number of the next line
    return out


@pytest.fixture(scope="module")
def reported() -> dict[str, dict[int, list[str]]]:
    """mypy's errors, by file name and line."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            "--no-error-summary",
            "--show-absolute-path",
            str(TYPING),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out: dict[str, dict[int, list[str]]] = {}
    for line in proc.stdout.splitlines():
        m = _LINE.match(line)
        if m:
            name = Path(m["file"]).name
            out.setdefault(name, {}).setdefault(int(m["line"]), []).append(m["msg"])
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return out


def test_consumer_of_every_verb_type_checks(reported: dict[str, dict[int, list[str]]]) -> None:
    assert reported.get("consumer.py", {}) == {}


WRONG = sorted(p.name for p in TYPING.glob("wrong_*.py"))


def test_every_verb_family_has_wrong_calls() -> None:
    families = {n.removeprefix("wrong_").removesuffix(".py") for n in WRONG}
    assert families >= {"link", "addr", "route", "neigh", "rule", "nft", "sysctl", "netns"}


@pytest.mark.parametrize("name", WRONG)
def test_mypy_rejects_each_wrong_call(name: str, reported: dict[str, dict[int, list[str]]]) -> None:
    expected = _expected(TYPING / name)
    assert expected, f"{name} marks no wrong call"
    got = reported.get(name, {})
    missing = {
        n: frag for n, frag in expected.items() if not any(frag in m for m in got.get(n, []))
    }
    extra = {n: msgs for n, msgs in got.items() if n not in expected}
    assert not missing, f"mypy did not report (line: fragment) {missing}; it said {got}"
    assert not extra, f"mypy reported lines not marked wrong: {extra}"
