"""Bandwidth helpers: the two halves of the CNI ``bandwidth`` plugin, from the tc verbs.

:func:`limit_rate` shapes what ``dev`` sends (a tbf root qdisc);
:func:`limit_ingress` shapes what it receives (an ifb device, an ingress
qdisc whose u32 filter redirects everything to the ifb, and a tbf there).
Both are idempotent (an identical setup is left alone and returns False; a
different non-default qdisc in the way is a :class:`~rawns.errors.Conflict`)
and atomic with undo: a failed step undoes the ones before it.
"""

from __future__ import annotations

from .. import _check, link
from ..errors import Conflict
from ..handle import Handle
from ..link import Ifb
from ..tc import U32, Filter, Ingress, Mirred, Qdisc, Tbf, filter, qdisc, u32_match
from ..tc._handle import INGRESS, ROOT
from ._ensure import _ensure_link
from ._steps import Step, run_steps

__all__ = ["limit_ingress", "limit_rate"]


def _same_tbf(have: object, want: Tbf) -> bool:
    """A dumped tbf is the wanted one: the kernel keeps the burst as ticks, so it reads
    back within a byte or so of what was asked (tc_calc_xmitsize)."""
    return (
        isinstance(have, Tbf)
        and (have.rate, have.limit, have.peakrate) == (want.rate, want.limit, want.peakrate)
        and abs(have.burst - want.burst) <= max(2, want.burst // 1000)
    )


def _root(h: Handle, dev: int) -> Qdisc | None:
    """The root qdisc of ``dev`` unless it is the kernel's default one (handle 0)."""
    for q in qdisc.dump(h, dev):
        if q.parent == ROOT and q.handle != 0:
            return q
    return None


def _tbf_step(h: Handle, dev: int, name: str, want: Tbf) -> Step:
    spec = Qdisc(dev=dev, handle="1:", options=want)

    def do() -> bool:
        have = _root(h, dev)
        if have is not None:
            if _same_tbf(have.options, want):
                return False
            raise Conflict(
                f"{name} already has a root {have.kind} qdisc ({have.options}), not {want}"
            )
        qdisc.add(h, spec)
        return True

    def undo() -> None:
        qdisc.delete(h, dev=dev, parent=ROOT)

    return Step(
        f"tc qdisc add dev {name} root handle 1: tbf rate {want.rate}bit burst "
        f"{want.burst}b limit {want.limit}b",
        do,
        undo,
    )


def _tbf(rate: object, burst: object, latency: object) -> Tbf:
    return Tbf(rate=rate, burst=burst, latency=latency)  # type: ignore[arg-type]  # Tbf checks


def limit_rate(
    h: Handle,
    dev: link.LinkRef,
    *,
    rate: int | str,
    burst: int | str,
    latency: int | float | str = "50ms",
) -> bool:
    """Shape what ``dev`` sends to ``rate`` (a tbf root qdisc).

    Equivalent to: tc qdisc add dev DEV root handle 1: tbf rate RATE burst BURST latency LAT

    Returns False if that tbf is already there. Raises
    :class:`~rawns.errors.Conflict` if another non-default root qdisc is there
    (nothing changed); ValueError/TypeError for a bad argument, including a
    burst below the MTU of ``dev`` (nothing sent).
    """
    _check.handle(h)
    want = _tbf(rate, burst, latency)
    lk = link.get(h, dev)
    return bool(run_steps([_tbf_step(h, lk.index, lk.name, want)], "limit_rate"))


def _ingress_step(h: Handle, dev: int, name: str) -> Step:
    def do() -> bool:
        for q in qdisc.dump(h, dev):
            if q.parent == INGRESS:
                if q.kind != "ingress":
                    raise Conflict(f"{name} has a {q.kind} qdisc at ingress, not ingress")
                return False
        qdisc.add(h, dev=dev, options=Ingress())
        return True

    def undo() -> None:
        qdisc.delete(h, dev=dev, kind="ingress")

    return Step(f"tc qdisc add dev {name} ingress", do, undo)


def _redirect_step(h: Handle, dev: int, name: str, ifb: int, ifb_name: str) -> Step:
    wo = U32(keys=u32_match(), actions=(Mirred(dev=ifb),))
    want = Filter(dev=dev, parent="ffff:", protocol="all", prio=1, options=wo)

    def do() -> bool:
        for f in filter.dump(h, dev, parent="ffff:"):
            o = f.options
            if isinstance(o, U32) and o.keys and f.prio == 1:
                if o.keys == wo.keys and o.actions == wo.actions:
                    return False
                raise Conflict(f"{name} has another ingress filter at prio 1: {o}")
        filter.add(h, want)
        return True

    def undo() -> None:
        filter.delete(h, dev=dev, parent="ffff:", protocol="all", prio=1)

    return Step(
        f"tc filter add dev {name} parent ffff: protocol all prio 1 u32 match u32 0 0 "
        f"action mirred egress redirect dev {ifb_name}",
        do,
        undo,
    )


def limit_ingress(
    h: Handle,
    dev: link.LinkRef,
    *,
    rate: int | str,
    burst: int | str,
    ifb: str | None = None,
    latency: int | float | str = "50ms",
) -> bool:
    """Shape what ``dev`` receives to ``rate``: ifb + ingress qdisc + u32 mirred + tbf.

    Equivalent to::

        ip link add IFB type ifb; ip link set IFB up
        tc qdisc add dev IFB root handle 1: tbf rate RATE burst BURST latency LAT
        tc qdisc add dev DEV ingress
        tc filter add dev DEV parent ffff: protocol all prio 1 u32 match u32 0 0 \\
            action mirred egress redirect dev IFB

    ``ifb`` defaults to ``"ifb-"`` + the first 11 bytes of the device name.
    Returns False if all of it was already there. Raises
    :class:`~rawns.errors.Conflict` for a different setup in the way,
    :class:`~rawns.errors.NotSupported` if the kernel has no ifb; whatever
    step fails, the earlier ones are undone.
    """
    _check.handle(h)
    want = _tbf(rate, burst, latency)
    if ifb is not None:
        _check.ifname(ifb, "ifb")
    lk = link.get(h, dev)
    ifb_name = _check.ifname(f"ifb-{lk.name[:11]}" if ifb is None else ifb, "ifb")
    made: dict[str, int] = {}

    def mk_ifb() -> bool:
        # nothing after the add in this step: a failure later is undone by rm_ifb
        return _ensure_link(h, Ifb(name=ifb_name))

    def rm_ifb() -> None:
        link.delete(h, ifb_name)

    def up() -> bool:
        lk_ifb = link.get(h, ifb_name)
        made["ifb"] = lk_ifb.index
        if lk_ifb.up:
            return False
        link.set(h, ifb_name, up=True)
        return True

    def rest() -> bool:
        steps = [
            _tbf_step(h, made["ifb"], ifb_name, want),
            _ingress_step(h, lk.index, lk.name),
            _redirect_step(h, lk.index, lk.name, made["ifb"], ifb_name),
        ]
        done = run_steps(steps)
        undo_rest[:] = done
        return bool(done)

    undo_rest: list[Step] = []

    def unrest() -> None:
        for s in reversed(undo_rest):
            if s.undo is not None:
                s.undo()

    steps = [
        Step(f"ip link add {ifb_name} type ifb", mk_ifb, rm_ifb),
        Step(f"ip link set {ifb_name} up", up, None),
        Step("tc: tbf on the ifb, ingress qdisc, redirect filter", rest, unrest),
    ]
    return bool(run_steps(steps, "limit_ingress"))
