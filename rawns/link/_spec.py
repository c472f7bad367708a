"""Link specs: the common fields, input checks, and the add/replace verbs.

A spec names what you create (:class:`~rawns.link.Veth`, :class:`~rawns.link.Bridge`...).
Each kind subclasses :class:`LinkSpec` in its own module and fills in a few
hooks: ``kind``, ``_put_data`` (its IFLA_INFO_DATA), ``_put_top`` (top-level
attributes such as a macvlan's IFLA_LINK) and ``_parse_data`` (the reverse,
for :func:`parse_add`). The builder here calls the hooks; it never asks which
kind it holds.

Attribute order follows what ``ip link add`` sends for the same command
(iproute2 ``ip/iplink.c``: options in the order given, then IFLA_LINK, then
IFLA_IFNAME, then IFLA_LINKINFO), so the golden captures match byte for
byte. Like iproute2, rawns nests IFLA_LINKINFO without NLA_F_NESTED.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, Union

from .._rtnl import IFF, IFINFOMSG, IFLA, IFLA_INFO, NLM_F, RTM, check_ifname
from .._wire import NLA_TYPE_MASK, Writer, iter_attrs, iter_messages
from ..errors import DecodeError, KernelError
from ..netns import Netns
from ._base import Link, LinkRef, Resolver, header, index_of, mac_str, pipeline

if TYPE_CHECKING:
    from ..handle import Handle

__all__ = [
    "LinkSpec",
    "NetnsRef",
    "add",
    "add_many",
    "build_add",
    "build_replace",
    "parse_add",
    "replace",
]

#: Where a link goes: an open :class:`~rawns.netns.Netns` (sent as IFLA_NET_NS_FD)
#: or a process id whose namespace is meant (IFLA_NET_NS_PID).
NetnsRef = Union[Netns, int]  # noqa: UP007 - a runtime alias

T = TypeVar("T")
_IFF_UP = int(IFF.UP)
ETH_MIN_MTU = 68
MAX_MTU = 65536  # ETH_MAX_MTU is 65535; loopback runs at 65536
_U32 = struct.Struct("=I").unpack_from
_MAC = re.compile(r"[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2}){5}")

F_ADD = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL)
# Not NLM_F_REPLACE: rtnl_newlink refuses it for an existing link with
# EOPNOTSUPP (net/core/rtnetlink.c; "ip link replace" fails the same way).
# NLM_F_CREATE without EXCL is what creates, or changes the link in place.
F_REPLACE = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE)


# ---------------------------------------------------------------------------
# input checks: each raises TypeError/ValueError naming the bad value


def check_int(value: object, what: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}: {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{what} must be in {lo}..{hi}, not {value}")
    return value


def check_bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, not {value!r}")
    return value


def check_mtu(value: object, what: str = "mtu") -> int:
    return check_int(value, what, ETH_MIN_MTU, MAX_MTU)


def check_port(value: object, what: str = "port") -> int:
    return check_int(value, what, 0, 0xFFFF)


def parse_mac(value: object, what: str = "mac") -> bytes:
    """An Ethernet unicast address as 6 bytes, from ``"02:00:00:00:00:01"`` or bytes."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):
        if not _MAC.fullmatch(value):
            raise ValueError(f"{what} {value!r} is not a MAC address like 02:00:00:00:00:01")
        raw = bytes(int(x, 16) for x in re.split(r"[:-]", value))
    else:
        raise TypeError(f"{what} must be a str or bytes, not {type(value).__name__}: {value!r}")
    if len(raw) != 6:
        raise ValueError(f"{what} {value!r} is {len(raw)} bytes, an Ethernet address is 6")
    if raw[0] & 1:
        raise ValueError(f"{what} {mac_str(raw)} is a multicast address (lowest bit of byte 0)")
    if raw == bytes(6):
        raise ValueError(f"{what} 00:00:00:00:00:00 is not a valid unicast address")
    return raw


def check_netns(value: object, what: str = "netns") -> NetnsRef:
    if isinstance(value, Netns):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return check_int(value, f"{what} (a pid)", 1, 0x7FFFFFFF)
    raise TypeError(f"{what} must be a Netns or a pid, not {type(value).__name__}: {value!r}")


def check_ref(value: object, what: str) -> LinkRef:
    if isinstance(value, str | int | Link):
        index_of(value)
        return value
    raise TypeError(f"{what} must be a name, an index or a Link, not {value!r}")


def put_netns(w: Writer, ns: NetnsRef) -> None:
    if isinstance(ns, Netns):
        w.put_u32(IFLA.NET_NS_FD, ns.fd)
    else:
        w.put_u32(IFLA.NET_NS_PID, ns)


