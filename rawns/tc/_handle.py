"""tc handles: ``"1:"``, ``"1:10"``, ``"ffff:"``, root/ingress/clsact; parse and print like tc.

A handle is a u32: a 16-bit major (the qdisc) and a 16-bit minor (the class).

>>> parse_handle("1:10"), format_handle(0x10010), format_handle(ROOT)
(65552, '1:10', 'root')
"""

from __future__ import annotations

from .. import _check
from ._consts import TC_H

__all__ = ["CLSACT", "EGRESS", "INGRESS", "ROOT", "format_handle", "parse_handle"]

ROOT = int(TC_H.ROOT)
#: The parent of an ingress (and a clsact) qdisc: TC_H_INGRESS.
INGRESS = int(TC_H.INGRESS)
CLSACT = int(TC_H.CLSACT)
#: Filter parents under a clsact qdisc: ffff:fff2 (ingress) and ffff:fff3 (egress).
INGRESS_FILTERS = 0xFFFF0000 | TC_H.MIN_INGRESS
EGRESS = 0xFFFF0000 | TC_H.MIN_EGRESS


def parse_handle(value: object, what: str = "handle") -> int:
    """A handle from a u32 or tc's spelling (:func:`rawns._check.tc_handle`)."""
    return _check.tc_handle(value, what)


def format_handle(h: int) -> str:
    """A handle as tc prints it (tc_util.c print_tc_classid)."""
    h = _check.uint(h, 32, "handle")
    if h == ROOT:
        return "root"
    if h == 0:
        return "none"
    maj, mnr = h >> 16, h & 0xFFFF
    if maj == 0:
        return f":{mnr:x}"
    if mnr == 0:
        return f"{maj:x}:"
    return f"{maj:x}:{mnr:x}"
