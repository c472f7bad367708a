"""One verb shape: every add/replace/delete takes a spec *or* typed keywords, by one rule.

The rule lives in :mod:`rawns._verb`; these tests check that each verb has the
shape ``verb(h, spec=None, /, **fields)`` and that each one answers a spec
with keywords, a spec of the wrong type, and an unknown keyword with the same
TypeError text. The calls that reach a kernel (marked ``privileged``) run in
a fresh namespace.
"""

from __future__ import annotations

import inspect
import ipaddress
import typing
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, addr, link, neigh, route, rule
from rawns._verb import spec_or_fields
from rawns.link._fields import LinkGroupFields, LinkSetFields

AF_BRIDGE = neigh.AF_BRIDGE

#: (verb, its spec type, a valid spec, valid keywords) for every spec-or-keywords verb.
VERBS: list[tuple[Callable[..., None], type, Callable[[], object], dict[str, object]]] = [
    (route.add, route.Route, lambda: route.Route(dst="10.7.0.0/24", oif=1), {"dst": "10.7.0.0/24"}),
    (
        route.replace,
        route.Route,
        lambda: route.Route(dst="10.7.0.0/24", oif=1),
        {"dst": "10.7.0.0/24"},
    ),
    (
        route.delete,
        route.Route,
        lambda: route.Route(dst="10.7.0.0/24", oif=1),
        {"dst": "10.7.0.0/24"},
    ),
    (addr.add, addr.Address, lambda: addr.Address(index=1, address="10.0.0.5/8"), {"dev": "lo"}),
    (
        addr.replace,
        addr.Address,
        lambda: addr.Address(index=1, address="10.0.0.5/8"),
        {"dev": "lo"},
    ),
    (addr.delete, addr.Address, lambda: addr.Address(index=1, address="10.0.0.5/8"), {"dev": "lo"}),
    (neigh.add, neigh.Neighbour, lambda: neigh.Neighbour(index=1, dst="10.0.0.2"), {"dev": "lo"}),
    (
        neigh.replace,
        neigh.Neighbour,
        lambda: neigh.Neighbour(index=1, dst="10.0.0.2"),
        {"dev": "lo"},
    ),
    (
        neigh.delete,
        neigh.Neighbour,
        lambda: neigh.Neighbour(index=1, dst="10.0.0.2"),
        {"dev": "lo"},
    ),
    *[
        (
            f,
            neigh.Neighbour,
            lambda: neigh.Neighbour(index=1, family=AF_BRIDGE, lladdr="02:00:00:00:00:05"),
            {"dev": "lo"},
        )
        for f in (neigh.fdb_add, neigh.fdb_append, neigh.fdb_replace, neigh.fdb_delete)
    ],
    (rule.add, rule.Rule, lambda: rule.Rule(priority=100, table=100), {"priority": 100}),
    (rule.delete, rule.Rule, lambda: rule.Rule(priority=100, table=100), {"priority": 100}),
]
IDS = [f"{f.__module__.split('.')[1]}.{f.__name__}" for f, *_ in VERBS]


@pytest.mark.parametrize(("verb", "cls", "spec", "kw"), VERBS, ids=IDS)
def test_every_verb_has_the_one_shape(
    verb: Callable[..., None], cls: type, spec: Callable[[], object], kw: dict[str, object]
) -> None:
    params = list(inspect.signature(verb).parameters.values())
    assert [p.kind for p in params] == [
        inspect.Parameter.POSITIONAL_ONLY,  # h
        inspect.Parameter.POSITIONAL_ONLY,  # the spec
        inspect.Parameter.VAR_KEYWORD,  # its fields, typed by a TypedDict
    ]
    assert params[1].default is None
    assert "Unpack[" in str(params[2].annotation)
    assert cls.__name__ in str(params[1].annotation)


def test_the_rule_spec_or_keywords() -> None:
    r = route.Route(dst="10.0.0.0/8")
    assert spec_or_fields("route.add", r, {"metric": None}, route.Route) == (r, {})
    assert spec_or_fields("route.add", None, {"dst": "x", "metric": None}, route.Route) == (
        None,
        {"dst": "x"},
    )
    with pytest.raises(
        TypeError, match=r"route.add\(\) takes a Route or keywords, not both .*metric"
    ):
        spec_or_fields("route.add", r, {"metric": 5}, route.Route)
    with pytest.raises(TypeError, match=r"takes a Route as its first argument .* not float: 3.5"):
        spec_or_fields("route.add", 3.5, {}, route.Route)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'bogus'"):
        spec_or_fields("route.add", None, {"bogus": 1}, route.Route, allowed={"dst"})


def test_the_key_may_come_first() -> None:
    net = ipaddress.ip_network("10.0.0.0/8")
    got = spec_or_fields("route.add", net, {"gateway": "10.1.0.1"}, route.Route, key="dst",
                         key_types=(str, ipaddress.IPv4Network))  # fmt: skip
    assert got == (None, {"dst": net, "gateway": "10.1.0.1"})
    with pytest.raises(TypeError, match=r"got dst twice"):
        spec_or_fields("route.add", "10.0.0.0/8", {"dst": "10.0.0.0/9"}, route.Route, key="dst",
                       key_types=(str,))  # fmt: skip
    with pytest.raises(TypeError, match=r"takes a Route or a dst \(str\) as its first argument"):
        spec_or_fields("route.add", 7, {}, route.Route, key="dst", key_types=(str,))


