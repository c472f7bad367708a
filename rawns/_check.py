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

Every function takes ``what``: the argument's name as the caller wrote it
(``"mtu"``, ``"Route.oif"``), used verbatim in the message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import DecodeError

if TYPE_CHECKING:
    from .handle import Handle

__all__ = [
    "ALTIFNAMSIZ",
    "IFNAMSIZ",
    "KINDS",
    "NFT_NAME_MAXLEN",
    "Kind",
    "altname",
    "boolean",
    "check_uint",
    "choice",
    "describe",
    "handle",
    "ifindex",
    "ifname",
    "integer",
    "link_name",
    "lladdr",
    "mac",
    "mtu",
    "named",
    "named_flags",
    "netns_name",
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

T = TypeVar("T")

IFNAMSIZ = 16  # include/uapi/linux/if.h, with the NUL
ALTIFNAMSIZ = 128  # include/uapi/linux/if.h: an alternative name's, with the NUL
NFT_NAME_MAXLEN = 256  # include/uapi/linux/netfilter/nf_tables.h, with the NUL
MAX_ADDR_LEN = 32  # include/linux/netdevice.h: the longest link-layer address
NAME_MAX = 255  # include/uapi/linux/limits.h: a file name (a named namespace's)


def _show(value: object) -> str:
    """A value as it appears in a message: repr, cut short for huge inputs."""
    r = repr(value)
    return r if len(r) <= 80 else r[:60] + "..." + r[-12:]


# ---------------------------------------------------------------------------
# numbers


def integer(value: object, what: str, lo: int, hi: int) -> int:
    """An ``int`` (not a bool, not a float) in ``lo..hi``."""
    if type(value) is int and lo <= value <= hi:  # the common case, in two tests
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}: {_show(value)}")
    if not lo <= value <= hi:
        raise ValueError(f"{what} must be in {lo}..{hi}, not {value}")
    return int(value)


def uint(value: object, bits: int, what: str) -> int:
    """An unsigned field of ``bits`` bits: ``0..2**bits - 1`` (u8, u16, u32, u64)."""
    return integer(value, what, 0, (1 << bits) - 1)


def sint(value: object, bits: int, what: str) -> int:
    """A signed field of ``bits`` bits (an s32 chain priority, say)."""
    return integer(value, what, -(1 << (bits - 1)), (1 << (bits - 1)) - 1)


