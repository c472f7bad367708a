"""nf_tables sets and maps: addresses, ports, intervals; elements in and out.

Equivalent nft commands: ``nft add set inet t allowed { type ipv4_addr; }``,
``nft add map ...``, ``nft add element ... { 10.0.0.1, 10.1.0.0/16 }``,
``nft delete element``, ``nft flush set``, ``nft delete set``,
``nft list sets``.

A :class:`Set` carries what the kernel stores: key type (nft's datatype
number) and length, flags, data type for maps. :func:`set_spec` builds one
from nft's words (``key="ipv4_addr"``, ``data="verdict"``,
``interval=True``), including the userdata nft writes (key byte order, ...)
so that ``nft list`` prints rawns' sets exactly like its own.

Element values are normalised once by :func:`encode_value`: addresses as
``str`` or :mod:`ipaddress` objects, networks (``"10.0.0.0/8"``) and ranges
(``(low, high)``) for interval sets, ports and protocol numbers as ``int``.
Intervals are sent as nft sends them (src/segtree.c): each range as a start
element and an end element holding ``high + 1`` flagged INTERVAL_END, led by
an end element at zero when the first range does not start there.
"""

from __future__ import annotations

import ipaddress
import itertools
import socket
import struct
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from .._nfnl import (
    NFT_DATA,
    NFT_MSG,
    NFT_SET,
    NFT_SET_ELEM,
    NFTA_DATA,
    NFTA_SET,
    NFTA_SET_DESC,
    NFTA_SET_ELEM,
    NFTA_SET_ELEM_LIST,
)
from .._wire import Attr
from ..errors import DecodeError
from ._codec import (
    Verdict,
    attr,
    attrs_of,
    be32,
    be64,
    decode_data,
    encode_data,
    get_be32,
    get_be64,
    get_str,
    nest,
    strz,
)
from ._msg import (
    F_CREATE,
    F_EXCL,
    comment_tlv,
    message,
    parse_header,
    udata_comment,
    udata_tlv,
)
from ._msg import dump as _dump
from .tables import Table

if TYPE_CHECKING:
    from ..handle import Handle

__all__ = [
    "ANONYMOUS_NAME",
    "DATATYPES",
    "Element",
    "Set",
    "Value",
    "anonymous_spec",
    "build_add",
    "build_add_elements",
    "build_delete",
    "build_delete_elements",
    "build_flush",
    "decode_value",
    "dump",
    "dump_elements",
    "elements_for",
    "encode_value",
    "parse_elements",
    "parse_set",
    "set_spec",
    "values_of",
]

# nft's byte order codes in set userdata (src/datatype.h: enum byteorder)
_BO_INVALID, _BO_HOST, _BO_BIG = 0, 1, 2
# libnftnl's set userdata TLV types (include/udata.h: enum nftnl_udata_set_types)
_UD_KEYBYTEORDER, _UD_DATABYTEORDER, _UD_MERGE, _UD_DATA_INTERVAL, _UD_COMMENT = 0, 1, 2, 6, 7
# set element userdata (enum nftnl_udata_set_elem_types / _flags)
_UD_ELEM_FLAGS, _ELEM_F_INTERVAL_OPEN = 1, 1


@dataclass(frozen=True, slots=True)
class Datatype:
    """One of nft's datatypes (src/datatype.h: enum datatypes): number, length, byte order."""

    name: str
    id: int
    len: int
    byteorder: int


#: The datatypes rawns can encode element values for, by nft's name.
DATATYPES: dict[str, Datatype] = {
    d.name: d
    for d in (
        Datatype("verdict", 1, 0, _BO_INVALID),
        Datatype("ipv4_addr", 7, 4, _BO_BIG),
        Datatype("ipv6_addr", 8, 16, _BO_BIG),
        Datatype("ether_addr", 9, 6, _BO_BIG),
        Datatype("inet_proto", 12, 1, _BO_INVALID),
        Datatype("inet_service", 13, 2, _BO_BIG),
        Datatype("mark", 19, 4, _BO_HOST),
        Datatype("ifname", 41, 16, _BO_HOST),
    )
}
_BY_ID = {d.id: d for d in DATATYPES.values()}
_U32_HOST = struct.Struct("=I")

