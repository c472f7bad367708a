"""Alternative link names against iproute2, both ways, in fresh namespaces.

rawns adds and deletes, ``ip -j link show`` lists ``altnames``; ip adds,
``link.get``/``link.dump`` report :attr:`Link.alt_names`; every verb that
takes a link reference finds the link by an altname, long ones included.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, addr, link, neigh, route
from rawns.errors import AlreadyExists, InvalidArgument, NotFound
from rawns.link import Bridge, Veth
from tests.conftest import ip_json, run

LONG = "uplink-to-the-datacentre-core-switch-0123456789"  # 47 bytes: IFLA_ALT_IFNAME
LONGEST = "x" * 127


def _ip_altnames(ns: Any, dev: str) -> list[str]:
    (shown,) = ip_json(ns.name, "link", "show", "dev", dev)
    names: list[str] = shown.get("altnames", [])
    return names


def test_rawns_adds_and_deletes_ip_sees_it(ns: Any, h: Handle) -> None:
    link.add(h, Veth(name="v0", peer="v1"))
    link.altname_add(h, "v0", "uplink-0")
    link.altname_add(h, "v0", LONG)
    link.altname_add(h, link.get(h, "v0"), LONGEST)  # by Link, with the longest name
    assert _ip_altnames(ns, "v0") == ["uplink-0", LONG, LONGEST]
    link.altname_delete(h, "v0", "uplink-0")
    assert _ip_altnames(ns, "v0") == [LONG, LONGEST]
    link.altname_delete(h, LONG, LONG)  # by the very name it removes
    link.altname_delete(h, link.resolve_index(h, "v0"), LONGEST)
    assert _ip_altnames(ns, "v0") == []


def test_ip_adds_rawns_decodes_and_looks_up(ns: Any, h: Handle) -> None:
    run("ip", "-n", ns.name, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
    run("ip", "-n", ns.name, "link", "property", "add", "dev", "v0", "altname", "short-0")
    run("ip", "-n", ns.name, "link", "property", "add", "dev", "v0", "altname", LONG)
    got = link.get(h, "v0")
    assert got.alt_names == ("short-0", LONG) == tuple(_ip_altnames(ns, "v0"))
    assert {lk.name: lk.alt_names for lk in link.dump(h)}["v0"] == ("short-0", LONG)
    for name in ("short-0", LONG):
        by_alt = link.get(h, name)
        assert (by_alt.index, by_alt.name) == (got.index, "v0")
        assert link.resolve_index(h, name) == got.index
    assert link.dump(h)[0].alt_names == ()  # lo has none


def test_every_verb_finds_a_link_by_a_long_altname(ns: Any, h: Handle) -> None:
    link.add(h, Bridge(name="br0"))
    link.add(h, Veth(name="v0", peer="v1"))
    link.altname_add(h, "br0", "bridge-of-the-lab-network")
    link.altname_add(h, "v0", LONG)
    link.set(h, LONG, mtu=1400, up=True, master="bridge-of-the-lab-network")
    link.set(h, "bridge-of-the-lab-network", up=True)
    (v0,) = ip_json(ns.name, "link", "show", "dev", "v0")
    assert (v0["mtu"], v0["master"]) == (1400, "br0") and "UP" in v0["flags"]
    addr.add(h, "10.9.0.1/24", dev=LONG)
    v4 = addr.dump(h, dev=LONG, family=socket.AF_INET)
    assert [str(a.address) for a in v4] == ["10.9.0.1/24"]
    route.add(h, dst="10.8.0.0/16", dev=LONG)
    assert any(r["dst"] == "10.8.0.0/16" for r in ip_json(ns.name, "route", "show", "dev", "v0"))
    neigh.add(h, dev=LONG, dst="10.9.0.2", lladdr="02:00:00:00:00:02")
    assert [str(n.dst) for n in neigh.dump(h, dev=LONG)] == ["10.9.0.2"]
    shown = ip_json(ns.name, "addr", "show", "dev", LONG)  # the oracle looks it up alike
    assert shown[0]["ifname"] == "v0"
    link.set(h, LONG, name="v0-renamed")  # rename: looked up first, then by index
    assert link.get(h, LONG).name == "v0-renamed"
    link.delete(h, LONG)
    assert "v0-renamed" not in {lk.name for lk in link.dump(h)}
    with pytest.raises(NotFound, match=LONG):  # the name went with its link
        link.get(h, LONG)


def test_kernel_refusals(ns: Any, h: Handle) -> None:
    link.add(h, Veth(name="v0", peer="v1"))
    link.altname_add(h, "v0", "alt-0")
    before = ip_json(ns.name, "link", "show")
    with pytest.raises(AlreadyExists, match="alt-0"):
        link.altname_add(h, "v0", "alt-0")  # already v0's
    with pytest.raises(AlreadyExists, match="v1"):
        link.altname_add(h, "v0", "v1")  # another link's name
    with pytest.raises(AlreadyExists):
        link.altname_add(h, "v1", "alt-0")  # another link's altname
    with pytest.raises(NotFound, match="nosuch"):
        link.altname_add(h, "nosuch0", "alt-1")
    with pytest.raises(NotFound, match="alt-9"):
        link.altname_delete(h, "v0", "alt-9")
    with pytest.raises(InvalidArgument):
        link.altname_delete(h, "v1", "alt-0")  # v0's, not v1's
    with pytest.raises(InvalidArgument):
        link.altname_delete(h, "v0", "v0")  # its own name is no alternative one
    assert ip_json(ns.name, "link", "show") == before


@pytest.mark.parametrize(
    ("name", "exc", "needle"),
    [
        ("x" * 128, ValueError, "128 bytes"),
        ("a/b", ValueError, "'/'"),
        ("a:b", ValueError, "':'"),
        ("eth%d", ValueError, "'%'"),
        ("a b", ValueError, "whitespace"),
        ("..", ValueError, "'..'"),
        ("", ValueError, "empty"),
        ("a\0b", ValueError, "NUL"),
        (b"alt", TypeError, "b'alt'"),
    ],
    ids=repr,
)
def test_bad_names_are_refused_before_sending(
    ns: Any, h: Handle, name: Any, exc: type[Exception], needle: str
) -> None:
    link.add(h, Veth(name="v0", peer="v1"))
    before = ip_json(ns.name, "link", "show")
    with pytest.raises(exc, match=needle):
        link.altname_add(h, "v0", name)
    with pytest.raises(exc, match=needle):
        link.altname_delete(h, "v0", name)
    if isinstance(name, str):
        with pytest.raises(exc, match=needle):
            link.get(h, name)  # a reference follows the same rules
    assert ip_json(ns.name, "link", "show") == before


def test_a_link_from_another_namespace_is_refused(make_ns: Callable[[], Any]) -> None:
    a, b = make_ns(), make_ns()
    with Handle.open(netns=a) as ha, Handle.open(netns=b) as hb:
        link.add(ha, Veth(name="v0", peer="v1"))
        link.add(hb, Veth(name="v0", peer="v1"))
        theirs = link.get(ha, "v0")
        with pytest.raises(ValueError, match="another network namespace"):
            link.altname_add(hb, theirs, "alt-0")
        assert _ip_altnames(b, "v0") == [] == _ip_altnames(a, "v0")


def test_altnames_follow_the_link_into_another_namespace(make_ns: Callable[[], Any]) -> None:
    a, b = make_ns(), make_ns()
    with Handle.open(netns=a) as ha, Handle.open(netns=b) as hb:
        link.add(ha, Veth(name="v0", peer="v1"))
        link.altname_add(ha, "v0", LONG)
        link.set(ha, LONG, netns=b)
        moved = link.get(hb, LONG)
        assert moved.name == "v0" and moved.alt_names == (LONG,)
        assert _ip_altnames(b, LONG) == [LONG]
        assert {lk.name for lk in link.dump(ha)} == {"lo", "v1"}
        # back into a, where another link has the same altname: refused, nothing moved
        link.add(ha, Veth(name="w0", peer="w1"))
        link.altname_add(ha, "w0", "taken-0")
        link.altname_add(hb, "v0", "taken-0")
        with pytest.raises(AlreadyExists, match="altname taken-0"):  # the kernel's extack
            link.set(hb, "v0", netns=a)
        assert link.get(hb, "taken-0").name == "v0"
