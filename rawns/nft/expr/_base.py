"""The expression base class, the decode registry and :class:`Unknown`.

On the wire a rule's ``NFTA_RULE_EXPRESSIONS`` is a list of ``NFTA_LIST_ELEM``
nests, each holding the expression's name and its private attributes::

    NFTA_LIST_ELEM (nested)
    ├── NFTA_EXPR_NAME  "payload\\0"
    └── NFTA_EXPR_DATA  (nested)  NFTA_PAYLOAD_DREG, _BASE, _OFFSET, _LEN ...

Each typed expression encodes the *request* form, attribute for attribute in
the order libnftnl writes it, so that ``encode()`` is byte-identical to what
``nft`` sends. The kernel dumps a slightly different form (no NLA_F_NESTED,
attributes in its own order, defaults it filled in such as ``NFTA_NAT_REG_
ADDR_MAX`` or ``NFTA_LOOKUP_FLAGS``); decoders accept both and normalise, so
an expression decoded from a dump equals the one that was written.

A decoder that meets an attribute it does not know gives up and the whole
element becomes :class:`Unknown`, which keeps the bytes verbatim: nothing is
silently dropped, and ``encode(decode(raw)) == raw`` for anything unknown.
"""

from __future__ import annotations

from collections.abc import Iterable

from ... import _check
from ..._dataclass import dataclass, field
from ..._nfnl import NFTA_EXPR, NFTA_LIST
from ..._wire import NLA_F_NESTED, NLA_TYPE_MASK, iter_attrs
from ...errors import DecodeError
from .. import _args
from .._codec import attr, get_str, nest, strz

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:
    from typing import Self

__all__ = [
    "REGISTRY",
    "Expr",
    "Unknown",
    "check_exprs",
    "decode_expr",
    "decode_exprs",
    "encode_exprs",
]


class Unrecognised(Exception):
    """Raised by a decoder for input it cannot represent exactly (becomes Unknown)."""


@dataclass(frozen=True, slots=True)
class Expr:
    """Base of every expression: a frozen dataclass with ``NAME``, ``encode`` and ``decode``."""

    # NAME and MEMO are class variables: unannotated, so no field (and no typing) is needed.
    NAME = ""
    # The encoding, kept on first use: rulesets share expression instances
    # (helpers hand out one ``meta l4proto`` object), so this is mostly a hit.
    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)
    #: Whether equal instances always encode alike, so that ``encode`` may be
    #: memoised (False where a field is excluded from equality, e.g. counts).
    MEMO = True

    def encode_data(self) -> bytes:
        """The attributes inside NFTA_EXPR_DATA (request form)."""
        raise NotImplementedError

    def encode(self) -> bytes:
        """The whole NFTA_LIST_ELEM attribute, as one entry of a rule's expression list.

        Rulesets repeat the same few expressions (``meta l4proto``, ``cmp eq
        tcp``, ``masq``) hundreds of times; their encoding is memoised by value.
        """
        raw = self._raw
        if raw is not None:
            return raw
        if not self.MEMO:
            raw = self._encode()
        else:
            raw = _MEMO.get(self)
            if raw is None:
                raw = self._encode()
                if len(_MEMO) >= _MEMO_MAX:
                    _MEMO.clear()
                _MEMO[self] = raw
        object.__setattr__(self, "_raw", raw)
        return raw

    def _encode(self) -> bytes:
        data = nest(NFTA_EXPR.DATA, self.encode_data())
        return nest(NFTA_LIST.ELEM, _name_attr(self.NAME) + data)

    def _encode_ending_with(self, key: tuple[object, ...], value: bytes) -> bytes:
        """Encode an expression whose last attribute is the register value ``value``.

        Everything before the value (headers, lengths, the other attributes)
        depends only on ``key`` and ``len(value)``, so it is built once from a
        zero-filled stand-in and reused: cmp and immediate values are unique
        per rule (addresses, ports), and this keeps them cheap.
        """
        n = len(value)
        k = (type(self), n, key)
        head = _TEMPLATES.get(k)
        if head is None:
            stand_in = self._encode_with(bytes(n))
            head = stand_in[: len(stand_in) - ((n + 3) & ~3)]
            if len(_TEMPLATES) >= _MEMO_MAX:
                _TEMPLATES.clear()
            _TEMPLATES[k] = head
        return head + value + _PAD[n & 3]

    def _encode_with(self, value: bytes) -> bytes:
        raise NotImplementedError

    @classmethod
    def decode_data(cls, data: bytes) -> Self:
        """Build the expression from its NFTA_EXPR_DATA payload (request or dump form)."""
        raise NotImplementedError

    @classmethod
    def decode_dump(cls, data: bytes) -> Self:
        """Like :meth:`decode_data`, for the kernel's dump form (where they differ)."""
        return cls.decode_data(data)

    def debug(self) -> str:
        """One line in the style of ``nft --debug=netlink``: ``[ cmp eq reg 1 0x0a000001 ]``."""
        raise NotImplementedError

    def __init_subclass__(cls, **kw: object) -> None:
        super(Expr, cls).__init_subclass__(**kw)  # Expr: the slotted class dataclass made
        name = cls.__dict__.get("NAME")
        if name:
            REGISTRY[name] = cls


