"""The keywords of the route verbs as TypedDicts: what ``Unpack[RouteFields]`` checks.

Loaded on first use of one of their names (:mod:`rawns.route` forwards them):
mypy reads them, a program rarely does, and making a TypedDict costs more at
import than the verbs' own code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypedDict

from .._inet import IPAddress, IPNetwork
from ..link import LinkRef
from ._types import Nexthop, RouteProtocol, RouteScope, RouteType

__all__ = ["RouteCommon", "RouteFields", "RouteMatch"]


class RouteFields(TypedDict, total=False):
    """The keywords of :func:`add`/:func:`replace`: :class:`Route`'s fields, ``dev`` for ``oif``.

    ``None`` leaves a field unset (as omitting it does).
    """

    dst: str | IPNetwork | IPAddress | None
    gateway: str | IPAddress | None
    dev: LinkRef | None
    prefsrc: str | IPAddress | None
    metric: int | None
    table: int | None
    protocol: RouteProtocol | int | str | None
    """A number or ``ip``'s name (``"static"``, ``"boot"``, ``"dhcp"``...)."""
    scope: RouteScope | int | str | None
    """A number or a name (``"global"``, ``"link"``, ``"host"``...)."""
    type: RouteType | int | str | None
    """A number or a name (``"unicast"``, ``"blackhole"``, ``"unreachable"``...)."""
    onlink: bool
    mtu: int | None
    nexthops: Sequence[Nexthop] | None
    tos: int | None
    src: str | IPNetwork | None
    pref: int | None
    via: str | IPAddress | None
    """RTA_VIA: an IPv6 gateway of an IPv4 route (``via inet6 GW``)."""
    nhid: int | None
    """RTA_NH_ID: use nexthop object N (:mod:`rawns.nexthop`) as the path."""
    expires: int | None
    """Seconds the route lives (IPv6 only)."""


class RouteCommon(TypedDict, total=False):
    """The shared keywords of :func:`add_many`: :class:`Route`'s fields but ``dst``,
    applied to every destination string (as ``Route(dst=..., **common)``)."""

    gateway: str | IPAddress | None
    oif: int | None
    prefsrc: str | IPAddress | None
    metric: int | None
    table: int | None
    protocol: int | str
    """A number or ``ip``'s name (``"static"``, ``"boot"``, ``"dhcp"``...)."""
    scope: int | str | None
    type: int | str
    flags: int
    onlink: bool
    tos: int
    src: str | IPNetwork | IPAddress | None
    iif: int | None
    mtu: int | None
    metrics: Iterable[tuple[int, int | bytes]]
    nexthops: Iterable[Nexthop]
    pref: int | None
    via: str | IPAddress | None
    nhid: int | None
    expires: int | None
    family: int


class RouteMatch(TypedDict, total=False):
    """The keywords of :func:`delete`: fields to match (unset ones match any route)."""

    dst: str | IPNetwork | IPAddress | None
    gateway: str | IPAddress | None
    dev: LinkRef | None
    prefsrc: str | IPAddress | None
    metric: int | None
    table: int | None
    protocol: RouteProtocol | int | str | None
    scope: RouteScope | int | str | None
    type: RouteType | int | str | None
    tos: int | None
    src: str | IPNetwork | None
    via: str | IPAddress | None
    nhid: int | None
