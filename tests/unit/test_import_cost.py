"""What an import pulls in (issue 13: import in milliseconds), never how long it takes.

Each check runs a fresh interpreter (``python -c``) and reads ``sys.modules``:
the lazy packages (PEP 562) must stay lazy, and modules most programs never use
must not load. How long the imports take is measured by benchmarks/_startup.py.
"""

from __future__ import annotations

import ast
import enum
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rawns import _nfnl_consts, _rtnl_consts, _rtnl_kind_consts, _wire

FULL = "from rawns import Handle, addr, compose, link, neigh, netns, nft, route, rule, sysctl"


def _modules(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return set(json.loads(out.splitlines()[-1]))


def loaded(code: str) -> set[str]:
    """The modules a fresh interpreter loads running ``code``, beyond what ``pass`` loads.

    (A development venv's start-up hooks may load some, e.g. an editable install's finder.)
    """
    return _modules(code) - _modules("pass")


def loaded_bare(code: str) -> set[str]:
    """As :func:`loaded`, without ``site`` (``-S``) or json (which loads re): no start-up hook of a
    development venv loads ``re`` or ``typing`` first, so their absence means something."""
    import importlib.util

    cffi = importlib.util.find_spec("_cffi_backend")
    assert cffi is not None and cffi.origin
    paths = [str(Path(__file__).resolve().parents[2]), str(Path(cffi.origin).parent)]
    prefix = f"import sys; sys.path[:0] = {paths!r}\n"

    def modules(c: str) -> set[str]:
        out = subprocess.run(
            [sys.executable, "-S", "-c", f"{prefix}{c}\nprint(sorted(sys.modules))"],
            capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "0"},
        ).stdout  # fmt: skip
        names: list[str] = ast.literal_eval(out.splitlines()[-1])
        return set(names)

    return modules(code) - modules("pass")


def rawns_modules(mods: set[str]) -> set[str]:
    return {m for m in mods if m == "rawns" or m.startswith("rawns.")}


def test_import_rawns_loads_only_the_errors() -> None:
    mods = loaded("import rawns")
    assert rawns_modules(mods) == {"rawns", "rawns.errors"}
    assert "typing" not in mods  # the largest part of it before (TYPE_CHECKING = False)


def test_import_nft_loads_nothing_until_a_name_is_used() -> None:
    mods = loaded("import rawns.nft")
    assert rawns_modules(mods) == {"rawns", "rawns.errors", "rawns.nft"}
    assert not {"typing", "ipaddress", "dataclasses", "socket"} & mods


def test_one_nft_name_loads_its_part_only() -> None:
    mods = loaded("from rawns.nft import Table")
    assert "rawns.nft.tables" in mods
    assert not {"rawns.nft.nat", "rawns.nft.match", "rawns.nft.render", "rawns.link"} & mods


def test_full_import_leaves_tools_and_unused_parts_unloaded() -> None:
    mods = loaded(FULL)
    assert {"rawns.handle", "rawns.link", "rawns.route", "rawns.nft"} <= mods
    never = {
        "argparse",  # the CLI's
        "rawns.cli",
        "rawns.monitor",
        "rawns.probe",
        "rawns.rootless",
        "rawns.topology",
        "rawns.demo",
        "json",
        "tempfile",
        "ctypes",
        "logging",
        # round two: rawns.tc comes with compose.limit_rate/limit_ingress, a link kind
        # with its name or the decoder's first sight of it, queue.py never (_queue is enough)
        "rawns.tc",
        "rawns.compose._tc",
        *(
            f"rawns.link.{m}"
            for m in ("_bridge", "_macvlan", "_simple", "_tuntap", "_veth", "_vxlan")
        ),
        "queue",
        "heapq",
    }
    assert not never & mods


def test_full_import_loads_no_socket_module() -> None:
    """Round four: the full import never loads socket.py (its IntEnums), only the C _socket."""
    for mods in (loaded(FULL), loaded_bare(FULL)):
        assert not {"socket", "selectors"} & mods, sorted({"socket", "selectors"} & mods)


