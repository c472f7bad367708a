"""Generate rawns' constant tables (_rtnl_consts, _rtnl_kind_consts, _nfnl_consts) from uapi.

Run by hand when a constant is needed (``python csrc/gen_consts.py``); the
output is committed. Names are taken from the headers' enum blocks and
``#define`` lines, and values are printed by the C compiler itself, so no
number is typed by hand. Kernel spellings are kept: ``IFLA_IFNAME`` becomes
``IFLA.IFNAME``.
"""

from __future__ import annotations

import re
import subprocess  # dev tool only; the library never shells out
import sys
import tempfile
from pathlib import Path

INC = Path("/usr/include")
ROOT = Path(__file__).resolve().parent.parent

# (class, base, header, how, prefix): how is "enum:FIRST" (the enum block that
# holds FIRST) or "define:REGEX" (#define lines whose name matches REGEX).
RTNL: list[tuple[str, str, str, str, str]] = [
    # NLM_F (linux/netlink.h) is rawns._wire.NLM_F: the netlink layer owns it.
    ("NLMSGERR_ATTR", "IntEnum", "linux/netlink.h", "enum:NLMSGERR_ATTR_UNUSED", "NLMSGERR_ATTR_"),
    ("RTM", "IntEnum", "linux/rtnetlink.h", "enum:RTM_NEWLINK", "RTM_"),
    ("RTN", "IntEnum", "linux/rtnetlink.h", "enum:RTN_UNSPEC", "RTN_"),
    ("RTPROT", "IntEnum", "linux/rtnetlink.h", r"define:RTPROT_\w+", "RTPROT_"),
    ("RT_SCOPE", "IntEnum", "linux/rtnetlink.h", "enum:RT_SCOPE_UNIVERSE", "RT_SCOPE_"),
    ("RT_TABLE", "IntEnum", "linux/rtnetlink.h", "enum:RT_TABLE_UNSPEC", "RT_TABLE_"),
    ("RTA", "IntEnum", "linux/rtnetlink.h", "enum:RTA_UNSPEC", "RTA_"),
    ("RTNH_F", "IntFlag", "linux/rtnetlink.h", r"define:RTNH_F_(?!COMPARE_MASK)\w+", "RTNH_F_"),
    ("RTM_F", "IntFlag", "linux/rtnetlink.h", r"define:RTM_F_\w+", "RTM_F_"),
    ("RTAX", "IntEnum", "linux/rtnetlink.h", "enum:RTAX_UNSPEC", "RTAX_"),
    ("RTNLGRP", "IntEnum", "linux/rtnetlink.h", "enum:RTNLGRP_NONE", "RTNLGRP_"),
    ("IFLA", "IntEnum", "linux/if_link.h", "enum:IFLA_UNSPEC", "IFLA_"),
    ("IFLA_INFO", "IntEnum", "linux/if_link.h", "enum:IFLA_INFO_UNSPEC", "IFLA_INFO_"),
    ("VETH_INFO", "IntEnum", "linux/veth.h", "enum:VETH_INFO_UNSPEC", "VETH_INFO_"),
    ("IFLA_BR", "IntEnum", "linux/if_link.h", "enum:IFLA_BR_UNSPEC", "IFLA_BR_"),
    ("IFLA_BRPORT", "IntEnum", "linux/if_link.h", "enum:IFLA_BRPORT_UNSPEC", "IFLA_BRPORT_"),
    ("IFLA_MACVLAN", "IntEnum", "linux/if_link.h", "enum:IFLA_MACVLAN_UNSPEC", "IFLA_MACVLAN_"),
    ("MACVLAN_MODE", "IntFlag", "linux/if_link.h", "enum:MACVLAN_MODE_PRIVATE", "MACVLAN_MODE_"),
    ("IFLA_VXLAN", "IntEnum", "linux/if_link.h", "enum:IFLA_VXLAN_UNSPEC", "IFLA_VXLAN_"),
    ("IFLA_TUN", "IntEnum", "linux/if_link.h", "enum:IFLA_TUN_UNSPEC", "IFLA_TUN_"),
    ("IF_OPER", "IntEnum", "linux/if.h", "enum:IF_OPER_UNKNOWN", "IF_OPER_"),
    ("IFF", "IntFlag", "linux/if.h", "enum:IFF_UP", "IFF_"),
    ("IFLA_BRIDGE", "IntEnum", "linux/if_bridge.h", "enum:IFLA_BRIDGE_FLAGS", "IFLA_BRIDGE_"),
    (
        "BRIDGE_VLAN_INFO",
        "IntFlag",
        "linux/if_bridge.h",
        r"define:BRIDGE_VLAN_INFO_\w+",
        "BRIDGE_VLAN_INFO_",
    ),
    ("BRIDGE_FLAGS", "IntFlag", "linux/if_bridge.h", r"define:BRIDGE_FLAGS_\w+", "BRIDGE_FLAGS_"),
    ("IFA", "IntEnum", "linux/if_addr.h", "enum:IFA_UNSPEC", "IFA_"),
    ("IFA_F", "IntFlag", "linux/if_addr.h", r"define:IFA_F_\w+", "IFA_F_"),
    ("NDA", "IntEnum", "linux/neighbour.h", "enum:NDA_UNSPEC", "NDA_"),
    ("NUD", "IntFlag", "linux/neighbour.h", r"define:NUD_\w+", "NUD_"),
    ("NTF", "IntFlag", "linux/neighbour.h", r"define:NTF_(?!EXT_)\w+", "NTF_"),
    ("FRA", "IntEnum", "linux/fib_rules.h", "enum:FRA_UNSPEC", "FRA_"),
    ("FR_ACT", "IntEnum", "linux/fib_rules.h", "enum:FR_ACT_UNSPEC", "FR_ACT_"),
    ("FIB_RULE", "IntFlag", "linux/fib_rules.h", r"define:FIB_RULE_\w+", "FIB_RULE_"),
]

