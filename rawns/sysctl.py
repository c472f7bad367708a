"""Network sysctls of one namespace (``net.ipv4.ip_forward`` and friends).

``/proc/sys/net`` shows the network namespace of the *thread* that opens a
file there (the lookup goes through ``current->nsproxy->net_ns``; see
fs/proc/proc_sysctl.c and net/sysctl_net.c). So a sysctl of another
namespace is read or written by a short-lived helper thread that has entered
it (:func:`rawns.netns.run_in`); the caller's thread, and its namespace's
values, are never touched.

Keys are dotted names below ``net.`` (``net.ipv4.conf.veth0.forwarding``), or
a sequence of components for interface names that contain a dot
(``("net", "ipv4", "conf", "eth0.100", "forwarding")``). They are checked
before anything is opened: no ``/``, no ``.``/``..`` component, no NUL, and
only the ``net`` tree, so a key can never name a path outside
``/proc/sys/net``.

>>> key_path("net.ipv4.ip_forward")
'/proc/sys/net/ipv4/ip_forward'
>>> key_path(("net", "ipv4", "conf", "eth0.100", "rp_filter"))
'/proc/sys/net/ipv4/conf/eth0.100/rp_filter'
>>> key_path("kernel.hostname")
Traceback (most recent call last):
ValueError: sysctl key 'kernel.hostname' is not below net. (only network sysctls are per namespace)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from . import netns as _netns
from .errors import kernel_error

if TYPE_CHECKING:
    from .handle import Handle

__all__ = ["Key", "dump", "get", "key_path", "set"]

PROC_SYS = "/proc/sys"
_MAX_VALUE = 4096  # a sysctl write is one page at most (proc_sys_call_handler)

Key = str | Sequence[str]
T = TypeVar("T")


def _components(key: Key) -> list[str]:
    if isinstance(key, str):
        if "/" in key:
            raise ValueError(f"sysctl key {key!r} contains '/'; use dots (net.ipv4.ip_forward)")
        parts = key.split(".")
    elif isinstance(key, Sequence) and all(isinstance(p, str) for p in key):
        parts = list(key)
    else:
        raise TypeError(f"sysctl key must be a dotted str or a sequence of str, not {key!r}")
    for p in parts:
        if not p or p in (".", ".."):
            raise ValueError(f"sysctl key {key!r} has an empty, '.' or '..' component")
        if "/" in p or "\0" in p:
            raise ValueError(f"sysctl key {key!r} component {p!r} contains '/' or NUL")
        if any(c.isspace() or not c.isprintable() for c in p):
            raise ValueError(f"sysctl key {key!r} component {p!r} contains whitespace")
    if len(parts) < 2 or parts[0] != "net":
        raise ValueError(
            f"sysctl key {key!r} is not below net. (only network sysctls are per namespace)"
        )
    return parts


def key_path(key: Key) -> str:
    """The ``/proc/sys`` path of ``key``, after validation (:class:`ValueError` if bad)."""
    path = os.path.join(PROC_SYS, *_components(key))
    # Second lock: the components were checked, but never trust a join alone.
    if os.path.normpath(path) != path or not path.startswith(PROC_SYS + "/net/"):
        raise ValueError(f"sysctl key {key!r} escapes {PROC_SYS}/net")
    return path


def _label(key: Key) -> str:
    return key if isinstance(key, str) else ".".join(key)


def _run(where: Handle | _netns.Netns | str | None, fn: Callable[[], T]) -> T:
    """Call ``fn`` in a helper thread inside ``where`` (``None``: right here)."""
    from .handle import Handle

    if where is None:
        return fn()
    if isinstance(where, Handle):
        if where.closed:
            raise ValueError("sysctl: the handle is closed")
        return _netns.run_in(where.netns, fn)
    if isinstance(where, _netns.Netns):
        return _netns.run_in(where, fn)
    if isinstance(where, str):
        with _netns.open(where) as ns:
            return _netns.run_in(ns, fn)
    raise TypeError(f"sysctl: expected a Handle, a Netns, a namespace name or None, not {where!r}")


def _read(path: str) -> str:
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape").rstrip("\n")


def _write(path: str, value: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, value)
    finally:
        os.close(fd)


def _kernel(op: str, key: Key, fn: Callable[[], T]) -> Callable[[], T]:
    """Wrap ``fn`` so that an OSError becomes the matching KernelError naming ``key``."""

    def call() -> T:
        try:
            return fn()
        except IsADirectoryError:
            raise ValueError(f"sysctl key {_label(key)!r} is a directory") from None
        except OSError as e:
            if e.errno is None:  # pragma: no cover - open/read/write always set errno
                raise
            raise kernel_error(e.errno, op=op, target=_label(key)) from None

    return call


def get(where: Handle | _netns.Netns | str | None, key: Key) -> str:
    """Read a network sysctl inside ``where`` (a Handle, Netns or namespace name).

    Equivalent to: ip netns exec NS sysctl -n KEY

    ``None`` reads the calling thread's own namespace. Returns the value as
    the kernel prints it, without the trailing newline (``"1"``, or
    ``"4096\\t131072\\t6291456"`` for vectors). Raises :class:`ValueError` for
    a bad key (nothing opened), :class:`~rawns.errors.NotFound` for an
    unknown key or device.
    """
    path = key_path(key)
    return _run(where, _kernel("sysctl read", key, lambda: _read(path)))


def set(where: Handle | _netns.Netns | str | None, key: Key, value: str | int | bool) -> None:
    """Write a network sysctl inside ``where``; the caller's namespace is untouched.

    Equivalent to: ip netns exec NS sysctl -w KEY=VALUE

    ``value`` is an int, a bool (``1``/``0``) or a string (written as is).
    Raises :class:`ValueError` for a bad key or value (nothing written),
    :class:`~rawns.errors.NotFound` for an unknown key,
    :class:`~rawns.errors.InvalidArgument` if the kernel rejects the value,
    :class:`~rawns.errors.PermissionDenied` for a read-only key.
    """
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise TypeError(f"sysctl value must be str, int or bool, not {value!r}")
    raw = text.encode()
    if b"\0" in raw or len(raw) >= _MAX_VALUE:
        raise ValueError(f"sysctl value {text[:40]!r} contains NUL or is too long")
    path = key_path(key)
    _run(where, _kernel("sysctl write", key, lambda: _write(path, raw)))


def dump(where: Handle | _netns.Netns | str | None, prefix: Key = "net") -> dict[str, str]:
    """Every readable sysctl below ``prefix`` inside ``where``, by dotted key.

    Equivalent to: ip netns exec NS sysctl net.ipv4.conf.all

    Keys are dotted, so an interface name with a dot (``eth0.100``) is
    ambiguous here; read such keys with a component sequence. Unreadable
    entries (write-only, or refused) are skipped. Raises
    :class:`ValueError` for a bad prefix, :class:`~rawns.errors.NotFound` if
    it does not exist.
    """
    root = key_path(prefix)

    def walk() -> dict[str, str]:
        out: dict[str, str] = {}
        if not os.path.isdir(root):
            out[_label(prefix)] = _read(root)  # a single key, or ENOENT
            return out
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, PROC_SYS)
                try:
                    value = _read(path)
                except OSError:
                    continue
                out[rel.replace("/", ".")] = value
        return out

    return _run(where, _kernel("sysctl read", prefix, walk))
