"""Structure-aware mutations of netlink bytes (pure; used by both fuzz harnesses).

The interesting corruptions of netlink are in the length fields: ``nlmsg_len``
(u32 at the start of each message) and ``nla_len`` (u16 at the start of each
attribute). :func:`length_fields` finds them, following nested attributes
(with or without ``NLA_F_NESTED``: many kernel nests lack the flag), so a
mutation can point one past its container, make a child disagree with its
parent, or shrink it below the header size. :func:`multiply` builds the
"huge counts" inputs: one attribute repeated thousands of times with every
enclosing length fixed up, so the parser walks them all.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .targets import family_header_size

_U16 = struct.Struct("=H")
_U32 = struct.Struct("=I")
_NLA = struct.Struct("=HH")
NLA_F_NESTED = 0x8000


@dataclass(frozen=True, slots=True)
class LengthField:
    offset: int
    width: int  # 2 (nla_len) or 4 (nlmsg_len)
    room: int  # bytes from the field to the end of its container


def _looks_nested(data: bytes, a: int, b: int) -> bool:
    """True if data[a:b] parses exactly as a run of attributes."""
    if b - a < 4:
        return False
    off = a
    while off < b:
        if b - off < 4:
            return False
        alen = _U16.unpack_from(data, off)[0]
        if alen < 4 or off + alen > b:
            return False
        off += (alen + 3) & ~3
    return off in (b, (b + 3) & ~3)


def attr_length_fields(
    data: bytes, start: int, end: int, out: list[LengthField], depth: int = 0
) -> None:
    off = start
    while off + 4 <= end and len(out) < 4096:
        alen, atype = _NLA.unpack_from(data, off)
        out.append(LengthField(off, 2, end - off))
        if alen < 4 or off + alen > end:
            return
        if depth < 16 and (atype & NLA_F_NESTED or _looks_nested(data, off + 4, off + alen)):
            attr_length_fields(data, off + 4, off + alen, out, depth + 1)
        off += (alen + 3) & ~3


def length_fields(data: bytes, header: int) -> list[LengthField]:
    """Every length field of a payload (``header`` > 0) or of a datagram (``header == 0``)."""
    out: list[LengthField] = []
    if header:
        attr_length_fields(data, header, len(data), out)
        return out
    off = 0
    while off + 16 <= len(data):
        mlen, mtype = struct.unpack_from("=IH", data, off)
        out.append(LengthField(off, 4, len(data) - off))
        if mlen < 16 or off + mlen > len(data):
            break
        h = family_header_size(mtype)
        if h is not None:
            attr_length_fields(data, off + 16 + h, off + mlen, out)
        off += (mlen + 3) & ~3
    return out


def length_values(f: LengthField, current: int) -> list[int]:
    """Values worth writing into a length field."""
    top = 0xFFFF if f.width == 2 else 0xFFFFFFFF
    vals = [0, 1, 3, 4, 5, 15, 16, 17, current - 1, current + 1, current + 4, current * 2]
    vals += [f.room, f.room + 1, f.room + 4, top, top - 3, top // 2 + 1]
    return [v & top for v in vals]


def set_length(data: bytearray, f: LengthField, value: int) -> None:
    if f.offset + f.width <= len(data):
        (_U16 if f.width == 2 else _U32).pack_into(data, f.offset, value)


def read_length(data: bytes | bytearray, f: LengthField) -> int:
    if f.offset + f.width > len(data):
        return 0
    return int((_U16 if f.width == 2 else _U32).unpack_from(data, f.offset)[0])


# ---------------------------------------------------------------------------
# Huge counts: repeat one attribute, fixing every enclosing length.


def _attr_path(data: bytes, header: int, target: int) -> list[int]:
    """Offsets of the attributes enclosing the one at ``target`` (outermost first)."""
    fields: list[LengthField] = []
    attr_length_fields(data, header, len(data), fields)
    path = []
    for f in fields:
        alen = _U16.unpack_from(data, f.offset)[0]
        if f.offset < target < f.offset + alen:
            path.append(f.offset)
    return path


def multiply(data: bytes, header: int, which: LengthField, count: int) -> bytes | None:
    """``data`` with the attribute at ``which`` repeated ``count`` times, lengths fixed.

    Returns None if an enclosing attribute would outgrow its u16 length.
    """
    if which.width != 2 or which.offset + 4 > len(data):
        return None
    alen = _U16.unpack_from(data, which.offset)[0]
    if alen < 4 or which.offset + alen > len(data):
        return None
    step = (alen + 3) & ~3
    chunk = data[which.offset : which.offset + step]
    if len(chunk) < step:
        chunk += bytes(step - len(chunk))
    grow = step * (count - 1)
    enclosing = _attr_path(data, header, which.offset)
    out = bytearray(data[: which.offset] + chunk * count + data[which.offset + step :])
    for off in enclosing:
        n = _U16.unpack_from(out, off)[0] + grow
        if n > 0xFFFF:
            return None
        _U16.pack_into(out, off, n)
    return bytes(out)


def max_count(data: bytes, header: int, which: LengthField, budget: int) -> int:
    """How many copies fit: ``budget`` bytes at top level, 64 KiB inside a nest."""
    alen = _U16.unpack_from(data, which.offset)[0] if which.offset + 2 <= len(data) else 0
    step = max(4, (alen + 3) & ~3)
    enclosing = _attr_path(data, header, which.offset)
    if enclosing:
        room = min(0xFFFF - _U16.unpack_from(data, off)[0] for off in enclosing)
        return max(1, 1 + room // step)
    return max(1, budget // step)


def deep_nest(depth: int, atype: int = 1) -> bytes:
    """``depth`` attributes nested in each other (the innermost empty), NLA_F_NESTED set."""
    depth = min(depth, 0xFFFF // 4)
    out = bytearray()
    for i in range(depth):
        out += _NLA.pack(4 * (depth - i), atype | NLA_F_NESTED)
    return bytes(out)
