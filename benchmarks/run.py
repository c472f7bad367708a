#!/usr/bin/env python3
"""rawns against iproute2, nft and pyroute2: workloads W1-W6 and start-up (issue 6).

Run as root; every workload runs in namespaces this script creates (named
``rawns-b-<run id>-...``) and removes, also on failure or Ctrl-C. The machine's
own namespace is never changed.

    python3 benchmarks/run.py                      # the published run (quiet machine!)
    python3 benchmarks/run.py --quick              # small sizes, 2 repetitions (CI smoke)
    python3 benchmarks/run.py --only W1,W3 --reps 7 --json out.json --chart out.svg

How one measurement is made: the harness (this process) creates a fresh
namespace and prepares it (untimed); a fresh *worker* process (this script with
``--worker``) imports the backend and builds its inputs (untimed), then times
the operation alone: wall time, CPU time (user + system of the worker and of
the children it waited for), and peak RSS (``ru_maxrss``: of the children for
``ip``/``nft``, of the worker for in-process backends, the larger of both when
the worker parses ``ip -j`` output). The harness then checks the end state with
``ip -j``/``nft`` (a fast wrong answer fails the run) and removes the
namespace. Backends run in rotated order in each repetition; ratios are taken
pair by pair within a repetition, then the median is reported.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _aio_workload  # W10: rawns.aio (issue 17), run.py --w10
import _cni_workload  # W8: the CNI plugins (issue 16), run.py --w8
import _dumps  # W4M, W5 (equal work), W5V, the dump floors (issue 18)
import _pods_workload  # W7, W7V, W7L: rawns.pods (issue 14)
import _report
import _startup
import _tc_workload  # W9: traffic control (issue 15), run.py --w9
import _variants  # W1B, W2B, W3B ("best each can do"), W6 import included, W6I (issue 18)
import _workloads as wl

wl.WORKLOADS.update(_variants.WORKLOADS)
wl.WORKLOADS.update(_dumps.WORKLOADS)
_report.BARS.extend(_variants.BARS + _dumps.BARS)
wl.WORKLOADS.update(_pods_workload.WORKLOADS)
_report.BARS.extend(_pods_workload.BARS)
wl.sort_workloads()  # W1, W1B, W2, ...: variants next to their seed

NETNS_DIR = "/run/netns"
CLONE_NEWNET = 0x40000000
BACKENDS = ["cmd", "batch", "pyroute2", "rawns", "floor"]
#: The 1-minute load average above which results are not written for publication (issue 18).
QUIET_LOAD = 0.3
#: What a plain run measures: issue 6's workloads, issue 18's variants, the pods (W7,
#: issue 14) and start-up: the published page's main table. W8-W10 are scripts of their own.
DEFAULT_ONLY = "W1,W1B,W2,W2B,W3,W3B,W4,W4M,W5,W5V,W6,W6I,W7,W7V,W7L,S"
STARTUP_BACKENDS = [
    "python",
    "ip",
    "pyroute2",
    "rawns",
    "rawns-nft",
    "rawns-use",
    "rawns-first-use",
]
#: A small process (python -S -I: ~8 MiB) that spawns argv[2:] and waits for it. A child's
#: ru_maxrss includes its parent's pages before exec (fs/exec.c: exec_mmap folds the old mm's
#: high-water mark into the new process), so workers and start-up runs are spawned from this
#: rather than from the harness. "relay": exit with the child's status. "measure": the child's
#: stdout goes to /dev/null; print "wall cpu maxrss_kib exit". stderr is inherited either way.
LAUNCHER = """
import os, sys, time
mode, argv = sys.argv[1], sys.argv[2:]
acts = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)] if mode == "measure" else []
t0 = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=acts)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
code = os.waitstatus_to_exitcode(status)
if mode == "measure":
    print("%r %r %d %d" % (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, code))
