"""Traffic-control value kinds (rawns.tc): rates, sizes, times and handles, in tc's spellings.

:mod:`rawns._check` re-exports these.
"""

from __future__ import annotations

import re

from ._check_core import _show, integer, seconds, uint

__all__ = ["tc_handle", "tc_rate", "tc_size", "tc_time"]

# tc/tc_util.c get_rate64 (bit/s; any case), lib/utils.c get_size (bytes), get_time (us)
_K, _M, _G, _T = 1 << 10, 1 << 20, 1 << 30, 1 << 40
_TC_RATE = {"bit": 1, "kibit": _K, "kbit": 10**3, "mibit": _M, "mbit": 10**6, "gibit": _G}
_TC_RATE |= {"gbit": 10**9, "tibit": _T, "tbit": 10**12, "bps": 8, "kibps": 8 * _K}
_TC_RATE |= {"kbps": 8000, "mibps": 8 * _M, "mbps": 8 * 10**6, "gibps": 8 * _G}
_TC_RATE |= {"gbps": 8 * 10**9, "tibps": 8 * _T, "tbps": 8 * 10**12}
_TC_SIZE = {"b": 1, "k": _K, "kb": _K, "m": _M, "mb": _M, "g": _G, "gb": _G, "kbit": 128}
_TC_SIZE |= {"mbit": _M // 8, "gbit": _G // 8}
_TC_TIME = {u: 10**6 for u in ("s", "sec", "secs")} | {u: 1 for u in ("us", "usec", "usecs")}
_TC_TIME |= {u: 1000 for u in ("ms", "msec", "msecs")}
_TC_NUM = re.compile(r"((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[0-9]+)?)([a-z]*)", re.I)


def _tc_scaled(value: object, what: str, units: dict[str, int], unit: str) -> int:
    """An int (in ``unit``), or a str like tc's (``"8mbit"``): its number times its unit."""
    if isinstance(value, str):
        m = _TC_NUM.fullmatch(value)
        scale = units.get(m.group(2).lower() or unit) if m else None
        if m is None or scale is None:
            raise ValueError(f"{what} {_show(value)} is not a number with a unit tc takes")
        n = float(m.group(1)) * scale
        if n >= 2**64:
            raise ValueError(f"{what} {_show(value)} is too large (2**64 {unit} or more)")
        return int(n)
    return integer(value, what, -(2**64), 2**64)


def tc_rate(value: object, what: str = "rate") -> int:
    """A rate in bit/s: an int, or tc's spelling (``"8mbit"``, ``"100kbps"``; bare: bits).
    The kernel counts whole bytes per second: the rest is dropped, as tc drops it."""
    bits = _tc_scaled(value, what, _TC_RATE, "bit")
    if not 8 <= bits < 1 << 64:
        raise ValueError(f"{what} must be 8..2**64-1 bit/s (1 byte/s at least), not {value!r}")
    return bits & ~7


def tc_size(value: object, what: str = "size", lo: int = 0) -> int:
    """A size in bytes (u32): an int, or tc's spelling (``"1500b"``, ``"32kbit"``, ``"1mb"``)."""
    n = _tc_scaled(value, what, _TC_SIZE, "b")
    if not lo <= n <= 0xFFFFFFFF:
        raise ValueError(f"{what} must be {lo}..{0xFFFFFFFF} bytes, not {value!r}")
    return n


def tc_time(value: object, what: str = "latency") -> int:
    """A duration in microseconds: tc's spelling (``"400ms"``), or seconds (int or float)."""
    us = _tc_scaled(value, what, _TC_TIME, "us") if isinstance(value, str) else 0
    if not isinstance(value, str):
        us = int(seconds(value, what) * 10**6)
    if not 1 <= us <= 0xFFFFFFFF:
        raise ValueError(f"{what} must be 1us..{0xFFFFFFFF}us, not {value!r}")
    return us


_TC_HANDLES = {"root": 0xFFFFFFFF, "none": 0, "ingress": 0xFFFFFFF1, "clsact": 0xFFFFFFF1}
_TC_HANDLES |= {"egress": 0xFFFFFFF3}
_TC_HANDLE = re.compile(r"([0-9a-f]{1,4})?(?::([0-9a-f]{0,4}))?", re.I)


#: parsed handle strings (a pure function of the exact str; a spec list repeats its
#: parent, "1:", on every item); bounded: once full, further strings are parsed each time
_HANDLE_CACHE: dict[str, int] = {}
_HANDLE_CACHE_MAX = 512


def tc_handle(value: object, what: str = "handle") -> int:
    """A tc handle or parent: a u32, ``"root"``, ``"ingress"``, ``"clsact"``, ``"egress"``,
    or tc's hex ``"MAJ:"``, ``"MAJ:MIN"``, ``":MIN"``, ``"MAJ"`` (16 bits each)."""
    if type(value) is int and 0 <= value <= 0xFFFFFFFF:  # the common case: uint()'s test
        return value
    if type(value) is str:
        hit = _HANDLE_CACHE.get(value)
        if hit is not None:
            return hit
        n = _parse_handle(value, what)
        if len(_HANDLE_CACHE) < _HANDLE_CACHE_MAX:
            _HANDLE_CACHE[value] = n
        return n
    return _parse_handle(value, what)


def _parse_handle(value: object, what: str) -> int:
    """:func:`tc_handle` without its cache (the plain path)."""
    if isinstance(value, str):
        if value.lower() in _TC_HANDLES:
            return _TC_HANDLES[value.lower()]
        m = _TC_HANDLE.fullmatch(value)
        if m is None or value in ("", ":"):
            raise ValueError(f"{what} {_show(value)} is not a tc handle like '1:' or '1:10'")
        return (int(m.group(1) or "0", 16) << 16) | int(m.group(2) or "0", 16)
    return uint(value, 32, what)
