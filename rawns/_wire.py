"""Netlink wire format: message headers, attributes (TLVs), nesting, batches.

Pure: no sockets, no syscalls. Everything here runs without root.

::

    <----- NLMSG_HDRLEN (16) ----->                  <- NLMSG_ALIGN ->
    +----------+------+-------+-----+-----+----------------+---+ ...
    | len  u32 | type | flags | seq | pid | family header  |pad| attributes
    |          | u16  | u16   | u32 | u32 | (ifinfomsg...) |   |
    +----------+------+-------+-----+-----+----------------+---+ ...
     len covers header + family header + attributes (aligned to 4)

    attribute (struct nlattr):
    +---------+---------------------+------------------+-----+
    | len u16 | type u16            | payload          | pad |
    |         | N|B|  14-bit type   | len - 4 bytes    | 0-3 |
    +---------+---------------------+------------------+-----+
     N = NLA_F_NESTED (0x8000): payload is itself a run of attributes
     B = NLA_F_NET_BYTEORDER (0x4000): payload integer is big-endian
     len excludes the padding; the next attribute starts at NLA_ALIGN(len)

Vocabulary (after libmnl): a :class:`Writer` with ``put_u32(type, value)``,
``put_strz``, ``put_be32``, ``with w.nest(type):`` ...; reading with
:func:`iter_attrs` and an explicit ``parse_*`` per object. Code that builds
by concatenation (the nf_tables encoders) uses the same vocabulary as
functions returning one attribute: ``nla(type, payload)``, ``nla_be32``,
``nla_strz``, ``nla_nest`` ... Byte order is chosen at the call site, as
with libmnl's ``mnl_attr_put_u32(nlh, type, htonl(v))``. This module also
owns the one ``nlmsghdr`` :data:`NLMSGHDR` struct and the :class:`NLM_F`
flags; every other module takes them from here. The raw layer is
lossless: :class:`Attr` keeps type bits and payload verbatim, so
``build_attrs(parse_attrs(raw)) == raw`` for any well-formed ``raw``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from enum import IntFlag
from types import TracebackType

from ._dataclass import dataclass
from .errors import DecodeError

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    _IntFlag = IntFlag

    def _int_flag(cls: type[NLM_F]) -> type[NLM_F]: ...

else:
    import enum

    class _IntFlag:
        """The runtime base of NLM_F's body: enum's fast path makes the IntFlag (as the
        generated tables do; an ordinary IntFlag class costs several times more)."""

    _int_flag = getattr(enum, "_simple_enum", lambda etype: None)(IntFlag)
    if _int_flag is None:  # an interpreter without the fast path: the ordinary way

        def _int_flag(cls):
            members = {k: v for k, v in vars(cls).items() if not k.startswith("__")}
            made = IntFlag(cls.__name__, members, module=cls.__module__, qualname=cls.__qualname__)
            made.__doc__ = cls.__doc__
            return made


__all__ = [
    "BE16",
    "BE32",
    "BE64",
    "NLA_F_NESTED",
    "NLA_F_NET_BYTEORDER",
    "NLA_TYPE_MASK",
    "NLMSGHDR",
    "NLMSG_HDRLEN",
    "NLM_F",
    "SBE32",
    "Attr",
    "Message",
    "Writer",
    "align",
    "attr_be16",
    "attr_be32",
    "attr_str",
    "attr_u8",
    "attr_u16",
    "attr_u32",
    "attr_u64",
    "batch",
    "batch_marker",
    "build_attrs",
    "build_message",
    "build_messages",
    "iter_attrs",
    "iter_messages",
    "nla",
    "nla_be16",
    "nla_be32",
    "nla_be64",
    "nla_nest",
    "nla_strz",
    "nla_u8",
    "parse_attrs",
    "parse_messages",
]

NLMSG_HDRLEN = 16
NLA_HDRLEN = 4
NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xFFFF

# nfnetlink batch framing (linux/netfilter/nfnetlink.h: NLMSG_MIN_TYPE and
# NLMSG_MIN_TYPE + 1); rawns._nfnl re-exports them.
NFNL_MSG_BATCH_BEGIN = 0x10
NFNL_MSG_BATCH_END = 0x11
NFNL_SUBSYS_NFTABLES = 10
NFNL_BATCH_GENID = 1


@_int_flag
class NLM_F(_IntFlag):
    """<linux/netlink.h> NLM_F_REQUEST...: nlmsg_flags (aliases share values by design:
    the GET flags ROOT/MATCH/ATOMIC and the NEW flags REPLACE/EXCL/CREATE/APPEND)."""

    REQUEST = 1
    MULTI = 2
    ACK = 4
    ECHO = 8
    DUMP_INTR = 16
    DUMP_FILTERED = 32
    ROOT = 256
    MATCH = 512
    ATOMIC = 1024
    DUMP = 768
    REPLACE = 256
    EXCL = 512
    CREATE = 1024
    APPEND = 2048
    NONREC = 256
    BULK = 512
    CAPPED = 256
    ACK_TLVS = 512


#: struct nlmsghdr: len, type, flags, seq, pid (host order). The only copy.
NLMSGHDR = struct.Struct("=IHHII")
_HDR = NLMSGHDR
_NLA = struct.Struct("=HH")
_U8 = struct.Struct("=B")
_U16 = struct.Struct("=H")
_U32 = struct.Struct("=I")
_S32 = struct.Struct("=i")
_U64 = struct.Struct("=Q")
BE16 = struct.Struct(">H")
BE32 = struct.Struct(">I")
BE64 = struct.Struct(">Q")
SBE32 = struct.Struct(">i")  # nf_tables priorities and verdict codes
_PAD = (b"", b"\0\0\0", b"\0\0", b"\0")
# Prebuilt headers of the fixed-size attributes: nf_tables types are small
# (every NFTA_* enum has fewer than 32 members), and one rule has dozens.
_HDR5 = tuple(_NLA.pack(5, t) for t in range(32))
_HDR6 = tuple(_NLA.pack(6, t) for t in range(32))
_HDR8 = tuple(_NLA.pack(8, t) for t in range(32))
_HDR12 = tuple(_NLA.pack(12, t) for t in range(32))
_NFGEN_NFTABLES = bytes((0, 0)) + struct.pack(">H", NFNL_SUBSYS_NFTABLES)  # nfgenmsg


def align(n: int) -> int:
    """Round ``n`` up to the 4-byte netlink alignment (NLMSG_ALIGN / NLA_ALIGN)."""
    return (n + 3) & ~3


# ---------------------------------------------------------------------------
# Raw values


@dataclass(frozen=True, slots=True)
class Attr:
    """One attribute as it is on the wire.

    ``type`` keeps the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits; ``value`` is
    the payload without padding. Decode nested payloads with :meth:`nested`.
    """

    type: int
    value: bytes

    @property
    def kind(self) -> int:
        """The attribute type without the flag bits."""
        return self.type & NLA_TYPE_MASK

    @property
    def is_nested(self) -> bool:
        return bool(self.type & NLA_F_NESTED)

    def nested(self) -> list[Attr]:
        """Decode the payload as a run of attributes."""
        return parse_attrs(self.value)


@dataclass(frozen=True, slots=True)
class Message:
    """One netlink message: header fields and the payload after the 16-byte header."""

    type: int
    flags: int = 0
    seq: int = 0
    pid: int = 0
    payload: bytes = b""


# ---------------------------------------------------------------------------
# Building


class Writer:
    """Append-only builder for one or more netlink messages.

    >>> w = Writer()
    >>> w.begin(16, flags=5, seq=1)
    >>> w.put_bytes_raw(bytes(16))        # ifinfomsg
    >>> w.put_strz(3, "lo")
    >>> w.end()
    >>> len(w.data())
    40
    """

    __slots__ = ("_buf", "_msg_start")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._msg_start = -1

    # messages ----------------------------------------------------------------
    def begin(self, mtype: int, *, flags: int = 0, seq: int = 0, pid: int = 0) -> None:
        """Start a message; its length is fixed by :meth:`end`."""
        if self._msg_start >= 0:
            raise RuntimeError("Writer.begin() while a message is open")
        self._msg_start = len(self._buf)
        self._buf += _HDR.pack(0, mtype, flags, seq, pid)

    def end(self) -> None:
        """Close the open message: pad to 4 bytes and write nlmsg_len."""
        start = self._msg_start
        if start < 0:
            raise RuntimeError("Writer.end() without begin()")
        self._pad()
        _U32.pack_into(self._buf, start, len(self._buf) - start)
        self._msg_start = -1

    def data(self) -> bytes:
        if self._msg_start >= 0:
            raise RuntimeError("Writer.data() while a message is open")
        return bytes(self._buf)

    def __len__(self) -> int:
        return len(self._buf)

    def _pad(self) -> None:
        rem = len(self._buf) & 3
        if rem:
            self._buf += b"\0" * (4 - rem)

    # fixed headers -----------------------------------------------------------
    def put_bytes_raw(self, data: bytes) -> None:
        """Append bytes that are not an attribute (a family header), padded to 4."""
        self._buf += data
        self._pad()

    # attributes --------------------------------------------------------------
    def put(self, atype: int, value: bytes) -> None:
        """Append one attribute with a verbatim payload."""
        n = NLA_HDRLEN + len(value)
        if n > 0xFFFF:
            raise ValueError(f"attribute {atype} payload of {len(value)} bytes is too long")
        buf = self._buf
        buf += _NLA.pack(n, atype)
        buf += value
        rem = n & 3
        if rem:
            buf += b"\0" * (4 - rem)

    def put_flag(self, atype: int) -> None:
        self.put(atype, b"")

    def put_u8(self, atype: int, value: int) -> None:
        self.put(atype, _U8.pack(value))

    def put_u16(self, atype: int, value: int) -> None:
        self.put(atype, _U16.pack(value))

    def put_u32(self, atype: int, value: int) -> None:
        self.put(atype, _U32.pack(value))

    def put_s32(self, atype: int, value: int) -> None:
        self.put(atype, _S32.pack(value))

    def put_u64(self, atype: int, value: int) -> None:
        self.put(atype, _U64.pack(value))

    def put_be16(self, atype: int, value: int) -> None:
        self.put(atype, BE16.pack(value))

    def put_be32(self, atype: int, value: int) -> None:
        self.put(atype, BE32.pack(value))

    def put_be64(self, atype: int, value: int) -> None:
        self.put(atype, BE64.pack(value))

    def put_str(self, atype: int, value: str) -> None:
        """A string without its NUL terminator (NLA_STRING that allows it)."""
        self.put(atype, value.encode())

    def put_strz(self, atype: int, value: str) -> None:
        """A NUL-terminated string (NLA_NUL_STRING, and what iproute2 sends)."""
        self.put(atype, value.encode() + b"\0")

    def put_attr(self, attr: Attr) -> None:
        self.put(attr.type, attr.value)

    def nest(self, atype: int) -> _Nest:
        """Open a nested attribute (sets NLA_F_NESTED); its length is fixed on exit."""
        return _Nest(self._buf, atype, NLA_F_NESTED)

    def nest_noflag(self, atype: int) -> _Nest:
        """A nest without NLA_F_NESTED, for the few kernel places that predate it."""
        return _Nest(self._buf, atype, 0)


class _Nest:
    """One ``with w.nest(...)`` block: the header goes in on entry, its length on a
    clean exit (an exception leaves it open, as the message is abandoned anyway).
    A class, not contextlib.contextmanager: contextlib is an import of its own
    (issue 13), and a generator per nest costs more on the encoders' hot paths."""

    __slots__ = ("_atype", "_buf", "_flag", "_start")

    def __init__(self, buf: bytearray, atype: int, flag: int) -> None:
        self._buf = buf
        self._atype = atype
        self._flag = flag
        self._start = -1

    def __enter__(self) -> None:
        buf = self._buf
        self._start = len(buf)
        buf += _NLA.pack(0, self._atype | self._flag)

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if t is None:
            start = self._start
            n = len(self._buf) - start
            if n > 0xFFFF:
                raise ValueError(f"nested attribute {self._atype} grew to {n} bytes (max 65535)")
            _U16.pack_into(self._buf, start, n)


