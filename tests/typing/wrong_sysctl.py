"""Wrong calls of the sysctl verbs: mypy must reject the line after each ``# E:``."""

from __future__ import annotations

from rawns import Handle, sysctl


def wrong(h: Handle) -> None:
    # E: Argument 3 to "set" has incompatible type "float"
    sysctl.set(h, "net.ipv4.ip_forward", 1.5)
    # E: Missing positional argument "key" in call to "get"
    sysctl.get(h)
