"""Argument helpers of :mod:`rawns.rule`: prefixes, ranges, ports and families, checked."""

from __future__ import annotations

from . import _check
from ._inet import ip, to_network

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from ipaddress import IPv4Interface, IPv4Network, IPv6Interface, IPv6Network

    Prefix = IPv4Network | IPv6Network | IPv4Interface | IPv6Interface

#: RTNL_FAMILY_IPMR / RTNL_FAMILY_IP6MR: multicast routing rules, dumped with AF_UNSPEC.
RTNL_FAMILY_IPMR = 128
RTNL_FAMILY_IP6MR = 129


def _norm_prefix(value: object, what: str) -> Prefix | None:
    """A rule's ``from``/``to``: ``"all"``/None, a prefix, or an address (a host prefix).

    Host bits below the prefix length (``"10.1.2.3/8"``) are refused, as for
    routes: ``ip rule`` would send them and the kernel would keep them (it
    matches under the mask, and ``ip rule del from 10.0.0.0/8`` would then not
    find the rule). An :class:`~ipaddress.IPv4Interface` (or IPv6) value says
    so explicitly and is kept as it is: that is how :func:`parse_rule`
    reports such a rule (made by ``ip``), so that it round-trips.
    """
    if value is None or (isinstance(value, str) and value == "all"):
        return None
    _check.no_zone(value, f"rule {what}")
    if isinstance(value, ip.IPv4Interface | ip.IPv6Interface):
        if value.ip == value.network.network_address:
            return value.network
        return value
    return to_network(value, f"rule {what}")


def _addr(p: Prefix) -> bytes:
    """The address a prefix sends (host bits included for an interface value)."""
    if isinstance(p, ip.IPv4Interface | ip.IPv6Interface):
        return p.ip.packed
    return p.network_address.packed


def _plen(p: Prefix) -> int:
    if isinstance(p, ip.IPv4Interface | ip.IPv6Interface):
        return p.network.prefixlen
    return p.prefixlen


def _range(value: object, bits: int, what: str, hi: int | None = None) -> tuple[int, int] | None:
    """An inclusive ``(start, end)`` pair of ``bits``-bit values (at most ``hi``), start <= end."""
    if value is None:
        return None
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(f"rule {what} must be a (start, end) pair, not {_check._show(value)}")
    top = (1 << bits) - 1 if hi is None else hi
    lo = _check.integer(value[0], f"rule {what} start", 0, top)
    hi = _check.integer(value[1], f"rule {what} end", 0, top)
    if lo > hi:
        raise ValueError(f"rule {what} {_check._show(value)}: start is after end")
    return (lo, hi)


def _ports(value: object, what: str) -> tuple[int, int] | None:
    """A port range as the kernel takes it (fib_rule_port_range_valid: 1..65534)."""
    if value is None:
        return None
    lo, hi = _check.port_range(value, f"rule {what}")
    if hi == 0xFFFF:
        raise ValueError(f"rule {what} {_check._show(value)}: the kernel takes ports 1..65534")
    return (lo, hi)


_FAMILIES = {"inet": 2, "inet6": 10, "ipv4": 2, "ipv6": 10, "4": 2, "6": 10}
#: AF_UNSPEC (from the prefixes), AF_INET, AF_INET6, RTNL_FAMILY_IPMR, RTNL_FAMILY_IP6MR
_FAMILY_NUMBERS = (0, 2, 10, RTNL_FAMILY_IPMR, RTNL_FAMILY_IP6MR)


def _family(value: object, what: str) -> int:
    if isinstance(value, str):
        key = value.lower()
        if key in _FAMILIES:
            return _FAMILIES[key]
        _check.choice(value, what, _FAMILIES)  # raises, naming the value
    fam = _check.uint(value, 8, what)
    if fam not in _FAMILY_NUMBERS:
        raise ValueError(
            f"{what} must be inet, inet6 or one of {', '.join(map(str, _FAMILY_NUMBERS))}; "
            f"not {value!r}"
        )
    return fam
