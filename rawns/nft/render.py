"""Render rules, chains, sets and rulesets as nft-like text (for logs and debugging).

The renderer recognises the expression patterns nft itself generates (a
payload load followed by a cmp is ``ip saddr 10.0.0.0/8``, a ct load with a
bitwise and a cmp is ``ct state established,related`` ...) and falls back to
the ``nft --debug=netlink`` form, in brackets, for anything else. It never
raises on odd input: a rule it cannot read is still printed.

>>> from rawns.nft import masquerade, Rule
>>> r = Rule(family="ip", table="nat", chain="postrouting",
...          exprs=tuple(masquerade(source="192.168.15.0/24", not_oif="v-net-0")))
>>> render_rule_body(r)
'ip saddr 192.168.15.0/24 oifname != "v-net-0" masquerade'
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Mapping, Sequence

from .._nfnl import (
    NF_NAT_RANGE,
    NFT_BITWISE,
    NFT_CMP,
    NFT_CT,
    NFT_LIMIT,
    NFT_META,
    NFT_NAT,
    NFT_PAYLOAD,
    NFT_REJECT,
    NFT_SET,
)
from . import _args
from ._codec import Verdict
from ._msg import udata_get
from .chains import PRIORITIES, Chain
from .expr import (
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
    check_exprs,
)
from .expr._match import META_KEYS
from .rules import Rule
from .sets import Element, Set, values_of

__all__ = ["render_chain", "render_rule", "render_rule_body", "render_ruleset", "render_set"]

_OPS = {NFT_CMP.EQ: "", NFT_CMP.NEQ: "!= ", NFT_CMP.LT: "< ", NFT_CMP.LTE: "<= ",
        NFT_CMP.GT: "> ", NFT_CMP.GTE: ">= "}  # fmt: skip
_PROTO_NAMES = {1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp", 132: "sctp"}
_L4 = {6: "tcp", 17: "udp", 132: "sctp", 33: "dccp"}
_IFNAME_KEYS = {NFT_META.IIFNAME, NFT_META.OIFNAME, NFT_META.BRI_IIFNAME, NFT_META.BRI_OIFNAME}
_CT_STATE_NAMES = [
    (1, "invalid"),
    (2, "established"),
    (4, "related"),
    (8, "new"),
    (64, "untracked"),
]
_LOG_LEVELS = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug", "audit"]
_ICMP_CODES = {0: "net-unreachable", 1: "host-unreachable", 2: "prot-unreachable",
               3: "port-unreachable", 9: "net-prohibited", 10: "host-prohibited",
               13: "admin-prohibited"}  # fmt: skip
_ICMPV6_CODES = {0: "no-route", 1: "admin-prohibited", 3: "addr-unreachable",
                 4: "port-unreachable", 5: "policy-fail", 6: "reject-route"}  # fmt: skip
_ICMPX_CODES = {0: "no-route", 1: "port-unreachable", 2: "host-unreachable",
                3: "admin-prohibited"}  # fmt: skip
_UNITS = {1: "second", 60: "minute", 3600: "hour", 86400: "day", 604800: "week"}


def _str_value(data: bytes) -> str:
    if data.endswith(b"\0") or len(data) == 16:
        return '"' + data.split(b"\0", 1)[0].decode("utf-8", "replace") + '"'
    return '"' + data.decode("utf-8", "replace") + '*"'


def _int(data: bytes, order: str = "big") -> int:
    return int.from_bytes(data, order)  # type: ignore[arg-type]  # "big" or "little"


class _Reader:
    """Walks an expression list and turns nft's patterns back into words."""

    def __init__(
        self, exprs: Sequence[Expr], family: str, inline: Mapping[str, str] | None = None
    ) -> None:
        self.e = list(exprs)
        self.inline = inline or {}
        self.i = 0
        self.family = family
        self.version: int | None = {"ip": 4, "ip6": 6}.get(family)
        self.regs: dict[int, bytes] = {}
        self.l4: int | None = None
        self.words: list[str] = []

    def peek(self, k: int = 0) -> Expr | None:
        j = self.i + k
        return self.e[j] if j < len(self.e) else None

    def run(self) -> str:
        while self.i < len(self.e):
            start = self.i
            try:
                self.step()
            except (ValueError, KeyError, IndexError, TypeError):
                self.i = start
            if self.i == start:  # not recognised: debug form
                self.words.append(self.e[self.i].debug())
                self.i += 1
        return " ".join(w for w in self.words if w)

    # each pattern consumes expressions and appends words
    def step(self) -> None:
        e = self.peek()
        if isinstance(e, Meta) and e.dreg is not None:
            self.meta(e)
        elif isinstance(e, Payload) and e.dreg is not None:
            self.payload(e)
        elif isinstance(e, Ct) and e.key == NFT_CT.STATE and e.dreg is not None:
            self.ct_state()
        elif isinstance(e, Immediate):
            self.immediate(e)
        elif isinstance(e, Counter):
            self.words.append(f"counter packets {e.packets} bytes {e.bytes}")
            self.i += 1
        elif isinstance(e, Nat):
            self.words.append(self.nat(e))
            self.i += 1
        elif isinstance(e, Masq):
            self.words.append(self.masq(e))
            self.i += 1
        elif isinstance(e, Redir):
            ports = self.ports(e.reg_proto_min, e.reg_proto_max)
            self.words.append("redirect" + (f" to {ports}" if ports else ""))
            self.i += 1
        elif isinstance(e, Reject):
            self.words.append(self.reject(e))
            self.i += 1
        elif isinstance(e, Limit):
            self.words.append(self.limit(e))
            self.i += 1
        elif isinstance(e, Log):
            self.words.append(self.log(e))
            self.i += 1

    def _compare(self, render_value: object) -> None:
        """Consume cmp / range / lookup after a load; ``render_value(bytes) -> str``."""
        assert callable(render_value)
        nxt = self.peek()
        if isinstance(nxt, Cmp):
            after = self.peek(1)
            if nxt.op == NFT_CMP.GTE and isinstance(after, Cmp) and after.op == NFT_CMP.LTE:
                self.words[-1] += f" {render_value(nxt.data)}-{render_value(after.data)}"
                self.i += 2
                return
            self.words[-1] += f" {_OPS[NFT_CMP(nxt.op)]}{render_value(nxt.data)}"
            self.i += 1
        elif isinstance(nxt, Range):
            neg = "!= " if nxt.op else ""
            self.words[-1] += f" {neg}{render_value(nxt.low)}-{render_value(nxt.high)}"
            self.i += 1
        elif isinstance(nxt, Lookup):
            self.words[-1] += self.lookup(nxt)
            self.i += 1
        else:
            raise ValueError("load without a comparison")

    def lookup(self, e: Lookup) -> str:
        neg = "!= " if e.flags & 1 else ""
        ref = self.inline.get(e.set, f"@{e.set}")  # an anonymous set is shown inline
        if e.dreg == 0:
            return f" vmap {ref}"
        if e.dreg is not None:
            return f" map {ref}"
        return f" {neg}{ref}"

    def meta(self, e: Meta) -> None:
        key = META_KEYS.get(e.key, str(e.key))
        self.i += 1
        nxt = self.peek()
        if e.key == NFT_META.NFPROTO and isinstance(nxt, Cmp) and nxt.op == NFT_CMP.EQ:
            v = nxt.data[0]
            self.version = {2: 4, 10: 6}.get(v, self.version)
            after = self.peek(1)
            self.i += 1
            if isinstance(after, Payload) and after.base == NFT_PAYLOAD.NETWORK_HEADER:
                return  # implied by the ip/ip6 match that follows (nft drops it too)
            self.words.append(f"meta nfproto {({2: 'ipv4', 10: 'ipv6'}).get(v, str(v))}")
            return
        if e.key == NFT_META.L4PROTO and isinstance(nxt, Cmp) and nxt.op == NFT_CMP.EQ:
            after = self.peek(1)
            proto = nxt.data[0]
            if isinstance(after, Payload) and after.base == NFT_PAYLOAD.TRANSPORT_HEADER:
                self.l4 = proto
                self.i += 1
                return  # dependency of the port match that follows
            self.words.append(f"meta l4proto {_PROTO_NAMES.get(proto, str(proto))}")
            self.i += 1
            self.l4 = proto
            return
        if e.key in _IFNAME_KEYS:
            self.words.append(key)
            self._compare(_str_value)
        elif e.key == NFT_META.MARK:
            self.words.append("meta mark")
            self._compare(lambda d: f"0x{_int(d, sys.byteorder):08x}")
        elif e.key == NFT_META.L4PROTO:
            self.words.append("meta l4proto")
            self._compare(lambda d: _PROTO_NAMES.get(d[0], str(d[0])))
        else:
            self.words.append(f"meta {key}")
            self._compare(lambda d: f"0x{d.hex()}")

    def payload(self, e: Payload) -> None:
        self.i += 1
        if e.base == NFT_PAYLOAD.NETWORK_HEADER:
            version = self.version or (6 if e.len == 16 or e.offset in (8, 24) else 4)
            fields = {4: {12: "saddr", 16: "daddr"}, 6: {8: "saddr", 24: "daddr"}}[version]
            name = fields[e.offset]
            full = 4 if version == 4 else 16
            self.words.append(f"{'ip' if version == 4 else 'ip6'} {name}")
            nxt = self.peek()
            if isinstance(nxt, Bitwise) and nxt.op == NFT_BITWISE.MASK_XOR:
                plen = bin(_int(nxt.mask)).count("1")
                self.i += 1
                cmp = self.peek()
                if not isinstance(cmp, Cmp):
                    raise ValueError("masked address without cmp")
                addr = ipaddress.ip_address(cmp.data)
                self.words[-1] += f" {_OPS[NFT_CMP(cmp.op)]}{addr}/{plen}"
                self.i += 1
                return

            def render_addr(d: bytes) -> str:
                padded = d + bytes(full - len(d))
                text = str(ipaddress.ip_address(padded))
                return text if len(d) == full else f"{text}/{len(d) * 8}"

            self._compare(render_addr)
        elif e.base == NFT_PAYLOAD.TRANSPORT_HEADER and e.len == 2 and e.offset in (0, 2):
            proto = _L4.get(self.l4 or 0, "th")
            self.words.append(f"{proto} {'sport' if e.offset == 0 else 'dport'}")
            self._compare(lambda d: str(_int(d)))
        else:
            raise ValueError("unrecognised payload")

    def ct_state(self) -> None:
        single = self.peek(1)
        if isinstance(single, Cmp):  # "ct state [!=] new": no mask for one state
            bits = _int(single.data, sys.byteorder)
            names = [n for b, n in _CT_STATE_NAMES if bits & b]
            self.words.append(f"ct state {_OPS[NFT_CMP(single.op)]}{','.join(names)}")
            self.i += 2
            return
        bw, cmp = self.peek(1), self.peek(2)
        if not (isinstance(bw, Bitwise) and isinstance(cmp, Cmp) and not any(cmp.data)):
            raise ValueError("not a ct state match")
        bits = _int(bw.mask, sys.byteorder)
        names = [n for b, n in _CT_STATE_NAMES if bits & b]
        neg = "!= " if cmp.op == NFT_CMP.EQ else ""
        self.words.append(f"ct state {neg}{','.join(names)}")
        self.i += 3

    def immediate(self, e: Immediate) -> None:
        self.i += 1
        if isinstance(e.data, Verdict):
            self.words.append(str(e.data))
        else:
            self.regs[e.dreg] = e.data

    def ports(self, rmin: int | None, rmax: int | None) -> str:
        if rmin is None:
            return ""
        lo = _int(self.regs[rmin])
        text = f":{lo}"
        if rmax is not None and rmax != rmin:
            text += f"-{_int(self.regs[rmax])}"
        return text

    @staticmethod
    def _flags(flags: int) -> str:
        names = []
        if flags & NF_NAT_RANGE.PROTO_RANDOM:
            names.append("random")
        if flags & NF_NAT_RANGE.PROTO_RANDOM_FULLY:
            names.append("fully-random")
        if flags & NF_NAT_RANGE.PERSISTENT:
            names.append("persistent")
        return (" " + ",".join(names)) if names else ""

    def nat(self, e: Nat) -> str:
        kind = "snat" if e.type == NFT_NAT.SNAT else "dnat"
        fam = ""
        if self.family == "inet":
            fam = " ip" if e.family == 2 else " ip6"
        addr = ""
        if e.reg_addr_min is not None:
            a = ipaddress.ip_address(self.regs[e.reg_addr_min])
            addr = str(a)
            if e.reg_addr_max is not None:
                addr += f"-{ipaddress.ip_address(self.regs[e.reg_addr_max])}"
            ports = self.ports(e.reg_proto_min, e.reg_proto_max)
            if a.version == 6 and ports:
                addr = f"[{addr}]"
            addr += ports
        else:
            addr = self.ports(e.reg_proto_min, e.reg_proto_max)
        return f"{kind}{fam} to {addr}{self._flags(e.flags)}"

    def masq(self, e: Masq) -> str:
        ports = self.ports(e.reg_proto_min, e.reg_proto_max)
        return "masquerade" + (f" to {ports}" if ports else "") + self._flags(e.flags)

    def reject(self, e: Reject) -> str:
        if e.type == NFT_REJECT.TCP_RST:
            return "reject with tcp reset"
        if e.type == NFT_REJECT.ICMPX_UNREACH:
            kind, names, default = "icmpx", _ICMPX_CODES, 1
        elif self.family == "ip6" or self.version == 6:
            kind, names, default = "icmpv6", _ICMPV6_CODES, 4
        else:
            kind, names, default = "icmp", _ICMP_CODES, 3
        if e.code == default:
            return "reject"
        return f"reject with {kind} {names.get(e.code, str(e.code))}"

    @staticmethod
    def limit(e: Limit) -> str:
        unit = _UNITS.get(e.unit, f"{e.unit}s")
        over = "over " if e.flags & 1 else ""
        if e.type == NFT_LIMIT.PKT_BYTES:
            text = f"limit rate {over}{_bytes(e.rate)}/{unit}"
            return text + (f" burst {_bytes(e.burst)}" if e.burst else "")
        text = f"limit rate {over}{e.rate}/{unit}"
        if e.burst != 5:
            text += f" burst {e.burst} packets"
        return text

    @staticmethod
    def log(e: Log) -> str:
        text = "log"
        if e.prefix is not None:
            text += f' prefix "{e.prefix}"'
        if e.group is not None:
            text += f" group {e.group}"
        if e.level is not None and e.level != 4:
            text += f" level {_LOG_LEVELS[e.level] if e.level < len(_LOG_LEVELS) else e.level}"
        return text


