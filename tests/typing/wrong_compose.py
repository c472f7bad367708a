"""Wrong calls of the compose helpers: mypy must reject the line after each ``# E:``."""

from __future__ import annotations

from rawns import Handle, compose


def wrong(h: Handle) -> None:
    # E: Argument 2 to "ensure_route" has incompatible type "int"
    compose.ensure_route(h, 10)
    # E: Argument 2 to "port_forward" has incompatible type "str"
    compose.port_forward(h, "80", to="10.0.0.2")
