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

import _socket
import struct
from functools import partial

from . import _check, _dataclass
from ._dataclass import dataclass, field
from ._inet import ip
from ._plan import Dump, Plan, Request, drive
from ._rtnl import FIB_RULE, FIB_RULE_HDR, FR_ACT, FRA, NLM_F, RT_TABLE, RTM
from ._rule_args import (
    RTNL_FAMILY_IPMR,
    _addr,
    _family,
    _norm_prefix,
    _plen,
    _ports,
    _range,
)
from ._verb import spec_or_fields
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
from .link._types import check_origin
from .route._types import check_attrs

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from ipaddress import IPv4Address, IPv6Address
    from typing import Unpack

    from ._inet import IPInterface, IPNetwork
    from ._rule_args import Prefix
    from ._rule_fields import RuleFields
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


_UID_RANGE = struct.Struct("=II")
_PORT_RANGE = struct.Struct("=HH")
_REPORT_ONLY = FIB_RULE.UNRESOLVED | FIB_RULE.IIF_DETACHED | FIB_RULE.OIF_DETACHED
_UNSET32 = 0xFFFFFFFF  # the kernel reports "not set" suppress_* values as (u32)-1
#: FR_ACT members by value, and FR_ACT_GOTO as an int: an enum call and a member lookup
#: each run Python code per rule on Python 3.11.
_FR_ACTS: dict[int, FR_ACT] = {int(a): a for a in FR_ACT}
_GOTO = int(FR_ACT.GOTO)

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


