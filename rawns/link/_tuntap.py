"""tun/tap: devices whose other end is a file descriptor in a process.

The kernel refuses to create them over rtnetlink (drivers/net/tun.c has no
``newlink``: ``ip link add type tun`` fails), so rawns does what
``ip tuntap add`` does: open ``/dev/net/tun`` *inside the handle's
namespace* (the device is born in the namespace of the opener), ``TUNSETIFF``
with ``IFF_TUN_EXCL``, owner and group, ``TUNSETPERSIST``, and close. The
common settings (mtu, up, master...) then follow as one ``link.set``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import struct

from .. import _check
from .._dataclass import dataclass
from .._rtnl import IFLA_TUN, NLM_F
from ..errors import KernelError, NotSupported, kernel_error
from ..netns import run_in
from ._change import set as set_link
from ._decode import NestTable, fixed_reader, register_info
from ._spec import LinkSpec
from ._types import Link, LinkInfo
from ._verbs import delete as delete_link

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Any

    from ..handle import Handle

__all__ = ["Tap", "Tun", "TunInfo", "build_ifreq", "open_tuntap"]

TUN_PATH = "/dev/net/tun"
# linux/if_tun.h: _IOW('T', nr, int)
TUNSETIFF = 0x400454CA
TUNSETPERSIST = 0x400454CB
TUNSETOWNER = 0x400454CC
TUNSETGROUP = 0x400454CE
IFF_TUN = 0x0001
IFF_TAP = 0x0002
IFF_MULTI_QUEUE = 0x0100
IFF_NO_PI = 0x1000
IFF_VNET_HDR = 0x4000
IFF_TUN_EXCL = 0x8000
NO_ID = 0xFFFFFFFF  # (uid_t)-1 / (gid_t)-1: "no owner", which TUNSETOWNER would store

#: struct ifreq as TUNSETIFF reads it: name[IFNAMSIZ], short flags, union padding.
IFREQ = struct.Struct("=16sH22x")
_U32 = struct.Struct("=I").unpack_from


@dataclass(frozen=True, slots=True, kw_only=True)
class _TunTap(LinkSpec):
    """Common to :class:`Tun` and :class:`Tap`."""

    rtnetlink = False
    mode = 0

    owner: int | None = None
    """uid allowed to attach without CAP_NET_ADMIN (0..4294967294)."""
    group: int | None = None
    """gid allowed to attach without CAP_NET_ADMIN (0..4294967294)."""
    multi_queue: bool = False
    vnet_hdr: bool = False
    pi: bool = False
    """Prefix packets with struct tun_pi (off by default, as ``ip tuntap``)."""

    def __post_init__(self) -> None:
        super(_TunTap, self).__post_init__()
        if self.owner is not None:
            _check.integer(self.owner, "owner (a uid)", 0, NO_ID - 1)
        if self.group is not None:
            _check.integer(self.group, "group (a gid)", 0, NO_ID - 1)
        for f in ("multi_queue", "vnet_hdr", "pi"):
            _check.boolean(getattr(self, f), f)
        if self.netns is not None:
            raise ValueError(
                f"{self.kind} devices are made in the handle's namespace: open the Handle "
                f"in the target namespace instead of netns="
            )
        if self.num_tx_queues is not None or self.num_rx_queues is not None:
            raise ValueError(
                f"{self.kind} devices get their queues from multi_queue (one per open "
                f"file), not num_tx_queues/num_rx_queues"
            )

    def _flags(self, exclusive: bool) -> int:
        flags = self.mode
        if not self.pi:
            flags |= IFF_NO_PI
        if self.multi_queue:
            flags |= IFF_MULTI_QUEUE
        if self.vnet_hdr:
            flags |= IFF_VNET_HDR
        if exclusive:
            flags |= IFF_TUN_EXCL
        return flags

    def _create(self, h: Handle, flags: int) -> None:
        exclusive = bool(flags & NLM_F.EXCL)
        fd = _open(h, self, exclusive=exclusive, persist=True)
        os.close(fd)
        try:
            _settle(h, self)
        except BaseException:
            # A device this call made is not left half set up (a master that is
            # missing, an MTU the kernel refuses): it goes, best effort. One
            # that was there before (replace) stays as it was found, bar what
            # the settings changed before the refusal.
            if exclusive:
                with contextlib.suppress(KernelError):
                    delete_link(h, self.name)
            raise


def _settle(h: Handle, spec: _TunTap) -> None:
    """Apply the common settings the ioctl cannot carry."""
    kw: dict[str, Any] = {}
    for f in ("mtu", "mac", "txqlen", "alias", "master"):
        if getattr(spec, f) is not None:
            kw[f] = getattr(spec, f)
    if spec.up:
        kw["up"] = True
    if kw:
        set_link(h, spec.name, **kw)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tun(_TunTap):
    """A layer-3 tun device (``ip tuntap add NAME mode tun``); it has no MAC address."""

    kind = "tun"
    mode = IFF_TUN

    def __post_init__(self) -> None:
        super(Tun, self).__post_init__()
        if self.mac is not None:
            raise ValueError(f"tun {self.name!r} is a layer-3 device and has no MAC address")


@dataclass(frozen=True, slots=True, kw_only=True)
class Tap(_TunTap):
    """A layer-2 tap device (``ip tuntap add NAME mode tap``)."""

    kind = "tap"
    mode = IFF_TAP


def build_ifreq(spec: Tun | Tap, *, exclusive: bool = True) -> bytes:
    """The ``struct ifreq`` that ``TUNSETIFF`` receives for ``spec`` (pure)."""
    _check_tuntap(spec)
    _check.boolean(exclusive, "exclusive")
    return IFREQ.pack(spec.name.encode(), spec._flags(exclusive))


def _check_tuntap(spec: object) -> None:
    if not isinstance(spec, Tun | Tap):
        raise TypeError(
            f"spec must be a Tun or a Tap, not {type(spec).__name__}: {_check._show(spec)}"
        )


def _open(h: Handle, spec: _TunTap, *, exclusive: bool, persist: bool) -> int:
    req = build_ifreq(spec, exclusive=exclusive)  # type: ignore[arg-type]  # Tun or Tap

    def inside() -> int:
        # The tun file's socket takes the opener's namespace (drivers/net/tun.c:
        # tun_chr_open uses current->nsproxy->net_ns), hence the helper thread.
        try:
            fd = os.open(TUN_PATH, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            raise NotSupported(
                errno.EOPNOTSUPP, op="open", target=TUN_PATH, extack="no tun driver"
            ) from None
        step = "TUNSETIFF"
        try:
            fcntl.ioctl(fd, TUNSETIFF, req)
            if spec.owner is not None:
                step = "TUNSETOWNER"
                fcntl.ioctl(fd, TUNSETOWNER, spec.owner)
            if spec.group is not None:
                step = "TUNSETGROUP"
                fcntl.ioctl(fd, TUNSETGROUP, spec.group)
            if persist:
                step = "TUNSETPERSIST"
                fcntl.ioctl(fd, TUNSETPERSIST, 1)
        except OSError as e:
            os.close(fd)
            raise _error(e, step, spec.name, exclusive) from None
        except BaseException:
            os.close(fd)
            raise
        return fd

    return run_in(h.netns, inside)


def _error(e: OSError, step: str, name: str, exclusive: bool) -> KernelError:
    err = e.errno or errno.EIO
    if step == "TUNSETIFF" and exclusive and err == errno.EBUSY:
        # IFF_TUN_EXCL turns "a device of that name exists" into EBUSY.
        return kernel_error(
            errno.EEXIST, op=step, target=name, extack="a link with this name exists (EBUSY)"
        )
    return kernel_error(err, op=step, target=name)


def open_tuntap(h: Handle, spec: Tun | Tap) -> int:
    """Create a non-persistent tun/tap device and return its file descriptor.

    Equivalent to: open("/dev/net/tun") + ioctl(TUNSETIFF), as a VPN daemon does

    The device lives until the caller closes the fd. Raises
    :class:`~rawns.errors.AlreadyExists` if the name is taken;
    :class:`ValueError`/:class:`TypeError` for a bad handle or spec, or a
    master dumped from another namespace (nothing made).
    """
    _check.handle(h)
    _check_tuntap(spec)
    spec.check_here(h)
    fd = _open(h, spec, exclusive=True, persist=False)
    try:
        _settle(h, spec)
    except BaseException:
        os.close(fd)
        raise
    return fd


@dataclass(frozen=True, slots=True, kw_only=True)
class TunInfo(LinkInfo):
    """A tun/tap device's settings as the kernel reports them (IFLA_TUN_*)."""

    type: str | None = None
    """``tun`` or ``tap``."""
    pi: bool | None = None
    vnet_hdr: bool | None = None
    persist: bool | None = None
    multi_queue: bool | None = None
    owner: int | None = None
    group: int | None = None
    num_queues: int | None = None
    num_disabled_queues: int | None = None


