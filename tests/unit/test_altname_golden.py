"""Golden bytes of ``ip link property add|del ... altname`` and of a lookup by a long altname.

Each capture in ``golden/altname/`` holds the request ``ip`` sent (seq and pid
zeroed), the command and its setup, and generated notes. The tests need no
root: rawns' pure builders must give the same bytes, and the captured bytes
must decode (with the plain codec) to the values they were built from.

Capture tool (root, by hand): ``python -m tests.unit.test_altname_golden``.
Like ``link_golden``, it runs each command under strace in a throwaway named
namespace (lo is 1, then veth-b 2 and veth-a 3) and deletes it, also on failure.
"""

from __future__ import annotations

import contextlib
import json
import struct
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from rawns import link
from rawns._rtnl import IFINFOMSG, IFLA, RTM
from rawns._wire import NLA_F_NESTED, NLA_TYPE_MASK, iter_attrs, parse_messages

from .golden_io import hexdiff, sent_messages, zero_seq
from .golden_io import load as _load
from .golden_io import names as _names

GOLDEN = Path(__file__).parent / "golden" / "altname"
LONG = "uplink-to-the-datacentre-core-switch-0123456789"  # 47 bytes: IFLA_ALT_IFNAME only
SETUP = ["link add veth-a type veth peer name veth-b"]

# (name, extra setup, command after "ip -n NS", message type kept)
CAPTURES: list[tuple[str, list[str], str, int]] = [
    ("add", [], "link property add dev veth-a altname uplink-0", RTM.NEWLINKPROP),
    ("add_long", [], f"link property add dev veth-a altname {LONG}", RTM.NEWLINKPROP),
    (
        "delete",
        ["link property add dev veth-a altname uplink-0"],
        "link property del dev veth-a altname uplink-0",
        RTM.DELLINKPROP,
    ),
    (
        "show_by_long_altname",
        [f"link property add dev veth-a altname {LONG}"],
        f"link show dev {LONG}",
        RTM.GETLINK,
    ),
]
STRACE = ["strace", "-f", "-qq", "-e", "trace=sendmsg", "-xx", "-s", "4096", "-e", "write=all"]


def annotate(raw: bytes) -> list[str]:
    """One line per field: nlmsghdr, ifinfomsg, each attribute (the prop list's inside)."""
    length, mtype, flags, seq, _pid = struct.unpack_from("=IHHII", raw, 0)
    notes = [f"nlmsghdr len={length} type={RTM(mtype).name}({mtype}) flags={flags:#x} seq={seq}"]
    fam, _type, index, iflags, change = IFINFOMSG.unpack_from(raw, 16)
    notes.append(f"ifinfomsg family={fam} index={index} flags={iflags:#x} change={change:#x}")
    for t, a, b in iter_attrs(raw, 16 + IFINFOMSG.size, length):
        name = IFLA(t & NLA_TYPE_MASK).name
        if t & NLA_F_NESTED:
            notes.append(f"{name}({t & NLA_TYPE_MASK}) NESTED len={b - a + 4}")
            for t2, c, d in iter_attrs(raw, a, b):
                text = raw[c:d].rstrip(b"\0").decode()
                notes.append(f"  {IFLA(t2).name}({t2}) len={d - c + 4} {text!r}")
        else:
            notes.append(f"{name}({t & NLA_TYPE_MASK}) len={b - a + 4} {raw[a:b].hex()}")
    return notes


def decode(raw: bytes) -> tuple[int, int, dict[int, list[bytes]]]:
    """A request's type, ifindex and attributes (a nest's members under the nest's type)."""
    (msg,) = parse_messages(raw)
    index = IFINFOMSG.unpack_from(msg.payload, 0)[2]
    attrs: dict[int, list[bytes]] = {}
    for t, a, b in iter_attrs(msg.payload, IFINFOMSG.size):
        if t & NLA_F_NESTED:
            inner = [msg.payload[c:d] for _, c, d in iter_attrs(msg.payload, a, b)]
            attrs.setdefault(t & NLA_TYPE_MASK, []).extend(inner)
        else:
            attrs.setdefault(t, []).append(msg.payload[a:b])
    return msg.type, index, attrs


