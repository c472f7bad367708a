"""Pods on a node: :func:`attach`, :func:`detach`, :func:`check`, :func:`host_ifname_for`.

A pod is a network namespace plugged into the node's bridge by a veth pair
born with one end inside the pod (one request, no move), as CNI's bridge
plugin does it. :func:`attach` is a list of compose steps run by
:func:`rawns.compose.run_steps`: on any failure the steps done are undone and
the error re-raised with the step named, so the node and the pod are as
before.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import os
import re
import struct
from collections.abc import Iterable, Sequence
from ipaddress import IPv4Interface

from .. import _check, addr, link, route
from .. import netns as _netns
from .._conversation import Reply
from .._inet import AF_INET, AF_INET6, IPInterface, IPNetwork, to_address, to_interface, to_network
from .._rtnl import RTM, RTNH_F
from .._wire import NLM_F
from ..compose import Step, run_steps
from ..errors import AlreadyExists, Conflict, NotFound
from ..handle import Handle
from ..link import Link, Veth, parse_link
from ..link._nsid import netns_id
from ..link._spec import check_mac
from ..route import Route
from ..route._types import with_oif
from ..transport import NETLINK_ROUTE, Channel, NetlinkSocket
from ._types import ALIAS_PREFIX, Attachment, CheckFailed

#: CNI's rule for a container id (the spec: "alphanumeric, underscore, dot, hyphen").
_CONTAINER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*\Z")
_CONTAINER_ID_MAX = 200  # leaves room for the alias prefix and the ifname (IFALIASZ 256)
_NAME_ATTEMPTS = 16
_FLAGS = struct.Struct("=H")  # nlmsghdr.nlmsg_flags, at offset 6


# ---------------------------------------------------------------------------
# names


def host_ifname_for(container_id: str, ifname: str = "eth0", attempt: int = 0) -> str:
    """The host-side veth name for a pod: ``veth`` + 8 hex digits of a hash (12 bytes).

    Deterministic in ``(container_id, ifname)``, as CNI runtimes name them;
    ``attempt`` (0..15) salts the hash, which :func:`attach` uses when the
    name is taken by another link.

    >>> host_ifname_for("3f2a9c", "eth0")
    'vethca7f80c0'
    """
    _container_id(container_id)
    _check.ifname(ifname, "ifname")
    _check.integer(attempt, "attempt", 0, _NAME_ATTEMPTS - 1)
    key = f"{container_id}/{ifname}" + (f"/{attempt}" if attempt else "")
    return "veth" + hashlib.sha256(key.encode()).hexdigest()[:8]


def _container_id(value: object) -> str:
    cid = _check.text(value, "container_id", max_bytes=_CONTAINER_ID_MAX)
    if not _CONTAINER_ID.match(cid):
        raise ValueError(
            f"container_id must be letters, digits, '_', '.' or '-' (starting with a letter "
            f"or digit), not {_check._show(value)}"
        )
    return cid


def _alias(container_id: str | None, ifname: str) -> str | None:
    return None if container_id is None else f"{ALIAS_PREFIX}{container_id} {ifname}"


# ---------------------------------------------------------------------------
# arguments


@dataclasses.dataclass(frozen=True)
class _Want:
    """attach()'s arguments, checked: what the pod must look like."""

    bridge: str
    ifname: str
    host_ifname: str | None
    container_id: str | None
    addresses: tuple[IPInterface, ...]
    routes: tuple[Route, ...]
    mtu: int | None
    mac: str | None


def _want(
    *,
    bridge: object,
    ifname: object,
    host_ifname: object,
    container_id: object,
    addresses: object,
    routes: object,
    gateway: object,
    subnet: object,
    mtu: object,
    mac: object,
) -> _Want:
    bridge_name = _check.ifname(bridge, "bridge")
    pod_ifname = _check.ifname(ifname, "ifname")
    host = None if host_ifname is None else _check.ifname(host_ifname, "host_ifname")
    cid = None if container_id is None else _container_id(container_id)
    ifaces = tuple(to_interface(a, "addresses") for a in _listed(addresses, "addresses"))
    seen: set[object] = set()
    for a in ifaces:
        if a.ip in seen:
            raise ValueError(f"addresses lists {a.ip} twice")
        seen.add(a.ip)
    if subnet is not None:
        net = to_network(subnet, "subnet")
        for a in ifaces:
            if a.version != net.version or a.ip not in net:
                raise ValueError(f"address {a} is not in the pod subnet {net}")
    want_routes: list[Route] = []
    for r in _listed(routes, "routes"):
        if not isinstance(r, Route):
            raise TypeError(f"routes must hold rawns.route.Route, not {_check._show(r)}")
        want_routes.append(r)
    if gateway is not None:
        gw = to_address(gateway, "gateway")
        want_routes.insert(0, Route(dst="default" if gw.version == 4 else "::/0", gateway=gw))
    for r in want_routes:
        _gateway_reachable(r, ifaces)
    return _Want(
        bridge=bridge_name,
        ifname=pod_ifname,
        host_ifname=host,
        container_id=cid,
        addresses=ifaces,
        routes=tuple(want_routes),
        mtu=None if mtu is None else _check.mtu(mtu, "mtu"),
        mac=None if mac is None else check_mac(mac, "mac"),
    )


