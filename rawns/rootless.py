"""Rootless mode: a private user + mount + network namespace where we are root.

An unprivileged process may create a user namespace, and inside it it holds
every capability over the namespaces that user namespace owns: it can create
network namespaces, links, routes and nf_tables rules, and bind-mount named
namespaces on a private ``/run``. Nothing of it is visible outside the process
and it all disappears when the process exits.

``unshare(CLONE_NEWUSER)`` is refused to a multi-threaded process, so
:func:`enter` must run before any thread is started (rawns starts threads only
inside its own calls, and joins them before returning).
"""

from __future__ import annotations

import errno
import os
import threading

from . import netns as _netns

__all__ = ["enter", "is_root", "sandboxed"]

MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_NOSUID = 2
MS_NODEV = 4

_entered = False


def is_root() -> bool:
    """True if this process has effective uid 0 (in its user namespace)."""
    return os.geteuid() == 0


def sandboxed() -> bool:
    """True once :func:`enter` has moved this process into its private namespaces."""
    return _entered


def _threads() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return threading.active_count()  # pragma: no cover - /proc always has it


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def enter(*, run_dir: str = "/run") -> None:
    """Move this process into a private user+mount+network namespace, as root there.

    Maps the caller's uid and gid to 0, makes every mount private, and mounts a
    fresh tmpfs on ``run_dir`` so that named namespaces (``/run/netns``) live
    only in this process. Idempotent.

    Raises :class:`RuntimeError` if the process already runs more than one
    thread, :class:`PermissionError` if the kernel does not allow
    unprivileged user namespaces, :class:`ValueError`/:class:`TypeError` for
    a ``run_dir`` that is not an absolute path.
    """
    global _entered
    run_dir = _netns._run_dir(run_dir)
    if _entered:
        return
    _netns._stop_workers()  # rawns' own idle helper threads (rawns/_netns_fd.py)
    n = _threads()
    if n != 1:
        raise RuntimeError(
            f"rootless.enter() must run before any thread starts (this process has {n})"
        )
    uid, gid = os.geteuid(), os.getegid()
    flags = _netns.CLONE_NEWUSER | _netns.CLONE_NEWNS | _netns.CLONE_NEWNET
    try:
        _netns._unshare(flags)
    except OSError as e:
        if e.errno in (errno.EPERM, errno.EACCES, errno.ENOSPC):
            raise PermissionError(
                e.errno,
                "unprivileged user namespaces are not allowed here "
                "(see /proc/sys/user/max_user_namespaces)",
            ) from e
        raise
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1\n")
    _write("/proc/self/gid_map", f"0 {gid} 1\n")
    _netns._mount("none", "/", "none", MS_REC | MS_PRIVATE)
    _netns._mount("tmpfs", run_dir, "tmpfs", MS_NOSUID | MS_NODEV)
    _entered = True