def test_set_fields_are_link_change_fields() -> None:
    """LinkSetFields names exactly LinkChange's fields but ref; the group form, a subset."""
    change = set(inspect.signature(link.LinkChange).parameters) - {"ref"}
    assert set(typing.get_type_hints(LinkSetFields)) == change
    assert set(typing.get_type_hints(LinkGroupFields)) == change - {"name", "mac", "group", "port"}


# ---------------------------------------------------------------------------
# against a kernel: one rule, one error text, before anything is sent


@pytest.mark.privileged
@pytest.mark.parametrize(("verb", "cls", "spec", "kw"), VERBS, ids=IDS)
def test_spec_and_keywords_together_are_refused(
    h: Handle,
    verb: Callable[..., None],
    cls: type,
    spec: Callable[[], object],
    kw: dict[str, object],
) -> None:
    name = f"{verb.__module__.split('.')[1]}.{verb.__name__}"
    with pytest.raises(
        TypeError, match=rf"{name}\(\) takes a {cls.__name__} or keywords, not both"
    ):
        verb(h, spec(), **kw)
    with pytest.raises(TypeError, match=rf"{name}\(\) takes a {cls.__name__}.* not float: 3.5"):
        verb(h, 3.5)
    with pytest.raises(TypeError, match=rf"{name}\(\) got an unexpected keyword argument 'bogus'"):
        verb(h, bogus=1)


@pytest.mark.privileged
def test_route_spec_keywords_and_destination_first(h: Handle) -> None:
    link.set(h, "lo", up=True)
    route.add(h, route.Route(dst="10.1.0.0/24", oif=1))
    route.add(h, dst="10.2.0.0/24", dev="lo", protocol="static")
    route.add(h, "10.3.0.0/24", dev="lo", type="unicast", scope="link")
    route.add(h, "10.4.0.0/24", type="blackhole")
    got = {str(r.dst): r for r in route.dump(h)}
    assert {"10.1.0.0/24", "10.2.0.0/24", "10.3.0.0/24", "10.4.0.0/24"} <= set(got)
    assert got["10.2.0.0/24"].protocol == route.RouteProtocol.STATIC == 4
    assert got["10.4.0.0/24"].type == route.RouteType.BLACKHOLE
    route.delete(h, "10.3.0.0/24")
    route.delete(h, got["10.4.0.0/24"])
    with pytest.warns(DeprecationWarning, match=r"route.delete\(route=<Route>\) is deprecated"):
        route.delete(h, route=got["10.1.0.0/24"])  # type: ignore[call-arg]  # the old form
    assert {str(r.dst) for r in route.dump(h)} & {"10.1.0.0/24", "10.3.0.0/24"} == set()


@pytest.mark.privileged
def test_add_many_takes_default(h: Handle) -> None:
    link.set(h, "lo", up=True)
    addr.add(h, "10.9.0.1/24", dev="lo")
    errors = route.add_many(h, ["default", "10.8.0.0/24"], gateway="10.9.0.1")
    assert errors == [None, None]
    dsts = {str(r.dst) for r in route.dump(h)}
    assert {"0.0.0.0/0", "10.8.0.0/24"} <= dsts


@pytest.mark.privileged
def test_addr_names_and_the_address_first(h: Handle) -> None:
    addr.add(h, "10.5.0.1/24", dev="lo", flags=("noprefixroute",), scope="host")
    addr.add(h, dev="lo", address="fd00::5/64", flags="nodad")
    by = {str(a.address): a for a in addr.dump(h, dev="lo")}
    assert by["10.5.0.1/24"].flags & addr.AddrFlag.NOPREFIXROUTE
    assert by["10.5.0.1/24"].scope == 254
    assert by["fd00::5/64"].flags & addr.AddrFlag.NODAD
    with pytest.warns(DeprecationWarning, match="addr.delete"):
        addr.delete(h, address=by["fd00::5/64"])
    addr.delete(h, by["10.5.0.1/24"])
    assert addr.dump(h, dev="lo", family=10) == [] or "fd00::5/64" not in {
        str(a.address) for a in addr.dump(h, dev="lo")
    }


@pytest.mark.privileged
def test_neigh_add_takes_a_neighbour(h: Handle, make_ns: Callable[[], Any]) -> None:
    link.add(h, link.Veth(name="v0", peer="v1"))
    v0 = link.get(h, "v0")
    neigh.add(h, neigh.Neighbour(index=v0.index, dst="10.0.0.2", lladdr="02:00:00:00:00:02"))
    neigh.replace(
        h,
        neigh.Neighbour(index=v0.index, dst="10.0.0.2", lladdr="02:00:00:00:00:03", state="stale"),
    )
    (n,) = [n for n in neigh.dump(h, dev="v0") if str(n.dst) == "10.0.0.2"]
    assert n.lladdr == "02:00:00:00:00:03" and n.state == neigh.NUD.STALE
    neigh.delete(h, n)
    assert not [n for n in neigh.dump(h, dev="v0") if str(n.dst) == "10.0.0.2"]