@dataclass(init=False, frozen=True, slots=True, kw_only=True)
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
    src: IPNetwork | IPInterface | None = None
    """``from``: None is ``from all``. An ``IPv4Interface`` (or IPv6) only for a
    rule whose address has host bits below its prefix length (made by ``ip``)."""
    dst: IPNetwork | IPInterface | None = None
    """``to``: None is ``to all``; as :attr:`src`."""
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
    """Attributes not decoded above, kept verbatim (reported only: not sent)."""
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)
    """The namespace the rule was dumped from (:attr:`Handle.netns_ident
    <rawns.Handle.netns_ident>`), ``None`` for one built by hand: verbs refuse a
    rule from another namespace."""

    def __init__(
        self,
        *,
        family: int | str = 0,
        priority: int | None = None,
        src: Prefix | IPv4Address | IPv6Address | str | None = None,
        dst: Prefix | IPv4Address | IPv6Address | str | None = None,
        table: int | str = 0,
        action: FR_ACT | int | str = FR_ACT.TO_TBL,
        tos: int = 0,
        fwmark: int | None = None,
        fwmask: int | None = None,
        iif: str | None = None,
        oif: str | None = None,
        goto: int | None = None,
        invert: bool = False,
        flags: int = 0,
        realms: int | None = None,
        tun_id: int | None = None,
        suppress_prefixlen: int | None = None,
        suppress_ifgroup: int | None = None,
        l3mdev: bool = False,
        uid_range: tuple[int, int] | None = None,
        protocol: int | None = None,
        ip_proto: int | None = None,
        sport_range: tuple[int, int] | None = None,
        dport_range: tuple[int, int] | None = None,
        attrs: tuple[Attr, ...] = (),
        origin: tuple[int, int] | None = None,
    ) -> None:
        # Typed for what callers pass (names, strings); the fields hold the
        # normalised values, set here and checked by _normalise.
        _set = object.__setattr__
        for name, value in (
            ("family", family),
            ("priority", priority),
            ("src", src),
            ("dst", dst),
            ("table", table),
            ("action", action),
            ("tos", tos),
            ("fwmark", fwmark),
            ("fwmask", fwmask),
            ("iif", iif),
            ("oif", oif),
            ("goto", goto),
            ("invert", invert),
            ("flags", flags),
            ("realms", realms),
            ("tun_id", tun_id),
            ("suppress_prefixlen", suppress_prefixlen),
            ("suppress_ifgroup", suppress_ifgroup),
            ("l3mdev", l3mdev),
            ("uid_range", uid_range),
            ("protocol", protocol),
            ("ip_proto", ip_proto),
            ("sport_range", sport_range),
            ("dport_range", dport_range),
            ("attrs", attrs),
            ("origin", origin),
        ):
            _set(self, name, value)
        self._normalise()

    def _normalise(self) -> None:
        _set = object.__setattr__
        src = _norm_prefix(self.src, "from")
        dst = _norm_prefix(self.dst, "to")
        _set(self, "src", src)
        _set(self, "dst", dst)
        versions = {p.version for p in (src, dst) if p is not None}
        if len(versions) > 1:
            raise ValueError(f"rule from {src} and to {dst} mix IPv4 and IPv6")
        fam = _family(self.family, "rule family")
        if fam == 0:
            fam = 10 if versions == {6} else 2
        elif versions and versions != {4 if fam in (2, RTNL_FAMILY_IPMR) else 6}:
            raise ValueError(f"rule prefixes from {src} to {dst} do not match family {fam}")
        _set(self, "family", fam)
        table = self.table
        if isinstance(table, str):
            if table in _TABLES:
                table = int(_TABLES[table])
            elif table.isdigit() and table.isascii():
                table = int(table)
            else:
                raise ValueError(f"rule table {table!r} is not a number, main, local or default")
        _set(self, "table", _check.uint(table, 32, "rule table"))
        action = self.action
        if isinstance(action, str):
            key = action.lower()
            if key not in _ACTIONS:
                _check.choice(action, "rule action", _ACTIONS)  # raises, naming the value
            action = _ACTIONS[key]
        else:
            _check.uint(action, 8, "rule action")
        known = _FR_ACTS.get(action)
        if known is None:
            try:
                known = FR_ACT(action)
            except ValueError:
                raise ValueError(f"rule action {action} is not a known FR_ACT value") from None
        action = known
        _set(self, "action", action)
        _check.optional(self.priority, _check.uint, 32, "rule priority")
        if self.tos is None:  # a header field (fib_rule_hdr.tos), not an optional attribute
            raise TypeError("rule tos must be an int, not None")
        _check.uint(self.tos, 8, "rule tos")
        for name in ("fwmark", "fwmask", "goto", "realms"):
            _check.optional(getattr(self, name), _check.uint, 32, f"rule {name}")
        _check.uint(self.flags, 32, "rule flags")
        _check.optional(self.tun_id, _check.uint, 64, "rule tun_id")
        # (u32)-1 is how the kernel reports "not set": as a value it would read back as unset.
        for name in ("suppress_prefixlen", "suppress_ifgroup"):
            _check.optional(getattr(self, name), _check.integer, f"rule {name}", 0, _UNSET32 - 1)
        _check.optional(self.protocol, _check.uint, 8, "rule protocol")
        _check.optional(self.ip_proto, _check.uint, 8, "rule ip_proto")
        _check.boolean(self.invert, "rule invert")
        _check.boolean(self.l3mdev, "rule l3mdev")
        # (uid_t)-1 is no uid: the kernel refuses a range that reaches it.
        _set(self, "uid_range", _range(self.uid_range, 32, "uid_range", hi=_UNSET32 - 1))
        _set(self, "sport_range", _ports(self.sport_range, "sport_range"))
        _set(self, "dport_range", _ports(self.dport_range, "dport_range"))
        for what, dev in (("iif", self.iif), ("oif", self.oif)):
            _check.optional(dev, _check.ifname, f"rule {what}")
        if not isinstance(self.attrs, tuple):
            raise TypeError(f"rule attrs must be a tuple of Attr, not {_check._show(self.attrs)}")
        check_attrs(self.attrs, "rule attrs")
        check_origin(self.origin, "rule origin")
        if action == _GOTO and self.goto is None:
            raise ValueError("a goto rule needs goto= (the target priority)")
        if action != _GOTO and self.goto is not None:
            # The kernel refuses FRA_GOTO on any other action (fib_nl2rule).
            raise ValueError(f"goto={self.goto} needs action='goto', not {action.name.lower()}")


# ---------------------------------------------------------------------------
# parse


def _prefix(payload: bytes, a: int, b: int, plen: int, family: int, what: str) -> Prefix | None:
    raw = payload[a:b]
    if not raw and plen == 0:
        return None  # `ip rule add from all` sends an empty FRA_SRC
    # Lossless: the kernel keeps host bits (`ip rule add from 10.1.2.3/8`),
    # and deleting the rule needs them, so such a prefix is an interface value.
    try:
        if len(raw) == 4 and family != _socket.AF_INET6:
            v4 = ip.IPv4Interface((raw, plen))
            return v4.network if v4.ip == v4.network.network_address else v4
        if len(raw) == 16 and family != _socket.AF_INET:
            v6 = ip.IPv6Interface((raw, plen))
            return v6.network if v6.ip == v6.network.network_address else v6
    except ValueError as e:  # prefix length too long
        raise DecodeError(f"{what}: {e}", offset=a) from None
    raise DecodeError(f"{what} of {len(raw)} bytes does not fit family {family}", offset=a)


