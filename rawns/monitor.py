"""Events (``ip monitor``): typed notifications of one namespace.

``monitor.open(netns=ns, groups=("link", "addr"))`` opens a netlink socket
inside ``ns`` (from a helper thread, like :meth:`rawns.Handle.open`), joins
the rtnetlink multicast groups and yields what the kernel announces::

    with monitor.open(netns=red, groups=("link", "addr", "route", "neigh")) as mon:
        for ev in mon.events(timeout=1.0):          # stops after 1 s without events
            if isinstance(ev, monitor.Overrun):
                snap = mon.resync()                 # events were lost: re-read the state
            elif ev.kind == "link" and ev.action == "new":
                print(ev.obj.name)

Events, in the order the kernel sent them:

* :class:`Event` ``(kind, action, obj)``: ``kind`` is ``"link"``, ``"addr"``,
  ``"route"``, ``"neigh"``, ``"rule"``, ``"qdisc"``, ``"class"``, ``"filter"``
  (group ``"tc"``), ``"nsid"``, ``"netconf"`` (or
  ``"rtm<N>"`` for other types), ``action`` is ``"new"`` or ``"del"`` (the
  kernel announces changes as ``"new"`` too), ``obj`` the parsed object
  (:class:`~rawns.link.Link`, :class:`~rawns.addr.Address`,
  :class:`~rawns.route.Route`, :class:`~rawns.neigh.Neighbour`,
  :class:`~rawns.rule.Rule`, :class:`~rawns.tc.Qdisc`, :class:`~rawns.tc.Class`,
  :class:`~rawns.tc.Filter`) or the raw
  payload ``bytes`` for kinds without a parser (``nsid``, ``netconf``).
* :class:`Overrun`: the socket's receive buffer overflowed (``ENOBUFS``) and
  the kernel dropped notifications. The monitor keeps working: what was
  still queued and everything announced afterwards is delivered. Call
  :meth:`Monitor.resync` to dump the current state and rebuild from it
  (apply later events on top, as upserts and deletions: some of them may
  already be in the dump).
* :class:`Malformed`: only with ``strict=False``. With ``strict=True`` (the
  default) a notification that does not decode raises
  :class:`~rawns.errors.DecodeError` from :meth:`Monitor.poll` / ``next()``;
  the monitor stays open and the next call continues with the next message,
  so ``for`` loops can simply be re-entered.

:func:`parse_events` is the sans-I/O core: datagram bytes in, events out.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import starmap
from types import TracebackType
from typing import TYPE_CHECKING

from . import _check
from . import netns as _netns
from ._rtnl import RTM, RTNLGRP
from ._wire import iter_messages
from .addr import Address, parse_address
from .errors import DecodeError
from .link import Link, parse_link
from .neigh import Neighbour, parse_neighbour
from .route import Route, parse_route
from .rule import Rule
from .rule import _parse_report as _rule_report
from .tc import Class, Filter, Qdisc, parse_class, parse_filter, parse_qdisc
from .transport import NETLINK_ROUTE, SO_RCVBUFFORCE, NetlinkSocket, _set_buf

if TYPE_CHECKING:
    from ._plan import Plan
    from .handle import Handle

__all__ = [
    "DEFAULT_GROUPS",
    "GROUPS",
    "Event",
    "Malformed",
    "Monitor",
    "MonitorEvent",
    "Overrun",
    "Snapshot",
    "group_ids",
    "open",
    "parse_events",
]

#: Group names accepted by :func:`open`; each maps to rtnetlink multicast groups.
GROUPS: dict[str, tuple[int, ...]] = {
    "link": (RTNLGRP.LINK,),
    "addr": (RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV6_IFADDR),
    "ipv4-addr": (RTNLGRP.IPV4_IFADDR,),
    "ipv6-addr": (RTNLGRP.IPV6_IFADDR,),
    "route": (RTNLGRP.IPV4_ROUTE, RTNLGRP.IPV6_ROUTE),
    "ipv4-route": (RTNLGRP.IPV4_ROUTE,),
    "ipv6-route": (RTNLGRP.IPV6_ROUTE,),
    "neigh": (RTNLGRP.NEIGH,),
    "rule": (RTNLGRP.IPV4_RULE, RTNLGRP.IPV6_RULE),
    "ipv4-rule": (RTNLGRP.IPV4_RULE,),
    "ipv6-rule": (RTNLGRP.IPV6_RULE,),
    "nsid": (RTNLGRP.NSID,),
    "netconf": (RTNLGRP.IPV4_NETCONF, RTNLGRP.IPV6_NETCONF),
    "tc": (RTNLGRP.TC,),
}
_ALIASES = {"address": "addr", "neighbour": "neigh", "neighbor": "neigh"}
DEFAULT_GROUPS = ("link", "addr", "route", "neigh")
_GROUP_MAX = max(RTNLGRP)  # the kernel refuses a membership beyond its last group
_POLL_MAX_MS = 0x7FFFFFFF  # poll(2) takes an int of milliseconds: longer waits go in turns

NLMSG_NOOP = 1
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSG_OVERRUN = 4

_KINDS: dict[int, tuple[str, str]] = {
    RTM.NEWLINK: ("link", "new"),
    RTM.DELLINK: ("link", "del"),
    RTM.NEWADDR: ("addr", "new"),
    RTM.DELADDR: ("addr", "del"),
    RTM.NEWROUTE: ("route", "new"),
    RTM.DELROUTE: ("route", "del"),
    RTM.NEWNEIGH: ("neigh", "new"),
    RTM.DELNEIGH: ("neigh", "del"),
    RTM.NEWRULE: ("rule", "new"),
    RTM.DELRULE: ("rule", "del"),
    RTM.NEWNSID: ("nsid", "new"),
    RTM.DELNSID: ("nsid", "del"),
    RTM.NEWNETCONF: ("netconf", "new"),
    RTM.DELNETCONF: ("netconf", "del"),
    RTM.NEWQDISC: ("qdisc", "new"),
    RTM.DELQDISC: ("qdisc", "del"),
    RTM.NEWTCLASS: ("class", "new"),
    RTM.DELTCLASS: ("class", "del"),
    RTM.NEWTFILTER: ("filter", "new"),
    RTM.DELTFILTER: ("filter", "del"),
}

# kind -> parse function; kinds without one (nsid, netconf...) keep their payload.
_PARSERS: dict[str, Callable[[bytes], object]] = {
    "link": parse_link,
    "addr": parse_address,
    "route": parse_route,
    "neigh": parse_neighbour,
    "rule": _rule_report,  # parse_rule(report=True): an absent priority is 0
    "qdisc": parse_qdisc,
    "class": parse_class,
    "filter": parse_filter,
}


@dataclass(frozen=True, slots=True)
class Event:
    """One notification: ``kind`` (``"link"``...), ``action`` (``"new"``/``"del"``), ``obj``."""

    kind: str
    action: str
    obj: object
    """The parsed object, or the payload ``bytes`` for kinds without a parser."""
    type: int = field(default=0, compare=False)
    """The RTM_* message type."""
    pid: int = field(default=0, compare=False)
    """Port id of the socket whose request caused the change (0: the kernel itself)."""
    payload: bytes = field(default=b"", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Overrun:
    """The kernel dropped notifications (ENOBUFS); :meth:`Monitor.resync` rebuilds state."""

    count: int = 1
    """How many overruns this monitor has seen so far, this one included."""


@dataclass(frozen=True, slots=True)
class Malformed:
    """A notification that did not decode (only yielded with ``strict=False``)."""

    type: int
    payload: bytes = field(repr=False)
    error: DecodeError


MonitorEvent = Event | Overrun | Malformed


class _Closed(ValueError):
    """The monitor was closed (possibly by another thread while waiting)."""


def group_ids(groups: Iterable[str | int]) -> list[int]:
    """The multicast group numbers for group names (or RTNLGRP numbers).

    >>> group_ids(["link", "addr"])
    [1, 5, 9]

    Raises :class:`ValueError` for an unknown name, a number that is no
    rtnetlink group or an empty list; :class:`TypeError` for anything but
    names and numbers.
    """
    if isinstance(groups, str):
        groups = (groups,)
    if isinstance(groups, bytes | bytearray) or not isinstance(groups, Iterable):
        raise TypeError(
            "groups must be a group name or a sequence of names and RTNLGRP numbers, "
            f"not {type(groups).__name__}: {groups!r}"
        )
    out: list[int] = []
    for g in groups:
        if isinstance(g, bool):
            raise TypeError(f"monitor group must be a name or an RTNLGRP number, not {g!r}")
        if isinstance(g, int):
            ids: tuple[int, ...] = (_check.integer(g, "monitor group", 1, _GROUP_MAX),)
        elif isinstance(g, str):
            name = _ALIASES.get(g, g)
            try:
                ids = GROUPS[name]
            except KeyError:
                raise ValueError(
                    f"unknown monitor group {g!r}; known: {', '.join(GROUPS)}"
                ) from None
        else:
            raise TypeError(f"monitor group must be a name or an RTNLGRP number, not {g!r}")
        for i in ids:
            if int(i) not in out:
                out.append(int(i))
    if not out:
        raise ValueError("a monitor needs at least one group")
    return out


def parse_events(datagram: bytes) -> list[MonitorEvent]:
    """Decode one datagram of notifications into events (sans I/O).

    A message whose payload does not decode becomes a :class:`Malformed`
    carrying the :class:`~rawns.errors.DecodeError` (with a note naming the
    message); the messages after it are still decoded. A broken message
    header makes the rest of the datagram one :class:`Malformed`.
    """
    out: list[MonitorEvent] = []
    off = 0
    try:
        for mtype, _flags, _seq, pid, start, end in iter_messages(datagram):
            off = end
            if mtype in (NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE):
                continue
            if mtype == NLMSG_OVERRUN:
                out.append(Overrun())
                continue
            payload = datagram[start:end]
            kind, action = _KINDS.get(mtype, (f"rtm{mtype}", "new" if mtype % 4 == 0 else "del"))
            parse = _PARSERS.get(kind)
            if parse is None:
                out.append(Event(kind, action, payload, mtype, pid, payload))
                continue
            try:
                obj = parse(payload)
            except DecodeError as e:
                e.add_note(f"in a {_type_name(mtype)} notification of {len(payload)} bytes")
                out.append(Malformed(mtype, payload, e))
                continue
            out.append(Event(kind, action, obj, mtype, pid, payload))
    except DecodeError as e:
        e.add_note(f"in a notification datagram of {len(datagram)} bytes")
        out.append(Malformed(0, datagram[off:], e))
    return out


def _type_name(mtype: int) -> str:
    try:
        return f"RTM_{RTM(mtype).name}"
    except ValueError:
        return f"type {mtype}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """The state :meth:`Monitor.resync` dumped, for the kinds the monitor follows.

    ``routes`` covers every table (the notifications do too); ``filters`` those
    attached to each qdisc (ingress and egress of a clsact).
    """

    links: list[Link] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    neighbours: list[Neighbour] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    qdiscs: list[Qdisc] = field(default_factory=list)
    classes: list[Class] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)


class Monitor:
    """A subscription to rtnetlink notifications in one namespace.

    Iterate (blocking), call :meth:`poll` with a timeout, or :meth:`events`
    (stops after an idle timeout). One consumer at a time: concurrent
    :meth:`poll` calls are serialised by a lock. Close it (or use ``with``);
    :meth:`close` from another thread wakes a consumer blocked in a ``for``
    loop, which then ends.
    """

    def __init__(
        self,
        sock: NetlinkSocket,
        ns: _netns.Netns | None,
        groups: list[int],
        *,
        strict: bool = True,
        netns_ident: tuple[int, int] | None = None,
    ) -> None:
        # Normally made by open(); a direct call gets its arguments checked too.
        if not all(hasattr(sock, a) for a in ("fileno", "recv", "close")):
            raise TypeError(f"sock must be a NetlinkSocket, not {type(sock).__name__}: {sock!r}")
        if ns is not None and not isinstance(ns, _netns.Netns):
            raise TypeError(f"ns must be a Netns or None, not {type(ns).__name__}: {ns!r}")
        self._sock = sock
        self._ns = ns
        self.groups = tuple(groups)
        self.strict = strict
        # Which namespace the socket listens in, as Handle.netns_ident has it:
        # resync() refuses a handle on another one. open() passes what its
        # helper saw from inside; otherwise ns (or the caller's) tells.
        if netns_ident is None:
            st = os.fstat(ns.fd) if ns is not None else os.stat("/proc/thread-self/ns/net")
            netns_ident = (st.st_dev, st.st_ino)
        self._ident = netns_ident
        self._label = (ns.name or ns.path or f"fd {ns.fd}") if ns is not None else "the caller's"
        self.overruns = 0
        self._queue: deque[MonitorEvent] = deque()
        self._closed = False
        # close() from another thread must wake a blocked poll(): closing the
        # socket alone does not (Linux keeps the file alive inside poll), so
        # an eventfd sits in the same poll set.
        # The eventfd goes into its list within one C call (see rawns._netns_fd._owning):
        # an interruption here leaves it owned, and __del__ closes it.
        self._wakes: list[int] = []
        self._wakes.extend(starmap(os.eventfd, ((0, os.EFD_CLOEXEC | os.EFD_NONBLOCK),)))
        self._poller = select.poll()
        self._poller.register(sock.fileno(), select.POLLIN)
        self._poller.register(self._wakes[0], select.POLLIN)
        self._lock = threading.Lock()

    # -- lifetime ----------------------------------------------------------
    def fileno(self) -> int:
        """The socket's fd, for select/poll/selectors loops (then call :meth:`poll` with 0)."""
        return self._sock.fileno()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def netns_ident(self) -> tuple[int, int]:
        """The namespace's identity: (st_dev, st_ino) of its nsfs inode."""
        return self._ident

    @property
    def netns_label(self) -> str:
        """How errors name the monitor's namespace: its name, path, or "the caller's"."""
        return self._label

    def close(self) -> None:
        """Close the socket and the namespace fd; wake a blocked consumer. Idempotent.

        Each step is idempotent too, so a close() cut short (by Ctrl-C, say)
        is finished by the next one.
        """
        if not self._closed:
            self._closed = True
            if self._wakes:
                with contextlib.suppress(OSError):
                    os.eventfd_write(self._wakes[0], 1)
        with self._lock:  # the woken consumer lets go of the socket first
            if not self._sock.closed:
                self._sock.close()
            wakes, self._wakes = self._wakes, []
            if wakes:
                os.close(wakes[0])
        if self._ns is not None:
            self._ns.close()

    def __del__(self) -> None:
        # Last resort for the eventfd (the socket and the Netns close themselves
        # when collected); an explicit close() is the norm.
        wakes = getattr(self, "_wakes", None)
        if wakes:
            with contextlib.suppress(OSError):
                os.close(wakes[0])

    def __enter__(self) -> Monitor:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = repr(self._ns) if self._ns is not None else "caller's namespace"
        state = "closed" if self.closed else "open"
        return f"<Monitor {where} groups={list(self.groups)} {state}>"

    # -- receiving ---------------------------------------------------------
    def _fill(self, timeout: float | None) -> None:
        """Wait up to ``timeout`` seconds (None: forever) for one datagram and queue its events."""
        if self._closed:
            raise _Closed("monitor is closed")
        ms = None if timeout is None else min(_POLL_MAX_MS, max(0, int(timeout * 1000)))
        ready = self._poller.poll(ms)
        if self._closed:
            raise _Closed("monitor is closed")
        if not any(fd == self._sock.fileno() for fd, _ in ready):
            return
        try:
            data = self._sock.recv()
        except OSError as e:
            if e.errno == errno.ENOBUFS:
                # The kernel reports an overrun once (sk_err) and keeps the
                # socket working: notifications after it are delivered.
                self.overruns += 1
                self._queue.append(Overrun(self.overruns))
                return
            if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):  # pragma: no cover - spurious wakeup
                return
            raise
        except DecodeError as e:  # a datagram bigger than the buffer
            self._queue.append(Malformed(0, b"", e))
            return
        for ev in parse_events(data):
            if isinstance(ev, Overrun):  # NLMSG_OVERRUN in band (not sent by rtnetlink today)
                self.overruns += 1
                ev = Overrun(self.overruns)
            self._queue.append(ev)

    def poll(self, timeout: float | None = None) -> MonitorEvent | None:
        """The next event, waiting up to ``timeout`` seconds (None: forever); None on timeout.

        Raises :class:`~rawns.errors.DecodeError` for a malformed notification
        when ``strict`` (the monitor stays usable), :class:`ValueError` if closed
        or for a negative, NaN or infinite timeout, :class:`TypeError` for a
        timeout that is not a number.
        """
        if timeout is not None:
            timeout = _check.seconds(timeout, "timeout")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not self._queue:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                self._fill(left)
                if not self._queue and deadline is not None and time.monotonic() >= deadline:
                    return None
            ev = self._queue.popleft()
        if isinstance(ev, Malformed) and self.strict:
            raise ev.error
        return ev

    def __iter__(self) -> Monitor:
        return self

    def __next__(self) -> MonitorEvent:
        """Block until the next event (a closed monitor ends the iteration)."""
        if self._closed:
            raise StopIteration
        try:
            ev = self.poll(None)
        except _Closed:
            raise StopIteration from None
        assert ev is not None
        return ev

    def events(self, timeout: float | None = None) -> Iterator[MonitorEvent]:
        """Yield events until none arrives for ``timeout`` seconds (None: forever).

        A :class:`~rawns.errors.DecodeError` (``strict``) ends this generator;
        call :meth:`events` again to go on. Closing the monitor ends it too.
        A bad ``timeout`` is refused here, as by :meth:`poll`, not at the first
        ``next()``.
        """
        if timeout is not None:
            timeout = _check.seconds(timeout, "timeout")
        return self._events(timeout)

    def _events(self, timeout: float | None) -> Iterator[MonitorEvent]:
        while True:
            try:
                ev = self.poll(timeout)
            except _Closed:
                return
            if ev is None:
                return
            yield ev

    def drain(self) -> list[MonitorEvent]:
        """Every event already received or waiting in the socket, without blocking.

        Malformed notifications are returned as :class:`Malformed` here even
        when ``strict``, so that nothing is lost.
        """
        out: list[MonitorEvent] = []
        with self._lock:
            while True:
                if not self._queue:
                    self._fill(0)
                    if not self._queue:
                        return out
                out.append(self._queue.popleft())

    # -- resynchronising ---------------------------------------------------
    def resync(self, h: Handle | None = None) -> Snapshot:
        """Dump the current state of what the monitor follows (after an :class:`Overrun`).

        Equivalent to: ip link show; ip addr show; ip route show table all; ip neigh show;
        tc qdisc show; tc class show dev DEV; tc filter show dev DEV parent P

        Uses ``h`` or a temporary handle in the monitor's namespace. Only the
        kinds of the monitor's groups are dumped. Call it *after* seeing the
        overrun: later events then apply on top of the snapshot. Raises
        :class:`ValueError` if ``h`` is closed, or is a handle on another
        namespace than the monitor's (its dump would describe the wrong
        namespace), :class:`TypeError` if it is not a Handle,
        :class:`~rawns.errors.DumpInterrupted` if a dump kept changing.
        """
        from .handle import Handle

        if self._closed:
            raise ValueError(f"resync: {self!r} is closed")
        if h is None:
            with Handle.open(netns=self._ns) as tmp:
                self._same_netns(tmp, "the temporary handle")
                return self._snapshot(tmp)
        self._same_netns(_check.handle(h, "h"), f"h {h!r}")
        return self._snapshot(h)

    def _same_netns(self, h: Handle, what: str) -> None:
        if h.netns_ident != self._ident:
            raise ValueError(
                f"resync: {what} is a handle on {_where(h.netns_label)}, but this monitor "
                f"follows {_where(self._label)}: use a handle on the monitor's namespace, "
                "or none (a temporary one is opened there)"
            )

    def _follows(self, *groups: int) -> bool:
        return any(g in self.groups for g in groups)

    def _snapshot(self, h: Handle) -> Snapshot:
        from ._plan import drive

        return drive(h, self._snapshot_plan(h))

    def _snapshot_plan(self, h: Handle) -> Plan[Snapshot]:
        """The dumps of :meth:`resync` as a plan (:mod:`rawns._plan`): rawns.aio's resync too."""
        from . import addr, route, rule
        from .link._verbs import dump_plan as links
        from .neigh._neighbours import dump_plan as neighbours

        snap = Snapshot()
        if self._follows(RTNLGRP.LINK):
            snap.links.extend((yield from links(h)))
        if self._follows(RTNLGRP.IPV4_IFADDR, RTNLGRP.IPV6_IFADDR):
            snap.addresses.extend((yield from addr.dump_plan(h)))
        if self._follows(RTNLGRP.IPV4_ROUTE, RTNLGRP.IPV6_ROUTE):
            snap.routes.extend((yield from route.dump_plan(h, family=0, table=None)))
        if self._follows(RTNLGRP.NEIGH):
            snap.neighbours.extend((yield from neighbours(h)))
        if self._follows(RTNLGRP.IPV4_RULE, RTNLGRP.IPV6_RULE):
            snap.rules.extend((yield from rule.dump_plan(h)))
        if self._follows(RTNLGRP.TC):
            yield from _tc_snapshot(h, snap)
        return snap