# One attribute as bytes, for encoders that build by concatenation. Same layout
# as Writer.put; an out-of-range value raises struct.error, so a caller with
# its own message checks first (rawns.nft._codec).


def nla(atype: int, payload: bytes) -> bytes:
    """One attribute: header, ``payload`` verbatim, padding to 4 bytes."""
    n = NLA_HDRLEN + len(payload)
    if n > 0xFFFF:
        raise ValueError(f"attribute {atype} payload of {len(payload)} bytes is too long")
    return _NLA.pack(n, atype) + payload + _PAD[n & 3]


def nla_nest(atype: int, payload: bytes) -> bytes:
    """A nested attribute around an already-built run of attributes (sets NLA_F_NESTED)."""
    return nla(atype | NLA_F_NESTED, payload)


def nla_u8(atype: int, value: int) -> bytes:
    hdr = _HDR5[atype] if atype < 32 else _NLA.pack(5, atype)
    return hdr + _U8.pack(value) + b"\0\0\0"


def nla_be16(atype: int, value: int) -> bytes:
    hdr = _HDR6[atype] if atype < 32 else _NLA.pack(6, atype)
    return hdr + BE16.pack(value) + b"\0\0"


def nla_be32(atype: int, value: int) -> bytes:
    hdr = _HDR8[atype] if atype < 32 else _NLA.pack(8, atype)
    return hdr + BE32.pack(value)


