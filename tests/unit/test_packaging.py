"""The sdist carries what building rawns._native needs; the wheel is tagged for the stable ABI.

The real build is checked by hand and in CI's README install; this guards the
two files that decide it (MANIFEST.in and setup.py) against drifting from csrc/.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manifest() -> set[str]:
    out: set[str] = set()
    for line in (ROOT / "MANIFEST.in").read_text().splitlines():
        words = line.split()
        if words and words[0] == "include":
            out.update(words[1:])
    return out


def test_sdist_includes_every_file_the_native_build_reads() -> None:
    listed = _manifest()
    build = (ROOT / "csrc" / "build_native.py").read_text()
    needed = {"csrc/build_native.py", "LICENSE"}
    needed |= {f"csrc/{m}" for m in re.findall(r"\"(rawns_ns\.[ch])\"", build)}
    needed |= {f"csrc/{m}" for m in re.findall(r"(rawns_ns\.[ch])", build)}
    assert needed <= listed, f"missing from MANIFEST.in: {sorted(needed - listed)}"
    for name in needed:
        assert (ROOT / name).is_file(), name


def test_wheel_is_tagged_for_the_stable_abi() -> None:
    setup = (ROOT / "setup.py").read_text()
    assert '"py_limited_api": "cp311"' in setup
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'license = "MIT"' in pyproject and "pure Python" not in pyproject
