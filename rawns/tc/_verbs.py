"""What the three verb modules share: the spec-or-keywords rule, dev names, labels."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .. import _check
from .._plan import Pipeline, Plan
from .._verb import spec_or_fields
from ..link import Link
from ..link._types import LinkRef, check_here
from ..link._verbs import resolve_index_plan
from ._handle import format_handle
from ._types import U32, Mirred

if TYPE_CHECKING:
    from ..errors import KernelError
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


def index(h: Handle, dev: LinkRef, what: str = "dev") -> Plan[int]:
    """The ifindex of ``dev`` (one RTM_GETLINK for a name)."""
    if isinstance(dev, Link):
        check_here(h, dev, what)
    return (yield from resolve_index_plan(h, dev, what))


def resolved(h: Handle, obj: Any) -> Plan[Any]:
    """``obj`` with its dev (and any mirred action's dev) turned into an index."""
    ifindex = yield from index(h, obj.dev)
    if ifindex != obj.dev or not isinstance(obj.dev, int):
        obj = dataclasses.replace(obj, dev=ifindex)
    o = obj.options
    if isinstance(o, U32) and any(
        isinstance(a, Mirred) and not isinstance(a.dev, int) for a in o.actions
    ):
        acts = []
        for a in o.actions:
            if isinstance(a, Mirred):
                a = dataclasses.replace(a, dev=(yield from index(h, a.dev, "mirred dev")))
            acts.append(a)
        obj = dataclasses.replace(obj, options=dataclasses.replace(o, actions=tuple(acts)))
    return obj


def label(kind: str, dev: object, parent: int, handle: int) -> str:
    """How an object is named in errors: ``tbf dev 3 parent root handle 1:``."""
    return f"{kind} dev {dev} parent {format_handle(parent)} handle {format_handle(handle)}"


class _Labels(Sequence[str]):
    """The labels of a pipelined batch (``label`` of each request), made only when
    one is read: the transport names a refused request by its label, and a
    batch the kernel accepts reads none (as :class:`rawns._plan.Request` takes
    a function for its target). It keeps the (frozen, resolved) specs themselves."""

    __slots__ = ("_items",)

    def __init__(self, items: list[Any]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [_label_of(o) for o in self._items[i]]
        return _label_of(self._items[i])


def _label_of(o: Any) -> str:
    return label(o.kind, o.dev, int(o.parent or 0), int(o.handle))


def _plain_ref(o: Any) -> bool:
    """Whether ``o``'s links are all given as indices (nothing to resolve)."""
    if type(o.dev) is not int:
        return False
    opts = o.options
    return not (isinstance(opts, U32) and opts.actions) or all(
        not isinstance(a, Mirred) or isinstance(a.dev, int) for a in opts.actions
    )


def add_many(
    h: Handle,
    objs: object,
    cls: type,
    build: Callable[[Any], bytes],
    op: str,
    what: str,
    check: bool,
) -> Plan[list[KernelError | None]]:
    """Build every request of ``objs`` (all checked, each dev name looked up once),
    then send them pipelined (:meth:`rawns.transport.Channel.pipeline`)."""
    _check.handle(h)
    _check.boolean(check, "check")
    if not isinstance(objs, Iterable) or isinstance(objs, str | bytes):
        raise TypeError(f"{what} must be a list of {cls.__name__}, not {_check._show(objs)}")
    names: dict[str, int] = {}
    msgs: list[bytes] = []
    specs: list[Any] = []  # what the labels are made from, if one is read
    for item in objs:
        if not isinstance(item, cls):
            raise TypeError(f"{what} must hold {cls.__name__} values, not {_check._show(item)}")
        o: Any = item
        if o.origin is not None:
            _check.same_netns(o.origin, h, what, "")
        if _plain_ref(o):
            dev = o.dev
            if not 1 <= dev <= 0x7FFFFFFF:  # an int (_plain_ref); check_ref's test of one
                check_here(h, dev, "dev")  # what resolved() does for an index, without a plan
        else:
            if isinstance(o.dev, str):
                if o.dev not in names:
                    names[o.dev] = yield from index(h, o.dev)
                o = dataclasses.replace(o, dev=names[o.dev])
            o = yield from resolved(h, o)
        msgs.append(build(o))
        specs.append(o)
    results: list[KernelError | None] = yield Pipeline(msgs, op, _Labels(specs), check)
    return results
