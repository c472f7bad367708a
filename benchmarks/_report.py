"""Summaries, the markdown tables and the SVG chart of benchmarks/run.py.

Ratios are always taken pair by pair: within one repetition, backend time divided by the
anchor's time in that same repetition; the median (and min-max) of those per-repetition ratios
is reported. Absolute times from different runs are never compared.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from html import escape
from typing import Any

from _startup import LABELS as STARTUP_WHAT
from _workloads import WORKLOADS, hybrid, in_children

ANCHOR = "batch"
FLOOR = "floor"
ORDER = ["cmd", "batch", "pyroute2", "rawns", "floor"]
STARTUP_ORDER = ["python", "ip", "pyroute2", "rawns", "rawns-nft", "rawns-use", "rawns-first-use"]
X = "\u00d7"  # the multiplication sign of "0.42x", kept out of the source for linters
DASH = "\u2013"  # the en dash of "min-max" ranges

#: The issue's "Must show": (workload, what, threshold).
#: what: "anchor" = rawns / anchor <= t; "cpu" = rawns CPU / anchor CPU <= t;
#: "floor" = rawns / the workload's floor <= t; "pyroute2" = pyroute2 / rawns >= t;
#: "rss" = rawns RSS / anchor RSS <= t; "startup" = rawns import adds <= t seconds;
#: "startup:<case>" = that start-up case of _startup.py adds <= t seconds (issue 13).
#: Issue 18's bars for W1-W6 come from _variants.BARS and _dumps.BARS (run.py adds them).
BARS: list[tuple[str, str, float]] = [
    ("W4", "rss", 1.0),
    ("S", "startup", 0.030),
    ("S", "startup:rawns-use", 0.025),
    ("S", "startup:rawns-nft", 0.008),
]


def _stats(xs: list[float]) -> dict[str, float] | None:
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def _paired(
    by_rep: dict[int, dict[str, dict[str, Any]]], num: str, den: str, key: str = "wall"
) -> dict[str, float] | None:
    xs = []
    for cells in by_rep.values():
        a, b = cells.get(num), cells.get(den)
        if a and b and key in a and key in b and b[key] > 0:
            xs.append(a[key] / b[key])
    return _stats(xs)


def _floor_of(wk: str, cells: dict[str, dict[str, Any]]) -> float | None:
    """The floor of one repetition: the floor backend's wall time (dumps), or the kernel's
    system time during the anchor's run (builds)."""
    w = WORKLOADS.get(wk)
    if w is None or not w.floor:
        return None
    src = (
        cells.get(FLOOR, {}).get("wall") if w.floor == "dump" else cells.get(ANCHOR, {}).get("sys")
    )
    return float(src) if src else None


def _vs_floor(wk: str, by_rep: dict[int, dict[str, dict[str, Any]]], b: str) -> Any:
    xs = []
    for cells in by_rep.values():
        f, mine = _floor_of(wk, cells), cells.get(b, {}).get("wall")
        if f and mine:
            xs.append(mine / f)
    return _stats(xs)


