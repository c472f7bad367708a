"""Golden captures of the bytes ``tc`` sends for qdiscs, classes and filters.

A library for the golden tests (no root): :func:`annotate` turns a request
into per-field notes (stored beside each capture and checked to be current),
and a capture tool (root, run by hand)::

    python -m tests.unit.tc_golden           # recapture golden/tc/*.json
    python -m tests.unit.tc_golden --notes   # print the notes

It makes a throwaway namespace (``rawns-golden-*``), runs :data:`SETUP`, then
each command of :data:`CAPTURES` in order under
``strace -f -qq -e trace=sendmsg -e write=all``, keeps the last request of the
listed type (seq and pid zeroed) and deletes the namespace, also on failure.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import uuid
from pathlib import Path

from .golden_io import GOLDEN, load, names, sent_messages, zero_seq

__all__ = ["CAPTURES", "SETUP", "annotate", "capture"]

# lo=1, v1=2, v0=3 (the peer is made first), ifb0=4.
SETUP = [
    "ip link add v0 type veth peer name v1",
    "ip link add ifb0 type ifb",
    "ip link set v0 up",
    "ip link set v1 up",
    "ip link set ifb0 up",
]
V0, IFB0 = 3, 4

NEWQDISC, DELQDISC, NEWTCLASS, DELTCLASS, NEWTFILTER, DELTFILTER = 36, 37, 40, 41, 44, 45

# (name, command after "tc -n NS", message type kept). Run in this order.
CAPTURES: list[tuple[str, str, int]] = [
    ("tbf_add", "qdisc add dev v0 root handle 1: tbf rate 8mbit burst 32kbit latency 400ms", 36),
    ("tbf_change", "qdisc change dev v0 root handle 1: tbf rate 4mbit burst 16kb limit 30000", 36),
    (
        "tbf_replace_peak",
        "qdisc replace dev v0 root handle 1: tbf rate 8mbit burst 32kbit latency 50ms "
        "peakrate 10mbit mtu 2000",
        36,
    ),
    ("tbf_big_rate", "qdisc replace dev v0 root handle 1: tbf rate 40gbit burst 1mb limit 2mb", 36),
    ("qdisc_del_root", "qdisc del dev v0 root", 37),
    ("htb_add", "qdisc add dev v0 root handle 1: htb default 10 r2q 5", 36),
    ("htb_class_add_root", "class add dev v0 parent 1: classid 1:1 htb rate 10mbit", 40),
    (
        "htb_class_add",
        "class add dev v0 parent 1:1 classid 1:10 htb rate 4mbit ceil 8mbit burst 15k "
        "cburst 15k prio 1 quantum 1500",
        40,
    ),
    (
        "htb_class_change",
        "class change dev v0 parent 1:1 classid 1:10 htb rate 5mbit ceil 8mbit",
        40,
    ),
    (
        "u32_add_dst_dport",
        "filter add dev v0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.2/32 "
        "match ip dport 5001 0xffff flowid 1:10",
        44,
    ),
    (
        "u32_add_src_proto_sport",
        "filter add dev v0 parent 1: protocol ip prio 2 u32 match ip src 10.0.0.0/24 "
        "match ip protocol 6 0xff match ip sport 80 0xffff classid 1:1",
        44,
    ),
    (
        "u32_add_all",
        "filter add dev v0 parent 1: protocol all prio 3 u32 match u32 0 0 flowid 1:1",
        44,
    ),
    ("filter_del_prio", "filter del dev v0 parent 1: protocol ip prio 1", 45),
    ("htb_class_del", "class del dev v0 classid 1:10", 41),
    ("pfifo_add", "qdisc replace dev v0 root handle 2: pfifo limit 100", 36),
    ("bfifo_add", "qdisc replace dev v0 root handle 3: bfifo limit 30000", 36),
    ("pfifo_fast_add", "qdisc replace dev v0 root handle 4: pfifo_fast", 36),
    ("ingress_add", "qdisc add dev v0 ingress", 36),
    (
        "u32_mirred_redirect",
        "filter add dev v0 parent ffff: protocol all prio 1 u32 match u32 0 0 "
        "action mirred egress redirect dev ifb0",
        44,
    ),
    ("ingress_del", "qdisc del dev v0 ingress", 37),
    ("clsact_add", "qdisc add dev v0 clsact", 36),
    (
        "u32_mirred_mirror_egress",
        "filter add dev v0 egress protocol ip prio 1 u32 match ip dst 10.0.0.9/32 "
        "action mirred egress mirror dev ifb0",
        44,
    ),
    ("clsact_del", "qdisc del dev v0 clsact", 37),
]

_TYPES = {36: "NEWQDISC", 37: "DELQDISC", 40: "NEWTCLASS", 41: "DELTCLASS"}
_TYPES.update({44: "NEWTFILTER", 45: "DELTFILTER"})
_TCA = ("UNSPEC", "KIND", "OPTIONS", "STATS", "XSTATS", "RATE", "FCNT", "STATS2", "STAB")
_FLAGS = ("REQUEST", "MULTI", "ACK", "ECHO", "DUMP_INTR", "DUMP_FILTERED")
_NEW_FLAGS = ("REPLACE", "EXCL", "CREATE", "APPEND")


def annotate(raw: bytes) -> list[str]:
    """One line per field: nlmsghdr, tcmsg, each attribute; TCA_OPTIONS' children indented."""
    length, mtype, flags, seq, pid = struct.unpack_from("=IHHII", raw, 0)
    fl = [n for i, n in enumerate(_FLAGS) if flags & (1 << i)]
    fl += [n for i, n in enumerate(_NEW_FLAGS) if flags & (0x100 << i)]
    notes = [
        f"nlmsghdr len={length} type={_TYPES.get(mtype, mtype)} flags={'|'.join(fl)} "
        f"seq={seq} pid={pid}"
    ]
    fam, ifindex, handle, parent, info = struct.unpack_from("=BxxxiIII", raw, 16)
    notes.append(
        f"tcmsg family={fam} ifindex={ifindex} handle={handle:#x} parent={parent:#x} info={info:#x}"
    )
    _attrs(raw, 36, length, notes, "", top=True)
    return notes


