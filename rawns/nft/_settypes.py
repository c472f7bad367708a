"""Set and element values as the kernel stores them, and nft's datatypes.

Split from :mod:`rawns.nft.sets` (which re-exports everything here).
"""

from __future__ import annotations

import ipaddress
import struct
from typing import Union

from .. import _check
from .._dataclass import dataclass, field
from .._nfnl import (
    FAMILIES,
    NFT_DATA,
    NFT_SET,
    NFTA_DATA,
    NFTA_SET_ELEM,
)
from .._wire import Attr
from . import _args
from ._codec import (
    Verdict,
    attr,
    be32,
    be64,
    encode_data,
    nest,
)
from .tables import Table

__all__ = ["DATATYPES", "Datatype", "Element", "Set", "Value"]


# nft's byte order codes in set userdata (src/datatype.h: enum byteorder)
_BO_INVALID, _BO_HOST, _BO_BIG = 0, 1, 2
# libnftnl's set userdata TLV types (include/udata.h: enum nftnl_udata_set_types)
_UD_KEYBYTEORDER, _UD_DATABYTEORDER, _UD_MERGE, _UD_DATA_INTERVAL, _UD_COMMENT = 0, 1, 2, 6, 7
# set element userdata (enum nftnl_udata_set_elem_types / _flags)
_UD_ELEM_FLAGS, _ELEM_F_INTERVAL_OPEN = 1, 1


@dataclass(frozen=True, slots=True)
class Datatype:
    """One of nft's datatypes (src/datatype.h: enum datatypes): number, length, byte order."""

    name: str
    id: int
    len: int
    byteorder: int


#: The datatypes rawns can encode element values for, by nft's name.
DATATYPES: dict[str, Datatype] = {
    d.name: d
    for d in (
        Datatype("verdict", 1, 0, _BO_INVALID),
        Datatype("ipv4_addr", 7, 4, _BO_BIG),
        Datatype("ipv6_addr", 8, 16, _BO_BIG),
        Datatype("ether_addr", 9, 6, _BO_BIG),
        Datatype("inet_proto", 12, 1, _BO_INVALID),
        Datatype("inet_service", 13, 2, _BO_BIG),
        Datatype("mark", 19, 4, _BO_HOST),
        Datatype("ifname", 41, 16, _BO_HOST),
    )
}
_BY_ID = {d.id: d for d in DATATYPES.values()}
_U32_HOST = struct.Struct("=I")

