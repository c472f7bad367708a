"""Expressions that load and compare: payload, cmp, range, meta, bitwise, ct, lookup.

Each ``encode_data`` writes the attributes in libnftnl's order (src/expr/*.c,
``nftnl_expr_*_build``), which is what ``nft`` sends; each ``decode_data``
accepts that and the kernel's dump (net/netfilter/nft_*.c, ``*_dump``).
"""

from __future__ import annotations

import struct

from ... import _check
from ..._dataclass import dataclass, field
from ..._nfnl import (
    NFT_BITWISE,
    NFT_CMP,
    NFT_CT,
    NFT_META,
    NFT_RANGE,
    NFTA_BITWISE,
    NFTA_CMP,
    NFTA_CT,
    NFTA_LOOKUP,
    NFTA_META,
    NFTA_PAYLOAD,
    NFTA_RANGE,
)
from ...errors import DecodeError
from .. import _args
from .._codec import (
    Verdict,
    attrs_of,
    be32,
    data_value,
    decode_data,
    get_be32,
    get_str,
    nest,
    strz,
    u8,
)
from ._base import Expr, Unrecognised

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:
    from typing import Self

__all__ = [
    "Bitwise",
    "Cmp",
    "Ct",
    "Lookup",
    "Meta",
    "Payload",
    "Range",
    "hexwords",
]

_WORD = struct.Struct("<I")

_BASES = {0: "link", 1: "network", 2: "transport", 3: "inner"}
_CMP_OPS = {int(v): v.name.lower() for v in NFT_CMP}
_RANGE_OPS = {int(v): v.name.lower() for v in NFT_RANGE}
_META_RENAME = {"IFTYPE": "iiftype", "TIME_NS": "time", "TIME_DAY": "day", "TIME_HOUR": "hour"}
META_KEYS: dict[int, str] = {int(v): _META_RENAME.get(v.name, v.name.lower()) for v in NFT_META}
_CT_RENAME = {"LABELS": "label", "PKTS": "packets", "EVENTMASK": "event"}
CT_KEYS: dict[int, str] = {int(v): _CT_RENAME.get(v.name, v.name.lower()) for v in NFT_CT}


def hexwords(data: bytes) -> str:
    """Register bytes as nft --debug=netlink prints them: 32-bit words, host order."""
    _args.expect(data, bytes, "data")
    if not data:
        return ""
    padded = data + b"\0" * (-len(data) % 4)
    return " ".join(f"0x{_WORD.unpack_from(padded, i)[0]:08x}" for i in range(0, len(padded), 4))


def _need_value(v: bytes | Verdict, what: str) -> bytes:
    if isinstance(v, Verdict):
        raise DecodeError(f"{what} holds a verdict, expected a value")
    return v


#: A u32 attribute (registers, offsets, lengths, keys, ops) is refused outside
#: 0..2**32-1, never masked: ``_check.integer(v, what, 0, _U32)``.
#:
#: Every expression a dump decodes, and most a helper builds, holds plain ints
#: in range and 1..64 value bytes. So each ``__post_init__`` first tests just
#: that, inline (``type(v) is int and 0 <= v <= _U32``: a strict subset of what
#: the checks accept); anything else (an IntEnum member, None where a number belongs,
#: 2**32, a bool, a bytearray) goes to ``_check_fields``, the named checks,
#: which raise or accept. Defaults are plain ints too.
_U32 = 0xFFFFFFFF
_VALUE_MAX = _args.NFT_DATA_VALUE_MAXLEN
_MASK_XOR = int(NFT_BITWISE.MASK_XOR)


def _opt_u32(value: object, what: str) -> None:
    if value is not None:
        _check.integer(value, what, 0, _U32)


