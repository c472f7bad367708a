"""Threads: many handles in many namespaces, and many threads sharing one handle.

A :class:`~rawns.Handle` is documented thread-safe: each exchange (request,
dump, pipeline, nf_tables batch) holds its channel's lock, so replies cannot
cross. These tests prove it the only way that counts: every thread creates
objects with its own unique names and checks that what comes back is its own.
Threads never change namespace (handles are opened from helper threads;
``entered()`` always restores), which every thread checks at its end.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, addr, link, nft, sysctl
from rawns.link import Ifb

THREADS = 8
OPS = 500


def _thread_ns() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


def _run_threads(target: Callable[[int], None], n: int = THREADS) -> list[str]:
    """Run ``target(i)`` in ``n`` threads; return their failures as text."""
    errors: list[str] = []
    lock = threading.Lock()

    def body(i: int) -> None:
        home = _thread_ns()
        try:
            target(i)
        except BaseException as e:  # collected, reported by the test
            with lock:
                errors.append(f"thread {i}: {type(e).__name__}: {e}")
        if _thread_ns() != home:
            with lock:
                errors.append(f"thread {i} ended in another namespace")

    threads = [
        threading.Thread(target=body, args=(i,), name=f"t{i}", daemon=True) for i in range(n)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), f"{t.name} hung"
    return errors


def test_eight_threads_each_with_its_own_handle_in_its_own_namespace(make_ns: Any) -> None:
    """8 threads x 500 operations (links, addresses, sysctls, entered()), no cross-talk."""
    spaces = [make_ns() for _ in range(THREADS)]
    home = _thread_ns()
    done = [0] * THREADS

    def work(i: int) -> None:
        ns = spaces[i]
        mine: set[str] = {"lo"}
        with Handle.open(netns=ns) as h:
            ops = 0
            k = 0
            while ops < OPS:
                name = f"c{i}-{k}"
                link.add(h, Ifb(name=name))
                mine.add(name)
                got = link.get(h, name)
                assert got.name == name and got.kind == "ifb", got
                link.set(h, got, mtu=1280 + k)
                assert link.get(h, got.index).mtu == 1280 + k
                ip = f"10.{i}.{k // 200}.{k % 200 + 1}/32"
                addr.add(h, ip, dev=got)
                assert [str(a.address) for a in addr.dump(h, dev=got)] == [ip]
                ops += 6
                if k % 10 == 0:
                    assert {lk.name for lk in link.dump(h)} == mine
                    key = ("net", "ipv4", "conf", name, "forwarding")
                    sysctl.set(h, key, 1)
                    assert sysctl.get(h, key) == "1"
                    with ns.entered():
                        assert _thread_ns() == ns.inode()
                        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                            s.bind((ip.split("/")[0], 0))
                    ops += 4
                if k % 25 == 24:
                    link.delete(h, name)
                    mine.discard(name)
                    ops += 1
                k += 1
            done[i] = ops

    errors = _run_threads(work)
    assert errors == []
    assert all(d >= OPS for d in done), done
    assert _thread_ns() == home


def test_eight_threads_sharing_one_handle_never_get_each_others_replies(ns: Any) -> None:
    """8 threads x 500 operations on one Handle: gets, sets, dumps, pipelines, nft batches."""
    with Handle.open(netns=ns) as h:
        indexes: dict[str, int] = {}
        lock = threading.Lock()

        def work(i: int) -> None:
            ops = 0
            k = 0
            while ops < OPS:
                name = f"s{i}-{k}"
                link.add(h, Ifb(name=name, alias=f"owner {i} #{k}"))
                got = link.get(h, name)
                assert got.name == name and got.alias == f"owner {i} #{k}", got
                again = link.get(h, got.index)
                assert again.name == name, (name, again.name)
                with lock:
                    indexes[name] = got.index
                link.set(h, name, mtu=1300 + i)
                assert link.get(h, name).mtu == 1300 + i
                ops += 5
                if k % 8 == 0:
                    # a dump holds the lock for many datagrams: must see our links
                    names = {lk.name for lk in link.dump(h)}
                    assert name in names
                    # a pipelined burst of our own
                    burst = [Ifb(name=f"p{i}-{k}-{j}") for j in range(10)]
                    assert link.add_many(h, burst) == [None] * 10
                    for j in range(10):
                        assert link.get(h, f"p{i}-{k}-{j}").name == f"p{i}-{k}-{j}"
                    ops += 12
                if k % 20 == 0:
                    # nf_tables through the same handle (its second channel)
                    with nft.transaction(h) as tx:
                        tx.add_table("inet", f"t{i}_{k}")
                    tables = {t.name for t in nft.dump_tables(h)}
                    assert f"t{i}_{k}" in tables
                    ops += 2
                k += 1

        errors = _run_threads(work)
        assert errors == []
        final = {lk.name: lk.index for lk in link.dump(h)}
        for name, index in indexes.items():
            assert final[name] == index


def test_closing_a_shared_handle_under_load_fails_cleanly(ns: Any) -> None:
    """Threads using a handle that another thread closes see ValueError('closed'), nothing worse."""
    h = Handle.open(netns=ns)
    link.add(h, Ifb(name="shared0"))
    started = threading.Barrier(5)
    outcomes: list[str] = []
    lock = threading.Lock()

    def user(i: int) -> None:
        started.wait()
        n = 0
        try:
            while True:
                assert link.get(h, "shared0").name == "shared0"
                n += 1
        except ValueError as e:
            assert "closed" in str(e)
            with lock:
                outcomes.append(f"closed after {n}")

    def closer() -> None:
        started.wait()
        time.sleep(0.2)
        h.close()

    threads = [threading.Thread(target=user, args=(i,)) for i in range(4)]
    threads.append(threading.Thread(target=closer))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive()
    assert len(outcomes) == 4, outcomes
    with pytest.raises(ValueError, match="closed"):
        link.dump(h)


def test_a_forked_child_refuses_inherited_handles_instead_of_deadlocking(ns: Any) -> None:
    """fork() while another thread is mid-exchange: the child gets a clear error, not a hang.

    The child shares the parent's sockets and port ids, so using them would
    steal the parent's replies; and the channel lock held by the parent's
    thread would never be released in the child. The child can still close
    the inherited handle and open its own; the parent's keeps working.
    """
    h = Handle.open(netns=ns)
    link.add(h, Ifb(name="fork0"))
    h.nfnl  # noqa: B018 - the second channel exists too
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with h.rtnl._lock:  # as if a request were in flight
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    pid = os.fork()
    if pid == 0:  # the child: report by exit status only, never return into pytest
        code = 10
        try:
            signal.alarm(10)  # a deadlock kills the child rather than hanging the test
            for use in (lambda: link.dump(h), lambda: h.nfnl, lambda: nft.dump_tables(h)):
                try:
                    use()
                    code = 11
                except ValueError as e:
                    if "forked child" not in str(e):
                        code = 12
            if code == 10:
                h.close()
                with Handle.open(netns=ns) as own:
                    code = 0 if link.get(own, "fork0").name == "fork0" else 13
        except BaseException:
            code = 14
        os._exit(code)
    release.set()
    t.join()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), f"child killed by signal {os.WTERMSIG(status)} (a deadlock?)"
    assert os.WEXITSTATUS(status) == 0, f"child failed with code {os.WEXITSTATUS(status)}"
    assert link.get(h, "fork0").name == "fork0"  # the parent's handle is untouched
    assert nft.dump_tables(h) == []
    h.close()
