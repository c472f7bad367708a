"""Wrong calls of the addr verbs: mypy must reject the line after each ``# E:``."""

from __future__ import annotations

from rawns import Handle, addr


def wrong(h: Handle) -> None:
    # E: Unexpected keyword argument "lifetime" for "add"
    addr.add(h, dev="v0", address="10.0.0.1/24", lifetime=5)
    # E: Argument "metric" to "add" has incompatible type "str"
    addr.add(h, dev="v0", address="10.0.0.1/24", metric="5")
    # E: Unexpected keyword argument "flags" for "delete"
    addr.delete(h, dev="v0", address="10.0.0.1/24", flags=2)