def set_field(obj: object, name: str, value: object) -> None:
    """Normalise a field of a frozen spec in ``__post_init__``."""
    object.__setattr__(obj, name, value)


# ---------------------------------------------------------------------------
# the base spec


_SPECS: dict[str, type[LinkSpec]] = {}


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSpec:
    """What every link kind accepts; a kind's spec adds its own fields.

    ``name`` is checked like the kernel does (at most 15 bytes, no ``/``, ``:``
    or whitespace), ``mtu`` is 68..65536, ``mac`` a unicast Ethernet address
    (normalised to lowercase ``aa:bb:...``), ``master`` a link reference
    (a name is looked up by :func:`add`), ``netns`` where the new link goes
    (a :class:`~rawns.netns.Netns` or a pid). Each raises :class:`ValueError` or
    :class:`TypeError` naming the bad value when the spec is made.
    """

    kind: ClassVar[str] = ""
    #: False for kinds the kernel refuses to create over rtnetlink (tun/tap).
    rtnetlink: ClassVar[bool] = True

    name: str
    mtu: int | None = None
    mac: str | None = None
    up: bool = False
    master: LinkRef | None = None
    txqlen: int | None = None
    num_tx_queues: int | None = None
    """Transmit queues to allocate (``numtxqueues``; fixed for the link's life)."""
    num_rx_queues: int | None = None
    """Receive queues to allocate (``numrxqueues``; fixed for the link's life)."""
    alias: str | None = None
    netns: NetnsRef | None = None

    def __init_subclass__(cls, **kw: Any) -> None:
        super(LinkSpec, cls).__init_subclass__(**kw)
        # dataclass(slots=True) makes a second class; the last one registered wins.
        if cls.kind and cls.rtnetlink:
            _SPECS[cls.kind] = cls

    def __post_init__(self) -> None:
        check_ifname(self.name)
        if self.mtu is not None:
            check_mtu(self.mtu)
        if self.mac is not None:
            set_field(self, "mac", mac_str(parse_mac(self.mac)))
        check_bool(self.up, "up")
        if self.master is not None:
            check_ref(self.master, "master")
        if self.txqlen is not None:
            check_int(self.txqlen, "txqlen", 0, 0xFFFFFFFF)
        check_queues(self.num_tx_queues, "num_tx_queues")
        check_queues(self.num_rx_queues, "num_rx_queues")
        if self.alias is not None:
            if not isinstance(self.alias, str):
                raise TypeError(f"alias must be a str, not {self.alias!r}")
            if len(self.alias.encode()) > 255:
                raise ValueError(f"alias {self.alias[:20]!r}... is longer than 255 bytes")
        if self.netns is not None:
            check_netns(self.netns)

    # -- hooks for the kinds ---------------------------------------------------
    def refs(self) -> tuple[LinkRef, ...]:
        """Other links this spec names (its master, a lower device)."""
        return () if self.master is None else (self.master,)

    def _put_top(self, w: Writer, resolve: Resolver) -> None:
        """Top-level attributes of the kind, written after the common ones."""

    def _has_data(self) -> bool:
        """Whether IFLA_INFO_DATA is sent (iproute2 omits it when no option is given)."""
        return False

    def _put_data(self, w: Writer, resolve: Resolver) -> None:
        """The contents of IFLA_INFO_DATA."""

    @classmethod
    def _parse_data(
        cls, payload: bytes, start: int, end: int, top: dict[str, Any]
    ) -> dict[str, Any]:
        """Spec fields from a request's IFLA_INFO_DATA (and its top-level IFLA_LINK)."""
        return {}

    def followups(self) -> list[tuple[NetnsRef | None, bytes]]:
        """Requests that must follow the create, each with its namespace (``None``: here).

        The kernel ignores IFLA_IFALIAS in a create (rtnl_create_link does not
        read it; ``ip link add ... alias X`` silently drops it), so an alias
        is set right after, in the same pipeline when the link stays here.
        """
        if self.alias is None:
            return []
        from ._set import build_set

        return [(self.netns, build_set(self.name, alias=self.alias))]

    @classmethod
    def _parse_followups(cls, kw: dict[str, Any], rest: bytes) -> dict[str, Any]:
        """Spec fields from the messages :meth:`followups` added (the reverse)."""
        from ._set import parse_set

        out: dict[str, Any] = {}
        for _t, _f, _s, _p, start, end in iter_messages(rest):
            change = parse_set(rest[start - 16 : end])
            if change.ref == kw.get("name") and change.alias is not None:
                out["alias"] = change.alias
            else:
                raise DecodeError(f"unexpected follow-up {change} after a {cls.kind} create")
        return out

    def _create(self, h: Handle, flags: int) -> None:
        """Create a kind that rtnetlink cannot (``rtnetlink = False``)."""
        raise NotImplementedError(type(self).__name__)


