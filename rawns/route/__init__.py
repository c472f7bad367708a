"""Routes (``ip route``): add, replace, delete, dump, flush, get (lookup) and bulk add.

:class:`Route` is both what the kernel reports and what you ask for: its
constructor takes ``str`` or :mod:`ipaddress` values and fills in the
defaults ``ip route add`` uses (table main, protocol boot, type unicast, and
scope link for a route without a gateway). Each verb has a pure twin
(:func:`build_add`, :func:`build_delete`, ...) that returns the request bytes.

Rooms: values in ``_types.py``, requests in ``_encode.py``, the plain decoder
(:func:`parse_route`) in ``_decode.py``, verbs here. :func:`dump` decodes with
``_runs.py`` instead, the speed machinery for big tables (runs of alike IPv4
routes, and a faster twin of parse_route for the rest), which gives the same
routes as the plain decoder (see docs/benchmarks.md, W4).
"""

from __future__ import annotations

import _socket
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

from .. import _check
from .._check import _show
from .._inet import AF_INET6, ip
from .._plan import Dump, Pipeline, Plan, Request, drive
from .._rtnl import RT_SCOPE, RT_TABLE, RTA, RTM, RTMSG
from .._typing import cast, overload
from .._verb import moved_spec, spec_or_fields
from .._wire import NLMSG_HDRLEN
from ..errors import DecodeError, KernelError, NotFound
from ..link import Link, LinkRef
from ..link._types import check_here
from ..link._verbs import resolve_index_plan
from ._decode import parse_route, parse_route_at
from ._encode import build_add, build_delete, build_dump, build_get, build_replace, check_get
from ._types import Nexthop, Route, RouteProtocol, RouteScope, RouteType, label, with_oif

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Unpack

    from .._inet import IPAddress, IPNetwork
    from ..handle import Handle
    from ._fields import RouteCommon, RouteFields, RouteMatch

__all__ = [
    "Nexthop",
    "Route",
    "RouteCommon",
    "RouteFields",
    "RouteMatch",
    "RouteProtocol",
    "RouteScope",
    "RouteType",
    "add",
    "add_many",
    "build_add",
    "build_delete",
    "build_dump",
    "build_get",
    "build_replace",
    "delete",
    "dump",
    "flush",
    "get",
    "label",
    "parse_route",
    "replace",
]

AF_INET = _socket.AF_INET
_AF_INET = 2  # socket.AF_INET, as a plain int for signatures
_UNICAST_FAMILIES = (int(AF_INET), AF_INET6)


def _resolve(h: Handle, ref: LinkRef | None, what: str, names: dict[int, str]) -> Plan[int | None]:
    """The index of a checked reference (a request only for a name), noting how it was named."""
    if ref is None:
        return None
    index = yield from resolve_index_plan(h, ref, what)
    if isinstance(ref, str | Link):
        names[index] = ref if isinstance(ref, str) else ref.name
    return index


def _dst_types() -> tuple[type, ...]:
    """What a verb takes positionally as its destination (``route.add(h, "10.0.0.0/8")``)."""
    return (str, ip.IPv4Network, ip.IPv6Network, ip.IPv4Address, ip.IPv6Address)


_FIELDS = frozenset(  # RouteFields's keys
    [
        "dst",
        "gateway",
        "dev",
        "prefsrc",
        "metric",
        "table",
        "protocol",
        "scope",
        "type",
        "onlink",
        "mtu",
        "nexthops",
        "tos",
        "src",
        "pref",
        "via",
        "nhid",
        "expires",
    ]
)
_MATCH = frozenset(  # RouteMatch's keys
    [
        "dst",
        "gateway",
        "dev",
        "prefsrc",
        "metric",
        "table",
        "protocol",
        "scope",
        "type",
        "tos",
        "src",
        "via",
        "nhid",
    ]
)


