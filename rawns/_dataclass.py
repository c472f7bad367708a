"""``dataclass`` without the :mod:`dataclasses` module at import (issue 13: import cost).

Importing :mod:`dataclasses` loads :mod:`inspect` (and with it ``ast``, ``dis``,
``tokenize``...), and the standard decorator compiles five methods per class with
``exec``: together most of what importing rawns' specs and results cost. For the
common case this decorator makes the same dataclass without either:

- the fields are read from the class's annotations as the standard decorator
  reads them (a ``ClassVar[...]`` annotation is a class variable, a
  :func:`field` or a plain value its default, the bases' fields first), and
  ``__slots__``, ``__match_args__`` and the frozen ``__setattr__``/
  ``__delattr__`` are made as it makes them;
- ``__repr__``, ``__eq__``, ``__hash__`` (and ``__getstate__``/``__setstate__``
  for frozen slots) are closures over the field names; ``__init__``, made on its
  first use, has the standard decorator's body, compiled once per shape of fields
  (or read from ``rawns._dataclass_code`` for the shapes first uses need) and
  renamed for each class (:mod:`rawns._dataclass_init`);
- ``__dataclass_fields__`` and ``__dataclass_params__`` (what
  :func:`dataclasses.fields`, :func:`~dataclasses.replace`,
  :func:`~dataclasses.asdict` and :func:`~dataclasses.is_dataclass` read) are
  made on first access: only a program that uses :mod:`dataclasses` loads it.

What is not the common case (``order``, ``unsafe_hash``, ``weakref_slot``, an
``InitVar`` or ``KW_ONLY``, a ``default_factory``, a class without a docstring,
with a metaclass, or with its own ``__setattr__``/``__delattr__`` when frozen)
goes to the standard decorator unchanged. ``tests/unit/test_dataclass_fast.py``
compares every class made here with the standard decorator's (fields,
parameters, signature, repr, equality, hash, frozenness, pickling, ``replace``).

mypy sees :func:`dataclasses.dataclass` and :func:`dataclasses.field` themselves.
"""

from __future__ import annotations

import reprlib
import sys
from operator import attrgetter

TYPE_CHECKING = False  # not typing's: this module is on every import path
if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
    from dataclasses import field as field
    from dataclasses import fields as fields
    from dataclasses import replace as replace
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = ["dataclass", "field", "fields", "replace", "unchecked_replace"]

_OWN = ("__init__", "__repr__", "__eq__", "__setattr__", "__delattr__")


class _Missing:
    """No default (``dataclasses.MISSING`` once the fields are made)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()
_FIELD_KW = ("default", "default_factory", "init", "repr", "hash", "compare", "metadata", "kw_only")


class _FieldSpec:
    """What :func:`field` returns: its arguments, until the decorator reads them."""

    __slots__ = _FIELD_KW
    default: Any
    default_factory: Any
    init: bool
    repr: bool
    hash: bool | None
    compare: bool
    metadata: Any
    kw_only: Any

    def real(self) -> Any:
        """The :class:`dataclasses.Field` the standard ``field()`` makes of the same arguments."""
        import dataclasses

        kw = {k: getattr(self, k) for k in _FIELD_KW}
        for k in ("default", "default_factory", "kw_only"):
            if kw[k] is _MISSING:
                kw[k] = dataclasses.MISSING
        return dataclasses.field(**kw)


class _Field:
    """One field as the decorator read it: a :class:`dataclasses.Field`'s attributes."""

    __slots__ = (*_FIELD_KW, "classvar", "name", "origin", "type")
    default: Any
    default_factory: Any
    init: bool
    repr: bool
    hash: bool | None
    compare: bool
    metadata: Any
    kw_only: Any
    classvar: bool
    name: str
    origin: Any
    type: Any


if not TYPE_CHECKING:

    def field(
        *,
        default=_MISSING,
        default_factory=_MISSING,
        init=True,
        repr=True,
        hash=None,
        compare=True,
        metadata=None,
        kw_only=_MISSING,
    ):
        """:func:`dataclasses.field`, read by :func:`dataclass` (see above)."""
        if default is not _MISSING and default_factory is not _MISSING:
            raise ValueError("cannot specify both default and default_factory")
        f = _FieldSpec()
        f.default, f.default_factory, f.init, f.repr = default, default_factory, init, repr
        f.hash, f.compare, f.metadata, f.kw_only = hash, compare, metadata, kw_only
        return f

    def fields(class_or_instance):
        """:func:`dataclasses.fields`: without loading it for a class made here."""
        lazy = _lazy_of(class_or_instance)
        if lazy is None:
            import dataclasses

            return dataclasses.fields(class_or_instance)
        return tuple(f for f in lazy.fields if not f.classvar)

    def replace(obj, /, **changes):
        """:func:`dataclasses.replace`: without loading it for a class made here."""
        lazy = _lazy_of(obj)
        if lazy is None:
            import dataclasses

            return dataclasses.replace(obj, **changes)
        for f in lazy.fields:
            if f.classvar:
                continue
            if not f.init:
                if f.name in changes:
                    raise ValueError(
                        f"field {f.name} is declared with init=False, "
                        "it cannot be specified with replace()"
                    )
            elif f.name not in changes:
                changes[f.name] = getattr(obj, f.name)
        return obj.__class__(**changes)


