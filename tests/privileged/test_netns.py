"""Named namespaces interoperate with iproute2; handles and entered() stay in their lane."""

from __future__ import annotations

import os
import random
import threading
from typing import Any

import pytest

from rawns import Handle, link, netns
from rawns.errors import AlreadyExists, NotFound
from tests.conftest import ip_json, run, unique_name


def _fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_rawns_namespace_is_listed_and_usable_by_ip(ns: Any) -> None:
    assert ns.name in run("ip", "netns", "list")
    assert ns.name in netns.dump()
    # usable with ip netns exec: the namespace has its own loopback only
    out = run("ip", "netns", "exec", ns.name, "ip", "-j", "link", "show")
    assert [x["ifname"] for x in __import__("json").loads(out)] == ["lo"]


def test_namespace_made_by_ip_is_opened_by_rawns() -> None:
    name = unique_name()
    run("ip", "netns", "add", name)
    try:
        run("ip", "-n", name, "link", "add", "br-ip", "type", "bridge")
        with netns.open(name) as ns, Handle.open(netns=ns) as h:
            names = {lk.name for lk in link.dump(h)}
        assert names == {"lo", "br-ip"}
        with Handle.open(netns=name) as h2:
            assert link.get(h2, "br-ip").kind == "bridge"
    finally:
        run("ip", "netns", "del", name, check=False)


def test_handle_sees_only_its_namespace_links(make_ns: Any) -> None:
    a, b = make_ns(), make_ns()
    with Handle.open(netns=a) as ha, Handle.open(netns=b) as hb:
        link.add(ha, link.Bridge(name="only-in-a"))
        link.add(hb, link.Bridge(name="only-in-b"))
        for ns, h in ((a, ha), (b, hb)):
            ours = sorted((lk.index, lk.name) for lk in link.dump(h))
            theirs = sorted((x["ifindex"], x["ifname"]) for x in ip_json(ns.name, "link", "show"))
            assert ours == theirs
        assert "only-in-b" not in {lk.name for lk in link.dump(ha)}


def test_delete_removes_name_and_mount(make_ns: Any) -> None:
    ns = make_ns()
    netns.delete(ns.name)
    assert ns.name not in run("ip", "netns", "list")
    with open("/proc/self/mountinfo") as f:
        assert f"/run/netns/{ns.name} " not in f.read()
    with pytest.raises(FileNotFoundError):
        netns.delete(ns.name)


def test_create_existing_name_fails_and_keeps_the_original(ns: Any) -> None:
    with pytest.raises(FileExistsError):
        netns.create(ns.name)
    assert netns.exists(ns.name)
    with Handle.open(netns=ns) as h:
        assert [lk.name for lk in link.dump(h)] == ["lo"]


def test_context_manager_deletes_on_exit() -> None:
    name = unique_name()
    with netns.create(name):
        assert netns.exists(name)
    assert not netns.exists(name)


def test_open_by_path_pid_and_fd(ns: Any) -> None:
    me = netns.current()
    try:
        with netns.open(pid=os.getpid()) as by_pid:
            assert by_pid.inode() == me.inode()
        with netns.open(path=ns.path) as by_path, netns.open(fd=ns.fd) as by_fd:
            assert by_path.inode() == ns.inode() == by_fd.inode()
            assert by_fd.fd != ns.fd
    finally:
        me.close()


def test_open_unknown_name_is_not_found() -> None:
    with pytest.raises(FileNotFoundError, match="no network namespace named"):
        netns.open(unique_name())


def test_anonymous_namespace_lives_while_its_fd_is_open() -> None:
    with netns.new() as anon, Handle.open(netns=anon) as h:
        link.add(h, link.Bridge(name="anon-br"))
        assert {lk.name for lk in link.dump(h)} == {"lo", "anon-br"}
        assert anon.name is None
        assert anon.inode() != netns.current().inode()


def test_entered_restores_every_thread_even_when_raising(ns: Any) -> None:
    """1,000 entered() blocks over 8 threads, half raising: all threads end home, no fd leak."""
    home = os.stat("/proc/self/ns/net").st_ino
    before = _fd_count()
    errors: list[str] = []

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        start = os.stat("/proc/thread-self/ns/net").st_ino
        for i in range(125):
            try:
                with ns.entered():
                    inside = os.stat("/proc/thread-self/ns/net").st_ino
                    if inside != ns.inode():
                        errors.append(f"thread {seed} not inside at {i}")
                    if rnd.random() < 0.5:
                        raise RuntimeError("boom")
            except RuntimeError:
                pass
            if os.stat("/proc/thread-self/ns/net").st_ino != start:
                errors.append(f"thread {seed} not restored at {i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert os.stat("/proc/thread-self/ns/net").st_ino == home
    assert _fd_count() <= before


def test_handle_open_does_not_move_the_caller(ns: Any) -> None:
    home = os.stat("/proc/thread-self/ns/net").st_ino
    with Handle.open(netns=ns) as h:
        link.add(h, link.Bridge(name="x0"))
    assert os.stat("/proc/thread-self/ns/net").st_ino == home
    assert os.getpid() == os.getpid()  # no fork: we are the same process


def test_kernel_error_classes(h: Any) -> None:
    link.add(h, link.Bridge(name="dup0"))
    with pytest.raises(AlreadyExists) as ei:
        link.add(h, link.Bridge(name="dup0"))
    assert isinstance(ei.value, FileExistsError)
    assert str(ei.value).startswith("RTM_NEWLINK dup0: File exists (EEXIST)")
    with pytest.raises(NotFound) as nf:
        link.delete(h, "missing0")
    assert isinstance(nf.value, FileNotFoundError)
    assert "RTM_DELLINK missing0" in str(nf.value)


def test_kernel_extack_text_is_carried(h: Any) -> None:
    # An unknown link kind: the kernel answers EOPNOTSUPP with an extack message.
    from rawns._rtnl import IFLA, IFLA_INFO, NLM_F, RTM
    from rawns._wire import Writer
    from rawns.errors import KernelError

    w = Writer()
    w.begin(RTM.NEWLINK, flags=NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL)
    w.put_bytes_raw(bytes(16))
    w.put_strz(IFLA.IFNAME, "weird0")
    with w.nest(IFLA.LINKINFO):
        w.put_str(IFLA_INFO.KIND, "no-such-kind")
    w.end()
    with pytest.raises(KernelError) as ei:
        h.rtnl.request(w.data(), op="RTM_NEWLINK", target="weird0")
    assert ei.value.extack, "the kernel explains an unknown kind"
    assert ei.value.extack in str(ei.value)
    assert "RTM_NEWLINK weird0" in str(ei.value)


def test_closed_handle_refuses(ns: Any) -> None:
    h = Handle.open(netns=ns)
    h.close()
    h.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        link.dump(h)


def test_bad_names_touch_nothing(tmp_path: Any) -> None:
    before = sorted(os.listdir(tmp_path))
    for bad in ["", "..", "a/b", "../../etc", "x\0y", "a" * 300]:
        with pytest.raises(ValueError):
            netns.create(bad, run_dir=str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == before
