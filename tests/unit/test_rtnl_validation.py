"""Bad input to route, addr, neigh and rule: refused by rawns._check before anything is sent.

Each verb gets a stand-in Handle that records every request and refuses it:
a caller mistake must raise TypeError/ValueError naming the argument and the
value with nothing recorded; never struct.error, OverflowError, KeyError,
IndexError or AttributeError. No root needed.
"""

from __future__ import annotations

import errno
import ipaddress
import struct
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, addr, neigh, route, rule
from rawns._rtnl import NUD, RTM
from rawns._wire import Attr, parse_messages
from rawns.addr import Address
from rawns.errors import KernelError, NotFound, kernel_error
from rawns.link import Link
from rawns.neigh import AF_BRIDGE, Neighbour
from rawns.route import Nexthop, Route
from rawns.rule import Rule

RAW_ERRORS = (struct.error, OverflowError, KeyError, IndexError, AttributeError)
HERE = (11, 22)  # the stand-in handle's namespace identity
ELSEWHERE = (11, 33)


class Recorder(Handle):
    """A Handle without sockets: records each request and refuses it (EPERM)."""

    def __init__(self, ident: tuple[int, int] = HERE) -> None:  # nothing to open
        self._ident = ident
        self._label = "the recorder's"
        self._ns = None
        self.sent: list[tuple[str, str]] = []

    @property
    def closed(self) -> bool:
        return False

    @property
    def rtnl(self) -> Any:
        return self

    def _refuse(self, op: str, target: str) -> KernelError:
        self.sent.append((op, target))
        return kernel_error(errno.EPERM, op=op, target=target)

    def request(self, msg: bytes, *, op: str, target: str = "") -> list[Any]:
        raise self._refuse(op, target)

    def dump(self, msg: bytes, *args: Any, op: str, target: str = "", **kw: Any) -> list[Any]:
        raise self._refuse(op, target)

    def pipeline(self, msgs: list[bytes], *, op: str, **kw: Any) -> list[Any]:
        raise self._refuse(op, "pipeline")


def refused(
    call: Callable[[], object], needle: str, kinds: tuple[type[Exception], ...] = (ValueError,)
) -> str:
    """``call()`` raises one of ``kinds`` (never a raw error) whose message holds ``needle``."""
    try:
        call()
    except RAW_ERRORS as e:  # pragma: no cover - the failure this file exists to catch
        pytest.fail(f"raw {type(e).__name__} escaped: {e}")
    except kinds as e:
        assert needle in str(e), f"{needle!r} not in {str(e)!r}"
        return str(e)
    pytest.fail(f"no {kinds} raised")


def nothing_sent(h: Recorder, call: Callable[[], object], needle: str) -> None:
    refused(call, needle, (ValueError, TypeError))
    assert h.sent == [], f"sent {h.sent} before refusing"


# ---------------------------------------------------------------------------
# 1. interface indices: one rule (1..2**31-1) everywhere, as link has it

BAD_INDICES: list[Any] = [0, -1, 2**31, 2**32, 2**64, True, 1.0, "2"]


@pytest.mark.parametrize("value", BAD_INDICES, ids=repr)
@pytest.mark.parametrize(
    "make",
    [
        lambda v: Route(dst="10.0.0.0/8", oif=v),
        lambda v: Route(dst="10.0.0.0/8", iif=v),
        lambda v: Nexthop(gateway="10.0.0.1", oif=v),
        lambda v: Address(index=v, address="10.0.0.1/24"),
        lambda v: Neighbour(index=1, family=AF_BRIDGE, lladdr="02:00:00:00:00:01", master=v),
        lambda v: Neighbour(index=1, family=AF_BRIDGE, lladdr="02:00:00:00:00:01", via=v),
        lambda v: neigh.build_get(index=v, dst="10.0.0.1"),
        lambda v: route.build_dump(oif=v),
        lambda v: route.build_get("10.0.0.1", iif=v),
    ],
    ids=[
        "Route.oif",
        "Route.iif",
        "Nexthop.oif",
        "Address.index",
        "Neighbour.master",
        "Neighbour.via",
        "neigh.build_get.index",
        "route.build_dump.oif",
        "route.build_get.iif",
    ],
)
def test_every_ifindex_field_takes_1_to_2_31_minus_1(
    make: Callable[[Any], object], value: Any
) -> None:
    needle = str(value) if isinstance(value, int) else repr(value)
    refused(lambda: make(value), needle, (TypeError, ValueError))


def test_the_largest_ifindex_is_accepted_everywhere() -> None:
    top = 2**31 - 1
    assert Route(dst="10.0.0.0/8", oif=top).oif == top
    assert Nexthop(gateway="10.0.0.1", oif=top).oif == top
    assert Address(index=top, address="10.0.0.1/24").index == top


@pytest.mark.parametrize("name", ["eth\0x", "eth%d", "a" * 16, "a/b", "a:b", "a b", ".", ""])
@pytest.mark.parametrize("field", ["iif", "oif"])
def test_rule_interface_names_are_ifnames(field: str, name: str) -> None:
    refused(lambda: Rule(table=1, **{field: name}), "rule " + field)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# 2. every u8/u16/u32 field: no struct.error, no OverflowError, no masking


