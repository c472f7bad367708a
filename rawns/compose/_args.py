"""Argument checks of the compose helpers (rawns._check and rawns._inet, nothing of our own)."""

from __future__ import annotations

from .. import _check
from .._inet import (
    AF_INET,
    AF_INET6,
    IPAddress,
    IPInterface,
    IPNetwork,
    to_address,
    to_interface,
    to_network,
)
from ..link import LinkSpec
from ..netns import Netns


def _address(value: object, what: str, family: int | None = None) -> IPAddress:
    _check.no_zone(value, what)
    if isinstance(value, str) and "/" in value:
        raise ValueError(f"{what} must be an address without a /prefix, not {value!r}")
    return to_address(value, what, family)


def _interface(value: object, what: str) -> IPInterface:
    _check.no_zone(value, what)
    return to_interface(value, what)


def _network(value: object, what: str, family: int | None = None) -> IPNetwork:
    _check.no_zone(value, what)
    return to_network(value, what, family)


def _optional_ifname(value: object, what: str) -> str | None:
    return None if value is None else _check.ifname(value, what)


def _netns(value: object, what: str = "ns") -> Netns:
    if not isinstance(value, Netns):
        raise TypeError(
            f"{what} must be an open rawns.Netns (netns.open/create/new), "
            f"not {type(value).__name__}: {_check._show(value)}"
        )
    if value.closed:
        raise ValueError(f"{what} {value!r} is closed")
    return value


def _spec(value: object, what: str = "spec") -> LinkSpec:
    if not isinstance(value, LinkSpec):
        raise TypeError(
            f"{what} must be a link spec (link.Bridge, link.Veth, ...), "
            f"not {type(value).__name__}: {_check._show(value)}"
        )
    return value


def _family_word(version: int) -> str:
    return "ip6" if version == 6 else "ip"


def _af(version: int) -> int:
    return AF_INET if version == 4 else AF_INET6


def _dst_text(dst: IPNetwork) -> str:
    return "default" if dst.prefixlen == 0 else str(dst)
