"""Addresses (``ip addr``): add, replace, delete, dump, flush and bulk add.

:class:`Address` is both what the kernel reports and what you ask for. Its
constructor takes ``str`` or :mod:`ipaddress` values; ``"192.168.15.1"``
without a prefix length means /32 (or /128), as with ``ip``. Each verb has
a pure twin (:func:`build_add`, ...) returning the request bytes.

The kernel's two address attributes are easy to mix up (linux/if_addr.h):
``IFA_LOCAL`` is the interface's own address and ``IFA_ADDRESS`` the peer
on a point-to-point link; without a peer both hold the local address (IPv6
then sends only ``IFA_ADDRESS``). Here :attr:`Address.address` is always the
local address with its prefix length, and :attr:`Address.peer` the peer.

:class:`Address` lives in ``_types``, the ``build_*`` twins in ``_encode``,
:func:`parse_address` in ``_decode``, and the verbs here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial

from .. import _check
from .._inet import ip
from .._plan import Dump, Pipeline, Plan, Request, drive
from .._rtnl import IFA_F as AddrFlag
from .._typing import cast, overload
from .._verb import moved_spec, spec_or_fields
from ..errors import KernelError, NotFound
from ..link import Link, LinkRef
from ..link._types import check_here
from ..link._verbs import get_plan as _link_get
from ..link._verbs import resolve_index_plan
from ._decode import parse_address
from ._encode import build_add, build_delete, build_dump, build_replace
from ._types import INFINITY_LIFE_TIME, Address, _family, check_scope, label_of, with_index
from ._types import SCOPES as SCOPES

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Unpack

    from .._inet import IPAddress, IPInterface
    from ..handle import Handle
    from ._fields import AddrFields, AddrMatch

__all__ = [
    "INFINITY_LIFE_TIME",
    "AddrFields",
    "AddrFlag",
    "AddrMatch",
    "Address",
    "add",
    "add_many",
    "build_add",
    "build_delete",
    "build_dump",
    "build_replace",
    "delete",
    "dump",
    "flush",
    "parse_address",
    "replace",
]


def _dev_name(h: Handle, dev: LinkRef | None, index: int) -> Plan[str]:
    """The device's name: as given, from a Link, or asked of the kernel (a read-only get)."""
    if isinstance(dev, str):
        return dev
    if isinstance(dev, Link):
        return dev.name
    return (yield from _link_get(h, index)).name


def _check_label(name: str, label: str) -> None:
    # ip refuses a label that is not DEV or DEV:something; the kernel would
    # accept it, and `ip addr` would then show it under a confusing name.
    if label != name and not label.startswith(name + ":"):
        raise ValueError(f"label {label!r} must be {name!r} or start with {name + ':'!r}")


def _address_types() -> tuple[type, ...]:
    """What a verb takes positionally as the address (``addr.add(h, "10.0.0.1/24", dev=...)``)."""
    return (str, ip.IPv4Interface, ip.IPv6Interface, ip.IPv4Address, ip.IPv6Address)


_FIELDS = frozenset(  # AddrFields's keys
    [
        "address",
        "dev",
        "peer",
        "broadcast",
        "label",
        "scope",
        "flags",
        "valid_lft",
        "preferred_lft",
        "metric",
        "proto",
    ]
)
_MATCH = frozenset(["address", "dev", "peer"])  # AddrMatch's keys


def _spec(
    h: Handle, verb: str, spec: object, kw: Mapping[str, object], *, delete: bool = False
) -> Plan[tuple[Address, str | None]]:
    """The verb's Address, every value checked before any request; and the device's name
    when the caller gave one (for error messages)."""
    _check.handle(h)
    fields = dict(kw)
    spec = moved_spec(f"addr.{verb}", spec, fields, "address", Address)
    if fields.get("flags") == 0 and type(fields.get("flags")) is int:
        del fields["flags"]  # the default, as given by the old explicit signature
    address, given = spec_or_fields(
        f"addr.{verb}",
        spec,
        fields,
        Address,
        key="address",
        key_types=_address_types(),
        allowed=_MATCH if delete else _FIELDS,
    )
    if address is not None:
        _check.same_netns(address.origin, h, "address", partial(label_of, address))
        if address.label is not None and address.origin is None:
            _check_label((yield from _dev_name(h, None, address.index)), address.label)
        return address, None
    dev = cast("LinkRef | None", given.pop("dev", None))
    value = given.pop("address", None)
    if dev is None or value is None:
        raise TypeError(
            f"addr.{verb}() needs an Address, or dev= and address= (got dev={_check._show(dev)}, "
            f"address={_check._show(value)})"
        )
    check_here(h, dev, "dev")  # no request: a name's syntax, an index, a Link's namespace
    named = isinstance(dev, str)
    index = 1 if named else (yield from resolve_index_plan(h, dev, "dev"))  # 1: a stand-in
    a = Address(index=index, address=value, **given)  # type: ignore[arg-type]
    if named:  # every value checked: now the name is looked up
        a = with_index(a, (yield from resolve_index_plan(h, dev, "dev")))
    if a.label is not None:
        _check_label((yield from _dev_name(h, dev, a.index)), a.label)
    return a, _dev_name_given(dev)


