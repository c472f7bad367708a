"""rawns.pods is all or nothing, undoable and verifiable (issue 14).

- Rollback: each netlink request of ``attach`` (then ``add_peer``, ``vtep``)
  is refused in turn (``transport.fail_nth_request``); the call raises and the
  node and the pod are exactly as before (``ip``/``bridge``/``nft`` dumps).
- Detach: after the pod's namespace was deleted, twice, by container id.
- Check: passes on a fresh attach, and names the difference after one thing
  is changed behind its back with ``ip``.
"""

from __future__ import annotations

import dataclasses
import errno
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawns import Handle, compose, link, netns, pods, transport
from rawns.errors import KernelError
from rawns.pods import CheckFailed
from tests.conftest import ip_json, run

from . import pods_kit
from .pods_kit import NODE_GW, NODE_SUBNET, POD_IP

LAN_IP = "192.168.100.11"


@pytest.fixture
def node(make_ns: Callable[[], Any]) -> Iterator[tuple[Any, Handle]]:
    """A node namespace with the pod bridge cni0 (10.244.1.1/24) and an underlay eth0."""
    ns = make_ns()
    with Handle.open(netns=ns) as h:
        compose.gateway(h, bridge="cni0", address=f"{NODE_GW}/24")
        link.add(h, link.Veth(name="eth0", peer="eth0-lan", up=True, peer_up=True))
        compose.ensure_address(h, "eth0", f"{LAN_IP}/24")
        yield ns, h


def _attach(h: Handle, pod: Any, **kw: Any) -> pods.Attachment:
    args: dict[str, Any] = {
        "bridge": "cni0",
        "container_id": "c0ffee",
        "addresses": [POD_IP],
        "gateway": NODE_GW,
        "subnet": NODE_SUBNET,
        "mtu": 1450,
    }
    args.update(kw)
    return pods.attach(h, pod, **args)


def _count(fn: Callable[[], object]) -> int:
    """How many netlink exchanges ``fn`` makes (its effects are then undone by the caller)."""
    with transport.fail_nth_request(10**9) as plan:
        fn()
    return plan.count


def _each_request_refused(
    fn: Callable[[], object], n_requests: int, names: tuple[str, ...], what: str
) -> None:
    before = pods_kit.snapshot(*names)
    for n in range(1, n_requests + 1):
        with transport.fail_nth_request(n, errno.EPERM) as plan, pytest.raises(KernelError) as ei:
            fn()
        assert plan.fired is not None, f"{what}: request {n} was not made"
        assert ei.value.errno == errno.EPERM
        pods_kit.assert_unchanged(before, *names, what=f"{what}, request {n} ({plan.fired})")


# ---------------------------------------------------------------------------
# rollback


def test_attach_rolls_back_at_every_request(node: Any, make_ns: Callable[[], Any]) -> None:
    ns, h = node
    pod = make_ns()
    n = _count(lambda: pods.detach(h, _attach(h, pod)))
    n_attach = _count(lambda: _attach(h, pod))
    pods.detach(h, container_id="c0ffee")
    assert 6 <= n_attach < n
    _each_request_refused(lambda: _attach(h, pod), n_attach, (ns.name, pod.name), "attach")
    # And after all that, attach still works and checks out.
    pods.check(h, _attach(h, pod))


def test_add_peer_rolls_back_at_every_request(node: Any) -> None:
    ns, h = node
    pods.vtep(h, vni=1, local=LAN_IP, dev="eth0", address="10.244.1.0")
    p = pods.peer(
        subnet="10.244.2.0/24", vtep_mac="02:00:00:00:00:02", node_address="192.168.100.12"
    )
    n = _count(lambda: pods.add_peer(h, p))
    assert pods.remove_peer(h, p)
    assert n >= 3
    _each_request_refused(lambda: pods.add_peer(h, p), n, (ns.name,), "add_peer")
    assert pods.add_peer(h, p)
    assert not pods.add_peer(h, p)  # ensure semantics: nothing to change
    assert pods.remove_peer(h, p)
    assert not pods.remove_peer(h, p)


def test_vtep_rolls_back_at_every_request(node: Any) -> None:
    ns, h = node

    def make() -> object:
        return pods.vtep(h, vni=1, local=LAN_IP, dev="eth0", address="10.244.1.0", mtu=1450)

    n = _count(make)
    link.delete(h, "flannel.1")
    assert n >= 3
    _each_request_refused(make, n, (ns.name,), "vtep")
    v = make()
    assert isinstance(v, link.Link) and v.kind == "vxlan"
    (d,) = ip_json(ns.name, "-d", "link", "show", "flannel.1")
    info = d["linkinfo"]["info_data"]
    assert (info["id"], info["port"], info["learning"]) == (1, pods.FLANNEL_PORT, False)
    assert info["local"] == LAN_IP and d["mtu"] == 1450


