"""Names and strings where a kernel enum is (issue 13 item 3), and add_many's typed keywords.

The calls in ``right`` must type-check (they work at run time: a typed
``__init__`` takes what callers pass); mypy must reject the line after each
``# E:`` in ``wrong``.
"""

from __future__ import annotations

import ipaddress

from rawns import Handle, neigh, route, rule


def right(h: Handle) -> None:
    neigh.Neighbour(index=2, dst="10.0.0.2", state="permanent")
    neigh.Neighbour(index=2, dst=ipaddress.ip_address("10.0.0.2"), lladdr=b"\x02" * 6)
    neigh.Neighbour(index=2, dst="10.0.0.2", flags="router")
    neigh.Neighbour(index=2, dst="10.0.0.2", flags=["router", "extern_learn"])
    neigh.Neighbour(index=2, dst="10.0.0.2", flags=neigh.NTF.ROUTER, state=neigh.NUD.STALE)
    neigh.add(h, dev="v0", dst="10.0.0.2", flags=("router", neigh.NTF_EXT_LEARNED))
    n: neigh.NUD = neigh.Neighbour(index=2, state="stale").state  # the field stays a NUD
    f: neigh.NTF = neigh.Neighbour(index=2, flags="router").flags
    rule.Rule(action="blackhole")
    rule.Rule(table="main", src="10.0.0.0/8", family="inet")
    a: int = rule.Rule(action="unreachable").action
    route.add_many(h, ["10.1.0.0/24"], gateway="10.0.0.1", table=100, protocol="static")
    route.add_many(h, ["default"], oif=2, metric=5, onlink=True)
    print(n, f, a, neigh.NTF_EXT_MANAGED | neigh.NTF_EXT_LOCKED | neigh.NTF_EXT_EXT_VALIDATED)


def wrong(h: Handle) -> None:
    # E: Argument "flags" to "Neighbour" has incompatible type "float"
    neigh.Neighbour(index=2, flags=1.5)
    # E: Argument "action" to "Rule" has incompatible type "float"
    rule.Rule(action=2.5)
    # E: Unexpected keyword argument "gatway" for "add_many"
    route.add_many(h, ["10.1.0.0/24"], gatway="10.0.0.1")
    # E: Argument "metric" to "add_many" has incompatible type "str"
    route.add_many(h, ["10.1.0.0/24"], metric="5")
