"""Bridge FDB verbs (``bridge fdb``): fdb_add, fdb_append, fdb_replace, fdb_delete, fdb_dump."""

from __future__ import annotations

import errno
from collections.abc import Mapping
from functools import partial

from .. import _check
from .._plan import Plan, Request, drive
from .._rtnl import NTF, NUD
from .._typing import cast
from .._verb import spec_or_fields
from ..errors import kernel_error
from ..link import Link, LinkRef
from ..link._types import check_here
from ..link._verbs import get_plan as _link_get
from ..link._verbs import resolve_index_plan
from ._encode import build_add, build_append, build_delete, build_replace
from ._neighbours import dump_plan
from ._types import AF_BRIDGE, NTF_EXT_LEARNED, Neighbour, _ip, _label, _state

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Literal, Unpack

    from .._inet import IPAddress
    from ..handle import Handle
    from ._fields import FdbFields


if TYPE_CHECKING:
    On = Literal["self", "master", "both"]
else:
    On = str  # (annotations only)
_ON: dict[str, NTF] = {"self": NTF.SELF, "master": NTF.MASTER, "both": NTF.SELF | NTF.MASTER}
_FDB_STATE = NUD.PERMANENT | NUD.NOARP  # bridge/fdb.c: NUD_NOARP, plus PERMANENT unless "dynamic"


def _fdb_spec(
    h: Handle,
    dev: LinkRef,
    lladdr: str | bytes,
    fits: bool,
    /,
    *,
    dst: IPAddress | str | None = None,
    vni: int | None = None,
    port: int | None = None,
    vlan: int | None = None,
    via: LinkRef | None = None,
    src_vni: int | None = None,
    on: On = "self",
    state: NUD | int | str = _FDB_STATE,
    sticky: bool = False,
    extern_learn: bool = False,
) -> Plan[Neighbour]:
    """The request's FDB entry, every value checked before any device is looked up.

    With ``fits``, fields the target table would drop (see :func:`_fits_fdb`)
    are refused, the device asked for first (one read-only get) when any is given.
    """
    check_here(h, dev, "dev")
    if via is not None:
        check_here(h, via, "via")
    flags = _ON[_check.choice(on, "on", _ON)]
    if _check.boolean(sticky, "sticky"):
        flags |= NTF.STICKY
    if _check.boolean(extern_learn, "extern_learn"):
        flags |= NTF_EXT_LEARNED
    fields = {
        "family": AF_BRIDGE,
        # A MAC: 6 bytes, no less, no more.
        "lladdr": _check.lladdr(lladdr, "lladdr", length=6).hex(":"),
        "dst": None if dst is None else _ip(dst, "dst"),
        "state": _state(state),
        "flags": NTF(flags),
        "vni": _check.optional(vni, _check.uint, 24, "vni"),
        "port": _check.optional(port, _check.port, "port"),
        "vlan": _check.optional(vlan, _check.integer, "vlan", 1, 4094),
        "src_vni": _check.optional(src_vni, _check.uint, 24, "src_vni"),
    }
    Neighbour(index=1, **fields)  # type: ignore[arg-type]  # the rest, checked as a whole
    remote: dict[str, object] = {
        k: v
        for k, v in (("dst", dst), ("vni", vni), ("port", port), ("via", via), ("src_vni", src_vni))
        if v is not None
    }
    selfward = on != "master"
    index: int | None = None
    if fits and (remote or (selfward and (vlan is not None or sticky or extern_learn))):
        # Fields the target table would drop without a word: look the device up
        # and refuse them where they mean nothing.
        found = yield from _link_get(h, dev)
        _fits_fdb(found, on, remote, vlan, sticky, extern_learn)
        index = found.index
    if index is None:
        index = yield from resolve_index_plan(h, dev, "dev")
    via_index = None if via is None else (yield from resolve_index_plan(h, via, "via"))
    return Neighbour(
        index=index,
        via=via_index,
        **fields,  # type: ignore[arg-type]  # Neighbour's fields, checked above
    )


