"""``rawns-bridge``: the reference ``bridge`` plugin on rawns' pod helpers, NAT in nftables.

ADD: the bridge (made if missing), an address from IPAM, a veth born in the
pod with its host end on the bridge (:func:`rawns.pods.attach`), the gateway
address on the bridge and forwarding on (``isGateway``), a default route
(``isDefaultGateway``), and with ``ipMasq`` one masquerade rule per pod
address in the ``inet rawns-cni`` table. Any failure after IPAM undoes what
was made and runs the IPAM DEL. DEL is idempotent and works without the pod's
namespace. See docs/cni.md for every key.
"""

from __future__ import annotations

import contextlib
import ipaddress

from . import _ipam, _node, _spec
from ._spec import CniError, Request

# Everything else loads inside the command that needs it: the plugin is exec'd
# per pod per command, and VERSION or STATUS need none of rawns' netlink layers.
TYPE_CHECKING = False  # not typing's (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from .. import link
    from ..handle import Handle
    from ..netns import Netns
    from ..route import Route

PLUGIN = "bridge"


class Conf:
    """The bridge plugin's keys, checked (unknown keys are ignored, as the spec says)."""

    __slots__ = (
        "bridge",
        "dns",
        "force_address",
        "hairpin",
        "ip_masq",
        "is_default_gateway",
        "is_gateway",
        "macspoofchk",
        "mtu",
        "promisc",
    )

    def __init__(
        self,
        *,
        bridge: str,
        is_gateway: bool,
        is_default_gateway: bool,
        force_address: bool,
        ip_masq: bool,
        mtu: int | None,
        hairpin: bool,
        promisc: bool,
        macspoofchk: bool,
        dns: dict[str, Any] | None,
    ) -> None:
        self.bridge = bridge
        self.is_gateway = is_gateway
        self.is_default_gateway = is_default_gateway
        self.force_address = force_address
        self.ip_masq = ip_masq
        self.mtu = mtu
        self.hairpin = hairpin
        self.promisc = promisc
        self.macspoofchk = macspoofchk
        self.dns = dns


def parse_conf(req: Request) -> Conf:
    c = req.config
    bridge = _spec.get(c, "bridge", str, "cni0")
    _spec.check_ifname(bridge, "bridge", _spec.INVALID_CONFIG)

    def flag(key: str) -> bool:
        return bool(_spec.get(c, key, bool, False))

    mtu = _spec.get(c, "mtu", int)
    if mtu is not None and not 68 <= mtu <= 65535:
        raise CniError(_spec.INVALID_CONFIG, f"mtu {mtu} is out of range (68..65535)")
    dns = _spec.get(c, "dns", dict)
    is_default = flag("isDefaultGateway")
    return Conf(
        bridge=bridge,
        is_gateway=flag("isGateway") or is_default,
        is_default_gateway=is_default,
        force_address=flag("forceAddress"),
        ip_masq=flag("ipMasq"),
        mtu=mtu,
        hairpin=flag("hairpinMode"),
        promisc=flag("promiscMode"),
        macspoofchk=flag("macspoofchk"),
        dns=dns,
    )


# ---------------------------------------------------------------------------
# ADD


class _Plan:
    """What ADD computed from the IPAM result: addresses, gateways, routes."""

    __slots__ = ("addresses", "gateways", "ips", "routes")

    def __init__(
        self,
        ips: list[dict[str, Any]],
        addresses: list[ipaddress.IPv4Interface | ipaddress.IPv6Interface],
        gateways: list[ipaddress.IPv4Interface | ipaddress.IPv6Interface],
        routes: list[dict[str, Any]],
    ) -> None:
        self.ips = ips
        self.addresses = addresses
        self.gateways = gateways
        self.routes = routes


