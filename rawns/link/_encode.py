"""Link requests as bytes: the ifinfomsg, the common attributes, and every ``build_*``.

Following one spec to bytes stays in this file but for the kind's own hooks
(``_put_top``, ``_put_data`` in ``_veth``, ``_bridge``...). Attribute order
follows what ``ip link add`` sends for the same command (iproute2
``ip/iplink.c``: options in the order given, then IFLA_LINK, then
IFLA_IFNAME, then IFLA_LINKINFO), so the golden captures match byte for
byte. Like iproute2, rawns nests IFLA_LINKINFO without NLA_F_NESTED.

A :class:`~rawns.link.LinkChange` becomes one RTM_NEWLINK (flags
REQUEST|ACK, no CREATE: the kernel only changes an existing link), or two
when bridge-port settings come with a new master: the kernel applies
IFLA_INFO_SLAVE_DATA through the port's *current* master before IFLA_MASTER
takes effect (net/core/rtnetlink.c: rtnl_changelink), so the port settings
go in a second message.
"""

from __future__ import annotations

import _socket

from .. import _check
from .._rtnl import IFF, IFINFOMSG, IFLA, IFLA_INFO, NLM_F, RTM
from .._wire import Writer
from ..netns import Netns
from ._spec import LinkChange, LinkSpec, NetnsRef, PortSettings, Resolve, check_spec
from ._types import LinkRef, index_of, ref_label

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Any, Unpack

    from ._fields import LinkGroupFields, LinkSetFields

__all__ = [
    "build_add",
    "build_delete",
    "build_dump",
    "build_get",
    "build_replace",
    "build_set",
    "build_set_group",
]

# RTEXT_FILTER_SKIP_STATS (linux/rtnetlink.h) leaves out the IPv6 counters
# inside IFLA_AF_SPEC (IFLA_INET6_STATS and IFLA_INET6_ICMP6STATS, 368 bytes a
# link with IPv6 on; net/ipv6/addrconf.c: inet6_fill_ifla6_attrs) and the
# per-VF stats of SR-IOV devices (rtnl_fill_vfinfo). It does not leave out
# IFLA_STATS and IFLA_STATS64 (300 bytes): rtnl_fill_ifinfo calls
# rtnl_fill_stats unconditionally (net/core/rtnetlink.c, up to at least 6.18;
# a 2025 net-next patch proposes honouring the flag there), and no other
# filter bit drops them, so every link message still carries both.
RTEXT_FILTER_SKIP_STATS = 1 << 3

F_ADD = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL)
# Not NLM_F_REPLACE: rtnl_newlink refuses it for an existing link with
# EOPNOTSUPP (net/core/rtnetlink.c; "ip link replace" fails the same way).
# NLM_F_CREATE without EXCL is what creates, or changes the link in place.
F_REPLACE = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE)
F_SET = int(NLM_F.REQUEST | NLM_F.ACK)
# Read per request, as ints: an IntEnum member costs an enum.property lookup on Python 3.11.
_NEWLINK, _GETLINK = int(RTM.NEWLINK), int(RTM.GETLINK)
_IFLA_IFNAME, _IFLA_EXT_MASK, _IFLA_MTU = int(IFLA.IFNAME), int(IFLA.EXT_MASK), int(IFLA.MTU)
_IFLA_MASTER, _IFLA_LINKINFO = int(IFLA.MASTER), int(IFLA.LINKINFO)
_IFF_UP = int(IFF.UP)


# ---------------------------------------------------------------------------
# the vocabulary: ifinfomsg, references, the common attributes


def header(w: Writer, index: int = 0, flags: int = 0, change: int = 0) -> None:
    """Write an AF_UNSPEC ifinfomsg."""
    w.put_bytes_raw(IFINFOMSG.pack(_socket.AF_UNSPEC, 0, index, flags, change))