def nla_be64(atype: int, value: int) -> bytes:
    hdr = _HDR12[atype] if atype < 32 else _NLA.pack(12, atype)
    return hdr + BE64.pack(value)


def nla_strz(atype: int, value: str) -> bytes:
    """A NUL-terminated string (NLA_NUL_STRING, and what iproute2 and libnftnl send)."""
    return nla(atype, value.encode() + b"\0")


def build_attrs(attrs: list[Attr]) -> bytes:
    """Encode a run of raw attributes (each padded to 4 bytes)."""
    w = Writer()
    for a in attrs:
        w.put(a.type, a.value)
    return bytes(w._buf)


def build_message(msg: Message) -> bytes:
    """Encode one message; the payload is padded to 4 bytes.

    ``nlmsg_len`` excludes the trailing padding (the kernel's
    ``nlmsg_msg_size``), so an unaligned payload survives a round trip:
    ``parse_messages(build_message(m)) == [m]``.
    """
    n = NLMSG_HDRLEN + len(msg.payload)
    return _HDR.pack(n, msg.type, msg.flags, msg.seq, msg.pid) + msg.payload + b"\0" * (-n & 3)


def build_messages(msgs: list[Message]) -> bytes:
    return b"".join(build_message(m) for m in msgs)


def batch_marker(mtype: int, seq: int = 0, *, genid: int | None = None, ack: bool = False) -> bytes:
    """An nfnetlink NFNL_MSG_BATCH_BEGIN or _END message (nfgenmsg: AF_UNSPEC, v0,
    res_id NFNL_SUBSYS_NFTABLES big-endian), optionally carrying NFNL_BATCH_GENID
    (the ruleset generation the batch expects; the kernel refuses it with
    ERESTART if the ruleset changed since)."""
    body = _NFGEN_NFTABLES
    if genid is not None:
        body += _NLA.pack(8, NFNL_BATCH_GENID) + BE32.pack(genid)
    flags = NLM_F.REQUEST | (NLM_F.ACK if ack else 0)
    return _HDR.pack(NLMSG_HDRLEN + len(body), mtype, flags, seq, 0) + body


