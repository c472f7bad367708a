"""Policy routing rules (``ip rule``): add, delete, dump.

A rule is a ``fib_rule_hdr`` and ``FRA_*`` attributes. :class:`Rule` is both
what the kernel reports and the spec the ``build_*`` functions encode; the
fields you leave unset are simply not sent, which is also how the kernel
matches a rule to delete (net/core/fib_rules.c: rule_find compares only what
the request carries).

>>> r = Rule(priority=100, src="10.0.0.0/8", table=100)
>>> r.family, r.src, r.action.name
(2, IPv4Network('10.0.0.0/8'), 'TO_TBL')
>>> parse_rule(build_add(r)[16:]) == r
True
"""

from __future__ import annotations

import dataclasses
import socket
import struct
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network
from typing import TYPE_CHECKING, TypedDict

from ._check import check_uint
from ._rtnl import FIB_RULE, FIB_RULE_HDR, FR_ACT, FRA, NLM_F, RT_TABLE, RTM, check_ifname
from ._wire import (
    NLA_TYPE_MASK,
    Attr,
    Writer,
    attr_be64,
    attr_str,
    attr_u8,
    attr_u32,
    iter_attrs,
)
from .errors import DecodeError

if TYPE_CHECKING:
    from typing import Unpack

    from .handle import Handle

__all__ = [
    "Rule",
    "RuleFields",
    "add",
    "build_add",
    "build_delete",
    "build_dump",
    "delete",
    "dump",
    "parse_rule",
]

IPNetwork = IPv4Network | IPv6Network

#: RTNL_FAMILY_IPMR / RTNL_FAMILY_IP6MR: multicast routing rules, dumped with AF_UNSPEC.
RTNL_FAMILY_IPMR = 128
RTNL_FAMILY_IP6MR = 129

_FRA_DST = int(FRA.DST)
_FRA_SRC = int(FRA.SRC)
_FRA_IIFNAME = int(FRA.IIFNAME)
_FRA_GOTO = int(FRA.GOTO)
_FRA_PRIORITY = int(FRA.PRIORITY)
_FRA_FWMARK = int(FRA.FWMARK)
_FRA_FLOW = int(FRA.FLOW)
_FRA_TUN_ID = int(FRA.TUN_ID)
_FRA_SUPPRESS_IFGROUP = int(FRA.SUPPRESS_IFGROUP)
_FRA_SUPPRESS_PREFIXLEN = int(FRA.SUPPRESS_PREFIXLEN)
_FRA_TABLE = int(FRA.TABLE)
_FRA_FWMASK = int(FRA.FWMASK)
_FRA_OIFNAME = int(FRA.OIFNAME)
_FRA_L3MDEV = int(FRA.L3MDEV)
_FRA_UID_RANGE = int(FRA.UID_RANGE)
_FRA_PROTOCOL = int(FRA.PROTOCOL)
_FRA_IP_PROTO = int(FRA.IP_PROTO)
_FRA_SPORT_RANGE = int(FRA.SPORT_RANGE)
_FRA_DPORT_RANGE = int(FRA.DPORT_RANGE)

_UID_RANGE = struct.Struct("=II")
_PORT_RANGE = struct.Struct("=HH")
_REPORT_ONLY = FIB_RULE.UNRESOLVED | FIB_RULE.IIF_DETACHED | FIB_RULE.OIF_DETACHED
_UNSET32 = 0xFFFFFFFF  # the kernel reports "not set" suppress_* values as (u32)-1

_ACTIONS: dict[str, FR_ACT] = {
    "table": FR_ACT.TO_TBL,
    "lookup": FR_ACT.TO_TBL,
    "to_tbl": FR_ACT.TO_TBL,
    "goto": FR_ACT.GOTO,
    "nop": FR_ACT.NOP,
    "blackhole": FR_ACT.BLACKHOLE,
    "unreachable": FR_ACT.UNREACHABLE,
    "prohibit": FR_ACT.PROHIBIT,
}
_TABLES = {"main": RT_TABLE.MAIN, "local": RT_TABLE.LOCAL, "default": RT_TABLE.DEFAULT}


