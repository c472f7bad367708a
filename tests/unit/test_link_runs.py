"""link/_runs.py (the per-dump walk of link.dump) against the generic per-message path.

Differential: any datagram decodes to the same links (every field, repr,
origin, kind data), the same events and the same error with LinkRuns offered
and without it. Work: every link message of a clean dump goes through runs.
"""

from __future__ import annotations

import dataclasses
import struct
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rawns._conversation import Conversation
from rawns.link import Link, _runs
from rawns.link._layout import parse_link

from .link_golden import load_replies

SEQ = 77
PORT = 4242
HERE = (7, 4026531840)
REPLIES: list[bytes] = load_replies()["raw"]
RTM_NEWLINK = 16
NLM_F_MULTI = 2
NLMSG_DONE = 3


def _msg(payload: bytes, mtype: int = RTM_NEWLINK, seq: int = SEQ, pid: int = PORT) -> bytes:
    head = struct.pack("=IHHII", 16 + len(payload), mtype, NLM_F_MULTI, seq, pid)
    return head + payload + b"\0" * (-len(payload) & 3)


def _done() -> bytes:
    return _msg(struct.pack("=i", 0), NLMSG_DONE)


def _shown(lk: Link) -> tuple[Any, ...]:
    fields = tuple((f.name, getattr(lk, f.name)) for f in dataclasses.fields(Link))
    return fields, repr(lk), repr(lk.data), repr(lk.port), lk.origin


def _decode(datagram: bytes, runs: _runs.LinkRuns | None) -> tuple[str, Any]:
    conv = Conversation(PORT)
    conv.expect(SEQ, dump=True)
    out: list[Link] = []

    def parse_at(data: bytes, start: int, end: int) -> Link:
        return parse_link(data[start:end], HERE)

    try:
        events = conv.receive_dump(datagram, SEQ, parse_at, out, runs)
    except Exception as e:  # compared: its type and text
        return "error", (type(e), str(e), [_shown(x) for x in out])
    return "ok", ([_shown(x) for x in out], events)


def _same(datagram: bytes) -> _runs.LinkRuns:
    runs = _runs.LinkRuns(HERE)
    assert _decode(datagram, runs) == _decode(datagram, None)
    return runs


def test_a_clean_dump_goes_through_runs_and_decodes_the_same() -> None:
    datagram = b"".join(_msg(p) for p in REPLIES * 3) + _done()
    runs = _same(datagram)
    assert runs.taken == 3 * len(REPLIES)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(REPLIES) - 1),
            st.sampled_from(["link", "other seq", "other type", "other pid", "intr"]),
        ),
        max_size=30,
    ),
    st.sampled_from(["done", "nothing", "truncated header", "overlong", "short length"]),
)
def test_any_mix_decodes_the_same_with_and_without_runs(
    parts: list[tuple[int, str]], tail: str
) -> None:
    out = []
    for i, how in parts:
        p = REPLIES[i]
        if how == "link":
            out.append(_msg(p))
        elif how == "other seq":
            out.append(_msg(p, seq=SEQ + 1))
        elif how == "other type":
            out.append(_msg(p, mtype=RTM_NEWLINK + 1))
        elif how == "other pid":
            out.append(_msg(p, pid=PORT + 1))
        else:  # NLM_F_DUMP_INTR on this one
            m = bytearray(_msg(p))
            struct.pack_into("=H", m, 6, NLM_F_MULTI | 0x10)
            out.append(bytes(m))
    datagram = b"".join(out)
    if tail == "done":
        datagram += _done()
    elif tail == "truncated header":
        datagram += b"\x20\0\0\0\x10\0"
    elif tail == "overlong":
        datagram += struct.pack("=IHHII", 4096, RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT) + b"\0" * 8
    elif tail == "short length":
        datagram += struct.pack("=IHHII", 8, RTM_NEWLINK, NLM_F_MULTI, SEQ, PORT)
    _same(datagram)


def test_a_malformed_link_in_a_run_raises_what_the_generic_path_raises() -> None:
    bad = REPLIES[0][:16] + b"\x08\x00"  # an attribute header cut short
    datagram = _msg(REPLIES[0]) + _msg(bad) + _msg(REPLIES[1]) + _done()
    kind, _ = _decode(datagram, _runs.LinkRuns(HERE))
    assert kind == "error"
    _same(datagram)
