"""The monitor without root: decoding datagrams, overruns and malformed events on a fake socket."""

from __future__ import annotations

import errno
import os
import socket
import struct
import threading
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rawns import monitor
from rawns._rtnl import FIB_RULE_HDR, IFINFOMSG, IFLA, NDA, NDMSG, RTM, RTNLGRP
from rawns._wire import Writer
from rawns.errors import DecodeError
from rawns.link import Link
from rawns.monitor import Event, Malformed, Monitor, Overrun
from rawns.neigh import Neighbour
from rawns.rule import Rule


def _msg(mtype: int, payload: bytes, *, pid: int = 0) -> bytes:
    w = Writer()
    w.begin(mtype, pid=pid)
    w.put_bytes_raw(payload)
    w.end()
    return w.data()


def _link(mtype: int, name: str, index: int = 7) -> bytes:
    body = IFINFOMSG.pack(0, 1, index, 0, 0)
    w = Writer()
    w.begin(mtype)
    w.put_bytes_raw(body)
    w.put_strz(IFLA.IFNAME, name)
    w.end()
    return w.data()


def _neigh(mtype: int) -> bytes:
    w = Writer()
    w.begin(mtype)
    w.put_bytes_raw(NDMSG.pack(2, 3, 0x80, 0, 1))
    w.put(NDA.DST, bytes([10, 0, 0, 2]))
    w.end()
    return w.data()


def _rule(mtype: int) -> bytes:
    return _msg(mtype, FIB_RULE_HDR.pack(10, 0, 0, 0, 254, 0, 0, 1, 0))


def test_group_names_map_to_rtnetlink_groups() -> None:
    assert monitor.group_ids(["link"]) == [RTNLGRP.LINK]
    assert monitor.group_ids(["addr", "ipv6-addr"]) == [5, 9]
    assert monitor.group_ids(("route", "neigh", "rule")) == [7, 11, 3, 8, 19]
    assert monitor.group_ids(["address", "neighbour", 28]) == [5, 9, 3, 28]
    assert monitor.group_ids("link") == [1]
    for bad in (["teleport"], [], [0], [True], [1.5]):
        with pytest.raises((ValueError, TypeError)):
            monitor.group_ids(bad)  # type: ignore[arg-type]


def test_parse_events_types_each_kind_in_order() -> None:
    data = (
        _link(RTM.NEWLINK, "v0")
        + _neigh(RTM.NEWNEIGH)
        + _rule(RTM.NEWRULE)
        + _msg(1, b"")  # NLMSG_NOOP: skipped
        + _neigh(RTM.DELNEIGH)
        + _msg(RTM.NEWNSID, b"\x00" * 4, pid=42)
        + _link(RTM.DELLINK, "v0")
    )
    evs = monitor.parse_events(data)
    assert [(e.kind, e.action) for e in evs if isinstance(e, Event)] == [
        ("link", "new"),
        ("neigh", "new"),
        ("rule", "new"),
        ("neigh", "del"),
        ("nsid", "new"),
        ("link", "del"),
    ]
    assert isinstance(evs[0].obj, Link) and evs[0].obj.name == "v0"  # type: ignore[union-attr]
    assert isinstance(evs[1].obj, Neighbour)  # type: ignore[union-attr]
    r = evs[2].obj  # type: ignore[union-attr]
    assert isinstance(r, Rule) and r.priority == 0  # a report: absent priority is 0
    nsid = evs[4]
    assert isinstance(nsid, Event) and nsid.obj == b"\x00" * 4 and nsid.pid == 42


def test_unknown_types_keep_their_payload() -> None:
    (ev,) = monitor.parse_events(_msg(200, b"abcd"))
    assert isinstance(ev, Event) and ev.kind == "rtm200" and ev.obj == b"abcd"


