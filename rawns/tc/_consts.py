"""Traffic-control constants, with kernel spellings (include/uapi/linux/pkt_sched.h,
pkt_cls.h, rtnetlink.h, tc_act/tc_mirred.h), and the ``tcmsg`` header.

Kept here rather than in the generated ``rawns._rtnl_consts``: only rawns.tc uses them.
"""

from __future__ import annotations

import struct
from enum import IntEnum

__all__ = [
    "TCA",
    "TCA_ACT",
    "TCA_HTB",
    "TCA_MIRRED",
    "TCA_STATS",
    "TCA_TBF",
    "TCA_U32",
    "TCMSG",
    "TC_ACT",
    "TC_H",
    "TC_MIRRED",
    "TC_U32_TERMINAL",
]

#: struct tcmsg: family, pad1, pad2, ifindex, handle, parent, info
TCMSG = struct.Struct("=BxxxiIII")
#: struct tc_ratespec: cell_log, linklayer, overhead, cell_align, mpu, rate
RATESPEC = struct.Struct("=BBHhHI")
#: struct tc_tbf_qopt: rate, peakrate, limit, buffer, mtu
TBF_QOPT = struct.Struct("=12s12sIII")
#: struct tc_htb_glob: version, rate2quantum, defcls, debug, direct_pkts
HTB_GLOB = struct.Struct("=IIIII")
#: struct tc_htb_opt: rate, ceil, buffer, cbuffer, quantum, level, prio
HTB_OPT = struct.Struct("=12s12sIIIII")
#: struct tc_u32_sel head: flags, offshift, nkeys, offmask(be16), off, offoff, hoff, hmask(be32)
U32_SEL = struct.Struct("=BBBx2sHhh4s")
#: struct tc_u32_key: mask(be32), val(be32), off, offmask
U32_KEY = struct.Struct("=4s4sii")
#: struct tc_mirred: tc_gen (index, capab, action, refcnt, bindcnt), eaction, ifindex
MIRRED_PARMS = struct.Struct("=IIiiiiI")
#: struct gnet_stats_basic: bytes (u64), packets (u32), padded to 16
STATS_BASIC = struct.Struct("=QI4x")
#: struct gnet_stats_queue: qlen, backlog, drops, requeues, overlimits
STATS_QUEUE = struct.Struct("=IIIII")
#: struct tc_prio_qopt (pfifo_fast's report): bands, priomap[16]
PRIO_QOPT = struct.Struct("=i16B")

TC_U32_TERMINAL = 1
LINKLAYER_ETHERNET = 1
#: net/sched/sch_htb.c: HTB_VER >> 16
HTB_VERSION = 3


class TC_H(IntEnum):
    """Special handles and parents (pkt_sched.h)."""

    UNSPEC = 0
    ROOT = 0xFFFFFFFF
    INGRESS = 0xFFFFFFF1
    CLSACT = 0xFFFFFFF1
    MIN_INGRESS = 0xFFF2
    MIN_EGRESS = 0xFFF3


class TCA(IntEnum):
    UNSPEC = 0
    KIND = 1
    OPTIONS = 2
    STATS = 3
    XSTATS = 4
    RATE = 5
    FCNT = 6
    STATS2 = 7
    STAB = 8
    PAD = 9
    DUMP_INVISIBLE = 10
    CHAIN = 11
    HW_OFFLOAD = 12
    INGRESS_BLOCK = 13
    EGRESS_BLOCK = 14
    DUMP_FLAGS = 15
    EXT_WARN_MSG = 16


class TCA_STATS(IntEnum):
    UNSPEC = 0
    BASIC = 1
    RATE_EST = 2
    QUEUE = 3
    APP = 4
    RATE_EST64 = 5
    PAD = 6
    BASIC_HW = 7
    PKT64 = 8


class TCA_TBF(IntEnum):
    UNSPEC = 0
    PARMS = 1
    RTAB = 2
    PTAB = 3
    RATE64 = 4
    PRATE64 = 5
    BURST = 6
    PBURST = 7
    PAD = 8


class TCA_HTB(IntEnum):
    UNSPEC = 0
    PARMS = 1
    INIT = 2
    CTAB = 3
    RTAB = 4
    DIRECT_QLEN = 5
    RATE64 = 6
    CEIL64 = 7
    PAD = 8
    OFFLOAD = 9


class TCA_U32(IntEnum):
    UNSPEC = 0
    CLASSID = 1
    HASH = 2
    LINK = 3
    DIVISOR = 4
    SEL = 5
    POLICE = 6
    ACT = 7
    INDEV = 8
    PCNT = 9
    MARK = 10
    FLAGS = 11
    PAD = 12


class TCA_ACT(IntEnum):
    UNSPEC = 0
    KIND = 1
    OPTIONS = 2
    INDEX = 3
    STATS = 4
    PAD = 5
    COOKIE = 6
    FLAGS = 7
    HW_STATS = 8
    USED_HW_STATS = 9
    IN_HW_COUNT = 10


class TCA_MIRRED(IntEnum):
    UNSPEC = 0
    TM = 1
    PARMS = 2
    PAD = 3
    BLOCKID = 4


class TC_MIRRED(IntEnum):
    """tc_mirred.eaction."""

    EGRESS_REDIR = 1
    EGRESS_MIRROR = 2
    INGRESS_REDIR = 3
    INGRESS_MIRROR = 4


class TC_ACT(IntEnum):
    """Generic action verdicts (pkt_cls.h)."""

    UNSPEC = -1
    OK = 0
    RECLASSIFY = 1
    SHOT = 2
    PIPE = 3
    STOLEN = 4
    QUEUED = 5
    REPEAT = 6
    REDIRECT = 7
    TRAP = 8
