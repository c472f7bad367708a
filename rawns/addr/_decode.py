"""Decoding RTM_NEWADDR/RTM_DELADDR payloads: :func:`parse_address`."""

from __future__ import annotations

from .. import _check
from .._inet import AF_INET, AF_INET6, addr_from_bytes, ip
from .._rtnl import IFA, IFADDRMSG
from .._typing import overload
from .._wire import NLA_TYPE_MASK, Attr, attr_str, attr_u32, iter_attrs
from ..errors import DecodeError
from ._types import _CACHEINFO, INFINITY_LIFE_TIME, Address

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from .._inet import IPInterface


@overload
def parse_address(payload: bytes, origin: tuple[int, int] | None = None) -> Address: ...
@overload
def parse_address(
    payload: bytes, start: int, /, end: int | None = None, origin: tuple[int, int] | None = None
) -> Address: ...  # the old form: deprecated


# One positional slot for the new form's origin and the old form's start (told
# apart by type), which mypy cannot match to signature 1's "origin, positional
# or keyword"; the overloads above are the typed API.
def parse_address(  # type: ignore[misc]
    payload: bytes,
    start: int | tuple[int, int] | None = None,
    /,
    end: int | None = None,
    origin: tuple[int, int] | None = None,
) -> Address:
    """Decode an RTM_NEWADDR/DELADDR payload (ifaddrmsg + attributes) into an :class:`Address`.

    ``payload`` is the part after the netlink header, as every ``parse_*``
    takes it: ``parse_address(payload, origin=None)``. ``origin`` is kept in
    :attr:`Address.origin` (:func:`dump` passes its handle's
    :attr:`~rawns.Handle.netns_ident`). Raises
    :class:`~rawns.errors.DecodeError` on malformed input or a family other
    than IPv4/IPv6.

    The old form ``parse_address(data, start, end=None, origin=None)`` (an int
    second argument: an offset into ``data``) still works for one release,
    with a :class:`DeprecationWarning`.
    """
    if start is None or isinstance(start, tuple):
        if start is not None and origin is not None:
            raise TypeError("parse_address() got origin twice (positional and origin=)")
        if end is not None:
            raise TypeError("parse_address(payload, origin=None) takes no end= (slice the payload)")
        return _parse_at(payload, 0, None, origin if start is None else start)
    import warnings  # here: only a deprecated call needs it (issue 13: import cost)

    warnings.warn(
        "parse_address(data, start, end) is deprecated: pass the payload itself, "
        "parse_address(data[start:end], origin=...)",
        DeprecationWarning,
        stacklevel=2,
    )
    return _parse_at(payload, start, end, origin)


def _parse_at(
    payload: bytes, start: object, end: object, origin: tuple[int, int] | None
) -> Address:
    start, end = _check.span(payload, start, end)
    if end - start < IFADDRMSG.size:
        raise DecodeError(f"ifaddrmsg needs {IFADDRMSG.size} bytes, got {end - start}")
    family, plen, hflags, scope, index = IFADDRMSG.unpack_from(payload, start)
    if family == AF_INET:
        alen = 4
    elif family == AF_INET6:
        alen = 16
    else:
        raise DecodeError(f"address family {family} is not IPv4 or IPv6", offset=start)
    if plen > alen * 8:
        raise DecodeError(f"prefix length {plen} exceeds {alen * 8} bits", offset=start + 1)
    local = addr = brd = None
    lbl = metric = proto = None
    flags = hflags
    valid = preferred = None
    rest: list[Attr] = []
    for atype, a, b in iter_attrs(payload, start + IFADDRMSG.size, end):
        t = atype & NLA_TYPE_MASK
        if t in (IFA.LOCAL, IFA.ADDRESS, IFA.BROADCAST):
            if b - a != alen:
                raise DecodeError(
                    f"address attribute {t} is {b - a} bytes, expected {alen}", offset=a
                )
            v = addr_from_bytes(payload[a:b])
            if t == IFA.LOCAL:
                local = v
            elif t == IFA.ADDRESS:
                addr = v
            elif isinstance(v, ip.IPv4Address):
                brd = v
        elif t == IFA.LABEL:
            lbl = attr_str(payload, a, b)
        elif t == IFA.FLAGS:
            flags = attr_u32(payload, a, b)
        elif t == IFA.CACHEINFO:
            if b - a < _CACHEINFO.size:
                raise DecodeError(f"IFA_CACHEINFO is {b - a} bytes", offset=a)
            preferred, valid, _c, _t = _CACHEINFO.unpack_from(payload, a)
        elif t == IFA.RT_PRIORITY:
            metric = attr_u32(payload, a, b)
        elif t == IFA.PROTO:
            proto = payload[a] if b > a else 0
        else:
            rest.append(Attr(atype, payload[a:b]))
    mine = local if local is not None else addr
    if mine is None:
        raise DecodeError("address message has neither IFA_LOCAL nor IFA_ADDRESS", offset=start)
    peer = addr if local is not None and addr is not None and addr != local else None
    if alen == 4:
        iface: IPInterface = ip.IPv4Interface((int(mine), plen))
    else:
        iface = ip.IPv6Interface((int(mine), plen))
    out = Address.__new__(Address)
    _set = object.__setattr__
    _set(out, "family", family)
    _set(out, "index", index)
    _set(out, "address", iface)
    _set(out, "peer", peer)
    _set(out, "broadcast", brd)
    _set(out, "label", lbl)
    _set(out, "scope", scope)
    _set(out, "flags", flags)
    _set(out, "valid_lft", None if valid in (None, INFINITY_LIFE_TIME) else valid)
    _set(out, "preferred_lft", None if preferred in (None, INFINITY_LIFE_TIME) else preferred)
    _set(out, "metric", metric)
    _set(out, "proto", proto)
    _set(out, "attrs", tuple(rest))
    _set(out, "origin", origin)
    return out