def put_ref(w: Writer, ref: LinkRef, flags: int = 0, change: int = 0, what: str = "ref") -> None:
    """Write the ifinfomsg for a link reference; a name goes in IFLA_IFNAME."""
    index = index_of(ref, what)
    if index is None:
        header(w, 0, flags, change)
        put_name(w, str(ref))
    else:
        header(w, index, flags, change)


def put_name(w: Writer, name: str) -> None:
    """A link looked up by name: IFLA_IFNAME, or IFLA_ALT_IFNAME for a name too long
    for one (an altname of 16..127 bytes), as iproute2 does (ipaddress.c: check_ifname).
    The kernel finds a link by either of its names both ways (rtnl_dev_get)."""
    if len(name.encode()) < _check.IFNAMSIZ:
        w.put_strz(_IFLA_IFNAME, name)
    else:
        w.put_strz(IFLA.ALT_IFNAME, name)


def put_netns(w: Writer, ns: NetnsRef) -> None:
    if isinstance(ns, Netns):
        w.put_u32(IFLA.NET_NS_FD, ns.fd)
    elif isinstance(ns, int):
        w.put_u32(IFLA.NET_NS_PID, ns)
    else:
        # A name or path has no wire form: the verbs open it (link._spec.namespaces_opened).
        raise ValueError(
            f"namespace {_check._show(ns)} is a name or path: the verbs (link.add, link.set) "
            "open it; a pure build_* takes a Netns or a pid"
        )


def put_queues(w: Writer, tx: int | None, rx: int | None) -> None:
    if tx is not None:
        w.put_u32(IFLA.NUM_TX_QUEUES, tx)
    if rx is not None:
        w.put_u32(IFLA.NUM_RX_QUEUES, rx)


def put_common(w: Writer, spec: LinkSpec, resolve: Resolve) -> None:
    """The top-level attributes every spec shares, in ``ip link add`` order."""
    if spec.mtu is not None:
        w.put_u32(IFLA.MTU, spec.mtu)
    if spec.mac is not None:
        w.put(IFLA.ADDRESS, _check.mac(spec.mac))
    if spec.txqlen is not None:
        w.put_u32(IFLA.TXQLEN, spec.txqlen)
    put_queues(w, spec.num_tx_queues, spec.num_rx_queues)
    if spec.master is not None:
        w.put_u32(IFLA.MASTER, resolve(spec.master, "master"))
    if spec.netns is not None:
        put_netns(w, spec.netns)


def no_names(ref: LinkRef, what: str) -> int:
    """The resolver of the pure ``build_*``: an index or a Link, never a name."""
    index = index_of(ref, what)
    if index is not None:
        return index
    raise ValueError(
        f"{what} {str(ref)!r} is a name: the pure build_* functions need an index "
        f"or a Link (the verbs look names up)"
    )


# ---------------------------------------------------------------------------
# creating: a spec


def build_message(spec: LinkSpec, flags: int, resolve: Resolve) -> bytes:
    """The RTM_NEWLINK that creates ``spec`` (``flags``: :data:`F_ADD` or :data:`F_REPLACE`)."""
    check_spec(spec)
    if not spec.rtnetlink:
        raise TypeError(
            f"{type(spec).__name__} links are not made over rtnetlink (the kernel refuses "
            f"kind {spec.kind!r}); add() creates them, build_ifreq() shows the ioctl"
        )
    w = Writer()
    w.begin(_NEWLINK, flags=flags)
    up = _IFF_UP if spec.up else 0
    header(w, 0, up, up)
    put_common(w, spec, resolve)
    spec._put_top(w, resolve)
    w.put_strz(_IFLA_IFNAME, spec.name)
    with w.nest_noflag(_IFLA_LINKINFO):
        w.put_str(IFLA_INFO.KIND, spec.kind)
        if spec._has_data():
            with w.nest_noflag(IFLA_INFO.DATA):
                spec._put_data(w, resolve)
    w.end()
    return w.data()


