"""IP neighbour verbs (``ip neigh``): add, replace, delete, get, dump."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from .. import _check
from .._plan import Dump, Plan, Request, drive
from .._rtnl import IFF, NTF, NUD, RTM
from .._typing import cast
from .._verb import spec_or_fields
from ..errors import AlreadyExists, DecodeError, KernelError, NotFound
from ..link import Link, LinkRef
from ..link._types import check_here
from ..link._verbs import get_plan as _link_get
from ..link._verbs import resolve_index_plan
from ._decode import parse_neighbour
from ._encode import build_add, build_delete, build_dump, build_get, build_replace
from ._types import (
    NUD_VALID,
    Neighbour,
    _family,
    _ip,
    _label,
    _state,
    neigh_flags,
    with_index,
)

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Unpack

    from .._inet import IPAddress
    from ..handle import Handle
    from ._fields import NeighFields, NeighMatch


# Read per call, as ints: IntFlag members and operators run Python code on Python 3.11.
_PROXY, _ROUTER, _VALID = int(NTF.PROXY), int(NTF.ROUTER), int(NUD_VALID)
_LOOPBACK_OR_P2P = int(IFF.LOOPBACK | IFF.POINTOPOINT)

_FIELDS = frozenset(  # NeighFields's keys
    ["dev", "dst", "lladdr", "state", "proxy", "router", "flags", "protocol"]
)
_MATCH = frozenset(["dev", "dst", "proxy"])  # NeighMatch's keys


def _verb_spec(
    h: Handle, verb: str, spec: object, kw: Mapping[str, object], *, new: bool
) -> Plan[tuple[Neighbour, str]]:
    """The request's Neighbour and its label, by the one rule (:mod:`rawns._verb`)."""
    _check.handle(h)
    what = f"neigh.{verb}"
    n, given = spec_or_fields(what, spec, kw, Neighbour, allowed=_FIELDS if new else _MATCH)
    if n is not None:
        label = _label(n.index, n.dst)
        _check.same_netns(n.origin, h, "neighbour", label)
        if n.is_fdb:
            raise ValueError(f"use neigh.fdb_{verb}() for an FDB entry")
        if n.dst is None:
            raise ValueError(f"{what}() needs a Neighbour with a dst")
        if not new:
            return (
                Neighbour(
                    index=n.index,
                    family=n.family,
                    dst=n.dst,
                    state=NUD.PERMANENT,
                    flags=NTF(n.flags & NTF.PROXY),
                ),
                label,
            )
        return (
            (
                yield from _ip_spec(
                    h,
                    n.index,
                    n.dst,
                    True,
                    lladdr=n.lladdr,
                    state=n.state or NUD.PERMANENT,  # unset (NONE): the keywords' default
                    flags=n.flags,
                    protocol=n.protocol,
                )
            ),
            label,
        )
    dev = cast("LinkRef | None", given.pop("dev", None))
    dst = cast("IPAddress | str | None", given.pop("dst", None))
    if dev is None or dst is None:
        raise TypeError(
            f"{what}() needs a Neighbour, or dev= and dst= (got dev={_check._show(dev)}, "
            f"dst={_check._show(dst)})"
        )
    n = yield from _ip_spec(h, dev, dst, new, **given)  # type: ignore[arg-type]  # NeighFields' keys
    return n, _label(dev, n.dst)


def _ip_spec(
    h: Handle,
    dev: LinkRef,
    dst: IPAddress | str,
    new: bool,
    /,
    *,
    lladdr: str | bytes | None = None,
    state: NUD | int | str = NUD.PERMANENT,
    proxy: bool = False,
    router: bool = False,
    flags: NTF | int | str | Collection[int | str] = 0,
    protocol: int | None = None,
) -> Plan[Neighbour]:
    """The request's Neighbour: every value checked before the device is looked up.

    With an ``lladdr`` the device is asked for (one read-only get) so that the
    address has exactly the device's length: the kernel keeps ``addr_len``
    bytes of a longer one (an lladdr of 7 or 20 bytes on Ethernet became 6).
    A ``new`` IPv4 entry's device is asked for too: on a loopback or
    point-to-point device the kernel would store the entry as 0.0.0.0.
    """
    check_here(h, dev, "dev")  # no request: a name's syntax, an index, a Link's namespace
    _check.boolean(proxy, "proxy")
    _check.boolean(router, "router")
    bits = int(neigh_flags(flags)) | (_PROXY if proxy else 0) | (_ROUTER if router else 0)
    proxy = bool(bits & _PROXY)
    if proxy and lladdr is not None:
        # pneigh entries have no link-layer address: the kernel would ignore it.
        raise ValueError(f"a proxy entry takes no lladdr (got {_check._show(lladdr)})")
    spec = Neighbour(
        index=1,  # a stand-in until the device is known
        dst=_ip(dst, "dst"),
        lladdr=None if lladdr is None else _check.lladdr(lladdr, "lladdr").hex(":"),
        state=_state(state),
        flags=bits,
        protocol=_check.optional(protocol, _check.uint, 8, "protocol"),
    )
    if proxy and spec.state != NUD.PERMANENT:
        # pneigh entries have no state either.
        raise ValueError(f"a proxy entry takes no state (got {_check._show(state)})")
    if spec.lladdr is not None and not int(spec.state) & _VALID:
        # __neigh_update drops the address of an entry in such a state.
        raise ValueError(
            f"lladdr {_check._show(lladdr)} with state {_check._show(state)}: "
            "the kernel keeps no link-layer address in that state (use permanent, "
            "reachable, stale, noarp...)"
        )
    assert spec.dst is not None
    v4 = spec.dst.version == 4 and not spec.dst.is_unspecified
    if spec.lladdr is None and not (new and v4 and not proxy):
        index = yield from resolve_index_plan(h, dev, "dev")
    else:
        found = yield from _link_get(h, dev)
        index = found.index
        if spec.lladdr is not None:
            _fits_device(spec.lladdr, lladdr, found)
        if new and v4 and not proxy and found.flags & _LOOPBACK_OR_P2P:
            # arp_constructor keys every IPv4 entry of such a device as 0.0.0.0.
            raise ValueError(
                f"dst {spec.dst}: device {found.name} is loopback or point-to-point, where "
                "the kernel stores every IPv4 neighbour as 0.0.0.0"
            )
    return with_index(spec, index)  # every value was checked, the index is new


