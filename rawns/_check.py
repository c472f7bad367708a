"""The one validation layer: every value kind the public API takes, checked in one place.

Caller mistakes become :class:`TypeError` (wrong kind of value) or
:class:`ValueError` (right kind, wrong value), raised before anything is sent
and naming the argument and the value (h11 validates at the edge, once). Specs
call these in ``__post_init__``; verbs call them on every argument before
their first request; encoders therefore never meet a value they cannot pack,
and nothing is silently truncated (a NUL inside a string, a 7-byte lladdr,
an IPv6 zone id, 2**32 masked to 0).

Each kind is also *described* in :data:`KINDS` (its accepted types, its
range, its length limit, its forbidden characters and a few invalid values
that the description alone does not imply). The property-based bad-input
suite (``tests/unit/test_bad_kinds.py``) builds its hypothesis strategies
from these descriptions, so a new limit written here is tested everywhere
the kind is used, without a hand-written list.

The layer is split by concept into sibling modules, all re-exported here so
that every caller writes ``_check.X``: ``_check_core`` (numbers, words,
durations, limits), ``_check_enums`` (kernel enums by name),
``_check_tc`` (traffic-control values) and ``_check_kinds`` (the
descriptions); strings, addresses, handles and namespaces live here.

Every function takes ``what``: the argument's name as the caller wrote it
(``"mtu"``, ``"Route.oif"``), used verbatim in the message.
"""

from __future__ import annotations

import os
import sys

from ._check_core import (
    ALTIFNAMSIZ,
    IFNAMSIZ,
    MAX_ADDR_LEN,
    NAME_MAX,
    NFT_NAME_MAXLEN,
    _show,
    boolean,
    choice,
    ifindex,
    integer,
    mtu,
    optional,
    port,
    port_range,
    seconds,
    sint,
    uint,
)
from ._check_enums import (
    ADDR_FLAGS,
    IP_PROTOS,
    NEIGH_FLAGS,
    NEIGH_STATES,
    ROUTE_PROTOCOLS,
    ROUTE_TYPES,
    SCOPES,
    ip_proto,
    named,
    named_flags,
)
from ._typing import cast
from .errors import DecodeError

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from collections.abc import Callable

    from ._check_kinds import KINDS, Kind, describe
    from ._check_tc import tc_handle, tc_rate, tc_size, tc_time
    from .handle import Handle
else:

    def __getattr__(name: str) -> object:
        """The kinds' descriptions and the tc values' checks load on first use."""
        if name in ("KINDS", "Kind", "describe"):
            from . import _check_kinds

            return getattr(_check_kinds, name)
        if name in ("tc_handle", "tc_rate", "tc_size", "tc_time"):  # rawns.tc's only
            from . import _check_tc

            value = getattr(_check_tc, name)
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ADDR_FLAGS",
    "ALTIFNAMSIZ",
    "IFNAMSIZ",
    "IP_PROTOS",
    "KINDS",
    "MAX_ADDR_LEN",
    "NAME_MAX",
    "NEIGH_FLAGS",
    "NEIGH_STATES",
    "NFT_NAME_MAXLEN",
    "ROUTE_PROTOCOLS",
    "ROUTE_TYPES",
    "SCOPES",
    "Kind",
    "_show",
    "altname",
    "boolean",
    "check_uint",
    "choice",
    "describe",
    "handle",
    "ifindex",
    "ifname",
    "integer",
    "ip_proto",
    "link_name",
    "lladdr",
    "mac",
    "mtu",
    "named",
    "named_flags",
    "netns_arg",
    "netns_name",
    "nexthop_id",
    "nft_name",
    "no_zone",
    "optional",
    "port",
    "port_range",
    "register_handle",
    "same_netns",
    "seconds",
    "sint",
    "span",
    "tc_handle",
    "tc_rate",
    "tc_size",
    "tc_time",
    "text",
    "uint",
]


def span(payload: object, start: object, end: object, what: str = "payload") -> tuple[int, int]:
    """``start``/``end`` offsets into the bytes ``payload`` (``end`` None: its length).

    For the decoders that take offsets (the in-place dump forms, and the
    deprecated ``parse_route(data, start, end)``): offsets are a
    caller's arguments, so a float is a TypeError and an offset outside the
    bytes a :class:`~rawns.errors.DecodeError` (a ValueError), not a
    ``struct.error`` from the decoder.
    """
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(f"{what} must be bytes, not {type(payload).__name__}: {_show(payload)}")
    n = len(payload)
    try:
        lo = integer(start, "start", 0, n)
        hi = n if end is None else integer(end, "end", lo, n)
    except ValueError as e:  # an int, but outside the bytes: as for truncated input
        raise DecodeError(f"{what}: {e}") from None
    return lo, hi


