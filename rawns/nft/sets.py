"""nf_tables sets and maps: addresses, ports, intervals; elements in and out.

Equivalent nft commands: ``nft add set inet t allowed { type ipv4_addr; }``,
``nft add map ...``, ``nft add element ... { 10.0.0.1, 10.1.0.0/16 }``,
``nft delete element``, ``nft flush set``, ``nft delete set``,
``nft list sets``.

A :class:`Set` carries what the kernel stores: key type (nft's datatype
number) and length, flags, data type for maps. :func:`set_spec` builds one
from nft's words (``key="ipv4_addr"``, ``data="verdict"``,
``interval=True``), including the userdata nft writes (key byte order, ...)
so that ``nft list`` prints rawns' sets exactly like its own.

Element values are normalised once by :func:`encode_value`: addresses as
``str`` or :mod:`ipaddress` objects, networks (``"10.0.0.0/8"``) and ranges
(``(low, high)``) for interval sets, ports and protocol numbers as ``int``.
Intervals are sent as nft sends them (src/segtree.c): each range as a start
element and an end element holding ``high + 1`` flagged INTERVAL_END, led by
an end element at zero when the first range does not start there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import _check
from .._nfnl import (
    NFT_DATA,
    NFT_MSG,
    NFT_SET,
    NFTA_SET,
    NFTA_SET_DESC,
    NFTA_SET_ELEM,
    NFTA_SET_ELEM_LIST,
)
from .._plan import Plan, drive
from .._wire import Attr
from ..errors import DecodeError
from . import _args
from ._codec import (
    Verdict,
    attr,
    attrs_of,
    be32,
    be64,
    decode_data,
    get_be32,
    get_be64,
    get_str,
    nest,
    strz,
)
from ._msg import (
    F_CREATE,
    F_EXCL,
    comment_tlv,
    message,
    parse_header,
    udata_comment,
    udata_tlv,
)
from ._msg import dump_plan as _dump
from ._udata import TYPEOF_FIELDS, udata_typeof, udata_typeof_text
from .tables import Table

if TYPE_CHECKING:
    from ..handle import Handle
from ._settypes import (
    _BO_INVALID,
    _U32_HOST,
    _UD_COMMENT,
    _UD_DATA_INTERVAL,
    _UD_DATABYTEORDER,
    _UD_KEYBYTEORDER,
    _UD_MERGE,
    DATATYPES,
    Datatype,
    Element,
    Set,
    Value,
)
from ._setvalues import (
    _datatype,
    decode_value,
    elements_for,
    encode_value,
    removal_elements,
    values_of,
)

__all__ = [
    "ANONYMOUS_NAME",
    "DATATYPES",
    "TYPEOF_FIELDS",
    "Datatype",
    "Element",
    "Set",
    "Value",
    "anonymous_spec",
    "build_add",
    "build_add_elements",
    "build_delete",
    "build_delete_elements",
    "build_flush",
    "decode_value",
    "dump",
    "dump_elements",
    "elements_for",
    "encode_value",
    "key_typeof",
    "parse_elements",
    "parse_set",
    "removal_elements",
    "set_spec",
    "values_of",
]


# ---------------------------------------------------------------------------
# building sets


def set_spec(
    table: Table,
    name: str,
    *,
    key: str = "ipv4_addr",
    data: str | None = None,
    interval: bool = False,
    auto_merge: bool = False,
    constant: bool = False,
    timeout: int | None = None,
    size: int | None = None,
    policy: str | None = None,
    comment: str | None = None,
) -> Set:
    """A :class:`Set` as nft builds it from ``set NAME { type KEY [: DATA]; ... }``.

    ``timeout`` is in milliseconds; ``policy`` is "performance" or "memory".
    Every argument is checked here (TypeError/ValueError naming it).
    """
    _args.expect(table, Table, "table")
    _check.nft_name(name, "name")
    kd = _datatype(key, "key")
    if kd.name == "verdict":
        raise ValueError("key 'verdict': a set key cannot be a verdict")
    for flag, what in ((interval, "interval"), (auto_merge, "auto_merge"), (constant, "constant")):
        _check.boolean(flag, what)
    _check.optional(timeout, _check.uint, 64, "timeout")
    _check.optional(size, _check.uint, 32, "size")
    if comment is not None:
        _args.comment(comment, "comment")
    flags = 0
    if constant:
        flags |= NFT_SET.CONSTANT
    if interval:
        flags |= NFT_SET.INTERVAL
    data_type = data_len = None
    dbo = None
    if data is not None:
        flags |= NFT_SET.MAP
        if data == "verdict":
            data_type, data_len, dbo = int(NFT_DATA.VERDICT), 0, _BO_INVALID
        else:
            dd = _datatype(data, "data")
            data_type, data_len, dbo = dd.id, dd.len, dd.byteorder
    if timeout is not None:
        flags |= NFT_SET.TIMEOUT
    pol = None
    if policy is not None:
        pols = {"performance": 0, "memory": 1}
        pol = pols[_check.choice(policy, "policy", pols)]
    ud = udata_tlv(_UD_KEYBYTEORDER, _U32_HOST.pack(kd.byteorder))
    if dbo is not None:
        ud += udata_tlv(_UD_DATABYTEORDER, _U32_HOST.pack(dbo))
    if auto_merge:
        ud += udata_tlv(_UD_MERGE, _U32_HOST.pack(1))
    if data is not None:
        ud += udata_tlv(_UD_DATA_INTERVAL, _U32_HOST.pack(0))
    if comment is not None:
        ud += comment_tlv(comment, _UD_COMMENT)
    return Set(
        family=table.family,
        table=table.name,
        name=name,
        key_type=kd.id,
        key_len=kd.len,
        flags=flags,
        data_type=data_type,
        data_len=data_len,
        policy=pol,
        size=size,
        timeout=timeout,
        userdata=ud,
        comment=comment,
    )


#: The name nft gives an anonymous set; the kernel replaces %d (``__set0``).
ANONYMOUS_NAME = "__set%d"


def anonymous_spec(
    table: Table, *, key: str | None = None, interval: bool = False, typeof: str | None = None
) -> Set:
    """The :class:`Set` nft creates for an inline ``{ ... }`` (anonymous, constant).

    ``typeof`` names the expression the set is matched against, in nft's
    words (``"tcp dport"``, ``"ip saddr"``, ``"meta l4proto"``, ``"iifname"``:
    the keys of :data:`TYPEOF_FIELDS`); nft records it in the userdata, and
    so does rawns then, byte for byte as nft, with the key type and byte
    order that follow from it (``key`` may be left out, or must agree).
    Without it, the userdata holds the key's byte order (and auto-merge for
    intervals), which is all the kernel and ``nft list`` need.
    """
    _args.expect(table, Table, "table")
    order = None
    if typeof is not None:
        _check.choice(typeof, "typeof", TYPEOF_FIELDS)
        _, _, implied, order = TYPEOF_FIELDS[typeof]
        if key is not None and _datatype(key, "key").name != implied:
            raise ValueError(f"key {key!r} does not match typeof {typeof!r} (a {implied} key)")
        key = implied
    if key is None:
        raise TypeError("anonymous_spec() needs key= or typeof=")
    kd = _datatype(key, "key")
    if kd.name == "verdict":
        raise ValueError("key 'verdict': a set key cannot be a verdict")
    _check.boolean(interval, "interval")
    flags = NFT_SET.ANONYMOUS | NFT_SET.CONSTANT | (NFT_SET.INTERVAL if interval else 0)
    ud = udata_tlv(_UD_KEYBYTEORDER, _U32_HOST.pack(kd.byteorder if order is None else order))
    if interval:
        ud += udata_tlv(_UD_MERGE, _U32_HOST.pack(1))
    if typeof is not None:
        ud += udata_typeof(typeof)
    return Set(
        family=table.family,
        table=table.name,
        name=ANONYMOUS_NAME,
        key_type=kd.id,
        key_len=kd.len,
        flags=int(flags),
        userdata=ud,
    )


def key_typeof(s: Set) -> str | None:
    """The expression ``s`` is matched against, from nft's ``typeof`` userdata record.

    Equivalent to: the ``typeof`` line of ``nft list set`` (``"tcp dport"``)

    ``None`` when the set has no such record, or one rawns does not know (it
    stays in :attr:`Set.userdata`, verbatim). Pure; raises :class:`TypeError`
    if ``s`` is not a :class:`Set`.
    """
    _args.expect(s, Set, "s")
    return udata_typeof_text(s.userdata)


def build_add(
    s: Set, *, set_id: int | None = None, exclusive: bool = False, seq: int = 0, ack: bool = False
) -> bytes:
    """NFT_MSG_NEWSET. Equivalent to: nft add set FAMILY TABLE NAME { type ...; }.

    Attribute order as libnftnl: table, name, flags, key type/len, data
    type/len, id, policy, desc, timeout, gc interval, userdata.
    """
    _args.expect(s, Set, "s")
    _check.optional(set_id, _check.uint, 32, "set_id")
    _check.boolean(exclusive, "exclusive")
    body = (
        strz(NFTA_SET.TABLE, s.table)
        + strz(NFTA_SET.NAME, s.name)
        + be32(NFTA_SET.FLAGS, s.flags)
        + be32(NFTA_SET.KEY_TYPE, s.key_type)
        + be32(NFTA_SET.KEY_LEN, s.key_len)
    )
    if s.data_type is not None:
        body += be32(NFTA_SET.DATA_TYPE, s.data_type)
        body += be32(NFTA_SET.DATA_LEN, s.data_len or 0)
    sid = set_id if set_id is not None else s.id
    if sid is not None:
        body += be32(NFTA_SET.ID, sid)
    if s.policy is not None:
        body += be32(NFTA_SET.POLICY, s.policy)
    if s.size is not None:
        body += nest(NFTA_SET.DESC, be32(NFTA_SET_DESC.SIZE, s.size))
    if s.timeout is not None:
        body += be64(NFTA_SET.TIMEOUT, s.timeout)
    if s.gc_interval is not None:
        body += be32(NFTA_SET.GC_INTERVAL, s.gc_interval)
    if s.userdata is not None:
        body += attr(NFTA_SET.USERDATA, s.userdata)
    flags = F_CREATE | (F_EXCL if exclusive else 0)
    return message(NFT_MSG.NEWSET, s.nfproto, body, flags=flags, seq=seq, ack=ack)


def build_delete(s: Set, *, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_DELSET. Equivalent to: nft delete set FAMILY TABLE NAME."""
    _args.expect(s, Set, "s")
    body = strz(NFTA_SET.TABLE, s.table) + strz(NFTA_SET.NAME, s.name)
    return message(NFT_MSG.DELSET, s.nfproto, body, seq=seq, ack=ack)


