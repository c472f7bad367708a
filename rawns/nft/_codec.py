"""Attribute encoders and decoders shared by the nf_tables objects and expressions.

The vocabulary is :mod:`rawns._wire`'s (``nla``, ``nla_be32``, ``nla_strz``,
``nla_nest`` ..., one attribute as bytes): :func:`attr` and :func:`nest` are
re-exports, and the typed helpers below only add nf_tables' refusals (a value
that does not fit, a NUL inside a name) with messages that name the attribute.
Expressions build by ``bytes`` concatenation rather than a :class:`Writer`
per expression: a ruleset is thousands of small expressions (see
docs/benchmarks.md).

Byte order (STYLE 4): nf_tables numbers are big-endian on the wire
(``NLA_U32`` attributes go through ``ntohl`` in net/netfilter/nf_tables_api.c),
except register *contents* (``NFTA_DATA_VALUE``), which are raw bytes in
whatever order the matched field has (``meta mark`` is host order, ports and
addresses network order).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from .. import _check
from .._dataclass import dataclass
from .._nfnl import NF_VERDICT, NFT_VERDICT, NFTA_DATA, NFTA_VERDICT
from .._wire import (
    BE32,
    BE64,
    NLA_TYPE_MASK,
    SBE32,
    attr_str,
    iter_attrs,
    nla_be16,
    nla_be32,
    nla_be64,
    nla_strz,
    nla_u8,
)
from .._wire import nla as attr
from .._wire import nla_nest as nest
from ..errors import DecodeError

__all__ = [
    "Verdict",
    "attr",
    "attrs_of",
    "be16",
    "be32",
    "be64",
    "data_value",
    "decode_data",
    "encode_data",
    "get_be32",
    "get_be64",
    "get_s32",
    "get_str",
    "nest",
    "strz",
    "u8",
]


def be32(atype: int, value: int) -> bytes:
    """A 32-bit big-endian attribute; negative values (priorities, verdicts) as s32.

    The specs check every field at construction; this refusal is the last
    line, so that nothing out of range is ever masked into the field.
    """
    if not -0x80000000 <= value <= 0xFFFFFFFF:
        raise ValueError(f"nf_tables attribute {atype}: {value!r} does not fit 32 bits")
    return nla_be32(atype, value & 0xFFFFFFFF)


def be64(atype: int, value: int) -> bytes:
    try:
        return nla_be64(atype, value)
    except struct.error:  # a caller's value (a counter, a rate): name it
        raise ValueError(f"nf_tables attribute {atype}: {value!r} is not a u64") from None


def be16(atype: int, value: int) -> bytes:
    try:
        return nla_be16(atype, value)
    except struct.error:
        raise ValueError(f"nf_tables attribute {atype}: {value!r} is not a u16") from None


def u8(atype: int, value: int) -> bytes:
    if not 0 <= value <= 0xFF:
        raise ValueError(f"nf_tables attribute {atype}: {value!r} is not a u8")
    try:
        return nla_u8(atype, value)
    except struct.error:  # in range but not an int (a float)
        raise TypeError(f"nf_tables attribute {atype}: {value!r} is not an int") from None


def strz(atype: int, value: str) -> bytes:
    """A NUL-terminated string (NLA_STRING as libnftnl sends it); a NUL inside is refused.

    The kernel would read the string only up to that NUL (``nla_strscpy``),
    so ``"c2\\0x"`` would silently become ``"c2"``.
    """
    if not isinstance(value, str):
        raise TypeError(f"nf_tables attribute {atype}: expected a str, not {value!r}")
    if "\0" in value:
        raise ValueError(f"nf_tables attribute {atype}: {value!r} contains a NUL byte")
    return nla_strz(atype, value)


# ---------------------------------------------------------------------------
# decoding


def attrs_of(data: bytes, where: str) -> Iterator[tuple[int, int, int]]:
    """``(kind, start, end)`` for each attribute, flag bits dropped; errors say ``where``."""
    try:
        for t, a, b in iter_attrs(data):
            yield t & NLA_TYPE_MASK, a, b
    except DecodeError as e:
        e.add_note(f"in {where}")
        raise


def _size(data: bytes, a: int, b: int, n: int, what: str) -> None:
    if b - a != n:
        raise DecodeError(f"{what}: payload is {b - a} bytes, expected {n}", offset=a)


# The size tests are inline (not a _size call): a dump decodes these by the
# ten thousand. unpack_from gives an int already.


def get_be32(data: bytes, a: int, b: int, what: str = "be32") -> int:
    if b - a != 4:
        _size(data, a, b, 4, what)
    return BE32.unpack_from(data, a)[0]  # type: ignore[no-any-return]  # ">I" is an int


def get_s32(data: bytes, a: int, b: int, what: str = "be32") -> int:
    if b - a != 4:
        _size(data, a, b, 4, what)
    return SBE32.unpack_from(data, a)[0]  # type: ignore[no-any-return]  # ">i" is an int


def get_be64(data: bytes, a: int, b: int, what: str = "be64") -> int:
    if b - a != 8:
        _size(data, a, b, 8, what)
    return BE64.unpack_from(data, a)[0]  # type: ignore[no-any-return]  # ">Q" is an int


def get_str(data: bytes, a: int, b: int) -> str:
    return attr_str(data, a, b)


# ---------------------------------------------------------------------------
# NFTA_DATA: a register value or a verdict

_VERDICT_NAMES: dict[int, str] = {
    int(NF_VERDICT.DROP): "drop",
    int(NF_VERDICT.ACCEPT): "accept",
    int(NF_VERDICT.QUEUE): "queue",
    int(NFT_VERDICT.CONTINUE): "continue",
    int(NFT_VERDICT.BREAK): "break",
    int(NFT_VERDICT.JUMP): "jump",
    int(NFT_VERDICT.GOTO): "goto",
    int(NFT_VERDICT.RETURN): "return",
}
_VERDICT_CODES: dict[str, int] = {v: k for k, v in _VERDICT_NAMES.items()}


@dataclass(frozen=True, slots=True)
class Verdict:
    """A verdict: ``Verdict("accept")``, ``Verdict("jump", "web")``.

    ``kind`` is nft's word (accept, drop, jump, goto, return, continue,
    break, queue); ``chain`` is the target of jump and goto.
    """

    kind: str
    chain: str | None = None

    def __post_init__(self) -> None:
        _check.choice(self.kind, "Verdict.kind", _VERDICT_CODES)
        if (self.kind in ("jump", "goto")) != (self.chain is not None):
            raise ValueError(
                f"verdict {self.kind!r} "
                + ("needs a chain" if self.chain is None else f"takes no chain, not {self.chain!r}")
            )
        if self.chain is not None:
            # A NUL would end the name in the kernel: "jump c2\0x" would jump to c2.
            _check.nft_name(self.chain, "Verdict.chain")

    @property
    def code(self) -> int:
        """The kernel's verdict code (NF_ACCEPT, NFT_JUMP ...)."""
        return _VERDICT_CODES[self.kind]

    @classmethod
    def from_code(cls, code: int, chain: str | None = None) -> Verdict:
        """The verdict a kernel code stands for (NF_ACCEPT, NFT_JUMP ...).

        Raises :class:`~rawns.errors.DecodeError` for a code or chain that no
        verdict has (this is how decoded bytes are read); a ``code`` that is not
        an int is a caller's :class:`TypeError`.
        """
        if isinstance(code, bool) or not isinstance(code, int):
            raise TypeError(f"code must be an int, not {type(code).__name__}: {code!r}")
        try:
            return cls(_VERDICT_NAMES[code], chain)
        except KeyError:
            raise DecodeError(f"unknown verdict code {code}") from None
        except ValueError as e:  # jump/goto without a chain, or a chain where none belongs
            raise DecodeError(f"verdict: {e}") from None

    def encode(self) -> bytes:
        """The NFTA_DATA_VERDICT nest: code, then the chain for jump/goto."""
        body = be32(NFTA_VERDICT.CODE, self.code)
        if self.chain is not None:
            body += strz(NFTA_VERDICT.CHAIN, self.chain)
        return nest(NFTA_DATA.VERDICT, body)

    def __str__(self) -> str:
        return self.kind if self.chain is None else f"{self.kind} {self.chain}"