def _attrs(raw: bytes, off: int, end: int, notes: list[str], indent: str, top: bool) -> None:
    while off + 4 <= end:
        alen, atype = struct.unpack_from("=HH", raw, off)
        if alen < 4:
            break
        t = atype & 0x3FFF
        name = f"TCA_{_TCA[t]}({t})" if top and t < len(_TCA) else f"{t}"
        value = raw[off + 4 : off + alen]
        nested = top and t == 2 and _looks_nested(value)
        if nested or (not top and atype & 0x8000):
            notes.append(f"{indent}{name} len={alen} nest{'|F' if atype & 0x8000 else ''}")
            _attrs(raw, off + 4, off + alen, notes, indent + "  ", top=False)
        else:
            shown = value.hex() if len(value) <= 48 else f"{value[:32].hex()}...({len(value)})"
            notes.append(f"{indent}{name} len={alen} {shown}")
        off += (alen + 3) & ~3


def _looks_nested(value: bytes) -> bool:
    """TCA_OPTIONS carries attributes for tbf/htb/u32, a bare struct for the fifos."""
    off = 0
    while off + 4 <= len(value):
        alen = struct.unpack_from("=H", value, off)[0]
        if alen < 4 or off + alen > len(value):
            return False
        off += (alen + 3) & ~3
    return off == len(value) and len(value) > 4


def capture() -> None:
    ns = f"rawns-golden-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for cmd in SETUP:
            subprocess.run(["ip", "-n", ns, *cmd.split()[1:]], check=True)
        for name, cmd, mtype in CAPTURES:
            log = Path(f"/tmp/{ns}-{name}.strace")
            argv = ["tc", "-n", ns, *cmd.split()]
            strace = ["strace", "-f", "-qq", "-e", "trace=sendmsg", "-e", "write=all"]
            subprocess.run([*strace, "-o", str(log), *argv], check=True, stdout=subprocess.DEVNULL)
            msgs = [m for m in sent_messages(log.read_text()) if m[4:6] == struct.pack("=H", mtype)]
            log.unlink()
            if not msgs:
                raise SystemExit(f"{name}: no message of type {mtype} sent by {cmd!r}")
            raw = zero_seq(msgs[-1])
            record = {
                "command": "tc " + cmd,
                "setup": ["ip netns add NS", *(c.replace("ip ", "ip -n NS ", 1) for c in SETUP)],
                "captured_with": f"strace -f -qq -e trace=sendmsg -e write=all tc -n NS {cmd}",
                "note": "seq and pid zeroed; captured in CAPTURES order (tests/unit/tc_golden.py)",
                "hex": raw.hex(),
                "notes": annotate(raw),
            }
            path = GOLDEN / "tc" / f"{name}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, indent=1) + "\n")
            print(f"tc/{name}.json: {len(raw)} bytes  <- tc {cmd}")
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


if __name__ == "__main__":
    if sys.argv[1:] == ["--notes"]:
        for n in names("tc"):
            print(n, *annotate(load("tc", n)["raw"]), sep="\n  ")
    else:
        capture()