def test_a_malformed_message_does_not_hide_the_next_ones() -> None:
    bad = _msg(RTM.NEWNEIGH, b"\x02\x00")  # ndmsg cut short
    evs = monitor.parse_events(_link(RTM.NEWLINK, "a") + bad + _link(RTM.NEWLINK, "b"))
    assert [type(e).__name__ for e in evs] == ["Event", "Malformed", "Event"]
    m = evs[1]
    assert isinstance(m, Malformed) and m.type == RTM.NEWNEIGH
    assert any("RTM_NEWNEIGH" in n for n in m.error.__notes__)


def test_a_broken_header_makes_the_rest_one_malformed() -> None:
    data = _link(RTM.NEWLINK, "a") + struct.pack("=IHHII", 400, 16, 0, 0, 0)
    evs = monitor.parse_events(data)
    assert isinstance(evs[0], Event)
    assert isinstance(evs[1], Malformed) and evs[1].payload.startswith(b"\x90\x01")


def test_nlmsg_overrun_in_band_is_an_overrun() -> None:
    assert monitor.parse_events(_msg(4, b"")) == [Overrun()]


@given(st.binary(max_size=300))
def test_parse_events_never_raises(data: bytes) -> None:
    for ev in monitor.parse_events(data):
        assert isinstance(ev, Event | Overrun | Malformed)


@given(st.data())
def test_mutated_datagrams_never_raise(data: st.DataObject) -> None:
    raw = bytearray(_link(RTM.NEWLINK, "v0") + _neigh(RTM.NEWNEIGH) + _rule(RTM.DELRULE))
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    for ev in monitor.parse_events(bytes(raw[: data.draw(st.integers(0, len(raw)))])):
        assert isinstance(ev, Event | Overrun | Malformed)


# ---------------------------------------------------------------------------
# Monitor on a fake socket: the I/O shell around parse_events


class FakeSocket:
    """A datagram socketpair standing in for NetlinkSocket; recv can be told to fail."""

    def __init__(self) -> None:
        self.a, self.b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.errors: list[OSError] = []

    def fileno(self) -> int:
        return self.a.fileno()

    def recv(self) -> bytes:
        if self.errors:
            raise self.errors.pop(0)
        return self.a.recv(1 << 16)

    @property
    def closed(self) -> bool:
        return self.a.fileno() < 0

    def close(self) -> None:
        self.a.close()
        self.b.close()

    def feed(self, data: bytes) -> None:
        self.b.send(data)


def _mon(strict: bool = True) -> tuple[Monitor, FakeSocket]:
    s = FakeSocket()
    return Monitor(s, None, [1], strict=strict), s  # type: ignore[arg-type]


def test_poll_times_out_with_none() -> None:
    mon, _ = _mon()
    with mon:
        t = time.monotonic()
        assert mon.poll(0.1) is None
        assert time.monotonic() - t >= 0.09
        assert mon.drain() == []
        assert list(mon.events(timeout=0.05)) == []


def test_enobufs_is_an_overrun_and_the_stream_goes_on() -> None:
    mon, s = _mon()
    with mon:
        s.feed(_link(RTM.NEWLINK, "after"))
        s.errors.append(OSError(errno.ENOBUFS, "No buffer space available"))
        first = mon.poll(1)
        assert first == Overrun(1) and mon.overruns == 1
        second = mon.poll(1)
        assert isinstance(second, Event) and second.obj.name == "after"  # type: ignore[attr-defined]
        s.feed(_link(RTM.NEWLINK, "x"))
        s.errors.append(OSError(errno.ENOBUFS, "again"))
        assert mon.drain()[0] == Overrun(2)


def test_other_socket_errors_propagate() -> None:
    mon, s = _mon()
    with mon:
        s.feed(b"x")
        s.errors.append(OSError(errno.EBADF, "bad"))
        with pytest.raises(OSError) as exc:
            mon.poll(1)
        assert exc.value.errno == errno.EBADF


def test_strict_monitor_raises_decode_error_then_continues() -> None:
    mon, s = _mon(strict=True)
    with mon:
        s.feed(_link(RTM.NEWLINK, "a") + _msg(RTM.NEWNEIGH, b"\x02") + _link(RTM.NEWLINK, "b"))
        got: list[Any] = []
        with pytest.raises(DecodeError):
            for ev in mon:
                got.append(ev)
        assert [e.obj.name for e in got] == ["a"]
        # the same monitor, iterated again, goes on with the next message
        ev = next(mon)
        assert isinstance(ev, Event) and ev.obj.name == "b"  # type: ignore[attr-defined]