def span(payload: object, start: object, end: object, what: str = "payload") -> tuple[int, int]:
    """``start``/``end`` offsets into the bytes ``payload`` (``end`` None: its length).

    For the public ``parse_*(payload, start, end)`` functions: offsets are a
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


def optional(value: T | None, check: Any, *args: Any) -> T | None:
    """``check(value, *args)`` unless ``value`` is None (a field left unset)."""
    return None if value is None else check(value, *args)


def boolean(value: object, what: str) -> bool:
    """``True`` or ``False``: not ``1``, not ``"no"`` (a truthy string would turn a feature on)."""
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, not {type(value).__name__}: {_show(value)}")
    return value


def ifindex(value: object, what: str = "index") -> int:
    """An interface index: ``1..2**31 - 1`` (the kernel's ``int ifindex``; 0 means none)."""
    return integer(value, what, 1, 0x7FFFFFFF)


def mtu(value: object, what: str = "mtu") -> int:
    """A link MTU: ``68..65536`` (ETH_MIN_MTU; loopback runs at 65536, above ETH_MAX_MTU)."""
    return integer(value, what, 68, 65536)


def port(value: object, what: str = "port", *, zero: bool = False) -> int:
    """A TCP/UDP port: ``1..65535`` (``0..65535`` with ``zero=True``)."""
    return integer(value, what, 0 if zero else 1, 0xFFFF)


def port_range(value: object, what: str = "ports") -> tuple[int, int]:
    """A port or an inclusive ``(first, last)`` pair, first <= last."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValueError(f"{what} must be a port or a (first, last) pair, not {_show(value)}")
        lo, hi = port(value[0], what), port(value[1], what)
        if lo > hi:
            raise ValueError(f"{what} {_show(value)}: first port {lo} is after last port {hi}")
        return (lo, hi)
    p = port(value, what)
    return (p, p)


def choice(value: object, what: str, options: Iterable[str]) -> str:
    """One of a fixed set of words (a hook, a protocol, a mode), named in the error."""
    opts = tuple(options)
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, one of {', '.join(opts)}; not {_show(value)}")
    if value not in opts:
        raise ValueError(f"{what} must be one of {', '.join(opts)}; not {_show(value)}")
    return value


# ---------------------------------------------------------------------------
# kernel enums by name: ``ip``'s words for the numbers (iproute2's tables)

#: RTN_* (rtm_type): ``ip route add blackhole ...``.
ROUTE_TYPES: dict[str, int] = {
    "unspec": 0,
    "unicast": 1,
    "local": 2,
    "broadcast": 3,
    "anycast": 4,
    "multicast": 5,
    "blackhole": 6,
    "unreachable": 7,
    "prohibit": 8,
    "throw": 9,
    "nat": 10,
    "xresolve": 11,
}
#: RTPROT_* (rtm_protocol): iproute2's rt_protos.
ROUTE_PROTOCOLS: dict[str, int] = {
    "unspec": 0,
    "redirect": 1,
    "kernel": 2,
    "boot": 3,
    "static": 4,
    "gated": 8,
    "ra": 9,
    "mrt": 10,
    "zebra": 11,
    "bird": 12,
    "dnrouted": 13,
    "xorp": 14,
    "ntk": 15,
    "dhcp": 16,
    "mrouted": 17,
    "keepalived": 18,
    "babel": 42,
    "openr": 99,
    "bgp": 186,
    "isis": 187,
    "ospf": 188,
    "rip": 189,
    "eigrp": 192,
}
#: RT_SCOPE_* (rtm_scope, ifa_scope): iproute2's rt_scopes.
SCOPES: dict[str, int] = {
    "global": 0,
    "universe": 0,
    "site": 200,
    "link": 253,
    "host": 254,
    "nowhere": 255,
}
#: IFA_F_* as ``ip addr`` spells them (ip/ipaddress.c: ifa_flag_names).
ADDR_FLAGS: dict[str, int] = {
    "secondary": 0x01,
    "temporary": 0x01,
    "nodad": 0x02,
    "optimistic": 0x04,
    "dadfailed": 0x08,
    "home": 0x10,
    "homeaddress": 0x10,
    "deprecated": 0x20,
    "tentative": 0x40,
    "permanent": 0x80,
    "mngtmpaddr": 0x100,
    "noprefixroute": 0x200,
    "autojoin": 0x400,
    "stable-privacy": 0x800,
}
#: NUD_* (ndm_state): ``ip neigh ... nud STATE``.
NEIGH_STATES: dict[str, int] = {
    "none": 0x00,
    "incomplete": 0x01,
    "reachable": 0x02,
    "stale": 0x04,
    "delay": 0x08,
    "probe": 0x10,
    "failed": 0x20,
    "noarp": 0x40,
    "permanent": 0x80,
}
#: NTF_* (ndm_flags) as ``ip neigh``/``bridge fdb`` spell them.
NEIGH_FLAGS: dict[str, int] = {
    "use": 0x01,
    "self": 0x02,
    "master": 0x04,
    "proxy": 0x08,
    "extern_learn": 0x10,
    "offloaded": 0x20,
    "sticky": 0x40,
    "router": 0x80,
}


def named(value: object, what: str, names: Mapping[str, int], bits: int) -> int:
    """A kernel enum value: an ``int`` of ``bits`` bits (an IntEnum member too), or
    one of ``names`` in any case (``"blackhole"``, ``"Static"``), named in the error."""
    if isinstance(value, str):
        key = value.lower()
        if key in names:
            return names[key]
        raise ValueError(
            f"{what} must be a number or one of {', '.join(names)}; not {_show(value)}"
        )
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"{what} must be an int or a name ({', '.join(list(names)[:4])}...), "
            f"not {type(value).__name__}: {_show(value)}"
        )
    return uint(value, bits, what)


def named_flags(value: object, what: str, names: Mapping[str, int], bits: int) -> int:
    """Flag bits: an ``int`` of ``bits`` bits, one name, or a list/tuple/set of names and
    ints, OR-ed (``"nodad"``, ``("nodad", "noprefixroute")``)."""
    if isinstance(value, list | tuple | set | frozenset):
        out = 0
        for v in value:
            out |= named(v, what, names, bits)
        return out
    return named(value, what, names, bits)


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


_SPACE = re.compile(r"\s")


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


def _iface_name(value: object, what: str, max_bytes: int, noun: str) -> str:
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
    space = _SPACE.search(value)  # \s is str.isspace() (Py_UNICODE_ISSPACE), in C
    if space:
        raise ValueError(f"{what} {_show(value)} contains whitespace {space.group()!r}")
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


def seconds(value: object, what: str = "timeout") -> float:
    """A duration in seconds: an int or float, ``>= 0`` and finite (None, for "forever",
    is the caller's to allow: ``optional(value, seconds, what)``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"{what} must be a number of seconds, not {type(value).__name__}: {_show(value)}"
        )
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what} must be a finite number of seconds >= 0, not {value!r}")
    return float(value)


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

