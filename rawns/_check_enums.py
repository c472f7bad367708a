"""Kernel enums by name, in ``ip``'s words (iproute2's tables), and the checks taking them.

:func:`named` takes a number or one of a table's names; :func:`named_flags`
ORs several. :mod:`rawns._check` re-exports everything here.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._check_core import _show, uint

__all__ = [
    "ADDR_FLAGS",
    "IP_PROTOS",
    "NEIGH_FLAGS",
    "NEIGH_STATES",
    "ROUTE_PROTOCOLS",
    "ROUTE_TYPES",
    "SCOPES",
    "ip_proto",
    "named",
    "named_flags",
]

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
