#!/usr/bin/env python3
"""Start-up cost of rawns: fresh interpreters, relative to a bare ``python -c pass`` (issue 13).

Each case runs in a fresh interpreter, cases interleaved and rotated within a
repetition; what a case *adds* is its wall time minus the bare interpreter's in
the same repetition, and the median of those differences is reported. By default
the interpreter is a fresh venv (no packages, no ``.pth`` hooks but one path line
to this checkout and one to cffi's backend), so what is measured is rawns, not
whatever the development venv's site-packages import at start-up.

    python3 benchmarks/_startup.py                 # 20 runs per case, fresh venv
    python3 benchmarks/_startup.py --reps 5 --venv-python .venv/bin/python
    python3 benchmarks/_startup.py --importtime 10 # also the -X importtime top ten

``benchmarks/run.py`` uses :func:`samples` for its start-up table "S". No root needed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import venv
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

#: What each case runs: ``python -c CODE``.
CASES: dict[str, str] = {
    "python": "pass",
    "ip": "import subprocess; subprocess.run(['ip', '-V'], stdout=subprocess.DEVNULL, check=True)",
    "pyroute2": "from pyroute2 import IPRoute",
    "rawns": "import rawns",
    "rawns-nft": "import rawns.nft",
    # `import rawns` is lazy (PEP 562): this is what a program that does W1-W6 loads.
    "rawns-use": "from rawns import Handle, addr, compose, link, neigh, netns, nft, route, rule, "
    "sysctl",
    # ... and its first real use, so that cost moved from import to first use shows up.
    "rawns-first-use": "from rawns import Handle, addr, compose, link, neigh, netns, nft, route, "
    "rule, sysctl; "
    "tx = nft.Transaction(); tb = tx.add_table(family='ip', name='nat'); "
    "c = tx.add_chain(tb, name='post', type='nat', hook='postrouting', priority=100); "
    "tx.add_rule(c, nft.masquerade(source='192.168.15.0/24', not_oif='v-net-0')); "
    "tx.build(); link.build_add(link.Veth(name='a', peer='b')); "
    "route.build_add(route.Route(dst='10.0.0.0/8', gateway='192.168.15.5'))",
}
LABELS: dict[str, str] = {
    "python": "`python -c pass`",
    "ip": "python + one `ip -V`",
    "pyroute2": "`python -c 'from pyroute2 import IPRoute'`",
    "rawns": "`python -c 'import rawns'`",
    "rawns-nft": "`python -c 'import rawns.nft'`",
    "rawns-use": "`python -c 'from rawns import Handle, addr, compose, link, neigh, netns, nft, "
    "route, rule, sysctl'`",
    "rawns-first-use": "the same, then one nft transaction, a veth and a route built",
}
#: The issue's bars: what a case may add over `python -c pass`, in seconds.
BARS: dict[str, float] = {"rawns-use": 0.025, "rawns-nft": 0.008}


def fresh_venv(where: Path, checkout: Path = REPO) -> str:
    """A venv without pip or packages: a ``.pth`` names this checkout and a directory of links.

    The extension ``rawns._native`` needs only ``_cffi_backend`` at run time; it, and
    pyroute2 for its start-up row if this interpreter has it, are linked into a directory
    of their own, so nothing else of the calling venv is on the path.
    """
    venv.EnvBuilder(with_pip=False, symlinks=True).create(where)
    python = where / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    links = where / "linked"
    links.mkdir()
    for name in ("_cffi_backend", "pyroute2"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            src = Path(spec.origin)
            src = src.parent if src.name == "__init__.py" else src
            (links / src.name).symlink_to(src)
    (site / "rawns-checkout.pth").write_text(f"{checkout}\n{links}\n")
    return str(python)


def bytecode_env(cache: Path) -> dict[str, str]:
    """The environment of every measured run: bytecode cached (under ``cache``), as installed.

    A development shell may set ``PYTHONDONTWRITEBYTECODE``; every import would then
    compile its source, which no installed program does. The cache sits outside the
    checkout, so the measurement leaves no ``__pycache__`` behind.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    # `python -c` would put the current directory first on sys.path: run from a checkout,
    # that checkout's rawns would be measured whatever --checkout says (3.11+: -P).
    env["PYTHONSAFEPATH"] = "1"
    return env


def _direct(python: str, code: str, env: dict[str, str]) -> tuple[float, float, float, int]:
    """(wall, cpu, maxrss KiB, exit) of one ``python -c code``, spawned from this process."""
    import time

    t0 = time.perf_counter()
    pid = os.posix_spawn(
        python, [python, "-c", code], env,
        file_actions=[
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ],
    )  # fmt: skip
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return wall, ru.ru_utime + ru.ru_stime, float(ru.ru_maxrss), os.waitstatus_to_exitcode(status)


