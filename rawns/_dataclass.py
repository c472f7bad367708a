"""``dataclass`` without compiling five methods per class at import (issue 13: import cost).

The standard decorator writes the source of ``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__`` and ``__delattr__`` for every class and compiles
each with ``exec``: most of what importing rawns' specs and results cost. This
decorator makes the same dataclass in two steps:

- the standard decorator, asked for none of those methods (``init``, ``repr``,
  ``eq`` and ``frozen`` off), makes the fields, ``__match_args__``, the slots
  and the parameters, exactly as it always does;
- the methods are then added as closures over the field names (``__repr__``,
  ``__eq__``, ``__hash__``, the frozen ``__setattr__``/``__delattr__``,
  ``__getstate__``/``__setstate__`` for slots), all the standard ones would do;
  ``__init__`` is compiled from the same source the standard decorator writes,
  on its first use (the first instance, or ``inspect.signature``), so a class
  no program instantiates costs no compilation.

What is not the common case (``order``, ``unsafe_hash``, ``weakref_slot``, a
dataclass base, a field with a ``default_factory`` or ``init=False``, a class
without a docstring or with its own ``__init__``/``__repr__``/``__eq__``/
``__setattr__``/``__delattr__``) goes to the standard decorator unchanged.
``tests/unit/test_dataclass_fast.py`` compares every class made here with the
standard decorator's (fields, parameters, signature, repr, equality, hash,
frozenness, pickling, ``replace``).

mypy sees :func:`dataclasses.dataclass` itself.
"""

from __future__ import annotations

import dataclasses
import reprlib
from operator import attrgetter

TYPE_CHECKING = False  # not typing's: this module is on every import path
if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
    from typing import Any

    from _typeshed import DataclassInstance

__all__ = ["dataclass"]

_OWN = ("__init__", "__repr__", "__eq__", "__setattr__", "__delattr__")
_MISSING = dataclasses.MISSING


def _fast_ok(cls: type, frozen: bool, kw: dict[str, object]) -> bool:
    if kw:  # order, unsafe_hash, weakref_slot, match_args=False, ...: the standard way
        return False
    own = cls.__dict__
    if not own.get("__doc__") or (frozen and ("__setattr__" in own or "__delattr__" in own)):
        return False  # (the standard decorator makes a docstring, or raises)
    annotations = own.get("__annotations__", {})
    if any("InitVar" in str(a) for a in annotations.values()):
        return False
    for name in annotations:
        f = own.get(name)
        if isinstance(f, dataclasses.Field) and f.default_factory is not _MISSING:
            return False
    bases = [b for b in cls.__mro__[1:] if "__dataclass_fields__" in b.__dict__]
    if any(f.default_factory is not _MISSING for b in bases for f in dataclasses.fields(b)):
        return False
    # a frozen base under a plain class (or the reverse): the standard error
    return all(vars(b)["__dataclass_params__"].frozen == frozen for b in bases)


def _init_source(
    cls: type, flds: tuple[dataclasses.Field[Any], ...], frozen: bool, slots: bool
) -> tuple[str, dict[str, object]]:
    """The source of ``__init__`` as the standard decorator writes it, and its names."""
    names: dict[str, object] = {"__dataclass_builtins_object__": object}
    std: list[str] = []
    kwo: list[str] = []
    body: list[str] = []
    for f in flds:
        value = f.name
        if f.init:
            names[f"__dataclass_type_{f.name}__"] = f.type
            param = f"{f.name}:__dataclass_type_{f.name}__"
            if f.default is not _MISSING:
                names[f"__dataclass_dflt_{f.name}__"] = f.default
                param += f"=__dataclass_dflt_{f.name}__"
            (kwo if f.kw_only else std).append(param)
        elif slots and f.default is not _MISSING:  # no class attribute holds it: set it here
            names[f"__dataclass_dflt_{f.name}__"] = f.default
            value = f"__dataclass_dflt_{f.name}__"
        else:
            continue
        if frozen:
            body.append(f"  __dataclass_builtins_object__.__setattr__(self,{f.name!r},{value})")
        else:
            body.append(f"  self.{f.name}={value}")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    params = ["self", *std, *(["*", *kwo] if kwo else [])]
    src = (
        f"def __create_fn__({', '.join(names)}):\n"
        f" def __init__({','.join(params)}) -> None:\n"
        + ("\n".join(body) if body else "  pass")
        + "\n return __init__"
    )
    return src, names


class _LazyInit:
    """``__init__`` until first looked up: then compiled, put on the class, and returned."""

    __slots__ = ("cls", "frozen", "slots")

    def __init__(self, cls: type, frozen: bool, slots: bool) -> None:
        self.cls = cls
        self.frozen = frozen
        self.slots = slots

    def build(self) -> Any:
        cls = self.cls
        src, names = _init_source(cls, dataclasses.fields(cls), self.frozen, self.slots)
        module = __import__("sys").modules.get(cls.__module__)
        ns: dict[str, Any] = {}
        # dont_inherit: this module's `from __future__ import annotations` would turn the
        # parameters' annotations into the names of the locals holding them
        code = compile(src, f"<dataclass {cls.__qualname__}>", "exec", dont_inherit=True)
        exec(code, module.__dict__ if module is not None else {}, ns)  # noqa: S102 - as dataclasses does
        fn = ns["__create_fn__"](**names)
        fn.__qualname__ = f"{cls.__qualname__}.__init__"
        type.__setattr__(cls, "__init__", fn)
        return fn

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        fn = self.build()
        return fn if obj is None else fn.__get__(obj, owner)