def _norm_prefix(value: object, what: str) -> IPNetwork | None:
    if value is None:
        return None
    if isinstance(value, IPv4Network | IPv6Network):
        return value
    if isinstance(value, IPv4Address):
        return IPv4Network(value)
    if isinstance(value, IPv6Address):
        return IPv6Network(value)
    if isinstance(value, str):
        if value == "all":
            return None
        try:
            return ip_network(value, strict=False)
        except ValueError:
            raise ValueError(f"rule {what} {value!r} is not an IP prefix") from None
    raise TypeError(f"rule {what} must be a str or ipaddress prefix, not {value!r}")


def _check_uint(value: int | None, bits: int, what: str) -> None:
    check_uint(value, bits, f"rule {what}")


def _check_range(value: tuple[int, int] | None, bits: int, what: str) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise TypeError(f"rule {what} must be a (start, end) pair, not {value!r}") from None
    _check_uint(lo, bits, what)
    _check_uint(hi, bits, what)
    if lo > hi:
        raise ValueError(f"rule {what} {value!r}: start is after end")
    return (lo, hi)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A routing policy rule, as reported by the kernel or as a request spec.

    Inputs are normalised once: ``src``/``dst`` accept strings (``"all"`` is
    None) or ``ipaddress`` values, ``table`` accepts ``"main"``/``"local"``/
    ``"default"``, ``action`` a :class:`~rawns._rtnl.FR_ACT` or its ``ip``
    name (``"blackhole"``, ``"unreachable"``, ``"prohibit"``, ``"goto"``,
    ``"nop"``; ``"table"`` is the default). ``family`` defaults to that of
    ``src``/``dst``, else ``AF_INET`` (as ``ip rule`` does).
    """

    family: int = 0
    priority: int | None = None
    src: IPNetwork | None = None
    """``from``: None is ``from all``."""
    dst: IPNetwork | None = None
    """``to``: None is ``to all``."""
    table: int = 0
    action: FR_ACT = FR_ACT.TO_TBL
    tos: int = 0
    fwmark: int | None = None
    fwmask: int | None = None
    iif: str | None = None
    oif: str | None = None
    goto: int | None = None
    """Target priority of ``action="goto"``."""
    invert: bool = False
    """``ip rule add not ...``: FIB_RULE_INVERT."""
    flags: int = 0
    """The other fib_rule_hdr flags, as reported (FIB_RULE_IIF_DETACHED...)."""
    realms: int | None = None
    """FRA_FLOW: ``realms FROM/TO`` as one u32."""
    tun_id: int | None = None
    suppress_prefixlen: int | None = None
    suppress_ifgroup: int | None = None
    l3mdev: bool = False
    uid_range: tuple[int, int] | None = None
    protocol: int | None = None
    """FRA_PROTOCOL: who installed the rule (2 = kernel); the kernel always reports it."""
    ip_proto: int | None = None
    sport_range: tuple[int, int] | None = None
    dport_range: tuple[int, int] | None = None
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)
    """Attributes not decoded above, kept verbatim."""

    def __post_init__(self) -> None:
        src = _norm_prefix(self.src, "from")
        dst = _norm_prefix(self.dst, "to")
        object.__setattr__(self, "src", src)
        object.__setattr__(self, "dst", dst)
        versions = {p.version for p in (src, dst) if p is not None}
        if len(versions) > 1:
            raise ValueError(f"rule from {src} and to {dst} mix IPv4 and IPv6")
        fam = self.family
        if isinstance(fam, str):
            fam = {"inet": 2, "inet6": 10, "ipv4": 2, "ipv6": 10}.get(fam.lower(), -1)
            if fam < 0:
                raise ValueError(f"rule family {self.family!r} is not inet or inet6")
        _check_uint(fam, 8, "family")
        if fam == 0:
            fam = 10 if versions == {6} else 2
        elif versions and fam in (2, 10) and versions != {4 if fam == 2 else 6}:
            raise ValueError(f"rule prefixes from {src} to {dst} do not match family {fam}")
        object.__setattr__(self, "family", int(fam))
        table = self.table
        if isinstance(table, str):
            if table in _TABLES:
                table = int(_TABLES[table])
            elif table.isdigit():
                table = int(table)
            else:
                raise ValueError(f"rule table {table!r} is not a number, main, local or default")
        _check_uint(table, 32, "table")
        object.__setattr__(self, "table", int(table))
        action = self.action
        if isinstance(action, str):
            try:
                action = _ACTIONS[action.lower()]
            except KeyError:
                raise ValueError(
                    f"rule action {action!r} is not one of {', '.join(_ACTIONS)}"
                ) from None
        elif isinstance(action, bool) or not isinstance(action, int) or not 0 <= action <= 255:
            raise ValueError(f"rule action must be an FR_ACT or a name, not {action!r}")
        try:
            action = FR_ACT(action)
        except ValueError:
            raise ValueError(f"rule action {action} is not a known FR_ACT value") from None
        object.__setattr__(self, "action", action)
        _check_uint(self.priority, 32, "priority")
        if self.tos is None:  # a header field (fib_rule_hdr.tos), not an optional attribute
            raise TypeError("rule tos must be an int, not None")
        _check_uint(self.tos, 8, "tos")
        _check_uint(self.fwmark, 32, "fwmark")
        _check_uint(self.fwmask, 32, "fwmask")
        _check_uint(self.goto, 32, "goto")
        _check_uint(self.flags, 32, "flags")
        _check_uint(self.realms, 32, "realms")
        _check_uint(self.tun_id, 64, "tun_id")
        _check_uint(self.suppress_prefixlen, 32, "suppress_prefixlen")
        _check_uint(self.suppress_ifgroup, 32, "suppress_ifgroup")
        _check_uint(self.protocol, 8, "protocol")
        _check_uint(self.ip_proto, 8, "ip_proto")
        object.__setattr__(self, "uid_range", _check_range(self.uid_range, 32, "uid_range"))
        object.__setattr__(self, "sport_range", _check_range(self.sport_range, 16, "sport_range"))
        object.__setattr__(self, "dport_range", _check_range(self.dport_range, 16, "dport_range"))
        for what, name in (("iif", self.iif), ("oif", self.oif)):
            if name is not None:
                try:
                    check_ifname(name)
                except ValueError as e:
                    raise ValueError(f"rule {what}: {e}") from None
        if action == FR_ACT.GOTO and self.goto is None:
            raise ValueError("a goto rule needs goto= (the target priority)")


class RuleFields(TypedDict, total=False):
    """The keyword arguments of :func:`add`/:func:`delete`: :class:`Rule`'s fields."""

    family: int | str
    priority: int
    src: IPNetwork | IPv4Address | IPv6Address | str
    dst: IPNetwork | IPv4Address | IPv6Address | str
    table: int | str
    action: FR_ACT | int | str
    tos: int
    fwmark: int
    fwmask: int
    iif: str
    oif: str
    goto: int
    invert: bool
    realms: int
    tun_id: int
    suppress_prefixlen: int
    suppress_ifgroup: int
    l3mdev: bool
    uid_range: tuple[int, int]
    protocol: int
    ip_proto: int
    sport_range: tuple[int, int]
    dport_range: tuple[int, int]