def test_netlink_socket_from_the_c_module_behaves_as_before() -> None:
    """transport's _socket.socket: close-on-exec, blocking, plain-int family, OSError as before."""
    import errno
    import os

    from rawns import transport

    s = transport.NetlinkSocket(transport.NETLINK_ROUTE)
    try:
        fd = s.fileno()
        assert fd >= 0 and not s.closed and not os.get_inheritable(fd)
        assert s.sock.gettimeout() is None and s.sock.getblocking()
        assert (s.sock.family, s.sock.proto) == (16, transport.NETLINK_ROUTE)  # AF_NETLINK
        assert s.port == s.sock.getsockname()[0] > 0
        with pytest.raises(BlockingIOError):
            s.recv(transport._socket.MSG_DONTWAIT)
    finally:
        s.close()
    assert s.closed
    with pytest.raises(OSError) as exc:
        s.sock.send(b"x")
    assert exc.value.errno == errno.EBADF


def test_full_import_loads_no_typing_dataclasses_or_re() -> None:
    """Round three: what the full import no longer loads at all (their import, or their work)."""
    mods = loaded_bare(FULL)
    assert {"rawns.handle", "rawns.link", "rawns.route", "rawns.nft", "enum", "_socket"} <= mods
    never = {
        "typing",  # rawns._typing's cast/overload/NamedTuple; the rest under TYPE_CHECKING
        "socket",  # its IntEnums cost an import: rawns uses the C module _socket (round four)
        "selectors",  # (socket's companion; the aio driver, not imported here, uses both)
        "dataclasses",  # rawns._dataclass makes the classes; dataclasses loads on first use
        "inspect",  # (what dataclasses costs: ast, dis, tokenize, linecache)
        "re",  # _check's checks are str methods; tc's (which use re) load with rawns.tc
        "signal",  # netns' signal helpers load on first use
        "weakref",  # (rawns._typing.WeakSet: a set of _weakref.ref)
        # round five: stdlib modules of their own that rawns used for little
        "threading",  # locks and thread ids are _thread's (the same objects)
        "_weakrefset",  # rawns._typing.WeakSet
        "contextlib",  # small context-manager classes, try/except; loaded where used
        "importlib",  # the lazy attributes use __import__ and sys.modules
        "warnings",  # imported by the deprecated calls that warn
        "math",  # _check.seconds' finiteness test
        "ipaddress",  # rawns._inet.ip: imported on first use of one of its names
        # extension modules loaded where used: namespace workers, an nsfs check, a rare wait
        "_queue",
        "fcntl",
        "select",
        "importlib.util",
        "rawns._check_kinds",  # the value kinds' descriptions: the tests' only
        "rawns._check_tc",
        "rawns._rtnl_kind_consts",  # the link kinds' enums, with their kind
        "rawns.route._runs",  # route.dump's speed machinery, with the first dump
        "rawns.neigh._fdb",  # the fdb verbs, the alternative-name verbs: on first use
        "rawns.link._altname",
        # compose's parts load with their names (from rawns import compose costs little)
        "rawns.compose._connect",
        "rawns.compose._ensure",
        "rawns.compose._nat",
        "rawns.compose._steps",
        # the verbs' keyword TypedDicts: mypy's, loaded by a program that names them
        "rawns.route._fields",
        "rawns.addr._fields",
        "rawns.neigh._fields",
        "rawns._rule_fields",
        "rawns.link._fields",
    }
    assert not never & mods, sorted(never & mods)


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("rawns.route", {"_FIELDS": "RouteFields", "_MATCH": "RouteMatch"}),
        ("rawns.addr", {"_FIELDS": "AddrFields", "_MATCH": "AddrMatch"}),
        ("rawns.neigh._neighbours", {"_FIELDS": "NeighFields", "_MATCH": "NeighMatch"}),
        ("rawns.neigh._fdb", {"_FIELDS": "FdbFields"}),
        ("rawns.rule", {"_FIELDS": "RuleFields"}),
    ],
)
def test_verb_keyword_sets_are_the_typeddicts_keys(module: str, names: dict[str, str]) -> None:
    """The verbs check keywords against literal sets (no TypedDict made at import): the same."""
    import importlib

    mod = importlib.import_module(module)
    public = importlib.import_module(module.split("._")[0])
    for var, td in names.items():
        assert getattr(mod, var) == getattr(public, td).__optional_keys__, (module, var)


