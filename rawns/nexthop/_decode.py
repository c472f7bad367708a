"""Decoding RTM_NEWNEXTHOP into :class:`NexthopObject`: one explicit pass, kernel spellings."""

from __future__ import annotations

import sys

from .. import _check
from .._inet import AF_INET, AF_INET6, IPAddress, addr_from_bytes
from .._wire import NLA_TYPE_MASK, Attr, iter_attrs
from ..errors import DecodeError
from ._types import NEXTHOP_GRP, NHA, NHMSG, Member, NexthopObject

_new = object.__new__
_set = object.__setattr__


def parse_nexthop(
    payload: bytes,
    start: int = 0,
    end: int | None = None,
    origin: tuple[int, int] | None = None,
) -> NexthopObject:
    """Decode an RTM_NEWNEXTHOP/DELNEXTHOP payload (nhmsg + attributes).

    ``payload[start:end]`` is the part after the netlink header; ``origin`` is
    kept in :attr:`NexthopObject.origin`. Raises
    :class:`~rawns.errors.DecodeError` on malformed input.
    """
    start, end = _check.span(payload, start, end)
    if end - start < NHMSG.size:
        raise DecodeError(f"nhmsg needs {NHMSG.size} bytes, got {end - start}", offset=start)
    family, scope, protocol, flags = NHMSG.unpack_from(payload, start)
    nid = None
    gateway: IPAddress | None = None
    oif = None
    blackhole = fdb = False
    group: tuple[Member, ...] = ()
    group_type = 0
    rest: list[Attr] = []
    for atype, a, b in iter_attrs(payload, start + NHMSG.size, end):
        t = atype & NLA_TYPE_MASK
        n = b - a
        if t == NHA.ID:
            nid = _u32(payload, a, n, "NHA_ID")
        elif t == NHA.GATEWAY:
            if (family, n) not in ((AF_INET, 4), (AF_INET6, 16)):
                raise DecodeError(f"NHA_GATEWAY is {n} bytes for family {family}", offset=a)
            gateway = addr_from_bytes(payload[a:b])
        elif t == NHA.OIF:
            oif = _u32(payload, a, n, "NHA_OIF")
        elif t == NHA.BLACKHOLE:
            blackhole = True
        elif t == NHA.FDB:
            fdb = True
        elif t == NHA.GROUP:
            group = _group(payload, a, b)
        elif t == NHA.GROUP_TYPE:
            if n != 2:
                raise DecodeError(f"NHA_GROUP_TYPE is {n} bytes, expected 2", offset=a)
            group_type = int.from_bytes(payload[a:b], sys.byteorder)
        else:
            rest.append(Attr(atype, payload[a:b]))
    if nid is None:
        raise DecodeError("nexthop without NHA_ID", offset=start)
    nh = _new(NexthopObject)  # as reported: the constructor checks requests, not reports
    for name, value in (
        ("id", nid), ("family", family), ("gateway", gateway), ("oif", oif),
        ("blackhole", blackhole), ("group", group), ("group_type", group_type), ("fdb", fdb),
        ("protocol", protocol), ("scope", scope), ("flags", flags), ("attrs", tuple(rest)),
        ("origin", origin),
    ):  # fmt: skip
        _set(nh, name, value)
    return nh


def _u32(data: bytes, a: int, n: int, what: str) -> int:
    if n != 4:
        raise DecodeError(f"{what} is {n} bytes, expected 4", offset=a)
    return int.from_bytes(data[a : a + 4], sys.byteorder)  # host order, as rtnetlink


def _group(data: bytes, a: int, b: int) -> tuple[Member, ...]:
    """NHA_GROUP: an array of ``struct nexthop_grp``."""
    if (b - a) % NEXTHOP_GRP.size:
        raise DecodeError(
            f"NHA_GROUP is {b - a} bytes, not a multiple of {NEXTHOP_GRP.size}", offset=a
        )
    out = []
    for off in range(a, b, NEXTHOP_GRP.size):
        nid, low, high, _resvd = NEXTHOP_GRP.unpack_from(data, off)
        m = _new(Member)
        _set(m, "id", nid)
        _set(m, "weight", (high << 8 | low) + 1)
        out.append(m)
    return tuple(out)
