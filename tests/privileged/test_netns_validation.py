"""Errors that say what was wrong: the name, the value, the namespace, the way out.

Each test works in fresh namespaces; the machine's own namespace is only read.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from rawns import Handle, monitor, netns, sysctl
from rawns._rtnl import NLM_F, RTM
from rawns._wire import Writer
from rawns.errors import AlreadyExists, InvalidArgument, KernelError, NotFound, PermissionDenied
from tests.conftest import run, unique_name

ROOT = Path(__file__).resolve().parents[2]


def _dellink(name: str) -> bytes:
    """RTM_DELLINK by name, built by hand (this file tests errors, not rawns.link)."""
    w = Writer()
    w.begin(RTM.DELLINK, flags=NLM_F.REQUEST | NLM_F.ACK)
    w.put_bytes_raw(bytes(16))
    w.put_strz(3, name)  # IFLA_IFNAME
    w.end()
    return w.data()


def test_kernel_errors_name_the_namespace_when_it_is_not_the_callers(ns: Any) -> None:
    with Handle.open(netns=ns) as h, pytest.raises(NotFound) as ei:
        h.rtnl.request(_dellink("nope0"), op="RTM_DELLINK", target="nope0")
    e = ei.value
    assert e.netns == ns.name
    assert str(e) == f"RTM_DELLINK nope0: No such device (ENODEV) (in netns {ns.name!r})"
    back = pickle.loads(pickle.dumps(e))  # noqa: S301 - bytes pickled just above
    assert str(back) == str(e) and back.netns == ns.name
    # the nfnetlink channel, opened later, names it too
    with Handle.open(netns=ns.name) as h2:
        assert h2.nfnl.netns_label == ns.name
    # a handle on the caller's own namespace adds nothing
    with Handle.open() as mine, pytest.raises(NotFound) as ei2:
        mine.rtnl.request(_dellink("rawns-nope0"), op="RTM_DELLINK", target="rawns-nope0")
    assert ei2.value.netns is None
    assert str(ei2.value) == "RTM_DELLINK rawns-nope0: No such device (ENODEV)"


def test_creating_an_existing_name_says_which(ns: Any) -> None:
    with pytest.raises(AlreadyExists) as ei:
        netns.create(ns.name)
    assert isinstance(ei.value, FileExistsError)
    assert ns.name in str(ei.value) and "File exists (EEXIST)" in str(ei.value)
    assert netns.exists(ns.name)
    with Handle.open(netns=ns) as h:  # the original is untouched and usable
        assert h.netns_ident[1] == ns.inode()


def test_a_placeholder_never_mounted_is_refused_at_open_naming_it() -> None:
    name = unique_name("rawns-ph")
    Path(netns.NETNS_RUN_DIR, name).touch()
    try:
        for call in (lambda: netns.open(name), lambda: Handle.open(netns=name)):
            with pytest.raises(ValueError, match="not a network namespace") as ei:
                call()
            assert repr(name) in str(ei.value) and "netns.delete" in str(ei.value)
    finally:
        netns.delete(name)
    assert not netns.exists(name)


def test_open_by_path_or_fd_refuses_what_is_not_a_network_namespace(
    ns: Any, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    plain.write_text("")
    for path, text in [
        (str(plain), "plain file"),
        ("/proc/self/ns/mnt", "another type"),
        ("/proc/self/ns/user", "another type"),
        (str(tmp_path), "directory"),
    ]:
        with pytest.raises(ValueError, match=text) as ei:
            netns.open(path=path)
        assert repr(path) in str(ei.value)
    with open(plain, "rb") as f, pytest.raises(ValueError, match="plain file"):
        netns.open(fd=f.fileno())
    with netns.open(path=ns.path) as by_path, netns.open(fd=ns.fd) as by_fd:
        assert by_path.inode() == by_fd.inode() == ns.inode()


def test_handle_open_on_a_closed_netns_is_a_value_error(make_ns: Any) -> None:
    ns = make_ns()
    fds = len(os.listdir("/proc/self/fd"))
    ns.close()
    with pytest.raises(ValueError, match=r"netns .* is closed"):
        Handle.open(netns=ns)
    with pytest.raises(ValueError, match=r"netns .* is closed"):
        monitor.open(netns=ns)
    with pytest.raises(ValueError, match="closed"):
        sysctl.get(ns, "net.ipv4.ip_forward")
    assert len(os.listdir("/proc/self/fd")) == fds - 1


def test_sysctl_errors_name_key_value_and_namespace(ns: Any, h: Handle) -> None:
    with pytest.raises(InvalidArgument) as ei:
        sysctl.set(h, "net.ipv4.ip_forward", "abc")
    msg = str(ei.value)
    assert "net.ipv4.ip_forward='abc'" in msg and repr(ns.name) in msg
    with pytest.raises(NotFound) as nf:
        sysctl.set(ns.name, "net.ipv4.conf.nope0.forwarding", 1)
    assert "net.ipv4.conf.nope0.forwarding='1'" in str(nf.value) and ns.name in str(nf.value)
    for value in ("1\n0", "1\0", ""):
        with pytest.raises(ValueError):
            sysctl.set(h, "net.ipv4.ip_forward", value)
    assert sysctl.get(h, "net.ipv4.ip_forward") == "0"


def test_resync_refuses_a_handle_on_another_namespace(make_ns: Any) -> None:
    a, b = make_ns(), make_ns()
    with monitor.open(netns=a, groups=("link",)) as mon, Handle.open(netns=b) as hb:
        with Handle.open(netns=a) as ha:
            assert mon.netns_ident == ha.netns_ident
            assert [lk.name for lk in mon.resync(ha).links] == ["lo"]
        with pytest.raises(ValueError) as ei:
            mon.resync(hb)
        msg = str(ei.value)
        assert repr(a.name) in msg and repr(b.name) in msg
        with pytest.raises(TypeError, match="Netns"):
            mon.resync(a)
        closed = Handle.open(netns=a)
        closed.close()
        with pytest.raises(ValueError, match="closed"):
            mon.resync(closed)
        assert [lk.name for lk in mon.resync().links] == ["lo"]
    with (
        monitor.open(groups=("link",)) as mine,
        Handle.open(netns=a) as ha2,
        pytest.raises(ValueError, match="the caller's namespace"),
    ):
        mine.resync(ha2)


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv to drop root")
def test_a_plain_user_is_told_about_root_and_rootless(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[1])
        from rawns import netns
        from rawns.errors import PermissionDenied
        for call in (lambda: netns.create(sys.argv[2]), netns.new):
            try:
                call()
            except PermissionDenied as e:
                assert isinstance(e, PermissionError)
                print(e)
        """
    )
    name = unique_name("rawns-user")
    p = subprocess.run(
        [
            *("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
            *(sys.executable, "-c", code, str(ROOT), name),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if "Permission denied" in p.stderr and "python" in p.stderr.lower():
        pytest.skip("the interpreter is not readable by nobody")
    lines = p.stdout.splitlines()
    assert len(lines) == 2, p.stdout + p.stderr
    assert lines[0].startswith(f"netns create {name}: ")
    assert lines[1].startswith("netns new ")
    for line in lines:
        assert "run as root" in line and "rawns.rootless.enter()" in line
    assert not netns.exists(name)
    assert name not in run("ip", "netns", "list")


def test_permission_denied_carries_the_hint_in_its_message() -> None:
    e = PermissionDenied(1, op="netns create", target="red", hint="run as root")
    assert str(e) == "netns create red: Operation not permitted (EPERM); run as root"
    assert isinstance(e, KernelError) and isinstance(e, PermissionError)
