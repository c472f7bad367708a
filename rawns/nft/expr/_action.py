"""Expressions that act: immediate (values and verdicts), counter, nat, masq, redir,
reject, limit, log.

Normalisation on decode (what the kernel fills in by itself, so that a dumped
expression equals the one written; net/netfilter/nft_nat.c, nft_masq.c,
nft_redir.c, nft_reject.c):

- ``nat``: the kernel reports ``REG_ADDR_MAX``/``REG_PROTO_MAX`` equal to the
  minimum when only the minimum was given, and adds ``NF_NAT_RANGE_MAP_IPS``
  to the flags whenever an address register is set; both are dropped.
- ``masq``/``redir``: a ``REG_PROTO_MAX`` equal to the minimum is dropped.
- ``reject``: the kernel omits ``ICMP_CODE`` for a TCP reset; it reads as 0.
- ``counter``: the packet and byte counts are state, not configuration; they
  are kept but do not take part in equality.
"""

from __future__ import annotations

import builtins

from ... import _check, _dataclass
from ..._dataclass import dataclass, field
from ..._nfnl import (
    NF_NAT_RANGE,
    NFPROTO,
    NFT_LIMIT,
    NFT_NAT,
    NFT_REJECT,
    NFTA_COUNTER,
    NFTA_IMMEDIATE,
    NFTA_LIMIT,
    NFTA_LOG,
    NFTA_MASQ,
    NFTA_NAT,
    NFTA_REDIR,
    NFTA_REJECT,
)
from ...errors import DecodeError
from .. import _args
from .._codec import (
    Verdict,
    attrs_of,
    be16,
    be32,
    be64,
    decode_data,
    encode_data,
    get_be32,
    get_be64,
    get_str,
    nest,
    strz,
    u8,
)
from ._base import Expr, Unrecognised
from ._match import _U32, _VALUE_MAX, _opt_u32, hexwords

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:
    from typing import Self

__all__ = ["Counter", "Immediate", "Limit", "Log", "Masq", "Nat", "Redir", "Reject"]

