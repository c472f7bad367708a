"""rawns._enum builds every generated enum as ``enum._simple_enum`` would (issues 12, 13).

Each class body of every ``rawns/_*_consts.py`` is captured as the class statement hands it
over, then made twice: by ``enum._simple_enum`` (``_enum.build_stdlib``) and by the module's
own import (``_enum.build``). The two must agree on everything a user can reach: class dict
keys and values, members, aliases, values, order, lookups, iteration, repr/str/format,
flag arithmetic and pseudo members, containment, hashing, pickling, docs and names.

The one intended difference, on 3.11 and 3.12 only: a member sits in the class dict itself
(as 3.13's ``_simple_enum`` and the ordinary 3.12+ ``EnumType`` put it) instead of behind an
``enum.property`` redirect, so ``vars(cls)[name]`` is the member and ``dir(member)`` lists
the member names, as on 3.13.
"""

from __future__ import annotations

import copy
import enum
import importlib
import pickle
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import rawns
from rawns import _enum

CONSTS = sorted(p.stem for p in Path(rawns.__file__).parent.glob("_*_consts.py"))
#: 3.13's _simple_enum already puts members in the class dict; 3.11/3.12's use enum.property.
REDIRECTS = sys.version_info < (3, 13)


def _capture() -> list[tuple[str, type[enum.Enum], str, dict[str, object]]]:
    """Every generated class body: (module, base, name, namespace), as the metaclass gets it."""
    got: list[tuple[str, type[enum.Enum], str, dict[str, object]]] = []
    for mod in CONSTS:
        path = Path(rawns.__file__).parent / f"{mod}.py"

        def record(
            etype: type[enum.Enum], name: str, ns: dict[str, object], mod: str = mod
        ) -> type[enum.Enum]:
            got.append((mod, etype, name, dict(ns)))
            return _enum.build_stdlib(etype, name, ns)

        saved = _enum.build
        _enum.build = record  # _EnumBody.__new__ looks it up on each class statement
        try:
            code = compile(path.read_text(), str(path), "exec")
            exec(code, {"__name__": f"rawns.{mod}", "__package__": "rawns"})  # noqa: S102 - the generated module itself
        finally:
            _enum.build = saved
    return got


BODIES = _capture()


def test_every_generated_module_is_covered() -> None:
    assert {"_rtnl_consts", "_nfnl_consts", "_rtnl_kind_consts"} <= set(CONSTS)
    for mod in CONSTS:
        module = importlib.import_module(f"rawns.{mod}")
        assert sorted(n for m, _, n, _ in BODIES if m == mod) == sorted(module.__all__)