def _plan(conf: Conf, ipam: dict[str, Any]) -> _Plan:
    ips, addrs, gws = [], [], []
    for i, ip in enumerate(ipam.get("ips", [])):
        try:
            a = ipaddress.ip_interface(ip["address"])
            gw = ip.get("gateway")
            g = ipaddress.ip_address(gw) if gw else None
        except ValueError as e:
            raise CniError(_spec.DECODING_FAILURE, f"ipam result ips[{i}]: {e}") from None
        if g is None and conf.is_gateway:
            g = a.network.network_address + 1  # the reference's calcGatewayIP
        entry = {"address": str(a), "interface": 2}
        if g is not None:
            entry["gateway"] = str(g)
            if conf.is_gateway:
                gws.append(ipaddress.ip_interface(f"{g}/{a.network.prefixlen}"))
        ips.append(entry)
        addrs.append(a)
    if not addrs:
        raise CniError(_spec.INVALID_CONFIG, "IPAM returned no address for the pod")
    routes = [dict(r) for r in ipam.get("routes", [])]
    if conf.is_default_gateway:
        for g in gws:
            dst = "0.0.0.0/0" if g.version == 4 else "::/0"
            have = [
                r for r in routes if ipaddress.ip_network(r["dst"]) == ipaddress.ip_network(dst)
            ]
            if any(r.get("gw") not in (None, str(g.ip)) for r in have):
                raise CniError(
                    _spec.INVALID_CONFIG,
                    f"isDefaultGateway: IPAM already routes {dst} via another gateway",
                )
            if not have:
                routes.append({"dst": dst, "gw": str(g.ip)})
    return _Plan(ips=ips, addresses=addrs, gateways=gws, routes=routes)


def _pod_routes(plan: _Plan) -> list[Route]:
    from ..route import Route

    out = []
    for r in plan.routes:
        dst = ipaddress.ip_network(r["dst"], strict=False)
        gw = r.get("gw")
        if gw is None:  # the reference (ipam.ConfigureIface): the family's gateway
            gw = next(
                (
                    i["gateway"]
                    for i, a in zip(plan.ips, plan.addresses, strict=True)
                    if a.version == dst.version and "gateway" in i
                ),
                None,
            )
        out.append(Route(dst=dst, gateway=gw))
    return out


def _ensure_bridge(node: Handle, conf: Conf) -> tuple[link.Link, bool]:
    from .. import link
    from ..errors import NotFound

    made = False
    try:
        br = link.get(node, conf.bridge)
    except NotFound:
        from ..compose import ensure_link

        made = ensure_link(node, link.Bridge(name=conf.bridge, mtu=conf.mtu))
        br = link.get(node, conf.bridge)
    if br.kind != "bridge":
        raise CniError(
            _spec.INVALID_CONFIG, f"bridge {conf.bridge!r} exists as a {br.kind or 'plain'} link"
        )
    # the reference owns the bridge's IPv6 routes: no router advertisements taken
    with contextlib.suppress(FileNotFoundError):
        _sysctl_at_least(node, ("net", "ipv6", "conf", conf.bridge, "accept_ra"), 0, exact=True)
    if not br.up or (conf.promisc and not br.promiscuity):
        if conf.promisc:
            link.set(node, br.index, up=True, promisc=True)
        else:
            link.set(node, br.index, up=True)
    return br, made


def _sysctl_at_least(
    node: Handle, key: tuple[str, ...] | str, value: int, exact: bool = False
) -> None:
    """Write a node sysctl only if it differs (a read is cheaper than a write, which for
    ip_forward also resets every interface's forwarding setting)."""
    from .. import sysctl

    have = sysctl.get(node, key)
    if have != str(value) and (exact or not have.isdigit() or int(have) < value):
        sysctl.set(node, key, value)


