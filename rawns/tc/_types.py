"""Specs and results of traffic control: :class:`Qdisc`, :class:`Class`, :class:`Filter`
and the options of each kind.

One class serves as both the spec you send and the result the kernel reports
(as :class:`rawns.rule.Rule` does). Inputs are normalised once: rates take an
int (bit/s) or tc's spelling (``"8mbit"``), sizes an int (bytes) or
``"32kbit"``/``"15k"``, times ``"400ms"`` or seconds, handles ``"1:10"``.
Kinds this module does not know (netem, fq_codel... when a kernel has them)
decode to :class:`Unknown`, whose raw options round-trip.

>>> Tbf(rate="8mbit", burst="32kbit", latency="400ms").limit
404096
>>> Qdisc(dev=3, handle="1:", options=Htb(default=0x10)).handle
65536
"""

from __future__ import annotations

import _socket
import functools
import math
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import TYPE_CHECKING, Any, ClassVar

from .. import _check
from .._inet import to_network, v4_prefix
from .._wire import Attr
from ..link._types import LinkRef, check_origin, check_ref
from ..route._types import check_attrs
from ._consts import TC_MIRRED, TC_U32_TERMINAL
from ._handle import INGRESS, ROOT
from ._units import xmitsize, xmittime

__all__ = [
    "U32",
    "Bfifo",
    "Class",
    "Clsact",
    "Filter",
    "Htb",
    "HtbClass",
    "Ingress",
    "Mirred",
    "Pfifo",
    "PfifoFast",
    "Qdisc",
    "Stats",
    "Tbf",
    "U32Key",
    "Unknown",
    "UnknownAction",
    "u32_match",
]

_set = object.__setattr__


@dataclass(frozen=True, slots=True, kw_only=True)
class Stats:
    """TCA_STATS2 of a dumped qdisc or class (gnet_stats_basic + gnet_stats_queue)."""

    bytes: int = 0
    packets: int = 0
    drops: int = 0
    overlimits: int = 0
    backlog: int = 0
    qlen: int = 0
    requeues: int = 0


# ---------------------------------------------------------------------------
# qdisc options


