"""Network sysctls of one namespace (``net.ipv4.ip_forward`` and friends).

``/proc/sys/net`` shows the network namespace of the *thread* that opens a
file there (the lookup goes through ``current->nsproxy->net_ns``; see
fs/proc/proc_sysctl.c and net/sysctl_net.c). So a sysctl of another
namespace is read or written by a short-lived helper thread that has entered
it (:func:`rawns.netns.run_in`); the caller's thread, and its namespace's
values, are never touched.

Keys are dotted names below ``net.`` (``net.ipv4.conf.veth0.forwarding``).
A dot inside one component (an interface named ``eth0.100``) is written
``/``, as sysctl(8) writes it (``net.ipv4.conf.eth0/100.forwarding``; an
interface name never holds a ``/``), or the key is given as a sequence of
components (``("net", "ipv4", "conf", "eth0.100", "forwarding")``).
:func:`dump` returns keys in the first form, so each names one file and can
be passed back to :func:`get`. Keys are checked
before anything is opened: no ``/`` but as such a dot, no ``.``/``..`` component, no NUL,
whitespace or control character, no component longer than 255 bytes, and
only the ``net`` tree, so a key can never name a path outside
``/proc/sys/net``. Values are checked too: a NUL or a newline inside would
make the kernel read two values (or cut one), so they are refused, as is an
empty value (a write of nothing changes nothing).

>>> key_path("net.ipv4.ip_forward")
'/proc/sys/net/ipv4/ip_forward'
>>> key_path(("net", "ipv4", "conf", "eth0.100", "rp_filter"))
'/proc/sys/net/ipv4/conf/eth0.100/rp_filter'
>>> key_path("net.ipv4.conf.eth0/100.rp_filter")
'/proc/sys/net/ipv4/conf/eth0.100/rp_filter'
>>> dotted(("net", "ipv4", "conf", "eth0.100", "rp_filter"))
'net.ipv4.conf.eth0/100.rp_filter'
>>> key_path("kernel.hostname")
Traceback (most recent call last):
ValueError: sysctl key 'kernel.hostname' is not below net. (only network sysctls are per namespace)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from . import _check
from . import netns as _netns
from .errors import kernel_error

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")
    from .handle import Handle

__all__ = ["Key", "dotted", "dump", "get", "key_path", "set"]

PROC_SYS = "/proc/sys"
_MAX_VALUE = 4096  # a sysctl write is one page at most (proc_sys_call_handler)
_MAX_COMPONENT = 255  # NAME_MAX: a device name is at most 15 bytes, a sysctl name shorter

Key = str | Sequence[str]


def _components(key: Key) -> list[str]:
    if isinstance(key, str):
        # sysctl(8): in a dotted key, '/' stands for a dot inside one component
        # (net.ipv4.conf.eth0/100.forwarding). A '/' in the first component is a
        # path written by mistake (net/ipv4/ip_forward, /proc/sys/...): refused.
        if "/" in key.split(".", 1)[0]:
            raise ValueError(f"sysctl key {key!r} contains '/'; use dots (net.ipv4.ip_forward)")
        parts = [p.replace("/", ".") for p in key.split(".")]
    elif isinstance(key, Sequence) and not isinstance(key, bytes | bytearray):
        parts = list(key)
        for p in parts:
            if not isinstance(p, str):
                raise TypeError(
                    f"sysctl key {key!r}: component {p!r} is a {type(p).__name__}, not a str"
                )
    else:
        raise TypeError(
            "sysctl key must be a dotted str or a sequence of str, "
            f"not {type(key).__name__}: {_check._show(key)}"
        )
    for p in parts:
        if not p or p in (".", ".."):
            raise ValueError(f"sysctl key {key!r} has an empty, '.' or '..' component")
        if "/" in p or "\0" in p:
            raise ValueError(f"sysctl key {key!r} component {p!r} contains '/' or NUL")
        _check.text(p, f"sysctl key {_check._show(key)} component", max_bytes=_MAX_COMPONENT)
        if any(c.isspace() or not c.isprintable() for c in p):
            raise ValueError(
                f"sysctl key {key!r} component {p!r} contains whitespace or a control character"
            )
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


def dotted(key: Key) -> str:
    """The one dotted spelling of ``key``, after validation: a dot inside a component
    becomes ``/`` (as sysctl(8) prints it), so every key names exactly one file.

    The keys of :func:`dump` are in this form; :func:`get` and :func:`set` take it.
    """
    return ".".join(p.replace(".", "/") for p in _components(key))


def _label(key: Key) -> str:
    return key if isinstance(key, str) else dotted(key)


def _where(where: object) -> tuple[Callable[[Callable[[], T]], T], str | None]:
    """Check ``where`` (nothing opened yet) and return how to run there, and its label.

    The label names the namespace in errors when it is not the caller's.
    """
    from .handle import Handle

    if where is None:
        return (lambda fn: fn()), None
    if isinstance(where, Handle):
        _check.handle(where, "where")
        ns = where.netns
        label = where.netns_label if ns is not None else None
        return (lambda fn: _netns.run_in(ns, fn)), label
    if isinstance(where, _netns.Netns):
        if where.closed:
            raise ValueError(f"where {where!r} is closed")
        label = where.name or where.path
        return (lambda fn: _netns.run_in(where, fn)), label
    if isinstance(where, str | os.PathLike | int) and not isinstance(where, bool):
        # a name, a path or a pid (rawns.netns.NetnsLike): opened for the call
        given = _check.netns_arg(where, "where")

        def by_name(fn: Callable[[], T]) -> T:
            with _netns.resolve(given, "where") as ns:
                return _netns.run_in(ns, fn)

        return by_name, str(given) if isinstance(given, str) else f"pid {given}"
    raise TypeError(
        "where must be a Handle, a Netns, a namespace name, a path, a pid or None, "
        f"not {type(where).__name__}: {_check._show(where)}"
    )


def _read(path: str) -> str:
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape").rstrip("\n")


def _write(path: str, value: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, value)
    finally:
        os.close(fd)


def _kernel(op: str, target: str, netns: str | None, fn: Callable[[], T]) -> Callable[[], T]:
    """Wrap ``fn`` so that an OSError becomes the matching KernelError naming ``target``."""

    def call() -> T:
        try:
            return fn()
        except IsADirectoryError:
            raise ValueError(f"sysctl key {target!r} is a directory") from None
        except OSError as e:
            if e.errno is None:  # pragma: no cover - open/read/write always set errno
                raise
            raise kernel_error(e.errno, op=op, target=target, netns=netns) from None

    return call


def _value(value: object) -> bytes:
    """The bytes to write: an int, a bool (1/0) or a str, checked so that the kernel
    reads exactly one value (no NUL or newline inside, not empty, one page at most)."""
    if isinstance(value, bool):
        return b"1" if value else b"0"
    if isinstance(value, int):
        # (3 bits per digit is about right; str() itself refuses above 4300 digits)
        if value.bit_length() > 3 * _MAX_VALUE:
            raise ValueError(f"sysctl value is an int of {value.bit_length()} bits: too long")
        return str(value).encode()
    if not isinstance(value, str):
        raise TypeError(
            "sysctl value must be a str, an int or a bool, "
            f"not {type(value).__name__}: {_check._show(value)}"
        )
    text = _check.text(value, "sysctl value", max_bytes=_MAX_VALUE - 1, forbid="\n")
    return text.encode()


def get(where: Handle | _netns.NetnsLike | None, key: Key) -> str:
    """Read a network sysctl inside ``where`` (a Handle, or a Netns, name, path or pid).

    Equivalent to: ip netns exec NS sysctl -n KEY

    ``None`` reads the calling thread's own namespace. Returns the value as
    the kernel prints it, without the trailing newline (``"1"``, or
    ``"4096\\t131072\\t6291456"`` for vectors). Raises :class:`ValueError` for
    a bad key or a closed ``where`` (nothing opened), :class:`TypeError` for
    a wrong type, :class:`~rawns.errors.NotFound` for an unknown key or device.
    """
    return _get_call(where, key)()


def _get_call(where: object, key: Key) -> Callable[[], str]:
    """:func:`get`, every argument checked: what is left runs in ``where`` (rawns.aio's too)."""
    path = key_path(key)
    run, netns = _where(where)
    fn = _kernel("sysctl read", _label(key), netns, lambda: _read(path))
    return lambda: run(fn)


def set(where: Handle | _netns.NetnsLike | None, key: Key, value: str | int | bool) -> None:
    """Write a network sysctl inside ``where``; the caller's namespace is untouched.

    Equivalent to: ip netns exec NS sysctl -w KEY=VALUE

    ``value`` is an int, a bool (``1``/``0``) or a string (written as is).
    Raises :class:`ValueError` for a bad key or value (NUL or newline inside,
    empty, a page or longer: nothing written), :class:`TypeError` for a wrong
    type, :class:`~rawns.errors.NotFound` for an unknown key,
    :class:`~rawns.errors.InvalidArgument` if the kernel rejects the value,
    :class:`~rawns.errors.PermissionDenied` for a read-only key. Errors name
    the key and the value.
    """
    _set_call(where, key, value)()


def _set_call(where: object, key: Key, value: object) -> Callable[[], None]:
    """:func:`set`, every argument checked: what is left runs in ``where``."""
    path = key_path(key)
    raw = _value(value)
    run, netns = _where(where)
    target = f"{_label(key)}={raw.decode()!r}"
    fn = _kernel("sysctl write", target, netns, lambda: _write(path, raw))
    return lambda: run(fn)


def dump(where: Handle | _netns.NetnsLike | None, prefix: Key | None = None) -> dict[str, str]:
    """Every readable sysctl below ``prefix`` inside ``where``, by dotted key.

    Equivalent to: ip netns exec NS sysctl net.ipv4.conf.all

    ``prefix=None`` (the default) is the whole ``net.`` tree; otherwise it is a
    key or a subtree such as ``"net.ipv4.conf.all"`` (``"net"`` alone is no key
    and is refused, as by :func:`get`).

    Keys are dotted; a dot inside a component (an interface named
    ``eth0.100``) is written ``/`` (``net.ipv4.conf.eth0/100.forwarding``, as
    sysctl(8) prints it), so each key names one file and :func:`get` takes it
    back. Unreadable
    entries (write-only, or refused) are skipped. Raises
    :class:`ValueError` for a bad prefix, :class:`~rawns.errors.NotFound` if
    it does not exist.
    """
    return _dump_call(where, prefix)()


def _dump_call(where: object, prefix: Key | None) -> Callable[[], dict[str, str]]:
    """:func:`dump`, every argument checked: what is left runs in ``where``."""
    root = PROC_SYS + "/net" if prefix is None else key_path(prefix)
    run, netns = _where(where)

    def walk() -> dict[str, str]:
        out: dict[str, str] = {}
        if not os.path.isdir(root):
            out[dotted(prefix or "net")] = _read(root)  # a single key, or ENOENT
            return out
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, PROC_SYS).split("/")
                try:
                    value = _read(path)
                except OSError:
                    continue
                out[".".join(p.replace(".", "/") for p in rel)] = value
        return out

    fn = _kernel("sysctl read", _label(prefix or "net"), netns, walk)
    return lambda: run(fn)