# ---------------------------------------------------------------------------
# strings


def text(
    value: object,
    what: str,
    *,
    max_bytes: int,
    empty: bool = False,
    forbid: str = "",
) -> str:
    """A string sent NUL-terminated: no NUL inside (the kernel would cut it there),
    encodable as UTF-8, at most ``max_bytes`` bytes, none of ``forbid``."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}: {_show(value)}")
    if not value and not empty:
        raise ValueError(f"{what} must not be empty")
    if "\0" in value:
        raise ValueError(
            f"{what} {_show(value)} contains a NUL byte (the kernel would cut it there)"
        )
    try:
        n = len(value.encode())
    except UnicodeEncodeError:
        raise ValueError(f"{what} {_show(value)} is not encodable as UTF-8") from None
    if n > max_bytes:
        raise ValueError(f"{what} {_show(value)} is {n} bytes; at most {max_bytes} are allowed")
    for c in forbid:
        if c in value:
            raise ValueError(f"{what} {_show(value)} contains {c!r}")
    return value


def ifname(value: object, what: str = "name") -> str:
    """An interface name the kernel takes literally (net/core/dev.c: dev_valid_name).

    1..15 bytes; not ``.`` or ``..``; no ``/``, ``:``, whitespace or NUL; and no
    ``%``: the kernel expands ``eth%d`` into a free name, which the caller would
    never learn (rawns names links exactly).
    """
    return _iface_name(value, what, IFNAMSIZ - 1, "an interface name")


def altname(value: object, what: str = "altname") -> str:
    """An alternative interface name (``ip link property add dev X altname NAME``).

    The :func:`ifname` rules with the alternative names' limit: 1..127 bytes
    (ALTIFNAMSIZ with the NUL). The kernel itself takes ``:`` and ``%`` here;
    rawns refuses them as in names, so that any name rawns accepts is also a
    valid reference to a link.
    """
    return _iface_name(value, what, ALTIFNAMSIZ - 1, "an alternative interface name")


def link_name(value: object, what: str = "ref") -> str:
    """A link referred to by name: its name or one of its alternative names.

    :func:`altname`'s rules (an interface name is a short one); the kernel looks
    both up alike (rtnl_dev_get: IFLA_IFNAME or IFLA_ALT_IFNAME).
    """
    return _iface_name(value, what, ALTIFNAMSIZ - 1, "a link name")


#: Names that passed :func:`_iface_name`, with their UTF-8 length: a verb checks one
#: name several times (spec, reference, request), and the check is a pure function of
#: the name but for ``max_bytes``. Emptied when it grows past a few thousand names.
_NAMES_OK: dict[str, int] = {}


def _iface_name(value: object, what: str, max_bytes: int, noun: str) -> str:
    if value.__class__ is str:
        n = _NAMES_OK.get(value)
        if n is not None and n <= max_bytes:
            return value
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}: {_show(value)}")
    if not value:
        raise ValueError(f"{what} ({noun}) must not be empty")
    text(value, what, max_bytes=max_bytes, forbid="/:")
    if "%" in value:
        raise ValueError(
            f"{what} {_show(value)} contains '%': the kernel would expand it (eth%d -> eth0) "
            "into a name rawns could not report; give the exact name"
        )
    if value in (".", ".."):
        raise ValueError(f"{what} {value!r} is not allowed as {noun}")
    if " " in value or not value.isprintable():  # every other whitespace is unprintable
        space = next((c for c in value if c.isspace()), None)
        if space is not None:
            raise ValueError(f"{what} {_show(value)} contains whitespace {space!r}")
    if value.__class__ is str:
        if len(_NAMES_OK) >= 4096:
            _NAMES_OK.clear()
        _NAMES_OK[value] = len(value.encode())
    return value


def netns_name(value: object, what: str = "name") -> str:
    """A named network namespace (``ip netns add NAME``): a file name under /run/netns.

    1..255 bytes (NAME_MAX); not ``.`` or ``..``; no ``/`` or NUL (it would name
    another path); no whitespace or control character (ambiguous in ``ip netns
    list``); and no ``%``, refused as in interface names, so that no name reads
    as a template.
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}: {_show(value)}")
    if not value:
        raise ValueError(f"{what} (a namespace name) must not be empty")
    try:
        n = len(value.encode())
    except UnicodeEncodeError:
        raise ValueError(f"{what} {_show(value)} is not encodable as UTF-8") from None
    if n > NAME_MAX:
        raise ValueError(f"{what} {value[:20]!r}... is {n} bytes; at most {NAME_MAX} are allowed")
    if value in (".", ".."):
        raise ValueError(f"{what} {value!r} is not allowed as a namespace name")
    for c in value:
        if c in "/\0%":
            raise ValueError(f"{what} {_show(value)} contains {c!r}")
        if c.isspace() or not c.isprintable():
            raise ValueError(
                f"{what} {_show(value)} contains whitespace or control character {c!r}"
            )
    return value


