"""pods.attach in few round trips (issue 14's benchmark bar), with the same guarantees.

attach learns the new link from the create's echo (NLM_F_ECHO), lets the
create's NLM_F_EXCL tell a taken name, and configures the pod in one pipelined
send. These tests pin the paths that only that shape has: a kernel without
the echo, a derived host name taken by another link, a duplicate pod told
apart from a taken host name, and a refusal in the middle of the pipeline
(the pod's ``lo`` goes down again, nothing is left).
"""

from __future__ import annotations

import dataclasses
import errno
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawns import Handle, compose, link, pods, transport
from rawns.errors import AlreadyExists
from rawns.pods import _attach
from rawns.route import Route

from . import pods_kit
from .pods_kit import NODE_GW, NODE_SUBNET, POD_IP


@pytest.fixture
def node(make_ns: Callable[[], Any]) -> Iterator[tuple[Any, Handle, Any]]:
    """(node namespace, handle on it with the bridge cni0, a pod namespace)."""
    ns, pod = make_ns(), make_ns()
    with Handle.open(netns=ns) as h:
        compose.gateway(h, bridge="cni0", address=f"{NODE_GW}/24")
        yield ns, h, pod


def _attach_pod(h: Handle, pod: Any, **kw: Any) -> pods.Attachment:
    args: dict[str, Any] = {
        "bridge": "cni0",
        "container_id": "c0ffee",
        "addresses": [POD_IP],
        "gateway": NODE_GW,
        "subnet": NODE_SUBNET,
    }
    args.update(kw)
    return pods.attach(h, pod, **args)


def _same_as_the_kernel_says(h: Handle, pod: Any, a: pods.Attachment) -> None:
    hl = link.get(h, a.host_ifname)
    with Handle.open(netns=pod) as ph:
        pl = link.get(ph, a.ifname)
    assert (a.host_index, a.host_mac) == (hl.index, hl.mac)
    assert (a.index, a.mac, a.mtu) == (pl.index, pl.mac, pl.mtu)
    assert hl.master == link.get(h, "cni0").index and hl.up and pl.up
    assert hl.alias == "rawns-pod c0ffee eth0"


def test_attach_takes_at_most_seven_exchanges(node: Any) -> None:
    """A fresh pod: the bridge, the create (+ alias), the pod's links and lo's
    addresses, one pipeline, the port. (The old shape took about 18.)"""
    _ns, h, pod = node
    with transport.fail_nth_request(10**9) as plan:
        a = _attach_pod(h, pod)
    assert plan.count <= 7, plan.count
    _same_as_the_kernel_says(h, pod, a)
    pods.check(h, a)


def test_attach_without_the_kernels_echo_reads_the_link(
    node: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kernels before 6.3 send no echo for a link create: one RTM_GETLINK instead."""
    _ns, h, pod = node
    monkeypatch.setattr(_attach, "_echoed", lambda _h, _r: None)
    a = _attach_pod(h, pod)
    _same_as_the_kernel_says(h, pod, a)
    pods.check(h, a)


def test_a_taken_derived_name_moves_on_to_the_next(node: Any) -> None:
    _ns, h, pod = node
    first = pods.host_ifname_for("c0ffee", "eth0")
    link.add(h, link.Bridge(name=first))  # not a veth, not ours
    a = _attach_pod(h, pod)
    assert a.host_ifname == pods.host_ifname_for("c0ffee", "eth0", 1)
    assert link.get(h, first).kind == "bridge"
    _same_as_the_kernel_says(h, pod, a)
    assert pods.detach(h, container_id="c0ffee") is True
    assert link.get(h, first).kind == "bridge"


def test_a_refusal_inside_the_pod_pipeline_leaves_nothing(node: Any) -> None:
    """The same route twice: the kernel refuses the second (EEXIST) after lo, eth0,
    the address and the first route went through in the same send."""
    ns, h, pod = node
    r = Route(dst="10.9.0.0/16", gateway=NODE_GW)
    before = pods_kit.snapshot(ns.name, pod.name)
    with pytest.raises(AlreadyExists) as ei:
        _attach_pod(h, pod, routes=[r, dataclasses.replace(r)])
    assert ei.value.errno == errno.EEXIST
    notes = "\n".join(getattr(ei.value, "__notes__", []))
    assert "route add 10.9.0.0/16 via 10.244.1.1" in notes, notes
    assert "pods.attach: step 2/3 failed" in notes, notes
    pods_kit.assert_unchanged(before, ns.name, pod.name, what="pipeline refusal")
    a = _attach_pod(h, pod, routes=[r])  # and it still works
    pods.check(h, a)
