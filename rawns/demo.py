"""The demo behind ``python -m rawns demo``.

It builds throwaway namespaces, works inside them through rawns handles, proves
what it claims, prints a report and removes everything it made, also when
interrupted. The machine's own network namespace is never touched.
"""

from __future__ import annotations

import argparse
import contextlib
import time
import uuid
from collections.abc import Callable

from . import link, netns
from .handle import Handle

__all__ = ["main"]


class Report:
    """Pass/fail lines with timings; ``ok`` is false after any failure."""

    def __init__(self) -> None:
        self.ok = True

    def check(self, what: str, fn: Callable[[], str]) -> None:
        t0 = time.perf_counter()
        try:
            detail = fn()
            status = "PASS"
        except Exception as e:  # the report shows every failure and goes on
            detail = f"{type(e).__name__}: {e}"
            status = "FAIL"
            self.ok = False
        ms = (time.perf_counter() - t0) * 1000
        print(f"  [{status}] {what:<58} {ms:7.1f} ms  {detail}", flush=True)


def run_demo(keep: bool = False) -> bool:
    tag = uuid.uuid4().hex[:6]
    names = [f"rawns-demo-red-{tag}", f"rawns-demo-blue-{tag}"]
    made: list[netns.Netns] = []
    rep = Report()
    print(f"rawns demo: namespaces {', '.join(names)} (the host's namespace is not touched)")
    try:
        for n in names:
            made.append(netns.create(n, delete_on_exit=not keep))

        def listed() -> str:
            present = [n for n in names if n in netns.dump()]
            assert present == names, f"missing from /run/netns: {set(names) - set(present)}"
            return "both listed under /run/netns (ip netns list)"

        rep.check("namespaces created like `ip netns add`", listed)

        def handles() -> str:
            seen = []
            for ns in made:
                with Handle.open(netns=ns) as h:
                    seen.append(",".join(lk.name for lk in link.dump(h)))
            assert all(s == "lo" for s in seen), seen
            return "each handle sees only its own loopback"

        rep.check("handles opened inside each namespace", handles)
    finally:
        for ns in made:
            ns.close()
            if not keep:
                with contextlib.suppress(FileNotFoundError):
                    netns.delete(ns.name or "")
    if keep:
        cmds = "; ".join(f"ip netns del {n}" for n in names)
        print(f"--keep: left in place; remove with: {cmds}")
    else:
        left = [n for n in names if n in netns.dump()]
        print("cleanup: " + ("nothing left behind" if not left else f"LEFT {left}"))
        rep.ok = rep.ok and not left
    print("result: " + ("all checks passed" if rep.ok else "FAILED"))
    return rep.ok


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m rawns")
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("demo", help="build the seed scenario in throwaway namespaces and prove it")
    d.add_argument("--keep", action="store_true", help="leave the topology up for inspection")
    args = p.parse_args(argv)
    if args.cmd == "demo":
        return 0 if run_demo(keep=args.keep) else 1
    return 2  # pragma: no cover - argparse enforces the choices
