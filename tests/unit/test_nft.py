"""rawns.nft without root: codec properties, unknown expressions, transactions, sets.

The transaction tests drive a fake channel that answers like the kernel
(acks and errors by sequence number), so error attribution and the
"nothing sent if the block raises" rule are checked without a namespace.
"""

from __future__ import annotations

import errno
import ipaddress
import struct
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns import nft
from rawns._conversation import Ack, Error
from rawns._nfnl import NFNL_MSG_BATCH_BEGIN, NFT_MSG, NFTA_LIST, nft_type
from rawns._wire import NLA_F_NESTED, iter_messages
from rawns.errors import DecodeError, InvalidArgument, NotFound
from rawns.nft import match as m
from rawns.nft._codec import attr, be32, nest, strz
from rawns.nft.chains import Chain, priority_value
from rawns.nft.expr import (
    REGISTRY,
    Bitwise,
    Cmp,
    Counter,
    Ct,
    Expr,
    Immediate,
    Limit,
    Log,
    Lookup,
    Masq,
    Meta,
    Nat,
    Payload,
    Range,
    Redir,
    Reject,
    Unknown,
    Verdict,
    decode_exprs,
    encode_exprs,
)
from rawns.nft.render import render_ruleset
from rawns.nft.sets import elements_for, set_spec, values_of
from tests.unit.nft_cases import FakeHandle

# ---------------------------------------------------------------------------
# properties: decode(encode(x)) == x for every expression kind

regs = st.integers(min_value=0, max_value=23)
u32 = st.integers(min_value=0, max_value=0xFFFFFFFF)
small = st.integers(min_value=0, max_value=64)
data = st.binary(min_size=1, max_size=16)
opt_reg = st.one_of(st.none(), regs)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=20)
verdicts = st.one_of(
    st.sampled_from(["accept", "drop", "return", "continue", "break", "queue"]).map(Verdict),
    st.tuples(st.sampled_from(["jump", "goto"]), names).map(lambda t: Verdict(*t)),
)

EXPRS: st.SearchStrategy[Expr] = st.one_of(
    st.builds(Payload, base=st.integers(0, 3), offset=small, len=st.integers(1, 16), dreg=regs),
    st.builds(
        Payload,
        base=st.integers(0, 3),
        offset=small,
        len=st.integers(1, 16),
        dreg=st.none(),
        sreg=regs,
        csum_type=st.integers(1, 2),
        csum_offset=small,
        csum_flags=st.integers(0, 1),
    ),
    st.builds(Cmp, data=data, op=st.integers(0, 5), sreg=regs),
    st.builds(Range, low=data, high=data, op=st.integers(0, 1), sreg=regs),
    st.builds(Meta, key=st.integers(0, 34), dreg=regs),
    st.builds(Meta, key=st.integers(0, 34), dreg=st.none(), sreg=regs),
    st.integers(1, 16).flatmap(
        lambda n: st.builds(
            Bitwise,
            len=st.just(n),
            mask=st.binary(min_size=n, max_size=n),
            xor=st.binary(min_size=n, max_size=n),
            sreg=regs,
            dreg=regs,
        )
    ),
    st.builds(
        Ct, key=st.integers(0, 23), dreg=regs, direction=st.one_of(st.none(), st.integers(0, 1))
    ),
    st.builds(Lookup, set=names, sreg=regs, dreg=opt_reg, flags=st.integers(0, 1)),
    st.builds(Immediate, data=data, dreg=st.integers(1, 23)),
    st.builds(Immediate, data=verdicts, dreg=st.just(0)),
    st.builds(Counter, packets=u32, bytes=u32),
    st.builds(
        Nat,
        type=st.integers(0, 1),
        family=st.sampled_from([2, 10]),
        reg_addr_min=st.just(1),
        reg_addr_max=st.one_of(st.none(), st.just(2)),
        reg_proto_min=st.one_of(st.none(), st.just(3)),
        reg_proto_max=st.one_of(st.none(), st.just(4)),
        flags=st.sampled_from([0, 2, 4, 8, 16, 12]),
    ),
    st.builds(Masq, flags=st.sampled_from([0, 4, 16]), reg_proto_min=opt_reg),
    st.builds(Redir, reg_proto_min=opt_reg, flags=st.sampled_from([0, 2])),
    st.builds(Reject, type=st.integers(0, 2), code=st.integers(0, 255)),
    st.builds(
        Limit,
        rate=u32,
        unit=st.sampled_from([1, 60, 3600]),
        burst=st.integers(1, 100),
        type=st.integers(0, 1),
        flags=st.integers(0, 1),
    ),
    st.builds(
        Log,
        prefix=st.one_of(st.none(), names),
        level=st.one_of(st.none(), st.integers(0, 7)),
        flags=st.one_of(st.none(), st.integers(1, 0x2F)),
    ),
    st.builds(Log, group=st.integers(0, 0xFFFF), snaplen=st.one_of(st.none(), u32)),
)