Value = Union[  # noqa: UP007 - a runtime alias for element values
    str,
    int,
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
    tuple[object, object],
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Set:
    """A set (or a map, with ``data_type``) of ``table``.

    ``key_type``/``data_type`` are nft datatype numbers (see
    :data:`DATATYPES`; a verdict map has ``data_type`` NFT_DATA_VERDICT),
    ``flags`` NFT_SET (4 interval, 8 map, 16 timeout ...), ``timeout`` in
    milliseconds. ``handle`` and ``id`` do not take part in equality.
    """

    family: str
    table: str
    name: str
    key_type: int
    key_len: int
    flags: int = 0
    data_type: int | None = None
    data_len: int | None = None
    policy: int | None = None
    size: int | None = None
    timeout: int | None = None
    gc_interval: int | None = None
    userdata: bytes | None = None
    comment: str | None = None
    handle: int | None = field(default=None, compare=False)
    id: int | None = field(default=None, compare=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        Table(family=self.family, name=self.table)
        if not self.name:
            raise ValueError("a set needs a name")

    @property
    def nfproto(self) -> int:
        return Table(family=self.family, name=self.table).nfproto

    @property
    def key(self) -> str:
        """The key datatype's nft name (``ipv4_addr``), or ``type N`` if rawns lacks it."""
        d = _BY_ID.get(self.key_type)
        return d.name if d else f"type {self.key_type}"

    @property
    def data(self) -> str | None:
        """The data datatype's nft name for a map (``verdict``, ``ipv4_addr``), else None."""
        if self.data_type is None:
            return None
        if self.data_type == NFT_DATA.VERDICT:
            return "verdict"
        d = _BY_ID.get(self.data_type)
        return d.name if d else f"type {self.data_type}"

    @property
    def is_map(self) -> bool:
        return bool(self.flags & NFT_SET.MAP)

    @property
    def is_interval(self) -> bool:
        return bool(self.flags & NFT_SET.INTERVAL)

    def __str__(self) -> str:
        kind = "map" if self.is_map else "set"
        return f"{kind} {self.family} {self.table} {self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Element:
    """One set element as the kernel stores it: key bytes, map data, flags.

    ``flags`` 1 (NFT_SET_ELEM_INTERVAL_END) marks the end of an interval.
    ``expiration`` is state and does not take part in equality.
    """

    key: bytes
    data: bytes | Verdict | None = None
    flags: int = 0
    key_end: bytes | None = None
    timeout: int | None = None
    userdata: bytes | None = None
    expiration: int | None = field(default=None, compare=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)

    def encode(self) -> bytes:
        """The element's attributes in libnftnl's order (flags, timeout, key, data, udata)."""
        out = be32(NFTA_SET_ELEM.FLAGS, self.flags) if self.flags else b""
        if self.timeout is not None:
            out += be64(NFTA_SET_ELEM.TIMEOUT, self.timeout)
        out += nest(NFTA_SET_ELEM.KEY, attr(NFTA_DATA.VALUE, self.key))
        if self.key_end is not None:
            out += nest(NFTA_SET_ELEM.KEY_END, attr(NFTA_DATA.VALUE, self.key_end))
        if self.data is not None:
            out += nest(NFTA_SET_ELEM.DATA, encode_data(self.data))
        if self.userdata is not None:
            out += attr(NFTA_SET_ELEM.USERDATA, self.userdata)
        return out


# ---------------------------------------------------------------------------
# values <-> bytes


def _datatype(set_or_name: Set | str, which: str = "key") -> Datatype:
    if isinstance(set_or_name, str):
        try:
            return DATATYPES[set_or_name]
        except KeyError:
            raise ValueError(
                f"unknown set datatype {set_or_name!r}; rawns knows {', '.join(DATATYPES)}"
            ) from None
    tid = set_or_name.key_type if which == "key" else set_or_name.data_type
    d = _BY_ID.get(tid or -1)
    if d is None:
        raise ValueError(f"{set_or_name}: rawns cannot encode values of datatype {tid}")
    return d


def _addr_range(value: object, version: int) -> tuple[int, int] | None:
    """A network or ``(low, high)`` pair as an integer range, or None for one address."""
    if isinstance(value, tuple):
        lo, hi = value
        a = ipaddress.ip_address(lo)
        b = ipaddress.ip_address(hi)
        if a.version != version or b.version != version:
            raise ValueError(f"range {value!r} is not IPv{version}")
        return int(a), int(b)
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network) or (
        isinstance(value, str) and "/" in value
    ):
        net = ipaddress.ip_network(value)
        if net.version != version:
            raise ValueError(f"{value!r} is not an IPv{version} network")
        return int(net.network_address), int(net.broadcast_address)
    return None


def encode_value(dtype: Datatype | str, value: object) -> bytes:
    """One element value (not a range) as the key/data bytes of ``dtype``.

    Raises ValueError/TypeError naming the value if it does not fit.
    """
    d = _datatype(dtype) if isinstance(dtype, str) else dtype
    name = d.name
    try:
        if name in ("ipv4_addr", "ipv6_addr"):
            a = ipaddress.ip_address(value)  # type: ignore[arg-type]  # checked by ipaddress
            if a.max_prefixlen != d.len * 8:
                raise ValueError(f"{value!r} is not an {name}")
            return a.packed
        if name == "inet_service":
            port = _as_int(value)
            if not 0 <= port <= 0xFFFF:
                raise ValueError(f"port {value!r} is out of range")
            return port.to_bytes(2, "big")
        if name == "inet_proto":
            if isinstance(value, str) and not value.isdigit():
                return bytes((_proto_number(value),))
            n = _as_int(value)
            if not 0 <= n <= 255:
                raise ValueError(f"protocol {value!r} is out of range")
            return bytes((n,))
        if name == "mark":
            return _U32_HOST.pack(_as_int(value))
        if name == "ifname":
            if not isinstance(value, str):
                raise TypeError(f"an ifname element must be a str, not {value!r}")
            raw = value.encode()
            if not raw or len(raw) >= 16:
                raise ValueError(f"interface name {value!r} must be 1..15 bytes")
            return raw.ljust(16, b"\0")
        if name == "ether_addr":
            raw = bytes.fromhex(str(value).replace(":", "").replace("-", ""))
            if len(raw) != 6:
                raise ValueError(f"{value!r} is not a MAC address")
            return raw
    except (struct.error, OverflowError) as e:
        raise ValueError(f"{value!r} does not fit a {name}: {e}") from None
    raise ValueError(f"rawns cannot encode {name} values")


def _as_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"expected an int, not {value!r}")
    return int(value)