def encode_data(value: bytes | Verdict) -> bytes:
    """The payload of an NFTA_*_DATA nest: NFTA_DATA_VALUE or NFTA_DATA_VERDICT."""
    if isinstance(value, Verdict):
        return value.encode()
    return attr(NFTA_DATA.VALUE, value)


def data_value(value: bytes) -> bytes:
    return attr(NFTA_DATA.VALUE, value)


def decode_data(data: bytes, a: int, b: int) -> bytes | Verdict:
    """Decode an NFTA_*_DATA nest found at ``data[a:b]``."""
    sub = data[a:b]
    out: bytes | Verdict | None = None
    for kind, x, y in attrs_of(sub, "NFTA_DATA"):
        if kind == NFTA_DATA.VALUE:
            out = sub[x:y]
        elif kind == NFTA_DATA.VERDICT:
            out = _decode_verdict(sub[x:y])
        else:
            raise DecodeError(f"unknown NFTA_DATA attribute {kind}", offset=a + x)
    if out is None:
        raise DecodeError("empty NFTA_DATA nest", offset=a)
    return out


def _decode_verdict(data: bytes) -> Verdict:
    code: int | None = None
    chain: str | None = None
    for kind, a, b in attrs_of(data, "NFTA_DATA_VERDICT"):
        if kind == NFTA_VERDICT.CODE:
            code = get_s32(data, a, b, "NFTA_VERDICT_CODE")
        elif kind == NFTA_VERDICT.CHAIN:
            chain = get_str(data, a, b)
        elif kind == NFTA_VERDICT.CHAIN_ID:
            # Only in requests that jump to a chain created in the same batch.
            continue
        else:
            raise DecodeError(f"unknown NFTA_VERDICT attribute {kind}")
    if code is None:
        raise DecodeError("verdict without NFTA_VERDICT_CODE")
    return Verdict.from_code(code, chain)
