"""What you ask for: link specs (:class:`LinkSpec`) and changes (:class:`LinkChange`).

A spec names what you create (:class:`~rawns.link.Veth`, :class:`~rawns.link.Bridge`...).
Each kind subclasses :class:`LinkSpec` in its own module and fills in a few
hooks: ``kind``, ``_put_data`` (its IFLA_INFO_DATA), ``_put_top`` (top-level
attributes such as a macvlan's IFLA_LINK) and ``_parse_data`` (the reverse,
for ``parse_add``). The encoder (``_encode.build_message``) calls the hooks;
it never asks which kind it holds.

A :class:`LinkChange` holds one ``ip link set`` command's worth of changes
(``_encode.change_messages`` writes it). Input checks the kinds share live
here; the value kinds themselves are :mod:`rawns._check`'s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence

from .. import _check, _dataclass
from .._dataclass import dataclass
from .._rtnl import IFF
from .._wire import Writer
from ..errors import DecodeError
from ..netns import Netns, resolve
from ._types import Link, LinkRef, check_here, check_ref, mac_str, ref_label

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from contextlib import nullcontext as _as_is
    from typing import Any, TypeVar

    from ..handle import Handle

    _T = TypeVar("_T")
else:

    class _as_is:
        """contextlib.nullcontext without contextlib, an import of its own (issue 13)."""

        __slots__ = ("_value",)

        def __init__(self, value):
            self._value = value

        def __enter__(self):
            return self._value

        def __exit__(self, *exc_info):
            return None


__all__ = ["LinkChange", "LinkSpec", "NetnsRef"]

#: Where a link goes: an open :class:`~rawns.netns.Netns` (sent as IFLA_NET_NS_FD),
#: a process id whose namespace is meant (IFLA_NET_NS_PID), or a name under
#: /run/netns or an absolute path (a ``str`` or :class:`os.PathLike`), which the
#: verbs open at send time and close after (the one namespace argument type,
#: :data:`rawns.netns.NetnsLike`).
NetnsRef = Netns | str | os.PathLike[str] | int

#: Turns a link reference into an ifindex for an encoder (``what`` names the
#: field in errors): the verbs look names up, the pure ``build_*`` refuse them.
Resolve = Callable[[LinkRef, str], int]

IFALIAS_MAX = 255  # IFALIASZ - 1 (linux/if.h); the kernel's policy for IFLA_IFALIAS
MAX_QUEUES = 4096  # rtnl_create_link refuses more tx or rx queues


# ---------------------------------------------------------------------------
# input checks the link kinds share (the value kinds themselves are rawns._check's)


def check_netns(value: object, what: str = "netns") -> Netns | str | int:
    """Where a link goes: a :class:`~rawns.netns.Netns`, a pid (1..2**31-1), or a
    name or absolute path (:func:`rawns._check.netns_arg`; a PathLike becomes its str)."""
    if isinstance(value, Netns):
        return value
    return _check.netns_arg(value, what)


def netns_opened(value: _T, what: str) -> AbstractContextManager[_T | Netns]:
    """``value``, or the :class:`Netns` it names if it is a name or path (closed after)."""
    if isinstance(value, str | os.PathLike):
        return resolve(value, what)  # a Netns: the block gets it, its exit closes it
    if isinstance(value, int) and not isinstance(value, bool):
        resolve(value, what).close()  # a missing pid named here, not as the kernel's ESRCH
    return _as_is(value)  # (most calls: nothing to open)


def namespaces_opened(
    items: Sequence[_T], whats: Sequence[str]
) -> AbstractContextManager[list[_T]]:
    """``items`` with each namespace given by name or path opened as a :class:`Netns`.

    The verbs send a Netns as its fd (IFLA_NET_NS_FD) and a pid as
    IFLA_NET_NS_PID; a name or path has no wire form, so it is opened here,
    for the verb's requests, and closed when they are done (or failed). Each
    distinct value is opened once. An error (no such namespace, not a network
    namespace) names the field and the value passed, before anything is sent.
    Items that are not a :class:`LinkSpec` or :class:`LinkChange` pass through,
    for the verb's own checks to refuse.
    """
    if len(items) == len(whats) and not any(
        (isinstance(item, LinkSpec) and item.namespaces())
        or (isinstance(item, LinkChange) and item.netns is not None)
        for item in items
    ):
        return _as_is(list(items))  # (most calls: nothing to open)
    # contextlib only here, where a namespace is named: it is an import of its own (issue 13)
    from contextlib import contextmanager

    return contextmanager(_namespaces_opening)(items, whats)


def _namespaces_opening(items: Sequence[_T], whats: Sequence[str]) -> Iterator[list[_T]]:
    from contextlib import ExitStack

    with ExitStack() as stack:
        opened: dict[str, Netns] = {}
        pids: set[int] = set()
        out: list[_T] = []
        for item, what in zip(items, whats, strict=True):
            if isinstance(item, LinkSpec):
                pairs = item.namespaces()
            elif isinstance(item, LinkChange) and item.netns is not None:
                pairs = (("netns", item.netns),)
            else:
                pairs = ()
            changes: dict[str, Netns] = {}
            for field_name, ns in pairs:
                where = f"{what}.{field_name}" if what else field_name
                if isinstance(ns, str):
                    if ns not in opened:
                        opened[ns] = stack.enter_context(resolve(ns, where))
                    changes[field_name] = opened[ns]
                elif isinstance(ns, int) and ns not in pids:
                    # Sent as IFLA_NET_NS_PID; the kernel's ESRCH would not say
                    # which pid, so a missing one is named here, before sending.
                    resolve(ns, where).close()
                    pids.add(ns)
            # (a dataclass: the fields namespaces() names)
            out.append(_dataclass.replace(item, **changes) if changes else item)  # type: ignore[type-var]
        yield out


def check_netns_open(value: NetnsRef | None, what: str = "netns") -> None:
    """Refuse a :class:`~rawns.netns.Netns` closed since the spec was made (verbs call it)."""
    if isinstance(value, Netns) and value.closed:
        raise ValueError(f"{what} {value!r} is closed")


def check_mac(value: object, what: str = "mac") -> str:
    """A unicast Ethernet address (:func:`rawns._check.mac`), as lowercase ``aa:bb:...``."""
    return mac_str(_check.mac(value, what))


def check_queues(value: int | None, what: str) -> None:
    """A queue count the kernel accepts (rtnl_create_link: 1..4096), or None."""
    if value is not None:
        _check.integer(value, what, 1, MAX_QUEUES)


def check_alias(value: object, what: str = "alias") -> str:
    """IFLA_IFALIAS: at most 255 bytes, no NUL (empty clears it)."""
    return _check.text(value, what, max_bytes=IFALIAS_MAX, empty=True)


def set_field(obj: object, name: str, value: object) -> None:
    """Normalise a field of a frozen spec in ``__post_init__``."""
    object.__setattr__(obj, name, value)


# ---------------------------------------------------------------------------
# the base spec


_SPECS: dict[str, type[LinkSpec]] = {}


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSpec:
    """What every link kind accepts; a kind's spec adds its own fields.

    ``name`` is an interface name the kernel takes literally (1..15 bytes; no
    ``/``, ``:``, ``%``, whitespace or NUL; see :func:`rawns._check.ifname`),
    ``mtu`` is 68..65536, ``mac`` a unicast Ethernet address of 6 bytes
    (normalised to lowercase ``aa:bb:...``), ``master`` a link reference (a
    name is looked up by :func:`add`), ``txqlen`` a u32, the queue counts
    1..4096, ``alias`` at most 255 bytes without NUL, ``netns`` where the new
    link goes (a :class:`~rawns.netns.Netns` or a pid). Each raises
    :class:`ValueError` or :class:`TypeError` naming the field and the bad
    value when the spec is made: nothing is cut short or rewritten on the way.
    """

    kind = ""
    #: False for kinds the kernel refuses to create over rtnetlink (tun/tap).
    rtnetlink = True

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
        _check.ifname(self.name, "name")
        if self.mtu is not None:
            _check.mtu(self.mtu)
        if self.mac is not None:
            set_field(self, "mac", check_mac(self.mac))
        _check.boolean(self.up, "up")
        if self.master is not None:
            check_ref(self.master, "master")
        if self.txqlen is not None:
            _check.uint(self.txqlen, 32, "txqlen")
        check_queues(self.num_tx_queues, "num_tx_queues")
        check_queues(self.num_rx_queues, "num_rx_queues")
        if self.alias is not None:
            check_alias(self.alias)
        if self.netns is not None:
            set_field(self, "netns", check_netns(self.netns))

    # -- hooks for the kinds ---------------------------------------------------
    def refs(self) -> tuple[tuple[str, LinkRef], ...]:
        """Other links this spec names, with their field (its master, a lower device)."""
        return () if self.master is None else (("master", self.master),)

    def namespaces(self) -> tuple[tuple[str, NetnsRef], ...]:
        """The namespaces this spec sends links to, with their field."""
        return () if self.netns is None else (("netns", self.netns),)

    def target(self) -> str:
        """How errors of this spec's requests name it (a veth names both ends)."""
        return self.name

    def _creates(self) -> tuple[tuple[NetnsRef | None, str], ...]:
        """The links this spec makes: (namespace, or ``None`` for the handle's; name)."""
        return ((self.netns, self.name),)

    def _replace_conflict(
        self, existing: Link, index_of: Callable[[LinkRef], int | None]
    ) -> str | None:
        """Why ``replace`` cannot make ``existing`` (of this spec's kind) match the spec,
        or None. The kernel ignores what it cannot change in place rather than
        refusing it: the queue counts are fixed for a link's life."""
        for field_name, want, have in (
            ("num_tx_queues", self.num_tx_queues, existing.num_tx_queues),
            ("num_rx_queues", self.num_rx_queues, existing.num_rx_queues),
        ):
            if want is not None and have is not None and want != have:
                return (
                    f"{self.name} has {field_name}={have}, fixed for a link's life; "
                    f"replace cannot make it {want} (the kernel would ignore it)"
                )
        return None

    def same_kind(self, existing: Link) -> bool:
        """Whether ``existing`` (a link of this spec's name) is of this spec's kind."""
        if not isinstance(existing, Link):
            raise TypeError(
                f"existing must be a Link, not {type(existing).__name__}: {_check._show(existing)}"
            )
        return existing.kind == self.kind

    def check_here(self, h: Handle, what: str = "spec") -> None:
        """What a spec can only be checked against at send time: links it names
        were dumped in ``h``'s namespace, namespaces it names are still open."""
        _check.handle(h)
        for field_name, ref in self.refs():
            check_here(h, ref, f"{what}.{field_name}")
        for field_name, ns in self.namespaces():
            check_netns_open(ns, f"{what}.{field_name}")

    def _put_top(self, w: Writer, resolve: Resolve) -> None:
        """Top-level attributes of the kind, written after the common ones."""

    def _has_data(self) -> bool:
        """Whether IFLA_INFO_DATA is sent (iproute2 omits it when no option is given)."""
        return False

    def _put_data(self, w: Writer, resolve: Resolve) -> None:
        """The contents of IFLA_INFO_DATA."""

    @classmethod
    def _parse_data(
        cls, payload: bytes, start: int, end: int, top: dict[str, Any]
    ) -> dict[str, Any]:
        """Spec fields from a request's IFLA_INFO_DATA (and its top-level IFLA_LINK)."""
        return {}

    def followups(self) -> list[tuple[NetnsRef | None, LinkChange]]:
        """Changes that must follow the create: (namespace or ``None`` for here, change).

        The kernel ignores IFLA_IFALIAS in a create (rtnl_create_link does not
        read it; ``ip link add ... alias X`` silently drops it), so an alias
        is set right after, in the same pipeline when the link stays here.
        """
        if self.alias is None:
            return []
        return [(self.netns, LinkChange(ref=self.name, alias=self.alias))]

    @classmethod
    def _followup_fields(
        cls, kw: dict[str, Any], followups: list[tuple[LinkChange, bytes]]
    ) -> dict[str, Any]:
        """Spec fields from the follow-ups :meth:`followups` added (the reverse),
        each as decoded and as sent."""
        out: dict[str, Any] = {}
        for change, _raw in followups:
            if change.ref == kw.get("name") and change.alias is not None:
                out["alias"] = change.alias
            else:
                raise DecodeError(f"unexpected follow-up {change} after a {cls.kind} create")
        return out

    def _create(self, h: Handle, flags: int) -> None:
        """Create a kind that rtnetlink cannot (``rtnetlink = False``)."""
        raise NotImplementedError(type(self).__name__)