@dataclass(frozen=True, slots=True, kw_only=True)
class Payload(Expr):
    """Load ``len`` bytes at ``offset`` of a header into register ``dreg``.

    ``base`` is NFT_PAYLOAD: 0 link, 1 network, 2 transport, 3 inner. With
    ``sreg`` instead of ``dreg`` it writes the packet (``payload write``),
    optionally fixing a checksum (``csum_*``).
    """

    NAME = "payload"
    base: int
    offset: int
    len: int
    dreg: int | None = 1
    sreg: int | None = None
    csum_type: int | None = None
    csum_offset: int | None = None
    csum_flags: int | None = None

    def __post_init__(self) -> None:
        b, o, n, d, s = self.base, self.offset, self.len, self.dreg, self.sreg
        if not (
            type(b) is int
            and type(o) is int
            and type(n) is int
            and 0 <= b <= _U32
            and 0 <= o <= _U32
            and 0 <= n <= _U32
            and (d is None or (type(d) is int and 0 <= d <= _U32))
            and (s is None or (type(s) is int and 0 <= s <= _U32))
            and self.csum_type is None
            and self.csum_offset is None
            and self.csum_flags is None
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        _check.integer(self.base, "Payload.base", 0, _U32)
        _check.integer(self.offset, "Payload.offset", 0, _U32)
        _check.integer(self.len, "Payload.len", 0, _U32)
        _opt_u32(self.dreg, "Payload.dreg")
        _opt_u32(self.sreg, "Payload.sreg")
        _opt_u32(self.csum_type, "Payload.csum_type")
        _opt_u32(self.csum_offset, "Payload.csum_offset")
        _opt_u32(self.csum_flags, "Payload.csum_flags")

    def encode_data(self) -> bytes:
        out = b""
        if self.sreg is not None:
            out += be32(NFTA_PAYLOAD.SREG, self.sreg)
        if self.dreg is not None:
            out += be32(NFTA_PAYLOAD.DREG, self.dreg)
        out += (
            be32(NFTA_PAYLOAD.BASE, self.base)
            + be32(NFTA_PAYLOAD.OFFSET, self.offset)
            + be32(NFTA_PAYLOAD.LEN, self.len)
        )
        if self.csum_type is not None:
            out += be32(NFTA_PAYLOAD.CSUM_TYPE, self.csum_type)
        if self.csum_offset is not None:
            out += be32(NFTA_PAYLOAD.CSUM_OFFSET, self.csum_offset)
        if self.csum_flags is not None:
            out += be32(NFTA_PAYLOAD.CSUM_FLAGS, self.csum_flags)
        return out

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        v: dict[int, int] = {}
        for kind, a, b in attrs_of(data, "payload"):
            if not NFTA_PAYLOAD.DREG <= kind <= NFTA_PAYLOAD.CSUM_FLAGS:
                raise Unrecognised
            v[kind] = get_be32(data, a, b, f"NFTA_PAYLOAD {kind}")
        for k in (NFTA_PAYLOAD.BASE, NFTA_PAYLOAD.OFFSET, NFTA_PAYLOAD.LEN):
            if k not in v:
                raise DecodeError(f"payload without NFTA_PAYLOAD_{NFTA_PAYLOAD(k).name}")
        csum = (
            v.get(NFTA_PAYLOAD.CSUM_TYPE),
            v.get(NFTA_PAYLOAD.CSUM_OFFSET),
            v.get(NFTA_PAYLOAD.CSUM_FLAGS),
        )
        if csum == (0, 0, 0):
            csum = (None, None, None)  # the kernel dumps "no checksum" explicitly
        return cls(
            base=v[NFTA_PAYLOAD.BASE],
            offset=v[NFTA_PAYLOAD.OFFSET],
            len=v[NFTA_PAYLOAD.LEN],
            dreg=v.get(NFTA_PAYLOAD.DREG),
            sreg=v.get(NFTA_PAYLOAD.SREG),
            csum_type=csum[0],
            csum_offset=csum[1],
            csum_flags=csum[2],
        )

    def debug(self) -> str:
        base = _BASES.get(self.base, str(self.base))
        if self.sreg is not None:
            return (
                f"[ payload write reg {self.sreg} => {self.len}b @ {base} header + {self.offset} "
                f"csum_type {self.csum_type or 0} csum_off {self.csum_offset or 0} "
                f"csum_flags 0x{self.csum_flags or 0:x} ]"
            )
        return f"[ payload load {self.len}b @ {base} header + {self.offset} => reg {self.dreg} ]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Cmp(Expr):
    """Compare register ``sreg`` with ``data`` (NFT_CMP: eq, neq, lt, lte, gt, gte)."""

    NAME = "cmp"
    MEMO = False  # values are mostly unique; the template below is cheaper than a lookup
    data: bytes
    op: int = int(NFT_CMP.EQ)
    sreg: int = 1

    def __post_init__(self) -> None:
        d, o, s = self.data, self.op, self.sreg
        if not (
            type(d) is bytes
            and 0 < len(d) <= _VALUE_MAX
            and type(o) is int
            and type(s) is int
            and 0 <= o <= _U32
            and 0 <= s <= _U32
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        _args.data(self.data, "Cmp.data")
        _check.integer(self.op, "Cmp.op", 0, _U32)
        _check.integer(self.sreg, "Cmp.sreg", 0, _U32)

    def encode_data(self) -> bytes:
        return (
            be32(NFTA_CMP.SREG, self.sreg)
            + be32(NFTA_CMP.OP, self.op)
            + nest(NFTA_CMP.DATA, data_value(self.data))
        )

    def _encode(self) -> bytes:
        return self._encode_ending_with((self.sreg, self.op), self.data)

    def _encode_with(self, value: bytes) -> bytes:
        return Expr._encode(Cmp(data=value, op=self.op, sreg=self.sreg))

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        sreg = op = None
        value: bytes | None = None
        for kind, a, b in attrs_of(data, "cmp"):
            if kind == NFTA_CMP.SREG:
                sreg = get_be32(data, a, b)
            elif kind == NFTA_CMP.OP:
                op = get_be32(data, a, b)
            elif kind == NFTA_CMP.DATA:
                value = _need_value(decode_data(data, a, b), "NFTA_CMP_DATA")
            else:
                raise Unrecognised
        if sreg is None or op is None or value is None:
            raise DecodeError("cmp needs NFTA_CMP_SREG, _OP and _DATA")
        return cls(data=value, op=op, sreg=sreg)

    def debug(self) -> str:
        op = _CMP_OPS.get(self.op, str(self.op))
        return f"[ cmp {op} reg {self.sreg} {hexwords(self.data)} ]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Range(Expr):
    """Match register ``sreg`` inside (``op=EQ``) or outside (``NEQ``) ``[low, high]``."""

    NAME = "range"
    low: bytes
    high: bytes
    op: int = int(NFT_RANGE.EQ)
    sreg: int = 1

    def __post_init__(self) -> None:
        lo, hi, o, s = self.low, self.high, self.op, self.sreg
        if not (
            type(lo) is bytes
            and type(hi) is bytes
            and 0 < len(lo) <= _VALUE_MAX
            and 0 < len(hi) <= _VALUE_MAX
            and type(o) is int
            and type(s) is int
            and 0 <= o <= _U32
            and 0 <= s <= _U32
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        _args.data(self.low, "Range.low")
        _args.data(self.high, "Range.high")
        _check.integer(self.op, "Range.op", 0, _U32)
        _check.integer(self.sreg, "Range.sreg", 0, _U32)

    def encode_data(self) -> bytes:
        return (
            be32(NFTA_RANGE.SREG, self.sreg)
            + be32(NFTA_RANGE.OP, self.op)
            + nest(NFTA_RANGE.FROM_DATA, data_value(self.low))
            + nest(NFTA_RANGE.TO_DATA, data_value(self.high))
        )

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        sreg = op = None
        low = high = None
        for kind, a, b in attrs_of(data, "range"):
            if kind == NFTA_RANGE.SREG:
                sreg = get_be32(data, a, b)
            elif kind == NFTA_RANGE.OP:
                op = get_be32(data, a, b)
            elif kind == NFTA_RANGE.FROM_DATA:
                low = _need_value(decode_data(data, a, b), "NFTA_RANGE_FROM_DATA")
            elif kind == NFTA_RANGE.TO_DATA:
                high = _need_value(decode_data(data, a, b), "NFTA_RANGE_TO_DATA")
            else:
                raise Unrecognised
        if sreg is None or op is None or low is None or high is None:
            raise DecodeError("range needs NFTA_RANGE_SREG, _OP, _FROM_DATA and _TO_DATA")
        return cls(low=low, high=high, op=op, sreg=sreg)

    def debug(self) -> str:
        op = _RANGE_OPS.get(self.op, str(self.op))
        return f"[ range {op} reg {self.sreg} {hexwords(self.low)} {hexwords(self.high)} ]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Meta(Expr):
    """Load packet metadata ``key`` (NFT_META: IIFNAME, L4PROTO, MARK ...) into ``dreg``.

    With ``sreg`` instead of ``dreg`` it sets the metadata (``meta mark set``).
    """

    NAME = "meta"
    key: int
    dreg: int | None = 1
    sreg: int | None = None

    def __post_init__(self) -> None:
        k, d, s = self.key, self.dreg, self.sreg
        if not (
            type(k) is int
            and 0 <= k <= _U32
            and (d is None or (type(d) is int and 0 <= d <= _U32))
            and (s is None or (type(s) is int and 0 <= s <= _U32))
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        _check.integer(self.key, "Meta.key", 0, _U32)
        _opt_u32(self.dreg, "Meta.dreg")
        _opt_u32(self.sreg, "Meta.sreg")

    def encode_data(self) -> bytes:
        out = be32(NFTA_META.KEY, self.key)
        if self.dreg is not None:
            out += be32(NFTA_META.DREG, self.dreg)
        if self.sreg is not None:
            out += be32(NFTA_META.SREG, self.sreg)
        return out

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        key = dreg = sreg = None
        for kind, a, b in attrs_of(data, "meta"):
            if kind == NFTA_META.KEY:
                key = get_be32(data, a, b)
            elif kind == NFTA_META.DREG:
                dreg = get_be32(data, a, b)
            elif kind == NFTA_META.SREG:
                sreg = get_be32(data, a, b)
            else:
                raise Unrecognised
        if key is None:
            raise DecodeError("meta without NFTA_META_KEY")
        return cls(key=key, dreg=dreg, sreg=sreg)

    def debug(self) -> str:
        key = META_KEYS.get(self.key, str(self.key))
        if self.sreg is not None:
            return f"[ meta set {key} with reg {self.sreg} ]"
        return f"[ meta load {key} => reg {self.dreg} ]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Bitwise(Expr):
    """``dreg = (sreg & mask) ^ xor`` over ``len`` bytes (prefix masks, ct state bits).

    ``op`` other than MASK_XOR (shifts) uses ``data`` instead of mask/xor.
    """

    NAME = "bitwise"
    len: int
    mask: bytes = b""
    xor: bytes = b""
    sreg: int = 1
    dreg: int = 1
    op: int = _MASK_XOR
    data: bytes | None = None

    def __post_init__(self) -> None:
        n, s, d, o, m, x = self.len, self.sreg, self.dreg, self.op, self.mask, self.xor
        if not (
            type(n) is int
            and type(s) is int
            and type(d) is int
            and type(o) is int
            and 0 <= n <= _U32
            and 0 <= s <= _U32
            and 0 <= d <= _U32
            and o == _MASK_XOR
            and type(m) is bytes
            and type(x) is bytes
            and 0 < len(m) <= _VALUE_MAX
            and 0 < len(x) <= _VALUE_MAX
            and self.data is None
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        _check.integer(self.len, "Bitwise.len", 0, _U32)
        _check.integer(self.sreg, "Bitwise.sreg", 0, _U32)
        _check.integer(self.dreg, "Bitwise.dreg", 0, _U32)
        _check.integer(self.op, "Bitwise.op", 0, _U32)
        if self.op == NFT_BITWISE.MASK_XOR:
            # mask and xor are sent only for MASK_XOR; elsewhere they are ignored
            _args.data(self.mask, "Bitwise.mask")
            _args.data(self.xor, "Bitwise.xor")
        else:
            _args.expect(self.mask, bytes, "Bitwise.mask")
            _args.expect(self.xor, bytes, "Bitwise.xor")
        if self.data is not None:
            _args.data(self.data, "Bitwise.data")

    def encode_data(self) -> bytes:
        out = (
            be32(NFTA_BITWISE.SREG, self.sreg)
            + be32(NFTA_BITWISE.DREG, self.dreg)
            + be32(NFTA_BITWISE.LEN, self.len)
        )
        if self.op != NFT_BITWISE.MASK_XOR:
            out += be32(NFTA_BITWISE.OP, self.op)
        else:
            out += nest(NFTA_BITWISE.MASK, data_value(self.mask))
            out += nest(NFTA_BITWISE.XOR, data_value(self.xor))
        if self.data is not None:
            out += nest(NFTA_BITWISE.DATA, data_value(self.data))
        return out

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        v: dict[int, int] = {}
        mask = xor = b""
        extra: bytes | None = None
        for kind, a, b in attrs_of(data, "bitwise"):
            if kind in (NFTA_BITWISE.SREG, NFTA_BITWISE.DREG, NFTA_BITWISE.LEN, NFTA_BITWISE.OP):
                v[kind] = get_be32(data, a, b)
            elif kind == NFTA_BITWISE.MASK:
                mask = _need_value(decode_data(data, a, b), "NFTA_BITWISE_MASK")
            elif kind == NFTA_BITWISE.XOR:
                xor = _need_value(decode_data(data, a, b), "NFTA_BITWISE_XOR")
            elif kind == NFTA_BITWISE.DATA:
                extra = _need_value(decode_data(data, a, b), "NFTA_BITWISE_DATA")
            else:
                raise Unrecognised
        if NFTA_BITWISE.LEN not in v:
            raise DecodeError("bitwise without NFTA_BITWISE_LEN")
        return cls(
            len=v[NFTA_BITWISE.LEN],
            mask=mask,
            xor=xor,
            sreg=v.get(NFTA_BITWISE.SREG, 1),
            dreg=v.get(NFTA_BITWISE.DREG, 1),
            op=v.get(NFTA_BITWISE.OP, _MASK_XOR),
            data=extra,
        )

    def debug(self) -> str:
        if self.op == NFT_BITWISE.MASK_XOR:
            return (
                f"[ bitwise reg {self.dreg} = ( reg {self.sreg} & {hexwords(self.mask)} ) "
                f"^ {hexwords(self.xor)} ]"
            )
        sym = {NFT_BITWISE.LSHIFT: "<<", NFT_BITWISE.RSHIFT: ">>"}.get(NFT_BITWISE(self.op), "?")
        return (
            f"[ bitwise reg {self.dreg} = ( reg {self.sreg} {sym} {hexwords(self.data or b'')} ) ]"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Ct(Expr):
    """Load conntrack ``key`` (NFT_CT: STATE, MARK, STATUS ...) into ``dreg``.

    ``direction`` (0 original, 1 reply) selects a tuple for address keys;
    ``sreg`` instead of ``dreg`` sets the key (``ct mark set``).
    """

    NAME = "ct"
    key: int
    dreg: int | None = 1
    direction: int | None = None
    sreg: int | None = None

    def __post_init__(self) -> None:
        k, d, s = self.key, self.dreg, self.sreg
        if not (
            type(k) is int
            and 0 <= k <= _U32
            and (d is None or (type(d) is int and 0 <= d <= _U32))
            and s is None
            and self.direction is None
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        _check.integer(self.key, "Ct.key", 0, _U32)
        _opt_u32(self.dreg, "Ct.dreg")
        _check.optional(self.direction, _check.uint, 8, "Ct.direction")
        _opt_u32(self.sreg, "Ct.sreg")

    def encode_data(self) -> bytes:
        out = be32(NFTA_CT.KEY, self.key)
        if self.dreg is not None:
            out += be32(NFTA_CT.DREG, self.dreg)
        if self.direction is not None:
            out += u8(NFTA_CT.DIRECTION, self.direction)
        if self.sreg is not None:
            out += be32(NFTA_CT.SREG, self.sreg)
        return out

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        key = dreg = sreg = direction = None
        for kind, a, b in attrs_of(data, "ct"):
            if kind == NFTA_CT.KEY:
                key = get_be32(data, a, b)
            elif kind == NFTA_CT.DREG:
                dreg = get_be32(data, a, b)
            elif kind == NFTA_CT.SREG:
                sreg = get_be32(data, a, b)
            elif kind == NFTA_CT.DIRECTION:
                if b - a != 1:
                    raise DecodeError(f"NFTA_CT_DIRECTION is {b - a} bytes, expected 1")
                direction = data[a]
            else:
                raise Unrecognised
        if key is None:
            raise DecodeError("ct without NFTA_CT_KEY")
        return cls(key=key, dreg=dreg, direction=direction, sreg=sreg)

    def debug(self) -> str:
        key = CT_KEYS.get(self.key, str(self.key))
        d = ""
        if self.direction is not None:
            d = " , dir " + ("original" if self.direction == 0 else "reply")
        if self.sreg is not None:
            return f"[ ct set {key} with reg {self.sreg} ]"
        return f"[ ct load {key} => reg {self.dreg}{d} ]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Lookup(Expr):
    """Look register ``sreg`` up in set ``set``; with ``dreg`` a map lookup (0 = verdict map).

    ``flags`` 1 (NFT_LOOKUP_F_INV) inverts the match. ``set_id`` names a set
    created in the same batch; the kernel does not report it back, so it does
    not take part in equality.
    """

    NAME = "lookup"
    MEMO = False  # set_id is not part of equality
    set: str
    sreg: int = 1
    dreg: int | None = None
    flags: int = 0
    set_id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        r, d, f, i = self.sreg, self.dreg, self.flags, self.set_id
        _check.nft_name(self.set, "Lookup.set")
        if not (
            type(r) is int
            and type(f) is int
            and 0 <= r <= _U32
            and 0 <= f <= _U32
            and (d is None or (type(d) is int and 0 <= d <= _U32))
            and (i is None or (type(i) is int and 0 <= i <= _U32))
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        _check.integer(self.sreg, "Lookup.sreg", 0, _U32)
        _opt_u32(self.dreg, "Lookup.dreg")
        _check.integer(self.flags, "Lookup.flags", 0, _U32)
        _opt_u32(self.set_id, "Lookup.set_id")

    def encode_data(self) -> bytes:
        out = be32(NFTA_LOOKUP.SREG, self.sreg)
        if self.dreg is not None:
            out += be32(NFTA_LOOKUP.DREG, self.dreg)
        out += strz(NFTA_LOOKUP.SET, self.set)
        if self.set_id is not None:
            out += be32(NFTA_LOOKUP.SET_ID, self.set_id)
        if self.flags:
            out += be32(NFTA_LOOKUP.FLAGS, self.flags)
        return out

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        name = None
        sreg = 1
        dreg = set_id = None
        flags = 0
        for kind, a, b in attrs_of(data, "lookup"):
            if kind == NFTA_LOOKUP.SET:
                name = get_str(data, a, b)
            elif kind == NFTA_LOOKUP.SREG:
                sreg = get_be32(data, a, b)
            elif kind == NFTA_LOOKUP.DREG:
                dreg = get_be32(data, a, b)
            elif kind == NFTA_LOOKUP.SET_ID:
                set_id = get_be32(data, a, b)
            elif kind == NFTA_LOOKUP.FLAGS:
                flags = get_be32(data, a, b)
            else:
                raise Unrecognised
        if name is None:
            raise DecodeError("lookup without NFTA_LOOKUP_SET")
        return cls(set=name, sreg=sreg, dreg=dreg, flags=flags, set_id=set_id)

    def debug(self) -> str:
        out = f"[ lookup reg {self.sreg} set {self.set}"
        if self.dreg is not None:
            out += f" dreg {self.dreg}"
        if self.flags:
            out += f" 0x{self.flags:x}"
        return out + " ]"