def _ensure_gateway(node: Handle, conf: Conf, br: link.Link, gw: Any) -> bool:
    """The reference's ensureAddr: one IPv4 address (or non-overlapping IPv6 ones) per bridge.

    Returns True if it added the address.
    """
    from .. import addr

    fam = 2 if gw.version == 4 else 10
    for a in addr.dump(node, dev=br.index, family=fam):
        have = a.address
        if have == gw:
            return False
        if gw.version == 4 or gw.ip in have.network or have.ip in gw.network:
            if not conf.force_address:
                raise CniError(
                    _spec.ALREADY_EXISTS,
                    f"bridge {conf.bridge!r} already has an IP address different from {gw} "
                    f"({have}); set forceAddress to replace it",
                )
            addr.delete(node, have, dev=br.index)
    with contextlib.suppress(FileExistsError):
        addr.add(node, gw, dev=br.index)
    return True


def add(req: Request) -> dict[str, Any]:
    conf = parse_conf(req)
    from .. import link
    from .. import netns as _netns
    from ..errors import NotFound
    from ..handle import Handle

    env = req.env
    try:
        pod = _netns.resolve(env.netns, "CNI_NETNS")
    except (OSError, ValueError) as e:
        raise CniError(_spec.UNKNOWN_CONTAINER, f"CNI_NETNS {env.netns!r}: {e}") from None
    try:
        # as the reference does, refuse an existing CNI_IFNAME before IPAM is touched
        # (pods.attach would refuse it too, but only after the address was reserved)
        with Handle.open(netns=pod) as ph, contextlib.suppress(NotFound):
            link.get(ph, env.ifname)
            raise CniError(
                _spec.ALREADY_EXISTS,
                f"CNI_IFNAME {env.ifname!r} already exists in CNI_NETNS {env.netns}",
            )
        with _node.handle(req) as node:
            return _add(req, conf, node, pod)
    finally:
        pod.close()


def _add(req: Request, conf: Conf, node: Handle, pod: Netns) -> dict[str, Any]:
    from .. import link, pods, sysctl

    env = req.env
    br, made_bridge = _ensure_bridge(node, conf)
    undo: list[Any] = []
    if made_bridge:
        undo.append(lambda: link.delete(node, conf.bridge))
    try:
        ipam = _ipam.run(req, "ADD")
        assert ipam is not None
        undo.append(lambda: _ipam.run(req, "DEL"))
        plan = _plan(conf, ipam)
        if conf.is_gateway:
            added = [_ensure_gateway(node, conf, br, g) for g in plan.gateways]
            if br.mac and (made_bridge or any(added)):
                link.set(node, br.index, mac=br.mac)  # the reference pins the bridge's MAC
            if any(g.version == 4 for g in plan.gateways):
                _sysctl_at_least(node, "net.ipv4.ip_forward", 1)
            if any(g.version == 6 for g in plan.gateways):
                _sysctl_at_least(node, "net.ipv6.conf.all.forwarding", 1)
        if conf.ip_masq:
            # before the veth: nf_tables frees a transaction after an RCU grace period,
            # and closing the socket waits for that; the veth's requests overlap it
            undo.append(_masq_add(req, node, plan))
        at = pods.attach(
            node,
            pod,
            bridge=conf.bridge,
            ifname=env.ifname,
            container_id=env.container_id,
            addresses=plan.addresses,
            routes=_pod_routes(plan),
            mtu=conf.mtu,
        )
        undo.append(lambda: pods.detach(node, at))
        if conf.hairpin:
            link.set(node, at.host_ifname, port=link.BridgePort(hairpin=True))
        if any(a.version == 4 for a in plan.addresses):
            sysctl.set(pod, ("net", "ipv4", "conf", env.ifname, "arp_notify"), 1)
        if conf.hairpin or conf.promisc:  # a hairpin echoes neighbour solicitations: no DAD
            with contextlib.suppress(FileNotFoundError):
                sysctl.set(pod, ("net", "ipv6", "conf", env.ifname, "accept_dad"), 0)
    except BaseException as e:
        for fn in reversed(undo):
            try:
                fn()
            except Exception as u:  # keep the first error; say what could not be undone
                e.add_note(f"undo failed: {u}")
        raise
    result: dict[str, Any] = {
        "cniVersion": req.version,
        "interfaces": [
            {"name": conf.bridge, "mac": br.mac or ""},
            {"name": at.host_ifname, "mac": at.host_mac},
            {"name": at.ifname, "mac": at.mac, "sandbox": env.netns},
        ],
        "ips": plan.ips,
        "routes": plan.routes,
        "dns": conf.dns if conf.dns else ipam.get("dns", {}),
    }
    return result


