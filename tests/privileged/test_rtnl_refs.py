"""route, addr, neigh and rule against the kernel: refusals change nothing, references can't drift.

Each test runs in fresh namespaces; ``ip -j``/``bridge -j`` are the oracle of
the state before and after (links, addresses, routes, rules, neighbours of
every state including proxies, and the FDB).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, addr, link, neigh, route, rule
from rawns.errors import InvalidArgument, KernelError, NotSupported
from rawns.link import Bridge, Veth
from rawns.route import Route
from tests.conftest import ip_json, run
from tests.privileged.kstate import diff, snapshot


def state(ns: str) -> dict[str, Any]:
    """kstate's snapshot plus every neighbour (``nud all``, proxies) and the FDB."""
    out = snapshot(ns)
    # IPv6 link-local addresses and their routes appear when addrconf gets round
    # to a link that came up, at a moment of the kernel's choosing: not the call's
    for key in ("addrs", "routes"):
        out[key] = [x for x in out[key] if not any(map(_link_local, x))]
    out["neigh"] = sorted(
        str(x) for x in ip_json(ns, "neigh", "show", "nud", "all") if not _kernels(x)
    )
    out["proxy"] = sorted(str(x) for x in ip_json(ns, "neigh", "show", "proxy"))
    fdb = run("bridge", "-n", ns, "-j", "fdb", "show")
    out["fdb"] = sorted(fdb.split("},{")) if fdb.strip() else []
    return out


def _link_local(value: object) -> bool:
    """An IPv6 link-local or multicast address or prefix (fe80::/10, ff00::/8)."""
    return isinstance(value, str) and value.lower().startswith(("fe8", "fe9", "fea", "feb", "ff"))


def _kernels(entry: dict[str, Any]) -> bool:
    """A multicast entry the kernel makes by itself (IPv6 MLD, as links come up)."""
    return bool(ipaddress.ip_address(entry["dst"]).is_multicast)


def unchanged(ns: str, call: Callable[[], object], *errors: type[Exception]) -> Exception:
    """``call()`` raises one of ``errors`` and the namespace's state is as before."""
    before = state(ns)
    with pytest.raises(errors or (ValueError, TypeError)) as e:
        call()
    after = state(ns)
    assert before == after, diff(before, after)
    return e.value


def _veth(h: Handle, address: str = "10.0.0.1/24") -> int:
    link.add(h, Veth(name="v0", peer="v1", up=True, peer_up=True))
    addr.add(h, dev="v0", address=address)
    return link.get(h, "v0").index


# ---------------------------------------------------------------------------
# 3. an lladdr has the device's length: no 7- or 20-byte address stored as 6


