"""Golden captures of what ``ip`` sends for nexthop objects and the route gaps of issue 13.

Like :mod:`tests.unit.rtnl_golden` (a library for the tests, and a capture
tool run by hand as root: ``python -m tests.unit.gaps_golden``), for
``golden/nexthop/`` (``ip nexthop``) and ``golden/route_gaps/`` (``ip route``
with ``via inet6``, ``nhid``, ``expires``, and ``ip route get`` with the flow
keys). Each capture holds the command, its setup, the hex (seq and pid
zeroed) and generated notes.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import uuid
from pathlib import Path

from .golden_io import GOLDEN, enum_name, load, names, sent_messages, zero_seq
from .rtnl_golden import annotate as annotate_route

__all__ = ["CAPTURES", "SETUP", "annotate", "capture", "load", "names"]

SETUP = [
    "link set lo up",
    "link add v0 type veth peer name v1",
    "link set v0 up",
    "link set v1 up",
    "addr add 192.168.15.1/24 dev v0",
]
# (directory, name, argv after "ip -n NS", message type kept)
CAPTURES: list[tuple[str, str, str, int]] = [
    ("nexthop", "add_via_dev", "nexthop add id 1 via 192.168.15.5 dev v0", 104),
    ("nexthop", "add_onlink", "nexthop add id 2 via 192.168.15.6 dev v0 onlink", 104),
    ("nexthop", "add_v6", "-6 nexthop add id 4 via fe80::1 dev v0", 104),
    ("nexthop", "add_dev", "nexthop add id 5 dev v0", 104),
    ("nexthop", "add_blackhole", "nexthop add id 3 blackhole", 104),
    ("nexthop", "add_group", "nexthop add id 10 group 1/2,5", 104),
    ("nexthop", "replace_via_dev", "nexthop replace id 1 via 192.168.15.7 dev v0", 104),
    ("nexthop", "get", "nexthop get id 10", 106),
    ("nexthop", "dump", "nexthop show", 106),
    ("nexthop", "dump_groups", "nexthop show groups", 106),
    ("route_gaps", "add_via_inet6", "route add 10.9.0.0/24 via inet6 fe80::1 dev v0", 24),
    ("route_gaps", "add_nhid", "route add 10.10.0.0/24 nhid 10", 24),
    (
        "route_gaps",
        "add_v6_expires",
        "-6 route add 2001:db8:6::/64 via 2001:db8::5 expires 300",
        24,
    ),
    (
        "route_gaps",
        "get_flow",
        "route get 10.10.0.7 from 192.168.15.9 uid 1000 ipproto tcp sport 1234 dport 80 "
        "iif v1 mark 7",
        26,
    ),
    ("route_gaps", "get_udp", "route get 10.10.0.7 ipproto udp dport 53", 26),
    ("nexthop", "del", "nexthop del id 5", 105),
]
#: Runs before the IPv6 captures (not captured): the address their gateway needs.
SETUP_V6 = "-6 addr add 2001:db8::1/64 dev v0 nodad"


def annotate(raw: bytes) -> list[str]:
    """One line per field: route messages as rtnl_golden notes them, nexthop ones here."""
    from rawns._rtnl import RTM
    from rawns.nexthop import NHA

    length, mtype, flags, seq, pid = struct.unpack_from("=IHHII", raw, 0)
    if mtype not in (RTM.NEWNEXTHOP, RTM.DELNEXTHOP, RTM.GETNEXTHOP):
        return annotate_route(raw)
    notes = [
        f"nlmsghdr len={length} type={enum_name(RTM, mtype)} flags={flags:#x} seq={seq} pid={pid}"
    ]
    fam, scope, proto, nflags = struct.unpack_from("=BBBxI", raw, 16)
    notes.append(f"nhmsg family={fam} scope={scope} protocol={proto} flags={nflags:#x}")
    off = 24
    while off + 4 <= length:
        alen, atype = struct.unpack_from("=HH", raw, off)
        value = raw[off + 4 : off + alen]
        notes.append(f"{enum_name(NHA, atype & 0x3FFF)} len={alen} {value.hex()}")
        if atype & 0x3FFF == NHA.GROUP:
            for p in range(0, len(value) - 7, 8):
                nid, low, high, _r = struct.unpack_from("=IBBH", value, p)
                notes.append(f"  nexthop_grp id={nid} weight-1={high << 8 | low}")
        off += (alen + 3) & ~3
    return notes


def _sent(trace: str) -> list[bytes]:
    """:func:`sent_messages`, also for ``sendto`` (dumps), whose hex has no buffer header."""
    lines = []
    for line in trace.splitlines():
        lines.append(line)
        if "sendto(" in line:
            lines.append(" * 0 bytes in buffer 0")
    return sent_messages("\n".join(lines))


def capture() -> None:
    ns = f"rawns-golden-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for cmd in [*SETUP, SETUP_V6]:
            subprocess.run(["ip", "-n", ns, *cmd.split()], check=True)
        for directory, name, cmd, mtype in CAPTURES:
            log = Path(f"/tmp/{ns}-{name}.strace")
            argv = ["ip", "-n", ns, *cmd.split()]
            subprocess.run(
                ["strace", "-f", "-qq", "-e", "trace=sendmsg,sendto", "-e", "write=all",
                 "-o", str(log), *argv],
                check=not cmd.startswith("route get"),  # a lookup may fail: its request is kept
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            msgs = [m for m in _sent(log.read_text()) if m[4:6] == struct.pack("=H", mtype)]
            log.unlink()
            if not msgs:
                raise SystemExit(f"{name}: no message of type {mtype} sent by {cmd!r}")
            raw = msgs[-1]
            # Dump requests go out with send() from a larger buffer: keep nlmsg_len bytes.
            raw = zero_seq(raw[: struct.unpack_from("=I", raw)[0]])
            record = {
                "command": "ip " + cmd,
                "setup": ["ip netns add NS"] + [f"ip -n NS {c}" for c in [*SETUP, SETUP_V6]],
                "note": "captured in order after the captures listed before it in "
                "tests/unit/gaps_golden.py (CAPTURES)",
                "hex": raw.hex(),
                "notes": annotate(bytes(raw)),
            }
            path = GOLDEN / directory / f"{name}.json"
            path.write_text(json.dumps(record, indent=1) + "\n")
            print(f"{path.relative_to(GOLDEN)}: {len(raw)} bytes  <- ip {cmd}")
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


if __name__ == "__main__":
    if sys.argv[1:] == ["--notes"]:
        for d in ("nexthop", "route_gaps"):
            for n in names(d):
                print(d, n, *annotate(load(d, n)["raw"]), sep="\n  ")
    else:
        capture()
