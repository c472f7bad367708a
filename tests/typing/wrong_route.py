"""Wrong calls of the route verbs: mypy must reject the line after each ``# E:``."""

from __future__ import annotations

from rawns import Handle, route


def wrong(h: Handle) -> None:
    # E: Argument "metric" to "add" has incompatible type "str"
    route.add(h, dst="10.0.0.0/8", metric="x")
    # E: Unexpected keyword argument "via_gateway" for "replace"
    route.replace(h, dst="10.0.0.0/8", via_gateway="10.0.0.1")
    # E: Unexpected keyword argument "mtu" for "delete"
    route.delete(h, dst="10.0.0.0/8", mtu=1400)
    # E: Argument 2 to "add" has incompatible type "int"
    route.add(h, 10)