# ---------------------------------------------------------------------------
# ipMasq


def _masq_add(req: Request, node: Handle, plan: _Plan) -> Any:
    """Add the pod's masquerade rules; returns the undo (which also drops a table it made)."""
    from ..nft import Masq
    from ..nft.match import ip_addr
    from . import _nat

    who = _nat.owner(PLUGIN, req.name, req.env.container_id)
    rules = []
    for a in plan.addresses:
        ex = ip_addr("saddr", a.ip, table_family="inet")
        ex += ip_addr("daddr", a.network, negate=True, table_family="inet")
        if a.version == 4:
            ex += ip_addr("daddr", "224.0.0.0/4", negate=True, table_family="inet")
        rules.append(_nat.PodRule("postrouting", [*ex, Masq()], f"{who} {a.ip}"))
    was_there = _nat.exists(node)
    _nat.add(node, rules)
    return lambda: _nat.undo_add(node, who, table_was_there=was_there)


def _masq_delete(req: Request, node: Handle, keep: set[str] | None = None) -> int:
    """Remove this pod's masquerade rules (or, for GC, every pod's but ``keep``'s)."""
    from . import _nat

    have = _nat.rules(node, "postrouting")
    if keep is None:
        who = _nat.owner(PLUGIN, req.name, req.env.container_id)
        doomed = [r for r in have if _nat.mine(r.comment, who)]
    else:
        mine = _nat.owner(PLUGIN, req.name, "")
        doomed = [
            r
            for r in have
            if r.comment
            and r.comment.startswith(mine)
            and not any(_nat.mine(r.comment, _nat.owner(PLUGIN, req.name, c)) for c in keep)
        ]
    return _nat.delete(node, doomed)


# ---------------------------------------------------------------------------
# DEL, CHECK, GC, STATUS


def _host_end(
    node: Handle, conf: Conf, cid: str, ifname: str, prev: dict[str, Any] | None
) -> link.Link | None:
    """The pod's host veth, known by its alias: the name prevResult gives, then the
    deterministic name, else a dump of the node's links."""
    from .. import link
    from ..errors import NotFound
    from ..pods._types import ALIAS_PREFIX

    alias = f"{ALIAS_PREFIX}{cid} {ifname}"
    for name in _host_names(conf, cid, ifname, prev):
        try:
            lk = link.get(node, name)
        except NotFound:
            continue
        if lk.alias == alias:
            return lk
    return next((lk for lk in link.dump(node) if lk.alias == alias), None)


def _host_names(conf: Conf, cid: str, ifname: str, prev: dict[str, Any] | None) -> Iterator[str]:
    """Where the host veth may be: prevResult's host-side interfaces (not the bridge), then
    :func:`rawns.pods.host_ifname_for` (loaded only then: DEL with a prevResult, the
    runtime's usual case, does without ``pods.attach``'s imports)."""
    ifs = (prev or {}).get("interfaces")
    for i in ifs if isinstance(ifs, list) else []:
        if not isinstance(i, dict) or i.get("sandbox") or i.get("name") == conf.bridge:
            continue
        try:
            yield _spec.check_ifname(i.get("name") or "", "prevResult interface")
        except (CniError, TypeError, AttributeError):
            continue
    from ..pods import host_ifname_for

    yield host_ifname_for(cid, ifname)