def _spec(
    h: Handle, verb: str, spec: object, kw: Mapping[str, object], *, delete: bool = False
) -> Plan[tuple[Route, dict[int, str]]]:
    """The verb's Route, every value checked before a device name is looked up.

    Returns it with the names the caller gave devices (index -> name), for
    error messages that name a device as the caller did.
    """
    _check.handle(h)
    fields = dict(kw)
    spec = moved_spec(f"route.{verb}", spec, fields, "route", Route)
    route, given = spec_or_fields(
        f"route.{verb}",
        spec,
        fields,
        Route,
        key="dst",
        key_types=_dst_types(),
        allowed=_MATCH if delete else _FIELDS,
    )
    if route is not None:
        _check.same_netns(route.origin, h, "route", partial(label, route))
        return route, {}
    if "onlink" in given:
        _check.boolean(given["onlink"], "onlink")
    if "dst" not in given:
        raise TypeError(
            f"route.{verb}() needs a Route, or dst= (a prefix, an address or 'default'); "
            f"got dst={_show(kw.get('dst'))}"
        )
    dev = cast("LinkRef | None", given.pop("dev", None))
    if dev is not None:
        check_here(h, dev, "dev")  # no request: a name's syntax, an index, a Link's namespace
    if delete:
        # ip route del: unspecified protocol/type match any, scope NOWHERE matches any.
        given.setdefault("protocol", 0)
        given.setdefault("type", 0)
        given.setdefault("scope", int(RT_SCOPE.NOWHERE))
    names: dict[int, str] = {}
    if dev is None:
        return Route(**given), names  # type: ignore[arg-type]  # keys are Route's keywords
    # Every value checked before a name is looked up; then only the oif is new.
    route = Route(**given)  # type: ignore[arg-type]  # keys are Route's keyword arguments
    oif = yield from _resolve(h, dev, "dev", names)  # an int: dev is given
    return (route if oif is None else with_oif(route, oif)), names


def add(
    h: Handle,
    route: Route | str | IPNetwork | IPAddress | None = None,
    /,
    **kw: Unpack[RouteFields],
) -> None:
    """Add a route: a :class:`Route`, or its fields as keywords.

    Equivalent to: ip route add DST [via GW] [dev DEV] [src PREFSRC] [metric N]
    [table T] [proto P] [scope S] [type T] [onlink] [mtu M] [nexthop via GW weight W ...]

    The one verb shape (:mod:`rawns._verb`): a Route, or keywords, not both.
    The destination may also come first, as ``ip route add`` takes it:
    ``route.add(h, "10.0.0.0/8", gateway="10.1.0.1")`` is
    ``route.add(h, dst="10.0.0.0/8", gateway="10.1.0.1")``. ``protocol``,
    ``scope`` and ``type`` take ``ip``'s names (``"static"``, ``"link"``,
    ``"blackhole"``) or numbers.

    Raises :class:`~rawns.errors.AlreadyExists` if the route exists,
    :class:`~rawns.errors.InvalidArgument` (ENETUNREACH/EINVAL) for a gateway
    the kernel cannot reach, :class:`~rawns.errors.NotFound` for a missing
    device; :class:`ValueError`/:class:`TypeError`, naming the argument and
    the value, for bad or mixed-family values, a zone id, host bits, a bad
    ``h``, a Route with keywords, or a Route or Link from another namespace
    (nothing sent). Errors name the device as given: ``dev v0``, or
    ``dev ifindex 5`` for an index.
    """
    drive(h, add_plan(h, route, **kw))


def add_plan(
    h: Handle,
    route: Route | str | IPNetwork | IPAddress | None = None,
    /,
    **kw: Unpack[RouteFields],
) -> Plan[None]:
    r, names = yield from _spec(h, "add", route, kw)
    yield Request(build_add(r), "RTM_NEWROUTE", partial(label, r, names))


def replace(
    h: Handle,
    route: Route | str | IPNetwork | IPAddress | None = None,
    /,
    **kw: Unpack[RouteFields],
) -> None:
    """Add a route or replace the one with the same destination, table, tos and metric.

    Equivalent to: ip route replace DST [via GW] [dev DEV] ...

    Takes what :func:`add` takes; raises as :func:`add`, except that an
    existing route is not an error.
    """
    drive(h, replace_plan(h, route, **kw))