Value = Union[  # noqa: UP007 - a runtime alias for element values
    str,
    int,
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
    tuple[object, object],
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Set:
    """A set (or a map, with ``data_type``) of ``table``.

    ``key_type``/``data_type`` are nft datatype numbers (see
    :data:`DATATYPES`; a verdict map has ``data_type`` NFT_DATA_VERDICT),
    ``flags`` NFT_SET (4 interval, 8 map, 16 timeout ...), ``timeout`` in
    milliseconds. ``handle`` and ``id`` do not take part in equality. A
    dumped set remembers the namespace it came from (``origin``); a
    transaction on a handle in another namespace refuses it. Every field is
    checked here (names 1..255 bytes without NUL, numbers in their range).
    """

    family: str
    table: str
    name: str
    key_type: int
    key_len: int
    flags: int = 0
    data_type: int | None = None
    data_len: int | None = None
    policy: int | None = None
    size: int | None = None
    timeout: int | None = None
    gc_interval: int | None = None
    userdata: bytes | None = None
    comment: str | None = None
    handle: int | None = field(default=None, compare=False)
    id: int | None = field(default=None, compare=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        fam = _args.family(self.family, "Set.family")
        if fam is not self.family:
            object.__setattr__(self, "family", fam)
        _check.nft_name(self.table, "Set.table")
        _check.nft_name(self.name, "Set.name")
        _check.uint(self.key_type, 32, "Set.key_type")
        _check.uint(self.key_len, 32, "Set.key_len")
        _check.uint(self.flags, 32, "Set.flags")
        _check.optional(self.data_type, _check.uint, 32, "Set.data_type")
        _check.optional(self.data_len, _check.uint, 32, "Set.data_len")
        _check.optional(self.policy, _check.uint, 32, "Set.policy")
        _check.optional(self.size, _check.uint, 32, "Set.size")
        _check.optional(self.timeout, _check.uint, 64, "Set.timeout")
        _check.optional(self.gc_interval, _check.uint, 32, "Set.gc_interval")
        _args.comment_matches(self.comment, self.userdata, _UD_COMMENT, "Set")
        _check.optional(self.handle, _check.uint, 64, "Set.handle")
        _check.optional(self.id, _check.uint, 32, "Set.id")
        _args.expect(self.attrs, tuple, "Set.attrs")
        _args.origin(self.origin, "Set.origin")

    @property
    def nfproto(self) -> int:
        return FAMILIES[self.family]

    def table_ref(self) -> Table:
        return Table(family=self.family, name=self.table, origin=self.origin)

    @property
    def key(self) -> str:
        """The key datatype's nft name (``ipv4_addr``), or ``type N`` if rawns lacks it."""
        d = _BY_ID.get(self.key_type)
        return d.name if d else f"type {self.key_type}"

    @property
    def data(self) -> str | None:
        """The data datatype's nft name for a map (``verdict``, ``ipv4_addr``), else None."""
        if self.data_type is None:
            return None
        if self.data_type == NFT_DATA.VERDICT:
            return "verdict"
        d = _BY_ID.get(self.data_type)
        return d.name if d else f"type {self.data_type}"

    @property
    def is_map(self) -> bool:
        return bool(self.flags & NFT_SET.MAP)

    @property
    def is_interval(self) -> bool:
        return bool(self.flags & NFT_SET.INTERVAL)

    def __str__(self) -> str:
        kind = "map" if self.is_map else "set"
        return f"{kind} {self.family} {self.table} {self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Element:
    """One set element as the kernel stores it: key bytes, map data, flags.

    ``flags`` 1 (NFT_SET_ELEM_INTERVAL_END) marks the end of an interval.
    ``expiration`` is state and does not take part in equality. ``key``,
    ``key_end`` and value ``data`` are 1..64 bytes (NFT_DATA_VALUE_MAXLEN).
    """

    key: bytes
    data: bytes | Verdict | None = None
    flags: int = 0
    key_end: bytes | None = None
    timeout: int | None = None
    userdata: bytes | None = None
    expiration: int | None = field(default=None, compare=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        _args.data(self.key, "Element.key")
        if self.data is not None and not isinstance(self.data, Verdict):
            _args.data(self.data, "Element.data")
        _check.uint(self.flags, 32, "Element.flags")
        if self.key_end is not None:
            _args.data(self.key_end, "Element.key_end")
        _check.optional(self.timeout, _check.uint, 64, "Element.timeout")
        if self.userdata is not None:
            _args.userdata(self.userdata, "Element.userdata")
        _check.optional(self.expiration, _check.uint, 64, "Element.expiration")
        _args.expect(self.attrs, tuple, "Element.attrs")

    def encode(self) -> bytes:
        """The element's attributes in libnftnl's order (flags, timeout, key, data, udata)."""
        out = be32(NFTA_SET_ELEM.FLAGS, self.flags) if self.flags else b""
        if self.timeout is not None:
            out += be64(NFTA_SET_ELEM.TIMEOUT, self.timeout)
        out += nest(NFTA_SET_ELEM.KEY, attr(NFTA_DATA.VALUE, self.key))
        if self.key_end is not None:
            out += nest(NFTA_SET_ELEM.KEY_END, attr(NFTA_DATA.VALUE, self.key_end))
        if self.data is not None:
            out += nest(NFTA_SET_ELEM.DATA, encode_data(self.data))
        if self.userdata is not None:
            out += attr(NFTA_SET_ELEM.USERDATA, self.userdata)
        return out