def _fits_device(lladdr: str, given: object, dev: Link) -> None:
    want = 0 if not dev.mac else len(dev.mac.split(":"))
    got = len(lladdr.split(":"))
    if want == 0:
        raise ValueError(
            f"lladdr {_check._show(given)}: device {dev.name} has no link-layer address "
            "(the kernel would drop it)"
        )
    if got != want:
        raise ValueError(
            f"lladdr {_check._show(given)} is {got} bytes; device {dev.name} takes {want}"
        )


def _new(h: Handle, n: Neighbour, msg: bytes, label: str, *, replace: bool) -> Plan[None]:
    """Send an RTM_NEWNEIGH; if the kernel refuses it, leave no entry it made on the way.

    A request in a valid state without lladdr ("No link layer address given")
    is refused only after the kernel has created the entry, which stays behind
    in state NONE (net/core/neighbour.c: neigh_add, then __neigh_update fails).
    Such a leftover, when the entry did not exist before, is deleted here.
    """
    risky = n.lladdr is None and not (n.flags & NTF.PROXY) and bool(n.state & NUD_VALID)
    existed = replace and risky and (yield from _exists(h, n))
    try:
        yield Request(msg, "RTM_NEWNEIGH", label)
    except KernelError as e:
        if risky and not existed and not isinstance(e, AlreadyExists):
            yield from _drop_leftover(h, n)
        raise


def _exists(h: Handle, n: Neighbour) -> Plan[bool]:
    assert n.dst is not None
    try:
        yield Request(build_get(index=n.index, dst=n.dst), "RTM_GETNEIGH", "")
    except NotFound:
        return False
    return True


def _drop_leftover(h: Handle, n: Neighbour) -> Plan[None]:
    assert n.dst is not None
    try:  # best effort: the caller gets the first error
        replies = yield Request(build_get(index=n.index, dst=n.dst), "RTM_GETNEIGH", "")
        for r in replies:
            if r.type == RTM.NEWNEIGH and parse_neighbour(r.payload).state == NUD.NONE:
                yield Request(build_delete(n), "RTM_DELNEIGH", "")
    except KernelError:
        pass


def add(h: Handle, neighbour: Neighbour | None = None, /, **kw: Unpack[NeighFields]) -> None:
    """Add a neighbour entry (permanent by default), or a proxy entry with ``proxy=True``.

    Equivalent to: ip neigh add DST lladdr LLADDR nud STATE dev DEV [proxy] [router]
    [extern_learn]

    ``flags`` takes NTF bits or their names (``"router"``, ``["router",
    "extern_learn"]``). The one verb shape (:mod:`rawns._verb`): a :class:`Neighbour`, or
    ``dev=``, ``dst=`` and the other fields as keywords, not both. Raises
    :class:`~rawns.errors.AlreadyExists` if the entry exists,
    :class:`~rawns.errors.NotFound` for a missing device, :class:`ValueError`/
    :class:`TypeError` for a bad address, state or lladdr (an lladdr must have
    the device's length, and a state that keeps one), an IPv4 entry on a
    loopback or point-to-point device (the kernel would store it as 0.0.0.0),
    or a Neighbour or Link from another namespace (nothing sent).
    """
    drive(h, add_plan(h, neighbour, **kw))


def add_plan(
    h: Handle, neighbour: Neighbour | None = None, /, **kw: Unpack[NeighFields]
) -> Plan[None]:
    n, label = yield from _verb_spec(h, "add", neighbour, kw, new=True)
    yield from _new(h, n, build_add(n), label, replace=False)