_HEX = re.compile(r"[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2})*")


def lladdr(value: object, what: str = "lladdr", *, length: int | None = None) -> bytes:
    """A link-layer address from ``"aa:bb:..."`` or bytes, of exactly ``length`` bytes.

    ``length=None`` takes 1..32 bytes (MAX_ADDR_LEN); callers that know the
    device type pass its address length (6 for Ethernet), because the kernel
    stores only ``dev->addr_len`` bytes and would silently cut a longer one.
    """
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):
        if not _HEX.fullmatch(value):
            raise ValueError(
                f"{what} {_show(value)} is not a link-layer address like 02:00:00:00:00:01"
            )
        raw = bytes(int(x, 16) for x in re.split(r"[:-]", value))
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
    if isinstance(value, str) and "%" in value:
        zone = value
    elif isinstance(value, IPv6Address | IPv6Interface | IPv6Network):
        # An IPv6Interface is an IPv6Address (its .ip would drop the scope id).
        addr = value if isinstance(value, IPv6Address) else value.network_address
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


def register_handle(cls: type[Handle]) -> None:
    """Make :func:`handle` accept instances of ``cls`` (called once, by rawns.handle)."""
    global _handle_class
    _handle_class = cls


def handle(value: object, what: str = "h") -> Handle:
    """An open :class:`~rawns.Handle` (not a Netns, not None, not closed)."""
    cls = _handle_class
    if cls is None or not isinstance(value, cls):
        raise TypeError(
            f"{what} must be a rawns.Handle (Handle.open(netns=...)), "
            f"not {type(value).__name__}: {_show(value)}"
        )
    if value.closed:
        raise ValueError(f"{what} {value!r} is closed")
    return value


# ---------------------------------------------------------------------------
# traffic control (rawns.tc): rates, sizes, times and handles, in tc's spellings

