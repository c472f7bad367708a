"""The error model: one errno table, builtin bases, message format, pickling."""

from __future__ import annotations

import ast
import errno
import os
import pickle
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns import errors
from rawns.errors import (
    AlreadyExists,
    Busy,
    DecodeError,
    DumpInterrupted,
    InvalidArgument,
    KernelError,
    NotFound,
    NotSupported,
    PermissionDenied,
    RawnsError,
    kernel_error,
)

# errno -> (rawns class, the builtin OSError subclass it must also be, if any)
TABLE: dict[int, tuple[type[KernelError], type[OSError] | None]] = {
    errno.EEXIST: (AlreadyExists, FileExistsError),
    errno.ENOENT: (NotFound, FileNotFoundError),
    errno.ENODEV: (NotFound, FileNotFoundError),
    errno.ESRCH: (NotFound, FileNotFoundError),
    errno.EADDRNOTAVAIL: (NotFound, FileNotFoundError),
    errno.EPERM: (PermissionDenied, PermissionError),
    errno.EACCES: (PermissionDenied, PermissionError),
    errno.EBUSY: (Busy, None),
    errno.EOPNOTSUPP: (NotSupported, None),
    errno.EAFNOSUPPORT: (NotSupported, None),
    errno.EPROTONOSUPPORT: (NotSupported, None),
    errno.EINVAL: (InvalidArgument, None),
    errno.ERANGE: (InvalidArgument, None),
    errno.ENETUNREACH: (InvalidArgument, None),
    errno.EHOSTUNREACH: (InvalidArgument, None),
}

E = TypeVar("E", bound=BaseException)


def repickle(e: E, protocol: int = pickle.DEFAULT_PROTOCOL) -> E:
    # S301: these are bytes this test just pickled, not untrusted input.
    back: E = pickle.loads(pickle.dumps(e, protocol=protocol))  # noqa: S301
    return back


ALL_CLASSES = [
    KernelError,
    AlreadyExists,
    NotFound,
    PermissionDenied,
    Busy,
    NotSupported,
    InvalidArgument,
]


@pytest.mark.parametrize("err", sorted(TABLE), ids=lambda e: errno.errorcode[e])
def test_errno_maps_to_its_class(err: int) -> None:
    cls, builtin = TABLE[err]
    e = kernel_error(err, op="RTM_NEWLINK", target="veth-red")
    assert type(e) is cls
    assert isinstance(e, KernelError)
    assert isinstance(e, RawnsError)
    assert isinstance(e, OSError)
    if builtin is not None:
        assert isinstance(e, builtin)
    assert e.errno == err
    assert e.strerror == os.strerror(err)


def test_the_table_in_the_library_is_the_one_tested() -> None:
    assert {k: v for k, v in errors._BY_ERRNO.items()} == {k: v[0] for k, v in TABLE.items()}


def test_builtin_except_clauses_catch_kernel_errors() -> None:
    with pytest.raises(FileExistsError):
        raise kernel_error(errno.EEXIST)
    with pytest.raises(FileNotFoundError):
        raise kernel_error(errno.ENODEV)
    with pytest.raises(PermissionError):
        raise kernel_error(errno.EPERM)
    assert issubclass(AlreadyExists, FileExistsError)
    assert issubclass(NotFound, FileNotFoundError)
    assert issubclass(PermissionDenied, PermissionError)


@pytest.mark.parametrize("err", [errno.EMSGSIZE, errno.ENOBUFS, errno.ENOSPC, errno.E2BIG, 4095])
def test_unmapped_errno_is_a_plain_kernel_error(err: int) -> None:
    e = kernel_error(err)
    assert type(e) is KernelError
    assert isinstance(e, OSError) and e.errno == err


def test_str_names_op_target_errno_and_extack() -> None:
    e = kernel_error(errno.EEXIST, op="RTM_NEWLINK", target="veth-red", extack="Link exists")
    assert str(e) == "RTM_NEWLINK veth-red: File exists (EEXIST): Link exists"


@pytest.mark.parametrize(
    ("kw", "text"),
    [
        ({"op": "RTM_NEWLINK", "target": "veth-red"}, "RTM_NEWLINK veth-red: File exists (EEXIST)"),
        ({"op": "RTM_NEWLINK"}, "RTM_NEWLINK: File exists (EEXIST)"),
        ({"target": "veth-red"}, "veth-red: File exists (EEXIST)"),
        ({}, "File exists (EEXIST)"),
        ({"extack": "x"}, "File exists (EEXIST): x"),
        ({"extack": ""}, "File exists (EEXIST)"),
    ],
)
def test_str_leaves_out_missing_parts(kw: dict[str, Any], text: str) -> None:
    assert str(kernel_error(errno.EEXIST, **kw)) == text


