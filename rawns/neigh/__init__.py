"""Neighbours (``ip neigh``, ``arp``) and bridge FDB entries (``bridge fdb``).

Both are ``RTM_*NEIGH`` messages: an ``ndmsg`` header and ``NDA_*``
attributes. An IP neighbour has family ``AF_INET``/``AF_INET6`` and maps
``dst`` to ``lladdr`` on a device; an FDB entry has family ``AF_BRIDGE`` and
maps a MAC (``lladdr``) to a bridge port, or, on a vxlan device, to a remote
VTEP (``dst``, ``vni``, ``port``, ``via``). :class:`Neighbour` is the one typed
value for both: what the kernel reports, and the spec that ``build_*`` encode
(so a golden capture round-trips through it).

Types in ``_types``, requests in ``_encode``, :func:`parse_neighbour` in
``_decode``; the verbs of IP neighbours in ``_neighbours`` and of the FDB in
``_fdb``, all re-exported here.

>>> import socket
>>> n = Neighbour(index=5, dst="10.0.0.2", lladdr="02:00:00:00:00:02", state="permanent")
>>> n.family == socket.AF_INET, n.permanent
(True, True)
>>> parse_neighbour(build_add(n)[16:]) == n
True
>>> Neighbour(index=5, dst="10.0.0.3", flags=["router", "extern_learn"]).flags == (
...     NTF.ROUTER | NTF_EXT_LEARNED)
True

``NTF_EXT_MANAGED``, ``NTF_EXT_LOCKED`` and ``NTF_EXT_EXT_VALIDATED`` are the
NDA_FLAGS_EXT bits of :attr:`Neighbour.flags_ext`.
"""

from .._rtnl import NTF, NUD
from ._decode import parse_neighbour
from ._encode import (
    build_add,
    build_append,
    build_delete,
    build_dump,
    build_get,
    build_replace,
)
from ._neighbours import add, delete, dump, get, replace
from ._types import (
    AF_BRIDGE,
    NTF_EXT_EXT_VALIDATED,
    NTF_EXT_LEARNED,
    NTF_EXT_LOCKED,
    NTF_EXT_MANAGED,
    CacheInfo,
    Neighbour,
)

TYPE_CHECKING = False  # not typing's: nothing else here needs it
if TYPE_CHECKING:
    from ._fdb import fdb_add, fdb_append, fdb_delete, fdb_dump, fdb_replace
    from ._fields import FdbFields, NeighFields, NeighMatch
else:
    _FDB = ("fdb_add", "fdb_append", "fdb_delete", "fdb_dump", "fdb_replace")

    def __getattr__(name: str) -> object:
        """The fdb verbs, and the keywords' TypedDicts, load on first use."""
        if name in _FDB:
            from . import _fdb

            value = getattr(_fdb, name)
            globals()[name] = value
            return value
        if name in ("FdbFields", "NeighFields", "NeighMatch"):
            from . import _fields

            return getattr(_fields, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), *_FDB, "FdbFields", "NeighFields", "NeighMatch"})


__all__ = [
    "AF_BRIDGE",
    "NTF",
    "NTF_EXT_EXT_VALIDATED",
    "NTF_EXT_LEARNED",
    "NTF_EXT_LOCKED",
    "NTF_EXT_MANAGED",
    "NUD",
    "CacheInfo",
    "FdbFields",
    "NeighFields",
    "NeighMatch",
    "Neighbour",
    "add",
    "build_add",
    "build_append",
    "build_delete",
    "build_dump",
    "build_get",
    "build_replace",
    "delete",
    "dump",
    "fdb_add",
    "fdb_append",
    "fdb_delete",
    "fdb_dump",
    "fdb_replace",
    "get",
    "parse_neighbour",
    "replace",
]
