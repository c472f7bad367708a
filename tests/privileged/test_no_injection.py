"""Names from callers never reach a path outside /run/netns (or /proc/sys/net), nor a shell.

A runtime complement to tests/unit/test_no_shell.py (which reads the source):
a :func:`sys.addaudithook` hook records every file-system and process event
Python raises while rawns runs (``open``, ``os.mkdir``, ``os.remove``,
``os.listdir``, ``subprocess.Popen``, ``os.system``, ``os.exec``, ``os.fork``...),
in every thread, including rawns' helper threads. Hostile names must be
refused before any event; odd but valid names (shell metacharacters, leading
dashes) must only ever touch their own file under /run/netns.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rawns import Handle, link, monitor, netns, sysctl
from rawns.link import Ifb
from tests.conftest import run

_PATH_EVENTS = {
    "open",
    "os.mkdir",
    "os.remove",
    "os.rmdir",
    "os.rename",
    "os.listdir",
    "os.scandir",
    "os.chmod",
    "os.chown",
    "os.symlink",
    "os.link",
    "os.truncate",
    "os.utime",
    "shutil.rmtree",
    "shutil.copyfile",
}
_PROCESS_EVENTS = {
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.startfile",
    "pty.spawn",
    "ctypes.dlopen",
}

_recording = threading.Event()
_events: list[tuple[str, Any]] = []
_lock = threading.Lock()


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _recording.is_set():
        return
    if event in _PATH_EVENTS or event in _PROCESS_EVENTS:
        with _lock:
            _events.append((event, args[0] if args else None))


sys.addaudithook(_hook)  # cannot be removed; idle unless _recording is set


@contextlib.contextmanager
def audited() -> Iterator[list[tuple[str, Any]]]:
    """Record path and process events (all threads) for the block."""
    with _lock:
        _events.clear()
    seen: list[tuple[str, Any]] = []
    _recording.set()
    try:
        yield seen
    finally:
        _recording.clear()
        with _lock:
            seen.extend(_events)
            _events.clear()


def _paths(events: list[tuple[str, Any]]) -> list[str]:
    out = []
    for ev, arg in events:
        if ev in _PROCESS_EVENTS:
            raise AssertionError(f"rawns started a process or loaded a library: {ev} {arg!r}")
        if isinstance(arg, int):  # an fd (os.listdir(fd), open(fd))
            continue
        path = os.fsdecode(arg) if isinstance(arg, str | bytes | os.PathLike) else str(arg)
        out.append(path)
    return out


ALLOWED_PREFIXES = ("/run/netns", "/proc/thread-self/ns/net", "/proc/self/ns/net", "/proc/sys/net/")


#: The netns worker thread returns to its caller's namespace by the caller's own
#: /proc/self/task/TID/ns/net (rawns/_netns_fd.py): a namespace file, never a name.
_TASK_NS = re.compile(r"/proc/self/task/[0-9]+/ns/net")


def _inside(path: str, prefixes: tuple[str, ...] = ALLOWED_PREFIXES) -> bool:
    real = os.path.normpath(path)
    if _TASK_NS.fullmatch(real):
        return True
    return real == "/run/netns" or any(
        real == p.rstrip("/") or real.startswith(p.rstrip("/") + "/") for p in prefixes
    )


HOSTILE_NAMES = [
    "../../etc",
    "..",
    ".",
    "/etc",
    "a/b",
    "../x",
    "x/../../..",
    "x\0y",
    "",
    " ",
    "a b",
    "tab\there",
    "new\nline",
    "n" * 300,
]

ODD_BUT_VALID = ["$(reboot)", "`id`", "-rf", "--help", "a;b|c&", "*", "q'uote\"", "ünï", ".hidden"]


def _verbs(name: str) -> list[tuple[str, Callable[[], object]]]:
    return [
        ("netns.create", lambda: netns.create(name)),
        ("netns.open", lambda: netns.open(name)),
        ("netns.delete", lambda: netns.delete(name)),
        ("netns.exists", lambda: netns.exists(name)),
        ("Handle.open", lambda: Handle.open(netns=name)),
        ("monitor.open", lambda: monitor.open(netns=name)),
        ("sysctl.get", lambda: sysctl.get(name, "net.ipv4.ip_forward")),
    ]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_hostile_namespace_names_are_refused_before_any_file_access(name: str) -> None:
    before = sorted(os.listdir("/run/netns"))
    for verb, call in _verbs(name):
        with audited() as events, pytest.raises((ValueError, TypeError)):
            call()
        if verb in ("Handle.open", "monitor.open", "sysctl.get") and name.startswith("/"):
            # these take an absolute path too (issue 14: one namespace argument
            # type); it opens what it was given, read-only, and refuses a non-namespace
            assert _paths(events) in ([], [name]), f"{verb}({name!r}) touched {_paths(events)}"
            continue
        assert _paths(events) == [], f"{verb}({name!r}) touched files before refusing"
    assert sorted(os.listdir("/run/netns")) == before
    assert not os.path.exists("/etc/.rawns") and os.path.isdir("/etc")


@pytest.mark.parametrize("name", ODD_BUT_VALID, ids=repr)
def test_odd_but_valid_names_stay_inside_run_netns(name: str) -> None:
    with open("/proc/self/mountinfo") as f:
        mounts_before = {line.split()[4] for line in f}
    with audited() as events:
        ns = netns.create(name)
        try:
            with Handle.open(netns=name) as h:
                link.add(h, Ifb(name="ifb0"))
            with netns.open(name) as again:
                assert again.inode() == ns.inode()
            assert netns.exists(name)
        finally:
            ns.close()
            netns.delete(name)
    paths = _paths(events)
    assert paths, "no file event seen: is the audit hook working?"
    outside = [p for p in paths if not _inside(p)]
    assert outside == [], outside
    assert all(os.path.basename(p) == name for p in paths if p.startswith("/run/netns/"))
    with open("/proc/self/mountinfo") as f:
        new_mounts = {line.split()[4] for line in f} - mounts_before
    assert new_mounts == set()
    assert name not in run("ip", "netns", "list")


HOSTILE_KEYS: list[Any] = [
    "net/../../etc/passwd",
    "net.ipv4.conf.../../../etc",
    "net..ipv4",
    "kernel.hostname",
    "vm.overcommit_memory",
    "net",
    ("net", "..", "..", "etc", "passwd"),
    ("net", "ipv4", "conf", "a/b", "forwarding"),
    ("net", "ipv4", "conf", "x\0", "forwarding"),
    ("..", "net", "ipv4"),
    ("net", "ipv4", "conf", "", "forwarding"),
]


@pytest.mark.parametrize("key", HOSTILE_KEYS, ids=repr)
def test_hostile_sysctl_keys_are_refused_before_any_file_access(ns: Any, key: Any) -> None:
    with Handle.open(netns=ns) as h:
        for verb, call in (
            ("get", lambda: sysctl.get(h, key)),
            ("set", lambda: sysctl.set(h, key, 1)),
            ("dump", lambda: sysctl.dump(h, key)),
        ):
            with audited() as events, pytest.raises((ValueError, TypeError)):
                call()
            assert _paths(events) == [], f"sysctl.{verb}({key!r}) touched files"


def test_sysctl_of_an_oddly_named_interface_stays_in_proc_sys_net(ns: Any) -> None:
    odd = "$(id);x"
    with Handle.open(netns=ns) as h:
        link.add(h, Ifb(name=odd))
        key = ("net", "ipv4", "conf", odd, "forwarding")
        with audited() as events:
            sysctl.set(h, key, 1)
            assert sysctl.get(h, key) == "1"
            assert sysctl.dump(h, ("net", "ipv4", "conf", odd))
    paths = _paths(events)
    assert paths and all(_inside(p, ("/proc/sys/net/",)) for p in paths), paths
    assert all(f"/conf/{odd}/" in p or p.endswith(f"/conf/{odd}") for p in paths), paths


def test_a_whole_session_starts_no_process(make_ns: Any) -> None:
    """Namespaces, handles, links, sysctls, nf_tables, a monitor: no fork, exec or shell."""
    from rawns import addr, nft, route

    with audited() as events:
        a, b = make_ns(), make_ns()
        with Handle.open(netns=a) as ha, Handle.open(netns=b) as hb:
            link.add(ha, link.Veth(name="va", peer="vb", peer_netns=b, up=True, peer_up=True))
            addr.add(ha, "10.9.0.1/24", dev="va")
            addr.add(hb, "10.9.0.2/24", dev="vb")
            route.add(hb, dst="default", gateway="10.9.0.1")
            sysctl.set(ha, "net.ipv4.ip_forward", 1)
            with nft.transaction(ha) as tx:
                t = tx.add_table("ip", "nat")
                c = tx.add_chain(t, "post", type="nat", hook="postrouting", priority=100)
                tx.add_rule(c, nft.masquerade(source="10.9.0.0/24"))
            with monitor.open(netns=a, groups=("link",)) as mon:
                link.set(ha, "va", mtu=1400)
                assert mon.poll(5.0) is not None
    _paths(events)  # raises on any process event
    assert not [e for e in events if e[0] in _PROCESS_EVENTS]
