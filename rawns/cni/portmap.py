"""``rawns-portmap``: the reference ``portmap`` plugin (capability ``portMappings``) in nftables.

For each mapping ``{hostPort, containerPort, protocol, hostIP}`` and each pod
address of that family (from ``prevResult``), in the ``inet rawns-cni`` table:

- ``prerouting`` and ``output`` (nat, -100): ``[ip daddr HOSTIP | fib daddr type
  local] PROTO dport HOSTPORT dnat to POD:CONTAINERPORT``;
- with ``snat`` (default true), ``postrouting`` (nat, srcnat): masquerade the
  hairpin case (``ip saddr POD ip daddr POD``) and ``127.0.0.1:hostPort``
  from the node (``ip saddr 127.0.0.0/8 ip daddr POD``; ``route_localnet``
  is turned on for the bridge, as the reference does);
- with ``masqAll``: masquerade every DNAT'd connection to the pod.

Every rule carries the comment ``portmap <network> <container id> ...``; ADD
and DEL are one transaction each, DEL needs neither prevResult nor the pod's
namespace, and never creates the table. A hostPort (per protocol and hostIP)
already mapped by another pod is refused (code 102) before anything changes.
"""

from __future__ import annotations

import ipaddress
import sys

from . import _nat, _node, _spec
from ._spec import CniError, Request

# rawns' netlink layers load inside the command that needs them (VERSION and
# STATUS need none): the plugin is exec'd per pod per command.
TYPE_CHECKING = False  # not typing's (start-up cost)
if TYPE_CHECKING:
    from typing import Any

    from ..handle import Handle
    from ..nft.expr import Expr

PLUGIN = "portmap"
_PROTOS = ("tcp", "udp", "sctp")
_NFTA_FIB_DREG, _NFTA_FIB_RESULT, _NFTA_FIB_FLAGS = 1, 2, 3
_NFT_FIB_RESULT_ADDRTYPE = 3
_NFTA_FIB_F_DADDR = 2
_RTN_LOCAL = 2
_CT_STATUS = 2
_IPS_DST_NAT = 0x20


class Mapping:
    """One ``portMappings`` entry, checked."""

    __slots__ = ("container_port", "host_ip", "host_port", "protocol")

    def __init__(
        self,
        *,
        host_port: int,
        container_port: int,
        protocol: str,
        host_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
    ) -> None:
        self.host_port = host_port
        self.container_port = container_port
        self.protocol = protocol
        self.host_ip = host_ip

    @property
    def tag(self) -> str:
        return f"{self.protocol}/{self.host_port}/{self.host_ip or '*'}"


def _port(m: dict[str, Any], key: str, where: str) -> int:
    v = _spec.get(m, key, int, None, where=where)
    if v is None or not 1 <= v <= 65535:
        raise CniError(_spec.INVALID_CONFIG, f"{where}{key} must be a port 1..65535, not {v!r}")
    return int(v)


def mappings(req: Request) -> list[Mapping]:
    """``runtimeConfig.portMappings``, checked (code 7 naming the entry and key)."""
    raw = _spec.get(req.runtime_config, "portMappings", list, [], where="runtimeConfig.")
    out = []
    for i, m in enumerate(raw):
        where = f"runtimeConfig.portMappings[{i}]."
        if not isinstance(m, dict):
            raise CniError(_spec.INVALID_CONFIG, f"{where[:-1]} must be an object")
        proto = _spec.get(m, "protocol", str, "tcp", where=where).lower()
        if proto not in _PROTOS:
            raise CniError(
                _spec.INVALID_CONFIG, f"{where}protocol {proto!r} is not one of tcp, udp, sctp"
            )
        hip = _spec.get(m, "hostIP", str, "", where=where)
        try:
            host_ip = ipaddress.ip_address(hip) if hip else None
        except ValueError:
            raise CniError(
                _spec.INVALID_CONFIG, f"{where}hostIP {hip!r} is not an address"
            ) from None
        out.append(
            Mapping(
                host_port=_port(m, "hostPort", where),
                container_port=_port(m, "containerPort", where),
                protocol=proto,
                host_ip=None if host_ip is None or host_ip.is_unspecified else host_ip,
            )
        )
    return out


def _fib_local() -> list[Expr]:
    """``fib daddr type local`` (rawns has no fib expression type: the attributes, raw)."""
    from ..nft._codec import be32
    from ..nft.expr import Cmp, Unknown

    data = (
        be32(_NFTA_FIB_DREG, 1)
        + be32(_NFTA_FIB_RESULT, _NFT_FIB_RESULT_ADDRTYPE)
        + be32(_NFTA_FIB_FLAGS, _NFTA_FIB_F_DADDR)
    )
    return [Unknown.build("fib", data), Cmp(data=_RTN_LOCAL.to_bytes(4, sys.byteorder))]


def _dnat_status() -> list[Expr]:
    """``ct status dnat``."""
    from ..nft.expr import Bitwise, Cmp, Ct

    mask = _IPS_DST_NAT.to_bytes(4, sys.byteorder)
    return [
        Ct(key=_CT_STATUS),
        Bitwise(len=4, mask=mask, xor=bytes(4)),
        Cmp(data=bytes(4), op=1),  # NFT_CMP_NEQ
    ]


def _pod_ips(prev: dict[str, Any] | None) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    out = []
    for ip in (prev or {}).get("ips", []):
        try:
            out.append(ipaddress.ip_interface(ip["address"]).ip)
        except (ValueError, KeyError, TypeError):
            raise CniError(_spec.DECODING_FAILURE, f"prevResult ips entry {ip!r:.80}") from None
    return out


