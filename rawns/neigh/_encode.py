"""Encoding neighbour and FDB requests: the ``build_*`` twins of the verbs."""

from __future__ import annotations

import _socket

from .. import _check
from .._rtnl import NDA, NDMSG, NLM_F, NTF, RTM
from .._wire import Writer
from ._types import AF_BRIDGE, Neighbour, _family, _family_of, _ip

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from .._inet import IPAddress


def _put_ip(w: Writer, atype: int, addr: IPAddress) -> None:
    w.put(atype, addr.packed)


def _put_lladdr(w: Writer, lladdr: str) -> None:
    w.put(_NDA_LLADDR, bytes.fromhex(lladdr.replace(":", "")))


# Read per request, as ints: IntEnum/IntFlag members and operators cost on Python 3.11.
_NDA_LLADDR, _NDA_DST = int(NDA.LLADDR), int(NDA.DST)
_NEWNEIGH = int(RTM.NEWNEIGH)
_F_REQUEST_ACK = int(NLM_F.REQUEST | NLM_F.ACK)
_F_CREATE_EXCL = int(NLM_F.CREATE | NLM_F.EXCL)


def _body(w: Writer, n: Neighbour, *, delete: bool = False) -> None:
    w.put_bytes_raw(NDMSG.pack(n.family, n.index, n.state, n.flags, n.type))
    # Attribute order follows iproute2 (ip/ipneigh.c, bridge/fdb.c) so that a
    # request is byte-identical to what `ip`/`bridge` send for the same command.
    if n.family == AF_BRIDGE:
        if n.lladdr is not None:
            _put_lladdr(w, n.lladdr)
        if n.dst is not None:
            _put_ip(w, NDA.DST, n.dst)
        if n.vlan is not None:
            w.put_u16(NDA.VLAN, n.vlan)
        if n.nh_id is not None:
            w.put_u32(NDA.NH_ID, n.nh_id)
        if n.port is not None:
            w.put_be16(NDA.PORT, n.port)
        if n.vni is not None:
            w.put_u32(NDA.VNI, n.vni)
        if n.src_vni is not None:
            w.put_u32(NDA.SRC_VNI, n.src_vni)
        if n.via is not None:
            w.put_u32(NDA.IFINDEX, n.via)
        if n.master is not None and not delete:
            w.put_u32(NDA.MASTER, n.master)
    else:
        if n.dst is not None:
            _put_ip(w, _NDA_DST, n.dst)
        if n.lladdr is not None and not delete:
            _put_lladdr(w, n.lladdr)
        if n.vlan is not None:
            w.put_u16(NDA.VLAN, n.vlan)
        if n.via is not None:
            w.put_u32(NDA.IFINDEX, n.via)
    if n.protocol is not None and not delete:
        w.put_u8(NDA.PROTOCOL, n.protocol)
    if n.flags_ext is not None and not delete:
        w.put_u32(NDA.FLAGS_EXT, n.flags_ext)


def _check_spec(n: Neighbour) -> None:
    if not isinstance(n, Neighbour):
        raise TypeError(f"neighbour must be a Neighbour, not {_check._show(n)}")
    if n.index <= 0:
        raise ValueError(f"a neighbour request needs the device's index (index > 0), not {n.index}")
    if n.family == AF_BRIDGE:
        if n.lladdr is None:
            raise ValueError("an FDB entry needs a MAC address (lladdr)")
    elif n.family not in (_socket.AF_INET, _socket.AF_INET6):
        raise ValueError(f"neighbour family {n.family} is not inet, inet6 or bridge")
    elif n.dst is None:
        raise ValueError("an IP neighbour needs a destination address (dst)")


#: The nlmsghdr flags an RTM_NEWNEIGH may add to REQUEST|ACK (ip neigh add/replace/change,
#: bridge fdb add/append/replace).
_NEW_FLAGS = int(NLM_F.CREATE | NLM_F.EXCL | NLM_F.REPLACE | NLM_F.APPEND)


