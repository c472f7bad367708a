"""libnftnl userdata TLVs: ``u8 type, u8 len, value`` inside ``NFTA_*_USERDATA``.

Userdata is opaque to the kernel; nft stores comments and a few hints in it.
Pure, and below both :mod:`rawns.nft._args` (which compares a comment with
the userdata that carries it) and :mod:`rawns.nft._msg`.
"""

from __future__ import annotations

import sys

from ..errors import DecodeError

__all__ = [
    "TYPEOF_FIELDS",
    "udata_comment",
    "udata_get",
    "udata_tlv",
    "udata_tlvs",
    "udata_typeof",
    "udata_typeof_text",
]


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


# ---------------------------------------------------------------------------
# typeof: which expression a set's key is matched against
#
# nft records it in NFTNL_UDATA_SET_KEY_TYPEOF (3) of a set's userdata, nested:
# NFTNL_UDATA_SET_TYPEOF_EXPR (0), nft's expression type (include/expression.h:
# enum expr_types, EXPR_PAYLOAD 7, EXPR_META 9), then NFTNL_UDATA_SET_TYPEOF_DATA
# (1) holding the expression's own record: a payload's protocol (src/proto.h:
# enum proto_desc_id) and header field (the index of its template, as
# src/payload.c: payload_expr_build_udata writes them); a meta's key
# (NFT_META_*). Values are u32 in host order, as libnftnl's nftnl_udata_put_u32.

UD_SET_KEY_TYPEOF = 3
_EXPR_PAYLOAD, _EXPR_META = 7, 9
_BO_HOST, _BO_BIG = 1, 2  # src/datatype.h: enum byteorder

#: The typeof expressions rawns writes and reads, in nft's words: each maps to
#: (expression type, its record's two u32 values or one, the key datatype, the
#: key byte order nft writes beside it: big for a header field, host for meta).
TYPEOF_FIELDS: dict[str, tuple[int, tuple[int, ...], str, int]] = {
    "tcp sport": (_EXPR_PAYLOAD, (8, 1), "inet_service", _BO_BIG),
    "tcp dport": (_EXPR_PAYLOAD, (8, 2), "inet_service", _BO_BIG),
    "udp sport": (_EXPR_PAYLOAD, (6, 1), "inet_service", _BO_BIG),
    "udp dport": (_EXPR_PAYLOAD, (6, 2), "inet_service", _BO_BIG),
    "th sport": (_EXPR_PAYLOAD, (11, 1), "inet_service", _BO_BIG),
    "th dport": (_EXPR_PAYLOAD, (11, 2), "inet_service", _BO_BIG),
    "ip protocol": (_EXPR_PAYLOAD, (12, 9), "inet_proto", _BO_BIG),
    "ip saddr": (_EXPR_PAYLOAD, (12, 11), "ipv4_addr", _BO_BIG),
    "ip daddr": (_EXPR_PAYLOAD, (12, 12), "ipv4_addr", _BO_BIG),
    "ip6 saddr": (_EXPR_PAYLOAD, (13, 8), "ipv6_addr", _BO_BIG),
    "ip6 daddr": (_EXPR_PAYLOAD, (13, 9), "ipv6_addr", _BO_BIG),
    "meta l4proto": (_EXPR_META, (16,), "inet_proto", _BO_HOST),
    "meta mark": (_EXPR_META, (3,), "mark", _BO_HOST),
    "iifname": (_EXPR_META, (6,), "ifname", _BO_HOST),
    "oifname": (_EXPR_META, (7,), "ifname", _BO_HOST),
}
_BY_RECORD = {(e, vals): text for text, (e, vals, _, _) in TYPEOF_FIELDS.items()}


def _u32(value: int) -> bytes:
    return value.to_bytes(4, sys.byteorder)


def udata_typeof(text: str) -> bytes:
    """The NFTNL_UDATA_SET_KEY_TYPEOF TLV of ``text`` (a key of :data:`TYPEOF_FIELDS`)."""
    etype, values, _, _ = TYPEOF_FIELDS[text]
    data = b"".join(udata_tlv(i, _u32(v)) for i, v in enumerate(values))
    return udata_tlv(UD_SET_KEY_TYPEOF, udata_tlv(0, _u32(etype)) + udata_tlv(1, data))


def udata_typeof_text(data: bytes | None) -> str | None:
    """The typeof expression of a set's userdata in nft's words (``"tcp dport"``), or
    None: no record, one rawns does not know (it stays in the raw userdata), or malformed."""
    record = udata_get(data, UD_SET_KEY_TYPEOF)
    if record is None:
        return None
    try:
        parts = dict(udata_tlvs(record))
        etype, inner = parts.get(0), parts.get(1)
        if etype is None or inner is None or len(etype) != 4:
            return None
        values = tuple(int.from_bytes(v, sys.byteorder) for _, v in udata_tlvs(inner))
        if any(len(v) != 4 for _, v in udata_tlvs(inner)):
            return None
    except DecodeError:
        return None
    return _BY_RECORD.get((int.from_bytes(etype, sys.byteorder), values))
