"""typing's run-time helpers rawns uses, without importing :mod:`typing` (issue 13).

Importing ``typing`` (and the ``re`` it loads) costs more than most of rawns'
modules, and rawns needs neither at run time: annotations are strings
(``from __future__ import annotations``), the other typing names it uses sit
under ``if TYPE_CHECKING:``, :func:`cast` does nothing at run time,
:func:`overload` notes its stubs for :func:`get_overloads` (typing's, which
sees them once this one has handed them over), and a class-syntax :class:`NamedTuple` is a
:func:`collections.namedtuple` with the class's annotations, defaults,
docstring and methods, as typing makes it (``tests/unit/test_import_cost.py``
compares the two). mypy sees typing's own here.

The same for one class of :mod:`weakref`'s: :class:`WeakSet`, the registries
of open handles, channels and namespace workers (what their fork handlers
walk), without ``_weakrefset`` (an import of its own; only ``add``, ``len``
and iteration, all rawns uses).
"""

TYPE_CHECKING = False  # not typing's: this module is on every import path
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
    from typing import cast as cast
    from typing import get_overloads as get_overloads
    from typing import overload as overload
    from weakref import WeakSet as WeakSet
else:

    def cast(typ, val):
        """:func:`typing.cast`: ``val``, unchanged."""
        return val

    import sys

    _PENDING = []  # overloads defined before typing was imported

    def overload(func):
        """:func:`typing.overload`: typing's own once it is imported, else noted for
        :func:`get_overloads` (which hands them to typing's registry)."""
        typing = sys.modules.get("typing")
        if typing is not None:
            return typing.overload(func)
        _PENDING.append(func)
        return func  # (the definition that follows replaces it)

    def get_overloads(func):
        """:func:`typing.get_overloads`, counting the overloads defined before typing."""
        import typing

        while _PENDING:
            typing.overload(_PENDING.pop(0))
        return typing.get_overloads(func)

    import collections

    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})

    class _NamedTupleMeta(type):
        def __new__(mcls, typename, bases, ns):
            for base in bases:
                if base is not _NamedTuple:
                    raise TypeError("can only inherit from a NamedTuple type")
            types = ns.get("__annotations__", {})
            defaults = [ns[n] for n in types if n in ns]
            if [n for n in types if n in ns] != list(types)[len(types) - len(defaults) :]:
                raise TypeError(f"{typename}: a field without a default follows one with one")
            made = collections.namedtuple(
                typename, types, defaults=defaults, module=ns["__module__"]
            )
            made.__annotations__ = made.__new__.__annotations__ = dict(types)
            for key, value in ns.items():
                if key not in _SPECIAL and key not in made._fields:
                    setattr(made, key, value)
            return made

    _NamedTuple = type.__new__(_NamedTupleMeta, "NamedTuple", (), {})

    def NamedTuple(typename, fields=None, /, **kw):
        """Only the class syntax, ``class Reply(NamedTuple): ...``."""
        raise TypeError("rawns._typing.NamedTuple takes the class syntax only")

    NamedTuple.__mro_entries__ = lambda bases: (_NamedTuple,)

    from _weakref import ref as _ref

    class WeakSet:
        """:class:`weakref.WeakSet`'s ``add``, ``len`` and iteration: a set of weak
        references, each removing itself when its object goes (set.add, set.discard and
        the snapshot taken to iterate are each one C call: safe between threads)."""

        __slots__ = ("_refs",)

        def __init__(self):
            self._refs = set()

        def add(self, item):
            # A weak reference hashes and compares as its object while that lives, and
            # keeps that hash after: the callback finds it in the set.
            self._refs.add(_ref(item, self._refs.discard))

        def __iter__(self):
            for r in list(self._refs):
                item = r()
                if item is not None:
                    yield item

        def __len__(self):
            return sum(1 for _ in self)


__all__ = ["NamedTuple", "WeakSet", "cast", "get_overloads", "overload"]