def _proto_number(name: str) -> int:
    aliases = {"ipv6-icmp": "ipv6-icmp", "icmpv6": "ipv6-icmp"}
    try:
        return socket.getprotobyname(aliases.get(name, name))
    except OSError:
        known = {"icmp": 1, "tcp": 6, "udp": 17, "ipv6-icmp": 58, "sctp": 132, "udplite": 136}
        if name in known:
            return known[name]
        raise ValueError(f"unknown protocol {name!r}") from None


def decode_value(dtype: Datatype | str, raw: bytes) -> object:
    """Key/data bytes back to a Python value (address, int, str)."""
    d = _datatype(dtype) if isinstance(dtype, str) else dtype
    if d.name == "ipv4_addr":
        return ipaddress.IPv4Address(raw)
    if d.name == "ipv6_addr":
        return ipaddress.IPv6Address(raw)
    if d.name == "inet_service":
        return int.from_bytes(raw, "big")
    if d.name == "inet_proto":
        return raw[0]
    if d.name == "mark":
        return int.from_bytes(raw, sys.byteorder)
    if d.name == "ifname":
        return raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    if d.name == "ether_addr":
        return raw.hex(":")
    return raw


def _map_data(s: Set, value: object) -> bytes | Verdict:
    if s.data_type == NFT_DATA.VERDICT:
        if isinstance(value, Verdict):
            return value
        if isinstance(value, str):
            parts = value.split()
            return Verdict(parts[0], parts[1] if len(parts) > 1 else None)
        raise TypeError(f"a verdict map value must be a Verdict or str, not {value!r}")
    return encode_value(_datatype(s, "data"), value)