# ---------------------------------------------------------------------------
# parse


def _prefix(payload: bytes, a: int, b: int, plen: int, family: int, what: str) -> IPNetwork | None:
    raw = payload[a:b]
    if not raw and plen == 0:
        return None  # `ip rule add from all` sends an empty FRA_SRC
    # strict=False: the kernel keeps host bits (`ip rule add from 10.1.2.3/8`)
    # but matches under the mask, so the typed view masks them too.
    try:
        if len(raw) == 4 and family != socket.AF_INET6:
            return IPv4Network((raw, plen), strict=False)
        if len(raw) == 16 and family != socket.AF_INET:
            return IPv6Network((raw, plen), strict=False)
    except ValueError as e:  # prefix length too long
        raise DecodeError(f"{what}: {e}", offset=a) from None
    raise DecodeError(f"{what} of {len(raw)} bytes does not fit family {family}", offset=a)


def parse_rule(payload: bytes, *, report: bool = False) -> Rule:
    """Decode an RTM_NEWRULE/DELRULE payload (fib_rule_hdr + attributes).

    Works on requests and on kernel reports; with ``report`` (what
    :func:`dump` and the monitor use) a missing FRA_PRIORITY means 0, since
    the kernel omits it for priority 0 (fib_nl_fill_rule). Raises
    :class:`~rawns.errors.DecodeError` if the bytes are truncated or malformed.
    """
    if len(payload) < FIB_RULE_HDR.size:
        raise DecodeError(f"fib_rule_hdr needs {FIB_RULE_HDR.size} bytes, got {len(payload)}")
    family, dst_len, src_len, tos, table, _r1, _r2, action, flags = FIB_RULE_HDR.unpack_from(
        payload, 0
    )
    kw: dict[str, object] = {}
    rest: list[Attr] = []
    for atype, a, b in iter_attrs(payload, FIB_RULE_HDR.size):
        t = atype & NLA_TYPE_MASK
        if t == _FRA_SRC:
            src = _prefix(payload, a, b, src_len, family, "FRA_SRC")
            if src is not None:
                kw["src"] = src
        elif t == _FRA_DST:
            dst = _prefix(payload, a, b, dst_len, family, "FRA_DST")
            if dst is not None:
                kw["dst"] = dst
        elif t == _FRA_PRIORITY:
            kw["priority"] = attr_u32(payload, a, b)
        elif t == _FRA_TABLE:
            table = attr_u32(payload, a, b)  # overrides the 8-bit header field
        elif t == _FRA_FWMARK:
            kw["fwmark"] = attr_u32(payload, a, b)
        elif t == _FRA_FWMASK:
            kw["fwmask"] = attr_u32(payload, a, b)
        elif t == _FRA_IIFNAME:
            kw["iif"] = attr_str(payload, a, b)
        elif t == _FRA_OIFNAME:
            kw["oif"] = attr_str(payload, a, b)
        elif t == _FRA_GOTO:
            kw["goto"] = attr_u32(payload, a, b)
        elif t == _FRA_FLOW:
            kw["realms"] = attr_u32(payload, a, b)
        elif t == _FRA_TUN_ID:
            kw["tun_id"] = attr_be64(payload, a, b)
        elif t == _FRA_SUPPRESS_PREFIXLEN:
            v = attr_u32(payload, a, b)
            if v != _UNSET32:
                kw["suppress_prefixlen"] = v
        elif t == _FRA_SUPPRESS_IFGROUP:
            v = attr_u32(payload, a, b)
            if v != _UNSET32:
                kw["suppress_ifgroup"] = v
        elif t == _FRA_L3MDEV:
            kw["l3mdev"] = bool(attr_u8(payload, a, b))
        elif t == _FRA_UID_RANGE:
            if b - a != _UID_RANGE.size:
                raise DecodeError(f"FRA_UID_RANGE of {b - a} bytes", offset=a)
            kw["uid_range"] = _UID_RANGE.unpack_from(payload, a)
        elif t == _FRA_PROTOCOL:
            kw["protocol"] = attr_u8(payload, a, b)
        elif t == _FRA_IP_PROTO:
            kw["ip_proto"] = attr_u8(payload, a, b)
        elif t in (_FRA_SPORT_RANGE, _FRA_DPORT_RANGE):
            if b - a != _PORT_RANGE.size:
                raise DecodeError(f"FRA port range of {b - a} bytes", offset=a)
            key = "sport_range" if t == _FRA_SPORT_RANGE else "dport_range"
            kw[key] = _PORT_RANGE.unpack_from(payload, a)
        else:
            rest.append(Attr(atype, payload[a:b]))
    try:
        action_v = FR_ACT(action)
    except ValueError:
        raise DecodeError(f"fib_rule_hdr action {action} is unknown") from None
    if report:
        kw.setdefault("priority", 0)
    uid = kw.get("uid_range")
    if uid is not None and uid == (_UNSET32, _UNSET32):
        del kw["uid_range"]  # the kernel's "no uid range"
    try:
        return Rule(
            family=family,
            tos=tos,
            table=table,
            action=action_v,
            invert=bool(flags & FIB_RULE.INVERT),
            flags=flags & ~FIB_RULE.INVERT,
            attrs=tuple(rest),
            **kw,  # type: ignore[arg-type]  # kw holds exactly Rule's optional fields
        )
    except (ValueError, TypeError) as e:
        raise DecodeError(f"rule: {e}") from e


