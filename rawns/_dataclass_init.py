"""``__init__`` of the dataclasses :mod:`rawns._dataclass` makes, on their first use.

The standard decorator compiles each class's ``__init__`` from source; compiling is
most of what making one costs (issue 12: first-use cost). The body only depends on
the *shape* of the fields (how many, which are keyword-only, which are slot defaults,
frozen or not, with ``__post_init__`` or not), so the code is compiled once per
shape, with placeholder names, and each class takes a copy with its own names
(``CodeType.replace``), defaults, annotations and qualified name. The shapes that a
first nft transaction, link dump and request make are not even compiled: their code
is read from the bytecode cache of the generated :mod:`rawns._dataclass_code`.
Loaded by the first ``__init__`` a program needs, not by ``import rawns``.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: see rawns._dataclass
if TYPE_CHECKING:
    from typing import Any

    from ._dataclass import _Field

__all__ = ["init_fn"]

#: ``__init__`` code per shape (see :func:`_init_code`): one compile serves every class of
#: that shape; a class takes a renamed copy.
_CODES: dict[tuple[str, bool, bool], Any] = {}

#: Shapes made by a first nft transaction, link dump and request (Table, Chain, Rule, the
#: NAT expressions, Link, _Pending): read from ``rawns._dataclass_code``, not compiled
#: (written from these by tests/unit/test_dataclass_fast.py, which checks it is current).
_HOT = frozenset({
    ("dkk", True, True), ("dkkk", True, True), ("dkkkkkkk", True, True),
    ("dkkkkkkkk", True, True), ("kkkkkkkkk", True, True), ("kkkkkkkkkk", True, True),
    ("k" * 15, True, True), ("k" * 20, True, False), ("pp", False, False),
})  # fmt: skip


def _template(shape: str, frozen: bool, post_init: bool, name: str) -> str:
    """The source of a function ``name`` returning an ``__init__`` for fields of ``shape``.

    ``shape`` has a letter per field set: ``p`` positional, ``k`` keyword-only, ``d`` a
    slot default (no parameter). Field ``i`` is ``_i`` (its default ``_di``, ``object``
    ``_o``); the body is the standard decorator's. Laid out as ruff formats it.
    """
    std: list[str] = []
    kwo: list[str] = []
    cells = ["_o"]
    body: list[str] = []
    for i, kind in enumerate(shape):
        value = f"_{i}"
        if kind == "d":
            value = f"_d{i}"
            cells.append(value)
        else:
            (std if kind == "p" else kwo).append(value)
        body.append(f'_o.__setattr__(self, "_{i}", {value})' if frozen else f"self._{i} = {value}")
    if post_init:
        body.append("self.__post_init__()")
    params = ["self", *std, *(["*", *kwo] if kwo else [])]
    return (
        f"def {name}({', '.join(cells)}):\n    def __init__(\n"
        + "".join(f"        {p},\n" for p in params)
        + "    ):\n"
        + "".join(f"        {b}\n" for b in body or ["pass"])
        + "\n    return __init__\n"
    )


def _init_code(shape: str, frozen: bool, post_init: bool) -> Any:
    """The code of an ``__init__`` for fields of ``shape`` (see :func:`_template`).

    Only the names differ from class to class, so compiling (most of what making an
    ``__init__`` costs) happens once per shape, or never for a :data:`_HOT` one, and
    each class renames a copy (:func:`init_fn`).
    """
    key = (shape, frozen, post_init)
    code = _CODES.get(key)
    if code is not None:
        return code
    if key in _HOT:
        from . import _dataclass_code

        for k, fn in _dataclass_code.TEMPLATES.items():
            _CODES.setdefault(k, _inner(fn.__code__))
        code = _CODES.get(key)
        if code is not None:
            return code
    ns: dict[str, Any] = {}
    # exec of the text, as dataclasses does, not compile(): the builtin compile() builds
    # the ast module's types on its first call in a process, a cost a short script
    # would pay for its first instance. No annotations in the text: _init_fn sets them.
    exec(_template(*key, "__create_fn__"), {}, ns)  # noqa: S102 - as dataclasses does
    code = _CODES[key] = _inner(ns["__create_fn__"].__code__)
    return code


def _inner(outer: Any) -> Any:
    """The code of the function defined in ``outer`` (a template's ``__init__``)."""
    return next(c for c in outer.co_consts if type(c) is type(outer))


def init_fn(cls: type, flds: tuple[_Field, ...], frozen: bool, slots: bool, missing: object) -> Any:
    """``__init__`` as the standard decorator writes it: same signature, defaults, body.

    ``missing`` is the decorator's no-default marker (this module imports nothing of it).
    """
    shape: list[str] = []
    names: dict[str, str] = {}
    cells: dict[str, object] = {"_o": object}
    std: list[_Field] = []
    kwo: list[_Field] = []
    for f in flds:
        if f.init:
            (kwo if f.kw_only else std).append(f)
            kind = "k" if f.kw_only else "p"
        elif slots and f.default is not missing:  # no class attribute holds it: set it here
            kind = "d"
            cells[f"_d{len(shape)}"] = f.default
        else:
            continue
        names[f"_{len(shape)}"] = f.name
        shape.append(kind)
    code = _init_code("".join(shape), frozen, hasattr(cls, "__post_init__"))

    def rename(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(names.get(x, x) if type(x) is str else x for x in items)

    code = code.replace(
        co_varnames=rename(code.co_varnames),
        co_names=rename(code.co_names),
        co_consts=rename(code.co_consts),
    )
    module = sys.modules.get(cls.__module__)
    closure = tuple(_cell(cells[n]) for n in code.co_freevars)
    fn: Any = _FUNCTION(
        code, module.__dict__ if module is not None else {}, "__init__", None, closure
    )
    defaults = tuple(f.default for f in std if f.default is not missing)
    if defaults:
        fn.__defaults__ = defaults
    kwdefaults = {f.name: f.default for f in kwo if f.default is not missing}
    if kwdefaults:
        fn.__kwdefaults__ = kwdefaults
    fn.__annotations__ = {**{f.name: f.type for f in (*std, *kwo)}, "return": None}
    fn.__qualname__ = f"{cls.__qualname__}.__init__"
    return fn


#: types.FunctionType, without importing types (a module not every import path loads)
_FUNCTION: Any = type(init_fn)


def _cell(value: object) -> Any:
    """A closure cell holding ``value`` (types.CellType, without importing types)."""
    return (lambda: value).__closure__[0]  # type: ignore[index]  # one free variable
