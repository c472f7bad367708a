"""nf_tables rules: append, insert, replace, delete, dump.

A :class:`Rule` is a chain reference plus an expression tuple (in the order
``nft --debug=netlink`` prints it) and an optional comment, which nft keeps
in the rule's userdata. Equivalent nft commands: ``nft add rule ...``,
``nft insert rule ... [position H]``, ``nft replace rule ... handle H``,
``nft delete rule ... handle H``, ``nft list chain ...``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .. import _check
from .._dataclass import dataclass, field
from .._nfnl import FAMILIES, NFT_MSG, NFTA_RULE
from .._plan import Plan, drive
from .._wire import Attr
from ..errors import DecodeError
from . import _args
from ._codec import attr, attrs_of, be64, get_be64, get_str, nest, strz
from ._msg import F_APPEND, F_CREATE, F_REPLACE, comment_tlv, message, parse_header, udata_comment
from ._msg import dump_plan as _dump
from .chains import Chain
from .expr import Expr, check_exprs
from .expr._base import decode_span, encode_checked

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:
    from ..handle import Handle

__all__ = [
    "Rule",
    "build_add",
    "build_delete",
    "build_insert",
    "build_replace",
    "dump",
    "parse_rule",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A rule of chain ``chain`` in ``table``/``family``: ``exprs`` and a ``comment``.

    ``handle`` (the kernel's id, used to insert, replace and delete) and
    ``position`` (the handle it was placed after, as the kernel reports it)
    do not take part in equality; neither do the raw ``userdata`` bytes. A
    dumped rule remembers the namespace it came from (``origin``): its
    handle means nothing elsewhere, and a transaction on a handle in another
    namespace refuses it.
    """

    family: str
    table: str
    chain: str
    exprs: tuple[Expr, ...]
    comment: str | None = None
    handle: int | None = field(default=None, compare=False)
    position: int | None = field(default=None, compare=False)
    userdata: bytes | None = field(default=None, compare=False, repr=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Every rule a transaction queues or a dump decodes comes through here:
        # the usual values are tested inline, the rest by the named checks.
        fam = self.family
        if not (type(fam) is str and fam in FAMILIES):  # a family number becomes its keyword
            fam = _args.family(fam, "Rule.family")
            if fam is not self.family:
                object.__setattr__(self, "family", fam)
        _check.nft_name(self.table, "Rule.table")
        _check.nft_name(self.chain, "Rule.chain")
        exprs = self.exprs
        if type(exprs) is tuple:
            for e in exprs:
                if not isinstance(e, Expr):
                    check_exprs(exprs, "Rule.exprs")  # raises, naming the expression
        else:
            object.__setattr__(self, "exprs", check_exprs(exprs, "Rule.exprs"))
        if self.comment is not None or self.userdata is not None:
            _args.comment_matches(self.comment, self.userdata, 0, "Rule")
        if self.handle is not None:
            _check.uint(self.handle, 64, "Rule.handle")
        if self.position is not None:
            _check.uint(self.position, 64, "Rule.position")
        if type(self.attrs) is not tuple:
            _args.expect(self.attrs, tuple, "Rule.attrs")
        if self.origin is not None:
            _args.origin(self.origin, "Rule.origin")

    @property
    def chain_ref(self) -> Chain:
        return Chain(family=self.family, table=self.table, name=self.chain, origin=self.origin)

    @property
    def nfproto(self) -> int:
        return FAMILIES[self.family]

    def debug(self) -> str:
        """The rule as ``nft --debug=netlink`` prints it."""
        head = f"{self.family} {self.table} {self.chain}"
        return "\n".join([head, *(f"  {e.debug()}" for e in self.exprs)])

    def __str__(self) -> str:
        return render_rule(self)


# text (rawns.nft.render gathers these with the chain, set and ruleset layouts)


def render_rule_body(rule: Rule, inline: Mapping[str, str] | None = None) -> str:
    """The rule's statements and comment, as after ``nft add rule FAMILY TABLE CHAIN``."""
    from ._exprtext import render_exprs  # the text module loads with the first rendering

    _args.expect(rule, Rule, "rule")
    text = render_exprs(rule.exprs, rule.family, inline)
    if rule.comment is not None:
        text += f' comment "{rule.comment}"'
    return text


def render_rule(rule: Rule) -> str:
    """``add rule FAMILY TABLE CHAIN ...`` (a line ``nft -f`` accepts for nft's patterns)."""
    _args.expect(rule, Rule, "rule")
    return f"add rule {rule.family} {rule.table} {rule.chain} {render_rule_body(rule)}"


# Named priorities that nft only uses on some hooks (src/rule.c: std_prio_family_hook_compat).


#: _head's bytes by (table, chain) name; the names were checked by Rule.
_HEADS: dict[tuple[str, str], bytes] = {}
# Plain ints for what every rule encodes: a generated enum's member is a
# Python-level descriptor on its class (enum.property), read per access.
_EXPRESSIONS = int(NFTA_RULE.EXPRESSIONS)
_NEWRULE = int(NFT_MSG.NEWRULE)


def _userdata(rule: Rule) -> bytes:
    ud = rule.userdata
    if ud is None and rule.comment is not None:
        ud = comment_tlv(rule.comment)
    return attr(NFTA_RULE.USERDATA, ud) if ud is not None else b""


def _head(rule: Rule) -> bytes:
    """NFTA_RULE_TABLE and _CHAIN: the same bytes for every rule of a chain, built once."""
    table, chain = rule.table, rule.chain
    if type(table) is str and type(chain) is str:  # a str subclass might encode differently
        head = _HEADS.get((table, chain))
        if head is None:
            head = strz(NFTA_RULE.TABLE, table) + strz(NFTA_RULE.CHAIN, chain)
            if len(_HEADS) >= 256:
                _HEADS.clear()
            _HEADS[(table, chain)] = head
        return head
    return strz(NFTA_RULE.TABLE, table) + strz(NFTA_RULE.CHAIN, chain)


def _exprs(rule: Rule) -> bytes:
    return nest(_EXPRESSIONS, encode_checked(rule.exprs))  # checked by Rule


def build_add(rule: Rule, *, after: int | None = None, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_NEWRULE appending (or placing after handle ``after``).

    Equivalent to: nft add rule FAMILY TABLE CHAIN [position H] EXPR... [comment "..."]
    """
    _args.expect(rule, Rule, "rule")
    if after is not None:
        _check.uint(after, 64, "after")
    body = _head(rule) + _exprs(rule)
    if after is not None:
        body += be64(NFTA_RULE.POSITION, after)
    if rule.comment is not None or rule.userdata is not None:
        body += _userdata(rule)
    return message(
        _NEWRULE, FAMILIES[rule.family], body, flags=F_CREATE | F_APPEND, seq=seq, ack=ack
    )


def build_insert(
    rule: Rule, *, before: int | None = None, seq: int = 0, ack: bool = False
) -> bytes:
    """NFT_MSG_NEWRULE prepending (or placing before handle ``before``).

    Equivalent to: nft insert rule FAMILY TABLE CHAIN [position H] EXPR...
    """
    _args.expect(rule, Rule, "rule")
    if before is not None:
        _check.uint(before, 64, "before")
    body = _head(rule) + _exprs(rule)
    if before is not None:
        body += be64(NFTA_RULE.POSITION, before)
    body += _userdata(rule)
    return message(NFT_MSG.NEWRULE, rule.nfproto, body, flags=F_CREATE, seq=seq, ack=ack)


def build_replace(rule: Rule, handle: int, *, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_NEWRULE replacing rule ``handle``.

    Equivalent to: nft replace rule FAMILY TABLE CHAIN handle H EXPR...
    """
    _args.expect(rule, Rule, "rule")
    _check.uint(handle, 64, "handle")
    body = _head(rule) + be64(NFTA_RULE.HANDLE, handle) + _exprs(rule) + _userdata(rule)
    return message(NFT_MSG.NEWRULE, rule.nfproto, body, flags=F_REPLACE, seq=seq, ack=ack)


def build_delete(chain: Chain, handle: int, *, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_DELRULE. Equivalent to: nft delete rule FAMILY TABLE CHAIN handle H."""
    _args.expect(chain, Chain, "chain")
    _check.uint(handle, 64, "handle")
    body = (
        strz(NFTA_RULE.TABLE, chain.table)
        + strz(NFTA_RULE.CHAIN, chain.name)
        + be64(NFTA_RULE.HANDLE, handle)
    )
    return message(NFT_MSG.DELRULE, chain.nfproto, body, seq=seq, ack=ack)


def parse_rule(payload: bytes, origin: tuple[int, int] | None = None) -> Rule:
    """Decode an NFT_MSG_NEWRULE payload into a :class:`Rule` (typed expressions).

    ``origin``: the ``netns_ident`` of the handle it was dumped with (see :class:`Rule`).
    """
    family, _ = parse_header(payload)
    data = payload[4:]
    table = chain = None
    handle = position = None
    exprs: tuple[Expr, ...] = ()
    userdata = None
    rest: list[Attr] = []
    for kind, a, b in attrs_of(data, "rule"):
        if kind == NFTA_RULE.TABLE:
            table = get_str(data, a, b)
        elif kind == NFTA_RULE.CHAIN:
            chain = get_str(data, a, b)
        elif kind == NFTA_RULE.HANDLE:
            handle = get_be64(data, a, b)
        elif kind == NFTA_RULE.POSITION:
            position = get_be64(data, a, b)
        elif kind == NFTA_RULE.EXPRESSIONS:
            try:
                exprs = decode_span(data, a, b)
            except DecodeError as e:
                e.add_note(f"in rule {table} {chain} handle {handle}")
                raise
        elif kind == NFTA_RULE.USERDATA:
            userdata = data[a:b]
        elif kind in (NFTA_RULE.PAD, NFTA_RULE.ID):
            continue
        else:
            rest.append(Attr(kind, data[a:b]))
    if not table or not chain:  # absent or empty: the kernel names both (fuzz finding)
        raise DecodeError("rule without NFTA_RULE_TABLE or _CHAIN")
    try:
        return Rule(
            family=family,
            table=table,
            chain=chain,
            exprs=exprs,
            comment=udata_comment(userdata),
            handle=handle,
            position=position,
            userdata=userdata,
            attrs=tuple(rest),
            origin=origin,
        )
    except (ValueError, TypeError) as e:  # a field its spec refuses (a NUL in a name ...)
        raise DecodeError(f"NFT_MSG_NEWRULE: {e}") from e


def dump(
    h: Handle,
    *,
    family: str | int | None = None,
    table: str | None = None,
    chain: str | None = None,
) -> list[Rule]:
    """Every rule (of one family / table / chain, if given), in chain order.

    Equivalent to: nft -a list ruleset (the rules part). Raises TypeError/ValueError
    for a bad argument, before anything is sent.
    """
    return drive(h, dump_plan(h, family=family, table=table, chain=chain))


def dump_plan(
    h: Handle,
    *,
    family: str | int | None = None,
    table: str | None = None,
    chain: str | None = None,
) -> Plan[list[Rule]]:
    hh = _check.handle(h)
    fam = _args.optional_family(family)
    body = b""
    if table is not None:
        body += strz(NFTA_RULE.TABLE, _check.nft_name(table, "table"))
    if chain is not None:
        if table is None:
            raise ValueError(f"dumping the rules of chain {chain!r} needs its table too")
        body += strz(NFTA_RULE.CHAIN, _check.nft_name(chain, "chain"))
    origin = hh.netns_ident
    return (yield from _dump(NFT_MSG.GETRULE, fam, body, lambda p: parse_rule(p, origin)))


def rule_of(chain: Chain, exprs: Iterable[Expr], comment: str | None = None) -> Rule:
    """A :class:`Rule` for ``chain`` (a spec or a dumped :class:`Chain`)."""
    _args.expect(chain, Chain, "chain")
    return Rule(
        family=chain.family,
        table=chain.table,
        chain=chain.name,
        exprs=check_exprs(exprs, "exprs"),
        comment=comment,
    )


__all__ += ["rule_of"]