def check_queues(value: int | None, what: str) -> None:
    """A queue count the kernel accepts (rtnl_create_link: 1..4096), or None."""
    if value is not None:
        check_int(value, what, 1, 4096)


def put_queues(w: Writer, tx: int | None, rx: int | None) -> None:
    if tx is not None:
        w.put_u32(IFLA.NUM_TX_QUEUES, tx)
    if rx is not None:
        w.put_u32(IFLA.NUM_RX_QUEUES, rx)


def put_common(w: Writer, spec: LinkSpec, resolve: Resolver) -> None:
    """The top-level attributes every spec shares, in ``ip link add`` order."""
    if spec.mtu is not None:
        w.put_u32(IFLA.MTU, spec.mtu)
    if spec.mac is not None:
        w.put(IFLA.ADDRESS, parse_mac(spec.mac))
    if spec.txqlen is not None:
        w.put_u32(IFLA.TXQLEN, spec.txqlen)
    put_queues(w, spec.num_tx_queues, spec.num_rx_queues)
    if spec.master is not None:
        w.put_u32(IFLA.MASTER, resolve(spec.master, "master"))
    if spec.netns is not None:
        put_netns(w, spec.netns)


def _build(spec: LinkSpec, flags: int, resolve: Resolver) -> bytes:
    if not isinstance(spec, LinkSpec):
        raise TypeError(f"expected a link spec (Veth, Bridge...), not {spec!r}")
    if not spec.kind:
        raise TypeError(
            f"{type(spec).__name__} {spec.name!r} names no link kind; use a kind's spec "
            "(Bridge, Veth, Macvlan, Vxlan, Ifb, Dummy, Tun, Tap)"
        )
    if not spec.rtnetlink:
        raise TypeError(
            f"{type(spec).__name__} links are not made over rtnetlink (the kernel refuses "
            f"kind {spec.kind!r}); add() creates them, build_ifreq() shows the ioctl"
        )
    w = Writer()
    w.begin(RTM.NEWLINK, flags=flags)
    up = _IFF_UP if spec.up else 0
    header(w, 0, up, up)
    put_common(w, spec, resolve)
    spec._put_top(w, resolve)
    w.put_strz(IFLA.IFNAME, spec.name)
    with w.nest_noflag(IFLA.LINKINFO):
        w.put_str(IFLA_INFO.KIND, spec.kind)
        if spec._has_data():
            with w.nest_noflag(IFLA_INFO.DATA):
                spec._put_data(w, resolve)
    w.end()
    return w.data()


def _here(spec: LinkSpec) -> list[bytes]:
    """Follow-up messages for the handle's own namespace."""
    return [m for ns, m in spec.followups() if ns is None]


def build_add(spec: LinkSpec) -> bytes:
    """RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL creating ``spec`` (``ip link add``).

    Pure: links the spec refers to (master, lower device) must be given by
    index or :class:`~rawns.link.Link`; a name raises :class:`ValueError`.
    A spec that needs a second step (a veth with ``peer_up``) adds that
    message after the first when it goes to the same namespace.
    """
    return b"".join([_build(spec, F_ADD, Resolver(None)), *_here(spec)])


def build_replace(spec: LinkSpec) -> bytes:
    """RTM_NEWLINK with NLM_F_CREATE and no EXCL: create, or change in place.

    (Not NLM_F_REPLACE, which the kernel refuses for an existing link.)
    """
    return b"".join([_build(spec, F_REPLACE, Resolver(None)), *_here(spec)])


def add(h: Handle, spec: LinkSpec) -> None:
    """Create a link from a spec, in one request (a veth with its peer, wherever it goes).

    Equivalent to: ip link add NAME [netns NS] type KIND ... (ip tuntap add for Tun/Tap)

    Raises :class:`~rawns.errors.AlreadyExists` if the name is taken,
    :class:`~rawns.errors.NotFound` if a named master or lower device is
    missing, :class:`~rawns.errors.NotSupported` if the kernel lacks the kind;
    :class:`ValueError`/:class:`TypeError` for a bad spec (nothing sent).
    """
    add_many(h, [spec])


