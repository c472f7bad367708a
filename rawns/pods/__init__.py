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

import importlib

TYPE_CHECKING = False  # not typing's: names load on first use (PEP 562), as in rawns/__init__
if TYPE_CHECKING:
    from ..link._nsid import netns_id
    from ._attach import attach, check, detach, host_ifname_for
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

# where each name lives: a CNI plugin exec'd per pod needs _attach, not _nodes' nft helpers
_FROM = {
    "netns_id": "..link._nsid",
    **dict.fromkeys(("attach", "check", "detach", "host_ifname_for"), "._attach"),
    **dict.fromkeys(("FLANNEL_PORT", "add_peer", "masquerade_outside", "peer"), "._nodes"),
    **dict.fromkeys(("remove_peer", "route_to", "unroute", "vtep"), "._nodes"),
    **dict.fromkeys(("Attachment", "CheckFailed", "Peer"), "._types"),
}

if not TYPE_CHECKING:  # mypy sees the imports above, and no catch-all for a misspelt name

    def __getattr__(name: str) -> object:
        if name in _FROM:
            value = getattr(importlib.import_module(_FROM[name], __name__), name)
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FROM})


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
