"""Element values <-> key bytes, and nft's interval encoding (src/segtree.c).

Split from :mod:`rawns.nft.sets` (which re-exports everything here). Values
are normalised once, here: addresses as ``str`` or :mod:`ipaddress` objects,
networks (``"10.0.0.0/8"``) and ranges (``(low, high)``) for interval sets,
ports and protocol numbers as ``int``.
"""

from __future__ import annotations

import ipaddress
import itertools
import sys
from collections.abc import Iterable, Mapping, Sequence

from .. import _check, _inet
from .._nfnl import (
    NFT_DATA,
    NFT_SET_ELEM,
)
from . import _args
from ._codec import (
    Verdict,
)
from ._msg import udata_tlv
from ._settypes import (
    _BY_ID,
    _ELEM_F_INTERVAL_OPEN,
    _U32_HOST,
    _UD_ELEM_FLAGS,
    _UD_MERGE,
    DATATYPES,
    Datatype,
    Element,
    Set,
)

__all__ = ["decode_value", "elements_for", "encode_value", "removal_elements", "values_of"]

# ---------------------------------------------------------------------------
# values <-> bytes


def _datatype(set_or_name: Set | str, which: str = "key") -> Datatype:
    if isinstance(set_or_name, str) or not isinstance(set_or_name, Set):
        return DATATYPES[_check.choice(set_or_name, which, DATATYPES)]
    tid = set_or_name.key_type if which == "key" else set_or_name.data_type
    d = _BY_ID.get(tid or -1)
    if d is None:
        raise ValueError(f"{set_or_name}: rawns cannot encode values of datatype {tid}")
    return d


def _version_of(name: str) -> int:
    return 4 if name == "ipv4_addr" else 6


def _address(
    value: object, d: Datatype, what: str
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address of the set's family; a zone id (``fe80::1%eth0``) is refused, not dropped."""
    if not isinstance(value, str | ipaddress.IPv4Address | ipaddress.IPv6Address):
        raise TypeError(
            f"{what} must be an address (str or ipaddress) for a {d.name} set, "
            f"not {type(value).__name__}: {value!r:.80}"
        )
    _check.no_zone(value, what)
    fam = _inet.AF_INET if d.name == "ipv4_addr" else _inet.AF_INET6
    return _inet.to_address(value, what, fam)


def _network(value: object, d: Datatype, what: str) -> tuple[int, int]:
    if not isinstance(value, str | ipaddress.IPv4Network | ipaddress.IPv6Network):
        raise TypeError(f"{what} must be a network such as '10.0.0.0/8', not {value!r:.80}")
    _check.no_zone(value, what)
    fam = _inet.AF_INET if d.name == "ipv4_addr" else _inet.AF_INET6
    net = _inet.to_network(value, what, fam)
    return int(net.network_address), int(net.broadcast_address)


def _addr_range(value: object, d: Datatype, what: str) -> tuple[int, int] | None:
    """A network or ``(low, high)`` pair as an integer range, or None for one address."""
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{what} {value!r:.80} must be an address range (low, high)")
        return int(_address(value[0], d, what)), int(_address(value[1], d, what))
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network) or (
        isinstance(value, str) and "/" in value
    ):
        return _network(value, d, what)
    return None


def encode_value(dtype: Datatype | str, value: object, what: str = "value") -> bytes:
    """One element value (not a range) as the key/data bytes of ``dtype``.

    Raises ValueError/TypeError naming the value if it does not fit; nothing
    is cut or rewritten (a zone id, a NUL in an interface name, 2**32 as a mark).
    """
    d = dtype if isinstance(dtype, Datatype) else _datatype(dtype, "dtype")
    name = d.name
    if name in ("ipv4_addr", "ipv6_addr"):
        return _address(value, d, what).packed
    if name == "inet_service":
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        return _check.port(value, what, zero=True).to_bytes(2, "big")
    if name == "inet_proto":
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        return bytes((_args.proto_number(value, what),))
    if name == "mark":
        return _U32_HOST.pack(_check.uint(value, 32, what))
    if name == "ifname":
        return _check.ifname(value, what).encode().ljust(16, b"\0")
    if name == "ether_addr":
        return _check.lladdr(value, what, length=6)
    raise ValueError(f"rawns cannot encode {name} values ({what} {value!r:.80})")