def test_lenient_monitor_yields_malformed_events() -> None:
    mon, s = _mon(strict=False)
    with mon:
        s.feed(_msg(RTM.NEWRULE, b"\x02") + _rule(RTM.NEWRULE))
        evs = list(mon.events(timeout=0.1))
        assert [type(e).__name__ for e in evs] == ["Malformed", "Event"]


def test_drain_returns_malformed_even_when_strict() -> None:
    mon, s = _mon(strict=True)
    with mon:
        s.feed(_msg(RTM.NEWRULE, b"\x02"))
        (ev,) = mon.drain()
        assert isinstance(ev, Malformed)


def test_closed_monitor() -> None:
    mon, _ = _mon()
    mon.close()
    mon.close()
    assert mon.closed and "closed" in repr(mon)
    with pytest.raises(ValueError, match="closed"):
        mon.poll(0)
    assert list(mon) == []


def test_open_refuses_bad_arguments_before_opening() -> None:
    with pytest.raises(ValueError, match="teleport"):
        monitor.open(groups=["teleport"])
    with pytest.raises(ValueError):
        monitor.open(rcvbuf=0)
    with pytest.raises(TypeError):
        monitor.open(rcvbuf=True)
    with pytest.raises(TypeError):  # (an int is a pid since issue 14)
        monitor.open(netns=3.0)  # type: ignore[arg-type]


def test_close_from_another_thread_ends_a_blocked_for_loop() -> None:
    mon, s = _mon()
    seen: list[Any] = []
    done = threading.Event()

    def consume() -> None:
        for ev in mon:
            seen.append(ev)
        done.set()

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    s.feed(_link(RTM.NEWLINK, "one"))
    time.sleep(0.2)
    mon.close()
    assert done.wait(2.0), "the consumer stayed blocked after close()"
    t.join(2.0)
    assert [e.obj.name for e in seen] == ["one"]
    assert mon.closed and s.closed


def test_close_wakes_events_and_poll_raises_after() -> None:
    mon, _ = _mon()
    got: list[Any] = []
    t = threading.Thread(target=lambda: got.extend(mon.events(timeout=None)), daemon=True)
    t.start()
    time.sleep(0.1)
    mon.close()
    t.join(2.0)
    assert not t.is_alive() and got == []


@pytest.mark.parametrize(
    ("timeout", "exc"),
    [
        (-1, ValueError),
        (-1e-9, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        ("1", TypeError),
        (True, TypeError),
        ([1], TypeError),
    ],
    ids=repr,
)
def test_bad_timeouts_are_refused_naming_the_value(timeout: object, exc: type[Exception]) -> None:
    mon, _ = _mon()
    with mon:
        for call in (lambda: mon.poll(timeout), lambda: mon.events(timeout)):  # type: ignore[arg-type]
            with pytest.raises(exc) as ei:
                call()
            assert "timeout" in str(ei.value) and repr(timeout) in str(ei.value)


def test_a_huge_timeout_is_waited_in_turns_not_an_overflow() -> None:
    mon, s = _mon()
    with mon:
        s.feed(_link(RTM.NEWLINK, "late0"))
        ev = mon.poll(1e300)  # more milliseconds than poll(2) takes
        assert isinstance(ev, monitor.Event) and ev.obj.name == "late0"


def test_resync_refuses_what_is_not_an_open_handle() -> None:
    mon, _ = _mon()
    with mon:
        assert mon.netns_label == "the caller's"
        assert mon.netns_ident == (
            os.stat("/proc/thread-self/ns/net").st_dev,
            os.stat("/proc/thread-self/ns/net").st_ino,
        )
        for bad in (5, "h", object()):
            with pytest.raises(TypeError, match=r"h must be a rawns\.Handle"):
                mon.resync(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="closed"):
        mon.resync()
