"""The verbs that change existing links: ``set``, ``set_many``, ``set_group``.

Each takes a :class:`~rawns.Handle` first; references are resolved and every
change checked before the first request (``_verbs`` holds the creating,
reading and deleting verbs and the pieces these share).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from .. import _check
from .._plan import Pipeline, Plan, Request, drive
from ..errors import KernelError
from ..handle import Handle
from ._encode import as_change, change_messages, group_change, group_message
from ._spec import LinkChange, check_netns_open, namespaces_opened, netns_opened
from ._types import LinkRef, check_here, ref_label
from ._verbs import Resolver, built, listed, pipeline

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Unpack

    from ._fields import LinkGroupFields, LinkSetFields

__all__ = ["set", "set_group", "set_many"]


def set_group(h: Handle, group: int, /, **changes: Unpack[LinkGroupFields]) -> None:
    """Change every link of a device group at once, in one request.

    Equivalent to: ip link set group GROUP [up|down] [mtu N] [master BR|nomaster]
    [netns NS] [alias TEXT] [txqlen N] [promisc on|off] ...

    Links are in group 0 (``default``) unless moved (``link.set(h, name,
    group=N)``). The kernel applies the change to each link of the group
    while holding its lock once, so bringing many links up this way leaves
    no room between them for its own workers (link watch, IPv6 address
    configuration; docs/benchmarks.md compares it with pipelined ``set``
    requests). Keywords are :class:`LinkChange`'s fields but ``name``,
    ``mac``, ``group`` and ``port``. A group with no links is not an error
    (the kernel's answer, as for ``ip``). Raises what :func:`set` raises, for
    the first link the kernel could not change (the links before it stay
    changed).
    """
    drive(h, set_group_plan(h, group, **changes))


def set_group_plan(h: Handle, group: int, /, **changes: Unpack[LinkGroupFields]) -> Plan[None]:
    _check.handle(h)
    c = group_change(group, dict(changes))
    if c.master is not None:
        check_here(h, c.master, "master")
    check_netns_open(c.netns)
    resolve = Resolver(h)
    msg = yield from built(resolve, lambda: group_message(group, dict(changes), resolve))
    yield Request(msg, "RTM_NEWLINK", f"group {group}")


def set(h: Handle, ref: LinkRef, **changes: Unpack[LinkSetFields]) -> None:
    """Change an existing link: up/down, mtu, mac, name, master, namespace, port flags.

    Equivalent to: ip link set dev NAME [up|down] [mtu N] [address MAC] [name NEW]
    [master BR|nomaster] [netns NS] [alias TEXT] [txqlen N]
    [type bridge_slave hairpin on ...]

    Keywords are :class:`LinkChange`'s fields: ``up``, ``mtu``, ``mac``, ``name``,
    ``master``, ``nomaster``, ``netns``, ``alias``, ``txqlen``, ``group``,
    ``carrier``, ``arp``, ``promisc``, ``allmulticast``, ``multicast``, ``port``.
    Raises :class:`~rawns.errors.NotFound` if the link or a named master is
    missing, :class:`~rawns.errors.AlreadyExists` when renaming onto a taken
    name, :class:`~rawns.errors.InvalidArgument` for values the kernel refuses
    (an MTU out of the device's range); :class:`ValueError`/:class:`TypeError`
    for bad input, a bad handle, or a :class:`~rawns.link.Link` dumped from
    another namespace (as ``ref`` or ``master``), before anything is sent.
    """
    with netns_opened(changes.get("netns"), "netns") as ns:
        if ns is not None:
            changes["netns"] = ns
        drive(h, set_plan(h, ref, **changes))


def set_plan(h: Handle, ref: LinkRef, **changes: Unpack[LinkSetFields]) -> Plan[None]:
    _check.handle(h)
    change = LinkChange(ref=ref, **changes)
    change.check_here(h)
    resolve = Resolver(h)
    msgs = yield from built(resolve, lambda: change_messages(change, resolve))
    target = ref_label(ref)
    if len(msgs) == 1:
        yield Request(msgs[0], "RTM_NEWLINK", target)
    else:
        yield Pipeline(msgs, "RTM_NEWLINK", [target] * len(msgs), True)


def set_many(
    h: Handle,
    items: Iterable[LinkRef | LinkChange],
    *,
    check: bool = True,
    **changes: Unpack[LinkSetFields],
) -> list[KernelError | None]:
    """Change many links with pipelined requests (one send per window, acks in bulk).

    Equivalent to: ip -batch - (one "link set dev NAME ..." line per item)

    ``items`` are :class:`LinkChange` objects, or link references that all
    get the same keyword ``changes`` (``set_many(h, names, up=True)``).
    Returns one entry per item, ``None`` or its
    :class:`~rawns.errors.KernelError`; with ``check`` (the default) the first
    error is raised once every ack is in. Every item is checked before the
    first request (:class:`ValueError`/:class:`TypeError`, nothing sent).
    """
    items = listed(items, "items")
    with (
        netns_opened(changes.get("netns"), "netns") as ns,
        namespaces_opened(items, [f"items[{i}]" for i in range(len(items))]) as opened,
    ):
        if ns is not None:
            changes["netns"] = ns
        return drive(h, set_many_plan(h, opened, check=check, **changes))


def set_many_plan(
    h: Handle,
    items: Iterable[LinkRef | LinkChange],
    *,
    check: bool = True,
    **changes: Unpack[LinkSetFields],
) -> Plan[list[KernelError | None]]:
    _check.handle(h)
    _check.boolean(check, "check")
    cs = [as_change(item, dict(changes)) for item in listed(items, "items")]
    for i, c in enumerate(cs):
        c.check_here(h, f"items[{i}]")
    resolve = Resolver(h)
    msgs: list[bytes] = []
    targets: list[str] = []
    owner: list[int] = []
    for i, c in enumerate(cs):
        for m in (yield from built(resolve, partial(change_messages, c, resolve))):
            msgs.append(m)
            targets.append(ref_label(c.ref))
            owner.append(i)
    raw = yield from pipeline(h, msgs, targets, "RTM_NEWLINK", False)
    results: list[KernelError | None] = [None] * len(cs)
    for i, r in zip(owner, raw, strict=True):
        if r is not None and results[i] is None:
            results[i] = r
    if check:
        for r in results:
            if r is not None:
                raise r
    return results