def _lazy_of(obj: object) -> _Lazy | None:
    for c in (obj if isinstance(obj, type) else type(obj)).__mro__:
        v = c.__dict__.get("__dataclass_fields__")
        if v is not None:
            return v if type(v) is _Lazy else _MADE.get(c)
    return None


#: The classes made here whose ``__dataclass_fields__`` a program asked for: what was read.
_MADE: dict[type, _Lazy] = {}


class _Lazy:
    """``__dataclass_fields__``/``__dataclass_params__`` of a class, made on first access."""

    __slots__ = ("cls", "fields", "params")
    cls: type

    def __init__(self, fields: tuple[_Field, ...], params: dict[str, bool]) -> None:
        self.fields = fields
        self.params = params

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        self.make()
        return self.cls.__dict__["__dataclass_fields__"]

    def make(self) -> None:
        import dataclasses

        cls = self.cls
        made: dict[str, Any] = {}
        for f in self.fields:
            if f.origin is not cls:  # inherited: the base's own Field, as the standard one
                made[f.name] = f.origin.__dataclass_fields__[f.name]
                continue
            real = _FieldSpec()
            for k in _FIELD_KW:
                setattr(real, k, getattr(f, k))
            if f.classvar:
                real.kw_only = _MISSING
            g = real.real()
            g.name, g.type = f.name, f.type
            g._field_type = dataclasses._FIELD_CLASSVAR if f.classvar else dataclasses._FIELD  # type: ignore[attr-defined]  # the standard decorator's marks
            made[f.name] = g
        init = dataclasses._DataclassParams.__init__  # type: ignore[attr-defined]  # 3.11: 6 arguments, 3.12: 10
        args = init.__code__.co_varnames[1 : init.__code__.co_argcount]
        params = dataclasses._DataclassParams(**{a: self.params[a] for a in args})  # type: ignore[attr-defined]
        type.__setattr__(cls, "__dataclass_params__", params)
        type.__setattr__(cls, "__dataclass_fields__", made)
        _MADE[cls] = self


class _LazyParams:
    """``__dataclass_params__`` until first looked up (then the fields are made too)."""

    __slots__ = ("lazy",)

    def __init__(self, lazy: _Lazy) -> None:
        self.lazy = lazy

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        self.lazy.make()
        return self.lazy.cls.__dict__["__dataclass_params__"]


class _LazyInit:
    """``__init__`` until first looked up: then made, put on the class, and returned."""

    __slots__ = ("cls", "fields", "frozen", "slots")

    def __init__(self, cls: type, flds: tuple[_Field, ...], frozen: bool, slots: bool) -> None:
        self.cls = cls
        self.fields = flds
        self.frozen = frozen
        self.slots = slots

    def build(self) -> Any:
        from ._dataclass_init import init_fn  # (what makes an __init__: loaded when needed)

        fn = init_fn(self.cls, self.fields, self.frozen, self.slots, _MISSING)
        type.__setattr__(self.cls, "__init__", fn)
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


def _repr(cls: type, flds: tuple[_Field, ...]) -> None:
    shown = tuple(f.name for f in flds if f.repr)

    def __repr__(self: object) -> str:
        inner = ", ".join([f"{n}={getattr(self, n)!r}" for n in shown])
        return f"{self.__class__.__qualname__}({inner})"

    __repr__.__qualname__ = f"{cls.__qualname__}.__repr__"
    _put(cls, "__repr__", reprlib.recursive_repr()(__repr__))