def _listed(value: object, what: str) -> list[object]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise TypeError(f"{what} must be a list, not {_check._show(value)}")
    return list(value)


def _gateway_reachable(r: Route, ifaces: tuple[IPInterface, ...]) -> None:
    """A gateway must lie in one of the pod's subnets (unless the route is onlink)."""
    if r.gateway is None or r.flags & RTNH_F.ONLINK:
        return
    nets = [a.network for a in ifaces if a.version == r.gateway.version]
    if not any(r.gateway in n for n in nets):
        shown = ", ".join(str(n) for n in nets) or "none of that family"
        raise ValueError(
            f"gateway {r.gateway} of route {r.dst} is outside the pod's subnets ({shown}); "
            "give onlink=True in the Route if that is meant"
        )


# ---------------------------------------------------------------------------
# attach


def attach(
    node: Handle,
    pod_netns: _netns.NetnsLike,
    *,
    bridge: str,
    ifname: str = "eth0",
    host_ifname: str | None = None,
    container_id: str | None = None,
    addresses: Sequence[str | IPInterface] = (),
    routes: Sequence[Route] = (),
    gateway: str | None = None,
    subnet: str | IPNetwork | None = None,
    mtu: int | None = None,
    mac: str | None = None,
) -> Attachment:
    """Plug a pod into the node's bridge: veth born in the pod, addressed and routed.

    Equivalent to::

        ip link add HOST_IFNAME type veth peer name IFNAME netns POD [mtu M] [address MAC]
        ip -n POD link set lo up; ip -n POD link set IFNAME up
        ip -n POD addr add ADDRESS dev IFNAME            (each of addresses)
        ip -n POD route add default via GATEWAY          (and each of routes)
        ip link set HOST_IFNAME master BRIDGE up

    ``node`` is a handle on the node's namespace (the machine's own in real
    use); ``pod_netns`` a :class:`~rawns.netns.Netns`, a name, a path such as
    ``/proc/<pid>/ns/net`` or a pid (:func:`rawns.netns.resolve`).
    ``host_ifname=None`` picks :func:`host_ifname_for` ``(container_id,
    ifname)`` (a random container id if none is given), salted until it names
    no existing link. The host end carries the alias ``rawns-pod
    <container_id> <ifname>``. ``gateway`` adds a default route via it;
    ``routes`` are :class:`~rawns.route.Route` values added in the pod as
    they are; ``subnet`` (the node's pod subnet), if given, must hold every
    address. Every gateway must lie in one of the addresses' subnets (or the
    route be ``onlink``).

    Atomic: if any request fails, everything made is removed and the error is
    re-raised with a note naming the step. Raises
    :class:`~rawns.errors.NotFound` for a missing bridge,
    :class:`~rawns.errors.Conflict` if the pod already has ``ifname`` (a
    duplicate pod), :class:`~rawns.errors.AlreadyExists` if ``host_ifname``
    exists, :class:`TypeError` / :class:`ValueError` naming a bad value
    (nothing sent).
    """
    _check.handle(node, "node")
    want = _want(
        bridge=bridge,
        ifname=ifname,
        host_ifname=host_ifname,
        container_id=container_id,
        addresses=addresses,
        routes=routes,
        gateway=gateway,
        subnet=subnet,
        mtu=mtu,
        mac=mac,
    )
    pod = _netns.resolve(pod_netns, "pod_netns")
    with _pod_handle(pod) as ph:
        return _attach(node, pod, ph, want)


def _pod_handle(pod: _netns.Netns) -> Handle:
    """A handle on the pod, owning ``pod`` (closed with it, or now if this fails).

    The socket is opened by the calling thread inside :meth:`Netns.entered`
    (which brings the thread back in ``finally``): a pod is opened once per
    attach or check, and handing that to a helper thread costs more than the
    socket itself (two thread switches besides the setns() pair).
    """
    try:
        with pod.entered():
            sock = _rtnl_socket()
        try:
            return Handle(Channel(sock), pod)
        except BaseException:
            sock.close()
            raise
    except BaseException:
        pod.close()
        raise