def check_spec(spec: object, what: str = "spec") -> LinkSpec:
    """A spec of a link kind (not the LinkSpec base, not something else)."""
    if not isinstance(spec, LinkSpec):
        raise TypeError(
            f"{what} must be a link spec (Veth, Bridge...), "
            f"not {type(spec).__name__}: {_check._show(spec)}"
        )
    if not spec.kind:
        raise TypeError(
            f"{what}: {type(spec).__name__} {spec.name!r} names no link kind; use a kind's "
            "spec (Bridge, Veth, Macvlan, Vxlan, Ifb, Dummy, Tun, Tap)"
        )
    return spec


def spec_class(kind: str) -> type[LinkSpec] | None:
    """The spec class made over rtnetlink for ``kind`` (``parse_add`` reads it)."""
    return _SPECS.get(kind)


# ---------------------------------------------------------------------------
# changes to an existing link


@dataclass(frozen=True, slots=True, kw_only=True)
class PortSettings:
    """Base of port settings a :class:`LinkChange` carries (:class:`~rawns.link.BridgePort`).

    A subclass names the IFLA_INFO_KIND sent with them and writes the
    attributes inside IFLA_INFO_SLAVE_DATA.
    """

    slave_kind = ""

    def _put(self, w: Writer) -> None:
        """The attributes inside IFLA_INFO_SLAVE_DATA."""
        raise NotImplementedError(type(self).__name__)