@pytest.mark.parametrize(
    "lladdr", ["02:00:00:00:00:01:02", "02:" * 19 + "02", "02:00:00:00:00", b"\x02" * 7]
)
def test_an_lladdr_of_another_length_than_the_device_is_refused(
    ns: Any, h: Handle, lladdr: object
) -> None:
    index = _veth(h)
    for dev in ("v0", index, link.get(h, "v0")):
        for verb in (neigh.add, neigh.replace):
            e = unchanged(ns.name, lambda: verb(h, dev=dev, dst="10.0.0.2", lladdr=lladdr))  # noqa: B023
            assert "lladdr" in str(e) and "device v0 takes 6" in str(e)
    neigh.add(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:0a")
    (theirs,) = [
        x for x in ip_json(ns.name, "neigh", "show", "dev", "v0") if x["dst"] == "10.0.0.2"
    ]
    assert theirs["lladdr"] == "02:00:00:00:00:0a"


def test_a_device_without_link_layer_addresses_takes_no_lladdr(ns: Any, h: Handle) -> None:
    run("ip", "-n", ns.name, "tuntap", "add", "t0", "mode", "tun")
    run("ip", "-n", ns.name, "link", "set", "t0", "up")
    e = unchanged(
        ns.name, lambda: neigh.add(h, dev="t0", dst="10.0.0.2", lladdr="02:00:00:00:00:01")
    )
    assert "no link-layer address" in str(e)


# ---------------------------------------------------------------------------
# 5. objects dumped in one namespace are refused on a handle of another


def _twin(make_ns: Callable[[], Any]) -> tuple[Any, Handle, Any, Handle]:
    """Two namespaces with the same link at the same index and the same objects on it."""
    a, b = make_ns(), make_ns()
    ha, hb = Handle.open(netns=a), Handle.open(netns=b)
    for h in (ha, hb):
        _veth(h)
        route.add(h, dst="10.9.0.0/16", gateway="10.0.0.5", dev="v0")
        neigh.add(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:02")
        rule.add(h, priority=100, src="10.9.0.0/16", table=100)
        link.add(h, Bridge(name="br0"))
        link.set(h, "v1", master="br0")
        neigh.fdb_add(h, dev="v1", lladdr="02:00:00:00:00:bb", on="master")
    assert link.get(ha, "v0").index == link.get(hb, "v0").index
    return a, ha, b, hb


def test_dumped_objects_are_refused_on_another_namespace(make_ns: Callable[[], Any]) -> None:
    a, ha, b, hb = _twin(make_ns)
    try:
        (ra,) = [r for r in route.dump(ha) if str(r.dst) == "10.9.0.0/16"]
        (aa,) = [x for x in addr.dump(ha, dev="v0", family=2)]
        (na,) = [n for n in neigh.dump(ha, dev="v0") if str(n.dst) == "10.0.0.2"]
        (rla,) = [r for r in rule.dump(ha) if r.priority == 100]
        (fa,) = [f for f in neigh.fdb_dump(ha, dev="v1") if f.lladdr == "02:00:00:00:00:bb"]
        la = link.get(ha, "v0")
        assert ra.origin == aa.origin == na.origin == rla.origin == fa.origin == ha.netns_ident
        assert route.get(ha, "10.9.1.1").origin == ha.netns_ident
        calls: list[Callable[[], object]] = [
            lambda: route.delete(hb, ra),
            lambda: route.replace(hb, ra),
            lambda: route.add(hb, ra),
            lambda: route.add_many(hb, [ra]),
            lambda: route.add(hb, dst="10.8.0.0/16", gateway="10.0.0.5", dev=la),
            lambda: route.get(hb, "10.9.1.1", dev=la),
            lambda: addr.delete(hb, aa),
            lambda: addr.replace(hb, aa),
            lambda: addr.add_many(hb, [aa]),
            lambda: addr.add(hb, dev=la, address="10.0.0.9/24"),
            lambda: addr.flush(hb, dev=la),
            lambda: neigh.delete(hb, na),
            lambda: neigh.replace(hb, dev=la, dst="10.0.0.2", lladdr="02:00:00:00:00:99"),
            lambda: neigh.fdb_delete(hb, fa),
            lambda: rule.delete(hb, rla),
            lambda: rule.add(hb, rla),
        ]
        before_a = state(a.name)
        for call in calls:
            e = unchanged(b.name, call, ValueError)
            assert "another network namespace" in str(e)
        assert state(a.name) == before_a
        # and on their own namespace they work
        route.delete(ha, ra)
        neigh.delete(ha, na)  # (before the address: its removal flushes v0's neighbours)
        addr.delete(ha, aa)
        neigh.fdb_delete(ha, fa)
        rule.delete(ha, rla)
        assert not [r for r in ip_json(a.name, "route", "show") if r["dst"] == "10.9.0.0/16"]
        assert not [r for r in ip_json(a.name, "rule", "show") if r.get("priority") == 100]
        assert [r for r in ip_json(b.name, "rule", "show") if r.get("priority") == 100]
    finally:
        ha.close()
        hb.close()


# ---------------------------------------------------------------------------
# 6. documented behaviour holds


def test_flush_by_scope_name_removes_exactly_that_scope(ns: Any, h: Handle) -> None:
    link.set(h, "lo", up=True)
    _veth(h)
    addr.add(h, dev="v0", address="169.254.1.1/16", scope="link")
    addr.add(h, dev="v0", address="2001:db8::1/64", flags=0x02)  # IFA_F_NODAD

    def scopes() -> set[tuple[str, str]]:
        return {
            (a["local"], a["scope"])
            for x in ip_json(ns.name, "addr", "show")
            for a in x.get("addr_info", [])
        }

    before = scopes()
    assert ("10.0.0.1", "global") in before and ("127.0.0.1", "host") in before
    gone = addr.flush(h, scope="global")
    assert {str(a.local) for a in gone} == {"10.0.0.1", "2001:db8::1"}
    assert scopes() == {s for s in before if s[1] != "global"}
    gone = addr.flush(h, family=2, scope="link")
    assert [str(a.local) for a in gone] == ["169.254.1.1"]
    assert ("127.0.0.1", "host") in scopes()
    unchanged(ns.name, lambda: addr.flush(h, scope="planet"))


@pytest.mark.parametrize("verb", [neigh.add, neigh.replace])
def test_a_refused_neighbour_leaves_no_entry_behind(ns: Any, h: Handle, verb: Any) -> None:
    _veth(h)
    # valid state, no lladdr: the kernel creates the entry, then refuses the update
    e = unchanged(
        ns.name, lambda: verb(h, dev="v0", dst="10.0.0.2", state="reachable"), InvalidArgument
    )
    assert "No link layer address" in str(e)
    unchanged(ns.name, lambda: verb(h, dev="v0", dst="fd00::2"), InvalidArgument)


def test_replace_keeps_an_entry_that_was_there_before(ns: Any, h: Handle) -> None:
    _veth(h)
    run("ip", "-n", ns.name, "neigh", "add", "10.0.0.3", "dev", "v0", "lladdr",
        "02:00:00:00:00:03", "nud", "none")  # fmt: skip
    shown = ip_json(ns.name, "neigh", "show", "nud", "all")
    assert [x["dst"] for x in shown if not _kernels(x)] == ["10.0.0.3"]
    unchanged(ns.name, lambda: neigh.replace(h, dev="v0", dst="10.0.0.3"), InvalidArgument)


def test_fdb_append_is_not_supported_off_a_vxlan_device(ns: Any, h: Handle) -> None:
    _veth(h)
    link.add(h, Bridge(name="br0"))
    link.set(h, "v1", master="br0")
    for dev, on in (("v1", "self"), ("v1", "master"), ("br0", "self")):
        e = unchanged(
            ns.name,
            lambda: neigh.fdb_append(h, dev=dev, lladdr=b"\2" * 6, dst="10.0.0.2", on=on),  # noqa: B023
            NotSupported,
        )
        assert "vxlan" in str(e)


@pytest.mark.parametrize(
    "kw",
    [
        {"lladdr": "02:00:00:00:00:01:02"},
        {"lladdr": "01:00:5e:00:00:01:ff"},
        {"lladdr": "zz:00:00:00:00:01"},
        {"lladdr": "02:00:00:00:00:01", "vlan": 4095},
        {"lladdr": "02:00:00:00:00:01", "vlan": 0},
    ],
)
def test_bad_fdb_macs_and_vlans_are_refused_with_nothing_sent(
    ns: Any, h: Handle, kw: dict[str, Any]
) -> None:
    _veth(h)
    link.add(h, Bridge(name="br0"))
    link.set(h, "v1", master="br0")
    unchanged(ns.name, lambda: neigh.fdb_add(h, dev="v1", on="master", **kw))


def test_zone_ids_and_host_bits_are_refused_with_nothing_sent(ns: Any, h: Handle) -> None:
    _veth(h)
    calls: list[Callable[[], object]] = [
        lambda: route.add(h, dst="2001:db8::/32", gateway="fe80::1%v0", dev="v0"),
        lambda: route.add(h, dst="10.0.0.1/8", dev="v0"),
        lambda: addr.add(h, dev="v0", address="fe80::9%v0/64"),
        lambda: addr.add(h, dev="v0", address=ipaddress.IPv6Interface("fe80::9%v0/64")),
        lambda: addr.add(h, dev="v0", address="10.0.0.9/24", label="v0:a\0b"),
        lambda: addr.add(h, dev="v0", address="10.0.0.9/24", label="v1:x"),
        lambda: neigh.add(h, dev="v0", dst="fe80::2%v0", lladdr="02:00:00:00:00:02"),
        lambda: rule.add(h, priority=5, src="10.1.2.3/8", table=100),
        lambda: rule.add(h, priority=5, dst="fe80::%v0/64", table=100),
    ]
    for call in calls:
        unchanged(ns.name, call)


def test_a_rule_made_by_ip_with_host_bits_is_dumped_and_deleted_exactly(ns: Any, h: Handle) -> None:
    run("ip", "-n", ns.name, "rule", "add", "from", "10.1.2.3/8", "table", "100", "pref", "77")
    (r,) = [r for r in rule.dump(h) if r.priority == 77]
    assert r.src == ipaddress.IPv4Interface("10.1.2.3/8")
    (theirs,) = [x for x in ip_json(ns.name, "rule", "show") if x.get("priority") == 77]
    assert (theirs["src"], theirs["srclen"]) == ("10.1.2.3", 8)
    rule.delete(h, r)
    assert not [x for x in ip_json(ns.name, "rule", "show") if x.get("priority") == 77]


# ---------------------------------------------------------------------------
# 7. errors name the device as the caller did


def test_route_errors_name_the_device_as_given(ns: Any, h: Handle) -> None:
    index = _veth(h)
    for dev, shown in (("v0", "dev v0"), (index, f"dev ifindex {index}")):
        with pytest.raises(KernelError) as e:
            route.add(h, dst="10.50.0.0/16", gateway="10.99.0.1", dev=dev)
        assert f"RTM_NEWROUTE 10.50.0.0/16 via 10.99.0.1 {shown}: " in str(e.value)
        assert "#" not in str(e.value)
    with pytest.raises(KernelError) as e:
        route.add(h, Route(dst="10.50.0.0/16", gateway="10.99.0.1", oif=index))
    assert f"dev ifindex {index}:" in str(e.value)
