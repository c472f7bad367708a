"""A consumer of rawns' public verbs, as an embedding project writes it: type-checked only.

``tests/unit/test_typing.py`` runs ``mypy --strict`` over this file and
expects no error: every call here is a correct use of a public verb of link,
addr, route, neigh, rule, nft, sysctl, netns and compose, in each of the verb
shapes (a spec object, or typed keywords). It is never run (the functions
need a live namespace); the ``wrong_*.py`` files beside it hold one
deliberately wrong call per verb family, which mypy must reject.
"""

from __future__ import annotations

import ipaddress

from rawns import Handle, addr, compose, link, neigh, netns, nft, route, rule, sysctl
from rawns.errors import KernelError


def links(h: Handle, red: netns.Netns) -> list[link.Link]:
    link.add(h, link.Bridge(name="br0"))
    link.replace(h, link.Bridge(name="br0", mtu=1400))
    link.add(h, link.Veth(name="v0", peer="v0p", peer_netns=red))
    errors: list[KernelError | None] = link.add_many(h, [link.Bridge(name="br1")], check=False)
    link.set(h, "v0", up=True, mtu=1500, master="br0", alias="uplink")
    link.set(h, 5, nomaster=True, txqlen=1000, port=None)
    link.set_many(h, ["v0", "br0"], up=True)
    link.set_many(h, [link.LinkChange(ref="v0", mtu=1400)], check=False)
    link.set_group(h, 7, up=False, mtu=1500)
    msg: bytes = link.build_set("v0", mtu=1500, up=True) + link.build_set_group(7, up=True)
    index: int = link.resolve_index(h, "v0")
    one: link.Link = link.get(h, index)
    link.delete(h, one)
    link.delete_many(h, ["br1"], check=True)
    assert msg
    assert errors is not None
    return link.dump(h)


def addresses(h: Handle) -> list[addr.Address]:
    addr.add(h, dev="v0", address="192.168.15.1/24")
    addr.add(h, "192.168.15.2/24", dev="v0", flags="nodad")
    addr.add(h, addr.Address(index=2, address="fd00::1/64", flags=("nodad", "noprefixroute")))
    addr.replace(h, dev="v0", address="192.168.15.1/24", valid_lft=100, preferred_lft=50)
    addr.add(h, dev="v0", address="10.0.0.1/8", scope="link", flags=addr.AddrFlag.NODAD)
    addr.delete(h, dev="v0", address="10.0.0.1/8")
    addr.delete(h, addr.Address(index=2, address="fd00::1/64"))
    addr.add_many(h, [addr.Address(index=2, address="10.9.0.1/24")], replace=True)
    addr.flush(h, dev="v0", scope="global")
    return addr.dump(h, dev="v0")


def routes(h: Handle) -> list[route.Route]:
    route.add(h, dst="default", gateway="192.168.15.5")
    route.add(h, "10.0.0.0/8", gateway="192.168.15.5", metric=100, protocol="static")
    route.add(h, ipaddress.ip_network("10.1.0.0/16"), dev="v0", type=route.RouteType.UNICAST)
    route.add(h, route.Route(dst="10.2.0.0/16", type="blackhole"))
    route.replace(h, dst="10.3.0.0/16", dev="v0", scope="link", table=100, mtu=1400)
    route.replace(h, route.Route(dst="10.3.0.0/16", oif=2, protocol=route.RouteProtocol.BOOT))
    route.add(
        h,
        dst="10.4.0.0/16",
        nexthops=[route.Nexthop(gateway="192.168.15.5", weight=2), route.Nexthop(oif=2)],
    )
    route.delete(h, dst="10.3.0.0/16", table=100)
    route.delete(h, "10.0.0.0/8")
    route.delete(h, route.Route(dst="10.2.0.0/16", type="blackhole"))
    route.add_many(h, ["10.5.0.0/24", "default"], gateway="192.168.15.5")
    route.add_many(h, [route.Route(dst="10.6.0.0/24", oif=2)], replace=True, check=False)
    found: route.Route = route.get(h, "10.0.0.1", dev="v0")
    assert route.label(found)
    return route.dump(h, table=None)


