"""The native shim for namespaces: setns, unshare, mount and umount2 from ``rawns._native``.

The only importer of :mod:`rawns._native`: each C call returns ``0`` or
``-errno``, which :func:`_raise_on_errno` turns into :class:`OSError` (no
global errno crosses the FFI). :mod:`rawns.netns` is the public face.
"""

from __future__ import annotations

import errno
import os

from .errors import PermissionDenied

try:
    from . import _native
except ImportError as _e:  # pragma: no cover - depends on how rawns was installed
    # Python 3.12+ has os.setns/os.unshare but still no mount/umount2, which named
    # namespaces need: there is no fallback that covers everything, so say it now.
    raise ImportError(
        "rawns cannot work without its C extension rawns._native (setns, unshare, "
        f"mount and umount2 from csrc/rawns_ns.c), which is not built here: {_e}. "
        "Build it with `pip install -e .` in the source tree (or install rawns with "
        "pip): cffi compiles it, which needs a C compiler and the Python headers.",
        name="rawns._native",
    ) from _e

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000

MS_BIND = 4096
MS_REC = 16384
MS_SHARED = 1 << 20
MNT_DETACH = 2

NS_GET_NSTYPE = 0xB703  # include/uapi/linux/nsfs.h: _IO(0xb7, 0x3)

_ROOT_HINT = (
    "this needs root (CAP_SYS_ADMIN): run as root, or call rawns.rootless.enter() "
    "first to work as root in a private user namespace (see rawns/rootless.py)"
)


_lib = _native.lib


# --------------------------------------------------------------------------
# The native shim: each call returns 0 or -errno.


def _raise_on_errno(ret: int, what: str, target: str = "") -> None:
    if ret < 0:
        err = -ret
        raise OSError(err, f"{what}: {os.strerror(err)}", target or None)


def _setns(fd: int, nstype: int) -> None:
    _raise_on_errno(_lib.rawns_setns(fd, nstype), "setns")


def _unshare(flags: int) -> None:
    _raise_on_errno(_lib.rawns_unshare(flags), "unshare")


def _mount(source: str, target: str, fstype: str, flags: int) -> None:
    _raise_on_errno(
        _lib.rawns_mount(
            source.encode(), target.encode(), fstype.encode(), flags, _native.ffi.NULL
        ),
        "mount",
        target,
    )


def _umount2(target: str, flags: int) -> None:
    _raise_on_errno(_lib.rawns_umount2(target.encode(), flags), "umount2", target)


def _needs_root(op: str, target: str, e: OSError) -> PermissionDenied:
    """A refused namespace syscall, as PermissionDenied with the way out (root or rootless)."""
    err = PermissionDenied(e.errno or errno.EPERM, op=op, target=target, hint=_ROOT_HINT)
    err.add_note(f"refused: {e}")
    return err
