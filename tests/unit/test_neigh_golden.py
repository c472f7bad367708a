"""Golden bytes for neighbours and FDB entries: what ``ip``/``bridge`` send, both ways.

Each capture under ``golden/neigh/NAME.json`` holds the command, the setup it
ran after, the request bytes (seq and pid zeroed) and per-field notes that
:func:`annotate` generates; the tests check the notes still match. Checked:

* ``build(spec) == captured``: rawns sends the very bytes ``ip`` sends;
* ``parse(captured) == spec``, with nothing left undecoded;
* the message type and flags are the verb's.

Recapture (root; makes and deletes a throwaway namespace, also on failure)::

    python -m tests.unit.test_neigh_golden          # neigh and rule captures
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from rawns import neigh
from rawns._rtnl import FIB_RULE_HDR, FRA, NDA, NDMSG, NLM_F, NTF, NUD, RTM
from rawns._wire import iter_attrs, parse_messages
from rawns.neigh import AF_BRIDGE, Neighbour

from .golden_io import GOLDEN, hexdiff, load, names, sent_messages, zero_seq

# The setup every capture runs after, in a fresh namespace: lo=1, v1=2, v0=3,
# vx0=4, br0=5 (indexes are allocated in creation order; v1 is made first).
SETUP = [
    "ip link add v0 type veth peer name v1",
    "ip link add vx0 type vxlan id 42 dstport 4789 local 10.0.0.1 nolearning",
    "ip link add br0 type bridge",
    "ip link set v1 master br0",
    "ip link set v0 up",
    "ip link set v1 up",
    "ip link set br0 up",
]
V0, VX0, V1 = 3, 4, 2

# (directory, name, command, message type kept). Run in this order: a delete
# removes what an earlier add made.
CAPTURES: list[tuple[str, str, str, int]] = [
    ("neigh", "add_v4", "ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev v0", RTM.NEWNEIGH),
    (
        "neigh",
        "add_v6_router",
        "ip -6 neigh add fd00::3 lladdr 02:00:00:00:00:05 dev v0 router",
        RTM.NEWNEIGH,
    ),
    (
        "neigh",
        "replace_v4_stale",
        "ip neigh replace 10.0.0.3 lladdr 02:00:00:00:00:04 nud stale dev v0",
        RTM.NEWNEIGH,
    ),
    ("neigh", "add_proxy_v6", "ip -6 neigh add proxy fd00::9 dev v0", RTM.NEWNEIGH),
    ("neigh", "del_v4", "ip neigh del 10.0.0.2 dev v0", RTM.DELNEIGH),
    (
        "neigh",
        "fdb_append_vxlan",
        "bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.0.2",
        RTM.NEWNEIGH,
    ),
    (
        "neigh",
        "fdb_add_vxlan_vni_port",
        "bridge fdb add 02:00:00:00:00:aa dev vx0 dst 10.0.0.3 vni 43 port 4790 self",
        RTM.NEWNEIGH,
    ),
    ("neigh", "fdb_add_master", "bridge fdb add 02:00:00:00:00:bb dev v1 master", RTM.NEWNEIGH),
    (
        "neigh",
        "fdb_del_vxlan",
        "bridge fdb del 00:00:00:00:00:00 dev vx0 dst 10.0.0.2",
        RTM.DELNEIGH,
    ),
    ("rule", "add_v4_from_table", "ip rule add from 10.0.0.0/8 table 100 pref 100", RTM.NEWRULE),
    (
        "rule",
        "add_v6_full",
        "ip -6 rule add from fd00::/64 to fd01::/64 fwmark 0x10/0xff iif v0 oif v1 "
        "table 1000 pref 300",
        RTM.NEWRULE,
    ),
    (
        "rule",
        "add_not_tos_main",
        "ip rule add not from 1.2.3.4 tos 0x10 lookup main pref 400",
        RTM.NEWRULE,
    ),
    ("rule", "add_blackhole", "ip rule add blackhole pref 200", RTM.NEWRULE),
    ("rule", "add_v6_unreachable", "ip -6 rule add to fd02::/48 unreachable pref 500", RTM.NEWRULE),
    ("rule", "add_goto", "ip rule add goto 700 pref 600", RTM.NEWRULE),
    (
        "rule",
        "add_ranges",
        "ip rule add from 5.6.7.0/24 uidrange 10-20 ipproto tcp sport 1000 dport 80-90 "
        "table 10 suppress_prefixlength 0 protocol static pref 700",
        RTM.NEWRULE,
    ),
    ("rule", "add_fwmark_big_table", "ip rule add fwmark 0x1 table 300 pref 800", RTM.NEWRULE),
    ("rule", "del_v4", "ip rule del from 10.0.0.0/8 table 100 pref 100", RTM.DELRULE),
]

CREATE_EXCL = NLM_F.CREATE | NLM_F.EXCL

# name -> (build function, expected nlmsg flags beyond REQUEST|ACK, spec)
CASES: dict[str, tuple[Callable[[Neighbour], bytes], int, Neighbour]] = {
    "add_v4": (
        neigh.build_add,
        CREATE_EXCL,
        Neighbour(index=V0, dst="10.0.0.2", lladdr="02:00:00:00:00:02", state=NUD.PERMANENT),
    ),
    "add_v6_router": (
        neigh.build_add,
        CREATE_EXCL,
        Neighbour(
            index=V0,
            dst="fd00::3",
            lladdr="02:00:00:00:00:05",
            state=NUD.PERMANENT,
            flags=NTF.ROUTER,
        ),
    ),
    "replace_v4_stale": (
        neigh.build_replace,
        NLM_F.CREATE | NLM_F.REPLACE,
        Neighbour(index=V0, dst="10.0.0.3", lladdr="02:00:00:00:00:04", state="stale"),
    ),
    "add_proxy_v6": (
        neigh.build_add,
        CREATE_EXCL,
        Neighbour(index=V0, dst="fd00::9", state=NUD.PERMANENT, flags=NTF.PROXY),
    ),
    "del_v4": (
        neigh.build_delete,
        0,
        Neighbour(index=V0, dst="10.0.0.2", state=NUD.PERMANENT),
    ),
    "fdb_append_vxlan": (
        neigh.build_append,
        NLM_F.CREATE | NLM_F.APPEND,
        Neighbour(
            index=VX0,
            family=AF_BRIDGE,
            lladdr="00:00:00:00:00:00",
            dst="10.0.0.2",
            state=NUD.PERMANENT | NUD.NOARP,
            flags=NTF.SELF,
        ),
    ),
    "fdb_add_vxlan_vni_port": (
        neigh.build_add,
        CREATE_EXCL,
        Neighbour(
            index=VX0,
            family=AF_BRIDGE,
            lladdr="02:00:00:00:00:aa",
            dst="10.0.0.3",
            vni=43,
            port=4790,
            state=NUD.PERMANENT | NUD.NOARP,
            flags=NTF.SELF,
        ),
    ),
    "fdb_add_master": (
        neigh.build_add,
        CREATE_EXCL,
        Neighbour(
            index=V1,
            family=AF_BRIDGE,
            lladdr="02:00:00:00:00:bb",
            state=NUD.PERMANENT | NUD.NOARP,
            flags=NTF.MASTER,
        ),
    ),
    "fdb_del_vxlan": (
        neigh.build_delete,
        0,
        Neighbour(
            index=VX0,
            family=AF_BRIDGE,
            lladdr="00:00:00:00:00:00",
            dst="10.0.0.2",
            state=NUD.PERMANENT | NUD.NOARP,
            flags=NTF.SELF,
        ),
    ),
}


# ---------------------------------------------------------------------------
# helpers shared with test_rule_golden


def _name(enum: Any, value: int) -> str:
    try:
        return f"{enum(value).name}({value})"
    except ValueError:
        return str(value)


def _bits(enum: Any, value: int) -> str:
    """``NOARP|PERMANENT(0xc0)``: stable across Python versions, unlike IntFlag reprs."""
    names = [m.name for m in enum if m.value and m.value.bit_count() == 1 and value & m.value]
    return f"{'|'.join(names) or '0'}({value:#x})"


def annotate(raw: bytes) -> list[str]:
    """One line per field of a neighbour or rule request (the notes stored beside it)."""
    length, mtype, flags, seq, pid = struct.unpack_from("=IHHII", raw, 0)
    bits = [f.name for f in (NLM_F.REQUEST, NLM_F.ACK) if flags & f]
    bits += [n for n, v in (("REPLACE", 0x100), ("EXCL", 0x200), ("CREATE", 0x400)) if flags & v]
    bits += ["APPEND"] if flags & NLM_F.APPEND else []
    notes = [
        f"nlmsghdr len={length} type={_name(RTM, mtype)} flags={'|'.join(bits)} seq={seq} pid={pid}"
    ]
    attr_enum: Any
    if mtype in (RTM.NEWNEIGH, RTM.DELNEIGH, RTM.GETNEIGH):
        fam, index, state, fl, ntype = NDMSG.unpack_from(raw, 16)
        notes.append(
            f"ndmsg family={fam} ifindex={index} state={_bits(NUD, state)} flags={_bits(NTF, fl)} "
            f"type={ntype}"
        )
        start, attr_enum = 16 + NDMSG.size, NDA
    else:
        fam, dl, sl, tos, table, _r1, _r2, action, fl = FIB_RULE_HDR.unpack_from(raw, 16)
        notes.append(
            f"fib_rule_hdr family={fam} dst_len={dl} src_len={sl} tos={tos:#x} table={table} "
            f"action={action} flags={fl:#x}"
        )
        start, attr_enum = 16 + FIB_RULE_HDR.size, FRA
    for atype, a, b in iter_attrs(raw, start, length):
        notes.append(f"{_name(attr_enum, atype & 0x3FFF)} len={b - a + 4} {raw[a:b].hex()}")
    return notes


# ---------------------------------------------------------------------------
# tests


def test_every_capture_has_a_case() -> None:
    assert names("neigh") == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_build_matches_capture(name: str) -> None:
    rec = load("neigh", name)
    build, _, spec = CASES[name]
    built = build(spec)
    assert built == zero_seq(rec["raw"]), f"{rec['command']}\n{hexdiff(built, rec['raw'])}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_parse_capture_gives_spec(name: str) -> None:
    rec = load("neigh", name)
    _, extra, spec = CASES[name]
    (msg,) = parse_messages(rec["raw"])
    want_type = RTM.DELNEIGH if name.startswith(("del", "fdb_del")) else RTM.NEWNEIGH
    assert msg.type == want_type
    assert msg.flags == NLM_F.REQUEST | NLM_F.ACK | extra
    got = neigh.parse_neighbour(msg.payload)
    assert got == spec
    assert got.attrs == ()  # every attribute ip sent is decoded


@pytest.mark.parametrize("name", sorted(CASES))
def test_notes_are_current(name: str) -> None:
    rec = load("neigh", name)
    assert rec["notes"] == annotate(rec["raw"])


def test_captures_record_their_command() -> None:
    by_name = {n: c for d, n, c, _ in CAPTURES if d == "neigh"}
    for name in names("neigh"):
        rec = load("neigh", name)
        assert rec["command"] == by_name[name]
        assert rec["setup"][1:] == SETUP


# ---------------------------------------------------------------------------
# capture (root, by hand)


def _in_ns(ns: str, command: str) -> list[str]:
    tool, *rest = command.split()
    return [tool, "-n", ns, *rest]


def capture() -> None:  # pragma: no cover - run by hand as root
    ns = f"rawns-golden-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for cmd in SETUP:
            subprocess.run(_in_ns(ns, cmd), check=True)
        for directory, name, cmd, mtype in CAPTURES:
            strace = ["strace", "-f", "-qq", "-e", "trace=sendmsg", "-e", "write=all"]
            p = subprocess.run(strace + _in_ns(ns, cmd), check=True, capture_output=True, text=True)
            msgs = [m for m in sent_messages(p.stderr) if m[4:6] == struct.pack("=H", mtype)]
            if len(msgs) != 1:
                raise SystemExit(f"{name}: {len(msgs)} messages of type {mtype} from {cmd!r}")
            raw = zero_seq(msgs[0])
            record = {
                "command": cmd,
                "setup": ["ip netns add NS", *SETUP],
                "captured_with": "strace -f -qq -e trace=sendmsg -e write=all "
                + " ".join(_in_ns("NS", cmd)),
                "note": "seq and pid zeroed; captured in CAPTURES order "
                "(tests/unit/test_neigh_golden.py)",
                "hex": raw.hex(),
                "notes": annotate(raw),
            }
            path = GOLDEN / directory / f"{name}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, indent=1) + "\n")
            print(f"{directory}/{name}.json: {len(raw)} bytes  <- {cmd}")
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


if __name__ == "__main__":  # pragma: no cover
    capture()
    sys.exit(0)