def followup_messages(spec: LinkSpec) -> list[tuple[NetnsRef | None, bytes, str]]:
    """:meth:`~rawns.link.LinkSpec.followups` as requests: (namespace or ``None``
    for the handle's, message, the link it targets, for errors)."""
    return [(ns, build_set(c), ref_label(c.ref)) for ns, c in spec.followups()]


def followups_here(spec: LinkSpec) -> list[tuple[bytes, str]]:
    """Follow-up messages for the handle's own namespace, with their targets."""
    return [(m, t) for ns, m, t in followup_messages(spec) if ns is None]


def build_add(spec: LinkSpec) -> bytes:
    """RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL creating ``spec`` (``ip link add``).

    Pure: links the spec refers to (master, lower device) must be given by
    index or :class:`~rawns.link.Link`; a name raises :class:`ValueError`.
    A spec that needs a second step (a veth with ``peer_up``) adds that
    message after the first when it goes to the same namespace.
    """
    first = build_message(spec, F_ADD, no_names)
    return b"".join([first, *(m for m, _t in followups_here(spec))])


def build_replace(spec: LinkSpec) -> bytes:
    """RTM_NEWLINK with NLM_F_CREATE and no EXCL: create, or change in place.

    (Not NLM_F_REPLACE, which the kernel refuses for an existing link.)
    """
    first = build_message(spec, F_REPLACE, no_names)
    return b"".join([first, *(m for m, _t in followups_here(spec))])


# ---------------------------------------------------------------------------
# changing: a LinkChange


def change_messages(c: LinkChange, resolve: Resolve) -> list[bytes]:
    """The RTM_NEWLINK message(s) of one change (two with master= and port= together)."""
    index = index_of(c.ref)
    if index is None and c.name is not None:
        index = resolve(c.ref, "link to rename")
    flags, change = c._flags()
    split = c.port is not None and c.master is not None
    w = Writer()
    w.begin(_NEWLINK, flags=F_SET)
    _put_target(w, c.ref, index, flags, change)
    put_change_values(w, c, resolve)
    if c.port is not None and not split:
        _put_port(w, c.port)
    w.end()
    if c.port is None or not split:
        return [w.data()]
    p = Writer()
    p.begin(RTM.NEWLINK, flags=F_SET)
    _put_target(p, c.ref, index, 0, 0)
    _put_port(p, c.port)
    p.end()
    return [w.data(), p.data()]


def put_change_values(w: Writer, c: LinkChange, resolve: Resolve) -> None:
    # The order ip link set writes them in, for the options given in this order.
    if c.mtu is not None:
        w.put_u32(_IFLA_MTU, c.mtu)
    if c.mac is not None:
        w.put(IFLA.ADDRESS, _check.mac(c.mac))
    if c.txqlen is not None:
        w.put_u32(IFLA.TXQLEN, c.txqlen)
    if c.alias is not None:
        w.put_str(IFLA.IFALIAS, c.alias)
    if c.master is not None:
        w.put_u32(_IFLA_MASTER, resolve(c.master, "master"))
    elif c.nomaster:
        w.put_u32(IFLA.MASTER, 0)
    if c.netns is not None:
        put_netns(w, c.netns)
    if c.group is not None:
        w.put_u32(IFLA.GROUP, c.group)
    if c.carrier is not None:
        w.put_u8(IFLA.CARRIER, int(c.carrier))
    if c.name is not None:
        w.put_strz(IFLA.IFNAME, c.name)


def _put_target(w: Writer, ref: LinkRef, index: int | None, flags: int, change: int) -> None:
    header(w, index or 0, flags, change)
    if index is None:
        put_name(w, str(ref))  # the kernel looks the link up by name


def _put_port(w: Writer, port: PortSettings) -> None:
    with w.nest_noflag(IFLA.LINKINFO):
        w.put_str(IFLA_INFO.KIND, port.slave_kind)
        with w.nest_noflag(IFLA_INFO.SLAVE_DATA):
            port._put(w)