def replace_plan(
    h: Handle,
    route: Route | str | IPNetwork | IPAddress | None = None,
    /,
    **kw: Unpack[RouteFields],
) -> Plan[None]:
    r, names = yield from _spec(h, "replace", route, kw)
    yield Request(build_replace(r), "RTM_NEWROUTE", partial(label, r, names))


def delete(
    h: Handle,
    route: Route | str | IPNetwork | IPAddress | None = None,
    /,
    **kw: Unpack[RouteMatch],
) -> None:
    """Delete a route: a :class:`Route` (say, from :func:`dump`) exactly, or by keywords.

    With keywords (or a destination first, as for :func:`add`), anything not
    given matches any route, as with ``ip``: protocol and type 0, scope 255
    (``RT_SCOPE_NOWHERE``), table main.

    Equivalent to: ip route del DST [via GW] [dev DEV] [table T] [metric N]

    Raises :class:`~rawns.errors.NotFound` (ESRCH) if no route matches;
    :class:`ValueError`/:class:`TypeError` for bad values, as :func:`add`.
    """
    drive(h, delete_plan(h, route, **kw))


def delete_plan(
    h: Handle,
    route: Route | str | IPNetwork | IPAddress | None = None,
    /,
    **kw: Unpack[RouteMatch],
) -> Plan[None]:
    r, names = yield from _spec(h, "delete", route, kw, delete=True)
    yield Request(build_delete(r), "RTM_DELROUTE", partial(label, r, names))


def dump(
    h: Handle,
    *,
    family: int = _AF_INET,
    table: int | None = int(RT_TABLE.MAIN),
    dev: LinkRef | None = None,
    protocol: int | None = None,
    type: int | None = None,
) -> list[Route]:
    """Routes of the handle's namespace, filtered by the kernel.

    Like ``ip route show``: IPv4 (``family`` 2, AF_INET) of table main by
    default; ``family=10`` (AF_INET6) is ``ip -6 route show``, ``family=0``
    both. ``table=None`` dumps every table (``ip route show table all``). A
    table that does not exist has no routes (an empty list).

    Equivalent to: ip [-4|-6] route show [table T] [dev DEV] [proto P] [type T]

    Each :class:`Route` remembers the handle's namespace (:attr:`Route.origin`).
    Raises :class:`~rawns.errors.NotFound` if ``dev`` does not exist,
    :class:`~rawns.errors.DumpInterrupted` if the table kept changing (see
    docs/dumps.md), :class:`ValueError`/:class:`TypeError` for a bad filter
    (nothing sent).
    """
    return drive(h, dump_plan(h, family=family, table=table, dev=dev, protocol=protocol, type=type))


def dump_plan(
    h: Handle,
    *,
    family: int = _AF_INET,
    table: int | None = int(RT_TABLE.MAIN),
    dev: LinkRef | None = None,
    protocol: int | None = None,
    type: int | None = None,
) -> Plan[list[Route]]:
    _check.handle(h)
    if dev is not None:
        check_here(h, dev, "dev")
    build_dump(family=family, table=table, protocol=protocol, type=type)  # checks them all
    oif = yield from _resolve(h, dev, "dev", {})
    msg = build_dump(family=family, table=table, oif=oif, protocol=protocol, type=type)
    origin = h.netns_ident
    from . import _runs  # the speed machinery, loaded by the first dump (import cost)

    if _runs.ENABLED:
        parse_at, runs = _dumped_parser(origin, _runs.parse_message), _runs.RouteRuns(origin)
    else:
        parse_at, runs = _dumped_parser(origin), None
    try:
        routes: list[Route] = yield Dump(msg, "RTM_GETROUTE", "dump", parse_at, runs)
        return routes
    except NotFound as e:
        if table and e.extack and "table does not exist" in e.extack:
            return []
        raise


