"""Rates, sizes and times as tc spells them, and tc's rate tables (iproute2 tc/tc_core.c).

Parsing is validation, so it lives in :mod:`rawns._check` (``tc_rate``,
``tc_size``, ``tc_time``); this module prints values back the way ``tc``
prints them and computes what tc computes from them: transmit times in
scheduler ticks and the 256-entry rate tables (``TCA_*_RTAB``).

>>> format_rate(8_000_000), format_size(4096), format_time(400_000)
('8Mbit', '4Kb', '400.0ms')
>>> xmittime(1_000_000, 4096)
64000
"""

from __future__ import annotations

import functools
import struct

from .. import _check

__all__ = [
    "TICK_IN_USEC",
    "calc_rtable",
    "format_rate",
    "format_size",
    "format_time",
    "rtable",
    "xmitsize",
    "xmittime",
]

#: Scheduler ticks per microsecond, as tc_core_init reads /proc/net/psched: the
#: kernel prints NSEC_PER_USEC and PSCHED_TICKS2NS(1) = 1 << PSCHED_SHIFT (6)
#: there (net/sched/sch_api.c psched_show), fixed since Linux 2.6.31: 1000 / 64.
TICK_IN_USEC = 1000 / 64
TIME_UNITS_PER_SEC = 1_000_000
_RTAB = struct.Struct("=256I")


def _u32(x: float) -> int:
    """C's conversion of a double to ``unsigned int`` (truncation), as tc_core.c does."""
    return int(x) & 0xFFFFFFFF


def xmittime(rate: int, size: int) -> int:
    """Ticks to send ``size`` bytes at ``rate`` bytes/s (tc_calc_xmittime)."""
    return _u32(_u32(TIME_UNITS_PER_SEC * (size / rate)) * TICK_IN_USEC)


def xmitsize(rate: int, ticks: int) -> int:
    """Bytes sent at ``rate`` bytes/s in ``ticks`` (tc_calc_xmitsize): what tc prints as burst."""
    return _u32((rate * _u32(ticks / TICK_IN_USEC)) / TIME_UNITS_PER_SEC)


def calc_rtable(rate: int, mtu: int, mpu: int = 0, cell_log: int = -1) -> tuple[int, bytes]:
    """``(cell_log, rtab)``: the transmit time of each size class (tc_calc_rtable, Ethernet).

    ``rate`` in bytes/s as it goes in the ratespec (u32, capped at 2**32-1).
    """
    if mtu == 0:
        mtu = 2047
    if cell_log < 0:
        cell_log = 0
        while (mtu >> cell_log) > 255:
            cell_log += 1
    table = [xmittime(rate, max((i + 1) << cell_log, mpu)) for i in range(256)]
    return cell_log, _RTAB.pack(*table)


#: The speed path of the encoders: the same tables, remembered. A class per
#: customer at one rate is the common case (W9: a thousand at 1mbit), and each
#: table is 256 transmit times; calc_rtable is pure and bytes are immutable.
#: tests/unit/test_tc_roundtrip.py checks it against calc_rtable.
rtable = functools.lru_cache(maxsize=256)(calc_rtable)


def format_rate(bits: int) -> str:
    """A rate in bit/s as tc prints it (tc_util.c print_rate, SI units): ``"8Mbit"``."""
    bits = _check.uint(bits, 64, "rate")
    units = ("", "K", "M", "G", "T")
    i = 0
    while i < len(units) - 1:
        if bits < 1000 or (bits % 1000 and bits < 1000 * 1000):
            break
        bits //= 1000
        i += 1
    return f"{bits}{units[i]}bit"


def format_size(size: int) -> str:
    """A size in bytes as tc prints it (print_size): ``"1500b"``, ``"4Kb"``, ``"1Mb"``."""
    size = _check.uint(size, 32, "size")
    mb, kb = round(size / (1 << 20)), round(size / 1024)
    if size >= 1 << 20 and abs((1 << 20) * mb - size) < 1024:
        return f"{mb:g}Mb"
    if size >= 1024 and abs(1024 * kb - size) < 16:
        return f"{kb:g}Kb"
    return f"{size}b"


def format_time(us: int) -> str:
    """A duration in microseconds as tc prints it (print_time): ``"400.0ms"``, ``"1.0s"``."""
    us = _check.uint(us, 32, "time")
    if us >= TIME_UNITS_PER_SEC:
        return f"{us / TIME_UNITS_PER_SEC:.1f}s"
    if us >= 1000:
        return f"{us / 1000:.1f}ms"
    return f"{us}us"
