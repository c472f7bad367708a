"""What the pod helpers return and raise: :class:`Attachment`, :class:`Peer`, errors."""

from __future__ import annotations

from dataclasses import dataclass

from .._inet import IPAddress, IPInterface, IPNetwork
from ..errors import RawnsError
from ..route import Route

#: The alias rawns puts on a pod's host-side veth end: ``rawns-pod <container id> <ifname>``.
#: :func:`~rawns.pods.detach` finds the link by it when only the container id is known.
ALIAS_PREFIX = "rawns-pod "


@dataclass(frozen=True, slots=True)
class Attachment:
    """A pod plugged into a node's bridge: what an orchestrator reports (a CNI result).

    ``netns`` is the pod namespace's path as given (or ``/proc/<pid>/ns/net``,
    or the named namespace's path); ``addresses`` and ``routes`` are those put
    inside the pod.
    """

    container_id: str | None
    netns: str
    bridge: str
    host_ifname: str
    host_index: int
    host_mac: str
    ifname: str
    index: int
    mac: str
    mtu: int
    addresses: tuple[IPInterface, ...]
    routes: tuple[Route, ...]


@dataclass(frozen=True, slots=True)
class Peer:
    """A remote node as the vxlan overlay sees it (flannel's design).

    ``subnet``: the remote node's pod subnet; ``vtep_address``: the remote
    VTEP's address (the subnet's network address, as flannel gives it);
    ``vtep_mac``: the remote VTEP's MAC; ``node_address``: the remote node's
    underlay address (where the encapsulated packets go).
    """

    subnet: IPNetwork
    vtep_address: IPAddress
    vtep_mac: str
    node_address: IPAddress


class CheckFailed(RawnsError, AssertionError):
    """:func:`rawns.pods.check` found a difference: the message names the first one."""
