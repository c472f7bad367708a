"""Traffic-control state of a namespace, for "nothing changed" checks.

:func:`tc_state` reads it with rawns (fast, after every call of the bad-input
suite); :func:`tc_oracle` with ``tc -j`` (qdiscs, filters) and ``tc`` text
(classes: tc 6.1 prints htb classes as text even with ``-j``), counters aside.
"""

from __future__ import annotations

import json
from typing import Any

from rawns import Handle, link, tc
from tests.conftest import run

#: What traffic changes (counters, timestamps) rather than a request.
_VOLATILE = {
    "bytes", "packets", "drops", "overlimits", "requeues", "backlog", "qlen", "stats",
    "last_used", "first_used", "expires", "installed", "tokens", "ctokens", "lended",
    "borrowed", "giants", "direct_packets_stat", "not_in_hw", "ref", "bind", "refcnt",
}  # fmt: skip


def tc_state(h: Handle) -> list[str]:
    """Every qdisc, class and filter (root, ingress and clsact parents) of every link."""
    out = [repr(q) for q in tc.qdisc.dump(h)]
    for lk in link.dump(h):
        out += [repr(c) for c in tc.tclass.dump(h, lk.index)]
        for parent in ("root", "ffff:fff1", "ffff:fff2", "ffff:fff3"):
            out += [repr(f) for f in tc.filter.dump(h, lk.index, parent=parent)]
    return sorted(out)


def _strip(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if k not in _VOLATILE}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def tc_oracle(ns: str) -> dict[str, Any]:
    """The same, as ``tc`` lists it: qdiscs, then per link its classes and filters."""
    links = json.loads(run("ip", "-n", ns, "-j", "link", "show"))
    state: dict[str, Any] = {
        "qdisc": _strip(json.loads(run("tc", "-n", ns, "-j", "qdisc") or "[]"))
    }
    for lk in links:
        dev = lk["ifname"]
        state[f"class {dev}"] = run("tc", "-n", ns, "class", "show", "dev", dev).splitlines()
        for where in ("root", "ingress", "egress"):
            out = run("tc", "-n", ns, "-j", "filter", "show", "dev", dev, where, check=False)
            state[f"filter {dev} {where}"] = _strip(json.loads(out or "[]"))
    return state
