"""Any value in any field of any spec: bytes out, or ValueError/TypeError naming it.

The pure builders are the edge where caller input becomes wire bytes. Each
spec field gets hostile values (integers far outside every C type, negative
numbers, floats, bools, strings, bytes, None, IPv6 where IPv4 is expected...);
the outcome must be either a message or a caller-mistake exception: never
``struct.error``, ``OverflowError``, ``KeyError`` or ``AttributeError``
leaking out of the encoder. No root needed.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawns import addr, link, neigh, nft, route, rule
from rawns.route import Route

HOSTILE = st.one_of(
    st.sampled_from(
        [
            -1,
            0,
            1,
            255,
            256,
            65535,
            65536,
            2**31 - 1,
            2**31,
            2**32 - 1,
            2**32,
            2**63,
            2**64,
            2**100,
            -(2**63),
            True,
            False,
            None,
            0.5,
            float("nan"),
            "",
            "x",
            "1500",
            "10.0.0.1",
            "2001:db8::1",
            "10.0.0.0/33",
            "02:00:00:00:00:01",
            "zz",
            "a" * 300,
            "\0",
            b"\x01\x02",
            (),
            [],
            {},
        ]
    ),
    st.integers(),
    st.text(max_size=20),
)

# Valid base arguments for each spec; the test corrupts one field at a time.
SPECS: dict[str, tuple[Callable[..., Any], dict[str, Any], Callable[[Any], bytes]]] = {
    "Bridge": (link.Bridge, {"name": "br0"}, link.build_add),
    "Veth": (link.Veth, {"name": "v0", "peer": "v1"}, link.build_add),
    "Macvlan": (link.Macvlan, {"name": "mv0", "link": 2}, link.build_add),
    "Vxlan": (link.Vxlan, {"name": "vx0", "vni": 1}, link.build_add),
    "Ifb": (link.Ifb, {"name": "ifb0"}, link.build_add),
    "LinkChange": (link.LinkChange, {"ref": 2, "up": True}, lambda c: link.build_set(c)),
    "Address": (addr.Address, {"index": 2, "address": "10.0.0.1/24"}, addr.build_add),
    "Route": (Route, {"dst": "10.0.0.0/24", "oif": 2}, route.build_add),
    "Rule": (rule.Rule, {"priority": 10, "table": 100}, rule.build_add),
    "Neighbour": (
        neigh.Neighbour,
        {"index": 2, "dst": "10.0.0.2", "lladdr": "02:00:00:00:00:02"},
        neigh.build_add,
    ),
}

SKIP_FIELDS = {"attrs"}  # raw attribute tuples: checked by the codec's own tests

CASES = [
    (spec, f.name)
    for spec, (cls, _, _) in SPECS.items()
    for f in dataclasses.fields(cls)  # type: ignore[arg-type]
    if f.init and f.name not in SKIP_FIELDS
]


def _build(spec: str, field: str, value: Any) -> None:
    cls, base, build = SPECS[spec]
    kw = {**base, field: value}
    try:
        out = build(cls(**kw))
    except (ValueError, TypeError):
        return  # a caller mistake, refused (DecodeError would be a ValueError too)
    assert isinstance(out, bytes) and len(out) >= 16
    struct.unpack_from("=I", out)  # a message came out


@pytest.mark.parametrize(("spec", "field"), CASES, ids=[f"{s}.{f}" for s, f in CASES])
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
@given(value=HOSTILE)
def test_any_value_builds_or_is_refused_as_a_caller_mistake(
    spec: str, field: str, value: Any
) -> None:
    _build(spec, field, value)


NFT_HELPERS: list[tuple[str, Callable[[Any], object]]] = [
    ("port_forward.dport", lambda v: nft.port_forward(v, to="10.0.0.2")),
    ("port_forward.to", lambda v: nft.port_forward(80, to=v)),
    ("port_forward.to_port", lambda v: nft.port_forward(80, to="10.0.0.2", to_port=v)),
    ("port_forward.proto", lambda v: nft.port_forward(80, to="10.0.0.2", proto=v)),
    ("port_forward.iif", lambda v: nft.port_forward(80, to="10.0.0.2", iif=v)),
    ("masquerade.source", lambda v: nft.masquerade(source=v)),
    ("masquerade.oif", lambda v: nft.masquerade(oif=v)),
    ("masquerade.ports", lambda v: nft.masquerade(ports=v)),
    ("snat.to", lambda v: nft.snat(to=v)),
]


@pytest.mark.parametrize(("what", "call"), NFT_HELPERS, ids=[n for n, _ in NFT_HELPERS])
@settings(max_examples=60, deadline=None, database=None)
@given(value=HOSTILE)
def test_nft_helpers_refuse_bad_values_as_caller_mistakes(
    what: str, call: Callable[[Any], object], value: Any
) -> None:
    try:
        exprs = call(value)
    except (ValueError, TypeError):
        return
    for e in exprs:  # type: ignore[attr-defined]
        e.encode()


# nf_tables objects and expressions: constructed, then encoded as the batch would.
def _nft_specs() -> dict[str, tuple[Callable[..., Any], dict[str, Any], Callable[[Any], object]]]:
    from rawns.nft import chains, expr, sets, tables

    def enc(e: Any) -> object:
        return e.encode()

    out: dict[str, tuple[Callable[..., Any], dict[str, Any], Callable[[Any], object]]] = {
        "nft.Table": (nft.Table, {"family": "ip", "name": "t"}, tables.build_add),
        "nft.Chain": (
            nft.Chain,
            {"family": "ip", "table": "t", "name": "c", "type": "filter", "hook": "input"},
            chains.build_add,
        ),
        "nft.Set": (
            nft.Set,
            {"family": "ip", "table": "t", "name": "s", "key_type": 7, "key_len": 4},
            sets.build_add,
        ),
    }
    bases: dict[str, dict[str, Any]] = {
        "Bitwise": {"len": 4, "mask": b"\xff" * 4, "xor": b"\0" * 4, "sreg": 1, "dreg": 1},
        "Cmp": {"data": b"\x01", "op": 0, "sreg": 1},
        "Counter": {},
        "Ct": {"key": 0, "dreg": 1},
        "Immediate": {"data": b"\x01\x02\x03\x04", "dreg": 1},
        "Limit": {"rate": 10, "unit": 1},
        "Log": {"prefix": "x"},
        "Lookup": {"set": "s", "sreg": 1},
        "Masq": {},
        "Meta": {"key": 0, "dreg": 1},
        "Nat": {"type": 0, "family": 2, "reg_addr_min": 1},
        "Payload": {"base": 1, "offset": 12, "len": 4, "dreg": 1},
        "Range": {"low": b"\x00", "high": b"\x01", "op": 0, "sreg": 1},
        "Redir": {},
        "Reject": {"type": 0, "code": 0},
    }
    for name, base in bases.items():
        out[f"nft.{name}"] = (getattr(expr, name), base, enc)
    return out


NFT_SPECS = _nft_specs()
NFT_CASES = [
    (spec, f.name)
    for spec, (cls, _, _) in NFT_SPECS.items()
    for f in dataclasses.fields(cls)  # type: ignore[arg-type]
    if f.init and f.name not in SKIP_FIELDS
]


@pytest.mark.parametrize(("spec", "field"), NFT_CASES, ids=[f"{s}.{f}" for s, f in NFT_CASES])
@settings(max_examples=40, deadline=None, database=None)
@given(value=HOSTILE)
def test_any_value_in_an_nft_object_encodes_or_is_refused(
    spec: str, field: str, value: Any
) -> None:
    cls, base, build = NFT_SPECS[spec]
    try:
        out = build(cls(**{**base, field: value}))
    except (ValueError, TypeError):
        return
    assert isinstance(out, bytes)
