"""rawns._dataclass makes the same dataclasses as :func:`dataclasses.dataclass` (issue 13).

Two fresh interpreters import every rawns module and describe every dataclass in
it: one as shipped, one with ``rawns._dataclass.dataclass`` replaced by the
standard decorator before rawns loads. The descriptions must be equal: fields
and their options, parameters, ``__match_args__``, slots, signature,
``__init__``'s annotations and defaults, and, on instances, repr, equality
against a copy and against a copy differing in each field, hash, frozenness
(assigning and deleting each field), pickling, ``copy``, and what calling the
class with placeholder values does (the object it makes, or the error it
raises). Hash seeds are fixed, so hashes compare across the two.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DESCRIBE = r"""
import copy, dataclasses, importlib, inspect, json, pickle, pkgutil, re, sys, types
if sys.argv[1] == "standard":
    import rawns
    from rawns._dataclass import unchecked_replace  # not a stdlib mechanism: kept as it is
    stub = types.ModuleType("rawns._dataclass")
    stub.unchecked_replace = unchecked_replace
    stub.dataclass, stub.field = dataclasses.dataclass, dataclasses.field
    stub.fields, stub.replace = dataclasses.fields, dataclasses.replace
    sys.modules["rawns._dataclass"] = stub
import rawns

SKIP = {"rawns.__main__", "rawns.cli", "rawns.demo", "rawns.demo_k8s"}
classes = {}
for info in pkgutil.walk_packages(rawns.__path__, "rawns."):
    if info.name in SKIP:
        continue
    try:
        mod = importlib.import_module(info.name)
    except ImportError:
        continue
    for v in vars(mod).values():
        if isinstance(v, type) and dataclasses.is_dataclass(v) and v.__module__ == mod.__name__:
            classes[f"{v.__module__}.{v.__qualname__}"] = v


def attempt(fn):
    try:
        return repr(fn())
    except Exception as e:
        return f"{type(e).__name__}: {e}"


def make(cls, vals):
    obj = object.__new__(cls)
    for k, v in vals.items():
        object.__setattr__(obj, k, v)
    return obj


def describe(cls):
    flds = dataclasses.fields(cls)
    d = {
        "params": repr(cls.__dataclass_params__),
        "fields": [
            [f.name, repr(f.type), repr(f.default), repr(f.default_factory), f.init, f.repr,
             f.hash, f.compare, repr(f.metadata), f.kw_only, repr(f._field_type)]
            for f in cls.__dataclass_fields__.values()
        ],
        "match_args": repr(getattr(cls, "__match_args__", None)),
        "slots": repr(cls.__dict__.get("__slots__")),
        "doc": cls.__doc__,
        "hash_none": cls.__hash__ is None,
        "signature": attempt(lambda: inspect.signature(cls)),
        "init": attempt(lambda: (cls.__init__.__qualname__, cls.__init__.__annotations__,
                                 cls.__init__.__defaults__, cls.__init__.__kwdefaults__)),
        "methods": [getattr(getattr(cls, m, None), "__qualname__", None)
                    for m in ("__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")],
    }
    vals = {f.name: f"<{f.name}>" for f in flds}
    a, b = make(cls, vals), make(cls, vals)
    d["repr"] = attempt(lambda: repr(a))
    d["eq"] = attempt(lambda: (a == b, a != b, a == 1))
    d["eq_each"] = [attempt(lambda: a == make(cls, {**vals, f.name: 7})) for f in flds]
    d["hash"] = attempt(lambda: (hash(a) == hash(b), hash(a) == hash(make(cls, vals)) and hash(a)))
    d["hash_each"] = [attempt(lambda: hash(make(cls, {**vals, f.name: 7})) == hash(a))
                      for f in flds]
    d["set"] = [attempt(lambda: setattr(a, f.name, 1)) for f in flds]
    d["del"] = [attempt(lambda: delattr(b, f.name)) for f in flds]
    c = make(cls, vals)
    d["pickle"] = attempt(lambda: pickle.loads(pickle.dumps(c)) == c)
    d["copy"] = attempt(lambda: copy.copy(c) == c)
    args = {f.name: f"<{f.name}>" for f in flds if f.init}
    d["call"] = attempt(lambda: cls(**args))
    d["call_empty"] = attempt(lambda: cls())
    d["call_extra"] = attempt(lambda: cls(**args, not_a_field=1))
    return d