@given(st.lists(EXPRS, max_size=8))
@settings(max_examples=300)
def test_decode_encode_round_trip(exprs: list[Expr]) -> None:
    raw = encode_exprs(exprs)
    back = decode_exprs(raw)
    assert back == tuple(exprs)
    assert encode_exprs(back) == raw


def test_every_registered_kind_is_exercised() -> None:
    assert set(REGISTRY) == {
        "payload", "cmp", "range", "meta", "bitwise", "ct", "lookup", "immediate",
        "counter", "nat", "masq", "redir", "reject", "limit", "log",
    }  # fmt: skip


# ---------------------------------------------------------------------------
# unknown expressions stay byte-exact


def _elem(name: str, body: bytes, *, nested_flag: bool = True) -> bytes:
    flag = NLA_F_NESTED if nested_flag else 0
    inner = strz(1, name) + attr(2 | flag, body)
    return attr(NFTA_LIST.ELEM | flag, inner)


@pytest.mark.parametrize("nested_flag", [True, False])
def test_unknown_expression_reencodes_byte_for_byte(nested_flag: bool) -> None:
    raw = (
        m.accept().encode()
        + _elem("fib", be32(1, 1) + be32(2, 3) + be32(3, 1), nested_flag=nested_flag)
        + Counter().encode()
    )
    exprs = decode_exprs(raw)
    assert isinstance(exprs[1], Unknown) and exprs[1].name == "fib"
    assert encode_exprs(exprs) == raw
    assert "fib" in exprs[1].debug()


def test_known_expression_with_an_unknown_attribute_becomes_unknown() -> None:
    raw = _elem("meta", be32(2, 6) + be32(1, 1) + be32(9, 0))  # attribute 9 is no NFTA_META_*
    (e,) = decode_exprs(raw)
    assert isinstance(e, Unknown) and e.name == "meta"
    assert e.encode() == raw


def test_unknown_build_matches_a_real_encoding() -> None:
    real = Meta(key=6)
    assert Unknown.build("meta", real.encode_data()).encode() == real.encode()


@pytest.mark.parametrize(
    "raw",
    [
        _elem("cmp", be32(1, 1)),  # no op/data
        _elem("meta", be32(2, 6)[:6]),  # truncated attribute
        _elem("payload", be32(2, 1) + be32(3, 12)),  # no len
        nest(7, b""),  # not a list element
        _elem("reject", be32(2, 1)),  # no type (code is u8: 2 is ICMP_CODE w/ wrong size)
    ],
)
def test_malformed_expressions_raise_decode_error(raw: bytes) -> None:
    with pytest.raises(DecodeError):
        decode_exprs(raw)