@pytest.mark.parametrize(
    ("kw", "text"),
    [
        (
            {"op": "RTM_NEWLINK", "target": "v0", "netns": "red"},
            "RTM_NEWLINK v0: File exists (EEXIST) (in netns 'red')",
        ),
        (
            {"op": "RTM_NEWLINK", "target": "v0", "extack": "Link exists", "netns": "red"},
            "RTM_NEWLINK v0: File exists (EEXIST): Link exists (in netns 'red')",
        ),
        (
            {"op": "netns create", "target": "red", "hint": "run as root"},
            "netns create red: File exists (EEXIST); run as root",
        ),
        ({"netns": "", "hint": ""}, "File exists (EEXIST)"),
    ],
)
def test_str_names_the_namespace_and_the_hint_last(kw: dict[str, Any], text: str) -> None:
    e = kernel_error(errno.EEXIST, **kw)
    assert str(e) == text
    assert (e.netns, e.hint) == (kw.get("netns"), kw.get("hint"))
    assert str(repickle(e)) == text and repickle(e).netns == e.netns


def test_str_of_an_errno_without_a_name() -> None:
    assert "(4000)" in str(kernel_error(4000, op="X"))


def test_attributes() -> None:
    e = kernel_error(
        errno.EINVAL, op="RTM_NEWROUTE", target="default", extack="bad", seq=12, offset=40
    )
    assert (e.op, e.target, e.extack, e.seq, e.offset) == ("RTM_NEWROUTE", "default", "bad", 12, 40)
    assert e.args == (errno.EINVAL, os.strerror(errno.EINVAL))
    assert e.filename is None


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_pickle_round_trip(cls: type[KernelError]) -> None:
    e = cls(
        errno.EEXIST,
        op="RTM_NEWLINK",
        target="veth-red",
        extack="exists",
        seq=3,
        offset=20,
        netns="red",
        hint="look",
    )
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        back = repickle(e, proto)
        assert type(back) is cls
        assert (back.netns, back.hint) == ("red", "look")
        assert (back.errno, back.strerror) == (e.errno, e.strerror)
        assert (back.op, back.target, back.extack, back.seq, back.offset) == (
            "RTM_NEWLINK",
            "veth-red",
            "exists",
            3,
            20,
        )
        assert str(back) == str(e)


@settings(max_examples=200, deadline=None)
@given(
    err=st.integers(1, 4095),
    op=st.sampled_from(["", "RTM_NEWLINK", "NFT_MSG_NEWRULE"]),
    target=st.text(max_size=15),
    extack=st.none() | st.text(max_size=60),
    seq=st.none() | st.integers(0, 0xFFFFFFFF),
)
def test_any_errno_extack_pair(
    err: int, op: str, target: str, extack: str | None, seq: int | None
) -> None:
    e = kernel_error(err, op=op, target=target, extack=extack, seq=seq)
    expected = TABLE.get(err, (KernelError, None))[0]
    assert type(e) is expected
    assert e.errno == err and e.extack == extack and e.seq == seq
    text = str(e)
    assert f"{os.strerror(err)} ({errno.errorcode.get(err, str(err))})" in text
    if extack:
        assert text.endswith(": " + extack)
    back = repickle(e)
    assert type(back) is expected and str(back) == text


def test_dump_interrupted_carries_the_partial_result() -> None:
    partial = [object(), object()]
    e = DumpInterrupted("RTM_GETROUTE", 4, partial)
    assert e.partial is partial
    assert (e.op, e.attempts) == ("RTM_GETROUTE", 4)
    assert isinstance(e, RawnsError)
    assert not isinstance(e, OSError)
    assert "RTM_GETROUTE" in str(e) and "4 times" in str(e) and "2 objects" in str(e)


def test_decode_error_is_a_value_error_with_an_offset() -> None:
    e = DecodeError("truncated", offset=12)
    assert isinstance(e, ValueError) and isinstance(e, RawnsError)
    assert not isinstance(e, OSError)
    assert e.offset == 12
    assert str(e) == "truncated (at byte 12)"
    assert DecodeError("x").offset is None and str(DecodeError("x")) == "x"
    e.add_note("in IFLA_LINKINFO")
    assert e.__notes__ == ["in IFLA_LINKINFO"]


def test_every_error_is_a_rawns_error() -> None:
    for cls in [*ALL_CLASSES, DumpInterrupted, DecodeError]:
        assert issubclass(cls, RawnsError)
    assert not issubclass(RawnsError, OSError)


def test_errors_module_imports_nothing_from_rawns() -> None:
    tree = ast.parse(Path(errors.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0 and not (node.module or "").startswith("rawns"), node.module
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("rawns") for a in node.names)
