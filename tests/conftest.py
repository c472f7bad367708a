"""Shared test fixtures.

Privileged tests (everything under tests/privileged) need root. Outside CI they
skip when not root; with ``CI=true`` a skipped privileged test fails the run,
except a skip whose reason starts with "kernel lacks" (a feature this kernel
was built without, detected by EOPNOTSUPP).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CI = os.environ.get("CI", "").lower() == "true"
IS_ROOT = os.geteuid() == 0
PRIV_DIR = Path(__file__).parent / "privileged"
KERNEL_LACKS = "kernel lacks"

_skipped_privileged: list[str] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PRIV_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.privileged)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("privileged") and not IS_ROOT:
        if CI:
            pytest.fail("privileged test cannot run: not root while CI=true")
        pytest.skip("needs root")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "privileged" in report.keywords:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
        if "Skipped: " + KERNEL_LACKS not in reason and not reason.startswith(KERNEL_LACKS):
            _skipped_privileged.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if CI and _skipped_privileged:
        print("\nprivileged tests were skipped while CI=true:")
        for s in _skipped_privileged:
            print("  " + s)
        session.exitstatus = 1


def kernel_lacks(what: str) -> None:
    """Skip because the kernel was built without a feature (EOPNOTSUPP)."""
    pytest.skip(f"{KERNEL_LACKS} {what} (EOPNOTSUPP)")


# ---------------------------------------------------------------------------
# namespaces and the iproute2 / nft oracles


def unique_name(prefix: str = "rawns-t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def run(*argv: str, check: bool = True, input: str | None = None) -> str:
    """Run an outside oracle (ip, nft) and return stdout."""
    p = subprocess.run(argv, capture_output=True, text=True, input=input, check=False)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


def ip_json(ns: str | None, *args: str) -> Any:
    """``ip [-n NS] -j ARGS`` parsed."""
    argv = ["ip"] + (["-n", ns] if ns else []) + ["-j", *args]
    out = run(*argv)
    return json.loads(out) if out.strip() else []


def nft_json(ns: str, *args: str) -> Any:
    out = run("ip", "netns", "exec", ns, "nft", "-j", *args)
    return json.loads(out) if out.strip() else {}


@pytest.fixture
def make_ns() -> Iterator[Callable[[], Any]]:
    """Factory of fresh named namespaces, all removed at teardown (even on failure)."""
    from rawns import netns

    made: list[Any] = []

    def make() -> Any:
        ns = netns.create(unique_name())
        made.append(ns)
        return ns

    yield make
    for ns in made:
        ns.close()
        with contextlib.suppress(FileNotFoundError):
            netns.delete(ns.name)


@pytest.fixture
def ns(make_ns: Callable[[], Any]) -> Any:
    """A fresh named network namespace for one test."""
    return make_ns()


@pytest.fixture
def h(ns: Any) -> Iterator[Any]:
    """A Handle opened inside the fresh namespace ``ns``."""
    from rawns import Handle

    with Handle.open(netns=ns) as handle:
        yield handle