def parse_rule(
    payload: bytes, origin: tuple[int, int] | None = None, *, report: bool = False
) -> Rule:
    """Decode an RTM_NEWRULE/DELRULE payload (fib_rule_hdr + attributes).

    Works on requests and on kernel reports; with ``report`` (what
    :func:`dump` and the monitor use) a missing FRA_PRIORITY means 0, since
    the kernel omits it for priority 0 (fib_nl_fill_rule). ``origin`` is kept
    in :attr:`Rule.origin`. Raises
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
        if t == FRA.SRC:
            src = _prefix(payload, a, b, src_len, family, "FRA_SRC")
            if src is not None:
                kw["src"] = src
        elif t == FRA.DST:
            dst = _prefix(payload, a, b, dst_len, family, "FRA_DST")
            if dst is not None:
                kw["dst"] = dst
        elif t == FRA.PRIORITY:
            kw["priority"] = attr_u32(payload, a, b)
        elif t == FRA.TABLE:
            table = attr_u32(payload, a, b)  # overrides the 8-bit header field
        elif t == FRA.FWMARK:
            kw["fwmark"] = attr_u32(payload, a, b)
        elif t == FRA.FWMASK:
            kw["fwmask"] = attr_u32(payload, a, b)
        elif t == FRA.IIFNAME:
            kw["iif"] = attr_str(payload, a, b)
        elif t == FRA.OIFNAME:
            kw["oif"] = attr_str(payload, a, b)
        elif t == FRA.GOTO:
            kw["goto"] = attr_u32(payload, a, b)
        elif t == FRA.FLOW:
            kw["realms"] = attr_u32(payload, a, b)
        elif t == FRA.TUN_ID:
            kw["tun_id"] = attr_be64(payload, a, b)
        elif t == FRA.SUPPRESS_PREFIXLEN:
            v = attr_u32(payload, a, b)
            if v != _UNSET32:
                kw["suppress_prefixlen"] = v
        elif t == FRA.SUPPRESS_IFGROUP:
            v = attr_u32(payload, a, b)
            if v != _UNSET32:
                kw["suppress_ifgroup"] = v
        elif t == FRA.L3MDEV:
            kw["l3mdev"] = bool(attr_u8(payload, a, b))
        elif t == FRA.UID_RANGE:
            if b - a != _UID_RANGE.size:
                raise DecodeError(f"FRA_UID_RANGE of {b - a} bytes", offset=a)
            kw["uid_range"] = _UID_RANGE.unpack_from(payload, a)
        elif t == FRA.PROTOCOL:
            kw["protocol"] = attr_u8(payload, a, b)
        elif t == FRA.IP_PROTO:
            kw["ip_proto"] = attr_u8(payload, a, b)
        elif t in (FRA.SPORT_RANGE, FRA.DPORT_RANGE):
            if b - a != _PORT_RANGE.size:
                raise DecodeError(f"FRA port range of {b - a} bytes", offset=a)
            key = "sport_range" if t == FRA.SPORT_RANGE else "dport_range"
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
            origin=origin,
            **kw,  # type: ignore[arg-type]  # kw holds exactly Rule's optional fields
        )
    except (ValueError, TypeError) as e:
        raise DecodeError(f"rule: {e}") from e


# ---------------------------------------------------------------------------
# build


def _body(w: Writer, r: Rule) -> None:
    if r.fwmark == 0 and r.fwmask is None:
        # fib_nl2rule sets a mask only for a non-zero mark: "fwmark 0" would match
        # every packet (and, to delete, every rule), not the unmarked ones.
        raise ValueError(
            "rule fwmark=0 without fwmask would match every packet (the kernel sets no "
            "mask for mark 0); give fwmask=0xFFFFFFFF to match unmarked packets"
        )
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
            _plen(r.dst) if r.dst is not None else 0,
            _plen(r.src) if r.src is not None else 0,
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
        w.put(FRA.SRC, _addr(r.src))
    if r.dst is not None:
        w.put(FRA.DST, _addr(r.dst))
    if r.fwmark is not None:
        w.put_u32(FRA.FWMARK, r.fwmark)
    if r.fwmask is not None:
        w.put_u32(FRA.FWMASK, r.fwmask)
    if r.realms is not None:
        w.put_u32(FRA.FLOW, r.realms)
    if r.iif is not None:
        w.put_strz(FRA.IIFNAME, r.iif)
    if r.oif is not None:
        w.put_strz(FRA.OIFNAME, r.oif)
    if r.l3mdev:
        w.put_u8(FRA.L3MDEV, 1)
    if r.uid_range is not None:
        w.put(FRA.UID_RANGE, _UID_RANGE.pack(*r.uid_range))
    if r.ip_proto is not None:
        w.put_u8(FRA.IP_PROTO, r.ip_proto)
    if r.sport_range is not None:
        w.put(FRA.SPORT_RANGE, _PORT_RANGE.pack(*r.sport_range))
    if r.dport_range is not None:
        w.put(FRA.DPORT_RANGE, _PORT_RANGE.pack(*r.dport_range))
    if r.tun_id is not None:
        w.put_be64(FRA.TUN_ID, r.tun_id)
    if r.table >= 256:
        w.put_u32(FRA.TABLE, r.table)
    if r.suppress_prefixlen is not None:
        w.put_u32(FRA.SUPPRESS_PREFIXLEN, r.suppress_prefixlen)
    if r.suppress_ifgroup is not None:
        w.put_u32(FRA.SUPPRESS_IFGROUP, r.suppress_ifgroup)
    if r.goto is not None:
        w.put_u32(FRA.GOTO, r.goto)
    if r.protocol is not None:
        w.put_u8(FRA.PROTOCOL, r.protocol)
    if r.priority is not None:
        w.put_u32(FRA.PRIORITY, r.priority)


def _check_rule(r: object) -> None:
    if not isinstance(r, Rule):
        raise TypeError(f"rule must be a Rule, not {type(r).__name__}: {_check._show(r)}")


_NEW_FLAGS = int(NLM_F.CREATE | NLM_F.EXCL | NLM_F.REPLACE)


def build_add(r: Rule, *, flags: int = NLM_F.CREATE | NLM_F.EXCL) -> bytes:
    """RTM_NEWRULE for ``r`` (``ip rule add``); seq 0.

    ``NLM_F_EXCL`` as ``ip`` sends it: the kernel refuses (EEXIST) a rule
    identical to an existing one.
    """
    _check_rule(r)
    _check.uint(flags, 16, "flags")
    if flags & ~_NEW_FLAGS:
        raise ValueError(
            f"flags {flags:#x}: an RTM_NEWRULE takes NLM_F_CREATE, EXCL and REPLACE only"
        )
    if r.action == FR_ACT.TO_TBL and r.table == 0:
        raise ValueError("a rule that looks up a table needs table= (e.g. 'main' or 100)")
    w = Writer()
    w.begin(RTM.NEWRULE, flags=NLM_F.REQUEST | NLM_F.ACK | flags)
    _body(w, r)
    w.end()
    return w.data()


def build_delete(r: Rule) -> bytes:
    """RTM_DELRULE for ``r`` (``ip rule del``): the first rule matching the set fields goes."""
    _check_rule(r)
    w = Writer()
    w.begin(RTM.DELRULE, flags=NLM_F.REQUEST | NLM_F.ACK)
    _body(w, r)
    w.end()
    return w.data()


def build_dump(family: int | str = 0) -> bytes:
    """RTM_GETRULE dump request; strict checking allows no filter but the family."""
    fam = _family(family, "family")
    w = Writer()
    w.begin(RTM.GETRULE, flags=NLM_F.REQUEST | NLM_F.DUMP)
    w.put_bytes_raw(FIB_RULE_HDR.pack(fam, 0, 0, 0, 0, 0, 0, 0, 0))
    w.end()
    return w.data()


# ---------------------------------------------------------------------------
# verbs


_FIELDS = frozenset(  # RuleFields's keys
    [
        "family",
        "priority",
        "src",
        "dst",
        "table",
        "action",
        "tos",
        "fwmark",
        "fwmask",
        "iif",
        "oif",
        "goto",
        "invert",
        "realms",
        "tun_id",
        "suppress_prefixlen",
        "suppress_ifgroup",
        "l3mdev",
        "uid_range",
        "protocol",
        "ip_proto",
        "sport_range",
        "dport_range",
    ]
)


def _spec(h: Handle, rule: Rule | None, kw: RuleFields, verb: str) -> tuple[Rule, bool]:
    """The verb's Rule by the one rule (:mod:`rawns._verb`); and whether it came as keywords."""
    _check.handle(h)
    spec, given = spec_or_fields(f"rule.{verb}", rule, kw, Rule, allowed=_FIELDS)
    if spec is not None:
        _check.same_netns(spec.origin, h, "rule", partial(_label, spec))
        return spec, False
    return Rule(**given), True  # type: ignore[arg-type]  # Rule normalises str/int inputs itself


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
    drive(h, add_plan(h, rule, **kw))


