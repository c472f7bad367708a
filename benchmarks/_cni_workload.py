"""W8: the CNI plugins (issue 16): per-pod ADD and DEL latency of bridge+portmap, rawns vs
the reference plugins (Debian's containernetworking-plugins; their iptables is iptables-nft).

    python3 benchmarks/run.py --w8 [--pods 100] [--json out.json] [--style console|resident]
                               [--resident-shim c|python|both]

For each chain, a fresh node namespace and N pod namespaces (made untimed); the small
runtime of tests/cni_runtime.py runs each plugin inside the node namespace (``nsenter
--net``) exactly as the conformance tests do. The rawns plugins are the launchers ``python
-m rawns.cni install`` writes (``--style console``: the console scripts pip writes;
``--style resident``: a third chain beside the exec'd launchers, the shims of ``install
--resident`` forwarding to a resident daemon started, untimed, in a namespace of its own,
whose CPU time is added to the shims'; the shims are the compiled ones, csrc/cni_shim.c,
unless ``--resident-shim python``; ``both`` runs a chain with each, the Python shims'
as "rawns-resident-py"). Timed
per pod: the whole chain's ADD (N pods back to back, hostPort 20000+i each), then the
chain's DEL for each, in wall time and in CPU time of everything the exec ran (nsenter, the
plugin, its iptables; the machine is shared, so CPU time is the steadier figure). The
chains alternate which runs first between repetitions. Also reported: each plugin's own ADD
and DEL (median, p95: the exec, nsenter included; "... cpu" the CPU time), each rawns plugin
module's import time (``python -X importtime``, cumulative, median of 5), and the start-up
floor a per-exec Python plugin cannot go below, [wall, CPU] ms: ``python -c pass`` with and
without ``site`` (``-I -S``), a whole VERSION exec of each plugin through the launcher
and through the console script (start-up plus what VERSION imports), and of the resident
mode's shims, compiled and Python (each answers VERSION itself). Every namespace is
removed at the end, also on failure or Ctrl-C; the machine's own namespace is never touched.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rawns import netns  # noqa: E402
from tests.cni_runtime import (  # noqa: E402
    Daemon,
    Runtime,
    have_reference,
    plugin_dir,
    resident_daemon,
)

MODULES = ["bridge", "portmap", "host_local", "bandwidth"]


def _children_cpu() -> float:
    """CPU time (user + system) of every child process waited for so far, in seconds."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


class _TimedRuntime(Runtime):
    """The test runtime, timing each plugin exec by (plugin, command): wall time, and the
    CPU time of the exec and everything it ran (nsenter, the plugin, its iptables; in
    resident mode, plus the daemon's)."""

    def exec_plugin(self, plugin: str, command: str, conf: Any, **kw: Any) -> Any:
        t0, c0 = time.perf_counter(), self.cpu()
        try:
            return super().exec_plugin(plugin, command, conf, **kw)
        finally:
            key = f"{plugin.removeprefix('rawns-')} {command}"
            self.times.setdefault(key, []).append(time.perf_counter() - t0)
            self.times.setdefault(f"{key} cpu", []).append(self.cpu() - c0)

    def cpu(self) -> float:
        return _children_cpu() + (self.daemon.cpu_seconds() if self.daemon else 0.0)

    times: dict[str, list[float]]
    daemon: Daemon | None = None


