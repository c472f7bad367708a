"""Building nexthop requests: the pure twins of the verbs (``build_*``)."""

from __future__ import annotations

from .. import _check
from .._inet import AF_INET, AF_INET6
from .._rtnl import NLM_F, RTM
from .._wire import Writer
from ._types import NEXTHOP_GRP, NHA, NHMSG, NexthopObject

_F_ADD = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL)
_F_REPLACE = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE)
_F_ACK = int(NLM_F.REQUEST | NLM_F.ACK)
_F_DUMP = int(NLM_F.REQUEST | NLM_F.DUMP)

#: nh_flags a request may carry: RTNH_F_ONLINK (the kernel sets DEAD/LINKDOWN itself).
_REQUEST_FLAGS = 4


def _build(nh: NexthopObject, flags: int) -> bytes:
    """RTM_NEWNEXTHOP, attributes in the order ``ip nexthop add id N ...`` writes them.

    ``ip`` writes NHA_ID, then the attributes of its words in the order given;
    here: NHA_ID, NHA_GROUP, NHA_BLACKHOLE, NHA_GATEWAY, NHA_OIF, NHA_FDB.
    The scope is the kernel's to report.
    """
    if not isinstance(nh, NexthopObject):
        raise TypeError(f"nexthop must be a NexthopObject, not {_check._show(nh)}")
    if nh.flags & ~_REQUEST_FLAGS:
        raise ValueError(
            f"nexthop {nh.id} flags {nh.flags:#x}: a request may set only RTNH_F_ONLINK "
            "(onlink=True); the kernel sets the others"
        )
    if nh.group_type:
        raise ValueError(
            f"nexthop {nh.id}: a resilient group (group_type 1) needs bucket settings "
            "(NHA_RES_GROUP) that rawns does not encode yet; it can dump and delete one"
        )
    w = Writer()
    w.begin(RTM.NEWNEXTHOP, flags=flags)
    w.put_bytes_raw(NHMSG.pack(nh.family, 0, nh.protocol, nh.flags))
    w.put_u32(NHA.ID, nh.id)
    if nh.group:
        w.put(NHA.GROUP, b"".join(
            NEXTHOP_GRP.pack(m.id, (m.weight - 1) & 0xFF, (m.weight - 1) >> 8, 0) for m in nh.group
        ))  # fmt: skip
    if nh.blackhole:
        w.put_flag(NHA.BLACKHOLE)
    if nh.gateway is not None:
        w.put(NHA.GATEWAY, nh.gateway.packed)
    if nh.oif is not None:
        w.put_u32(NHA.OIF, nh.oif)
    if nh.fdb:
        w.put_flag(NHA.FDB)
    w.end()
    return w.data()


def build_add(nh: NexthopObject) -> bytes:
    """RTM_NEWNEXTHOP with NLM_F_CREATE|NLM_F_EXCL (``ip nexthop add``)."""
    return _build(nh, _F_ADD)


def build_replace(nh: NexthopObject) -> bytes:
    """RTM_NEWNEXTHOP with NLM_F_CREATE|NLM_F_REPLACE (``ip nexthop replace``)."""
    return _build(nh, _F_REPLACE)


def _by_id(mtype: int, flags: int, id: object) -> bytes:
    nid = _check.nexthop_id(id, "nexthop id")
    w = Writer()
    w.begin(mtype, flags=flags)
    w.put_bytes_raw(NHMSG.pack(0, 0, 0, 0))
    w.put_u32(NHA.ID, nid)
    w.end()
    return w.data()


def build_delete(id: int) -> bytes:
    """RTM_DELNEXTHOP for one id (``ip nexthop del id N``)."""
    return _by_id(RTM.DELNEXTHOP, _F_ACK, id)


def build_get(id: int) -> bytes:
    """RTM_GETNEXTHOP for one id (``ip nexthop get id N``), with NLM_F_ACK."""
    return _by_id(RTM.GETNEXTHOP, _F_ACK, id)


def build_dump(
    *, family: int = 0, oif: int | None = None, groups: bool = False, fdb: bool = False
) -> bytes:
    """RTM_GETNEXTHOP dump (``ip nexthop show [dev DEV] [groups] [fdb]``), kernel-filtered."""
    fam = _check.integer(family, "nexthop dump family", 0, 255)
    if fam not in (0, AF_INET, AF_INET6):
        raise ValueError(f"nexthop dump family must be 0, AF_INET or AF_INET6, not {family!r}")
    _check.optional(oif, _check.ifindex, "nexthop dump oif")
    _check.boolean(groups, "nexthop dump groups")
    _check.boolean(fdb, "nexthop dump fdb")
    w = Writer()
    w.begin(RTM.GETNEXTHOP, flags=_F_DUMP)
    w.put_bytes_raw(NHMSG.pack(fam, 0, 0, 0))
    if oif is not None:
        w.put_u32(NHA.OIF, oif)
    if groups:
        w.put_flag(NHA.GROUPS)
    if fdb:
        w.put_flag(NHA.FDB)
    w.end()
    return w.data()