def build_flush(s: Set, *, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_DELSETELEM without elements. Equivalent to: nft flush set FAMILY TABLE NAME.

    (nft writes the set name before the table here.)
    """
    _args.expect(s, Set, "s")
    body = strz(NFTA_SET_ELEM_LIST.SET, s.name) + strz(NFTA_SET_ELEM_LIST.TABLE, s.table)
    return message(NFT_MSG.DELSETELEM, s.nfproto, body, seq=seq, ack=ack)


# One NFTA_SET_ELEM_LIST_ELEMENTS nest must stay under 64 KiB (u16 nla_len).
_CHUNK_BYTES = 60000


def _element_messages(
    msg: int,
    s: Set,
    elements: Sequence[Element],
    set_id: int | None,
    flags: int,
    seq: int,
    ack: bool,
) -> list[bytes]:
    _args.expect(s, Set, "s")
    _check.optional(set_id, _check.uint, 32, "set_id")
    if isinstance(elements, str | bytes) or not isinstance(elements, Sequence):
        raise TypeError(f"elements must be a sequence of Element, not {elements!r:.80}")
    for e in elements:
        _args.expect(e, Element, "elements[]")
    _check.uint(seq, 32, "seq")
    _check.boolean(ack, "ack")
    head = strz(NFTA_SET_ELEM_LIST.TABLE, s.table) + strz(NFTA_SET_ELEM_LIST.SET, s.name)
    if set_id is not None:
        head += be32(NFTA_SET_ELEM_LIST.SET_ID, set_id)
    out: list[bytes] = []
    chunk: list[bytes] = []
    size = 0
    for e in elements:
        # libnftnl numbers the element nests 1, 2, 3 ... (the kernel ignores the type)
        enc = nest(len(chunk) + 1, e.encode())
        if chunk and size + len(enc) > _CHUNK_BYTES:
            out.append(_elem_msg(msg, s, head, chunk, flags, seq, ack))
            chunk, size = [], 0
            enc = nest(1, e.encode())
        chunk.append(enc)
        size += len(enc)
    if chunk or not out:
        out.append(_elem_msg(msg, s, head, chunk, flags, seq, ack))
    return out


def _elem_msg(
    msg: int, s: Set, head: bytes, chunk: list[bytes], flags: int, seq: int, ack: bool
) -> bytes:
    body = head + nest(NFTA_SET_ELEM_LIST.ELEMENTS, b"".join(chunk))
    return message(msg, s.nfproto, body, flags=flags, seq=seq, ack=ack)


def build_add_elements(
    s: Set,
    elements: Sequence[Element],
    *,
    set_id: int | None = None,
    seq: int = 0,
    ack: bool = False,
) -> list[bytes]:
    """NFT_MSG_NEWSETELEM message(s). Equivalent to: nft add element ... { ... }.

    ``set_id`` names a set created earlier in the same batch (nft sends it).
    """
    return _element_messages(NFT_MSG.NEWSETELEM, s, elements, set_id, F_CREATE, seq, ack)


def build_delete_elements(
    s: Set, elements: Sequence[Element], *, seq: int = 0, ack: bool = False
) -> list[bytes]:
    """NFT_MSG_DELSETELEM message(s). Equivalent to: nft delete element ... { ... }."""
    return _element_messages(NFT_MSG.DELSETELEM, s, elements, None, 0, seq, ack)


# ---------------------------------------------------------------------------
# parsing and dumps


def parse_set(payload: bytes, origin: tuple[int, int] | None = None) -> Set:
    """Decode an NFT_MSG_NEWSET payload into a :class:`Set`.

    ``origin``: the ``netns_ident`` of the handle it was dumped with.
    """
    family, _ = parse_header(payload)
    data = payload[4:]
    v: dict[str, object] = {}
    rest: list[Attr] = []
    for kind, a, b in attrs_of(data, "set"):
        if kind == NFTA_SET.TABLE:
            v["table"] = get_str(data, a, b)
        elif kind == NFTA_SET.NAME:
            v["name"] = get_str(data, a, b)
        elif kind == NFTA_SET.FLAGS:
            v["flags"] = get_be32(data, a, b)
        elif kind == NFTA_SET.KEY_TYPE:
            v["key_type"] = get_be32(data, a, b)
        elif kind == NFTA_SET.KEY_LEN:
            v["key_len"] = get_be32(data, a, b)
        elif kind == NFTA_SET.DATA_TYPE:
            v["data_type"] = get_be32(data, a, b)
        elif kind == NFTA_SET.DATA_LEN:
            v["data_len"] = get_be32(data, a, b)
        elif kind == NFTA_SET.POLICY:
            v["policy"] = get_be32(data, a, b)
        elif kind == NFTA_SET.DESC:
            sub = data[a:b]
            for k2, x, y in attrs_of(sub, "NFTA_SET_DESC"):
                if k2 == NFTA_SET_DESC.SIZE:
                    v["size"] = get_be32(sub, x, y)
                else:
                    rest.append(Attr(kind, data[a:b]))
                    break
        elif kind == NFTA_SET.TIMEOUT:
            v["timeout"] = get_be64(data, a, b)
        elif kind == NFTA_SET.GC_INTERVAL:
            v["gc_interval"] = get_be32(data, a, b)
        elif kind == NFTA_SET.USERDATA:
            v["userdata"] = data[a:b]
        elif kind == NFTA_SET.HANDLE:
            v["handle"] = get_be64(data, a, b)
        elif kind == NFTA_SET.ID:
            v["id"] = get_be32(data, a, b)
        elif kind == NFTA_SET.PAD:
            continue
        else:
            rest.append(Attr(kind, data[a:b]))
    for k in ("table", "name", "key_type", "key_len"):
        if k not in v:
            raise DecodeError(f"set without NFTA_SET_{k.upper()}")
    if v.get("data_type") == NFT_DATA.VERDICT:
        # The kernel stores sizeof(struct nft_verdict) whatever was sent; nft sends 0.
        v["data_len"] = 0
    ud = v.get("userdata")
    assert ud is None or isinstance(ud, bytes)
    try:
        return Set(
            family=family,
            comment=udata_comment(ud, _UD_COMMENT),
            attrs=tuple(rest),
            origin=origin,
            **v,  # type: ignore[arg-type]  # keys and value types fixed by the branches above
        )
    except (ValueError, TypeError) as e:  # a field its spec refuses (empty name, NUL ...)
        raise DecodeError(f"NFT_MSG_NEWSET: {e}") from e


def _parse_element(data: bytes) -> Element:
    v: dict[str, object] = {}
    rest: list[Attr] = []
    for kind, a, b in attrs_of(data, "set element"):
        if kind == NFTA_SET_ELEM.KEY:
            key = decode_data(data, a, b)
            if isinstance(key, Verdict):
                raise DecodeError("set element key is a verdict")
            v["key"] = key
        elif kind == NFTA_SET_ELEM.KEY_END:
            key_end = decode_data(data, a, b)
            if isinstance(key_end, Verdict):
                raise DecodeError("set element key end is a verdict")
            v["key_end"] = key_end
        elif kind == NFTA_SET_ELEM.DATA:
            v["data"] = decode_data(data, a, b)
        elif kind == NFTA_SET_ELEM.FLAGS:
            v["flags"] = get_be32(data, a, b)
        elif kind == NFTA_SET_ELEM.TIMEOUT:
            v["timeout"] = get_be64(data, a, b)
        elif kind == NFTA_SET_ELEM.EXPIRATION:
            v["expiration"] = get_be64(data, a, b)
        elif kind == NFTA_SET_ELEM.USERDATA:
            v["userdata"] = data[a:b]
        elif kind == NFTA_SET_ELEM.PAD:
            continue
        else:
            rest.append(Attr(kind, data[a:b]))
    if "key" not in v:
        raise DecodeError("set element without NFTA_SET_ELEM_KEY")
    try:
        return Element(attrs=tuple(rest), **v)  # type: ignore[arg-type]  # as above
    except (ValueError, TypeError) as e:  # a key Element refuses (empty, over 64 bytes)
        raise DecodeError(f"set element: {e}") from e


def parse_elements(payload: bytes) -> tuple[str, str, str, list[Element]]:
    """Decode an NFT_MSG_NEWSETELEM payload: ``(family, table, set, elements)``."""
    family, _ = parse_header(payload)
    data = payload[4:]
    table = name = None
    elems: list[Element] = []
    for kind, a, b in attrs_of(data, "set element list"):
        if kind == NFTA_SET_ELEM_LIST.TABLE:
            table = get_str(data, a, b)
        elif kind == NFTA_SET_ELEM_LIST.SET:
            name = get_str(data, a, b)
        elif kind == NFTA_SET_ELEM_LIST.ELEMENTS:
            sub = data[a:b]
            elems.extend(_parse_element(sub[x:y]) for _, x, y in attrs_of(sub, "elements"))
    if table is None or name is None:
        raise DecodeError("set element list without NFTA_SET_ELEM_LIST_TABLE or _SET")
    return family, table, name, elems


def dump(h: Handle, *, family: str | int | None = None, table: str | None = None) -> list[Set]:
    """Every set and map (of one family / table). Equivalent to: nft list sets.

    Raises TypeError/ValueError for a bad argument, before anything is sent.
    """
    return drive(h, dump_plan(h, family=family, table=table))


def dump_plan(
    h: Handle, *, family: str | int | None = None, table: str | None = None
) -> Plan[list[Set]]:
    hh = _check.handle(h)
    fam = _args.optional_family(family)
    body = strz(NFTA_SET.TABLE, _check.nft_name(table, "table")) if table is not None else b""
    origin = hh.netns_ident
    return (yield from _dump(NFT_MSG.GETSET, fam, body, lambda p: parse_set(p, origin)))


def dump_elements(h: Handle, s: Set) -> list[Element]:
    """The elements of set ``s``. Equivalent to: nft list set FAMILY TABLE NAME.

    ``s`` dumped through a handle on another namespace is refused
    (ValueError): the set of that name here is another set.
    """
    return drive(h, dump_elements_plan(h, s))


def dump_elements_plan(h: Handle, s: Set) -> Plan[list[Element]]:
    hh = _check.handle(h)
    _args.expect(s, Set, "s")
    _args.from_here(s, hh, "s")
    body = strz(NFTA_SET_ELEM_LIST.TABLE, s.table) + strz(NFTA_SET_ELEM_LIST.SET, s.name)
    parts = yield from _dump(NFT_MSG.GETSETELEM, s.family, body, parse_elements)
    return [e for part in parts for e in part[3]]