def test_kernel_dump_form_normalises_to_request_form() -> None:
    # nft sends "nat dnat ip addr_min reg 1 proto_min reg 2 flags 0x2"; the kernel
    # reports max registers equal to the min and adds NF_NAT_RANGE_MAP_IPS.
    dumped = attr(
        NFTA_LIST.ELEM,
        strz(1, "nat")
        + attr(
            2,
            be32(1, 1)
            + be32(2, 2)
            + be32(3, 1)
            + be32(4, 1)
            + be32(5, 2)
            + be32(6, 2)
            + be32(7, 3),
        ),
    )
    (e,) = decode_exprs(dumped)
    assert e == Nat(type=1, family=2, reg_addr_min=1, reg_proto_min=2, flags=2)


def test_log_equality_follows_the_kernel_default_level() -> None:
    assert Log() == Log(level=4)
    assert hash(Log()) == hash(Log(level=4))
    assert Log() != Log(level=7)
    assert Log(group=1) != Log(group=1, level=4)


def test_verdict_validation() -> None:
    with pytest.raises(ValueError, match="needs a chain"):
        Verdict("jump")
    with pytest.raises(ValueError, match=r"Verdict\.kind must be one of"):
        Verdict("allow")
    with pytest.raises(ValueError, match="takes no chain"):
        Verdict("accept", "x")


# ---------------------------------------------------------------------------
# helpers, matches, chains


def test_masquerade_matches_the_seed_line() -> None:
    exprs = nft.masquerade(source="192.168.15.0/24")
    assert [e.debug() for e in exprs] == [
        "[ payload load 3b @ network header + 12 => reg 1 ]",
        "[ cmp eq reg 1 0x000fa8c0 ]",
        "[ masq ]",
    ]