def _ranges(s: Set, values: Iterable[object]) -> list[tuple[int, int, object]]:
    """Normalise interval-set values to sorted ``(low, high, data)`` integer ranges."""
    d = _datatype(s)
    bits = d.len * 8
    out: list[tuple[int, int, object]] = []
    for v in values:
        data: object = None
        if s.is_map:
            v, data = _pair(v)
        if d.name in ("ipv4_addr", "ipv6_addr"):
            r = _addr_range(v, 4 if d.name == "ipv4_addr" else 6)
            if r is None:
                n = int.from_bytes(encode_value(d, v), "big")
                r = (n, n)
        elif isinstance(v, tuple):
            r = (
                int.from_bytes(encode_value(d, v[0]), "big"),
                int.from_bytes(encode_value(d, v[1]), "big"),
            )
        elif isinstance(v, str) and "-" in v and d.name == "inet_service":
            lo, hi = v.split("-", 1)
            r = (int(lo), int(hi))
        else:
            n = int.from_bytes(encode_value(d, v), "big")
            r = (n, n)
        if r[0] > r[1] or r[1] >= 1 << bits:
            raise ValueError(f"bad interval {v!r} for {d.name}")
        out.append((r[0], r[1], data))
    out.sort(key=lambda t: (t[0], t[1]))
    return out


def _pair(v: object) -> tuple[object, object]:
    if not isinstance(v, tuple) or len(v) != 2:
        raise TypeError(f"a map element must be a (key, value) pair, not {v!r}")
    return v[0], v[1]


def _merge(ranges: list[tuple[int, int, object]]) -> list[tuple[int, int, object]]:
    merged: list[tuple[int, int, object]] = []
    for lo, hi, data in ranges:
        if merged and lo <= merged[-1][1] + 1 and merged[-1][2] == data:
            plo, phi, pdata = merged[-1]
            merged[-1] = (plo, max(phi, hi), pdata)
        else:
            merged.append((lo, hi, data))
    return merged


def elements_for(
    s: Set, values: Iterable[object] | Mapping[object, object], *, new_set: bool = True
) -> list[Element]:
    """The elements nft would send to add ``values`` to set/map ``s``.

    For a map pass a mapping (or ``(key, value)`` pairs); verdict-map values
    are :class:`Verdict` or ``"accept"``/``"jump web"``. nft leads the
    intervals of a set it creates (``new_set``) with an end element at zero.
    """
    items: list[object] = list(values.items() if isinstance(values, Mapping) else values)
    if not s.is_interval:
        out = []
        for v in items:
            if s.is_map:
                k, dv = _pair(v)
                out.append(Element(key=encode_value(_datatype(s), k), data=_map_data(s, dv)))
            else:
                out.append(Element(key=encode_value(_datatype(s), v)))
        return out
    ranges = _ranges(s, items)
    if _auto_merge(s):
        ranges = _merge(ranges)
    for (_, phi, _), (lo, _, _) in itertools.pairwise(ranges):
        if lo <= phi:
            raise ValueError(f"{s}: overlapping intervals (nft: conflicting intervals)")
    return _interval_elements(s, ranges, leading=new_set)


def _interval_elements(
    s: Set, ranges: Sequence[tuple[int, int, object]], *, leading: bool
) -> list[Element]:
    d = _datatype(s)
    n = d.len
    top = (1 << (n * 8)) - 1
    out: list[Element] = []
    if leading and ranges and ranges[0][0] != 0:
        out.append(Element(key=bytes(n), flags=NFT_SET_ELEM.INTERVAL_END))
    for lo, hi, data in ranges:
        mapped = _map_data(s, data) if s.is_map else None
        if hi == top:
            open_ud = udata_tlv(_UD_ELEM_FLAGS, _U32_HOST.pack(_ELEM_F_INTERVAL_OPEN))
            out.append(Element(key=lo.to_bytes(n, "big"), data=mapped, userdata=open_ud))
        else:
            out.append(Element(key=lo.to_bytes(n, "big"), data=mapped))
            out.append(Element(key=(hi + 1).to_bytes(n, "big"), flags=NFT_SET_ELEM.INTERVAL_END))
    return out


def _auto_merge(s: Set) -> bool:
    from ._msg import udata_get

    v = udata_get(s.userdata, _UD_MERGE)
    return v is not None and any(v)