def _rules(req: Request, maps: list[Mapping]) -> list[_nat.PodRule]:
    from ..nft.expr import Masq
    from ..nft.match import ip_addr, nfproto, port
    from ..nft.nat import port_forward

    c = req.config
    snat = _spec.get(c, "snat", bool, True)
    masq_all = _spec.get(c, "masqAll", bool, False)
    who = _nat.owner(PLUGIN, req.name, req.env.container_id)
    out: list[_nat.PodRule] = []
    ips = _pod_ips(req.prev_result)
    for m in maps:
        for ip in ips:
            if m.host_ip is not None and m.host_ip.version != ip.version:
                continue
            if m.host_ip is None:
                match = nfproto(ip.version) + _fib_local()
            else:
                match = ip_addr("daddr", m.host_ip, table_family="inet")
            dnat = port_forward(
                m.host_port,
                to=ip,
                to_port=m.container_port,
                proto=m.protocol,
                table_family="inet",
            )
            comment = f"{who} {m.tag} {ip}"
            for chain in ("prerouting", "output"):
                out.append(_nat.PodRule(chain, [*match, *dnat], comment))
            if masq_all:
                ex = ip_addr("daddr", ip, table_family="inet")
                ex += port("dport", m.protocol, m.container_port)
                out.append(_nat.PodRule("postrouting", [*ex, *_dnat_status(), Masq()], comment))
    if snat:
        for ip in ips:
            hairpin = ip_addr("saddr", ip, table_family="inet") + ip_addr(
                "daddr", ip, table_family="inet"
            )
            out.append(_nat.PodRule("postrouting", [*hairpin, Masq()], f"{who} hairpin {ip}"))
            if ip.version == 4:
                local = ip_addr("saddr", "127.0.0.0/8", table_family="inet") + ip_addr(
                    "daddr", ip, table_family="inet"
                )
                out.append(_nat.PodRule("postrouting", [*local, Masq()], f"{who} localhost {ip}"))
    return out


def _conflict(have: list[_nat.Owned], req: Request, maps: list[Mapping]) -> None:
    me = _nat.owner(PLUGIN, req.name, req.env.container_id)
    for r in have:
        parts = (r.comment or "").split(" ")
        if len(parts) < 5 or parts[0] != PLUGIN or _nat.mine(r.comment, me):
            continue
        try:
            proto, hp, hip = parts[3].split("/")
        except ValueError:
            continue
        for m in maps:
            if (proto, hp) != (m.protocol, str(m.host_port)):
                continue
            if hip == "*" or m.host_ip is None or hip == str(m.host_ip):
                raise CniError(
                    _spec.PORT_IN_USE,
                    f"hostPort {m.host_port}/{m.protocol} is already mapped to container "
                    f"{parts[2]} of network {parts[1]}",
                )


def _output(req: Request) -> dict[str, Any]:
    prev = dict(req.prev_result or _spec.empty_result(req.version))
    prev["cniVersion"] = req.version
    return prev


def add(req: Request) -> dict[str, Any]:
    if req.prev_result is None:
        raise CniError(_spec.INVALID_CONFIG, "portmap must be chained: prevResult is missing")
    _spec.check_result(req.prev_result)
    maps = mappings(req)
    if not maps:
        return _output(req)
    rules = _rules(req, maps)

    with _node.handle(req) as node:
        have = _nat.rules(node)
        _conflict(have, req, maps)
        who = _nat.owner(PLUGIN, req.name, req.env.container_id)
        old = [r for r in have if _nat.mine(r.comment, who)]
        if _spec.get(req.config, "snat", bool, True):
            for i in req.prev_result.get("interfaces", []):
                if isinstance(i, dict) and not i.get("sandbox") and i.get("name"):
                    _route_localnet(node, str(i["name"]))
                    break
        _nat.add(node, rules, remove=old)
    return _output(req)


def _route_localnet(node: Handle, ifname: str) -> None:
    """``route_localnet`` on the bridge (for ``127.0.0.1:hostPort``), written only if off."""
    from .. import sysctl

    key = ("net", "ipv4", "conf", ifname, "route_localnet")
    if sysctl.get(node, key) != "1":
        sysctl.set(node, key, 1)


def delete(req: Request) -> None:

    with _node.handle(req) as node:
        who = _nat.owner(PLUGIN, req.name, req.env.container_id)
        _nat.delete(node, [r for r in _nat.rules(node) if _nat.mine(r.comment, who)])
    return None


def check(req: Request) -> None:
    if req.prev_result is None:
        raise CniError(_spec.INVALID_CONFIG, "CHECK needs prevResult in the network configuration")
    maps = mappings(req)
    want = _rules(req, maps) if maps else []

    with _node.handle(req) as node:
        have = {(r.chain, r.comment) for r in _nat.rules(node)}
    for r in want:
        if (r.chain, r.comment) not in have:
            raise CniError(
                _spec.UNKNOWN_CONTAINER, f"portmap rule missing from chain {r.chain}: {r.comment}"
            )
    return None


def gc(req: Request) -> None:
    from .host_local import valid_attachments

    keep = [_nat.owner(PLUGIN, req.name, c) for c, _ in valid_attachments(req)]
    net = _nat.owner(PLUGIN, req.name, "")

    with _node.handle(req) as node:
        doomed = [
            r
            for r in _nat.rules(node)
            if r.comment
            and r.comment.startswith(net)
            and not any(_nat.mine(r.comment, k) for k in keep)
        ]
        _nat.delete(node, doomed)
    return None


def status(req: Request) -> None:
    return None


COMMANDS: dict[str, _spec.Command] = {
    "ADD": add,
    "DEL": delete,
    "CHECK": check,
    "GC": gc,
    "STATUS": status,
}


def main() -> int:
    """The ``rawns-portmap`` executable."""
    return _spec.run(COMMANDS)


if __name__ == "__main__":
    raise SystemExit(main())
