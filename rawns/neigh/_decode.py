"""Decoding RTM_NEWNEIGH/RTM_DELNEIGH payloads: :func:`parse_neighbour`."""

from __future__ import annotations

import _socket
import struct

from .._inet import ip
from .._rtnl import NDA, NDMSG, NTF, NUD
from .._wire import NLA_TYPE_MASK, Attr, attr_be16, attr_s32, attr_u8, attr_u16, attr_u32
from .._wire import iter_attrs as _iter_attrs
from ..errors import DecodeError
from ._types import CacheInfo, Neighbour

_CACHEINFO = struct.Struct("=IIII")
_MAX_LLADDR = 32  # MAX_ADDR_LEN in linux/netdevice.h


def parse_neighbour(payload: bytes, origin: tuple[int, int] | None = None) -> Neighbour:
    """Decode an RTM_NEWNEIGH/DELNEIGH payload (ndmsg + attributes).

    Works on kernel reports and on requests alike. ``origin`` is kept in
    :attr:`Neighbour.origin` (the verbs pass their handle's
    :attr:`~rawns.Handle.netns_ident`). Raises
    :class:`~rawns.errors.DecodeError` if the bytes are truncated or malformed.
    """
    if len(payload) < NDMSG.size:
        raise DecodeError(f"ndmsg needs {NDMSG.size} bytes, got {len(payload)}")
    family, index, state, flags, ntype = NDMSG.unpack_from(payload, 0)
    if index < 0:
        raise DecodeError(f"ndmsg ifindex {index} is negative", offset=4)
    kw: dict[str, object] = {}
    rest: list[Attr] = []
    for atype, a, b in _iter_attrs(payload, NDMSG.size):
        t = atype & NLA_TYPE_MASK
        if t == NDA.DST:
            if b - a == 4:
                kw["dst"] = ip.IPv4Address(payload[a:b])
            elif b - a == 16:
                kw["dst"] = ip.IPv6Address(payload[a:b])
            else:
                raise DecodeError(f"NDA_DST of {b - a} bytes is not an IP address", offset=a)
        elif t == NDA.LLADDR:
            if 0 < b - a <= _MAX_LLADDR:
                kw["lladdr"] = payload[a:b].hex(":")
            else:
                rest.append(Attr(atype, payload[a:b]))  # e.g. an empty lladdr: keep it raw
        elif t == NDA.CACHEINFO:
            if b - a != _CACHEINFO.size:
                raise DecodeError(f"NDA_CACHEINFO of {b - a} bytes", offset=a)
            kw["cacheinfo"] = CacheInfo(*_CACHEINFO.unpack_from(payload, a))
        elif t == NDA.PROBES:
            kw["probes"] = attr_u32(payload, a, b)
        elif t == NDA.VLAN:
            kw["vlan"] = attr_u16(payload, a, b) & 0xFFF
        elif t == NDA.PORT:
            kw["port"] = attr_be16(payload, a, b)
        elif t == NDA.VNI:
            kw["vni"] = attr_u32(payload, a, b) & 0xFFFFFF
        elif t == NDA.SRC_VNI:
            kw["src_vni"] = attr_u32(payload, a, b) & 0xFFFFFF
        elif t == NDA.IFINDEX:
            kw["via"] = attr_u32(payload, a, b)
        elif t == NDA.MASTER:
            kw["master"] = attr_u32(payload, a, b)
        elif t == NDA.LINK_NETNSID:
            kw["link_netnsid"] = attr_s32(payload, a, b)
        elif t == NDA.PROTOCOL:
            kw["protocol"] = attr_u8(payload, a, b)
        elif t == NDA.NH_ID:
            kw["nh_id"] = attr_u32(payload, a, b)
        elif t == NDA.FLAGS_EXT:
            kw["flags_ext"] = attr_u32(payload, a, b)
        else:
            rest.append(Attr(atype, payload[a:b]))
    if "dst" in kw and family in (_socket.AF_INET, _socket.AF_INET6):
        dst = kw["dst"]
        assert isinstance(dst, ip.IPv4Address | ip.IPv6Address)
        if dst.version != (4 if family == _socket.AF_INET else 6):
            raise DecodeError(f"NDA_DST {dst} does not match ndm_family {family}")
    try:
        n = Neighbour(
            index=index or 1,  # 0, a proxy entry of no device, is set below
            family=family,
            state=NUD(state),
            flags=NTF(flags),
            type=ntype,
            attrs=tuple(rest),
            origin=origin,
            **kw,  # type: ignore[arg-type]  # kw holds exactly Neighbour's optional fields
        )
        if not index:
            object.__setattr__(n, "index", 0)
        return n
    except (ValueError, TypeError) as e:  # a value no request could carry
        raise DecodeError(f"neighbour: {e}") from e
