"""nf_tables chains: base chains (type, hook, priority, policy) and regular chains.

Equivalent nft commands: ``nft add chain ip nat postrouting { type nat hook
postrouting priority srcnat; policy accept; }``, ``nft add chain ip t web``,
``nft delete chain``, ``nft flush chain``, ``nft list chains``.

Hooks and priorities are given as nft spells them and normalised once, here:
``hook="postrouting"``, ``priority="srcnat"`` (or ``"filter + 10"``, or an
int). The named priorities are nft's (src/rule.c, ``std_prio_table``), which
differ for the bridge family.
"""

from __future__ import annotations

from .. import _check
from .._dataclass import dataclass, field
from .._nfnl import (
    FAMILIES,
    NF_INET,
    NF_NETDEV,
    NFT_CHAIN_F,
    NFT_MSG,
    NFTA_CHAIN,
    NFTA_HOOK,
    NFTA_RULE,
)
from .._plan import Plan, drive
from .._wire import Attr
from ..errors import DecodeError
from . import _args
from ._codec import attr, attrs_of, be32, get_be32, get_be64, get_s32, get_str, nest, strz
from ._msg import F_CREATE, F_EXCL, comment_tlv, message, parse_header, udata_comment
from ._msg import dump_plan as _dump
from .tables import Table

TYPE_CHECKING = False  # not typing's: a script building one transaction would load typing
if TYPE_CHECKING:
    from ..handle import Handle

__all__ = [
    "HOOKS",
    "PRIORITIES",
    "TYPES",
    "Chain",
    "build_add",
    "build_delete",
    "build_flush",
    "dump",
    "hook_number",
    "parse_chain",
    "priority_value",
]

#: Hook names per family (nft's keywords) -> hook number.
_INET_HOOKS = {
    "prerouting": int(NF_INET.PRE_ROUTING),
    "input": int(NF_INET.LOCAL_IN),
    "forward": int(NF_INET.FORWARD),
    "output": int(NF_INET.LOCAL_OUT),
    "postrouting": int(NF_INET.POST_ROUTING),
}
HOOKS: dict[str, dict[str, int]] = {
    "ip": _INET_HOOKS,
    "ip6": _INET_HOOKS,
    "inet": {**_INET_HOOKS, "ingress": int(NF_INET.INGRESS)},
    "bridge": _INET_HOOKS,
    # linux/netfilter_arp.h: NF_ARP_IN 0, NF_ARP_OUT 1, NF_ARP_FORWARD 2
    "arp": {"input": 0, "output": 1, "forward": 2},
    "netdev": {"ingress": int(NF_NETDEV.INGRESS), "egress": int(NF_NETDEV.EGRESS)},
}

_STD_PRIO = {
    "raw": -300,
    "mangle": -150,
    "dstnat": -100,
    "filter": 0,
    "security": 50,
    "srcnat": 100,
}
_BRIDGE_PRIO = {"dstnat": -300, "filter": -200, "out": 100, "srcnat": 300}
#: Named priorities per family (nft's std_prio_table / bridge_std_prio_table).
PRIORITIES: dict[str, dict[str, int]] = {
    "ip": _STD_PRIO,
    "ip6": _STD_PRIO,
    "inet": _STD_PRIO,
    "arp": _STD_PRIO,
    "netdev": _STD_PRIO,
    "bridge": _BRIDGE_PRIO,
}
# "filter", "srcnat + 10": compiled (and cached by re) only when a name is not given bare.
_PRIO_PATTERN = r"\s*([a-z]+)\s*(?:([+-])\s*(\d+))?\s*"
_POLICIES = {"drop": 0, "accept": 1}
_POLICY_NAMES = {v: k for k, v in _POLICIES.items()}
#: The chain types the kernel registers (nft_chain_filter.c, nft_chain_nat.c, nft_chain_route.c).
TYPES = ("filter", "nat", "route")


def hook_number(family: str, hook: str, what: str = "hook") -> int:
    """The hook number of ``hook`` in ``family``; ValueError naming the valid ones."""
    fam = _args.family(family)
    hooks = HOOKS[fam]
    if not isinstance(hook, str):
        raise TypeError(f"{what} must be a str, one of {', '.join(hooks)}; not {hook!r:.80}")
    try:
        return hooks[hook]
    except KeyError:
        raise ValueError(
            f"{what} {hook!r:.80} does not exist in family {fam!r}; expected one of "
            f"{', '.join(hooks)}"
        ) from None


