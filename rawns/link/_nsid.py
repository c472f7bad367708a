"""Namespace ids (RTM_GETNSID): which id a handle's namespace gives another namespace.

A veth reports its peer as (IFLA_LINK, IFLA_LINK_NETNSID): an index in the
namespace that id names. Comparing that id with :func:`netns_id` of a given
namespace says whether the peer really is there (``compose.connect`` reusing
a pair, ``pods.check``), which names alone cannot.
"""

from __future__ import annotations

import struct

from .. import _check
from .. import netns as _netns
from .._rtnl import RTM
from .._wire import NLM_F, Writer, iter_attrs

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from ..handle import Handle

__all__ = ["netns_id"]

_NETNSA_NSID = 1
_NETNSA_FD = 3
_NSID_NOT_ASSIGNED = -1
_S32 = struct.Struct("=i")


def netns_id(h: Handle, ns: _netns.Netns) -> int | None:
    """The id the handle's namespace gives ``ns`` (``ip netns list-id``), or None if none.

    Equivalent to: ip netns identify / ip -n NODE netns list-id (RTM_GETNSID by fd)

    The kernel allocates an id when it first reports a link whose peer is in
    ``ns`` (rtnl_fill_link_netnsid), so ask for the link first.
    """
    _check.handle(h)
    if not isinstance(ns, _netns.Netns):
        raise TypeError(f"ns must be a Netns, not {type(ns).__name__}: {_check._show(ns)}")
    if ns.closed:
        raise ValueError(f"ns {ns!r} is closed")
    w = Writer()
    w.begin(int(RTM.GETNSID), flags=int(NLM_F.REQUEST | NLM_F.ACK))
    w.put_bytes_raw(bytes(4))  # struct rtgenmsg, padded
    w.put(_NETNSA_FD, struct.pack("=I", ns.fd))
    w.end()
    for r in h.rtnl.request(w.data(), op="RTM_GETNSID", target=_netns.label(ns)):
        if r.type == RTM.NEWNSID:
            for atype, a, b in iter_attrs(r.payload, 4):
                if atype == _NETNSA_NSID and b - a == 4:
                    v = int(_S32.unpack_from(r.payload, a)[0])
                    return None if v == _NSID_NOT_ASSIGNED else v
    return None