sys.exit(code if code >= 0 else 128 - code)
"""


# ---------------------------------------------------------------------------
# namespaces: only ours, never the root one


class Namespaces:
    """Creates and removes the namespaces of one harness run, all under one prefix."""

    def __init__(self) -> None:
        self.prefix = f"rawns-b-{uuid.uuid4().hex[:6]}"
        self._n = 0

    def new(self) -> str:
        self._n += 1
        name = f"{self.prefix}-{self._n}"
        wl.sh(["ip", "netns", "add", name])
        return name

    def ours(self) -> list[str]:
        try:
            return sorted(p for p in os.listdir(NETNS_DIR) if p.startswith(self.prefix + "-"))
        except FileNotFoundError:
            return []

    def remove(self, name: str) -> None:
        """Remove ``name`` and every namespace a workload made under it (W2's ``name-i``)."""
        if not name.startswith(self.prefix + "-"):  # the second lock: never someone else's
            raise ValueError(f"refusing to remove namespace {name!r}: not this run's")
        for n in self.ours():
            if n == name or n.startswith(name + "-"):
                with contextlib.suppress(RuntimeError):
                    wl.sh(["ip", "netns", "del", n])

    def remove_all(self) -> None:
        for n in self.ours():
            with contextlib.suppress(RuntimeError):
                wl.sh(["ip", "netns", "del", n])


def settle(max_wait: float = 3.0) -> None:
    """Wait for the kernel's asynchronous namespace cleanup to calm down.

    Deleting a namespace with thousands of links or routes hands the work to a
    kernel worker; on 2 cores it would otherwise eat into the next measurement.
    Polls system CPU time in /proc/stat until a 100 ms window is mostly idle.
    """
    ncpu = os.cpu_count() or 1
    hz = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + max_wait

    def kernel_ticks() -> int:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[3]) + int(fields[6]) + int(fields[7])  # system, irq, softirq

    time.sleep(0.05)
    while time.monotonic() < deadline:
        a = kernel_ticks()
        time.sleep(0.1)
        busy = (kernel_ticks() - a) / hz / 0.1  # CPUs' worth of kernel time
        if busy < 0.25 * ncpu:
            return


def speed_probe() -> float:
    """Milliseconds a fixed pure-Python loop takes (the least of 3 tries).

    The load gate sees only this machine's own processes. A virtual machine whose
    host gives it less CPU for a while (other guests, a lower clock) is as idle as
    ever by its own count, yet every backend runs slower then, and unevenly: one
    script here took 1.01x and, 30 minutes later, 1.34x of its anchor. Probed before
    every repetition and shown on the page, the probe's range tells the reader how
    steady the machine was. It is a record, not a gate: the machine these pages were
    measured on swings between two speeds (a 1M-iteration loop: ~34 ms or ~54 ms, in
    phases of a few seconds) even when idle, so a steadiness bar would refuse every run.
    """
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        x = 0
        for i in range(100_000):
            x += i
        best = min(best, time.perf_counter() - t)
    return round(best * 1000, 2)


def enter_netns(name: str) -> None:
    """Move this (single-threaded worker) process into namespace ``name``, and prove it."""
    if not name.startswith("rawns-b-"):
        raise SystemExit(f"worker: refusing to enter {name!r}")
    path = os.path.join(NETNS_DIR, name)
    before = os.stat("/proc/self/ns/net").st_ino  # the namespace the harness runs in
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)
    here = os.stat("/proc/self/ns/net").st_ino
    if here != os.stat(path).st_ino or here == before:
        raise SystemExit("worker: setns did not land in the benchmark namespace; stopping")


# ---------------------------------------------------------------------------
# the worker: one timed operation in a fresh process


def worker_main(spec_json: str) -> int:
    spec = json.loads(spec_json)
    w = wl.WORKLOADS[spec["workload"]]
    backend = spec["backend"]
    ctx = wl.Ctx(ns=spec["ns"], size=spec["size"], prefix=spec["prefix"])
    try:
        made = w.backends[backend](ctx)
    except wl.Unavailable as e:
        print("RESULT " + json.dumps({"unavailable": str(e)}), flush=True)
        return 0
    op, summarize = made if isinstance(made, tuple) else (made, None)
    if wl.enters(w, backend) and w.key not in _pods_workload.SPANS_NETNS:
        enter_netns(ctx.ns)
    prof = None
    if spec.get("profile"):
        import cProfile

        prof = cProfile.Profile()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    result = op() if prof is None else prof.runcall(op)
    t1 = time.perf_counter()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) + (
        c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
    )
    if wl.hybrid(w, backend):
        rss = max(r1.ru_maxrss, c1.ru_maxrss)
    elif wl.in_children(w, backend):
        rss = c1.ru_maxrss
    else:
        rss = r1.ru_maxrss
    # The kernel's time on behalf of the operation (syscalls; rtnetlink and nfnetlink handle
    # a request in the sender's context): the build floor, when the anchor is `ip -batch`.
    sys_t = (r1.ru_stime - r0.ru_stime) + (c1.ru_stime - c0.ru_stime)
    out = {"wall": t1 - t0, "cpu": cpu, "sys": sys_t, "rss_kib": rss}
    if prof is not None:
        import io
        import pstats

        text = io.StringIO()
        st = pstats.Stats(prof, stream=text).strip_dirs()
        st.sort_stats("tottime").print_stats(18)
        st.sort_stats("cumulative").print_stats(18)
        Path(spec["profile"]).write_text(text.getvalue())
    if summarize is not None:
        out["summary"] = summarize(result)
    print("RESULT " + json.dumps(out), flush=True)
    return 0


