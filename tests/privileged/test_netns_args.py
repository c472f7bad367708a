"""One namespace argument type everywhere (issue 14 item 4): a Netns, a name, a path, a pid.

``Veth.peer_netns``, ``LinkSpec.netns`` and ``link.set(netns=)`` take what
``Handle.open`` takes (:data:`rawns.netns.NetnsLike`); a name or path is
opened by the verb at send time and closed after, and an error names what was
passed, with nothing made.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pytest

from rawns import Handle, compose, link, monitor, sysctl
from rawns.errors import Conflict
from rawns.link import Bridge, Veth
from tests.conftest import ip_json, run

from .link_oracle import ip_names, process_in


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("form", ["name", "path", "pathlike", "pid", "netns"])
def test_veth_peer_netns_in_every_form(h: Handle, ns: Any, make_ns: Any, form: str) -> None:
    red = make_ns()
    before = _fds()
    if form == "pid":
        with process_in(red.name) as pid:
            link.add(h, Veth(name="veth-a", peer="veth-b", peer_netns=pid, peer_up=True))
    else:
        where: object = {
            "name": red.name,
            "path": f"/run/netns/{red.name}",
            "pathlike": Path("/run/netns") / red.name,
            "netns": red,
        }[form]
        spec = Veth(name="veth-a", peer="veth-b", peer_netns=where, peer_up=True)  # type: ignore[arg-type]
        if form == "pathlike":
            assert spec.peer_netns == f"/run/netns/{red.name}"  # normalised to its str
        link.add(h, spec)
    assert ip_names(red.name) == {"lo", "veth-b"}
    assert ip_names(ns.name) == {"lo", "veth-a"}
    assert _fds() == before  # what the verb opened, it closed


def test_linkspec_netns_and_link_set_take_a_name(h: Handle, ns: Any, make_ns: Any) -> None:
    red, blue = make_ns(), make_ns()
    link.add(h, Bridge(name="br-x", netns=red.name))
    assert ip_names(red.name) == {"lo", "br-x"}
    link.add(h, Veth(name="vy", peer="vz"))  # (a bridge cannot move: netns-local)
    link.set(h, "vy", netns=f"/run/netns/{blue.name}")
    assert ip_names(blue.name) == {"lo", "vy"}
    assert ip_names(ns.name) == {"lo", "vz"}


def test_add_many_opens_a_shared_name_once(h: Handle, ns: Any, make_ns: Any) -> None:
    red = make_ns()
    before = _fds()
    specs = [Veth(name=f"va{i}", peer=f"vb{i}", peer_netns=red.name) for i in range(5)]
    assert link.add_many(h, specs) == [None] * 5
    assert ip_names(red.name) == {"lo", *(f"vb{i}" for i in range(5))}
    link.set_many(h, [link.LinkChange(ref="va0", netns=red.name)])
    assert "va0" in ip_names(red.name)
    assert _fds() == before


@pytest.mark.parametrize(
    ("value", "exc", "shown"),
    [
        ("rawns-no-such-ns", FileNotFoundError, "rawns-no-such-ns"),
        ("/run/netns/rawns-no-such-ns", FileNotFoundError, "/run/netns/rawns-no-such-ns"),
        ("/proc/self/stat", ValueError, "/proc/self/stat"),
        ("/proc/self/ns/uts", ValueError, "/proc/self/ns/uts"),
        (0x7FFFFFFF, FileNotFoundError, str(0x7FFFFFFF)),
    ],
)
def test_a_bad_namespace_names_what_was_passed_and_makes_nothing(
    h: Handle, ns: Any, value: object, exc: type[Exception], shown: str
) -> None:
    before = _fds()
    with pytest.raises(exc) as e:
        link.add(h, Veth(name="veth-a", peer="veth-b", peer_netns=value))  # type: ignore[arg-type]
    text = str(e.value) + " ".join(getattr(e.value, "__notes__", []))
    assert shown in text
    assert ip_names(ns.name) == {"lo"}
    assert _fds() == before


@pytest.mark.parametrize("value", ["a/b", ".", "", "red\0", 0, -5, 1.5, b"/run/netns/x"])
def test_a_malformed_namespace_is_refused_when_the_spec_is_made(value: object) -> None:
    with pytest.raises((TypeError, ValueError), match="peer_netns"):
        Veth(name="veth-a", peer="veth-b", peer_netns=value)  # type: ignore[arg-type]


def test_pure_build_refuses_a_name_it_cannot_send() -> None:
    with pytest.raises(ValueError, match="the verbs"):
        link.build_add(Veth(name="veth-a", peer="veth-b", peer_netns="red"))


# --- compose.connect, sysctl, monitor -----------------------------------------

_CONNECT = {
    "bridge": "br0",
    "veth": "eth0",
    "bridge_end": "veth-red",
    "address": "10.9.0.2/24",
    "gateway": "10.9.0.1",
}


@pytest.mark.parametrize("form", ["name", "path", "pid"])
def test_connect_takes_a_name_a_path_or_a_pid(h: Handle, ns: Any, make_ns: Any, form: str) -> None:
    red = make_ns()
    link.add(h, Bridge(name="br0", up=True))
    before = _fds()
    if form == "pid":
        with process_in(red.name) as pid:
            assert compose.connect(h, pid, **_CONNECT) is True
            assert compose.connect(h, pid, **_CONNECT) is False  # reused: the peer is there
    else:
        where = red.name if form == "name" else f"/run/netns/{red.name}"
        assert compose.connect(h, where, **_CONNECT) is True
        assert compose.connect(h, where, **_CONNECT) is False
    assert _fds() == before
    assert ip_names(red.name) == {"lo", "eth0"}
    assert ip_json(red.name, "addr", "show", "eth0")[0]["addr_info"][0]["local"] == "10.9.0.2"


def test_connect_refuses_a_pair_whose_peer_is_elsewhere(h: Handle, ns: Any, make_ns: Any) -> None:
    red, blue = make_ns(), make_ns()
    link.add(h, Bridge(name="br0", up=True))
    # veth-red's peer "eth0" lives in blue; red has an unrelated "eth0" of its own
    link.add(h, Veth(name="veth-red", peer="eth0", peer_netns=blue))
    with Handle.open(netns=red) as rh:
        link.add(rh, Veth(name="eth0", peer="other"))
    red_before = ip_json(red.name, "addr")
    with pytest.raises(Conflict, match="its peer is not 'eth0' in"):
        compose.connect(h, red.name, **_CONNECT)
    assert ip_json(red.name, "addr") == red_before  # no address on the wrong interface
    assert "master" not in ip_json(ns.name, "link", "show", "veth-red")[0]
    # the same pair with its peer in red is reused
    link.delete(h, "veth-red")
    with Handle.open(netns=red) as rh:
        link.delete(rh, "eth0")
    link.add(h, Veth(name="veth-red", peer="eth0", peer_netns=red))
    assert compose.connect(h, red, **_CONNECT) is False
    assert ip_json(red.name, "addr", "show", "eth0")[0]["addr_info"][0]["local"] == "10.9.0.2"


def test_connect_names_a_bad_namespace(h: Handle, ns: Any) -> None:
    with pytest.raises(FileNotFoundError) as e:
        compose.connect(h, "rawns-no-such-ns", **_CONNECT)
    assert "rawns-no-such-ns" in str(e.value) + " ".join(getattr(e.value, "__notes__", []))
    with pytest.raises(ValueError, match="neither a namespace name"):
        compose.connect(h, "a/b", **_CONNECT)
    assert ip_names(ns.name) == {"lo"}


@pytest.mark.parametrize("form", ["name", "path", "pathlike", "pid"])
def test_sysctl_and_monitor_take_every_form(ns: Any, form: str) -> None:
    before = _fds()
    with contextlib.ExitStack() as stack:
        where: Any = {
            "name": ns.name,
            "path": f"/run/netns/{ns.name}",
            "pathlike": Path("/run/netns") / ns.name,
        }.get(form)
        if where is None:
            where = stack.enter_context(process_in(ns.name))
        sysctl.set(where, "net.ipv4.ip_forward", 1)
        assert sysctl.get(where, "net.ipv4.ip_forward") == "1"
        assert run("ip", "netns", "exec", ns.name, "sysctl", "-n", "net.ipv4.ip_forward") == "1\n"
        assert sysctl.dump(where, "net.ipv4.ip_forward") == {"net.ipv4.ip_forward": "1"}
        with monitor.open(where, ["link"]) as mon, Handle.open(netns=ns) as h:
            link.add(h, Bridge(name="br-m"))
            ev = mon.poll(5)
            assert ev is not None and getattr(ev.obj, "name", None) == "br-m"
    assert _fds() == before


@pytest.mark.parametrize("bad", ["rawns-no-such-ns", "/run/netns/rawns-no-such-ns", 0x7FFFFFFF])
def test_sysctl_and_monitor_name_a_missing_namespace(bad: object) -> None:
    for call in (
        lambda: sysctl.get(bad, "net.ipv4.ip_forward"),  # type: ignore[arg-type]
        lambda: monitor.open(bad),  # type: ignore[arg-type]
    ):
        with pytest.raises(FileNotFoundError) as e:
            call()
        assert str(bad) in str(e.value) + " ".join(getattr(e.value, "__notes__", []))
