"""Kinds with no settings of their own: ``ifb`` and ``dummy``."""

from __future__ import annotations

from .._dataclass import dataclass
from ._spec import LinkSpec

__all__ = ["Dummy", "Ifb"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Ifb(LinkSpec):
    """An intermediate functional block device (``ip link add NAME type ifb``)."""

    kind = "ifb"


@dataclass(frozen=True, slots=True, kw_only=True)
class Dummy(LinkSpec):
    """A dummy device (``ip link add NAME type dummy``); needs CONFIG_DUMMY."""

    kind = "dummy"
