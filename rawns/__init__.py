"""rawns: Linux network namespaces, links, addresses, routes and NAT over raw netlink.

>>> import rawns
>>> rawns.errors.KernelError.__mro__[1].__name__
'RawnsError'
"""

from . import addr, errors, link, monitor, neigh, netns, nft, route, rule, sysctl
from .errors import *  # noqa: F403 - the exceptions are part of the top-level API
from .errors import __all__ as _errors_all
from .handle import Handle
from .netns import Netns

__all__ = [
    "Handle",
    "Netns",
    "addr",
    "errors",
    "link",
    "monitor",
    "neigh",
    "netns",
    "nft",
    "route",
    "rule",
    "sysctl",
    *_errors_all,
]
__version__ = "0.1.0"