def _over(bits: int | list[Any]) -> list[Any]:
    return bits if isinstance(bits, list) else [-1, 2**bits, 2**64, 1.5, "1", True]


U_FIELDS: list[tuple[str, Callable[[Any], object], int | list[Any]]] = [
    ("Route.metric", lambda v: Route(dst="10.0.0.0/8", metric=v), 32),
    ("Route.table", lambda v: Route(dst="10.0.0.0/8", table=v), 32),
    ("Route.protocol", lambda v: Route(dst="10.0.0.0/8", protocol=v), 8),
    ("Route.scope", lambda v: Route(dst="10.0.0.0/8", scope=v), 8),
    ("Route.type", lambda v: Route(dst="10.0.0.0/8", type=v), 8),
    ("Route.tos", lambda v: Route(dst="10.0.0.0/8", tos=v), 8),
    ("Route.flags", lambda v: Route(dst="10.0.0.0/8", flags=v), 32),
    ("Route.mtu", lambda v: Route(dst="10.0.0.0/8", mtu=v), 32),
    ("Route.metrics", lambda v: Route(dst="10.0.0.0/8", metrics=[(2, v)]), 32),
    ("Route.pref", lambda v: Route(dst="::/0", pref=v), 8),
    ("Route.family", lambda v: Route(dst="default", family=v), 8),
    ("Nexthop.flags", lambda v: Nexthop(gateway="10.0.0.1", flags=v), 8),
    ("Nexthop.weight", lambda v: Nexthop(gateway="10.0.0.1", weight=v), [0, 257, 2**64, 1.5]),
    ("route.build_dump.table", lambda v: route.build_dump(table=v), 32),
    ("route.build_dump.protocol", lambda v: route.build_dump(protocol=v), 8),
    ("route.build_dump.type", lambda v: route.build_dump(type=v), 8),
    ("route.build_dump.family", lambda v: route.build_dump(family=v), 8),
    ("route.build_get.mark", lambda v: route.build_get("10.0.0.1", mark=v), 32),
    ("route.build_get.tos", lambda v: route.build_get("10.0.0.1", tos=v), 8),
    ("Address.flags", lambda v: Address(index=1, address="10.0.0.1/24", flags=v), 32),
    ("Address.metric", lambda v: Address(index=1, address="10.0.0.1/24", metric=v), 32),
    ("Address.proto", lambda v: Address(index=1, address="10.0.0.1/24", proto=v), 8),
    ("Address.scope", lambda v: Address(index=1, address="10.0.0.1/24", scope=v), 8),
    (
        "Address.valid_lft",
        lambda v: Address(index=1, address="10.0.0.1/24", valid_lft=v, preferred_lft=0),
        32,
    ),
    ("Address.preferred_lft", lambda v: Address(index=1, address="::1", preferred_lft=v), 32),
    ("addr.build_dump.family", lambda v: addr.build_dump(family=v), 8),
    ("Neighbour.flags", lambda v: Neighbour(index=1, dst="10.0.0.1", flags=v), 8),
    ("Neighbour.type", lambda v: Neighbour(index=1, dst="10.0.0.1", type=v), 8),
    ("Neighbour.state", lambda v: Neighbour(index=1, dst="10.0.0.1", state=v), 16),
    ("Neighbour.protocol", lambda v: Neighbour(index=1, dst="10.0.0.1", protocol=v), 8),
    ("Neighbour.vni", lambda v: Neighbour(index=1, family=7, lladdr=b"\2" * 6, vni=v), 24),
    ("Neighbour.port", lambda v: Neighbour(index=1, family=7, lladdr=b"\2" * 6, port=v), 16),
    ("Neighbour.nh_id", lambda v: Neighbour(index=1, family=7, lladdr=b"\2" * 6, nh_id=v), 32),
    ("neigh.build_dump.family", lambda v: neigh.build_dump(family=v), 8),
    ("Rule.priority", lambda v: Rule(table=1, priority=v), 32),
    ("Rule.table", lambda v: Rule(table=v), [-1, 2**32, 2**64, 1.5, True, "1x", "\u0661"]),
    ("Rule.tos", lambda v: Rule(table=1, tos=v), 8),
    ("Rule.fwmark", lambda v: Rule(table=1, fwmark=v), 32),
    ("Rule.fwmask", lambda v: Rule(table=1, fwmask=v), 32),
    ("Rule.realms", lambda v: Rule(table=1, realms=v), 32),
    ("Rule.flags", lambda v: Rule(table=1, flags=v), 32),
    ("Rule.tun_id", lambda v: Rule(table=1, tun_id=v), 64),
    ("Rule.suppress_prefixlen", lambda v: Rule(table=1, suppress_prefixlen=v), 32),
    ("Rule.suppress_ifgroup", lambda v: Rule(table=1, suppress_ifgroup=v), 32),
    ("Rule.protocol", lambda v: Rule(table=1, protocol=v), 8),
    ("Rule.ip_proto", lambda v: Rule(table=1, ip_proto=v), 8),
    ("Rule.uid_range", lambda v: Rule(table=1, uid_range=(0, v)), 32),
    ("Rule.sport_range", lambda v: Rule(table=1, sport_range=(1, v)), 16),
    ("Rule.action", lambda v: Rule(table=1, action=v), 8),
    ("rule.build_dump.family", lambda v: rule.build_dump(v), 8),
]
U_CASES = [(name, make, v) for name, make, bits in U_FIELDS for v in _over(bits)]