def replace(h: Handle, neighbour: Neighbour | None = None, /, **kw: Unpack[NeighFields]) -> None:
    """Add a neighbour entry or overwrite the existing one.

    Equivalent to: ip neigh replace DST lladdr LLADDR nud STATE dev DEV

    Takes what :func:`add` takes. Raises :class:`~rawns.errors.NotFound` for
    a missing device, :class:`ValueError`/:class:`TypeError` for bad values,
    as :func:`add` (nothing sent).
    """
    drive(h, replace_plan(h, neighbour, **kw))


def replace_plan(
    h: Handle, neighbour: Neighbour | None = None, /, **kw: Unpack[NeighFields]
) -> Plan[None]:
    n, label = yield from _verb_spec(h, "replace", neighbour, kw, new=True)
    yield from _new(h, n, build_replace(n), label, replace=True)


def delete(h: Handle, neighbour: Neighbour | None = None, /, **kw: Unpack[NeighMatch]) -> None:
    """Delete a neighbour entry: a :class:`Neighbour` from :func:`dump`, or ``dev`` + ``dst``.

    Equivalent to: ip neigh del DST dev DEV [proxy]

    Raises :class:`~rawns.errors.NotFound` if there is no such entry or device;
    :class:`ValueError`/:class:`TypeError` for bad values or an entry from
    another namespace (nothing sent).
    """
    drive(h, delete_plan(h, neighbour, **kw))


def delete_plan(
    h: Handle, neighbour: Neighbour | None = None, /, **kw: Unpack[NeighMatch]
) -> Plan[None]:
    n, label = yield from _verb_spec(h, "delete", neighbour, kw, new=False)
    yield Request(build_delete(n), "RTM_DELNEIGH", label)


def get(h: Handle, *, dev: LinkRef, dst: IPAddress | str, proxy: bool = False) -> Neighbour:
    """One neighbour entry, asked of the kernel directly (no dump).

    Equivalent to: ip neigh get DST dev DEV [proxy]

    Raises :class:`~rawns.errors.NotFound` if there is no such entry or device;
    :class:`ValueError`/:class:`TypeError` for bad values (nothing sent).
    """
    return drive(h, get_plan(h, dev=dev, dst=dst, proxy=proxy))


def get_plan(
    h: Handle, *, dev: LinkRef, dst: IPAddress | str, proxy: bool = False
) -> Plan[Neighbour]:
    _check.handle(h)
    check_here(h, dev, "dev")
    addr = _ip(dst, "dst")
    _check.boolean(proxy, "proxy")
    msg = build_get(index=(yield from resolve_index_plan(h, dev, "dev")), dst=addr, proxy=proxy)
    label = _label(dev, addr)
    replies = yield Request(msg, "RTM_GETNEIGH", label)
    for r in replies:
        if r.type == RTM.NEWNEIGH:
            return parse_neighbour(r.payload, h.netns_ident)
    raise DecodeError(f"RTM_GETNEIGH {label}: the kernel sent no neighbour")


def dump(
    h: Handle,
    *,
    dev: LinkRef | None = None,
    family: int | str | None = None,
    master: LinkRef | None = None,
    proxy: bool = False,
) -> list[Neighbour]:
    """Neighbour entries, filtered by the kernel by device, family and master.

    Equivalent to: ip neigh show [dev DEV] [-4|-6] [proxy]

    ``family`` is ``"inet"``, ``"inet6"``, an ``AF_*`` number or None (both);
    ``"bridge"`` dumps the FDB (as :func:`fdb_dump`). Each entry remembers the
    handle's namespace (:attr:`Neighbour.origin`). Raises
    :class:`~rawns.errors.NotFound` for a missing device,
    :class:`~rawns.errors.DumpInterrupted` if the table kept changing, and
    :class:`ValueError`/:class:`TypeError` for a bad argument (nothing sent).
    """
    return drive(h, dump_plan(h, dev=dev, family=family, master=master, proxy=proxy))


def dump_plan(
    h: Handle,
    *,
    dev: LinkRef | None = None,
    family: int | str | None = None,
    master: LinkRef | None = None,
    proxy: bool = False,
) -> Plan[list[Neighbour]]:
    _check.handle(h)
    for what, ref in (("dev", dev), ("master", master)):
        if ref is not None:
            check_here(h, ref, what)
    fam = _family(family)
    build_dump(family=fam, proxy=proxy)  # checks them before any name is looked up
    index = (yield from resolve_index_plan(h, dev, "dev")) if dev is not None else 0
    mindex = (yield from resolve_index_plan(h, master, "master")) if master is not None else 0
    msg = build_dump(family=fam, index=index, master=mindex, proxy=proxy)
    origin = h.netns_ident

    def parse_at(data: bytes, start: int, end: int) -> Neighbour:
        return parse_neighbour(data[start:end], origin)

    neighbours: list[Neighbour] = yield Dump(msg, "RTM_GETNEIGH", "dump", parse_at)
    return neighbours


# ---------------------------------------------------------------------------