def delete(req: Request) -> None:
    conf = parse_conf(req)
    env = req.env
    if req.config.get("ipam") is not None:
        _ipam.run(req, "DEL")

    with _node.handle(req) as node:
        # the rules first: deleting the veth then overlaps the RCU grace period after
        # which nf_tables frees the transaction (closing the socket waits for it)
        if conf.ip_masq:
            _masq_delete(req, node)
        lk = _host_end(node, conf, env.container_id, env.ifname, req.prev_result)
        if lk is not None and lk.kind == "veth":
            from .. import link
            from ..errors import NotFound

            with contextlib.suppress(NotFound):  # gone with its namespace meanwhile
                link.delete(node, lk.index)  # pods.detach, minus its second lookup
    return None


def check(req: Request) -> None:
    conf = parse_conf(req)
    env = req.env
    prev = req.prev_result
    if prev is None:
        raise CniError(_spec.INVALID_CONFIG, "CHECK needs prevResult in the network configuration")
    _spec.check_result(prev)
    _ipam.run(req, "CHECK")
    ifs = prev.get("interfaces", [])
    pod_if = next((i for i in ifs if i.get("sandbox") and i.get("name") == env.ifname), None)
    if pod_if is None:
        raise CniError(
            _spec.INVALID_CONFIG, f"prevResult has no interface {env.ifname} in a sandbox"
        )
    from .. import pods

    with _node.handle(req) as node:
        host = _host_end(node, conf, env.container_id, env.ifname, prev)
        if host is None:
            raise CniError(
                _spec.UNKNOWN_CONTAINER, f"no host veth for container {env.container_id}"
            )
        plan = _plan(conf, {"ips": prev.get("ips", []), "routes": []})
        at = pods.Attachment(
            container_id=env.container_id,
            netns=env.netns,
            bridge=conf.bridge,
            host_ifname=host.name,
            host_index=0,
            host_mac="",
            ifname=env.ifname,
            index=0,
            mac=str(pod_if.get("mac", "")),
            mtu=conf.mtu or 0,
            addresses=tuple(plan.addresses),
            routes=tuple(_pod_routes(_Plan(plan.ips, plan.addresses, [], prev.get("routes", [])))),
        )
        try:
            pods.check(node, at)
        except pods.CheckFailed as e:
            raise CniError(_spec.UNKNOWN_CONTAINER, str(e)) from None
        if conf.ip_masq:
            from . import _nat

            who = _nat.owner(PLUGIN, req.name, env.container_id)
            got = {r.comment for r in _nat.rules(node, "postrouting")}
            for a in plan.addresses:
                if f"{who} {a.ip}" not in got:
                    raise CniError(
                        _spec.UNKNOWN_CONTAINER, f"the masquerade rule for {a.ip} is missing"
                    )
    return None


def gc(req: Request) -> None:
    conf = parse_conf(req)
    from .. import link
    from ..errors import NotFound
    from ..pods._types import ALIAS_PREFIX
    from .host_local import valid_attachments

    valid = valid_attachments(req)
    keep = {f"{ALIAS_PREFIX}{c} {i}" for c, i in valid}
    with _node.handle(req) as node:
        try:
            br = link.get(node, conf.bridge)
        except NotFound:
            br = None
        if br is not None:
            for lk in link.dump(node):
                if (
                    lk.master == br.index
                    and lk.alias
                    and lk.alias.startswith(ALIAS_PREFIX)
                    and lk.alias not in keep
                ):
                    with contextlib.suppress(NotFound):
                        link.delete(node, lk.index)
        if conf.ip_masq:
            _masq_delete(req, node, keep={c for c, _ in valid})
    if req.config.get("ipam") is not None:
        _ipam.run(req, "GC")
    return None


def status(req: Request) -> None:
    parse_conf(req)
    if req.config.get("ipam") is not None:
        _ipam.run(req, "STATUS")
    return None


COMMANDS: dict[str, _spec.Command] = {
    "ADD": add,
    "DEL": delete,
    "CHECK": check,
    "GC": gc,
    "STATUS": status,
}


def main() -> int:
    """The ``rawns-bridge`` executable."""
    return _spec.run(COMMANDS)


if __name__ == "__main__":
    raise SystemExit(main())