# tc/tc_util.c get_rate64 (bit/s; any case), lib/utils.c get_size (bytes), get_time (us)
_K, _M, _G, _T = 1 << 10, 1 << 20, 1 << 30, 1 << 40
_TC_RATE = {"bit": 1, "kibit": _K, "kbit": 10**3, "mibit": _M, "mbit": 10**6, "gibit": _G}
_TC_RATE |= {"gbit": 10**9, "tibit": _T, "tbit": 10**12, "bps": 8, "kibps": 8 * _K}
_TC_RATE |= {"kbps": 8000, "mibps": 8 * _M, "mbps": 8 * 10**6, "gibps": 8 * _G}
_TC_RATE |= {"gbps": 8 * 10**9, "tibps": 8 * _T, "tbps": 8 * 10**12}
_TC_SIZE = {"b": 1, "k": _K, "kb": _K, "m": _M, "mb": _M, "g": _G, "gb": _G, "kbit": 128}
_TC_SIZE |= {"mbit": _M // 8, "gbit": _G // 8}
_TC_TIME = {u: 10**6 for u in ("s", "sec", "secs")} | {u: 1 for u in ("us", "usec", "usecs")}
_TC_TIME |= {u: 1000 for u in ("ms", "msec", "msecs")}
_TC_NUM = re.compile(r"((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[0-9]+)?)([a-z]*)", re.I)


def _tc_scaled(value: object, what: str, units: dict[str, int], unit: str) -> int:
    """An int (in ``unit``), or a str like tc's (``"8mbit"``): its number times its unit."""
    if isinstance(value, str):
        m = _TC_NUM.fullmatch(value)
        scale = units.get(m.group(2).lower() or unit) if m else None
        if m is None or scale is None:
            raise ValueError(f"{what} {_show(value)} is not a number with a unit tc takes")
        n = float(m.group(1)) * scale
        if n >= 2**64:
            raise ValueError(f"{what} {_show(value)} is too large (2**64 {unit} or more)")
        return int(n)
    return integer(value, what, -(2**64), 2**64)


def tc_rate(value: object, what: str = "rate") -> int:
    """A rate in bit/s: an int, or tc's spelling (``"8mbit"``, ``"100kbps"``; bare: bits).
    The kernel counts whole bytes per second: the rest is dropped, as tc drops it."""
    bits = _tc_scaled(value, what, _TC_RATE, "bit")
    if not 8 <= bits < 1 << 64:
        raise ValueError(f"{what} must be 8..2**64-1 bit/s (1 byte/s at least), not {value!r}")
    return bits & ~7


def tc_size(value: object, what: str = "size", lo: int = 0) -> int:
    """A size in bytes (u32): an int, or tc's spelling (``"1500b"``, ``"32kbit"``, ``"1mb"``)."""
    n = _tc_scaled(value, what, _TC_SIZE, "b")
    if not lo <= n <= 0xFFFFFFFF:
        raise ValueError(f"{what} must be {lo}..{0xFFFFFFFF} bytes, not {value!r}")
    return n


def tc_time(value: object, what: str = "latency") -> int:
    """A duration in microseconds: tc's spelling (``"400ms"``), or seconds (int or float)."""
    us = _tc_scaled(value, what, _TC_TIME, "us") if isinstance(value, str) else 0
    if not isinstance(value, str):
        us = int(seconds(value, what) * 10**6)
    if not 1 <= us <= 0xFFFFFFFF:
        raise ValueError(f"{what} must be 1us..{0xFFFFFFFF}us, not {value!r}")
    return us


_TC_HANDLES = {"root": 0xFFFFFFFF, "none": 0, "ingress": 0xFFFFFFF1, "clsact": 0xFFFFFFF1}
_TC_HANDLES |= {"egress": 0xFFFFFFF3}
_TC_HANDLE = re.compile(r"([0-9a-f]{1,4})?(?::([0-9a-f]{0,4}))?", re.I)


def tc_handle(value: object, what: str = "handle") -> int:
    """A tc handle or parent: a u32, ``"root"``, ``"ingress"``, ``"clsact"``, ``"egress"``,
    or tc's hex ``"MAJ:"``, ``"MAJ:MIN"``, ``":MIN"``, ``"MAJ"`` (16 bits each)."""
    if isinstance(value, str):
        if value.lower() in _TC_HANDLES:
            return _TC_HANDLES[value.lower()]
        m = _TC_HANDLE.fullmatch(value)
        if m is None or value in ("", ":"):
            raise ValueError(f"{what} {_show(value)} is not a tc handle like '1:' or '1:10'")
        return (int(m.group(1) or "0", 16) << 16) | int(m.group(2) or "0", 16)
    return uint(value, 32, what)


# ---------------------------------------------------------------------------
# the descriptions the bad-input suite generates from


@dataclass(frozen=True, slots=True)
class Kind:
    """What one value kind accepts, as data a test can turn into invalid values.

    ``types``: the Python types accepted (anything else is a TypeError).
    ``lo``/``hi``: the integer range (values just outside, far outside, and
    at the next power-of-two boundaries are invalid). ``max_bytes``: the UTF-8
    length limit of a string (one byte more is invalid; so is any NUL).
    ``forbid``: characters refused anywhere in a string. ``bad``: further
    invalid values of an accepted type that the fields above do not imply.
    ``good``: one valid value, to build a call around.
    """

    name: str
    types: tuple[type, ...]
    good: object
    lo: int | None = None
    hi: int | None = None
    max_bytes: int | None = None
    forbid: str = ""
    empty_ok: bool = False
    bad: tuple[object, ...] = ()


def _uint_kind(bits: int, good: int = 1) -> Kind:
    return Kind(f"u{bits}", (int,), good, 0, (1 << bits) - 1)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        _uint_kind(8),
        _uint_kind(16),
        _uint_kind(32),
        _uint_kind(64),
        Kind("s32", (int,), 0, -(1 << 31), (1 << 31) - 1),
        Kind("bool", (bool,), True),
        Kind("ifindex", (int,), 1, 1, 0x7FFFFFFF),
        Kind("port", (int,), 80, 1, 0xFFFF),
        Kind("mtu", (int,), 1500, 68, 65536),
        Kind(
            "ifname",
            (str,),
            "lo",
            max_bytes=IFNAMSIZ - 1,
            forbid="/:% \t\n\0",
            bad=(".", "..", "eth%d", "br%d", "a\u2028b", "\udc80"),
        ),
        Kind("nft_name", (str,), "nat", max_bytes=NFT_NAME_MAXLEN - 1, forbid="\0"),
        Kind(
            "mac",
            (str, bytes),
            "02:00:00:00:00:01",
            bad=(
                "01:00:5e:00:00:01",  # multicast
                "00:00:00:00:00:00",
                "02:00:00:00:00",  # 5 bytes
                "02:00:00:00:00:01:02",  # 7 bytes
                "02:00:00:00:00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f",  # 20 bytes
                b"\x02" * 7,
                "zz:00:00:00:00:01",
                "02:00:00:00:00:01\0",
            ),
        ),
        Kind(
            "lladdr",
            (str, bytes),
            "02:00:00:00:00:01",
            bad=("02:00:00:00:00:01:02", b"\x02" * 20, "", "zz", "02:00:00:00:00:01\0"),
        ),
        Kind(
            "ipaddr",
            (str, IPv4Address, IPv6Address),
            "10.0.0.1",
            bad=("fe80::1%eth0", "10.0.0.256", "10.0.0.1/24", "", "10.0.0.1\0", "::ffff:zz"),
        ),
        Kind(
            "prefix",
            (str, IPv4Network, IPv6Network),
            "10.0.0.0/24",
            bad=("10.0.0.0/33", "10.0.0.1/8", "fe80::%eth0/64", "2001:db8::/129", "x/8", ""),
        ),
        Kind(
            "interface",
            (str, IPv4Interface, IPv6Interface),
            "10.0.0.1/24",
            bad=("10.0.0.1/33", "fe80::1%eth0/64", "10.0.0.1/24\0", "", "/24"),
        ),
        Kind(
            "netns_name",
            (str,),
            "red",
            max_bytes=NAME_MAX,
            forbid="/%\0 \t\n",
            bad=(".", "..", "a\u2028b", "red\x7f", "\udc80"),
        ),
        Kind("pid", (int,), 1, 1, 0x7FFFFFFF),
        Kind("seconds", (int, float), 1.0, lo=0, bad=(float("nan"), float("inf"), -1e-9)),
        # A link reference: a name (as ifname, or an altname: up to 127 bytes) or an
        # index (as ifindex); a Link too.
        Kind(
            "linkref",
            (str, int),
            "lo",
            1,
            0x7FFFFFFF,
            max_bytes=ALTIFNAMSIZ - 1,
            forbid="/:% \t\n\0",
            bad=(".", "..", "eth%d"),
        ),
        Kind(
            "altname",
            (str,),
            "uplink-0",
            max_bytes=ALTIFNAMSIZ - 1,
            forbid="/:% \t\n\0",
            bad=(".", "..", "eth%d", "a\u2028b", "\udc80"),
        ),
        # Where a link goes: an open Netns, or a pid (never 0, never past pid_t).
        Kind("netns_ref", (int,), 1, 1, 0x7FFFFFFF),
        Kind("vlan", (int,), 1, 1, 4094),  # 0 and 4095 are reserved (fdb_vid_parse)
        Kind("vni", (int,), 1, 0, (1 << 24) - 1),
        # a port range: a (first, last) pair, or one port (as port_range() takes)
        Kind(
            "port_range",
            (tuple, list, int),
            (1000, 2000),
            1,
            0xFFFF,
            bad=((2000, 1000), (0, 80), (1, 65536), (-1, 5), (80,), (1, 2, 3), (1.0, 2), ("1", 2)),
        ),
        Kind("alias", (str,), "uplink", max_bytes=255, empty_ok=True),  # IFALIASZ - 1
        # nf_tables log prefixes: 127 bytes (NF_LOG_PREFIXLEN - 1)
        Kind("nft_text", (str,), "hello", max_bytes=127, empty_ok=True),
        # nf_tables comments: 128 bytes, nft's NFTNL_UDATA_COMMENT_MAXLEN (strlen, no NUL;
        # nft 1.0.6 takes 128 and says "comment too long, 128 characters maximum" at 129)
        Kind("nft_comment", (str,), "hello", max_bytes=128, empty_ok=True),
        Kind("handle", (), None),  # any non-Handle, and a closed Handle
        # traffic control: an int, or tc's spelling with a unit (rawns.tc)
        Kind(
            "tc_rate",
            (int, str),
            "8mbit",
            8,
            (1 << 64) - 1,
            bad=("4", "8xbit", "-1mbit", "1e30bit", "0kbit"),
        ),
        Kind("tc_size", (int, str), "32kbit", 0, 0xFFFFFFFF, bad=("1x", "-1b", "4gb", "kb")),
        Kind("tc_time", (int, float, str), "400ms", bad=("400x", "-1ms", "1e30s", 0, 0.0, 1e-9)),
        Kind("tc_handle", (int, str), "1:", 0, 0xFFFFFFFF, bad=("1:2:3", "10000:", "x:", ":")),
        # kernel enums: a number in range, or a name from the tables above
        Kind("rt_type", (int, str), "unicast", 0, 0xFF, bad=("nosuch", "", "uni cast")),
        Kind("rt_proto", (int, str), "static", 0, 0xFF, bad=("nosuch", "", "static\0")),
        Kind("rt_scope", (int, str), "link", 0, 0xFF, bad=("nosuch", "", "linked")),
        Kind(
            "addr_flags",
            (int, str, list, tuple, set, frozenset),
            "nodad",
            0,
            0xFFFFFFFF,
            bad=("nosuch", "", ("nodad", "nosuch"), ["nodad", 1.5], (2**32,)),
        ),
        Kind("nud_state", (int, str), "permanent", 0, 0xFF, bad=("nosuch", "", "perm")),
    )
}


