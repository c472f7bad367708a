"""docs/pyroute2.md: each pyroute2 snippet and its rawns twin leave the same state.

The page holds pairs of fenced blocks marked ``<!-- pyroute2: NAME -->`` and
``<!-- rawns: NAME -->``. Each side runs as a script in a fresh interpreter,
after the page's imports for that side, in a fixture namespace of its own
(``NS``: a bridge br0, a veth pair v0/v1 up, 10.0.0.1/24 on v0, made with
``ip``), with ``OTHER`` (an empty namespace) and ``NEW`` (an unused name).
Then the two end states are compared through ``ip -j`` (links, addresses,
routes of every table, permanent neighbours, rules, and which of ``NEW``
exists), and so is ``result`` when a side sets it. The rawns snippets always
run; the pyroute2 ones need pyroute2 (the ``bench`` extra pins 0.9.7).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ip_json, run

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "pyroute2.md"
_MARKED = re.compile(
    r"<!-- (pyroute2|rawns|imports): ([\w-]+) -->\n```python\n(.*?)^```", re.S | re.M
)
TIMEOUT = 120
HAVE_PYROUTE2 = importlib.util.find_spec("pyroute2") is not None

FIXTURE = [
    ["link", "add", "br0", "type", "bridge"],
    ["link", "add", "v0", "type", "veth", "peer", "name", "v1"],
    ["link", "set", "v0", "up"],
    ["link", "set", "v1", "up"],
    ["addr", "add", "10.0.0.1/24", "dev", "v0"],
]


def _blocks() -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for tool, name, code in _MARKED.findall(PAGE.read_text()):
        key = ("imports", name) if tool == "imports" else (tool, name)
        assert key not in found, f"docs/pyroute2.md: {key} twice"
        found[key] = code
    return found


BLOCKS = _blocks()
PAIRS = sorted(name for tool, name in BLOCKS if tool == "rawns")


def test_every_rawns_snippet_has_its_pyroute2_twin() -> None:
    assert len(PAIRS) >= 10
    assert {n for t, n in BLOCKS if t == "pyroute2"} == set(PAIRS)
    assert ("imports", "pyroute2") in BLOCKS and ("imports", "rawns") in BLOCKS


class World:
    """The fixture namespaces of one side; removed (all of them) on close."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8]
        self.ns, self.other, self.new = (f"rawns-ex-p2-{tag}-{w}" for w in ("ns", "other", "new"))
        run("ip", "netns", "add", self.ns)
        run("ip", "netns", "add", self.other)
        for argv in FIXTURE:
            run("ip", "-n", self.ns, *argv)

    def close(self) -> None:
        for name in (self.ns, self.other, self.new):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)

    def script(self, tool: str, snippet: str) -> str:
        return "\n".join(
            [
                BLOCKS[("imports", tool)],
                f"NS, OTHER, NEW = {self.ns!r}, {self.other!r}, {self.new!r}",
                snippet,
                "print('RESULT=' + repr(globals().get('result')))",
            ]
        )

    def run(self, tool: str, snippet: str) -> str:
        p = subprocess.run(
            [sys.executable, "-c", self.script(tool, snippet)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            env=_env(),
        )
        assert p.returncode == 0, f"{tool} snippet failed:\n{snippet}\n{p.stdout}\n{p.stderr}"
        return p.stdout.rsplit("RESULT=", 1)[1].strip()

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {"new exists": self.new in run("ip", "netns", "list")}
        for where, ns in (("NS", self.ns), ("OTHER", self.other)):
            out[where] = _state(ns)
        return out


def _env() -> dict[str, str]:
    """The environment, with the checkout first on PYTHONPATH (and any given after it)."""
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def _state(ns: str) -> dict[str, Any]:
    links = sorted(
        (
            lk["ifname"],
            lk.get("linkinfo", {}).get("info_kind"),
            lk["mtu"],
            "UP" in lk["flags"],
            lk.get("master"),
        )
        for lk in ip_json(ns, "-d", "link", "show")
    )
    addrs = sorted(
        (a["ifname"], ai["family"], ai["local"], ai["prefixlen"])
        for a in ip_json(ns, "addr", "show")
        for ai in a.get("addr_info", [])
        if ai.get("scope") != "link"
    )
    routes = sorted(
        tuple(
            str(r.get(k))
            for k in ("dst", "gateway", "dev", "table", "protocol", "metric", "type", "scope")
        )
        for fam in ("-4", "-6")
        for r in ip_json(ns, fam, "route", "show", "table", "all")
        if not str(r.get("dst", "")).startswith(("fe80", "ff00"))
    )
    neighs = sorted(
        (n["dst"], n["dev"], n.get("lladdr"), tuple(n.get("state", [])))
        for n in ip_json(ns, "neigh", "show", "nud", "permanent")
    )
    rules = [ip_json(ns, fam, "rule", "show") for fam in ("-4", "-6")]
    return {"links": links, "addrs": addrs, "routes": routes, "neigh": neighs, "rules": rules}


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    try:
        yield w
    finally:
        w.close()


@pytest.fixture
def second_world() -> Iterator[World]:
    w = World()
    try:
        yield w
    finally:
        w.close()


@pytest.mark.parametrize("name", PAIRS)
def test_rawns_snippet_runs(name: str, world: World) -> None:
    world.run("rawns", BLOCKS[("rawns", name)])


@pytest.mark.parametrize("name", PAIRS)
def test_pyroute2_and_rawns_leave_the_same_state(
    name: str, world: World, second_world: World
) -> None:
    if not HAVE_PYROUTE2:
        pytest.skip("pyroute2 is not installed (pip install -e '.[bench]': pyroute2==0.9.7)")
    p2 = world.run("pyroute2", BLOCKS[("pyroute2", name)])
    ours = second_world.run("rawns", BLOCKS[("rawns", name)])
    assert world.state() == second_world.state(), name
    assert p2 == ours, f"{name}: pyroute2 computed {p2}, rawns {ours}"
