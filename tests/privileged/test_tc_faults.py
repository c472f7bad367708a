"""compose.limit_rate / limit_ingress under injected kernel refusals: nothing half-made.

:func:`rawns.transport.fail_nth_request` refuses the n-th exchange of a call
as if the kernel had said so. For every n up to the number of exchanges the
helper makes, the call raises that error and the namespace is as before, as
``ip -j`` and ``tc -j`` list it. "ifb absent" is the refusal of the ifb's
creation with EOPNOTSUPP (a kernel without the ifb module).
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

import pytest

from rawns import Handle, compose, link
from rawns.errors import KernelError, NotSupported
from rawns.link import Veth
from rawns.transport import fail_nth_request
from tests.privileged.kstate import diff, snapshot
from tests.privileged.tc_state import tc_oracle


def _state(ns: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Links (``ip -j -d link``) and tc objects (``tc -j``). Addresses and routes are
    left out: the kernel adds IPv6 link-local ones on its own after a link goes up."""
    return {"links": snapshot(ns.name)["links"]}, tc_oracle(ns.name)


def _same(ns: Any, before: tuple[dict[str, Any], dict[str, Any]], what: str) -> None:
    links, tcs = _state(ns)
    assert not diff(before[0], links), f"{what}: ip sees changes: {diff(before[0], links)}"
    assert tcs == before[1], f"{what}: tc sees changes"


@pytest.fixture
def veth(h: Handle) -> Handle:
    link.add(h, Veth(name="s0", peer="s1"))
    link.set(h, "s0", up=True)
    link.set(h, "s1", up=True)
    return h


def _limit_rate(h: Handle) -> bool:
    return compose.limit_rate(h, "s0", rate="8mbit", burst="32kb")


def _limit_ingress(h: Handle) -> bool:
    return compose.limit_ingress(h, "s0", rate="8mbit", burst="32kb", ifb="ifb-s0")


@pytest.mark.parametrize(
    "helper", [_limit_rate, _limit_ingress], ids=["limit_rate", "limit_ingress"]
)
def test_a_refusal_at_every_request_leaves_the_namespace_as_before(
    veth: Handle, ns: Any, helper: Callable[[Handle], bool]
) -> None:
    h = veth
    before = _state(ns)
    with fail_nth_request(1 << 62) as plan:
        assert helper(h) is True
    total = plan.count
    # undo the clean run, as the helper's own undo would (and check it is undone)
    from rawns import tc

    if helper is _limit_ingress:
        tc.qdisc.delete(h, dev="s0", kind="ingress")
        link.delete(h, "ifb-s0")
    else:
        tc.qdisc.delete(h, dev="s0", parent="root")
    _same(ns, before, "after undoing the clean run by hand")

    fired = []
    for n in range(1, total + 1):
        with fail_nth_request(n, errno.EPERM) as plan, pytest.raises(KernelError) as ei:
            helper(h)
        assert plan.fired is not None, f"exchange {n} of {total} never happened"
        assert ei.value.errno == errno.EPERM
        fired.append(plan.fired)
        _same(ns, before, f"refusing exchange {n} ({plan.fired})")
    assert len(fired) == total
    # the helper still works afterwards, and is idempotent
    assert helper(h) is True
    assert helper(h) is False


def test_ifb_absent_undoes_everything_and_says_not_supported(veth: Handle, ns: Any) -> None:
    """EOPNOTSUPP on the ifb's creation (RTM_NEWLINK): NotSupported, nothing left."""
    h = veth
    before = _state(ns)
    with fail_nth_request(1 << 62) as plan:
        assert _limit_ingress(h) is True
    total = plan.count
    from rawns import tc

    tc.qdisc.delete(h, dev="s0", kind="ingress")
    link.delete(h, "ifb-s0")
    _same(ns, before, "after undoing the clean run by hand")
    creation = None
    for n in range(1, total + 1):
        with fail_nth_request(n, errno.EOPNOTSUPP) as plan, pytest.raises(NotSupported) as ei:
            _limit_ingress(h)
        _same(ns, before, f"refusing exchange {n} ({plan.fired}) with EOPNOTSUPP")
        if plan.fired == "RTM_NEWLINK" and creation is None:
            creation = n  # the first RTM_NEWLINK makes the ifb (the next one sets it up)
            assert str(ei.value).startswith("RTM_NEWLINK")
            assert any("ip link add ifb-s0 type ifb" in x for x in ei.value.__notes__)
    assert creation is not None, "the ifb's creation (RTM_NEWLINK) was not among the exchanges"