@pytest.mark.parametrize(
    ("name", "make", "value"), U_CASES, ids=[f"{n}={v!r}" for n, _, v in U_CASES]
)
def test_out_of_range_numbers_are_refused_naming_the_value(
    name: str, make: Callable[[Any], object], value: Any
) -> None:
    needle = repr(value) if isinstance(value, str | float) else str(value)
    refused(lambda: make(value), needle, (TypeError, ValueError))


def test_values_that_the_kernel_would_read_as_something_else_are_refused() -> None:
    # RTA_PREF: anything but low/medium/high reads as medium (rtm_to_fib6_config).
    refused(lambda: Route(dst="::/0", pref=2), "pref")
    # (u32)-1 is the kernel's "unset" for the suppressors: it would read back as unset.
    refused(lambda: Rule(table=1, suppress_prefixlen=2**32 - 1), "suppress_prefixlen")
    # FRA_GOTO with another action, and ports the kernel refuses (1..65534).
    refused(lambda: Rule(table=1, goto=5), "goto")
    refused(lambda: Rule(table=1, dport_range=(80, 65535)), "65534")
    refused(lambda: Rule(table=1, sport_range=(0, 80)), "sport_range")


# ---------------------------------------------------------------------------
# 3. nothing silently rewritten: zone ids, host bits, labels, lladdr lengths

ZONED: list[Any] = [
    "fe80::1%eth0",
    ipaddress.IPv6Address("fe80::1%eth0"),
]
ZONED_PREFIXES: list[Any] = [
    "fe80::%eth0/64",
    ipaddress.IPv6Network("fe80::%eth0/64"),
    ipaddress.IPv6Interface("fe80::1%eth0/64"),
    *ZONED,
]


@pytest.mark.parametrize("value", ZONED, ids=str)
@pytest.mark.parametrize(
    "make",
    [
        lambda v: Route(dst="::/0", gateway=v),
        lambda v: Route(dst="::/0", prefsrc=v),
        lambda v: Nexthop(gateway=v),
        lambda v: route.build_get(v),
        lambda v: route.build_get("fe80::2", src=v),
        lambda v: Address(index=1, address="fe80::2/64", peer=v),
        lambda v: Neighbour(index=1, dst=v),
        lambda v: neigh.build_get(index=1, dst=v),
    ],
)
def test_zone_ids_in_addresses_are_refused(make: Callable[[Any], object], value: Any) -> None:
    refused(lambda: make(value), "zone id")


@pytest.mark.parametrize("value", ZONED_PREFIXES, ids=str)
@pytest.mark.parametrize(
    "make",
    [
        lambda v: Route(dst=v),
        lambda v: Route(dst="::/0", src=v),
        lambda v: Address(index=1, address=v),
        lambda v: Rule(table=1, src=v),
        lambda v: Rule(table=1, dst=v),
    ],
)
def test_zone_ids_in_prefixes_are_refused(make: Callable[[Any], object], value: Any) -> None:
    refused(lambda: make(value), "zone id")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Route(dst="10.0.0.1/8"),
        lambda: Route(dst="2001:db8::/32", src="2001:db8::1/64"),
        lambda: Rule(table=1, src="10.1.2.3/8"),
        lambda: Rule(table=1, dst="fd00::1/64"),
    ],
)
def test_host_bits_are_refused_not_masked(make: Callable[[], object]) -> None:
    refused(make, "host bits")


def test_a_rule_with_host_bits_made_by_ip_round_trips_losslessly() -> None:
    # `ip rule add from 10.1.2.3/8 table 100` (captured): FRA_SRC keeps the host bits.
    r = Rule(src=ipaddress.IPv4Interface("10.1.2.3/8"), table=100, priority=5)
    (m,) = parse_messages(rule.build_delete(r))
    assert m.payload[2] == 8  # src_len
    assert m.payload[12 + 4 : 12 + 8] == bytes((10, 1, 2, 3))  # FRA_SRC: as given
    back = rule.parse_rule(m.payload)
    assert back == r and back.src == ipaddress.IPv4Interface("10.1.2.3/8")


@pytest.mark.parametrize(
    ("label", "needle"),
    [("v0\0x", "NUL"), ("v0:" + "x" * 13, "16 bytes"), ("", "empty"), (5, "str")],
)
def test_address_labels_are_ifnamsiz_strings(label: Any, needle: str) -> None:
    make = lambda: Address(index=1, address="10.0.0.1/24", label=label)  # noqa: E731
    refused(make, needle, (TypeError, ValueError))


def test_a_label_must_start_with_the_device_name_as_ip_requires() -> None:
    h = Recorder()
    v0 = Link(index=5, name="v0")
    nothing_sent(
        h, lambda: addr.add(h, dev=v0, address="10.0.0.1/24", label="v1:x"), "'v1:x' must be"
    )
    # a good label passes the check and the request goes out (refused by the recorder)
    with pytest.raises(KernelError):
        addr.add(h, dev=v0, address="10.0.0.1/24", label="v0:web")
    assert h.sent == [("RTM_NEWADDR", "10.0.0.1/24 dev v0")]