def decode_value(dtype: Datatype | str, raw: bytes) -> object:
    """Key/data bytes back to a Python value (address, int, str)."""
    d = dtype if isinstance(dtype, Datatype) else _datatype(dtype, "dtype")
    if not isinstance(raw, bytes):
        raise TypeError(f"raw must be bytes, not {type(raw).__name__}: {raw!r:.80}")
    if d.len and len(raw) != d.len:
        raise ValueError(f"raw {raw!r:.80} is {len(raw)} bytes; a {d.name} is {d.len}")
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
            parts = value.split(" ")
            if len(parts) > 2 or not all(parts):
                raise ValueError(
                    f"verdict map value {value!r:.80} must be a verdict such as 'accept' "
                    "or 'jump CHAIN'"
                )
            return Verdict(parts[0], parts[1] if len(parts) > 1 else None)
        raise TypeError(f"a verdict map value must be a Verdict or str, not {value!r:.80}")
    return encode_value(_datatype(s, "data"), value, "map value")


def _ranges(s: Set, values: Iterable[object]) -> list[tuple[int, int, object]]:
    """Normalise interval-set values to sorted ``(low, high, data)`` integer ranges."""
    d = _datatype(s)
    out: list[tuple[int, int, object]] = []
    for v in values:
        data: object = None
        if s.is_map:
            v, data = _pair(v)
        if d.name in ("ipv4_addr", "ipv6_addr"):
            r = _addr_range(v, d, "element")
            if r is None:
                n = int.from_bytes(encode_value(d, v, "element"), "big")
                r = (n, n)
        elif isinstance(v, tuple):
            if len(v) != 2:
                raise ValueError(f"element {v!r:.80} must be a range (low, high)")
            r = (
                int.from_bytes(encode_value(d, v[0], "element"), "big"),
                int.from_bytes(encode_value(d, v[1], "element"), "big"),
            )
        elif isinstance(v, str) and "-" in v and d.name == "inet_service":
            lo, hi = v.split("-", 1)
            r = (
                int.from_bytes(encode_value(d, lo.strip(), "element"), "big"),
                int.from_bytes(encode_value(d, hi.strip(), "element"), "big"),
            )
        else:
            n = int.from_bytes(encode_value(d, v, "element"), "big")
            r = (n, n)
        if r[0] > r[1]:
            raise ValueError(f"element {v!r:.80}: the range's low end is above its high end")
        out.append((r[0], r[1], data))
    out.sort(key=lambda t: (t[0], t[1]))
    return out


def _items(values: object) -> list[object]:
    """The values of an ``elements=`` argument: a mapping's items, or any other iterable."""
    if isinstance(values, Mapping):
        return list(values.items())
    if isinstance(values, str | bytes | bytearray | memoryview) or not isinstance(values, Iterable):
        raise TypeError(
            f"elements must be a list of values (or a mapping for a map), "
            f"not {type(values).__name__}: {values!r:.80}"
        )
    return list(values)


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
    _args.expect(s, Set, "s")
    _check.boolean(new_set, "new_set")
    items = _items(values)
    if not s.is_interval:
        out = []
        for v in items:
            if s.is_map:
                k, dv = _pair(v)
                key = encode_value(_datatype(s), k, "element")
                out.append(Element(key=key, data=_map_data(s, dv)))
            else:
                out.append(Element(key=encode_value(_datatype(s), v, "element")))
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
    _args.expect(s, Set, "s")
    items = _items(values)
    if not s.is_interval:
        keys = [v[0] if s.is_map and isinstance(v, tuple) else v for v in items]
        return [Element(key=encode_value(_datatype(s), k, "element")) for k in keys]
    return _interval_elements(s, _ranges(s, items), leading=False)


def values_of(s: Set, elements: Iterable[Element]) -> list[object]:
    """Elements back to values: addresses/ints, networks or ``(low, high)`` for intervals.

    Maps give ``(key, value)`` pairs. Intervals are rebuilt from start/end
    pairs in key order, whatever order the kernel dumped them in.
    """
    _args.expect(s, Set, "s")
    d = _datatype(s)
    elems = [_args.expect(e, Element, "elements[]") for e in _items(elements)]
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