def _dev_name_given(dev: LinkRef | None) -> str | None:
    if isinstance(dev, str):
        return dev
    return dev.name if isinstance(dev, Link) else None


def add(
    h: Handle,
    address: Address | str | IPInterface | IPAddress | None = None,
    /,
    **kw: Unpack[AddrFields],
) -> None:
    """Add an address to an interface: an :class:`Address`, or ``dev=`` and ``address=``.

    Equivalent to: ip addr add ADDRESS[/LEN] [peer P] [brd B|+|-] [label L]
    [scope S] [metric M] [valid_lft S] [preferred_lft S] [nodad...] dev DEV

    The one verb shape (:mod:`rawns._verb`): an Address, or keywords, not
    both; the address may come first, as ``ip addr add`` takes it
    (``addr.add(h, "10.0.0.1/24", dev="v0")``). ``flags`` takes ``ip``'s
    names (``"nodad"``, ``("nodad", "noprefixroute")``) or
    :class:`AddrFlag` bits; ``scope`` a name (``"link"``) or a number.

    Raises :class:`~rawns.errors.NotFound` naming the device if it does not
    exist, :class:`~rawns.errors.AlreadyExists` if the address is there,
    :class:`ValueError`/:class:`TypeError` for bad or mixed-family values, a
    zone id, a label that is not ``DEV`` or ``DEV:...``, an Address with
    keywords, or an Address or Link from another namespace (nothing sent).
    """
    drive(h, add_plan(h, address, **kw))


def add_plan(
    h: Handle,
    address: Address | str | IPInterface | IPAddress | None = None,
    /,
    **kw: Unpack[AddrFields],
) -> Plan[None]:
    a, name = yield from _spec(h, "add", address, kw)
    yield Request(build_add(a), "RTM_NEWADDR", partial(label_of, a, name))


def replace(
    h: Handle,
    address: Address | str | IPInterface | IPAddress | None = None,
    /,
    **kw: Unpack[AddrFields],
) -> None:
    """Add an address, or update the one already there (lifetimes, flags, metric).

    Equivalent to: ip addr replace ADDRESS[/LEN] ... dev DEV

    Takes what :func:`add` takes. Raises :class:`~rawns.errors.NotFound` if
    the device does not exist, :class:`ValueError`/:class:`TypeError` for
    bad values, as :func:`add` (nothing sent).
    """
    drive(h, replace_plan(h, address, **kw))


def replace_plan(
    h: Handle,
    address: Address | str | IPInterface | IPAddress | None = None,
    /,
    **kw: Unpack[AddrFields],
) -> Plan[None]:
    a, name = yield from _spec(h, "replace", address, kw)
    yield Request(build_replace(a), "RTM_NEWADDR", partial(label_of, a, name))


def delete(
    h: Handle,
    address: Address | str | IPInterface | IPAddress | None = None,
    /,
    **kw: Unpack[AddrMatch],
) -> None:
    """Remove an address from an interface: an :class:`Address`, or ``dev=`` and ``address=``.

    Equivalent to: ip addr del ADDRESS[/LEN] [peer P] dev DEV

    Raises :class:`~rawns.errors.NotFound` (EADDRNOTAVAIL) if the address is
    not there, or if the device does not exist; :class:`ValueError`/
    :class:`TypeError` for bad values or an Address from another namespace
    (nothing sent).
    """
    drive(h, delete_plan(h, address, **kw))


def delete_plan(
    h: Handle,
    address: Address | str | IPInterface | IPAddress | None = None,
    /,
    **kw: Unpack[AddrMatch],
) -> Plan[None]:
    a, name = yield from _spec(h, "delete", address, kw, delete=True)
    yield Request(build_delete(a), "RTM_DELADDR", partial(label_of, a, name))


def dump(h: Handle, *, dev: LinkRef | None = None, family: int = 0) -> list[Address]:
    """Addresses of the handle's namespace, or of one interface (filtered by the kernel).

    Equivalent to: ip [-4|-6] addr show [dev DEV]

    Each :class:`Address` remembers the handle's namespace (:attr:`Address.origin`).
    Raises :class:`~rawns.errors.NotFound` if ``dev`` does not exist,
    :class:`~rawns.errors.DumpInterrupted` if the list kept changing (see
    docs/dumps.md), :class:`ValueError`/:class:`TypeError` for a bad argument.
    """
    return drive(h, dump_plan(h, dev=dev, family=family))