#: Expression classes by kernel name (``"payload"`` -> :class:`Payload`).
REGISTRY: dict[str, type[Expr]] = {}

_MEMO: dict[Expr, bytes] = {}
_MEMO_MAX = 4096
_TEMPLATES: dict[tuple[object, ...], bytes] = {}
_PAD = (b"", b"\0\0\0", b"\0\0", b"\0")

_NAME_ATTRS: dict[str, bytes] = {}


def _name_attr(name: str) -> bytes:
    try:
        return _NAME_ATTRS[name]
    except KeyError:
        b = _NAME_ATTRS[name] = strz(NFTA_EXPR.NAME, name)
        return b


@dataclass(frozen=True, slots=True)
class Unknown(Expr):
    """An expression rawns does not model (or a form it cannot represent), kept verbatim.

    ``raw`` is the whole NFTA_LIST_ELEM attribute, header included, so
    :meth:`encode` returns exactly the bytes it was decoded from.
    """

    name: str
    raw: bytes
    MEMO = False

    def __post_init__(self) -> None:
        # ``raw`` is sent verbatim; ``name`` labels it, and is an expression name
        # like any other (the decoder builds it from the kernel's NFTA_EXPR_NAME,
        # which get_str has already refused if it held a NUL or bad UTF-8).
        _check.nft_name(self.name, "Unknown.name")
        _args.expect(self.raw, bytes, "Unknown.raw")

    def encode_data(self) -> bytes:
        for t, a, b in iter_attrs(self.raw, 4):
            if t & NLA_TYPE_MASK == NFTA_EXPR.DATA:
                return self.raw[a:b]
        return b""

    def encode(self) -> bytes:
        return self.raw

    def debug(self) -> str:
        return f"[ {self.name} (unknown to rawns: {self.raw.hex()}) ]"

    @classmethod
    def build(cls, name: str, data: bytes) -> Unknown:
        """An Unknown for expression ``name`` with NFTA_EXPR_DATA payload ``data``."""
        _check.nft_name(name, "name")
        _args.expect(data, bytes, "data")
        elem = _name_attr(name) + nest(NFTA_EXPR.DATA, data)
        return cls(name, attr(NFTA_LIST.ELEM | NLA_F_NESTED, elem))


def decode_expr(raw: bytes, start: int = 0, end: int | None = None) -> Expr:
    """Decode one NFTA_LIST_ELEM attribute's *payload* ``raw[start:end]``.

    The returned :class:`Unknown` (if any) re-encodes with NLA_F_NESTED set
    on the element; use :func:`decode_exprs` for byte-exact round trips.
    """
    start, end = _span(raw, start, end, "raw")
    payload = raw[start:end]
    return _decode_elem(payload, attr(NFTA_LIST.ELEM | NLA_F_NESTED, payload))


def _unknown(name: str, whole: bytes) -> Unknown:
    """An Unknown from the kernel's bytes: a name it cannot hold is a DecodeError."""
    try:
        return Unknown(name, whole)
    except ValueError as e:
        raise DecodeError(f"expression name {name!r}: {e}") from None


