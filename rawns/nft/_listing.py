"""nft's ``list`` layout of chains and sets (rawns.nft.render gathers it).

Below :mod:`rawns.nft.ruleset`, whose ``str()`` uses it; above the object
modules it renders.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from .._nfnl import NFT_SET
from . import _args
from ._codec import Verdict
from ._exprtext import PROTO_NAMES, int_of, mapping_of_names
from ._msg import udata_get
from .chains import PRIORITIES, Chain
from .rules import Rule, render_rule_body
from .sets import Element, Set, values_of

__all__ = ["elements_text", "render_chain", "render_set"]


_PRIO_HOOKS = {
    "dstnat": ("prerouting", "output"),
    "srcnat": ("postrouting", "input"),
    "out": ("output",),
}


def _priority(chain: Chain) -> str:
    """``filter``, ``filter + 10``, ``srcnat``: nft's names within 10 of a standard value."""
    assert isinstance(chain.priority, int)
    best: tuple[int, str] | None = None
    for name, value in PRIORITIES.get(chain.family, {}).items():
        if chain.hook not in _PRIO_HOOKS.get(name, (chain.hook,)):
            continue
        off = chain.priority - value
        if abs(off) <= 10 and (best is None or abs(off) < abs(best[0])):
            best = (off, name)
    if best is None:
        return str(chain.priority)
    off, name = best
    if off == 0:
        return name
    return f"{name} {'+' if off > 0 else '-'} {abs(off)}"


def render_chain(
    chain: Chain,
    rules: Sequence[Rule] = (),
    indent: str = "\t",
    inline: Mapping[str, str] | None = None,
) -> str:
    """A chain and its rules in nft's ``list`` layout."""
    _args.expect(chain, Chain, "chain")
    for r in _args.expect(rules, Sequence, "rules"):  # type: ignore[type-abstract]  # an ABC check
        _args.expect(r, Rule, "rules[]")
    _args.expect(indent, str, "indent")
    inline = mapping_of_names(inline)
    lines = [f"{indent}chain {chain.name} {{"]
    if chain.comment is not None:
        lines.append(f'{indent}\tcomment "{chain.comment}"')
    if chain.is_base:
        dev = ""
        if chain.devices:
            devs = ", ".join(f'"{d}"' for d in chain.devices)
            dev = f" device {devs}" if len(chain.devices) == 1 else f" devices = {{ {devs} }}"
        policy = f" policy {chain.policy};" if chain.policy else ""
        lines.append(
            f"{indent}\ttype {chain.type} hook {chain.hook}{dev} priority {_priority(chain)};"
            f"{policy}"
        )
    lines += [f"{indent}\t{render_rule_body(r, inline)}" for r in rules]
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def _value_text(s: Set, v: object, which: str = "key") -> str:
    name = s.key if which == "key" else (s.data or "")
    if isinstance(v, tuple) and len(v) == 2:
        if which == "key" and s.is_map:
            return f"{_value_text(s, v[0])} : {_value_text(s, v[1], 'data')}"
        return f"{_value_text(s, v[0], which)}-{_value_text(s, v[1], which)}"
    if isinstance(v, Verdict):
        return str(v)
    if name == "mark" and isinstance(v, int):
        return f"0x{v:08x}"
    if name == "inet_proto" and isinstance(v, int):
        return PROTO_NAMES.get(v, str(v))
    if isinstance(v, str):
        return f'"{v}"' if name == "ifname" else v
    return str(v)


def elements_text(s: Set, elements: Sequence[Element]) -> str:
    try:
        values = values_of(s, elements)
    except ValueError:
        return ", ".join(e.key.hex() for e in elements)
    if not s.is_interval:  # nft lists a hash set's elements in key order
        order = sys.byteorder if s.key == "mark" else "big"
        keyed = sorted(zip(elements, values, strict=True), key=lambda p: int_of(p[0].key, order))
        values = [v for _, v in keyed]
    return ", ".join(_value_text(s, v) for v in values)


def _duration(ms: int) -> str:
    out = ""
    for unit, size in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)):
        if ms >= size:
            out += f"{ms // size}{unit}"
            ms %= size
    return out + (f"{ms}ms" if ms or not out else "")


def render_set(s: Set, elements: Sequence[Element] = (), indent: str = "\t") -> str:
    """A set or map in nft's ``list`` layout."""
    _args.expect(s, Set, "s")
    for e in _args.expect(elements, Sequence, "elements"):  # type: ignore[type-abstract]  # an ABC
        _args.expect(e, Element, "elements[]")
    _args.expect(indent, str, "indent")
    kind = "map" if s.is_map else "set"
    ind = indent + "\t"
    lines = [f"{indent}{kind} {s.name} {{"]
    typ = s.key if s.data is None else f"{s.key} : {s.data}"
    lines.append(f"{ind}type {typ}")
    if s.policy is not None:
        lines.append(f"{ind}policy {'memory' if s.policy else 'performance'}")
    if s.size is not None:
        lines.append(f"{ind}size {s.size}")
    flags = []
    if s.flags & NFT_SET.CONSTANT:
        flags.append("constant")
    if s.flags & NFT_SET.INTERVAL:
        flags.append("interval")
    if s.flags & NFT_SET.TIMEOUT and s.timeout is None:
        flags.append("timeout")
    if flags:
        lines.append(f"{ind}flags {','.join(flags)}")
    if s.timeout is not None:
        lines.append(f"{ind}timeout {_duration(s.timeout)}")
    if udata_get(s.userdata, 2):  # NFTNL_UDATA_SET_MERGE_ELEMENTS
        lines.append(f"{ind}auto-merge")
    if s.comment is not None:
        lines.append(f'{ind}comment "{s.comment}"')
    if elements:
        lines.append(f"{ind}elements = {{ {elements_text(s, elements)} }}")
    lines.append(f"{indent}}}")
    return "\n".join(lines)