def _names_of(values: list[bytes]) -> list[str]:
    return [v.rstrip(b"\0").decode() for v in values]


# ---------------------------------------------------------------------------
# the tests


@pytest.mark.parametrize("name", ["add", "add_long", "delete"])
def test_property_requests_match_ip_both_ways(name: str) -> None:
    data = _load("altname", name)
    raw = data["raw"]
    assert annotate(raw) == data["notes"], "notes are generated: python -m ... --notes"
    mtype, index, attrs = decode(raw)
    (altname,) = _names_of(attrs[IFLA.PROP_LIST])
    assert index == 3 and set(attrs) == {IFLA.PROP_LIST}  # ip looked veth-a up first
    assert altname in data["command"].split()
    build = link.build_altname_add if mtype == RTM.NEWLINKPROP else link.build_altname_delete
    built = build(index, altname)
    assert built == raw, hexdiff(built, raw)


def test_a_long_name_is_looked_up_as_ip_does() -> None:
    """ip puts a name longer than 15 bytes in IFLA_ALT_IFNAME; so does every rawns lookup."""
    data = _load("altname", "show_by_long_altname")
    assert annotate(data["raw"]) == data["notes"]
    _, index, theirs = decode(data["raw"])
    _, our_index, ours = decode(link.build_get(LONG))
    assert index == our_index == 0
    assert ours[IFLA.ALT_IFNAME] == theirs[IFLA.ALT_IFNAME] == [LONG.encode() + b"\0"]
    assert IFLA.IFNAME not in theirs and IFLA.IFNAME not in ours
    _, _, deleted = decode(link.build_delete(LONG))
    assert deleted == {IFLA.ALT_IFNAME: [LONG.encode() + b"\0"]}


def test_every_capture_is_tested() -> None:
    assert _names("altname") == sorted(c[0] for c in CAPTURES)


# ---------------------------------------------------------------------------
# capture (root, by hand)


def _ip(ns: str, cmd: str) -> None:
    subprocess.run(["ip", "-n", ns, *cmd.split()], check=True)


def capture_one(extra: list[str], cmd: str, mtype: int) -> dict[str, Any]:
    ns = f"rawns-golden-{uuid.uuid4().hex[:8]}"
    log = Path(f"/tmp/{ns}.strace")
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for c in SETUP + extra:
            _ip(ns, c)
        subprocess.run([*STRACE, "-o", str(log), "ip", "-n", ns, *cmd.split()], check=True)
        sent = [m for m in sent_messages(log.read_text()) if struct.unpack_from("=H", m, 4)[0]]
        kept = [m for m in sent if struct.unpack_from("=H", m, 4)[0] == mtype]
        # ip link show asks for the link first, then for its peer (by index): keep the first
        raw = zero_seq(kept[0] if mtype == RTM.GETLINK else kept[-1])
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
        with contextlib.suppress(FileNotFoundError):
            log.unlink()
    return {
        "command": f"ip {cmd}",
        "setup": [f"ip {c}" for c in SETUP + extra],
        "capture": " ".join(STRACE) + " ip -n NS ...",
        "hex": raw.hex(),
        "notes": annotate(raw),
    }


def main(argv: list[str]) -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    if argv == ["--notes"]:
        for name in _names("altname"):
            path = GOLDEN / f"{name}.json"
            data = json.loads(path.read_text())
            data["notes"] = annotate(bytes.fromhex(data["hex"]))
            path.write_text(json.dumps(data, indent=1) + "\n")
        return
    for name, extra, cmd, mtype in CAPTURES:
        if argv and name not in argv:
            continue
        data = capture_one(extra, cmd, mtype)
        (GOLDEN / f"{name}.json").write_text(json.dumps(data, indent=1) + "\n")
        print(f"{name}: {len(data['hex']) // 2} bytes", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