# ---------------------------------------------------------------------------
# detach


def _gone(ns: str, name: str, wait: float = 5.0) -> bool:
    """Whether ``name`` is absent from ``ns`` (retried: namespace cleanup is asynchronous)."""
    deadline = time.monotonic() + wait
    while True:
        if name not in {x["ifname"] for x in ip_json(ns, "link", "show")}:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def test_detach_after_the_pod_namespace_was_deleted(node: Any) -> None:
    ns, h = node
    pod = netns.create(f"rawns-t-pod-{time.monotonic_ns()}")
    try:
        a = _attach(h, pod)
    finally:
        pod.close()
        netns.delete(pod.name)
    assert pods.detach(h, a) in (True, False)  # returns, whoever removed the pair
    assert _gone(ns.name, a.host_ifname), f"{a.host_ifname} is still on the node"
    assert pods.detach(h, a) is False


def test_detach_twice_and_by_container_id(node: Any, make_ns: Callable[[], Any]) -> None:
    ns, h = node
    pod = make_ns()
    a = _attach(h, pod, container_id="pod-a_1.x")
    (hl,) = ip_json(ns.name, "link", "show", a.host_ifname)
    assert hl["ifalias"] == "rawns-pod pod-a_1.x eth0"
    assert pods.detach(h, container_id="pod-a_1.x") is True
    assert _gone(ns.name, a.host_ifname)
    assert ip_json(pod.name, "link", "show", "type", "veth") == []
    assert pods.detach(h, container_id="pod-a_1.x") is False
    assert pods.detach(h, a) is False
    assert pods.detach(h, host_ifname=a.host_ifname) is False


def test_detach_refuses_a_link_that_is_not_a_veth(node: Any) -> None:
    _ns, h = node
    with pytest.raises(ValueError, match="'cni0' is a bridge"):
        pods.detach(h, host_ifname="cni0")
    assert link.get(h, "cni0").kind == "bridge"


# ---------------------------------------------------------------------------
# check


def test_check_passes_on_a_fresh_attach(node: Any, make_ns: Callable[[], Any]) -> None:
    _ns, h = node
    pod = make_ns()
    a = _attach(h, pod)
    pods.check(h, a)
    assert a.netns == pod.path or a.netns == pod.name
    assert (a.ifname, a.mtu, a.bridge) == ("eth0", 1450, "cni0")
    assert a.host_ifname == pods.host_ifname_for("c0ffee", "eth0")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("pod: addr del 10.244.1.2/24 dev eth0", "lacks address 10.244.1.2/24"),
        ("node: link set HOST nomaster", "is not on bridge cni0"),
        ("pod: route del default", "lacks route default via 10.244.1.1"),
        ("pod: link set eth0 down", "eth0 in pod .* is down"),
        ("pod: link set eth0 mtu 1400", "has MTU 1400, not 1450"),
    ],
)
def test_check_names_the_difference(
    node: Any, make_ns: Callable[[], Any], change: str, message: str
) -> None:
    ns, h = node
    pod = make_ns()
    a = _attach(h, pod)
    where, _, cmd = change.partition(": ")
    target = pod.name if where == "pod" else ns.name
    run("ip", "-n", target, *cmd.replace("HOST", a.host_ifname).split())
    with pytest.raises(CheckFailed, match=message):
        pods.check(h, a)


def test_check_sees_a_same_named_interface_in_another_namespace(
    node: Any, make_ns: Callable[[], Any]
) -> None:
    """The peer must be *that pod's* interface, not a look-alike elsewhere."""
    _ns, h = node
    pod, other = make_ns(), make_ns()
    a = _attach(h, pod)
    # A veth named like the pod's, with its MAC, MTU, address and route, in another namespace.
    run(
        "ip", "-n", other.name, "link", "add", "eth0", "address", a.mac, "mtu", "1450",
        "type", "veth", "peer", "name", "eth0-x",
    )  # fmt: skip
    run("ip", "-n", other.name, "link", "set", "eth0", "up")
    run("ip", "-n", other.name, "link", "set", "eth0-x", "up")
    run("ip", "-n", other.name, "addr", "add", POD_IP, "dev", "eth0")
    run("ip", "-n", other.name, "route", "add", "default", "via", NODE_GW)
    lookalike = dataclasses.replace(a, netns=other.path or other.name)
    with pytest.raises(CheckFailed, match="peer is not eth0 in pod"):
        pods.check(h, lookalike)
    pods.check(h, a)


def test_check_after_the_pod_namespace_is_gone(node: Any) -> None:
    _ns, h = node
    pod = netns.create(f"rawns-t-pod-{time.monotonic_ns()}")
    try:
        a = _attach(h, pod)
    finally:
        pod.close()
        netns.delete(pod.name)
    with pytest.raises(CheckFailed):
        pods.check(h, a)
    pods.detach(h, a)
