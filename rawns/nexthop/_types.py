"""Nexthop object values: :class:`NexthopObject`, :class:`Member`, the NHA_* attributes.

A nexthop object (``ip nexthop``, Linux 5.3+) is a path kept apart from the
routes that use it (``ip route add ... nhid N``): a gateway and device, a
blackhole, or a group of other nexthop objects with weights.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from enum import IntEnum

from .. import _check
from .._dataclass import dataclass, field
from .._inet import AF_INET, AF_INET6, IPAddress, family_of, to_address
from .._rtnl import RTNH_F
from .._wire import Attr
from ..link._types import check_origin
from ..route._types import check_attrs


class NHA(IntEnum):
    """<linux/nexthop.h> NHA_UNSPEC..."""

    UNSPEC = 0
    ID = 1
    GROUP = 2
    GROUP_TYPE = 3
    BLACKHOLE = 4
    OIF = 5
    GATEWAY = 6
    ENCAP_TYPE = 7
    ENCAP = 8
    GROUPS = 9
    MASTER = 10
    FDB = 11
    RES_GROUP = 12
    RES_BUCKET = 13
    OP_FLAGS = 14
    GROUP_STATS = 15
    HW_STATS_ENABLE = 16
    HW_STATS_USED = 17


class NEXTHOP_GRP_TYPE(IntEnum):
    """<linux/nexthop.h> NEXTHOP_GRP_TYPE_MPATH..."""

    MPATH = 0
    RES = 1


#: struct nhmsg: family, scope, protocol, resvd, flags (RTNH_F_*)
NHMSG = struct.Struct("=BBBxI")
#: struct nexthop_grp: id, weight - 1 (low byte), weight_high (high byte, 6.12+), resvd2
NEXTHOP_GRP = struct.Struct("=IBBH")

#: The largest group weight: weight - 1 is 16 bits (weight and weight_high).
MAX_WEIGHT = 65536


@dataclass(frozen=True, slots=True)
class Member:
    """One nexthop of a group (``group ID[/WEIGHT]``)."""

    id: int
    weight: int = 1

    def __post_init__(self) -> None:
        _check.nexthop_id(self.id, "nexthop group member id")
        _check.integer(self.weight, "nexthop group member weight", 1, MAX_WEIGHT)


@dataclass(init=False, frozen=True, slots=True)
class NexthopObject:
    """A nexthop object, as ``ip nexthop`` shows it and as ``ip nexthop add`` asks for it.

    Exactly one kind: a ``gateway`` and/or an ``oif`` (``via GW dev DEV``), a
    ``blackhole``, a ``group`` of other objects, or an ``fdb`` nexthop (a
    gateway, no device, for VXLAN FDB entries)::

        >>> NexthopObject(id=1, gateway="192.168.15.5", oif=3).family
        2
        >>> NexthopObject(id=10, group=[1, Member(id=2, weight=5)]).group
        (Member(id=1, weight=1), Member(id=2, weight=5))
        >>> NexthopObject(id=3, blackhole=True, gateway="10.0.0.1")
        Traceback (most recent call last):
        ValueError: nexthop 3: a blackhole nexthop has no gateway or device
    """

    id: int
    """NHA_ID: 1..2**32-1."""
    family: int
    """AF_INET (2) or AF_INET6 (10); 0 (AF_UNSPEC) for a group."""
    gateway: IPAddress | None
    """NHA_GATEWAY (``via``)."""
    oif: int | None
    """NHA_OIF: the device's index (``dev``)."""
    blackhole: bool
    """NHA_BLACKHOLE: drop what uses it."""
    group: tuple[Member, ...]
    """NHA_GROUP: the members of a group; empty for a single nexthop."""
    group_type: int
    """NHA_GROUP_TYPE: 0 multipath (hash-threshold), 1 resilient."""
    fdb: bool
    """NHA_FDB: a nexthop for bridge FDB entries (VXLAN), not for routes."""
    protocol: int
    """nh_protocol (``proto``): ``ip nexthop add`` leaves it 0 (unspec)."""
    scope: int
    """nh_scope, reported by the kernel (253 link for a gateway on a device)."""
    flags: int
    """nh_flags: RTNH_F_ONLINK (asked), RTNH_F_DEAD, RTNH_F_LINKDOWN (reported)."""
    attrs: tuple[Attr, ...] = field(compare=False, repr=False)
    """Attributes not decoded above (NHA_RES_GROUP, NHA_ENCAP...), raw."""
    origin: tuple[int, int] | None = field(compare=False, repr=False)
    """The namespace it was dumped from (see :attr:`rawns.route.Route.origin`)."""

    def __init__(
        self,
        *,
        id: int,
        gateway: str | IPAddress | None = None,
        oif: int | None = None,
        blackhole: bool = False,
        group: object = (),
        group_type: int = 0,
        fdb: bool = False,
        onlink: bool = False,
        protocol: int = 0,
        family: int = 0,
        scope: int = 0,
        flags: int = 0,
        attrs: tuple[Attr, ...] = (),
        origin: tuple[int, int] | None = None,
    ) -> None:
        nid = _check.nexthop_id(id, "nexthop id")
        what = f"nexthop {nid}"
        fam = _check.integer(family, f"{what} family", 0, 255)
        if fam not in (0, AF_INET, AF_INET6):
            raise ValueError(f"{what} family must be 0, AF_INET or AF_INET6, not {family!r}")
        _check.no_zone(gateway, f"{what} gateway")
        gw = None
        if gateway is not None:
            gw = to_address(gateway, f"{what} gateway", fam or None)
            if gw.is_unspecified:
                raise ValueError(f"{what} gateway {gw} is the unspecified address: leave it unset")
            fam = family_of(gw)
        _check.optional(oif, _check.ifindex, f"{what} oif")
        for flag, name in ((blackhole, "blackhole"), (fdb, "fdb"), (onlink, "onlink")):
            _check.boolean(flag, f"{what} {name}")
        members = _members(group, what)
        gtype = _check.integer(group_type, f"{what} group_type (0 mpath, 1 resilient)", 0, 1)
        _check.uint(protocol, 8, f"{what} protocol")
        _check.uint(scope, 8, f"{what} scope")
        _check.uint(flags, 32, f"{what} flags")
        _kind(what, gw, oif, blackhole, members, gtype, fdb, onlink, fam)
        if members:
            fam = 0  # groups are AF_UNSPEC (rtm_to_nh_config)
        elif not fam:
            fam = AF_INET  # ip's default family
        _set = object.__setattr__
        _set(self, "id", nid)
        _set(self, "family", fam)
        _set(self, "gateway", gw)
        _set(self, "oif", oif)
        _set(self, "blackhole", blackhole)
        _set(self, "group", members)
        _set(self, "group_type", gtype)
        _set(self, "fdb", fdb)
        _set(self, "protocol", protocol)
        _set(self, "scope", scope)
        _set(self, "flags", flags | (int(RTNH_F.ONLINK) if onlink else 0))
        _set(self, "attrs", check_attrs(attrs, f"{what} attrs"))
        _set(self, "origin", check_origin(origin, f"{what} origin"))

    @property
    def onlink(self) -> bool:
        return bool(self.flags & RTNH_F.ONLINK)