NFNL: list[tuple[str, str, str, str, str]] = [
    (
        "NFNL_SUBSYS",
        "IntEnum",
        "linux/netfilter/nfnetlink.h",
        r"define:NFNL_SUBSYS_\w+",
        "NFNL_SUBSYS_",
    ),
    ("NFNLGRP", "IntEnum", "linux/netfilter/nfnetlink.h", "enum:NFNLGRP_NONE", "NFNLGRP_"),
    ("NFPROTO", "IntEnum", "linux/netfilter.h", "enum:NFPROTO_UNSPEC", "NFPROTO_"),
    ("NF_INET", "IntEnum", "linux/netfilter.h", "enum:NF_INET_PRE_ROUTING", "NF_INET_"),
    ("NF_NETDEV", "IntEnum", "linux/netfilter.h", "enum:NF_NETDEV_INGRESS", "NF_NETDEV_"),
    (
        "NF_VERDICT",
        "IntEnum",
        "linux/netfilter.h",
        r"define:NF_(?:DROP|ACCEPT|STOLEN|QUEUE|REPEAT|STOP)",
        "NF_",
    ),
    ("NFT_MSG", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFT_MSG_NEWTABLE", "NFT_MSG_"),
    ("NFT_REG", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFT_REG_VERDICT", "NFT_REG"),
    ("NFT_VERDICT", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFT_CONTINUE", "NFT_"),
    (
        "NFT_TABLE_F",
        "IntFlag",
        "linux/netfilter/nf_tables.h",
        "enum:NFT_TABLE_F_DORMANT",
        "NFT_TABLE_F_",
    ),
    ("NFT_CHAIN_F", "IntFlag", "linux/netfilter/nf_tables.h", "enum:NFT_CHAIN_BASE", "NFT_CHAIN_"),
    (
        "NFTA_TABLE",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_TABLE_UNSPEC",
        "NFTA_TABLE_",
    ),
    (
        "NFTA_CHAIN",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_CHAIN_UNSPEC",
        "NFTA_CHAIN_",
    ),
    ("NFTA_HOOK", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_HOOK_UNSPEC", "NFTA_HOOK_"),
    ("NFTA_RULE", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_RULE_UNSPEC", "NFTA_RULE_"),
    ("NFTA_LIST", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_LIST_UNSPEC", "NFTA_LIST_"),
    ("NFTA_EXPR", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_EXPR_UNSPEC", "NFTA_EXPR_"),
    ("NFTA_DATA", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_DATA_UNSPEC", "NFTA_DATA_"),
    (
        "NFTA_VERDICT",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_VERDICT_UNSPEC",
        "NFTA_VERDICT_",
    ),
    (
        "NFTA_IMMEDIATE",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_IMMEDIATE_UNSPEC",
        "NFTA_IMMEDIATE_",
    ),
    ("NFTA_CMP", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_CMP_UNSPEC", "NFTA_CMP_"),
    ("NFT_CMP", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFT_CMP_EQ", "NFT_CMP_"),
    (
        "NFTA_RANGE",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_RANGE_UNSPEC",
        "NFTA_RANGE_",
    ),
    (
        "NFTA_BITWISE",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_BITWISE_UNSPEC",
        "NFTA_BITWISE_",
    ),
    (
        "NFT_BITWISE",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFT_BITWISE_MASK_XOR",
        "NFT_BITWISE_",
    ),
    (
        "NFTA_PAYLOAD",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_PAYLOAD_UNSPEC",
        "NFTA_PAYLOAD_",
    ),
    (
        "NFT_PAYLOAD",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFT_PAYLOAD_LL_HEADER",
        "NFT_PAYLOAD_",
    ),
    ("NFTA_META", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_META_UNSPEC", "NFTA_META_"),
    ("NFT_META", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFT_META_LEN", "NFT_META_"),
    ("NFTA_CT", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_CT_UNSPEC", "NFTA_CT_"),
    ("NFT_CT", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFT_CT_STATE", "NFT_CT_"),
    (
        "NFTA_LOOKUP",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_LOOKUP_UNSPEC",
        "NFTA_LOOKUP_",
    ),
    (
        "NFTA_COUNTER",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_COUNTER_UNSPEC",
        "NFTA_COUNTER_",
    ),
    ("NFTA_NAT", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_NAT_UNSPEC", "NFTA_NAT_"),
    ("NFT_NAT", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFT_NAT_SNAT", "NFT_NAT_"),
    ("NFTA_MASQ", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_MASQ_UNSPEC", "NFTA_MASQ_"),
    (
        "NFTA_REDIR",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_REDIR_UNSPEC",
        "NFTA_REDIR_",
    ),
    (
        "NFTA_REJECT",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_REJECT_UNSPEC",
        "NFTA_REJECT_",
    ),
    (
        "NFT_REJECT",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFT_REJECT_ICMP_UNREACH",
        "NFT_REJECT_",
    ),
    (
        "NFTA_LIMIT",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_LIMIT_UNSPEC",
        "NFTA_LIMIT_",
    ),
    ("NFT_LIMIT", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFT_LIMIT_PKTS", "NFT_LIMIT_"),
    ("NFTA_LOG", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_LOG_UNSPEC", "NFTA_LOG_"),
    ("NFTA_SET", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_SET_UNSPEC", "NFTA_SET_"),
    ("NFT_SET", "IntFlag", "linux/netfilter/nf_tables.h", "enum:NFT_SET_ANONYMOUS", "NFT_SET_"),
    (
        "NFTA_SET_DESC",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_SET_DESC_UNSPEC",
        "NFTA_SET_DESC_",
    ),
    (
        "NFTA_SET_ELEM",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_SET_ELEM_UNSPEC",
        "NFTA_SET_ELEM_",
    ),
    (
        "NFTA_SET_ELEM_LIST",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_SET_ELEM_LIST_UNSPEC",
        "NFTA_SET_ELEM_LIST_",
    ),
    (
        "NFT_SET_ELEM",
        "IntFlag",
        "linux/netfilter/nf_tables.h",
        "enum:NFT_SET_ELEM_INTERVAL_END",
        "NFT_SET_ELEM_",
    ),
    ("NFTA_GEN", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFTA_GEN_UNSPEC", "NFTA_GEN_"),
    (
        "NFT_LOOKUP_F",
        "IntFlag",
        "linux/netfilter/nf_tables.h",
        "enum:NFT_LOOKUP_F_INV",
        "NFT_LOOKUP_F_",
    ),
    (
        "NF_NAT_RANGE",
        "IntFlag",
        "linux/netfilter/nf_nat.h",
        r"define:NF_NAT_RANGE_(?!MASK)\w+",
        "NF_NAT_RANGE_",
    ),
    (
        "NFT_RULE_COMPAT",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFTA_RULE_COMPAT_UNSPEC",
        "NFTA_RULE_COMPAT_",
    ),
    (
        "NF_CT_STATE",
        "IntFlag",
        "linux/netfilter/nf_conntrack_common.h",
        r"define:NF_CT_STATE_(?:INVALID_BIT|UNTRACKED_BIT)",
        "NF_CT_STATE_",
    ),
    # added for rawns.nft (issue 4)
    (
        "NFNL_BATCH",
        "IntEnum",
        "linux/netfilter/nfnetlink.h",
        "enum:NFNL_BATCH_UNSPEC",
        "NFNL_BATCH_",
    ),
    ("NFT_DATA", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFT_DATA_VALUE", "NFT_DATA_"),
    ("NFT_RANGE", "IntEnum", "linux/netfilter/nf_tables.h", "enum:NFT_RANGE_EQ", "NFT_RANGE_"),
    (
        "NFT_REJECT_ICMPX",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFT_REJECT_ICMPX_NO_ROUTE",
        "NFT_REJECT_ICMPX_",
    ),
    (
        "NFT_LIMIT_F",
        "IntFlag",
        "linux/netfilter/nf_tables.h",
        "enum:NFT_LIMIT_F_INV",
        "NFT_LIMIT_F_",
    ),
    (
        "NFT_SET_POL",
        "IntEnum",
        "linux/netfilter/nf_tables.h",
        "enum:NFT_SET_POL_PERFORMANCE",
        "NFT_SET_POL_",
    ),
    (
        "NF_LOG",
        "IntFlag",
        "linux/netfilter/nf_log.h",
        r"define:NF_LOG_(?!MASK|PREFIXLEN)\w+",
        "NF_LOG_",
    ),
    (
        "IP_CT",
        "IntEnum",
        "linux/netfilter/nf_conntrack_common.h",
        "enum:IP_CT_ESTABLISHED",
        "IP_CT_",
    ),
]


def _enum_names(text: str, first: str) -> list[str]:
    for block in re.finditer(r"enum\s*\w*\s*\{(.*?)\}", text, re.S):
        body = re.sub(r"/\*.*?\*/", "", block.group(1), flags=re.S)
        body = re.sub(r"#define[^\n]*", "", body)
        names = re.findall(r"^\s*([A-Z_][A-Z0-9_]*)\b", body, re.M)
        if first in names:
            return [n for n in names if not n.startswith("__")]
    raise SystemExit(f"no enum block holds {first}")


def _define_names(text: str, pattern: str) -> list[str]:
    names = re.findall(r"^#define\s+(" + pattern + r")\s+\S", text, re.M)
    return [n for n in dict.fromkeys(names) if not n.endswith(("_MAX", "_H"))]


def _collect(groups: list[tuple[str, str, str, str, str]]) -> list[tuple[str, str, str, list[str]]]:
    out = []
    for cls, base, header, how, prefix in groups:
        text = (INC / header).read_text()
        kind, arg = how.split(":", 1)
        names = _enum_names(text, arg) if kind == "enum" else _define_names(text, arg)
        # Drop the sentinels (FOO_MAX, RTM_BASE), not members that merely end
        # in _MAX (NFTA_NAT_REG_ADDR_MAX, NFTA_MASQ_REG_PROTO_MAX).
        sentinels = (prefix + "MAX", prefix.rstrip("_") + "_MAX", "RTM_BASE")
        names = [n for n in names if n not in sentinels]
        out.append((cls, base, header, [n for n in names if n.startswith(prefix)]))
    return out


def _values(groups: list[tuple[str, str, str, list[str]]]) -> dict[str, int]:
    headers = sorted({"linux/types.h", "sys/socket.h", *(g[2] for g in groups)})
    includes = "\n".join(f"#include <{h}>" for h in headers)
    prints = "\n".join(f'printf("{n} %lld\\n", (long long)({n}));' for g in groups for n in g[3])
    src = f"#include <stdio.h>\n{includes}\nint main(void){{\n{prints}\nreturn 0;}}\n"
    with tempfile.TemporaryDirectory() as tmp:
        c = Path(tmp) / "c.c"
        c.write_text(src)
        subprocess.run(["cc", "-o", f"{tmp}/c", str(c)], check=True)
        out = subprocess.run([f"{tmp}/c"], check=True, capture_output=True, text=True).stdout
    return {k: int(v) for k, v in (line.split() for line in out.splitlines())}


# Every class is a real IntEnum/IntFlag (``.name``, lookup by value, iteration, flag
# arithmetic). At run time the base ``_IntEnum``/``_IntFlag`` is rawns._enum's INT_ENUM /
# INT_FLAG, whose metaclass makes the enum from the class body's namespace the way
# ``enum._simple_enum`` does (the stdlib builds re.RegexFlag and http.HTTPStatus so), minus
# its per-member overhead; mypy sees ordinary enum classes. tests/unit/test_enum_build.py
# compares every class with the one ``enum._simple_enum`` makes, and
# tests/unit/test_import_cost.py with one made the ordinary way.
PRELUDE = """\
from __future__ import annotations

TYPE_CHECKING = False  # not typing's: this module is on every import path
if TYPE_CHECKING:
    from enum import IntEnum as _IntEnum
    from enum import IntFlag as _IntFlag
else:  # bases whose metaclass turns the class body into the enum (rawns._enum)
    from ._enum import INT_ENUM as _IntEnum
    from ._enum import INT_FLAG as _IntFlag
"""


def render(doc: str, groups: list[tuple[str, str, str, str, str]]) -> str:
    collected = _collect(groups)
    values = _values(collected)
    lines = [
        f'"""{doc}\n\nGenerated by csrc/gen_consts.py from the uapi headers; do not edit.\n"""',
        "",
        PRELUDE,
        "",
        "__all__ = [" + ", ".join(f'"{g[0]}"' for g in collected) + "]",
    ]
    for cls, base, header, names in collected:
        lines += ["", "", f"class {cls}(_{base}):", f'    """<{header}> {names[0]}..."""', ""]
        prefix = next(g[4] for g in groups if g[0] == cls)
        for n in names:
            short = n[len(prefix) :].lstrip("_") or n
            if short[0].isdigit() or short in ("mro",):
                short = "_" + short
            lines.append(f"    {short} = {values[n]}")
    return "\n".join(lines) + "\n"


#: The link kinds' enums (and the monitor's groups) go to rawns/_rtnl_kind_consts.py, which
#: rawns._rtnl loads on first use of one of them (issue 13: import cost).
RTNL_KINDS = {
    "VETH_INFO",
    "IFLA_BR",
    "IFLA_BRPORT",
    "IFLA_MACVLAN",
    "MACVLAN_MODE",
    "IFLA_VXLAN",
    "IFLA_TUN",
    "IFLA_BRIDGE",
    "BRIDGE_VLAN_INFO",
    "BRIDGE_FLAGS",
    "RTNLGRP",
}


def main() -> None:
    (ROOT / "rawns/_rtnl_consts.py").write_text(
        render(
            "rtnetlink constants, kernel spellings (IFLA.IFNAME is IFLA_IFNAME).",
            [g for g in RTNL if g[0] not in RTNL_KINDS],
        )
    )
    (ROOT / "rawns/_rtnl_kind_consts.py").write_text(
        render(
            "rtnetlink constants of the link kinds and of monitor groups, kernel spellings.\n\n"
            ":mod:`rawns._rtnl` loads them on first use (most programs use two or three kinds).",
            [g for g in RTNL if g[0] in RTNL_KINDS],
        )
    )
    (ROOT / "rawns/_nfnl_consts.py").write_text(
        render("nfnetlink / nf_tables constants, kernel spellings.", NFNL)
    )
    print("written", file=sys.stderr)


if __name__ == "__main__":
    main()
