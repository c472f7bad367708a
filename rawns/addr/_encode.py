"""Encoding address requests: the ``build_*`` twins of the verbs."""

from __future__ import annotations

from .. import _check
from .._rtnl import IFA, IFADDRMSG, NLM_F, RTM
from .._wire import Writer
from ._types import _CACHEINFO, INFINITY_LIFE_TIME, Address, _family

_F_ADD = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL)
_F_REPLACE = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE)
_F_DELETE = int(NLM_F.REQUEST | NLM_F.ACK)
_F_DUMP = int(NLM_F.REQUEST | NLM_F.DUMP)
# Read per request, as ints: an IntEnum member costs an enum.property lookup on Python 3.11.
_NEWADDR, _DELADDR = int(RTM.NEWADDR), int(RTM.DELADDR)
_IFA_LOCAL, _IFA_ADDRESS = int(IFA.LOCAL), int(IFA.ADDRESS)


def _build(a: Address, mtype: int, flags: int) -> bytes:
    """One RTM_*ADDR request, attributes in the order ``ip addr`` writes them.

    iproute2 ``ipaddr_modify``, for ``ip addr add LOCAL [peer P] [label L]
    [metric M] [proto P] dev D [flags] [brd +] [lifetimes]``: IFA_LOCAL,
    IFA_ADDRESS (peer), IFA_LABEL, IFA_RT_PRIORITY, IFA_PROTO, IFA_FLAGS
    (only when a flag does not fit the 8-bit header field), IFA_ADDRESS
    (= local, without a peer), IFA_BROADCAST, IFA_CACHEINFO.
    """
    if not isinstance(a, Address):
        raise TypeError(f"address must be an Address, not {type(a).__name__}: {_check._show(a)}")
    w = Writer()
    w.begin(mtype, flags=flags)
    hflags = a.flags if a.flags <= 0xFF else 0
    w.put_bytes_raw(IFADDRMSG.pack(a.family, a.prefixlen, hflags, a.scope, a.index))
    local = a.local.packed
    w.put(_IFA_LOCAL, local)
    if a.peer is not None:
        w.put(_IFA_ADDRESS, a.peer.packed)
    if a.label is not None:
        w.put_strz(IFA.LABEL, a.label)
    if a.metric is not None:
        w.put_u32(IFA.RT_PRIORITY, a.metric)
    if a.proto is not None:
        w.put_u8(IFA.PROTO, a.proto)
    if a.flags > 0xFF:
        w.put_u32(IFA.FLAGS, a.flags)
    if a.peer is None:
        w.put(_IFA_ADDRESS, local)
    if a.broadcast is not None and mtype != _DELADDR:
        w.put(IFA.BROADCAST, a.broadcast.packed)
    if (a.valid_lft is not None or a.preferred_lft is not None) and mtype != _DELADDR:
        valid = INFINITY_LIFE_TIME if a.valid_lft is None else a.valid_lft
        pref = INFINITY_LIFE_TIME if a.preferred_lft is None else a.preferred_lft
        w.put(IFA.CACHEINFO, _CACHEINFO.pack(pref, valid, 0, 0))
    w.end()
    return w.data()


def build_add(a: Address) -> bytes:
    """RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL (``ip addr add``)."""
    return _build(a, _NEWADDR, _F_ADD)


def build_replace(a: Address) -> bytes:
    """RTM_NEWADDR with NLM_F_CREATE|NLM_F_REPLACE (``ip addr replace``)."""
    return _build(a, _NEWADDR, _F_REPLACE)


def build_delete(a: Address) -> bytes:
    """RTM_DELADDR (``ip addr del``)."""
    return _build(a, _DELADDR, _F_DELETE)


def build_dump(*, family: int = 0, index: int = 0) -> bytes:
    """RTM_GETADDR dump, filtered by the kernel to one interface when ``index`` is set."""
    _family(family, "address dump family")
    if index:
        _check.ifindex(index, "address dump index")
    else:
        _check.integer(index, "address dump index", 0, 0)
    w = Writer()
    w.begin(RTM.GETADDR, flags=_F_DUMP)
    w.put_bytes_raw(IFADDRMSG.pack(family, 0, 0, 0, index))
    w.end()
    return w.data()
