"""Every argument of netns.*, Handle.open, sysctl.*, monitor.* and probe.* is checked first.

A wrong type is a TypeError, a wrong value a ValueError; each message names
the argument or shows the value, and nothing was opened, created or sent
(no new descriptor, nothing new under the run_dir). No root needed: every
call here fails before it could touch anything.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rawns import Handle, monitor, netns, probe, sysctl

BIG = [2**31, 2**32, 2**64, -1]


def _closed() -> netns.Netns:
    ns = netns.current()
    ns.close()
    return ns


@pytest.fixture
def run_dir(tmp_path: Path) -> Iterator[str]:
    d = tmp_path / "netns"
    yield str(d)
    assert not d.exists(), "a refused call created the run_dir"


# (label, call(run_dir), exception, text the message must contain)
Case = tuple[str, Callable[[str], object], type[Exception], str]

CASES: list[Case] = [
    # netns.create / delete / exists / open(name=)
    *[
        (f"{verb} name={bad!r}", call, exc, text)
        for verb, call_of in [
            ("create", lambda b: lambda rd: netns.create(b, run_dir=rd)),
            ("delete", lambda b: lambda rd: netns.delete(b, run_dir=rd)),
            ("exists", lambda b: lambda rd: netns.exists(b, run_dir=rd)),
            ("open", lambda b: lambda rd: netns.open(b, run_dir=rd)),
            ("Handle.open", lambda b: lambda rd: Handle.open(netns=b)),
            ("monitor.open", lambda b: lambda rd: monitor.open(netns=b)),
            ("sysctl.get", lambda b: lambda rd: sysctl.get(b, "net.ipv4.ip_forward")),
        ]
        for bad, exc, text in [
            ("a%b", ValueError, "'a%b'"),
            ("a\0b", ValueError, "'a\\x00b'"),
            ("a/b", ValueError, "'a/b'"),
            ("..", ValueError, "'..'"),
            ("x" * 256, ValueError, "256 bytes"),
            ("\udc80", ValueError, "'\\udc80'"),
            ("", ValueError, "empty"),
            (b"red", TypeError, "b'red'"),
            (7, TypeError, "7"),
        ]
        if not (verb in ("Handle.open", "monitor.open", "sysctl.get") and isinstance(bad, int))
        for call in [call_of(bad)]
    ],
    (
        "Handle.open path='/nonexistent/ns'",
        lambda rd: Handle.open(netns="/nonexistent/ns"),
        FileNotFoundError,
        "'/nonexistent/ns'",
    ),
    (
        "Handle.open path='/proc/self/stat'",
        lambda rd: Handle.open(netns="/proc/self/stat"),
        ValueError,
        "'/proc/self/stat'",
    ),
    ("Handle.open pid=0", lambda rd: Handle.open(netns=0), ValueError, "0"),
    # run_dir
    *[
        (f"{verb} run_dir={bad!r}", call, exc, text)
        for bad, exc, text in [
            ("relative/dir", ValueError, "'relative/dir'"),
            ("", ValueError, "run_dir"),
            ("/run/ne\0tns", ValueError, "'/run/ne\\x00tns'"),
            (None, TypeError, "None"),
            (5, TypeError, "5"),
        ]
        for verb, call in [
            ("create", lambda rd, b=bad: netns.create("red", run_dir=b)),
            ("delete", lambda rd, b=bad: netns.delete("red", run_dir=b)),
            ("exists", lambda rd, b=bad: netns.exists("red", run_dir=b)),
            ("open", lambda rd, b=bad: netns.open("red", run_dir=b)),
            ("dump", lambda rd, b=bad: netns.dump(run_dir=b)),
            ("delete_stale", lambda rd, b=bad: netns.delete_stale("rawns-x", run_dir=b)),
        ]
    ],
    (
        "create delete_on_exit=1",
        lambda rd: netns.create("r", run_dir=rd, delete_on_exit=1),
        TypeError,
        "delete_on_exit",
    ),
    (
        "create delete_on_exit='no'",
        lambda rd: netns.create("r", run_dir=rd, delete_on_exit="no"),
        TypeError,
        "'no'",
    ),
    # open: exactly one of name, path, pid, fd
    ("open()", lambda rd: netns.open(run_dir=rd), TypeError, "got none"),
    ("open(name, pid)", lambda rd: netns.open("r", pid=1, run_dir=rd), TypeError, "name, pid"),
    *[
        (f"open pid={b!r}", lambda rd, b=b: netns.open(pid=b), ValueError, str(b))
        for b in [0, *BIG]
    ],
    *[(f"open fd={b!r}", lambda rd, b=b: netns.open(fd=b), ValueError, str(b)) for b in BIG],
    *[
        (f"open {k}={b!r}", lambda rd, k=k, b=b: netns.open(**{k: b}), TypeError, repr(b))
        for k in ("pid", "fd")
        for b in (True, 1.0, "1", [1])
    ],
    ("open fd=closed", lambda rd: netns.open(fd=_free_fd()), ValueError, "not an open descriptor"),
    ("open path=''", lambda rd: netns.open(path=""), ValueError, "path"),
    ("open path=NUL", lambda rd: netns.open(path="/a\0b"), ValueError, "'/a\\x00b'"),
    ("open path=5", lambda rd: netns.open(path=5), TypeError, "5"),
    ("open path=file", lambda rd: netns.open(path=__file__), ValueError, repr(__file__)),
    ("open path=dir", lambda rd: netns.open(path="/"), ValueError, "directory"),
    (
        "open path=mnt ns",
        lambda rd: netns.open(path="/proc/self/ns/mnt"),
        ValueError,
        "another type",
    ),
    (
        "open path=uts ns",
        lambda rd: netns.open(path="/proc/self/ns/uts"),
        ValueError,
        "'/proc/self/ns/uts'",
    ),
    (
        "open path=/dev/null",
        lambda rd: netns.open(path="/dev/null"),
        ValueError,
        "not a regular file",
    ),
    ("open fd=file", lambda rd: netns.open(fd=_regular_fd()), ValueError, "plain file"),
    # dump / delete_stale prefixes
    ("dump prefix=None", lambda rd: netns.dump(run_dir=rd, prefix=None), TypeError, "None"),
    ("dump prefix='a/'", lambda rd: netns.dump(run_dir=rd, prefix="a/"), ValueError, "'a/'"),
    ("delete_stale ''", lambda rd: netns.delete_stale("", run_dir=rd), ValueError, "too short"),
    ("delete_stale 'abc'", lambda rd: netns.delete_stale("abc", run_dir=rd), ValueError, "'abc'"),
    (
        "delete_stale NUL",
        lambda rd: netns.delete_stale("abcd\0", run_dir=rd),
        ValueError,
        "'abcd\\x00'",
    ),
    # Netns itself, run_in, Netns.run
    ("Netns(fd=-2)", lambda rd: netns.Netns(-2), ValueError, "-2"),
    ("Netns(fd=1.5)", lambda rd: netns.Netns(1.5), TypeError, "1.5"),
    ("Netns(fd=file)", lambda rd: netns.Netns(_regular_fd()), ValueError, "plain file"),
    ("Netns(name='a/b')", lambda rd: netns.Netns(name="a/b"), ValueError, "'a/b'"),
    ("Netns(delete_on_exit=1)", lambda rd: netns.Netns(delete_on_exit=1), TypeError, "1"),
    ("run_in(5)", lambda rd: netns.run_in(5, lambda: 1), TypeError, "5"),
    ("run_in(closed)", lambda rd: netns.run_in(_closed(), lambda: 1), ValueError, "closed"),
    ("run_in(fn=5)", lambda rd: netns.run_in(None, 5), TypeError, "5"),
    ("closed.entered()", lambda rd: _closed().entered().__enter__(), ValueError, "closed"),
    ("closed.dup()", lambda rd: _closed().dup(), ValueError, "closed"),
    ("anonymous.delete()", lambda rd: netns.Netns().delete(), ValueError, "anonymous"),
    # Handle.open
    ("Handle.open(closed)", lambda rd: Handle.open(netns=_closed()), ValueError, "closed"),
    # an int is a pid (issue 14: one namespace argument type); out of range is refused
    ("Handle.open(2**31)", lambda rd: Handle.open(netns=2**31), ValueError, "2147483648"),
    ("Handle.open(True)", lambda rd: Handle.open(netns=True), TypeError, "True"),
    ("Handle.open(b'x')", lambda rd: Handle.open(netns=b"x"), TypeError, "b'x'"),
    # sysctl
    # (an int is a pid since issue 14; a float is still no namespace)
    ("sysctl where=5", lambda rd: sysctl.get(5.5, "net.ipv4.ip_forward"), TypeError, "5.5"),
    (
        "sysctl where=closed",
        lambda rd: sysctl.get(_closed(), "net.ipv4.ip_forward"),
        ValueError,
        "closed",
    ),
    (
        "sysctl set NUL",
        lambda rd: sysctl.set(None, "net.ipv4.ip_forward", "1\0"),
        ValueError,
        "'1\\x00'",
    ),
    (
        "sysctl set newline",
        lambda rd: sysctl.set(None, "net.ipv4.ip_forward", "1\n0"),
        ValueError,
        "'1\\n0'",
    ),
    (
        "sysctl set empty",
        lambda rd: sysctl.set(None, "net.ipv4.ip_forward", ""),
        ValueError,
        "empty",
    ),
    (
        "sysctl set surrogate",
        lambda rd: sysctl.set(None, "net.ipv4.ip_forward", "\udc80"),
        ValueError,
        "'\\udc80'",
    ),
    (
        "sysctl set long",
        lambda rd: sysctl.set(None, "net.ipv4.ip_forward", "1" * 4096),
        ValueError,
        "4096 bytes",
    ),
    (
        "sysctl set 2**20000",
        lambda rd: sysctl.set(None, "net.ipv4.ip_forward", 2**20000),
        ValueError,
        "bits",
    ),
    ("sysctl set 1.0", lambda rd: sysctl.set(None, "net.ipv4.ip_forward", 1.0), TypeError, "1.0"),
    (
        "sysctl set None",
        lambda rd: sysctl.set(None, "net.ipv4.ip_forward", None),
        TypeError,
        "None",
    ),
    (
        "sysctl set b'1'",
        lambda rd: sysctl.set(None, "net.ipv4.ip_forward", b"1"),
        TypeError,
        "b'1'",
    ),
    (
        "sysctl key 300 bytes",
        lambda rd: sysctl.get(None, "net.ipv4." + "x" * 300),
        ValueError,
        "300 bytes",
    ),
    (
        "sysctl key surrogate",
        lambda rd: sysctl.get(None, "net.ipv4.\udc80"),
        ValueError,
        "'\\udc80'",
    ),
    ("sysctl key [net, 4]", lambda rd: sysctl.get(None, ["net", 4]), TypeError, "4"),
    ("sysctl key b'net.x'", lambda rd: sysctl.get(None, b"net.x"), TypeError, "b'net.x'"),
    ("sysctl dump prefix NUL", lambda rd: sysctl.dump(None, "net.a\0"), ValueError, "NUL"),
    # monitor
    ("monitor groups=None", lambda rd: monitor.open(groups=None), TypeError, "None"),
    ("monitor groups=b'link'", lambda rd: monitor.open(groups=b"link"), TypeError, "b'link'"),
    ("monitor groups=[]", lambda rd: monitor.open(groups=[]), ValueError, "at least one"),
    (
        "monitor groups=['li\\0nk']",
        lambda rd: monitor.open(groups=["li\0nk"]),
        ValueError,
        "'li\\x00nk'",
    ),
    *[
        (f"monitor groups=[{g!r}]", lambda rd, g=g: monitor.open(groups=[g]), ValueError, str(g))
        for g in [0, 37, *BIG]
    ],
    ("monitor groups=[1.0]", lambda rd: monitor.open(groups=[1.0]), TypeError, "1.0"),
    ("monitor groups=[True]", lambda rd: monitor.open(groups=[True]), TypeError, "True"),
    *[
        (f"monitor rcvbuf={b!r}", lambda rd, b=b: monitor.open(rcvbuf=b), ValueError, str(b))
        for b in [0, *BIG]
    ],
    ("monitor rcvbuf=1.0", lambda rd: monitor.open(rcvbuf=1.0), TypeError, "1.0"),
    ("monitor strict='no'", lambda rd: monitor.open(strict="no"), TypeError, "'no'"),
    ("monitor netns=closed", lambda rd: monitor.open(netns=_closed()), ValueError, "closed"),
    # probe
    (
        "tcp_check host",
        lambda rd: probe.tcp_check(None, "10.0.0.256", 80),
        ValueError,
        "'10.0.0.256'",
    ),
    ("tcp_check host=5", lambda rd: probe.tcp_check(None, 5, 80), TypeError, "5"),
    *[
        (
            f"tcp_check port={p!r}",
            lambda rd, p=p: probe.tcp_check(None, "127.0.0.1", p),
            ValueError,
            str(p),
        )
        for p in [0, 65536, *BIG]
    ],
    (
        "tcp_check timeout=nan",
        lambda rd: probe.tcp_check(None, "127.0.0.1", 80, timeout=float("nan")),
        ValueError,
        "nan",
    ),
    (
        "tcp_check timeout=0",
        lambda rd: probe.tcp_check(None, "127.0.0.1", 80, timeout=0),
        ValueError,
        "timeout",
    ),
    ("tcp_check ns=5", lambda rd: probe.tcp_check(5, "127.0.0.1", 80), TypeError, "5"),
    (
        "TcpServer name",
        lambda rd: probe.TcpServer(None, "127.0.0.1", 80, name="a b"),
        ValueError,
        "'a b'",
    ),
]


def _free_fd() -> int:
    fd = os.open("/dev/null", os.O_RDONLY)
    os.close(fd)
    return fd


_KEEP: list[Any] = []


def _regular_fd() -> int:
    """One fd on a plain file, opened once and kept for the whole run."""
    if not _KEEP:
        _KEEP.append(open(__file__, "rb"))  # noqa: SIM115 - kept open on purpose
    return int(_KEEP[0].fileno())


def _fds() -> set[str]:
    gc.collect()
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize(("label", "call", "exc", "text"), CASES, ids=[c[0] for c in CASES])
def test_bad_argument_is_refused_naming_it_before_anything_is_touched(
    run_dir: str, label: str, call: Callable[[str], object], exc: type[Exception], text: str
) -> None:
    _regular_fd()
    before = _fds()
    with pytest.raises(exc) as ei:
        call(run_dir)
    assert type(ei.value) in (exc, *exc.__subclasses__()), f"{label}: {ei.value!r}"
    assert text in str(ei.value), f"{label}: {ei.value}"
    assert _fds() <= before, f"{label} left a descriptor open"


def test_the_table_covers_every_public_verb_of_these_modules() -> None:
    covered = " ".join(c[0] for c in CASES)
    for verb in ("create", "delete", "exists", "open", "dump", "delete_stale", "run_in", "Netns("):
        assert verb in covered
    assert len(CASES) > 150


def test_validate_name_refuses_percent_like_an_interface_name() -> None:
    with pytest.raises(ValueError, match="'%'"):
        netns.validate_name("eth%d")
