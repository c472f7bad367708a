"""veth: a pair of linked Ethernet devices, the peer possibly in another namespace."""

from __future__ import annotations

from .. import _check
from .._dataclass import dataclass
from .._rtnl import IFLA
from .._wire import NLA_TYPE_MASK, Writer, iter_attrs
from ..errors import DecodeError
from ._decode import parse_common, register_info
from ._encode import build_set, header, put_netns, put_queues
from ._spec import (
    LinkChange,
    LinkSpec,
    NetnsRef,
    Resolve,
    check_mac,
    check_netns,
    check_queues,
    set_field,
)
from ._types import Link, LinkInfo

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Veth", "VethInfo"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Veth(LinkSpec):
    """A veth pair: ``name`` (in ``netns`` or here) and ``peer`` (in ``peer_netns`` or here).

    Both ends are made by one request, each directly in its namespace (no
    move afterwards), as ``ip link add NAME netns A type veth peer name PEER
    netns B``. ``up`` brings ``name`` up in the same request; ``peer_up``
    brings the peer up with a second request after it (the kernel refuses
    IFF_UP on a peer being created: ENOTCONN), sent in the same pipeline
    when the peer stays in the handle's namespace.

    ``num_tx_queues``/``num_rx_queues`` and their ``peer_`` twins are ``ip``'s
    ``numtxqueues``/``numrxqueues``. Left unset, the kernel allocates one
    queue per possible CPU for each end and then trims the queues in use to
    one, which waits for an RCU grace period per end while holding the RTNL
    lock (``veth_init_queues``); setting all four to 1 skips that, which
    makes many pairs faster to create (docs/benchmarks.md). The price: the queue count
    cannot be raised later (``ethtool -L``), as for any link.
    """

    kind = "veth"

    peer: str
    peer_netns: NetnsRef | None = None
    peer_mtu: int | None = None
    peer_mac: str | None = None
    peer_up: bool = False
    peer_num_tx_queues: int | None = None
    peer_num_rx_queues: int | None = None

    def __post_init__(self) -> None:
        super(Veth, self).__post_init__()
        _check.ifname(self.peer, "peer")
        if self.peer_netns is not None:
            set_field(self, "peer_netns", check_netns(self.peer_netns, "peer_netns"))
        if self.peer_mtu is not None:
            _check.mtu(self.peer_mtu, "peer_mtu")
        if self.peer_mac is not None:
            set_field(self, "peer_mac", check_mac(self.peer_mac, "peer_mac"))
        _check.boolean(self.peer_up, "peer_up")
        check_queues(self.peer_num_tx_queues, "peer_num_tx_queues")
        check_queues(self.peer_num_rx_queues, "peer_num_rx_queues")
        if self.peer == self.name and self.peer_netns is None and self.netns is None:
            raise ValueError(f"a veth's two ends cannot both be named {self.name!r}")

    def namespaces(self) -> tuple[tuple[str, NetnsRef], ...]:
        own = super(Veth, self).namespaces()
        return own if self.peer_netns is None else (*own, ("peer_netns", self.peer_netns))

    def _creates(self) -> tuple[tuple[NetnsRef | None, str], ...]:
        return (*super(Veth, self)._creates(), (self.peer_netns, self.peer))

    def target(self) -> str:
        # The kernel's EEXIST does not say which end's name is taken
        # (veth_newlink registers the peer first, then this end).
        return f"{self.name} (peer {self.peer})"

    def _has_data(self) -> bool:
        return True

    def followups(self) -> list[tuple[NetnsRef | None, LinkChange]]:
        more = super(Veth, self).followups()
        if not self.peer_up:
            return more
        return [*more, (self.peer_netns, LinkChange(ref=self.peer, up=True))]

    def _put_data(self, w: Writer, resolve: Resolve) -> None:
        # VETH_INFO_PEER holds a whole ifinfomsg and its attributes
        # (drivers/net/veth.c: veth_newlink), nested without NLA_F_NESTED.
        from .._rtnl import VETH_INFO  # the kinds' enums: not loaded by a dump of veths

        with w.nest_noflag(VETH_INFO.PEER):
            # Never IFF_UP here: veth_newlink configures the peer before the
            # pair is linked, so opening it fails with ENOTCONN (veth_open).
            # peer_up is a follow-up ``set`` instead (see followups).
            header(w)
            if self.peer_mtu is not None:
                w.put_u32(IFLA.MTU, self.peer_mtu)
            if self.peer_mac is not None:
                w.put(IFLA.ADDRESS, _check.mac(self.peer_mac, "peer_mac"))
            put_queues(w, self.peer_num_tx_queues, self.peer_num_rx_queues)
            if self.peer_netns is not None:
                put_netns(w, self.peer_netns)
            w.put_strz(IFLA.IFNAME, self.peer)

    @classmethod
    def _followup_fields(
        cls, kw: dict[str, Any], followups: list[tuple[LinkChange, bytes]]
    ) -> dict[str, Any]:
        up = build_set(kw.get("peer", ""), up=True)
        if followups and followups[-1][1] == up:
            out = super(Veth, cls)._followup_fields(kw, followups[:-1])
            return {**out, "peer_up": True}
        return super(Veth, cls)._followup_fields(kw, followups)

    @classmethod
    def _parse_data(
        cls, payload: bytes, start: int, end: int, top: dict[str, Any]
    ) -> dict[str, Any]:
        from .._rtnl import VETH_INFO  # the kinds' enums: not loaded by a dump of veths

        for t, a, b in iter_attrs(payload, start, end):
            if t & NLA_TYPE_MASK == VETH_INFO.PEER:
                kw = parse_common(payload, a, b)
                out: dict[str, Any] = {}
                for src, dst in (
                    ("name", "peer"),
                    ("netns", "peer_netns"),
                    ("mtu", "peer_mtu"),
                    ("mac", "peer_mac"),
                    ("up", "peer_up"),
                    ("num_tx_queues", "peer_num_tx_queues"),
                    ("num_rx_queues", "peer_num_rx_queues"),
                ):
                    if src in kw:
                        out[dst] = kw.pop(src)
                if kw:
                    raise DecodeError(f"VETH_INFO_PEER carries fields Veth has no peer_ for: {kw}")
                return out
        raise DecodeError("a veth request without VETH_INFO_PEER")


@dataclass(frozen=True, slots=True, kw_only=True)
class VethInfo(LinkInfo):
    """A veth end's peer, as the kernel reports it (IFLA_LINK, IFLA_LINK_NETNSID).

    ``peer_netnsid`` is set when the peer lives in another namespace: it is
    that namespace's id as seen from this one (``ip netns list-id``).
    """

    peer: int | None = None
    peer_netnsid: int | None = None


_new = object.__new__
# VethInfo's slots, set as the frozen __init__ sets them, without its keyword call.
_set_peer = vars(VethInfo)["peer"].__set__
_set_peer_netnsid = vars(VethInfo)["peer_netnsid"].__set__


def parse_veth_info(payload: bytes, start: int, end: int, top: Link) -> VethInfo:
    # veth reports no IFLA_INFO_DATA; its peer is the top-level IFLA_LINK.
    # This runs once per veth of a dump. A unit test checks these are all of its fields.
    info = _new(VethInfo)
    _set_peer(info, top.link)
    _set_peer_netnsid(info, top.link_netnsid)
    return info


register_info("veth", parse_veth_info)