def test_rawns_namedtuple_is_typings() -> None:
    """rawns._typing.NamedTuple (class syntax, without typing) makes what typing's makes."""
    import typing

    from rawns import _typing

    made = []
    for base in (typing.NamedTuple, _typing.NamedTuple):

        class Point(base):  # type: ignore[misc,valid-type]  # both bases, on purpose
            """A point."""

            x: int
            y: int = 0

            def norm(self) -> int:
                return abs(self.x) + abs(self.y)

        made.append(Point)
    std, ours = made
    for cls in (std, ours):
        p = cls(3, -4)
        assert (p, p.norm(), tuple(p), cls(1).y) == (cls(3, -4), 7, (3, -4), 0)
    assert ours._fields == std._fields and ours._field_defaults == std._field_defaults
    assert ours.__doc__ == std.__doc__ and repr(ours(1, 2)) == repr(std(1, 2))
    assert ours.__mro__[1:] == std.__mro__[1:] == (tuple, object)
    with pytest.raises(TypeError):

        class Bad(_typing.NamedTuple):
            """Bad."""

            x: int = 0
            y: int  # type: ignore[misc]  # the point of the test


def test_a_link_kind_loads_with_its_name_only() -> None:
    mods = loaded("from rawns.link import Veth")
    assert "rawns.link._veth" in mods
    assert not {"rawns.link._bridge", "rawns.link._vxlan", "rawns.link._tuntap"} & mods


def test_decoder_loads_each_kind_on_first_sight_and_decodes_alike() -> None:
    """Every captured link decodes the same whether its kind module was loaded first or not."""
    code = (
        "import sys, rawns.link as link\n"
        "from tests.unit.link_golden import load_replies\n"
        "if sys.argv[1] == 'eager': link._kinds.load_all()\n"
        "before = {m for m in sys.modules if m.startswith('rawns.link._')}\n"
        "out = [repr(link.parse_link(p)) for p in load_replies()['raw']]\n"
        "after = {m for m in sys.modules if m.startswith('rawns.link._')}\n"
        "print(repr((out, sorted(after - before))))"
    )
    root = str(Path(__file__).resolve().parents[2])

    def run(mode: str) -> tuple[list[str], list[str]]:
        out = subprocess.run(
            [sys.executable, "-c", code, mode], capture_output=True, text=True, check=True, cwd=root
        ).stdout
        result: tuple[list[str], list[str]] = ast.literal_eval(out)
        return result

    (lazy, loaded_lazily), (eager, _) = run("lazy"), run("eager")
    assert lazy == eager
    assert {"rawns.link._veth", "rawns.link._bridge"} <= set(loaded_lazily)


