"""Alternative names of a link (``ip link property add|del dev DEV altname NAME``).

A link has one name (IFLA_IFNAME, at most 15 bytes) and any number of
alternative names of up to 127 bytes, added and removed with RTM_NEWLINKPROP
and RTM_DELLINKPROP: an IFLA_PROP_LIST nest holding IFLA_ALT_IFNAME
(net/core/rtnetlink.c: rtnl_linkprop). The kernel looks a link up by any of
its names, so every verb that takes a link reference takes an altname too (a
long one travels in IFLA_ALT_IFNAME: ``_encode.put_name``), and a dumped
:class:`~rawns.link.Link` lists them in :attr:`~rawns.link.Link.alt_names`.

One name per request: the kernel applies a list of names one by one and keeps
those before a refusal, so a request carrying several could be half done.

>>> from rawns import link
>>> msg = link.build_altname_add(3, "uplink-0")
>>> msg[4:6] == (108).to_bytes(2, "little")            # RTM_NEWLINKPROP
True
>>> link.build_altname_add("veth0", "uplink/0")
Traceback (most recent call last):
ValueError: altname 'uplink/0' contains '/'
"""

from __future__ import annotations

from .. import _check
from .._rtnl import IFLA, NLM_F, RTM
from .._wire import Writer
from ..handle import Handle
from ._encode import put_ref
from ._types import LinkRef, check_here, check_ref, ref_label

__all__ = ["altname_add", "altname_delete", "build_altname_add", "build_altname_delete"]

# What ``ip link property add`` sends (iplink.c: iplink_prop_mod): the new-object
# flags and APPEND, as the list of names grows. ``property del``: request and ack.
F_ADD = int(NLM_F.REQUEST | NLM_F.ACK | NLM_F.EXCL | NLM_F.CREATE | NLM_F.APPEND)
F_DELETE = int(NLM_F.REQUEST | NLM_F.ACK)


def _build(mtype: int, flags: int, ref: LinkRef, altname: str) -> bytes:
    check_ref(ref)
    _check.altname(altname, "altname")
    w = Writer()
    w.begin(mtype, flags=flags)
    put_ref(w, ref)
    with w.nest(IFLA.PROP_LIST):
        w.put_strz(IFLA.ALT_IFNAME, altname)
    w.end()
    return w.data()


def build_altname_add(ref: LinkRef, altname: str) -> bytes:
    """RTM_NEWLINKPROP giving link ``ref`` the alternative name ``altname``.

    Equivalent to: ip link property add dev REF altname ALTNAME

    Pure. Raises :class:`ValueError`/:class:`TypeError` for a bad reference or
    name (:func:`rawns._check.altname`: 1..127 bytes, the interface-name rules).
    """
    return _build(RTM.NEWLINKPROP, F_ADD, ref, altname)


def build_altname_delete(ref: LinkRef, altname: str) -> bytes:
    """RTM_DELLINKPROP taking the alternative name ``altname`` from link ``ref``.

    Equivalent to: ip link property del dev REF altname ALTNAME

    Pure; raises as :func:`build_altname_add`.
    """
    return _build(RTM.DELLINKPROP, F_DELETE, ref, altname)


def altname_add(h: Handle, ref: LinkRef, altname: str) -> None:
    """Give a link an alternative name, by which every verb then finds it.

    Equivalent to: ip link property add dev REF altname ALTNAME

    Raises :class:`~rawns.errors.AlreadyExists` if any link in the namespace
    already has that name (as its name or an altname),
    :class:`~rawns.errors.NotFound` if there is no such link;
    :class:`ValueError`/:class:`TypeError` for a bad reference or name, or a
    :class:`~rawns.link.Link` from another namespace (nothing sent).
    """
    _send(h, ref, altname, RTM.NEWLINKPROP, F_ADD, "RTM_NEWLINKPROP")


def altname_delete(h: Handle, ref: LinkRef, altname: str) -> None:
    """Take an alternative name from a link.

    Equivalent to: ip link property del dev REF altname ALTNAME

    Raises :class:`~rawns.errors.NotFound` if there is no such link or the
    name is no link's; :class:`~rawns.errors.InvalidArgument` if the name is
    another link's, or the link's own name (not an alternative one);
    :class:`ValueError`/:class:`TypeError` as :func:`altname_add` (nothing sent).
    """
    _send(h, ref, altname, RTM.DELLINKPROP, F_DELETE, "RTM_DELLINKPROP")


def _send(h: Handle, ref: LinkRef, altname: str, mtype: int, flags: int, op: str) -> None:
    _check.handle(h)
    check_here(h, ref)
    msg = _build(mtype, flags, ref, altname)
    h.rtnl.request(msg, op=op, target=f"{ref_label(ref)} altname {altname}")