def batch(messages: list[bytes], *, seq_begin: int, seq_end: int) -> bytes:
    """Frame nfnetlink messages as one BEGIN ... END transaction batch."""
    begin = batch_marker(NFNL_MSG_BATCH_BEGIN, seq_begin)
    return begin + b"".join(messages) + batch_marker(NFNL_MSG_BATCH_END, seq_end)


# ---------------------------------------------------------------------------
# Parsing


def iter_messages(data: bytes, off: int = 0) -> Iterator[tuple[int, int, int, int, int, int]]:
    """Yield ``(type, flags, seq, pid, start, end)`` for each message in ``data``.

    ``data[start:end]`` is the payload after the 16-byte header. Every length
    is checked against the buffer: a truncated or overlong message raises
    :class:`DecodeError` rather than being silently cut. ``off``: where the
    first message starts (a message boundary).
    """
    n = len(data)
    unpack = _HDR.unpack_from
    while off < n:
        if n - off < NLMSG_HDRLEN:
            raise DecodeError(f"truncated nlmsghdr: {n - off} bytes left", offset=off)
        mlen, mtype, flags, seq, pid = unpack(data, off)
        if mlen < NLMSG_HDRLEN:
            raise DecodeError(f"nlmsg_len {mlen} shorter than the header", offset=off)
        if off + mlen > n:
            raise DecodeError(
                f"nlmsg_len {mlen} runs past the end of the buffer ({n - off} bytes)", offset=off
            )
        yield mtype, flags, seq, pid, off + NLMSG_HDRLEN, off + mlen
        off += align(mlen)