def conflist(kind: str, data_dir: Path) -> dict[str, Any]:
    p = "rawns-" if kind == "rawns" else ""
    return {
        "cniVersion": "1.0.0",
        "name": "w8",
        "plugins": [
            {
                "type": f"{p}bridge",
                "bridge": "cni0",
                "isGateway": True,
                "ipMasq": True,
                "ipam": {
                    "type": f"{p}host-local",
                    "dataDir": str(data_dir),
                    "ranges": [[{"subnet": "10.99.0.0/16"}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                },
            },
            {"type": f"{p}portmap", "capabilities": {"portMappings": True}},
        ],
    }


def _chain(
    kind: str, n: int, tmp: Path, prefix: str, style: str = "launcher"
) -> dict[str, list[float]]:
    made: list[netns.Netns] = []
    stack = contextlib.ExitStack()  # the resident daemon, stopped after the namespaces
    try:
        node = netns.create(f"{prefix}-{kind}-node")
        made.append(node)
        pods = []
        for i in range(n):
            pods.append(netns.create(f"{prefix}-{kind}-p{i}"))
            made.append(pods[-1])
        d = tmp / kind
        d.mkdir()
        daemon = None
        if kind.startswith("rawns-resident"):
            daemon = stack.enter_context(resident_daemon())  # started untimed
            shim = "python" if kind.endswith("-py") else "c"
            cni_path = plugin_dir(d, style="resident", socket_path=daemon.socket, shim=shim)
        else:
            cni_path = plugin_dir(d, style=style)
        rt = _TimedRuntime(node=str(node.name), cni_path=cni_path, cache_dir=d / "cache")
        rt.times = {}
        rt.daemon = daemon
        cl = conflist("ref" if kind == "ref" else "rawns", d / "ipam")
        add, dele, add_cpu, del_cpu = [], [], [], []
        for i, p in enumerate(pods):
            m = {"hostPort": 20000 + i, "containerPort": 80, "protocol": "tcp"}
            maps = {"portMappings": [m]}
            t0, c0 = time.perf_counter(), rt.cpu()
            rt.add(cl, f"w8-{i}", f"/run/netns/{p.name}", capability_args=maps)
            add.append(time.perf_counter() - t0)
            add_cpu.append(rt.cpu() - c0)
        t_all = sum(add)
        for i, p in enumerate(pods):
            t0, c0 = time.perf_counter(), rt.cpu()
            rt.delete(cl, f"w8-{i}", f"/run/netns/{p.name}")
            dele.append(time.perf_counter() - t0)
            del_cpu.append(rt.cpu() - c0)
        return {
            "add": add,
            "del": dele,
            "add_cpu": add_cpu,
            "del_cpu": del_cpu,
            "add_total": [t_all],
            **rt.times,
        }
    finally:
        try:
            stack.close()
        finally:
            for ns in made:
                ns.close()
                with contextlib.suppress(FileNotFoundError):
                    netns.delete(str(ns.name))


def import_times(reps: int = 5) -> dict[str, float]:
    out = {}
    for m in MODULES:
        samples = []
        for _ in range(reps):
            p = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", f"import rawns.cni.{m}"],
                capture_output=True,
                text=True,
                check=True,
            )
            line = [x for x in p.stderr.splitlines() if x.rstrip().endswith(f"rawns.cni.{m}")][-1]
            samples.append(int(line.split("|")[1]) / 1000)
        out[f"rawns-{m.replace('_', '-')}"] = statistics.median(samples)
    return out


def _exec_ms(argv: list[str], reps: int = 15) -> list[float]:
    """[wall, CPU] medians in ms of running ``argv`` with CNI_COMMAND=VERSION."""
    wall, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), _children_cpu()
        subprocess.run(argv, capture_output=True, check=True, env={**os.environ, **_VERSION})
        wall.append(time.perf_counter() - t0)
        cpu.append(_children_cpu() - c0)
    return [round(statistics.median(wall) * 1e3, 2), round(statistics.median(cpu) * 1e3, 2)]


_VERSION = {"CNI_COMMAND": "VERSION"}


def floor_times() -> dict[str, list[float]]:
    """What every exec pays before the plugin's own work, [wall, CPU] ms: the interpreter,
    with and without ``site`` (in a development venv, ``site`` also runs the editable
    install's finder), and each plugin's VERSION exec through the launcher ``python -m
    rawns.cni install`` writes (``-I -S``) and through the console script pip writes."""
    py = sys.executable
    out = {
        "python -c pass": _exec_ms([py, "-c", "pass"]),
        "python -I -S -c pass": _exec_ms([py, "-I", "-S", "-c", "pass"]),
    }
    with tempfile.TemporaryDirectory(prefix="rawns-w8-") as tmp:
        for style in ("launcher", "console"):
            (Path(tmp) / style).mkdir()
            d = plugin_dir(Path(tmp) / style, style=style)
            for m in MODULES:
                name = f"rawns-{m.replace('_', '-')}"
                out[f"{name} VERSION ({style})"] = _exec_ms([str(d / name)])
        # the resident mode's shims (VERSION is answered without the daemon)
        for shim in ("c", "python"):
            (Path(tmp) / shim).mkdir()
            d = plugin_dir(Path(tmp) / shim, style="resident", socket_path="/run/x.sock", shim=shim)
            out[f"rawns-bridge VERSION (resident {shim} shim)"] = _exec_ms(
                [str(d / "rawns-bridge")]
            )
    return out


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(len(xs) * 0.95) - 1)]


