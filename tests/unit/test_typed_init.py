"""Neighbour and Rule take names and strings with a typed ``__init__``; neighbour flags by name.

The ``__init__`` is written out (as ``Route``'s is) so mypy sees what callers
may pass; the fields keep their normalised types, so a decoded object, its
equality and its repr are what they were. These tests pin that the written-out
parameters are exactly the fields, with the fields' defaults, and that
``route.RouteCommon`` (``add_many``'s typed keywords) is exactly ``Route``'s
parameters but ``dst``.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from typing import Any

import pytest

from rawns import neigh, route, rule
from rawns.neigh import NTF, NTF_EXT_LEARNED, NUD, Neighbour
from rawns.rule import Rule


@pytest.mark.parametrize("cls", [Neighbour, Rule], ids=lambda c: c.__name__)
def test_init_parameters_are_the_fields_with_their_defaults(cls: Any) -> None:
    params = inspect.signature(cls.__init__).parameters
    fields = dataclasses.fields(cls)
    assert [p for p in params if p != "self"] == [f.name for f in fields]
    for f in fields:
        p = params[f.name]
        assert p.kind is inspect.Parameter.KEYWORD_ONLY
        want = inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
        assert p.default == want, f.name


def test_neighbour_names_normalise_to_the_fields_types() -> None:
    n = Neighbour(index=2, dst="10.0.0.2", state="Permanent", flags=["router", "extern_learn"])
    same = Neighbour(index=2, dst="10.0.0.2", state=NUD.PERMANENT, flags=NTF.ROUTER | 0x10)
    assert n == same and hash(n) == hash(same) and repr(n) == repr(same)
    assert type(n.state) is NUD and type(n.flags) is NTF
    assert n.flags == NTF.ROUTER | NTF_EXT_LEARNED and n.router and n.ext_learned
    assert neigh.parse_neighbour(neigh.build_add(n)[16:]) == n
    assert dataclasses.replace(n, flags="proxy").proxy


@pytest.mark.parametrize(
    "flags", ["nosuch", "", ["router", "nosuch"], [1.5], 256, -1, 1.0, None, {"router": 1}]
)
def test_bad_neighbour_flags_name_the_value(flags: object) -> None:
    with pytest.raises((TypeError, ValueError), match="neighbour flags"):
        Neighbour(index=2, flags=flags)  # type: ignore[arg-type]


def test_ntf_ext_constants_are_public() -> None:
    assert (neigh.NTF_EXT_MANAGED, neigh.NTF_EXT_LOCKED, neigh.NTF_EXT_EXT_VALIDATED) == (1, 2, 4)
    assert {"NTF_EXT_MANAGED", "NTF_EXT_LOCKED", "NTF_EXT_EXT_VALIDATED"} <= set(neigh.__all__)


def test_rule_names_normalise_to_the_fields_types() -> None:
    r = Rule(action="blackhole", table="main", family="inet")
    assert r == Rule(action=6, table=254, family=2)
    assert r.action.name == "BLACKHOLE" and r.table == 254
    assert rule.parse_rule(rule.build_add(r)[16:]) == r
    with pytest.raises(ValueError, match="nosuch"):
        Rule(action="nosuch")


def test_route_common_is_routes_parameters_but_dst() -> None:
    keys = list(typing.get_type_hints(route.RouteCommon))
    params = [p for p in inspect.signature(route.Route.__init__).parameters if p != "self"]
    assert keys == [p for p in params if p not in ("dst", "attrs", "origin")]