def test_lazy_nft_names_are_all_there() -> None:
    """Every public name imports, dir() lists it, and nft.transaction stays the function."""
    code = (
        "import rawns.nft as n\n"
        "missing = [x for x in n.__all__ if x not in dir(n)]\n"
        "assert not missing, missing\n"
        "from rawns.nft import *\n"
        "import rawns.nft.transaction\n"  # binds the submodule on the package ...
        "assert callable(n.transaction) and n.transaction is n.transaction.__globals__"
        "['transaction'], n.transaction\n"  # ... which must stay the function
        "assert n.dump_tables is n.tables.dump\n"
        "print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "ok"


def test_unknown_lazy_name_is_an_attribute_error() -> None:
    import rawns
    import rawns.nft

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rawns.nft.nope  # noqa: B018 - the access is the test
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rawns.nope  # noqa: B018 - the access is the test


CONST_CLASSES = [
    (mod, name) for mod in (_rtnl_consts, _rtnl_kind_consts, _nfnl_consts) for name in mod.__all__
] + [(_wire, "NLM_F")]  # fmt: skip


@pytest.mark.parametrize(("mod", "name"), CONST_CLASSES, ids=[n for _, n in CONST_CLASSES])
def test_fast_made_enum_equals_the_ordinary_one(mod: object, name: str) -> None:
    """The generated tables use enum's fast path; each class equals one made the ordinary way."""
    fast = getattr(mod, name)
    base = enum.IntFlag if issubclass(fast, enum.IntFlag) else enum.IntEnum
    assert issubclass(fast, base)
    members = [(k, v.value) for k, v in fast.__members__.items()]  # aliases included
    ordinary = base(name, members, module=fast.__module__, qualname=fast.__qualname__)
    ordinary.__doc__ = fast.__doc__
    check = getattr(enum, "_test_simple_enum", None)
    if check is not None:  # CPython's own test of _simple_enum against the ordinary form
        check(ordinary, fast)
    for k, v in members:
        assert fast(v).name == ordinary(v).name
        assert repr(fast[k]) == repr(ordinary[k]) and str(fast[k]) == str(ordinary[k])
    if base is enum.IntFlag and len(fast) > 1:
        a, b = list(fast)[:2]
        assert repr(a | b) == repr(ordinary(a.value) | ordinary(b.value))


# -- round five's stand-ins for stdlib pieces (issue 13): they behave as those did ------


def test_weakset_stand_in_tracks_live_objects_only() -> None:
    import gc

    from rawns._typing import WeakSet

    class Thing:
        pass

    ws: WeakSet[Thing] = WeakSet()
    a, b = Thing(), Thing()
    ws.add(a)
    ws.add(b)
    ws.add(a)  # twice: still one entry
    assert len(ws) == 2 and {id(x) for x in ws} == {id(a), id(b)}
    del a
    gc.collect()
    assert list(ws) == [b] and len(ws) == 1
    assert len(ws._refs) == 1  # type: ignore[attr-defined]  # the dead reference went too


def test_nest_without_contextlib_behaves_as_the_generator_did() -> None:
    from rawns._wire import NLA_F_NESTED, Writer

    w = Writer()
    cm = w.nest(1)
    assert bytes(w._buf) == b""  # nothing written until the block is entered
    with cm:
        w.put_u8(2, 7)
    assert (
        bytes(w._buf)
        == _wire._NLA.pack(12, 1 | NLA_F_NESTED) + _wire._NLA.pack(5, 2) + b"\x07\0\0\0"
    )
    w = Writer()
    with pytest.raises(KeyError), w.nest_noflag(3):  # an error in the block: no length
        w.put_u8(2, 7)
        raise KeyError("x")
    assert bytes(w._buf)[:4] == _wire._NLA.pack(0, 3)
    w = Writer()
    with pytest.raises(ValueError, match="nested attribute 4 grew to 80012 bytes"), w.nest(4):
        w.put(5, bytes(40000))
        w.put(5, bytes(40000))


def test_seconds_refuses_what_math_isfinite_refused() -> None:
    from rawns import _check

    assert _check.seconds(0) == 0.0 and _check.seconds(2) == 2.0 and _check.seconds(0.5) == 0.5
    for bad in (float("nan"), float("inf"), -float("inf"), -1, -0.5):
        with pytest.raises(ValueError, match="finite number of seconds"):
            _check.seconds(bad)
    with pytest.raises(OverflowError):
        _check.seconds(10**400)
    with pytest.raises(TypeError):
        _check.seconds(True)


def _run_bare(code: str) -> str:
    """``code``'s output in a fresh interpreter without ``site`` (as :func:`loaded_bare`: a
    development venv's start-up hooks load ipaddress)."""
    import importlib.util

    cffi = importlib.util.find_spec("_cffi_backend")
    assert cffi is not None and cffi.origin
    paths = [str(Path(__file__).resolve().parents[2]), str(Path(cffi.origin).parent)]
    return subprocess.run(
        [sys.executable, "-S", "-c", f"import sys; sys.path[:0] = {paths!r}\n{code}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def test_ipaddress_loads_on_first_use_and_the_aliases_are_the_unions() -> None:
    code = (
        "import sys\n"
        f"{FULL}\n"
        "from rawns import _inet\n"
        "assert 'ipaddress' not in sys.modules\n"
        "r = route.Route(dst='10.0.0.0/8', gateway='192.168.15.5')\n"
        "import ipaddress\n"
        "assert type(r.dst) is ipaddress.IPv4Network\n"
        "assert _inet.ip.IPv4Address is ipaddress.IPv4Address\n"
        "assert _inet.IPAddress == ipaddress.IPv4Address | ipaddress.IPv6Address\n"
        "assert _inet.IPNetwork == ipaddress.IPv4Network | ipaddress.IPv6Network\n"
        "assert _inet.IPInterface == ipaddress.IPv4Interface | ipaddress.IPv6Interface\n"
        "print('ok')"
    )
    assert _run_bare(code) == "ok"


def test_an_ipv6_zone_is_refused_before_and_after_ipaddress_loads() -> None:
    """_check.no_zone asks sys.modules: without ipaddress no value can be one of its objects."""
    code = (
        "import sys\n"
        "from rawns import route\n"
        "for dst in ('fe80::/64', 'fe80::1'):\n"
        "    try:\n"
        "        route.Route(dst=dst, gateway='fe80::1%eth0')\n"
        "    except ValueError as e:\n"
        "        assert 'zone id' in str(e), e\n"
        "    else:\n"
        "        raise AssertionError('accepted')\n"
        "import ipaddress\n"
        "try:\n"
        "    route.Route(dst='fe80::/64', gateway=ipaddress.IPv6Address('fe80::1%eth0'))\n"
        "except ValueError as e:\n"
        "    assert 'zone id' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('accepted')\n"
        "print('ok')"
    )
    assert _run_bare(code) == "ok"
