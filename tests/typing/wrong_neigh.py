"""Wrong calls of the neigh verbs: mypy must reject the line after each ``# E:``."""

from __future__ import annotations

from rawns import Handle, neigh


def wrong(h: Handle) -> None:
    # E: Argument "state" to "add" has incompatible type "float"
    neigh.add(h, dev="v0", dst="10.0.0.2", state=3.5)
    # E: Unexpected keyword argument "lladdr" for "delete"
    neigh.delete(h, dev="v0", dst="10.0.0.2", lladdr="02:00:00:00:00:02")
    # E: Argument "vni" to "fdb_add" has incompatible type "str"
    neigh.fdb_add(h, dev="v0", lladdr="02:00:00:00:00:02", vni="42")
