"""Golden captures of the bytes ``ip`` sends for addr/route commands.

Two roles:

* a library for the golden tests (no root): :func:`load` reads a capture,
  :func:`annotate` turns bytes into per-field notes (so the notes stored
  beside each capture are *generated*, and the tests check they still match),
  :func:`hexdiff` shows build/capture differences side by side;
* a capture tool (root, run by hand): ``python -m tests.unit.rtnl_golden`` (``--notes`` prints them)
  creates a throwaway namespace, runs each command below under
  ``strace -f -e trace=sendmsg -e write=all``, keeps the request it sends
  (seq and pid zeroed) and deletes the namespace, also on failure.

Each capture is ``golden/{addr,route}/NAME.json``: the command, the setup it
ran after, the hex bytes and the notes.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from .golden_io import GOLDEN, hexdiff, load, names, sent_messages, zero_seq
from .golden_io import enum_name as _enum_name

__all__ = ["annotate", "capture", "hexdiff", "load", "names"]


# (directory, name, argv after "ip -n NS", message type kept)
SETUP = [
    "link add v0 type veth peer name v1",
    "link set v0 up",
    "link set v1 up",
]
CAPTURES: list[tuple[str, str, str, int]] = [
    ("addr", "add_v4", "addr add 192.168.15.1/24 dev v0", 20),
    ("addr", "add_v4_brd_label", "addr add 192.168.16.1/24 brd + dev v0 label v0:one", 20),
    ("addr", "add_v4_peer", "addr add 10.9.0.1 peer 10.9.0.2/32 dev v0 scope link", 20),
    ("addr", "add_v6", "addr add 2001:db8::1/64 dev v0 nodad", 20),
    (
        "addr",
        "add_v6_lifetimes",
        "addr add 2001:db8:2::1/64 dev v0 valid_lft 600 preferred_lft 300 noprefixroute",
        20,
    ),
    ("addr", "replace_v4", "addr replace 192.168.15.1/24 dev v0", 20),
    ("addr", "del_v4", "addr del 192.168.16.1/24 dev v0", 21),
    ("route", "add_via", "route add 10.1.0.0/16 via 192.168.15.5", 24),
    ("route", "add_default", "route add default via 192.168.15.5", 24),
    (
        "route",
        "add_multipath",
        "route add 10.2.0.0/16 nexthop via 192.168.15.5 weight 1 nexthop via 192.168.15.6 weight 2",
        24,
    ),
    (
        "route",
        "add_dev_src_metric_table",
        "route add 10.3.0.0/24 src 192.168.15.1 metric 50 table 100 dev v0 mtu 1400",
        24,
    ),
    ("route", "add_blackhole", "route add blackhole 10.4.0.0/16", 24),
    ("route", "add_onlink", "route add 10.5.0.0/16 via 172.16.0.1 dev v0 onlink", 24),
    ("route", "add_v6_via", "-6 route add 2001:db8:1::/48 via 2001:db8::5 metric 100", 24),
    ("route", "replace_via", "route replace 10.1.0.0/16 via 192.168.15.6", 24),
    ("route", "del", "route del 10.1.0.0/16 via 192.168.15.6", 25),
    ("route", "get", "route get 10.1.2.3", 26),
]


# ---------------------------------------------------------------------------
# loading and notes


def annotate(raw: bytes) -> list[str]:
    """One line per field: nlmsghdr, family header, each attribute (nested ones indented)."""
    from rawns._rtnl import IFA, IFADDRMSG, RT_SCOPE, RT_TABLE, RTA, RTM, RTMSG, RTN, RTPROT

    notes: list[str] = []
    length, mtype, flags, seq, pid = struct.unpack_from("=IHHII", raw, 0)
    # Bits 0x100-0x800 mean REPLACE/EXCL/CREATE/APPEND on new/del requests and
    # ROOT/MATCH/ATOMIC on gets (linux/netlink.h); spell the meaning of this type.
    high = (
        ("ROOT", "MATCH", "ATOMIC") if mtype % 4 == 2 else ("REPLACE", "EXCL", "CREATE", "APPEND")
    )
    low = ("REQUEST", "MULTI", "ACK", "ECHO", "DUMP_INTR", "DUMP_FILTERED")
    flag_names = [n for i, n in enumerate(low) if flags & (1 << i)]
    flag_names += [n for i, n in enumerate(high) if flags & (0x100 << i)]
    notes.append(
        f"nlmsghdr len={length} type={_enum_name(RTM, mtype)} flags={'|'.join(flag_names)} "
        f"seq={seq} pid={pid}"
    )
    off = 16
    attr_enum: Any
    if mtype in (RTM.NEWADDR, RTM.DELADDR, RTM.GETADDR):
        fam, plen, fl, scope, index = IFADDRMSG.unpack_from(raw, off)
        notes.append(
            f"ifaddrmsg family={fam} prefixlen={plen} flags={fl:#x} "
            f"scope={_enum_name(RT_SCOPE, scope)} index={index}"
        )
        off += IFADDRMSG.size
        attr_enum = IFA
    else:
        fam, dl, sl, tos, table, proto, scope, rtype, fl = RTMSG.unpack_from(raw, off)
        notes.append(
            f"rtmsg family={fam} dst_len={dl} src_len={sl} tos={tos} "
            f"table={_enum_name(RT_TABLE, table)} protocol={_enum_name(RTPROT, proto)} "
            f"scope={_enum_name(RT_SCOPE, scope)} type={_enum_name(RTN, rtype)} flags={fl:#x}"
        )
        off += RTMSG.size
        attr_enum = RTA
    _attrs(raw, off, length, attr_enum, notes, "")
    return notes


def _attrs(raw: bytes, off: int, end: int, enum: Any, notes: list[str], indent: str) -> None:
    while off + 4 <= end:
        alen, atype = struct.unpack_from("=HH", raw, off)
        value = raw[off + 4 : off + alen]
        notes.append(f"{indent}{_enum_name(enum, atype & 0x3FFF)} len={alen} {value.hex()}")
        if enum.__name__ == "RTA" and atype & 0x3FFF == 9:  # RTA_MULTIPATH: rtnexthops
            p = off + 4
            while p + 8 <= off + alen:
                nlen, nflags, hops, ifindex = struct.unpack_from("=HBBi", raw, p)
                notes.append(
                    f"{indent}  rtnexthop len={nlen} flags={nflags:#x} hops={hops} "
                    f"ifindex={ifindex}"
                )
                _attrs(raw, p + 8, p + nlen, enum, notes, indent + "    ")
                p += (nlen + 3) & ~3
        elif enum.__name__ == "RTA" and atype & 0x3FFF == 8:  # RTA_METRICS: RTAX_* u32s
            p = off + 4
            while p + 4 <= off + alen:
                mlen, mtype = struct.unpack_from("=HH", raw, p)
                notes.append(f"{indent}  RTAX({mtype}) len={mlen} {raw[p + 4 : p + mlen].hex()}")
                p += (mlen + 3) & ~3
        off += (alen + 3) & ~3


# ---------------------------------------------------------------------------
# capture (root)


def capture() -> None:
    ns = f"rawns-golden-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for cmd in SETUP:
            subprocess.run(["ip", "-n", ns, *cmd.split()], check=True)
        for directory, name, cmd, mtype in CAPTURES:
            log = Path(f"/tmp/{ns}-{name}.strace")
            argv = ["ip", "-n", ns, *cmd.split()]
            subprocess.run(
                [
                    "strace",
                    "-f",
                    "-qq",
                    "-e",
                    "trace=sendmsg",
                    "-e",
                    "write=all",
                    "-o",
                    str(log),
                    *argv,
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            msgs = [m for m in sent_messages(log.read_text()) if m[4:6] == struct.pack("=H", mtype)]
            log.unlink()
            if not msgs:
                raise SystemExit(f"{name}: no message of type {mtype} sent by {cmd!r}")
            raw = zero_seq(msgs[-1])  # seq and pid are per run
            record = {
                "command": "ip " + cmd,
                "setup": ["ip netns add NS"] + [f"ip -n NS {c}" for c in SETUP],
                "note": "captured in order after the captures listed before it in "
                "tests/unit/rtnl_golden.py (CAPTURES)",
                "hex": raw.hex(),
                "notes": annotate(bytes(raw)),
            }
            path = GOLDEN / directory / f"{name}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, indent=1) + "\n")
            print(f"{path.relative_to(GOLDEN)}: {len(raw)} bytes  <- ip {cmd}")
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


if __name__ == "__main__":
    if sys.argv[1:] == ["--notes"]:
        for d in ("addr", "route"):
            for n in names(d):
                rec = load(d, n)
                print(d, n, *annotate(rec["raw"]), sep="\n  ")
    else:
        capture()
