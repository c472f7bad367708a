"""Wrong calls of the link verbs: mypy must reject the line after each ``# E:``."""

from __future__ import annotations

from rawns import Handle, link


def wrong(h: Handle) -> None:
    # E: Argument "mtu" to "set" has incompatible type "str"
    link.set(h, "br0", mtu="1500")
    # E: Unexpected keyword argument "mtus" for "set"
    link.set(h, "br0", mtus=1500)
    # E: Argument "up" to "set_many" has incompatible
    link.set_many(h, ["br0"], up="yes")
    # E: Unexpected keyword argument "name" for "set_group"
    link.set_group(h, 7, name="x")
    # E: Argument "txqlen" to "build_set" has incompatible
    link.build_set("br0", txqlen=1.5)
    # E: Argument 2 to "add" has incompatible type "str"
    link.add(h, "br0")
