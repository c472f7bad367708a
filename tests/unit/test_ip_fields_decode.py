"""The fields ``ip -d -j`` prints, decoded without root: links, bridges, ports, vxlan, neighbours.

Each new attribute is decoded from the same bytes by the plain decoder and the
layout cache alike (the layout's Link is the plain one's), and the raw
attributes stay reachable.
"""

from __future__ import annotations

import dataclasses
import socket
import struct

from rawns import link
from rawns._rtnl import IFINFOMSG, IFLA, IFLA_BR, IFLA_BRPORT, IFLA_INFO, IFLA_VXLAN, NDA, NDMSG
from rawns.link import BridgeInfo, BridgePortInfo, VxlanInfo, _bridge, _decode, _layout
from rawns.neigh import parse_neighbour


def attr(atype: int, value: bytes) -> bytes:
    return struct.pack("=HH", 4 + len(value), atype) + value + bytes(-len(value) % 4)


def u32(t: int, v: int) -> bytes:
    return attr(t, struct.pack("=I", v))


def u64(t: int, v: int) -> bytes:
    return attr(t, struct.pack("=Q", v))


def u8(t: int, v: int) -> bytes:
    return attr(t, bytes([v]))


def newlink(index: int, name: str, *attrs: bytes) -> bytes:
    head = IFINFOMSG.pack(0, 1, index, 0x1003, 0)
    return head + attr(IFLA.IFNAME, name.encode() + b"\0") + b"".join(attrs)


def af_spec(mode: int) -> bytes:
    inet6 = attr(10, u8(8, mode))  # AF_INET6 { IFLA_INET6_ADDR_GEN_MODE }
    return attr(IFLA.AF_SPEC | 0x8000, attr(2, b"") + inet6)


def common(index: int, name: str) -> bytes:
    return newlink(
        index,
        name,
        u32(IFLA.MTU, 1500),
        u32(IFLA.ALLMULTI, 2),
        u32(IFLA.GRO_MAX_SIZE, 65536),
        u32(IFLA.TSO_MAX_SIZE, 524280),
        u32(IFLA.TSO_MAX_SEGS, 65535),
        u8(IFLA.PROTO_DOWN, 1),
        u32(IFLA.CARRIER_CHANGES, 4),
        u32(IFLA.CARRIER_UP_COUNT, 2),
        u32(IFLA.CARRIER_DOWN_COUNT, 2),
        attr(IFLA.PARENT_DEV_NAME, b"0000:00:03.0\0"),
        attr(IFLA.PARENT_DEV_BUS_NAME, b"pci\0"),
        af_spec(index % 4),
    )


def test_top_level_fields_on_both_decoders() -> None:
    _layout._LAYOUTS.clear()
    _layout._SCANNED.clear()
    for i in range(2, 40):  # enough look-alikes for the layout cache to serve them
        raw = common(i, f"eth{i:02d}")
        for lk in (_decode.parse_link(raw), link.parse_link(raw)):
            assert (lk.allmulti, lk.gro_max_size, lk.tso_max_size, lk.tso_max_segs) == (
                2,
                65536,
                524280,
                65535,
            )
            assert lk.proto_down is True
            assert (lk.carrier_changes, lk.carrier_up_count, lk.carrier_down_count) == (4, 2, 2)
            assert (lk.parent_dev_name, lk.parent_dev_bus_name) == ("0000:00:03.0", "pci")
            assert lk.inet6_addr_gen_mode == ("eui64", "none", "stable_secret", "random")[i % 4]
            # decoded attributes leave attrs; the partly decoded IFLA_AF_SPEC stays raw
            assert [a.type & 0x3FFF for a in lk.attrs] == [IFLA.AF_SPEC]
    assert _layout.layouts_built >= 1


def test_absent_fields_are_none() -> None:
    lk = link.parse_link(newlink(3, "x"))
    assert lk.allmulti is None and lk.tso_max_size is None and lk.proto_down is None
    assert lk.inet6_addr_gen_mode is None and lk.phys_port_name is None
    no_v6 = link.parse_link(newlink(3, "x", attr(IFLA.AF_SPEC, attr(2, b""))))
    assert no_v6.inet6_addr_gen_mode is None
    odd = link.parse_link(newlink(3, "x", af_spec(9)))
    assert odd.inet6_addr_gen_mode == "9"


