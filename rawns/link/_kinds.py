"""Which module holds each link kind, loaded on first sight (issue 13: import cost).

``import rawns.link`` loads no kind module: ``rawns.link.Veth`` (PEP 562) and
the decoder, meeting a kind (or a master's kind, or a port's settings) it has
no parser for, load the one module that registers it. Each module is loaded
once; a kind rawns has no module for costs one dictionary look-up.
"""

from __future__ import annotations

__all__ = ["KIND_MODULES", "load", "load_all"]

#: IFLA_INFO_KIND (and IFLA_INFO_SLAVE_KIND) -> the module registering it.
KIND_MODULES = {
    "bridge": "_bridge",
    "dummy": "_simple",
    "ifb": "_simple",
    "macvlan": "_macvlan",
    "macvtap": "_macvlan",
    "tap": "_tuntap",
    "tun": "_tuntap",
    "veth": "_veth",
    "vxlan": "_vxlan",
}

_loaded: set[str] = set()


def load(kind: str) -> bool:
    """Load the module of ``kind`` if not yet done; whether anything was loaded."""
    module = KIND_MODULES.get(kind)
    if module is None or module in _loaded:
        return False
    __import__(f"{__package__}.{module}")  # not importlib's: it costs an import
    _loaded.add(module)
    return True


def load_all() -> None:
    """Every kind module (what ``import rawns.link`` did before it was lazy)."""
    for kind in KIND_MODULES:
        load(kind)
