"""The calling thread's long-lived helper (rawns/_netns_fd.py, "workers").

netns.create()/new() and the pod helpers hand their namespace work to one
worker thread per calling thread instead of a new thread per call. These tests
pin what that must not change: one thread however many calls, back in the
caller's namespace after each job (holding no descriptor, pinning no namespace
it made), gone when idle or when rootless.enter() asks, and a forked child
starting its own. Interruptions are covered by tests/privileged/test_faults.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from rawns import _netns_fd, netns
from tests.conftest import unique_name

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _threads() -> int:
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("Threads:"))


def _worker_tid() -> int:
    w = getattr(_netns_fd._mine, "w", None)
    assert w is not None and not w.dead, "no live worker for this thread"
    return int(w.tid)


def _ns_of(tid: int) -> int:
    return os.stat(f"/proc/self/task/{tid}/ns/net").st_ino


def _until(cond: Callable[[], bool], wait: float = 10.0) -> bool:
    """Poll ``cond`` (a state the kernel or a thread reaches on its own), bounded."""
    deadline = time.monotonic() + wait
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_many_new_namespaces_use_one_worker_which_ends_when_idle() -> None:
    """(create() needs no worker: it is one C call on the calling thread.)"""
    assert _until(lambda: not any(not w.dead for w in _netns_fd._workers))
    before = _threads()
    seen = set()
    for _ in range(20):
        netns.new().close()
        seen.add(_worker_tid())
        assert _threads() <= before + 1
    assert len(seen) == 1, f"{len(seen)} worker threads for 20 new()"
    assert _until(lambda: _threads() == before), "the idle worker did not end"


def test_the_worker_goes_back_to_the_callers_namespace(make_ns: Callable[[], Any]) -> None:
    home = os.stat("/proc/thread-self/ns/net").st_ino
    other = make_ns()
    fds = set(os.listdir("/proc/self/fd"))
    with netns.new() as made:
        tid = _worker_tid()
        assert _ns_of(tid) == home != made.inode()  # not left inside the one it made
    with other.entered(), netns.new() as made2:
        # The same worker, now back in the namespace its caller is in.
        assert _worker_tid() == tid
        assert _ns_of(tid) == other.inode() != made2.inode()
    with netns.new():
        assert _ns_of(_worker_tid()) == home
    assert set(os.listdir("/proc/self/fd")) == fds  # a parked worker holds no descriptor


def test_a_forked_child_starts_its_own_worker() -> None:
    netns.new().close()  # this process has a worker now
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            with netns.new():
                code = 0 if _netns_fd._mine.w.pid == os.getpid() else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_rootless_enter_after_rawns_calls_still_works() -> None:
    """docs/netns.md: earlier rawns calls are fine (enter() ends the idle worker)."""
    name = unique_name("rawns-tw")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from rawns import netns, rootless\n"
        "netns.create(sys.argv[2]).__exit__(None, None, None)\n"
        "rootless.enter()\n"
        "with netns.create('inside'):\n"
        "    print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, ROOT, name], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
    assert not netns.exists(name)
