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
import functools
import hashlib
import os
import re
import struct
from collections.abc import Sequence

from .. import _check, addr, link, route
from .. import netns as _netns
from .._inet import AF_INET, AF_INET6, IPInterface, IPNetwork, to_address, to_interface, to_network
from .._rtnl import RTM, RTNH_F
from .._wire import NLM_F, Writer, iter_attrs
from ..compose import Step, run_steps
from ..compose._ensure import _lo_step
from ..compose._steps import _unwind
from ..errors import AlreadyExists, Conflict, NotFound
from ..handle import Handle
from ..link import Link, Veth
from ..link._spec import check_mac
from ..route import Route
from ._types import ALIAS_PREFIX, Attachment, CheckFailed

#: CNI's rule for a container id (the spec: "alphanumeric, underscore, dot, hyphen").
_CONTAINER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*\Z")
_CONTAINER_ID_MAX = 200  # leaves room for the alias prefix and the ifname (IFALIASZ 256)
_NAME_ATTEMPTS = 16


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
    try:
        with Handle.open(netns=pod) as ph:
            return _attach(node, pod, ph, want)
    finally:
        pod.close()


def _attach(node: Handle, pod: _netns.Netns, ph: Handle, want: _Want) -> Attachment:
    br = link.get(node, want.bridge)  # NotFound names the bridge
    if br.kind != "bridge":
        raise ValueError(f"bridge {want.bridge!r} is a {br.kind or 'plain'} link, not a bridge")
    with contextlib.suppress(NotFound):
        link.get(ph, want.ifname)
        raise Conflict(
            f"pod {_netns.label(pod)} already has an interface {want.ifname!r} (a duplicate pod?)"
        )
    host = want.host_ifname or _free_name(node, want.container_id, want.ifname)
    steps = _steps(node, pod, ph, want, host)
    done = run_steps(steps, "pods.attach")
    try:
        hl = link.get(node, host)
        pl = link.get(ph, want.ifname)
    except BaseException:
        _unwind(done)
        raise
    return Attachment(
        container_id=want.container_id,
        netns=pod.path or _netns.label(pod),
        bridge=want.bridge,
        host_ifname=host,
        host_index=hl.index,
        host_mac=hl.mac or "",
        ifname=want.ifname,
        index=pl.index,
        mac=pl.mac or "",
        mtu=pl.mtu or 0,
        addresses=want.addresses,
        routes=want.routes,
    )


def _free_name(node: Handle, container_id: str | None, ifname: str) -> str:
    cid = container_id or os.urandom(16).hex()
    for attempt in range(_NAME_ATTEMPTS):
        name = host_ifname_for(cid, ifname, attempt)
        try:
            link.get(node, name)
        except NotFound:
            return name
    raise Conflict(f"no free host veth name for container {cid!r}: {_NAME_ATTEMPTS} names taken")


def _steps(node: Handle, pod: _netns.Netns, ph: Handle, want: _Want, host: str) -> list[Step]:
    ip_n = f"ip -n {_netns.label(pod)}"
    spec = Veth(
        name=host,
        peer=want.ifname,
        peer_netns=pod,
        mtu=want.mtu,
        peer_mtu=want.mtu,
        peer_mac=want.mac,
        alias=_alias(want.container_id, want.ifname),
    )

    def add_veth() -> bool:
        try:
            link.add(node, spec)
        except AlreadyExists:
            raise  # the create itself was refused: the link there is not ours
        except BaseException:
            # link.add sends the alias as a follow-up request after the create:
            # if that one fails, the pair exists and this step must not leave it.
            del_veth()
            raise
        return True

    def del_veth() -> None:
        with contextlib.suppress(NotFound):
            link.delete(node, host)

    mtu = f" mtu {want.mtu}" if want.mtu else ""
    steps = [
        Step(
            f"ip link add {host} type veth peer name {want.ifname} netns {_netns.label(pod)}{mtu}",
            add_veth,
            del_veth,
        ),
        _lo_step(ph, f"{ip_n} link set lo up"),
        Step(
            f"{ip_n} link set {want.ifname} up",
            lambda: _set_up(ph, want.ifname),
        ),
    ]
    for a in want.addresses:
        steps.append(
            Step(
                f"{ip_n} addr add {a} dev {want.ifname}",
                functools.partial(_add_address, ph, want.ifname, a),
            )
        )
    for r in want.routes:
        steps.append(
            Step(
                f"{ip_n} route add {_route_text(r)} dev {want.ifname}",
                functools.partial(_add_route, ph, want.ifname, r),
            )
        )
    steps.append(
        Step(
            f"ip link set {host} master {want.bridge} up",
            lambda: _set_up(node, host, master=want.bridge),
        )
    )
    return steps


def _set_up(h: Handle, name: str, master: str | None = None) -> bool:
    if master is None:
        link.set(h, name, up=True)
    else:
        link.set(h, name, master=master, up=True)
    return True


def _add_address(h: Handle, dev: str, a: IPInterface) -> bool:
    addr.add(h, a, dev=dev)
    return True


def _add_route(h: Handle, dev: str, r: Route) -> bool:
    route.add(h, dataclasses.replace(r, oif=link.get(h, dev).index))
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
    try:
        with Handle.open(netns=pod) as ph:
            _check_pod(node, pod, ph, a)
    finally:
        pod.close()


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


# ---------------------------------------------------------------------------
# namespace ids (RTM_GETNSID)

_NETNSA_NSID = 1
_NETNSA_FD = 3
_NSID_NOT_ASSIGNED = -1
_S32 = struct.Struct("=i")


def netns_id(h: Handle, ns: _netns.Netns) -> int | None:
    """The id the handle's namespace gives ``ns`` (``ip netns list-id``), or None if none.

    Equivalent to: ip netns identify / ip -n NODE netns list-id (RTM_GETNSID by fd)
    """
    _check.handle(h)
    if not isinstance(ns, _netns.Netns):
        raise TypeError(f"ns must be a Netns, not {type(ns).__name__}: {_check._show(ns)}")
    if ns.closed:
        raise ValueError(f"ns {ns!r} is closed")
    w = Writer()
    w.begin(int(RTM.GETNSID), flags=int(NLM_F.REQUEST | NLM_F.ACK))
    w.put_bytes_raw(bytes(4))  # struct rtgenmsg, padded
    w.put(_NETNSA_FD, struct.pack("=I", ns.fd))
    w.end()
    for r in h.rtnl.request(w.data(), op="RTM_GETNSID", target=_netns.label(ns)):
        if r.type == RTM.NEWNSID:
            for atype, a, b in iter_attrs(r.payload, 4):
                if atype == _NETNSA_NSID and b - a == 4:
                    v = int(_S32.unpack_from(r.payload, a)[0])
                    return None if v == _NSID_NOT_ASSIGNED else v
    return None