def _launched(
    launcher: str, python: str, code: str, env: dict[str, str]
) -> tuple[float, float, float, int]:
    """The same through run.py's small launcher (so peak RSS is the child's own)."""
    p = subprocess.run(
        [sys.executable, "-S", "-I", "-c", launcher, "measure", python, "-c", code],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    try:
        wall, cpu, rss, code_ = (float(x) for x in p.stdout.split())
    except ValueError:
        return 0.0, 0.0, 0.0, -1
    return wall, cpu, rss, int(code_)


def samples(
    python: str, names: list[str], reps: int, env: dict[str, str], launcher: str | None = None
) -> list[dict[str, Any]]:
    """One sample per case and repetition, in run.py's format (workload "startup").

    Each case runs once first, untimed, to fill the bytecode cache.
    """
    for b in names:
        subprocess.run([python, "-c", CASES[b]], capture_output=True, check=False, env=env)
    out: list[dict[str, Any]] = []
    for rep in range(reps):
        k = rep % len(names)
        for b in names[k:] + names[:k]:
            sample: dict[str, Any] = {"workload": "startup", "backend": b, "rep": rep}
            if launcher is None:
                wall, cpu, rss, code = _direct(python, CASES[b], env)
            else:
                wall, cpu, rss, code = _launched(launcher, python, CASES[b], env)
            if code != 0:
                err = subprocess.run(
                    [python, "-c", CASES[b]], capture_output=True, text=True, check=False, env=env
                ).stderr
                if b == "pyroute2" and "No module named" in err:
                    sample["unavailable"] = "pyroute2 is not installed"
                else:
                    sample["error"] = f"exit {code}: {err[-500:]}"
            else:
                sample.update(wall=wall, cpu=cpu, rss_kib=rss)
            out.append(sample)
    return out


def adds(rows: list[dict[str, Any]], key: str = "wall") -> dict[str, dict[str, float]]:
    """Per case: median, min and max of (case - bare python) ``key`` within each repetition."""
    by_rep: dict[int, dict[str, float]] = {}
    for s in rows:
        if key in s:
            by_rep.setdefault(s["rep"], {})[s["backend"]] = s[key]
    diffs: dict[str, list[float]] = {}
    for cells in by_rep.values():
        for b, w in cells.items():
            if b != "python" and "python" in cells:
                diffs.setdefault(b, []).append(w - cells["python"])
    return {
        b: {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}
        for b, xs in diffs.items()
    }


def importtime(
    python: str, code: str, top: int, env: dict[str, str], runs: int = 7
) -> list[tuple[int, int, str]]:
    """The ``-X importtime`` top ``top`` modules by self time: (self us, cumulative us, name).

    Each module's least self and cumulative time over ``runs`` fresh interpreters (one run
    on a shared machine ranks whatever a neighbour's burst hit). A module imported through
    ``importlib.import_module`` (as ``rawns.__getattr__`` loads ``rawns.link``) has no line
    of its own: its time shows in its parent's self time.
    """
    best: dict[str, tuple[int, int]] = {}
    for _ in range(runs):
        err = subprocess.run(
            [python, "-X", "importtime", "-c", code],
            capture_output=True, text=True, check=False, env=env,
        ).stderr  # fmt: skip
        for line in err.splitlines():
            parts = line.removeprefix("import time:").split("|")
            if len(parts) == 3 and parts[0].strip().isdigit():
                name, s, c = parts[2].strip(), int(parts[0]), int(parts[1])
                old = best.get(name, (s, c))
                best[name] = (min(old[0], s), min(old[1], c))
    rows = [(s, c, name) for name, (s, c) in best.items()]
    return sorted(rows, reverse=True)[:top]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description="rawns start-up cost over `python -c pass`.")
    p.add_argument("--reps", type=int, default=20, help="fresh interpreters per case (20)")
    p.add_argument(
        "--venv-python", help="use this interpreter instead of a fresh venv (e.g. .venv/bin/python)"
    )
    p.add_argument(
        "--checkout", type=Path, default=REPO, help="the rawns tree to import (e.g. a git archive)"
    )
    p.add_argument("--cases", default="python,rawns,rawns-nft,rawns-use,rawns-first-use")
    p.add_argument(
        "--importtime", type=int, default=0, metavar="N", help="print -X importtime top N"
    )
    args = p.parse_args(argv)
    names = [x.strip() for x in args.cases.split(",") if x.strip()]
    if "python" not in names:
        names.insert(0, "python")
    with tempfile.TemporaryDirectory(prefix="rawns-startup-") as tmp:
        python = args.venv_python or fresh_venv(Path(tmp) / "venv", args.checkout)
        env = bytecode_env(Path(tmp) / "pycache")
        rows = samples(python, names, args.reps, env)
        bad = [s for s in rows if "error" in s]
        for s in bad[:3]:
            print(f"{s['backend']}: {s['error']}", file=sys.stderr)
        base = statistics.median(s["wall"] for s in rows if s["backend"] == "python")
        print(f"{python}: bare `python -c pass` {base * 1000:.1f} ms (median of {args.reps})")
        print("| case | adds over `python -c pass`: wall (median, min-max) | CPU | bar |")
        print("|---|---|---|---|")
        cpu = adds(rows, "cpu")
        for b, st in adds(rows).items():
            bar = BARS.get(b)
            verdict = "" if bar is None else ("met" if st["median"] <= bar else "**missed**")
            bar_s = "" if bar is None else f"≤ {bar * 1000:g} ms {verdict}"
            print(
                f"| {LABELS[b]} | {st['median'] * 1000:.1f} ms "
                f"({st['min'] * 1000:.1f}-{st['max'] * 1000:.1f}) "
                f"| {cpu[b]['median'] * 1000:.1f} ms | {bar_s} |"
            )
        for b in names[1:] if args.importtime else []:
            print(
                f"\n-X importtime top {args.importtime} (least of 7: self us, cumul. us) for {b}:"
            )
            for self_us, cum_us, name in importtime(python, CASES[b], args.importtime, env):
                print(f"  {self_us:6d} {cum_us:7d}  {name}")
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