def _bytes(n: int) -> str:
    for unit, size in (("mbytes", 1 << 20), ("kbytes", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def render_exprs(
    exprs: Sequence[Expr], family: str = "ip", inline: Mapping[str, str] | None = None
) -> str:
    """An expression list as nft words (``ip saddr 10.0.0.0/8 accept``).

    ``inline`` maps set names to the text shown instead of ``@name``
    (anonymous sets: ``{ 22, 80 }``).
    """
    exprs = check_exprs(exprs, "exprs")
    family = _args.family(family)
    return _Reader(exprs, family, _inline(inline)).run()


def _inline(inline: object) -> Mapping[str, str] | None:
    if inline is not None and not isinstance(inline, Mapping):
        raise TypeError(f"inline must be a mapping of set names to text, not {inline!r:.80}")
    return inline


def render_rule_body(rule: Rule, inline: Mapping[str, str] | None = None) -> str:
    """The rule's statements and comment, as after ``nft add rule FAMILY TABLE CHAIN``."""
    _args.expect(rule, Rule, "rule")
    text = render_exprs(rule.exprs, rule.family, inline)
    if rule.comment is not None:
        text += f' comment "{rule.comment}"'
    return text


def render_rule(rule: Rule) -> str:
    """``add rule FAMILY TABLE CHAIN ...`` (a line ``nft -f`` accepts for nft's patterns)."""
    _args.expect(rule, Rule, "rule")
    return f"add rule {rule.family} {rule.table} {rule.chain} {render_rule_body(rule)}"


# Named priorities that nft only uses on some hooks (src/rule.c: std_prio_family_hook_compat).
_PRIO_HOOKS = {
    "dstnat": ("prerouting", "output"),
    "srcnat": ("postrouting", "input"),
    "out": ("output",),
}


def _priority(chain: Chain) -> str:
    """``filter``, ``filter + 10``, ``srcnat``: nft's names within 10 of a standard value."""
    assert isinstance(chain.priority, int)
    best: tuple[int, str] | None = None
    for name, value in PRIORITIES.get(chain.family, {}).items():
        if chain.hook not in _PRIO_HOOKS.get(name, (chain.hook,)):
            continue
        off = chain.priority - value
        if abs(off) <= 10 and (best is None or abs(off) < abs(best[0])):
            best = (off, name)
    if best is None:
        return str(chain.priority)
    off, name = best
    if off == 0:
        return name
    return f"{name} {'+' if off > 0 else '-'} {abs(off)}"


def render_chain(
    chain: Chain,
    rules: Sequence[Rule] = (),
    indent: str = "\t",
    inline: Mapping[str, str] | None = None,
) -> str:
    """A chain and its rules in nft's ``list`` layout."""
    _args.expect(chain, Chain, "chain")
    for r in _args.expect(rules, Sequence, "rules"):  # type: ignore[type-abstract]  # an ABC check
        _args.expect(r, Rule, "rules[]")
    _args.expect(indent, str, "indent")
    inline = _inline(inline)
    lines = [f"{indent}chain {chain.name} {{"]
    if chain.comment is not None:
        lines.append(f'{indent}\tcomment "{chain.comment}"')
    if chain.is_base:
        dev = ""
        if chain.devices:
            devs = ", ".join(f'"{d}"' for d in chain.devices)
            dev = f" device {devs}" if len(chain.devices) == 1 else f" devices = {{ {devs} }}"
        policy = f" policy {chain.policy};" if chain.policy else ""
        lines.append(
            f"{indent}\ttype {chain.type} hook {chain.hook}{dev} priority {_priority(chain)};"
            f"{policy}"
        )
    lines += [f"{indent}\t{render_rule_body(r, inline)}" for r in rules]
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def _value_text(s: Set, v: object, which: str = "key") -> str:
    name = s.key if which == "key" else (s.data or "")
    if isinstance(v, tuple) and len(v) == 2:
        if which == "key" and s.is_map:
            return f"{_value_text(s, v[0])} : {_value_text(s, v[1], 'data')}"
        return f"{_value_text(s, v[0], which)}-{_value_text(s, v[1], which)}"
    if isinstance(v, Verdict):
        return str(v)
    if name == "mark" and isinstance(v, int):
        return f"0x{v:08x}"
    if name == "inet_proto" and isinstance(v, int):
        return _PROTO_NAMES.get(v, str(v))
    if isinstance(v, str):
        return f'"{v}"' if name == "ifname" else v
    return str(v)


def _elements_text(s: Set, elements: Sequence[Element]) -> str:
    try:
        values = values_of(s, elements)
    except ValueError:
        return ", ".join(e.key.hex() for e in elements)
    if not s.is_interval:  # nft lists a hash set's elements in key order
        order = sys.byteorder if s.key == "mark" else "big"
        keyed = sorted(zip(elements, values, strict=True), key=lambda p: _int(p[0].key, order))
        values = [v for _, v in keyed]
    return ", ".join(_value_text(s, v) for v in values)


def _duration(ms: int) -> str:
    out = ""
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)):
        if ms >= size:
            out += f"{ms // size}{unit}"
            ms %= size
    return out + (f"{ms}ms" if ms or not out else "")


