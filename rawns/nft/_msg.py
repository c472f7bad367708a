"""nf_tables message framing, userdata TLVs and the dump/get plumbing.

A request is built with ``seq == 0``; the transaction (or the channel) stamps
sequence numbers just before sending. Builders take ``ack=False`` by default
so that their output is byte-identical to what ``nft`` sends (nft asks for no
per-message acks); :mod:`rawns.nft.transaction` sets NLM_F_ACK.

Userdata (``NFTA_*_USERDATA``) is opaque to the kernel; nft stores comments
and a few hints in it as libnftnl TLVs: ``u8 type, u8 len, value``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from .. import _check
from .._nfnl import FAMILY_NAMES, NFGENMSG, NFT_TYPE_BASE, family_name, family_number, msg_name
from .._rtnl_consts import NLM_F
from .._wire import NLMSG_HDRLEN
from ..errors import DecodeError
from . import _args

if TYPE_CHECKING:
    from ..handle import Handle

__all__ = [
    "F_ACK",
    "F_APPEND",
    "F_CREATE",
    "F_DUMP",
    "F_EXCL",
    "F_REPLACE",
    "F_REQUEST",
    "comment_tlv",
    "dump",
    "get",
    "message",
    "norm_family",
    "parse_header",
    "udata_comment",
    "udata_get",
    "udata_tlv",
    "udata_tlvs",
]

F_REQUEST = int(NLM_F.REQUEST)
F_ACK = int(NLM_F.ACK)
F_CREATE = int(NLM_F.CREATE)
F_EXCL = int(NLM_F.EXCL)
F_APPEND = int(NLM_F.APPEND)
F_REPLACE = int(NLM_F.REPLACE)
F_DUMP = int(NLM_F.DUMP)

_HDR = struct.Struct("=IHHII")
_NFGEN_LEN = NFGENMSG.size

T = TypeVar("T")


def message(
    msg: int, family: int, body: bytes, *, flags: int = 0, seq: int = 0, ack: bool = False
) -> bytes:
    """One nf_tables message: nlmsghdr, nfgenmsg, then ``body`` (padded attributes)."""
    if not (type(seq) is int and 0 <= seq <= 0xFFFFFFFF):
        _check.uint(seq, 32, "seq")
    if ack is not True and ack is not False:
        _check.boolean(ack, "ack")
    f = F_REQUEST | flags | (F_ACK if ack else 0)
    n = NLMSG_HDRLEN + _NFGEN_LEN + len(body)
    return _HDR.pack(n, NFT_TYPE_BASE | msg, f, seq, 0) + NFGENMSG.pack(family, 0, 0) + body


def parse_header(payload: bytes) -> tuple[str, int]:
    """``(family keyword, res_id)`` from the nfgenmsg that starts a reply payload."""
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise TypeError(f"payload must be bytes, not {type(payload).__name__}")
    if len(payload) < _NFGEN_LEN:
        raise DecodeError(f"nf_tables message of {len(payload)} bytes has no nfgenmsg")
    fam, _version, res_id = NFGENMSG.unpack_from(payload)
    if fam not in FAMILY_NAMES:  # tables, chains, rules and sets always have one
        raise DecodeError(f"nf_tables object of unknown family {fam}")
    return family_name(fam), res_id


def norm_family(family: str | int, what: str = "family") -> str:
    """Normalise a family given as keyword or NFPROTO number to the keyword."""
    return _args.family(family, what)


def dump(
    h: Handle, msg: int, family: str | int | None, body: bytes, parse: Callable[[bytes], T]
) -> list[T]:
    """Run an nf_tables dump (GET* with NLM_F_DUMP) and parse every reply."""
    fam = 0 if family is None else family_number(family)
    req = message(msg, fam, body, flags=F_DUMP)
    return h.nfnl.dump(req, parse, op=msg_name(NFT_TYPE_BASE | msg))


def get(h: Handle, msg: int, family: str | int, body: bytes, target: str) -> bytes:
    """A single GET request; returns the reply's payload."""
    fam = 0 if family == 0 else family_number(family)  # 0: NFPROTO_UNSPEC (GETGEN)
    req = message(msg, fam, body, ack=True)
    replies = h.nfnl.request(req, op=msg_name(NFT_TYPE_BASE | msg), target=target)
    if not replies:
        raise DecodeError(f"{msg_name(NFT_TYPE_BASE | msg)} {target}: no reply")
    return replies[0].payload


# ---------------------------------------------------------------------------
# libnftnl userdata TLVs


def udata_tlv(utype: int, value: bytes) -> bytes:
    if len(value) > 255:
        raise ValueError(f"userdata value of {len(value)} bytes is too long (max 255)")
    return bytes((utype, len(value))) + value


def udata_tlvs(data: bytes) -> list[tuple[int, bytes]]:
    """Split userdata into ``(type, value)``; malformed data raises DecodeError."""
    out: list[tuple[int, bytes]] = []
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            raise DecodeError("truncated userdata TLV", offset=i)
        t, n = data[i], data[i + 1]
        if i + 2 + n > len(data):
            raise DecodeError("userdata TLV runs past the end", offset=i)
        out.append((t, data[i + 2 : i + 2 + n]))
        i += 2 + n
    return out


def udata_get(data: bytes | None, utype: int) -> bytes | None:
    """The value of the first TLV of ``utype``, or None (also for malformed userdata)."""
    if not data:
        return None
    try:
        for t, v in udata_tlvs(data):
            if t == utype:
                return v
    except DecodeError:
        return None
    return None


def udata_comment(data: bytes | None, utype: int = 0) -> str | None:
    """A comment TLV (NUL-terminated string) decoded, or None."""
    v = udata_get(data, utype)
    if v is None:
        return None
    return v.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def comment_tlv(comment: str, utype: int = 0, what: str = "comment") -> bytes:
    """A comment as nft stores it: a NUL-terminated string TLV (at most 128 bytes + NUL)."""
    return udata_tlv(utype, _args.comment(comment, what).encode() + b"\0")
