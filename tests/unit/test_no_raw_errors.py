"""No public function lets a raw Python error escape, whatever the argument.

Every callable in the ``__all__`` of every public rawns module (and the
public methods of public classes) is called with each argument in turn
replaced by a value from a hostile pool (wrong types, out-of-range numbers,
NUL and ``%`` in strings, huge values, a closed or fake Handle, a closed
Netns), the other arguments valid. ``struct.error``, ``OverflowError``,
``KeyError``, ``IndexError`` or ``AttributeError`` escaping fails the test,
naming the function, the argument and the value; any other outcome (a
result, ``TypeError``/``ValueError``, a ``KernelError``) is fine here: the
bad-input suite (test_bad_kinds.py) judges those.

Verbs run on fresh namespaces when root; unprivileged, they still get the
hostile *handle* (a closed or fake Handle, a Netns where a Handle goes), and
the rest of them is skipped.
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import math
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawns import Handle, compose, errors, link, monitor, neigh, netns, nft, pods, probe, topology
from rawns.errors import DecodeError
from rawns.nft import expr as nft_expr
from rawns.nft import sets as nft_sets
from rawns.transport import NETLINK_ROUTE, Channel, NetlinkSocket
from tests.unit import bad_kinds as bk

IS_ROOT = os.geteuid() == 0
MODULES = (*bk.MODULES, "probe", "rootless", "errors")

HOSTILE: tuple[object, ...] = (
    None,
    True,
    0,
    -1,
    1,
    255,
    256,
    65536,
    2**31,
    2**32,
    2**63,
    2**64,
    -(2**63) - 1,
    10**30,
    0.5,
    math.nan,
    math.inf,
    "",
    "x",
    "\0",
    "%d",
    "a" * 300,
    "\udc80",
    b"",
    b"\xff" * 70,
    bytearray(b"x"),
    [],
    [None],
    ["x"],
    (),
    (1,),
    (1, 2, 3),
    {},
    {"a": None},
    bk.Opaque(),
    bk.FAKE_HANDLE,
    bk.FAKE_NETNS,
)

#: Arguments where a hostile value could be *valid* and reach outside the test's
#: namespaces: None (the caller's namespace), a small int (a pid: 1 is the
#: host; an fd: 0 is stdin), a plain name (somebody's namespace).
OUTSIDE = {"netns", "peer_netns", "pid", "fd", "ns", "host", "where"}
#: Paths: a plain relative name would create files in the working directory.
PATHS = {"run_dir", "path"}
#: Waits: None, a non-negative number or a negative one (poll: forever) could block.
WAITS = {"timeout"}

#: Callables never called here, with the reason.
SKIP = {
    "rootless.enter": "unshares the test process's user namespace (irreversible)",
    **{
        a: "rawns.aio's classes and monitor.open need a running event loop; their "
        "arguments are the sync twins' (same checks), see bad_kinds.EXEMPT"
        for a in (
            "aio.nft.AsyncTransaction",
            "aio.nft.AsyncTransaction.commit",
            "aio.monitor.AsyncMonitor",
            "aio.monitor.AsyncMonitor.resync",
            "aio.monitor.open",
        )
    },
    **{
        e: "a kernel enum re-exported under a public name: the enum machinery's constructor"
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


def _fits(param: str, value: object) -> bool:
    """Whether ``value`` is safe to pass as ``param`` (see OUTSIDE, PATHS, WAITS)."""
    if param in OUTSIDE:
        if value is None or isinstance(value, bool):
            return False
        if isinstance(value, int) and 0 <= value < 2**31:
            return False
        return not (isinstance(value, str) and value.isprintable() and value != "")
    if param in PATHS and isinstance(value, str):
        return value == "" or not value.isprintable()
    if param in WAITS:
        return not (value is None or isinstance(value, int | float)) or (
            isinstance(value, float) and math.isnan(value)
        )
    return True


# ---------------------------------------------------------------------------
# bases for what the bad-input table does not call (decoders, results, errors)

Make = Callable[[bk.World], tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]


def _c(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Make:
    return lambda w: (fn, args, kwargs)


def _lazy(get: Callable[[bk.World], Callable[..., Any]], *args: Any, **kwargs: Any) -> Make:
    return lambda w: (get(w), args, kwargs)


def _monitor(w: bk.World) -> Callable[..., Any]:
    def make(sock: Any, ns: Any, groups: Any, **kw: Any) -> Any:
        m = monitor.Monitor(sock, ns, groups, **kw)
        m.close()
        return m

    return make


def _handle(rtnl: Any, ns: Any) -> Any:
    h = Handle(rtnl, ns)
    h.close()
    return h


def _sock() -> NetlinkSocket:
    return NetlinkSocket(NETLINK_ROUTE)


_DT = nft_sets.DATATYPES["ipv4_addr"]
_TOPOLOGY = topology.Topology(members=[topology.Member(netns="red", address="192.168.15.1")])
BASES: dict[str, Make] = {
    "link.Link": _c(link.Link, index=1, name="x"),
    "link.BridgeInfo": _c(link.BridgeInfo),
    "link.BridgePortInfo": _c(link.BridgePortInfo),
    "link.MacvlanInfo": _c(link.MacvlanInfo),
    "link.TunInfo": _c(link.TunInfo),
    "link.VethInfo": _c(link.VethInfo),
    "link.VxlanInfo": _c(link.VxlanInfo),
    "neigh.CacheInfo": _c(neigh.CacheInfo, 1, 2, 3, 4),
    "nft.GenerationChanged": _c(nft.GenerationChanged, 1),
    "nft.Ruleset": _c(nft.Ruleset),
    "nft.Unknown.build": _c(nft.Unknown.build, "xyz", b""),
    "nft.expr.decode_expr": _c(nft_expr.decode_expr, b""),
    "nft.expr.decode_exprs": _c(nft_expr.decode_exprs, b""),
    "nft.expr.hexwords": _c(nft_expr.hexwords, b"\x01\x02"),
    "nft.sets.Datatype": _c(nft_sets.Datatype, *dataclasses.astuple(_DT))
    if dataclasses.is_dataclass(_DT)
    else _c(nft_sets.Datatype, *tuple(_DT)),
    "nft.sets.decode_value": _c(nft_sets.decode_value, _DT, b"\x0a\x00\x00\x01"),
    "netns.Terminated": _c(netns.Terminated, int(signal.SIGTERM)),
    "monitor.Event": _c(monitor.Event, "link", "new", None),
    "monitor.Malformed": _c(monitor.Malformed, 16, b"", DecodeError("x")),
    "monitor.Overrun": _c(monitor.Overrun),
    "monitor.Snapshot": _c(monitor.Snapshot),
    "compose.Step": _c(compose.Step, "x", lambda: True),
    "topology.Applied": _c(topology.Applied, _TOPOLOGY),
    "pods.Attachment": _c(
        pods.Attachment, None, "/x", "br0", "veth0", 1, "", "eth0", 2, "", 1500, (), ()
    ),
    "pods.Peer": _c(pods.Peer, *dataclasses.astuple(bk._PEER)),
    "errors.Conflict": _c(errors.Conflict, "x"),
    "errors.DecodeError": _c(errors.DecodeError, "x"),
    "errors.DumpInterrupted": _c(errors.DumpInterrupted, "RTM_GETLINK", 3, []),
    "errors.kernel_error": _c(errors.kernel_error, 2),
    **{
        f"errors.{n}": _c(getattr(errors, n), 2)
        for n in (
            "AlreadyExists",
            "Busy",
            "InvalidArgument",
            "KernelError",
            "NotFound",
            "NotSupported",
            "PermissionDenied",
        )
    },
}
#: Bases that need sockets or a namespace of their own.
LIVE_BASES: dict[str, Make] = {
    "Handle": lambda w: (_handle, (Channel(_sock()), None), {}),
    "monitor.Monitor": lambda w: (_monitor(w), (_sock(), None, []), {}),
    "netns.Netns.run": _lazy(lambda w: w.ns.run, lambda: 1),
    "probe.ProbeResult": _c(
        probe.ProbeResult,
        server="x",
        seen_source=ipaddress.ip_address("10.0.0.1"),
        seen_port=1,
        seconds=1.0,
    ),
    "probe.TcpServer": lambda w: (probe.TcpServer, (w.ns2, "127.0.0.1", 8080), {"name": "bk"}),
    "probe.tcp_check": lambda w: (probe.tcp_check, (w.ns2, "127.0.0.1", 80), {"timeout": 0.05}),
}
_DECODERS = (".decode_data", ".decode_dump", ".parse_add", ".parse_set", ".parse_events")


def _decoder_base(name: str, fn: Callable[..., Any]) -> Make | None:
    last = name.rsplit(".", 1)[-1]
    if name.endswith(_DECODERS) or last.startswith("parse_"):
        return _c(fn, b"")
    return None


# ---------------------------------------------------------------------------
# the callables and how to call each


@dataclasses.dataclass(frozen=True)
class Callee:
    name: str
    fn: Callable[..., Any]
    make: Make
    params: tuple[str, ...]
    verb: bool
    handle_params: tuple[str, ...] = ()


@functools.cache
def callees() -> tuple[list[Callee], list[str]]:
    """Every public callable with parameters, and the names of those without a base."""
    by_name: dict[str, list[bk.Target]] = {}
    for t in bk.TARGETS:
        by_name.setdefault(t.name, []).append(t)
    out: list[Callee] = []
    missing: list[str] = []
    for name, fn in bk.public_callables(MODULES, exceptions=True):
        params = [p for p in bk.parameters(fn) if not p.startswith("**")]
        targets = by_name.get(name, [])
        for t in targets:  # keys of **kwargs the table names
            params += [p for p in t.kinds if p not in params]
        if not params or name in SKIP:
            continue
        if targets:
            t = targets[0]
            hp = tuple(p for tt in targets for p, k in tt.kinds.items() if k == "handle")
            out.append(Callee(name, fn, t.base, tuple(params), t.verb, tuple(dict.fromkeys(hp))))
        elif name in BASES:
            out.append(Callee(name, fn, BASES[name], tuple(params), False))
        elif name in LIVE_BASES:
            out.append(Callee(name, fn, LIVE_BASES[name], tuple(params), True))
        elif (make := _decoder_base(name, fn)) is not None:
            out.append(Callee(name, fn, make, tuple(params), False))
        else:
            missing.append(name)
    return out, missing


def grouped(bad: list[str]) -> str:
    """One line per (function, argument, exception): how many values, two of them."""
    groups: dict[str, list[str]] = {}
    for line in bad:
        if "=|" not in line:
            groups.setdefault(line, [])
            continue
        head, rest = line.split("=|", 1)
        value, _, what = rest.partition("|): ")
        key = f"{head}): {what.split(':')[0]}"
        groups.setdefault(key, []).append(f"{value} ({what[len(what.split(':')[0]) + 2 :][:70]})")
    return "\n".join(f"{k} x{len(v)}: " + "; ".join(v[:2]) if v else k for k, v in groups.items())


def hostile(w: bk.World) -> list[object]:
    return [*HOSTILE, *(x for x in (w.closed_h, w.closed_ns) if x is not None)]


def call_all(c: Callee, w: bk.World, params: tuple[str, ...]) -> tuple[int, list[str]]:
    """Call ``c`` with each of ``params`` replaced by each hostile value: (calls, raw errors)."""
    n = 0
    bad: list[str] = []
    for p in params:
        for v in hostile(w):
            if not _fits(p, v):
                continue
            try:
                fn, args, kwargs = c.make(w)
            except Exception as e:  # a base this world cannot make
                bad.append(f"{c.name}: base call unavailable ({type(e).__name__}: {e})")
                return n, bad
            n += 1
            result: object = None
            try:
                result = bk.call_with(fn, args, kwargs, p, v)
            except bk.RAW as e:
                bad.append(f"{c.name}({p}=|{bk.show(v)}|): {type(e).__name__}: {str(e)[:100]}")
            except Exception:  # noqa: S110 - any other refusal is test_bad_kinds.py's to judge
                pass
            bk.release(result, c.name)
    return n, bad


@pytest.fixture(autouse=True, scope="module")
def _summary(request: pytest.FixtureRequest) -> None:
    bk.register_summary(request.config)


@pytest.fixture(scope="module")
def world() -> Iterator[bk.World]:
    w = bk.pure_world()
    w.run_dir = tempfile.mkdtemp(prefix="rawns-bk-")
    yield w
    os.rmdir(w.run_dir)


def test_every_public_callable_is_called() -> None:
    _callees, missing = callees()
    assert not missing, "public callables with no base call here: " + ", ".join(missing)


def _module(c: Callee) -> str:
    return c.name.split(".")[0]


PURE_GROUPS = sorted({_module(c) for c in callees()[0] if not c.verb})
VERB_GROUPS = sorted({_module(c) for c in callees()[0] if c.verb})


@pytest.mark.parametrize("group", PURE_GROUPS)
def test_pure_functions_raise_no_raw_errors(group: str, world: bk.World) -> None:
    total, bad = 0, []
    for c in callees()[0]:
        if c.verb or _module(c) != group:
            continue
        n, b = call_all(c, world, c.params)
        total += n
        bad += b
    bk.count(f"no-raw-errors {group}", total)
    assert not bad, f"{len(bad)} raw errors escaped:\n" + grouped(bad)


@pytest.mark.parametrize("group", VERB_GROUPS)
def test_verbs_with_a_bad_handle_raise_no_raw_errors(group: str, world: bk.World) -> None:
    """Unprivileged: only the handle is hostile (the base needs no live namespace)."""
    total, bad = 0, []
    for c in callees()[0]:
        if not c.verb or _module(c) != group or not c.handle_params:
            continue
        n, b = call_all(c, world, c.handle_params)
        total += n
        bad += [x for x in b if "base call unavailable" not in x]
    bk.count(f"no-raw-errors {group} (bad handle)", total)
    assert not bad, f"{len(bad)} raw errors escaped:\n" + grouped(bad)


@pytest.mark.skipif(not IS_ROOT, reason="needs root: verbs run in fresh namespaces")
@pytest.mark.parametrize("group", VERB_GROUPS)
def test_verbs_raise_no_raw_errors(group: str, make_ns: Callable[[], Any]) -> None:
    from tests.privileged.test_bad_kinds_state import Lab

    lab = Lab(make_ns)
    total, bad = 0, []
    try:
        for c in callees()[0]:
            if not c.verb or _module(c) != group:
                continue
            n, b = call_all(c, lab.w, c.params)
            total += n
            bad += b
    finally:
        lab.close()
    bk.count(f"no-raw-errors {group} (verbs)", total)
    assert not bad, f"{len(bad)} raw errors escaped:\n" + grouped(bad)