def _eq(cls: type, flds: tuple[_Field, ...]) -> None:
    key = _getter(tuple(f.name for f in flds if f.compare))

    def __eq__(self: object, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(key(self) == key(other))
        return NotImplemented

    _put(cls, "__eq__", __eq__)


def _hash(cls: type, flds: tuple[_Field, ...]) -> None:
    key = _getter(tuple(f.name for f in flds if (f.compare if f.hash is None else f.hash)))

    def __hash__(self: object) -> int:
        return hash(key(self))

    _put(cls, "__hash__", __hash__)


def _frozen_error(msg: str) -> Exception:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError(msg)


def _frozen(cls: type, names: tuple[str, ...], slots: bool) -> None:
    def __setattr__(self: object, name: str, value: object) -> None:
        if type(self) is cls or name in names:
            raise _frozen_error(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)  # type: ignore[arg-type]  # cls is a type

    def __delattr__(self: object, name: str) -> None:
        if type(self) is cls or name in names:
            raise _frozen_error(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)  # type: ignore[arg-type]  # cls is a type

    for fn in (__setattr__, __delattr__):
        if fn.__name__ not in cls.__dict__:
            _put(cls, fn.__name__, fn)
    if slots:
        getter = _getter(names)

        def _getstate(self: object) -> list[object]:
            return list(getter(self))

        def _setstate(self: object, state: list[object]) -> None:
            for name, value in zip(names, state, strict=False):
                object.__setattr__(self, name, value)

        if "__getstate__" not in cls.__dict__:
            type.__setattr__(cls, "__getstate__", _getstate)
        if "__setstate__" not in cls.__dict__:
            type.__setattr__(cls, "__setstate__", _setstate)


def _replace(self: object, /, **changes: object) -> object:
    import dataclasses

    return dataclasses.replace(self, **changes)  # type: ignore[type-var]  # a dataclass


_SLOT_NAMES: dict[type, tuple[str, ...]] = {}


def unchecked_replace(obj: T, name: str, value: object) -> T:
    """A copy of the frozen slots instance ``obj`` with field ``name`` set to ``value``,
    without running ``__init__``: for a caller that checked ``value`` itself, every other
    field having been checked when ``obj`` was made (a verb swapping a device name for
    the index it looked up). Not for lazily filled slots: every slot must be set."""
    cls = type(obj)
    names = _SLOT_NAMES.get(cls)
    if names is None:
        names = _SLOT_NAMES[cls] = tuple(
            n for k in reversed(cls.__mro__) for n in k.__dict__.get("__slots__", ())
        )
    out = object.__new__(cls)
    for n in names:
        object.__setattr__(out, n, getattr(obj, n))
    object.__setattr__(out, name, value)
    return out


def _classvar(annotation: object) -> bool | None:
    """True for ``ClassVar[...]``, None for what the standard decorator must read itself."""
    if isinstance(annotation, str):
        if "InitVar" in annotation or "KW_ONLY" in annotation:
            return None
        head = annotation.split("[", 1)[0].strip()
        return head in ("ClassVar", "typing.ClassVar")
    typing = sys.modules.get("typing")
    if typing is None:
        return False  # (no ClassVar object exists without typing)
    if annotation is typing.ClassVar or getattr(annotation, "__origin__", None) is typing.ClassVar:
        return True
    return None if "InitVar" in repr(annotation) or "KW_ONLY" in repr(annotation) else False


def _read(cls: type, kw_only: bool) -> tuple[_Field, ...] | None:
    """The fields, bases' first, as the standard decorator reads them; None: not the fast path."""
    own = cls.__dict__
    seen: dict[str, _Field] = {}
    for b in cls.__mro__[-1:0:-1]:
        v = b.__dict__.get("__dataclass_fields__")
        if v is None:
            continue
        if type(v) is not _Lazy:
            v = _MADE.get(b)
            if v is None:
                return None  # a base the standard decorator made: it reads its fields itself
        for f in v.fields:
            seen[f.name] = f
    annotations = own.get("__annotations__")
    if annotations is None:
        if "__annotate__" in own:
            return None  # (3.14's deferred annotations: the standard decorator reads them)
        annotations = {}
    for name, annotation in annotations.items():
        classvar = _classvar(annotation)
        if classvar is None:
            return None
        default = getattr(cls, name, _MISSING)
        f = _Field()
        if type(default) is _FieldSpec:
            for k in _FIELD_KW:
                setattr(f, k, getattr(default, k))
            if f.default_factory is not _MISSING:
                return None
        elif type(default).__name__ == "Field":
            return None  # dataclasses.field()'s: the standard decorator reads it
        else:
            if type(default).__name__ == "member_descriptor":
                default = _MISSING
            f.default, f.default_factory, f.init, f.repr = default, _MISSING, True, True
            f.hash, f.compare, f.metadata, f.kw_only = None, True, None, _MISSING
        if classvar and f.kw_only is not _MISSING:
            return None  # (the standard error)
        if not classvar:
            if f.kw_only is _MISSING:
                f.kw_only = kw_only
            if f.default.__class__.__hash__ is None:
                return None  # a mutable default: the standard decorator's ValueError
        f.name, f.type, f.classvar, f.origin = name, annotation, classvar, cls
        seen[name] = f
    if any(type(v) is _FieldSpec and k not in annotations for k, v in own.items()):
        return None  # a field without an annotation: the standard error
    return tuple(seen.values())


def _standard(cls: type, kw: dict[str, Any]) -> type:
    import dataclasses
    import typing  # noqa: F401 - the standard decorator finds ClassVar annotations only with it

    for name, value in list(cls.__dict__.items()):
        if type(value) is _FieldSpec:
            type.__setattr__(cls, name, value.real())
    made: type = dataclasses.dataclass(cls, **kw)
    return made


def _slotted(cls: type, flds: tuple[_Field, ...]) -> type:
    """The class again, with ``__slots__`` for its fields (the standard ``_add_slots``)."""
    if "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__} already specifies __slots__")
    cls_dict = dict(cls.__dict__)
    names = tuple(f.name for f in flds if not f.classvar)
    inherited: set[str] = set()
    for b in cls.__mro__[1:-1]:
        s = b.__dict__.get("__slots__")
        inherited.update((s,) if isinstance(s, str) else s or ())
    cls_dict["__slots__"] = tuple(n for n in names if n not in inherited)
    for n in names:
        cls_dict.pop(n, None)
    cls_dict.pop("__dict__", None)
    cls_dict.pop("__weakref__", None)
    qualname = getattr(cls, "__qualname__", None)
    new: type = type(cls)(cls.__name__, cls.__bases__, cls_dict)
    if qualname is not None:
        new.__qualname__ = qualname
    return new


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
    std = dict(init=init, repr=repr, eq=eq, frozen=frozen, kw_only=kw_only, slots=slots, **kw)
    own = cls.__dict__
    flds = None
    own_setattr = frozen and ("__setattr__" in own or "__delattr__" in own)
    if not kw and type(cls) is type and own.get("__doc__") and not own_setattr:
        flds = _read(cls, kw_only)
    bases = [_lazy_of(b) for b in cls.__mro__[1:] if "__dataclass_fields__" in b.__dict__]
    if flds is None or any(b is None or b.params["frozen"] != frozen for b in bases):
        return _standard(cls, std)  # (a frozen base under a plain class: the standard error)
    real = tuple(f for f in flds if not f.classvar)
    if init:
        seen_default = False
        for f in real:  # the standard decorator's check, and its error
            if f.init and not f.kw_only:
                if f.default is _MISSING and seen_default:
                    raise TypeError(f"non-default argument {f.name!r} follows default argument")
                seen_default = seen_default or f.default is not _MISSING
    for f in flds:  # the class attribute is the default (or nothing), as the standard one sets
        if f.origin is cls and type(own.get(f.name)) is _FieldSpec:
            if f.default is _MISSING:
                type.__delattr__(cls, f.name)
            else:
                type.__setattr__(cls, f.name, f.default)
    params = {
        "init": init, "repr": repr, "eq": eq, "order": False, "unsafe_hash": False,
        "frozen": frozen, "match_args": True, "kw_only": kw_only, "slots": slots,
        "weakref_slot": False,
    }  # fmt: skip
    lazy = _Lazy(flds, params)
    type.__setattr__(cls, "__dataclass_params__", _LazyParams(lazy))
    type.__setattr__(cls, "__dataclass_fields__", lazy)
    hash_ = own.get("__hash__", _MISSING)
    explicit_hash = not (hash_ is _MISSING or (hash_ is None and "__eq__" in own))
    had = {n: n in own for n in _OWN}
    if "__match_args__" not in own:
        match = tuple(f.name for f in real if f.init and not f.kw_only)
        type.__setattr__(cls, "__match_args__", match)
    if slots:
        old, cls = cls, _slotted(cls, flds)
        for f in flds:
            if f.origin is old:
                f.origin = cls
    lazy.cls = cls
    if init and not had["__init__"]:
        type.__setattr__(cls, "__init__", _LazyInit(cls, real, frozen, slots))
    if repr and not had["__repr__"]:
        _repr(cls, real)
    if eq:
        if not had["__eq__"]:
            _eq(cls, real)
        if not explicit_hash:
            if frozen:
                _hash(cls, real)
            else:
                type.__setattr__(cls, "__hash__", None)
    if frozen:
        _frozen(cls, tuple(f.name for f in real), slots)
    if sys.version_info >= (3, 13) and "__replace__" not in cls.__dict__:
        type.__setattr__(cls, "__replace__", _replace)
    return cls


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
        """:func:`dataclasses.dataclass`, without loading :mod:`dataclasses` (see above)."""

        def wrap(c):
            return _make(c, init, repr, eq, frozen, kw_only, slots, kw)

        return wrap if cls is None else wrap(cls)
