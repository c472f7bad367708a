"""What the three verb modules share: the spec-or-keywords rule, dev names, labels."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _check
from .._verb import spec_or_fields
from ..link import Link, resolve_index
from ..link._types import LinkRef, check_here
from ._handle import format_handle
from ._types import U32, Mirred

if TYPE_CHECKING:
    from ..handle import Handle

S = TypeVar("S")


def spec(verb: str, h: Handle, obj: object, fields: Mapping[str, object], cls: type[S]) -> S:
    """The spec a verb acts on: ``obj`` or one built from the keywords (checked first)."""
    _check.handle(h)
    allowed = {f.name for f in dataclasses.fields(cls)} - {"stats", "attrs", "origin"}  # type: ignore[arg-type]
    given, kw = spec_or_fields(verb, obj, fields, cls, allowed=allowed)
    if given is None:
        given = cls(**kw)
    _check.same_netns(getattr(given, "origin", None), h, verb.split(".")[1], "")
    return given


def index(h: Handle, dev: LinkRef, what: str = "dev") -> int:
    """The ifindex of ``dev`` (one RTM_GETLINK for a name)."""
    if isinstance(dev, Link):
        check_here(h, dev, what)
    return resolve_index(h, dev, what)


def resolved(h: Handle, obj: Any) -> Any:
    """``obj`` with its dev (and any mirred action's dev) turned into an index."""
    obj = dataclasses.replace(obj, dev=index(h, obj.dev))
    o = obj.options
    if isinstance(o, U32) and any(
        isinstance(a, Mirred) and not isinstance(a.dev, int) for a in o.actions
    ):
        acts = tuple(
            dataclasses.replace(a, dev=index(h, a.dev, "mirred dev"))
            if isinstance(a, Mirred)
            else a
            for a in o.actions
        )
        obj = dataclasses.replace(obj, options=dataclasses.replace(o, actions=acts))
    return obj


def label(kind: str, dev: object, parent: int, handle: int) -> str:
    """How an object is named in errors: ``tbf dev 3 parent root handle 1:``."""
    return f"{kind} dev {dev} parent {format_handle(parent)} handle {format_handle(handle)}"