def _rtnl_socket() -> NetlinkSocket:
    return NetlinkSocket(NETLINK_ROUTE)


def _attach(node: Handle, pod: _netns.Netns, ph: Handle, want: _Want) -> Attachment:
    br = link.get(node, want.bridge)  # NotFound names the bridge
    if br.kind != "bridge":
        raise ValueError(f"bridge {want.bridge!r} is a {br.kind or 'plain'} link, not a bridge")
    if want.host_ifname is not None:
        names: Iterable[str] = [want.host_ifname]
    else:
        cid = want.container_id or os.urandom(16).hex()
        names = (host_ifname_for(cid, want.ifname, k) for k in range(_NAME_ATTEMPTS))
    for host in names:
        made = _Made()
        try:
            run_steps(_steps(node, pod, ph, want, host, br.index, made), "pods.attach")
        except _NameTaken:
            continue  # nothing was made: try the next name
        return Attachment(
            container_id=want.container_id,
            netns=pod.path or _netns.label(pod),
            bridge=want.bridge,
            host_ifname=host,
            host_index=made.host.index,
            host_mac=made.host.mac or "",
            ifname=want.ifname,
            index=made.pod.index,
            mac=made.pod.mac or "",
            mtu=made.pod.mtu or 0,
            addresses=want.addresses,
            routes=want.routes,
        )
    raise Conflict(
        f"no free host veth name for container {want.container_id!r}: {_NAME_ATTEMPTS} names taken"
    )


class _NameTaken(Exception):
    """The derived host name belongs to another link: attach tries the next one."""


class _Made:
    """What the steps learn as they go: both ends of the pair, as the kernel reports them."""

    host: Link
    pod: Link


def _steps(
    node: Handle, pod: _netns.Netns, ph: Handle, want: _Want, host: str, bridge: int, made: _Made
) -> list[Step]:
    """attach() as three steps, each a few requests at most (docs/pods.md):

    1. the veth, born with its peer in the pod (NLM_F_ECHO: the kernel answers
       with the new link, so no read follows), and its alias (which is how
       :func:`detach` finds a pair by container id, even a half-made one);
    2. inside the pod, after one dump of its links: ``lo`` up, the pod's end
       up, its addresses and routes, all in one pipelined send;
    3. the host end on the bridge and up, in one request.

    Deleting the veth (step 1's undo) takes with it all that step 2 put on the
    pod's end, so step 2's undo only takes ``lo`` down again if it brought it up.
    """
    label = _netns.label(pod)
    ip_n = f"ip -n {label}"
    spec = Veth(
        name=host,
        peer=want.ifname,
        peer_netns=pod,
        mtu=want.mtu,
        peer_mtu=want.mtu,
        peer_mac=want.mac,
    )

    alias = _alias(want.container_id, want.ifname)

    def add_veth() -> bool:
        msg = bytearray(link.build_add(spec))
        (flags,) = _FLAGS.unpack_from(msg, 6)
        _FLAGS.pack_into(msg, 6, flags | NLM_F.ECHO)
        try:
            echo = node.rtnl.request(bytes(msg), op="RTM_NEWLINK", target=spec.target())
        except AlreadyExists:
            _why_exists(node, ph, want, host, label)
            raise
        try:
            made.host = next(
                (lk for lk in (_echoed(node, r) for r in echo) if lk and lk.name == host), None
            ) or link.get(node, host)  # a kernel without NLM_F_ECHO for links (< 6.3)
            if alias is not None:  # at once: detach(container_id=) finds a half-made pod
                node.rtnl.request(
                    link.build_set(made.host.index, alias=alias), op="RTM_NEWLINK", target=host
                )
        except BaseException:
            del_veth()
            raise
        return True

    def del_veth() -> None:
        with contextlib.suppress(NotFound):
            link.delete(node, host)

    lo_was: list[bool] = []  # [had 127.0.0.1/8] once step 2 brought lo up

    def inside() -> bool:
        return _inside(ph, want, made, ip_n, lo_was)

    def lo_down() -> None:
        _lo_down(ph, lo_was[0])

    mtu = f" mtu {want.mtu}" if want.mtu else ""
    pod_cmds = [f"link set lo up; link set {want.ifname} up"]
    pod_cmds += [f"addr add {a} dev {want.ifname}" for a in want.addresses]
    pod_cmds += [f"route add {_route_text(r)} dev {want.ifname}" for r in want.routes]
    shown_alias = f'; ip link set {host} alias "{alias}"' if alias else ""
    return [
        Step(
            f"ip link add {host}{mtu} type veth peer name {want.ifname} netns {label}{mtu}"
            + shown_alias,
            add_veth,
            del_veth,
        ),
        Step(f"{ip_n} -batch: {'; '.join(pod_cmds)}", inside, lo_down),
        Step(
            f"ip link set {host} master {want.bridge} up",
            lambda: _port_up(node, host, made.host.index, bridge),
        ),
    ]


