"""The verbs with invalid values of each kind: refused as documented, kernel state unchanged.

The verbs of the table in ``tests/unit/bad_kinds.py`` (link, addr, route,
neigh, rule, nft, sysctl, netns, Handle.open, monitor, compose, topology)
each get, for every argument, invalid values generated from the kind's
description in ``rawns._check.KINDS`` (a spread of the deterministic edges,
plus hypothesis draws), and the values only a live world has: a closed
Handle, a Netns where a Handle goes, a closed Netns, and objects dumped from
another namespace (a ``Link`` whose index names another link here).

Each call must raise ``TypeError``/``ValueError`` showing the value (never a
``KernelError``: nothing may reach the kernel), and leave the namespace as
it was: its links, addresses, routes (every table), rules, neighbours, FDB,
nf_tables ruleset and forwarding sysctls, read with rawns after every call,
and with the outside oracles (``ip``, ``nft``) at the start and the end of
each test. A call that changes something is reported, and the namespaces
are rebuilt. Calls that are refused only after making a netlink exchange (a
lookup, say) are counted in the terminal summary.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rawns import Handle, addr, link, monitor, neigh, netns, nft, route, rule, sysctl
from rawns.transport import fail_nth_request
from tests.conftest import run
from tests.privileged.kstate import diff, snapshot
from tests.privileged.tc_state import tc_oracle, tc_state
from tests.unit import bad_kinds as bk

VERBS = [t for t in bk.TARGETS if t.verb]
GROUP_OF = {"Handle": "netns"}
GROUPS = sorted({GROUP_OF.get(t.name.split(".")[0], t.name.split(".")[0]) for t in VERBS})
#: Deterministic edges tried per argument (spread over the kind's list), and
#: random draws per group: sized so that the whole file runs in about a minute.
EDGES_PER_ARG = 40
RANDOM_EXAMPLES = 250

#: Calls refused only after a netlink exchange: (verb, argument) -> exchanges.
SENT_FIRST: dict[tuple[str, str], int] = {}


def _group(t: bk.Target) -> str:
    first = t.name.split(".")[0]
    return GROUP_OF.get(first, first)


@pytest.fixture(autouse=True, scope="module")
def _summary(request: pytest.FixtureRequest) -> None:
    bk.register_summary(request.config)
    if not request.config.pluginmanager.has_plugin("rawns-bad-kinds-sent"):
        request.config.pluginmanager.register(_SentSummary(), "rawns-bad-kinds-sent")


class _SentSummary:
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not SENT_FIRST:
            return
        terminalreporter.section("bad values refused only after a netlink exchange")
        for (name, p), n in sorted(SENT_FIRST.items()):
            terminalreporter.write_line(f"{n:>6}  {name}({p})")


# ---------------------------------------------------------------------------
# the lab: two fresh namespaces with one object of each kind


NS_SETUP = """\
link add br0 type bridge
link add d0 type ifb
link add v0 type veth peer name v0p
link set v0 master br0
addr add 10.0.0.1/24 dev d0
neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0 nud permanent
route add blackhole 10.8.0.0/24
rule add priority 1000 table 100
"""
NFT_SETUP = """\
add table ip t
add chain ip t c { type filter hook input priority 0; }
add set ip t s { type ipv4_addr; }
add rule ip t c counter
"""


def _setup(ns: netns.Netns, *, second: bool = False) -> None:
    cmds = NS_SETUP if not second else NS_SETUP.replace("link set v0 master br0\n", "")
    run("ip", "-n", str(ns.name), "-batch", "-", input=cmds)
    run("ip", "netns", "exec", str(ns.name), "nft", "-f", "-", input=NFT_SETUP)


class Lab:
    """A World on fresh namespaces, rebuilt when a call changed it."""

    def __init__(self, make_ns: Callable[[], Any]) -> None:
        self.make_ns = make_ns
        self.tmp = tempfile.mkdtemp(prefix="rawns-bk-")
        self.w = bk.World()
        self.closers: list[Callable[[], object]] = []
        self.resets = 0
        self.build()

    def build(self) -> None:
        ns, ns2 = self.make_ns(), self.make_ns()
        _setup(ns)
        _setup(ns2, second=True)
        w = bk.World(ns=ns, ns2=ns2)
        w.h = Handle.open(netns=ns)
        w.h2 = Handle.open(netns=ns2)
        closed = Handle.open(netns=ns)
        closed.close()
        w.closed_h = closed
        dead = ns.dup()
        dead.close()
        w.closed_ns = dead
        # nested: ".." as a namespace name resolves to another temporary directory
        w.run_dir = tempfile.mkdtemp(dir=self.tmp)
        w.member_name = f"rawns-bk-m-{uuid.uuid4().hex[:6]}"
        w.idx = {lk.name: lk.index for lk in link.dump(w.h)}
        w.mon = monitor.open(ns, groups=["link"])
        foreign = {
            "linkref": [link.get(w.h2, "d0")],
            "address_obj": [a for a in addr.dump(w.h2) if a.family == 2],
            "route_obj": [r for r in route.dump(w.h2, family=0, table=None) if r.type == 6],
            "neighbour_obj": [n for n in neigh.dump(w.h2) if str(n.dst) == "10.0.0.2"],
            "rule_obj": [r for r in rule.dump(w.h2) if r.priority == 1000],
            "table_obj": nft.dump_tables(w.h2),
            "chain_obj": nft.dump_chains(w.h2),
            "set_obj": nft.dump_sets(w.h2),
        }
        w.foreign = {k: v for k, v in foreign.items() if v}
        for objs in w.foreign.values():
            for o in objs:
                bk.FOREIGN[id(o)] = o
        self.w = w
        self.closers = [w.mon.close, w.h.close, w.h2.close]
        self.base_fp = {k: self.fingerprint(k) for k in ("ns", "ns2", "run_dir", "run_netns")}
        self.oracle = snapshot(str(ns.name))
        self.tc_oracle = tc_oracle(str(ns.name))

    def teardown(self) -> None:
        for c in self.closers:
            with contextlib.suppress(Exception):
                c()
        self._clean_run_dir()

    def reset(self) -> None:
        self.resets += 1
        self.teardown()
        self.build()

    def close(self) -> None:
        self.teardown()
        # netns.create makes its run_dir a mount point (as ip netns does): unmount first
        with open("/proc/self/mounts") as f:
            mounts = [x.split()[1] for x in f if x.split()[1].startswith(self.tmp)]
        for m in sorted(mounts, reverse=True):
            run("umount", "-l", m, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _clean_run_dir(self) -> None:
        d = self.w.run_dir
        if not d or not os.path.isdir(d):
            return
        for name in os.listdir(d):
            with contextlib.suppress(Exception):
                netns.delete(name, run_dir=d)
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(d, name))
        name = getattr(self.w, "member_name", "")
        if name and os.path.exists(f"/run/netns/{name}"):
            with contextlib.suppress(Exception):
                netns.delete(name)

    # -- state ---------------------------------------------------------------
    def fingerprint(self, key: str) -> object:
        w = self.w
        if key in ("ns", "ns2"):
            return state_of(w.h if key == "ns" else w.h2)
        if key == "run_dir":
            return sorted(os.listdir(w.run_dir))
        if key == "run_netns":
            return os.path.exists(f"/run/netns/{w.member_name}")
        if key == "fds":
            return None  # descriptors: see test_leaks.py; counting here races the GC
        raise KeyError(key)


_MADE_FDB = int(neigh.NUD.NOARP | neigh.NUD.PERMANENT)  # static or permanent: not learned


def state_of(h: Handle) -> dict[str, object]:
    """What a bad call could change in a namespace, read with rawns (fast, after each call)."""
    return {
        "links": sorted(
            repr((x.index, x.name, x.flags, x.mtu, x.mac, x.master, x.txqlen, x.alias, x.kind))
            for x in link.dump(h)
        ),
        "addrs": sorted(repr(a) for a in addr.dump(h)),
        "routes": sorted(repr(r) for fam in (2, 10) for r in route.dump(h, family=fam, table=None)),
        "rules": sorted(repr(r) for r in rule.dump(h)),
        "neigh": sorted(
            repr((n.index, n.family, n.dst, n.lladdr, int(n.state))) for n in neigh.dump(h)
        ),
        # Entries the bridge learns on its own (a port's IPv6 DAD and MLD frames, sent
        # for a while after it comes up) appear at any time: only those made are compared.
        "fdb": sorted(
            repr((n.index, n.lladdr, n.vlan, int(n.state)))
            for n in neigh.fdb_dump(h)
            if int(n.state) & _MADE_FDB
        ),
        "nft": nft.render_ruleset(nft.dump_ruleset(h)),
        "sysctl": [
            sysctl.get(h, k) for k in ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding")
        ],
        "tc": tc_state(h),
    }


def _changes(before: object, after: object) -> str:
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for k in before:
            if before[k] != after.get(k):
                b, a = before[k], after.get(k)
                if isinstance(b, list) and isinstance(a, list):
                    out.append(
                        f"{k}: -{[x for x in b if x not in a]} +{[x for x in a if x not in b]}"
                    )
                else:
                    out.append(f"{k} changed")
        return "; ".join(out)[:300]
    return f"{before!r} -> {after!r}"


# ---------------------------------------------------------------------------
# one call


def attempt(lab: Lab, t: bk.Target, param: str, value: object) -> str | None:
    fn, args, kwargs = t.base(lab.w)
    exc: BaseException | None = None
    result: object = None
    with fail_nth_request(1 << 62) as plan:
        try:
            result = bk.call_with(fn, args, kwargs, param, value)
        except Exception as e:  # judged below
            exc = e
    bk.release(result, t.name)
    problem = bk.judge(exc, value)
    changed = []
    for key in (*t.touches, "ns"):
        if key == "fds":
            continue
        now = lab.fingerprint(key)
        if now != lab.base_fp[key]:
            changed.append(f"{key}: {_changes(lab.base_fp[key], now)}")
    if changed:
        problem = f"{problem or 'refused'}; STATE CHANGED: {' | '.join(dict.fromkeys(changed))}"
        lab.reset()
    elif problem is None and plan.count:
        SENT_FIRST[(t.name, param)] = SENT_FIRST.get((t.name, param), 0) + 1
    return problem


def values_for(lab: Lab, t: bk.Target, param: str, kname: str) -> list[object]:
    fn = _real(t.name) or t.base(lab.w)[0]
    values = bk.sample(bk.edges(kname, bk.none_ok(fn, param)), EDGES_PER_ARG)
    values += lab.w.extras(kname)
    if t.extra is not None:
        values += t.extra(lab.w).get(param, [])  # noqa: S610 - not Django
    if kname == "handle" and t.name != "monitor.Monitor.resync":
        values = [v for v in values if v is not lab.w.h2]
    if t.skip is not None:
        values = [v for v in values if not t.skip(v)]
    return values


@functools.cache
def _real(name: str) -> Callable[..., Any] | None:
    return dict(bk.public_callables()).get(name)


def report(failures: list[tuple[str, str, object, str]]) -> str:
    groups: dict[tuple[str, str], list[str]] = {}
    for name, p, v, problem in failures:
        groups.setdefault((name, p), []).append(f"{bk.show(v)}: {problem}")
    out = []
    for (name, p), lines in groups.items():
        out.append(f"{name}({p}): {len(lines)} values, e.g.")
        out += [f"    {x}" for x in lines[:3]]
    return "\n".join(out)


@pytest.fixture
def lab(make_ns: Callable[[], Any]) -> Iterator[Lab]:
    lb = Lab(make_ns)
    try:
        yield lb
    finally:
        lb.close()


@pytest.mark.parametrize("group", GROUPS)
def test_verbs_refuse_invalid_values_and_change_nothing(group: str, lab: Lab) -> None:
    targets = [t for t in VERBS if _group(t) == group]
    failures: list[tuple[str, str, object, str]] = []
    n = 0
    # the base calls themselves must bind (a renamed parameter would make every
    # refusal meaningless)
    for t in targets:
        for param, kname in t.kinds.items():
            for value in values_for(lab, t, param, kname):
                n += 1
                problem = attempt(lab, t, param, value)
                if problem:
                    failures.append((t.name, param, value, problem))
    bk.count(f"privileged {group} (edges)", n)

    cases = [(t, p, k) for t in targets for p, k in t.kinds.items()]
    seen: set[tuple[str, str]] = {(f[0], f[1]) for f in failures}

    @settings(
        max_examples=RANDOM_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def random_values(data: st.DataObject) -> None:
        t, p, k = data.draw(st.sampled_from(cases))
        fn = _real(t.name) or t.base(lab.w)[0]
        value = data.draw(_strategy(k, bk.none_ok(fn, p)))
        if t.skip is not None and t.skip(value):
            return
        bk.count(f"privileged {group} (random)")
        problem = attempt(lab, t, p, value)
        if problem and (t.name, p) not in seen:
            seen.add((t.name, p))
            failures.append((t.name, p, value, problem))

    if cases:
        random_values()

    # the outside oracles agree that nothing changed (since the last rebuild)
    oracle = diff(lab.oracle, snapshot(str(lab.w.ns.name)))
    assert not oracle, f"ip/nft see changes: {oracle}"
    assert tc_oracle(str(lab.w.ns.name)) == lab.tc_oracle, "tc sees changes"
    assert not failures, (
        f"{len(failures)} invalid values not refused cleanly ({lab.resets} rebuilds):\n"
        + report(failures)
    )


@functools.cache
def _strategy(kname: str, none_ok: bool) -> st.SearchStrategy[object]:
    return bk.invalid(kname, none_ok)


def test_base_calls_bind(make_ns: Callable[[], Any]) -> None:
    """Each verb's base call binds to its signature: the table is not stale."""
    import inspect

    lb = Lab(make_ns)
    bad = []
    try:
        for t in VERBS:
            fn, args, kwargs = t.base(lb.w)
            try:
                sig = inspect.signature(fn)
            except (TypeError, ValueError):
                continue
            try:
                sig.bind(*args, **kwargs)
            except TypeError as e:
                bad.append(f"{t.name}: {e}")
    finally:
        lb.close()
    assert not bad, "\n".join(bad)
