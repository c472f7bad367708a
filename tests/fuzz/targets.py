"""What the fuzz suites feed, and to which parser: shared by hypothesis and atheris.

A :class:`Target` is a callable taking bytes (a message payload, or a whole
datagram for the conversation) plus the seed inputs of its kind, cut from the
kernel datagrams in ``seeds.json`` (see ``capture_seeds.py``). Parsers of
modules not written yet are simply absent; :func:`unregistered_parsers` lists
every public ``parse_*`` in rawns that no target covers, so a new parser
cannot slip past the fuzzers (``test_every_parser_is_fuzzed``).

The property every target must hold: it returns, or raises
:class:`~rawns.errors.DecodeError`; nothing else escapes, and no input takes
longer than :func:`time_bound` of its size.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rawns
from rawns._conversation import Ack, Conversation, Done, Error, Overrun, Reply
from rawns._wire import Attr, Message, build_message, iter_messages, parse_attrs, parse_messages
from rawns.errors import DecodeError, KernelError, kernel_error

SEEDS = Path(__file__).with_name("seeds.json")
TC_SEEDS = Path(__file__).with_name("tc_seeds.json")  # capture_tc_seeds.py

#: Fixed budget per input plus a per-byte allowance: generous for pure Python on
#: a busy 2-core machine, but orders of magnitude below any quadratic blow-up on
#: the large inputs of the "huge counts" cases (100k+ attributes).
BASE_SECONDS = 0.05
PER_BYTE_SECONDS = 5e-6


#: Inputs executed by the atheris harness in this session, filled by test_atheris.
ATHERIS_RUNS: dict[str, int] = {}


def time_bound(n: int) -> float:
    return BASE_SECONDS + PER_BYTE_SECONDS * n


# nlmsg_type ranges -> family header size, for walking attributes inside payloads
NFNL_SUBSYS_NFTABLES = 10
_FAMILY_HEADER = {
    range(16, 20): 16,  # RTM_*LINK: ifinfomsg
    range(20, 24): 8,  # RTM_*ADDR: ifaddrmsg
    range(24, 28): 12,  # RTM_*ROUTE: rtmsg
    range(28, 32): 12,  # RTM_*NEIGH: ndmsg
    range(32, 36): 12,  # RTM_*RULE: fib_rule_hdr
    range(36, 48): 20,  # RTM_*QDISC, *TCLASS, *TFILTER: tcmsg
}


def family_header_size(mtype: int) -> int | None:
    if mtype >> 8 == NFNL_SUBSYS_NFTABLES:
        return 4  # nfgenmsg
    for r, size in _FAMILY_HEADER.items():
        if mtype in r:
            return size
    return None


@dataclass(frozen=True, slots=True)
class Msg:
    group: str
    type: int
    flags: int
    seq: int
    pid: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    call: Callable[[bytes], object]
    seeds: tuple[bytes, ...]
    header: int  # family header size of the payload (0: whole messages or datagrams)
    covers: tuple[str, ...] = ()  # canonical names of the parse_* functions exercised


@cache
def datagrams() -> tuple[tuple[str, bytes], ...]:
    doc = json.loads(SEEDS.read_text())
    return tuple((group, bytes.fromhex(h)) for group, hexes in doc["seeds"].items() for h in hexes)


@cache
def messages() -> tuple[Msg, ...]:
    out = []
    for group, d in datagrams():
        for t, f, s, p, a, b in iter_messages(d):
            out.append(Msg(group, t, f, s, p, d[a:b]))
    return tuple(out)


def payloads(*types: int, nft: tuple[int, ...] = ()) -> tuple[bytes, ...]:
    """Payloads of seed messages of the given rtnetlink types or nf_tables NFT_MSG values."""
    want_nft = {(NFNL_SUBSYS_NFTABLES << 8) | m for m in nft}
    return tuple(m.payload for m in messages() if m.type in types or m.type in want_nft)


# ---------------------------------------------------------------------------
# Targets that always exist: the codec and the conversation.


def _walk_attrs(data: bytes) -> None:
    """Raw attributes, recursing into every payload that looks nested."""
    stack = [data]
    while stack:
        for a in parse_attrs(stack.pop()):
            if a.is_nested:
                stack.append(a.value)


def feed_conversation(data: bytes) -> None:
    """Feed one datagram to a Conversation expecting the seqs it seems to carry.

    Half the seqs are expected as dumps, half as requests, so both paths run.
    Every event must be well-formed, and an Error must turn into a printable
    :class:`KernelError` of the right class (the path a kernel refusal takes).
    """
    conv = Conversation(port=0)
    off, i = 0, 0
    while off + 16 <= len(data) and i < 64:
        mlen, _t, _f, seq, _p = struct.unpack_from("=IHHII", data, off)
        conv.expect(seq, dump=bool(i & 1))
        if mlen < 16:
            break
        off += (mlen + 3) & ~3
        i += 1
    for ev in conv.receive(data):
        if isinstance(ev, Error):
            assert 1 <= ev.errno <= 4095, ev
            err = kernel_error(ev.errno, op="OP", target="t", extack=ev.extack, seq=ev.seq)
            assert isinstance(err, KernelError)
            str(err)
        else:
            assert isinstance(ev, Reply | Ack | Done | Overrun), ev


def _dump_groups(*prefixes: str) -> tuple[bytes, ...]:
    return tuple(d for g, d in datagrams() if g.startswith(prefixes))


def feed_route_dump(data: bytes) -> None:
    """Conversation.receive_dump decoding routes in place (the route.dump fast path).

    The dump's seq is the first message's, so mutations of other messages'
    seqs and of the DONE exercise the event path too. Decoded twice, with
    and without ``parse_run`` (runs of alike routes per call): both must give
    the same routes and events, or fail with the same DecodeError.
    """
    from rawns import route
    from rawns.route._runs import parse_run

    seq = struct.unpack_from("=I", data, 8)[0] if len(data) >= 12 else 1
    outcomes: list[tuple[object, ...]] = []
    errors: list[DecodeError] = []
    for run in (None, parse_run):
        conv = Conversation(port=0)
        conv.expect(seq, dump=True)
        out: list[route.Route] = []
        try:
            events = conv.receive_dump(data, seq, route._parse_dumped, out, run)
        except DecodeError as e:
            errors.append(e)
            outcomes.append(("error", str(e), e.offset, out))
        else:
            outcomes.append(("ok", [(r, repr(r), r.dst.__dict__.keys()) for r in out], events))
    assert outcomes[0] == outcomes[1], "route runs decode differently from message by message"
    if errors:
        raise errors[0]


def route_run_seed() -> bytes:
    """A dump datagram with a run of 12 alike routes (long enough for parse_run), then DONE."""
    body = struct.pack("=BBBBBBBBI", 2, 24, 0, 0, 254, 4, 0, 1, 0)
    msgs = []
    for i in range(12):
        attrs = struct.pack("=HHI", 8, 15, 254) + struct.pack("=HH", 8, 1) + bytes((20, i, 1, 0))
        attrs += struct.pack("=HH", 8, 5) + bytes((10, 255, 0, 2)) + struct.pack("=HHI", 8, 4, 2)
        payload = body + attrs
        msgs.append(struct.pack("=IHHII", 16 + len(payload), 24, 2, 9, 0) + payload)
    return b"".join(msgs) + struct.pack("=IHHIIi", 20, 3, 2, 9, 0, 0)


def feed_monitor(data: bytes) -> None:
    """rawns.monitor.parse_events: a bad notification becomes a Malformed event.

    parse_events catches DecodeError itself, so here *nothing* may escape; the
    harness's "only DecodeError" rule is strictly stronger than needed. Each
    Malformed must carry the DecodeError that explains it.
    """
    from rawns import monitor
    from rawns.errors import DecodeError

    for ev in monitor.parse_events(data):
        if isinstance(ev, monitor.Malformed):
            assert isinstance(ev.error, DecodeError), ev


def _attr_seeds() -> tuple[bytes, ...]:
    out = []
    for m in messages():
        h = family_header_size(m.type)
        if h is not None:
            out.append(m.payload[h:])
    return tuple(out)


def _optional(modname: str) -> object | None:
    try:
        return importlib.import_module(modname)
    except ImportError:
        return None


def _payload_target(
    modname: str, fn: str, *types: int, nft: tuple[int, ...] = (), header: int
) -> Target | None:
    mod = _optional(modname)
    f = getattr(mod, fn, None) if mod is not None else None
    if f is None:
        return None
    seeds = payloads(*types, nft=nft)
    return Target(f"{modname}.{fn}", _touching(f), seeds, header, (_canonical(f),))


def _nexthop_target() -> Target | None:
    """parse_nexthop, seeded with ip nexthop's requests (the layout of the kernel's reports)."""
    mod = _optional("rawns.nexthop")
    f = getattr(mod, "parse_nexthop", None) if mod is not None else None
    if f is None:
        return None
    golden = Path(__file__).parents[1] / "unit" / "golden" / "nexthop"
    raws = [bytes.fromhex(json.loads(p.read_text())["hex"]) for p in sorted(golden.glob("*.json"))]
    seeds = tuple(r[16:] for r in raws if r[4] in (104, 105))  # RTM_NEW/DELNEXTHOP
    return Target("rawns.nexthop.parse_nexthop", _touching(f), seeds, 8, (_canonical(f),))


def touch(obj: object, depth: int = 2) -> object:
    """Read every public attribute and property of a parse result (and of its parts).

    Some results decode details lazily, on access (Link.min_mtu...): those reads
    are fuzzed too. They may raise DecodeError, like the parser itself.
    """
    if depth < 0 or obj is None or isinstance(obj, str | bytes | int | float | bool):
        return obj
    if isinstance(obj, tuple | list):
        for x in obj[:64]:
            touch(x, depth - 1)
        return obj
    for name in dir(obj):
        if name.startswith("_"):
            continue
        try:
            value = getattr(obj, name)
        except DecodeError:
            continue
        if not callable(value):
            touch(value, depth - 1)
    return obj


def _touching(f: Callable[[bytes], object]) -> Callable[[bytes], object]:
    def call(data: bytes) -> object:
        return touch(f(data))

    return call


def _canonical(f: object) -> str:
    return f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', '')}"


def whole_messages(*types: int) -> tuple[bytes, ...]:
    """Seed messages of ``types`` with their nlmsghdr, as request parsers take them."""
    return tuple(
        build_message(Message(m.type, m.flags, m.seq, m.pid, m.payload))
        for m in messages()
        if m.type in types
    )


def _link_adds() -> tuple[bytes, ...]:
    """build_add outputs: the requests link.parse_add reads back."""
    from rawns import link

    specs = [
        ("Bridge", {"name": "br0", "mtu": 1400, "up": True}),
        ("Veth", {"name": "v0", "peer": "v1"}),
        ("Macvlan", {"name": "mv0", "link": 3, "mode": "bridge"}),
        ("Vxlan", {"name": "vx0", "vni": 42, "port": 4789}),
        ("Ifb", {"name": "ifb0"}),
    ]
    out = []
    for cls, kw in specs:
        spec = getattr(link, cls, None)
        if spec is not None:
            out.append(link.build_add(spec(**kw)))
    return tuple(out)


def _link_sets() -> tuple[bytes, ...]:
    """build_set outputs: the requests link.parse_set reads back."""
    from rawns import link

    changes: list[dict[str, object]] = [
        {"up": True, "mtu": 1280},
        {"name": "new0"},
        {"master": 3},
        {"mac": "02:00:00:00:00:01", "alias": "x", "txqlen": 10},
    ]
    return tuple(link.build_set(2, **kw) for kw in changes)


def _message_target(modname: str, fn: str, seeds: Callable[[], tuple[bytes, ...]]) -> Target | None:
    """A parser of whole request messages, seeded by its builder's outputs."""
    mod = _optional(modname)
    f = getattr(mod, fn, None) if mod is not None else None
    if f is None:
        return None
    return Target(f"{modname}.{fn}", _touching(f), seeds(), 0, (_canonical(f),))


