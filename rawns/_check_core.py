"""The primitive value kinds of rawns._check: numbers, words, durations, and the limits.

Everything else in the validation layer is built on these; :mod:`rawns._check`
re-exports them (call them as ``_check.uint``, never from here).
"""

from __future__ import annotations

from collections.abc import Iterable

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = [
    "ALTIFNAMSIZ",
    "IFNAMSIZ",
    "MAX_ADDR_LEN",
    "NAME_MAX",
    "NFT_NAME_MAXLEN",
    "boolean",
    "choice",
    "ifindex",
    "integer",
    "mtu",
    "optional",
    "port",
    "port_range",
    "seconds",
    "sint",
    "uint",
]


IFNAMSIZ = 16  # include/uapi/linux/if.h, with the NUL
ALTIFNAMSIZ = 128  # include/uapi/linux/if.h: an alternative name's, with the NUL
NFT_NAME_MAXLEN = 256  # include/uapi/linux/netfilter/nf_tables.h, with the NUL
MAX_ADDR_LEN = 32  # include/linux/netdevice.h: the longest link-layer address
NAME_MAX = 255  # include/uapi/linux/limits.h: a file name (a named namespace's)


def _show(value: object) -> str:
    """A value as it appears in a message: repr, cut short for huge inputs."""
    r = repr(value)
    return r if len(r) <= 80 else r[:60] + "..." + r[-12:]


# ---------------------------------------------------------------------------
# numbers


def integer(value: object, what: str, lo: int, hi: int) -> int:
    """An ``int`` (not a bool, not a float) in ``lo..hi``."""
    if type(value) is int and lo <= value <= hi:  # the common case, in two tests
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}: {_show(value)}")
    if not lo <= value <= hi:
        raise ValueError(f"{what} must be in {lo}..{hi}, not {value}")
    return int(value)


def uint(value: object, bits: int, what: str) -> int:
    """An unsigned field of ``bits`` bits: ``0..2**bits - 1`` (u8, u16, u32, u64)."""
    return integer(value, what, 0, (1 << bits) - 1)


def sint(value: object, bits: int, what: str) -> int:
    """A signed field of ``bits`` bits (an s32 chain priority, say)."""
    return integer(value, what, -(1 << (bits - 1)), (1 << (bits - 1)) - 1)


def optional(value: T | None, check: Any, *args: Any) -> T | None:
    """``check(value, *args)`` unless ``value`` is None (a field left unset)."""
    return None if value is None else check(value, *args)


def boolean(value: object, what: str) -> bool:
    """``True`` or ``False``: not ``1``, not ``"no"`` (a truthy string would turn a feature on)."""
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, not {type(value).__name__}: {_show(value)}")
    return value


def ifindex(value: object, what: str = "index") -> int:
    """An interface index: ``1..2**31 - 1`` (the kernel's ``int ifindex``; 0 means none)."""
    return integer(value, what, 1, 0x7FFFFFFF)


def mtu(value: object, what: str = "mtu") -> int:
    """A link MTU: ``68..65536`` (ETH_MIN_MTU; loopback runs at 65536, above ETH_MAX_MTU)."""
    return integer(value, what, 68, 65536)


def port(value: object, what: str = "port", *, zero: bool = False) -> int:
    """A TCP/UDP port: ``1..65535`` (``0..65535`` with ``zero=True``)."""
    return integer(value, what, 0 if zero else 1, 0xFFFF)


def port_range(value: object, what: str = "ports") -> tuple[int, int]:
    """A port or an inclusive ``(first, last)`` pair, first <= last."""
    if isinstance(value, tuple | list):
        if len(value) != 2:
            raise ValueError(f"{what} must be a port or a (first, last) pair, not {_show(value)}")
        lo, hi = port(value[0], what), port(value[1], what)
        if lo > hi:
            raise ValueError(f"{what} {_show(value)}: first port {lo} is after last port {hi}")
        return (lo, hi)
    p = port(value, what)
    return (p, p)


def choice(value: object, what: str, options: Iterable[str]) -> str:
    """One of a fixed set of words (a hook, a protocol, a mode), named in the error."""
    opts = tuple(options)
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, one of {', '.join(opts)}; not {_show(value)}")
    if value not in opts:
        raise ValueError(f"{what} must be one of {', '.join(opts)}; not {_show(value)}")
    return value


_INF = float("inf")


def seconds(value: object, what: str = "timeout") -> float:
    """A duration in seconds: an int or float, ``>= 0`` and finite (None, for "forever",
    is the caller's to allow: ``optional(value, seconds, what)``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"{what} must be a number of seconds, not {type(value).__name__}: {_show(value)}"
        )
    f = float(value)  # (an int too large for a float raises OverflowError, as math.isfinite)
    # math.isfinite without math (an import of its own): NaN is unequal to itself
    if f != f or f < 0 or f == _INF:
        raise ValueError(f"{what} must be a finite number of seconds >= 0, not {value!r}")
    return f