def parse_messages(data: bytes) -> list[Message]:
    """Decode every message in a buffer (a datagram, a capture) into :class:`Message`."""
    return [Message(t, f, s, p, data[a:b]) for t, f, s, p, a, b in iter_messages(data)]


def iter_attrs(
    data: bytes, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, int, int]]:
    """Yield ``(type, start, end)`` for each attribute in ``data[start:end]``.

    ``type`` keeps its flag bits (mask with :data:`NLA_TYPE_MASK`);
    ``data[start:end]`` is the payload without padding. A length shorter than
    the attribute header (which would loop forever) or past the end raises
    :class:`DecodeError`.
    """
    if end is None:
        end = len(data)
    elif end > len(data):
        raise DecodeError(f"attribute area ends at {end}, past the buffer ({len(data)})")
    off = start
    unpack = _NLA.unpack_from
    while off < end:
        if end - off < NLA_HDRLEN:
            raise DecodeError(f"truncated attribute header: {end - off} bytes left", offset=off)
        alen, atype = unpack(data, off)
        if alen < NLA_HDRLEN:
            raise DecodeError(f"attribute type {atype} has length {alen} < 4", offset=off)
        if off + alen > end:
            raise DecodeError(
                f"attribute type {atype & NLA_TYPE_MASK} length {alen} runs past its "
                f"container ({end - off} bytes left)",
                offset=off,
            )
        yield atype, off + NLA_HDRLEN, off + alen
        off += (alen + 3) & ~3


def parse_attrs(data: bytes, start: int = 0, end: int | None = None) -> list[Attr]:
    """Decode a run of attributes into raw :class:`Attr` values (lossless)."""
    return [Attr(t, data[a:b]) for t, a, b in iter_attrs(data, start, end)]


# ---------------------------------------------------------------------------
# Payload decoders: each checks the payload size so that a malformed value is a
# DecodeError, never struct.error.


def _need(data: bytes, start: int, end: int, size: int, what: str) -> None:
    if end - start != size:
        raise DecodeError(f"{what} payload is {end - start} bytes, expected {size}", offset=start)


def attr_u8(data: bytes, start: int, end: int) -> int:
    if end - start < 1:
        raise DecodeError("u8 payload is empty", offset=start)
    return data[start]


def attr_u16(data: bytes, start: int, end: int) -> int:
    _need(data, start, end, 2, "u16")
    return int(_U16.unpack_from(data, start)[0])


def attr_u32(data: bytes, start: int, end: int) -> int:
    _need(data, start, end, 4, "u32")
    return int(_U32.unpack_from(data, start)[0])


def attr_s32(data: bytes, start: int, end: int) -> int:
    _need(data, start, end, 4, "s32")
    return int(_S32.unpack_from(data, start)[0])


def attr_u64(data: bytes, start: int, end: int) -> int:
    _need(data, start, end, 8, "u64")
    return int(_U64.unpack_from(data, start)[0])


def attr_be16(data: bytes, start: int, end: int) -> int:
    _need(data, start, end, 2, "be16")
    return int(BE16.unpack_from(data, start)[0])


def attr_be32(data: bytes, start: int, end: int) -> int:
    _need(data, start, end, 4, "be32")
    return int(BE32.unpack_from(data, start)[0])


def attr_be64(data: bytes, start: int, end: int) -> int:
    _need(data, start, end, 8, "be64")
    return int(BE64.unpack_from(data, start)[0])


def attr_str(data: bytes, start: int, end: int) -> str:
    """A string payload, NUL terminator (if any) and anything after it dropped."""
    raw = data[start:end]
    nul = raw.find(0)
    if nul >= 0:
        raw = raw[:nul]
    return raw.decode("utf-8", "surrogateescape")