def as_change(ref: LinkRef | LinkChange, kw: dict[str, Any]) -> LinkChange:
    """A :class:`~rawns.link.LinkChange`, given as one or as a reference and keywords."""
    if isinstance(ref, LinkChange):
        if kw:
            raise TypeError(
                f"give either LinkChange objects or refs with keyword changes, not both "
                f"({ref} with {sorted(kw)})"
            )
        return ref
    return LinkChange(ref=ref, **kw)


def build_set(ref: LinkRef | LinkChange, **changes: Unpack[LinkSetFields]) -> bytes:
    """The RTM_NEWLINK message(s) of ``ip link set`` (two with master= and port= together).

    Pure: a master, or the link itself when renaming, must be an index or a
    :class:`~rawns.link.Link` (:class:`ValueError` for a name; :func:`set`
    looks names up). Keywords are :class:`LinkChange`'s fields.
    """
    return b"".join(change_messages(as_change(ref, dict(changes)), no_names))


#: LinkChange fields that make no sense for a whole group (one name, one MAC
#: for many links), or that select it (group).
_NOT_FOR_GROUPS = ("name", "mac", "group", "port")


def group_change(group: int, changes: dict[str, Any]) -> LinkChange:
    """The checked :class:`~rawns.link.LinkChange` of a ``set_group`` (its ref is not sent)."""
    _check.uint(group, 32, "group")
    bad = [k for k in _NOT_FOR_GROUPS if changes.get(k) is not None]
    if bad:
        raise ValueError(f"{', '.join(bad)} cannot be set for a whole group of links")
    if not changes.get("nomaster") and all(
        v is None for k, v in changes.items() if k != "nomaster"
    ):
        raise ValueError(f"link.set_group({group}) with nothing to change")
    # LinkChange checks the values; its ref is not sent (the group selects).
    return LinkChange(ref=1, **changes)


def build_set_group(group: int, /, **changes: Unpack[LinkGroupFields]) -> bytes:
    """The RTM_NEWLINK of ``ip link set group GROUP ...``: one request for every link in it.

    Pure: a master must be an index or a :class:`~rawns.link.Link`. Keywords
    are :class:`LinkChange`'s fields but ``name``, ``mac``, ``group`` and
    ``port`` (:class:`ValueError`).
    """
    return group_message(group, dict(changes), no_names)


def group_message(group: int, changes: dict[str, Any], resolve: Resolve) -> bytes:
    c = group_change(group, changes)
    flags, change = c._flags()
    w = Writer()
    w.begin(RTM.NEWLINK, flags=F_SET)
    header(w, 0, flags, change)
    w.put_u32(IFLA.GROUP, group)  # index 0 and no name: the kernel selects by group
    put_change_values(w, c, resolve)
    w.end()
    return w.data()


# ---------------------------------------------------------------------------
# reading and deleting


def build_dump() -> bytes:
    """RTM_GETLINK dump request (``ip link show``), IPv6 and VF counters left out.

    (IFLA_STATS and IFLA_STATS64 still come: see RTEXT_FILTER_SKIP_STATS above.)
    """
    w = Writer()
    w.begin(RTM.GETLINK, flags=NLM_F.REQUEST | NLM_F.DUMP)
    header(w)
    w.put_u32(IFLA.EXT_MASK, RTEXT_FILTER_SKIP_STATS)
    w.end()
    return w.data()


def build_get(ref: LinkRef) -> bytes:
    """RTM_GETLINK for one link, by name or index (``ip link show dev NAME``)."""
    w = Writer()
    w.begin(_GETLINK, flags=F_SET)  # REQUEST|ACK
    put_ref(w, ref)
    w.put_u32(_IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)
    w.end()
    return w.data()


def build_delete(ref: LinkRef) -> bytes:
    """RTM_DELLINK (``ip link del NAME``)."""
    w = Writer()
    w.begin(RTM.DELLINK, flags=NLM_F.REQUEST | NLM_F.ACK)
    put_ref(w, ref)
    w.end()
    return w.data()