def replace(h: Handle, spec: LinkSpec) -> None:
    """Create a link, or change an existing one of the same kind to match the spec.

    Equivalent to: ip link replace NAME type KIND ... as the kernel honours it
    (rawns sends NLM_F_CREATE without EXCL; the NLM_F_REPLACE that ip sends is
    refused with EOPNOTSUPP once the link exists)

    Raises :class:`~rawns.errors.NotSupported` if the link exists with another
    kind or its kind cannot be changed (a veth's peer), plus what :func:`add` raises.
    """
    add_many(h, [spec], replace=True)


def add_many(
    h: Handle, specs: Iterable[LinkSpec], *, replace: bool = False, check: bool = True
) -> list[KernelError | None]:
    """Create many links with pipelined requests: one send per window, acks in bulk.

    Equivalent to: ip -batch - (one "link add ..." line per spec)

    Specs are created in order; a spec that names a link made earlier in the
    same call (a bridge as master) waits for the requests before it. Returns
    one entry per spec, ``None`` or its :class:`~rawns.errors.KernelError`; with
    ``check`` (the default) the first error is raised once every ack is in.
    Raises :class:`ValueError`/:class:`TypeError` for a bad spec before
    anything is sent.
    """
    flags = F_REPLACE if replace else F_ADD
    specs = list(specs)
    for spec in specs:
        if not isinstance(spec, LinkSpec):
            raise TypeError(f"expected a link spec (Veth, Bridge...), not {spec!r}")
    resolve = Resolver(h)
    results: list[KernelError | None] = [None] * len(specs)
    msgs: list[bytes] = []
    targets: list[str] = []
    owner: list[int] = []
    pending: set[str] = set()
    later: list[tuple[int, bytes]] = []
    elsewhere: list[tuple[int, NetnsRef, bytes]] = []

    def flush() -> None:
        # Follow-ups go after every create of the run, not after each: bringing
        # a veth peer up between creates made 1,000 pairs ~2x slower here.
        for i, m in later:
            msgs.append(m)
            targets.append(specs[i].name)
            owner.append(i)
        for i, r in zip(owner, pipeline(h, msgs, targets, "RTM_NEWLINK", False), strict=True):
            if r is not None and results[i] is None:
                results[i] = r
        msgs.clear()
        targets.clear()
        owner.clear()
        pending.clear()
        later.clear()

    for i, spec in enumerate(specs):
        names = {r for r in spec.refs() if isinstance(r, str)}
        if names & pending or not spec.rtnetlink:
            flush()
        if not spec.rtnetlink:
            try:
                spec._create(h, flags)
            except KernelError as e:
                results[i] = e
            continue
        try:
            first = _build(spec, flags, resolve)
        except KernelError as e:  # a named master or lower device is missing
            results[i] = e
            continue
        msgs.append(first)
        targets.append(spec.name)
        owner.append(i)
        later.extend((i, m) for m in _here(spec))
        elsewhere.extend((i, ns, m) for ns, m in spec.followups() if ns is not None)
        pending.add(spec.name)
        resolve.forget(spec.name)
    flush()
    _run_elsewhere(elsewhere, results, specs)
    if check:
        for r in results:
            if r is not None:
                raise r
    return results


def _run_elsewhere(
    todo: list[tuple[int, NetnsRef, bytes]],
    results: list[KernelError | None],
    specs: list[LinkSpec],
) -> None:
    """Follow-ups for other namespaces (a peer brought up where it lives)."""
    from .. import netns as _netns
    from ..handle import Handle

    groups: dict[int, list[tuple[int, NetnsRef, bytes]]] = {}
    for item in todo:
        if results[item[0]] is None:
            groups.setdefault(id(item[1]), []).append(item)
    for items in groups.values():
        where = items[0][1]
        ns = where.dup() if isinstance(where, Netns) else _netns.open(pid=where)
        with ns, Handle.open(netns=ns) as other:
            names = [specs[x[0]].name for x in items]
            answers = pipeline(other, [x[2] for x in items], names, "RTM_NEWLINK", False)
            for (i, _ns, _m), r in zip(items, answers, strict=True):
                if r is not None and results[i] is None:
                    results[i] = r


# ---------------------------------------------------------------------------
# the reverse: a request back into a spec (golden tests, debugging)


