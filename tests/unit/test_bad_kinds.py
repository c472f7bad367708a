"""Property-based bad input, generated from rawns._check's description of each value kind.

For every spec constructor and pure builder in the table of
``tests/unit/bad_kinds.py``, each parameter gets the invalid values its kind's
description implies (all of them, deterministically), then random ones drawn
by hypothesis from the same description. Each must raise ``TypeError`` or
``ValueError`` whose message shows the value: not a ``KernelError`` (nothing
may be sent), not a raw ``struct.error``/``KeyError``/..., and not silence (a
value truncated or rewritten). A Transaction method that refuses a value
must also leave the transaction empty (nothing half-made).

The verbs are in tests/privileged/test_bad_kinds_state.py (kernel state
compared before and after). The count of combinations tried is printed in the
terminal summary ("bad-input combinations tried").
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawns import nft
from tests.unit import bad_kinds as bk

PURE = [t for t in bk.TARGETS if not t.verb]
GROUPS = sorted({t.name.split(".")[0] for t in PURE})
#: Random examples per module group (the deterministic sweep covers every edge).
RANDOM_EXAMPLES = 1000


@pytest.fixture(autouse=True, scope="module")
def _summary(request: pytest.FixtureRequest) -> None:
    bk.register_summary(request.config)


@pytest.fixture(scope="module")
def world() -> bk.World:
    return bk.pure_world()


@functools.cache
def _real(name: str) -> Callable[..., Any] | None:
    return dict(bk.public_callables()).get(name)


def _none_ok(t: bk.Target, param: str, w: bk.World) -> bool:
    fn = _real(t.name) or t.base(w)[0]
    return bk.none_ok(fn, param)


def attempt(t: bk.Target, param: str, value: object, w: bk.World) -> str | None:
    """Call ``t`` with ``param=value``; None if refused as documented, else the problem."""
    fn, args, kwargs = t.base(w)
    owner = getattr(fn, "__self__", None)
    exc: BaseException | None = None
    try:
        bk.call_with(fn, args, kwargs, param, value)
    except Exception as e:  # judged below: only TypeError/ValueError showing the value pass
        exc = e
    problem = bk.judge(exc, value)
    if problem is None and isinstance(owner, nft.Transaction) and owner.messages():
        problem = "half-made: the refused call left a message in the transaction"
    return problem


def _line(t: bk.Target, param: str, value: object, problem: str) -> str:
    return f"{t.name}({param}={bk.show(value)}): {problem}"


def report(failures: list[tuple[bk.Target, str, object, str]]) -> str:
    """Failures grouped by (callable, argument): how many values, and up to three of them."""
    groups: dict[tuple[str, str], list[str]] = {}
    for t, p, v, problem in failures:
        groups.setdefault((t.name, p), []).append(f"{bk.show(v)}: {problem}")
    out = []
    for (name, p), lines in groups.items():
        out.append(f"{name}({p}): {len(lines)} values, e.g.")
        out += [f"    {x}" for x in lines[:3]]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# the table itself


def test_every_public_parameter_has_a_kind_or_a_reason() -> None:
    """Every parameter of every public callable is in the table, or exempt with a reason."""
    mapped: dict[str, set[str]] = {}
    for t in bk.TARGETS:
        mapped.setdefault(t.name, set()).update(t.kinds)
    missing = []
    for qual, fn in bk.public_callables():
        declared = set(bk.parameters(fn))
        for p in bk.parameters(fn):
            if p.startswith("**"):
                # **changes: covered when the table names keys beyond the declared ones
                if mapped.get(qual, set()) - declared or bk.exempt_reason(qual, p[2:]):
                    continue
            elif p in mapped.get(qual, set()) or bk.exempt_reason(qual, p):
                continue
            missing.append(f"{qual}: {p}")
    assert not missing, "parameters with neither a kind nor an exemption:\n" + "\n".join(missing)


#: Targets that test a callable through another one's parameters (apply() reads
#: the Topology's fields; a Ruleset method is called on a built Ruleset).
_VIA = {"topology.Topology.apply"}


def test_table_names_real_parameters_and_known_kinds() -> None:
    bad = []
    names = dict(bk.public_callables())
    for t in bk.TARGETS:
        for k in t.kinds.values():
            try:
                bk.kind(k)
            except KeyError:
                bad.append(f"{t.name}: kind {k!r} is not described")
        if t.name in _VIA:
            continue
        fn = names.get(t.name)
        if fn is None:
            bad.append(f"{t.name}: no such public callable")
            continue
        params = bk.parameters(fn)
        open_kw = any(p.startswith("**") for p in params)
        for p in t.kinds:
            if p not in params and not open_kw:
                bad.append(f"{t.name}: no parameter {p!r}")
    assert not bad, "\n".join(bad)


def test_base_calls_are_valid(world: bk.World) -> None:
    """Each pure base call succeeds: a refusal then means the one replaced argument."""
    bad = []
    for t in PURE:
        fn, args, kwargs = t.base(world)
        try:
            fn(*args, **kwargs)
        except Exception as e:  # reported below
            bad.append(f"{t.name}: {type(e).__name__}: {e}")
    assert not bad, "\n".join(bad)


def test_every_kind_yields_invalid_values() -> None:
    for name in bk.all_kind_names():
        assert bk.edges(name), name


# ---------------------------------------------------------------------------
# specs and pure builders: every edge, then random values


@pytest.mark.parametrize("t", PURE, ids=lambda t: f"{t.name}[{','.join(t.kinds)[:40]}]")
def test_pure_refuses_every_invalid_value(t: bk.Target, world: bk.World) -> None:
    failures: list[tuple[bk.Target, str, object, str]] = []
    n = 0
    for param, kname in t.kinds.items():
        for value in bk.edges(kname, _none_ok(t, param, world)) + world.extras(kname, live=False):
            n += 1
            problem = attempt(t, param, value, world)
            if problem:
                failures.append((t, param, value, problem))
    bk.count(f"unit {t.name.split('.')[0]} (edges)", n)
    assert not failures, f"{len(failures)}/{n} invalid values not refused:\n" + report(failures)


@functools.cache
def _strategy(kname: str, none_ok: bool) -> st.SearchStrategy[object]:
    return bk.invalid(kname, none_ok)


@pytest.mark.parametrize("group", GROUPS)
def test_pure_refuses_random_invalid_values(group: str, world: bk.World) -> None:
    cases = [
        (t, p, k, _none_ok(t, p, world))
        for t in PURE
        if t.name.split(".")[0] == group
        for p, k in t.kinds.items()
    ]
    failures: dict[tuple[str, str], str] = {}

    @settings(
        max_examples=RANDOM_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def run(data: st.DataObject) -> None:
        t, p, k, none_ok = data.draw(st.sampled_from(cases))
        value = data.draw(_strategy(k, none_ok))
        bk.count(f"unit {group} (random)")
        problem = attempt(t, p, value, world)
        if problem:
            failures.setdefault((t.name, p), _line(t, p, value, problem))

    run()
    assert not failures, f"{len(failures)} arguments took random invalid values:\n" + "\n".join(
        failures.values()
    )


def test_signature_of_every_target_binds(world: bk.World) -> None:
    """The base calls bind to their callables (a renamed parameter fails here, not silently)."""
    for t in PURE:
        fn, args, kwargs = t.base(world)
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            continue
        sig.bind(*args, **kwargs)