def _fits_fdb(
    found: Link,
    on: str,
    remote: dict[str, object],
    vlan: int | None,
    sticky: bool,
    extern_learn: bool,
) -> None:
    """Refuse FDB fields the entry's table would silently drop.

    Remotes (``dst``, ``vni``, ``port``, ``via``, ``src_vni``) exist only in a
    vxlan device's own table (drivers/net/vxlan: vxlan_fdb_add); a bridge's
    table (``on="master"``) and a plain device's address list ignore them.
    ``src_vni`` selects an entry only on an external (collect-metadata) vxlan.
    A vxlan device's own table has no vlans; a plain device's address list
    (ndo_dflt_fdb_add) keeps no flags.
    """
    kind = found.kind or "plain"
    vxlan_self = found.kind == "vxlan" and on != "master"
    for name, value in remote.items():
        if not vxlan_self:
            where = (
                f"on={on!r} is the bridge's table"
                if on == "master"
                else f"{found.name} is a {kind} device"
            )
            raise ValueError(
                f"{name}={_check._show(value)} sets a vxlan remote, which only a vxlan "
                f"device's own table (on='self') has; {where} (the kernel would drop it)"
            )
    if "src_vni" in remote and not getattr(found.data, "external", False):
        raise ValueError(
            f"src_vni={remote['src_vni']!r}: vxlan {found.name} is not external (collect "
            "metadata), whose entries have no source vni (the kernel would drop it)"
        )
    if vlan is not None and on == "self" and found.kind == "vxlan":
        raise ValueError(
            f"vlan={vlan}: a vxlan device's own table has no vlans (the kernel would drop it)"
        )
    if on == "self" and found.kind not in ("vxlan", "bridge"):
        for name, value in (("sticky", sticky), ("extern_learn", extern_learn)):
            if value:
                raise ValueError(
                    f"{name}=True: {found.name} is a {kind} device, whose own address list "
                    "keeps no entry flags (the kernel would drop it); on='master' sets "
                    "it in the bridge's table"
                )


_FIELDS = frozenset(  # FdbFields's keys
    [
        "dev",
        "lladdr",
        "dst",
        "vni",
        "port",
        "vlan",
        "via",
        "src_vni",
        "on",
        "state",
        "sticky",
        "extern_learn",
    ]
)


def _entry_fields(n: Neighbour) -> dict[str, object]:
    """An FDB entry given as a spec, as the keywords it stands for."""
    on = {NTF.SELF: "self", NTF.MASTER: "master", NTF.SELF | NTF.MASTER: "both"}
    out: dict[str, object] = {
        "dst": n.dst,
        "vni": n.vni,
        "port": n.port,
        "vlan": n.vlan,
        "via": n.via,
        "src_vni": n.src_vni,
        "on": on.get(NTF(n.flags & (NTF.SELF | NTF.MASTER)), "self"),
        "sticky": bool(n.flags & NTF.STICKY),
        "extern_learn": bool(n.flags & NTF_EXT_LEARNED),
    }
    if n.state:  # unset (NONE): the keywords' default, permanent + noarp
        out["state"] = n.state
    return {k: v for k, v in out.items() if v is not None}