def dump_plan(h: Handle, *, dev: LinkRef | None = None, family: int = 0) -> Plan[list[Address]]:
    _check.handle(h)
    if dev is not None:
        check_here(h, dev, "dev")
    _family(family, "family")
    index = 0 if dev is None else (yield from resolve_index_plan(h, dev, "dev"))
    origin = h.netns_ident

    def parse_at(data: bytes, start: int, end: int) -> Address | None:
        if data[start : start + 1] not in (b"\x02", b"\x0a"):
            return None
        return parse_address(data[start:end], origin=origin)

    msg = build_dump(family=family, index=index)
    addrs: list[Address] = yield Dump(msg, "RTM_GETADDR", "dump", parse_at)
    return addrs


def flush(
    h: Handle,
    *,
    dev: LinkRef | None = None,
    family: int = 0,
    scope: int | str | None = None,
) -> list[Address]:
    """Remove every address (of one interface, family or scope); returns what was removed.

    Equivalent to: ip [-4|-6] addr flush [dev DEV] [scope S]

    ``scope`` is a name as ``ip`` takes it (``"global"``, ``"site"``,
    ``"link"``, ``"host"``, ``"nowhere"``) or a number. Deleting a primary
    IPv4 address also removes its secondaries (unless ``promote_secondaries``
    is set); those vanish on their own and are not an error. Raises
    :class:`~rawns.errors.NotFound` if ``dev`` does not exist,
    :class:`ValueError`/:class:`TypeError` for a bad argument (nothing sent).
    """
    return drive(h, flush_plan(h, dev=dev, family=family, scope=scope))


def flush_plan(
    h: Handle,
    *,
    dev: LinkRef | None = None,
    family: int = 0,
    scope: int | str | None = None,
) -> Plan[list[Address]]:
    _check.handle(h)
    want = None if scope is None else check_scope(scope, "scope")
    if dev is not None:
        check_here(h, dev, "dev")
    _family(family, "family")
    dumped = yield from dump_plan(h, dev=dev, family=family)
    addrs = [a for a in dumped if want is None or a.scope == want]
    # Secondaries first, so deleting a primary does not take them away under us.
    addrs.sort(key=lambda a: not a.secondary)
    name = _dev_name_given(dev)
    results = yield Pipeline(
        [build_delete(a) for a in addrs], "RTM_DELADDR", [label_of(a, name) for a in addrs], False
    )
    for r in results:
        if r is not None and not isinstance(r, NotFound):
            raise r
    return addrs


class _Labels(Sequence[str]):
    def __init__(self, addrs: Sequence[Address]) -> None:
        self._addrs = addrs

    def __len__(self) -> int:
        return len(self._addrs)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [label_of(a) for a in self._addrs[i]]
        return label_of(self._addrs[i])


def add_many(
    h: Handle, addresses: Iterable[Address], *, replace: bool = False, check: bool = True
) -> list[KernelError | None]:
    """Add many addresses, pipelined (many requests per send, acks collected in bulk).

    Equivalent to: ip -batch FILE (one ``addr add`` line per address)

    Returns one entry per address, ``None`` or its :class:`~rawns.errors.KernelError`;
    with ``check`` the first error is raised once every ack is in.
    :class:`ValueError`/:class:`TypeError` for a value that is not an
    :class:`Address`, one from another namespace, or a label that does not
    match its device (nothing sent).
    """
    return drive(h, add_many_plan(h, addresses, replace=replace, check=check))


def add_many_plan(
    h: Handle, addresses: Iterable[Address], *, replace: bool = False, check: bool = True
) -> Plan[list[KernelError | None]]:
    _check.handle(h)
    _check.boolean(replace, "replace")
    _check.boolean(check, "check")
    if not isinstance(addresses, Iterable) or isinstance(addresses, str | bytes):
        raise TypeError(f"addresses must be an iterable of Address, not {_check._show(addresses)}")
    addrs = list(addresses)
    names: dict[int, str] = {}
    for a in addrs:
        if not isinstance(a, Address):
            raise TypeError(f"addresses must hold Address values, not {_check._show(a)}")
        _check.same_netns(a.origin, h, "address", partial(label_of, a))
    for a in addrs:  # the labels, once every value is known to be good
        if a.label is not None and a.origin is None:
            if a.index not in names:
                names[a.index] = yield from _dev_name(h, None, a.index)
            _check_label(names[a.index], a.label)
    if not replace:
        # An address given twice: the second add would fail (EEXIST) after the
        # first was made. The kernel keys an address by device, local address and
        # prefix length (and peer).
        first: dict[tuple[object, ...], int] = {}
        for i, a in enumerate(addrs):
            j = first.setdefault((a.index, a.address, a.peer), i)
            if j != i:
                raise ValueError(
                    f"addresses[{i}] ({label_of(a)}) repeats addresses[{j}]: the second add "
                    "would fail with File exists after the first (use replace=True to allow it)"
                )
    build = build_replace if replace else build_add
    results: list[KernelError | None] = yield Pipeline(
        [build(a) for a in addrs], "RTM_NEWADDR", _Labels(addrs), check
    )
    return results


if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """The TypedDicts of the keywords load on first use (their creation costs)."""
        if name in ("AddrFields", "AddrMatch"):
            from . import _fields

            return getattr(_fields, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