def _members(value: object, what: str) -> tuple[Member, ...]:
    """Group members: Member values or bare ids (weight 1); each id once."""
    if not isinstance(value, Iterable) or isinstance(value, str | bytes | bytearray):
        raise TypeError(f"{what} group must be a list of Member or ids, not {_check._show(value)}")
    out: list[Member] = []
    for m in tuple(value):
        if isinstance(m, int) and not isinstance(m, bool):
            m = Member(id=m)
        elif not isinstance(m, Member):
            raise TypeError(f"{what} group must hold Member values or ids, not {_check._show(m)}")
        if any(m.id == seen.id for seen in out):
            # nh_check_attr_group: "Duplicate nexthop id in group".
            raise ValueError(f"{what} group names nexthop {m.id} twice")
        out.append(m)
    return tuple(out)


def _kind(
    what: str,
    gw: IPAddress | None,
    oif: int | None,
    blackhole: bool,
    members: tuple[Member, ...],
    group_type: int,
    fdb: bool,
    onlink: bool,
    fam: int,
) -> None:
    """One kind of nexthop, as rtm_to_nh_config allows (its EINVALs, said first)."""
    if members:
        if gw is not None or oif is not None or blackhole or fdb or onlink:
            raise ValueError(f"{what}: a group has members only (no gateway, device or flags)")
        if fam:
            raise ValueError(f"{what}: a group has no address family (give family=0)")
        return
    if group_type:
        raise ValueError(f"{what}: group_type {group_type} is for groups (give group=)")
    if blackhole:
        if gw is not None or oif is not None or fdb or onlink:
            raise ValueError(f"{what}: a blackhole nexthop has no gateway or device")
        return
    if fdb:
        if gw is None or oif is not None or onlink:
            raise ValueError(f"{what}: an fdb nexthop has a gateway and no device")
        return
    if oif is None:
        # rtm_to_nh_config: "Device attribute required for non-blackhole and non-fdb nexthops".
        raise ValueError(f"{what} needs a device (oif), a blackhole, a group or fdb")
    if onlink and gw is None:
        raise ValueError(f"{what}: onlink needs a gateway (onlink says it is on the device)")


def label(nh: NexthopObject) -> str:
    """``ip nexthop`` syntax, for error messages: ``id 1 via 192.168.15.5 dev ifindex 3``."""
    if not isinstance(nh, NexthopObject):
        raise TypeError(f"nexthop must be a NexthopObject, not {_check._show(nh)}")
    parts = [f"id {nh.id}"]
    if nh.group:
        parts.append("group " + "/".join(
            str(m.id) if m.weight == 1 else f"{m.id},{m.weight}" for m in nh.group
        ))  # fmt: skip
    if nh.blackhole:
        parts.append("blackhole")
    if nh.gateway is not None:
        parts.append(f"via {nh.gateway}")
    if nh.oif is not None:
        parts.append(f"dev ifindex {nh.oif}")
    if nh.fdb:
        parts.append("fdb")
    return " ".join(parts)
