"""The page's tables for the workloads that run on their own (``run.py --w8/--w9/--w10``).

``publish.py RUN --extra w8=W8.json --extra w9=W9.json --extra w10=W10.json`` stores each
JSON under the run's ``extra`` key (so the published JSON holds everything the page
quotes) and this module writes the ``<!-- extra -->`` block from it. Each is run right
after the main run, on the same commit and machine; their own noise marks are shown.
"""

from __future__ import annotations

from typing import Any

X = "\u00d7"


def _ms(v: float) -> str:
    return f"{v:.1f} ms"


def _s(v: float) -> str:
    return f"{v * 1000:.1f} ms" if v < 1 else f"{v:.3f} s"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def w8(d: dict[str, Any]) -> list[str]:
    chains = [("ref", "reference plugins (Go; iptables-nft)")]
    chains.append(("rawns", f"rawns plugins, exec'd ({d.get('rawns_plugins', 'launcher')})"))
    if "rawns-resident" in d:
        chains[-1] = ("rawns", "rawns plugins, exec'd (`#!python -IS` launchers)")
        # resident_shim: "c" (csrc/cni_shim.c) since W8 records it; before, the Python shims
        c_shim = d.get("resident_shim", "python") != "python"
        shims = "compiled (C) shims" if c_shim else "`-IS` shims"
        chains.append(("rawns-resident", f"rawns, resident daemon + {shims}"))
    n = d["pods"]
    out = [
        f"### W8: CNI chain (bridge + portmap) per pod, {n} pods, {d['reps']} repetition(s)"
        + (" (marked noisy)" if d.get("noisy") else ""),
        "",
        "| chain | ADD median (p95) | ADD CPU | DEL median (p95) | DEL CPU "
        f"| {n} ADDs back to back |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in chains:
        c = d[key]
        out.append(
            f"| {label} | {_ms(c['add_median_ms'])} ({_ms(c['add_p95_ms'])}) "
            f"| {_ms(c['add_cpu_median_ms'])} | {_ms(c['del_median_ms'])} "
            f"({_ms(c['del_p95_ms'])}) | {_ms(c['del_cpu_median_ms'])} "
            f"| {c[f'add_{n}_pods_s']:.2f} s |"
        )
    out += ["", "| bar (issue 16) | measured | verdict |", "|---|---|---|"]
    rows = [("exec'd", "add_ratio", "del_ratio")]
    if "resident_add_ratio" in d:
        rows.append(("resident", "resident_add_ratio", "resident_del_ratio"))
    for style, a, b in rows:
        out.append(
            f"| ADD ÷ reference ≤ 0.6{X} ({style}) | {d[a]:.2f}{X} | {_verdict(d[a] <= 0.6)} |"
        )
        out.append(
            f"| DEL ÷ reference ≤ 0.25{X} ({style}) | {d[b]:.2f}{X} | {_verdict(d[b] <= 0.25)} |"
        )
    imports = ", ".join(f"`{k}` {v:.1f} ms" for k, v in sorted(d.get("import_ms", {}).items()))
    if imports:
        out += ["", f"Each plugin module's own import (`-X importtime`, cumulative): {imports}."]
    return out


def w9(d: dict[str, Any]) -> list[str]:
    n = d["n"]
    out = [
        f"### W9: traffic control, {n:,} htb classes + {n:,} u32 filters, {d['reps']} repetitions"
        + (" (marked noisy)" if d.get("noisy") else ""),
        "",
        "| backend | add (median) | dump (median) |",
        "|---|---|---|",
    ]
    names = {
        "tc": "`tc -batch` / `tc -j` + `json.loads`",
        "pyroute2": "pyroute2 0.9.7",
        "rawns": "rawns (`tc.tclass.add_many` / `tc.filter.add_many`, dumps)",
        "rawns-1by1": "rawns, one `add` call per object",
    }
    for b, label in names.items():
        if b in d:
            out.append(f"| {label} | {_s(d[b]['add'])} | {_s(d[b]['dump'])} |")
    out += ["", "| bar (issue 15) | measured | verdict |", "|---|---|---|"]
    if "add_vs_tc_batch" in d:
        r = d["add_vs_tc_batch"]
        out.append(f"| add ≤ 1.0{X} `tc -batch` | {r:.2f}{X} | {_verdict(r <= 1.0)} |")
        r = d["dump_vs_tc_json"]
        out.append(f"| dump ≤ 0.5{X} `tc -j` + `json.loads` | {r:.2f}{X} | {_verdict(r <= 0.5)} |")
    if "pyroute2_add_over_rawns" in d:
        for k in ("add", "dump"):
            r = d[f"pyroute2_{k}_over_rawns"]
            out.append(f"| pyroute2 ÷ rawns ≥ 10{X} ({k}) | {r:.1f}{X} | {_verdict(r >= 10)} |")
    return out


def w10(d: dict[str, Any]) -> list[str]:
    sz = d["sizes"]
    out = [
        f"### W10: asyncio (`rawns.aio`), {sz['reps']} repetitions"
        + (" (marked noisy)" if d.get("noisy") else ""),
        "",
        "| part | best | median | CPU (best) |",
        "|---|---|---|---|",
    ]
    for k, t in d["times"].items():
        cpu = d.get("cpu", {}).get(k, {}).get("min")
        out.append(
            f"| {k} | {_s(t['min'])} | {_s(t['median'])} | {_s(cpu) if cpu is not None else ''} |"
        )
    r = d["ratios"]
    out += ["", "| bar (issue 17) | measured | verdict |", "|---|---|---|"]
    out.append(
        f"| W3 through aio ≤ 1.1{X} sync ({sz['routes']:,} routes) | {r['W3 aio/sync']:.2f}{X} "
        f"| {_verdict(r['W3 aio/sync'] <= 1.1)} |"
    )
    out.append(
        f"| W4 through aio ≤ 1.1{X} sync ({sz['dump']:,} routes) | {r['W4 aio/sync']:.2f}{X} "
        f"| {_verdict(r['W4 aio/sync'] <= 1.1)} |"
    )
    g = r["get pyroute2/aio (x faster)"]
    out.append(
        f"| {sz['lookups']:,} concurrent `route.get`: pyroute2 `AsyncIPRoute` ÷ aio ≥ 10{X} "
        f"| {g:.1f}{X} | {_verdict(g >= 10)} |"
    )
    return out


RENDER = {"w8": w8, "w9": w9, "w10": w10}


def markdown(extra: dict[str, Any]) -> str:
    """The block's text: one section per stored workload, in W8, W9, W10 order."""
    parts: list[str] = []
    for key in ("w8", "w9", "w10"):
        if key in extra:
            parts.append("\n".join(RENDER[key](extra[key])))
    if not parts:
        return "Not measured in the published run."
    return "\n\n".join(parts)