# ---------------------------------------------------------------------------
# the harness


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.ns = Namespaces()
        self.worker: subprocess.Popen[str] | None = None
        self.samples: list[dict[str, Any]] = []
        self.probes: list[float] = []  # speed_probe() before every repetition
        self.failures: list[str] = []
        #: ``-X importtime``'s top ten of the start-up case the import bar is on (issue 13).
        self.importtime: dict[str, Any] | None = None

    def log(self, msg: str) -> None:
        if not self.args.quiet:
            print(msg, file=sys.stderr, flush=True)

    def run_worker(self, spec: dict[str, Any]) -> dict[str, Any]:
        cmd = [sys.executable, "-S", "-I", "-c", LAUNCHER, "relay"]
        cmd += [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
        # Its own session: a timeout or Ctrl-C kills exactly the worker and what it started.
        self.worker = p = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            out, err = p.communicate(timeout=self.args.timeout)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise
        finally:
            self.worker = None
        lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
        if p.returncode != 0 or not lines:
            raise RuntimeError(f"worker exited {p.returncode}: {err.strip()[-3000:]}")
        return dict(json.loads(lines[-1][7:]))

    def one(
        self, w: wl.Workload, backend: str, size: int, rep: int, ns: str, ref: str | None
    ) -> None:
        ctx = wl.Ctx(ns=ns, size=size, prefix=ns)
        spec = {"workload": w.key, "backend": backend, "size": size, "ns": ns, "prefix": ns}
        prof_path = None
        if self.args.profile:
            prof_path = f"/tmp/{self.ns.prefix}-{w.key}-{backend}.prof.txt"
            spec["profile"] = prof_path
        sample: dict[str, Any] = {"workload": w.key, "backend": backend, "rep": rep, "size": size}
        try:
            res = self.run_worker(spec)
            if "unavailable" in res:
                sample["unavailable"] = res["unavailable"]
                self.log(f"  {w.key} {backend:8} rep {rep}: n/a ({res['unavailable']})")
            else:
                if backend == "floor":
                    _dumps.floor_check(ctx, res.get("summary"))
                elif w.check is wl.w6_check:
                    assert ref is not None
                    wl.w6_check(ctx, res.get("summary"), ref)
                else:
                    w.check(ctx, res.get("summary"))
                sample.update(
                    wall=res["wall"], cpu=res["cpu"], sys=res.get("sys"), rss_kib=res["rss_kib"]
                )
                self.log(
                    f"  {w.key} {backend:8} rep {rep}: {res['wall']:8.3f} s wall "
                    f"{res['cpu']:8.3f} s cpu {res['rss_kib'] / 1024:7.1f} MiB  check ok"
                )
            if prof_path and os.path.exists(prof_path):
                print(f"\n### cProfile of {w.key} {backend} ({size} {w.unit})\n", file=sys.stderr)
                print(Path(prof_path).read_text(), file=sys.stderr)
                os.unlink(prof_path)
        except (wl.CheckFailed, RuntimeError, subprocess.TimeoutExpired) as e:
            sample["error"] = f"{type(e).__name__}: {e}"
            self.failures.append(f"{w.key} {backend} rep {rep}: {sample['error']}")
            self.log(f"  {w.key} {backend:8} rep {rep}: FAILED {sample['error'][-1500:]}")
        self.samples.append(sample)

    def w6_reference(self, size: int) -> str:
        ns = self.ns.new()
        try:
            wl.run_batch(
                ["ip", "netns", "exec", ns, "nft", "-f", "-"], "\n".join(wl.w6_lines(size)) + "\n"
            )
            return wl.nft_list(ns)
        finally:
            self.ns.remove(ns)

    def workload(self, w: wl.Workload) -> None:
        size = self.args.sizes.get(w.key) or (w.quick if self.args.quick else w.full)
        backends = [b for b in BACKENDS if b in w.backends and b in self.args.backends]
        self.log(f"{w.key}: {w.title} ({size} {w.unit}), backends {', '.join(backends)}")
        ref = self.w6_reference(size) if w.check is wl.w6_check else None
        for rep in range(self.args.reps):
            self.probes.append(speed_probe())
            k = rep % len(backends)
            order = backends[k:] + backends[:k]
            if w.readonly:
                ns = self.ns.new()
                try:
                    assert w.setup is not None
                    w.setup(wl.Ctx(ns=ns, size=size, prefix=ns))
                    settle(self.args.settle)
                    for b in order:
                        self.one(w, b, size, rep, ns, ref)
                finally:
                    self.ns.remove(ns)
                    settle(self.args.settle)
            else:
                for b in order:
                    ns = self.ns.new()
                    try:
                        if w.setup is not None:
                            w.setup(wl.Ctx(ns=ns, size=size, prefix=ns))
                        self.one(w, b, size, rep, ns, ref)
                    finally:
                        self.ns.remove(ns)
                        settle(self.args.settle)

    def startup(self) -> None:
        reps = max(self.args.startup_reps, 1)
        names = [
            b
            for b in STARTUP_BACKENDS
            if b in ("python", "ip") or b.partition("-")[0] in self.args.backends
        ]
        self.log(f"start-up: {', '.join(names)}, {reps} runs each, in a fresh venv")
        with tempfile.TemporaryDirectory(prefix="rawns-startup-") as tmp:  # see _startup.py
            python = _startup.fresh_venv(Path(tmp) / "venv")
            env = _startup.bytecode_env(Path(tmp) / "pycache")
            for sample in _startup.samples(python, names, reps, env, launcher=LAUNCHER):
                if "error" in sample:
                    self.failures.append(f"startup {sample['backend']}: {sample['error']}")
                self.samples.append(sample)
            case = "rawns-use"
            if case in names:
                rows = _startup.importtime(python, _startup.CASES[case], 10, env)
                self.importtime = {"case": case, "runs": 7, "rows": [list(r) for r in rows]}

    def publishing(self) -> bool:
        return bool(self.args.json or self.args.markdown)

    def run(self) -> int:
        started = time.time()
        machine = machine_info()
        self.log(
            f"machine: {machine['cpus']} CPUs, kernel {machine['kernel']}, "
            f"python {machine['python']}, load {machine['loadavg_start']}"
        )
        gate = Quiet.start(
            "the main run",
            float(machine["loadavg_start"].split()[0]),
            self.args.noisy or not self.publishing(),
        )
        if gate is None:
            return 3
        load0 = gate.load0
        loads = [machine["loadavg_start"]]
        self.probes = [gate.probe0]
        scripts = tempfile.TemporaryDirectory(prefix="rawns-scripts-")
        # W6's script backends run in a clean venv (the checkout and pyroute2 on its path,
        # nothing else), as an installed program does: the development venv's editable-install
        # finder alone adds ~12 ms to every interpreter start.
        os.environ[_variants.SCRIPT_PYTHON] = _startup.fresh_venv(Path(scripts.name) / "venv")
        try:
            for key in self.args.only:
                if key == "S":
                    self.startup()
                else:
                    self.workload(wl.WORKLOADS[key])
                loads.append(loadavg())
        finally:
            if self.worker is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.worker.pid, signal.SIGKILL)
            self.ns.remove_all()
            os.environ.pop(_variants.SCRIPT_PYTHON, None)
            scripts.cleanup()
        machine["loadavg_end"] = loadavg()
        machine["loadavg_samples"] = loads
        machine["foreign_load"] = round(gate.meter.read(), 3)
        machine["seconds"] = round(time.time() - started, 1)
        self.probes.append(speed_probe())
        machine["speed_probe_ms"] = self.probes
        machine["speed_spread"] = round(max(self.probes) / min(self.probes), 2)
        quiet = not gate.noisy(machine["foreign_load"])
        sizes = {
            k: self.args.sizes.get(k) or (w.quick if self.args.quick else w.full)
            for k, w in wl.WORKLOADS.items()
            if k in self.args.only
        }
        summary = _report.summarize(self.samples)
        doc = {
            "machine": machine,
            "argv": sys.argv[1:],
            "reps": self.args.reps,
            "sizes": sizes,
            "summary": summary,
            "samples": self.samples,
            "failures": self.failures,
            "importtime": self.importtime,
            "quiet_load": QUIET_LOAD,
            "noisy": not quiet,
        }
        print(_report.markdown(doc))
        if self.publishing() and not quiet and not self.args.noisy:
            print(
                f"\nnot written: other work kept {machine['foreign_load']} CPUs busy on average "
                f"during the run (load at start {load0}); the bar for publication is "
                f"{QUIET_LOAD}. Re-run on a quiet machine, or pass --noisy to write results "
                "marked noisy.",
                file=sys.stderr,
            )
            return 3
        if self.args.json:
            Path(self.args.json).write_text(json.dumps(doc, indent=1) + "\n")
        if self.args.markdown:
            Path(self.args.markdown).write_text(_report.markdown(doc) + "\n")
        if self.args.chart:
            Path(self.args.chart).write_text(_report.svg_chart(doc))
        if self.failures:
            print(f"\n{len(self.failures)} run(s) FAILED:", file=sys.stderr)
            for f in self.failures:
                short = f if len(f) < 1500 else f[:200] + " ... " + f[-1200:]
                print("  " + short, file=sys.stderr)
            return 1
        return 0


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class ForeignLoad:
    """The CPUs' worth of work *not* this run's, averaged over the run (issue 18's "load").

    The 1-minute load average counts the benchmark's own worker (about 1 while it
    measures), so it cannot tell a quiet machine from a busy one during the run. This
    takes the machine's busy CPU time (/proc/stat) minus this process's and its waited-for
    children's (the workers, ip, nft) over the same wall time. Kernel threads doing a
    run's deferred work (namespace teardown) count as foreign: settle() waits for them
    outside the measurements, so a busy teardown shows up here as noise, not as a hit.
    """

    def __init__(self) -> None:
        self.t0, self.busy0, self.own0 = time.monotonic(), self._busy(), self._own()

    @staticmethod
    def _busy() -> float:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        # user nice system idle iowait irq softirq steal
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own() -> float:
        a, b = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime

    def read(self) -> float:
        wall = time.monotonic() - self.t0
        foreign = (self._busy() - self.busy0) - (self._own() - self.own0)
        return max(0.0, foreign / wall) if wall > 0 else 0.0