@pytest.mark.parametrize(
    "lladdr",
    [
        "02:00:00:00:00:01:02",
        b"\x02" * 20,
        "02:00:00:00:00",
        "zz:00:00:00:00:01",
        "02:00:00:00:00:01\0",
        "",
        b"",
        5,
    ],
    ids=repr,
)
def test_fdb_macs_are_six_bytes_and_nothing_is_sent(lladdr: Any) -> None:
    h = Recorder()
    nothing_sent(h, lambda: neigh.fdb_add(h, dev=1, lladdr=lladdr, dst="10.0.0.2"), "lladdr")
    make = lambda: Neighbour(index=1, family=AF_BRIDGE, lladdr=lladdr)  # noqa: E731
    refused(make, "lladdr", (TypeError, ValueError))


@pytest.mark.parametrize("vlan", [0, 4095, 4096, -1, True])
def test_fdb_vlan_is_1_to_4094_and_nothing_is_sent(vlan: Any) -> None:
    h = Recorder()
    nothing_sent(h, lambda: neigh.fdb_add(h, dev=1, lladdr="02:00:00:00:00:01", vlan=vlan), "vlan")


def test_a_proxy_entry_takes_no_lladdr() -> None:
    h = Recorder()
    nothing_sent(
        h,
        lambda: neigh.add(h, dev=1, dst="10.0.0.9", proxy=True, lladdr="02:00:00:00:00:01"),
        "proxy",
    )


# ---------------------------------------------------------------------------
# 4. the handle, checked before anything else


class _NetnsLike:
    fd = 3
    name = "red"


def _closed_handle() -> Handle:
    h = Handle.open()  # the caller's namespace: opening a socket changes nothing
    h.close()
    return h


VERBS: list[tuple[str, Callable[[Any], object]]] = [
    ("route.add", lambda h: route.add(h, dst="10.0.0.0/8", dev="lo")),
    ("route.replace", lambda h: route.replace(h, Route(dst="10.0.0.0/8", oif=1))),
    ("route.delete", lambda h: route.delete(h, dst="10.0.0.0/8")),
    ("route.dump", lambda h: route.dump(h)),
    ("route.get", lambda h: route.get(h, "10.0.0.1")),
    ("route.add_many", lambda h: route.add_many(h, ["10.0.0.0/24"], oif=1)),
    ("addr.add", lambda h: addr.add(h, dev="lo", address="10.0.0.1/24")),
    ("addr.replace", lambda h: addr.replace(h, dev=1, address="10.0.0.1/24")),
    ("addr.delete", lambda h: addr.delete(h, dev=1, address="10.0.0.1/24")),
    ("addr.dump", lambda h: addr.dump(h)),
    ("addr.flush", lambda h: addr.flush(h)),
    ("addr.add_many", lambda h: addr.add_many(h, [])),
    ("neigh.add", lambda h: neigh.add(h, dev=1, dst="10.0.0.2")),
    ("neigh.replace", lambda h: neigh.replace(h, dev=1, dst="10.0.0.2")),
    ("neigh.delete", lambda h: neigh.delete(h, dev=1, dst="10.0.0.2")),
    ("neigh.get", lambda h: neigh.get(h, dev=1, dst="10.0.0.2")),
    ("neigh.dump", lambda h: neigh.dump(h)),
    ("neigh.fdb_add", lambda h: neigh.fdb_add(h, dev=1, lladdr="02:00:00:00:00:01")),
    ("neigh.fdb_append", lambda h: neigh.fdb_append(h, dev=1, lladdr="02:00:00:00:00:01")),
    ("neigh.fdb_replace", lambda h: neigh.fdb_replace(h, dev=1, lladdr="02:00:00:00:00:01")),
    ("neigh.fdb_delete", lambda h: neigh.fdb_delete(h, dev=1, lladdr="02:00:00:00:00:01")),
    ("neigh.fdb_dump", lambda h: neigh.fdb_dump(h)),
    ("rule.add", lambda h: rule.add(h, priority=5, table=1)),
    ("rule.delete", lambda h: rule.delete(h, priority=5)),
    ("rule.dump", lambda h: rule.dump(h)),
]


@pytest.mark.parametrize("bad", [None, _NetnsLike(), "h", 3], ids=repr)
@pytest.mark.parametrize(("name", "verb"), VERBS, ids=[n for n, _ in VERBS])
def test_a_non_handle_is_a_type_error_naming_h(
    name: str, verb: Callable[[Any], object], bad: Any
) -> None:
    refused(lambda: verb(bad), "h must be a rawns.Handle", (TypeError,))


@pytest.mark.parametrize(("name", "verb"), VERBS, ids=[n for n, _ in VERBS])
def test_a_closed_handle_is_a_value_error(name: str, verb: Callable[[Any], object]) -> None:
    refused(lambda: verb(_closed_handle()), "is closed")


# ---------------------------------------------------------------------------
# 5. objects remember their namespace; verbs refuse another's


