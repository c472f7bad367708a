"""nfnetlink / nf_tables: kernel enums (generated) and the fixed family header.

The enums keep kernel spellings (``NFTA_NAT.REG_ADDR_MIN`` is
``NFTA_NAT_REG_ADDR_MIN``) and come from :mod:`rawns._nfnl_consts`, generated
from the uapi headers. Every nfnetlink message carries a 4-byte ``nfgenmsg``
after ``nlmsghdr``::

    +-----------+-----------+-------------------+
    | family u8 | version u8| res_id be16       |
    +-----------+-----------+-------------------+

``res_id`` is the subsystem (``NFNL_SUBSYS_NFTABLES``) in the batch
BEGIN/END messages and 0 elsewhere; in a dump reply it carries the low 16 bits
of the ruleset generation. The message type is ``subsys << 8 | NFT_MSG_*``.
"""

from __future__ import annotations

import struct

from ._nfnl_consts import *  # noqa: F403 - re-export the generated enums
from ._nfnl_consts import NFNL_SUBSYS, NFPROTO, NFT_MSG
from ._nfnl_consts import __all__ as _consts_all
from ._wire import NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END

__all__ = [
    *_consts_all,
    "FAMILIES",
    "FAMILY_NAMES",
    "NFGENMSG",
    "NFNETLINK_V0",
    "NFNL_MSG_BATCH_BEGIN",
    "NFNL_MSG_BATCH_END",
    "NFT_TYPE_BASE",
    "family_name",
    "family_number",
    "msg_name",
    "nft_type",
]

#: struct nfgenmsg: family, version, res_id (big-endian)
NFGENMSG = struct.Struct("!BBH")
NFNETLINK_V0 = 0

NFT_TYPE_BASE = int(NFNL_SUBSYS.NFTABLES) << 8

#: nft's family keywords (src/rule.c: family2str), in the order nft lists them.
FAMILIES: dict[str, int] = {
    "ip": int(NFPROTO.IPV4),
    "arp": int(NFPROTO.ARP),
    "ip6": int(NFPROTO.IPV6),
    "bridge": int(NFPROTO.BRIDGE),
    "inet": int(NFPROTO.INET),
    "netdev": int(NFPROTO.NETDEV),
}
FAMILY_NAMES: dict[int, str] = {v: k for k, v in FAMILIES.items()}


def nft_type(msg: int) -> int:
    """The nlmsg_type of an nf_tables message: ``NFNL_SUBSYS_NFTABLES << 8 | msg``."""
    return NFT_TYPE_BASE | msg


def msg_name(mtype: int) -> str:
    """``NFT_MSG_NEWRULE`` for a full nlmsg_type (for error messages)."""
    if mtype == NFNL_MSG_BATCH_BEGIN:
        return "NFNL_MSG_BATCH_BEGIN"
    if mtype == NFNL_MSG_BATCH_END:
        return "NFNL_MSG_BATCH_END"
    if mtype >> 8 == NFNL_SUBSYS.NFTABLES:
        try:
            return "NFT_MSG_" + NFT_MSG(mtype & 0xFF).name
        except ValueError:
            pass
    return f"nfnetlink type {mtype:#x}"


def family_number(family: str | int) -> int:
    """Map ``"ip"``/``"ip6"``/``"inet"``/``"arp"``/``"bridge"``/``"netdev"`` to NFPROTO_*.

    Raises :class:`ValueError` for an unknown keyword, :class:`TypeError` for
    anything but ``str``/``int``.
    """
    if isinstance(family, bool) or not isinstance(family, str | int):
        raise TypeError(f"family must be a str such as 'ip', not {type(family).__name__}")
    if isinstance(family, int):
        if family not in FAMILY_NAMES:
            raise ValueError(f"unknown nf_tables family number {family}")
        return family
    try:
        return FAMILIES[family]
    except KeyError:
        raise ValueError(
            f"unknown nf_tables family {family!r}; expected one of {', '.join(FAMILIES)}"
        ) from None


def family_name(family: int) -> str:
    """The nft keyword for an NFPROTO_* number (``str(number)`` if unknown)."""
    return FAMILY_NAMES.get(family, str(family))
