"""rtnetlink: kernel enums (generated) and the fixed family headers.

The enums keep kernel spellings (``IFLA.IFNAME`` is ``IFLA_IFNAME``) and come
from :mod:`rawns._rtnl_consts`, generated from the uapi headers. The
``struct``s below are the family headers that follow ``nlmsghdr``.
"""

from __future__ import annotations

import struct

from . import _check
from ._rtnl_consts import *  # noqa: F403 - re-export the generated enums
from ._rtnl_consts import __all__ as _consts_all
from ._wire import NLM_F  # netlink's own flags, re-exported beside the rtnetlink enums

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from ._rtnl_kind_consts import *  # noqa: F403 - the link kinds' enums, on first use
else:
    _KINDS = frozenset(
        [
            "VETH_INFO",
            "IFLA_BR",
            "IFLA_BRPORT",
            "IFLA_MACVLAN",
            "MACVLAN_MODE",
            "IFLA_VXLAN",
            "IFLA_TUN",
            "IFLA_BRIDGE",
            "BRIDGE_VLAN_INFO",
            "BRIDGE_FLAGS",
            "RTNLGRP",
        ]
    )

    def __getattr__(name: str) -> object:
        """The link kinds' enums (and RTNLGRP) load on first use: a program uses few kinds."""
        if name in _KINDS:
            from . import _rtnl_kind_consts

            value = getattr(_rtnl_kind_consts, name)
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    *_consts_all,
    "FIB_RULE_HDR",
    "IFADDRMSG",
    "IFINFOMSG",
    "IFNAMSIZ",
    "NDMSG",
    "NLM_F",
    "RTGENMSG",
    "RTMSG",
    "check_ifname",
]

#: struct ifinfomsg: family, pad, type, index, flags, change
IFINFOMSG = struct.Struct("=BxHiII")
#: struct ifaddrmsg: family, prefixlen, flags, scope, index
IFADDRMSG = struct.Struct("=BBBBI")
#: struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags
RTMSG = struct.Struct("=BBBBBBBBI")
#: struct ndmsg: family, pad1, pad2, ifindex, state, flags, type
NDMSG = struct.Struct("=BxxxiHBB")
#: struct fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action, flags
FIB_RULE_HDR = struct.Struct("=BBBBBBBBI")
#: struct rtgenmsg: family (padded to 4 by the writer)
RTGENMSG = struct.Struct("=B")

IFNAMSIZ = 16


def check_ifname(name: object, what: str = "interface name") -> str:
    """Refuse a name the kernel would refuse or rewrite (:func:`rawns._check.ifname`)."""
    return _check.ifname(name, what)
