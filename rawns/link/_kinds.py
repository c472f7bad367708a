"""Link kinds that rtnetlink creates: specs and their IFLA_INFO_DATA encoders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._rtnl import IFF, IFLA, IFLA_INFO, NLM_F, RTM, VETH_INFO, check_ifname
from .._wire import Writer
from ..netns import Netns
from ._base import LinkSpec, _header

if TYPE_CHECKING:
    from ..handle import Handle

__all__ = ["Bridge", "Veth", "add", "build_add"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Veth(LinkSpec):
    """A veth pair: ``name`` here, ``peer`` in ``peer_netns`` (or here)."""

    peer: str
    peer_netns: Netns | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Bridge(LinkSpec):
    """A Linux bridge (``ip link add NAME type bridge``)."""


def _common(w: Writer, spec: LinkSpec) -> None:
    check_ifname(spec.name)
    w.put_strz(IFLA.IFNAME, spec.name)
    if spec.mtu is not None:
        w.put_u32(IFLA.MTU, spec.mtu)


def build_add(spec: LinkSpec, *, flags: int = NLM_F.CREATE | NLM_F.EXCL) -> bytes:
    """RTM_NEWLINK creating ``spec`` (``ip link add ...``)."""
    w = Writer()
    w.begin(RTM.NEWLINK, flags=NLM_F.REQUEST | NLM_F.ACK | flags)
    up = IFF.UP if spec.up else 0
    _header(w, 0, up, up)
    _common(w, spec)
    with w.nest_noflag(IFLA.LINKINFO):
        if isinstance(spec, Veth):
            check_ifname(spec.peer)
            w.put_str(IFLA_INFO.KIND, "veth")
            with w.nest_noflag(IFLA_INFO.DATA), w.nest_noflag(VETH_INFO.PEER):
                _header(w)
                w.put_strz(IFLA.IFNAME, spec.peer)
                if spec.peer_netns is not None:
                    w.put_u32(IFLA.NET_NS_FD, spec.peer_netns.fd)
        elif isinstance(spec, Bridge):
            w.put_str(IFLA_INFO.KIND, "bridge")
        else:
            raise TypeError(f"unknown link spec {type(spec).__name__}")
    w.end()
    return w.data()


def add(h: Handle, spec: LinkSpec) -> None:
    """Create a link.

    Equivalent to: ip link add NAME type KIND ...

    Raises :class:`~rawns.errors.AlreadyExists` if the name is taken.
    """
    h.rtnl.request(build_add(spec), op="RTM_NEWLINK", target=spec.name)