def summarize(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Per workload and backend: wall/cpu/rss stats and the paired ratios."""
    grouped: dict[str, dict[int, dict[str, dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for s in samples:
        grouped[s["workload"]][s["rep"]][s["backend"]] = s
    out: dict[str, Any] = {}
    for wk, by_rep in grouped.items():
        backends: dict[str, Any] = {}
        names = {b for cells in by_rep.values() for b in cells}
        for b in names:
            runs = [cells[b] for cells in by_rep.values() if b in cells]
            ok = [r for r in runs if "wall" in r]
            entry: dict[str, Any] = {
                "wall": _stats([r["wall"] for r in ok]),
                "cpu": _stats([r["cpu"] for r in ok]),
                "rss_mib": _stats([r["rss_kib"] / 1024 for r in ok]),
                "sys": _stats([r["sys"] for r in ok if r.get("sys") is not None]),
                "errors": [r["error"] for r in runs if "error" in r],
                "unavailable": next((r["unavailable"] for r in runs if "unavailable" in r), None),
            }
            if wk == "startup":
                entry["adds_over_python"] = _stats(
                    [
                        cells[b]["wall"] - cells["python"]["wall"]
                        for cells in by_rep.values()
                        if "wall" in cells.get(b, {}) and "wall" in cells.get("python", {})
                    ]
                )
            else:
                entry["vs_anchor"] = _paired(by_rep, b, ANCHOR)
                entry["vs_pyroute2"] = _paired(by_rep, b, "pyroute2")
                entry["rss_vs_anchor"] = _paired(by_rep, b, ANCHOR, "rss_kib")
                entry["cpu_vs_anchor"] = _paired(by_rep, b, ANCHOR, "cpu")
                entry["pyroute2_over"] = _paired(by_rep, "pyroute2", b)
                entry["vs_floor"] = _vs_floor(wk, by_rep, b)
                entry["floor"] = _stats(
                    [f for cells in by_rep.values() if (f := _floor_of(wk, cells)) is not None]
                )
            backends[b] = entry
        out[wk] = backends
    return out


def bars(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each "Must show" line with its measured value and verdict (None when not measured)."""
    rows = []
    for wk, what, t in BARS:
        key = "startup" if wk == "S" else wk
        case = what.partition(":")[2] or "rawns"
        what = what.partition(":")[0]
        r = summary.get(key, {}).get(case)
        val: float | None = None
        if r:
            st = {
                "anchor": r.get("vs_anchor"),
                "cpu": r.get("cpu_vs_anchor"),
                "floor": r.get("vs_floor"),
                "rss": r.get("rss_vs_anchor"),
                "pyroute2": r.get("pyroute2_over"),
                "startup": r.get("adds_over_python"),
            }[what]
            val = st["median"] if st else None
        if what == "anchor":
            text = f"{title(wk)}: rawns ÷ {label(wk, ANCHOR)} ≤ {t:g}{X}"
        elif what == "cpu":
            text = f"{title(wk)}: rawns CPU ÷ {label(wk, ANCHOR)}'s ≤ {t:g}{X}"
        elif what == "floor":
            text = f"{title(wk)}: rawns ÷ {floor_label(wk)} ≤ {t:g}{X}"
        elif what == "rss":
            text = f"{wk}: rawns peak RSS ÷ {label(wk, ANCHOR)}'s ≤ {t:g}{X}"
        elif what == "pyroute2":
            text = f"{title(wk)}: pyroute2 ÷ rawns ≥ {t:g}{X}"
        else:
            shown_case = STARTUP_WHAT.get(case, case)
            text = f"start-up: {shown_case} adds ≤ {t * 1000:g} ms"
        ok = None if val is None else (val >= t if what == "pyroute2" else val <= t)
        shown = "n/a" if val is None else (f"{val * 1000:.1f} ms" if wk == "S" else f"{val:.2f}{X}")
        rows.append({"workload": key, "bar": text, "value": val, "shown": shown, "ok": ok})
    return rows


def title(wk: str) -> str:
    """``W1 (seed)``, ``W1B (best)``: a workload key with its variant."""
    w = WORKLOADS.get(wk)
    return f"{wk} ({w.variant})" if w is not None and w.variant else wk


def floor_label(wk: str) -> str:
    w = WORKLOADS.get(wk)
    if w is not None and w.floor == "dump":
        return "the dump floor (receive only)"
    return f"the kernel's system time in {label(wk, ANCHOR)}"


def label(wk: str, backend: str) -> str:
    w = WORKLOADS.get(wk)
    nft = wk.startswith("W6")
    one = "ip -j + json.loads" if w is not None and w.readonly else "ip -batch"
    short = {
        "cmd": "nft per command" if nft else "ip per command",
        "batch": "nft -f" if nft else one,
        "pyroute2": "pyroute2",
        "rawns": "rawns",
        "floor": "floor",
    }  # fmt: skip
    return short.get(backend, backend)


def _fmt_s(st: dict[str, float] | None) -> str:
    if not st:
        return ""

    def f(x: float) -> str:
        return f"{x:.3f}" if x < 10 else f"{x:.1f}"

    return f"{f(st['median'])} s ({f(st['min'])}{DASH}{f(st['max'])})"


def _fmt_ratio(st: dict[str, float] | None) -> str:
    if not st:
        return ""
    return f"{st['median']:.2f}{X} ({st['min']:.2f}{DASH}{st['max']:.2f})"


def _cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return ""
    if entry["wall"]:
        return _fmt_s(entry["wall"])
    if entry["errors"]:
        return "FAILED"
    if entry["unavailable"]:
        return "n/a"
    return ""


def markdown(doc: dict[str, Any]) -> str:
    summary = doc["summary"]
    m = doc["machine"]
    sizes = doc["sizes"]
    noisy = doc.get("noisy")
    foreign = m.get("foreign_load")
    lines = [
        "## Results",
        "",
        *(
            [
                f"**Noisy run**: other work kept {foreign} CPUs busy on average (the bar for "
                f"publication is {doc.get('quiet_load')}); indicative figures only.",
                "",
            ]
            if noisy
            else []
        ),
        f"Machine: {m['cpus']} CPUs, Linux {m['kernel']}, Python {m['python']}, "
        f"{m['iproute2']}, {m['nft']}, pyroute2 {m['pyroute2']}, rawns {m['rawns_commit']}. "
        f"Load average {m['loadavg_start']} at start, {m.get('loadavg_end', '?')} at end"
        + ("" if foreign is None else f"; other work's load over the run {foreign}")
        + (
            ""
            if "speed_probe_ms" not in m
            else f"; speed probe (a fixed Python loop, before every repetition) "
            f"{min(m['speed_probe_ms'])}{DASH}{max(m['speed_probe_ms'])} ms"
        )
        + f". {doc['reps']} repetitions; median (min{DASH}max) wall time of the operation.",
        "",
        "| workload | ip / nft per command | ip -batch / nft -f / ip -j | pyroute2 0.9.7 | rawns "
        "| rawns ÷ anchor | rawns ÷ floor | pyroute2 ÷ rawns |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for wk, w in WORKLOADS.items():
        if wk not in summary:
            continue
        s = summary[wk]
        r = s.get("rawns") or {}
        n = sizes.get(wk, 0)
        if "N x" in w.title:
            head = f"{title(wk)}: " + w.title.replace("N x", f"{n:,} {X}")
        else:
            head = f"{title(wk)}: {n:,} {w.unit}: {w.title}"
        lines.append(
            f"| {head} | {_cell(s.get('cmd'))} | {_cell(s.get('batch'))} "
            f"| {_cell(s.get('pyroute2'))} | {_cell(s.get('rawns'))} "
            f"| {_fmt_ratio(r.get('vs_anchor'))} | {_fmt_ratio(r.get('vs_floor'))} "
            f"| {_fmt_ratio(r.get('pyroute2_over'))} |"
        )
    lines += [
        "",
        "CPU time (median, the worker process and the children it waited for) and peak RSS "
        "(median; ≤: a bound, see docs/benchmarks.md):",
        "",
    ]
    lines += [
        "| workload | backend | how | wall | CPU | system | peak RSS | wall ÷ anchor "
        "| CPU ÷ anchor | wall ÷ floor | wall ÷ pyroute2 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for wk, w in WORKLOADS.items():
        for b in ORDER:
            e = summary.get(wk, {}).get(b)
            if not e:
                continue
            rss = e["rss_mib"]
            cpu = e["cpu"]
            note = (
                e["unavailable"] if e["unavailable"] and not e["wall"] else _cell(e)
            ) or "; ".join(x[:120] for x in e["errors"][:1])
            cpu_s = f"{cpu['median']:.3f} s" if cpu else ""
            sys_s = f"{e['sys']['median']:.3f} s" if e.get("sys") else ""
            # A child's ru_maxrss includes its launcher's pages before exec (fs/exec.c:
            # exec_mmap folds the old mm's high-water mark in): for ip/nft, an upper bound.
            bound = "≤ " if in_children(w, b) and not hybrid(w, b) else ""
            rss_s = f"{bound}{rss['median']:.0f} MiB" if rss else ""
            how = w.labels.get(b, b) if b != FLOOR else "receive the dump, decode nothing"
            lines.append(
                f"| {title(wk)} | {b} | {how} | {note} | {cpu_s} | {sys_s} | {rss_s} "
                f"| {_fmt_ratio(e.get('vs_anchor'))} | {_fmt_ratio(e.get('cpu_vs_anchor'))} "
                f"| {_fmt_ratio(e.get('vs_floor'))} | {_fmt_ratio(e.get('vs_pyroute2'))} |"
            )
    st = summary.get("startup")
    if st:
        lines += ["", "Start-up (a fresh interpreter each time):", ""]
        lines += [
            "| what | wall | adds over bare `python -c pass` | CPU | peak RSS |",
            "|---|---|---|---|---|",
        ]
        what = STARTUP_WHAT
        for b in STARTUP_ORDER:
            e = st.get(b)
            if not e or not e["wall"]:
                continue
            add = e.get("adds_over_python")
            add_s = "" if b == "python" or not add else f"{add['median'] * 1000:.1f} ms"
            lines.append(
                f"| {what[b]} | {_fmt_s(e['wall'])} | {add_s} "
                f"| {e['cpu']['median']:.3f} s | {e['rss_mib']['median']:.0f} MiB |"
            )
    it = doc.get("importtime")
    if st and it:
        lines += [
            "",
            f"Where {STARTUP_WHAT[it['case']]} spends its time: `-X importtime`'s top ten "
            f"modules by self time, each module's least over {it['runs']} fresh interpreters "
            "of the same venv:",
            "",
            "| module | self | cumulative |",
            "|---|---|---|",
        ]
        for self_us, cum_us, name in it["rows"]:
            lines.append(f"| `{name}` | {self_us / 1000:.2f} ms | {cum_us / 1000:.2f} ms |")
    lines += ["", "The issue's bars (rawns, medians of per-repetition ratios):", ""]
    lines += ["| bar | measured | verdict |", "|---|---|---|"]
    for row in bars(summary):
        if row["value"] is None and row["workload"] not in summary:
            continue
        verdict = {True: "met", False: "**missed**", None: "not measured"}[row["ok"]]
        lines.append(f"| {row['bar']} | {row['shown']} | {verdict} |")
    if doc["failures"]:
        lines += ["", f"**{len(doc['failures'])} run(s) failed** (see stderr / the JSON)."]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# the chart: one row of bars per workload, time relative to the anchor, log scale

COLORS = {"cmd": "#8c8c8c", "pyroute2": "#e69f00", "rawns": "#0072b2", "batch": "#222222"}


def svg_chart(doc: dict[str, Any]) -> str:
    summary = doc["summary"]
    rows: list[tuple[str, str, float, str]] = []  # (workload label, backend, ratio, time)
    groups: list[tuple[str, int]] = []
    for wk, _w in WORKLOADS.items():
        s = summary.get(wk)
        if not s or not (s.get(ANCHOR) or {}).get("wall"):
            continue
        n0 = len(rows)
        for b in ["cmd", "pyroute2", "rawns"]:
            e = s.get(b)
            if e and e.get("vs_anchor"):
                rows.append((wk, b, e["vs_anchor"]["median"], _fmt_s(e["wall"]).split(" (")[0]))
        if len(rows) > n0:
            anchor_t = _fmt_s(s[ANCHOR]["wall"]).split(" (")[0]
            groups.append((f"{wk} vs {label(wk, ANCHOR)} ({anchor_t})", len(rows) - n0))
    if not rows:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40">'
            '<text x="10" y="25">no data</text></svg>\n'
        )
    lo = min(0.1, min(r[2] for r in rows) / 1.5)
    hi = max(10.0, max(r[2] for r in rows) * 1.5)
    lo = 10 ** math.floor(math.log10(lo))
    hi = 10 ** math.ceil(math.log10(hi))
    left, plot_w, bar_h, gap, top = 250, 520, 16, 4, 70
    width = left + plot_w + 120

    def x(r: float) -> float:
        return left + plot_w * (math.log10(r) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    height = top + sum(n * (bar_h + gap) + 26 for _, n in groups) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        '<text x="10" y="20" font-size="15" font-weight="bold">'
        "Time relative to the one-process tool (ip -batch / nft -f / ip -j), log scale</text>",
        f'<text x="10" y="38" fill="#555">Left of the 1{X} line is faster. Median of '
        f"per-repetition ratios, {doc['reps']} repetitions; {doc['machine']['cpus']} CPUs, "
        f"Linux {escape(doc['machine']['kernel'])}, load {escape(doc['machine']['loadavg_start'])}"
        "</text>",
    ]
    # legend
    lx = left
    for b, name in (("cmd", "ip / nft per command"), ("pyroute2", "pyroute2"), ("rawns", "rawns")):
        out.append(f'<rect x="{lx}" y="48" width="12" height="12" fill="{COLORS[b]}"/>')
        out.append(f'<text x="{lx + 16}" y="58">{name}</text>')
        lx += 30 + 7 * len(name)
    # grid
    y_end = height - 30
    d = lo
    while d <= hi * 1.001:
        gx = x(d)
        stroke = "#222" if abs(d - 1) < 1e-9 else "#ddd"
        out.append(
            f'<line x1="{gx:.1f}" y1="{top - 6}" x2="{gx:.1f}" y2="{y_end}" stroke="{stroke}"/>'
        )
        out.append(f'<text x="{gx:.1f}" y="{y_end + 14}" text-anchor="middle">{d:g}{X}</text>')
        d *= 10
    y = top
    i = 0
    for title, n in groups:
        out.append(f'<text x="10" y="{y + 12}" font-weight="bold">{escape(title)}</text>')
        y += 18
        for _ in range(n):
            wk_, b, r, t = rows[i]
            i += 1
            x0, x1 = sorted((x(1.0), x(r)))
            out.append(
                f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" '
                f'fill="{COLORS[b]}"/>'
            )
            name = escape(label(wk_, b))
            out.append(f'<text x="{left - 8}" y="{y + 12}" text-anchor="end">{name}</text>')
            tx = x(max(r, 1.0)) + 4
            out.append(f'<text x="{tx:.1f}" y="{y + 12}">{r:.2f}{X} ({escape(t)})</text>')
            y += bar_h + gap
        y += 8
    out.append("</svg>")
    return "\n".join(out) + "\n"
