"""The nf_tables argument kinds, built on :mod:`rawns._check` (the one validation layer).

Each function checks one kind of value the nft API takes and raises
:class:`TypeError`/:class:`ValueError` naming the argument (``what``) and the
value, before anything is encoded: a family keyword, a comment, a userdata
blob, a register value, an interface name in an ``iifname`` match (with nft's
trailing ``*`` wildcard), a protocol name. Numbers, names and plain words go
straight to :mod:`rawns._check` (``uint``, ``sint``, ``nft_name``, ``choice``).

The limits are the kernel's and nft's, cited where they are defined.
"""

from __future__ import annotations

import _socket
from functools import partial

from .. import _check
from .._nfnl import FAMILIES, FAMILY_NAMES
from ._udata import udata_comment

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:
    from typing import TypeVar

    from ..handle import Handle

    T = TypeVar("T")

__all__ = [
    "COMMENT_MAXLEN",
    "NFT_DATA_VALUE_MAXLEN",
    "NFT_USERDATA_MAXLEN",
    "NF_LOG_PREFIXLEN",
    "PORT_PROTOCOLS",
    "PROTOCOLS",
    "comment",
    "comment_matches",
    "data",
    "expect",
    "family",
    "from_here",
    "ifname_match",
    "optional_family",
    "origin",
    "proto_number",
    "userdata",
]

#: include/net/netfilter/nf_tables.h: the longest NFTA_*_USERDATA the kernel takes.
NFT_USERDATA_MAXLEN = 256
#: libnftnl's NFTNL_UDATA_COMMENT_MAXLEN: nft refuses a longer comment ("comment too
#: long, 128 characters maximum allowed", counted by strlen: bytes, without the NUL).
COMMENT_MAXLEN = 128
#: include/uapi/linux/netfilter/nf_log.h, with the NUL (nft_log's policy: len - 1).
NF_LOG_PREFIXLEN = 128
#: include/uapi/linux/netfilter/nf_tables.h: the longest register value (NFTA_DATA_VALUE).
NFT_DATA_VALUE_MAXLEN = 64

#: Protocol names nft knows whatever /etc/protocols says (src/proto.c, netinet/in.h).
PROTOCOLS: dict[str, int] = {
    "icmp": 1,
    "igmp": 2,
    "tcp": 6,
    "udp": 17,
    "dccp": 33,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "ipv6-icmp": 58,
    "icmpv6": 58,
    "comp": 108,
    "sctp": 132,
    "udplite": 136,
}
#: The protocols whose header starts with source and destination ports.
PORT_PROTOCOLS: dict[str, int] = {
    "tcp": 6,
    "udp": 17,
    "dccp": 33,
    "sctp": 132,
    "udplite": 136,
}
_PORT_NUMBERS = frozenset(PORT_PROTOCOLS.values())


def family(value: object, what: str = "family") -> str:
    """An nf_tables family: nft's keyword (``"ip"``), or its NFPROTO number, as the keyword."""
    if isinstance(value, str) and value in FAMILIES:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        name = FAMILY_NAMES.get(value)
        if name is None:
            numbers = ", ".join(f"{n} ({k})" for n, k in FAMILY_NAMES.items())
            raise ValueError(
                f"{what} {value}: unknown nf_tables family number; expected one of {numbers}"
            )
        return name
    if isinstance(value, str):
        raise ValueError(
            f"{what} {_check._show(value)}: unknown nf_tables family; expected one of "
            f"{', '.join(FAMILIES)}"
        )
    return _check.choice(value, what, FAMILIES)  # the TypeError


def optional_family(value: object, what: str = "family") -> str | None:
    return None if value is None else family(value, what)


def expect(value: object, cls: type[T], what: str) -> T:
    """``value`` itself if it is a ``cls``; else a TypeError naming ``what`` and the value."""
    if not isinstance(value, cls):
        raise TypeError(
            f"{what} must be a {cls.__name__}, not {type(value).__name__}: {_check._show(value)}"
        )
    return value


def comment(value: object, what: str = "comment") -> str:
    """A comment nft can store and list: no NUL, at most 128 bytes (nft's own limit)."""
    return _check.text(value, what, max_bytes=COMMENT_MAXLEN, empty=True)


def userdata(value: object, what: str = "userdata") -> bytes:
    """Opaque NFTA_*_USERDATA bytes: at most 256 (the kernel refuses more with EINVAL)."""
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}: {_check._show(value)}")
    if len(value) > NFT_USERDATA_MAXLEN:
        raise ValueError(
            f"{what} is {len(value)} bytes; the kernel takes at most {NFT_USERDATA_MAXLEN}"
        )
    return value


