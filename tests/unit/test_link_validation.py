"""rawns.link refuses bad input at the edge, naming the argument and the value (no root).

* every verb refuses a bad handle (None, a Netns, a str, a closed Handle)
  with TypeError/ValueError naming ``h``, never ``AttributeError: rtnl``;
* every number, flag, name, MAC and address field of every spec is checked
  at construction: invalid values generated from rawns._check's kind
  descriptions (ranges, lengths, forbidden characters) raise TypeError or
  ValueError naming the field and showing the value, so the encoder never
  meets 2**32, -1, a float or a bool;
* nothing is cut short or rewritten: NUL, ``%``, 5/7/20-byte MACs, aliases
  over 255 bytes, IPv6 zone ids;
* a Link remembers the namespace it came from without changing equality.

Checks that need a live handle (another namespace's Link, lists given as a
str) run as root in fresh namespaces: tests/privileged/test_link_refs.py.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawns import Handle, _check, link, netns
from rawns.link import (
    Bridge,
    BridgePort,
    Ifb,
    Link,
    LinkChange,
    Macvlan,
    Tap,
    Tun,
    Veth,
    Vxlan,
)
from rawns.link._bridge import bridge_id
from rawns.link._encode import RTEXT_FILTER_SKIP_STATS

# ---------------------------------------------------------------------------
# the handle


@pytest.fixture(scope="module")
def closed_handle() -> Handle:
    h = Handle.open()  # the caller's namespace; closed before any use
    h.close()
    return h


VERBS: dict[str, Callable[[Any], object]] = {
    "add": lambda h: link.add(h, Ifb(name="ifb-x")),
    "replace": lambda h: link.replace(h, Ifb(name="ifb-x")),
    "add_many": lambda h: link.add_many(h, [Ifb(name="ifb-x")]),
    "set": lambda h: link.set(h, "lo", mtu=1400),
    "set_many": lambda h: link.set_many(h, ["lo"], mtu=1400),
    "set_group": lambda h: link.set_group(h, 0, mtu=1400),
    "delete": lambda h: link.delete(h, "lo"),
    "delete_many": lambda h: link.delete_many(h, ["lo"]),
    "get": lambda h: link.get(h, "lo"),
    "dump": lambda h: link.dump(h),
    "resolve_index": lambda h: link.resolve_index(h, "lo"),
    "open_tuntap": lambda h: link.open_tuntap(h, Tap(name="tap-x")),
}


@pytest.mark.parametrize("verb", sorted(VERBS))
@pytest.mark.parametrize("bad", ["none", "netns", "str", "int", "closed"])
def test_every_verb_refuses_a_bad_handle_naming_h(
    verb: str, bad: str, closed_handle: Handle
) -> None:
    values: dict[str, Callable[[], Any]] = {
        "none": lambda: None,
        "netns": netns.current,
        "str": lambda: "red",
        "int": lambda: 3,
        "closed": lambda: closed_handle,
    }
    h = values[bad]()
    try:
        with pytest.raises((TypeError, ValueError)) as exc:
            VERBS[verb](h)
    finally:
        if isinstance(h, netns.Netns):
            h.close()
    assert type(exc.value) in (TypeError, ValueError)
    msg = str(exc.value)
    assert msg.startswith("h "), msg
    assert ("closed" in msg) if bad == "closed" else (type(h).__name__ in msg), msg


# ---------------------------------------------------------------------------
# every field of every spec, from the kind descriptions

U8, U16, U32 = (("int", 0, (1 << b) - 1) for b in (8, 16, 32))
MTU = ("int", _check.KINDS["mtu"].lo, _check.KINDS["mtu"].hi)
QUEUES = ("int", 1, 4096)
PORT0 = ("int", 0, 0xFFFF)
BOOL = ("bool",)
IFNAME = ("ifname",)
REF = ("ref",)
MAC = ("mac",)
ALIAS = ("text", 255)
PID = ("pid",)

COMMON = {
    "name": IFNAME,
    "mtu": MTU,
    "mac": MAC,
    "up": BOOL,
    "master": REF,
    "txqlen": U32,
    "num_tx_queues": QUEUES,
    "num_rx_queues": QUEUES,
    "alias": ALIAS,
    "netns": PID,
}

# (label, constructor, valid base arguments, {field: kind})
SPECS: list[tuple[str, Callable[..., object], dict[str, Any], dict[str, tuple[Any, ...]]]] = [
    ("Ifb", Ifb, {"name": "ifb0"}, COMMON),
    (
        "Veth",
        Veth,
        {"name": "v0", "peer": "v1"},
        {
            **COMMON,
            "peer": IFNAME,
            "peer_netns": PID,
            "peer_mtu": MTU,
            "peer_mac": MAC,
            "peer_up": BOOL,
            "peer_num_tx_queues": QUEUES,
            "peer_num_rx_queues": QUEUES,
        },
    ),
    (
        "Bridge",
        Bridge,
        {"name": "br0"},
        {
            "stp": BOOL,
            "forward_delay": U32,
            "hello_time": U32,
            "max_age": U32,
            "ageing_time": U32,
            "priority": U16,
            "vlan_filtering": BOOL,
            "mcast_snooping": BOOL,
            "vlan_default_pvid": ("int", 0, 4094),
        },
    ),
    (
        "Macvlan",
        Macvlan,
        {"name": "mv0", "link": 2},
        {"link": REF, "nopromisc": BOOL, "bc_queue_len": U32},
    ),
    (
        "Vxlan",
        Vxlan,
        {"name": "vx0", "vni": 1},
        {
            "vni": ("int", 0, (1 << 24) - 1),
            "dev": REF,
            "port": ("int", 1, 0xFFFF),
            "ttl": U8,
            "tos": U8,
            "ageing": U32,
            "limit": U32,
            "learning": BOOL,
            "proxy": BOOL,
            "l2miss": BOOL,
            "l3miss": BOOL,
            "udp_csum": BOOL,
        },
    ),
    (
        "Tap",
        Tap,
        {"name": "tap0"},
        {
            "owner": ("int", 0, 0xFFFFFFFE),
            "group": ("int", 0, 0xFFFFFFFE),
            "multi_queue": BOOL,
            "vnet_hdr": BOOL,
            "pi": BOOL,
            "master": REF,
            "txqlen": U32,
            "mtu": MTU,
        },
    ),
    ("Tun", Tun, {"name": "tun0"}, {"owner": ("int", 0, 0xFFFFFFFE), "pi": BOOL}),
    (
        "BridgePort",
        BridgePort,
        {"hairpin": True},
        {
            "state": ("int", 0, 4),
            "priority": ("int", 0, 63),
            "cost": ("int", 1, 0xFFFF),
            "isolated": BOOL,
            "learning": BOOL,
            "locked": BOOL,
        },
    ),
    (
        "LinkChange",
        LinkChange,
        {"ref": 2, "carrier": True},
        {
            "ref": REF,
            "up": BOOL,
            "mtu": MTU,
            "mac": MAC,
            "name": IFNAME,
            "master": REF,
            "nomaster": BOOL,
            "netns": PID,
            "alias": ALIAS,
            "txqlen": U32,
            "group": U32,
            "carrier": BOOL,
            "arp": BOOL,
            "promisc": BOOL,
            "allmulticast": BOOL,
            "multicast": BOOL,
        },
    ),
]

CASES = [(label, field) for label, _c, _b, fields in SPECS for field in fields]
_BY_LABEL = {label: (ctor, base, fields) for label, ctor, base, fields in SPECS}

NOT_NUMBERS = st.one_of(
    st.floats(allow_nan=True),
    st.booleans(),
    st.text(max_size=4),
    st.sampled_from([b"\x01", [], (1,), "1500", 1j]),
)
_IFNAME = _check.KINDS["ifname"]
BAD_NAMES = st.one_of(
    st.sampled_from([*_IFNAME.bad, "", "a" * 16, "é" * 8, "a\0b", "eth0\0", "eth%d", "%"]),
    st.builds(
        lambda a, c, b: a + c + b,
        st.text(alphabet="abc", max_size=4),
        st.sampled_from(_IFNAME.forbid),
        st.text(alphabet="xyz", max_size=4),
    ),
    st.text(alphabet="ab", min_size=16, max_size=40),
)
# A reference by name may be an altname, up to 127 bytes (ALTIFNAMSIZ): the
# length limit of a reference is there; the other name rules are the same.
BAD_REF_NAMES = st.one_of(
    st.sampled_from([*_IFNAME.bad, "", "a" * 128, "é" * 64, "a\0b", "eth0\0", "eth%d", "%"]),
    st.builds(
        lambda a, c, b: a + c + b,
        st.text(alphabet="abc", max_size=4),
        st.sampled_from(_IFNAME.forbid),
        st.text(alphabet="xyz", max_size=4),
    ),
    st.text(alphabet="ab", min_size=128, max_size=160),
)


def invalid(kind: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    """Invalid values of one field kind, from its description."""
    if kind[0] == "int":
        lo, hi = kind[1], kind[2]
        edges = [lo - 1, hi + 1, -1, 2**16, 2**32, 2**63, 2**64, -(2**63)]
        return st.one_of(
            st.sampled_from([v for v in edges if not lo <= v <= hi]),
            st.integers(max_value=lo - 1),
            st.integers(min_value=hi + 1),
            NOT_NUMBERS,
        )
    if kind[0] == "bool":
        return st.one_of(st.integers(), st.text(max_size=4), st.sampled_from(["no", 0.0, b""]))
    if kind[0] == "ifname":
        return st.one_of(BAD_NAMES, st.integers(), st.floats(), st.sampled_from([b"eth0"]))
    if kind[0] == "ref":
        return st.one_of(
            BAD_REF_NAMES,
            st.integers(max_value=0),
            st.integers(min_value=2**31),
            st.floats(),
            st.booleans(),
            st.sampled_from([b"eth0", ("eth0",)]),
        )
    if kind[0] == "mac":
        return st.one_of(
            st.sampled_from(list(_check.KINDS["mac"].bad)),
            st.binary(max_size=5),
            st.binary(min_size=7, max_size=20),
            st.integers(),
        )
    if kind[0] == "text":
        limit = kind[1]
        return st.one_of(
            st.text(alphabet="ab", min_size=limit + 1, max_size=limit + 40),
            st.builds(lambda a, b: a + "\0" + b, st.text(max_size=5), st.text(max_size=5)),
            st.sampled_from(["\udc80", "é" * 128]),
            st.integers(),
            st.sampled_from([b"alias"]),
        )
    if kind[0] == "pid":
        return st.one_of(
            st.integers(max_value=0),
            st.integers(min_value=2**31),
            st.sampled_from(["a/b", ".", "red\0", 1.0, True, b"x"]),  # "red": a name (issue 14)
        )
    raise AssertionError(kind)


def shown(value: object) -> list[str]:
    """How a message may show ``value`` (str of an int, repr, a cut repr)."""
    r = repr(value)
    out = [r, r[:60]]
    if isinstance(value, int) and not isinstance(value, bool):
        out.append(str(value))
    if isinstance(value, float) and math.isnan(value):
        out.append("nan")
    if value == "":
        out.append("empty")
    return out


@pytest.mark.parametrize(("label", "field"), CASES, ids=[f"{s}.{f}" for s, f in CASES])
@settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(data=st.data())
def test_every_field_refuses_invalid_values_naming_field_and_value(
    label: str, field: str, data: st.DataObject
) -> None:
    ctor, base, fields = _BY_LABEL[label]
    value = data.draw(invalid(fields[field]), label=field)
    with pytest.raises((TypeError, ValueError)) as exc:
        ctor(**{**base, field: value})
    assert type(exc.value) in (TypeError, ValueError)
    msg = str(exc.value)
    assert field.split("_")[0] in msg or field in msg, msg
    assert any(s in msg for s in shown(value)), (value, msg)


@pytest.mark.parametrize(("label", "field"), CASES, ids=[f"{s}.{f}" for s, f in CASES])
def test_the_bounds_themselves_are_accepted(label: str, field: str) -> None:
    ctor, base, fields = _BY_LABEL[label]
    kind = fields[field]
    if kind[0] != "int":
        return
    for v in (kind[1], kind[2]):
        ctor(**{**base, field: v})


# ---------------------------------------------------------------------------
# nothing truncated, nothing rewritten

TRUNCATIONS: list[tuple[str, Callable[[], object], str]] = [
    ("NUL in a name", lambda: Ifb(name="ab\0cd"), "NUL"),
    ("NUL in a peer name", lambda: Veth(name="a", peer="b\0x"), "peer"),
    ("NUL in an alias", lambda: Ifb(name="a", alias="up\0link"), "alias"),
    ("NUL in a new name", lambda: LinkChange(ref="a", name="b\0c"), "NUL"),
    ("NUL in a changed alias", lambda: LinkChange(ref="a", alias="x\0y"), "alias"),
    ("% in a name (br%d)", lambda: Bridge(name="br%d"), "'br%d'"),
    ("% in a peer name", lambda: Veth(name="a", peer="eth%d"), "'eth%d'"),
    ("% in a new name", lambda: LinkChange(ref="a", name="v%d"), "'v%d'"),
    ("% in a reference", lambda: LinkChange(ref="br%d", up=True), "'br%d'"),
    ("% in a master", lambda: Ifb(name="a", master="br%d"), "'br%d'"),
    ("% in a lower device", lambda: Macvlan(name="a", link="eth%d"), "'eth%d'"),
    ("5-byte MAC", lambda: Ifb(name="a", mac="02:00:00:00:00"), "5 bytes"),
    ("7-byte MAC", lambda: Ifb(name="a", mac="02:00:00:00:00:01:02"), "7 bytes"),
    ("20-byte MAC", lambda: Ifb(name="a", mac=b"\x02" * 20), "20 bytes"),
    ("7-byte peer MAC", lambda: Veth(name="a", peer="b", peer_mac=b"\x02" * 7), "peer_mac"),
    ("7-byte MAC in set", lambda: LinkChange(ref="a", mac="02:00:00:00:00:01:02"), "7 bytes"),
    ("MAC with a NUL", lambda: LinkChange(ref="a", mac="02:00:00:00:00:01\0"), "mac"),
    ("256-byte alias", lambda: Ifb(name="a", alias="a" * 256), "256 bytes"),
    ("256-byte alias in set", lambda: LinkChange(ref="a", alias="é" * 128), "256 bytes"),
    ("zone in a vxlan remote", lambda: Vxlan(name="v", vni=1, remote="fe80::1%eth0"), "zone"),
    (
        "zone in a vxlan local object",
        lambda: Vxlan(name="v", vni=1, local=ipaddress.IPv6Address("fe80::1%2")),
        "zone",
    ),
    (
        "zone in a vxlan group",
        lambda: Vxlan(name="v", vni=1, group="ff02::1%eth0", dev=2),
        "zone",
    ),
    ("ifindex 2**31", lambda: LinkChange(ref=2**31, up=True), str(2**31)),
    ("a Link with index 0", lambda: LinkChange(ref=Link(index=0, name="x"), up=True), "0"),
    ("u32 group", lambda: link.build_set_group(2**32, up=True), str(2**32)),
    ("vlan protocol not a str", lambda: Bridge(name="b", vlan_protocol=0x8100), "33024"),
    ("macvlan mode not a str", lambda: Macvlan(name="m", link=2, mode=1), "1"),
    ("vxlan port range not a pair", lambda: Vxlan(name="v", vni=1, port_range=(1,)), "(1,)"),
    ("vxlan port range u16", lambda: Vxlan(name="v", vni=1, port_range=(1, 2**16)), "65536"),
    ("ifreq of a Bridge", lambda: link.build_ifreq(Bridge(name="b")), "Bridge"),  # type: ignore[arg-type]
    ("ifreq exclusive=1", lambda: link.build_ifreq(Tap(name="t"), exclusive=1), "exclusive"),  # type: ignore[arg-type]
    ("build_add of a str", lambda: link.build_add("bridge"), "bridge"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("what", "make", "match"), TRUNCATIONS, ids=[t[0] for t in TRUNCATIONS])
def test_nothing_is_cut_short_or_rewritten(
    what: str, make: Callable[[], object], match: str
) -> None:
    with pytest.raises((TypeError, ValueError), match=re.escape(match)) as exc:
        make()
    assert type(exc.value) in (TypeError, ValueError), what


def test_valid_names_and_macs_still_pass() -> None:
    assert Veth(name="a" * 15, peer="é" * 7 + "x").peer == "é" * 7 + "x"
    assert Ifb(name="a", mac=b"\x02\x00\x00\x00\x00\x01").mac == "02:00:00:00:00:01"
    assert Ifb(name="a", alias="").alias == ""  # an empty alias clears it
    assert LinkChange(ref="a", alias="é" * 127).alias == "é" * 127
    v = Vxlan(name="v", vni=1, remote=ipaddress.IPv6Address("fe80::1"), port=None)
    assert v.remote == ipaddress.IPv6Address("fe80::1") and v.port is None and v.port_range is None
    # 0 is not a port: the kernel would read it as "its default" (8472 / its range)
    for bad in ({"port": 0}, {"port_range": (0, 0)}, {"port_range": (0, 80)}):
        with pytest.raises(ValueError, match="the kernel's default"):
            Vxlan(name="v", vni=1, **bad)


# ---------------------------------------------------------------------------
# results


def test_a_link_remembers_its_namespace_without_changing_equality() -> None:
    a = Link(index=2, name="veth0")
    b = Link(index=2, name="veth0", origin=(1, 4026531840))
    assert a == b and hash(a) == hash(b) and repr(a) == repr(b)
    assert a.origin is None and b.origin == (1, 4026531840)
    raw = link.parse_link(bytes(16) + b"\x07\x00\x03\x00lo\x00\x00")
    assert raw.origin is None
    assert link.parse_link(raw.raw, (5, 6)).origin == (5, 6)
    assert link.parse_link(raw.raw, (5, 6)) == raw


def test_the_dump_request_asks_to_skip_stats() -> None:
    # What it saves is said by the comment on RTEXT_FILTER_SKIP_STATS, checked
    # against the kernel in tests/privileged/test_link_refs.py.
    assert link.build_dump().endswith(
        b"\x08\x00\x1d\x00" + RTEXT_FILTER_SKIP_STATS.to_bytes(4, "little")
    )


def test_bridge_id_form_is_what_the_docstring_says() -> None:
    raw = bytes.fromhex("8000") + bytes.fromhex("02000a000001")
    assert bridge_id(raw) == "8000.02:00:0a:00:00:01"
    # ip -d prints the MAC part with ether_ntoa(3): no leading zeros
    prio, mac = bridge_id(raw).split(".")
    assert f"{prio}." + ":".join(f"{int(x, 16):x}" for x in mac.split(":")) == "8000.2:0:a:0:0:1"
