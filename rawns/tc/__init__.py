"""Traffic control over rtnetlink (``tc`` without ``tc``): qdiscs, classes, filters.

Specs and results (:class:`Qdisc`, :class:`Class`, :class:`Filter` and the
options of each kind) are in ``_types``; pure builders in ``_encode``, pure
decoders in ``_decode``; the verbs in :mod:`~rawns.tc.qdisc`,
:mod:`~rawns.tc.tclass` and :mod:`~rawns.tc.filter`. Rates, sizes and times
take tc's spellings (``_units``), handles tc's ``"1:10"`` (``_handle``).

>>> from rawns import tc
>>> tc.format_handle(tc.parse_handle("ffff:"))
'ffff:'
>>> tc.format_rate(tc.Tbf(rate="8mbit", burst="32kbit", limit=10000).rate)
'8Mbit'
"""

from __future__ import annotations

from . import filter, qdisc, tclass
from ._decode import parse_class, parse_filter, parse_qdisc, parse_stats
from ._encode import build_class, build_filter, build_qdisc
from ._handle import CLSACT, EGRESS, INGRESS, ROOT, format_handle, parse_handle
from ._types import (
    U32,
    Bfifo,
    Class,
    Clsact,
    Filter,
    Htb,
    HtbClass,
    Ingress,
    Mirred,
    Pfifo,
    PfifoFast,
    Qdisc,
    Stats,
    Tbf,
    U32Key,
    Unknown,
    UnknownAction,
    u32_match,
)
from ._units import format_rate, format_size, format_time

__all__ = [
    "CLSACT",
    "EGRESS",
    "INGRESS",
    "ROOT",
    "U32",
    "Bfifo",
    "Class",
    "Clsact",
    "Filter",
    "Htb",
    "HtbClass",
    "Ingress",
    "Mirred",
    "Pfifo",
    "PfifoFast",
    "Qdisc",
    "Stats",
    "Tbf",
    "U32Key",
    "Unknown",
    "UnknownAction",
    "build_class",
    "build_filter",
    "build_qdisc",
    "filter",
    "format_handle",
    "format_rate",
    "format_size",
    "format_time",
    "parse_class",
    "parse_filter",
    "parse_handle",
    "parse_qdisc",
    "parse_stats",
    "qdisc",
    "tclass",
    "u32_match",
]
