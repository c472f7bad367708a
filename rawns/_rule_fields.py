"""The keywords of the rule verbs as a TypedDict: what ``Unpack[RuleFields]`` checks.

Loaded on first use of the name (:mod:`rawns.rule` forwards it): mypy reads
it, a program rarely does.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from typing import TypedDict

from ._inet import IPInterface, IPNetwork
from ._rtnl import FR_ACT

__all__ = ["RuleFields"]


class RuleFields(TypedDict, total=False):
    """The keyword arguments of :func:`add`/:func:`delete`: :class:`Rule`'s fields."""

    family: int | str
    priority: int
    src: IPNetwork | IPInterface | IPv4Address | IPv6Address | str
    dst: IPNetwork | IPInterface | IPv4Address | IPv6Address | str
    table: int | str
    action: FR_ACT | int | str
    tos: int
    fwmark: int
    fwmask: int
    iif: str
    oif: str
    goto: int
    invert: bool
    realms: int
    tun_id: int
    suppress_prefixlen: int
    suppress_ifgroup: int
    l3mdev: bool
    uid_range: tuple[int, int]
    protocol: int
    ip_proto: int
    sport_range: tuple[int, int]
    dport_range: tuple[int, int]