def render_set(s: Set, elements: Sequence[Element] = (), indent: str = "\t") -> str:
    """A set or map in nft's ``list`` layout."""
    _args.expect(s, Set, "s")
    for e in _args.expect(elements, Sequence, "elements"):  # type: ignore[type-abstract]  # an ABC
        _args.expect(e, Element, "elements[]")
    _args.expect(indent, str, "indent")
    kind = "map" if s.is_map else "set"
    ind = indent + "\t"
    lines = [f"{indent}{kind} {s.name} {{"]
    typ = s.key if s.data is None else f"{s.key} : {s.data}"
    lines.append(f"{ind}type {typ}")
    if s.policy is not None:
        lines.append(f"{ind}policy {'memory' if s.policy else 'performance'}")
    if s.size is not None:
        lines.append(f"{ind}size {s.size}")
    flags = []
    if s.flags & NFT_SET.CONSTANT:
        flags.append("constant")
    if s.flags & NFT_SET.INTERVAL:
        flags.append("interval")
    if s.flags & NFT_SET.TIMEOUT and s.timeout is None:
        flags.append("timeout")
    if flags:
        lines.append(f"{ind}flags {','.join(flags)}")
    if s.timeout is not None:
        lines.append(f"{ind}timeout {_duration(s.timeout)}")
    if udata_get(s.userdata, 2):  # NFTNL_UDATA_SET_MERGE_ELEMENTS
        lines.append(f"{ind}auto-merge")
    if s.comment is not None:
        lines.append(f'{ind}comment "{s.comment}"')
    if elements:
        lines.append(f"{ind}elements = {{ {_elements_text(s, elements)} }}")
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def render_ruleset(rs: object) -> str:
    """A :class:`~rawns.nft.Ruleset` in nft's ``list ruleset`` layout."""
    from .ruleset import Ruleset

    rs = _args.expect(rs, Ruleset, "rs")
    out: list[str] = []
    for t in rs.tables:
        out.append(f"table {t.family} {t.name} {{")
        flags = [n for bit, n in ((1, "dormant"), (2, "owner")) if t.flags & bit]
        if flags:
            out.append(f"\tflags {','.join(flags)}")
        if t.comment is not None:
            out.append(f'\tcomment "{t.comment}"')
        body: list[str] = []
        inline: dict[str, str] = {}
        for s in rs.sets:
            if (s.family, s.table) != (t.family, t.name):
                continue
            elems = rs.elements.get((s.family, s.table, s.name), ())
            if s.flags & NFT_SET.ANONYMOUS:
                inline[s.name] = "{ " + _elements_text(s, elems) + " }"
            else:
                body.append(render_set(s, elems))
        for c in rs.chains:
            if (c.family, c.table) == (t.family, t.name):
                body.append(render_chain(c, rs.rules_of(c), inline=inline))
        if body:
            out.append("\n\n".join(body))
        out.append("}")
    return "\n".join(out)