def run(n: int, reps: int, style: str = "launcher", resident_shim: str = "c") -> dict[str, Any]:
    if not have_reference():
        raise SystemExit(
            "W8 needs the reference plugins: apt-get install containernetworking-plugins"
        )
    resident = {"c": ["rawns-resident"], "python": ["rawns-resident-py"]}.get(
        resident_shim, ["rawns-resident", "rawns-resident-py"]
    )
    kinds = ["ref", "rawns"] + (resident if style == "resident" else [])
    res: dict[str, dict[str, list[float]]] = {k: {} for k in kinds}
    prefix = f"rawns-b-w8-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="rawns-w8-") as tmp:
        for r in range(reps):
            order = kinds if r % 2 == 0 else kinds[::-1]
            for kind in order:
                d = Path(tmp) / f"r{r}"
                d.mkdir(exist_ok=True)
                # the exec'd rawns chain: the launchers (console scripts with --style console)
                exec_style = "launcher" if style == "resident" else style
                got = _chain(kind, n, d, f"{prefix}-{r}", exec_style)
                for k, v in got.items():
                    res[kind].setdefault(k, []).extend(v)
    out: dict[str, Any] = {"pods": n, "reps": reps, "rawns_plugins": style}
    if style == "resident":
        out["resident_shim"] = resident_shim  # "c": csrc/cni_shim.c; "python": rawns/cni/_shim.py
    for kind, got in res.items():
        out[kind] = {
            "add_median_ms": statistics.median(got["add"]) * 1e3,
            "add_p95_ms": _p95(got["add"]) * 1e3,
            "del_median_ms": statistics.median(got["del"]) * 1e3,
            "del_p95_ms": _p95(got["del"]) * 1e3,
            "add_cpu_median_ms": statistics.median(got["add_cpu"]) * 1e3,
            "del_cpu_median_ms": statistics.median(got["del_cpu"]) * 1e3,
            f"add_{n}_pods_s": statistics.median(got["add_total"]),
            "per_plugin_ms": {
                k: [round(statistics.median(v) * 1e3, 1), round(_p95(v) * 1e3, 1)]
                for k, v in sorted(got.items())
                if " " in k
            },
        }
    out["add_ratio"] = out["rawns"]["add_median_ms"] / out["ref"]["add_median_ms"]
    out["del_ratio"] = out["rawns"]["del_median_ms"] / out["ref"]["del_median_ms"]
    for k in ("add", "del"):
        out[f"{k}_cpu_ratio"] = (
            out["rawns"][f"{k}_cpu_median_ms"] / out["ref"][f"{k}_cpu_median_ms"]
        )
    for kind, key in (("rawns-resident", "resident"), ("rawns-resident-py", "resident_py")):
        if kind in out:
            for k in ("add", "del"):
                for m in ("", "cpu_"):
                    out[f"{key}_{k}_{m}ratio"] = (
                        out[kind][f"{k}_{m}median_ms"] / out["ref"][f"{k}_{m}median_ms"]
                    )
    out["import_ms"] = import_times()
    out["floor_ms"] = floor_times()
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="run.py --w8", description=__doc__.split("\n")[0])
    p.add_argument("--pods", type=int, default=100)
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--json", type=Path)
    p.add_argument(
        "--style",
        choices=("launcher", "console", "resident"),
        default="launcher",
        help="how the rawns plugins are installed: the launchers of `python -m rawns.cni "
        "install` (default) or the console scripts pip writes; `resident` adds a third "
        "chain, the shims of `install --resident` and a resident daemon",
    )
    p.add_argument(
        "--resident-shim",
        choices=("c", "python", "both"),
        default="c",
        help="with --style resident: the compiled shims (csrc/cni_shim.c, default), the "
        "Python ones, or a chain with each",
    )
    p.add_argument("--noisy", action="store_true", help="accept a loaded machine (marked noisy)")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        print("W8 needs root (it creates network namespaces)", file=sys.stderr)
        return 2
    from run import Quiet  # the main harness's gate (run.py imports this module)

    quiet = Quiet.start("W8", os.getloadavg()[0], args.noisy)
    if quiet is None:
        return 2
    out = run(args.pods, args.reps, args.style, args.resident_shim)
    quiet.record(out)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