FOREIGN: list[tuple[str, Callable[[Recorder], object]]] = [
    ("route.add", lambda h: route.add(h, Route(dst="10.0.0.0/8", oif=2, origin=ELSEWHERE))),
    ("route.replace", lambda h: route.replace(h, Route(dst="10.0.0.0/8", origin=ELSEWHERE))),
    ("route.delete", lambda h: route.delete(h, Route(dst="10.0.0.0/8", origin=ELSEWHERE))),
    ("route.add_many", lambda h: route.add_many(h, [Route(dst="10.0.0.0/8", origin=ELSEWHERE)])),
    ("route dev=Link", lambda h: route.add(h, dst="10.0.0.0/8", dev=_foreign_link())),
    ("route.get dev=Link", lambda h: route.get(h, "10.0.0.1", dev=_foreign_link())),
    ("route.dump dev=Link", lambda h: route.dump(h, dev=_foreign_link())),
    ("addr.add", lambda h: addr.add(h, _foreign_address())),
    ("addr.delete", lambda h: addr.delete(h, _foreign_address())),
    ("addr.add_many", lambda h: addr.add_many(h, [_foreign_address()])),
    ("addr dev=Link", lambda h: addr.add(h, dev=_foreign_link(), address="10.0.0.1/24")),
    ("addr.flush dev=Link", lambda h: addr.flush(h, dev=_foreign_link())),
    ("neigh.delete", lambda h: neigh.delete(h, _foreign_neighbour())),
    ("neigh.fdb_delete", lambda h: neigh.fdb_delete(h, _foreign_fdb())),
    ("neigh dev=Link", lambda h: neigh.add(h, dev=_foreign_link(), dst="10.0.0.2")),
    ("neigh.dump master=Link", lambda h: neigh.dump(h, master=_foreign_link())),
    ("fdb via=Link", lambda h: neigh.fdb_add(h, dev=1, lladdr=b"\2" * 6, via=_foreign_link())),
    ("rule.add", lambda h: rule.add(h, Rule(table=1, priority=9, origin=ELSEWHERE))),
    ("rule.delete", lambda h: rule.delete(h, Rule(table=1, priority=9, origin=ELSEWHERE))),
]


def _foreign_link() -> Link:
    return Link(index=2, name="v0", origin=ELSEWHERE)


def _foreign_address() -> Address:
    return Address(index=2, address="10.0.0.1/24", origin=ELSEWHERE)


def _foreign_neighbour() -> Neighbour:
    return Neighbour(index=2, dst="10.0.0.2", origin=ELSEWHERE)


def _foreign_fdb() -> Neighbour:
    return Neighbour(index=2, family=AF_BRIDGE, lladdr=b"\2" * 6, origin=ELSEWHERE)


@pytest.mark.parametrize(("name", "call"), FOREIGN, ids=[n for n, _ in FOREIGN])
def test_objects_from_another_namespace_are_refused(
    name: str, call: Callable[[Recorder], object]
) -> None:
    h = Recorder()
    nothing_sent(h, lambda: call(h), "another network namespace")


def test_origin_does_not_change_equality_hash_or_repr() -> None:
    for make in (
        lambda o: Route(dst="10.0.0.0/8", oif=2, origin=o),
        lambda o: Address(index=2, address="10.0.0.1/24", origin=o),
        lambda o: Neighbour(index=2, dst="10.0.0.2", origin=o),
        lambda o: Rule(table=1, priority=9, origin=o),
    ):
        a, b = make(None), make(HERE)
        assert a == b and hash(a) == hash(b) and repr(a) == repr(b)
        assert a.origin is None and b.origin == HERE  # type: ignore[attr-defined]


def test_objects_from_this_namespace_are_used() -> None:
    h = Recorder()
    with pytest.raises(KernelError):
        route.delete(h, Route(dst="10.0.0.0/8", oif=2, origin=HERE))
    assert h.sent == [("RTM_DELROUTE", "10.0.0.0/8 dev ifindex 2")]


def test_decoders_fill_origin_on_every_path() -> None:
    from rawns.route import _dumped_parser, _runs

    raw = route.build_add(Route(dst="10.1.0.0/16", gateway="10.0.0.5", oif=3))
    assert route.parse_route(raw[16:]).origin is None
    assert route.parse_route(raw[16:], origin=HERE).origin == HERE
    assert _dumped_parser(HERE)(raw, 16, len(raw)).origin == HERE  # type: ignore[union-attr]
    six = route.build_add(Route(dst="2001:db8::/32", gateway="fe80::1", oif=3))
    assert _dumped_parser(HERE)(six, 16, len(six)).origin == HERE  # type: ignore[union-attr]
    # a run of alike routes, as the kernel dumps them (fib_dump_info's order)
    msgs = []
    for i in range(16):
        body = struct.pack("=BBBBBBBBI", 2, 24, 0, 0, 254, 4, 0, 1, 0)
        body += struct.pack("=HHI", 8, 15, 254) + struct.pack("=HH4B", 8, 1, 10, 1, i, 0)
        body += struct.pack("=HH4B", 8, 5, 10, 0, 0, 1) + struct.pack("=HHI", 8, 4, 3)
        msgs.append(struct.pack("=IHHII", 16 + len(body), RTM.NEWROUTE, 2, 1, 0) + body)
    out: list[Route] = []
    assert _runs.parse_run(b"".join(msgs), 0, out, HERE) == sum(map(len, msgs))
    assert len(out) == 16 and {r.origin for r in out} == {HERE}
    (m,) = parse_messages(addr.build_add(Address(index=2, address="10.0.0.1/24")))
    assert addr.parse_address(m.payload, origin=HERE).origin == HERE
    (m,) = parse_messages(neigh.build_add(Neighbour(index=2, dst="10.0.0.2")))
    assert neigh.parse_neighbour(m.payload, HERE).origin == HERE
    (m,) = parse_messages(rule.build_add(Rule(table=1, priority=3)))
    assert rule.parse_rule(m.payload, origin=HERE).origin == HERE


