"""Links (``ip link``): dump, get, add, replace, set, delete, and their bulk twins.

Specs name what you create (:class:`Veth`, :class:`Bridge`, :class:`Macvlan`,
:class:`Vxlan`, :class:`Tun`, :class:`Tap`, :class:`Ifb`); :class:`Link` is
what the kernel reports, its :attr:`Link.data` typed per kind
(:class:`VethInfo`, :class:`BridgeInfo`, :class:`MacvlanInfo`,
:class:`VxlanInfo`, :class:`TunInfo`) and :attr:`Link.port` for bridge ports
(:class:`BridgePortInfo`). Every verb takes a :class:`~rawns.Handle` first and
has a pure ``build_*`` twin; ``add_many``/``set_many``/``delete_many``
pipeline many requests per send.

Where is what: ``_types`` (Link, references), ``_spec`` (LinkSpec,
LinkChange), ``_encode`` (every ``build_*``), ``_decode`` (the plain
``parse_*``), ``_layout`` (the layout cache in front of the plain
``parse_link``), ``_verbs`` (the verbs), and a module per kind (``_veth``,
``_bridge``, ``_macvlan``, ``_vxlan``, ``_tuntap``, ``_simple``) with its
spec, its typed view and their encode/decode hooks.

>>> from rawns import link
>>> spec = link.Veth(name="veth-red", peer="veth-red-br")
>>> link.parse_add(link.build_add(spec)) == spec
True
"""

from __future__ import annotations

import sys

from ._change import set, set_group, set_many
from ._decode import parse_add, parse_set
from ._encode import (
    build_add,
    build_delete,
    build_dump,
    build_get,
    build_replace,
    build_set,
    build_set_group,
)
from ._layout import parse_link
from ._spec import LinkChange, LinkSpec, NetnsRef
from ._types import Link, LinkInfo, LinkRef, PortInfo
from ._verbs import (
    add,
    add_many,
    delete,
    delete_many,
    dump,
    get,
    replace,
    resolve_index,
)

# The kind modules load on first use of one of their names (PEP 562), or when the
# decoder first meets their kind (``_kinds``): most programs use two or three kinds.
_LAZY = {
    "PORT_STATES": "_bridge",
    "Bridge": "_bridge",
    "BridgeInfo": "_bridge",
    "BridgePort": "_bridge",
    "BridgePortInfo": "_bridge",
    "MACVLAN_MODES": "_macvlan",
    "Macvlan": "_macvlan",
    "MacvlanInfo": "_macvlan",
    "Dummy": "_simple",
    **dict.fromkeys(  # alternative names: few programs use them
        ("altname_add", "altname_delete", "build_altname_add", "build_altname_delete"), "_altname"
    ),
    "LinkGroupFields": "_fields",  # TypedDicts: their creation costs
    "LinkSetFields": "_fields",
    "Ifb": "_simple",
    "Tap": "_tuntap",
    "Tun": "_tuntap",
    "TunInfo": "_tuntap",
    "build_ifreq": "_tuntap",
    "open_tuntap": "_tuntap",
    "Veth": "_veth",
    "VethInfo": "_veth",
    "VXLAN_PORT": "_vxlan",
    "Vxlan": "_vxlan",
    "VxlanInfo": "_vxlan",
}
TYPE_CHECKING = False  # not typing's, which this module does not otherwise need
if TYPE_CHECKING:
    from ._altname import altname_add, altname_delete, build_altname_add, build_altname_delete
    from ._bridge import PORT_STATES, Bridge, BridgeInfo, BridgePort, BridgePortInfo
    from ._fields import LinkGroupFields, LinkSetFields
    from ._macvlan import MACVLAN_MODES, Macvlan, MacvlanInfo
    from ._simple import Dummy, Ifb
    from ._tuntap import Tap, Tun, TunInfo, build_ifreq, open_tuntap
    from ._veth import Veth, VethInfo
    from ._vxlan import VXLAN_PORT, Vxlan, VxlanInfo
else:

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        __import__(f"{__name__}.{module}")  # not importlib's: it (and warnings) cost an import
        value = getattr(sys.modules[f"{__name__}.{module}"], name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "MACVLAN_MODES",
    "PORT_STATES",
    "VXLAN_PORT",
    "Bridge",
    "BridgeInfo",
    "BridgePort",
    "BridgePortInfo",
    "Dummy",
    "Ifb",
    "Link",
    "LinkChange",
    "LinkGroupFields",
    "LinkInfo",
    "LinkRef",
    "LinkSetFields",
    "LinkSpec",
    "Macvlan",
    "MacvlanInfo",
    "NetnsRef",
    "PortInfo",
    "Tap",
    "Tun",
    "TunInfo",
    "Veth",
    "VethInfo",
    "Vxlan",
    "VxlanInfo",
    "add",
    "add_many",
    "altname_add",
    "altname_delete",
    "build_add",
    "build_altname_add",
    "build_altname_delete",
    "build_delete",
    "build_dump",
    "build_get",
    "build_ifreq",
    "build_replace",
    "build_set",
    "build_set_group",
    "delete",
    "delete_many",
    "dump",
    "get",
    "open_tuntap",
    "parse_add",
    "parse_link",
    "parse_set",
    "replace",
    "resolve_index",
    "set",
    "set_group",
    "set_many",
]