# ---------------------------------------------------------------------------
# build


def _body(w: Writer, r: Rule) -> None:
    # iproute2 (ip/iprule.c) puts a table below 256 in the header and a larger
    # one in FRA_TABLE (header RT_TABLE_UNSPEC); the kernel reports both.
    table_hdr = r.table if r.table < 256 else int(RT_TABLE.UNSPEC)
    # Only request bits: UNRESOLVED and *_DETACHED are the kernel's report.
    flags = r.flags & ~_REPORT_ONLY
    if r.invert:
        flags |= FIB_RULE.INVERT
    w.put_bytes_raw(
        FIB_RULE_HDR.pack(
            r.family,
            r.dst.prefixlen if r.dst is not None else 0,
            r.src.prefixlen if r.src is not None else 0,
            r.tos,
            table_hdr,
            0,
            0,
            r.action,
            flags,
        )
    )
    # ip/iprule.c adds attributes in argv order; this is the order of the
    # argv that docs and golden captures use: ip rule add [not] from P to P
    # [tos T] fwmark M/MASK realms R iif D oif D l3mdev uidrange A-B ipproto P
    # sport A-B dport A-B tun_id N table T suppress_prefixlength N
    # suppress_ifgroup G goto N protocol P pref N
    if r.src is not None:
        w.put(_FRA_SRC, r.src.network_address.packed)
    if r.dst is not None:
        w.put(_FRA_DST, r.dst.network_address.packed)
    if r.fwmark is not None:
        w.put_u32(_FRA_FWMARK, r.fwmark)
    if r.fwmask is not None:
        w.put_u32(_FRA_FWMASK, r.fwmask)
    if r.realms is not None:
        w.put_u32(_FRA_FLOW, r.realms)
    if r.iif is not None:
        w.put_strz(_FRA_IIFNAME, r.iif)
    if r.oif is not None:
        w.put_strz(_FRA_OIFNAME, r.oif)
    if r.l3mdev:
        w.put_u8(_FRA_L3MDEV, 1)
    if r.uid_range is not None:
        w.put(_FRA_UID_RANGE, _UID_RANGE.pack(*r.uid_range))
    if r.ip_proto is not None:
        w.put_u8(_FRA_IP_PROTO, r.ip_proto)
    if r.sport_range is not None:
        w.put(_FRA_SPORT_RANGE, _PORT_RANGE.pack(*r.sport_range))
    if r.dport_range is not None:
        w.put(_FRA_DPORT_RANGE, _PORT_RANGE.pack(*r.dport_range))
    if r.tun_id is not None:
        w.put_be64(_FRA_TUN_ID, r.tun_id)
    if r.table >= 256:
        w.put_u32(_FRA_TABLE, r.table)
    if r.suppress_prefixlen is not None:
        w.put_u32(_FRA_SUPPRESS_PREFIXLEN, r.suppress_prefixlen)
    if r.suppress_ifgroup is not None:
        w.put_u32(_FRA_SUPPRESS_IFGROUP, r.suppress_ifgroup)
    if r.goto is not None:
        w.put_u32(_FRA_GOTO, r.goto)
    if r.protocol is not None:
        w.put_u8(_FRA_PROTOCOL, r.protocol)
    if r.priority is not None:
        w.put_u32(_FRA_PRIORITY, r.priority)


