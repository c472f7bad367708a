"""Name lookups by SIOCGIFINDEX (rawns._ifreq), the IfIndex exchange and its fallback.

A netlink socket answers the ioctl for its own namespace; here, the caller's,
only read (its ``lo`` is index 1 in every namespace). Nothing is changed.
"""

from __future__ import annotations

import errno
from typing import Any

import pytest

from rawns import Handle, link, transport
from rawns._ifreq import ifindex_by_ioctl
from rawns._plan import IfIndex, Request
from rawns.errors import KernelError, NotFound
from rawns.link._verbs import Resolver, built, resolve_index_plan

MISSING = "rawns-nx-7q2z"  # 13 bytes: an ifreq carries it; no link is named so


@pytest.fixture
def h() -> Any:
    with Handle.open() as handle:
        yield handle


def test_the_ioctl_finds_lo_and_says_enodev_for_a_missing_name(h: Handle) -> None:
    fd = h.rtnl.sock.fileno()
    assert ifindex_by_ioctl(fd, "lo", None) == 1
    assert h.rtnl.ifindex("lo") == 1
    with pytest.raises(NotFound) as e:
        h.rtnl.ifindex(MISSING)
    assert e.value.errno == errno.ENODEV
    assert e.value.op == "SIOCGIFINDEX" and e.value.target == MISSING


@pytest.mark.parametrize(
    "name",
    [
        "x" * 16,  # IFNAMSIZ bytes: no room for the NUL (a long altname)
        "é" * 8,  # 16 bytes in UTF-8, 8 characters
        "x" * 127,
        "lo\0x",  # NUL would cut it to "lo": never asked this way
        "\udcff",  # not encodable
    ],
)
def test_what_an_ifreq_cannot_carry_is_left_to_rtm_getlink(h: Handle, name: str) -> None:
    assert ifindex_by_ioctl(h.rtnl.sock.fileno(), name, None) is None


def test_a_15_byte_name_is_asked_by_ioctl(h: Handle) -> None:
    with pytest.raises(NotFound):
        h.rtnl.ifindex("y" * 15)


def test_the_plan_asks_by_ioctl_then_by_rtm_getlink_when_the_channel_cannot() -> None:
    with Handle.open() as h:
        plan = resolve_index_plan(h, "lo")
        op = next(plan)
        assert isinstance(op, IfIndex) and op.name == "lo"
        with pytest.raises(StopIteration) as stop:
            plan.send(1)
        assert stop.value.value == 1
        plan = resolve_index_plan(h, "lo")
        next(plan)
        fallback = plan.send(None)  # the channel could not ask
        assert isinstance(fallback, Request) and fallback.op == "RTM_GETLINK"
        plan.close()
    assert IfIndex("lo").sync(object()) is None  # type: ignore[arg-type]  # no ifindex


def test_an_index_or_a_resolver_hit_asks_nothing() -> None:
    with Handle.open() as h:
        with pytest.raises(StopIteration) as stop:
            next(resolve_index_plan(h, 7))
        assert stop.value.value == 7
        resolve = Resolver(h)
        plan = built(resolve, lambda: resolve("lo", "dev"))
        assert isinstance(next(plan), IfIndex)
        with pytest.raises(StopIteration) as stop:
            plan.send(1)
        assert stop.value.value == 1
        assert resolve("lo", "dev") == 1  # learnt: asked once per verb call


def test_a_closed_handle_refuses_the_lookup() -> None:
    h = Handle.open()
    ch = h.rtnl
    h.close()
    with pytest.raises(ValueError, match="closed"):
        ch.ifindex("lo")


def test_the_lookup_is_an_exchange_for_fault_injection(h: Handle) -> None:
    with transport.fail_nth_request(1, errno.EPERM) as plan, pytest.raises(KernelError) as e:
        link.resolve_index(h, "lo")  # read-only: this namespace is the caller's
    assert plan.fired == "SIOCGIFINDEX" and e.value.errno == errno.EPERM
