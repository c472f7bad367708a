"""Mutated kernel messages into every parser: only DecodeError escapes, in bounded time.

Seeds are real kernel datagrams (``seeds.json``). Hypothesis applies one to
four structure-aware corruptions to a seed (bit flips, byte overwrites,
truncation, trailing junk, length fields set to 0/3/one-past-the-end/0xffff,
a nested child longer than its parent, attribute types with flag bits
toggled, splices from other seeds) and feeds the result to each target of
:mod:`tests.fuzz.targets`. Separately, deterministic "huge counts" inputs
(one attribute repeated to 64 KiB inside its nest or 256 KiB at top level,
16k-deep nests, 64k empty attributes, 20k messages in one datagram) check that
parse time stays linear.

``RAWNS_FUZZ_EXAMPLES=N`` raises the number of examples per target (default
300, chosen to keep this module under ~30 s on two busy cores).
"""

from __future__ import annotations

import contextlib
import os
import struct
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawns.errors import DecodeError

from .mutate import (
    deep_nest,
    length_fields,
    length_values,
    max_count,
    multiply,
    read_length,
    set_length,
)
from .targets import Target, examples, targets, time_bound, unregistered_parsers

TARGETS = targets()
TRIED: dict[str, int] = {}

_FUZZ = settings(
    max_examples=examples(300),
    deadline=None,  # we bound time ourselves, proportional to input size
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def _timed(t: Target, data: bytes) -> float:
    t0 = time.perf_counter()
    with contextlib.suppress(DecodeError):
        t.call(data)
    return time.perf_counter() - t0


def check(t: Target, data: bytes) -> None:
    """Call the target: only DecodeError may escape, within time_bound(len(data))."""
    TRIED[t.name] = TRIED.get(t.name, 0) + 1
    elapsed = _timed(t, data)
    bound = time_bound(len(data))
    if elapsed > bound:
        # Rule out a scheduler hiccup on a shared machine: the best of three counts.
        elapsed = min(elapsed, *(_timed(t, data) for _ in range(3)))
        assert elapsed <= bound, (
            f"{t.name} took {elapsed * 1000:.1f} ms on {len(data)} bytes "
            f"(bound {bound * 1000:.1f} ms): {data[:64].hex()}..."
        )


OPS = (
    "flip",
    "byte",
    "truncate",
    "extend",
    "length",
    "length",
    "length",
    "type",
    "splice",
    "last",
)


@st.composite
def mutated(draw: st.DrawFn, t: Target) -> bytes:
    seed = draw(st.sampled_from(t.seeds))
    buf = bytearray(seed)
    fields = length_fields(seed, t.header)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(OPS))
        n = len(buf)
        if op == "flip" and n:
            i = draw(st.integers(0, n - 1))
            buf[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte" and n:
            i = draw(st.integers(0, n - 1))
            buf[i] = draw(st.sampled_from((0, 1, 3, 4, 0x7F, 0x80, 0xFF)) | st.integers(0, 255))
        elif op == "truncate":
            del buf[draw(st.integers(0, n)) :]
        elif op == "extend":
            buf += draw(st.binary(min_size=1, max_size=64))
        elif op == "length" and fields:
            f = draw(st.sampled_from(fields))
            set_length(buf, f, draw(st.sampled_from(length_values(f, read_length(buf, f)))))
        elif op == "type" and fields:
            f = draw(st.sampled_from(fields))
            if f.width == 2 and f.offset + 4 <= n:
                (atype,) = struct.unpack_from("=H", buf, f.offset + 2)
                new = draw(
                    st.sampled_from((atype ^ 0x8000, atype ^ 0x4000, 0, 0x3FFF, atype + 1))
                    | st.integers(0, 0xFFFF)
                )
                struct.pack_into("=H", buf, f.offset + 2, new & 0xFFFF)
        elif op == "last" and fields:
            # make one attribute the last, with a tiny payload (0-8 bytes): reads
            # of a fixed-size value past its end show up only there
            f = draw(st.sampled_from(fields))
            if f.width == 2 and f.offset + 4 <= n:
                k = draw(st.sampled_from((0, 1, 2, 3, 4, 8)))
                struct.pack_into("=H", buf, f.offset, 4 + k)
                del buf[f.offset + 4 + k :]
                buf += bytes(max(0, f.offset + 4 + k - len(buf)))
        elif op == "splice":
            other = draw(st.sampled_from(t.seeds))
            a = draw(st.integers(0, len(other)))
            b = draw(st.integers(a, min(len(other), a + 256)))
            i = draw(st.integers(0, n))
            buf[i:i] = other[a:b]
    return bytes(buf)


def test_every_parser_is_fuzzed() -> None:
    """Each public parse_* in rawns has a fuzz target (register new ones in targets.py)."""
    if os.environ.get("RAWNS_FUZZ_ONLY"):
        pytest.skip("RAWNS_FUZZ_ONLY selects a subset of the targets")
    assert unregistered_parsers() == []


@pytest.mark.parametrize("t", TARGETS, ids=lambda t: t.name)
def test_seeds_parse_cleanly(t: Target) -> None:
    """Unmutated kernel messages are accepted (else the mutations start from garbage)."""
    assert t.seeds, f"no seed messages for {t.name}"
    for s in t.seeds:
        t.call(s)


@pytest.mark.parametrize("t", TARGETS, ids=lambda t: t.name)
def test_mutated_messages_raise_only_decode_error(t: Target) -> None:
    @_FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        check(t, data.draw(mutated(t), label="input"))

    run()


@pytest.mark.parametrize("t", TARGETS, ids=lambda t: t.name)
def test_random_bytes_raise_only_decode_error(t: Target) -> None:
    prefixes = sorted({s[: t.header] for s in t.seeds if t.header})

    @settings(_FUZZ, max_examples=max(50, examples(300) // 4))
    @given(st.sampled_from(prefixes or [b""]), st.binary(max_size=512))
    def run(prefix: bytes, tail: bytes) -> None:
        check(t, prefix + tail)

    run()


def _huge_inputs(t: Target) -> list[bytes]:
    """Large, well-formed-looking inputs that punish any super-linear parsing."""
    out: list[bytes] = []
    seeds = sorted(set(t.seeds), key=len)[-3:]
    for s in seeds:
        fields = [f for f in length_fields(s, t.header) if f.width == 2]
        for f in fields[:: max(1, len(fields) // 12)]:
            m = multiply(s, t.header, f, max_count(s, t.header, f, 256 << 10))
            if m is not None:
                out.append(m)
    if t.header:
        head = sorted(set(t.seeds), key=len)[-1][: t.header]
        out.append(head + deep_nest(16000))  # nests 16k deep: no recursion limit hit
        out.append(head + struct.pack("=HH", 4, 1) * 65536)  # 64k empty attributes
        out.append(head + struct.pack("=HH", 8, 3) + b"ab\0\0" + struct.pack("=HH", 0xFFFF, 3))
    else:
        noop = struct.pack("=IHHII", 16, 1, 0, 1, 0)  # NLMSG_NOOP
        out.append(noop * 20000)
        ack = struct.pack("=IHHII", 36, 2, 0x100, 1, 0) + struct.pack("=i", 0) + bytes(16)
        out.append(ack * 10000)
        out.append(noop * 20000 + struct.pack("=IHHII", 0xFFFFFFFF, 3, 0, 1, 0))
    return out


@pytest.mark.parametrize("t", TARGETS, ids=lambda t: t.name)
def test_huge_counts_parse_in_linear_time(t: Target) -> None:
    inputs = _huge_inputs(t)
    assert inputs
    for data in inputs:
        check(t, data)
