"""The sdist carries what building rawns._native needs; the wheel is tagged for the stable ABI;
the metadata says what rawns is.

The real path (sdist -> wheel built from the sdist alone -> manylinux repair ->
install without a compiler on 3.11/3.12/3.13 -> tests/smoke/smoke.py run from
another directory) is `.ci/package`; these are the offline checks of the
files that decide it (pyproject.toml, MANIFEST.in, setup.py), so that they
don't drift from csrc/ and rawns/.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

import rawns

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT: dict[str, Any] = PYPROJECT["project"]


def _manifest() -> set[str]:
    """The files MANIFEST.in's ``include`` lines name (globs expanded against the tree)."""
    out: set[str] = set()
    for line in (ROOT / "MANIFEST.in").read_text().splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "exclude":  # a build output kept out of the sdist (the CNI shim binary)
            sources = [w for w in words[1:] if (ROOT / w).suffix]
            assert not sources, f"MANIFEST.in excludes a source: {line}"
            continue
        assert words[0] == "include", f"MANIFEST.in: only include/exclude lines are checked: {line}"
        for pattern in words[1:]:
            hits = {str(p.relative_to(ROOT)) for p in ROOT.glob(pattern)}
            assert hits, f"MANIFEST.in names {pattern}, which matches no file"
            out |= hits
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


def test_sdist_includes_all_of_csrc_the_license_and_the_typing_files() -> None:
    listed = _manifest()
    csrc = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "csrc").iterdir()
        if p.is_file() and p.suffix in (".c", ".h", ".py")
    }
    assert csrc and csrc <= listed, f"missing from MANIFEST.in: {sorted(csrc - listed)}"
    typing = {"rawns/py.typed"} | {str(p.relative_to(ROOT)) for p in ROOT.glob("rawns/*.pyi")}
    assert "rawns/_native.pyi" in typing
    assert {"LICENSE", "README.md"} | typing <= listed
    # ... and the wheel gets them too (package data, beside the .py files).
    assert set(PYPROJECT["tool"]["setuptools"]["package-data"]["*"]) >= {"py.typed", "*.pyi"}


def test_wheel_is_tagged_for_the_stable_abi() -> None:
    setup = (ROOT / "setup.py").read_text()
    assert '"py_limited_api": "cp311"' in setup
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()
    build = PYPROJECT["build-system"]["requires"]
    # SPDX license expressions and license-files need setuptools 77.
    assert "setuptools>=77" in build and any(r.startswith("cffi") for r in build)


def test_metadata_is_honest_and_complete() -> None:
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    summary = PROJECT["description"]
    assert "pure Python" not in summary and "cffi shim" in summary and "netlink" in summary
    assert PROJECT["requires-python"] == ">=3.11"
    assert PROJECT["dependencies"] == ["cffi>=1.16"]
    classifiers = set(PROJECT["classifiers"])
    assert {
        "Operating System :: POSIX :: Linux",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Typing :: Typed",
    } <= classifiers
    assert not any("License ::" in c for c in classifiers)  # the SPDX string replaces them
    urls = PROJECT["urls"]
    assert urls["Repository"] == "https://github.com/rawns/rawns"
    assert urls["Documentation"] == "https://github.com/rawns/rawns/tree/main/docs"
    assert (ROOT / "docs").is_dir()
    assert PROJECT["scripts"] == {
        "rawns": "rawns.cli:main",
        "rawns-bridge": "rawns.cni.bridge:main",  # the CNI plugins (issue 16)
        "rawns-portmap": "rawns.cni.portmap:main",
        "rawns-bandwidth": "rawns.cni.bandwidth:main",
        "rawns-host-local": "rawns.cni.host_local:main",
    }


def test_version_has_one_source() -> None:
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    attr = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "rawns.__version__"
    # setuptools reads it statically: a plain string assignment in rawns/__init__.py.
    tree = ast.parse((ROOT / "rawns" / "__init__.py").read_text())
    found = [
        n.value.value
        for n in tree.body
        if isinstance(n, ast.Assign)
        and [getattr(t, "id", None) for t in n.targets] == ["__version__"]
        and isinstance(n.value, ast.Constant)
    ]
    assert found == [rawns.__version__]
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", rawns.__version__)


def test_ci_runs_the_package_path() -> None:
    script = ROOT / ".ci" / "package"
    text = script.read_text()
    for step in ("--sdist", "auditwheel", " repair ", "--only-binary", "smoke.py", "cc gcc"):
        assert step in text, step
    assert (ROOT / "tests" / "smoke" / "smoke.py").is_file()
