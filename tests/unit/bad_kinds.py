"""Invalid values of every value kind, and where the public API takes each kind.

Shared by the property-based bad-input suite (``tests/unit/test_bad_kinds.py``:
spec constructors and pure builders; ``tests/privileged/test_bad_kinds_state.py``:
the verbs, with kernel state compared before and after) and by
``tests/unit/test_no_raw_errors.py``.

Three parts:

* **Kinds.** :data:`rawns._check.KINDS` describes each value kind the library
  checks (accepted types, range, length limit, forbidden characters, extra
  invalid values). :data:`LOCAL` adds, in the same :class:`~rawns._check.Kind`
  shape, the per-argument word lists (a hook, a chain type), the object kinds
  (a spec, a Table) and a few ranges particular to one field. A name
  ``"list[X]"`` is a sequence of ``X``.
* **Invalid values.** :func:`edges` lists, deterministically, the invalid
  values a kind's description implies (wrong types from :data:`POOL`, integers
  just outside the range and at the 2**8 ... 2**64 boundaries, strings one
  byte too long, with a NUL, a forbidden character or a lone surrogate
  inserted, and ``Kind.bad``); :func:`invalid` is the hypothesis strategy
  that draws from the same description at random.
* **The table.** :data:`TARGETS`: each public callable with a valid base call
  and a map of its parameters to kind names; :data:`EXEMPT` lists, with a
  reason, the parameters that take no value kind. A coverage test checks
  that every parameter of every public callable is in one or the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import inspect
import ipaddress
import math
import os
import signal
import struct
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

import rawns.nexthop as nexthop
from rawns import (
    Handle,
    addr,
    aio,
    compose,
    link,
    monitor,
    neigh,
    netns,
    nft,
    pods,
    route,
    rule,
    sysctl,
    tc,
)
from rawns import topology as topo
from rawns._check import KINDS, Kind
from rawns.errors import KernelError
from rawns.nft import chains as nft_chains
from rawns.nft import expr as nft_expr
from rawns.nft import match as nft_match
from rawns.nft import render as nft_render
from rawns.nft import rules as nft_rules
from rawns.nft import sets as nft_sets
from rawns.nft import tables as nft_tables

# ---------------------------------------------------------------------------
# counting: how many (callable, argument, invalid value) combinations ran

COUNTS: dict[str, int] = {}


def count(group: str, n: int = 1) -> None:
    COUNTS[group] = COUNTS.get(group, 0) + n


class _Summary:
    """Prints the combinations tried, as tests/fuzz/conftest.py prints fuzz inputs."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not COUNTS:
            return
        terminalreporter.section("bad-input combinations tried")
        for name, n in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{n:>8}  {name}")
        terminalreporter.write_line(f"{sum(COUNTS.values()):>8}  total")


def register_summary(config: Any) -> None:
    """Register the terminal-summary hook once per session (called from a fixture)."""
    if not config.pluginmanager.has_plugin("rawns-bad-kinds-summary"):
        config.pluginmanager.register(_Summary(), "rawns-bad-kinds-summary")


# ---------------------------------------------------------------------------
# stand-ins: objects that look like a Handle or a Netns but are not


class FakeHandle:
    """Has a Handle's attribute names; is not one (a duck-typed verb would take it)."""

    rtnl = None
    nfnl = None
    closed = False
    netns = None
    netns_ident = (0, 0)
    netns_label = "fake"

    def __repr__(self) -> str:
        return "<FakeHandle>"


class FakeNetns:
    """Has a Netns's attribute names; is not one. Its fd is -1: nothing to close."""

    fd = -1
    name = "fake"
    path = None
    closed = False

    def __repr__(self) -> str:
        return "<FakeNetns>"


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque>"


FAKE_HANDLE = FakeHandle()
FAKE_NETNS = FakeNetns()
NAN = float("nan")
INF = float("inf")

#: Wrong-type candidates: each is tried wherever its type is not accepted.
POOL: tuple[object, ...] = (
    None,
    True,
    False,
    0,
    1,
    -1,
    2**64,
    0.0,
    1.0,
    1.5,
    NAN,
    INF,
    -INF,
    1j,
    "",
    "x",
    "1",
    "no",
    b"",
    b"x",
    bytearray(b"x"),
    [],
    [1],
    (),
    (1,),
    {},
    {"a": 1},
    frozenset(),
    Opaque(),
    FAKE_HANDLE,
    FAKE_NETNS,
)

#: Integer boundaries: each outside a kind's range is an invalid value of it.
BOUNDS: tuple[int, ...] = tuple(
    sorted(
        {
            s * ((1 << b) + d)
            for b in (8, 16, 24, 31, 32, 63, 64)
            for d in (-1, 0, 1)
            for s in (1, -1)
        }
        | {0, 1, -1, 10**30, -(10**30)}
    )
)

# ---------------------------------------------------------------------------
# kinds the library does not describe itself: word lists, objects, field ranges


def _ints(
    name: str, lo: int, hi: int, good: int | None = None, bad: tuple[object, ...] = ()
) -> Kind:
    return Kind(name, (int,), lo if good is None else good, lo, hi, bad=bad)


def _words(name: str, good: str, *bad: object, types: tuple[type, ...] = (str,)) -> Kind:
    """One of a set of words: ``good`` is one, ``bad`` are not (plus "" and mangled ``good``)."""
    return Kind(name, types, good, bad=("nosuch", *bad))


def _obj(name: str, *types: type) -> Kind:
    """An object kind: anything else is a wrong type."""
    return Kind(name, types, None)


_Net = (str, ipaddress.IPv4Network, ipaddress.IPv6Network, ipaddress.IPv4Address)
_IFACE = (str, ipaddress.IPv4Interface, ipaddress.IPv6Interface, ipaddress.IPv4Address)

LOCAL: dict[str, Kind] = {
    k.name: k
    for k in (
        # ranges of one field
        _ints("queues", 1, 4096),  # rtnl_create_link
        _ints("pvid", 0, 4094),
        _ints("br_state", 0, 4),  # BR_STATE_DISABLED..BLOCKING
        _ints("br_port_prio", 0, 63),
        _ints("br_port_cost", 1, 0xFFFF),
        _ints("uid", 0, 0xFFFFFFFE),  # (uid_t)-1 means "none"
        _ints("weight", 1, 256),  # rtnh_hops + 1
        _ints("route_mtu", 1, 0xFFFFFFFF),
        _ints("lft", 1, 0xFFFFFFFF),  # valid_lft 0 is refused
        _ints("ifindex0", 0, 0x7FFFFFFF),  # 0 = any, in dump filters
        _ints("route_pref", 0, 3, bad=(2,)),  # RTA_PREF: 0 medium, 1 high, 3 low
        _ints("nexthop_id", 1, 0xFFFFFFFF),  # NHA_ID, RTA_NH_ID
        _ints("route_expires", 1, 0xFFFFFFFE),  # RTA_EXPIRES seconds (0xFFFFFFFF: forever)
        _ints("nh_weight", 1, 65536),  # nexthop_grp: weight - 1 in 16 bits
        _ints("nh_group_type", 0, 1),  # NEXTHOP_GRP_TYPE_MPATH, _RES
        _ints("ip_version", 4, 6, bad=(5,)),
        _ints("fd", 0, 0x7FFFFFFF),
        _ints("netns_fd", -1, 0x7FFFFFFF),  # -1: a Netns already closed
        _ints("rcvbuf", 1, 0x7FFFFFFF),
        _ints(
            "signum",
            1,
            64,
            good=int(signal.SIGTERM),
            bad=(int(signal.SIGKILL), int(signal.SIGSTOP)),
        ),
        Kind("af_inet", (int,), 0, bad=(1, 3, 7, 255, 256, -1, 2**32)),  # 0, AF_INET, AF_INET6
        Kind("af_neigh", (int,), 0, bad=(1, 3, 255, 256, -1, 2**32)),  # + AF_BRIDGE
        Kind("gen", (bool, int), False, 0, 0xFFFFFFFF),  # check_generation: a bool or an id
        Kind("nud", (int, str), "permanent", 0, 0xFFFF, bad=("nosuch",)),
        Kind("fr_act", (int, str), 1, 0, 255, bad=("nosuch",)),
        Kind("rt_table", (int, str), 100, 0, 0xFFFFFFFF, bad=("nosuch",)),
        Kind("l4proto", (int, str), "tcp", 0, 255, bad=("nosuch",)),
        Kind(
            "nft_prio",
            (int, str),
            0,
            -(1 << 31),
            (1 << 31) - 1,
            bad=("nosuch", "filter +", "4294967296", "filter + 2147483648"),
        ),
        Kind(
            "nft_ports",  # a port to match (0 included, as nft) or a (first, last) pair
            (int, tuple),
            80,
            0,
            0xFFFF,
            bad=((2, 1), (-1, 5), (1, 70000), (1,), (1, 2, 3), ("1", 2)),
        ),
        Kind("monitor_group", (int, str), "link", bad=("nosuch", 0, -1, 2**32)),
        Kind("uid_range", (tuple,), (0, 100), bad=((5, 1), (-1, 5), (0, 2**32), (1,), (1, 2, 3))),
        Kind(
            "rtax_metrics",
            (tuple, list),
            ((2, 1400),),
            bad=(
                ((2**16, 1),),
                ((2, 2**32),),
                ((2, -1),),
                ((-1, 1),),
                ((2,),),
                (1, 2),
                ((2, 1.5),),
            ),
        ),
        # words
        _words("nft_family", "ip", "ipv4", 4, 6, 255, -1, 2**32, types=(str, int)),
        _words("neigh_family", "inet", "inet7", 1, 3, 255, -1, 2**32, types=(str, int)),
        _words("rule_family", "inet", "inet7", 1, 3, 255, -1, 2**32, types=(str, int)),
        _words("nft_hook", "input"),
        _words("nat_hook", "postrouting", "forward"),
        _words("nat_family", "ip", "arp", "netdev"),
        _words("chain_type", "filter"),
        _words("chain_policy", "accept", "reject"),
        _words("set_key", "ipv4_addr"),
        _words("nft_typeof", "tcp dport", "tcp  dport", "meta iifname"),
        _words("set_policy", "performance"),
        _words("nat_proto", "tcp", "icmp"),
        _words("filter_action", "accept"),
        _words("verdict_kind", "accept"),
        _words("ct_state", "established"),
        _words("which_addr", "saddr", "src"),
        _words("which_if", "iif", "iifname"),
        _words("which_port", "dport", "port"),
        _words("macvlan_mode", "bridge"),
        _words("vlan_proto", "802.1Q", "802.1X"),
        _words("fdb_on", "self"),
        # strings and byte strings
        Kind("addr_label", (str,), "d0:x", max_bytes=15, forbid="\0"),
        Kind("ifname_match", (str,), "eth0", max_bytes=15, forbid="\0"),
        Kind(
            "sysctl_key",
            (str, tuple, list),
            "net.ipv4.ip_forward",
            # '/' inside a later component is sysctl(8)'s dot (net.ipv4.conf.eth0/100.x)
            forbid="\0",
            bad=(
                "n/et.ipv4.ip_forward",
                "net/ipv4/ip_forward",
                "net.ipv4.//.ip_forward",
                "kernel.nosuch_rawns_key",
                "net..ipv4",
                "net.ipv4.ip_forward.",
                ("net", "..", "kernel", "nosuch_rawns_key"),
                ("net", "ipv4", 5),
                ("net", "a/b"),
            ),
        ),
        Kind("sysctl_value", (str, int, bool), "0", bad=("0\0", "1" * 4097)),
        # a Handle, a Netns, or a name, path (absolute) or pid: rawns.netns.NetnsLike
        Kind("sysctl_where", (str, int), "red", 1, 0x7FFFFFFF, forbid="\0", bad=(".", "..", "a/b")),
        Kind("netns_spec", (str,), "red", max_bytes=255, forbid="/\0", bad=(".", "..")),
        # optional rawns.netns.NetnsLike: a Netns, a name, an absolute path or a pid
        Kind(
            "netns_like_opt",
            (str, int),
            "red",
            1,
            0x7FFFFFFF,
            max_bytes=255,
            forbid="\0",  # a "/" makes a path (absolute only)
            bad=(".", "..", "a/b", "/proc/self/stat"),
        ),
        Kind("run_dir", (str,), "/run/netns", empty_ok=True),
        Kind("path_text", (str,), "/run/netns/red", forbid="\0"),
        Kind("inet_service", (int, str), 80, 0, 0xFFFF, bad=("x", "70000", "-1")),
        Kind(
            "ns_path", (str,), "/proc/self/ns/net", bad=("", "/proc/self/stat", "/proc/self/ns/uts")
        ),
        Kind("netns_prefix", (str,), "rawns-", empty_ok=True, forbid="/\0"),
        Kind("stale_prefix", (str,), "rawns-", forbid="/\0"),
        Kind(
            "ipnet", _Net, "10.0.0.0/8", bad=("10.0.0.0/33", "10.0.0.256", "fe80::1%eth0", "x", "")
        ),
        Kind(
            "ip4addr",
            (str, ipaddress.IPv4Address),
            "10.0.0.255",
            bad=("2001:db8::1", "10.0.0.256", "", "10.0.0.1/24"),
        ),
        Kind(
            "member_addr",
            (str,),
            "192.168.15.1",
            bad=("192.168.15.256", "x", "fe80::1%eth0", "192.168.15.1/33", ""),
        ),
        Kind(
            "lladdr_any",
            (str, bytes),
            "02:00:00:00:00:01",
            bad=("", "zz", b"\x02" * 33, "02:00:00:00:00:01\0"),
        ),
        Kind("nft_data", (bytes,), b"\x01", bad=(b"", b"x" * 65)),
        Kind("nft_userdata", (bytes,), b"\x00\x01x", bad=(b"x" * 257,)),
        Kind("addr_arg", (*_IFACE, addr.Address), "10.0.0.5/24", bad=KINDS["interface"].bad),
        Kind(
            "route_item",
            (str, route.Route),
            "10.6.0.0/24",
            bad=("10.0.0.0/33", "x", "10.0.0.1/8", ""),
        ),
        # objects
        _obj("linkspec", link.LinkSpec),
        _obj("tuntap", link.Tun, link.Tap),
        _obj("link_obj", link.Link),
        _obj("bridgeport", link.BridgePort),
        _obj("address_obj", addr.Address),
        _obj("route_obj", route.Route),
        _obj("nexthop", route.Nexthop),
        _obj("nh_obj", nexthop.NexthopObject),
        Kind("nh_member", (int, nexthop.Member), 1, 1, 0xFFFFFFFF),
        Kind("nh_ref", (int, nexthop.NexthopObject), 1, 1, 0xFFFFFFFF),
        _obj("neighbour_obj", neigh.Neighbour),
        _obj("rule_obj", rule.Rule),
        _obj("table_obj", nft.Table),
        _obj("chain_obj", nft.Chain),
        _obj("set_obj", nft.Set),
        _obj("nft_rule_obj", nft.Rule),
        _obj("rule_or_chain", nft.Rule, nft.Chain),
        _obj("nft_obj", nft.Table, nft.Chain, nft.Set, nft.Rule),
        _obj("element", nft.Element),
        _obj("expr", nft.Expr),
        _obj("expr_part", nft.Expr, list),
        _obj("ruleset_obj", nft.Ruleset),
        _obj("datatype", nft_sets.Datatype),
        _obj("netns_obj", netns.Netns),
        _obj("member_obj", topo.Member),
        _obj("forward_obj", topo.Forward),
        _obj("step_obj", compose.Step),
        # traffic control (rawns.tc)
        Kind("htb_default", (int, str), 0x10, 0, 0xFFFFFFFF, bad=("x", "1g", "")),
        _ints("r2q", 1, 0xFFFFFFFF),
        _ints("htb_prio", 0, 7),
        _ints("s16", -(1 << 15), (1 << 15) - 1),
        _ints(
            "tc_dump_type", 38, 46, bad=(39, 40, 41, 43, 44, 45)
        ),  # RTM_GET{QDISC,TCLASS,TFILTER}
        _ints("ifindex0", 0, 0x7FFFFFFF),  # an ifindex, or 0: every link
        Kind("eth_proto", (int, str), "ip", 0, 0xFFFF, bad=("nosuch",)),
        Kind("tc_kind", (str,), "netem", max_bytes=15, forbid="\0"),
        _words("mirred_action", "redirect"),
        _words("mirred_direction", "egress"),
        _obj("tc_qdisc_opts", *tc._types._QDISC_OPTIONS),
        _obj("tc_class_opts", tc.HtbClass, tc.Unknown),
        _obj("tc_filter_opts", tc.U32, tc.Unknown),
        _obj("tc_qdisc_obj", tc.Qdisc),
        _obj("tc_class_obj", tc.Class),
        _obj("tc_filter_obj", tc.Filter),
        _obj("u32key", tc.U32Key),
        _obj("tc_action", tc.Mirred, tc.UnknownAction),
        _obj("attachment_obj", pods.Attachment),
        _obj("peer_obj", pods.Peer),
        Kind(
            "netns_like",
            (netns.Netns, str, int),
            "/proc/self/ns/net",
            1,
            0x7FFFFFFF,
            max_bytes=4095,
            bad=(".", "..", "", "/proc/self/stat", "/proc/self/ns/uts"),
        ),
        Kind(
            "container_id",
            (str,),
            "abc123",
            max_bytes=200,
            forbid=" /:%\n",
            bad=("", "-x", ".x", "a b", "ä"),
        ),
        Kind("name_attempt", (int,), 0, 0, 15),
        _words("nud_name", "permanent", "nosuch", "", "perm"),
        Kind("nft_data_or_verdict", (bytes, nft.Verdict), b"\x01", bad=(b"", b"x" * 65)),
        Kind(
            "ip_map",
            (dict,),
            {"10.0.0.1": "10.0.0.2"},
            bad=({"10.0.0.256": "10.0.0.1"}, {"10.0.0.1": "x"}),
        ),
    )
}

