"""Set and element values as the kernel stores them, and nft's datatypes.

Split from :mod:`rawns.nft.sets` (which re-exports everything here).
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from .._nfnl import (
    NFT_DATA,
    NFT_SET,
    NFTA_DATA,
    NFTA_SET_ELEM,
)
from .._wire import Attr
from ._codec import (
    Verdict,
    attr,
    be32,
    be64,
    encode_data,
    nest,
)
from .tables import Table

if TYPE_CHECKING:
    pass

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
    milliseconds. ``handle`` and ``id`` do not take part in equality.
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

    def __post_init__(self) -> None:
        Table(family=self.family, name=self.table)
        if not self.name:
            raise ValueError("a set needs a name")

    @property
    def nfproto(self) -> int:
        return Table(family=self.family, name=self.table).nfproto

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
    ``expiration`` is state and does not take part in equality.
    """

    key: bytes
    data: bytes | Verdict | None = None
    flags: int = 0
    key_end: bytes | None = None
    timeout: int | None = None
    userdata: bytes | None = None
    expiration: int | None = field(default=None, compare=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)

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