def flush(
    h: Handle,
    *,
    family: int = _AF_INET,
    table: int | None = int(RT_TABLE.MAIN),
    dev: LinkRef | None = None,
    protocol: int | None = None,
    type: int | None = None,
) -> list[Route]:
    """Delete every route that :func:`dump` with the same filters returns; return them.

    Equivalent to: ip [-4|-6] route flush [table T|all] [dev DEV] [proto P] [type T]

    As ``ip``: one dump, then one delete per route (pipelined). A route that
    is gone by then (deleted with its link or address) is not an error and
    is left out of the result. Like every rtnetlink change, this is not
    atomic: a failure leaves the routes before it deleted.

    Raises as :func:`dump` for a bad filter or device (nothing deleted), and
    the first :class:`~rawns.errors.KernelError` of a delete, once every
    delete is answered.
    """
    return drive(
        h, flush_plan(h, family=family, table=table, dev=dev, protocol=protocol, type=type)
    )


def flush_plan(
    h: Handle,
    *,
    family: int = _AF_INET,
    table: int | None = int(RT_TABLE.MAIN),
    dev: LinkRef | None = None,
    protocol: int | None = None,
    type: int | None = None,
) -> Plan[list[Route]]:
    dumped = yield from dump_plan(
        h, family=family, table=table, dev=dev, protocol=protocol, type=type
    )
    routes = [r for r in dumped if not _kernel_null(r)]
    msgs = [build_delete(r) for r in routes]
    results = yield Pipeline(msgs, "RTM_DELROUTE", _Labels(routes), False)
    for e in results:
        if e is not None and not isinstance(e, NotFound):
            raise e
    return [r for r, e in zip(routes, results, strict=True) if e is None]


def _kernel_null(r: Route) -> bool:
    """IPv6's ``unreachable default ... metric 4294967295``, which ``ip route flush`` skips."""
    return r.family == AF_INET6 and r.dst.prefixlen == 0 and r.metric == 0xFFFFFFFF


def _dumped_parser(
    origin: tuple[int, int] | None,
    decode: Callable[[bytes, int, int, tuple[int, int] | None], Route] = parse_route_at,
) -> Callable[[bytes, int, int], Route | None]:
    """The per-message decoder of a dump whose routes remember ``origin`` (Route.origin).

    ``decode`` is :func:`parse_route`, or the dump's faster twin
    (``_runs.parse_message``, tested against it).
    """

    def parse_at(data: bytes, start: int, end: int) -> Route | None:
        # AF_UNSPEC dumps also walk the multicast (RTNL_FAMILY_IPMR...) tables:
        # those are not unicast routes and are skipped.
        if start >= end or data[start] not in _UNICAST_FAMILIES:
            return None
        return decode(data, start, end, origin)

    return parse_at


#: The decoder of a dump read without a handle (tests, the fuzz targets): no origin.
_parse_dumped = _dumped_parser(None)


def get(
    h: Handle,
    dst: str | IPAddress,
    *,
    src: str | IPAddress | None = None,
    iif: LinkRef | None = None,
    dev: LinkRef | None = None,
    mark: int | None = None,
    tos: int = 0,
    fibmatch: bool = False,
    uid: int | None = None,
    ipproto: int | str | None = None,
    sport: int | None = None,
    dport: int | None = None,
) -> Route:
    """Ask the kernel which route it would use for ``dst`` (a lookup; nothing is sent).

    Equivalent to: ip route get DST [from SRC] [iif DEV] [oif DEV] [mark M] [fibmatch]
    [uid U] [ipproto P] [sport S] [dport D]

    ``uid``, ``ipproto`` (``"tcp"``, ``"udp"``, ``"icmp"``, ``"ipv6-icmp"`` or a
    number), ``sport`` and ``dport`` describe the flow, for rules that match them.

    Raises :class:`~rawns.errors.InvalidArgument` (ENETUNREACH) when no route
    matches, :class:`~rawns.errors.NotFound` for a missing device,
    :class:`ValueError`/:class:`TypeError` for a bad argument (nothing sent).
    """
    return drive(
        h,
        get_plan(
            h,
            dst,
            src=src,
            iif=iif,
            dev=dev,
            mark=mark,
            tos=tos,
            fibmatch=fibmatch,
            uid=uid,
            ipproto=ipproto,
            sport=sport,
            dport=dport,
        ),
    )


