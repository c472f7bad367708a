"""nf_tables expressions: typed, frozen, each with ``encode()`` and a decoder by name.

A rule is a tuple of these, in the order ``nft --debug=netlink`` prints them.
:data:`REGISTRY` maps the kernel's expression names to classes; anything else
decodes to :class:`Unknown`, which re-encodes byte for byte.
"""

from .._codec import Verdict
from ._action import Counter, Immediate, Limit, Log, Masq, Nat, Redir, Reject
from ._base import REGISTRY, Expr, Unknown, check_exprs, decode_expr, decode_exprs, encode_exprs
from ._match import Bitwise, Cmp, Ct, Lookup, Meta, Payload, Range, hexwords

__all__ = [
    "REGISTRY",
    "Bitwise",
    "Cmp",
    "Counter",
    "Ct",
    "Expr",
    "Immediate",
    "Limit",
    "Log",
    "Lookup",
    "Masq",
    "Meta",
    "Nat",
    "Payload",
    "Range",
    "Redir",
    "Reject",
    "Unknown",
    "Verdict",
    "check_exprs",
    "decode_expr",
    "decode_exprs",
    "encode_exprs",
    "hexwords",
]