def _linkinfo(kind: str, data: bytes, slave: bytes = b"") -> bytes:
    inner = attr(IFLA_INFO.KIND, kind.encode() + b"\0") + attr(IFLA_INFO.DATA, data)
    if slave:
        inner += attr(IFLA_INFO.SLAVE_KIND, b"bridge\0") + attr(IFLA_INFO.SLAVE_DATA, slave)
    return attr(IFLA.LINKINFO, inner)


def test_bridge_mcast_options_timers_and_boolopts() -> None:
    data = b"".join(
        (
            u64(IFLA_BR.GC_TIMER, 8),
            u64(IFLA_BR.HELLO_TIMER, 199),
            u8(IFLA_BR.MCAST_QUERY_USE_IFADDR, 1),
            u32(IFLA_BR.MCAST_HASH_ELASTICITY, 16),
            u32(IFLA_BR.MCAST_HASH_MAX, 4096),
            u32(IFLA_BR.MCAST_LAST_MEMBER_CNT, 2),
            u32(IFLA_BR.MCAST_STARTUP_QUERY_CNT, 2),
            u64(IFLA_BR.MCAST_LAST_MEMBER_INTVL, 100),
            u64(IFLA_BR.MCAST_MEMBERSHIP_INTVL, 26000),
            u64(IFLA_BR.MCAST_QUERIER_INTVL, 25500),
            u64(IFLA_BR.MCAST_QUERY_INTVL, 12500),
            u64(IFLA_BR.MCAST_QUERY_RESPONSE_INTVL, 1000),
            u64(IFLA_BR.MCAST_STARTUP_QUERY_INTVL, 3124),
            u8(IFLA_BR.MCAST_STATS_ENABLED, 1),
            u8(IFLA_BR.MCAST_IGMP_VERSION, 3),
            u8(IFLA_BR.MCAST_MLD_VERSION, 2),
            attr(IFLA_BR.MULTI_BOOLOPT, struct.pack("=II", 0b001, 0b011)),
            attr(
                IFLA_BR.MCAST_QUERIER_STATE,
                attr(1, bytes([10, 0, 0, 1])) + u32(2, 7) + u64(3, 250) + attr(5, bytes(16)),
            ),
            u32(48, 3),  # IFLA_BR_FDB_N_LEARNED
            u32(49, 100),  # IFLA_BR_FDB_MAX_LEARNED
            u32(IFLA_BR.MCAST_HASH_MAX, 1),  # a later copy wins, as before
            u32(IFLA_BR.TCN_TIMER, 5),  # a u32 where the kernel sends a u64: skipped
        )
    )
    raw = newlink(5, "br0", _linkinfo("bridge", data))
    for lk in (_decode.parse_link(raw), link.parse_link(raw)):
        d = lk.data
        assert isinstance(d, BridgeInfo)
        assert (d.gc_timer, d.hello_timer, d.tcn_timer) == (8, 199, None)
        assert d.mcast_query_use_ifaddr is True and d.mcast_stats_enabled is True
        assert (d.mcast_hash_elasticity, d.mcast_hash_max, d.mcast_last_member_cnt) == (16, 1, 2)
        assert (d.mcast_igmp_version, d.mcast_mld_version) == (3, 2)
        assert (d.mcast_query_intvl, d.mcast_startup_query_intvl) == (12500, 3124)
        # optmask covers bits 0 and 1 only: mst_enabled was not reported
        assert (d.no_linklocal_learn, d.mcast_vlan_snooping, d.mst_enabled) == (True, False, None)
        assert str(d.mcast_querier_ipv4_addr) == "10.0.0.1"
        assert (d.mcast_querier_ipv4_port, d.mcast_querier_ipv4_other_timer) == (7, 250)
        assert str(d.mcast_querier_ipv6_addr) == "::"
        assert (d.fdb_n_learned, d.fdb_max_learned) == (3, 100)
        assert lk.info_data  # the raw attributes stay reachable