def add_plan(h: Handle, rule: Rule | None = None, /, **kw: Unpack[RuleFields]) -> Plan[None]:
    r, _kw = _spec(h, rule, kw, "add")
    yield Request(build_add(r), "RTM_NEWRULE", _label(r))


def delete(h: Handle, rule: Rule | None = None, /, **kw: Unpack[RuleFields]) -> None:
    """Delete the first rule that matches every field given (a dumped :class:`Rule` works).

    Equivalent to: ip rule del [from PREFIX] [to PREFIX] [pref N] [table T] ...

    Raises :class:`~rawns.errors.NotFound` if no rule matches;
    :class:`ValueError`/:class:`TypeError` for a bad field, for no field at
    all (``ip rule del`` refuses that too: the kernel would delete the first
    rule, ``0: from all lookup local``), or a dumped Rule used on another
    namespace's handle (nothing sent).
    """
    drive(h, delete_plan(h, rule, **kw))


def delete_plan(h: Handle, rule: Rule | None = None, /, **kw: Unpack[RuleFields]) -> Plan[None]:
    r, by_keywords = _spec(h, rule, kw, "delete")
    if by_keywords and kw.get("action") is None:
        # ip rule del sends FR_ACT_UNSPEC unless an action was named: match any action.
        r = _replace_action(r)
        if r == _replace_action(Rule(family=r.family)):
            # ip rule del refuses no arguments too: the kernel would delete the
            # first rule of the family, 0: from all lookup local.
            raise ValueError(
                f"rule.delete() with no field to match ({_check._show(kw)}): the kernel "
                "would delete the first rule, '0: from all lookup local'; give a Rule "
                "or a field (priority=, src=, table=...)"
            )
    yield Request(build_delete(r), "RTM_DELRULE", _label(r))