def _outcome(fn: Callable[[], object]) -> tuple[str, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.11's `non-member in cls`
        try:
            return ("ok", _show(fn()))
        except Exception as e:  # the failure itself is compared
            return ("raised", (type(e), str(e)))


def _show(x: object) -> object:
    """A value made comparable across the two classes: an enum member by its repr."""
    if isinstance(x, enum.Enum):
        return ("member", repr(x), int(x), x.name, type(x).__name__)
    if isinstance(x, (list, tuple)):
        return type(x)(_show(i) for i in x)
    return x


def _norm(x: object, cls: type) -> object:
    """Replace the class (and its members) by markers, to compare __reduce_ex__ results."""
    if x is cls:
        return "<cls>"
    if isinstance(x, enum.Enum) and type(x) is cls:
        return ("<member>", x._name_, x._value_)
    if isinstance(x, tuple):
        return tuple(_norm(i, cls) for i in x)
    return x


def _flag_probes(cls: Any) -> Iterator[int]:
    values = sorted({m._value_ for m in cls._member_map_.values()})
    yield from values
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            yield a | b
    everything = 0
    for v in values:
        everything |= v
    yield everything
    yield everything | (1 << (everything.bit_length() + 1))  # a bit no member names
    yield 0


def _assert_class_dict(ref: Any, new: Any, direct: bool, used: bool) -> None:
    rd, nd = vars(ref), vars(new)
    assert list(nd) == list(rd)
    members = ref._member_map_
    for key, rv in rd.items():
        nv = nd[key]
        if key in members:
            if REDIRECTS:  # 3.11/3.12's _simple_enum: a redirect to the member
                assert isinstance(rv, enum.property) and rv.name == key
            if direct:
                assert nv is new._member_map_[key]
            elif isinstance(rv, enum.property):  # both made by the stdlib: the same form
                assert isinstance(nv, enum.property) and (nv.name, nv.fget) == (key, rv.fget)
            else:
                assert rv is members[key] and nv is new._member_map_[key]
        elif key in ("_member_map_", "_value2member_map_"):
            if used and key == "_value2member_map_" and issubclass(new, enum.Flag):
                # A class in use caches its flags' pseudo members there, after the members.
                nv = dict(list(nv.items())[: len(rv)])
            assert list(nv) == list(rv)
            assert [(m._name_, m._value_) for m in nv.values()] == [
                (m._name_, m._value_) for m in rv.values()
            ]
        elif key == "_iter_member_":
            assert nv.__func__ is rv.__func__ and nv.__self__ is new and rv.__self__ is ref
        elif key in ("__doc__", "__module__"):
            assert nv == rv
        else:
            assert type(nv) is type(rv), key
            assert nv is rv or nv == rv, key


def _assert_member(ref: Any, new: Any, name: str, direct: bool) -> None:
    rm, nm = ref[name], new[name]
    assert getattr(new, name) is nm and getattr(ref, name) is rm
    assert new(nm._value_) is nm
    assert new._value2member_map_[nm._value_] is nm
    # `~member` caches its result in `_inverted_` (enum.Flag.__invert__): other tests in the
    # same process may have inverted the real class's members, so the cache is not compared.
    rvars = {k: v for k, v in vars(rm).items() if k != "_inverted_"}
    nvars = {k: v for k, v in vars(nm).items() if k != "_inverted_"}
    assert list(nvars) == list(rvars)
    for k, v in rvars.items():
        assert nvars[k] is new if k == "__objclass__" else nvars[k] == v
    assert type(nm) is new and isinstance(nm, type(rm).__mro__[1])
    assert isinstance(nm, int) and int(nm) == int(rm) and hash(nm) == hash(rm)
    assert (nm.name, nm.value) == (rm.name, rm.value)
    for fmt in ("", "d", "x", "#06x", ">12"):
        assert format(nm, fmt) == format(rm, fmt)
    assert (repr(nm), str(nm), f"{nm}") == (repr(rm), str(rm), f"{rm}")
    assert "%d %s" % (nm, nm) == "%d %s" % (rm, rm)  # noqa: UP031 - printf formatting under test
    assert (nm in new) and (rm in ref)
    assert _outcome(lambda: int(nm) in new) == _outcome(lambda: int(rm) in ref)
    assert nm == int(rm) and nm != new.__class__
    assert copy.copy(nm) is nm and copy.deepcopy(nm) is nm
    assert rm.__dir__() and nm.__dir__()
    extra = {n for n in new._member_map_ if n[0] != "_"} if REDIRECTS and direct else set()
    assert set(dir(nm)) == set(dir(rm)) | extra
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        assert _norm(nm.__reduce_ex__(proto), new) == _norm(rm.__reduce_ex__(proto), ref)


def _assert_same(ref: Any, new: Any, *, direct: bool = True, used: bool = False) -> None:
    """``new`` is ``ref`` over again; ``direct``: its members sit in its class dict; ``used``:
    ``new`` is a module's class, which other code may have asked for pseudo members."""
    assert type(new) is type(ref) is enum.EnumType
    assert new.__mro__[1:] == ref.__mro__[1:]
    base = enum.IntFlag if issubclass(ref, enum.IntFlag) else enum.IntEnum
    assert issubclass(new, base) and issubclass(new, int)
    names = ("__name__", "__qualname__", "__module__", "__doc__")
    assert [getattr(new, a) for a in names] == [getattr(ref, a) for a in names]
    _assert_class_dict(ref, new, direct, used)
    assert new._member_names_ == ref._member_names_
    assert list(new.__members__) == list(ref.__members__)
    assert [m._name_ for m in new] == [m._name_ for m in ref]
    assert [m._name_ for m in reversed(new)] == [m._name_ for m in reversed(ref)]
    assert len(new) == len(ref) and bool(new) == bool(ref)
    assert repr(new) == repr(ref) and str(new) == str(ref)
    assert dir(new) == dir(ref)
    for name in ref._member_map_:
        _assert_member(ref, new, name, direct)
    assert _outcome(lambda: new["NOPE"]) == _outcome(lambda: ref["NOPE"])
    assert _outcome(lambda: new.NOPE) == _outcome(lambda: ref.NOPE)
    first = next(iter(ref._member_map_), "NOPE")
    assert _outcome(lambda: setattr(new, first, 1)) == _outcome(lambda: setattr(ref, first, 1))
    assert _outcome(lambda: delattr(new, first)) == _outcome(lambda: delattr(ref, first))
    if base is enum.IntFlag:
        for v in _flag_probes(ref) if ref._member_map_ else ():
            r, n = ref(v), new(v)
            assert _show(n) == _show(r)
            assert [_show(m) for m in n] == [_show(m) for m in r]
            assert (len(n), bool(n), str(n), format(n, "x")) == (
                len(r),
                bool(r),
                str(r),
                format(r, "x"),
            )
            for op in (
                lambda c, x: ~x,
                lambda c, x: x | c(1),
                lambda c, x: x & c._flag_mask_,
                lambda c, x: x ^ c._all_bits_,
                lambda c, x: 3 | x,
                lambda c, x: x & 5,
                lambda c, x: 6 ^ x,
                lambda c, x: c(1) in x,
                lambda c, x: x in c,
            ):
                got = _outcome(lambda op=op, n=n: op(new, n))
                assert got == _outcome(lambda op=op, r=r: op(ref, r))
        made, want = new._value2member_map_, ref._value2member_map_  # with pseudo members now
        if used:
            assert set(want) <= set(made)
            assert [_show(made[v]) for v in want] == [_show(want[v]) for v in want]
        else:
            assert list(made) == list(want)
    else:
        bad = max(ref._value2member_map_, default=0) + 1
        assert _outcome(lambda: new(bad)) == _outcome(lambda: ref(bad))
        assert _outcome(lambda: new("1")) == _outcome(lambda: ref("1"))


@pytest.mark.parametrize(
    ("mod", "etype", "name", "ns"), BODIES, ids=[f"{m}.{n}" for m, _, n, _ in BODIES]
)
def test_generated_enum_matches_simple_enum(
    mod: str, etype: type[enum.Enum], name: str, ns: dict[str, object]
) -> None:
    ref = _enum.build_stdlib(etype, name, dict(ns))
    real = getattr(importlib.import_module(f"rawns.{mod}"), name)
    _assert_same(ref, real, direct=_enum._FAST or not REDIRECTS, used=True)
    # The real class is reached by reference: pickling round trips to the very objects.
    assert pickle.loads(pickle.dumps(real)) is real  # noqa: S301 - our own
    for m in real._member_map_.values():
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            assert pickle.loads(pickle.dumps(m, proto)) is m  # noqa: S301 - our own
    if issubclass(real, enum.IntFlag) and len(real._member_names_) > 1:
        a, b = (real[n] for n in real._member_names_[:2])
        assert pickle.loads(pickle.dumps(a | b)) == a | b  # noqa: S301 - our own
    # And a fresh build, with the stdlib path barred where the replay is meant to run.
    fresh = _build_without_fallback(etype, name, dict(ns))
    _assert_same(
        _enum.build_stdlib(etype, name, dict(ns)), fresh, direct=_enum._FAST or not REDIRECTS
    )


def _build_without_fallback(
    etype: type[enum.Enum], name: str, ns: dict[str, object]
) -> type[enum.Enum]:
    if not _enum._FAST:
        return _enum.build(etype, name, ns)

    def refuse(*args: object) -> type[enum.Enum]:
        raise AssertionError("the generated class took the stdlib path")

    saved = _enum.build_stdlib
    _enum.build_stdlib = refuse
    try:
        return _enum.build(etype, name, ns)
    finally:
        _enum.build_stdlib = saved


def test_replay_runs_on_the_interpreters_it_was_written_for() -> None:
    expect = sys.implementation.name == "cpython" and sys.version_info[:2] in {
        (3, 11),
        (3, 12),
        (3, 13),
    }
    assert _enum._FAST is expect


def _ns(**members: object) -> dict[str, object]:
    return {"__module__": __name__, "__qualname__": "T", "__doc__": "doc.", **members}


@pytest.mark.parametrize(
    ("ns", "replayed"),
    [
        (_ns(_ignore_=["X"], A=1), False),  # a sunder: enum's own meaning
        (_ns(name=1, A=2), False),  # a name Enum owns (a property)
        (_ns(real=1), False),  # a name int owns
        (_ns(A="x"), False),  # not an int
        (_ns(A=True), False),  # an int subclass
        (_ns(_T__x=1, A=2), False),  # a private name
        (_ns(__repr__=lambda self: "x", A=1), False),  # a method the fix-up loop looks at
        ({"__module__": __name__, "__qualname__": "T", "A": 1, "B": 1}, True),  # no doc; alias
        (_ns(_1=1, _32_00=8, A=3), True),  # leading underscores from digits: members
        (_ns(), True),  # no members
    ],
    ids=["sunder", "name", "real", "str", "bool", "private", "repr", "nodoc", "digits", "empty"],
)
@pytest.mark.parametrize("etype", [enum.IntEnum, enum.IntFlag])
def test_unusual_bodies_match_simple_enum(
    etype: type[enum.Enum], ns: dict[str, object], replayed: bool
) -> None:
    ref = _outcome(lambda: _enum.build_stdlib(etype, "T", dict(ns)))
    new = _outcome(lambda: _enum.build(etype, "T", dict(ns)))
    assert ref[0] == new[0]
    if ref[0] == "ok":
        made = (
            _build_without_fallback(etype, "T", dict(ns))
            if replayed
            else _enum.build(etype, "T", dict(ns))
        )
        direct = replayed and _enum._FAST
        _assert_same(_enum.build_stdlib(etype, "T", dict(ns)), made, direct=direct)


def test_other_bases_and_interpreters_take_the_stdlib_path(monkeypatch: pytest.MonkeyPatch) -> None:
    ns = _ns(A=1, B=2)
    made = _enum.build(enum.Enum, "T", dict(ns))  # type: ignore[type-abstract]
    assert issubclass(made, enum.Enum) and not issubclass(made, int) and made.B.value == 2
    monkeypatch.setattr(_enum, "_FAST", False)
    made = _enum.build(enum.IntEnum, "T", ns)
    _assert_same(_enum.build_stdlib(enum.IntEnum, "T", dict(ns)), made, direct=not REDIRECTS)


def test_without_simple_enum_the_functional_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_enum, "_FAST", False)
    monkeypatch.delattr(enum, "_simple_enum")
    made: Any = _enum.build(enum.IntFlag, "T", _ns(A=1, B=2, AB=3))
    assert issubclass(made, enum.IntFlag) and made.__doc__ == "doc." and made.__module__ == __name__
    assert [m.name for m in made] == ["A", "B"] and made.AB is made.A | made.B


def test_class_statement_builds_the_enum() -> None:
    class Colour(_enum.INT_FLAG):  # type: ignore[misc,valid-type]
        """Doc."""

        RED = 1
        BLUE = 4

    made: Any = Colour
    assert type(made) is enum.EnumType and issubclass(made, enum.IntFlag)
    assert repr(made.RED | made.BLUE) == "<Colour.RED|BLUE: 5>"
    assert made.__qualname__ == "Colour"  # as _simple_enum: the bare name