def _version(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "missing"


class Quiet:
    """The publishing gate: of the main run, and of the scripts run beside it (W8-W10).

    :meth:`start` refuses a 1-minute load above :data:`QUIET_LOAD` at the start
    unless ``noisy`` (then it warns); :meth:`record` writes into the script's JSON the load at the
    start, other work's load over the run (:class:`ForeignLoad`), whether that
    makes the results noisy (``publish.py`` refuses them then) and the commit
    measured, which ``publish.py`` compares with the main run's.
    """

    def __init__(self, load0: float) -> None:
        self.load0, self.meter, self.probe0 = load0, ForeignLoad(), speed_probe()

    @classmethod
    def start(cls, what: str, load0: float, noisy: bool) -> Quiet | None:
        """The gate at a 1-minute load of ``load0``, or None (refused, and said why)."""
        if load0 > QUIET_LOAD:
            if not noisy:
                print(
                    f"{what}: refusing to measure for publication: 1-min load {load0:.2f} > "
                    f"{QUIET_LOAD} at the start: wait for a quiet machine, or pass --noisy to "
                    "run anyway (the results are marked noisy)",
                    file=sys.stderr,
                )
                return None
            print(f"{what}: warning: 1-min load {load0:.2f} > {QUIET_LOAD}: noisy", file=sys.stderr)
        return cls(load0)

    def noisy(self, foreign: float) -> bool:
        """Whether results are noisy, given other work's load over the run (not the
        1-minute average, which counts the run itself)."""
        return max(self.load0, foreign) > QUIET_LOAD

    def record(self, out: dict[str, Any]) -> None:
        foreign = round(self.meter.read(), 3)
        out["load"] = {"start": self.load0, "foreign": foreign}
        out["speed_probe_ms"] = [self.probe0, speed_probe()]
        out["noisy"] = self.noisy(foreign)
        out["rawns_commit"] = commit_measured()


def commit_measured() -> str:
    """The checkout's commit, ``-dirty`` when tracked files have uncommitted changes."""
    here = str(Path(__file__).resolve().parent)
    commit = _version(["git", "-C", here, "rev-parse", "HEAD"])[:12]
    if _version(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"]):
        commit += "-dirty"  # the page says what was measured: uncommitted changes included
    return commit


def machine_info() -> dict[str, Any]:
    from importlib import metadata

    try:  # not imported: the harness stays small (see LAUNCHER)
        p2 = metadata.version("pyroute2")
    except metadata.PackageNotFoundError:
        p2 = "not installed"
    return {
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "iproute2": _version(["ip", "-V"]),
        "nft": _version(["nft", "--version"]),
        "pyroute2": p2,
        "rawns_commit": commit_measured(),
        "loadavg_start": loadavg(),
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="rawns vs ip/nft/pyroute2 benchmarks (issue 6). Run as root.",
    )
    p.add_argument("--quick", action="store_true", help="small sizes and 2 repetitions (smoke)")
    p.add_argument("--only", default=DEFAULT_ONLY, help="workloads, e.g. W1,W1B,W3,S")
    p.add_argument("--reps", type=int, default=None, help="repetitions (default 5; --quick 2)")
    p.add_argument("--startup-reps", type=int, default=None, help="start-up runs (default 20)")
    p.add_argument(
        "--backends", default=",".join(BACKENDS), help="subset of cmd,batch,pyroute2,rawns,floor"
    )
    p.add_argument("--size", action="append", default=[], metavar="W1=N", help="override a size")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per measurement")
    p.add_argument(
        "--settle",
        type=float,
        default=None,
        help="max seconds to wait for the kernel's namespace cleanup between runs "
        "(default 3; --quick 0.3)",
    )
    p.add_argument(
        "--json", help="write every sample and the summary here (refused on a busy machine)"
    )
    p.add_argument(
        "--markdown", help="write the result tables here (for the page; refused on a busy machine)"
    )
    p.add_argument(
        "--noisy",
        action="store_true",
        help=f"write --json/--markdown even when the load exceeds {QUIET_LOAD} (marked noisy)",
    )
    p.add_argument("--chart", help="write an SVG chart here")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument(
        "--profile",
        action="store_true",
        help="run each in-process backend's operation under cProfile and print where the time "
        "goes (timings are inflated: not for tables)",
    )
    args = p.parse_args(argv)
    args.only = [x.strip().upper() for x in args.only.split(",") if x.strip()]
    bad = [x for x in args.only if x != "S" and x not in wl.WORKLOADS]
    if bad:
        p.error(f"unknown workload(s) {bad}; choose from {sorted(wl.WORKLOADS)} and S")
    args.backends = [x.strip() for x in args.backends.split(",") if x.strip()]
    if set(args.backends) - set(BACKENDS):
        p.error(f"unknown backend(s) {set(args.backends) - set(BACKENDS)}")
    if args.reps is None:
        args.reps = 2 if args.quick else 5
    if args.settle is None:
        args.settle = 0.3 if args.quick else 3.0
    if args.startup_reps is None:
        args.startup_reps = 3 if args.quick else 20
    sizes = {}
    for s in args.size:
        k, _, v = s.partition("=")
        if k.upper() not in wl.WORKLOADS or not v.isdigit() or int(v) < 1:
            p.error(f"--size {s!r}: expected like W1=50")
        sizes[k.upper()] = int(v)
    args.sizes = sizes
    return args


def bytecode_cached() -> None:
    """Every process of the run imports from cached bytecode, as an installed program does.

    A development shell may set ``PYTHONDONTWRITEBYTECODE``; a fresh interpreter (W6, the
    CNI plugins) would then compile rawns from source on every run and measure the
    compiler. The variable is dropped for this process and its children, and the checkout's
    bytecode is brought up to date before anything is timed.
    """
    import compileall

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    for tree in ("rawns", "benchmarks", "tests"):
        compileall.compile_dir(str(Path(__file__).resolve().parent.parent / tree), quiet=1)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1])
    bytecode_cached()
    if argv[:1] == ["--w8"]:
        return _cni_workload.main(argv[1:])
    if argv[:1] == ["--w9"]:
        return _tc_workload.main(argv[1:])
    if argv[:1] == ["--w10"]:
        return _aio_workload.main(argv[1:])
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("benchmarks/run.py needs root (it creates network namespaces)", file=sys.stderr)
        return 2
    h = Harness(args)

    def on_term(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    try:
        return h.run()
    except KeyboardInterrupt:
        print("interrupted: namespaces removed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