def removal_elements(s: Set, values: Iterable[object]) -> list[Element]:
    """The elements nft sends to delete ``values`` (intervals: start and end, no lead)."""
    items = list(values)
    if not s.is_interval:
        keys = [v[0] if s.is_map and isinstance(v, tuple) else v for v in items]
        return [Element(key=encode_value(_datatype(s), k)) for k in keys]
    return _interval_elements(s, _ranges(s, items), leading=False)


def values_of(s: Set, elements: Iterable[Element]) -> list[object]:
    """Elements back to values: addresses/ints, networks or ``(low, high)`` for intervals.

    Maps give ``(key, value)`` pairs. Intervals are rebuilt from start/end
    pairs in key order, whatever order the kernel dumped them in.
    """
    d = _datatype(s)
    elems = list(elements)
    if not s.is_interval:
        out: list[object] = []
        for e in elems:
            k = decode_value(d, e.key)
            out.append((k, _data_value(s, e.data)) if s.is_map else k)
        return out
    n = d.len
    top = (1 << (n * 8)) - 1
    elems.sort(key=lambda e: (e.key, 0 if e.flags & NFT_SET_ELEM.INTERVAL_END else 1))
    result: list[object] = []
    start: Element | None = None
    for e in elems:
        if e.flags & NFT_SET_ELEM.INTERVAL_END:
            if start is not None:
                result.append(_interval_value(s, d, start, int.from_bytes(e.key, "big") - 1))
                start = None
            continue
        if start is not None:  # an open interval before this one cannot be; close it at e-1
            result.append(_interval_value(s, d, start, int.from_bytes(e.key, "big") - 1))
        start = e
    if start is not None:
        result.append(_interval_value(s, d, start, top))
    return result


def _data_value(s: Set, data: bytes | Verdict | None) -> object:
    if data is None or isinstance(data, Verdict):
        return data
    return decode_value(_datatype(s, "data"), data)


def _interval_value(s: Set, d: Datatype, start: Element, hi: int) -> object:
    lo = int.from_bytes(start.key, "big")
    value: object
    if d.name in ("ipv4_addr", "ipv6_addr"):
        first = ipaddress.ip_address(start.key)
        last = ipaddress.ip_address(hi.to_bytes(d.len, "big"))
        nets = list(ipaddress.summarize_address_range(first, last))
        value = nets[0] if len(nets) == 1 else (first, last)
        if lo == hi:
            value = first
    else:
        value = decode_value(d, start.key) if lo == hi else (lo, hi)
    return (value, _data_value(s, start.data)) if s.is_map else value


# ---------------------------------------------------------------------------
# building sets


def set_spec(
    table: Table,
    name: str,
    *,
    key: str = "ipv4_addr",
    data: str | None = None,
    interval: bool = False,
    auto_merge: bool = False,
    constant: bool = False,
    timeout: int | None = None,
    size: int | None = None,
    policy: str | None = None,
    comment: str | None = None,
) -> Set:
    """A :class:`Set` as nft builds it from ``set NAME { type KEY [: DATA]; ... }``.

    ``timeout`` is in milliseconds; ``policy`` is "performance" or "memory".
    """
    kd = _datatype(key)
    if kd.name == "verdict":
        raise ValueError("a set key cannot be a verdict")
    flags = 0
    if constant:
        flags |= NFT_SET.CONSTANT
    if interval:
        flags |= NFT_SET.INTERVAL
    data_type = data_len = None
    dbo = None
    if data is not None:
        flags |= NFT_SET.MAP
        if data == "verdict":
            data_type, data_len, dbo = int(NFT_DATA.VERDICT), 0, _BO_INVALID
        else:
            dd = _datatype(data)
            data_type, data_len, dbo = dd.id, dd.len, dd.byteorder
    if timeout is not None:
        flags |= NFT_SET.TIMEOUT
    pol = None
    if policy is not None:
        pols = {"performance": 0, "memory": 1}
        if policy not in pols:
            raise ValueError(f"set policy must be 'performance' or 'memory', not {policy!r}")
        pol = pols[policy]
    ud = udata_tlv(_UD_KEYBYTEORDER, _U32_HOST.pack(kd.byteorder))
    if dbo is not None:
        ud += udata_tlv(_UD_DATABYTEORDER, _U32_HOST.pack(dbo))
    if auto_merge:
        ud += udata_tlv(_UD_MERGE, _U32_HOST.pack(1))
    if data is not None:
        ud += udata_tlv(_UD_DATA_INTERVAL, _U32_HOST.pack(0))
    if comment is not None:
        ud += comment_tlv(comment, _UD_COMMENT)
    return Set(
        family=table.family,
        table=table.name,
        name=name,
        key_type=kd.id,
        key_len=kd.len,
        flags=flags,
        data_type=data_type,
        data_len=data_len,
        policy=pol,
        size=size,
        timeout=timeout,
        userdata=ud,
        comment=comment,
    )


