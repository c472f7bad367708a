"""Wrong calls of the rule verbs: mypy must reject the line after each ``# E:``."""

from __future__ import annotations

from rawns import Handle, rule


def wrong(h: Handle) -> None:
    # E: Argument "priority" to "add" has incompatible type "str"
    rule.add(h, priority="100", table=100)
    # E: Unexpected keyword argument "pref" for "delete"
    rule.delete(h, pref=100)
