"""The keywords of the address verbs as TypedDicts: what ``Unpack[AddrFields]`` checks.

Loaded on first use of one of their names (:mod:`rawns.addr` forwards them):
mypy reads them, a program rarely does.
"""

from __future__ import annotations

from collections.abc import Collection
from ipaddress import IPv4Address
from typing import TypedDict

from .._inet import IPAddress, IPInterface
from .._rtnl import IFA_F as AddrFlag
from .._rtnl import RT_SCOPE as RouteScope
from ..link import LinkRef

__all__ = ["AddrFields", "AddrMatch"]


class AddrFields(TypedDict, total=False):
    """The keywords of :func:`add`/:func:`replace`: :class:`Address`'s fields, ``dev`` for
    ``index``. ``None`` leaves a field unset (as omitting it does)."""

    address: str | IPInterface | IPAddress | None
    dev: LinkRef | None
    peer: str | IPAddress | None
    broadcast: str | IPv4Address | None
    label: str | None
    scope: RouteScope | int | str | None
    """A number or ``ip``'s name (``"global"``, ``"link"``, ``"host"``...)."""
    flags: AddrFlag | int | str | Collection[str | int]
    """IFA_F_* bits, or ``ip``'s names: ``"nodad"``, ``("nodad", "noprefixroute")``."""
    valid_lft: int | None
    preferred_lft: int | None
    metric: int | None
    proto: int | None


class AddrMatch(TypedDict, total=False):
    """The keywords of :func:`delete`."""

    address: str | IPInterface | IPAddress | None
    dev: LinkRef | None
    peer: str | IPAddress | None