# ---------------------------------------------------------------------------
# 6. documented behaviour: scope names, nothing sent for bad values


@pytest.mark.parametrize(
    ("name", "number"),
    [("global", 0), ("universe", 0), ("site", 200), ("link", 253), ("host", 254), ("nowhere", 255)],
)
def test_scopes_are_named_as_ip_names_them(name: str, number: int) -> None:
    assert addr.check_scope(name, "scope") == number
    assert Address(index=1, address="10.0.0.1/24", scope=name).scope == number


@pytest.mark.parametrize("scope", ["planet", "GLOBAL", -1, 256, 1.0, b"link"], ids=repr)
def test_flush_refuses_a_bad_scope_before_dumping(scope: Any) -> None:
    h = Recorder()
    needle = str(scope) if isinstance(scope, int) else repr(scope)
    nothing_sent(h, lambda: addr.flush(h, scope=scope), needle)


def test_dump_filters_are_checked_before_the_dump() -> None:
    h = Recorder()
    nothing_sent(h, lambda: route.dump(h, table=2**32), "4294967296")
    nothing_sent(h, lambda: route.dump(h, protocol=256), "256")
    nothing_sent(h, lambda: route.dump(h, type=-1), "-1")
    nothing_sent(h, lambda: route.dump(h, family=3), "3")
    nothing_sent(h, lambda: route.dump(h, dev="eth%d"), "eth%d")
    nothing_sent(h, lambda: addr.dump(h, family=7), "7")
    nothing_sent(h, lambda: neigh.dump(h, family="ipx"), "ipx")
    nothing_sent(h, lambda: neigh.dump(h, proxy="no"), "'no'")
    nothing_sent(h, lambda: rule.dump(h, family=3), "3")


def test_values_are_checked_before_a_device_name_is_looked_up() -> None:
    h = Recorder()
    nothing_sent(h, lambda: route.add(h, dst="10.0.0.0/8", dev="v0", metric=2**32), "metric")
    nothing_sent(h, lambda: route.get(h, "10.0.0.1", dev="v0", mark=-1), "mark")
    nothing_sent(h, lambda: addr.add(h, dev="v0", address="10.0.0.1/24", proto=256), "proto")
    nothing_sent(h, lambda: neigh.add(h, dev="v0", dst="10.0.0.2", state="sleepy"), "sleepy")
    nothing_sent(h, lambda: neigh.fdb_add(h, dev="v0", lladdr=b"\2" * 6, vni=2**24), "vni")
    nothing_sent(h, lambda: neigh.get(h, dev="v0", dst="10.0.0.300"), "10.0.0.300")


def test_false_is_not_taken_for_a_missing_keyword() -> None:
    h = Recorder()
    nothing_sent(h, lambda: route.add(h, dst="10.0.0.0/8", metric=False), "False")  # type: ignore[arg-type]


def test_fdb_append_needs_a_remote() -> None:
    h = Recorder()
    nothing_sent(h, lambda: neigh.fdb_append(h, dev=1, lladdr=b"\0" * 6), "dst")


# ---------------------------------------------------------------------------
# 7. errors name the device as the caller did


def test_route_labels_name_devices_as_given() -> None:
    r = Route(dst="10.1.0.0/16", gateway="10.0.0.1", oif=5)
    assert route.label(r) == "10.1.0.0/16 via 10.0.0.1 dev ifindex 5"
    assert route.label(r, {5: "v0"}) == "10.1.0.0/16 via 10.0.0.1 dev v0"
    mp = Route(dst="10.2.0.0/16", nexthops=[Nexthop(gateway="10.0.0.1", oif=5, weight=2)])
    assert route.label(mp) == "10.2.0.0/16 nexthop via 10.0.0.1 dev ifindex 5 weight 2"
    assert "#" not in route.label(r) + addr.label_of(Address(index=3, address="10.0.0.1/24"))


@pytest.mark.parametrize(
    ("dev", "shown"), [(5, "dev ifindex 5"), (Link(index=5, name="v0"), "dev v0")]
)
def test_route_errors_name_the_device_as_the_caller_did(dev: Any, shown: str) -> None:
    h = Recorder()
    with pytest.raises(KernelError) as e:
        route.add(h, dst="10.50.0.0/16", gateway="10.99.0.1", dev=dev)
    assert str(e.value).startswith(f"RTM_NEWROUTE 10.50.0.0/16 via 10.99.0.1 {shown}: ")
    with pytest.raises(KernelError) as e:
        addr.add(h, dev=dev, address="10.0.0.1/24")
    assert f"10.0.0.1/24 {shown}:" in str(e.value)
    with pytest.raises(KernelError) as e:
        neigh.delete(h, dev=dev, dst="10.0.0.2")
    assert f"10.0.0.2 {shown}:" in str(e.value)