_NAT_FAMILIES = {int(NFPROTO.IPV4): "ip", int(NFPROTO.IPV6): "ip6", int(NFPROTO.INET): "inet"}
_U64 = (1 << 64) - 1
_MAP_IPS = int(NF_NAT_RANGE.MAP_IPS)  # a plain int: flags stay ints (IntFlag & would not)
_LOGLEVEL_MAX = 8  # NFT_LOGLEVEL_AUDIT (include/uapi/linux/netfilter/nf_tables.h)
_LIMIT_UNITS = {1: "second", 60: "minute", 3600: "hour", 86400: "day", 604800: "week"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Immediate(Expr):
    """Load a constant into ``dreg``: a value, or a :class:`Verdict` into register 0."""

    NAME = "immediate"
    MEMO = False  # values are mostly unique; see _encode
    data: bytes | Verdict
    dreg: int = 0

    def __post_init__(self) -> None:
        # The fast path first, as in _match (plain ints; the Verdict checked itself).
        d, r = self.data, self.dreg
        if not (
            (type(d) is Verdict or (type(d) is bytes and 0 < len(d) <= _VALUE_MAX))
            and type(r) is int
            and 0 <= r <= _U32
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        if not isinstance(self.data, Verdict):
            _args.data(self.data, "Immediate.data")
        _check.integer(self.dreg, "Immediate.dreg", 0, _U32)

    def encode_data(self) -> bytes:
        return be32(NFTA_IMMEDIATE.DREG, self.dreg) + nest(
            NFTA_IMMEDIATE.DATA, encode_data(self.data)
        )

    def _encode(self) -> bytes:
        if isinstance(self.data, Verdict):
            return Expr._encode(self)
        return self._encode_ending_with((self.dreg,), self.data)

    def _encode_with(self, value: bytes) -> bytes:
        return Expr._encode(Immediate(data=value, dreg=self.dreg))

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        dreg = None
        value: bytes | Verdict | None = None
        for kind, a, b in attrs_of(data, "immediate"):
            if kind == NFTA_IMMEDIATE.DREG:
                dreg = get_be32(data, a, b)
            elif kind == NFTA_IMMEDIATE.DATA:
                value = decode_data(data, a, b)
            else:
                raise Unrecognised
        if dreg is None or value is None:
            raise DecodeError("immediate needs NFTA_IMMEDIATE_DREG and _DATA")
        return cls(data=value, dreg=dreg)

    def debug(self) -> str:
        if isinstance(self.data, Verdict):
            v = self.data.kind + (f" -> {self.data.chain}" if self.data.chain else "")
            return f"[ immediate reg {self.dreg} {v} ]"
        return f"[ immediate reg {self.dreg} {hexwords(self.data)} ]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Counter(Expr):
    """Count packets and bytes. The counts are state: excluded from equality."""

    NAME = "counter"
    MEMO = False  # the counts are not part of equality
    packets: int = field(default=0, compare=False)
    bytes: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        p, b = self.packets, self.bytes
        if not (type(p) is int and type(b) is int and 0 <= p <= _U64 and 0 <= b <= _U64):
            self._check_fields()

    def _check_fields(self) -> None:
        _check.uint(self.packets, 64, "Counter.packets")
        _check.uint(self.bytes, 64, "Counter.bytes")

    def encode_data(self) -> builtins.bytes:
        if not (self.packets or self.bytes):
            return b""
        return be64(NFTA_COUNTER.BYTES, self.bytes) + be64(NFTA_COUNTER.PACKETS, self.packets)

    @classmethod
    def decode_data(cls, data: builtins.bytes) -> Self:
        packets = nbytes = 0
        for kind, a, b in attrs_of(data, "counter"):
            if kind == NFTA_COUNTER.BYTES:
                nbytes = get_be64(data, a, b)
            elif kind == NFTA_COUNTER.PACKETS:
                packets = get_be64(data, a, b)
            elif kind == NFTA_COUNTER.PAD:
                continue
            else:
                raise Unrecognised
        return cls(packets=packets, bytes=nbytes)

    def debug(self) -> str:
        return f"[ counter pkts {self.packets} bytes {self.bytes} ]"


def _regs_debug(pairs: list[tuple[str, int | None]]) -> str:
    return "".join(f" {name} reg {reg}" for name, reg in pairs if reg is not None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Nat(Expr):
    """Source or destination NAT to the address/port range held in registers.

    ``type`` is NFT_NAT (0 snat, 1 dnat); ``family`` the address family
    (NFPROTO_IPV4/IPV6); ``flags`` NF_NAT_RANGE (2 = PROTO_SPECIFIED, as nft
    sets whenever a port is given; 4 random, 8 persistent, 16 fully random).
    """

    NAME = "nat"
    type: int
    family: int
    reg_addr_min: int | None = None
    reg_addr_max: int | None = None
    reg_proto_min: int | None = None
    reg_proto_max: int | None = None
    flags: int = 0

    def __post_init__(self) -> None:
        t, f, fl = self.type, self.family, self.flags
        a, b, c, d = self.reg_addr_min, self.reg_addr_max, self.reg_proto_min, self.reg_proto_max
        if not (
            type(t) is int
            and type(f) is int
            and type(fl) is int
            and 0 <= t <= _U32
            and 0 <= f <= _U32
            and 0 <= fl <= _U32
            and (a is None or (type(a) is int and 0 <= a <= _U32))
            and (b is None or (type(b) is int and 0 <= b <= _U32))
            and (c is None or (type(c) is int and 0 <= c <= _U32))
            and (d is None or (type(d) is int and 0 <= d <= _U32))
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        _check.integer(self.type, "Nat.type", 0, _U32)
        _check.integer(self.family, "Nat.family", 0, _U32)
        _opt_u32(self.reg_addr_min, "Nat.reg_addr_min")
        _opt_u32(self.reg_addr_max, "Nat.reg_addr_max")
        _opt_u32(self.reg_proto_min, "Nat.reg_proto_min")
        _opt_u32(self.reg_proto_max, "Nat.reg_proto_max")
        _check.integer(self.flags, "Nat.flags", 0, _U32)

    def encode_data(self) -> bytes:
        out = be32(NFTA_NAT.TYPE, self.type) + be32(NFTA_NAT.FAMILY, self.family)
        if self.reg_addr_min is not None:
            out += be32(NFTA_NAT.REG_ADDR_MIN, self.reg_addr_min)
        if self.reg_addr_max is not None:
            out += be32(NFTA_NAT.REG_ADDR_MAX, self.reg_addr_max)
        if self.reg_proto_min is not None:
            out += be32(NFTA_NAT.REG_PROTO_MIN, self.reg_proto_min)
        if self.reg_proto_max is not None:
            out += be32(NFTA_NAT.REG_PROTO_MAX, self.reg_proto_max)
        if self.flags:
            out += be32(NFTA_NAT.FLAGS, self.flags)
        return out

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        v: dict[int, int] = {}
        for kind, a, b in attrs_of(data, "nat"):
            if not NFTA_NAT.TYPE <= kind <= NFTA_NAT.FLAGS:
                raise Unrecognised
            v[kind] = get_be32(data, a, b, f"NFTA_NAT {kind}")
        if NFTA_NAT.TYPE not in v or NFTA_NAT.FAMILY not in v:
            raise DecodeError("nat needs NFTA_NAT_TYPE and _FAMILY")
        amin = v.get(NFTA_NAT.REG_ADDR_MIN)
        amax = v.get(NFTA_NAT.REG_ADDR_MAX)
        pmin = v.get(NFTA_NAT.REG_PROTO_MIN)
        pmax = v.get(NFTA_NAT.REG_PROTO_MAX)
        flags = v.get(NFTA_NAT.FLAGS, 0)
        if amin is not None:
            flags &= ~_MAP_IPS  # set by the kernel itself (nft_nat_init)
        return cls(
            type=v[NFTA_NAT.TYPE],
            family=v[NFTA_NAT.FAMILY],
            reg_addr_min=amin,
            reg_addr_max=None if amax == amin else amax,
            reg_proto_min=pmin,
            reg_proto_max=None if pmax == pmin else pmax,
            flags=flags,
        )

    def debug(self) -> str:
        kind = "snat" if self.type == NFT_NAT.SNAT else "dnat"
        fam = _NAT_FAMILIES.get(self.family, str(self.family))
        regs = _regs_debug(
            [
                ("addr_min", self.reg_addr_min),
                ("addr_max", self.reg_addr_max),
                ("proto_min", self.reg_proto_min),
                ("proto_max", self.reg_proto_max),
            ]
        )
        flags = f" flags 0x{self.flags:x}" if self.flags else ""
        return f"[ nat {kind} {fam}{regs}{flags} ]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Masq(Expr):
    """Masquerade: SNAT to the output interface's address (optionally a port range)."""

    NAME = "masq"
    flags: int = 0
    reg_proto_min: int | None = None
    reg_proto_max: int | None = None

    def __post_init__(self) -> None:
        f, c, d = self.flags, self.reg_proto_min, self.reg_proto_max
        if not (
            type(f) is int
            and 0 <= f <= _U32
            and (c is None or (type(c) is int and 0 <= c <= _U32))
            and (d is None or (type(d) is int and 0 <= d <= _U32))
        ):
            self._check_fields()

    def _check_fields(self) -> None:
        _check.integer(self.flags, "Masq.flags", 0, _U32)
        _opt_u32(self.reg_proto_min, "Masq.reg_proto_min")
        _opt_u32(self.reg_proto_max, "Masq.reg_proto_max")

    def encode_data(self) -> bytes:
        out = be32(NFTA_MASQ.FLAGS, self.flags) if self.flags else b""
        if self.reg_proto_min is not None:
            out += be32(NFTA_MASQ.REG_PROTO_MIN, self.reg_proto_min)
        if self.reg_proto_max is not None:
            out += be32(NFTA_MASQ.REG_PROTO_MAX, self.reg_proto_max)
        return out

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        v: dict[int, int] = {}
        for kind, a, b in attrs_of(data, "masq"):
            if not NFTA_MASQ.FLAGS <= kind <= NFTA_MASQ.REG_PROTO_MAX:
                raise Unrecognised
            v[kind] = get_be32(data, a, b, f"NFTA_MASQ {kind}")
        pmin = v.get(NFTA_MASQ.REG_PROTO_MIN)
        pmax = v.get(NFTA_MASQ.REG_PROTO_MAX)
        return cls(
            flags=v.get(NFTA_MASQ.FLAGS, 0),
            reg_proto_min=pmin,
            reg_proto_max=None if pmax == pmin else pmax,
        )

    def debug(self) -> str:
        regs = _regs_debug([("proto_min", self.reg_proto_min), ("proto_max", self.reg_proto_max)])
        flags = f" flags 0x{self.flags:x}" if self.flags else ""
        return f"[ masq{regs}{flags} ]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Redir(Expr):
    """Redirect to the local machine (optionally to the port range held in registers)."""

    NAME = "redir"
    reg_proto_min: int | None = None
    reg_proto_max: int | None = None
    flags: int = 0

    def __post_init__(self) -> None:
        _opt_u32(self.reg_proto_min, "Redir.reg_proto_min")
        _opt_u32(self.reg_proto_max, "Redir.reg_proto_max")
        _check.integer(self.flags, "Redir.flags", 0, _U32)

    def encode_data(self) -> bytes:
        out = b""
        if self.reg_proto_min is not None:
            out += be32(NFTA_REDIR.REG_PROTO_MIN, self.reg_proto_min)
        if self.reg_proto_max is not None:
            out += be32(NFTA_REDIR.REG_PROTO_MAX, self.reg_proto_max)
        if self.flags:
            out += be32(NFTA_REDIR.FLAGS, self.flags)
        return out

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        v: dict[int, int] = {}
        for kind, a, b in attrs_of(data, "redir"):
            if not NFTA_REDIR.REG_PROTO_MIN <= kind <= NFTA_REDIR.FLAGS:
                raise Unrecognised
            v[kind] = get_be32(data, a, b, f"NFTA_REDIR {kind}")
        pmin = v.get(NFTA_REDIR.REG_PROTO_MIN)
        pmax = v.get(NFTA_REDIR.REG_PROTO_MAX)
        return cls(
            reg_proto_min=pmin,
            reg_proto_max=None if pmax == pmin else pmax,
            flags=v.get(NFTA_REDIR.FLAGS, 0),
        )

    def debug(self) -> str:
        regs = _regs_debug([("proto_min", self.reg_proto_min), ("proto_max", self.reg_proto_max)])
        flags = f" flags 0x{self.flags:x}" if self.flags else ""
        return f"[ redir{regs}{flags} ]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reject(Expr):
    """Reject: ``type`` NFT_REJECT (0 ICMP unreachable, 1 TCP reset, 2 ICMPx) and ``code``."""

    NAME = "reject"
    type: int = NFT_REJECT.ICMPX_UNREACH
    code: int = 1

    def __post_init__(self) -> None:
        _check.integer(self.type, "Reject.type", 0, _U32)
        _check.uint(self.code, 8, "Reject.code")  # NFTA_REJECT_ICMP_CODE is a u8

    def encode_data(self) -> bytes:
        return be32(NFTA_REJECT.TYPE, self.type) + u8(NFTA_REJECT.ICMP_CODE, self.code)

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        rtype = None
        code = 0
        for kind, a, b in attrs_of(data, "reject"):
            if kind == NFTA_REJECT.TYPE:
                rtype = get_be32(data, a, b)
            elif kind == NFTA_REJECT.ICMP_CODE:
                if b - a != 1:
                    raise DecodeError(f"NFTA_REJECT_ICMP_CODE is {b - a} bytes, expected 1")
                code = data[a]
            else:
                raise Unrecognised
        if rtype is None:
            raise DecodeError("reject without NFTA_REJECT_TYPE")
        return cls(type=rtype, code=code)

    def debug(self) -> str:
        return f"[ reject type {self.type} code {self.code} ]"


@dataclass(frozen=True, slots=True, kw_only=True)
class Limit(Expr):
    """Rate limit: ``rate`` per ``unit`` seconds, ``burst``; ``type`` 0 packets, 1 bytes.

    ``flags`` 1 (NFT_LIMIT_F_INV) matches *over* the rate.
    """

    NAME = "limit"
    rate: int
    unit: int = 1
    burst: int = 5
    type: int = NFT_LIMIT.PKTS
    flags: int = 0

    def __post_init__(self) -> None:
        _check.uint(self.rate, 64, "Limit.rate")
        _check.uint(self.unit, 64, "Limit.unit")
        _check.integer(self.burst, "Limit.burst", 0, _U32)
        _check.integer(self.type, "Limit.type", 0, _U32)
        _check.integer(self.flags, "Limit.flags", 0, _U32)

    def encode_data(self) -> bytes:
        return (
            be64(NFTA_LIMIT.RATE, self.rate)
            + be64(NFTA_LIMIT.UNIT, self.unit)
            # libnftnl sends a burst only when one is set (a byte limit has none)
            + (be32(NFTA_LIMIT.BURST, self.burst) if self.burst else b"")
            + be32(NFTA_LIMIT.TYPE, self.type)
            + be32(NFTA_LIMIT.FLAGS, self.flags)
        )

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        v: dict[int, int] = {}
        for kind, a, b in attrs_of(data, "limit"):
            if kind in (NFTA_LIMIT.RATE, NFTA_LIMIT.UNIT):
                v[kind] = get_be64(data, a, b)
            elif kind in (NFTA_LIMIT.BURST, NFTA_LIMIT.TYPE, NFTA_LIMIT.FLAGS):
                v[kind] = get_be32(data, a, b)
            elif kind == NFTA_LIMIT.PAD:
                continue
            else:
                raise Unrecognised
        if NFTA_LIMIT.RATE not in v or NFTA_LIMIT.UNIT not in v:
            raise DecodeError("limit needs NFTA_LIMIT_RATE and _UNIT")
        return cls(
            rate=v[NFTA_LIMIT.RATE],
            unit=v[NFTA_LIMIT.UNIT],
            burst=v.get(NFTA_LIMIT.BURST, 0),
            type=v.get(NFTA_LIMIT.TYPE, NFT_LIMIT.PKTS),
            flags=v.get(NFTA_LIMIT.FLAGS, 0),
        )

    def debug(self) -> str:
        unit = _LIMIT_UNITS.get(self.unit, f"{self.unit}s")
        kind = "packets" if self.type == NFT_LIMIT.PKTS else "bytes"
        return (
            f"[ limit rate {self.rate}/{unit} burst {self.burst} type {kind} "
            f"flags 0x{self.flags:x} ]"
        )


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Log(Expr):
    """Log the packet: to syslog at ``level`` (with ``flags``), or to nflog ``group``.

    Equality follows what the kernel does, not which attributes were sent: a
    syslog ``level`` of None is the kernel's default, 4 (warn), and the
    kernel reports it explicitly; ``flags`` None is 0.
    """

    NAME = "log"
    MEMO = False  # equality follows the kernel, not the attributes sent
    prefix: str | None = None
    group: int | None = None
    snaplen: int | None = None
    qthreshold: int | None = None
    level: int | None = None
    flags: int | None = None

    def __post_init__(self) -> None:
        if self.prefix is not None:
            # NF_LOG_PREFIXLEN counts the NUL; a NUL inside would end the prefix there
            _check.text(self.prefix, "Log.prefix", max_bytes=_args.NF_LOG_PREFIXLEN - 1, empty=True)
        _check.optional(self.group, _check.uint, 16, "Log.group")
        _opt_u32(self.snaplen, "Log.snaplen")
        _check.optional(self.qthreshold, _check.uint, 16, "Log.qthreshold")
        if self.level is not None:  # nft_log_init refuses above NFT_LOGLEVEL_AUDIT (8)
            _check.integer(self.level, "Log.level", 0, _LOGLEVEL_MAX)
        _opt_u32(self.flags, "Log.flags")

    def encode_data(self) -> bytes:
        out = b""
        if self.prefix is not None:
            out += strz(NFTA_LOG.PREFIX, self.prefix)
        if self.group is not None:
            out += be16(NFTA_LOG.GROUP, self.group)
        if self.snaplen is not None:
            out += be32(NFTA_LOG.SNAPLEN, self.snaplen)
        if self.qthreshold is not None:
            out += be16(NFTA_LOG.QTHRESHOLD, self.qthreshold)
        if self.level is not None:
            out += be32(NFTA_LOG.LEVEL, self.level)
        if self.flags is not None:
            out += be32(NFTA_LOG.FLAGS, self.flags)
        return out

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        prefix = None
        v: dict[int, int] = {}
        for kind, a, b in attrs_of(data, "log"):
            if kind == NFTA_LOG.PREFIX:
                prefix = get_str(data, a, b)
            elif kind in (NFTA_LOG.GROUP, NFTA_LOG.QTHRESHOLD):
                if b - a != 2:
                    raise DecodeError(f"NFTA_LOG attribute {kind} is {b - a} bytes, expected 2")
                v[kind] = int.from_bytes(data[a:b], "big")
            elif kind in (NFTA_LOG.SNAPLEN, NFTA_LOG.LEVEL, NFTA_LOG.FLAGS):
                v[kind] = get_be32(data, a, b)
            else:
                raise Unrecognised
        return cls(
            prefix=prefix,
            group=v.get(NFTA_LOG.GROUP),
            snaplen=v.get(NFTA_LOG.SNAPLEN),
            qthreshold=v.get(NFTA_LOG.QTHRESHOLD),
            level=v.get(NFTA_LOG.LEVEL),
            flags=v.get(NFTA_LOG.FLAGS),
        )

    @classmethod
    def decode_dump(cls, data: bytes) -> Self:
        # The kernel always reports the syslog level; nft leaves the default
        # (warn) out, both when it sends and when it lists. Do as nft does.
        log = cls.decode_data(data)
        if log.group is None and log.level == 4:
            return _dataclass.replace(log, level=None)
        return log

    def _key(self) -> tuple[object, ...]:
        level = self.level
        if self.group is None and level is None:
            level = 4  # LOGLEVEL_WARNING, nft_log_init's default
        return (self.prefix, self.group, self.snaplen, self.qthreshold, level, self.flags or 0)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Log):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def debug(self) -> str:
        parts = ["[ log"]
        if self.prefix is not None:
            parts.append(f"prefix {self.prefix}")
        if self.group is not None:
            parts.append(f"group {self.group} snaplen {self.snaplen or 0}")
            parts.append(f"qthreshold {self.qthreshold or 0}")
        if self.level is not None:
            parts.append(f"level {self.level}")
        if self.flags:
            parts.append(f"flags {self.flags}")
        return " ".join(parts) + " ]"
