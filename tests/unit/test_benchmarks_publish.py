"""benchmarks/publish.py writes the page's figures from a run's JSON (issue 18): no hand typing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import publish


def _doc(noisy: bool = False) -> dict[str, Any]:
    import run  # noqa: F401  (registers the variant workloads whose titles the tables use)

    ratio = {"median": 0.42, "min": 0.4, "max": 0.5, "n": 3}
    wall = {"median": 0.5, "min": 0.4, "max": 0.6, "n": 3}
    entry = {"wall": wall, "cpu": wall, "rss_mib": wall, "errors": [], "unavailable": None,
             "vs_anchor": ratio, "vs_floor": ratio}  # fmt: skip
    machine = {"cpus": 2, "kernel": "6.18", "python": "3.11", "iproute2": "ip", "nft": "nft",
               "pyroute2": "0.9.7", "rawns_commit": "abc123", "loadavg_start": "0.1 0.1 0.1",
               "foreign_load": 0.05}  # fmt: skip
    return {"machine": machine, "reps": 3, "sizes": {"W1": 10}, "failures": [],
            "summary": {"W1": {"rawns": entry, "batch": entry}}, "samples": [],
            "noisy": noisy, "quiet_load": 0.3}  # fmt: skip


def test_figures_and_tables_come_from_the_run() -> None:
    page = (
        "intro <!-- fig W1.rawns.vs_anchor -->old<!-- /fig --> and "
        "<!-- fig machine.rawns_commit -->x<!-- /fig -->\n"
        "<!-- results -->\nold\n<!-- /results -->\n"
    )
    out = publish.render(page, _doc())
    assert "<!-- fig W1.rawns.vs_anchor -->0.42\u00d7<!-- /fig -->" in out
    assert "<!-- fig machine.rawns_commit -->abc123<!-- /fig -->" in out
    assert "| W1 (seed): 10 pairs" in out and "\nold\n" not in out
    assert publish.render(out, _doc()) == out  # idempotent: --check passes after a write


def test_a_figure_the_run_lacks_is_an_error() -> None:
    page = "<!-- fig W9.rawns.vs_anchor -->x<!-- /fig -->\n<!-- results -->\n\n<!-- /results -->"
    with pytest.raises(KeyError, match="W9"):
        publish.render(page, _doc())


def test_the_published_page_has_a_results_block() -> None:
    page = (Path(publish.__file__).resolve().parents[1] / "docs" / "benchmarks.md").read_text()
    assert publish.RESULTS.search(page)
    assert publish.FIG.findall(page)


def _extra() -> dict[str, Any]:
    chain = {"add_median_ms": 30.0, "add_p95_ms": 40.0, "add_cpu_median_ms": 20.0,
             "del_median_ms": 50.0, "del_p95_ms": 60.0, "del_cpu_median_ms": 25.0,
             "add_5_pods_s": 0.2}  # fmt: skip
    w8 = {"pods": 5, "reps": 1, "rawns_plugins": "resident", "ref": chain, "rawns": chain,
          "rawns-resident": chain, "add_ratio": 1.0, "del_ratio": 1.0,
          "resident_add_ratio": 0.5, "resident_del_ratio": 0.3,
          "import_ms": {"rawns-bridge": 3.0}}  # fmt: skip
    w9 = {"n": 10, "reps": 1, "tc": {"add": 0.01, "dump": 0.02},
          "rawns": {"add": 0.009, "dump": 0.008}, "add_vs_tc_batch": 0.9,
          "dump_vs_tc_json": 0.4}  # fmt: skip
    t = {"min": 0.1, "median": 0.2}
    w10 = {"sizes": {"reps": 1, "routes": 10, "dump": 10, "lookups": 10},
           "times": {"W3 sync": t, "W3 aio": t}, "cpu": {"W3 sync": t},
           "ratios": {"W3 aio/sync": 1.0, "W4 aio/sync": 1.2,
                      "get pyroute2/aio (x faster)": 12.0}, "noisy": False}  # fmt: skip
    return {"w8": w8, "w9": w9, "w10": w10}


def test_the_extra_block_comes_from_the_stored_runs() -> None:
    page = "<!-- results -->\nold\n<!-- /results -->\n<!-- extra -->\nold\n<!-- /extra -->\n"
    doc = _doc() | {"extra": _extra()}
    out = publish.render(page, doc)
    assert "### W8: CNI chain" in out and "### W9: traffic control" in out and "### W10" in out
    assert "| ADD ÷ reference ≤ 0.6\u00d7 (resident) | 0.50\u00d7 | met |" in out
    assert "| DEL ÷ reference ≤ 0.25\u00d7 (resident) | 0.30\u00d7 | **missed** |" in out
    assert "| W4 through aio ≤ 1.1\u00d7 sync (10 routes) | 1.20\u00d7 | **missed** |" in out
    assert publish.render(out, doc) == out
    bare = publish.render(page, _doc())
    assert "Not measured in the published run." in bare


def test_extras_must_be_quiet_and_of_the_main_runs_commit() -> None:
    """W8-W10 are scripts of their own: the page names one commit, measured quietly."""
    same = {k: v | {"rawns_commit": "abc123", "noisy": False} for k, v in _extra().items()}
    assert publish._extras_refused(_doc() | {"extra": same}) == ""
    assert publish._extras_refused(_doc()) == ""  # no extras stored: nothing to refuse
    noisy = same | {"w9": same["w9"] | {"noisy": True, "load": {"start": 0.9}}}
    assert "w9 is marked noisy" in publish._extras_refused(_doc() | {"extra": noisy})
    other = same | {"w8": same["w8"] | {"rawns_commit": "def456"}}
    assert "w8 measured commit def456, the main run abc123" in publish._extras_refused(
        _doc() | {"extra": other}
    )
    unrecorded = same | {"w10": {k: v for k, v in same["w10"].items() if k != "rawns_commit"}}
    assert "w10 measured commit None" in publish._extras_refused(_doc() | {"extra": unrecorded})
