"""Pods and nodes: the Kubernetes network model in a few calls (docs/pods.md).

Every pod has its own IP; pods reach each other on a node through the node's
bridge, and across nodes without NAT, by plain routes between nodes (host-gw)
or through a vxlan overlay (flannel's design); traffic leaving the cluster is
masqueraded. The helpers work on a :class:`~rawns.Handle` on the node's
namespace (the machine's own in real use; a namespace you made in tests and
the ``python -m rawns demo k8s`` simulation):

- :func:`attach` / :func:`detach` / :func:`check`: a pod on the node's bridge
  (veth born in the pod, addresses, routes); atomic, undoable, verifiable.
- :func:`route_to` / :func:`unroute`: host-gw routes to other nodes' pod subnets.
- :func:`vtep`, :func:`peer`, :func:`add_peer` / :func:`remove_peer`: the
  vxlan overlay.
- :func:`masquerade_outside`: NAT only for traffic leaving the cluster CIDR.

Built on the public verbs and :mod:`rawns.compose` only.
"""

from __future__ import annotations

from ._attach import attach, check, detach, host_ifname_for, netns_id
from ._nodes import (
    FLANNEL_PORT,
    add_peer,
    masquerade_outside,
    peer,
    remove_peer,
    route_to,
    unroute,
    vtep,
)
from ._types import Attachment, CheckFailed, Peer

__all__ = [
    "FLANNEL_PORT",
    "Attachment",
    "CheckFailed",
    "Peer",
    "add_peer",
    "attach",
    "check",
    "detach",
    "host_ifname_for",
    "masquerade_outside",
    "netns_id",
    "peer",
    "remove_peer",
    "route_to",
    "unroute",
    "vtep",
]
