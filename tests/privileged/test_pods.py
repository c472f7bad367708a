"""The Kubernetes network model built with rawns.pods holds, checked with real TCP (issue 14).

Both modes (host-gw routes and the vxlan overlay), with 3 and with 50 pods:
every pod reaches a pod on the other node and that server sees the client
pod's own address (no NAT); each node reaches a remote pod; every pod reaches
the "external" namespace, which sees the pod's node's LAN address
(masquerade). The cluster is ``rawns.demo_k8s.build``; everything is removed
by prefix at teardown, also when a check fails.
"""

from __future__ import annotations

import contextlib
import io
import uuid
from collections.abc import Iterator

import pytest

from rawns import demo_k8s, pods, probe
from rawns.demo import Report
from rawns.demo_k8s import Cluster

PORT = 8080


@contextlib.contextmanager
def cluster_of(mode: str, n_pods: int) -> Iterator[Cluster]:
    """A simulated cluster, removed by prefix on the way out (even on failure)."""
    prefix = f"rawns-k8s-t{uuid.uuid4().hex[:6]}-"
    c: Cluster | None = None
    try:
        c = demo_k8s.build(prefix, mode=mode, n_pods=n_pods)
        yield c
    finally:
        if c is not None:
            c.close()
        left = demo_k8s.teardown(prefix)
        assert not left, f"namespaces left behind: {left}"


def _ip(a: pods.Attachment) -> str:
    return str(a.addresses[0].ip)


@pytest.mark.parametrize("n_pods", [3, 50])
@pytest.mark.parametrize("mode", demo_k8s.MODES)
def test_cluster_passes_tcp_checks(mode: str, n_pods: int) -> None:
    with cluster_of(mode, n_pods) as c:
        n1, n2 = c.nodes
        assert len(n1.pods) + len(n2.pods) == n_pods
        assert len(n1.pods) == (n_pods + 1) // 2

        # The demo's own proof (same node, across nodes both ways, node to pod, masquerade).
        rep = Report()
        with contextlib.redirect_stdout(io.StringIO()) as out:
            demo_k8s.prove(rep, c)
        assert rep.ok, out.getvalue()
        assert rep.passed == 6, out.getvalue()

        with contextlib.ExitStack() as stack:
            for node in c.nodes:
                for name, ns, a in node.pods:
                    stack.enter_context(probe.TcpServer(ns, _ip(a), PORT, name=name))
            stack.enter_context(
                probe.TcpServer(c.external, demo_k8s.EXTERNAL, PORT, name="external")
            )
            for here, there in ((n1, n2), (n2, n1)):
                for k, (name, ns, a) in enumerate(here.pods):
                    # Every pod to a pod on the other node: no NAT on the way.
                    far_name, _far_ns, far = there.pods[k % len(there.pods)]
                    r = probe.tcp_check(ns, _ip(far), PORT, timeout=5.0)
                    assert r.server == far_name, (name, far_name, r)
                    assert str(r.seen_source) == _ip(a), (name, far_name, r)
                    # And out of the cluster: masqueraded to this node's LAN address.
                    r = probe.tcp_check(ns, demo_k8s.EXTERNAL, PORT, timeout=5.0)
                    assert r.server == "external"
                    assert str(r.seen_source) == here.lan_ip, (name, r)
                # The node itself reaches each remote pod.
                for far_name, _far_ns, far in there.pods:
                    r = probe.tcp_check(here.ns, _ip(far), PORT, timeout=5.0)
                    assert r.server == far_name


def test_teardown_by_prefix_after_a_failed_build() -> None:
    prefix = f"rawns-k8s-t{uuid.uuid4().hex[:6]}-"
    try:
        with pytest.raises(ValueError, match=r"pods must be 1\.\.250"):
            demo_k8s.build(prefix, mode="hostgw", n_pods=0)
    finally:
        assert demo_k8s.teardown(prefix) == []