def _fdb_verb(
    h: Handle, verb: str, entry: object, kw: Mapping[str, object], fits: bool
) -> Plan[tuple[Neighbour, str]]:
    """The request's FDB entry and its label, by the one rule (:mod:`rawns._verb`)."""
    _check.handle(h)
    n, given = spec_or_fields(f"neigh.{verb}", entry, kw, Neighbour, allowed=_FIELDS)
    if n is not None:
        _check.same_netns(n.origin, h, "entry", partial(_label, n.index, n.lladdr))
        if not n.is_fdb:
            raise ValueError(f"use neigh.{verb.removeprefix('fdb_')}() for an IP neighbour")
        if n.lladdr is None:
            raise ValueError(f"neigh.{verb}() needs an entry with an lladdr")
        dev: object = n.index
        lladdr: object = n.lladdr
        given = _entry_fields(n)
    else:
        dev = given.pop("dev", None)
        lladdr = given.pop("lladdr", None)
        if dev is None or lladdr is None:
            raise TypeError(
                f"neigh.{verb}() needs an entry, or dev= and lladdr= (got dev="
                f"{_check._show(dev)}, lladdr={_check._show(lladdr)})"
            )
    ref = cast("LinkRef", dev)
    out = yield from _fdb_spec(h, ref, cast("str | bytes", lladdr), fits, **given)  # type: ignore[arg-type]
    return out, _label(ref, out.lladdr)


def fdb_add(h: Handle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]) -> None:
    """Add a bridge FDB entry: on a bridge port (``on="master"``) or a vxlan device.

    Equivalent to: bridge fdb add LLADDR dev DEV [dst IP] [vni VNI] [port PORT] [self|master]

    The one verb shape (:mod:`rawns._verb`): an entry (a :class:`Neighbour`
    of family AF_BRIDGE), or ``dev=``, ``lladdr=`` and the other fields as
    keywords, not both. Raises :class:`~rawns.errors.AlreadyExists` if the
    entry exists, :class:`~rawns.errors.NotFound` for a missing device,
    :class:`ValueError`/:class:`TypeError` for a bad MAC (not 6 bytes),
    address, vlan (1..4094) or number, a field the entry's table would drop
    (a remote ``dst``/``vni``/``port``/``via`` anywhere but a vxlan device's
    own table, a ``vlan`` there, ``src_vni`` on a non-external vxlan,
    ``sticky`` on a plain device's own list: the device is looked up first),
    or a Link from another namespace (nothing sent).
    """
    drive(h, fdb_add_plan(h, entry, **kw))


def fdb_add_plan(
    h: Handle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]
) -> Plan[None]:
    n, label = yield from _fdb_verb(h, "fdb_add", entry, kw, True)
    yield Request(build_add(n), "RTM_NEWNEIGH", label)


def fdb_append(h: Handle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]) -> None:
    """Append a vxlan remote to an FDB entry (the all-zero MAC floods to every remote).

    Equivalent to: bridge fdb append LLADDR dev DEV dst IP [vni VNI] [port PORT]

    Takes what :func:`fdb_add` takes. Appending a remote that is already
    there is accepted and changes nothing (drivers/net/vxlan:
    vxlan_fdb_append). Only a vxlan device's own table (``on="self"``) has
    remotes: anywhere else the kernel would take the request as a plain add,
    so rawns looks the device up first (a read-only get) and raises
    :class:`~rawns.errors.NotSupported` without sending it. Raises
    :class:`~rawns.errors.NotFound` for a missing device,
    :class:`ValueError`/:class:`TypeError` for bad values or no ``dst``
    (nothing sent).
    """
    drive(h, fdb_append_plan(h, entry, **kw))


def fdb_append_plan(
    h: Handle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]
) -> Plan[None]:
    n, label = yield from _fdb_verb(h, "fdb_append", entry, kw, False)  # device checked below
    if n.dst is None:
        raise ValueError("fdb_append needs dst= (the vxlan remote to add)")
    found = yield from _link_get(h, n.index)
    if found.kind != "vxlan" or n.flags & NTF.MASTER:
        where = (
            "its bridge's table" if n.flags & NTF.MASTER else f"a {found.kind or 'plain'} device"
        )
        raise kernel_error(
            errno.EOPNOTSUPP,
            op="RTM_NEWNEIGH",
            target=label,
            extack=f"fdb_append adds a remote to a vxlan device's own table, not to {where}",
        )
    remote: dict[str, object] = {"dst": n.dst}
    remote.update(
        {k: getattr(n, k) for k in ("vni", "port", "via", "src_vni") if getattr(n, k) is not None}
    )
    _fits_fdb(found, "self", remote, n.vlan, bool(n.flags & NTF.STICKY), False)
    yield Request(build_append(n), "RTM_NEWNEIGH", label)