def _parse_report(payload: bytes) -> Rule:
    return parse_rule(payload, report=True)


def _replace_action(r: Rule) -> Rule:
    return _dataclass.replace(r, action=FR_ACT.UNSPEC)


def dump(h: Handle, *, family: int | str | None = None) -> list[Rule]:
    """The rules of the handle's namespace, in kernel order (by priority).

    Equivalent to: ip rule show  /  ip -6 rule show

    ``family`` is ``"inet"``, ``"inet6"`` or an ``AF_*`` number; None returns
    both IPv4 and IPv6 rules (multicast routing rules need an explicit family).
    Raises :class:`~rawns.errors.DumpInterrupted` if the rules kept changing.
    """
    return drive(h, dump_plan(h, family=family))


def dump_plan(h: Handle, *, family: int | str | None = None) -> Plan[list[Rule]]:
    _check.handle(h)
    fam = 0 if family is None else _family(family, "family")
    origin = h.netns_ident

    def parse_at(data: bytes, start: int, end: int) -> Rule | None:
        r = parse_rule(data[start:end], report=True, origin=origin)
        # family None: IPv4 and IPv6 rules (not the multicast routing ones)
        return r if family is not None or r.family in (_socket.AF_INET, _socket.AF_INET6) else None

    rules: list[Rule] = yield Dump(build_dump(fam), "RTM_GETRULE", "dump", parse_at)
    return rules


if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """The TypedDicts of the keywords load on first use (their creation costs)."""
        if name in ("RuleFields",):
            from . import _rule_fields

            return getattr(_rule_fields, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