def _tc_snapshot(h: Handle, snap: Snapshot) -> Plan[None]:
    """Qdiscs, the classes of each link with a qdisc of its own, the filters of each qdisc."""
    from .tc import filter, qdisc, tclass

    snap.qdiscs.extend((yield from qdisc.dump_plan(h)))
    for dev in dict.fromkeys(q.dev for q in snap.qdiscs if q.handle):  # indexes, decoded
        snap.classes.extend((yield from tclass.dump_plan(h, dev)))
    for q in snap.qdiscs:
        if not q.handle:
            continue
        parents = {"clsact": (0xFFFFFFF2, 0xFFFFFFF3), "ingress": (0xFFFF0000,)}
        for parent in parents.get(q.kind, (int(q.handle),)):
            snap.filters.extend((yield from filter.dump_plan(h, q.dev, parent=parent)))


def _where(label: str) -> str:
    return "the caller's namespace" if label == "the caller's" else f"namespace {label!r}"


def open(
    netns: _netns.NetnsLike | None = None,
    groups: Iterable[str | int] = DEFAULT_GROUPS,
    *,
    rcvbuf: int | None = None,
    strict: bool = True,
) -> Monitor:
    """Subscribe to rtnetlink notifications in ``netns`` (None: the caller's namespace).

    Equivalent to: ip -n NS monitor link address route neigh

    ``netns`` is a :class:`~rawns.netns.Netns`, a name, a path or a pid
    (:data:`rawns.netns.NetnsLike`).

    ``groups`` are names from :data:`GROUPS` (``"addr"`` covers IPv4 and
    IPv6; ``"ipv6-route"`` one family) or RTNLGRP numbers. ``rcvbuf``
    overrides the socket's receive buffer (large by default, so overruns are
    rare; small to test them). Raises :class:`ValueError` for an unknown
    group, a bad namespace name, a closed Netns or an rcvbuf out of
    ``1..2**31-1``, :class:`TypeError` for a wrong type (nothing opened),
    :class:`FileNotFoundError` for an unknown namespace name.
    """
    ids = group_ids(groups)
    if rcvbuf is not None:
        rcvbuf = _check.integer(rcvbuf, "rcvbuf", 1, 0x7FFFFFFF)
    strict = _check.boolean(strict, "strict")
    ns: _netns.Netns | None
    if netns is None:
        ns = None
    elif isinstance(netns, _netns.Netns):
        if netns.closed:
            raise ValueError(f"netns {netns!r} is closed")
        ns = netns.dup()
    else:  # a name, a path or a pid (rawns.netns.NetnsLike), checked before opening
        ns = _netns.resolve(_check.netns_arg(netns, "netns"), "netns")

    def make() -> Monitor:
        # In a helper thread (which entered ns): the socket, the eventfd and
        # the Monitor owning them are made where no signal handler can raise
        # between a descriptor's creation and its owner (see rawns.netns).
        sock = NetlinkSocket(NETLINK_ROUTE, groups=ids)
        try:
            if rcvbuf is not None:
                import _socket

                _set_buf(sock.sock, SO_RCVBUFFORCE, _socket.SO_RCVBUF, rcvbuf)
            st = os.stat("/proc/thread-self/ns/net")
            return Monitor(sock, ns, ids, strict=strict, netns_ident=(st.st_dev, st.st_ino))
        except BaseException:
            sock.close()
            raise

    try:
        # An interrupted caller never gets the Monitor: it is closed for them
        # (ns with it; closing ns again below is harmless).
        return _netns._run_inside(ns, make)
    except BaseException:
        if ns is not None:
            ns.close()
        raise
