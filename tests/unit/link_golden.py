"""Golden captures of the bytes ``ip link`` sends, for tests/unit/test_link_golden.py.

Two roles:

* a library for the golden tests (no root): :func:`load` reads a capture,
  :func:`annotate` turns its bytes into per-field notes (the notes stored beside
  each capture are *generated*, and the tests check they still match),
  :func:`hexdiff` shows built and captured bytes side by side;
* a capture tool (root, run by hand): ``python -m tests.unit.link_golden``.
  For each capture it creates a throwaway namespace (so interface indices are
  the same every time: lo is 1, then the setup's links in order) and a second
  one holding a ``sleep`` whose pid ``netns {pid}`` names, runs the setup,
  runs the command under ``strace -f -e trace=sendmsg -xx -s 4096 -e write=all``,
  keeps the last request of the wanted type with seq and pid zeroed, and
  deletes both namespaces and the sleep, also on failure.

Each capture is ``golden/link/NAME.json``: the command as run, the setup, the
values substituted into it (``vars``), the hex bytes and the notes.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from .golden_io import enum_name as _enum_name
from .golden_io import hexdiff, sent_messages, zero_seq
from .golden_io import load as _load
from .golden_io import names as _names

__all__ = ["annotate", "hexdiff", "load", "load_replies", "names", "zero_seq"]

GOLDEN = Path(__file__).parent / "golden" / "link"

RTM_NEWLINK = 16
RTM_DELLINK = 17

# Indices in every capture's namespace after this setup: lo 1, veth-b 2,
# veth-a 3, br0 4 (the kernel registers a veth's peer first).
SETUP = [
    "link add veth-a type veth peer name veth-b",
    "link add br0 type bridge",
]

# (name, extra setup, command after "ip -n NS", message type kept)
CAPTURES: list[tuple[str, list[str], str, int]] = [
    ("veth", [], "link add veth-red type veth peer name veth-red-br", RTM_NEWLINK),
    (
        "veth_common",
        [],
        "link add veth-x mtu 1400 address 02:00:00:00:00:01 txqlen 500 master br0"
        " up type veth peer name veth-y mtu 1300 address 02:00:00:00:00:02",
        RTM_NEWLINK,
    ),
    (
        "veth_queues",
        [],
        "link add veth-x numtxqueues 1 numrxqueues 2 type veth"
        " peer name veth-y numtxqueues 3 numrxqueues 1",
        RTM_NEWLINK,
    ),
    (
        "veth_peer_netns_pid",
        [],
        "link add veth-p type veth peer name veth-q netns {pid}",
        RTM_NEWLINK,
    ),
    (
        "veth_both_netns_pid",
        [],
        "link add veth-r netns {pid} type veth peer name veth-s netns {pid}",
        RTM_NEWLINK,
    ),
    ("bridge_plain", [], "link add br1 type bridge", RTM_NEWLINK),
    (
        "bridge",
        [],
        "link add br1 up type bridge forward_delay 400 hello_time 300 max_age 2100"
        " ageing_time 1000 stp_state 1 priority 100 vlan_protocol 802.1ad"
        " mcast_snooping 0 vlan_default_pvid 10",
        RTM_NEWLINK,
    ),
    ("macvlan", [], "link add mv0 link veth-a type macvlan mode bridge", RTM_NEWLINK),
    (
        "macvlan_mtu_private",
        [],
        "link add mv1 mtu 1400 link veth-a type macvlan mode private",
        RTM_NEWLINK,
    ),
    ("vxlan", [], "link add vx0 type vxlan id 42 dstport 4789", RTM_NEWLINK),
    (
        "vxlan_full",
        [],
        "link add vx1 type vxlan id 43 remote 10.0.0.2 local 10.0.0.1 dev veth-a ttl 64"
        " tos 0x10 ageing 600 maxaddress 100 srcport 1000 2000 proxy l2miss l3miss noudpcsum"
        " dstport 4789 nolearning",
        RTM_NEWLINK,
    ),
    (
        "vxlan_group6",
        [],
        "link add vx2 type vxlan id 44 group ff05::100 local 2001:db8::1 dev veth-a dstport 4789",
        RTM_NEWLINK,
    ),
    ("vxlan_external", [], "link add vx3 type vxlan external dstport 4790", RTM_NEWLINK),
    ("set_up", [], "link set dev veth-a up", RTM_NEWLINK),
    ("set_down", [], "link set dev veth-a down", RTM_NEWLINK),
    ("set_master", [], "link set dev veth-b master br0", RTM_NEWLINK),
    ("set_nomaster", ["link set dev veth-b master br0"], "link set dev veth-b nomaster", 16),
    (
        "set_fields_rename",
        [],
        "link set dev veth-a mtu 1400 address 02:00:00:00:00:09 txqlen 100 alias hi name veth-z",
        RTM_NEWLINK,
    ),
    ("set_promisc_noarp", [], "link set dev veth-a promisc on arp off", RTM_NEWLINK),
    ("set_netns_pid", [], "link set dev veth-a netns {pid}", RTM_NEWLINK),
    (
        "set_port",
        ["link set dev veth-b master br0"],
        "link set dev veth-b type bridge_slave hairpin on learning off isolated on",
        RTM_NEWLINK,
    ),
    ("set_group_up", ["link set dev veth-a group 5"], "link set group 5 up mtu 1400", RTM_NEWLINK),
    ("set_group_down", [], "link set group default down", RTM_NEWLINK),
    ("delete", [], "link del dev veth-a", RTM_DELLINK),
]

STRACE = ["strace", "-f", "-qq", "-e", "trace=sendmsg", "-xx", "-s", "4096", "-e", "write=all"]


# ---------------------------------------------------------------------------
# loading and notes


def load(name: str) -> dict[str, Any]:
    return _load("link", name)


def names() -> list[str]:
    return _names("link")


def annotate(raw: bytes) -> list[str]:
    """One line per field: nlmsghdr, ifinfomsg, each attribute (nested ones indented)."""
    from rawns._rtnl import IFINFOMSG, IFLA, RTM

    notes: list[str] = []
    length, mtype, flags, seq, pid = struct.unpack_from("=IHHII", raw, 0)
    low = ("REQUEST", "MULTI", "ACK", "ECHO", "DUMP_INTR", "DUMP_FILTERED")
    high = ("REPLACE", "EXCL", "CREATE", "APPEND")
    flag_names = [n for i, n in enumerate(low) if flags & (1 << i)]
    flag_names += [n for i, n in enumerate(high) if flags & (0x100 << i)]
    notes.append(
        f"nlmsghdr len={length} type={_enum_name(RTM, mtype)} flags={'|'.join(flag_names)} "
        f"seq={seq} pid={pid}"
    )
    fam, ltype, index, iflags, change = IFINFOMSG.unpack_from(raw, 16)
    notes.append(
        f"ifinfomsg family={fam} type={ltype} index={index} flags={iflags:#x} change={change:#x}"
    )
    _attrs(raw, 16 + IFINFOMSG.size, length, IFLA, notes, "", kind=None)
    return notes


def _attrs(
    raw: bytes, off: int, end: int, enum: Any, notes: list[str], indent: str, kind: str | None
) -> None:
    from rawns._rtnl import (
        IFINFOMSG,
        IFLA,
        IFLA_BR,
        IFLA_BRPORT,
        IFLA_INFO,
        IFLA_MACVLAN,
        IFLA_VXLAN,
        VETH_INFO,
    )

    data_enums = {
        "veth": VETH_INFO,
        "bridge": IFLA_BR,
        "macvlan": IFLA_MACVLAN,
        "vxlan": IFLA_VXLAN,
        "bridge_slave": IFLA_BRPORT,
    }
    while off + 4 <= end:
        alen, atype = struct.unpack_from("=HH", raw, off)
        t = atype & 0x3FFF
        nested = " NESTED" if atype & 0x8000 else ""
        value = raw[off + 4 : off + alen]
        a, b = off + 4, off + alen
        if enum is IFLA and t == IFLA.LINKINFO:
            notes.append(f"{indent}{_enum_name(enum, t)} len={alen}{nested}")
            _attrs(raw, a, b, IFLA_INFO, notes, indent + "  ", kind=None)
        elif enum is IFLA_INFO and t in (IFLA_INFO.KIND, IFLA_INFO.SLAVE_KIND):
            kind = value.rstrip(b"\0").decode()
            notes.append(f"{indent}{_enum_name(enum, t)} len={alen} {value.hex()} ({kind!r})")
        elif enum is IFLA_INFO and t in (IFLA_INFO.DATA, IFLA_INFO.SLAVE_DATA):
            notes.append(f"{indent}{_enum_name(enum, t)} len={alen}{nested}")
            _attrs(raw, a, b, data_enums.get(kind or "", IFLA_INFO), notes, indent + "  ", kind)
        elif enum is VETH_INFO and t == VETH_INFO.PEER:
            notes.append(f"{indent}{_enum_name(enum, t)} len={alen}{nested}")
            fam, ltype, index, iflags, change = IFINFOMSG.unpack_from(raw, a)
            notes.append(
                f"{indent}  ifinfomsg family={fam} type={ltype} index={index} "
                f"flags={iflags:#x} change={change:#x}"
            )
            _attrs(raw, a + IFINFOMSG.size, b, IFLA, notes, indent + "  ", kind=None)
        else:
            text = ""
            body = value[:-1] if value[-1:] == b"\0" else b""
            if len(body) > 1 and body.isascii() and body.decode().isprintable():
                text = f" ({body.decode()!r})"
            notes.append(f"{indent}{_enum_name(enum, t)} len={alen}{nested} {value.hex()}{text}")
        off += (alen + 3) & ~3


# ---------------------------------------------------------------------------
# capture (root)


def _ip(ns: str, cmd: str) -> None:
    subprocess.run(["ip", "-n", ns, *cmd.split()], check=True)


def capture_one(name: str, extra: list[str], cmd: str, mtype: int) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    ns, other = f"rawns-golden-{tag}", f"rawns-golden-{tag}-o"
    log = Path(f"/tmp/{ns}.strace")
    sleeper: subprocess.Popen[bytes] | None = None
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "add", other], check=True)
        sleeper = subprocess.Popen(["ip", "netns", "exec", other, "sleep", "60"])
        values = {"pid": sleeper.pid}
        here = os.readlink("/proc/self/ns/net")
        for _ in range(500):  # until ip netns exec has entered the namespace
            if os.readlink(f"/proc/{sleeper.pid}/ns/net") != here:
                break
            time.sleep(0.01)
        for c in SETUP + extra:
            _ip(ns, c)
        command = cmd.format(**values)
        argv = ["ip", "-n", ns, *command.split()]
        subprocess.run([*STRACE, "-o", str(log), *argv], check=True)
        sent = [m for m in sent_messages(log.read_text()) if struct.unpack_from("=H", m, 4)[0]]
        msgs = [m for m in sent if struct.unpack_from("=H", m, 4)[0] == mtype]
        raw = zero_seq(msgs[-1])
    finally:
        if sleeper is not None:
            sleeper.kill()  # the sleep this capture started, by its own pid
            sleeper.wait()
        for n in (ns, other):
            subprocess.run(["ip", "netns", "del", n], check=False)
        with contextlib.suppress(FileNotFoundError):
            log.unlink()
    return {
        "command": f"ip {cmd}",
        "setup": [f"ip {c}" for c in SETUP + extra],
        "vars": {k: v for k, v in values.items() if "{" + k + "}" in cmd},
        "capture": " ".join(STRACE) + " ip -n NS ...",
        "hex": raw.hex(),
        "notes": annotate(raw),
    }


def capture(only: list[str]) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, extra, cmd, mtype in CAPTURES:
        if only and name not in only:
            continue
        data = capture_one(name, extra, cmd, mtype)
        (GOLDEN / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
        print(f"{name}: {len(data['hex']) // 2} bytes", file=sys.stderr)


# Links ip makes, for the reply captures: what the kernel answers a dump with,
# next to what ``ip -d -j link show`` printed for the same links.
REPLY_SETUP = [
    "link add br0 type bridge stp_state 1 forward_delay 500 priority 7",
    "link add veth-a mtu 1450 type veth peer name veth-b",
    "link add veth-c type veth peer name veth-d netns {other}",
    "link set veth-b master br0",
    "link set veth-b type bridge_slave hairpin on isolated on learning off cost 5",
    "link set br0 up",
    "link set veth-a up",
    "link set veth-b up",
    "link add mv0 link veth-c type macvlan mode private",
    "link add vx0 type vxlan id 99 remote 192.0.2.1 local 192.0.2.2 dstport 4789 ttl 9",
    "link add vx6 type vxlan id 98 group ff05::100 local 2001:db8::1 dev veth-a dstport 4789",
    "tuntap add tun0 mode tun",
    "tuntap add tap0 mode tap multi_queue vnet_hdr user 0",
    "link add ifb0 type ifb",
    "link set dev veth-a alias hello",
    "link property add dev veth-a altname veth-a-alt",
]


def capture_replies() -> None:
    """The kernel's RTM_NEWLINK dump replies for REPLY_SETUP, with ip's JSON beside them."""
    from rawns import Handle, netns
    from rawns.link import build_dump

    tag = uuid.uuid4().hex[:8]
    ns, other = f"rawns-golden-{tag}", f"rawns-golden-{tag}-o"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "add", other], check=True)
        for c in REPLY_SETUP:
            _ip(ns, c.format(other=other))
        shown = subprocess.run(
            ["ip", "-n", ns, "-d", "-j", "link", "show"], check=True, capture_output=True
        ).stdout
        with netns.open(ns) as nsfd, Handle.open(netns=nsfd) as h:
            replies = h.rtnl.dump(build_dump(), lambda p: p, op="RTM_GETLINK")
    finally:
        for n in (ns, other):
            subprocess.run(["ip", "netns", "del", n], check=False)
    data = {
        "setup": [f"ip {c}" for c in REPLY_SETUP],
        "request": "rawns.link.build_dump() (RTM_GETLINK, NLM_F_DUMP, RTEXT_FILTER_SKIP_STATS)",
        "ip": json.loads(shown),
        "replies": [r.hex() for r in replies],
    }
    (GOLDEN / "replies" / "dump.json").parent.mkdir(exist_ok=True)
    (GOLDEN / "replies" / "dump.json").write_text(json.dumps(data, indent=1) + "\n")
    print(f"replies: {len(replies)} links", file=sys.stderr)


def load_replies() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / "replies" / "dump.json").read_text())
    data["raw"] = [bytes.fromhex(x) for x in data["replies"]]
    return data


def renote() -> None:
    """Regenerate every capture's notes from its stored bytes (no root needed)."""
    for name in names():
        path = GOLDEN / f"{name}.json"
        data = json.loads(path.read_text())
        data["notes"] = annotate(bytes.fromhex(data["hex"]))
        path.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--notes"]:
        renote()
    elif sys.argv[1:] == ["--replies"]:
        capture_replies()
    else:
        capture(sys.argv[1:])