#: The name nft gives an anonymous set; the kernel replaces %d (``__set0``).
ANONYMOUS_NAME = "__set%d"


def anonymous_spec(table: Table, *, key: str, interval: bool = False) -> Set:
    """The :class:`Set` nft creates for an inline ``{ ... }`` (anonymous, constant).

    nft also records the matched expression (``typeof``) in the userdata;
    rawns writes only the key byte order (and auto-merge for intervals),
    which is all the kernel and ``nft list`` need.
    """
    kd = _datatype(key)
    flags = NFT_SET.ANONYMOUS | NFT_SET.CONSTANT | (NFT_SET.INTERVAL if interval else 0)
    ud = udata_tlv(_UD_KEYBYTEORDER, _U32_HOST.pack(kd.byteorder))
    if interval:
        ud += udata_tlv(_UD_MERGE, _U32_HOST.pack(1))
    return Set(
        family=table.family,
        table=table.name,
        name=ANONYMOUS_NAME,
        key_type=kd.id,
        key_len=kd.len,
        flags=int(flags),
        userdata=ud,
    )


def build_add(
    s: Set, *, set_id: int | None = None, exclusive: bool = False, seq: int = 0, ack: bool = False
) -> bytes:
    """NFT_MSG_NEWSET. Equivalent to: nft add set FAMILY TABLE NAME { type ...; }.

    Attribute order as libnftnl: table, name, flags, key type/len, data
    type/len, id, policy, desc, timeout, gc interval, userdata.
    """
    body = (
        strz(NFTA_SET.TABLE, s.table)
        + strz(NFTA_SET.NAME, s.name)
        + be32(NFTA_SET.FLAGS, s.flags)
        + be32(NFTA_SET.KEY_TYPE, s.key_type)
        + be32(NFTA_SET.KEY_LEN, s.key_len)
    )
    if s.data_type is not None:
        body += be32(NFTA_SET.DATA_TYPE, s.data_type)
        body += be32(NFTA_SET.DATA_LEN, s.data_len or 0)
    sid = set_id if set_id is not None else s.id
    if sid is not None:
        body += be32(NFTA_SET.ID, sid)
    if s.policy is not None:
        body += be32(NFTA_SET.POLICY, s.policy)
    if s.size is not None:
        body += nest(NFTA_SET.DESC, be32(NFTA_SET_DESC.SIZE, s.size))
    if s.timeout is not None:
        body += be64(NFTA_SET.TIMEOUT, s.timeout)
    if s.gc_interval is not None:
        body += be32(NFTA_SET.GC_INTERVAL, s.gc_interval)
    if s.userdata is not None:
        body += attr(NFTA_SET.USERDATA, s.userdata)
    flags = F_CREATE | (F_EXCL if exclusive else 0)
    return message(NFT_MSG.NEWSET, s.nfproto, body, flags=flags, seq=seq, ack=ack)


