"""The link verbs: each takes a :class:`~rawns.Handle` first and sends what ``_encode`` builds.

``add``/``replace``/``add_many`` create from specs, ``dump``/``get``/
``resolve_index`` read them back (decoded by ``_layout.parse_link``),
``delete``/``delete_many`` remove them (``_change`` holds ``set``/``set_many``/
``set_group``, which change existing links). Every reference is checked before
the first request.
"""

from __future__ import annotations

import builtins
import errno
from collections.abc import Iterable, Sequence
from functools import partial

from .. import _check
from .. import netns as _netns
from .._plan import Blocking, Dump, Pipeline, Plan, Request, drive
from .._rtnl import IFINFOMSG, RTM
from ..errors import DecodeError, KernelError, NotFound, NotSupported
from ..handle import Handle
from ..netns import Netns
from ._encode import (
    F_ADD,
    F_REPLACE,
    build_delete,
    build_dump,
    build_get,
    build_message,
    followup_messages,
)
from ._layout import parse_link
from ._repeats import refuse_repeats
from ._runs import LinkRuns
from ._spec import (
    LinkSpec,
    NetnsRef,
    check_spec,
    namespaces_opened,
)
from ._types import Link, LinkRef, check_here, index_of, ref_label

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")


__all__ = [
    "add",
    "add_many",
    "delete",
    "delete_many",
    "dump",
    "get",
    "replace",
    "resolve_index",
]


# ---------------------------------------------------------------------------
# reading and deleting


def dump(h: Handle) -> list[Link]:
    """Every link in the handle's namespace, with its kind's data.

    Equivalent to: ip -d link show

    Each :class:`Link` remembers the handle's namespace (:attr:`Link.origin`).
    Raises :class:`~rawns.errors.DumpInterrupted` if the dump kept changing
    (see the dump consistency policy in :mod:`rawns.transport`);
    :class:`TypeError`/:class:`ValueError` if ``h`` is not an open Handle.
    """
    return drive(h, dump_plan(h))


def dump_plan(h: Handle) -> Plan[list[Link]]:
    _check.handle(h)
    origin = h.netns_ident

    # Decoded where each message lies, as the channel's own wrapper would:
    # the same one call per message, with the origin passed along.
    def parse_at(data: bytes, start: int, end: int) -> Link:
        return parse_link(data[start:end], origin)

    links: list[Link] = yield Dump(build_dump(), "RTM_GETLINK", "dump", parse_at, LinkRuns(origin))
    return links


def get(h: Handle, ref: LinkRef) -> Link:
    """One link by name, index or :class:`Link`, asked of the kernel directly.

    Equivalent to: ip -d link show dev NAME

    Raises :class:`~rawns.errors.NotFound` (a :class:`FileNotFoundError`) if
    there is no such link; :class:`ValueError`/:class:`TypeError` for a
    malformed reference or a :class:`Link` from another namespace (nothing sent).
    """
    return drive(h, get_plan(h, ref))


def get_plan(h: Handle, ref: LinkRef) -> Plan[Link]:
    _check.handle(h)
    check_here(h, ref)
    return (yield from _get(h, ref))


def _get(h: Handle, ref: LinkRef) -> Plan[Link]:
    replies = yield Request(build_get(ref), "RTM_GETLINK", ref_label(ref))
    for r in replies:
        if r.type == RTM.NEWLINK:
            return parse_link(r.payload, h.netns_ident)
    raise DecodeError(f"RTM_GETLINK {ref_label(ref)}: the kernel sent no link")


def resolve_index(h: Handle, ref: LinkRef, what: str = "ref") -> int:
    """The ifindex of a link reference (one RTM_GETLINK for a name, none otherwise).

    Equivalent to: ip -j link show dev NAME (its "ifindex")

    The one place other modules turn a ``dev=`` (or ``master=``...) into an
    index: ``what`` names the argument in errors. Raises
    :class:`~rawns.errors.NotFound` for a name that is not a link;
    :class:`ValueError`/:class:`TypeError` for a malformed reference, a
    :class:`Link` dumped from another namespace than ``h``'s, or a bad ``h``
    (nothing sent).
    """
    return drive(h, resolve_index_plan(h, ref, what))