_TYPES = {IFF_TUN: "tun", IFF_TAP: "tap"}


def _type(payload: bytes, a: int, b: int) -> str | None:
    return _TYPES.get(payload[a], str(payload[a])) if b > a else None


def _flag(payload: bytes, a: int, b: int) -> bool | None:
    return bool(payload[a]) if b > a else None


def _u32(payload: bytes, a: int, b: int) -> int | None:
    return int(_U32(payload, a)[0]) if b - a == 4 else None


fixed_reader(_flag, "?", 1)
fixed_reader(_u32, "I", 4)
_TABLE = NestTable(
    TunInfo,
    {
        IFLA_TUN.TYPE: ("type", _type),
        IFLA_TUN.PI: ("pi", _flag),
        IFLA_TUN.VNET_HDR: ("vnet_hdr", _flag),
        IFLA_TUN.PERSIST: ("persist", _flag),
        IFLA_TUN.MULTI_QUEUE: ("multi_queue", _flag),
        IFLA_TUN.OWNER: ("owner", _u32),
        IFLA_TUN.GROUP: ("group", _u32),
        IFLA_TUN.NUM_QUEUES: ("num_queues", _u32),
        IFLA_TUN.NUM_DISABLED_QUEUES: ("num_disabled_queues", _u32),
    },
)


def parse_tun_info(payload: bytes, start: int, end: int, top: Link) -> TunInfo:
    info: TunInfo = _TABLE.decode(payload, start, end)
    return info


register_info("tun", parse_tun_info, _TABLE)