def test_nexthop_and_route_attrs_must_be_attrs() -> None:
    refused(lambda: Nexthop(gateway="10.0.0.1", attrs=(5,)), "Attr", (TypeError,))  # type: ignore[arg-type]
    refused(lambda: Nexthop(gateway="10.0.0.1", attrs=(Attr(2**16, b""),)), "65536")
    refused(lambda: Route(dst="10.0.0.0/8", nexthops=5), "nexthops", (TypeError,))  # type: ignore[arg-type]
    refused(lambda: Route(dst="10.0.0.0/8", metrics=[(2,)]), "metrics", (TypeError,))  # type: ignore[list-item]


def test_state_names_keep_their_case_in_errors() -> None:
    assert Neighbour(index=1, dst="10.0.0.2", state="PERMANENT").state == NUD.PERMANENT
    refused(lambda: Neighbour(index=1, dst="10.0.0.2", state="Sleepy"), "'Sleepy'")


def test_a_missing_device_is_not_found_only_when_looked_up() -> None:
    # the recorder refuses the RTM_GETLINK for a name (EPERM): the value checks came first
    h = Recorder()
    with pytest.raises(KernelError) as e:
        route.add(h, dst="10.0.0.0/8", dev="v0")
    assert not isinstance(e.value, NotFound) and h.sent[0][0] == "RTM_GETLINK"


# ---------------------------------------------------------------------------
# red team (tests/privileged/test_rtnl_redteam.py has the kernel side): values the
# kernel would store differently from what was asked are refused, not sent


V4_IFACE = ipaddress.IPv4Interface("10.0.0.254/24")


def test_an_interface_value_with_a_prefix_is_refused_where_an_address_goes() -> None:
    # IPv4Interface is an IPv4Address subclass: its prefix used to vanish silently.
    for call in (
        lambda: Route(dst="10.1.0.0/16", gateway=V4_IFACE),
        lambda: Route(dst="10.1.0.0/16", oif=2, prefsrc=V4_IFACE),
        lambda: Nexthop(gateway=V4_IFACE),
        lambda: Neighbour(index=2, dst=V4_IFACE),
        lambda: Address(index=2, address="10.0.0.1/24", broadcast=V4_IFACE),
        lambda: route.build_get(V4_IFACE),
    ):
        refused(call, "10.0.0.254/24 has a prefix length")
    # a full-length one is an address; a peer given as an interface sets the prefix
    assert Route(dst="10.1.0.0/16", gateway=ipaddress.IPv4Interface("10.0.0.254/32")).gateway
    a = Address(index=2, address="10.9.0.1", peer=ipaddress.IPv4Interface("10.9.0.2/30"))
    assert a.prefixlen == 30 and str(a.peer) == "10.9.0.2"
    refused(lambda: Route(dst=ipaddress.IPv4Interface("10.1.2.3/16"), oif=2), "route dst")


def test_unspecified_addresses_are_refused_not_dropped() -> None:
    for call, needle in (
        (lambda: Route(dst="10.1.0.0/16", gateway="0.0.0.0"), "route gateway 0.0.0.0"),
        (lambda: Route(dst="fd00::/64", gateway="::"), "route gateway ::"),
        (lambda: Route(dst="10.1.0.0/16", oif=2, prefsrc="0.0.0.0"), "route prefsrc 0.0.0.0"),
        (lambda: Nexthop(gateway="0.0.0.0"), "nexthop gateway 0.0.0.0"),
        (lambda: Address(index=2, address="10.0.0.1/24", broadcast="0.0.0.0"), "0.0.0.0"),
    ):
        refused(call, needle)


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: Route(dst="10.1.0.0/16", oif=2, table=0), "route table"),
        (lambda: Route(dst="fd00::/64", oif=2, metric=0), "stored as 1024"),
        (lambda: Route(dst="10.1.0.0/16", oif=2, mtu=65521), "65521"),
        (lambda: Route(dst="10.1.0.0/16", oif=2, metrics=[(2, 1400), (2, 1300)]), "twice"),
        (lambda: Route(dst="10.1.0.0/16", oif=2, mtu=1400, metrics=[(2, 1300)]), "both"),
        (lambda: Route(dst="10.1.0.0/16", oif=2, metrics=[(3, 0)]), "metric 3 value"),
        (lambda: Route(dst="10.1.0.0/16", oif=2, metrics=[(10, 256)]), "256"),
        (lambda: Route(dst="10.1.0.0/16", oif=2, metrics=[(16, b"cubic\0x")]), "NUL"),
        (lambda: Route(dst="10.1.0.0/16", oif=2, onlink=True), "onlink needs a gateway"),
        (lambda: Route(dst="10.1.0.0/16", oif=2, src="10.2.0.0/16"), "10.2.0.0/16"),
        (lambda: Route(dst="fd00::/64", oif=2, tos=4), "IPv4-only"),
        (lambda: Nexthop(weight=2), "a nexthop needs a gateway"),
        (lambda: Route(dst="10.1.0.0/16", oif=2, metrics=bytearray(b"x")), "bytearray"),
    ],
)
def test_route_values_the_kernel_would_store_differently_are_refused(
    make: Callable[[], object], needle: str
) -> None:
    refused(make, needle, (ValueError, TypeError))