def build_add(r: Rule, *, flags: int = NLM_F.CREATE | NLM_F.EXCL) -> bytes:
    """RTM_NEWRULE for ``r`` (``ip rule add``); seq 0.

    ``NLM_F_EXCL`` as ``ip`` sends it: the kernel refuses (EEXIST) a rule
    identical to an existing one.
    """
    if r.action == FR_ACT.TO_TBL and r.table == 0:
        raise ValueError("a rule that looks up a table needs table= (e.g. 'main' or 100)")
    w = Writer()
    w.begin(RTM.NEWRULE, flags=NLM_F.REQUEST | NLM_F.ACK | flags)
    _body(w, r)
    w.end()
    return w.data()


def build_delete(r: Rule) -> bytes:
    """RTM_DELRULE for ``r`` (``ip rule del``): the first rule matching the set fields goes."""
    w = Writer()
    w.begin(RTM.DELRULE, flags=NLM_F.REQUEST | NLM_F.ACK)
    _body(w, r)
    w.end()
    return w.data()


def build_dump(family: int = 0) -> bytes:
    """RTM_GETRULE dump request; strict checking allows no filter but the family."""
    _check_uint(family, 8, "family")
    w = Writer()
    w.begin(RTM.GETRULE, flags=NLM_F.REQUEST | NLM_F.DUMP)
    w.put_bytes_raw(FIB_RULE_HDR.pack(family, 0, 0, 0, 0, 0, 0, 0, 0))
    w.end()
    return w.data()


