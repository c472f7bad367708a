"""Expression lists back into nft's words: the pattern reader behind rawns.nft.render.

The reader recognises the expression patterns nft itself generates (a
payload load followed by a cmp is ``ip saddr 10.0.0.0/8``, a ct load with a
bitwise and a cmp is ``ct state established,related`` ...) and falls back to
the ``nft --debug=netlink`` form, in brackets, for anything else. It never
raises on odd input: a rule it cannot read is still printed. It knows
expressions only; the objects (rules, chains, sets, rulesets) render
themselves with it (:mod:`rawns.nft.render` gathers them).
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
)
from . import _args
from ._codec import Verdict
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

__all__ = ["PROTO_NAMES", "int_of", "mapping_of_names", "render_exprs"]

_OPS = {NFT_CMP.EQ: "", NFT_CMP.NEQ: "!= ", NFT_CMP.LT: "< ", NFT_CMP.LTE: "<= ",
        NFT_CMP.GT: "> ", NFT_CMP.GTE: ">= "}  # fmt: skip
PROTO_NAMES = {1: "icmp", 2: "igmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp", 132: "sctp"}
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


def int_of(data: bytes, order: str = "big") -> int:
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
            self.words.append(f"meta l4proto {PROTO_NAMES.get(proto, str(proto))}")
            self.i += 1
            self.l4 = proto
            return
        if e.key in _IFNAME_KEYS:
            self.words.append(key)
            self._compare(_str_value)
        elif e.key == NFT_META.MARK:
            self.words.append("meta mark")
            self._compare(lambda d: f"0x{int_of(d, sys.byteorder):08x}")
        elif e.key == NFT_META.L4PROTO:
            self.words.append("meta l4proto")
            self._compare(lambda d: PROTO_NAMES.get(d[0], str(d[0])))
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
                plen = bin(int_of(nxt.mask)).count("1")
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
            self._compare(lambda d: str(int_of(d)))
        else:
            raise ValueError("unrecognised payload")

    def ct_state(self) -> None:
        single = self.peek(1)
        if isinstance(single, Cmp):  # "ct state [!=] new": no mask for one state
            bits = int_of(single.data, sys.byteorder)
            names = [n for b, n in _CT_STATE_NAMES if bits & b]
            self.words.append(f"ct state {_OPS[NFT_CMP(single.op)]}{','.join(names)}")
            self.i += 2
            return
        bw, cmp = self.peek(1), self.peek(2)
        if not (isinstance(bw, Bitwise) and isinstance(cmp, Cmp) and not any(cmp.data)):
            raise ValueError("not a ct state match")
        bits = int_of(bw.mask, sys.byteorder)
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
        lo = int_of(self.regs[rmin])
        text = f":{lo}"
        if rmax is not None and rmax != rmin:
            text += f"-{int_of(self.regs[rmax])}"
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
    return _Reader(exprs, family, mapping_of_names(inline)).run()


def mapping_of_names(inline: object) -> Mapping[str, str] | None:
    if inline is not None and not isinstance(inline, Mapping):
        raise TypeError(f"inline must be a mapping of set names to text, not {inline!r:.80}")
    return inline
