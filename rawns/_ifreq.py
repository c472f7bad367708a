"""A link's index by name without a netlink message: SIOCGIFINDEX, as ``ip`` asks.

Used by both channels (:class:`rawns.transport.Channel` and rawns.aio's) for
the :class:`~rawns._plan.IfIndex` exchange of a verb's plan.
"""

from __future__ import annotations

import errno
import struct

from ._check import IFNAMSIZ
from .errors import kernel_error

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ifindex_by_ioctl"]

#: SIOCGIFINDEX (linux/sockios.h) and struct ifreq: ifr_name[IFNAMSIZ], ifr_ifindex, padding to 40.
_SIOCGIFINDEX = 0x8933
_IFREQ = struct.Struct("=16si20x")
_ioctl: Callable[[int, int, bytes], bytes] | None = None  # fcntl.ioctl, imported on first use


def ifindex_by_ioctl(fd: int, name: str, netns: str | None) -> int | None:
    """The index of link ``name`` in the namespace of socket ``fd``, by SIOCGIFINDEX.

    What ``ip`` does for a ``dev NAME`` (if_nametoindex): one syscall, no
    message to build or decode, and the kernel looks the name up without
    filling a link's attributes. Any socket answers for its own namespace
    (sock_ioctl -> dev_ioctl with the socket's net), a netlink one too; the
    kernel's name table holds alternative names, so an altname is found as
    RTM_GETLINK would find it. ``None`` for a name the ioctl cannot carry
    (IFNAMSIZ - 1 bytes at most: a long altname), which the caller asks by
    RTM_GETLINK instead. A missing link raises :class:`~rawns.errors.NotFound`
    (ENODEV, as the kernel answers either way).
    """
    try:
        raw = name.encode()
    except UnicodeEncodeError:
        return None
    if len(raw) >= IFNAMSIZ or b"\0" in raw:
        return None
    global _ioctl
    if _ioctl is None:
        import fcntl  # an extension module of its own: loaded on the first lookup (issue 13)

        _ioctl = fcntl.ioctl
    try:
        out = _ioctl(fd, _SIOCGIFINDEX, _IFREQ.pack(raw, 0))
    except OSError as e:
        err = e.errno or errno.EIO
        raise kernel_error(err, op="SIOCGIFINDEX", target=name, netns=netns) from None
    index: int = _IFREQ.unpack(out)[1]
    return index