def _receive_dump_target() -> Target | None:
    route = _optional("rawns.route")
    if not hasattr(Conversation, "receive_dump") or not hasattr(route, "_parse_dumped"):
        return None
    from rawns.route._runs import parse_run

    return Target(
        "rawns._conversation.Conversation.receive_dump+route",
        feed_route_dump,
        (*_dump_groups("route_"), route_run_seed()),
        0,
        (_canonical(parse_run),),
    )


def _monitor_target(dgrams: tuple[bytes, ...]) -> Target | None:
    mod = _optional("rawns.monitor")
    if mod is None or not hasattr(mod, "parse_events"):
        return None
    seeds = dgrams + tc_datagrams()
    return Target(
        "rawns.monitor.parse_events", feed_monitor, seeds, 0, (_canonical(mod.parse_events),)
    )


@cache
def tc_datagrams() -> tuple[bytes, ...]:
    """The kernel's tc dumps and RTNLGRP_TC events (``tc_seeds.json``)."""
    doc = json.loads(TC_SEEDS.read_text())
    return tuple(bytes.fromhex(h) for hexes in doc["seeds"].values() for h in hexes)


def _tc_payloads(*types: int) -> tuple[bytes, ...]:
    """tc's requests (the golden captures) and the kernel's reports of ``types``."""
    golden = Path(__file__).parents[1] / "unit" / "golden" / "tc"
    raws = [bytes.fromhex(json.loads(p.read_text())["hex"]) for p in sorted(golden.glob("*.json"))]
    for d in tc_datagrams():
        raws += [d[a - 16 : b] for t, _f, _s, _p, a, b in iter_messages(d) if t in types]
    return tuple(r[16:] for r in raws if struct.unpack_from("=H", r, 4)[0] in types)


