"""What an nf_tables batch carries and what the kernel said about it.

Framing helpers for queued messages (the ACK flag, sequence numbers), the
refusal report of :class:`~rawns.nft.Transaction` (which object, which
attribute), and :class:`GenerationChanged`. Pure: no sockets.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Sequence
from enum import IntEnum

from .._conversation import Error
from .._nfnl import (
    NFT_MSG,
    NFTA_CHAIN,
    NFTA_RULE,
    NFTA_SET,
    NFTA_SET_ELEM_LIST,
    NFTA_TABLE,
    msg_name,
)
from .._wire import NLA_F_NESTED, NLA_TYPE_MASK, NLM_F, NLMSG_HDRLEN, iter_attrs
from ..errors import DecodeError, KernelError, kernel_error
from .chains import Chain
from .rules import Rule, render_rule_body
from .tables import Table

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:  # the sets' modules load with the first set, not with every transaction
    from .sets import Element, Set

    #: What one queued message carries: an object, a set's elements, or a label
    #: (``"ruleset"`` for a flush).
    Obj = Table | Chain | Rule | Set | tuple[Set, tuple[Element, ...]] | str

__all__ = ["GenerationChanged", "attribute_at", "describe", "refusal", "stamp", "with_ack"]

# One field of a built message, in place: rawns._wire.NLMSGHDR is len u32 @0,
# type u16 @4, flags u16 @6, seq u32 @8, pid u32 @12 (host order).
_TYPE = struct.Struct("=H")  # and flags
_SEQ = struct.Struct("=I")
_F_ACK = int(NLM_F.ACK)


class GenerationChanged(KernelError):
    """The ruleset changed after the transaction read its generation (ERESTART).

    Nothing was applied; dump again, rebuild and retry.
    """


def with_ack(msg: bytes) -> bytes:
    """``msg`` with NLM_F_ACK set."""
    flags = _TYPE.unpack_from(msg, 6)[0] | _F_ACK
    return msg[:6] + _TYPE.pack(flags) + msg[8:]


def stamp(msg: bytes, seq: int) -> bytes:
    """``msg`` with sequence number ``seq``."""
    return msg[:8] + _SEQ.pack(seq) + msg[12:]


def refusal(
    msgs: Sequence[bytes],
    results: Sequence[object],
    acked: Sequence[bool],
    objs: Sequence[Obj],
    generation: int | None,
    netns: str | None = None,
) -> tuple[int | None, KernelError] | None:
    """The error for a batch's results (None if all went through).

    ``(index of the refused object, or None for BEGIN/END, error)``: the
    first refusal names its batch entry and the attribute the kernel points
    at; up to three more are added as notes. Raises the EPROTO
    :class:`~rawns.errors.KernelError` if a message that asked for an ACK got
    no answer.
    """
    errors = [(i, r) for i, r in enumerate(results) if isinstance(r, Error)]
    if not errors:
        missing = [i for i, r in enumerate(results) if acked[i] and r is None]
        if missing:
            raise kernel_error(
                errno.EPROTO,
                op="nf_tables batch",
                target=f"no acknowledgement for {len(missing)} of {sum(acked)} messages",
                netns=netns,
            )
        return None
    i, ev = errors[0]
    assert isinstance(ev, Error)
    mtype = _TYPE.unpack_from(msgs[i], 4)[0]
    failed: int | None = None
    if 0 < i < len(msgs) - 1:
        failed = i - 1
        target = f"#{i} {describe(objs[i - 1])}"
    else:
        target = "batch begin" if i == 0 else "batch end"
    if ev.errno == errno.ERESTART and generation is not None:
        err: KernelError = GenerationChanged(
            ev.errno,
            op=msg_name(mtype),
            target=f"{target}: the ruleset changed since generation {generation}",
            extack=ev.extack,
            seq=ev.seq,
            offset=ev.offset,
            netns=netns,
        )
    else:
        err = kernel_error(
            ev.errno,
            op=msg_name(mtype),
            target=target,
            extack=ev.extack,
            seq=ev.seq,
            offset=ev.offset,
            netns=netns,
        )
    if ev.offset is not None:
        where = attribute_at(msgs[i], ev.offset)
        if where:
            err.add_note(f"the kernel points at {where}")
    for j, other in errors[1:4]:
        assert isinstance(other, Error)
        what = describe(objs[j - 1]) if 0 < j < len(msgs) - 1 else "batch"
        err.add_note(f"also refused: #{j} {what}: errno {other.errno} {other.extack or ''}")
    return failed, err


_TOP: dict[int, type[IntEnum]] = {
    NFT_MSG.NEWTABLE: NFTA_TABLE,
    NFT_MSG.DELTABLE: NFTA_TABLE,
    NFT_MSG.NEWCHAIN: NFTA_CHAIN,
    NFT_MSG.DELCHAIN: NFTA_CHAIN,
    NFT_MSG.NEWRULE: NFTA_RULE,
    NFT_MSG.DELRULE: NFTA_RULE,
    NFT_MSG.NEWSET: NFTA_SET,
    NFT_MSG.DELSET: NFTA_SET,
    NFT_MSG.NEWSETELEM: NFTA_SET_ELEM_LIST,
    NFT_MSG.DELSETELEM: NFTA_SET_ELEM_LIST,
}


def attribute_at(msg: bytes, offset: int) -> str:
    """Name the attribute at byte ``offset`` of ``msg`` (NLMSGERR_ATTR_OFFS), as a path.

    ``NFTA_RULE_EXPRESSIONS > #1 immediate > attribute 2 > ...``: top-level
    attributes by their kernel names, expressions by position and name.
    """
    mtype = _TYPE.unpack_from(msg, 4)[0] & 0xFF
    names = _TOP.get(mtype)
    path: list[str] = []
    start, end = NLMSG_HDRLEN + 4, len(msg)
    depth = 0
    try:
        while start < end:
            for n, (t, a, b) in enumerate(iter_attrs(msg, start, end), 1):
                if not a - 4 <= offset < b:
                    continue
                kind = t & NLA_TYPE_MASK
                if depth == 0 and names is not None:
                    try:
                        path.append(f"{names.__name__}_{names(kind).name}")
                    except ValueError:
                        path.append(f"attribute {kind}")
                elif path and path[-1] == "NFTA_RULE_EXPRESSIONS" and depth == 1:
                    name = _expr_name(msg[a:b])
                    path.append(f"expression #{n} ({name})")
                else:
                    path.append(f"attribute {kind}")
                if offset == a - 4 or (not t & NLA_F_NESTED and depth > 0):
                    return " > ".join(path)
                start, end, depth = a, b, depth + 1
                break
            else:
                break
    except DecodeError:
        pass
    return " > ".join(path)


def _expr_name(elem: bytes) -> str:
    for t, a, b in iter_attrs(elem):
        if t & NLA_TYPE_MASK == 1:  # NFTA_EXPR_NAME
            return elem[a:b].split(b"\0", 1)[0].decode("ascii", "replace")
    return "?"


def describe(obj: Obj) -> str:
    """A short human name for a queued object (used in error messages)."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, tuple):
        s, elems = obj
        return f"{len(elems)} elements of {s}"
    if isinstance(obj, Rule):
        if not obj.exprs:
            return f"rule {obj.family} {obj.table} {obj.chain} handle {obj.handle}"
        text = render_rule_body(obj)
        if len(text) > 120:
            text = text[:117] + "..."
        return f"rule {obj.family} {obj.table} {obj.chain}: {text}"
    return str(obj)