out = json.dumps({k: describe(v) for k, v in sorted(classes.items())}, default=repr)
print(re.sub(r" at 0x[0-9a-f]+", "", out))  # object addresses differ between the two
"""


def _describe(mode: str) -> dict[str, dict[str, object]]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, "-c", DESCRIBE, mode], capture_output=True, text=True, check=True, env=env
    ).stdout
    result: dict[str, dict[str, object]] = json.loads(out)
    return result


@pytest.fixture(scope="module")
def both() -> tuple[dict[str, dict[str, object]], dict[str, dict[str, object]]]:
    return _describe("fast"), _describe("standard")


def test_every_dataclass_is_the_standard_one(
    both: tuple[dict[str, dict[str, object]], dict[str, dict[str, object]]],
) -> None:
    fast, standard = both
    assert fast.keys() == standard.keys()
    assert len(fast) > 80  # the walk found rawns' classes
    diffs = {
        (cls, key): (fast[cls][key], standard[cls][key])
        for cls in fast
        for key in fast[cls]
        if fast[cls][key] != standard[cls][key]
    }
    assert not diffs, "\n".join(
        f"{c} {k}:\n  fast     {f}\n  standard {s}" for (c, k), (f, s) in diffs.items()
    )


def test_most_classes_take_the_fast_path() -> None:
    """The decorator falls back to the standard one only for what it does not handle."""
    code = (
        "import dataclasses, importlib, pkgutil, rawns, rawns._dataclass as d\n"
        "n = fast = 0\n"
        "SKIP = {'rawns.__main__', 'rawns.cli', 'rawns.demo', 'rawns.demo_k8s'}\n"
        "for i in pkgutil.walk_packages(rawns.__path__, 'rawns.'):\n"
        "    if i.name in SKIP: continue\n"
        "    m = importlib.import_module(i.name)\n"
        "    for v in vars(m).values():\n"
        "        mine = v.__module__ == m.__name__ if isinstance(v, type) else False\n"
        "        if mine and dataclasses.is_dataclass(v):\n"
        "            n += 1; fast += type(v.__dict__.get('__init__')) is d._LazyInit\n"
        "print(n, fast)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    total, fast = map(int, out.stdout.split())
    assert fast >= total // 2, (total, fast)


def test_init_is_compiled_on_first_use_and_then_plain() -> None:
    from rawns import _dataclass

    @_dataclass.dataclass(frozen=True, slots=True, kw_only=True)
    class Point:
        """A point."""

        x: int
        y: int = 0

    assert type(Point.__dict__["__init__"]) is _dataclass._LazyInit
    p = Point(x=1)
    assert type(Point.__dict__["__init__"]).__name__ == "function"
    assert (p, Point(x=1, y=2).y) == (Point(x=1, y=0), 2)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'x'"):
        Point()  # type: ignore[call-arg]  # the point of the test


def test_standard_errors_kept() -> None:
    from rawns import _dataclass

    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @_dataclass.dataclass
        class Bad:
            """Bad."""

            a: int = 0
            b: int


TEMPLATES = Path(__file__).resolve().parents[2] / "rawns" / "_dataclass_code.py"


def render_templates() -> str:
    """The text of rawns/_dataclass_code.py: the templates of ``_dataclass_init._HOT``'s shapes."""
    from rawns import _dataclass_init as d

    keys = sorted(d._HOT, key=lambda k: (len(k[0]), k))
    names = {k: f"_{k[0]}_{'frozen' if k[1] else 'plain'}{'_post' if k[2] else ''}" for k in keys}
    head = (
        "``__init__`` templates of the dataclass shapes on first-use paths (generated).\n\n"
        "Written by ``python tests/unit/test_dataclass_fast.py`` from\n"
        "``rawns._dataclass_init._HOT`` (its test fails when this is not current); read, when\n"
        "one of these shapes is first needed, instead of compiling its text.\n"
    )
    return (
        f'"""{head}"""\n\n# mypy: ignore-errors\n'
        "# (placeholder names: each class renames a copy of the code)\n\n\n"
        + "\n\n".join(d._template(*k, names[k]) for k in keys)
        + "\n\nTEMPLATES = {\n"
        + "".join(f'    ("{k[0]}", {k[1]}, {k[2]}): {names[k]},\n' for k in keys)
        + "}\n"
    )


def test_templates_module_is_current() -> None:
    """Regenerate with ``python tests/unit/test_dataclass_fast.py`` after changing _HOT
    or the template text."""
    assert TEMPLATES.read_text() == render_templates()


def test_first_use_classes_compile_nothing() -> None:
    """The classes a first nft transaction and link dump make read their ``__init__``
    code from the templates module: no shape outside _HOT is compiled."""
    code = (
        "import rawns._dataclass as d, rawns._dataclass_init as i\n"
        "from rawns import link\n"
        "from rawns.nft import chains, expr, rules, tables\n"
        "for c in (tables.Table, chains.Chain, rules.Rule, expr.Payload, expr.Cmp, expr.Meta,\n"
        "          expr.Masq, expr.Immediate, expr.Nat, link.Link):\n"
        "    assert type(c.__dict__['__init__']) is d._LazyInit, c\n"
        "    c.__init__\n"
        "print(sorted(set(i._CODES) - i._HOT))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_one_code_per_shape_renamed_per_class() -> None:
    from rawns import _dataclass

    @_dataclass.dataclass(frozen=True, slots=True)
    class A:
        """A."""

        x: int
        _1: int = 5  # named like the placeholder of another slot: renamed all at once

    @_dataclass.dataclass(frozen=True, slots=True)
    class B:
        """B."""

        _0: str
        y: str = "b"

    a, b = A(1), B("z")
    assert (a.x, a._1, b._0, b.y) == (1, 5, "z", "b")
    assert A.__init__.__code__.co_code == B.__init__.__code__.co_code
    assert A.__init__.__code__.co_varnames[:3] == ("self", "x", "_1")
    assert B.__init__.__code__.co_varnames[:3] == ("self", "_0", "y")
    assert A(x=2, _1=3) == A(2, 3)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'x'"):
        A()  # type: ignore[call-arg]  # the point of the test

    @_dataclass.dataclass(frozen=True, slots=True)
    class C:
        """Fields named like the template's cells (object, a slot default)."""

        _o: int
        _d0: int = 3
        z: int = _dataclass.field(default=7, init=False)

    assert (C(1).z, C(1)._d0, C(1, 2)._o, C(1, 2)._d0) == (7, 3, 1, 2)


if __name__ == "__main__":  # rewrite rawns/_dataclass_code.py
    TEMPLATES.write_text(render_templates())