def hook_name(family: str, number: int) -> str:
    for name, n in HOOKS.get(family, {}).items():
        if n == number:
            return name
    return str(number)


def priority_value(family: str, priority: int | str, what: str = "priority") -> int:
    """``"srcnat"`` -> 100, ``"filter - 5"`` -> -5, ``-150`` -> -150.

    The result is the kernel's s32 (-2**31..2**31-1): anything outside is a
    ValueError, as is an unknown name (the message lists the family's names).
    """
    fam = _args.family(family)
    if isinstance(priority, int) and not isinstance(priority, bool):
        return _check.sint(priority, 32, what)
    if not isinstance(priority, str):
        raise TypeError(
            f"{what} must be an int or a name such as 'filter', "
            f"not {type(priority).__name__}: {priority!r}"
        )
    text = priority.strip()
    table = PRIORITIES[fam]
    digits = text[1:] if text[:1] in ("+", "-") else text
    if text in table:  # the usual spelling ("srcnat"): no pattern to compile in a short script
        value = table[text]
    elif digits.isascii() and digits.isdigit():
        value = int(text)
    else:
        import re  # only here: a script naming its priorities loads no re

        m = re.fullmatch(_PRIO_PATTERN, text)
        if not m or m.group(1) not in table:
            raise ValueError(
                f"{what} {priority!r:.80}: unknown priority for family {fam!r}; expected an "
                f"int or one of {', '.join(table)} (optionally '+ N' / '- N')"
            )
        value = table[m.group(1)]
        if m.group(2):
            value += int(m.group(3)) if m.group(2) == "+" else -int(m.group(3))
    try:
        return _check.sint(value, 32, what)
    except ValueError:
        raise ValueError(
            f"{what} {priority!r} is {value}, outside the kernel's s32 "
            f"({-(1 << 31)}..{(1 << 31) - 1})"
        ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Chain:
    """A chain of ``table`` in ``family``.

    A base chain has ``type`` (filter, nat, route), ``hook`` and
    ``priority`` (an int, or a name normalised on construction), and
    optionally ``policy`` (accept, drop) and ``devices`` (netdev/inet
    ingress). A regular chain has none of those and is reached by jump/goto.

    The kernel reports ``policy="accept"`` for base chains created without
    one. ``handle`` and ``use`` do not take part in equality. A dumped chain
    remembers the namespace it came from (``origin``); a transaction on a
    handle in another namespace refuses it.

    Every field is checked here: names 1..255 bytes without NUL, a hook of
    the family, a priority within s32, each device an interface name,
    ``comment`` at most 128 bytes without NUL.
    """

    family: str
    table: str
    name: str
    type: str | None = None
    hook: str | None = None
    priority: int | str | None = None
    policy: str | None = None
    devices: tuple[str, ...] = ()
    flags: int = 0
    comment: str | None = None
    handle: int | None = field(default=None, compare=False)
    use: int | None = field(default=None, compare=False)
    userdata: bytes | None = field(default=None, compare=False, repr=False)
    attrs: tuple[Attr, ...] = field(default=(), compare=False, repr=False)
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        fam = _args.family(self.family, "Chain.family")
        if fam is not self.family:
            object.__setattr__(self, "family", fam)
        _check.nft_name(self.table, "Chain.table")
        _check.nft_name(self.name, "Chain.name")
        base = (self.type, self.hook, self.priority)
        if any(v is not None for v in base) and any(v is None for v in base):
            raise ValueError(
                f"chain {self.name!r}: a base chain needs type, hook and priority together "
                f"(got type={self.type!r}, hook={self.hook!r}, priority={self.priority!r})"
            )
        if self.type is not None:
            _check.choice(self.type, "Chain.type", TYPES)
            assert self.hook is not None and self.priority is not None
            hook_number(fam, self.hook, "Chain.hook")
            prio = priority_value(fam, self.priority, "Chain.priority")
            if prio is not self.priority:
                object.__setattr__(self, "priority", prio)
        if self.policy is not None:
            _check.choice(self.policy, "Chain.policy", _POLICIES)
            if self.hook is None:
                raise ValueError(
                    f"Chain.policy {self.policy!r}: only a base chain (type, hook, priority) "
                    "has a policy"
                )
        devices = self.devices
        if isinstance(devices, str):
            devices = (devices,)
        elif isinstance(devices, list):
            devices = tuple(devices)
        _args.expect(devices, tuple, "Chain.devices")
        for d in devices:
            _check.ifname(d, "Chain.devices")
        if devices is not self.devices:
            object.__setattr__(self, "devices", devices)
        if devices and self.hook is None:
            raise ValueError(
                f"Chain.devices {devices!r}: only a base chain (type, hook, priority) "
                "is bound to devices"
            )
        _check.uint(self.flags, 32, "Chain.flags")
        _args.comment_matches(self.comment, self.userdata, 0, "Chain")
        _check.optional(self.handle, _check.uint, 64, "Chain.handle")
        _check.optional(self.use, _check.uint, 32, "Chain.use")
        _args.expect(self.attrs, tuple, "Chain.attrs")
        _args.origin(self.origin, "Chain.origin")

    @property
    def is_base(self) -> bool:
        return self.hook is not None

    @property
    def nfproto(self) -> int:
        return FAMILIES[self.family]

    def table_ref(self) -> Table:
        return Table(family=self.family, name=self.table, origin=self.origin)

    def __str__(self) -> str:
        return f"chain {self.family} {self.table} {self.name}"


def _hook_body(chain: Chain) -> bytes:
    assert chain.hook is not None and isinstance(chain.priority, int)
    body = be32(NFTA_HOOK.HOOKNUM, hook_number(chain.family, chain.hook))
    body += be32(NFTA_HOOK.PRIORITY, chain.priority)
    if len(chain.devices) == 1:
        body += strz(NFTA_HOOK.DEV, chain.devices[0])
    elif chain.devices:
        # NFTA_HOOK_DEVS: a list of NFTA_DEVICE_NAME (1) strings
        body += nest(NFTA_HOOK.DEVS, b"".join(strz(1, d) for d in chain.devices))
    return body


def build_add(chain: Chain, *, exclusive: bool = False, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_NEWCHAIN. Equivalent to: nft add chain FAMILY TABLE NAME { ... }.

    Attribute order as nft: table, name, type, policy, hook, flags, userdata.
    """
    _args.expect(chain, Chain, "chain")
    _check.boolean(exclusive, "exclusive")
    body = strz(NFTA_CHAIN.TABLE, chain.table) + strz(NFTA_CHAIN.NAME, chain.name)
    if chain.type is not None:
        body += strz(NFTA_CHAIN.TYPE, chain.type)
    if chain.policy is not None:
        body += be32(NFTA_CHAIN.POLICY, _POLICIES[chain.policy])
    if chain.hook is not None:
        body += nest(NFTA_CHAIN.HOOK, _hook_body(chain))
    if chain.flags:
        body += be32(NFTA_CHAIN.FLAGS, chain.flags)
    ud = chain.userdata
    if ud is None and chain.comment is not None:
        ud = comment_tlv(chain.comment)
    if ud is not None:
        body += attr(NFTA_CHAIN.USERDATA, ud)
    flags = F_CREATE | (F_EXCL if exclusive else 0)
    return message(NFT_MSG.NEWCHAIN, chain.nfproto, body, flags=flags, seq=seq, ack=ack)


def _ident(chain: Chain) -> bytes:
    return strz(NFTA_CHAIN.TABLE, chain.table) + strz(NFTA_CHAIN.NAME, chain.name)


def build_delete(chain: Chain, *, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_DELCHAIN. Equivalent to: nft delete chain FAMILY TABLE NAME."""
    _args.expect(chain, Chain, "chain")
    return message(NFT_MSG.DELCHAIN, chain.nfproto, _ident(chain), seq=seq, ack=ack)


def build_flush(chain: Chain, *, seq: int = 0, ack: bool = False) -> bytes:
    """NFT_MSG_DELRULE for every rule of the chain. Equivalent to: nft flush chain ..."""
    _args.expect(chain, Chain, "chain")
    body = strz(NFTA_RULE.TABLE, chain.table) + strz(NFTA_RULE.CHAIN, chain.name)
    return message(NFT_MSG.DELRULE, chain.nfproto, body, seq=seq, ack=ack)


def _parse_hook(data: bytes, family: str) -> tuple[str, int, tuple[str, ...]]:
    hooknum = prio = None
    dev: list[str] = []
    devs: list[str] = []
    for kind, a, b in attrs_of(data, "NFTA_CHAIN_HOOK"):
        if kind == NFTA_HOOK.HOOKNUM:
            hooknum = get_be32(data, a, b)
        elif kind == NFTA_HOOK.PRIORITY:
            prio = get_s32(data, a, b)
        elif kind == NFTA_HOOK.DEV:
            dev.append(get_str(data, a, b))
        elif kind == NFTA_HOOK.DEVS:
            sub = data[a:b]
            devs.extend(get_str(sub, x, y) for _, x, y in attrs_of(sub, "NFTA_HOOK_DEVS"))
    if hooknum is None or prio is None:
        raise DecodeError("chain hook without NFTA_HOOK_HOOKNUM or _PRIORITY")
    # Recent kernels report a single device both as NFTA_HOOK_DEV and in _DEVS.
    return hook_name(family, hooknum), prio, tuple(devs or dev)


def parse_chain(payload: bytes, origin: tuple[int, int] | None = None) -> Chain:
    """Decode an NFT_MSG_NEWCHAIN payload into a :class:`Chain`.

    The NFT_CHAIN_BASE flag the kernel reports is implied by ``hook`` and
    dropped from ``flags``. ``origin``: the dumping handle's ``netns_ident``.
    """
    family, _ = parse_header(payload)
    data = payload[4:]
    v: dict[str, object] = {}
    rest: list[Attr] = []
    for kind, a, b in attrs_of(data, "chain"):
        if kind == NFTA_CHAIN.TABLE:
            v["table"] = get_str(data, a, b)
        elif kind == NFTA_CHAIN.NAME:
            v["name"] = get_str(data, a, b)
        elif kind == NFTA_CHAIN.HANDLE:
            v["handle"] = get_be64(data, a, b)
        elif kind == NFTA_CHAIN.HOOK:
            v["hook"], v["priority"], v["devices"] = _parse_hook(data[a:b], family)
        elif kind == NFTA_CHAIN.POLICY:
            v["policy"] = _POLICY_NAMES.get(get_be32(data, a, b), str(get_be32(data, a, b)))
        elif kind == NFTA_CHAIN.USE:
            v["use"] = get_be32(data, a, b)
        elif kind == NFTA_CHAIN.TYPE:
            v["type"] = get_str(data, a, b)
        elif kind == NFTA_CHAIN.FLAGS:
            v["flags"] = get_be32(data, a, b) & ~NFT_CHAIN_F.BASE
        elif kind == NFTA_CHAIN.USERDATA:
            v["userdata"] = data[a:b]
        elif kind in (NFTA_CHAIN.PAD, NFTA_CHAIN.ID):
            continue
        else:
            rest.append(Attr(kind, data[a:b]))
    if "table" not in v or "name" not in v:
        raise DecodeError("chain without NFTA_CHAIN_TABLE or _NAME")
    ud = v.get("userdata")
    assert ud is None or isinstance(ud, bytes)
    try:
        return Chain(
            family=family,
            comment=udata_comment(ud),
            attrs=tuple(rest),
            origin=origin,
            **v,  # type: ignore[arg-type]  # keys and value types fixed by the branches above
        )
    except (ValueError, TypeError) as e:  # a field its spec refuses (unknown hook, empty name)
        raise DecodeError(f"NFT_MSG_NEWCHAIN: {e}") from e


def dump(h: Handle, *, family: str | int | None = None, table: str | None = None) -> list[Chain]:
    """Every chain (of one family / table, if given). Equivalent to: nft list chains.

    Raises TypeError/ValueError for a bad argument, before anything is sent.
    """
    return drive(h, dump_plan(h, family=family, table=table))


def dump_plan(
    h: Handle, *, family: str | int | None = None, table: str | None = None
) -> Plan[list[Chain]]:
    hh = _check.handle(h)
    fam = _args.optional_family(family)
    body = strz(NFTA_CHAIN.TABLE, _check.nft_name(table, "table")) if table is not None else b""
    origin = hh.netns_ident
    return (yield from _dump(NFT_MSG.GETCHAIN, fam, body, lambda p: parse_chain(p, origin)))