def comment_matches(comment_value: object, userdata_value: object, utype: int, what: str) -> None:
    """Check an object's ``comment`` and ``userdata`` fields together.

    The encoders send ``userdata`` when there is some (it may hold more than
    the comment) and build it from ``comment`` otherwise. So without
    userdata the comment is what is sent, and is checked as such; with
    userdata a comment that says something else would be silently dropped,
    and is refused instead.
    """
    if userdata_value is None:
        if comment_value is not None:
            comment(comment_value, f"{what}.comment")
        return
    raw = userdata(userdata_value, f"{what}.userdata")
    if comment_value is None:
        return
    if not isinstance(comment_value, str):
        raise TypeError(
            f"{what}.comment must be a str, not {type(comment_value).__name__}: "
            f"{_check._show(comment_value)}"
        )
    stored = udata_comment(raw, utype)
    if stored != comment_value:
        raise ValueError(
            f"{what}.comment {_check._show(comment_value)} differs from the comment in its "
            f"userdata ({_check._show(stored)}), which is what would be sent; "
            "leave userdata=None to send a new comment"
        )


def origin(value: object, what: str) -> None:
    """The ``origin`` field: None, or the ``netns_ident`` of the handle that dumped it."""
    if value is None:
        return
    if not (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) for x in value)
    ):
        raise TypeError(
            f"{what} must be None or a Handle's netns_ident (st_dev, st_ino), "
            f"not {_check._show(value)}"
        )


def data(value: object, what: str) -> bytes:
    """A register value (``NFTA_DATA_VALUE``): 1..64 bytes (the kernel refuses others)."""
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}: {_check._show(value)}")
    if not 0 < len(value) <= NFT_DATA_VALUE_MAXLEN:
        raise ValueError(
            f"{what} {_check._show(value)} is {len(value)} bytes; a register value is "
            f"1..{NFT_DATA_VALUE_MAXLEN}"
        )
    return value


def ifname_match(value: object, what: str = "name") -> str:
    """An interface name to match (``iifname``): a literal name, or a prefix and ``*``.

    The name (or the prefix before a trailing ``*``, nft's wildcard) is
    checked as an interface name: 1..15 bytes, no NUL (the kernel compares
    the register up to it, so ``"eth0\\0x"`` would match ``eth0``), no
    ``%``, ``/``, ``:`` or whitespace, which no interface name can hold.
    """
    if type(value) is str and value in _GOOD_IFNAMES:
        return value
    if isinstance(value, str) and value.endswith("*"):
        if value == "*":
            raise ValueError(f"{what} '*' needs a prefix before the wildcard (e.g. 'eth*')")
        _check.ifname(value[:-1], what)
    else:
        _check.ifname(value, what)
    if type(value) is str:  # only a plain str: a subclass may compare equal to another name
        if len(_GOOD_IFNAMES) >= 1024:
            _GOOD_IFNAMES.clear()
        _GOOD_IFNAMES.add(value)
    return value  # type: ignore[return-value]  # a str: checked above


#: Names :func:`ifname_match` found valid. A ruleset names the same few
#: interfaces in rule after rule; whether a name is valid depends on its
#: characters alone, so each is checked in full once.
_GOOD_IFNAMES: set[str] = set()


def proto_number(value: object, what: str = "proto", *, ports: bool = False) -> int:
    """A layer-4 protocol: nft's name (``"tcp"``) or its number, 0..255.

    With ``ports=True`` only protocols whose header starts with ports (tcp,
    udp, udplite, sctp, dccp), as ``tcp dport``/``udp sport`` need.
    """
    if type(value) is str:
        n = PROTOCOLS.get(value)
        if n is None:
            n = _name_number(value, what)
    elif isinstance(value, int) and not isinstance(value, bool):
        n = _check.uint(value, 8, what)
    elif isinstance(value, str):
        n = _name_number(value, what)
    else:
        raise TypeError(
            f"{what} must be a protocol name such as 'tcp' or a number 0..255, "
            f"not {type(value).__name__}: {_check._show(value)}"
        )
    if ports and n not in _PORT_NUMBERS:
        names = ", ".join(f"{k} ({v})" for k, v in PORT_PROTOCOLS.items())
        raise ValueError(
            f"{what} {_check._show(value)} is not a port protocol; expected one of {names}"
        )
    return n


def _name_number(name: str, what: str) -> int:
    n = PROTOCOLS.get(name)
    if n is not None:
        return n
    _check.text(name, what, max_bytes=64)  # refuses NUL, which getprotobyname would choke on
    try:
        return _socket.getprotobyname(name)  # what nft does for other names (/etc/protocols)
    except OSError:
        raise ValueError(
            f"{what} {name!r} is not a protocol name; expected a number 0..255 or one of "
            f"{', '.join(PROTOCOLS)} (or a name in /etc/protocols)"
        ) from None


def from_here(obj: object, h: Handle, what: str) -> None:
    """Refuse ``obj`` if it was dumped through a handle on another namespace than ``h``'s.

    Objects carry ``origin`` (the dumping handle's ``netns_ident``); one made
    by the caller carries None and is taken anywhere.
    """
    o = getattr(obj, "origin", None)
    if o is not None:
        _check.same_netns(o, h, what, partial(str, obj))