def get_plan(
    h: Handle,
    dst: str | IPAddress,
    *,
    src: str | IPAddress | None = None,
    iif: LinkRef | None = None,
    dev: LinkRef | None = None,
    mark: int | None = None,
    tos: int = 0,
    fibmatch: bool = False,
    uid: int | None = None,
    ipproto: int | str | None = None,
    sport: int | None = None,
    dport: int | None = None,
) -> Plan[Route]:
    _check.handle(h)
    for what, ref in (("iif", iif), ("dev", dev)):
        if ref is not None:
            check_here(h, ref, what)
    flow = {"uid": uid, "ipproto": ipproto, "sport": sport, "dport": dport}
    check_get(dst, src=src, mark=mark, tos=tos, fibmatch=fibmatch, **flow)  # before name lookups
    names: dict[int, str] = {}
    iif_index = yield from _resolve(h, iif, "iif", names)
    oif_index = yield from _resolve(h, dev, "dev", names)
    msg = build_get(
        dst,
        src=src,
        iif=iif_index,
        oif=oif_index,
        mark=mark,
        tos=tos,
        fibmatch=fibmatch,
        uid=uid,
        ipproto=ipproto,
        sport=sport,
        dport=dport,
    )
    replies = yield Request(msg, "RTM_GETROUTE", str(dst))
    for r in replies:
        if r.type == RTM.NEWROUTE:
            return parse_route(r.payload, origin=h.netns_ident)
    raise DecodeError(f"RTM_GETROUTE {dst}: the kernel sent no route")


class _Labels(Sequence[str]):
    """Error targets for a pipeline, formatted only for the requests that fail."""

    def __init__(
        self, routes: Sequence[Route | str], templates: dict[bool, _Template] | None = None
    ) -> None:
        self._routes = routes
        #: A destination string's template (by IPv6-ness), whose suffix completes its label.
        self._templates = templates or {}

    def __len__(self) -> int:
        return len(self._routes)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self._label(r) for r in self._routes[i]]
        return self._label(self._routes[i])

    def _label(self, r: Route | str) -> str:
        if not isinstance(r, str):
            return label(r)
        t = self._templates.get(":" in r)
        return r if t is None else f"{r}{t.suffix}"


def add_many(
    h: Handle,
    routes: Iterable[Route | str],
    *,
    replace: bool = False,
    check: bool = True,
    **common: Unpack[RouteCommon],
) -> list[KernelError | None]:
    """Add many routes, pipelined: thousands of requests per send.

    Equivalent to: ip -batch FILE (with one ``route add`` line per route)

    ``routes`` holds :class:`Route` values, or destinations as strings
    (``"10.1.2.0/24"``, ``"default"``) that share every other field, given
    once as keywords (``gateway=``, ``oif=``, ``table=``... as for
    :class:`Route`): prefixes are encoded by patching the destination into
    one template request, the fast path for big tables. Returns one entry per route, ``None`` or the
    :class:`~rawns.errors.KernelError` for it. With ``check`` (the default)
    the first error is raised once every ack is in; routes before and after it
    are still added (rtnetlink has no transaction, so there is no rollback).
    Raises :class:`ValueError`/:class:`TypeError` for a malformed destination
    or value, or a Route from another namespace, before sending anything.
    """
    return drive(h, add_many_plan(h, routes, replace=replace, check=check, **common))