def parse_common(payload: bytes, start: int, end: int) -> dict[str, Any]:
    """Spec fields from an ifinfomsg and the common attributes that follow it."""
    if end - start < IFINFOMSG.size:
        raise DecodeError(f"ifinfomsg needs {IFINFOMSG.size} bytes", offset=start)
    _fam, _type, index, flags, change = IFINFOMSG.unpack_from(payload, start)
    kw: dict[str, Any] = {}
    if index:
        kw["index"] = index
    if change & IFF.UP:
        kw["up"] = bool(flags & IFF.UP)
    for atype, a, b in iter_attrs(payload, start + IFINFOMSG.size, end):
        t = atype & NLA_TYPE_MASK
        if t == IFLA.IFNAME:
            kw["name"] = payload[a:b].rstrip(b"\0").decode()
        elif t == IFLA.MTU:
            kw["mtu"] = _U32(payload, a)[0]
        elif t == IFLA.ADDRESS:
            kw["mac"] = mac_str(payload[a:b])
        elif t == IFLA.TXQLEN:
            kw["txqlen"] = _U32(payload, a)[0]
        elif t == IFLA.NUM_TX_QUEUES:
            kw["num_tx_queues"] = _U32(payload, a)[0]
        elif t == IFLA.NUM_RX_QUEUES:
            kw["num_rx_queues"] = _U32(payload, a)[0]
        elif t == IFLA.IFALIAS:
            kw["alias"] = payload[a:b].rstrip(b"\0").decode()
        elif t == IFLA.MASTER:
            kw["master"] = _U32(payload, a)[0]
        elif t == IFLA.NET_NS_PID:
            kw["netns"] = _U32(payload, a)[0]
        elif t == IFLA.NET_NS_FD:
            raise DecodeError(
                "IFLA_NET_NS_FD is a file descriptor of the sender; it cannot be "
                "turned back into a Netns",
                offset=a,
            )
        elif t == IFLA.LINK:
            kw["link"] = _U32(payload, a)[0]
        elif t == IFLA.LINKINFO:
            kw["linkinfo"] = (a, b)
        else:
            kw.setdefault("unknown", []).append(t)
    return kw


def parse_add(msg: bytes) -> LinkSpec:
    """The spec an RTM_NEWLINK create request (header included) describes.

    The inverse of :func:`build_add`: ``parse_add(build_add(spec)) == spec``
    (a follow-up message that :func:`build_add` appends is read back too).
    Raises :class:`~rawns.errors.DecodeError` for bytes it cannot map to a spec.
    """
    return decode_request(_parse_add, msg, "a link spec")


def decode_request(parse: Callable[[bytes], T], msg: bytes, what: str) -> T:
    """Run a request parser; any mapping failure becomes a :class:`DecodeError`.

    Shared by :func:`parse_add` and :func:`~rawns.link.parse_set`: a value the
    spec refuses or a field of the wrong size or encoding (fuzz findings) must
    not escape as ValueError, struct.error...
    """
    try:
        return parse(msg)
    except DecodeError:
        raise
    except (ValueError, TypeError, IndexError, KeyError, struct.error) as e:
        raise DecodeError(f"RTM_NEWLINK request does not map to {what}: {e}") from e


def first_newlink(msg: bytes) -> tuple[int, int, int | None]:
    """``(start, end, next)`` of the RTM_NEWLINK that opens ``msg``.

    ``start:end`` is its payload; ``next`` is where the following message
    starts, or None if it is the only one.
    """
    msgs = list(iter_messages(msg))
    if not msgs:
        raise DecodeError("no message")
    (mtype, _flags, _seq, _pid, start, end), *rest = msgs
    if mtype != RTM.NEWLINK:
        raise DecodeError(f"expected RTM_NEWLINK, got message type {mtype}")
    return start, end, (rest[0][4] - 16 if rest else None)


def _parse_add(msg: bytes) -> LinkSpec:
    start, end, next_at = first_newlink(msg)
    kw = parse_common(msg, start, end)
    kind = None
    data = (0, 0)
    for it, a, b in iter_attrs(msg, *kw.pop("linkinfo", (0, 0))):
        if it & NLA_TYPE_MASK == IFLA_INFO.KIND:
            kind = msg[a:b].rstrip(b"\0").decode()
        elif it & NLA_TYPE_MASK == IFLA_INFO.DATA:
            data = (a, b)
    cls = _SPECS.get(kind or "")
    if cls is None:
        raise DecodeError(f"no link spec for kind {kind!r}")
    if kw.pop("unknown", None) or kw.pop("index", 0):
        raise DecodeError("the request carries attributes no spec field holds")
    top = {"link": kw.pop("link")} if "link" in kw else {}
    kw.update(cls._parse_data(msg, data[0], data[1], top))
    if next_at is not None:
        kw.update(cls._parse_followups(kw, msg[next_at:]))
    if top:
        raise DecodeError(f"IFLA_LINK is not a field of {cls.__name__}")
    names = {f.name for f in fields(cls)}
    extra = set(kw) - names
    if extra:
        raise DecodeError(f"{cls.__name__} has no field for {sorted(extra)}")
    return cls(**kw)