def _decode_elem(payload: bytes, whole: bytes) -> Expr:
    name: str | None = None
    data: bytes | None = None
    # The kernel dumps nests without NLA_F_NESTED (nla_nest_start_noflag in
    # nf_tables_api.c); libnftnl always sets it. That tells the two forms apart.
    dump_form = False
    for t, a, b in iter_attrs(payload):
        kind = t & NLA_TYPE_MASK
        if kind == NFTA_EXPR.NAME:
            name = get_str(payload, a, b)
        elif kind == NFTA_EXPR.DATA:
            data = payload[a:b]
            dump_form = not t & NLA_F_NESTED
        else:
            return _unknown(name or "?", whole)
    if not name:
        raise DecodeError("expression without NFTA_EXPR_NAME")
    cls = REGISTRY.get(name)
    if cls is None:
        return _unknown(name, whole)
    try:
        if dump_form:
            return cls.decode_dump(data or b"")
        return cls.decode_data(data or b"")
    except Unrecognised:
        return _unknown(name, whole)
    except DecodeError as e:
        e.add_note(f"in expression {name!r}")
        raise
    except (ValueError, TypeError):
        # Well-formed, but a value the typed expression refuses to build (a
        # log prefix that is not UTF-8, an empty cmp value): keep it verbatim.
        return _unknown(name, whole)


def decode_exprs(data: bytes, start: int = 0, end: int | None = None) -> tuple[Expr, ...]:
    """Decode an NFTA_RULE_EXPRESSIONS payload into typed expressions."""
    start, end = _span(data, start, end, "data")
    return decode_span(data, start, end)


def decode_span(data: bytes, start: int, end: int) -> tuple[Expr, ...]:
    """:func:`decode_exprs` of ``data[start:end]``, offsets already known good (a parser's)."""
    out: list[Expr] = []
    for t, a, b in iter_attrs(data, start, end):
        if t & NLA_TYPE_MASK != NFTA_LIST.ELEM:
            raise DecodeError(f"expression list holds attribute type {t & NLA_TYPE_MASK}", offset=a)
        out.append(_decode_elem(data[a:b], data[a - 4 : a + ((b - a + 3) & ~3)]))
    return tuple(out)


def _span(data: object, start: object, end: object, what: str) -> tuple[int, int]:
    """``start``/``end`` as offsets into the bytes ``data`` (``end`` None: its length)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"{what} must be bytes, not {type(data).__name__}: {data!r:.80}")
    n = len(data)
    lo = _check.integer(start, "start", 0, n)
    hi = n if end is None else _check.integer(end, "end", lo, n)
    return lo, hi


def encode_exprs(exprs: Iterable[Expr]) -> bytes:
    """The payload of NFTA_RULE_EXPRESSIONS: each expression's list element."""
    return encode_checked(check_exprs(exprs, "exprs"))


def encode_checked(exprs: tuple[Expr, ...]) -> bytes:
    """:func:`encode_exprs` for a tuple already checked (a :class:`Rule`'s)."""
    # An expression encoded before holds its bytes (Expr.encode keeps them in _raw):
    # rules share most of theirs, so read them without the call.
    return b"".join([e._raw or e.encode() for e in exprs])


def check_exprs(exprs: Iterable[object], what: str = "exprs") -> tuple[Expr, ...]:
    """The expressions as a tuple; a non-expression is a TypeError naming it (not a kernel error).

    A tuple of expressions is returned as it is (rules share them).
    """
    kind = type(exprs)
    if kind is tuple or kind is list:  # the usual containers, without the ABC test
        items = exprs if kind is tuple else tuple(exprs)
    elif isinstance(exprs, Expr | str | bytes) or not isinstance(exprs, Iterable):
        raise TypeError(
            f"{what} must be a list or tuple of nft expressions, not "
            f"{type(exprs).__name__}: {exprs!r:.80}"
        )
    else:
        items = exprs if isinstance(exprs, tuple) else tuple(exprs)
    for e in items:
        if not isinstance(e, Expr):
            i = next(n for n, x in enumerate(items) if not isinstance(x, Expr))
            raise TypeError(
                f"{what}: expression #{i} is {type(e).__name__}, not an nft expression: {e!r:.80}"
            )
    return items  # type: ignore[return-value]  # every item checked above
