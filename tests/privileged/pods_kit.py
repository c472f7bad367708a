"""Shared by the rawns.pods tests: a one-node setup and an ``ip``/``bridge``/``nft`` snapshot.

The snapshot is :func:`tests.privileged.kstate.snapshot` (links, addresses,
routes of every table, rules, the nf_tables ruleset) plus the permanent
neighbour entries and the bridge FDB, so "nothing changed" covers everything
the pod helpers make. Left out, because the kernel changes them on its own,
asynchronously: learned neighbours and the NOARP multicast entries made when a
link comes up; FDB entries the bridge learns from a port's own traffic (IPv6
DAD and MLD frames a pod veth sends when it comes up, shown with an empty or
"stale" state); IPv6 link-local addresses and their routes (added when a
bridge gains carrier, the route dropped when it loses it).
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import run

from . import kstate

NODE_SUBNET = "10.244.1.0/24"
NODE_GW = "10.244.1.1"
POD_IP = "10.244.1.2/24"


def _neigh(ns: str) -> list[str]:
    out = run("ip", "-n", ns, "-j", "neigh", "show", "nud", "all")
    rows = json.loads(out) if out.strip() else []
    return sorted(json.dumps(r, sort_keys=True) for r in rows if "PERMANENT" in r.get("state", []))


def _fdb(ns: str) -> list[str]:
    out = run("bridge", "-n", ns, "-j", "fdb", "show")
    rows = json.loads(out) if out.strip() else []
    learned = ("", "stale")
    return sorted(json.dumps(r, sort_keys=True) for r in rows if r.get("state", "") not in learned)


def snapshot(*names: str) -> dict[str, Any]:
    """The state of each namespace in ``names``, keyed by name."""
    out: dict[str, Any] = {}
    for ns in names:
        s = kstate.snapshot(ns)
        for k in ("addrs", "routes"):
            s[k] = [x for x in s[k] if not any(str(v).startswith('"fe80:') for v in x)]
        s["neigh"] = _neigh(ns)
        s["fdb"] = _fdb(ns)
        out[ns] = s
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What changed, per namespace; empty if nothing did."""
    lines = []
    for ns in before:
        d = kstate.diff(before[ns], after[ns])
        if d:
            lines.append(f"in {ns}:\n{d}")
    return "\n".join(lines)


def assert_unchanged(before: dict[str, Any], *names: str, what: str = "") -> None:
    after = snapshot(*names)
    d = diff(before, after)
    assert not d, f"{what}: the state changed:\n{d}"
