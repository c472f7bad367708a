"""References that cannot drift, replace that keeps kinds, and nothing half-made.

Each test works in fresh namespaces; ``ip -d -j link show`` of every namespace
involved is the oracle for "nothing changed".

* A :class:`~rawns.link.Link` remembers the namespace it was dumped from;
  every verb refuses it on a handle of another namespace, before any request,
  even where a link with the same index exists (the wrong link would change).
* ``replace`` of a link with a spec of another kind is NotSupported, nothing sent.
* A failed create sends none of its follow-ups; a tun/tap that cannot be set
  up is not left behind; a veth's errors name both ends.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawns import Handle, link
from rawns._rtnl import IFLA
from rawns._wire import NLA_TYPE_MASK, iter_attrs
from rawns.errors import AlreadyExists, NotFound, NotSupported
from rawns.link import Bridge, Ifb, LinkChange, Macvlan, Tap, Tun, Veth, Vxlan
from tests.conftest import ip_json
from tests.privileged.aio_shim import both_drivers

#: Every test runs with the sync verbs and with their rawns.aio twins (issue 17).
driver = both_drivers("link")

_VOLATILE = {"NO-CARRIER", "LOWER_UP", "M-DOWN", "DORMANT"}


def state(ns_name: str) -> list[dict[str, Any]]:
    """Every link as ``ip -d -j link show`` prints it, minus flags the kernel flips alone."""
    out = ip_json(ns_name, "-d", "link", "show")
    for x in out:
        x["flags"] = sorted(set(x.get("flags", [])) - _VOLATILE)
        x.pop("operstate", None)
    result: list[dict[str, Any]] = json.loads(json.dumps(out, sort_keys=True))
    return result


@pytest.fixture
def twins(make_ns: Callable[[], Any]) -> Iterator[tuple[Any, Any, Handle, Handle]]:
    """Two namespaces with links at the same indices under different names."""
    red, blue = make_ns(), make_ns()
    with Handle.open(netns=red) as hr, Handle.open(netns=blue) as hb:
        for h, c in ((hr, "red"), (hb, "blue")):
            link.add(h, Veth(name=f"{c}-a", peer=f"{c}-b"))
            link.add(h, Bridge(name=f"{c}-br"))
        yield red, blue, hr, hb


# (label, the call on blue's handle given red's Link L and red's bridge BR)
FOREIGN: list[tuple[str, Callable[[Handle, Any, Any], object]]] = [
    ("set", lambda h, L, BR: link.set(h, L, mtu=1400)),
    ("set master", lambda h, L, BR: link.set(h, "blue-a", master=BR)),
    ("delete", lambda h, L, BR: link.delete(h, L)),
    ("get", lambda h, L, BR: link.get(h, L)),
    ("resolve_index", lambda h, L, BR: link.resolve_index(h, L, "dev")),
    ("set_many ref", lambda h, L, BR: link.set_many(h, ["blue-a", L], up=True)),
    (
        "set_many LinkChange",
        lambda h, L, BR: link.set_many(
            h, [LinkChange(ref="blue-a", up=True), LinkChange(ref="blue-b", master=BR)]
        ),
    ),
    ("delete_many", lambda h, L, BR: link.delete_many(h, ["blue-b", L])),
    ("set_group master", lambda h, L, BR: link.set_group(h, 0, master=BR)),
    ("add master", lambda h, L, BR: link.add(h, Veth(name="x-a", peer="x-b", master=BR))),
    ("add macvlan link", lambda h, L, BR: link.add(h, Macvlan(name="mv0", link=L))),
    ("add vxlan dev", lambda h, L, BR: link.add(h, Vxlan(name="vx0", vni=1, dev=L))),
    (
        "add_many second spec",
        lambda h, L, BR: link.add_many(h, [Ifb(name="ok0"), Ifb(name="ok1", master=BR)]),
    ),
    ("replace master", lambda h, L, BR: link.replace(h, Bridge(name="blue-br", master=BR))),
    ("add tap master", lambda h, L, BR: link.add(h, Tap(name="tp0", master=BR))),
    ("open_tuntap master", lambda h, L, BR: link.open_tuntap(h, Tap(name="tp0", master=BR))),
]


@pytest.mark.parametrize(("label", "call"), FOREIGN, ids=[f[0] for f in FOREIGN])
def test_a_link_from_another_namespace_is_refused_and_nothing_changes(
    twins: tuple[Any, Any, Handle, Handle],
    label: str,
    call: Callable[[Handle, Any, Any], object],
) -> None:
    red, blue, hr, hb = twins
    L, BR = link.get(hr, "red-a"), link.get(hr, "red-br")
    # the test is only meaningful if blue has a link at each of those indices
    blue_names = {lk.index: lk.name for lk in link.dump(hb)}
    assert blue_names[L.index] == "blue-a" and blue_names[BR.index] == "blue-br"
    before = state(red.name), state(blue.name)
    with pytest.raises(ValueError) as exc:
        call(hb, L, BR)
    msg = str(exc.value)
    assert type(exc.value) is ValueError, msg
    assert ("'red-a'" in msg or "'red-br'" in msg) and repr(blue.name) in msg, msg
    assert "another network namespace" in msg, msg
    assert (state(red.name), state(blue.name)) == before


def test_a_link_from_its_own_namespace_is_used(
    twins: tuple[Any, Any, Handle, Handle], make_ns: Callable[[], Any]
) -> None:
    red, blue, hr, hb = twins
    lk = link.get(hr, "red-a")
    assert lk.origin == hr.netns_ident != hb.netns_ident
    assert {x.origin for x in link.dump(hr)} == {hr.netns_ident}
    with Handle.open(netns=red) as again:  # another handle, the same namespace
        link.set(again, lk, mtu=1400, master=link.get(hr, "red-br"))
        assert link.resolve_index(again, lk) == lk.index
    got = ip_json(red.name, "link", "show", "dev", "red-a")[0]
    assert got["mtu"] == 1400 and got["master"] == "red-br"
    assert ip_json(blue.name, "link", "show", "dev", "blue-a")[0]["mtu"] == 1500
    link.delete(hr, lk)
    assert {x["ifname"] for x in ip_json(red.name, "link", "show")} == {"lo", "red-br"}


# ---------------------------------------------------------------------------
# replace keeps kinds


def test_replace_with_another_kind_is_not_supported_and_changes_nothing(h: Handle, ns: Any) -> None:
    link.add(h, Veth(name="vr-a", peer="vr-b"))
    link.add(h, Tun(name="tn0"))
    before = state(ns.name)
    for spec, have, want in (
        (Bridge(name="vr-a"), "veth", "bridge"),
        (Bridge(name="vr-a", stp=True, mtu=1400), "veth", "bridge"),
        (Ifb(name="vr-b", up=True), "veth", "ifb"),
        (Bridge(name="lo"), "no kind", "bridge"),
        (Tap(name="tn0"), "tun", "tap"),
        (Veth(name="tn0", peer="tn1"), "tun", "veth"),
    ):
        with pytest.raises(NotSupported) as exc:
            link.replace(h, spec)
        msg = str(exc.value)
        assert msg.startswith(f"RTM_NEWLINK {spec.target()}: Operation not supported"), msg
        assert f"{spec.name} exists as a" in msg and have in msg and want in msg, msg
        assert state(ns.name) == before, spec
    link.replace(h, Veth(name="vr-c", peer="vr-d"))  # no such link: created
    link.replace(h, Tun(name="tn0", mtu=1400))  # the same kind: changed in place
    assert ip_json(ns.name, "link", "show", "dev", "tn0")[0]["mtu"] == 1400


def test_replace_many_checks_every_kind_before_sending(h: Handle, ns: Any) -> None:
    link.add(h, Veth(name="vr-a", peer="vr-b"))
    before = state(ns.name)
    with pytest.raises(NotSupported, match="vr-a exists as a veth"):
        link.add_many(h, [Bridge(name="nb0"), Bridge(name="vr-a")], replace=True)
    with pytest.raises(NotSupported, match=r"z0 exists as a bridge \(specs\[0\] makes it"):
        link.add_many(h, [Bridge(name="z0"), Ifb(name="z0")], replace=True)
    assert state(ns.name) == before
    results = link.add_many(h, [Bridge(name="nb0"), Bridge(name="vr-a")], replace=True, check=False)
    assert results[0] is None and isinstance(results[1], NotSupported)
    kinds = {x["ifname"]: x["linkinfo"]["info_kind"] for x in state(ns.name) if "linkinfo" in x}
    assert kinds == {"nb0": "bridge", "vr-a": "veth", "vr-b": "veth"}


# ---------------------------------------------------------------------------
# errors name what was wrong; nothing half-made


def test_veth_peer_taken_names_both_ends(h: Handle, ns: Any) -> None:
    before = state(ns.name)
    with pytest.raises(AlreadyExists) as exc:
        link.add(h, Veth(name="vq", peer="lo"))
    assert str(exc.value).startswith("RTM_NEWLINK vq (peer lo): File exists (EEXIST)")
    assert exc.value.target == "vq (peer lo)"
    assert state(ns.name) == before


def test_a_failed_create_sends_none_of_its_follow_ups(h: Handle, ns: Any) -> None:
    link.add(h, Veth(name="fa", peer="fb"))
    before = state(ns.name)
    with pytest.raises(AlreadyExists):  # fa is taken: its alias must not land on the old fa
        link.add(h, Veth(name="fa", peer="fz", alias="stolen", peer_up=True))
    with pytest.raises(AlreadyExists):  # fb is taken: the old fb must not come up
        link.add(h, Veth(name="fnew", peer="fb", peer_up=True))
    results = link.add_many(
        h,
        [Veth(name="fc", peer="fd", alias="new", peer_up=True), Ifb(name="fa", alias="x")],
        check=False,
    )
    assert results[0] is None and isinstance(results[1], AlreadyExists)
    after = {x["ifname"]: x for x in state(ns.name)}
    assert {k: v for k, v in after.items() if k not in ("fc", "fd")} == {
        x["ifname"]: x for x in before
    }
    assert after["fc"]["ifalias"] == "new" and "UP" in after["fd"]["flags"]


def test_a_tap_that_cannot_be_set_up_is_not_left_behind(h: Handle, ns: Any) -> None:
    before = state(ns.name)
    with pytest.raises(NotFound, match="nope"):
        link.add(h, Tap(name="tp0", master="nope"))
    with pytest.raises(Exception, match="tp1"):
        link.add(h, Tap(name="tp1", mtu=65536))  # above a tap's maximum: the kernel refuses
    assert state(ns.name) == before


def test_a_list_argument_given_as_a_str_or_a_spec_is_refused(h: Handle, ns: Any) -> None:
    link.add(h, Veth(name="ab", peer="b"))
    before = state(ns.name)
    with pytest.raises(TypeError, match="refs must be an iterable, not str: 'ab'"):
        link.delete_many(h, "ab")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="items must be an iterable, not str: 'ab'"):
        link.set_many(h, "ab", up=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="specs must be an iterable, not Bridge"):
        link.add_many(h, Bridge(name="b0"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"specs\[1\] must be a link spec"):
        link.add_many(h, [Bridge(name="b0"), "b1"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="check must be True or False"):
        link.delete_many(h, ["b"], check="no")  # type: ignore[arg-type]
    assert state(ns.name) == before


def test_a_closed_netns_is_refused_before_anything_is_sent(
    h: Handle, ns: Any, make_ns: Callable[[], Any]
) -> None:
    gone = make_ns()
    spec = Veth(name="ca", peer="cb", peer_netns=gone)
    gone.close()
    before = state(ns.name)
    with pytest.raises(ValueError, match=r"specs\[1\]\.peer_netns .* is closed"):
        link.add_many(h, [Ifb(name="first"), spec])
    with pytest.raises(ValueError, match=r"netns .* is closed"):
        link.set(h, "lo", netns=gone)
    assert state(ns.name) == before


# ---------------------------------------------------------------------------
# what the dump request leaves out


def _attrs(payload: bytes) -> dict[int, tuple[int, int]]:
    return {t & NLA_TYPE_MASK: (a, b) for t, a, b in iter_attrs(payload, 16)}


def test_the_dump_leaves_out_ipv6_counters_but_the_kernel_sends_link_stats(h: Handle) -> None:
    """What the comment on RTEXT_FILTER_SKIP_STATS says, against this kernel."""
    link.add(h, Veth(name="sa", peer="sb"))
    plain = link.build_dump()[:-8]  # the same request without IFLA_EXT_MASK
    plain = struct.pack("=I", len(plain)) + plain[4:]
    for request, skipped in ((link.build_dump(), True), (plain, False)):
        for payload in h.rtnl.dump(request, lambda p: p, op="RTM_GETLINK"):
            top = _attrs(payload)
            assert IFLA.STATS64 in top and IFLA.STATS in top, (
                "the kernel now leaves IFLA_STATS* out: update the RTEXT_FILTER_SKIP_STATS comment"
            )
            a, b = top[IFLA.AF_SPEC]
            inet6 = {t & NLA_TYPE_MASK: (c, d) for t, c, d in iter_attrs(payload, a, b)}[10]
            inner = {t & NLA_TYPE_MASK for t, _c, _d in iter_attrs(payload, *inet6)}
            # IFLA_INET6_STATS = 3, IFLA_INET6_ICMP6STATS = 6 (linux/if_link.h)
            assert ({3, 6} & inner == set()) is skipped, (skipped, sorted(inner))