PATH_MAX = 4096  # include/uapi/linux/limits.h, with the NUL


def netns_arg(value: object, what: str = "netns") -> str | int:
    """A namespace as a caller names it, before it is opened (:func:`rawns.netns.resolve`):
    a name under /run/netns (:func:`netns_name`), an absolute path (a ``str``
    starting with ``/`` or an :class:`os.PathLike`, at most PATH_MAX - 1
    bytes, no NUL), or a pid (1..2**31-1). A :class:`~rawns.netns.Netns` is
    the caller's to accept first (this layer imports nothing above errors).
    Returns the name or path as a ``str``, or the pid."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        if value.startswith("/"):
            return text(value, what, max_bytes=PATH_MAX - 1)
        if "/" in value:
            raise ValueError(
                f"{what} {_show(value)} is neither a namespace name (no '/') nor an absolute path"
            )
        return netns_name(value, what)
    if isinstance(value, int) and not isinstance(value, bool):
        return integer(value, f"{what} (a pid)", 1, 0x7FFFFFFF)
    raise TypeError(
        f"{what} must be a Netns, a namespace name, a path or a pid, not "
        f"{type(value).__name__}: {_show(value)}"
    )


def nft_name(value: object, what: str = "name") -> str:
    """An nf_tables table, chain, set or jump-target name: 1..255 bytes, no NUL."""
    # The common case first. ASCII: one byte per character, always encodable.
    if (
        type(value) is str
        and 0 < len(value) < NFT_NAME_MAXLEN
        and value.isascii()
        and "\0" not in value
    ):
        return value
    return text(value, what, max_bytes=NFT_NAME_MAXLEN - 1)


# ---------------------------------------------------------------------------
# link-layer addresses

_HEX = frozenset("0123456789abcdefABCDEF")


def _hex_parts(value: str) -> list[str] | None:
    """``"aa:b-cc"`` -> ``["aa", "b", "cc"]``: 1-2 hex digits each, ``:`` or ``-`` between."""
    parts = value.replace("-", ":").split(":")
    ok = all(0 < len(p) <= 2 and _HEX.issuperset(p) for p in parts)
    return parts if ok else None


def lladdr(value: object, what: str = "lladdr", *, length: int | None = None) -> bytes:
    """A link-layer address from ``"aa:bb:..."`` or bytes, of exactly ``length`` bytes.

    ``length=None`` takes 1..32 bytes (MAX_ADDR_LEN); callers that know the
    device type pass its address length (6 for Ethernet), because the kernel
    stores only ``dev->addr_len`` bytes and would silently cut a longer one.
    """
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):
        parts = _hex_parts(value)
        if parts is None:
            raise ValueError(
                f"{what} {_show(value)} is not a link-layer address like 02:00:00:00:00:01"
            )
        raw = bytes(int(x, 16) for x in parts)
    else:
        raise TypeError(
            f"{what} must be a str or bytes, not {type(value).__name__}: {_show(value)}"
        )
    if length is not None and len(raw) != length:
        raise ValueError(f"{what} {_show(value)} is {len(raw)} bytes; this device takes {length}")
    if not 1 <= len(raw) <= MAX_ADDR_LEN:
        raise ValueError(f"{what} {_show(value)} is {len(raw)} bytes; at most {MAX_ADDR_LEN}")
    return raw


def mac(value: object, what: str = "mac") -> bytes:
    """An Ethernet unicast address for a device: 6 bytes, not multicast, not all zero."""
    raw = lladdr(value, what, length=6)
    if raw[0] & 1:
        raise ValueError(f"{what} {_show(value)} is a multicast address (lowest bit of byte 0)")
    if raw == bytes(6):
        raise ValueError(f"{what} {_show(value)} (all zero) is not a valid unicast address")
    return raw


# ---------------------------------------------------------------------------
# IP values: rawns._inet normalises them; this refuses what it would drop


def no_zone(value: object, what: str) -> None:
    """Refuse an IPv6 zone id (``fe80::1%eth0``): netlink has no field for it, so it
    would be dropped; name the device with ``dev=``/``oif`` instead."""
    zone = None
    if isinstance(value, str):
        if "%" in value:
            zone = value
    # Without ipaddress imported, no value can be one of its objects (rawns imports it
    # on first use only: issue 13).
    elif (ip := sys.modules.get("ipaddress")) is not None and isinstance(
        value, ip.IPv6Address | ip.IPv6Interface | ip.IPv6Network
    ):
        # An IPv6Interface is an IPv6Address (its .ip would drop the scope id).
        addr = value if isinstance(value, ip.IPv6Address) else value.network_address
        if getattr(addr, "scope_id", None):
            zone = str(value)
    if zone is not None:
        raise ValueError(
            f"{what} {zone!r} has a zone id (%...), which netlink cannot carry: "
            "give the device separately (dev=...)"
        )


# ---------------------------------------------------------------------------
# handles


#: The Handle class, registered by rawns.handle as it is defined (see
#: :func:`register_handle`): this layer imports nothing above rawns.errors, and
#: no Handle can exist before that module has run.
_handle_class: type[Handle] | None = None
#: rawns.aio.AsyncHandle, registered as it is defined: the verbs' plans
#: (rawns._plan) run on it too, so their checks take it.
_async_handle_class: tuple[type, ...] = ()


def register_handle(cls: type[Handle], *, is_async: bool = False) -> None:
    """Make :func:`handle` accept instances of ``cls`` (called once, by rawns.handle
    and by rawns.aio with ``is_async``)."""
    global _handle_class, _async_handle_class, _handle_classes
    if is_async:
        _async_handle_class = (cls,)
    else:
        _handle_class = cls
    if _handle_class is not None:
        _handle_classes = (_handle_class, *_async_handle_class)


#: What :func:`handle` takes: both classes once registered (none before).
_handle_classes: tuple[type, ...] = ()


def handle(value: object, what: str = "h") -> Handle:
    """An open :class:`~rawns.Handle` (not a Netns, not None, not closed)."""
    if not isinstance(value, _handle_classes):
        raise TypeError(
            f"{what} must be a rawns.Handle (Handle.open(netns=...)), "
            f"not {type(value).__name__}: {_show(value)}"
        )
    h = cast("Handle", value)  # or an AsyncHandle: the same properties the plans read
    if h.closed:
        raise ValueError(f"{what} {value!r} is closed")
    return h


def check_uint(value: int | None, bits: int, what: str) -> None:
    """:func:`uint` for an optional field (``None`` passes). Kept for old call sites."""
    if value is not None:
        uint(value, bits, what)


def same_netns(
    origin: tuple[int, int] | None,
    h: Handle,
    what: str,
    label: str | Callable[[], str] = "",
) -> None:
    """Refuse an object dumped from one namespace used on a handle on another.

    ``origin`` is the :attr:`Handle.netns_ident` of the handle that dumped the
    object (``None`` for objects the caller built, which carry no origin).
    An index is only meaningful in its own namespace: ``link.set(h, L, ...)``
    with a ``Link`` from elsewhere would change whatever local link has that
    index. ``label`` names the object in the error: a str, or a function
    making it, called only then (formatting a route costs more than the check).
    """
    if origin is not None and origin != h.netns_ident:
        if not isinstance(label, str):
            label = label()
        raise ValueError(
            f"{what} {label} was dumped from another network namespace than "
            f"{h.netns_label} namespace of this handle; look it up again with this handle"
            if h.netns_label == "the caller's"
            else f"{what} {label} was dumped from another network namespace than "
            f"{h.netns_label!r}, this handle's; look it up again with this handle"
        )


def nexthop_id(value: object, what: str = "nexthop id") -> int:
    """A nexthop object's id (``ip nexthop add id N``): 1..2**32-1."""
    return integer(value, what, 1, 0xFFFFFFFF)