def _echoed(h: Handle, r: Reply) -> Link | None:
    return parse_link(r.payload, h.netns_ident) if r.type == RTM.NEWLINK else None


def _why_exists(node: Handle, ph: Handle, want: _Want, host: str, label: str) -> None:
    """The create was refused with EEXIST: which name was taken? (Reads, on the error path.)"""
    with contextlib.suppress(NotFound):
        link.get(ph, want.ifname)
        raise Conflict(f"pod {label} already has an interface {want.ifname!r} (a duplicate pod?)")
    if want.host_ifname is None:
        with contextlib.suppress(NotFound):
            link.get(node, host)
            raise _NameTaken(host)


def _inside(ph: Handle, want: _Want, made: _Made, ip_n: str, lo_was: list[bool]) -> bool:
    """Step 2: configure the pod's side in one pipeline; True if it brought ``lo`` up."""
    links = {lk.name: lk for lk in link.dump(ph)}
    pl = links.get(want.ifname)
    if pl is None:  # the pod's namespace lost it in between: nothing of ours to configure
        raise NotFound(
            errno.ENODEV, op="RTM_GETLINK", target=f"{want.ifname} in {ip_n.removeprefix('ip -n ')}"
        )
    made.pod = pl
    lo = links.get("lo")
    msgs: list[bytes] = []
    what: list[str] = []
    had_127 = bring_lo = False
    if lo is not None and not lo.up:
        bring_lo = True
        had_127 = any(a.address == _LOOPBACK4 for a in addr.dump(ph, dev=lo.index, family=AF_INET))
        msgs.append(link.build_set(lo.index, up=True))
        what.append(f"{ip_n} link set lo up")
    msgs.append(link.build_set(pl.index, up=True))
    what.append(f"{ip_n} link set {want.ifname} up")
    for a in want.addresses:
        msgs.append(addr.build_add(addr.Address(index=pl.index, address=a)))
        what.append(f"{ip_n} addr add {a} dev {want.ifname}")
    for r in want.routes:
        msgs.append(route.build_add(with_oif(r, pl.index)))
        what.append(f"{ip_n} route add {_route_text(r)} dev {want.ifname}")
    results = ph.rtnl.pipeline(msgs, op="pod setup", targets=what, check=False)
    lo_up = bring_lo and results[0] is None
    for i, e in enumerate(results):
        if e is not None:
            if lo_up:
                with contextlib.suppress(Exception):
                    _lo_down(ph, had_127)
            e.add_note(f"rawns pods.attach: refused: {what[i]}")
            raise e
    if lo_up:
        lo_was[:] = [had_127]
    return lo_up


def _lo_down(h: Handle, had_127: bool) -> None:
    """Undo ``lo`` up: down again, without the 127.0.0.1/8 the kernel added as it came
    up (net/ipv4/devinet.c: inetdev_event, NETDEV_UP), unless it was there before."""
    with contextlib.suppress(FileNotFoundError):
        link.set(h, "lo", up=False)
        if not had_127:
            addr.delete(h, _LOOPBACK4, dev="lo")


_LOOPBACK4 = IPv4Interface("127.0.0.1/8")


def _port_up(node: Handle, host: str, index: int, bridge: int) -> bool:
    node.rtnl.request(link.build_set(index, master=bridge, up=True), op="RTM_NEWLINK", target=host)
    return True


def _route_text(r: Route) -> str:
    dst = "default" if r.dst.prefixlen == 0 else str(r.dst)
    via = f" via {r.gateway}" if r.gateway is not None else ""
    onlink = " onlink" if r.flags & RTNH_F.ONLINK else ""
    return f"{dst}{via}{onlink}"


# ---------------------------------------------------------------------------
# detach


