"""The keywords of the neighbour and fdb verbs as TypedDicts (``Unpack[NeighFields]``).

Loaded on first use of one of their names (:mod:`rawns.neigh` forwards them):
mypy reads them, a program rarely does.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TypedDict

from .._inet import IPAddress
from .._rtnl import NTF, NUD
from ..link import LinkRef
from ._fdb import On

__all__ = ["FdbFields", "NeighFields", "NeighMatch"]


class NeighFields(TypedDict, total=False):
    """The keywords of :func:`add`/:func:`replace` (``dev`` and ``dst`` are needed
    unless a :class:`Neighbour` is given). ``None`` leaves a field unset."""

    dev: LinkRef | None
    dst: IPAddress | str | None
    lladdr: str | bytes | None
    state: NUD | int | str
    """Default ``"permanent"``; a name (``"reachable"``, ``"stale"``...) or NUD bits."""
    proxy: bool
    router: bool
    flags: NTF | int | str | Collection[int | str]
    """NTF bits or ``ip neigh``'s names (``"router"``, ``["router", "extern_learn"]``),
    OR-ed with ``proxy``/``router``."""
    protocol: int | None


class NeighMatch(TypedDict, total=False):
    """The keywords of :func:`delete`."""

    dev: LinkRef | None
    dst: IPAddress | str | None
    proxy: bool


class FdbFields(TypedDict, total=False):
    """The keywords of the ``fdb_*`` verbs (``bridge fdb`` words); ``dev`` and ``lladdr``
    are needed unless an entry (a :class:`Neighbour`) is given."""

    dev: LinkRef | None
    lladdr: str | bytes | None
    dst: IPAddress | str
    """The vxlan remote VTEP."""
    vni: int
    port: int
    vlan: int
    """802.1Q id, 1..4094."""
    via: LinkRef
    """The vxlan outgoing interface."""
    src_vni: int
    on: On
    """``"self"`` (the device's own table, default), ``"master"`` (its bridge) or ``"both"``."""
    state: NUD | int | str
    """Default: permanent + noarp, as ``bridge`` sends; ``"reachable"`` for a dynamic entry."""
    sticky: bool
    extern_learn: bool
