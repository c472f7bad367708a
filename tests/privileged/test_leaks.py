"""Leaks: descriptors, mounts, threads and memory after thousands of handles and namespaces.

rawns lives inside long-running programs, so every open must be matched by a
close, including on error paths and when a caller forgets to close (the
garbage collector then closes sockets and namespace fds). Each test measures
before and after: ``/proc/self/fd``, the ``/run/netns`` lines of
``/proc/self/mountinfo``, live threads, traced Python memory and RSS.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from rawns import Handle, link, netns
from tests.conftest import unique_name

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Usage:
    fds: int
    mounts: int
    threads: int
    traced: int
    rss: int

    def grew(self, before: Usage) -> dict[str, int]:
        return {k: getattr(self, k) - getattr(before, k) for k in self.__dataclass_fields__}


#: Mount points counted: ours only. Other suites on this machine create and
#: delete namespaces concurrently, so the global count under /run/netns moves;
#: on a quiet machine every rawns namespace name starts with "rawns-".
MOUNT_PREFIXES: list[str] = ["/run/netns/rawns-leak-"]


def _mount_lines() -> int:
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    return sum(1 for m in points for p in MOUNT_PREFIXES if m.startswith(p))


def usage() -> Usage:
    gc.collect()
    with open("/proc/self/statm") as f:
        rss = int(f.read().split()[1]) * PAGE
    return Usage(
        fds=len(os.listdir("/proc/self/fd")),
        mounts=_mount_lines(),
        threads=threading.active_count(),
        traced=tracemalloc.get_traced_memory()[0],
        rss=rss,
    )


@pytest.fixture
def watch_ns(ns: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The test namespace, with its own mount point among those counted."""
    monkeypatch.setattr(sys.modules[__name__], "MOUNT_PREFIXES", [*MOUNT_PREFIXES, ns.path])
    return ns


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def measure(work: Callable[[int], None], n: int, warmup: int = 200) -> dict[str, int]:
    """Run ``work(i)`` ``warmup`` times (caches, pools), then ``n`` times; the growth."""
    for i in range(warmup):
        work(i)
    before = usage()
    for i in range(n):
        work(i)
    return usage().grew(before)


#: Bounds on growth over the measured runs. Descriptors, mounts and threads
#: must not grow at all; memory may move by allocator noise only.
TRACED_MAX = 256 << 10
RSS_MAX = 8 << 20


def _check(grew: dict[str, int]) -> None:
    assert grew["fds"] <= 0, grew
    assert grew["mounts"] == 0, grew
    assert grew["threads"] <= 0, grew
    assert grew["traced"] < TRACED_MAX, grew
    assert grew["rss"] < RSS_MAX, grew


def test_ten_thousand_handles_leave_nothing_behind(watch_ns: Any, traced: None) -> None:
    ns = watch_ns

    def work(i: int) -> None:
        target: Any = ns if i % 2 else ns.name
        with Handle.open(netns=target) as h:
            if i % 10 == 0:
                h.nfnl  # noqa: B018 - opens the nfnetlink socket too
            if i % 7 == 0:
                assert link.get(h, "lo").index == 1

    grew = measure(work, 10_000)
    print(f"10,000 handles: growth {grew}")
    _check(grew)


def test_handles_nobody_closed_are_released_by_the_collector(watch_ns: Any, traced: None) -> None:
    ns = watch_ns

    def work(i: int) -> None:
        h = Handle.open(netns=ns)
        if i % 3 == 0:
            h.nfnl  # noqa: B018
        del h  # no close(): sockets and the namespace fd go with the object

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        grew = measure(work, 2_000)
    print(f"2,000 unclosed handles: growth {grew}")
    _check(grew)


def test_thousand_namespaces_leave_no_fd_mount_or_name(traced: None) -> None:
    listing = [n for n in netns.dump() if n.startswith("rawns-leak-")]

    def work(i: int) -> None:
        if i % 2:
            with netns.new() as anon:
                if i % 10 == 1:
                    Handle.open(netns=anon).close()
        else:
            with netns.create(unique_name("rawns-leak")) as named:
                if i % 10 == 0:
                    with Handle.open(netns=named) as h:
                        assert [lk.name for lk in link.dump(h)] == ["lo"]

    grew = measure(work, 1_000, warmup=50)
    print(f"1,000 namespaces: growth {grew}")
    _check(grew)
    assert [n for n in netns.dump() if n.startswith("rawns-leak-")] == listing == []


def test_failed_opens_leave_nothing_behind(watch_ns: Any, traced: None) -> None:
    ns = watch_ns

    missing = unique_name("rawns-missing")

    def work(i: int) -> None:
        if i % 4 == 0:
            with pytest.raises(FileExistsError):
                netns.create(ns.name)
        elif i % 4 == 1:
            with pytest.raises(FileNotFoundError):
                Handle.open(netns=missing)
        elif i % 4 == 2:
            with pytest.raises(ValueError):
                netns.create("bad/name")
        else:
            with pytest.raises(FileNotFoundError):
                netns.open(pid=0x7FFFFFF0)

    grew = measure(work, 2_000)
    print(f"2,000 failed opens: growth {grew}")
    _check(grew)
    assert not netns.exists(missing)
