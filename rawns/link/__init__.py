"""Links (``ip link``): dump, get, add, set, delete.

Specs name what you create (:class:`Veth`, :class:`Bridge`); :class:`Link`
is what the kernel reports. Every verb takes a :class:`~rawns.Handle` first.
"""

from __future__ import annotations

from ._base import (
    Link,
    LinkRef,
    LinkSpec,
    build_delete,
    build_dump,
    build_get,
    delete,
    dump,
    get,
    parse_link,
    resolve_index,
)
from ._kinds import Bridge, Veth, add, build_add

__all__ = [
    "Bridge",
    "Link",
    "LinkRef",
    "LinkSpec",
    "Veth",
    "add",
    "build_add",
    "build_delete",
    "build_dump",
    "build_get",
    "delete",
    "dump",
    "get",
    "parse_link",
    "resolve_index",
]