def test_bridge_port_report_only_fields() -> None:
    slave = b"".join(
        (
            u8(IFLA_BRPORT.STATE, 3),
            u8(IFLA_BRPORT.PROXYARP_WIFI, 1),
            u8(IFLA_BRPORT.TOPOLOGY_CHANGE_ACK, 1),
            u8(IFLA_BRPORT.CONFIG_PENDING, 0),
            u64(IFLA_BRPORT.MESSAGE_AGE_TIMER, 0),
            u64(IFLA_BRPORT.FORWARD_DELAY_TIMER, 1499),
            u64(IFLA_BRPORT.HOLD_TIMER, 3),
            u32(IFLA_BRPORT.MCAST_EHT_HOSTS_LIMIT, 512),
            u32(IFLA_BRPORT.MCAST_EHT_HOSTS_CNT, 1),
            u8(40, 1),  # IFLA_BRPORT_MAB
            u32(41, 2),  # IFLA_BRPORT_MCAST_N_GROUPS
            u32(42, 9),  # IFLA_BRPORT_MCAST_MAX_GROUPS
            u8(43, 1),  # IFLA_BRPORT_NEIGH_VLAN_SUPPRESS
            u32(44, 77),  # IFLA_BRPORT_BACKUP_NHID
        )
    )
    raw = newlink(6, "v0", _linkinfo("veth", b"", slave))
    for lk in (_decode.parse_link(raw), link.parse_link(raw)):
        p = lk.port
        assert isinstance(p, BridgePortInfo)
        assert p.state == "forwarding" and p.proxy_arp_wifi is True
        assert (p.topology_change_ack, p.config_pending) == (1, 0)
        assert (p.message_age_timer, p.forward_delay_timer, p.hold_timer) == (0, 1499, 3)
        assert (p.mcast_eht_hosts_limit, p.mcast_eht_hosts_cnt) == (512, 1)
        assert p.mab is True and p.neigh_vlan_suppress is True
        assert (p.mcast_n_groups, p.mcast_max_groups, p.backup_nhid) == (2, 9, 77)


def test_vxlan_report_only_flags() -> None:
    data = b"".join(
        (
            u32(IFLA_VXLAN.ID, 7),
            u8(IFLA_VXLAN.REMCSUM_TX, 1),
            u8(IFLA_VXLAN.REMCSUM_RX, 0),
            attr(IFLA_VXLAN.REMCSUM_NOPARTIAL, b""),
            u8(IFLA_VXLAN.TTL_INHERIT, 1),
            u8(IFLA_VXLAN.VNIFILTER, 0),
            u8(31, 1),  # IFLA_VXLAN_LOCALBYPASS
            u8(IFLA_VXLAN.DF, 2),
        )
    )
    raw = newlink(7, "vx0", _linkinfo("vxlan", data))
    for lk in (_decode.parse_link(raw), link.parse_link(raw)):
        d = lk.data
        assert isinstance(d, VxlanInfo)
        assert (d.remcsum_tx, d.remcsum_rx, d.remcsum_nopartial) == (True, False, True)
        assert (d.ttl_inherit, d.vnifilter, d.localbypass, d.df) == (True, False, True, 2)


def test_value_tables_name_real_fields() -> None:
    """A typo in a (field, attribute, reader) table would raise only on a kernel that sends it."""
    br = {f.name for f in dataclasses.fields(BridgeInfo)}
    assert {f for f, _t, _r in _bridge._BR_VALUES} <= br
    assert {f for f, _b in _bridge._BOOLOPTS} <= br
    port = {f.name for f in dataclasses.fields(BridgePortInfo)}
    assert {f for f, _t, _r in _bridge._PORT_VALUES} <= port
    assert {f for f, _t, _s in _bridge._PORT_FIELDS} <= port


def _neigh(flags: int, flags_ext: int | None) -> bytes:
    head = NDMSG.pack(socket.AF_INET, 2, 0x80, flags, 1)
    out = head + attr(NDA.DST, bytes([10, 0, 0, 1]))
    if flags_ext is not None:
        out += u32(NDA.FLAGS_EXT, flags_ext)
    return out


def test_neighbour_ext_flags() -> None:
    n = parse_neighbour(_neigh(0x10 | 0x20 | 0x40, 0b111))
    assert n.ext_learned and n.offloaded and n.sticky
    assert n.managed and n.locked and n.ext_validated
    assert n.flags_ext == 0b111  # the raw value stays
    m = parse_neighbour(_neigh(0, 0b001))
    assert m.managed and not m.locked and not m.ext_validated and not m.ext_learned
    bare = parse_neighbour(_neigh(0, None))
    assert not (bare.managed or bare.locked or bare.ext_validated or bare.sticky)
