"""Wrong calls of the netns verbs: mypy must reject the line after each ``# E:``."""

from __future__ import annotations

from rawns import Handle, netns


def wrong() -> None:
    # E: Argument 1 to "create" has incompatible type "int"
    netns.create(5)
    # E: Argument "pid" to "open" has incompatible type "str"
    netns.open("red", pid="1")
    # E: Argument "netns" to "open" of "Handle" has incompatible type "float"
    Handle.open(netns=3.5)
