"""What every golden-bytes test shares: loading captures, comparing bytes, reading strace.

A capture is ``tests/unit/golden/<directory>/<name>.json`` with the request's
``hex`` (seq and pid zeroed), the command that sent it and generated notes.
The capture tools (run by hand, as root) take the bytes from
``strace -e trace=sendmsg -e write=all`` logs with :func:`sent_messages`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"


def load(directory: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / directory / f"{name}.json").read_text())
    data["raw"] = bytes.fromhex(data["hex"])
    return data


def names(directory: str) -> list[str]:
    return sorted(p.stem for p in (GOLDEN / directory).glob("*.json"))


def hexdiff(built: bytes, captured: bytes) -> str:
    """Side-by-side hex, 8 bytes a row, rows that differ marked with ``!``."""
    rows = ["offset  built                     captured"]
    for i in range(0, max(len(built), len(captured)), 8):
        a, b = built[i : i + 8], captured[i : i + 8]
        mark = " " if a == b else "!"
        rows.append(f"{mark}{i:04x}   {a.hex(' '):24s}  {b.hex(' ')}")
    return "\n".join(rows)


def zero_seq(msg: bytes) -> bytes:
    """The message with nlmsg_seq and nlmsg_pid zeroed (rawns builds with seq 0)."""
    return msg[:8] + bytes(8) + msg[16:]


_DUMP = re.compile(r"^\s*\|\s+[0-9a-f]{5}\s\s((?:[0-9a-f]{2}\s+){1,16})")


def sent_messages(trace: str) -> list[bytes]:
    """Every sendmsg buffer in an strace log, from its ``-e write=all`` hex dumps."""
    out: list[bytearray] = []
    for line in trace.splitlines():
        if " bytes in buffer " in line:
            out.append(bytearray())
            continue
        m = _DUMP.match(line)
        if m and out:
            out[-1] += bytes.fromhex("".join(line[m.start(1) : m.start(1) + 49].split()))
    return [bytes(b) for b in out]


def enum_name(enum: Any, value: int) -> str:
    """``NAME(value)`` for an enum member, the bare number for a value it lacks (notes)."""
    try:
        return f"{enum(value).name}({value})"
    except ValueError:
        return str(value)