def neighbours(h: Handle) -> list[neigh.Neighbour]:
    neigh.add(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:02")
    neigh.add(h, dev="v0", dst="10.0.0.3", lladdr="02:00:00:00:00:03", state="reachable")
    neigh.add(h, neigh.Neighbour(index=2, dst=ipaddress.ip_address("10.0.0.4")))
    neigh.replace(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:05", state=neigh.NUD.STALE)
    neigh.add(h, dev="v0", dst="10.0.0.9", proxy=True)
    got: neigh.Neighbour = neigh.get(h, dev="v0", dst="10.0.0.2")
    neigh.delete(h, got)
    neigh.delete(h, dev="v0", dst="10.0.0.3")
    neigh.fdb_add(h, dev="vx0", lladdr="00:00:00:00:00:00", dst="10.0.0.7", vni=42)
    neigh.fdb_append(h, dev="vx0", lladdr="00:00:00:00:00:00", dst="10.0.0.8")
    neigh.fdb_replace(h, dev="v0", lladdr="02:00:00:00:00:06", on="master", vlan=10)
    for entry in neigh.fdb_dump(h, master="br0"):
        neigh.fdb_delete(h, entry)
    neigh.fdb_delete(h, dev="v0", lladdr="02:00:00:00:00:06", on="master")
    return neigh.dump(h, dev="v0", family="inet")


def rules(h: Handle) -> list[rule.Rule]:
    rule.add(h, priority=100, src="10.0.0.0/8", table=100)
    rule.add(h, rule.Rule(priority=200, table=100))
    rule.add(h, priority=300, fwmark=1, fwmask=0xFF, table="main", action="lookup")
    rule.delete(h, priority=100)
    rule.delete(h, rule.Rule(priority=200, table=100))
    return rule.dump(h, family="inet")


def firewall(h: Handle) -> str:
    with nft.transaction(h) as tx:
        nat = tx.add_table(family="ip", name="nat")
        post = tx.add_chain(nat, "postrouting", type="nat", hook="postrouting", priority=100)
        tx.add_rule(post, nft.masquerade("192.168.15.0/24", not_oif="br0"))
        filt = tx.add_table(family="inet", name="filter")
        fwd = tx.add_chain(filt, "forward", type="filter", hook="forward", priority=0)
        tx.add_rule(fwd, nft.accept_established())
        tx.add_rule(fwd, nft.allow(iif="br0", proto="tcp", dport=22))
        ports = tx.add_set(filt, "ports", key="inet_service", elements=[22, 80])
        tx.add_elements(ports, [443])
    tables: list[nft.Table] = nft.dump_tables(h, family="ip")
    rules_: list[nft.Rule] = nft.dump_rules(h, family="inet", table="filter")
    chains: list[nft.Chain] = nft.dump_chains(h)
    sets: list[nft.Set] = nft.dump_sets(h, table="filter")
    elements = nft.dump_elements(h, sets[0])
    assert tables and rules_ and chains and elements and nft.generation(h) >= 0
    with nft.transaction(h) as tx:
        tx.delete_table(tables[0])
    return nft.render_ruleset(nft.dump_ruleset(h))


def settings(h: Handle, red: netns.Netns) -> dict[str, str]:
    sysctl.set(h, "net.ipv4.ip_forward", 1)
    sysctl.set(red, "net/ipv6/conf/all/disable_ipv6", True)
    value: str = sysctl.get(h, "net.ipv4.ip_forward")
    assert value and sysctl.key_path("net.ipv4.ip_forward")
    return sysctl.dump(h, "net.ipv4.conf")


def namespaces() -> list[str]:
    with netns.create("rawns-typing") as red, Handle.open(netns=red) as h:
        netns.run_in(red, lambda: None)
        assert netns.exists("rawns-typing")
        links(h, red)
    with netns.open("rawns-other") as other:
        assert other.fd >= 0
    netns.delete("rawns-other")
    netns.delete_stale("rawns-typing-")
    anon = netns.new()
    anon.close()
    assert netns.current()
    return netns.dump(prefix="rawns-")


def helpers(host: Handle, red: netns.Netns) -> bool:
    compose.forwarding(host, ipv4=True)
    made = compose.connect(
        host,
        red,
        bridge="br0",
        veth="v-red",
        bridge_end="v-red-br",
        address="192.168.15.2/24",
        gateway="192.168.15.1",
    )
    made |= compose.gateway(host, bridge="br0", address="192.168.15.1/24")
    made |= compose.ensure_link(host, link.Bridge(name="br0"))
    made |= compose.ensure_address(host, "br0", "192.168.15.1/24")
    made |= compose.ensure_route(host, "10.7.0.0/16", gateway="192.168.15.9")
    made |= compose.masquerade(host, source="192.168.15.0/24", not_oif="br0")
    made |= compose.snat(host, source="192.168.16.0/24", to="203.0.113.1")
    made |= compose.port_forward(host, 8080, to="192.168.15.2", to_port=80)
    return made