def detach(
    node: Handle,
    attachment: Attachment | None = None,
    *,
    host_ifname: str | None = None,
    container_id: str | None = None,
    ifname: str = "eth0",
) -> bool:
    """Remove what :func:`attach` made: the veth pair (the pod's end goes with it).

    Equivalent to: ip link del HOST_IFNAME

    The host end is named by ``attachment``, by ``host_ifname``, or found by
    the alias attach gave it (``container_id`` and ``ifname``). Idempotent:
    returns True if it deleted a link, False if it was already gone (also
    when the pod's namespace was deleted first and took the pair with it).
    Raises :class:`ValueError` if ``host_ifname`` names a link that is not a
    veth (nothing deleted).
    """
    _check.handle(node, "node")
    pod_ifname = _check.ifname(ifname, "ifname")
    if attachment is not None and not isinstance(attachment, Attachment):
        raise TypeError(f"attachment must be a pods.Attachment, not {_check._show(attachment)}")
    host = None if host_ifname is None else _check.ifname(host_ifname, "host_ifname")
    cid = None if container_id is None else _container_id(container_id)
    given = [x for x in (attachment, host, cid) if x is not None]
    if len(given) != 1:
        raise TypeError("detach() takes exactly one of attachment, host_ifname, container_id")
    if attachment is not None:
        name = attachment.host_ifname
    elif host is not None:
        name = host
    else:
        alias = _alias(cid, pod_ifname)
        found = next((lk.name for lk in link.dump(node) if lk.alias == alias), None)
        if found is None:
            return False
        name = found
    try:
        lk = link.get(node, name)
    except NotFound:
        return False
    if lk.kind != "veth":
        raise ValueError(f"host_ifname {name!r} is a {lk.kind or 'plain'} link, not a pod's veth")
    try:
        link.delete(node, lk.index)
    except NotFound:  # the pod's namespace went away meanwhile, with the pair
        return False
    return True


# ---------------------------------------------------------------------------
# check


def check(node: Handle, attachment: Attachment) -> None:
    """Verify that the pod still looks as :func:`attach` left it; raise at the first difference.

    Checks: the pod's interface (a veth, up, its MTU and MAC), its addresses
    and routes, the host end (a veth on ``bridge``, up), and that the two are
    one pair: the host end's peer is the pod's interface *in that pod's
    namespace* (index and namespace id both), not a same-named interface
    elsewhere. Raises :class:`~rawns.pods.CheckFailed` naming the difference.
    """
    _check.handle(node, "node")
    if not isinstance(attachment, Attachment):
        raise TypeError(f"attachment must be a pods.Attachment, not {_check._show(attachment)}")
    a = attachment
    try:
        pod = _netns.resolve(a.netns, "attachment.netns")
    except FileNotFoundError as e:
        raise CheckFailed(f"pod namespace {a.netns} is gone") from e
    with _pod_handle(pod) as ph:
        _check_pod(node, pod, ph, a)


def _get(h: Handle, name: str, where: str) -> Link:
    try:
        return link.get(h, name)
    except NotFound:
        raise CheckFailed(f"{where} has no interface {name!r}") from None


def _check_pod(node: Handle, pod: _netns.Netns, ph: Handle, a: Attachment) -> None:
    where = f"pod {a.netns}"
    pl = _get(ph, a.ifname, where)
    hl = _get(node, a.host_ifname, "the node")
    for lk, w in ((pl, where), (hl, "the node")):
        if lk.kind != "veth":
            raise CheckFailed(f"{lk.name} in {w} is a {lk.kind or 'plain'} link, not a veth")
        if not lk.up:
            raise CheckFailed(f"{lk.name} in {w} is down")
    if a.mac and pl.mac != a.mac:
        raise CheckFailed(f"{a.ifname} in {where} has MAC {pl.mac}, not {a.mac}")
    if a.mtu and pl.mtu != a.mtu:
        raise CheckFailed(f"{a.ifname} in {where} has MTU {pl.mtu}, not {a.mtu}")
    br = _get(node, a.bridge, "the node")
    if hl.master != br.index:
        raise CheckFailed(f"host end {a.host_ifname} is not on bridge {a.bridge}")
    nsid = netns_id(node, pod)
    if hl.link != pl.index or nsid is None or hl.link_netnsid != nsid:
        raise CheckFailed(
            f"host end {a.host_ifname}'s peer is not {a.ifname} in {where} "
            f"(peer index {hl.link}, netnsid {hl.link_netnsid}; pod interface index "
            f"{pl.index}, pod netnsid {nsid})"
        )
    have = {x.address for x in addr.dump(ph, dev=pl.index)}
    for want in a.addresses:
        if want not in have:
            raise CheckFailed(f"{a.ifname} in {where} lacks address {want}")
    for r in a.routes:
        fam = AF_INET if r.dst.version == 4 else AF_INET6
        got = route.dump(ph, family=fam, table=r.table)
        if not any(x.dst == r.dst and x.gateway == r.gateway and x.oif == pl.index for x in got):
            raise CheckFailed(f"{where} lacks route {_route_text(r)} dev {a.ifname}")
