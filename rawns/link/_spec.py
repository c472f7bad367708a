"""Link specs: the common fields, input checks, and the add/replace verbs.

A spec names what you create (:class:`~rawns.link.Veth`, :class:`~rawns.link.Bridge`...).
Each kind subclasses :class:`LinkSpec` in its own module and fills in a few
hooks: ``kind``, ``_put_data`` (its IFLA_INFO_DATA), ``_put_top`` (top-level
attributes such as a macvlan's IFLA_LINK) and ``_parse_data`` (the reverse,
for :func:`parse_add`). The builder here calls the hooks; it never asks which
kind it holds.

Attribute order follows what ``ip link add`` sends for the same command
(iproute2 ``ip/iplink.c``: options in the order given, then IFLA_LINK, then
IFLA_IFNAME, then IFLA_LINKINFO), so the golden captures match byte for
byte. Like iproute2, rawns nests IFLA_LINKINFO without NLA_F_NESTED.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, Union

from .. import _check
from .._rtnl import IFF, IFINFOMSG, IFLA, IFLA_INFO, NLM_F, RTM
from .._wire import NLA_TYPE_MASK, Writer, iter_attrs, iter_messages
from ..errors import DecodeError, KernelError, NotFound, NotSupported
from ..netns import Netns
from ._base import (
    Link,
    LinkRef,
    Resolver,
    _get,
    check_here,
    check_ref,
    dump,
    header,
    listed,
    mac_str,
    pipeline,
)

if TYPE_CHECKING:
    from ..handle import Handle

__all__ = [
    "LinkSpec",
    "NetnsRef",
    "add",
    "add_many",
    "build_add",
    "build_replace",
    "parse_add",
    "replace",
]

#: Where a link goes: an open :class:`~rawns.netns.Netns` (sent as IFLA_NET_NS_FD)
#: or a process id whose namespace is meant (IFLA_NET_NS_PID).
NetnsRef = Union[Netns, int]  # noqa: UP007 - a runtime alias

T = TypeVar("T")
_IFF_UP = int(IFF.UP)
_U32 = struct.Struct("=I").unpack_from
IFALIAS_MAX = 255  # IFALIASZ - 1 (linux/if.h); the kernel's policy for IFLA_IFALIAS
MAX_QUEUES = 4096  # rtnl_create_link refuses more tx or rx queues

F_ADD = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL)
# Not NLM_F_REPLACE: rtnl_newlink refuses it for an existing link with
# EOPNOTSUPP (net/core/rtnetlink.c; "ip link replace" fails the same way).
# NLM_F_CREATE without EXCL is what creates, or changes the link in place.
F_REPLACE = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE)


# ---------------------------------------------------------------------------
# input checks the link kinds share (the value kinds themselves are rawns._check's)


def check_netns(value: object, what: str = "netns") -> NetnsRef:
    """Where a link goes: a :class:`~rawns.netns.Netns` or a pid (1..2**31-1)."""
    if isinstance(value, Netns):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return _check.integer(value, f"{what} (a pid)", 1, 0x7FFFFFFF)
    raise TypeError(
        f"{what} must be a Netns or a pid, not {type(value).__name__}: {_check._show(value)}"
    )


def check_netns_open(value: NetnsRef | None, what: str = "netns") -> None:
    """Refuse a :class:`~rawns.netns.Netns` closed since the spec was made (verbs call it)."""
    if isinstance(value, Netns) and value.closed:
        raise ValueError(f"{what} {value!r} is closed")


def check_mac(value: object, what: str = "mac") -> str:
    """A unicast Ethernet address (:func:`rawns._check.mac`), as lowercase ``aa:bb:...``."""
    return mac_str(_check.mac(value, what))


def check_queues(value: int | None, what: str) -> None:
    """A queue count the kernel accepts (rtnl_create_link: 1..4096), or None."""
    if value is not None:
        _check.integer(value, what, 1, MAX_QUEUES)


def check_alias(value: object, what: str = "alias") -> str:
    """IFLA_IFALIAS: at most 255 bytes, no NUL (empty clears it)."""
    return _check.text(value, what, max_bytes=IFALIAS_MAX, empty=True)


def put_netns(w: Writer, ns: NetnsRef) -> None:
    if isinstance(ns, Netns):
        w.put_u32(IFLA.NET_NS_FD, ns.fd)
    else:
        w.put_u32(IFLA.NET_NS_PID, ns)


def set_field(obj: object, name: str, value: object) -> None:
    """Normalise a field of a frozen spec in ``__post_init__``."""
    object.__setattr__(obj, name, value)


# ---------------------------------------------------------------------------
# the base spec


_SPECS: dict[str, type[LinkSpec]] = {}


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSpec:
    """What every link kind accepts; a kind's spec adds its own fields.

    ``name`` is an interface name the kernel takes literally (1..15 bytes; no
    ``/``, ``:``, ``%``, whitespace or NUL; see :func:`rawns._check.ifname`),
    ``mtu`` is 68..65536, ``mac`` a unicast Ethernet address of 6 bytes
    (normalised to lowercase ``aa:bb:...``), ``master`` a link reference (a
    name is looked up by :func:`add`), ``txqlen`` a u32, the queue counts
    1..4096, ``alias`` at most 255 bytes without NUL, ``netns`` where the new
    link goes (a :class:`~rawns.netns.Netns` or a pid). Each raises
    :class:`ValueError` or :class:`TypeError` naming the field and the bad
    value when the spec is made: nothing is cut short or rewritten on the way.
    """

    kind: ClassVar[str] = ""
    #: False for kinds the kernel refuses to create over rtnetlink (tun/tap).
    rtnetlink: ClassVar[bool] = True

    name: str
    mtu: int | None = None
    mac: str | None = None
    up: bool = False
    master: LinkRef | None = None
    txqlen: int | None = None
    num_tx_queues: int | None = None
    """Transmit queues to allocate (``numtxqueues``; fixed for the link's life)."""
    num_rx_queues: int | None = None
    """Receive queues to allocate (``numrxqueues``; fixed for the link's life)."""
    alias: str | None = None
    netns: NetnsRef | None = None

    def __init_subclass__(cls, **kw: Any) -> None:
        super(LinkSpec, cls).__init_subclass__(**kw)
        # dataclass(slots=True) makes a second class; the last one registered wins.
        if cls.kind and cls.rtnetlink:
            _SPECS[cls.kind] = cls

    def __post_init__(self) -> None:
        _check.ifname(self.name, "name")
        if self.mtu is not None:
            _check.mtu(self.mtu)
        if self.mac is not None:
            set_field(self, "mac", check_mac(self.mac))
        _check.boolean(self.up, "up")
        if self.master is not None:
            check_ref(self.master, "master")
        if self.txqlen is not None:
            _check.uint(self.txqlen, 32, "txqlen")
        check_queues(self.num_tx_queues, "num_tx_queues")
        check_queues(self.num_rx_queues, "num_rx_queues")
        if self.alias is not None:
            check_alias(self.alias)
        if self.netns is not None:
            check_netns(self.netns)

    # -- hooks for the kinds ---------------------------------------------------
    def refs(self) -> tuple[tuple[str, LinkRef], ...]:
        """Other links this spec names, with their field (its master, a lower device)."""
        return () if self.master is None else (("master", self.master),)

    def namespaces(self) -> tuple[tuple[str, NetnsRef], ...]:
        """The namespaces this spec sends links to, with their field."""
        return () if self.netns is None else (("netns", self.netns),)

    def target(self) -> str:
        """How errors of this spec's requests name it (a veth names both ends)."""
        return self.name

    def _creates(self) -> tuple[tuple[NetnsRef | None, str], ...]:
        """The links this spec makes: (namespace, or ``None`` for the handle's; name)."""
        return ((self.netns, self.name),)

    def _replace_conflict(
        self, existing: Link, index_of: Callable[[LinkRef], int | None]
    ) -> str | None:
        """Why ``replace`` cannot make ``existing`` (of this spec's kind) match the spec,
        or None. The kernel ignores what it cannot change in place rather than
        refusing it: the queue counts are fixed for a link's life."""
        for field_name, want, have in (
            ("num_tx_queues", self.num_tx_queues, existing.num_tx_queues),
            ("num_rx_queues", self.num_rx_queues, existing.num_rx_queues),
        ):
            if want is not None and have is not None and want != have:
                return (
                    f"{self.name} has {field_name}={have}, fixed for a link's life; "
                    f"replace cannot make it {want} (the kernel would ignore it)"
                )
        return None

    def same_kind(self, existing: Link) -> bool:
        """Whether ``existing`` (a link of this spec's name) is of this spec's kind."""
        if not isinstance(existing, Link):
            raise TypeError(
                f"existing must be a Link, not {type(existing).__name__}: {_check._show(existing)}"
            )
        return existing.kind == self.kind

    def check_here(self, h: Handle, what: str = "spec") -> None:
        """What a spec can only be checked against at send time: links it names
        were dumped in ``h``'s namespace, namespaces it names are still open."""
        _check.handle(h)
        for field_name, ref in self.refs():
            check_here(h, ref, f"{what}.{field_name}")
        for field_name, ns in self.namespaces():
            check_netns_open(ns, f"{what}.{field_name}")

    def _put_top(self, w: Writer, resolve: Resolver) -> None:
        """Top-level attributes of the kind, written after the common ones."""

    def _has_data(self) -> bool:
        """Whether IFLA_INFO_DATA is sent (iproute2 omits it when no option is given)."""
        return False

    def _put_data(self, w: Writer, resolve: Resolver) -> None:
        """The contents of IFLA_INFO_DATA."""

    @classmethod
    def _parse_data(
        cls, payload: bytes, start: int, end: int, top: dict[str, Any]
    ) -> dict[str, Any]:
        """Spec fields from a request's IFLA_INFO_DATA (and its top-level IFLA_LINK)."""
        return {}

    def followups(self) -> list[tuple[NetnsRef | None, bytes, str]]:
        """Requests that must follow the create: (namespace or ``None`` for here,
        message, the link it targets, for errors).

        The kernel ignores IFLA_IFALIAS in a create (rtnl_create_link does not
        read it; ``ip link add ... alias X`` silently drops it), so an alias
        is set right after, in the same pipeline when the link stays here.
        """
        if self.alias is None:
            return []
        from ._set import build_set

        return [(self.netns, build_set(self.name, alias=self.alias), self.name)]

    @classmethod
    def _parse_followups(cls, kw: dict[str, Any], rest: bytes) -> dict[str, Any]:
        """Spec fields from the messages :meth:`followups` added (the reverse)."""
        from ._set import parse_set

        out: dict[str, Any] = {}
        for _t, _f, _s, _p, start, end in iter_messages(rest):
            change = parse_set(rest[start - 16 : end])
            if change.ref == kw.get("name") and change.alias is not None:
                out["alias"] = change.alias
            else:
                raise DecodeError(f"unexpected follow-up {change} after a {cls.kind} create")
        return out

    def _create(self, h: Handle, flags: int) -> None:
        """Create a kind that rtnetlink cannot (``rtnetlink = False``)."""
        raise NotImplementedError(type(self).__name__)


def put_queues(w: Writer, tx: int | None, rx: int | None) -> None:
    if tx is not None:
        w.put_u32(IFLA.NUM_TX_QUEUES, tx)
    if rx is not None:
        w.put_u32(IFLA.NUM_RX_QUEUES, rx)


def put_common(w: Writer, spec: LinkSpec, resolve: Resolver) -> None:
    """The top-level attributes every spec shares, in ``ip link add`` order."""
    if spec.mtu is not None:
        w.put_u32(IFLA.MTU, spec.mtu)
    if spec.mac is not None:
        w.put(IFLA.ADDRESS, _check.mac(spec.mac))
    if spec.txqlen is not None:
        w.put_u32(IFLA.TXQLEN, spec.txqlen)
    put_queues(w, spec.num_tx_queues, spec.num_rx_queues)
    if spec.master is not None:
        w.put_u32(IFLA.MASTER, resolve(spec.master, "master"))
    if spec.netns is not None:
        put_netns(w, spec.netns)


def check_spec(spec: object, what: str = "spec") -> LinkSpec:
    """A spec of a link kind (not the LinkSpec base, not something else)."""
    if not isinstance(spec, LinkSpec):
        raise TypeError(
            f"{what} must be a link spec (Veth, Bridge...), "
            f"not {type(spec).__name__}: {_check._show(spec)}"
        )
    if not spec.kind:
        raise TypeError(
            f"{what}: {type(spec).__name__} {spec.name!r} names no link kind; use a kind's "
            "spec (Bridge, Veth, Macvlan, Vxlan, Ifb, Dummy, Tun, Tap)"
        )
    return spec


def _build(spec: LinkSpec, flags: int, resolve: Resolver) -> bytes:
    check_spec(spec)
    if not spec.rtnetlink:
        raise TypeError(
            f"{type(spec).__name__} links are not made over rtnetlink (the kernel refuses "
            f"kind {spec.kind!r}); add() creates them, build_ifreq() shows the ioctl"
        )
    w = Writer()
    w.begin(RTM.NEWLINK, flags=flags)
    up = _IFF_UP if spec.up else 0
    header(w, 0, up, up)
    put_common(w, spec, resolve)
    spec._put_top(w, resolve)
    w.put_strz(IFLA.IFNAME, spec.name)
    with w.nest_noflag(IFLA.LINKINFO):
        w.put_str(IFLA_INFO.KIND, spec.kind)
        if spec._has_data():
            with w.nest_noflag(IFLA_INFO.DATA):
                spec._put_data(w, resolve)
    w.end()
    return w.data()


def _here(spec: LinkSpec) -> list[tuple[bytes, str]]:
    """Follow-up messages for the handle's own namespace, with their targets."""
    return [(m, t) for ns, m, t in spec.followups() if ns is None]


def build_add(spec: LinkSpec) -> bytes:
    """RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL creating ``spec`` (``ip link add``).

    Pure: links the spec refers to (master, lower device) must be given by
    index or :class:`~rawns.link.Link`; a name raises :class:`ValueError`.
    A spec that needs a second step (a veth with ``peer_up``) adds that
    message after the first when it goes to the same namespace.
    """
    return b"".join([_build(spec, F_ADD, Resolver(None)), *(m for m, _t in _here(spec))])


def build_replace(spec: LinkSpec) -> bytes:
    """RTM_NEWLINK with NLM_F_CREATE and no EXCL: create, or change in place.

    (Not NLM_F_REPLACE, which the kernel refuses for an existing link.)
    """
    return b"".join([_build(spec, F_REPLACE, Resolver(None)), *(m for m, _t in _here(spec))])


def add(h: Handle, spec: LinkSpec) -> None:
    """Create a link from a spec, in one request (a veth with its peer, wherever it goes).

    Equivalent to: ip link add NAME [netns NS] type KIND ... (ip tuntap add for Tun/Tap)

    Raises :class:`~rawns.errors.AlreadyExists` if the name is taken (for a
    veth the error names both ends: ``RTM_NEWLINK vq (peer lo): File exists``),
    :class:`~rawns.errors.NotFound` if a named master or lower device is
    missing, :class:`~rawns.errors.NotSupported` if the kernel lacks the kind;
    :class:`ValueError`/:class:`TypeError` for a bad spec or handle, or a
    :class:`~rawns.link.Link` from another namespace as master or lower
    device (nothing sent).
    """
    _add_many(h, [spec], ["spec"], False, True)


def replace(h: Handle, spec: LinkSpec) -> None:
    """Create a link, or change an existing one of the same kind to match the spec.

    Equivalent to: ip link replace NAME type KIND ... as the kernel honours it
    (rawns sends NLM_F_CREATE without EXCL; the NLM_F_REPLACE that ip sends is
    refused with EOPNOTSUPP once the link exists)

    The link is looked up first (one RTM_GETLINK): the kernel would change a
    link of another kind in place, ignoring the kind asked for, when the spec
    carries no kind options (``Bridge(name="veth0")``). Raises
    :class:`~rawns.errors.NotSupported` naming both kinds if the link exists
    with another kind, or if the spec asks what the kernel would leave as it
    is (another queue count, a macvlan's lower device) (nothing sent), or if
    the kernel cannot change its kind's settings (a veth's peer); plus what
    :func:`add` raises.
    """
    _add_many(h, [spec], ["spec"], True, True)


def add_many(
    h: Handle, specs: Iterable[LinkSpec], *, replace: bool = False, check: bool = True
) -> list[KernelError | None]:
    """Create many links with pipelined requests: one send per window, acks in bulk.

    Equivalent to: ip -batch - (one "link add ..." line per spec)

    Specs are created in order; a spec that names a link made earlier in the
    same call (a bridge as master) waits for the requests before it. Returns
    one entry per spec, ``None`` or its :class:`~rawns.errors.KernelError`; with
    ``check`` (the default) the first error is raised once every ack is in.
    Follow-ups (an alias, a veth peer brought up) are sent only for links
    whose create succeeded. Raises :class:`ValueError`/:class:`TypeError` for
    a bad spec, handle or flag, or (without ``replace``) two specs making a
    link of the same name in the same namespace, before anything is sent. With ``replace``,
    every name is looked up first (one dump): a link of another kind is
    :class:`~rawns.errors.NotSupported`, raised before anything is sent (with
    ``check=False``: that spec's entry, and the spec is skipped).
    """
    return _add_many(h, specs, None, replace, check)


def _add_many(
    h: Handle,
    specs: Iterable[LinkSpec],
    whats: list[str] | None,
    replace: bool,
    check: bool,
) -> list[KernelError | None]:
    _check.handle(h)
    _check.boolean(replace, "replace")
    _check.boolean(check, "check")
    specs = listed(specs, "specs")
    if whats is None:
        whats = [f"specs[{i}]" for i in range(len(specs))]
    for spec, what in zip(specs, whats, strict=True):
        check_spec(spec, what).check_here(h, what)
    if not replace:
        _refuse_repeats(specs, whats)
    results: list[KernelError | None] = [None] * len(specs)
    if replace:
        for i, err in _kind_conflicts(h, specs, whats):
            if check:
                raise err
            results[i] = err
    flags = F_REPLACE if replace else F_ADD
    resolve = Resolver(h)
    msgs: list[bytes] = []
    targets: list[str] = []
    owner: list[int] = []
    pending: set[str] = set()
    later: list[tuple[int, bytes, str]] = []
    elsewhere: list[tuple[int, NetnsRef, bytes, str]] = []

    def flush() -> None:
        _send(h, msgs, targets, owner, results)
        # Follow-ups go after every create of the run, not after each (bringing
        # a veth peer up between creates made 1,000 pairs ~2x slower here), and
        # only for the creates that succeeded: sent along with a create that
        # failed (EEXIST), an alias or an "up" would change the link that was
        # already there.
        for i, m, t in later:
            if results[i] is None:
                msgs.append(m)
                targets.append(t)
                owner.append(i)
        _send(h, msgs, targets, owner, results)
        pending.clear()
        later.clear()

    for i, spec in enumerate(specs):
        if results[i] is not None:
            continue  # refused up front (replace of another kind, check=False)
        names = {r for _f, r in spec.refs() if isinstance(r, str)}
        if names & pending or not spec.rtnetlink:
            flush()
        if not spec.rtnetlink:
            try:
                spec._create(h, flags)
            except KernelError as e:
                results[i] = e
            continue
        try:
            first = _build(spec, flags, resolve)
        except KernelError as e:  # a named master or lower device is missing
            results[i] = e
            continue
        msgs.append(first)
        targets.append(spec.target())
        owner.append(i)
        later.extend((i, m, t) for m, t in _here(spec))
        elsewhere.extend((i, ns, m, t) for ns, m, t in spec.followups() if ns is not None)
        pending.add(spec.name)
        resolve.forget(spec.name)
    flush()
    _run_elsewhere(elsewhere, results)
    if check:
        for r in results:
            if r is not None:
                raise r
    return results


def _where(ns: NetnsRef | None) -> object:
    """A key for the namespace a link is made in (the handle's: None)."""
    if isinstance(ns, Netns):
        return ("netns", ns.inode())
    return None if ns is None else ("pid", ns)


def _refuse_repeats(specs: list[LinkSpec], whats: list[str]) -> None:
    """Two specs making a link of the same name in the same namespace: the second
    create would fail (EEXIST) after the first; a caller mistake, refused first."""
    made: dict[tuple[object, str], str] = {}
    for spec, what in zip(specs, whats, strict=True):
        for ns, name in spec._creates():
            by = made.setdefault((_where(ns), name), what)
            if by != what:
                raise ValueError(
                    f"{what} makes a link named {name!r} where {by} makes one too: the "
                    "second create would fail with File exists after the first"
                )


def _send(
    h: Handle,
    msgs: list[bytes],
    targets: list[str],
    owner: list[int],
    results: list[KernelError | None],
) -> None:
    """Pipeline ``msgs``; the first error of each spec goes in its entry. Empties the lists."""
    for i, r in zip(owner, pipeline(h, msgs, targets, "RTM_NEWLINK", False), strict=True):
        if r is not None and results[i] is None:
            results[i] = r
    msgs.clear()
    targets.clear()
    owner.clear()


def existing_kind(lk: Link) -> str | None:
    """A link's kind as a spec names it: tun devices report kind ``tun`` for
    both modes, their :class:`~rawns.link.TunInfo` says ``tun`` or ``tap``."""
    if lk.kind == "tun":
        return getattr(lk.data, "type", None) or "tun"
    return lk.kind


def _kind_conflicts(
    h: Handle, specs: list[LinkSpec], whats: list[str]
) -> list[tuple[int, KernelError]]:
    """Specs whose name is a link of another kind, as the NotSupported each gets.

    ``replace`` on such a link would be the kernel's rtnl_newlink changing the
    existing device in place: without IFLA_INFO_DATA it ignores the kind asked
    for and reports success having changed nothing of the kind; with it, it
    refuses with EOPNOTSUPP. Links made earlier in the same call count too.
    """
    if len(specs) == 1:
        try:
            existing = {specs[0].name: _get(h, specs[0].name)}
        except NotFound:
            existing = {}
    else:
        existing = {lk.name: lk for lk in dump(h)}
    made: dict[str, tuple[str, str]] = {}
    out: list[tuple[int, KernelError]] = []

    def index_of(ref: LinkRef) -> int | None:
        """A reference's index for comparing with an existing link (None: unknown)."""
        if isinstance(ref, Link):
            return ref.index
        if isinstance(ref, int):
            return ref
        if ref in existing:
            return existing[ref].index
        if len(specs) == 1:
            try:
                return _get(h, ref).index
            except NotFound:
                return None
        return None

    for i, spec in enumerate(specs):
        if spec.name in made:
            have, by = made[spec.name]
            there: str | None = f"a {have} ({by} makes it in this call)"
            if have == spec.kind:
                there = None
        elif spec.name in existing:
            lk = existing[spec.name]
            kind = existing_kind(lk)
            if kind == spec.kind:
                why = spec._replace_conflict(lk, index_of)
                if why is not None:
                    out.append((i, _not_supported(spec, f"{why}; nothing was sent")))
                    continue
                there = None
            else:
                there = f"a {kind} link" if kind else "a device of no kind (lo, a NIC...)"
        else:
            there = None
        if there is None:
            made[spec.name] = (spec.kind, whats[i])
            continue
        out.append(
            (
                i,
                _not_supported(
                    spec,
                    f"{spec.name} exists as {there}; replace keeps a link's kind and "
                    f"cannot make it a {spec.kind} (delete it first); nothing was sent",
                ),
            )
        )
    return out


def _not_supported(spec: LinkSpec, extack: str) -> KernelError:
    return NotSupported(errno.EOPNOTSUPP, op="RTM_NEWLINK", target=spec.target(), extack=extack)


def _run_elsewhere(
    todo: list[tuple[int, NetnsRef, bytes, str]], results: list[KernelError | None]
) -> None:
    """Follow-ups for other namespaces (a peer brought up where it lives)."""
    from .. import netns as _netns
    from ..handle import Handle

    groups: dict[int, list[tuple[int, NetnsRef, bytes, str]]] = {}
    for item in todo:
        if results[item[0]] is None:
            groups.setdefault(id(item[1]), []).append(item)
    for items in groups.values():
        where = items[0][1]
        ns = where.dup() if isinstance(where, Netns) else _netns.open(pid=where)
        with ns, Handle.open(netns=ns) as other:
            names = [x[3] for x in items]
            answers = pipeline(other, [x[2] for x in items], names, "RTM_NEWLINK", False)
            for (i, _ns, _m, _t), r in zip(items, answers, strict=True):
                if r is not None and results[i] is None:
                    results[i] = r


# ---------------------------------------------------------------------------
# the reverse: a request back into a spec (golden tests, debugging)


def parse_common(payload: bytes, start: int, end: int) -> dict[str, Any]:
    """Spec fields from an ifinfomsg and the common attributes that follow it."""
    if end - start < IFINFOMSG.size:
        raise DecodeError(f"ifinfomsg needs {IFINFOMSG.size} bytes", offset=start)
    _fam, _type, index, flags, change = IFINFOMSG.unpack_from(payload, start)
    kw: dict[str, Any] = {}
    if index:
        kw["index"] = index
    if change & IFF.UP:
        kw["up"] = bool(flags & IFF.UP)
    for atype, a, b in iter_attrs(payload, start + IFINFOMSG.size, end):
        t = atype & NLA_TYPE_MASK
        if t == IFLA.IFNAME:
            kw["name"] = payload[a:b].rstrip(b"\0").decode()
        elif t == IFLA.MTU:
            kw["mtu"] = _U32(payload, a)[0]
        elif t == IFLA.ADDRESS:
            kw["mac"] = mac_str(payload[a:b])
        elif t == IFLA.TXQLEN:
            kw["txqlen"] = _U32(payload, a)[0]
        elif t == IFLA.NUM_TX_QUEUES:
            kw["num_tx_queues"] = _U32(payload, a)[0]
        elif t == IFLA.NUM_RX_QUEUES:
            kw["num_rx_queues"] = _U32(payload, a)[0]
        elif t == IFLA.IFALIAS:
            kw["alias"] = payload[a:b].rstrip(b"\0").decode()
        elif t == IFLA.MASTER:
            kw["master"] = _U32(payload, a)[0]
        elif t == IFLA.NET_NS_PID:
            kw["netns"] = _U32(payload, a)[0]
        elif t == IFLA.NET_NS_FD:
            raise DecodeError(
                "IFLA_NET_NS_FD is a file descriptor of the sender; it cannot be "
                "turned back into a Netns",
                offset=a,
            )
        elif t == IFLA.LINK:
            kw["link"] = _U32(payload, a)[0]
        elif t == IFLA.LINKINFO:
            kw["linkinfo"] = (a, b)
        else:
            kw.setdefault("unknown", []).append(t)
    return kw


def parse_add(msg: bytes) -> LinkSpec:
    """The spec an RTM_NEWLINK create request (header included) describes.

    The inverse of :func:`build_add`: ``parse_add(build_add(spec)) == spec``
    (a follow-up message that :func:`build_add` appends is read back too).
    Raises :class:`~rawns.errors.DecodeError` for bytes it cannot map to a spec.
    """
    return decode_request(_parse_add, msg, "a link spec")


def decode_request(parse: Callable[[bytes], T], msg: bytes, what: str) -> T:
    """Run a request parser; any mapping failure becomes a :class:`DecodeError`.

    Shared by :func:`parse_add` and :func:`~rawns.link.parse_set`: a value the
    spec refuses or a field of the wrong size or encoding (fuzz findings) must
    not escape as ValueError, struct.error...
    """
    try:
        return parse(msg)
    except DecodeError:
        raise
    except (ValueError, TypeError, IndexError, KeyError, struct.error) as e:
        raise DecodeError(f"RTM_NEWLINK request does not map to {what}: {e}") from e


def first_newlink(msg: bytes) -> tuple[int, int, int | None]:
    """``(start, end, next)`` of the RTM_NEWLINK that opens ``msg``.

    ``start:end`` is its payload; ``next`` is where the following message
    starts, or None if it is the only one.
    """
    msgs = list(iter_messages(msg))
    if not msgs:
        raise DecodeError("no message")
    (mtype, _flags, _seq, _pid, start, end), *rest = msgs
    if mtype != RTM.NEWLINK:
        raise DecodeError(f"expected RTM_NEWLINK, got message type {mtype}")
    return start, end, (rest[0][4] - 16 if rest else None)


def _parse_add(msg: bytes) -> LinkSpec:
    start, end, next_at = first_newlink(msg)
    kw = parse_common(msg, start, end)
    kind = None
    data = (0, 0)
    for it, a, b in iter_attrs(msg, *kw.pop("linkinfo", (0, 0))):
        if it & NLA_TYPE_MASK == IFLA_INFO.KIND:
            kind = msg[a:b].rstrip(b"\0").decode()
        elif it & NLA_TYPE_MASK == IFLA_INFO.DATA:
            data = (a, b)
    cls = _SPECS.get(kind or "")
    if cls is None:
        raise DecodeError(f"no link spec for kind {kind!r}")
    if kw.pop("unknown", None) or kw.pop("index", 0):
        raise DecodeError("the request carries attributes no spec field holds")
    top = {"link": kw.pop("link")} if "link" in kw else {}
    kw.update(cls._parse_data(msg, data[0], data[1], top))
    if next_at is not None:
        kw.update(cls._parse_followups(kw, msg[next_at:]))
    if top:
        raise DecodeError(f"IFLA_LINK is not a field of {cls.__name__}")
    names = {f.name for f in fields(cls)}
    extra = set(kw) - names
    if extra:
        raise DecodeError(f"{cls.__name__} has no field for {sorted(extra)}")
    return cls(**kw)