# ---------------------------------------------------------------------------
# verbs


def _spec(rule: Rule | None, kw: RuleFields, verb: str) -> Rule:
    if rule is not None:
        if kw:
            raise TypeError(f"rule.{verb}() takes a Rule or keywords, not both")
        if not isinstance(rule, Rule):
            raise TypeError(f"rule.{verb}() takes a Rule, not {rule!r}")
        return rule
    return Rule(**kw)  # type: ignore[arg-type]  # Rule normalises str/int inputs itself


def _label(r: Rule) -> str:
    parts = []
    if r.priority is not None:
        parts.append(f"pref {r.priority}")
    parts.append(f"from {r.src or 'all'}")
    if r.dst is not None:
        parts.append(f"to {r.dst}")
    if r.table:
        parts.append(f"table {r.table}")
    return " ".join(parts)


def add(h: Handle, rule: Rule | None = None, /, **kw: Unpack[RuleFields]) -> None:
    """Add a rule, given as a :class:`Rule` or as its fields.

    Equivalent to: ip rule add [not] [from PREFIX] [to PREFIX] [fwmark M/MASK] [iif DEV]
    [oif DEV] [pref N] table T|blackhole|unreachable|prohibit|goto N

    Raises :class:`~rawns.errors.AlreadyExists` for a duplicate rule,
    :class:`ValueError`/:class:`TypeError` for a bad field (nothing sent).
    """
    r = _spec(rule, kw, "add")
    h.rtnl.request(build_add(r), op="RTM_NEWRULE", target=_label(r))


def delete(h: Handle, rule: Rule | None = None, /, **kw: Unpack[RuleFields]) -> None:
    """Delete the first rule that matches every field given (a dumped :class:`Rule` works).

    Equivalent to: ip rule del [from PREFIX] [to PREFIX] [pref N] [table T] ...

    Raises :class:`~rawns.errors.NotFound` if no rule matches.
    """
    r = _spec(rule, kw, "delete")
    if rule is None and "action" not in kw:
        # ip rule del sends FR_ACT_UNSPEC unless an action was named: match any action.
        r = _replace_action(r)
    h.rtnl.request(build_delete(r), op="RTM_DELRULE", target=_label(r))


def _parse_report(payload: bytes) -> Rule:
    return parse_rule(payload, report=True)


def _replace_action(r: Rule) -> Rule:
    return dataclasses.replace(r, action=FR_ACT.UNSPEC)


def dump(h: Handle, *, family: int | str | None = None) -> list[Rule]:
    """The rules of the handle's namespace, in kernel order (by priority).

    Equivalent to: ip rule show  /  ip -6 rule show

    ``family`` is ``"inet"``, ``"inet6"`` or an ``AF_*`` number; None returns
    both IPv4 and IPv6 rules (multicast routing rules need an explicit family).
    Raises :class:`~rawns.errors.DumpInterrupted` if the rules kept changing.
    """
    if family is None:
        fam = 0
    elif isinstance(family, str):
        fam = {"inet": 2, "inet6": 10, "ipv4": 2, "ipv6": 10, "4": 2, "6": 10}.get(family, -1)
        if fam < 0:
            raise ValueError(f"unknown family {family!r} (inet, inet6)")
    else:
        fam = family
    rules = h.rtnl.dump(build_dump(fam), _parse_report, op="RTM_GETRULE", target="dump")
    if family is None:
        rules = [r for r in rules if r.family in (socket.AF_INET, socket.AF_INET6)]
    return rules