def build_delete(s: Set, *, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_DELSET. Equivalent to: nft delete set FAMILY TABLE NAME."""
    body = strz(NFTA_SET.TABLE, s.table) + strz(NFTA_SET.NAME, s.name)
    return message(NFT_MSG.DELSET, s.nfproto, body, seq=seq, ack=ack)


def build_flush(s: Set, *, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_DELSETELEM without elements. Equivalent to: nft flush set FAMILY TABLE NAME.

    (nft writes the set name before the table here.)
    """
    body = strz(NFTA_SET_ELEM_LIST.SET, s.name) + strz(NFTA_SET_ELEM_LIST.TABLE, s.table)
    return message(NFT_MSG.DELSETELEM, s.nfproto, body, seq=seq, ack=ack)


# One NFTA_SET_ELEM_LIST_ELEMENTS nest must stay under 64 KiB (u16 nla_len).
_CHUNK_BYTES = 60000


def _element_messages(
    msg: int,
    s: Set,
    elements: Sequence[Element],
    set_id: int | None,
    flags: int,
    seq: int,
    ack: bool,
) -> list[bytes]:
    head = strz(NFTA_SET_ELEM_LIST.TABLE, s.table) + strz(NFTA_SET_ELEM_LIST.SET, s.name)
    if set_id is not None:
        head += be32(NFTA_SET_ELEM_LIST.SET_ID, set_id)
    out: list[bytes] = []
    chunk: list[bytes] = []
    size = 0
    for e in elements:
        # libnftnl numbers the element nests 1, 2, 3 ... (the kernel ignores the type)
        enc = nest(len(chunk) + 1, e.encode())
        if chunk and size + len(enc) > _CHUNK_BYTES:
            out.append(_elem_msg(msg, s, head, chunk, flags, seq, ack))
            chunk, size = [], 0
            enc = nest(1, e.encode())
        chunk.append(enc)
        size += len(enc)
    if chunk or not out:
        out.append(_elem_msg(msg, s, head, chunk, flags, seq, ack))
    return out


def _elem_msg(
    msg: int, s: Set, head: bytes, chunk: list[bytes], flags: int, seq: int, ack: bool
) -> bytes:
    body = head + nest(NFTA_SET_ELEM_LIST.ELEMENTS, b"".join(chunk))
    return message(msg, s.nfproto, body, flags=flags, seq=seq, ack=ack)


def build_add_elements(
    s: Set,
    elements: Sequence[Element],
    *,
    set_id: int | None = None,
    seq: int = 0,
    ack: bool = False,
) -> list[bytes]:
    """NFT_MSG_NEWSETELEM message(s). Equivalent to: nft add element ... { ... }.

    ``set_id`` names a set created earlier in the same batch (nft sends it).
    """
    return _element_messages(NFT_MSG.NEWSETELEM, s, elements, set_id, F_CREATE, seq, ack)


def build_delete_elements(
    s: Set, elements: Sequence[Element], *, seq: int = 0, ack: bool = False
) -> list[bytes]:
    """NFT_MSG_DELSETELEM message(s). Equivalent to: nft delete element ... { ... }."""
    return _element_messages(NFT_MSG.DELSETELEM, s, elements, None, 0, seq, ack)


# ---------------------------------------------------------------------------
# parsing and dumps


def parse_set(payload: bytes) -> Set:
    """Decode an NFT_MSG_NEWSET payload into a :class:`Set`."""
    family, _ = parse_header(payload)
    data = payload[4:]
    v: dict[str, object] = {}
    rest: list[Attr] = []
    for kind, a, b in attrs_of(data, "set"):
        if kind == NFTA_SET.TABLE:
            v["table"] = get_str(data, a, b)
        elif kind == NFTA_SET.NAME:
            v["name"] = get_str(data, a, b)
        elif kind == NFTA_SET.FLAGS:
            v["flags"] = get_be32(data, a, b)
        elif kind == NFTA_SET.KEY_TYPE:
            v["key_type"] = get_be32(data, a, b)
        elif kind == NFTA_SET.KEY_LEN:
            v["key_len"] = get_be32(data, a, b)
        elif kind == NFTA_SET.DATA_TYPE:
            v["data_type"] = get_be32(data, a, b)
        elif kind == NFTA_SET.DATA_LEN:
            v["data_len"] = get_be32(data, a, b)
        elif kind == NFTA_SET.POLICY:
            v["policy"] = get_be32(data, a, b)
        elif kind == NFTA_SET.DESC:
            sub = data[a:b]
            for k2, x, y in attrs_of(sub, "NFTA_SET_DESC"):
                if k2 == NFTA_SET_DESC.SIZE:
                    v["size"] = get_be32(sub, x, y)
                else:
                    rest.append(Attr(kind, data[a:b]))
                    break
        elif kind == NFTA_SET.TIMEOUT:
            v["timeout"] = get_be64(data, a, b)
        elif kind == NFTA_SET.GC_INTERVAL:
            v["gc_interval"] = get_be32(data, a, b)
        elif kind == NFTA_SET.USERDATA:
            v["userdata"] = data[a:b]
        elif kind == NFTA_SET.HANDLE:
            v["handle"] = get_be64(data, a, b)
        elif kind == NFTA_SET.ID:
            v["id"] = get_be32(data, a, b)
        elif kind == NFTA_SET.PAD:
            continue
        else:
            rest.append(Attr(kind, data[a:b]))
    for k in ("table", "name", "key_type", "key_len"):
        if k not in v:
            raise DecodeError(f"set without NFTA_SET_{k.upper()}")
    if v.get("data_type") == NFT_DATA.VERDICT:
        # The kernel stores sizeof(struct nft_verdict) whatever was sent; nft sends 0.
        v["data_len"] = 0
    ud = v.get("userdata")
    assert ud is None or isinstance(ud, bytes)
    return Set(
        family=family,
        comment=udata_comment(ud, _UD_COMMENT),
        attrs=tuple(rest),
        **v,  # type: ignore[arg-type]  # keys and value types fixed by the branches above
    )


def _parse_element(data: bytes) -> Element:
    v: dict[str, object] = {}
    rest: list[Attr] = []
    for kind, a, b in attrs_of(data, "set element"):
        if kind == NFTA_SET_ELEM.KEY:
            key = decode_data(data, a, b)
            if isinstance(key, Verdict):
                raise DecodeError("set element key is a verdict")
            v["key"] = key
        elif kind == NFTA_SET_ELEM.KEY_END:
            key_end = decode_data(data, a, b)
            if isinstance(key_end, Verdict):
                raise DecodeError("set element key end is a verdict")
            v["key_end"] = key_end
        elif kind == NFTA_SET_ELEM.DATA:
            v["data"] = decode_data(data, a, b)
        elif kind == NFTA_SET_ELEM.FLAGS:
            v["flags"] = get_be32(data, a, b)
        elif kind == NFTA_SET_ELEM.TIMEOUT:
            v["timeout"] = get_be64(data, a, b)
        elif kind == NFTA_SET_ELEM.EXPIRATION:
            v["expiration"] = get_be64(data, a, b)
        elif kind == NFTA_SET_ELEM.USERDATA:
            v["userdata"] = data[a:b]
        elif kind == NFTA_SET_ELEM.PAD:
            continue
        else:
            rest.append(Attr(kind, data[a:b]))
    if "key" not in v:
        raise DecodeError("set element without NFTA_SET_ELEM_KEY")
    return Element(attrs=tuple(rest), **v)  # type: ignore[arg-type]  # as above


def parse_elements(payload: bytes) -> tuple[str, str, str, list[Element]]:
    """Decode an NFT_MSG_NEWSETELEM payload: ``(family, table, set, elements)``."""
    family, _ = parse_header(payload)
    data = payload[4:]
    table = name = None
    elems: list[Element] = []
    for kind, a, b in attrs_of(data, "set element list"):
        if kind == NFTA_SET_ELEM_LIST.TABLE:
            table = get_str(data, a, b)
        elif kind == NFTA_SET_ELEM_LIST.SET:
            name = get_str(data, a, b)
        elif kind == NFTA_SET_ELEM_LIST.ELEMENTS:
            sub = data[a:b]
            elems.extend(_parse_element(sub[x:y]) for _, x, y in attrs_of(sub, "elements"))
    if table is None or name is None:
        raise DecodeError("set element list without NFTA_SET_ELEM_LIST_TABLE or _SET")
    return family, table, name, elems


def dump(h: Handle, *, family: str | int | None = None, table: str | None = None) -> list[Set]:
    """Every set and map (of one family / table). Equivalent to: nft list sets."""
    body = strz(NFTA_SET.TABLE, table) if table is not None else b""
    return _dump(h, NFT_MSG.GETSET, family, body, parse_set)


def dump_elements(h: Handle, s: Set) -> list[Element]:
    """The elements of set ``s``. Equivalent to: nft list set FAMILY TABLE NAME."""
    body = strz(NFTA_SET_ELEM_LIST.TABLE, s.table) + strz(NFTA_SET_ELEM_LIST.SET, s.name)
    parts = _dump(h, NFT_MSG.GETSETELEM, s.family, body, parse_elements)
    return [e for part in parts for e in part[3]]


__all__ += ["Datatype", "removal_elements"]