def describe(kinds: Sequence[str] = ()) -> list[Kind]:
    """The descriptions of ``kinds`` (all when empty), for tests and docs."""
    return [KINDS[k] for k in kinds] if kinds else list(KINDS.values())


def check_uint(value: int | None, bits: int, what: str) -> None:
    """:func:`uint` for an optional field (``None`` passes). Kept for old call sites."""
    if value is not None:
        uint(value, bits, what)


def same_netns(origin: tuple[int, int] | None, h: Handle, what: str, label: str = "") -> None:
    """Refuse an object dumped from one namespace used on a handle on another.

    ``origin`` is the :attr:`Handle.netns_ident` of the handle that dumped the
    object (``None`` for objects the caller built, which carry no origin).
    An index is only meaningful in its own namespace: ``link.set(h, L, ...)``
    with a ``Link`` from elsewhere would change whatever local link has that
    index.
    """
    if origin is not None and origin != h.netns_ident:
        raise ValueError(
            f"{what} {label} was dumped from another network namespace than "
            f"{h.netns_label} namespace of this handle; look it up again with this handle"
            if h.netns_label == "the caller's"
            else f"{what} {label} was dumped from another network namespace than "
            f"{h.netns_label!r}, this handle's; look it up again with this handle"
        )


#: rtm_getroute_parse_ip_proto accepts these (ICMP for IPv4, ICMPv6 for IPv6).
IP_PROTOS: dict[str, int] = {"icmp": 1, "tcp": 6, "udp": 17, "ipv6-icmp": 58, "icmpv6": 58}


def ip_proto(value: object, what: str = "ipproto") -> int:
    """A layer-4 protocol of a route lookup: a name in :data:`IP_PROTOS` or a number."""
    if isinstance(value, str):
        n = IP_PROTOS.get(value)
        if n is None:
            raise ValueError(
                f"{what} must be one of {', '.join(IP_PROTOS)} or 0..255, not {value!r}"
            )
        return n
    return uint(value, 8, what)


def nexthop_id(value: object, what: str = "nexthop id") -> int:
    """A nexthop object's id (``ip nexthop add id N``): 1..2**32-1."""
    return integer(value, what, 1, 0xFFFFFFFF)