# (field, IFF bit, whether the field is the bit's negation): ifinfomsg flags
# that ip link set toggles through ifi_flags/ifi_change.
IFF_FIELDS: tuple[tuple[str, int, bool], ...] = (
    ("up", int(IFF.UP), False),
    ("arp", int(IFF.NOARP), True),
    ("promisc", int(IFF.PROMISC), False),
    ("allmulticast", int(IFF.ALLMULTI), False),
    ("multicast", int(IFF.MULTICAST), False),
)
_VALUE_FIELDS = ("mtu", "mac", "name", "master", "netns", "alias", "txqlen", "group", "carrier")
#: Every field that changes something when set (nomaster aside).
_CHANGE_FIELDS = (*(x[0] for x in IFF_FIELDS), *_VALUE_FIELDS, "port")


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkChange:
    """Changes to one existing link (``None`` leaves a setting as it is).

    ``ref`` is the link (name, index or :class:`~rawns.link.Link`); ``name``
    renames it; ``master`` attaches it to a bridge, ``nomaster=True`` detaches
    it; ``netns`` moves it (a :class:`~rawns.netns.Netns`, sent as its fd, or a
    pid); ``port`` changes its bridge-port settings. ``mtu`` is 68..65536,
    ``mac`` a unicast Ethernet address of 6 bytes, ``name`` an interface name
    the kernel takes literally (no ``%``, NUL...), ``alias`` at most 255 bytes
    without NUL (``""`` removes it), ``txqlen`` and ``group`` u32. Inputs are
    checked when the change is made (:class:`ValueError`/:class:`TypeError`
    naming the field and the value).
    """

    ref: LinkRef
    up: bool | None = None
    mtu: int | None = None
    mac: str | None = None
    name: str | None = None
    master: LinkRef | None = None
    nomaster: bool = False
    netns: NetnsRef | None = None
    alias: str | None = None
    txqlen: int | None = None
    group: int | None = None
    carrier: bool | None = None
    arp: bool | None = None
    promisc: bool | None = None
    allmulticast: bool | None = None
    multicast: bool | None = None
    port: PortSettings | None = None

    def __post_init__(self) -> None:
        check_ref(self.ref, "ref")
        for f, _bit, _neg in IFF_FIELDS:
            v = getattr(self, f)
            if v is not None:
                _check.boolean(v, f)
        if self.mtu is not None:
            _check.mtu(self.mtu)
        if self.mac is not None:
            set_field(self, "mac", check_mac(self.mac))
        if self.name is not None:
            _check.ifname(self.name, "name")
        if self.master is not None:
            check_ref(self.master, "master")
        _check.boolean(self.nomaster, "nomaster")
        if self.master is not None and self.nomaster:
            raise ValueError("give master= or nomaster=True, not both")
        if self.nomaster and self.port is not None:
            raise ValueError("bridge-port settings (port=) need a master; nomaster=True drops it")
        if self.netns is not None:
            set_field(self, "netns", check_netns(self.netns))
        if self.alias is not None:
            check_alias(self.alias)
        if self.txqlen is not None:
            _check.uint(self.txqlen, 32, "txqlen")
        if self.group is not None:
            _check.uint(self.group, 32, "group")
        if self.carrier is not None:
            _check.boolean(self.carrier, "carrier")
        if self.port is not None and not isinstance(self.port, PortSettings):
            raise TypeError(
                f"port must be a BridgePort, not {type(self.port).__name__}: "
                f"{_check._show(self.port)}"
            )
        if self.name is not None and isinstance(self.ref, str) and self.name == self.ref:
            set_field(self, "name", None)  # not renaming to the same name, as iproute2
        if not self._changes():
            raise ValueError(f"link.set({ref_label(self.ref)!r}) with nothing to change")

    def check_here(self, h: Handle, what: str = "") -> None:
        """The links this change names were dumped in ``h``'s namespace; its
        ``netns`` is still open (verbs call this before their first request)."""
        _check.handle(h)
        at = f"{what}." if what else ""
        check_here(h, self.ref, f"{at}ref")
        if self.master is not None:
            check_here(h, self.master, f"{at}master")
        check_netns_open(self.netns, f"{at}netns")

    def _changes(self) -> bool:
        return self.nomaster or any(getattr(self, f) is not None for f in _CHANGE_FIELDS)

    def _flags(self) -> tuple[int, int]:
        """ifinfomsg (flags, change) for the IFF_* fields given."""
        flags = change = 0
        for f, bit, neg in IFF_FIELDS:
            value = getattr(self, f)
            if value is not None:
                change |= bit
                if value != neg:
                    flags |= bit
        return flags, change
