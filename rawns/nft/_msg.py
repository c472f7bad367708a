"""nf_tables message framing, userdata TLVs and the dump/get plumbing.

A request is built with ``seq == 0``; the transaction (or the channel) stamps
sequence numbers just before sending. Builders take ``ack=False`` by default
so that their output is byte-identical to what ``nft`` sends (nft asks for no
per-message acks); :mod:`rawns.nft.transaction` sets NLM_F_ACK.

Userdata (``NFTA_*_USERDATA``) is opaque to the kernel; nft stores comments
and a few hints in it as libnftnl TLVs (:mod:`rawns.nft._udata`, re-exported
here): ``u8 type, u8 len, value``.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import _check
from .._nfnl import FAMILY_NAMES, NFGENMSG, NFT_TYPE_BASE, family_name, family_number, msg_name
from .._plan import Dump, Plan, Request, drive
from .._wire import NLM_F, NLMSG_HDRLEN, NLMSGHDR
from ..errors import DecodeError
from . import _args
from ._udata import udata_comment, udata_get, udata_tlv, udata_tlvs

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:
    from typing import TypeVar

    from .._conversation import Reply
    from ..handle import Handle

    T = TypeVar("T")

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

_NFGEN_LEN = NFGENMSG.size


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
    return NLMSGHDR.pack(n, NFT_TYPE_BASE | msg, f, seq, 0) + NFGENMSG.pack(family, 0, 0) + body


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
    return drive(h, dump_plan(msg, family, body, parse))


def dump_plan(
    msg: int, family: str | int | None, body: bytes, parse: Callable[[bytes], T]
) -> Plan[list[T]]:
    """:func:`dump` as a plan (:mod:`rawns._plan`), for the sync and the asyncio drivers."""
    fam = 0 if family is None else family_number(family)
    req = message(msg, fam, body, flags=F_DUMP)

    def parse_at(data: bytes, start: int, end: int) -> T:
        return parse(data[start:end])

    items: list[T] = yield Dump(req, msg_name(NFT_TYPE_BASE | msg), "", parse_at, nfnl=True)
    return items


def get(h: Handle, msg: int, family: str | int, body: bytes, target: str) -> bytes:
    """A single GET request; returns the reply's payload."""
    return drive(h, get_plan(msg, family, body, target))


def get_plan(msg: int, family: str | int, body: bytes, target: str) -> Plan[bytes]:
    """:func:`get` as a plan (:mod:`rawns._plan`)."""
    fam = 0 if family == 0 else family_number(family)  # 0: NFPROTO_UNSPEC (GETGEN)
    req = message(msg, fam, body, ack=True)
    replies: list[Reply] = yield Request(req, msg_name(NFT_TYPE_BASE | msg), target, nfnl=True)
    if not replies:
        raise DecodeError(f"{msg_name(NFT_TYPE_BASE | msg)} {target}: no reply")
    return replies[0].payload


# ---------------------------------------------------------------------------
# userdata: the TLVs are rawns.nft._udata's; a comment is checked here first


def comment_tlv(comment: str, utype: int = 0, what: str = "comment") -> bytes:
    """A comment as nft stores it: a NUL-terminated string TLV (at most 128 bytes + NUL)."""
    return udata_tlv(utype, _args.comment(comment, what).encode() + b"\0")