def _tc_target(fn: str, *types: int) -> Target | None:
    """A tc parser (tcmsg + attributes), seeded with requests and kernel reports."""
    f = getattr(_optional("rawns.tc"), fn, None)
    if f is None:
        return None
    return Target(f"rawns.tc.{fn}", _touching(f), _tc_payloads(*types), 20, (_canonical(f),))


def _tc_stats_target() -> Target | None:
    """parse_stats on TCA_STATS2 payloads cut from the kernel's dumps, at offset 4 of
    its input (so the mutators see attributes after a 4-byte header, and the
    ``start`` argument is exercised)."""
    tc = _optional("rawns.tc")
    if tc is None or not hasattr(tc, "parse_stats"):
        return None
    from rawns._wire import iter_attrs

    seeds = []
    for p in _tc_payloads(36, 40, 44):
        seeds += [bytes(4) + p[a:b] for t, a, b in iter_attrs(p, 20) if t & 0x3FFF == 7]
    f = tc.parse_stats

    def call(data: bytes) -> object:
        return touch(f(data, 4))

    return Target("rawns.tc.parse_stats", call, tuple(seeds), 4, (_canonical(f),))


@cache
def targets() -> tuple[Target, ...]:
    dgrams = tuple(d for _, d in datagrams())
    out: list[Target | None] = [
        Target("rawns._conversation.Conversation.receive", feed_conversation, dgrams, 0),
        Target(
            "rawns._wire.parse_messages", parse_messages, dgrams, 0, (_canonical(parse_messages),)
        ),
        Target(
            "rawns._wire.parse_attrs", _walk_attrs, _attr_seeds(), 0, (_canonical(parse_attrs),)
        ),
        _monitor_target(dgrams),
        _receive_dump_target(),
        _payload_target("rawns.link", "parse_link", 16, 17, header=16),
        _payload_target("rawns.addr", "parse_address", 20, 21, header=8),
        _payload_target("rawns.route", "parse_route", 24, 25, header=12),
        _payload_target("rawns.neigh", "parse_neighbour", 28, 29, header=12),
        _payload_target("rawns.rule", "parse_rule", 32, 33, header=12),
        _nexthop_target(),
        _message_target("rawns.link", "parse_add", _link_adds),
        _message_target("rawns.link", "parse_set", _link_sets),
        _payload_target("rawns.nft.tables", "parse_table", nft=(0, 2), header=4),
        _payload_target("rawns.nft.chains", "parse_chain", nft=(3, 5), header=4),
        _payload_target("rawns.nft.rules", "parse_rule", nft=(6, 8), header=4),
        _payload_target("rawns.nft.sets", "parse_set", nft=(9, 11), header=4),
        _payload_target("rawns.nft.sets", "parse_elements", nft=(12, 14), header=4),
        _payload_target("rawns.nft.ruleset", "parse_generation", nft=(15,), header=4),
        _tc_target("parse_qdisc", 36, 37),
        _tc_target("parse_class", 40, 41),
        _tc_target("parse_filter", 44, 45),
        _tc_stats_target(),
    ]
    only = os.environ.get("RAWNS_FUZZ_ONLY")  # triage aid: comma-separated name fragments
    keep = [t for t in out if t is not None]
    if only:
        keep = [t for t in keep if any(w in t.name for w in only.split(","))]
    return tuple(keep)