def fdb_replace(h: Handle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]) -> None:
    """Add an FDB entry or overwrite the existing one.

    Equivalent to: bridge fdb replace LLADDR dev DEV [dst IP] [vni VNI] [self|master]

    Takes what :func:`fdb_add` takes. Raises :class:`~rawns.errors.NotFound`
    for a missing device; :class:`ValueError`/:class:`TypeError` for bad
    values, as :func:`fdb_add`.
    """
    drive(h, fdb_replace_plan(h, entry, **kw))


def fdb_replace_plan(
    h: Handle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]
) -> Plan[None]:
    n, label = yield from _fdb_verb(h, "fdb_replace", entry, kw, True)
    yield Request(build_replace(n), "RTM_NEWNEIGH", label)


def fdb_delete(
    h: Handle,
    entry: Neighbour | None = None,
    /,
    **kw: Unpack[FdbFields],
) -> None:
    """Delete an FDB entry: one from :func:`fdb_dump`, or ``dev`` + ``lladdr`` (+ remote).

    Equivalent to: bridge fdb del LLADDR dev DEV [dst IP] [vni VNI] [self|master]

    For a vxlan device, ``dst`` removes just that remote. Raises
    :class:`~rawns.errors.NotFound` if there is no such entry or device;
    :class:`ValueError`/:class:`TypeError` for bad values or an entry from
    another namespace (nothing sent).
    """
    drive(h, fdb_delete_plan(h, entry, **kw))


def fdb_delete_plan(
    h: Handle, entry: Neighbour | None = None, /, **kw: Unpack[FdbFields]
) -> Plan[None]:
    _check.handle(h)
    spec, _given = spec_or_fields("neigh.fdb_delete", entry, kw, Neighbour, allowed=_FIELDS)
    if spec is None:
        n, label = yield from _fdb_verb(h, "fdb_delete", None, kw, True)
    else:
        entry = spec
        label = _label(entry.index, entry.lladdr)
        _check.same_netns(entry.origin, h, "entry", label)
        if not entry.is_fdb:
            raise ValueError("use neigh.delete() for an IP neighbour")
        where = entry.flags & (NTF.SELF | NTF.MASTER)
        if not where and entry.master == entry.index:
            # The bridge's own entries come with neither flag (br_fdb_fill_info)
            # and are deleted through the bridge device itself. Entries of a
            # port with neither flag go to its master, the kernel's default
            # (net/core/rtnetlink.c: rtnl_fdb_del).
            where = NTF.SELF
        n = Neighbour(
            index=entry.index,
            family=AF_BRIDGE,
            lladdr=entry.lladdr,
            dst=entry.dst,
            state=_FDB_STATE,
            flags=NTF(where),
            vlan=entry.vlan,
            vni=entry.vni,
            port=entry.port,
        )
    yield Request(build_delete(n), "RTM_DELNEIGH", label)


def fdb_dump(
    h: Handle, *, dev: LinkRef | None = None, master: LinkRef | None = None
) -> list[Neighbour]:
    """Bridge FDB entries (family AF_BRIDGE), filtered by port device or bridge.

    Equivalent to: bridge fdb show [dev DEV] [br BRIDGE]

    Raises :class:`~rawns.errors.NotFound` for a missing device,
    :class:`~rawns.errors.DumpInterrupted` if the table kept changing, and
    :class:`ValueError`/:class:`TypeError` for a bad argument (nothing sent).
    """
    return drive(h, fdb_dump_plan(h, dev=dev, master=master))


def fdb_dump_plan(
    h: Handle, *, dev: LinkRef | None = None, master: LinkRef | None = None
) -> Plan[list[Neighbour]]:
    return (yield from dump_plan(h, dev=dev, master=master, family=AF_BRIDGE))
