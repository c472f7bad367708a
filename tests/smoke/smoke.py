"""Smoke test of an installed rawns: run by .ci/package from a directory outside the checkout.

``python -I smoke.py`` exits 0 when every check passed and raises otherwise
(each step prints one line first, so a failure shows where it happened).
Checks, in order: rawns is the installed one (site-packages, not a source
tree) with its compiled shim and typing files; every module imports; messages
build offline (rtnetlink and an nf_tables batch); ``python -m rawns`` and the
``rawns`` script answer ``--version``; and, as root, one real call: a
throwaway namespace made with rawns, a veth pair, an address and an nf_tables
table inside it, dumped back, the namespace deleted in ``finally``. Not root:
that step is skipped with a notice, or fails if ``CI=true``.

Only the standard library and rawns: no pytest in the venv it checks.
"""

from __future__ import annotations

import errno
import importlib
import importlib.metadata
import os
import pkgutil
import subprocess
import sys
import sysconfig
import uuid
from pathlib import Path

PUBLIC = {
    "rawns",
    "rawns.addr",
    "rawns.cli",
    "rawns.compose",
    "rawns.demo",
    "rawns.errors",
    "rawns.handle",
    "rawns.link",
    "rawns.monitor",
    "rawns.neigh",
    "rawns.netns",
    "rawns.nft",
    "rawns.probe",
    "rawns.rootless",
    "rawns.route",
    "rawns.rule",
    "rawns.sysctl",
    "rawns.topology",
}


def step(what: str) -> None:
    print(f"smoke: {what}", flush=True)


def check(ok: object, what: str) -> None:
    if not ok:
        raise AssertionError(what)


def installed() -> Path:
    import rawns

    where = Path(rawns.__file__).resolve().parent
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    step(f"rawns {rawns.__version__} from {where} (Python {sys.version.split()[0]})")
    check(where.parent == site, f"rawns imported from {where}, not from {site}")
    check(
        importlib.metadata.version("rawns") == rawns.__version__,
        "rawns.__version__ differs from the installed distribution's version",
    )
    for name in ("py.typed", "_native.pyi"):
        check((where / name).is_file(), f"{name} missing from the installed package")
    return where


def native() -> None:
    from rawns import _native

    so = Path(str(_native.__file__)).name
    step(f"compiled shim {so}")
    check(so.endswith(".abi3.so"), f"rawns._native is {so}, not a stable-ABI extension")
    check(_native.lib.rawns_unshare(0) == 0, "unshare(0) failed")
    check(_native.lib.rawns_setns(-1, 0) == -errno.EBADF, "setns(-1) did not give -EBADF")


def import_everything(where: Path) -> None:
    names = {"rawns"}
    for m in pkgutil.walk_packages([str(where)], prefix="rawns."):
        if m.name != "rawns.__main__":
            names.add(m.name)
    for name in sorted(names):
        importlib.import_module(name)
    step(f"imported {len(names)} modules")
    check(names >= PUBLIC, f"public modules not installed: {sorted(PUBLIC - names)}")


def offline() -> None:
    from rawns import _wire, link, nft, route

    msgs = [
        link.build_add(link.Veth(name="veth-red", peer="veth-red-br")),
        link.build_add(link.Bridge(name="v-net-0")),
        route.build_add(route.Route(dst="10.0.0.0/8", gateway="192.168.15.5")),
    ]
    for raw in msgs:
        check(_wire.parse_messages(raw), "a built message did not parse back")
    tx = nft.Transaction(None)
    nat = tx.add_table(family="ip", name="nat")
    post = tx.add_chain(nat, name="postrouting", type="nat", hook="postrouting", priority=100)
    tx.add_rule(post, nft.masquerade("192.168.15.0/24", not_oif="v-net-0"))
    check(len(tx.messages()) == 3, "the nf_tables transaction did not queue 3 messages")
    step(f"built {len(msgs)} rtnetlink messages and a {len(tx.messages())}-message nft batch")


def command_line() -> None:
    import rawns

    want = f"rawns {rawns.__version__}"
    script = Path(sys.executable).parent / "rawns"
    for argv in ([sys.executable, "-m", "rawns", "--version"], [str(script), "--version"]):
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()
        check(out == want, f"{argv[-2:]} printed {out!r}, not {want!r}")
    helptext = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, check=True
    ).stdout
    check("demo" in helptext and "netlink" in helptext, "rawns --help lacks its description")
    step(f"python -m rawns and {script.name} --version: {want}")


def in_a_namespace() -> None:
    from rawns import Handle, addr, link, netns, nft

    prefix = os.environ.get("RAWNS_SMOKE_PREFIX", "rawns-smoke-")
    name = f"{prefix}{uuid.uuid4().hex[:8]}"
    try:
        with netns.create(name) as ns, Handle.open(netns=ns) as h:
            link.add(h, link.Veth(name="smoke0", peer="smoke1"))
            link.set(h, "smoke0", up=True)
            addr.add(h, dev="smoke0", address="192.0.2.1/24")
            with nft.transaction(h) as tx:
                tx.add_table(family="inet", name="smoke")
            links = sorted(lk.name for lk in link.dump(h))
            addrs = [str(a.address) for a in addr.dump(h, dev="smoke0")]
            tables = [t.name for t in nft.dump_tables(h)]
        check(links == ["lo", "smoke0", "smoke1"], f"links in {name}: {links}")
        check("192.0.2.1/24" in addrs, f"addresses on smoke0: {addrs}")
        check(tables == ["smoke"], f"nft tables in {name}: {tables}")
        step(f"in namespace {name}: links {links}, address 192.0.2.1/24, table inet smoke")
    finally:
        if netns.exists(name):
            netns.delete(name)
    check(not netns.exists(name), f"namespace {name} left behind")
    step(f"namespace {name} deleted")


def main() -> int:
    where = installed()
    native()
    import_everything(where)
    offline()
    command_line()
    if os.geteuid() == 0:
        in_a_namespace()
    elif os.environ.get("CI", "").lower() == "true":
        raise AssertionError("CI=true but not root: the namespace step cannot be skipped")
    else:
        step("not root: skipped the namespace step")
    step("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
