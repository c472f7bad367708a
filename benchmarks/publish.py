#!/usr/bin/env python3
"""Write docs/benchmarks.md's figures from one recorded run, so that no number is hand-typed.

    python3 benchmarks/run.py --json benchmarks/published.json      # a quiet machine
    python3 benchmarks/publish.py benchmarks/published.json         # rewrite the page
    python3 benchmarks/publish.py benchmarks/published.json --check # is the page in step?

Two kinds of marks in the page are rewritten, everything else is left alone:

``<!-- results -->`` ... ``<!-- /results -->``
    the result tables and the bars with their verdicts (benchmarks/_report.py's markdown);
``<!-- extra -->`` ... ``<!-- /extra -->``
    the workloads run on their own (W8, W9, W10: ``--extra w8=PATH`` stores their JSON in
    the run's, benchmarks/_extra_report.py writes the tables);
``<!-- fig PATH -->`` VALUE ``<!-- /fig -->``
    one figure quoted in the text. PATH is ``WORKLOAD.BACKEND.STAT`` (STAT: ``vs_anchor``,
    ``vs_floor``, ``cpu_vs_anchor``, ``pyroute2_over``, ``wall``, ``cpu``, ``sys``,
    ``rss_mib``, ``floor``; ``startup.CASE.adds_over_python``) or ``machine.KEY``
    (``rawns_commit``, ``loadavg_start``, ``foreign_load``...).

A run the harness marked noisy (load over the bar) is refused unless ``--noisy``; so
are stored W8-W10 results that are noisy or measured another commit than the run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "benchmarks.md"
RESULTS = re.compile(r"(<!-- results -->\n).*?(\n<!-- /results -->)", re.S)
EXTRA = re.compile(r"(<!-- extra -->\n).*?(\n<!-- /extra -->)", re.S)
FIG = re.compile(r"(<!-- fig ([\w.\-]+) -->)(.*?)(<!-- /fig -->)", re.S)
X = "\u00d7"


def figure(doc: dict[str, Any], path: str) -> str:
    """One figure of the run, formatted as the page quotes it."""
    parts = path.split(".")
    if parts[0] == "machine":
        return str(doc["machine"][parts[1]])
    if len(parts) != 3:
        raise KeyError(f"figure {path!r}: expected WORKLOAD.BACKEND.STAT or machine.KEY")
    wk, backend, stat = parts
    try:
        st = doc["summary"][wk][backend][stat]
    except KeyError:
        raise KeyError(f"figure {path!r}: the run has no {wk}/{backend}/{stat}") from None
    if not st:
        raise KeyError(f"figure {path!r}: not measured in this run")
    v = st["median"]
    if stat in ("wall", "cpu", "sys", "floor"):
        return f"{v:.3f} s"
    if stat == "rss_mib":
        return f"{v:.0f} MiB"
    if stat == "adds_over_python":
        return f"{v * 1000:.1f} ms"
    return f"{v:.2f}{X}"


def render(page: str, doc: dict[str, Any]) -> str:
    import _report

    if not RESULTS.search(page):
        raise ValueError("the page has no <!-- results --> ... <!-- /results --> block")
    tables = _report.markdown(doc)
    page = RESULTS.sub(lambda m: m.group(1) + tables + m.group(2), page)
    if EXTRA.search(page):
        import _extra_report

        block = _extra_report.markdown(doc.get("extra", {}))
        page = EXTRA.sub(lambda m: m.group(1) + block + m.group(2), page)
    return FIG.sub(lambda m: m.group(1) + figure(doc, m.group(2)) + m.group(4), page)


def load_run(path: Path) -> dict[str, Any]:
    """A run's JSON, with run.py's workloads registered (the report reads their titles)."""
    import run  # noqa: F401  (registers the variant, dump and pods workloads and their bars)

    return dict(json.loads(path.read_text()))


def _extras_refused(doc: dict[str, Any]) -> str:
    """Why the scripts' results stored beside the run may not be published, or ''.

    Each must be quiet and measure the main run's commit: the page names one
    commit for everything on it.
    """
    main = doc["machine"].get("rawns_commit")
    for key, d in sorted(doc.get("extra", {}).items()):
        if d.get("noisy"):
            return f"{key} is marked noisy (load {d.get('load')})"
        if d.get("rawns_commit") != main:
            return f"{key} measured commit {d.get('rawns_commit')}, the main run {main}"
    return ""


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description="docs/benchmarks.md's figures from a run's JSON")
    p.add_argument("run", type=Path, help="the JSON of benchmarks/run.py --json")
    p.add_argument("--page", type=Path, default=PAGE)
    p.add_argument("--check", action="store_true", help="exit 1 if the page is not in step")
    p.add_argument("--noisy", action="store_true", help="accept a run marked noisy")
    p.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="wN=PATH",
        help="store the JSON of run.py --w8/--w9/--w10 (run right after) in the run's JSON "
        "under 'extra', for the page's <!-- extra --> block",
    )
    args = p.parse_args(argv)
    doc = load_run(args.run)
    if args.extra:
        stored = doc.setdefault("extra", {})
        for item in args.extra:
            key, _, path = item.partition("=")
            if key not in ("w8", "w9", "w10") or not path:
                p.error(f"--extra {item!r}: expected w8=PATH, w9=PATH or w10=PATH")
            stored[key] = json.loads(Path(path).read_text())
        args.run.write_text(json.dumps(doc, indent=1) + "\n")
    if not args.noisy and (refused := _extras_refused(doc)):
        print(f"{args.run}: not publishing it: {refused} (--noisy to force)", file=sys.stderr)
        return 3
    if doc.get("noisy") and not args.noisy:
        print(
            f"{args.run}: the run is marked noisy (other work's load "
            f"{doc['machine'].get('foreign_load')}); not publishing it (--noisy to force)",
            file=sys.stderr,
        )
        return 3
    old = args.page.read_text()
    new = render(old, doc)
    if args.check:
        if new != old:
            print(f"{args.page} is not in step with {args.run}: run publish.py", file=sys.stderr)
            return 1
        return 0
    args.page.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