def test_route_requests_refuse_what_only_a_lookup_or_the_kernel_sets() -> None:
    h = Recorder()
    looked_up = Route(dst="10.1.2.3/32", oif=2, iif=3)
    cloned = Route(dst="10.1.2.3/32", oif=2, flags=0x200)  # RTM_F_CLONED, as get reports
    for build in (route.build_add, route.build_replace, route.build_delete):
        refused(lambda: build(looked_up), "iif 3")  # noqa: B023
    refused(lambda: route.build_add(cloned), "0x200")
    nothing_sent(h, lambda: route.add(h, looked_up), "iif")
    nothing_sent(h, lambda: route.add_many(h, [cloned]), "flags")
    assert route.build_delete(cloned)  # a delete carries no flag the kernel acts on


def test_ipv6_address_scope_comes_from_the_address() -> None:
    assert Address(index=2, address="fe80::1/64").scope == 253
    assert Address(index=2, address="::1/128").scope == 254
    assert Address(index=2, address="fec0::1/64").scope == 200
    assert Address(index=2, address="2001:db8::1/64", scope="global").scope == 0
    refused(lambda: Address(index=2, address="2001:db8::1/64", scope="link"), "'link'")
    refused(lambda: Address(index=2, address="fe80::1/64", scope=0), "scope link")


def test_an_ipv4_preferred_lifetime_needs_a_valid_one() -> None:
    refused(lambda: Address(index=2, address="10.0.0.1/24", preferred_lft=100), "100")
    assert Address(index=2, address="fd00::1/64", preferred_lft=100).preferred_lft == 100
    assert Address(index=2, address="10.0.0.1/24", valid_lft=200, preferred_lft=100)


def test_neighbour_values_past_what_the_kernel_keeps_are_refused() -> None:
    refused(lambda: Neighbour(index=2, dst="10.0.0.2", state=0x100), "256")
    refused(lambda: Neighbour(index=2, family=1, dst="10.0.0.2"), "family")
    refused(lambda: Neighbour(index=0, dst="10.0.0.2"), "index")
    n = Neighbour(index=2, dst="10.0.0.2", lladdr="02:00:00:00:00:02", state="permanent")
    refused(lambda: neigh.build_add(n, flags=2**32), str(2**32))
    refused(lambda: neigh.build_add(n, flags=0x8), "0x8")  # NLM_F_ECHO is no create flag
    # a proxy entry of no device, as the kernel can report one, still decodes
    raw = struct.pack("=BxxxiHBB", 2, 0, 0, 0x08, 0) + struct.pack("=HH4s", 8, 1, bytes(4))
    assert neigh.parse_neighbour(raw).index == 0


def test_rule_values_the_kernel_would_read_otherwise_are_refused() -> None:
    refused(lambda: rule.build_add(Rule(priority=5, table=5, fwmark=0)), "fwmark=0")
    refused(lambda: rule.build_delete(Rule(priority=5, fwmark=0)), "fwmask")
    assert rule.build_add(Rule(priority=5, table=5, fwmark=0, fwmask=0xFFFFFFFF))
    refused(lambda: Rule(table=5, uid_range=(5, 2**32 - 1)), "4294967295")
    refused(lambda: Rule(table=5, family=128, src="fd00::/64"), "do not match family 128")
    refused(lambda: rule.build_add(Rule(priority=5, table=5), flags=2**32), str(2**32))
    refused(lambda: rule.build_add(Rule(priority=5, table=5), flags=-1), "-1")


def test_rule_delete_needs_a_field() -> None:
    h = Recorder()
    nothing_sent(h, lambda: rule.delete(h), "no field")
    nothing_sent(h, lambda: rule.delete(h, family="inet6"), "no field")
    nothing_sent(h, lambda: rule.delete(h, priority=None), "no field")


def test_an_origin_is_a_namespace_identity() -> None:
    refused(lambda: Route(dst="10.0.0.0/8", oif=2, origin="x"), "'x'", (TypeError,))  # type: ignore[arg-type]
    refused(
        lambda: Address(index=2, address="10.0.0.1/24", origin=(1, 2, 3)), "(1, 2, 3)", (TypeError,)
    )  # type: ignore[arg-type]
    refused(lambda: Neighbour(index=2, dst="10.0.0.2", origin=(1, True)), "(1, True)", (TypeError,))  # type: ignore[arg-type]
    refused(lambda: Rule(table=5, origin=[1, 2]), "[1, 2]", (TypeError,))  # type: ignore[arg-type]
    h = Recorder()
    fake = Link(index=2, name="v0", origin="here")  # type: ignore[arg-type]
    nothing_sent(h, lambda: route.add(h, dst="10.0.0.0/8", dev=fake), "'here'")
