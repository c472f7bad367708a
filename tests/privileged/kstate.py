"""Kernel state of one namespace, read by the outside oracles (ip, nft), for before/after checks.

A snapshot keeps the stable fields of links, addresses, routes (every table,
both families), rules and the nf_tables ruleset, so that "the kernel state is
unchanged" can be asserted without rawns judging itself.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import ip_json, run

_LINK_KEYS = ("ifindex", "ifname", "flags", "mtu", "master", "address", "link", "txqlen")
_ADDR_KEYS = ("family", "local", "prefixlen", "address", "broadcast", "label", "scope")
_ROUTE_KEYS = ("dst", "gateway", "dev", "table", "type", "protocol", "metric", "prefsrc", "scope")


#: Link flags the kernel flips on its own (carrier detection runs asynchronously).
_VOLATILE_FLAGS = {"NO-CARRIER", "LOWER_UP", "M-DOWN", "DORMANT"}


def _pick(obj: dict[str, Any], keys: tuple[str, ...]) -> tuple[Any, ...]:
    out = []
    for k in keys:
        v = obj.get(k)
        if k == "flags" and isinstance(v, list):
            v = sorted(set(v) - _VOLATILE_FLAGS)
        out.append(json.dumps(v, sort_keys=True))
    return tuple(out)


def snapshot(ns: str) -> dict[str, Any]:
    links = ip_json(ns, "-d", "link", "show")
    state: dict[str, Any] = {
        "links": sorted(
            (*_pick(x, _LINK_KEYS), (x.get("linkinfo") or {}).get("info_kind")) for x in links
        ),
        "addrs": sorted(
            (x["ifname"], *_pick(a, _ADDR_KEYS))
            for x in ip_json(ns, "addr", "show")
            for a in x.get("addr_info", [])
        ),
        "routes": sorted(
            _pick(r, _ROUTE_KEYS)
            for fam in ("-4", "-6")
            for r in ip_json(ns, fam, "route", "show", "table", "all")
        ),
        "rules": sorted(
            json.dumps(r, sort_keys=True)
            for fam in ("-4", "-6")
            for r in ip_json(ns, fam, "rule", "show")
        ),
        "nft": nft_ruleset(ns),
    }
    return state


def nft_ruleset(ns: str) -> list[Any]:
    out = run("ip", "netns", "exec", ns, "nft", "-j", "list", "ruleset")
    items = json.loads(out)["nftables"] if out.strip() else []
    return [x for x in items if "metainfo" not in x]


def diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    """A readable account of what changed, empty if nothing did."""
    lines = []
    for k in before:
        b, a = before[k], after[k]
        if b != a:
            gone = [x for x in b if x not in a]
            new = [x for x in a if x not in b]
            lines.append(f"{k}: gone {gone} new {new}")
    return "\n".join(lines)