#: Kinds for which None is a valid value whatever the parameter's default says
#: (``sysctl.get(None, ...)`` is the caller's namespace).
NONE_VALID = {"sysctl_where", "netns_spec", "netns_like_opt"}


def kind(name: str) -> Kind:
    if name.startswith("list[") and name.endswith("]"):
        inner = kind(name[5:-1])
        return Kind(name, (list, tuple), [inner.good])
    return KINDS[name] if name in KINDS else LOCAL[name]


def all_kind_names() -> list[str]:
    return [*KINDS, *LOCAL]


# ---------------------------------------------------------------------------
# invalid values from a description


def _accepted_type(value: object, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    if isinstance(value, bytearray):
        return bytes in types or bytearray in types
    return isinstance(value, types)


def _seed(k: Kind) -> str:
    return k.good if isinstance(k.good, str) and k.good else "x"


def int_edges(k: Kind) -> list[int]:
    lo, hi = k.lo, k.hi
    out: list[int] = []
    if lo is not None:
        out += [lo - 1, lo - 2]
    if hi is not None:
        out += [hi + 1, hi + 2]
    out += [b for b in BOUNDS if (lo is not None and b < lo) or (hi is not None and b > hi)]
    return list(dict.fromkeys(out))


def str_edges(k: Kind) -> list[str]:
    g = _seed(k)
    out: list[str] = []
    if not k.empty_ok:
        out.append("")
    out += [g + "\0", "\0" + g, g[:1] + "\0" + g[1:], g + "\udc80", "\ud800" + g]
    out += [g[:1] + c + g[1:] for c in k.forbid if c != "\0"]
    if k.max_bytes is not None:
        out += [
            "a" * (k.max_bytes + 1),
            "\u00e9" * (k.max_bytes // 2 + 1),
            "a" * (k.max_bytes * 4 + 9),
        ]
    return list(dict.fromkeys(out))


def wrong_types(k: Kind, none_ok: bool) -> list[object]:
    out = [v for v in POOL if not _accepted_type(v, k.types)]
    if list in k.types or tuple in k.types or dict in k.types:
        # an empty iterable of another type is an empty sequence, not a wrong type
        out = [v for v in out if not (isinstance(v, Iterable) and not v)]
    if none_ok:
        out = [v for v in out if v is not None]
    return out


def edges(name: str, none_ok: bool = False) -> list[object]:
    """Every invalid value the description of kind ``name`` implies, in a fixed order."""
    none_ok = none_ok or name in NONE_VALID
    if name.startswith("list[") and name.endswith("]"):
        inner_name = name[5:-1]
        inner = kind(inner_name)
        out: list[object] = [
            v for v in (None, 1, 1.5, Opaque(), FAKE_NETNS) if not (none_ok and v is None)
        ]
        bad_items = edges(inner_name)
        step = max(1, len(bad_items) // 10)
        out += [[b] for b in bad_items[::step]]
        if inner.good is not None:
            out += [[inner.good, b] for b in bad_items[:: step * 3]]
        return out
    k = kind(name)
    out = wrong_types(k, none_ok)
    if int in k.types and (k.lo is not None or k.hi is not None):
        out += int_edges(k)
    if str in k.types:
        out += str_edges(k)
    out += list(k.bad)
    # a value may be both in Kind.bad and implied; keep the first
    seen: list[object] = []
    for v in out:
        if not any(v is s or (type(v) is type(s) and _same(v, s)) for s in seen):
            seen.append(v)
    return seen


def _same(a: object, b: object) -> bool:
    try:
        return bool(a == b) and repr(a) == repr(b)
    except Exception:  # comparing hostile values
        return False


def invalid(name: str, none_ok: bool = False) -> st.SearchStrategy[object]:
    """A hypothesis strategy of invalid values of kind ``name``, from its description."""
    none_ok = none_ok or name in NONE_VALID
    fixed = edges(name, none_ok)
    parts: list[st.SearchStrategy[object]] = [st.sampled_from(fixed)] if fixed else []
    if name.startswith("list["):
        inner = name[5:-1]
        parts.append(st.lists(invalid(inner), min_size=1, max_size=3))
        return st.one_of(parts)
    k = kind(name)
    if int in k.types and bool not in k.types:
        if k.lo is not None:
            parts.append(st.integers(max_value=k.lo - 1))
        if k.hi is not None:
            parts.append(st.integers(min_value=k.hi + 1))
    if str in k.types:
        g = _seed(k)
        pos = st.integers(0, len(g))
        parts.append(pos.map(lambda i: g[:i] + "\0" + g[i:]))
        parts.append(
            st.tuples(pos, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)).map(
                lambda t: g[: t[0]] + t[1] + g[t[0] :]
            )
        )
        forbid = [c for c in k.forbid if c != "\0"]
        if forbid:
            parts.append(
                st.tuples(pos, st.sampled_from(forbid)).map(lambda t: g[: t[0]] + t[1] + g[t[0] :])
            )
        if k.max_bytes is not None:
            mb = k.max_bytes
            parts.append(st.integers(mb + 1, mb + 40).map(lambda n: "b" * n))
            parts.append(
                st.text(
                    st.characters(min_codepoint=0x100, max_codepoint=0x7FF),
                    min_size=mb // 2 + 1,
                    max_size=mb // 2 + 20,
                )
            )
    return st.one_of(parts)


def sample(values: list[object], n: int) -> list[object]:
    """At most ``n`` of ``values``, spread evenly (deterministic)."""
    if len(values) <= n:
        return values
    step = len(values) / n
    return [values[int(i * step)] for i in range(n)]


# ---------------------------------------------------------------------------
# calling with one argument replaced, and judging the outcome


def call_with(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], param: str, value: object
) -> Any:
    """``fn(*args, **kwargs)`` with argument ``param`` replaced by ``value``."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn(*args, **{**kwargs, param: value})
    p = sig.parameters.get(param)
    if p is None:  # a key of **kwargs
        return fn(*args, **{**kwargs, param: value})
    bound = sig.bind_partial(*args, **kwargs)
    bound.arguments[param] = (value,) if p.kind is p.VAR_POSITIONAL else value
    return fn(*bound.args, **bound.kwargs)


def _candidates(value: object) -> Iterator[object]:
    yield value
    if isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from _candidates(v)
    elif isinstance(value, dict):
        for kv in value.items():
            yield from _candidates(kv)


def shows(msg: str, value: object) -> bool:
    """Whether an error message shows ``value`` (its repr, str for numbers; a prefix if long)."""
    for v in _candidates(value):
        if isinstance(v, str | bytes) and not v:
            if "empty" in msg or repr(v) in msg:
                return True
            continue
        r = repr(v)
        if r in msg or (len(r) > 40 and r[:21] in msg):
            return True
        if isinstance(v, str | bytes) and len(v) > 40:
            n = len(v.encode()) if isinstance(v, str) else len(v)
            if f"{n} bytes" in msg or f"{len(v)} " in msg:
                return True
        if isinstance(v, str) and v in msg:
            return True
        if (
            isinstance(v, int | float | ipaddress._BaseAddress | ipaddress._BaseNetwork)
            and str(v) in msg
        ):
            return True
        if isinstance(v, float) and math.isnan(v) and "nan" in msg.lower():
            return True
        if isinstance(v, int) and not isinstance(v, bool) and 0 < v < signal.NSIG:
            with contextlib.suppress(ValueError):  # a signal number, shown by its name
                if signal.Signals(v).name in msg:
                    return True
    return False


#: Objects dumped through a handle on another namespace: the message names the namespace.
#: Keyed by id, holding the object itself: the reference keeps the id from being reused by
#: an unrelated value (an int of a later test) once the world that dumped it is gone.
FOREIGN: dict[int, object] = {}

RAW = (struct.error, OverflowError, KeyError, IndexError, AttributeError)


def judge(exc: BaseException | None, value: object) -> str | None:
    """None if ``exc`` is the documented refusal of ``value``; else what went wrong."""
    if exc is None:
        return "accepted (no exception)"
    if isinstance(exc, KernelError):
        return f"reached the kernel: {type(exc).__name__}: {exc}"
    if isinstance(exc, TypeError | ValueError):
        msg = str(exc)
        if FOREIGN.get(id(value), FOREIGN) is value:  # FOREIGN: no entry
            return (
                None
                if "namespace" in msg
                else f"{type(exc).__name__} not naming the namespace: {msg[:160]}"
            )
        return None if shows(msg, value) else f"{type(exc).__name__} without the value: {msg[:160]}"
    return f"escaped {type(exc).__name__}: {str(exc)[:160]}"


def show(value: object) -> str:
    r = repr(value)
    return r if len(r) <= 60 else r[:45] + "..." + r[-8:]


def release(result: object, name: str = "") -> None:
    """Close what a wrongly accepted call returned (a Netns, a Handle, a monitor, an fd...)."""
    with contextlib.suppress(Exception):
        if isinstance(result, netns.Netns | Handle | monitor.Monitor):
            result.close()
        elif isinstance(result, topo.Applied):
            result.teardown()
        elif hasattr(result, "restore"):
            result.restore()
        elif hasattr(result, "close") and hasattr(result, "__next__"):
            result.close()
        elif name == "link.open_tuntap" and isinstance(result, int):
            os.close(result)


# ---------------------------------------------------------------------------
# the world a base call is made in


@dataclass
class World:
    """What base calls refer to. Pure targets use a World with only the fakes.

    ``h`` is a Handle on a fresh namespace ``ns`` holding links ``br0`` (bridge),
    ``d0`` (ifb), ``v0``/``v0p`` (veth, ``v0`` in ``br0``), address
    10.0.0.1/24 on ``d0``, a neighbour, a blackhole route, a rule (priority
    1000), nf_tables table ``ip t`` with chain ``c`` and set ``s``; ``h2`` a
    Handle on a second fresh namespace ``ns2``.
    """

    h: Any = None
    ns: Any = None
    h2: Any = None
    ns2: Any = None
    closed_h: Any = None
    closed_ns: Any = None
    run_dir: str = "/nonexistent-rawns-run"
    idx: dict[str, int] = field(default_factory=dict)
    mon: Any = None
    member_name: str = "rawns-bk-m"
    foreign: dict[str, list[object]] = field(default_factory=dict)

    def extras(self, kind_name: str, *, live: bool = True) -> list[object]:
        """Invalid values only a world has: closed objects, things from elsewhere.

        ``live=False`` (a spec being built): only a closed or foreign Handle;
        a closed Netns in a spec is the verb's to refuse, when it is used.
        """
        out: list[object] = []
        if kind_name == "handle":
            out += [x for x in (self.closed_h, self.ns, self.closed_ns) if x is not None]
        if not live:
            return out
        if kind_name in (
            "netns_obj",
            "netns_ref",
            "netns_arg",
            "netns_spec",
            "netns_like_opt",
            "sysctl_where",
        ):
            out += [x for x in (self.closed_ns,) if x is not None]
        if kind_name in ("netns_obj", "netns_spec", "netns_like_opt") and self.closed_h is not None:
            out.append(self.closed_h)
        out += self.foreign.get(kind_name, [])
        return out


def pure_world() -> World:
    """Closed stand-ins that need no root: a closed Handle and a closed Netns of our own."""
    w = World()
    h = Handle.open()
    h.close()
    w.closed_h = h
    ns = netns.current()
    ns.close()
    w.closed_ns = ns
    return w


# ---------------------------------------------------------------------------
# the table

Base = Callable[[World], tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]


@dataclass(frozen=True)
class Target:
    """One public callable, a valid base call, and the kind of each parameter it tests.

    ``name`` is how the coverage test finds the callable ("link.Bridge",
    "nft.Transaction.add_table"). ``verb``: takes a Handle and talks to the
    kernel (privileged suite); else pure (unit suite). ``extra``: invalid
    values for one parameter that only this call makes invalid (an IPv6
    gateway for an IPv4 address). ``skip``: values never passed (they would
    block if wrongly accepted). ``cleanup``: releases what a wrongly
    accepted call returned.
    """

    name: str
    base: Base
    kinds: dict[str, str]
    verb: bool = False
    extra: Callable[[World], dict[str, list[object]]] | None = None
    skip: Callable[[object], bool] | None = None
    touches: tuple[str, ...] = ("ns",)


TARGETS: list[Target] = []


def _pure(
    qual: str, fn: Callable[..., Any], kinds: dict[str, str], /, *args: Any, **kwargs: Any
) -> None:
    TARGETS.append(Target(qual, lambda w: (fn, args, kwargs), kinds))


def _pure_fresh(name: str, make: Base, kinds: dict[str, str]) -> None:
    TARGETS.append(Target(name, make, kinds))


def _verb(name: str, make: Base, kinds: dict[str, str], *, h: bool = True, **kw: Any) -> None:
    """A verb: ``h`` (its first parameter, a Handle) gets the handle kind unless ``h=False``."""
    TARGETS.append(Target(name, make, {"h": "handle", **kinds} if h else kinds, verb=True, **kw))


# --- link -------------------------------------------------------------------

LINK_COMMON = {
    "name": "ifname",
    "mtu": "mtu",
    "mac": "mac",
    "up": "bool",
    "master": "linkref",
    "txqlen": "u32",
    "num_tx_queues": "queues",
    "num_rx_queues": "queues",
    "alias": "alias",
    "netns": "netns_arg",
}
CHANGE_KINDS = {
    "up": "bool",
    "mtu": "mtu",
    "mac": "mac",
    "name": "ifname",
    "master": "linkref",
    "nomaster": "bool",
    "netns": "netns_arg",
    "alias": "alias",
    "txqlen": "u32",
    "group": "u32",
    "carrier": "bool",
    "arp": "bool",
    "promisc": "bool",
    "allmulticast": "bool",
    "multicast": "bool",
    "port": "bridgeport",
}
BRIDGE_KINDS = {
    "stp": "bool",
    "forward_delay": "u32",
    "hello_time": "u32",
    "max_age": "u32",
    "ageing_time": "u32",
    "priority": "u16",
    "vlan_filtering": "bool",
    "vlan_protocol": "vlan_proto",
    "mcast_snooping": "bool",
    "vlan_default_pvid": "pvid",
}
TUN_KINDS = {
    "owner": "uid",
    "group": "uid",
    "multi_queue": "bool",
    "vnet_hdr": "bool",
    "pi": "bool",
}
VETH_KINDS = {
    "peer": "ifname",
    "peer_netns": "netns_arg",
    "peer_mtu": "mtu",
    "peer_mac": "mac",
    "peer_up": "bool",
    "peer_num_tx_queues": "queues",
    "peer_num_rx_queues": "queues",
}
VXLAN_KINDS = {
    "vni": "vni",
    "remote": "ipaddr",
    "group": "ipaddr",
    "local": "ipaddr",
    "dev": "linkref",
    "port": "port",
    "port_range": "port_range",
    "ttl": "u8",
    "tos": "u8",
    "learning": "bool",
    "ageing": "u32",
    "limit": "u32",
    "proxy": "bool",
    "l2miss": "bool",
    "l3miss": "bool",
    "udp_csum": "bool",
    "external": "bool",
}

_pure("link.LinkSpec", link.LinkSpec, LINK_COMMON, name="bk0")
_pure("link.Bridge", link.Bridge, {**LINK_COMMON, **BRIDGE_KINDS}, name="bk0")
_pure("link.Dummy", link.Dummy, LINK_COMMON, name="bk0")
_pure("link.Ifb", link.Ifb, LINK_COMMON, name="bk0")
_pure(
    "link.Macvlan",
    link.Macvlan,
    {
        **LINK_COMMON,
        "link": "linkref",
        "mode": "macvlan_mode",
        "nopromisc": "bool",
        "bc_queue_len": "u32",
    },
    name="mv0",
    link="d0",
)
_pure("link.Tun", link.Tun, {**LINK_COMMON, **TUN_KINDS}, name="tn0")
_pure("link.Tap", link.Tap, {**LINK_COMMON, **TUN_KINDS}, name="tp0")
_pure("link.Veth", link.Veth, {**LINK_COMMON, **VETH_KINDS}, name="v9", peer="v9p")
_pure("link.Vxlan", link.Vxlan, {**LINK_COMMON, **VXLAN_KINDS}, name="vx0", vni=1)
_pure(
    "link.BridgePort",
    link.BridgePort,
    {
        "state": "br_state",
        "priority": "br_port_prio",
        "cost": "br_port_cost",
        **{
            f: "bool"
            for f in [
                "hairpin",
                "guard",
                "root_block",
                "fast_leave",
                "learning",
                "flood",
                "proxy_arp",
                "mcast_flood",
                "mcast_to_unicast",
                "vlan_tunnel",
                "bcast_flood",
                "neigh_suppress",
                "isolated",
                "locked",
            ]
        },
    },
    learning=True,
)
_pure("link.LinkChange", link.LinkChange, {"ref": "linkref", **CHANGE_KINDS}, ref="br0", mtu=1400)
_pure("link.LinkChange", link.LinkChange, {"up": "bool"}, ref="br0", mtu=1400)
_pure("link.build_add", link.build_add, {"spec": "linkspec"}, link.Bridge(name="bk0"))
_pure("link.build_replace", link.build_replace, {"spec": "linkspec"}, link.Bridge(name="bk0"))
_pure("link.build_delete", link.build_delete, {"ref": "linkref"}, 5)
_pure("link.build_get", link.build_get, {"ref": "linkref"}, 5)
_pure(
    "link.build_ifreq",
    link.build_ifreq,
    {"spec": "tuntap", "exclusive": "bool"},
    link.Tun(name="tn0"),
)
_pure(
    "link.build_set",
    link.build_set,
    {"ref": "linkref", **{k: v for k, v in CHANGE_KINDS.items() if k != "master"}},
    "br0",
    mtu=1400,
)
_pure(
    "link.build_set_group",
    link.build_set_group,
    {"group": "u32", "mtu": "mtu", "up": "bool"},
    7,
    mtu=1400,
)
_pure(
    "link.LinkSpec.same_kind",
    lambda existing: link.Bridge(name="bk0").same_kind(existing),
    {"existing": "link_obj"},
    link.Link(index=5, name="bk0", kind="bridge"),
)

_verb("link.add", lambda w: (link.add, (w.h, link.Bridge(name="bk0")), {}), {"spec": "linkspec"})
_verb(
    "link.replace",
    lambda w: (link.replace, (w.h, link.Bridge(name="br0")), {}),
    {"spec": "linkspec"},
)
_verb(
    "link.add_many",
    lambda w: (link.add_many, (w.h, [link.Bridge(name="bk0")]), {}),
    {"specs": "list[linkspec]", "replace": "bool", "check": "bool"},
)
_verb("link.delete", lambda w: (link.delete, (w.h, "d0"), {}), {"ref": "linkref"})
_verb(
    "link.delete_many",
    lambda w: (link.delete_many, (w.h, ["d0"]), {}),
    {"refs": "list[linkref]", "check": "bool"},
)
_verb("link.dump", lambda w: (link.dump, (w.h,), {}), {})
_verb("link.get", lambda w: (link.get, (w.h, "d0"), {}), {"ref": "linkref"})
_verb("link.resolve_index", lambda w: (link.resolve_index, (w.h, "d0"), {}), {"ref": "linkref"})
_pure(
    "link.build_altname_add",
    link.build_altname_add,
    {"ref": "linkref", "altname": "altname"},
    5,
    "a0",
)
_pure(
    "link.build_altname_delete",
    link.build_altname_delete,
    {"ref": "linkref", "altname": "altname"},
    5,
    "a0",
)
_verb(
    "link.altname_add",
    lambda w: (link.altname_add, (w.h, "d0", "d0-alt"), {}),
    {"ref": "linkref", "altname": "altname"},
)
_verb(
    "link.altname_delete",
    lambda w: (link.altname_delete, (w.h, "d0", "d0-alt"), {}),
    {"ref": "linkref", "altname": "altname"},
)
_verb(
    "link.set",
    lambda w: (link.set, (w.h, "br0"), {"mtu": 1400}),
    {"ref": "linkref", **CHANGE_KINDS},
)
_verb("link.set", lambda w: (link.set, (w.h, "br0"), {"mtu": 1400}), {"up": "bool"})
_verb(
    "link.set_group",
    lambda w: (link.set_group, (w.h, 7), {"mtu": 1400}),
    {"group": "u32", "mtu": "mtu", "up": "bool"},
)
_verb(
    "link.set_many",
    lambda w: (link.set_many, (w.h, ["br0"]), {"mtu": 1400}),
    {"items": "list[linkref]", "check": "bool", "mtu": "mtu", "txqlen": "u32", "up": "bool"},
)
_verb(
    "link.open_tuntap",
    lambda w: (link.open_tuntap, (w.h, link.Tun(name="tn0")), {}),
    {"spec": "tuntap"},
)
_verb(
    "link.LinkSpec.check_here",
    lambda w: (link.Bridge(name="bk0").check_here, (w.h,), {}),
    {"h": "handle"},
)
_verb(
    "link.LinkChange.check_here",
    lambda w: (link.LinkChange(ref="br0", mtu=1400).check_here, (w.h,), {}),
    {"h": "handle"},
)

# --- addr -------------------------------------------------------------------

ADDR_KINDS = {
    "peer": "interface",  # PEER or PEER/LEN (ip addr add ... peer PEER/LEN)
    "broadcast": "ip4addr",
    "label": "addr_label",
    "scope": "rt_scope",
    "flags": "addr_flags",
    "metric": "u32",
    "proto": "u8",
}
_pure(
    "addr.Address",
    addr.Address,
    {"index": "ifindex", "address": "interface", "family": "af_inet", **ADDR_KINDS},
    index=1,
    address="10.0.0.5/24",
)
_pure(
    "addr.Address",
    addr.Address,
    {"valid_lft": "lft", "preferred_lft": "u32"},
    index=1,
    address="10.0.0.5/24",
    valid_lft=100,
    preferred_lft=50,
)
_pure(
    "addr.build_add",
    addr.build_add,
    {"a": "address_obj"},
    addr.Address(index=1, address="10.0.0.5/24"),
)
_pure(
    "addr.build_replace",
    addr.build_replace,
    {"a": "address_obj"},
    addr.Address(index=1, address="10.0.0.5/24"),
)
_pure(
    "addr.build_delete",
    addr.build_delete,
    {"a": "address_obj"},
    addr.Address(index=1, address="10.0.0.5/24"),
)
_pure("addr.build_dump", addr.build_dump, {"family": "af_inet", "index": "ifindex0"})

for _v in ("add", "replace"):
    _f = getattr(addr, _v)
    _verb(
        f"addr.{_v}",
        lambda w, f=_f: (f, (w.h, "10.0.0.5/24"), {"dev": "d0"}),
        {"address": "addr_arg", "dev": "linkref", **ADDR_KINDS},
    )
    _verb(
        f"addr.{_v}",
        lambda w, f=_f: (
            f,
            (w.h, "10.0.0.5/24"),
            {"dev": "d0", "valid_lft": 100, "preferred_lft": 50},
        ),
        {"valid_lft": "lft", "preferred_lft": "u32"},
    )
_verb(
    "addr.delete",
    lambda w: (addr.delete, (w.h, "10.0.0.1/24"), {"dev": "d0"}),
    {"address": "addr_arg", "dev": "linkref", "peer": "interface"},
)
_verb("addr.dump", lambda w: (addr.dump, (w.h,), {}), {"dev": "linkref", "family": "af_inet"})
_verb(
    "addr.flush",
    lambda w: (addr.flush, (w.h,), {"dev": "br0"}),
    {"dev": "linkref", "family": "af_inet", "scope": "u8"},
)
_verb(
    "addr.add_many",
    lambda w: (addr.add_many, (w.h, [addr.Address(index=w.idx["d0"], address="10.0.0.6/24")]), {}),
    {"addresses": "list[address_obj]", "replace": "bool", "check": "bool"},
)

# --- route ------------------------------------------------------------------

ROUTE_KINDS = {
    "gateway": "ipaddr",
    "prefsrc": "ipaddr",
    "metric": "u32",
    "table": "u32",
    "protocol": "rt_proto",
    "scope": "rt_scope",
    "type": "rt_type",
    "tos": "u8",
    "src": "prefix",
    "via": "ipaddr",
    "nhid": "nexthop_id",
}
_pure(
    "route.Nexthop",
    route.Nexthop,
    {"gateway": "ipaddr", "oif": "ifindex", "weight": "weight", "flags": "u8", "onlink": "bool"},
    gateway="10.0.0.2",
)
_pure(
    "route.Route",
    route.Route,
    {
        "dst": "prefix",
        "oif": "ifindex",
        "iif": "ifindex",
        "flags": "u32",
        "onlink": "bool",
        "mtu": "route_mtu",
        "metrics": "rtax_metrics",
        "nexthops": "list[nexthop]",
        "family": "af_inet",
        **ROUTE_KINDS,
    },
    dst="10.1.0.0/24",
)
_pure(
    "route.Route",
    route.Route,
    {"pref": "route_pref", "expires": "route_expires"},
    dst="2001:db8::/64",
)
_R = route.Route(dst="10.1.0.0/24", oif=2)
_pure("route.build_add", route.build_add, {"route": "route_obj"}, _R)
_pure("route.build_replace", route.build_replace, {"route": "route_obj"}, _R)
_pure("route.build_delete", route.build_delete, {"route": "route_obj"}, _R)
_pure("route.label", route.label, {"route": "route_obj"}, _R)
_pure(
    "route.build_dump",
    route.build_dump,
    {"family": "af_inet", "table": "u32", "oif": "ifindex", "protocol": "u8", "type": "u8"},
)
_pure(
    "route.build_get",
    route.build_get,
    {
        "dst": "ipaddr",
        "src": "ipaddr",
        "iif": "ifindex",
        "oif": "ifindex",
        "mark": "u32",
        "tos": "u8",
        "fibmatch": "bool",
        "family": "af_inet",
        "uid": "uid",
        "ipproto": "l4proto",
        "sport": "port",
        "dport": "port",
    },
    "10.0.0.1",
)

for _v in ("add", "replace"):
    _f = getattr(route, _v)
    _verb(
        f"route.{_v}",
        lambda w, f=_f: (f, (w.h,), {"dst": "10.7.0.0/24", "dev": "d0"}),
        {
            "dst": "prefix",
            "dev": "linkref",
            "onlink": "bool",
            "mtu": "route_mtu",
            "nexthops": "list[nexthop]",
            **ROUTE_KINDS,
        },
    )
    _verb(
        f"route.{_v}",
        lambda w, f=_f: (f, (w.h,), {"dst": "2001:db8:7::/64", "dev": "d0"}),
        {"pref": "route_pref", "expires": "route_expires"},
    )
    _verb(
        f"route.{_v}",
        lambda w, f=_f: (f, (w.h, route.Route(dst="10.7.0.0/24", oif=w.idx["d0"])), {}),
        {"route": "route_obj"},
    )
_verb(
    "route.delete",
    lambda w: (route.delete, (w.h,), {"dst": "10.99.0.0/24"}),
    {"dst": "prefix", "dev": "linkref", **ROUTE_KINDS},
)
_verb(
    "route.delete",
    lambda w: (route.delete, (w.h, route.Route(dst="10.99.0.0/24", oif=w.idx["d0"])), {}),
    {"route": "route_obj"},
)
_verb(
    "route.dump",
    lambda w: (route.dump, (w.h,), {}),
    {"family": "af_inet", "table": "u32", "dev": "linkref", "protocol": "u8", "type": "u8"},
)
_verb(
    "route.flush",
    lambda w: (route.flush, (w.h,), {"table": 4242}),
    {"family": "af_inet", "table": "u32", "dev": "linkref", "protocol": "u8", "type": "u8"},
)
_verb(
    "route.get",
    lambda w: (route.get, (w.h, "10.8.0.1"), {}),
    {
        "dst": "ipaddr",
        "src": "ipaddr",
        "iif": "linkref",
        "dev": "linkref",
        "mark": "u32",
        "tos": "u8",
        "fibmatch": "bool",
        "uid": "uid",
        "ipproto": "l4proto",
        "sport": "port",
        "dport": "port",
    },
)
_verb(
    "route.add_many",
    lambda w: (route.add_many, (w.h, ["10.6.0.0/24"]), {"table": 100}),
    {
        "routes": "list[route_item]",
        "replace": "bool",
        "check": "bool",
        "table": "u32",
        "gateway": "ipaddr",
        "oif": "ifindex",
        "metric": "u32",
        "protocol": "u8",
        # the rest of RouteCommon (route.Route's fields but dst)
        **{k: v for k, v in ROUTE_KINDS.items() if k not in ("table", "metric", "protocol")},
        "iif": "ifindex",
        "flags": "u32",
        "onlink": "bool",
        "mtu": "route_mtu",
        "metrics": "rtax_metrics",
        "nexthops": "list[nexthop]",
        "family": "af_inet",
    },
)
_verb(
    "route.add_many",
    lambda w: (route.add_many, (w.h, ["2001:db8:6::/64"]), {"table": 100}),
    {"pref": "route_pref", "expires": "route_expires"},
)

# --- nexthop ----------------------------------------------------------------

NEXTHOP_KINDS = {
    "gateway": "ipaddr",
    "blackhole": "bool",
    "group": "list[nh_member]",
    "group_type": "nh_group_type",
    "fdb": "bool",
    "onlink": "bool",
    "protocol": "u8",
    "family": "af_inet",
}
_pure("nexthop.Member", nexthop.Member, {"id": "nexthop_id", "weight": "nh_weight"}, 1)
_pure(
    "nexthop.NexthopObject",
    nexthop.NexthopObject,
    {"id": "nexthop_id", "oif": "ifindex", "scope": "u8", "flags": "u32", **NEXTHOP_KINDS},
    id=1,
    oif=2,
)
_NH = nexthop.NexthopObject(id=1, oif=2)
_pure("nexthop.build_add", nexthop.build_add, {"nh": "nh_obj"}, _NH)
_pure("nexthop.build_replace", nexthop.build_replace, {"nh": "nh_obj"}, _NH)
_pure("nexthop.label", nexthop.label, {"nh": "nh_obj"}, _NH)
_pure("nexthop.build_delete", nexthop.build_delete, {"id": "nexthop_id"}, 1)
_pure("nexthop.build_get", nexthop.build_get, {"id": "nexthop_id"}, 1)
_pure(
    "nexthop.build_dump",
    nexthop.build_dump,
    {"family": "af_inet", "oif": "ifindex", "groups": "bool", "fdb": "bool"},
)
for _v in ("add", "replace"):
    _f = getattr(nexthop, _v)
    _verb(
        f"nexthop.{_v}",
        lambda w, f=_f: (f, (w.h,), {"id": 77, "dev": "d0"}),
        {"id": "nexthop_id", "dev": "linkref", **NEXTHOP_KINDS},
    )
    _verb(
        f"nexthop.{_v}",
        lambda w, f=_f: (f, (w.h, nexthop.NexthopObject(id=77, oif=w.idx["d0"])), {}),
        {"nexthop": "nh_obj"},
    )
_verb("nexthop.delete", lambda w: (nexthop.delete, (w.h, 4242), {}), {"nexthop": "nh_ref"})
_verb("nexthop.get", lambda w: (nexthop.get, (w.h, 4242), {}), {"id": "nexthop_id"})
_verb(
    "nexthop.dump",
    lambda w: (nexthop.dump, (w.h,), {}),
    {"family": "af_inet", "dev": "linkref", "groups": "bool", "fdb": "bool"},
)
_verb(
    "nexthop.flush",
    lambda w: (nexthop.flush, (w.h,), {"dev": "d0"}),
    {"family": "af_inet", "dev": "linkref"},
)

# --- neigh ------------------------------------------------------------------

_pure(
    "neigh.Neighbour",
    neigh.Neighbour,
    {
        "index": "ifindex",
        "family": "af_neigh",
        "dst": "ipaddr",
        "lladdr": "lladdr_any",
        "state": "nud",
        "flags": "neigh_flags",
        "type": "u8",
        "master": "ifindex",
        "vlan": "vlan",
        "port": "port",
        "vni": "vni",
        "src_vni": "vni",
        "via": "ifindex",
        "link_netnsid": "s32",
        "protocol": "u8",
        "nh_id": "u32",
        "flags_ext": "u32",
        "probes": "u32",
    },
    index=2,
    dst="10.0.0.2",
    lladdr="02:00:00:00:00:02",
)
_N = neigh.Neighbour(index=2, dst="10.0.0.2", lladdr="02:00:00:00:00:02")
_pure("neigh.build_add", neigh.build_add, {"n": "neighbour_obj", "flags": "u16"}, _N)
_pure("neigh.build_append", neigh.build_append, {"n": "neighbour_obj"}, _N)
_pure("neigh.build_delete", neigh.build_delete, {"n": "neighbour_obj"}, _N)
_pure("neigh.build_replace", neigh.build_replace, {"n": "neighbour_obj"}, _N)
_pure(
    "neigh.build_dump",
    neigh.build_dump,
    {"family": "af_neigh", "index": "ifindex0", "master": "ifindex0", "proxy": "bool"},
)
_pure(
    "neigh.build_get",
    neigh.build_get,
    {"index": "ifindex", "dst": "ipaddr", "proxy": "bool"},
    index=2,
    dst="10.0.0.2",
)

NEIGH_KINDS = {
    "dev": "linkref",
    "dst": "ipaddr",
    "lladdr": "lladdr",
    "state": "nud",
    "proxy": "bool",
    "router": "bool",
    "flags": "neigh_flags",
    "protocol": "u8",
}
FDB_KINDS = {
    "dev": "linkref",
    "lladdr": "lladdr",
    "dst": "ipaddr",
    "vni": "vni",
    "port": "port",
    "vlan": "vlan",
    "via": "linkref",
    "src_vni": "vni",
    "on": "fdb_on",
    "state": "nud",
    "sticky": "bool",
    "extern_learn": "bool",
}
for _v in ("add", "replace"):
    _f = getattr(neigh, _v)
    _verb(
        f"neigh.{_v}",
        lambda w, f=_f: (
            f,
            (w.h,),
            {"dev": "d0", "dst": "10.0.0.3", "lladdr": "02:00:00:00:00:03"},
        ),
        NEIGH_KINDS,
    )
    _verb(
        f"neigh.{_v}",
        lambda w, f=_f: (
            f,
            (w.h, neigh.Neighbour(index=w.idx["d0"], dst="10.0.0.3", lladdr="02:00:00:00:00:03")),
            {},
        ),
        {"neighbour": "neighbour_obj"},
    )
for _v in ("fdb_add", "fdb_append", "fdb_replace"):
    _f = getattr(neigh, _v)
    _verb(
        f"neigh.{_v}",
        lambda w, f=_f: (f, (w.h,), {"dev": "v0", "lladdr": "02:00:00:00:00:05"}),
        FDB_KINDS,
    )
    _verb(
        f"neigh.{_v}",
        lambda w, f=_f: (
            f,
            (
                w.h,
                neigh.Neighbour(
                    index=w.idx["v0"], family=neigh.AF_BRIDGE, lladdr="02:00:00:00:00:05"
                ),
            ),
            {},
        ),
        {"entry": "neighbour_obj"},
    )
_verb(
    "neigh.delete",
    lambda w: (neigh.delete, (w.h,), {"dev": "d0", "dst": "10.0.0.2"}),
    {"dev": "linkref", "dst": "ipaddr", "proxy": "bool"},
)
_verb(
    "neigh.delete",
    lambda w: (neigh.delete, (w.h, neigh.Neighbour(index=w.idx["d0"], dst="10.0.0.2")), {}),
    {"neighbour": "neighbour_obj"},
)
_verb(
    "neigh.get",
    lambda w: (neigh.get, (w.h,), {"dev": "d0", "dst": "10.0.0.2"}),
    {"dev": "linkref", "dst": "ipaddr", "proxy": "bool"},
)
_verb(
    "neigh.dump",
    lambda w: (neigh.dump, (w.h,), {}),
    {"dev": "linkref", "family": "neigh_family", "master": "linkref", "proxy": "bool"},
)
_verb(
    "neigh.fdb_dump",
    lambda w: (neigh.fdb_dump, (w.h,), {}),
    {"dev": "linkref", "master": "linkref"},
)
_verb(
    "neigh.fdb_delete",
    lambda w: (neigh.fdb_delete, (w.h,), {"dev": "v0", "lladdr": "02:00:00:00:00:05"}),
    FDB_KINDS,
)
_verb(
    "neigh.fdb_delete",
    lambda w: (
        neigh.fdb_delete,
        (
            w.h,
            neigh.Neighbour(index=w.idx["v0"], family=neigh.AF_BRIDGE, lladdr="02:00:00:00:00:05"),
        ),
        {},
    ),
    {"entry": "neighbour_obj"},
)

# --- rule -------------------------------------------------------------------

RULE_KINDS = {
    "priority": "u32",
    "src": "prefix",
    "dst": "prefix",
    "tos": "u8",
    "fwmark": "u32",
    "fwmask": "u32",
    "iif": "ifname",
    "oif": "ifname",
    "goto": "u32",
    "invert": "bool",
    "realms": "u32",
    "tun_id": "u64",
    "suppress_prefixlen": "u32",
    "suppress_ifgroup": "u32",
    "l3mdev": "bool",
    "uid_range": "uid_range",
    "protocol": "u8",
    "ip_proto": "u8",
    "sport_range": "port_range",
    "dport_range": "port_range",
}
_pure(
    "rule.Rule",
    rule.Rule,
    {"family": "af_inet", "table": "rt_table", "action": "fr_act", "flags": "u32", **RULE_KINDS},
    priority=10,
    table=100,
)
_R2 = rule.Rule(priority=10, table=100)
_pure("rule.build_add", rule.build_add, {"r": "rule_obj", "flags": "u16"}, _R2)
_pure("rule.build_delete", rule.build_delete, {"r": "rule_obj"}, _R2)
_pure("rule.build_dump", rule.build_dump, {"family": "af_inet"})
for _v, _prio in (("add", 2000), ("delete", 1000)):
    _f = getattr(rule, _v)
    _verb(
        f"rule.{_v}",
        lambda w, f=_f, p=_prio: (f, (w.h,), {"priority": p, "table": 100}),
        {"family": "rule_family", "table": "rt_table", "action": "fr_act", **RULE_KINDS},
    )
    _verb(
        f"rule.{_v}",
        lambda w, f=_f, p=_prio: (f, (w.h, rule.Rule(priority=p, table=100)), {}),
        {"rule": "rule_obj"},
    )
_verb("rule.dump", lambda w: (rule.dump, (w.h,), {}), {"family": "rule_family"})

# --- nft: specs, expressions, builders ---------------------------------------

_T = nft.Table(family="ip", name="t")
_C = nft.Chain(family="ip", table="t", name="c")
_S = nft.Set(family="ip", table="t", name="s", key_type=7, key_len=4)
_RU = nft.Rule(family="ip", table="t", chain="c", exprs=(nft.Counter(),))
_EL = nft.Element(key=b"\x0a\x00\x00\x01")
NFT_NAMES = {"family": "nft_family", "table": "nft_name", "name": "nft_name"}

_pure(
    "nft.Table",
    nft.Table,
    {
        "family": "nft_family",
        "name": "nft_name",
        "flags": "u32",
        "comment": "nft_comment",
        "handle": "u64",
        "use": "u32",
        "userdata": "nft_userdata",
    },
    family="ip",
    name="t",
)
_pure(
    "nft.Chain",
    nft.Chain,
    {
        **NFT_NAMES,
        "flags": "u32",
        "comment": "nft_comment",
        "handle": "u64",
        "use": "u32",
        "userdata": "nft_userdata",
    },
    family="ip",
    table="t",
    name="c",
)
_pure(
    "nft.Chain",
    nft.Chain,
    {"type": "chain_type", "hook": "nft_hook", "priority": "nft_prio", "policy": "chain_policy"},
    family="ip",
    table="t",
    name="c",
    type="filter",
    hook="input",
    priority=0,
)
_pure(
    "nft.Chain",
    nft.Chain,
    {"devices": "list[ifname]"},
    family="netdev",
    table="t",
    name="c",
    type="filter",
    hook="ingress",
    priority=0,
    devices=("d0",),
)
_pure(
    "nft.Set",
    nft.Set,
    {
        **NFT_NAMES,
        "key_type": "u32",
        "key_len": "u32",
        "flags": "u32",
        "data_type": "u32",
        "data_len": "u32",
        "policy": "u32",
        "size": "u32",
        "timeout": "u64",
        "gc_interval": "u32",
        "userdata": "nft_userdata",
        "comment": "nft_comment",
        "handle": "u64",
        "id": "u32",
    },
    family="ip",
    table="t",
    name="s",
    key_type=7,
    key_len=4,
)
_pure(
    "nft.Rule",
    nft.Rule,
    {
        "family": "nft_family",
        "table": "nft_name",
        "chain": "nft_name",
        "exprs": "list[expr]",
        "comment": "nft_comment",
        "handle": "u64",
        "position": "u64",
        "userdata": "nft_userdata",
    },
    family="ip",
    table="t",
    chain="c",
    exprs=(nft.Counter(),),
)
_pure(
    "nft.Element",
    nft.Element,
    {
        "key": "nft_data",
        "data": "nft_data_or_verdict",
        "flags": "u32",
        "key_end": "nft_data",
        "timeout": "u64",
        "userdata": "nft_userdata",
        "expiration": "u64",
    },
    key=b"\x0a\x00\x00\x01",
)
_REG = {"sreg": "u32", "dreg": "u32"}
_pure(
    "nft.Bitwise",
    nft.Bitwise,
    {"len": "u32", "mask": "nft_data", "xor": "nft_data", "op": "u32", "data": "nft_data", **_REG},
    len=4,
    mask=b"\xff" * 4,
    xor=b"\x00" * 4,
)
_pure("nft.Cmp", nft.Cmp, {"data": "nft_data", "op": "u32", "sreg": "u32"}, data=b"\x01")
_pure("nft.Counter", nft.Counter, {"packets": "u64", "bytes": "u64"})
_pure("nft.Ct", nft.Ct, {"key": "u32", "direction": "u8", **_REG}, key=0)
_pure(
    "nft.Immediate",
    nft.Immediate,
    {"data": "nft_data_or_verdict", "dreg": "u32"},
    data=nft.Verdict("accept"),
)
_pure(
    "nft.Limit",
    nft.Limit,
    {"rate": "u64", "unit": "u64", "burst": "u32", "type": "u32", "flags": "u32"},
    rate=10,
)
_pure(
    "nft.Log",
    nft.Log,
    {
        "prefix": "nft_text",
        "group": "u16",
        "snaplen": "u32",
        "qthreshold": "u16",
        "level": "u32",
        "flags": "u32",
    },
)
_pure(
    "nft.Lookup", nft.Lookup, {"set": "nft_name", "flags": "u32", "set_id": "u32", **_REG}, set="s"
)
_pure("nft.Masq", nft.Masq, {"flags": "u32", "reg_proto_min": "u32", "reg_proto_max": "u32"})
_pure("nft.Meta", nft.Meta, {"key": "u32", **_REG}, key=0)
_pure(
    "nft.Nat",
    nft.Nat,
    {
        "type": "u32",
        "family": "u32",
        "reg_addr_min": "u32",
        "reg_addr_max": "u32",
        "reg_proto_min": "u32",
        "reg_proto_max": "u32",
        "flags": "u32",
    },
    type=0,
    family=2,
)
_pure(
    "nft.Payload",
    nft.Payload,
    {
        "base": "u32",
        "offset": "u32",
        "len": "u32",
        "csum_type": "u32",
        "csum_offset": "u32",
        "csum_flags": "u32",
        **_REG,
    },
    base=1,
    offset=12,
    len=4,
)
_pure(
    "nft.Range",
    nft.Range,
    {"low": "nft_data", "high": "nft_data", "op": "u32", "sreg": "u32"},
    low=b"\x00\x01",
    high=b"\x00\x05",
)
_pure("nft.Redir", nft.Redir, {"reg_proto_min": "u32", "reg_proto_max": "u32", "flags": "u32"})
_pure("nft.Reject", nft.Reject, {"type": "u32", "code": "u8"})
_pure("nft.Unknown", nft.Unknown, {"name": "nft_name"}, name="xyz", raw=b"")
_pure("nft.Verdict", nft.Verdict, {"kind": "verdict_kind"}, "accept")
_pure("nft.Verdict", nft.Verdict, {"chain": "nft_name"}, "jump", "c2")
_pure("nft.Verdict.from_code", nft.Verdict.from_code, {"chain": "nft_name"}, -3, "c2")
_pure("nft.Verdict.from_code", nft.Verdict.from_code, {"code": "s32"}, 1)
_pure_fresh(
    "nft.Transaction",
    lambda w: (nft.Transaction, (), {}),
    {"handle": "handle", "check_generation": "gen", "ack_every": "bool"},
)


def _tx(method: str, *args: Any, **kwargs: Any) -> Base:
    """A method of a fresh, empty pure Transaction (the suite checks it stays empty)."""
    return lambda w: (getattr(nft.Transaction(None), method), args, kwargs)


TABLE_ARGS = {"family": "nft_family", "name": "nft_name", "flags": "u32", "comment": "nft_comment"}
SET_ARGS = {
    "name": "nft_name",
    "interval": "bool",
    "auto_merge": "bool",
    "constant": "bool",
    "timeout": "u64",
    "size": "u32",
    "policy": "set_policy",
    "comment": "nft_comment",
}
for _m in ("add_table", "create_table"):
    _pure_fresh(f"nft.Transaction.{_m}", _tx(_m, "ip", "t"), TABLE_ARGS)
for _m in ("delete_table", "flush_table"):
    _pure_fresh(f"nft.Transaction.{_m}", _tx(_m, _T), {"table": "table_obj"})
_pure_fresh("nft.Transaction.flush_ruleset", _tx("flush_ruleset"), {"family": "nft_family"})
_pure_fresh(
    "nft.Transaction.add_chain",
    _tx("add_chain", _T, "c"),
    {"table": "table_obj", "name": "nft_name", "comment": "nft_comment", "exclusive": "bool"},
)
_pure_fresh(
    "nft.Transaction.add_chain",
    _tx("add_chain", _T, "c", type="filter", hook="input", priority=0),
    {"type": "chain_type", "hook": "nft_hook", "priority": "nft_prio", "policy": "chain_policy"},
)
_pure_fresh(
    "nft.Transaction.add_chain",
    _tx(
        "add_chain",
        nft.Table(family="netdev", name="t"),
        "c",
        type="filter",
        hook="ingress",
        priority=0,
        devices=["d0"],
    ),
    {"devices": "list[ifname]"},
)
for _m in ("delete_chain", "flush_chain"):
    _pure_fresh(f"nft.Transaction.{_m}", _tx(_m, _C), {"chain": "chain_obj"})
_pure_fresh(
    "nft.Transaction.add_rule",
    _tx("add_rule", _C, [nft.Counter()]),
    {"chain": "chain_obj", "exprs": "list[expr]", "comment": "nft_comment", "after": "u64"},
)
_pure_fresh(
    "nft.Transaction.insert_rule",
    _tx("insert_rule", _C, [nft.Counter()]),
    {"chain": "chain_obj", "exprs": "list[expr]", "comment": "nft_comment", "before": "u64"},
)
_pure_fresh(
    "nft.Transaction.replace_rule",
    _tx("replace_rule", _C, 5, [nft.Counter()]),
    {"chain": "chain_obj", "handle": "u64", "exprs": "list[expr]", "comment": "nft_comment"},
)
_pure_fresh(
    "nft.Transaction.delete_rule",
    _tx("delete_rule", _C, 5),
    {"rule_or_chain": "rule_or_chain", "handle": "u64"},
)
_pure_fresh(
    "nft.Transaction.add_set",
    _tx("add_set", _T, "s", elements=["10.0.0.1"]),
    {
        "table": "table_obj",
        "key": "set_key",
        "data": "set_key",
        "elements": "list[ip4addr]",
        **SET_ARGS,
    },
)
_pure_fresh(
    "nft.Transaction.add_anonymous_set",
    _tx("add_anonymous_set", _T, key="inet_service", elements=[80]),
    {
        "table": "table_obj",
        "key": "set_key",
        "elements": "list[inet_service]",
        "interval": "bool",
        "userdata": "nft_userdata",
        "typeof": "nft_typeof",
    },
)
_pure_fresh(
    "nft.Transaction.add_map",
    _tx("add_map", _T, "m", key="ipv4_addr", data="ipv4_addr", elements={"10.0.0.1": "10.0.0.2"}),
    {"table": "table_obj", "key": "set_key", "data": "set_key", "elements": "ip_map", **SET_ARGS},
)
for _m in ("add_elements", "delete_elements"):
    _pure_fresh(
        f"nft.Transaction.{_m}",
        _tx(_m, _S, ["10.0.0.1"]),
        {"s": "set_obj", "values": "list[ip4addr]"},
    )
for _m in ("flush_set", "delete_set"):
    _pure_fresh(f"nft.Transaction.{_m}", _tx(_m, _S), {"s": "set_obj"})
_pure_fresh("nft.Transaction.add", _tx("add", _T), {"obj": "nft_obj"})
_pure_fresh(
    "nft.Transaction.add_elements_raw",
    _tx("add_elements_raw", _S, [_EL]),
    {"s": "set_obj", "elements": "list[element]"},
)
_pure_fresh("nft.Transaction.add_ruleset", _tx("add_ruleset", nft.Ruleset()), {"rs": "ruleset_obj"})
_pure_fresh("nft.Transaction.build", _tx("build"), {"first_seq": "u32", "ack": "bool"})

FILTER_KINDS = {
    "iif": "ifname_match",
    "oif": "ifname_match",
    "not_iif": "ifname_match",
    "not_oif": "ifname_match",
    "saddr": "ipnet",
    "daddr": "ipnet",
    "proto": "l4proto",
    "sport": "nft_ports",
    "dport": "nft_ports",
    "state": "list[ct_state]",
    "counter": "bool",
    "table_family": "nft_family",
}
NAT_KINDS = {
    "source": "ipnet",
    "oif": "ifname_match",
    "not_oif": "ifname_match",
    "proto": "l4proto",
    "ports": "nft_ports",
    "random": "bool",
    "fully_random": "bool",
    "persistent": "bool",
    "table_family": "nft_family",
}
_pure("nft.filter_rule", nft.filter_rule, {"action": "filter_action", **FILTER_KINDS}, proto="tcp")
_pure("nft.allow", nft.allow, FILTER_KINDS, proto="tcp")
_pure("nft.block", nft.block, FILTER_KINDS, proto="tcp")
_pure("nft.masquerade", nft.masquerade, NAT_KINDS, proto="tcp")
_pure("nft.snat", nft.snat, {"to": "ipaddr", **NAT_KINDS}, to="1.2.3.4", proto="tcp")
_pure(
    "nft.port_forward",
    nft.port_forward,
    {
        "dport": "port_range",
        "to": "ipaddr",
        "to_port": "port_range",
        "proto": "nat_proto",
        "iif": "ifname_match",
        "not_iif": "ifname_match",
        "daddr": "ipnet",
        "table_family": "nft_family",
    },
    80,
    to="10.0.0.2",
)
_pure("nft.render_rule", nft.render_rule, {"rule": "nft_rule_obj"}, _RU)
_pure("nft.render_ruleset", nft.render_ruleset, {"rs": "ruleset_obj"}, nft.Ruleset())
_pure(
    "nft.Ruleset.table",
    lambda family, name: nft.Ruleset(tables=(_T,)).table(family, name),
    {"family": "nft_family", "name": "nft_name"},
    "ip",
    "t",
)
_pure(
    "nft.Ruleset.chain",
    lambda family, table, name: nft.Ruleset(tables=(_T,), chains=(_C,)).chain(family, table, name),
    NFT_NAMES,
    "ip",
    "t",
    "c",
)
_pure(
    "nft.Ruleset.rules_of",
    lambda chain: nft.Ruleset(tables=(_T,), chains=(_C,)).rules_of(chain),
    {"chain": "chain_obj"},
    _C,
)

_SEQ = {"seq": "u32", "ack": "bool"}
_pure(
    "nft.tables.build_add",
    nft_tables.build_add,
    {"table": "table_obj", "exclusive": "bool", **_SEQ},
    _T,
)
_pure("nft.tables.build_delete", nft_tables.build_delete, {"table": "table_obj", **_SEQ}, _T)
_pure("nft.tables.build_flush", nft_tables.build_flush, {"table": "table_obj", **_SEQ}, _T)
_pure("nft.tables.build_dump", nft_tables.build_dump, {"family": "nft_family"})
_pure(
    "nft.tables.build_flush_ruleset",
    nft_tables.build_flush_ruleset,
    {"family": "nft_family", **_SEQ},
)
_pure(
    "nft.chains.build_add",
    nft_chains.build_add,
    {"chain": "chain_obj", "exclusive": "bool", **_SEQ},
    _C,
)
_pure("nft.chains.build_delete", nft_chains.build_delete, {"chain": "chain_obj", **_SEQ}, _C)
_pure("nft.chains.build_flush", nft_chains.build_flush, {"chain": "chain_obj", **_SEQ}, _C)
_pure(
    "nft.chains.hook_number",
    nft_chains.hook_number,
    {"family": "nft_family", "hook": "nft_hook"},
    "ip",
    "input",
)
_pure(
    "nft.chains.priority_value",
    nft_chains.priority_value,
    {"family": "nft_family", "priority": "nft_prio"},
    "ip",
    0,
)
_pure(
    "nft.rules.build_add",
    nft_rules.build_add,
    {"rule": "nft_rule_obj", "after": "u64", **_SEQ},
    _RU,
)
_pure(
    "nft.rules.build_insert",
    nft_rules.build_insert,
    {"rule": "nft_rule_obj", "before": "u64", **_SEQ},
    _RU,
)
_pure(
    "nft.rules.build_replace",
    nft_rules.build_replace,
    {"rule": "nft_rule_obj", "handle": "u64", **_SEQ},
    _RU,
    5,
)
_pure(
    "nft.rules.build_delete",
    nft_rules.build_delete,
    {"chain": "chain_obj", "handle": "u64", **_SEQ},
    _C,
    5,
)
_pure(
    "nft.rules.rule_of",
    nft_rules.rule_of,
    {"chain": "chain_obj", "exprs": "list[expr]", "comment": "nft_comment"},
    _C,
    [nft.Counter()],
)
_pure(
    "nft.sets.anonymous_spec",
    nft_sets.anonymous_spec,
    {"table": "table_obj", "key": "set_key", "interval": "bool", "typeof": "nft_typeof"},
    _T,
    key="inet_service",
)
_pure("nft.sets.key_typeof", nft_sets.key_typeof, {"s": "set_obj"}, _S)
_pure(
    "nft.sets.build_add",
    nft_sets.build_add,
    {"s": "set_obj", "set_id": "u32", "exclusive": "bool", **_SEQ},
    _S,
)
_pure(
    "nft.sets.build_add_elements",
    nft_sets.build_add_elements,
    {"s": "set_obj", "elements": "list[element]", "set_id": "u32", **_SEQ},
    _S,
    [_EL],
)
_pure("nft.sets.build_delete", nft_sets.build_delete, {"s": "set_obj", **_SEQ}, _S)
_pure(
    "nft.sets.build_delete_elements",
    nft_sets.build_delete_elements,
    {"s": "set_obj", "elements": "list[element]", **_SEQ},
    _S,
    [_EL],
)
_pure("nft.sets.build_flush", nft_sets.build_flush, {"s": "set_obj", **_SEQ}, _S)
_pure(
    "nft.sets.elements_for",
    nft_sets.elements_for,
    {"s": "set_obj", "values": "list[ip4addr]", "new_set": "bool"},
    _S,
    ["10.0.0.1"],
)
_pure(
    "nft.sets.removal_elements",
    nft_sets.removal_elements,
    {"s": "set_obj", "values": "list[ip4addr]"},
    _S,
    ["10.0.0.1"],
)
_pure(
    "nft.sets.values_of",
    nft_sets.values_of,
    {"s": "set_obj", "elements": "list[element]"},
    _S,
    [_EL],
)
_pure(
    "nft.sets.encode_value",
    nft_sets.encode_value,
    {"dtype": "datatype", "value": "ip4addr"},
    nft_sets.DATATYPES["ipv4_addr"],
    "10.0.0.1",
)
_pure(
    "nft.sets.set_spec",
    nft_sets.set_spec,
    {"table": "table_obj", "key": "set_key", "data": "set_key", **SET_ARGS},
    _T,
    "s",
)
_pure("nft.expr.check_exprs", nft_expr.check_exprs, {"exprs": "list[expr]"}, [nft.Counter()])
_pure("nft.expr.encode_exprs", nft_expr.encode_exprs, {"exprs": "list[expr]"}, [nft.Counter()])
_pure(
    "nft.match.ct_state",
    nft_match.ct_state,
    {"states": "ct_state", "negate": "bool"},
    "established",
)
_pure("nft.match.goto", nft_match.goto, {"chain": "nft_name"}, "c")
_pure("nft.match.jump", nft_match.jump, {"chain": "nft_name"}, "c")
_pure(
    "nft.match.ifname",
    nft_match.ifname,
    {"which": "which_if", "name": "ifname_match", "negate": "bool"},
    "iif",
    "eth0",
)
_pure(
    "nft.match.in_set",
    nft_match.in_set,
    {"match": "list[expr]", "set": "nft_name", "negate": "bool", "vmap": "bool"},
    nft_match.ip_addr("saddr", "10.0.0.1"),
    "s",
)
_pure(
    "nft.match.ip_addr",
    nft_match.ip_addr,
    {"which": "which_addr", "value": "ipnet", "negate": "bool", "table_family": "nft_family"},
    "saddr",
    "10.0.0.0/8",
)
_pure("nft.match.l4proto", nft_match.l4proto, {"proto": "l4proto"}, "tcp")
_pure("nft.match.mark", nft_match.mark, {"value": "u32", "negate": "bool"}, 5)
_pure("nft.match.nfproto", nft_match.nfproto, {"version": "ip_version"}, 4)
_pure("nft.match.parse_net", nft_match.parse_net, {"value": "ipnet"}, "10.0.0.0/8")
_pure(
    "nft.match.port",
    nft_match.port,
    {"which": "which_port", "proto": "nat_proto", "value": "nft_ports", "negate": "bool"},
    "dport",
    "tcp",
    80,
)
_pure("nft.match.proto_number", nft_match.proto_number, {"proto": "l4proto"}, "tcp")
_pure("nft.match.verdict", nft_match.verdict, {"kind": "verdict_kind"}, "accept")
_pure("nft.match.verdict", nft_match.verdict, {"chain": "nft_name"}, "jump", "c")
_pure("nft.match.flatten", nft_match.flatten, {"parts": "list[expr_part]"}, [nft.Counter()])
_pure(
    "nft.render.render_chain",
    nft_render.render_chain,
    {"chain": "chain_obj", "rules": "list[nft_rule_obj]"},
    _C,
)
_pure("nft.render.render_rule_body", nft_render.render_rule_body, {"rule": "nft_rule_obj"}, _RU)
_pure(
    "nft.render.render_set",
    nft_render.render_set,
    {"s": "set_obj", "elements": "list[element]"},
    _S,
)

# --- nft verbs ----------------------------------------------------------------

_verb("nft.dump_tables", lambda w: (nft.dump_tables, (w.h,), {}), {"family": "nft_family"})
_verb(
    "nft.dump_chains",
    lambda w: (nft.dump_chains, (w.h,), {}),
    {"family": "nft_family", "table": "nft_name"},
)
_verb(
    "nft.dump_sets",
    lambda w: (nft.dump_sets, (w.h,), {}),
    {"family": "nft_family", "table": "nft_name"},
)
_verb(
    "nft.dump_rules",
    lambda w: (nft.dump_rules, (w.h,), {}),
    {"family": "nft_family", "table": "nft_name", "chain": "nft_name"},
)
_verb("nft.dump_ruleset", lambda w: (nft.dump_ruleset, (w.h,), {}), {"family": "nft_family"})
_verb("nft.dump_elements", lambda w: (nft.dump_elements, (w.h, _S), {}), {"s": "set_obj"})
_verb("nft.generation", lambda w: (nft.generation, (w.h,), {}), {})
_verb(
    "nft.transaction",
    lambda w: (nft.transaction, (w.h,), {}),
    {"check_generation": "gen", "ack_every": "bool"},
)
_verb(
    "nft.tables.get",
    lambda w: (nft_tables.get, (w.h, "ip", "t"), {}),
    {"family": "nft_family", "name": "nft_name"},
)


def _commit_base(w: World) -> tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]:
    tx = nft.Transaction(None)
    tx.add_table("ip", "t2")
    return tx.commit, (w.h,), {}


_verb("nft.Transaction.commit", _commit_base, {"h": "handle"})

# --- sysctl -----------------------------------------------------------------

_pure("sysctl.key_path", sysctl.key_path, {"key": "sysctl_key"}, "net.ipv4.ip_forward")
_pure("sysctl.dotted", sysctl.dotted, {"key": "sysctl_key"}, ("net", "ipv4", "conf", "a.b", "x"))
_verb(
    "sysctl.get",
    lambda w: (sysctl.get, (w.h, "net.ipv4.ip_forward"), {}),
    {"where": "sysctl_where", "key": "sysctl_key"},
    h=False,
)
_verb(
    "sysctl.dump",
    lambda w: (sysctl.dump, (w.h, "net.ipv4.conf.lo"), {}),
    {"where": "sysctl_where", "prefix": "sysctl_key"},
    h=False,
)
_verb(
    "sysctl.set",
    lambda w: (sysctl.set, (w.h, "net.ipv4.ip_forward", "0"), {}),
    {"where": "sysctl_where", "key": "sysctl_key", "value": "sysctl_value"},
    h=False,
)

# --- netns, Handle.open, monitor ------------------------------------------------

_pure("netns.validate_name", netns.validate_name, {"name": "netns_name"}, "red")
_pure(
    "netns.Netns",
    netns.Netns,
    {"fd": "netns_fd", "name": "netns_name", "path": "path_text", "delete_on_exit": "bool"},
)
_pure(
    "netns.SignalUnwinding", netns.SignalUnwinding, {"signals": "list[signum]"}, (signal.SIGTERM,)
)
NS_TOUCH = ("ns", "run_dir", "fds")
_verb(
    "netns.create",
    lambda w: (netns.create, ("rawns-bk-new",), {"run_dir": w.run_dir}),
    {"name": "netns_name", "run_dir": "run_dir", "delete_on_exit": "bool"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "netns.delete",
    lambda w: (netns.delete, ("rawns-bk-none",), {"run_dir": w.run_dir}),
    {"name": "netns_name", "run_dir": "run_dir"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "netns.exists",
    lambda w: (netns.exists, ("rawns-bk-none",), {"run_dir": w.run_dir}),
    {"name": "netns_name", "run_dir": "run_dir"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "netns.dump",
    lambda w: (netns.dump, (), {"run_dir": w.run_dir}),
    {"run_dir": "run_dir", "prefix": "netns_prefix"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "netns.delete_stale",
    lambda w: (netns.delete_stale, ("rawns-bk-none-",), {"run_dir": w.run_dir}),
    {"prefix": "stale_prefix", "run_dir": "run_dir"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "netns.resolve",
    lambda w: (netns.resolve, ("/proc/self/ns/net",), {}),
    {"value": "netns_like"},
    touches=NS_TOUCH,
    h=False,
)
_pure_fresh("netns.label", lambda w: (netns.label, (w.closed_ns,), {}), {"ns": "netns_obj"})
_verb(
    "netns.open",
    lambda w: (netns.open, ("rawns-bk-none",), {"run_dir": w.run_dir}),
    {"name": "netns_name", "run_dir": "run_dir"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "netns.open",
    lambda w: (netns.open, (), {"path": "/proc/self/ns/net"}),
    {"path": "ns_path"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "netns.open",
    lambda w: (netns.open, (), {"pid": os.getpid()}),
    {"pid": "pid"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "netns.open",
    lambda w: (netns.open, (), {"fd": w.ns.fd}),
    {"fd": "fd"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "netns.run_in",
    lambda w: (netns.run_in, (w.ns, lambda: 1), {}),
    {"ns": "netns_obj"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "netns.unwind_on_signals",
    lambda w: (netns.unwind_on_signals, (), {}),
    {"signals": "list[signum]"},
    touches=NS_TOUCH,
    h=False,
)
_verb(
    "Handle.open",
    lambda w: (Handle.open, (w.ns,), {}),
    {"netns": "netns_like"},
    touches=NS_TOUCH,
    h=False,
)
_pure("monitor.group_ids", monitor.group_ids, {"groups": "list[monitor_group]"}, ["link"])
_verb(
    "monitor.open",
    lambda w: (monitor.open, (w.ns,), {}),
    {
        "netns": "netns_like_opt",
        "groups": "list[monitor_group]",
        "rcvbuf": "rcvbuf",
        "strict": "bool",
    },
    touches=NS_TOUCH,
    h=False,
)
_INF = lambda v: isinstance(v, float) and math.isinf(v) and v > 0  # noqa: E731 - would block if accepted
_verb(
    "monitor.Monitor.poll",
    lambda w: (w.mon.poll, (0,), {}),
    {"timeout": "seconds"},
    skip=_INF,
    h=False,
)
_verb(
    "monitor.Monitor.events",
    lambda w: (w.mon.events, (0,), {}),
    {"timeout": "seconds"},
    skip=_INF,
    h=False,
)
_verb(
    "monitor.Monitor.resync",
    lambda w: (w.mon.resync, (w.h,), {}),
    {"h": "handle"},
    extra=lambda w: {"h": [w.h2]},
)

# --- compose --------------------------------------------------------------------

BOTH = ("ns", "ns2")
_verb(
    "compose.connect",
    lambda w: (
        compose.connect,
        (w.h, w.ns2),
        {
            "bridge": "br0",
            "veth": "veth-x",
            "bridge_end": "veth-x-br",
            "address": "10.5.0.2/24",
            "gateway": "10.5.0.1",
        },
    ),
    {
        "host": "handle",
        "ns": "netns_like",
        "bridge": "ifname",
        "veth": "ifname",
        "bridge_end": "ifname",
        "address": "interface",
        "gateway": "ipaddr",
        "routes": "list[prefix]",
        "mtu": "mtu",
    },
    extra=lambda w: {"gateway": ["2001:db8::1"], "ns": [w.closed_ns]},
    touches=BOTH,
    h=False,
)
_verb(
    "compose.ensure_address",
    lambda w: (compose.ensure_address, (w.h, "d0", "10.0.0.9/24"), {}),
    {"dev": "linkref", "address": "interface"},
)
_verb(
    "compose.ensure_link",
    lambda w: (compose.ensure_link, (w.h, link.Bridge(name="bk0")), {}),
    {"spec": "linkspec"},
)
_verb(
    "compose.ensure_nat_rule",
    lambda w: (compose.ensure_nat_rule, (w.h, "postrouting", [nft.Counter()]), {}),
    {"hook": "nat_hook", "exprs": "list[expr]", "family": "nat_family", "table": "nft_name"},
)
_verb(
    "compose.ensure_route",
    lambda w: (compose.ensure_route, (w.h, "10.4.0.0/24"), {"dev": "d0"}),
    {"dst": "prefix", "gateway": "ipaddr", "dev": "linkref"},
)
_verb(
    "compose.forwarding",
    lambda w: (compose.forwarding, (w.h,), {}),
    {"ipv4": "bool", "ipv6": "bool"},
)
_verb(
    "compose.gateway",
    lambda w: (compose.gateway, (w.h,), {"bridge": "bk1", "address": "10.3.0.1/24"}),
    {"host": "handle", "bridge": "ifname", "address": "interface"},
    h=False,
)
_verb(
    "compose.masquerade",
    lambda w: (compose.masquerade, (w.h,), {"source": "10.2.0.0/24"}),
    {"source": "prefix", "oif": "ifname", "not_oif": "ifname", "table": "nft_name"},
)
_verb(
    "compose.port_forward",
    lambda w: (compose.port_forward, (w.h, 8080), {"to": "10.0.0.2"}),
    {
        "dport": "port",
        "to": "ipaddr",
        "to_port": "port",
        "proto": "nat_proto",
        "iif": "ifname",
        "daddr": "ipaddr",
        "table": "nft_name",
    },
)
_verb(
    "compose.snat",
    lambda w: (compose.snat, (w.h,), {"source": "10.2.0.0/24", "to": "10.0.0.1"}),
    {"source": "prefix", "to": "ipaddr", "oif": "ifname", "table": "nft_name"},
)
_pure("compose.run_steps", compose.run_steps, {"steps": "list[step_obj]"}, [])
_verb(
    "compose.ensure_neigh",
    lambda w: (
        compose.ensure_neigh,
        (w.h,),
        {"dev": "d0", "dst": "10.0.0.7", "lladdr": "02:00:00:00:00:07"},
    ),
    {"dev": "linkref", "dst": "ipaddr", "lladdr": "lladdr_any", "state": "nud_name"},
)
_verb(
    "compose.ensure_fdb",
    lambda w: (
        compose.ensure_fdb,
        (w.h,),
        {"dev": "v0", "lladdr": "02:00:00:00:00:08", "on": "master"},
    ),
    {"dev": "linkref", "lladdr": "lladdr_any", "dst": "ipaddr", "on": "fdb_on"},
)

# --- pods -----------------------------------------------------------------------

_ATTACHMENT = pods.Attachment(
    container_id="abc123",
    netns="/run/netns/rawns-bk-none",
    bridge="br0",
    host_ifname="vethbk0",
    host_index=99,
    host_mac="02:00:00:00:00:09",
    ifname="eth0",
    index=2,
    mac="02:00:00:00:00:0a",
    mtu=1500,
    addresses=(),
    routes=(),
)
_PEER = pods.peer(subnet="10.66.0.0/24", vtep_mac="02:00:00:00:00:0b", node_address="10.0.0.66")
_verb(
    "pods.attach",
    lambda w: (pods.attach, (w.h, w.ns2), {"bridge": "br0", "addresses": ["10.9.0.2/24"]}),
    {
        "node": "handle",
        "pod_netns": "netns_like",
        "bridge": "ifname",
        "ifname": "ifname",
        "host_ifname": "ifname",
        "container_id": "container_id",
        "addresses": "list[interface]",
        "routes": "list[route_obj]",
        "gateway": "ipaddr",
        "subnet": "prefix",
        "mtu": "mtu",
        "mac": "mac",
    },
    extra=lambda w: {"gateway": ["10.99.0.1", "2001:db8::1"], "subnet": ["10.10.0.0/24"]},
    touches=BOTH,
    h=False,
)
_verb(
    "pods.detach",
    lambda w: (pods.detach, (w.h,), {"container_id": "rawns-bk-none"}),
    {
        "node": "handle",
        "attachment": "attachment_obj",
        "host_ifname": "ifname",
        "container_id": "container_id",
        "ifname": "ifname",
    },
    h=False,
)
_verb(
    "pods.check",
    lambda w: (pods.check, (w.h, _ATTACHMENT), {}),
    {"node": "handle", "attachment": "attachment_obj"},
    h=False,
)
_pure(
    "pods.host_ifname_for",
    pods.host_ifname_for,
    {"container_id": "container_id", "ifname": "ifname", "attempt": "name_attempt"},
    "abc123",
)
_verb(
    "pods.route_to",
    lambda w: (pods.route_to, (w.h,), {"subnet": "10.50.0.0/24", "via": "10.0.0.9"}),
    {"node": "handle", "subnet": "prefix", "via": "ipaddr"},
    extra=lambda w: {"via": ["2001:db8::9"]},
    h=False,
)
_verb(
    "pods.unroute",
    lambda w: (pods.unroute, (w.h,), {"subnet": "10.50.0.0/24", "via": "10.0.0.9"}),
    {"node": "handle", "subnet": "prefix", "via": "ipaddr"},
    extra=lambda w: {"via": ["2001:db8::9"]},
    h=False,
)
_verb(
    "pods.vtep",
    lambda w: (
        pods.vtep,
        (w.h,),
        {"vni": 1, "local": "10.0.0.1", "dev": "d0", "address": "10.244.1.0"},
    ),
    {
        "node": "handle",
        "vni": "vni",
        "local": "ipaddr",
        "dev": "linkref",
        "address": "ipaddr",
        "name": "ifname",
        "port": "port",
        "mtu": "mtu",
        "learning": "bool",
    },
    extra=lambda w: {"local": ["2001:db8::1"]},
    h=False,
)
_pure(
    "pods.peer",
    pods.peer,
    {"subnet": "prefix", "vtep_mac": "mac", "node_address": "ipaddr", "vtep_address": "ipaddr"},
    subnet="10.66.0.0/24",
    vtep_mac="02:00:00:00:00:0b",
    node_address="10.0.0.66",
)
_verb(
    "pods.add_peer",
    lambda w: (pods.add_peer, (w.h, _PEER), {"vtep": "d0"}),
    {"node": "handle", "p": "peer_obj", "vtep": "ifname"},
    h=False,
)
_verb(
    "pods.remove_peer",
    lambda w: (pods.remove_peer, (w.h, _PEER), {"vtep": "d0"}),
    {"node": "handle", "p": "peer_obj", "vtep": "ifname"},
    h=False,
)
_verb(
    "pods.masquerade_outside",
    lambda w: (pods.masquerade_outside, (w.h,), {"cluster": "10.244.0.0/16"}),
    {"node": "handle", "cluster": "prefix", "table": "nft_name"},
    h=False,
)
_verb(
    "pods.netns_id",
    lambda w: (pods.netns_id, (w.h, w.ns2), {}),
    {"ns": "netns_obj"},
)

# --- topology: construction and validate() (pure), apply() (verb) ----------------

_MEMBER = {
    "netns": "rawns-bk-m",
    "address": "192.168.15.1",
    "veth": "vbk0",
    "bridge_end": "vbk0-br",
}


def _topology(**kw: Any) -> Any:
    t = topo.Topology(**{"members": [topo.Member(**_MEMBER)], **kw})
    t.validate()
    return t


def _member(**kw: Any) -> Any:
    return _topology(members=[topo.Member(**kw)])


def _forward(**kw: Any) -> Any:
    return _topology(forwards=[topo.Forward(**kw)])


MEMBER_KINDS = {
    "netns": "netns_name",
    "address": "member_addr",
    "veth": "ifname",
    "bridge_end": "ifname",
    "routes": "list[prefix]",
    "default_route": "bool",
}
FORWARD_KINDS = {"port": "port", "to": "member_addr", "to_port": "port", "proto": "nat_proto"}
TOPOLOGY_KINDS = {
    "members": "list[member_obj]",
    "subnet": "prefix",
    "bridge": "ifname",
    "gateway": "ipaddr",
    "host": "netns_spec",
    "uplink": "ifname",
    "masquerade": "bool",
    "forwards": "list[forward_obj]",
    "nat_table": "nft_name",
}
_pure("topology.Member", _member, MEMBER_KINDS, **_MEMBER)
_pure("topology.Forward", _forward, FORWARD_KINDS, port=80, to="192.168.15.1")
_pure("topology.Topology", _topology, TOPOLOGY_KINDS)


def _apply(w: World, kw: dict[str, Any], what: str = "topology") -> Callable[..., Any]:
    """Build and apply a topology whose host is the fresh namespace (never the caller's)."""

    def run(**over: Any) -> Any:
        members = [topo.Member(**{**_MEMBER, "netns": w.member_name})]
        if what == "member":
            members = [topo.Member(**{**_MEMBER, "netns": w.member_name, **over})]
            over = {}
        forwards: list[Any] = []
        if what == "forward":
            forwards = [topo.Forward(**{"port": 80, "to": "192.168.15.1", **over})]
            over = {}
        t = topo.Topology(
            **{"members": members, "forwards": forwards, "host": w.ns, "uplink": None, **over}
        )
        return t.apply()

    return run


TOPO_TOUCH = ("ns", "run_netns")
_verb(
    "topology.Topology.apply",
    lambda w: (_apply(w, {}), (), {}),
    {k: v for k, v in TOPOLOGY_KINDS.items() if k not in ("host", "members")},
    touches=TOPO_TOUCH,
    h=False,
)
_verb(
    "topology.Topology.apply",
    lambda w: (_apply(w, {}, "member"), (), {}),
    {k: v for k, v in MEMBER_KINDS.items() if k != "netns"},
    touches=TOPO_TOUCH,
    h=False,
)
_verb(
    "topology.Topology.apply",
    lambda w: (_apply(w, {}, "forward"), (), {}),
    FORWARD_KINDS,
    touches=TOPO_TOUCH,
    h=False,
)


# --- tc: specs, builders and formatting (the verbs are covered by tests/privileged/test_tc.py)

_TBF = {"rate": "tc_rate", "burst": "tc_size", "limit": "tc_size", "peakrate": "tc_rate"}
_pure("tc.Tbf", tc.Tbf, {**_TBF, "mtu": "tc_size"}, rate="8mbit", burst=4096, limit=1000)
_pure("tc.Tbf", tc.Tbf, {"latency": "tc_time"}, rate="8mbit", burst=4096, latency="1ms")
_pure("tc.Htb", tc.Htb, {"default": "htb_default", "r2q": "r2q", "direct_qlen": "u32"})
_pure("tc.Pfifo", tc.Pfifo, {"limit": "u32"})
_pure("tc.Bfifo", tc.Bfifo, {"limit": "tc_size"})
_pure(
    "tc.HtbClass",
    tc.HtbClass,
    {
        "rate": "tc_rate",
        "ceil": "tc_rate",
        "burst": "tc_size",
        "cburst": "tc_size",
        "prio": "htb_prio",
        "quantum": "u32",
        "mtu": "tc_size",
        "level": "u32",
    },
    rate="1mbit",
)
_pure("tc.U32Key", tc.U32Key, {"val": "u32", "mask": "u32", "off": "s32", "offmask": "s32"}, 0, 0)
_pure(
    "tc.U32",
    tc.U32,
    {
        "keys": "list[u32key]",
        "classid": "tc_handle",
        "actions": "list[tc_action]",
        "sel_flags": "u8",
        "divisor": "u32",
        "hash": "u32",
        "link": "u32",
        "flags": "u32",
        "offshift": "u8",
        "offmask": "u16",
        "off": "u16",
        "offoff": "s16",
        "hoff": "s16",
        "hmask": "u32",
    },
)
_pure(
    "tc.Mirred",
    tc.Mirred,
    {
        "dev": "linkref",
        "action": "mirred_action",
        "direction": "mirred_direction",
        "verdict": "s32",
        "index": "u32",
    },
    dev=4,
)
_pure("tc.Unknown", tc.Unknown, {"kind": "tc_kind"}, kind="netem")
_pure("tc.UnknownAction", tc.UnknownAction, {"kind": "tc_kind"}, kind="gact")
_pure(
    "tc.Qdisc",
    tc.Qdisc,
    {"dev": "linkref", "options": "tc_qdisc_opts", "parent": "tc_handle", "handle": "tc_handle"},
    dev=3,
    options=tc.Pfifo(),
)
_pure(
    "tc.Class",
    tc.Class,
    {"dev": "linkref", "handle": "tc_handle", "options": "tc_class_opts", "parent": "tc_handle"},
    dev=3,
    handle="1:10",
    options=tc.HtbClass(rate="1mbit"),
)
_pure(
    "tc.Filter",
    tc.Filter,
    {
        "dev": "linkref",
        "parent": "tc_handle",
        "options": "tc_filter_opts",
        "protocol": "eth_proto",
        "prio": "u16",
        "handle": "tc_handle",
        "chain": "u32",
    },
    dev=3,
    parent="1:",
    options=tc.U32(),
)
_pure("tc.PfifoFast", tc.PfifoFast, {})
_pure("tc.Stats", tc.Stats, {})
_TC_HELPER = {"dev": "linkref", "rate": "tc_rate", "burst": "tc_size", "latency": "tc_time"}
_verb(
    "compose.limit_rate",
    lambda w: (compose.limit_rate, (w.h, "lo"), {"rate": "8mbit", "burst": "128kb"}),
    _TC_HELPER,
)
_verb(
    "compose.limit_ingress",
    lambda w: (compose.limit_ingress, (w.h, "lo"), {"rate": "8mbit", "burst": "128kb"}),
    {**_TC_HELPER, "ifb": "ifname"},
)
_TCQ = tc.Qdisc(dev=3, options=tc.Pfifo())
_pure("tc.build_qdisc", tc.build_qdisc, {"q": "tc_qdisc_obj", "flags": "u16"}, _TCQ)
_TCC = tc.Class(dev=3, handle="1:10", options=tc.HtbClass(rate="1mbit"))
_pure("tc.build_class", tc.build_class, {"c": "tc_class_obj", "flags": "u16"}, _TCC)
_TCF = tc.Filter(dev=3, parent="1:", options=tc.U32())
_pure("tc.build_filter", tc.build_filter, {"f": "tc_filter_obj", "flags": "u16"}, _TCF)
_pure("tc.parse_handle", tc.parse_handle, {"value": "tc_handle"}, "1:")
_pure("tc.format_handle", tc.format_handle, {"h": "u32"}, 1)
_pure("tc.format_rate", tc.format_rate, {"bits": "u64"}, 8)
_pure("tc.format_size", tc.format_size, {"size": "u32"}, 8)
_pure("tc.format_time", tc.format_time, {"us": "u32"}, 8)
_pure(
    "tc.u32_match",
    tc.u32_match,
    {"src": "ipnet", "dst": "ipnet", "protocol": "l4proto", "sport": "port", "dport": "port"},
)

# --- tc verbs (tc.qdisc, tc.tclass, tc.filter): on the lab's ifb d0, which has no tc objects

_pure(
    "tc.qdisc.build_dump",
    tc.qdisc.build_dump,
    {"mtype": "tc_dump_type", "index": "ifindex0", "parent": "u32"},
    38,
)
_pure(
    "tc.qdisc.build_qdisc_delete",
    tc.qdisc.build_qdisc_delete,
    {"index": "ifindex", "parent": "u32", "handle": "u32", "kind": "tc_kind"},
    3,
    parent=0xFFFFFFFF,
)
_pure(
    "tc.tclass.build_class_delete",
    tc.tclass.build_class_delete,
    {"index": "ifindex", "handle": "u32", "parent": "u32"},
    3,
    handle=0x10010,
)
_pure(
    "tc.filter.build_filter_delete",
    tc.filter.build_filter_delete,
    {
        "index": "ifindex",
        "parent": "u32",
        "info": "u32",
        "handle": "u32",
        "kind": "tc_kind",
        "chain": "u32",
    },
    3,
    parent=0x10000,
)
_TC_QDISC = {
    "dev": "linkref",
    "options": "tc_qdisc_opts",
    "parent": "tc_handle",
    "handle": "tc_handle",
}
_TC_CLASS = {
    "dev": "linkref",
    "handle": "tc_handle",
    "options": "tc_class_opts",
    "parent": "tc_handle",
}
_TC_FILTER = {
    "dev": "linkref",
    "parent": "tc_handle",
    "options": "tc_filter_opts",
    "protocol": "eth_proto",
    "prio": "u16",
    "handle": "tc_handle",
    "chain": "u32",
}


def _tc_u32() -> Any:
    return tc.U32(keys=tc.u32_match(dst="10.0.0.2/32"), classid="1:10")


for _v in ("add", "replace", "change"):
    _f = getattr(tc.qdisc, _v)
    _verb(
        f"tc.qdisc.{_v}",
        lambda w, f=_f: (f, (w.h,), {"dev": "d0", "handle": "7:", "options": tc.Pfifo(limit=9)}),
        _TC_QDISC,
    )
    _verb(
        f"tc.qdisc.{_v}",
        lambda w, f=_f: (f, (w.h, tc.Qdisc(dev=w.idx["d0"], options=tc.Pfifo(limit=9))), {}),
        {"qdisc": "tc_qdisc_obj"},
    )
    _f = getattr(tc.tclass, _v)
    _verb(
        f"tc.tclass.{_v}",
        lambda w, f=_f: (
            f,
            (w.h,),
            {"dev": "d0", "parent": "1:", "handle": "1:10", "options": tc.HtbClass(rate="1mbit")},
        ),
        _TC_CLASS,
    )
    _verb(
        f"tc.tclass.{_v}",
        lambda w, f=_f: (
            f,
            (w.h, tc.Class(dev=w.idx["d0"], handle="1:10", options=tc.HtbClass(rate="1mbit"))),
            {},
        ),
        {"cls": "tc_class_obj"},
    )
for _v in ("add", "replace"):
    _f = getattr(tc.filter, _v)
    _verb(
        f"tc.filter.{_v}",
        lambda w, f=_f: (
            f,
            (w.h,),
            {"dev": "d0", "parent": "1:", "protocol": "ip", "prio": 1, "options": _tc_u32()},
        ),
        _TC_FILTER,
    )
    _verb(
        f"tc.filter.{_v}",
        lambda w, f=_f: (
            f,
            (w.h, tc.Filter(dev=w.idx["d0"], parent="1:", protocol="ip", options=_tc_u32())),
            {},
        ),
        {"flt": "tc_filter_obj"},
    )
_verb(
    "tc.qdisc.delete",
    lambda w: (tc.qdisc.delete, (w.h,), {"dev": "d0", "parent": "7:", "kind": "pfifo"}),
    {"dev": "linkref", "parent": "tc_handle", "handle": "tc_handle", "kind": "tc_kind"},
)
_verb(
    "tc.qdisc.delete",
    lambda w: (tc.qdisc.delete, (w.h, tc.Qdisc(dev=w.idx["d0"], options=tc.Pfifo())), {}),
    {"qdisc": "tc_qdisc_obj"},
)
_verb("tc.qdisc.dump", lambda w: (tc.qdisc.dump, (w.h,), {}), {"dev": "linkref"})
_verb(
    "tc.qdisc.get",
    lambda w: (tc.qdisc.get, (w.h, "d0"), {}),
    {"dev": "linkref", "parent": "tc_handle"},
)
_verb(
    "tc.tclass.delete",
    lambda w: (tc.tclass.delete, (w.h, "d0"), {"handle": "1:10"}),
    {"dev": "linkref", "handle": "tc_handle"},
)
_verb("tc.tclass.dump", lambda w: (tc.tclass.dump, (w.h, "d0"), {}), {"dev": "linkref"})
_verb(
    "tc.tclass.add_many",
    lambda w: (
        tc.tclass.add_many,
        (w.h, [tc.Class(dev=w.idx["d0"], handle="1:10", options=tc.HtbClass(rate="1mbit"))]),
        {},
    ),
    {"classes": "list[tc_class_obj]", "check": "bool"},
)
_verb(
    "tc.filter.add_many",
    lambda w: (
        tc.filter.add_many,
        (w.h, [tc.Filter(dev=w.idx["d0"], parent="1:", protocol="ip", options=_tc_u32())]),
        {},
    ),
    {"filters": "list[tc_filter_obj]", "check": "bool"},
)
_verb(
    "tc.filter.delete",
    lambda w: (tc.filter.delete, (w.h,), {"dev": "d0", "parent": "1:", "prio": 1}),
    _TC_FILTER,
)
_verb(
    "tc.filter.delete",
    lambda w: (
        tc.filter.delete,
        (w.h, tc.Filter(dev=w.idx["d0"], parent="1:", options=tc.U32())),
        {},
    ),
    {"flt": "tc_filter_obj"},
)
_verb(
    "tc.filter.dump",
    lambda w: (tc.filter.dump, (w.h, "d0"), {}),
    {"dev": "linkref", "parent": "tc_handle"},
)


# ---------------------------------------------------------------------------
# coverage: every parameter of every public callable has a kind or a reason

# --- rawns.aio: each coroutine twin takes what its sync verb takes (issue 17) ------
# The twins run the sync verbs' plans, so they are mapped exactly as their sync
# verbs are: every verb target above gets an "aio." twin target with the same
# base call and kinds, called through _aio_call, which swaps each open Handle
# argument for an AsyncHandle on its namespace and runs the coroutine (or reads
# the dump, or awaits the transaction) to completion on a private event loop. A
# closed Handle is passed as is (the twin refuses it, as it refuses any Handle).


class _AioRunner:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.handles: dict[int, tuple[Handle, Any]] = {}

    def run(self, aw: Any) -> Any:
        if self.loop is None:
            self.loop = asyncio.new_event_loop()

        async def wait() -> Any:
            if isinstance(aw, aio.DumpCall):
                return [x async for x in aw]
            return await aw

        return self.loop.run_until_complete(wait())

    def swap(self, v: object) -> object:
        if not isinstance(v, Handle) or v.closed:
            return v
        hit = self.handles.get(id(v))
        if hit is None or hit[0] is not v:
            hit = (v, self.run(aio.AsyncHandle.open(netns=v.netns)))
            self.handles[id(v)] = hit
        return hit[1]


_AIO = _AioRunner()


def _aio_call(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        res = fn(*map(_AIO.swap, args), **{k: _AIO.swap(v) for k, v in kwargs.items()})
        if isinstance(res, aio.DumpCall) or inspect.isawaitable(res):
            return _AIO.run(res)
        return res

    return call


#: The sync verb a twin's name differs from.
_AIO_NAMES = {"nft.tables.get": "nft.get_table"}
#: Sync verbs whose twins are not in the table (exempted below, with the reason).
_AIO_NOT_TWINNED = {"monitor.open", "nft.Transaction.commit"}
AIO_MODULES = (
    "aio.link",
    "aio.addr",
    "aio.route",
    "aio.nexthop",
    "aio.neigh",
    "aio.rule",
    "aio.nft",
    "aio.sysctl",
    "aio.tc.qdisc",
    "aio.tc.tclass",
    "aio.tc.filter",
    "aio.monitor",
)


def _aio_twin(name: str) -> Callable[..., Any] | None:
    mod, _, verb = ("aio." + _AIO_NAMES.get(name, name)).rpartition(".")
    if mod not in AIO_MODULES:
        return None
    m = importlib.import_module(f"rawns.{mod}")
    return getattr(m, verb, None) if verb in m.__all__ else None


for _t in [t for t in TARGETS if t.verb and t.name not in _AIO_NOT_TWINNED]:
    _twin = _aio_twin(_t.name)
    if _twin is None:
        continue

    def _twin_base(w: World, t: Target = _t, twin: Callable[..., Any] = _twin) -> Any:
        _fn, args, kwargs = t.base(w)
        return _aio_call(twin), args, kwargs

    TARGETS.append(
        Target(
            "aio." + _AIO_NAMES.get(_t.name, _t.name),
            _twin_base,
            _t.kinds,
            verb=True,
            extra=_t.extra,
            skip=_t.skip,
            touches=_t.touches,
        )
    )


#: Modules whose callables the bad-input suite covers (probe and rootless are
#: test/host helpers, errors only exception types: see test_no_raw_errors).
MODULES = (
    "link",
    "addr",
    "route",
    "nexthop",
    "neigh",
    "rule",
    "nft",
    "nft.chains",
    "nft.expr",
    "nft.match",
    "nft.nat",
    "nft.render",
    "nft.rules",
    "nft.sets",
    "nft.tables",
    "sysctl",
    "netns",
    "monitor",
    "compose",
    "topology",
    "handle",
    "pods",
    "tc",
    "tc.qdisc",
    "tc.tclass",
    "tc.filter",
    *AIO_MODULES,
)

#: Types the kernel's answers are decoded into; callers do not build them to send.
RESULT_TYPES: dict[str, type] = {
    "link.Link": link.Link,
    "link.BridgeInfo": link.BridgeInfo,
    "link.BridgePortInfo": link.BridgePortInfo,
    "link.MacvlanInfo": link.MacvlanInfo,
    "link.TunInfo": link.TunInfo,
    "link.VethInfo": link.VethInfo,
    "link.VxlanInfo": link.VxlanInfo,
    "neigh.CacheInfo": neigh.CacheInfo,
    "monitor.Event": monitor.Event,
    "monitor.Malformed": monitor.Malformed,
    "monitor.Overrun": monitor.Overrun,
    "monitor.Snapshot": monitor.Snapshot,
    "topology.Applied": topo.Applied,
    "pods.Attachment": pods.Attachment,
    "pods.Peer": pods.Peer,
    "nft.Ruleset": nft.Ruleset,
    "tc.Stats": tc.Stats,
}


def _ctor_params(cls: type) -> list[str]:
    try:
        return list(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        return []


#: Parameters that take no value kind, each with the reason.
EXEMPT: dict[str, str] = {
    # rawns.aio's own classes: made by its verbs, their arguments checked there
    **{
        f"aio.nft.AsyncTransaction.{p}": "made by aio.nft.transaction, whose twin target "
        "maps these (the constructor is the sync Transaction's, which checks them)"
        for p in ("handle", "check_generation", "ack_every")
    },
    "aio.nft.AsyncTransaction.commit.h": "as nft.Transaction.commit's h (the same "
    "_commit_target checks it); the twin is driven by the sync suite's commit tests",
    "aio.monitor.AsyncMonitor.mon": "made by aio.monitor.open around a checked Monitor",
    "aio.monitor.AsyncMonitor.loop": "made by aio.monitor.open with the running loop",
    "aio.monitor.AsyncMonitor.resync.h": "the sync resync's checks (same_netns, handle) "
    "run on it; tests/privileged/test_aio_more.py",
    **{
        f"aio.monitor.open.{p}": "the sync monitor.open (in the table) runs with the same "
        "arguments and checks them; its result would need an event loop to release"
        for p in ("netns", "groups", "rcvbuf", "strict")
    },
    # raw bytes given to a decoder: any bytes are an input, DecodeError is the
    # answer; tests/fuzz and tests/unit/test_parsers_fuzz.py feed them
    "*.payload": "decoder input (fuzzed in tests/fuzz)",
    "*.msg": "decoder input (fuzzed in tests/fuzz)",
    "*.datagram": "decoder input (fuzzed in tests/fuzz)",
    "*.start": "offset into a decoder's input",
    "*.end": "offset into a decoder's input",
    "*.report": "decoder option",
    "nft.*.decode_data.data": "decoder input",
    "nft.*.decode_dump.data": "decoder input",
    "nft.expr.decode_expr.raw": "decoder input",
    "nft.expr.decode_exprs.data": "decoder input",
    "nft.sets.decode_value.dtype": "decoder input",
    "nft.sets.decode_value.raw": "decoder input",
    "nft.expr.hexwords.data": "debug formatting of any bytes",
    "nft.Unknown.raw": "an unknown expression's raw bytes, kept for lossless round trips",
    "nft.Unknown.build.name": "decoder helper (name read from the kernel)",
    "nft.Unknown.build.data": "decoder helper",
    # lossless round trips and namespace identity
    "*.attrs": "raw attributes kept from a dump for lossless round trips",
    "*.origin": "the namespace identity a dump sets (compared, never sent)",
    "tc.*.stats": "counters a dump reports (compared never, sent never)",
    "tc.Stats.*": "counters the kernel reports (a result type)",
    "tc.PfifoFast.bands": "reported by the kernel, never sent",
    "tc.PfifoFast.priomap": "reported by the kernel, never sent",
    "tc.Unknown.options": "an unknown kind's raw options, kept for lossless round trips",
    "*.what": "the argument name used in messages",
    # callbacks and formatting
    "netns.Netns.run.fn": "a callback",
    "netns.run_in.fn": "a callback",
    "netns.resolve.what": "a label for error messages, chosen by rawns' own callers",
    "compose.Step.description": "a step's description (text for plans and notes)",
    "compose.Step.do": "a callback",
    "compose.Step.undo": "a callback",
    "compose.run_steps.label": "text for error notes",
    "nft.render.render_chain.indent": "output formatting",
    "nft.render.render_set.indent": "output formatting",
    "nft.render.render_chain.inline": "output formatting: set names to render inline",
    "nft.render.render_rule_body.inline": "output formatting: set names to render inline",
    "route.label.names": "display names for indexes (output formatting)",
    "link.BridgePort.put.w": "the codec's Writer (internal encoder hook)",
    # internal constructors: the public way in validates
    "Handle.rtnl": "made by Handle.open (internal constructor)",
    "Handle.ns": "made by Handle.open (internal constructor)",
    **{
        f"monitor.Monitor.{p}": "made by monitor.open (internal constructor)"
        for p in ("sock", "ns", "groups", "strict", "netns_ident")
    },
    **{
        f"nft.sets.Datatype.{p}": "the DATATYPES table's descriptors (internal)"
        for p in _ctor_params(nft_sets.Datatype)
    },
    "netns.Terminated.signum": "an exception raised by the signal handler, not built by callers",
    **{
        f"nft.GenerationChanged.{p}": "an exception type, built from kernel answers"
        for p in _ctor_params(nft.GenerationChanged)
    },
    # results: built by parse_* from kernel bytes; verbs that take one check its
    # index and origin (link.set with a Link from elsewhere is in the table)
    **{
        f"{r}.{p}": "a result type, built by parse_* from kernel bytes"
        for r, cls in RESULT_TYPES.items()
        for p in _ctor_params(cls)
    },
    "neigh.Neighbour.cacheinfo": "reported by the kernel (NDA_CACHEINFO); never sent",
    # public names of kernel enums: built by the enum machinery, values are the kernel's
    **{
        f"{e}.*": "a kernel enum (its members are the uapi values)"
        for e in (
            "route.RouteType",
            "route.RouteProtocol",
            "route.RouteScope",
            "addr.AddrFlag",
            "neigh.NUD",
            "neigh.NTF",
        )
    },
}


def exempt_reason(qual: str, param: str) -> str | None:
    full = f"{qual}.{param}"
    if full in EXEMPT:
        return EXEMPT[full]
    for pattern, reason in EXEMPT.items():
        if "*" not in pattern:
            continue
        head, _, tail = pattern.partition("*")
        if full.startswith(head) and full.endswith(tail) and len(full) >= len(head) + len(tail):
            return reason
    return None


def public_callables(
    modules: Iterable[str] = MODULES, *, exceptions: bool = False
) -> Iterator[tuple[str, Callable[..., Any]]]:
    """(qualified name, callable) for every function, class and public method in ``modules``
    (rawns.errors' exception types only with ``exceptions=True``)."""
    import importlib

    seen: set[int] = set()
    for m in modules:
        mod = importlib.import_module(f"rawns.{m}")
        for n in getattr(mod, "__all__", []):
            obj = getattr(mod, n)
            if inspect.ismodule(obj) or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if (
                not exceptions
                and inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == "rawns.errors"
            ):
                continue
            base = "Handle" if m == "handle" else f"{m}.{n}"
            if id(obj) not in seen:
                seen.add(id(obj))
                yield base, obj
            if inspect.isclass(obj):
                for an, av in vars(obj).items():
                    if an.startswith("_"):
                        continue
                    if isinstance(av, classmethod | staticmethod) or inspect.isfunction(av):
                        f = getattr(obj, an)
                        key = id(getattr(f, "__func__", f))
                        if key in seen:
                            continue
                        seen.add(key)
                        yield f"{base}.{an}", f


def parameters(fn: Callable[..., Any]) -> list[str]:
    """The parameters a caller passes (TypedDict keys of ``**kw: Unpack[...]`` included)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    out: list[str] = []
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        if p.kind is p.VAR_KEYWORD:
            td = _unpacked(fn, p.name)
            out += list(td) if td else [f"**{p.name}"]
        else:
            out.append(p.name)
    return out


def _unpacked(fn: Callable[..., Any], name: str) -> list[str]:
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:  # unresolvable annotations
        return []
    h = hints.get(name)
    if h is None or typing.get_origin(h) is not typing.Unpack:
        return []
    (td,) = typing.get_args(h)
    return list(typing.get_type_hints(td))


def none_ok(fn: Callable[..., Any], param: str) -> bool:
    """Whether None is a valid value of ``param`` (its default, or ``| None`` in its annotation)."""
    try:
        p = inspect.signature(fn).parameters.get(param)
    except (TypeError, ValueError):
        return False
    if p is None:
        return True  # a **kwargs key: absent means unset, as None does
    return p.default is None or "None" in str(p.annotation)


def real_callable(t: Target) -> Callable[..., Any] | None:
    """The public callable a target's name designates (for its signature)."""
    for name, fn in public_callables():
        if name == t.name:
            return fn
    return None
