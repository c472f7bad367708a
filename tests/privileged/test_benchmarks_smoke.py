"""The benchmark harness runs end to end on tiny sizes, and every end-state check passes.

No timing is asserted: this only proves that benchmarks/run.py works (namespaces made and
removed, workers measured, ip/nft oracles agree with what every backend did: ``ip`` per
command, ``ip -batch``/``nft -f``, pyroute2, rawns, and the dump floors), for both variants
of each build workload and the real-shaped dump tables (issue 18).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
TINY = {
    "W1": 3, "W1B": 3, "W2": 2, "W2B": 2, "W3": 20, "W3B": 20, "W4": 50, "W4M": 60,
    "W5": 6, "W5V": 30, "W6": 3, "W6I": 3,
}  # fmt: skip
BACKENDS = ("cmd", "batch", "pyroute2", "rawns", "floor")


def _netns_names() -> set[str]:
    try:
        return set(os.listdir("/run/netns"))
    except FileNotFoundError:
        return set()


def test_quick_run_of_every_backend_passes_its_checks(tmp_path: Path) -> None:
    pytest.importorskip("pyroute2")  # in the test extra; its absence is a setup error in CI
    before = _netns_names()
    out, chart = tmp_path / "bench.json", tmp_path / "bench.svg"
    argv = [sys.executable, str(RUN), "--quick", "--reps", "1", "--startup-reps", "1"]
    argv += ["--only", ",".join([*TINY, "S"]), "--backends", ",".join(BACKENDS)]
    # --noisy: a test machine is never quiet enough to publish from.
    argv += ["--json", str(out), "--chart", str(chart), "--noisy", "-q"]
    for k, n in TINY.items():
        argv += ["--size", f"{k}={n}"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert p.returncode == 0, f"stdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}"

    doc = json.loads(out.read_text())
    assert doc["failures"] == []
    ran = {(s["workload"], s["backend"]) for s in doc["samples"] if "wall" in s}
    missing = [
        (w, b) for w in TINY for b in ("batch", "pyroute2", "rawns")
        if (w, b) not in ran and not (w == "W3B" and b == "pyroute2")  # W3's method: seed only
    ]  # fmt: skip
    missing += [(w, "floor") for w in ("W4", "W4M", "W5", "W5V") if (w, "floor") not in ran]
    missing += [(w, "cmd") for w in ("W1", "W2", "W3", "W6") if (w, "cmd") not in ran]
    unavailable = {
        (s["workload"], s["backend"]): s["unavailable"]
        for s in doc["samples"]
        if "unavailable" in s
    }
    assert not missing, f"not measured: {missing}; unavailable: {unavailable}"
    assert ("startup", "rawns") in ran
    assert chart.read_text().startswith("<svg")
    assert "| W1 (seed):" in p.stdout  # the markdown table was printed
    assert doc["noisy"] in (True, False) and "foreign_load" in doc["machine"]
    # a probe before every repetition, and one at each end
    assert len(doc["machine"]["speed_probe_ms"]) == len(TINY) + 2
    assert doc["machine"]["speed_spread"] >= 1.0
    left = {n for n in _netns_names() - before if n.startswith("rawns-b-")}
    assert not left, f"namespaces left behind: {left}"


def test_quick_run_of_the_pods_workloads_passes_its_checks(tmp_path: Path) -> None:
    """W7, W7V (every backend) and W7L, on 2 pods per node: the page's main table."""
    pytest.importorskip("pyroute2")
    before = _netns_names()
    out = tmp_path / "pods.json"
    argv = [sys.executable, str(RUN), "--quick", "--reps", "1", "--only", "W7,W7V,W7L"]
    argv += ["--backends", "batch,pyroute2,rawns", "--json", str(out), "--noisy", "-q"]
    argv += ["--size", "W7=2", "--size", "W7V=2", "--size", "W7L=2"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert p.returncode == 0, f"stdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}"
    doc = json.loads(out.read_text())
    assert doc["failures"] == []
    ran = {(s["workload"], s["backend"]) for s in doc["samples"] if "wall" in s}
    want = {(w, b) for w in ("W7", "W7V") for b in ("batch", "pyroute2", "rawns")}
    assert want | {("W7L", "rawns")} <= ran, f"not measured: {want - ran}"
    left = {n for n in _netns_names() - before if n.startswith("rawns-b-")}
    assert not left, f"namespaces left behind: {left}"


SCRIPTS = {
    "--w8": ["--pods", "2", "--reps", "1", "--style", "resident", "--resident-shim", "both"],
    "--w9": ["--n", "10", "--reps", "1"],
    "--w10": ["--reps", "1", "--routes", "20", "--dump", "20", "--lookups", "20"],
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_scripts_beside_the_main_run_pass_their_checks(script: str, tmp_path: Path) -> None:
    """W8 (CNI: the reference plugins and rawns'), W9 (tc) and W10 (asyncio) on tiny sizes:
    each runs every backend, checks its end states (a failed check exits non-zero) and
    records the load and the commit that publish.py requires."""
    pytest.importorskip("pyroute2")
    if script == "--w8" and not Path("/usr/lib/cni/bridge").exists():
        pytest.skip("W8 needs Debian's containernetworking-plugins (the README installs them)")
    before = _netns_names()
    out = tmp_path / "extra.json"
    argv = [sys.executable, str(RUN), script, *SCRIPTS[script], "--noisy", "--json", str(out)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert p.returncode == 0, f"stdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}"
    doc = json.loads(out.read_text())
    assert doc["noisy"] in (True, False) and "foreign" in doc["load"]
    assert doc["rawns_commit"] and len(doc["speed_probe_ms"]) == 2
    left = {n for n in _netns_names() - before if n.startswith("rawns-b-")}
    assert not left, f"namespaces left behind: {left}"
