"""The descriptions of every value kind, which the bad-input suite generates from.

``tests/unit/bad_kinds.py`` reads :data:`KINDS`; a new limit written in a
check belongs in its kind's description here too. :mod:`rawns._check`
re-exports :class:`Kind`, :data:`KINDS` and :func:`describe`.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)

from ._check_core import ALTIFNAMSIZ, IFNAMSIZ, NAME_MAX, NFT_NAME_MAXLEN
from ._dataclass import dataclass

__all__ = ["KINDS", "Kind", "describe"]


@dataclass(frozen=True, slots=True)
class Kind:
    """What one value kind accepts, as data a test can turn into invalid values.

    ``types``: the Python types accepted (anything else is a TypeError).
    ``lo``/``hi``: the integer range (values just outside, far outside, and
    at the next power-of-two boundaries are invalid). ``max_bytes``: the UTF-8
    length limit of a string (one byte more is invalid; so is any NUL).
    ``forbid``: characters refused anywhere in a string. ``bad``: further
    invalid values of an accepted type that the fields above do not imply.
    ``good``: one valid value, to build a call around.
    """

    name: str
    types: tuple[type, ...]
    good: object
    lo: int | None = None
    hi: int | None = None
    max_bytes: int | None = None
    forbid: str = ""
    empty_ok: bool = False
    bad: tuple[object, ...] = ()


def _uint_kind(bits: int, good: int = 1) -> Kind:
    return Kind(f"u{bits}", (int,), good, 0, (1 << bits) - 1)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        _uint_kind(8),
        _uint_kind(16),
        _uint_kind(32),
        _uint_kind(64),
        Kind("s32", (int,), 0, -(1 << 31), (1 << 31) - 1),
        Kind("bool", (bool,), True),
        Kind("ifindex", (int,), 1, 1, 0x7FFFFFFF),
        Kind("port", (int,), 80, 1, 0xFFFF),
        Kind("mtu", (int,), 1500, 68, 65536),
        Kind(
            "ifname",
            (str,),
            "lo",
            max_bytes=IFNAMSIZ - 1,
            forbid="/:% \t\n\0",
            bad=(".", "..", "eth%d", "br%d", "a\u2028b", "\udc80"),
        ),
        Kind("nft_name", (str,), "nat", max_bytes=NFT_NAME_MAXLEN - 1, forbid="\0"),
        Kind(
            "mac",
            (str, bytes),
            "02:00:00:00:00:01",
            bad=(
                "01:00:5e:00:00:01",  # multicast
                "00:00:00:00:00:00",
                "02:00:00:00:00",  # 5 bytes
                "02:00:00:00:00:01:02",  # 7 bytes
                "02:00:00:00:00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f",  # 20 bytes
                b"\x02" * 7,
                "zz:00:00:00:00:01",
                "02:00:00:00:00:01\0",
            ),
        ),
        Kind(
            "lladdr",
            (str, bytes),
            "02:00:00:00:00:01",
            bad=("02:00:00:00:00:01:02", b"\x02" * 20, "", "zz", "02:00:00:00:00:01\0"),
        ),
        Kind(
            "ipaddr",
            (str, IPv4Address, IPv6Address),
            "10.0.0.1",
            bad=("fe80::1%eth0", "10.0.0.256", "10.0.0.1/24", "", "10.0.0.1\0", "::ffff:zz"),
        ),
        Kind(
            "prefix",
            (str, IPv4Network, IPv6Network),
            "10.0.0.0/24",
            bad=("10.0.0.0/33", "10.0.0.1/8", "fe80::%eth0/64", "2001:db8::/129", "x/8", ""),
        ),
        Kind(
            "interface",
            (str, IPv4Interface, IPv6Interface),
            "10.0.0.1/24",
            bad=("10.0.0.1/33", "fe80::1%eth0/64", "10.0.0.1/24\0", "", "/24"),
        ),
        Kind(
            "netns_name",
            (str,),
            "red",
            max_bytes=NAME_MAX,
            forbid="/%\0 \t\n",
            bad=(".", "..", "a\u2028b", "red\x7f", "\udc80"),
        ),
        Kind("pid", (int,), 1, 1, 0x7FFFFFFF),
        Kind("seconds", (int, float), 1.0, lo=0, bad=(float("nan"), float("inf"), -1e-9)),
        # A link reference: a name (as ifname, or an altname: up to 127 bytes) or an
        # index (as ifindex); a Link too.
        Kind(
            "linkref",
            (str, int),
            "lo",
            1,
            0x7FFFFFFF,
            max_bytes=ALTIFNAMSIZ - 1,
            forbid="/:% \t\n\0",
            bad=(".", "..", "eth%d"),
        ),
        Kind(
            "altname",
            (str,),
            "uplink-0",
            max_bytes=ALTIFNAMSIZ - 1,
            forbid="/:% \t\n\0",
            bad=(".", "..", "eth%d", "a\u2028b", "\udc80"),
        ),
        # Where a link goes: an open Netns, or a pid (never 0, never past pid_t).
        Kind("netns_ref", (int,), 1, 1, 0x7FFFFFFF),
        # A namespace named before it is opened (netns_arg): a Netns, a name, an
        # absolute path (str or PathLike), or a pid
        Kind(
            "netns_arg",
            (str, int),
            "red",
            1,
            0x7FFFFFFF,
            max_bytes=NAME_MAX,
            forbid="%\0 \t\n",  # in a name; a "/" makes a path: absolute only
            bad=(".", "..", "a/b", "./red", "red\x7f", "/run/netns/red\0", "/" + "a" * 4095),
        ),
        Kind("vlan", (int,), 1, 1, 4094),  # 0 and 4095 are reserved (fdb_vid_parse)
        Kind("vni", (int,), 1, 0, (1 << 24) - 1),
        # a port range: a (first, last) pair, or one port (as port_range() takes)
        Kind(
            "port_range",
            (tuple, list, int),
            (1000, 2000),
            1,
            0xFFFF,
            bad=((2000, 1000), (0, 80), (1, 65536), (-1, 5), (80,), (1, 2, 3), (1.0, 2), ("1", 2)),
        ),
        Kind("alias", (str,), "uplink", max_bytes=255, empty_ok=True),  # IFALIASZ - 1
        # nf_tables log prefixes: 127 bytes (NF_LOG_PREFIXLEN - 1)
        Kind("nft_text", (str,), "hello", max_bytes=127, empty_ok=True),
        # nf_tables comments: 128 bytes, nft's NFTNL_UDATA_COMMENT_MAXLEN (strlen, no NUL;
        # nft 1.0.6 takes 128 and says "comment too long, 128 characters maximum" at 129)
        Kind("nft_comment", (str,), "hello", max_bytes=128, empty_ok=True),
        Kind("handle", (), None),  # any non-Handle, and a closed Handle
        # traffic control: an int, or tc's spelling with a unit (rawns.tc)
        Kind(
            "tc_rate",
            (int, str),
            "8mbit",
            8,
            (1 << 64) - 1,
            bad=("4", "8xbit", "-1mbit", "1e30bit", "0kbit"),
        ),
        Kind("tc_size", (int, str), "32kbit", 0, 0xFFFFFFFF, bad=("1x", "-1b", "4gb", "kb")),
        Kind("tc_time", (int, float, str), "400ms", bad=("400x", "-1ms", "1e30s", 0, 0.0, 1e-9)),
        Kind("tc_handle", (int, str), "1:", 0, 0xFFFFFFFF, bad=("1:2:3", "10000:", "x:", ":")),
        # kernel enums: a number in range, or a name from the tables above
        Kind("rt_type", (int, str), "unicast", 0, 0xFF, bad=("nosuch", "", "uni cast")),
        Kind("rt_proto", (int, str), "static", 0, 0xFF, bad=("nosuch", "", "static\0")),
        Kind("rt_scope", (int, str), "link", 0, 0xFF, bad=("nosuch", "", "linked")),
        Kind(
            "addr_flags",
            (int, str, list, tuple, set, frozenset),
            "nodad",
            0,
            0xFFFFFFFF,
            bad=("nosuch", "", ("nodad", "nosuch"), ["nodad", 1.5], (2**32,)),
        ),
        Kind("nud_state", (int, str), "permanent", 0, 0xFF, bad=("nosuch", "", "perm")),
        # NTF_* neighbour flags (a u8): bits, a name, or names and bits OR-ed
        Kind(
            "neigh_flags",
            (int, str, list, tuple, set, frozenset),
            "router",
            0,
            0xFF,
            bad=("nosuch", "", ("router", "nosuch"), ["router", 1.5], (256,), "extern-learn"),
        ),
    )
}


def describe(kinds: Sequence[str] = ()) -> list[Kind]:
    """The descriptions of ``kinds`` (all when empty), for tests and docs."""
    return [KINDS[k] for k in kinds] if kinds else list(KINDS.values())
