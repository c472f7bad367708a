"""libnftnl userdata TLVs: ``u8 type, u8 len, value`` inside ``NFTA_*_USERDATA``.

Userdata is opaque to the kernel; nft stores comments and a few hints in it.
Pure, and below both :mod:`rawns.nft._args` (which compares a comment with
the userdata that carries it) and :mod:`rawns.nft._msg`.
"""

from __future__ import annotations

from ..errors import DecodeError

__all__ = ["udata_comment", "udata_get", "udata_tlv", "udata_tlvs"]


def udata_tlv(utype: int, value: bytes) -> bytes:
    if len(value) > 255:
        raise ValueError(f"userdata value of {len(value)} bytes is too long (max 255)")
    return bytes((utype, len(value))) + value


def udata_tlvs(data: bytes) -> list[tuple[int, bytes]]:
    """Split userdata into ``(type, value)``; malformed data raises DecodeError."""
    out: list[tuple[int, bytes]] = []
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            raise DecodeError("truncated userdata TLV", offset=i)
        t, n = data[i], data[i + 1]
        if i + 2 + n > len(data):
            raise DecodeError("userdata TLV runs past the end", offset=i)
        out.append((t, data[i + 2 : i + 2 + n]))
        i += 2 + n
    return out


def udata_get(data: bytes | None, utype: int) -> bytes | None:
    """The value of the first TLV of ``utype``, or None (also for malformed userdata)."""
    if not data:
        return None
    try:
        for t, v in udata_tlvs(data):
            if t == utype:
                return v
    except DecodeError:
        return None
    return None


def udata_comment(data: bytes | None, utype: int = 0) -> str | None:
    """A comment TLV (NUL-terminated string) decoded, or None."""
    v = udata_get(data, utype)
    if v is None:
        return None
    return v.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