def add_many_plan(
    h: Handle,
    routes: Iterable[Route | str],
    *,
    replace: bool = False,
    check: bool = True,
    **common: Unpack[RouteCommon],
) -> Plan[list[KernelError | None]]:
    _check.handle(h)
    _check.boolean(replace, "replace")
    _check.boolean(check, "check")
    if not isinstance(routes, Iterable) or isinstance(routes, str | bytes):
        raise TypeError(f"routes must be an iterable of Route or str, not {_show(routes)}")
    build = build_replace if replace else build_add
    templates: dict[bool, _Template] = {}
    msgs: list[bytes] = []
    labels: list[Route | str] = []
    # Every request is built (and so every value checked) before the first is sent.
    for r in routes:
        if isinstance(r, str) and (r in _DEFAULTS or r.endswith("/0")):
            # A default route: ip sends no RTA_DST, which the template cannot patch in.
            one = Route(dst=r, **common)
            msgs.append(build(one))
            labels.append(one)
        elif isinstance(r, str):
            v6 = ":" in r
            template = templates.get(v6)
            if template is None:
                template = templates[v6] = _Template(build, common, v6=v6)
            msgs.append(template.message(r))
            labels.append(r)  # its label is completed by _Labels, for a failure only
        else:
            if not isinstance(r, Route):
                raise TypeError(
                    f"routes must hold Route values or destination strings, not {_show(r)}"
                )
            if common:
                raise TypeError("keyword fields apply to destination strings, not Route values")
            _check.same_netns(r.origin, h, "route", partial(label, r))
            msgs.append(build(r))
            labels.append(r)
    targets = _Labels(labels, templates)
    if not replace:
        _refuse_repeats(msgs, targets)
    results: list[KernelError | None] = yield Pipeline(msgs, "RTM_NEWROUTE", targets, check)
    return results


def _refuse_repeats(msgs: Sequence[bytes], labels: Sequence[str]) -> None:
    """A route given twice to add: the second add would fail (EEXIST) after the first
    was made; a caller mistake, refused before anything is sent."""
    if len(set(msgs)) == len(msgs):
        return
    first: dict[bytes, int] = {}
    for i, m in enumerate(msgs):
        j = first.setdefault(m, i)
        if j != i:
            raise ValueError(
                f"routes[{i}] ({labels[i]}) repeats routes[{j}]: the second add would fail "
                "with File exists after the first (use replace=True to allow it)"
            )


_DEFAULTS = ("default", "all", "any")


class _Template:
    """One encoded request whose destination is patched per route (see add_many)."""

    def __init__(self, build: Callable[[Route], bytes], common: RouteCommon, *, v6: bool) -> None:
        probe = Route(dst="ffff::/128" if v6 else "255.255.255.255/32", **common)
        self.alen = 4 if probe.family == AF_INET else 16
        raw = build(probe)
        needle = struct.pack("=HH", 4 + self.alen, RTA.DST) + probe.dst.network_address.packed
        pos = raw.find(needle, NLMSG_HDRLEN + RTMSG.size)
        if pos < 0:  # pragma: no cover - build_add always writes RTA_DST for a full prefix
            raise AssertionError("route template lost its RTA_DST")
        self.raw = raw
        self.dst_at = pos + 4
        text = label(probe)
        self.suffix = text[text.index(" ") :] if " " in text else ""
        self.max_plen = self.alen * 8
        self.fam = _socket.AF_INET if self.alen == 4 else _socket.AF_INET6

    def message(self, dst: str) -> bytes:
        addr, sep, plen_s = dst.partition("/")
        try:
            packed = _socket.inet_pton(self.fam, addr)
            if sep and not (plen_s.isdigit() and plen_s.isascii()):
                raise ValueError(plen_s)
            plen = int(plen_s) if sep else self.max_plen
        except (OSError, ValueError):
            v = 4 if self.alen == 4 else 6
            raise ValueError(f"route dst {dst!r} is not an IPv{v} prefix") from None
        if not 0 < plen <= self.max_plen:
            raise ValueError(f"route dst {dst!r}: prefix length must be 1..{self.max_plen} here")
        if int.from_bytes(packed, "big") & ((1 << (self.max_plen - plen)) - 1):
            raise ValueError(f"route dst {dst!r} has host bits set")
        buf = bytearray(self.raw)
        buf[NLMSG_HDRLEN + 1] = plen  # rtm_dst_len
        buf[self.dst_at : self.dst_at + self.alen] = packed
        return bytes(buf)


if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """The TypedDicts of the keywords load on first use (their creation costs)."""
        if name in ("RouteCommon", "RouteFields", "RouteMatch"):
            from . import _fields

            return getattr(_fields, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
