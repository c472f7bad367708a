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
