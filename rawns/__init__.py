"""rawns: Linux network namespaces, links, addresses, routes and NAT over raw netlink.

Submodules load on first use (PEP 562), so ``import rawns`` costs little:

>>> import rawns
>>> rawns.errors.KernelError.__mro__[1].__name__
'RawnsError'
>>> rawns.link.Bridge(name="v-net-0").name
'v-net-0'
"""

from __future__ import annotations

import sys

from . import errors
from .errors import *  # noqa: F403 - the exceptions are part of the top-level API
from .errors import __all__ as _errors_all

TYPE_CHECKING = False  # not typing's: typing would be most of what `import rawns` loads
if TYPE_CHECKING:
    from . import (
        addr,
        compose,
        link,
        monitor,
        neigh,
        netns,
        nexthop,
        nft,
        probe,
        rootless,
        route,
        rule,
        sysctl,
        tc,
        topology,
    )
    from .handle import Handle
    from .netns import Netns
    from .topology import Topology

_SUBMODULES = frozenset(
    {
        "addr",
        "aio",
        "compose",
        "link",
        "monitor",
        "neigh",
        "netns",
        "nexthop",
        "nft",
        "probe",
        "rootless",
        "route",
        "rule",
        "sysctl",
        "tc",
        "topology",
    }
)
_NAMES = {"Handle": "handle", "Netns": "netns", "Topology": "topology"}


if not TYPE_CHECKING:  # mypy sees the imports above, and no catch-all for a misspelt name

    def __getattr__(name: str) -> object:
        # __import__ and sys.modules, not importlib.import_module: importlib (and
        # the warnings it loads) would be an import of its own.
        if name in _SUBMODULES:
            __import__(f"{__name__}.{name}")
            mod = sys.modules[f"{__name__}.{name}"]
            globals()[name] = mod
            return mod
        if name in _NAMES:
            __import__(f"{__name__}.{_NAMES[name]}")
            value = getattr(sys.modules[f"{__name__}.{_NAMES[name]}"], name)
            globals()[name] = value
            return value
        raise AttributeError(f"module 'rawns' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_SUBMODULES, *_NAMES})


__all__ = [
    "Handle",
    "Netns",
    "Topology",
    "addr",
    "compose",
    "errors",
    "link",
    "monitor",
    "neigh",
    "netns",
    "nexthop",
    "nft",
    "probe",
    "rootless",
    "route",
    "rule",
    "sysctl",
    "tc",
    "topology",
    *_errors_all,
]
__version__ = "0.1.0"
