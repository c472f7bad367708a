"""macvlan: extra MAC addresses on a lower device, each its own link."""

from __future__ import annotations

import struct
from collections.abc import Callable

from .. import _check
from .._dataclass import dataclass
from .._rtnl import IFLA, IFLA_MACVLAN, MACVLAN_MODE
from .._wire import NLA_TYPE_MASK, Writer, iter_attrs
from ..errors import DecodeError
from ._decode import NestTable, fixed_reader, register_info
from ._spec import LinkSpec, Resolve, set_field
from ._types import Link, LinkInfo, LinkRef, check_ref

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["MACVLAN_MODES", "Macvlan", "MacvlanInfo"]

_U16 = struct.Struct("=H").unpack_from
_U32 = struct.Struct("=I").unpack_from

#: Mode names as ``ip link`` spells them, to MACVLAN_MODE_* values.
MACVLAN_MODES = {
    "private": int(MACVLAN_MODE.PRIVATE),
    "vepa": int(MACVLAN_MODE.VEPA),
    "bridge": int(MACVLAN_MODE.BRIDGE),
    "passthru": int(MACVLAN_MODE.PASSTHRU),
    "source": int(MACVLAN_MODE.SOURCE),
}
_MODE_NAMES = {v: k for k, v in MACVLAN_MODES.items()}
MACVLAN_FLAG_NOPROMISC = 1  # linux/if_link.h


@dataclass(frozen=True, slots=True, kw_only=True)
class Macvlan(LinkSpec):
    """A macvlan on the lower device ``link`` (``ip link add NAME link DEV type macvlan``).

    ``mode`` is ``private``, ``vepa``, ``bridge``, ``passthru`` or ``source``
    (``None``: the kernel's default, vepa); ``nopromisc`` keeps a passthru
    lower device out of promiscuous mode; ``bc_queue_len`` sizes the
    broadcast queue (a u32).
    """

    kind = "macvlan"

    link: LinkRef
    mode: str | None = None
    nopromisc: bool | None = None
    bc_queue_len: int | None = None

    def __post_init__(self) -> None:
        super(Macvlan, self).__post_init__()
        check_ref(self.link, "link (the lower device)")
        if self.mode is not None:
            mode = self.mode.lower() if isinstance(self.mode, str) else None
            if mode not in MACVLAN_MODES:
                _check.choice(self.mode, "macvlan mode", MACVLAN_MODES)  # raises, naming it
            set_field(self, "mode", mode)
        if self.nopromisc is not None:
            _check.boolean(self.nopromisc, "nopromisc")
        if self.bc_queue_len is not None:
            _check.uint(self.bc_queue_len, 32, "bc_queue_len")

    def refs(self) -> tuple[tuple[str, LinkRef], ...]:
        return (*super(Macvlan, self).refs(), ("link", self.link))

    def _replace_conflict(
        self, existing: Link, index_of: Callable[[LinkRef], int | None]
    ) -> str | None:
        # macvlan_changelink does not read IFLA_LINK: the lower device stays.
        want = index_of(self.link)
        if (
            existing.link is not None
            and existing.link_netnsid is None
            and want is not None
            and want != existing.link
        ):
            return (
                f"macvlan {self.name} is on lower device ifindex {existing.link}; replace "
                f"cannot move it to {self.link!r} (ifindex {want}): the kernel would ignore it"
            )
        return super(Macvlan, self)._replace_conflict(existing, index_of)

    def _put_top(self, w: Writer, resolve: Resolve) -> None:
        w.put_u32(IFLA.LINK, resolve(self.link, "link"))

    def _has_data(self) -> bool:
        return self.mode is not None or self.nopromisc is not None or self.bc_queue_len is not None

    def _put_data(self, w: Writer, resolve: Resolve) -> None:
        if self.mode is not None:
            w.put_u32(IFLA_MACVLAN.MODE, MACVLAN_MODES[self.mode])
        if self.nopromisc is not None:
            w.put_u16(IFLA_MACVLAN.FLAGS, MACVLAN_FLAG_NOPROMISC if self.nopromisc else 0)
        if self.bc_queue_len is not None:
            w.put_u32(IFLA_MACVLAN.BC_QUEUE_LEN, self.bc_queue_len)

    @classmethod
    def _parse_data(
        cls, payload: bytes, start: int, end: int, top: dict[str, Any]
    ) -> dict[str, Any]:
        if "link" not in top:
            raise DecodeError("a macvlan request without IFLA_LINK")
        kw: dict[str, Any] = {"link": top.pop("link")}
        for t, a, _b in iter_attrs(payload, start, end):
            t &= NLA_TYPE_MASK
            if t == IFLA_MACVLAN.MODE:
                kw["mode"] = _MODE_NAMES[_U32(payload, a)[0]]
            elif t == IFLA_MACVLAN.FLAGS:
                kw["nopromisc"] = bool(_U16(payload, a)[0] & MACVLAN_FLAG_NOPROMISC)
            elif t == IFLA_MACVLAN.BC_QUEUE_LEN:
                kw["bc_queue_len"] = _U32(payload, a)[0]
            else:
                raise DecodeError(f"IFLA_MACVLAN attribute {t} is not a Macvlan field", offset=a)
        return kw


@dataclass(frozen=True, slots=True, kw_only=True)
class MacvlanInfo(LinkInfo):
    """A macvlan's settings as the kernel reports them; the lower device is ``Link.link``."""

    mode: str | None = None
    flags: int | None = None
    macaddr_count: int | None = None
    bc_queue_len: int | None = None
    bc_queue_len_used: int | None = None

    @property
    def nopromisc(self) -> bool:
        return bool((self.flags or 0) & MACVLAN_FLAG_NOPROMISC)


def _mode(payload: bytes, a: int, b: int) -> str | None:
    if b - a != 4:
        return None
    mode = _U32(payload, a)[0]
    return _MODE_NAMES.get(mode, str(mode))


def _u16(payload: bytes, a: int, b: int) -> int | None:
    return int(_U16(payload, a)[0]) if b - a == 2 else None


def _u32(payload: bytes, a: int, b: int) -> int | None:
    return int(_U32(payload, a)[0]) if b - a == 4 else None


fixed_reader(_u16, "H", 2)
fixed_reader(_u32, "I", 4)
_TABLE = NestTable(
    MacvlanInfo,
    {
        IFLA_MACVLAN.MODE: ("mode", _mode),
        IFLA_MACVLAN.FLAGS: ("flags", _u16),
        IFLA_MACVLAN.MACADDR_COUNT: ("macaddr_count", _u32),
        IFLA_MACVLAN.BC_QUEUE_LEN: ("bc_queue_len", _u32),
        IFLA_MACVLAN.BC_QUEUE_LEN_USED: ("bc_queue_len_used", _u32),
    },
)


def parse_macvlan_info(payload: bytes, start: int, end: int, top: Link) -> MacvlanInfo:
    info: MacvlanInfo = _TABLE.decode(payload, start, end)
    return info


register_info("macvlan", parse_macvlan_info, _TABLE)
register_info("macvtap", parse_macvlan_info, _TABLE)