def _getter(names: tuple[str, ...]) -> Any:
    """``self -> (self.a, self.b, ...)``: always a tuple, as the standard methods compare."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    if not names:
        return lambda self: ()
    return attrgetter(*names)


def _put(cls: type, name: str, fn: Any) -> None:
    fn.__qualname__ = f"{cls.__qualname__}.{name}"
    fn.__module__ = cls.__module__
    type.__setattr__(cls, name, fn)


def _repr(cls: type, flds: tuple[dataclasses.Field[Any], ...]) -> None:
    shown = tuple(f.name for f in flds if f.repr)

    def __repr__(self: object) -> str:
        inner = ", ".join([f"{n}={getattr(self, n)!r}" for n in shown])
        return f"{self.__class__.__qualname__}({inner})"

    __repr__.__qualname__ = f"{cls.__qualname__}.__repr__"
    _put(cls, "__repr__", reprlib.recursive_repr()(__repr__))


def _eq(cls: type, flds: tuple[dataclasses.Field[Any], ...]) -> None:
    key = _getter(tuple(f.name for f in flds if f.compare))

    def __eq__(self: object, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(key(self) == key(other))
        return NotImplemented

    _put(cls, "__eq__", __eq__)


def _hash(cls: type, flds: tuple[dataclasses.Field[Any], ...]) -> None:
    key = _getter(tuple(f.name for f in flds if (f.compare if f.hash is None else f.hash)))

    def __hash__(self: object) -> int:
        return hash(key(self))

    _put(cls, "__hash__", __hash__)


def _frozen(cls: type, names: tuple[str, ...], slots: bool) -> None:
    def __setattr__(self: object, name: str, value: object) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)  # type: ignore[arg-type]  # cls is a type

    def __delattr__(self: object, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)  # type: ignore[arg-type]  # cls is a type

    _put(cls, "__setattr__", __setattr__)
    _put(cls, "__delattr__", __delattr__)
    if slots:
        if "__getstate__" not in cls.__dict__:
            type.__setattr__(cls, "__getstate__", _getstate)
        if "__setstate__" not in cls.__dict__:
            type.__setattr__(cls, "__setstate__", _setstate)


def _getstate(self: DataclassInstance) -> list[object]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: DataclassInstance, state: list[object]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=False):
        object.__setattr__(self, f.name, value)


def _make(
    cls: type,
    init: bool,
    repr: bool,
    eq: bool,
    frozen: bool,
    kw_only: bool,
    slots: bool,
    kw: dict[str, Any],
) -> type:
    if not _fast_ok(cls, frozen, kw):
        return dataclasses.dataclass(  # **kw: order, unsafe_hash, ... passed through
            cls, init=init, repr=repr, eq=eq, frozen=frozen, kw_only=kw_only, slots=slots, **kw
        )
    own = dict(cls.__dict__)
    # Under a frozen base the standard decorator must be told `frozen` (it checks), and then
    # makes __setattr__/__delattr__ (and the slots' pickling) itself.
    frozen_base = frozen and any("__dataclass_fields__" in vars(b) for b in cls.__mro__[1:])
    bare: type = dataclasses.dataclass(
        cls, init=False, repr=False, eq=False, frozen=frozen_base, kw_only=kw_only, slots=slots
    )
    flds = dataclasses.fields(bare)
    if init:
        seen_default = False
        for f in flds:  # the standard decorator's check, and its error
            if f.init and not f.kw_only:
                if f.default is _MISSING and seen_default:
                    raise TypeError(f"non-default argument {f.name!r} follows default argument")
                seen_default = seen_default or f.default is not _MISSING
    params = vars(bare)["__dataclass_params__"]  # set by the bare call
    params.init, params.repr, params.eq, params.frozen = init, repr, eq, frozen
    if init and "__init__" not in own:
        type.__setattr__(bare, "__init__", _LazyInit(bare, frozen, slots))
    if repr and "__repr__" not in own:
        _repr(bare, flds)
    if eq:
        hash_ = own.get("__hash__", _MISSING)
        explicit_hash = not (hash_ is _MISSING or (hash_ is None and "__eq__" in own))
        if "__eq__" not in own:
            _eq(bare, flds)
        if not explicit_hash:
            if frozen:
                _hash(bare, flds)
            else:
                type.__setattr__(bare, "__hash__", None)
    if frozen and not frozen_base:
        _frozen(bare, tuple(f.name for f in flds), slots)
    return bare


if not TYPE_CHECKING:

    def dataclass(
        cls=None,
        /,
        *,
        init=True,
        repr=True,
        eq=True,
        frozen=False,
        kw_only=False,
        slots=False,
        **kw,
    ):
        """:func:`dataclasses.dataclass`, with its methods made without ``exec`` (see above)."""

        def wrap(c):
            return _make(c, init, repr, eq, frozen, kw_only, slots, kw)

        return wrap if cls is None else wrap(cls)