def test_port_forward_ipv6_uses_ip6_nat_family() -> None:
    exprs = nft.port_forward(80, to="fd00::2", to_port=8080, daddr="2001:db8::1")
    nat = exprs[-1]
    assert isinstance(nat, Nat) and nat.family == 10 and nat.flags == 2
    assert exprs[-3] == Immediate(data=ipaddress.ip_address("fd00::2").packed, dreg=1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nft.masquerade(oif="a", not_oif="b"), "not both"),
        (lambda: nft.masquerade(ports=(1, 2)), "needs proto"),
        (lambda: nft.port_forward(80, to="10.0.0.1", daddr="fd00::1"), "mix IPv4 and IPv6"),
        (lambda: nft.port_forward(80, to="not-an-ip"), "not an IP"),
        (lambda: nft.port_forward(80, to="10.0.0.1", proto="icmp"), "port protocol"),
        (lambda: nft.snat(to="10.0.0.1", ports=(1, 2)), "needs proto"),
        (lambda: m.ct_state("bogus"), "state must be one of invalid"),
        (lambda: m.ifname("iif", "x" * 16), "at most 15"),
        (lambda: m.port("dport", "tcp", 70000), "0..65535"),
        (lambda: nft.filter_rule(dport=22), "needs proto"),
    ],
)
def test_helper_mistakes_are_value_errors(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_filter_reject_follows_the_table_family() -> None:
    assert nft.filter_rule("reject")[-1] == Reject(type=0, code=3)
    assert nft.filter_rule("reject", saddr="fd00::1")[-1] == Reject(type=0, code=4)
    assert nft.filter_rule("reject", table_family="inet")[-1] == Reject(type=2, code=1)


@pytest.mark.parametrize(
    ("family", "prio", "value"),
    [
        ("ip", "srcnat", 100),
        ("ip", "dstnat", -100),
        ("inet", "filter + 10", 10),
        ("ip6", "mangle - 5", -155),
        ("bridge", "filter", -200),
        ("ip", -300, -300),
        ("ip", "42", 42),
    ],
)
def test_named_priorities(family: str, prio: int | str, value: int) -> None:
    assert priority_value(family, prio) == value


def test_chain_validation() -> None:
    with pytest.raises(ValueError, match="together"):
        Chain(family="ip", table="t", name="c", type="filter", hook="input")
    with pytest.raises(ValueError, match="does not exist in family"):
        Chain(family="ip", table="t", name="c", type="filter", hook="ingress", priority=0)
    with pytest.raises(ValueError, match="unknown priority"):
        Chain(family="ip", table="t", name="c", type="nat", hook="input", priority="nope")
    with pytest.raises(ValueError, match="unknown nf_tables family"):
        nft.Table(family="ipx", name="t")
    c = Chain(family="ip", table="t", name="c", type="nat", hook="postrouting", priority="srcnat")
    assert c.priority == 100 and c.is_base


# ---------------------------------------------------------------------------
# sets: values <-> elements


def test_interval_elements_like_nft_and_back() -> None:
    t = nft.Table(family="inet", name="t")
    s = set_spec(t, "s", key="ipv4_addr", interval=True)
    elems = elements_for(s, ["10.1.0.0/16", "192.168.0.0/24", ("10.9.0.1", "10.9.0.9")])
    assert [(e.key.hex(), e.flags) for e in elems] == [
        ("00000000", 1),
        ("0a010000", 0),
        ("0a020000", 1),
        ("0a090001", 0),
        ("0a09000a", 1),
        ("c0a80000", 0),
        ("c0a80100", 1),
    ]
    assert values_of(s, list(reversed(elems))) == [
        ipaddress.ip_network("10.1.0.0/16"),
        (ipaddress.ip_address("10.9.0.1"), ipaddress.ip_address("10.9.0.9")),
        ipaddress.ip_network("192.168.0.0/24"),
    ]


def test_interval_to_the_top_is_an_open_interval() -> None:
    s = set_spec(nft.Table(family="ip", name="t"), "s", key="inet_service", interval=True)
    elems = elements_for(s, [(1024, 65535)])
    assert elems[-1].userdata == b"\x01\x04\x01\x00\x00\x00"
    assert values_of(s, elems) == [(1024, 65535)]


def test_overlapping_intervals_are_refused_unless_auto_merge() -> None:
    t = nft.Table(family="ip", name="t")
    s = set_spec(t, "s", key="ipv4_addr", interval=True)
    with pytest.raises(ValueError, match="overlapping"):
        elements_for(s, ["10.0.0.0/8", "10.1.0.0/16"])
    merged = set_spec(t, "s", key="ipv4_addr", interval=True, auto_merge=True)
    assert values_of(merged, elements_for(merged, ["10.0.0.0/8", "10.1.0.0/16", "11.0.0.0/8"])) == [
        ipaddress.ip_network("10.0.0.0/7")
    ]


def test_map_values() -> None:
    t = nft.Table(family="ip", name="t")
    vm = set_spec(t, "vm", key="inet_service", data="verdict")
    elems = elements_for(vm, {80: "jump web", 443: Verdict("accept")})
    assert values_of(vm, elems) == [(80, Verdict("jump", "web")), (443, Verdict("accept"))]
    dm = set_spec(t, "dm", key="ipv4_addr", data="ipv4_addr")
    with pytest.raises(TypeError, match="pair"):
        elements_for(dm, ["10.0.0.1"])


# ---------------------------------------------------------------------------
# transactions against a fake kernel


@dataclass
class FakeChannel:
    """Answers a batch like nfnetlink: an Error for refused indexes, Acks for the rest."""

    refuse: dict[int, tuple[int, str]] = field(default_factory=dict)  # batch index -> errno, text
    sent: list[list[bytes]] = field(default_factory=list)

    def batch(self, msgs: list[bytes], *, acked: list[bool], op: str) -> list[Any]:
        self.sent.append(list(msgs))
        out: list[Any] = []
        for i, (msg, want) in enumerate(zip(msgs, acked, strict=True)):
            seq = 100 + i
            if i in self.refuse:
                code, text = self.refuse[i]
                mtype = struct.unpack_from("=H", msg, 4)[0]
                out.append(Error(seq, code, text, None, None, mtype))
            else:
                out.append(Ack(seq) if want else None)
        return out


def _tx(channel: FakeChannel, **kw: Any) -> nft.Transaction:
    return nft.Transaction(FakeHandle(channel), **kw)


def _seed(tx: nft.Transaction) -> None:
    nat = tx.add_table("ip", "nat")
    post = tx.add_chain(nat, "postrouting", type="nat", hook="postrouting", priority="srcnat")
    tx.add_rule(post, [m.jump("nowhere")])
    tx.add_rule(post, nft.masquerade(source="192.168.15.0/24", not_oif="v-net-0"))


def test_nothing_is_sent_if_the_block_raises() -> None:
    ch = FakeChannel()
    with pytest.raises(RuntimeError, match="boom"), _tx(ch) as tx:
        _seed(tx)
        raise RuntimeError("boom")
    assert ch.sent == []


def test_one_batch_with_begin_and_end_and_acks_requested() -> None:
    ch = FakeChannel()
    with _tx(ch) as tx:
        _seed(tx)
    (msgs,) = ch.sent
    types = [struct.unpack_from("=H", x, 4)[0] for x in msgs]
    assert types[0] == NFNL_MSG_BATCH_BEGIN and types[-1] == 0x11
    assert types[1:-1] == [nft_type(t) for t in (NFT_MSG.NEWTABLE, NFT_MSG.NEWCHAIN, 6, 6)]
    flags = [struct.unpack_from("=H", x, 6)[0] & 4 for x in msgs]
    assert flags == [0, 0, 0, 0, 4, 0]  # NLM_F_ACK on the last object only


def test_ack_every_asks_on_every_object() -> None:
    ch = FakeChannel()
    with _tx(ch, ack_every=True) as tx:
        _seed(tx)
    flags = [struct.unpack_from("=H", x, 6)[0] & 4 for x in ch.sent[0]]
    assert flags == [0, 4, 4, 4, 4, 0]


def test_a_missing_final_ack_is_an_error() -> None:
    class Silent(FakeChannel):
        def batch(self, msgs: list[bytes], *, acked: list[bool], op: str) -> list[Any]:
            return [None] * len(msgs)

    tx = _tx(Silent())
    _seed(tx)
    with pytest.raises(OSError, match="no acknowledgement"):
        tx.commit()


def test_the_error_names_the_refused_object() -> None:
    ch = FakeChannel(refuse={3: (errno.ENOENT, "Could not process rule: chain nowhere")})
    tx = _tx(ch)
    _seed(tx)
    with pytest.raises(NotFound) as info:
        tx.commit()
    err = info.value
    assert err.op == "NFT_MSG_NEWRULE"
    assert err.target == "#3 rule ip nat postrouting: jump nowhere"
    assert err.extack == "Could not process rule: chain nowhere"
    assert "jump nowhere" in str(err) and "(ENOENT)" in str(err)
    assert tx.failed_index == 2 and isinstance(tx.failed, nft.Rule)


def test_cascaded_errors_become_notes() -> None:
    ch = FakeChannel(refuse={2: (errno.EINVAL, "bad hook"), 4: (errno.ENOENT, "no chain")})
    tx = _tx(ch)
    _seed(tx)
    with pytest.raises(InvalidArgument) as info:
        tx.commit()
    assert "chain ip nat postrouting" in info.value.target
    assert any("also refused: #4" in n for n in info.value.__notes__)


def test_generation_check_puts_the_genid_in_begin_and_maps_erestart() -> None:
    ch = FakeChannel(refuse={0: (errno.ERESTART, "")})
    tx = _tx(ch, check_generation=41)
    _seed(tx)
    with pytest.raises(nft.GenerationChanged, match="changed since generation 41"):
        tx.commit()
    begin = ch.sent[0][0]
    assert begin[20:] == be32(1, 41)  # NFNL_BATCH_GENID


def test_build_is_the_pure_twin_of_commit() -> None:
    tx = nft.Transaction(None)
    _seed(tx)
    raw = tx.build(first_seq=7, ack=False)
    seqs = [seq for _, _, seq, _, _, _ in iter_messages(raw)]
    assert seqs == [7, 8, 9, 10, 11, 12]
    with pytest.raises(ValueError, match="without a handle"):
        tx.commit()


def test_a_transaction_commits_once_and_empty_sends_nothing() -> None:
    ch = FakeChannel()
    tx = _tx(ch)
    tx.commit()
    assert ch.sent == []
    with pytest.raises(RuntimeError, match="already committed"):
        tx.commit()


def test_lookups_of_sets_in_the_same_batch_carry_the_set_id() -> None:
    tx = nft.Transaction(None)
    t = tx.add_table("inet", "t")
    c = tx.add_chain(t, "c")
    tx.add_set(t, "first")
    tx.add_set(t, "allowed")
    r = tx.add_rule(c, m.in_set(m.ip_addr("saddr", "0.0.0.1"), "allowed"))
    (lookup,) = [e for e in r.exprs if isinstance(e, Lookup)]
    assert lookup.set_id == 2


def test_render_ruleset_layout() -> None:
    t = nft.Table(family="ip", name="nat")
    c = Chain(
        family="ip", table="nat", name="post", type="nat", hook="postrouting",
        priority=100, policy="accept",
    )  # fmt: skip
    r = nft.Rule(family="ip", table="nat", chain="post", exprs=tuple(nft.masquerade(oif="eth0")))
    text = render_ruleset(nft.Ruleset(tables=(t,), chains=(c,), rules=(r,)))
    assert text == (
        "table ip nat {\n"
        "\tchain post {\n"
        "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        '\t\toifname "eth0" masquerade\n'
        "\t}\n"
        "}"
    )


def test_render_falls_back_to_debug_form() -> None:
    r = nft.Rule(
        family="ip", table="t", chain="c",
        exprs=(Payload(base=0, offset=6, len=6), Cmp(data=b"\x00" * 6), m.accept()),
    )  # fmt: skip
    assert str(r).startswith("add rule ip t c [ payload load 6b @ link header + 6 => reg 1 ]")


def test_attribute_at_names_where_the_kernel_points() -> None:
    from rawns.nft import rules as nft_rules
    from rawns.nft.transaction import attribute_at

    r = nft.Rule(family="ip", table="t", chain="c", exprs=(m.counter(), m.jump("nowhere")))
    msg = nft_rules.build_add(r)
    chain_attr = msg.index(b"c\0") - 4  # NFTA_RULE_CHAIN's header
    assert attribute_at(msg, chain_attr) == "NFTA_RULE_CHAIN"
    inside = msg.index(b"nowhere")
    assert attribute_at(msg, inside).startswith("NFTA_RULE_EXPRESSIONS > expression #2 (immediate)")
    assert attribute_at(msg, 0) == ""


@given(st.lists(st.tuples(st.integers(0, 65535), st.integers(0, 200)), max_size=12))
@settings(max_examples=200)
def test_port_intervals_round_trip(spans: list[tuple[int, int]]) -> None:
    s = set_spec(nft.Table(family="inet", name="t"), "p", key="inet_service", interval=True)
    # non-overlapping, non-adjacent ranges (adjacent ones stay separate but read back merged)
    ranges: list[tuple[int, int]] = []
    for lo, width in sorted(spans):
        hi = min(lo + width, 65535)
        if ranges and lo <= ranges[-1][1] + 1:
            continue
        ranges.append((lo, hi))
    elems = elements_for(s, [r if r[0] != r[1] else r[0] for r in ranges])
    want = [r if r[0] != r[1] else r[0] for r in ranges]
    assert values_of(s, list(reversed(elems))) == want