def resolve_index_plan(h: Handle, ref: LinkRef, what: str = "ref") -> Plan[int]:
    """:func:`resolve_index` as a plan (other objects' verbs ``yield from`` it)."""
    _check.handle(h)
    check_here(h, ref, what)
    if not isinstance(ref, str):  # checked: an index, or a Link of this namespace
        return ref.index if isinstance(ref, Link) else ref
    # One RTM_GETLINK; only the answer's ifi_index is read (no need to decode the link).
    replies = yield Request(build_get(ref), "RTM_GETLINK", ref)
    for r in replies:
        if r.type == RTM.NEWLINK and len(r.payload) >= IFINFOMSG.size:
            index: int = IFINFOMSG.unpack_from(r.payload)[2]
            return index
    raise DecodeError(f"RTM_GETLINK {ref}: the kernel sent no link")


class NeedName(Exception):
    """Raised by a :class:`Resolver` for a name it has not looked up yet (see :func:`built`)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Resolver:
    """Names to indices for one verb call: each name is asked of the kernel once.

    Every reference is checked by :func:`check_here` first (a :class:`Link`
    from another namespace is refused). The pure ``build_*`` functions use
    ``_encode.no_names`` instead, which refuses a name. The encoders call a
    resolver synchronously, so a name not known yet raises :class:`NeedName`:
    :func:`built` looks it up (one RTM_GETLINK, yielded) and builds again.
    """

    __slots__ = ("_cache", "_h")

    def __init__(self, h: Handle) -> None:
        self._h = h
        self._cache: dict[str, int] = {}

    def __call__(self, ref: LinkRef, what: str) -> int:
        check_here(self._h, ref, what)
        index = index_of(ref, what)
        if index is not None:
            return index
        name = str(ref)
        hit = self._cache.get(name)
        if hit is not None:
            return hit
        raise NeedName(name)

    def learn(self, name: str) -> Plan[None]:
        self._cache[name] = (yield from _get(self._h, name)).index

    def forget(self, name: str) -> None:
        self._cache.pop(name, None)


def built(resolve: Resolver, build: Callable[[], T]) -> Plan[T]:
    """``build()``, looking up each name it needs first (in the order it needs them)."""
    while True:
        try:
            return build()
        except NeedName as need:
            yield from resolve.learn(need.name)


def delete(h: Handle, ref: LinkRef) -> None:
    """Delete a link; a veth's peer goes with it.

    Equivalent to: ip link del dev NAME

    Raises :class:`~rawns.errors.NotFound` if there is no such link;
    :class:`ValueError`/:class:`TypeError` for a malformed reference or a
    :class:`Link` from another namespace (nothing sent).
    """
    drive(h, delete_plan(h, ref))


def delete_plan(h: Handle, ref: LinkRef) -> Plan[None]:
    _check.handle(h)
    check_here(h, ref)
    yield Request(build_delete(ref), "RTM_DELLINK", ref_label(ref))


def delete_many(
    h: Handle, refs: Iterable[LinkRef], *, check: bool = True
) -> list[KernelError | None]:
    """Delete many links with pipelined requests (one send per window, acks in bulk).

    Equivalent to: ip -batch - <<< "link del dev NAME ..."

    Returns one entry per link: ``None`` or the :class:`~rawns.errors.KernelError`.
    With ``check`` (the default) the first error is raised once every ack is in.
    Every reference is checked first: :class:`ValueError`/:class:`TypeError`
    for a bad one, or for one link named twice (nothing sent).
    """
    return drive(h, delete_many_plan(h, refs, check=check))


def delete_many_plan(
    h: Handle, refs: Iterable[LinkRef], *, check: bool = True
) -> Plan[list[KernelError | None]]:
    _check.handle(h)
    _check.boolean(check, "check")
    refs = listed(refs, "refs")
    seen: dict[tuple[str, object], int] = {}
    for i, r in enumerate(refs):
        check_here(h, r, f"refs[{i}]")
        # The same link twice: the second delete would fail (ENODEV) after the
        # first. (A name and an index of one link cannot be told apart here.)
        keys = (
            [("name", r.name), ("index", r.index)]
            if isinstance(r, Link)
            else [("name" if isinstance(r, str) else "index", r)]
        )
        for key in keys:
            j = seen.setdefault(key, i)
            if j != i:
                raise ValueError(
                    f"refs[{i}] ({ref_label(r)!r}) names the link refs[{j}] names: the "
                    "second delete would fail after the first"
                )
    msgs = [build_delete(r) for r in refs]
    return (yield from pipeline(h, msgs, [ref_label(r) for r in refs], "RTM_DELLINK", check))


def listed(items: object, what: str) -> list[Any]:
    """An iterable argument as a list; a str or a non-iterable is a TypeError naming it."""
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise TypeError(
            f"{what} must be an iterable, not {type(items).__name__}: {_check._show(items)}"
        )
    return list(items)


def pipeline(
    h: Handle, msgs: Sequence[bytes], targets: Sequence[str], op: str, check: bool
) -> Plan[list[KernelError | None]]:
    if not msgs:
        return []
    if len(msgs) == 1:  # one request (a link.add): a plain request/ACK, no window
        try:
            yield Request(msgs[0], op, targets[0])
        except KernelError as e:
            if check:
                raise
            return [e]
        return [None]
    results: list[KernelError | None] = yield Pipeline(msgs, op, targets, check)
    return results


# ---------------------------------------------------------------------------
# creating


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
    with namespaces_opened([spec], ["spec"]) as (opened,):
        drive(h, add_plan(h, opened))


def add_plan(h: Handle, spec: LinkSpec) -> Plan[None]:
    _check.handle(h)
    check_spec(spec, "spec").check_here(h, "spec")
    if not spec.rtnetlink or spec.followups():
        yield from _add_many(h, [spec], ["spec"], False, True)
        return
    # What _add_many does for one spec that needs no second step (most calls): one
    # request, without its bookkeeping for many (windows, follow-ups, repeats).
    resolve = Resolver(h)
    msg = yield from built(resolve, partial(build_message, spec, F_ADD, resolve))
    yield Request(msg, "RTM_NEWLINK", spec.target())


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
    with namespaces_opened([spec], ["spec"]) as (opened,):
        drive(h, replace_plan(h, opened))


def replace_plan(h: Handle, spec: LinkSpec) -> Plan[None]:
    yield from _add_many(h, [spec], ["spec"], True, True)


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
    specs = listed(specs, "specs")
    with namespaces_opened(specs, [f"specs[{i}]" for i in range(len(specs))]) as opened:
        return drive(h, add_many_plan(h, opened, replace=replace, check=check))


def add_many_plan(
    h: Handle, specs: Iterable[LinkSpec], *, replace: bool = False, check: bool = True
) -> Plan[list[KernelError | None]]:
    return (yield from _add_many(h, specs, None, replace, check))


def _add_many(
    h: Handle,
    specs: Iterable[LinkSpec],
    whats: list[str] | None,
    replace: bool,
    check: bool,
) -> Plan[list[KernelError | None]]:
    _check.handle(h)
    _check.boolean(replace, "replace")
    _check.boolean(check, "check")
    specs = listed(specs, "specs")
    if whats is None:
        whats = [f"specs[{i}]" for i in range(len(specs))]
    for spec, what in zip(specs, whats, strict=True):
        check_spec(spec, what).check_here(h, what)
    if not replace:
        refuse_repeats(specs, whats)
    results: list[KernelError | None] = [None] * len(specs)
    if replace:
        for i, err in (yield from _kind_conflicts(h, specs, whats)):
            if check:
                raise err
            results[i] = err
    flags = F_REPLACE if replace else F_ADD
    resolve = Resolver(h)
    msgs: list[bytes] = []
    targets: list[str] = []
    owner: list[int] = []
    pending: builtins.set[str] = builtins.set()
    later: list[tuple[int, bytes, str]] = []
    elsewhere: list[tuple[int, NetnsRef, bytes, str]] = []

    def flush() -> Plan[None]:
        yield from _send(h, msgs, targets, owner, results)
        # Follow-ups go after every create of the run, not after each (bringing
        # a veth peer up between creates slows them: docs/benchmarks.md), and
        # only for the creates that succeeded: sent along with a create that
        # failed (EEXIST), an alias or an "up" would change the link that was
        # already there.
        for i, m, t in later:
            if results[i] is None:
                msgs.append(m)
                targets.append(t)
                owner.append(i)
        yield from _send(h, msgs, targets, owner, results)
        pending.clear()
        later.clear()

    for i, spec in enumerate(specs):
        if results[i] is not None:
            continue  # refused up front (replace of another kind, check=False)
        names = {r for _f, r in spec.refs() if isinstance(r, str)}
        if names & pending or not spec.rtnetlink:
            yield from flush()
        if not spec.rtnetlink:
            try:
                yield Blocking(partial(_create, spec, flags))
            except KernelError as e:
                results[i] = e
            continue
        try:
            first = yield from built(resolve, partial(build_message, spec, flags, resolve))
        except KernelError as e:  # a named master or lower device is missing
            results[i] = e
            continue
        msgs.append(first)
        targets.append(spec.target())
        owner.append(i)
        for ns, m, t in followup_messages(spec):
            if ns is None:
                later.append((i, m, t))
            else:
                elsewhere.append((i, ns, m, t))
        pending.add(spec.name)
        resolve.forget(spec.name)
    yield from flush()
    if elsewhere:
        yield Blocking(lambda _h: _run_elsewhere(elsewhere, results))
    if check:
        for r in results:
            if r is not None:
                raise r
    return results


def _create(spec: LinkSpec, flags: int, h: Handle) -> None:
    spec._create(h, flags)  # tun/tap: an ioctl, with a sync Handle (rawns._plan.Blocking)


def _send(
    h: Handle,
    msgs: list[bytes],
    targets: list[str],
    owner: list[int],
    results: list[KernelError | None],
) -> Plan[None]:
    """Pipeline ``msgs``; the first error of each spec goes in its entry. Empties the lists."""
    answers = yield from pipeline(h, msgs, targets, "RTM_NEWLINK", False)
    for i, r in zip(owner, answers, strict=True):
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
) -> Plan[list[tuple[int, KernelError]]]:
    """Specs whose name is a link of another kind, as the NotSupported each gets.

    ``replace`` on such a link would be the kernel's rtnl_newlink changing the
    existing device in place: without IFLA_INFO_DATA it ignores the kind asked
    for and reports success having changed nothing of the kind; with it, it
    refuses with EOPNOTSUPP. Links made earlier in the same call count too.
    """
    if len(specs) == 1:
        try:
            existing = {specs[0].name: (yield from _get(h, specs[0].name))}
        except NotFound:
            existing = {}
    else:
        existing = {lk.name: lk for lk in (yield from dump_plan(h))}
    made: dict[str, tuple[str, str]] = {}
    out: list[tuple[int, KernelError]] = []
    looked_up: dict[str, int | None] = {}

    def index_of(ref: LinkRef) -> int | None:
        """A reference's index for comparing with an existing link (None: unknown)."""
        if isinstance(ref, Link):
            return ref.index
        if isinstance(ref, int):
            return ref
        if ref in existing:
            return existing[ref].index
        if len(specs) == 1:
            if ref not in looked_up:
                raise NeedName(ref)
            return looked_up[ref]
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
                while True:  # the names _replace_conflict asks about, looked up one by one
                    try:
                        why = spec._replace_conflict(lk, index_of)
                        break
                    except NeedName as need:
                        try:
                            looked_up[need.name] = (yield from _get(h, need.name)).index
                        except NotFound:
                            looked_up[need.name] = None
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
    groups: dict[int, list[tuple[int, NetnsRef, bytes, str]]] = {}
    for item in todo:
        if results[item[0]] is None:
            groups.setdefault(id(item[1]), []).append(item)
    for items in groups.values():
        where = items[0][1]
        ns = where.dup() if isinstance(where, Netns) else _netns.resolve(where, "netns")
        with ns, Handle.open(netns=ns) as other:
            names = [x[3] for x in items]
            answers = drive(
                other, pipeline(other, [x[2] for x in items], names, "RTM_NEWLINK", False)
            )
            for (i, _ns, _m, _t), r in zip(items, answers, strict=True):
                if r is not None and results[i] is None:
                    results[i] = r
