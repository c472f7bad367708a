"""nf_tables tables: the :class:`Table` value, its messages, dump and get.

Equivalent nft commands: ``nft add table ip nat``, ``nft create table ...``,
``nft delete table ...``, ``nft flush table ...``, ``nft list tables``.
Writes go through :func:`rawns.nft.transaction`; the ``build_*`` functions
are its pure twins (bytes identical to what ``nft`` sends, ``seq`` 0).
"""

from __future__ import annotations

from .. import _check
from .._dataclass import dataclass, field
from .._nfnl import FAMILIES, NFT_MSG, NFTA_RULE, NFTA_TABLE
from .._plan import Plan, drive
from .._wire import Attr
from ..errors import DecodeError
from . import _args
from ._codec import attr, attrs_of, be32, get_be32, get_be64, get_str, strz
from ._msg import (
    F_DUMP,
    F_EXCL,
    comment_tlv,
    message,
    norm_family,
    parse_header,
    udata_comment,
)
from ._msg import dump_plan as _dump
from ._msg import get_plan as _get

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:
    from ..handle import Handle

__all__ = [
    "Table",
    "build_add",
    "build_delete",
    "build_dump",
    "build_flush",
    "build_flush_ruleset",
    "dump",
    "get",
    "parse_table",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A table: ``family`` (ip, ip6, inet, arp, bridge, netdev) and ``name``.

    ``flags`` are NFT_TABLE_F (1 dormant, 2 owner). ``handle`` and ``use``
    are reported by the kernel and do not take part in equality. A dumped
    table remembers the namespace it came from (``origin``); a transaction
    on a handle in another namespace refuses it.

    Every field is checked here: ``name`` 1..255 bytes without NUL,
    ``flags`` a u32, ``comment`` at most 128 bytes without NUL (nft's limit),
    ``userdata`` at most 256 bytes; a family number becomes its keyword.
    """

    family: str
    name: str
    flags: int = 0
    comment: str | None = None
    handle: int | None = field(default=None, compare=False)
    use: int | None = field(default=None, compare=False)
    userdata: bytes | None = field(default=None, compare=False, repr=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        fam = _args.family(self.family, "Table.family")
        if fam is not self.family:
            object.__setattr__(self, "family", fam)
        _check.nft_name(self.name, "Table.name")
        _check.uint(self.flags, 32, "Table.flags")
        _args.comment_matches(self.comment, self.userdata, 0, "Table")
        _check.optional(self.handle, _check.uint, 64, "Table.handle")
        _check.optional(self.use, _check.uint, 32, "Table.use")
        _args.expect(self.attrs, tuple, "Table.attrs")
        _args.origin(self.origin, "Table.origin")

    @property
    def nfproto(self) -> int:
        return FAMILIES[self.family]

    def __str__(self) -> str:
        return f"table {self.family} {self.name}"


def _body_name(t: Table) -> bytes:
    return strz(NFTA_TABLE.NAME, t.name)


def build_add(table: Table, *, exclusive: bool = False, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_NEWTABLE. Equivalent to: nft add table FAMILY NAME (``create`` if exclusive).

    nft sends ``add table`` without NLM_F_CREATE (the table may exist).
    """
    _args.expect(table, Table, "table")
    _check.boolean(exclusive, "exclusive")
    body = _body_name(table) + be32(NFTA_TABLE.FLAGS, table.flags)
    ud = table.userdata
    if ud is None and table.comment is not None:
        ud = comment_tlv(table.comment)
    if ud is not None:
        body += attr(NFTA_TABLE.USERDATA, ud)
    flags = F_EXCL if exclusive else 0
    return message(NFT_MSG.NEWTABLE, table.nfproto, body, flags=flags, seq=seq, ack=ack)


def build_delete(table: Table, *, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_DELTABLE. Equivalent to: nft delete table FAMILY NAME."""
    _args.expect(table, Table, "table")
    return message(NFT_MSG.DELTABLE, table.nfproto, _body_name(table), seq=seq, ack=ack)


def build_flush(table: Table, *, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_DELRULE on the whole table. Equivalent to: nft flush table FAMILY NAME."""
    _args.expect(table, Table, "table")
    body = strz(NFTA_RULE.TABLE, table.name)
    return message(NFT_MSG.DELRULE, table.nfproto, body, seq=seq, ack=ack)


def build_flush_ruleset(
    family: str | int | None = None, *, seq: int = 0, ack: bool = False
) -> bytes:
    """NFT_MSG_DELTABLE without a name. Equivalent to: nft flush ruleset [FAMILY]."""
    fam = 0 if family is None else FAMILIES[_args.family(family)]
    return message(NFT_MSG.DELTABLE, fam, b"", seq=seq, ack=ack)


def build_dump(family: str | int | None = None) -> bytes:
    """NFT_MSG_GETTABLE dump request."""
    fam = 0 if family is None else FAMILIES[_args.family(family)]
    return message(NFT_MSG.GETTABLE, fam, b"", flags=F_DUMP)


def parse_table(payload: bytes, origin: tuple[int, int] | None = None) -> Table:
    """Decode an NFT_MSG_NEWTABLE payload (nfgenmsg + attributes) into a :class:`Table`.

    ``origin``: the ``netns_ident`` of the handle it was dumped with (see :class:`Table`).
    """
    family, _ = parse_header(payload)
    data = payload[4:]
    name = None
    flags = 0
    handle = use = None
    userdata = None
    rest: list[Attr] = []
    for kind, a, b in attrs_of(data, "table"):
        if kind == NFTA_TABLE.NAME:
            name = get_str(data, a, b)
        elif kind == NFTA_TABLE.FLAGS:
            flags = get_be32(data, a, b)
        elif kind == NFTA_TABLE.HANDLE:
            handle = get_be64(data, a, b)
        elif kind == NFTA_TABLE.USE:
            use = get_be32(data, a, b)
        elif kind == NFTA_TABLE.USERDATA:
            userdata = data[a:b]
        elif kind == NFTA_TABLE.PAD:
            continue
        else:
            rest.append(Attr(kind, data[a:b]))
    if name is None:
        raise DecodeError("table without NFTA_TABLE_NAME")
    try:
        return Table(
            family=family,
            name=name,
            flags=flags,
            comment=udata_comment(userdata),
            handle=handle,
            use=use,
            userdata=userdata,
            attrs=tuple(rest),
            origin=origin,
        )
    except (ValueError, TypeError) as e:  # a field its spec refuses (empty name, NUL ...)
        raise DecodeError(f"NFT_MSG_NEWTABLE: {e}") from e


def dump(h: Handle, *, family: str | int | None = None) -> list[Table]:
    """Every table (of one family, if given). Equivalent to: nft list tables [FAMILY].

    Raises TypeError/ValueError for a bad argument, before anything is sent.
    """
    return drive(h, dump_plan(h, family=family))


def dump_plan(h: Handle, *, family: str | int | None = None) -> Plan[list[Table]]:
    hh = _check.handle(h)
    fam = _args.optional_family(family)
    origin = hh.netns_ident
    return (yield from _dump(NFT_MSG.GETTABLE, fam, b"", lambda p: parse_table(p, origin)))


def get(h: Handle, family: str | int, name: str) -> Table:
    """One table by name; raises :class:`~rawns.errors.NotFound` if there is none.

    Equivalent to: nft list table FAMILY NAME (the table itself, without contents).
    """
    return drive(h, get_plan(h, family, name))


def get_plan(h: Handle, family: str | int, name: str) -> Plan[Table]:
    hh = _check.handle(h)
    fam = norm_family(family)
    _check.nft_name(name, "name")
    target = f"table {fam} {name}"
    payload = yield from _get(NFT_MSG.GETTABLE, fam, strz(NFTA_TABLE.NAME, name), target)
    return parse_table(payload, hh.netns_ident)