# ---------------------------------------------------------------------------
# The guard: every public parse_* in rawns is covered by a target.

#: parse_* functions that are not decoders of untrusted bytes, with the reason.
NOT_BYTE_PARSERS: dict[str, str] = {
    "rawns.nft.match.parse_net": "normalises a caller's address argument (ValueError by design)",
    "rawns.tc._handle.parse_handle": "normalises a caller's handle argument (ValueError by design)",
    # CNI configs are JSON from the runtime, not netlink bytes: tests/unit/test_cni_spec.py and
    # tests/privileged/test_cni.py feed them malformed JSON and wrong types for every key
    "rawns.cni.bridge.parse_conf": "a CNI network config (JSON), tested by test_cni*.py",
    "rawns.cni.host_local.parse_config": "a CNI ipam config (JSON), tested by test_cni*.py",
}


#: parse_* helpers fuzzed through a target that calls them on every input.
TRANSITIVE: dict[str, str] = {
    "rawns.nft._msg.parse_header": "the first call of every rawns.nft parse_* target",
    "rawns.route._decode.parse_route_at": "what rawns.route.parse_route calls on every input",
}


def public_parsers() -> set[str]:
    """Canonical names of the parse_* functions reachable from rawns' public modules."""
    found: set[str] = set()
    for info in pkgutil.walk_packages(rawns.__path__, "rawns."):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts) or parts[-1] in ("demo",):
            continue
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if name.startswith("parse") and inspect.isfunction(obj):
                found.add(_canonical(obj))
    return found


def unregistered_parsers() -> list[str]:
    covered = {c for t in targets() for c in t.covers} | set(TRANSITIVE)
    return sorted(p for p in public_parsers() if p not in covered and p not in NOT_BYTE_PARSERS)


def examples(default: int) -> int:
    """Examples per target: ``RAWNS_FUZZ_EXAMPLES`` overrides the CI default."""
    return int(os.environ.get("RAWNS_FUZZ_EXAMPLES", default))


__all__ = [
    "Attr",
    "Msg",
    "Target",
    "datagrams",
    "examples",
    "family_header_size",
    "feed_conversation",
    "messages",
    "payloads",
    "targets",
    "time_bound",
    "unregistered_parsers",
]