def build_add(n: Neighbour, *, flags: int = _F_CREATE_EXCL) -> bytes:
    """RTM_NEWNEIGH creating ``n`` (``ip neigh add``, ``bridge fdb add``); seq 0.

    ``flags`` are the NLM_F_* of the request besides REQUEST|ACK: CREATE,
    EXCL, REPLACE, APPEND (:class:`ValueError` for any other bit).
    """
    _check_spec(n)
    flags = _check.uint(flags, 16, "flags")
    if flags & ~_NEW_FLAGS:
        raise ValueError(
            f"flags {flags:#x}: an RTM_NEWNEIGH takes NLM_F_CREATE, EXCL, REPLACE and APPEND only"
        )
    w = Writer()
    w.begin(_NEWNEIGH, flags=_F_REQUEST_ACK | flags)
    _body(w, n)
    w.end()
    return w.data()


def build_replace(n: Neighbour) -> bytes:
    """RTM_NEWNEIGH creating or replacing ``n`` (``ip neigh replace``)."""
    return build_add(n, flags=NLM_F.CREATE | NLM_F.REPLACE)


def build_append(n: Neighbour) -> bytes:
    """RTM_NEWNEIGH appending an FDB entry (``bridge fdb append``: one more vxlan remote)."""
    return build_add(n, flags=NLM_F.CREATE | NLM_F.APPEND)


def build_delete(n: Neighbour) -> bytes:
    """RTM_DELNEIGH for ``n`` (``ip neigh del``, ``bridge fdb del``).

    The kernel identifies an IP neighbour by device, family and ``dst``
    (plus ``NTF_PROXY``), an FDB entry by device, MAC, vlan and, for vxlan,
    the remote; ``lladdr`` of an IP neighbour is therefore not sent.
    """
    _check_spec(n)
    w = Writer()
    w.begin(RTM.DELNEIGH, flags=NLM_F.REQUEST | NLM_F.ACK)
    _body(w, n, delete=True)
    w.end()
    return w.data()


def build_get(*, index: int, dst: IPAddress | str, proxy: bool = False) -> bytes:
    """RTM_GETNEIGH for one IP neighbour (``ip neigh get DST dev DEV``)."""
    _check.ifindex(index, "index")
    addr = _ip(dst, "dst")
    _check.boolean(proxy, "proxy")
    w = Writer()
    w.begin(RTM.GETNEIGH, flags=NLM_F.REQUEST | NLM_F.ACK)
    # Strict get (net/core/neighbour.c: neigh_valid_get_req) allows only the
    # family, the ifindex, NTF_PROXY and NDA_DST.
    w.put_bytes_raw(NDMSG.pack(_family_of(addr), index, 0, NTF.PROXY if proxy else 0, 0))
    _put_ip(w, NDA.DST, addr)
    w.end()
    return w.data()


def _index_or_0(value: object, what: str) -> int:
    return 0 if value == 0 and type(value) is int else _check.ifindex(value, what)


def build_dump(
    *, family: int | str | None = 0, index: int = 0, master: int = 0, proxy: bool = False
) -> bytes:
    """RTM_GETNEIGH dump request, filtered by the kernel (strict checking).

    ``family`` 0 dumps every IP neighbour table; ``AF_BRIDGE`` dumps the FDB
    (names as :func:`dump` takes them work too). ``index`` and ``master``
    filter by device and by bridge (NDA_IFINDEX, NDA_MASTER); ``proxy`` dumps
    proxy entries instead (not for the FDB).
    """
    fam = _family(family)
    _index_or_0(index, "index")
    _index_or_0(master, "master")
    _check.boolean(proxy, "proxy")
    if proxy and fam == AF_BRIDGE:
        raise ValueError("the FDB has no proxy entries")
    w = Writer()
    w.begin(RTM.GETNEIGH, flags=NLM_F.REQUEST | NLM_F.DUMP)
    w.put_bytes_raw(NDMSG.pack(fam, 0, 0, NTF.PROXY if proxy else 0, 0))
    if index:
        w.put_u32(NDA.IFINDEX, index)
    if master:
        w.put_u32(NDA.MASTER, master)
    w.end()
    return w.data()
