"""The benchmark harness runs end to end on tiny sizes, and every end-state check passes.

No timing is asserted: this only proves that benchmarks/run.py works (namespaces made and
removed, workers measured, ip/nft oracles agree with what rawns and `ip -batch`/`nft -f` did).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
TINY = ["W1=3", "W2=2", "W3=20", "W4=50", "W5=6", "W6=3"]


def _netns_names() -> set[str]:
    try:
        return set(os.listdir("/run/netns"))
    except FileNotFoundError:
        return set()


def test_quick_run_of_rawns_and_batch_passes_its_checks(tmp_path: Path) -> None:
    before = _netns_names()
    out, chart = tmp_path / "bench.json", tmp_path / "bench.svg"
    argv = [sys.executable, str(RUN), "--quick", "--reps", "1", "--startup-reps", "1"]
    argv += ["--backends", "batch,rawns", "--json", str(out), "--chart", str(chart), "-q"]
    for s in TINY:
        argv += ["--size", s]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert p.returncode == 0, f"stdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}"

    doc = json.loads(out.read_text())
    assert doc["failures"] == []
    ran = {(s["workload"], s["backend"]) for s in doc["samples"] if "wall" in s}
    missing = [
        (w, b) for w in ("W1", "W2", "W3", "W4", "W5", "W6") for b in ("batch", "rawns")
        if (w, b) not in ran
    ]  # fmt: skip
    unavailable = {
        (s["workload"], s["backend"]): s["unavailable"]
        for s in doc["samples"]
        if "unavailable" in s
    }
    assert not missing, f"not measured: {missing}; unavailable: {unavailable}"
    assert ("startup", "rawns") in ran
    assert chart.read_text().startswith("<svg")
    assert "| W1:" in p.stdout  # the markdown table was printed
    left = {n for n in _netns_names() - before if n.startswith("rawns-b-")}
    assert not left, f"namespaces left behind: {left}"
