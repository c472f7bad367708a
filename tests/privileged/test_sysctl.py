"""Per-namespace sysctls: writes land in the target namespace only.

The host's (root) namespace is only ever *read* here, before and after.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rawns import Handle, link, sysctl
from rawns.errors import InvalidArgument, NotFound
from rawns.link import Veth
from tests.conftest import run
from tests.privileged.aio_shim import both_drivers

#: Every test runs with the sync verbs and with their rawns.aio twins (issue 17).
driver = both_drivers("link", "sysctl")

IP_FORWARD = "/proc/sys/net/ipv4/ip_forward"


def _host_read(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def _read_in_other_thread(path: str) -> str:
    box: list[str] = []
    t = threading.Thread(target=lambda: box.append(_host_read(path)))
    t.start()
    t.join()
    return box[0]


def _thread_ns() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


def test_write_lands_in_the_namespace_not_the_callers(ns: Any, h: Handle) -> None:
    here = _thread_ns()
    host_before = _host_read(IP_FORWARD)
    host_before_thread = _read_in_other_thread(IP_FORWARD)
    assert sysctl.get(ns, "net.ipv4.ip_forward") == "0"  # a fresh namespace starts off
    new = "0" if host_before == "1" else "1"
    sysctl.set(ns, "net.ipv4.ip_forward", new)
    assert sysctl.get(ns, "net.ipv4.ip_forward") == new
    assert sysctl.get(h, "net.ipv4.ip_forward") == new
    assert sysctl.get(ns.name, "net.ipv4.ip_forward") == new
    # the outside oracle sees it inside the namespace ...
    out = run("ip", "netns", "exec", ns.name, "cat", IP_FORWARD).strip()
    assert out == new
    # ... and the caller's namespace did not change, seen from this thread and another one
    assert _host_read(IP_FORWARD) == host_before
    assert _read_in_other_thread(IP_FORWARD) == host_before_thread
    assert sysctl.get(None, "net.ipv4.ip_forward") == host_before  # None: read-only use here
    assert _thread_ns() == here


def test_ipv6_and_per_device_keys(ns: Any, h: Handle) -> None:
    link.add(h, Veth(name="v0", peer="v1"))
    host = _host_read("/proc/sys/net/ipv6/conf/all/forwarding")
    sysctl.set(h, "net.ipv6.conf.all.forwarding", True)
    assert sysctl.get(h, "net.ipv6.conf.all.forwarding") == "1"
    sysctl.set(h, "net.ipv4.conf.v0.rp_filter", 2)
    sysctl.set(h, ("net", "ipv4", "conf", "v0", "accept_local"), "1")
    assert sysctl.get(h, "net.ipv4.conf.v0.rp_filter") == "2"
    out = run("ip", "netns", "exec", ns.name, "sysctl", "-n", "net.ipv4.conf.v0.accept_local")
    assert out.strip() == "1"
    conf = sysctl.dump(h, "net.ipv4.conf.v0")
    assert conf["net.ipv4.conf.v0.rp_filter"] == "2"
    assert conf["net.ipv4.conf.v0.accept_local"] == "1"
    assert _host_read("/proc/sys/net/ipv6/conf/all/forwarding") == host
    assert not os.path.exists("/proc/sys/net/ipv4/conf/v0")  # v0 is not in the caller's namespace


def test_device_name_with_a_dot_needs_components(h: Handle) -> None:
    link.add(h, Veth(name="v0.10", peer="v1"))
    sysctl.set(h, ("net", "ipv4", "conf", "v0.10", "forwarding"), 1)
    assert sysctl.get(h, ("net", "ipv4", "conf", "v0.10", "forwarding")) == "1"
    with pytest.raises(NotFound):  # the dotted form means conf/v0/10/forwarding
        sysctl.get(h, "net.ipv4.conf.v0.10.forwarding")


def test_dump_keys_of_a_dotted_device_name_are_sysctls_own(ns: Any, h: Handle) -> None:
    """dump() writes a dot inside a component as '/', as sysctl(8) prints it, and
    get()/set() take those keys back; a device "v0" does not collide with "v0.10"."""
    link.add(h, Veth(name="v0.10", peer="v0"))
    sysctl.set(h, "net.ipv4.conf.v0/10.forwarding", 1)
    sysctl.set(h, "net.ipv4.conf.v0.forwarding", 0)
    conf = sysctl.dump(h, "net.ipv4.conf")
    assert conf["net.ipv4.conf.v0/10.forwarding"] == "1"
    assert conf["net.ipv4.conf.v0.forwarding"] == "0"
    assert not any(k.startswith("net.ipv4.conf.v0.10.") for k in conf)
    assert sysctl.get(h, ("net", "ipv4", "conf", "v0.10", "forwarding")) == "1"
    whole = sysctl.dump(h)
    for key, value in conf.items():  # every key names exactly the file it was read from
        assert whole[key] == value
    one = sysctl.dump(h, ("net", "ipv4", "conf", "v0.10", "forwarding"))
    assert one == {"net.ipv4.conf.v0/10.forwarding": "1"}
    # the outside oracle: sysctl(8) prints and takes the same keys
    shown = run("ip", "netns", "exec", ns.name, "sysctl", "net.ipv4.conf.v0/10.forwarding")
    assert shown.strip() == "net.ipv4.conf.v0/10.forwarding = 1"
    listed = run("ip", "netns", "exec", ns.name, "sysctl", "-a")
    theirs = dict(line.split(" = ", 1) for line in listed.splitlines() if " = " in line)
    # (sysctl -a hides the deprecated neigh.*.base_reachable_time and retrans_time)
    assert set() != {k for k in theirs if "v0/10" in k} <= {k for k in whole if "v0/10" in k}
    run("ip", "netns", "exec", ns.name, "sysctl", "-q", "-w", "net.ipv6.conf.v0/10.mtu=1400")
    assert sysctl.get(h, "net.ipv6.conf.v0/10.mtu") == "1400"


def test_the_docs_example_runs() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "sysctl.md").read_text()
    blocks = [b for b in re.findall(r"^```python\n(.*?)^```", page, re.S | re.M) if ">>>" not in b]
    assert blocks
    for i, code in enumerate(blocks):
        exec(compile(code, f"docs/sysctl.md#example{i}", "exec"), {"__name__": "__doc__"})  # noqa: S102 - our own docs


def test_two_namespaces_are_independent(make_ns: Callable[[], Any]) -> None:
    a, b = make_ns(), make_ns()
    sysctl.set(a, "net.ipv4.ip_forward", 1)
    assert sysctl.get(a, "net.ipv4.ip_forward") == "1"
    assert sysctl.get(b, "net.ipv4.ip_forward") == "0"
    sysctl.set(b, "net.ipv4.tcp_syncookies", 0)
    assert sysctl.get(a, "net.ipv4.tcp_syncookies") == "1"


@pytest.mark.parametrize(
    "key",
    [
        "net.ipv4..ip_forward",
        "net/ipv4/ip_forward",
        "/proc/sys/net/ipv4/ip_forward",
        "net.ipv4.conf.../../../../etc/passwd",
        ("net", "..", "..", "etc", "passwd"),
        ("net", "ipv4/../../kernel", "hostname"),
        "kernel.hostname",
        "fs.file-max",
        "net",
        "",
        "net.ipv4.ip_forward\0",
        ("net", "ipv4", ""),
    ],
)
def test_bad_keys_are_refused_before_anything_is_opened(ns: Any, key: Any) -> None:
    with pytest.raises(ValueError):
        sysctl.set(ns, key, "1")
    with pytest.raises(ValueError):
        sysctl.get(ns, key)


def test_kernel_refusals_map_to_exceptions(ns: Any, h: Handle) -> None:
    with pytest.raises(NotFound) as exc:
        sysctl.get(h, "net.ipv4.no_such_key")
    assert "net.ipv4.no_such_key" in str(exc.value)
    with pytest.raises(NotFound):
        sysctl.get(h, "net.ipv4.conf.nosuchdev.forwarding")
    with pytest.raises(InvalidArgument):
        sysctl.set(h, "net.ipv4.ip_forward", "not-a-number")
    with pytest.raises(ValueError, match="directory"):
        sysctl.get(h, "net.ipv4.conf")
    with pytest.raises(ValueError):
        sysctl.set(h, "net.ipv4.ip_forward", "1\0")
    with pytest.raises(TypeError):
        sysctl.set(h, "net.ipv4.ip_forward", 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):  # (an int is a pid since issue 14: test_netns_args.py)
        sysctl.get(4.2, "net.ipv4.ip_forward")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        sysctl.get("rawns-no-such-namespace", "net.ipv4.ip_forward")
    assert sysctl.get(h, "net.ipv4.ip_forward") == "0"


def test_dump_without_a_prefix_reads_the_whole_net_tree(ns: Any, h: Handle) -> None:
    """The default prefix "net" is the whole tree (it used to be refused as a key)."""
    sysctl.set(h, "net.ipv4.ip_forward", 1)
    everything = sysctl.dump(h)
    assert everything["net.ipv4.ip_forward"] == "1"
    assert "net.core.somaxconn" in everything
    assert all(k.startswith("net.") for k in everything)