@dataclass(frozen=True, slots=True, kw_only=True)
class Tbf:
    """Token bucket filter: ``tc qdisc add ... tbf rate R burst B (latency L | limit N)``.

    ``latency`` is turned into ``limit`` as tc does (rate x latency + burst, or the
    peak-rate bound if smaller); only ``limit`` reaches the kernel, so a decoded
    Tbf has ``limit`` and no ``latency``. ``peakrate`` needs ``mtu`` (the peak bucket);
    without ``peakrate``, ``mtu`` only sizes the rate table, and a decoded Tbf has none.
    """

    kind: ClassVar[str] = "tbf"
    rate: int
    """bit/s (whole bytes); over 2**32-1 bytes/s goes in TCA_TBF_RATE64."""
    burst: int
    """Bucket size in bytes (a decoded dump gives it back as tc prints it)."""
    limit: int | None = None
    latency: int | float | str | None = field(default=None, compare=False)
    peakrate: int | None = None
    mtu: int | None = None

    def __post_init__(self) -> None:
        rate = _check.tc_rate(self.rate, "tbf rate")
        _set(self, "rate", rate)
        _set(self, "burst", _check.tc_size(self.burst, "tbf burst", lo=1))
        peak = _check.optional(self.peakrate, _check.tc_rate, "tbf peakrate")
        _set(self, "peakrate", peak)
        _set(self, "mtu", _check.optional(self.mtu, _check.tc_size, "tbf mtu"))
        if peak is not None and not self.mtu:
            raise ValueError(f"tbf peakrate {self.peakrate!r} needs mtu= (the peak bucket)")
        if (self.limit is None) == (self.latency is None):
            raise ValueError(
                "tbf needs exactly one of limit= and latency=, got "
                f"latency={self.latency!r}, limit={self.limit!r}"
            )
        if self.latency is not None:
            us = _check.tc_time(self.latency, "tbf latency")
            lim = (rate // 8) * us / 1_000_000 + self.burst
            if peak is not None and self.mtu is not None:
                lim = min(lim, (peak // 8) * us / 1_000_000 + self.mtu)
            if lim > 0xFFFFFFFF:
                raise ValueError(
                    f"tbf latency {self.latency!r} at {rate} bit/s exceeds a u32 limit"
                )
            _set(self, "limit", int(lim))
        else:
            _set(self, "limit", _check.tc_size(self.limit, "tbf limit", lo=1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Htb:
    """Hierarchy token bucket qdisc: ``tc qdisc add ... htb [default MINOR] [r2q N]``.

    ``default`` is the minor number of the class for unclassified traffic
    (tc reads it in hex: ``default 10`` is ``default=0x10``; a str is read as hex too).
    The kernel reports ``direct_qlen`` (the device's txqueuelen unless given).
    """

    kind: ClassVar[str] = "htb"
    default: int | str = 0
    r2q: int = 10
    direct_qlen: int | None = None

    def __post_init__(self) -> None:
        d = self.default
        if isinstance(d, str):
            try:
                d = int(d, 16)
            except ValueError:
                raise ValueError(f"htb default {d!r} is not a hex class minor") from None
        _set(self, "default", _check.uint(d, 32, "htb default"))
        _check.integer(self.r2q, "htb r2q", 1, 0xFFFFFFFF)
        _check.optional(self.direct_qlen, _check.uint, 32, "htb direct_qlen")


@dataclass(frozen=True, slots=True, kw_only=True)
class Pfifo:
    """Packet FIFO: ``tc qdisc add ... pfifo [limit PACKETS]`` (the kernel reports its limit)."""

    kind: ClassVar[str] = "pfifo"
    limit: int | None = None

    def __post_init__(self) -> None:
        _check.optional(self.limit, _check.uint, 32, "pfifo limit")


@dataclass(frozen=True, slots=True, kw_only=True)
class Bfifo:
    """Byte FIFO: ``tc qdisc add ... bfifo [limit BYTES]``."""

    kind: ClassVar[str] = "bfifo"
    limit: int | None = None

    def __post_init__(self) -> None:
        _set(self, "limit", _check.optional(self.limit, _check.tc_size, "bfifo limit"))


@dataclass(frozen=True, slots=True, kw_only=True)
class PfifoFast:
    """The default three-band qdisc; ``bands``/``priomap`` are reported, never sent."""

    kind: ClassVar[str] = "pfifo_fast"
    bands: int | None = field(default=None, compare=False)
    priomap: tuple[int, ...] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ingress:
    """The ingress qdisc (``tc qdisc add dev X ingress``): parent ffff:fff1, handle ffff:."""

    kind: ClassVar[str] = "ingress"


@dataclass(frozen=True, slots=True, kw_only=True)
class Clsact:
    """The clsact qdisc: filters at ``"ingress"`` (ffff:fff2) and ``"egress"`` (ffff:fff3)."""

    kind: ClassVar[str] = "clsact"


@dataclass(frozen=True, slots=True, kw_only=True)
class Unknown:
    """A qdisc, class or filter kind rawns does not decode: its TCA_OPTIONS kept verbatim."""

    kind: str
    options: Attr | None = None

    def __post_init__(self) -> None:
        _check.text(self.kind, "tc kind", max_bytes=15)
        if self.options is not None:
            check_attrs((self.options,), "tc options")


# ---------------------------------------------------------------------------
# class options


@functools.lru_cache(maxsize=1024)  # pure; a dump meets few (rate, size) pairs
def _settle(rate: int, size: int) -> int:
    """The burst the kernel keeps, in bytes: HTB stores only ticks (xmittime), which
    tc prints back with xmitsize; the value that reads back as itself (a fixed point).

    A few rounds of reading back reach it at most rates; at low rates each round loses
    about a byte, so then jump to the multiples of ``m``, the sizes whose transmit
    time is a whole number of 8-microsecond steps (where the double arithmetic of
    tc_core.c loses nothing). Nothing found: the kernel keeps 0 ticks, read as 1 byte.
    """
    for _ in range(8):
        back = xmitsize(rate, xmittime(rate, size))
        if back == size:
            return max(1, size)
        size = back
    m = 8 * rate // math.gcd(8 * rate, 1_000_000)
    s = size // m * m
    for _ in range(64):
        if s <= 0:
            break
        if xmitsize(rate, xmittime(rate, s)) == s:
            return s
        s -= m
    return 1


@dataclass(frozen=True, slots=True, kw_only=True)
class HtbClass:
    """An HTB class: ``tc class add ... htb rate R [ceil C] [burst B] [cburst B] [prio N]
    [quantum N]``.

    ``ceil`` defaults to ``rate``; ``burst``/``cburst`` to what tc picks (the rate over
    the timer frequency, plus ``mtu``: 1600 bytes). Bursts are kept as the kernel
    will report them (it stores transmit ticks). ``level`` is reported only.
    """

    kind: ClassVar[str] = "htb"
    rate: int
    ceil: int | None = None
    burst: int | None = None
    cburst: int | None = None
    prio: int = 0
    quantum: int = 0
    mtu: int = field(default=1600, compare=False)
    level: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        rate = _check.tc_rate(self.rate, "htb rate")
        ceil = _check.tc_rate(self.rate if self.ceil is None else self.ceil, "htb ceil")
        mtu = _check.tc_size(self.mtu, "htb mtu", lo=1)
        # tc: buffer = rate / get_hz() + mtu; get_hz() is 1e9 with high-resolution timers
        burst = _check.tc_size(mtu if self.burst is None else self.burst, "htb burst", lo=1)
        cburst = _check.tc_size(mtu if self.cburst is None else self.cburst, "htb cburst", lo=1)
        _set(self, "rate", rate)
        _set(self, "ceil", ceil)
        _set(self, "mtu", mtu)
        _set(self, "burst", _settle(rate // 8, burst))
        _set(self, "cburst", _settle(ceil // 8, cburst))
        _check.integer(self.prio, "htb prio", 0, 7)
        _check.uint(self.quantum, 32, "htb quantum")
        _check.uint(self.level, 32, "htb level")
        if ceil < rate:
            raise ValueError(f"htb ceil {ceil} bit/s is below rate {rate} bit/s")


# ---------------------------------------------------------------------------
# u32 and its actions


@dataclass(frozen=True, slots=True)
class U32Key:
    """One u32 key: ``(packet word at off) & mask == val`` (val/mask as big-endian words)."""

    val: int
    mask: int
    off: int = 0
    offmask: int = 0

    def __post_init__(self) -> None:
        v, m, off, om = self.val, self.mask, self.off, self.offmask
        if (
            type(v) is int
            and type(m) is int
            and type(off) is int
            and type(om) is int
            and 0 <= v <= 0xFFFFFFFF
            and 0 <= m <= 0xFFFFFFFF
            and -(2**31) <= off < 2**31
            and -(2**31) <= om < 2**31
        ):
            return  # what the checks below pass, tested inline (a key per u32 filter)
        _check.uint(v, 32, "u32 key val")
        _check.uint(m, 32, "u32 key mask")
        _check.sint(off, 32, "u32 key off")
        _check.sint(om, 32, "u32 key offmask")


_PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1}


def _pack(keys: list[U32Key], val: int, mask: int, off: int, width: int) -> None:
    """tc's pack_key8/16/32: shift a narrow value into its word, merge keys of one word."""
    shift = (4 - width - (off & 3)) * 8
    val, mask, off = (val << shift) & mask << shift, mask << shift, off & ~3
    for i, k in enumerate(keys):
        if k.off == off and k.offmask == 0:
            if (val ^ k.val) & mask & k.mask:
                raise ValueError(f"u32 matches conflict at offset {off}")
            keys[i] = U32Key(k.val | val, k.mask | mask, off)
            return
    keys.append(U32Key(val, mask, off))


def u32_match(
    *,
    src: str | None = None,
    dst: str | None = None,
    protocol: int | str | None = None,
    sport: int | None = None,
    dport: int | None = None,
) -> tuple[U32Key, ...]:
    """The keys of ``tc ... u32 match ip src P match ip dst P match ip protocol N 0xff
    match ip sport N 0xffff match ip dport N 0xffff`` (in that order; IPv4, no IP
    options); nothing given: ``match u32 0 0``, every packet.

    >>> [(hex(k.val), hex(k.mask), k.off) for k in u32_match(dst="10.0.0.2/32", dport=5001)]
    [('0xa000002', '0xffffffff', 16), ('0x1389', '0xffff', 20)]
    """
    keys: list[U32Key] = []
    for off, pfx, what in ((12, src, "src"), (16, dst, "dst")):
        if pfx is not None:
            fast = v4_prefix(pfx) if type(pfx) is str else None
            if fast is not None:  # to_network's answer for a plain IPv4 str, as numbers
                _pack(keys, fast[0], (0xFFFFFFFF << (32 - fast[1])) & 0xFFFFFFFF, off, 4)
                continue
            _check.no_zone(pfx, f"u32 {what}")
            net = to_network(pfx, f"u32 {what}")
            if not isinstance(net, IPv4Network):
                raise ValueError(f"u32 {what} {_check._show(pfx)}: u32 ip matches are IPv4")
            mask = (0xFFFFFFFF << (32 - net.prefixlen)) & 0xFFFFFFFF
            _pack(keys, int(net.network_address), mask, off, 4)
    if protocol is not None:
        p = _PROTOCOLS.get(protocol, protocol) if isinstance(protocol, str) else protocol
        if isinstance(p, str):
            _check.choice(p, "u32 protocol", _PROTOCOLS)
        _pack(keys, _check.uint(p, 8, "u32 protocol"), 0xFF, 9, 1)
    if sport is not None:
        _pack(keys, _check.port(sport, "u32 sport"), 0xFFFF, 20, 2)
    if dport is not None:
        _pack(keys, _check.port(dport, "u32 dport"), 0xFFFF, 22, 2)
    return tuple(keys) if keys else (U32Key(0, 0, 0),)


_MIRRED = {
    ("egress", "redirect"): TC_MIRRED.EGRESS_REDIR,
    ("egress", "mirror"): TC_MIRRED.EGRESS_MIRROR,
    ("ingress", "redirect"): TC_MIRRED.INGRESS_REDIR,
    ("ingress", "mirror"): TC_MIRRED.INGRESS_MIRROR,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Mirred:
    """``action mirred (egress|ingress) (redirect|mirror) dev DEV``.

    ``dev`` is a name, an index or a Link; the verbs turn a name into its index,
    the pure builders need the index. The verdict is tc's: redirect steals the
    packet (TC_ACT_STOLEN), mirror passes it on (TC_ACT_PIPE). ``index`` is the
    action's, assigned by the kernel (reported).
    """

    kind: ClassVar[str] = "mirred"
    dev: LinkRef
    action: str = "redirect"
    direction: str = "egress"
    verdict: int | None = None
    index: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        check_ref(self.dev, "mirred dev")
        _check.choice(self.action, "mirred action", ("redirect", "mirror"))
        _check.choice(self.direction, "mirred direction", ("egress", "ingress"))
        if self.verdict is None:
            _set(self, "verdict", 4 if self.action == "redirect" else 3)
        _check.sint(self.verdict, 32, "mirred verdict")
        _check.uint(self.index, 32, "mirred index")

    @property
    def eaction(self) -> int:
        return int(_MIRRED[self.direction, self.action])


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownAction:
    """An action kind rawns does not decode: its attributes kept verbatim."""

    kind: str
    attrs: tuple[Attr, ...] = ()

    def __post_init__(self) -> None:
        _check.text(self.kind, "action kind", max_bytes=15)
        _set(self, "attrs", check_attrs(self.attrs, "action attrs"))


Action = Mirred | UnknownAction


@dataclass(frozen=True, slots=True, kw_only=True)
class U32:
    """The u32 classifier: ``keys`` (see :func:`u32_match`), then ``classid`` (tc's
    ``flowid``) and/or ``actions``; either makes the match terminal, as tc does.

    A dump also reports each prio's hash table (``divisor``, no keys) and each
    node's ``hash`` (the table it sits in); unknown attributes stay in ``attrs``.
    The other fields of the selector (struct tc_u32_sel, kept so that a round
    trip is exact) are tc's ``offset`` and ``hashkey`` clauses: ``offshift``,
    ``offmask`` (a big-endian u16, as an int), ``off``, ``offoff``, ``hoff``
    and ``hmask`` (a big-endian u32, as an int).
    """

    kind: ClassVar[str] = "u32"
    keys: tuple[U32Key, ...] = ()
    classid: int | None = None
    actions: tuple[Action, ...] = ()
    sel_flags: int | None = None
    offshift: int = 0
    offmask: int = 0
    off: int = 0
    offoff: int = 0
    hoff: int = 0
    hmask: int = 0
    divisor: int | None = None
    hash: int | None = None
    link: int | None = None
    flags: int | None = None
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        keys, actions = self.keys, self.actions
        ok = isinstance(keys, tuple | list)
        if ok:
            for k in keys:
                if not isinstance(k, U32Key):
                    ok = False
                    break
        if not ok:
            raise TypeError(f"u32 keys must be U32Key values, not {_check._show(keys)}")
        if len(keys) > 128:
            raise ValueError(f"u32 takes at most 128 keys, not {len(keys)}")
        if type(keys) is not tuple:
            _set(self, "keys", tuple(keys))
        if actions:
            if not isinstance(actions, tuple | list) or not all(
                isinstance(a, Mirred | UnknownAction) for a in actions
            ):
                raise TypeError(f"u32 actions must be Mirred values, not {_check._show(actions)}")
            _set(self, "actions", tuple(actions))
        elif actions != ():
            if not isinstance(actions, tuple | list):
                raise TypeError(f"u32 actions must be Mirred values, not {_check._show(actions)}")
            _set(self, "actions", ())
        if self.classid is not None:
            _set(self, "classid", _check.tc_handle(self.classid, "u32 classid"))
        if self.sel_flags is None and self.divisor is None:
            terminal = self.classid is not None or bool(self.actions)
            _set(self, "sel_flags", TC_U32_TERMINAL if terminal else 0)
        # (not _check.optional: this runs per filter of an add_many; same checks)
        if self.sel_flags is not None:
            _check.uint(self.sel_flags, 8, "u32 sel_flags")
        sh, om, off, oo, ho, hm = (
            self.offshift,
            self.offmask,
            self.off,
            self.offoff,
            self.hoff,
            self.hmask,
        )
        # all six ints and all zero (their or), as a selector mostly is: the checks pass
        if not (
            type(sh) is int
            and type(om) is int
            and type(off) is int
            and type(oo) is int
            and type(ho) is int
            and type(hm) is int
            and not (sh | om | off | oo | ho | hm)
        ):
            _check.uint(sh, 8, "u32 offshift")
            _check.uint(om, 16, "u32 offmask")
            _check.uint(off, 16, "u32 off")
            _check.sint(oo, 16, "u32 offoff")
            _check.sint(ho, 16, "u32 hoff")
            _check.uint(hm, 32, "u32 hmask")
        if self.divisor is not None:
            _check.uint(self.divisor, 32, "u32 divisor")
        if self.hash is not None:
            _check.uint(self.hash, 32, "u32 hash")
        if self.link is not None:
            _check.uint(self.link, 32, "u32 link")
        if self.flags is not None:
            _check.uint(self.flags, 32, "u32 flags")
        if self.attrs != ():
            _set(self, "attrs", check_attrs(self.attrs, "u32 attrs"))


QdiscOptions = Tbf | Htb | Pfifo | Bfifo | PfifoFast | Ingress | Clsact | Unknown
ClassOptions = HtbClass | Unknown
FilterOptions = U32 | Unknown

_QDISC_OPTIONS = (Tbf, Htb, Pfifo, Bfifo, PfifoFast, Ingress, Clsact, Unknown)
_CLASS_OPTIONS = (HtbClass, Unknown)
_FILTER_OPTIONS = (U32, Unknown)


class _Lazy:
    """What Qdisc, Class and Filter share: the payload a dump's fast path kept
    (``_raw``, a slot that is no dataclass field), from which ``stats`` and
    ``attrs`` are decoded when first read (rawns.tc._fast). An object made any
    other way has both set, so this is never reached for it."""

    __slots__ = ("_raw",)

    if not TYPE_CHECKING:  # mypy would accept any attribute of a class with __getattr__

        def __getattr__(self, name):
            if name != "stats" and name != "attrs":
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self
                )
            try:
                raw = _raw_of(self)
            except AttributeError:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self
                ) from None
            stats, attrs = _lazy_decoder[0](raw)
            _set(self, "stats", stats)
            _set(self, "attrs", attrs)
            return stats if name == "stats" else attrs


_raw_of = _Lazy.__dict__["_raw"].__get__

#: ``_decode.stats_and_attrs``, set by ``_decode`` when it is imported (it imports this
#: module, so this one can't import it back): objects with a ``_raw`` come only from
#: ``_fast``, which imports ``_decode``, so the decoder is always there when needed.
_lazy_decoder: list[Any] = []


def _common(obj: Qdisc | Class | Filter, what: str) -> None:
    # the usual values (an ifindex, no attrs, no origin) pass these checks as they
    # are: skipped here for the specs of an add_many, with their labels unmade
    dev = obj.dev
    if not (type(dev) is int and 1 <= dev <= 0x7FFFFFFF):
        check_ref(dev, f"{what} dev")
    if obj.stats is not None and not isinstance(obj.stats, Stats):
        raise TypeError(f"{what} stats must be a Stats, not {_check._show(obj.stats)}")
    attrs = obj.attrs
    if type(attrs) is not tuple or attrs:
        _set(obj, "attrs", check_attrs(attrs, f"{what} attrs"))
    if obj.origin is not None:
        check_origin(obj.origin, f"{what} origin")


@dataclass(frozen=True, slots=True, kw_only=True)
class Qdisc(_Lazy):
    """A queueing discipline on ``dev``: ``tc qdisc add dev DEV [parent P|root|ingress]
    [handle H] KIND OPTIONS``.

    ``parent`` defaults to root (to ffff:fff1 and ``handle`` to ffff: for ingress
    and clsact, as tc sends them); ``handle`` 0 lets the kernel pick one.
    """

    dev: LinkRef
    options: QdiscOptions
    parent: int | str | None = None
    handle: int | str = 0
    stats: Stats | None = field(default=None, compare=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.options, _QDISC_OPTIONS):
            raise TypeError(
                f"qdisc options must be Tbf, Htb, Pfifo, Bfifo, PfifoFast, Ingress, Clsact "
                f"or Unknown, not {_check._show(self.options)}"
            )
        special = isinstance(self.options, Ingress | Clsact)
        parent = (INGRESS if special else ROOT) if self.parent is None else self.parent
        _set(self, "parent", _check.tc_handle(parent, "qdisc parent"))
        handle = 0xFFFF0000 if special and self.handle == 0 else self.handle
        _set(self, "handle", _check.tc_handle(handle, "qdisc handle"))
        if int(self.handle) & 0xFFFF:
            raise ValueError(f"qdisc handle {self.handle:#x} has a minor number: give 'MAJ:'")
        _common(self, "qdisc")

    @property
    def kind(self) -> str:
        return self.options.kind


@dataclass(frozen=True, slots=True, kw_only=True)
class Class(_Lazy):
    """A class of a classful qdisc: ``tc class add dev DEV parent P classid H KIND ...``."""

    dev: LinkRef
    handle: int | str
    options: ClassOptions
    parent: int | str = ROOT
    stats: Stats | None = field(default=None, compare=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.options, _CLASS_OPTIONS):
            raise TypeError(f"class options must be HtbClass, not {_check._show(self.options)}")
        _set(self, "handle", _check.tc_handle(self.handle, "classid"))
        _set(self, "parent", _check.tc_handle(self.parent, "class parent"))
        _common(self, "class")

    @property
    def kind(self) -> str:
        return self.options.kind


_ETH_P = {"all": 0x0003, "ip": 0x0800, "ipv6": 0x86DD, "arp": 0x0806, "802.1q": 0x8100}


@dataclass(frozen=True, slots=True, kw_only=True)
class Filter(_Lazy):
    """A filter: ``tc filter add dev DEV parent P protocol PROTO prio N KIND ...``.

    ``protocol`` is an ethertype or ``"ip"``, ``"ipv6"``, ``"arp"``, ``"all"``;
    ``prio`` 0 lets the kernel pick one. ``handle`` 0 too (u32 assigns 800::800...).
    """

    dev: LinkRef
    parent: int | str
    options: FilterOptions
    protocol: int | str = "all"
    prio: int = 0
    handle: int | str = 0
    chain: int | None = None
    stats: Stats | None = field(default=None, compare=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.options, _FILTER_OPTIONS):
            raise TypeError(f"filter options must be U32, not {_check._show(self.options)}")
        proto = self.protocol
        if isinstance(proto, str):
            known = _ETH_P.get(proto)  # a lower-case name: what choice() would return
            proto = (
                _ETH_P[_check.choice(proto.lower(), "filter protocol", _ETH_P)]
                if known is None
                else known
            )
        _set(self, "protocol", _check.uint(proto, 16, "filter protocol"))
        _check.uint(self.prio, 16, "filter prio")
        _set(self, "parent", _check.tc_handle(self.parent, "filter parent"))
        _set(self, "handle", _check.tc_handle(self.handle, "filter handle"))
        if self.chain is not None:
            _check.uint(self.chain, 32, "filter chain")
        _common(self, "filter")

    @property
    def kind(self) -> str:
        return self.options.kind

    @property
    def info(self) -> int:
        """tcm_info: the prio in the upper half, the protocol (network order) below."""
        return (self.prio << 16) | _socket.htons(int(self.protocol))
