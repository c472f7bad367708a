"""rawns.pods refuses bad input with a typed error naming the value, and changes nothing (issue 14).

Each case runs against a node (a namespace with the pod bridge ``cni0`` and an
underlay ``eth0``) and a pod namespace; the ``ip``/``bridge``/``nft`` dumps of
both are equal before and after.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawns import Handle, compose, link, pods
from rawns.errors import Conflict, NotFound

from . import pods_kit
from .pods_kit import NODE_GW, NODE_SUBNET, POD_IP


@pytest.fixture
def node(make_ns: Callable[[], Any]) -> Iterator[tuple[Any, Handle, Any]]:
    """(node namespace, handle on it, a pod namespace)."""
    ns, pod = make_ns(), make_ns()
    with Handle.open(netns=ns) as h:
        compose.gateway(h, bridge="cni0", address=f"{NODE_GW}/24")
        link.add(h, link.Veth(name="eth0", peer="eth0-lan", up=True, peer_up=True))
        compose.ensure_address(h, "eth0", "192.168.100.11/24")
        yield ns, h, pod


def _attach(h: Handle, pod: Any, **kw: Any) -> pods.Attachment:
    args: dict[str, Any] = {
        "bridge": "cni0",
        "container_id": "c0ffee",
        "addresses": [POD_IP],
        "gateway": NODE_GW,
        "subnet": NODE_SUBNET,
    }
    args.update(kw)
    return pods.attach(h, pod, **args)


CASES: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    (
        "address outside the pod subnet",
        {"addresses": ["10.244.7.2/24"], "gateway": "10.244.7.1"},
        ValueError,
        "address 10.244.7.2/24 is not in the pod subnet 10.244.1.0/24",
    ),
    (
        "gateway outside the subnet",
        {"gateway": "10.9.9.1"},
        ValueError,
        "gateway 10.9.9.1 of route 0.0.0.0/0 is outside the pod's subnets (10.244.1.0/24)",
    ),
    (
        "pod ifname over 15 bytes",
        {"ifname": "eth0-much-too-long"},
        ValueError,
        "eth0-much-too-long",
    ),
    ("host ifname over 15 bytes", {"host_ifname": "veth" + "x" * 12}, ValueError, "x" * 12),
    ("a bridge that does not exist", {"bridge": "cni9"}, NotFound, "cni9"),
    ("a bridge that is no bridge", {"bridge": "eth0"}, ValueError, "'eth0' is a veth link"),
    ("container id with bad characters", {"container_id": "abc/../x"}, ValueError, "abc/../x"),
    ("container id with a space", {"container_id": "abc def"}, ValueError, "abc def"),
    ("addresses not a list", {"addresses": POD_IP}, TypeError, "addresses must be a list"),
    ("an address twice", {"addresses": [POD_IP, POD_IP]}, ValueError, "10.244.1.2 twice"),
    ("a bad MAC", {"mac": "02:00:00:zz:00:01"}, ValueError, "02:00:00:zz:00:01"),
    ("an MTU out of range", {"mtu": 70000}, ValueError, "70000"),
]


@pytest.mark.parametrize(("kw", "exc", "names"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_attach_refuses_and_changes_nothing(
    node: Any, kw: dict[str, Any], exc: type[Exception], names: str
) -> None:
    ns, h, pod = node
    before = pods_kit.snapshot(ns.name, pod.name)
    with pytest.raises(exc) as ei:
        _attach(h, pod, **kw)
    assert names in str(ei.value), str(ei.value)
    pods_kit.assert_unchanged(before, ns.name, pod.name, what=str(kw))


def test_duplicate_pod(node: Any) -> None:
    ns, h, pod = node
    a = _attach(h, pod)
    before = pods_kit.snapshot(ns.name, pod.name)
    with pytest.raises(Conflict, match=f"pod {pod.name} already has an interface 'eth0'"):
        _attach(h, pod)
    with pytest.raises(Conflict, match="already has an interface 'eth0'"):
        _attach(h, pod, container_id="another")  # another host end, the same pod ifname
    pods_kit.assert_unchanged(before, ns.name, pod.name, what="duplicate pod")
    pods.check(h, a)


def test_existing_host_ifname_is_not_taken_over(node: Any) -> None:
    ns, h, pod = node
    other = _attach(h, pod, ifname="eth1", addresses=["10.244.1.3/24"], gateway=None)
    before = pods_kit.snapshot(ns.name, pod.name)
    with pytest.raises(FileExistsError) as ei:
        _attach(h, pod, host_ifname=other.host_ifname)
    assert other.host_ifname in str(ei.value)
    pods_kit.assert_unchanged(before, ns.name, pod.name, what="host_ifname taken")
    pods.check(h, other)


@pytest.mark.parametrize("what", ["a regular file", "a directory", "a missing path", "no name"])
def test_pod_netns_that_is_not_a_netns(node: Any, what: str) -> None:
    ns, h, pod = node
    before = pods_kit.snapshot(ns.name, pod.name)
    with tempfile.TemporaryDirectory() as tmp:
        value = {
            "a regular file": os.path.join(tmp, "netns"),
            "a directory": tmp,
            "a missing path": os.path.join(tmp, "gone"),
            "no name": "rawns-t-no-such-namespace",
        }[what]
        if what == "a regular file":
            open(value, "w").close()
        with pytest.raises((OSError, ValueError)) as ei:
            pods.attach(h, value, bridge="cni0", addresses=[POD_IP], gateway=NODE_GW)
    shown = str(ei.value) + " ".join(getattr(ei.value, "__notes__", []))
    assert value in shown, shown
    pods_kit.assert_unchanged(before, ns.name, pod.name, what=what)


def test_pod_netns_of_a_wrong_type(node: Any) -> None:
    _ns, h, _pod = node
    with pytest.raises(TypeError, match=r"pod_netns must be .*: 3\.5"):
        pods.attach(h, 3.5, bridge="cni0")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "names"),
    [
        ({"vni": 1 << 24}, "16777216"),
        ({"vni": -1}, "-1"),
        ({"port": 70000}, "70000"),
        ({"name": "flannel.1-too-long"}, "flannel.1-too-long"),
        ({"dev": "eth9"}, "eth9"),
        ({"local": "192.168.100.300"}, "192.168.100.300"),
    ],
)
def test_vtep_refuses_and_changes_nothing(node: Any, kw: dict[str, Any], names: str) -> None:
    ns, h, _pod = node
    args: dict[str, Any] = {
        "vni": 1,
        "local": "192.168.100.11",
        "dev": "eth0",
        "address": "10.244.1.0",
    }
    args.update(kw)
    before = pods_kit.snapshot(ns.name)
    with pytest.raises((TypeError, ValueError, NotFound)) as ei:
        pods.vtep(h, **args)
    assert names in str(ei.value), str(ei.value)
    pods_kit.assert_unchanged(before, ns.name, what=str(kw))


def test_vtep_that_differs_is_a_conflict(node: Any) -> None:
    ns, h, _pod = node
    pods.vtep(h, vni=1, local="192.168.100.11", dev="eth0", address="10.244.1.0")
    before = pods_kit.snapshot(ns.name)
    with pytest.raises(Conflict):
        pods.vtep(h, vni=2, local="192.168.100.11", dev="eth0", address="10.244.1.0")
    pods_kit.assert_unchanged(before, ns.name, what="another VNI")


@pytest.mark.parametrize(
    ("kw", "names"),
    [
        ({"vtep_mac": "02:00:00:00:00"}, "02:00:00:00:00"),
        ({"subnet": "10.244.2.1/33"}, "10.244.2.1/33"),
        ({"node_address": "not-an-ip"}, "not-an-ip"),
    ],
)
def test_peer_refuses_bad_parts(kw: dict[str, Any], names: str) -> None:
    args: dict[str, Any] = {
        "subnet": "10.244.2.0/24",
        "vtep_mac": "02:00:00:00:00:02",
        "node_address": "192.168.100.12",
    }
    args.update(kw)
    with pytest.raises(ValueError) as ei:
        pods.peer(**args)
    assert names in str(ei.value), str(ei.value)
