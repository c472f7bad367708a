"""The typed keywords of the ``set``-style verbs: :class:`LinkSetFields`, :class:`LinkGroupFields`.

``link.set(h, ref, **kw)``, ``set_many``, ``build_set`` take
:class:`~rawns.link.LinkChange`'s fields as keywords; these TypedDicts name
them for mypy (``mtu="1500"`` or a misspelt key is a type error), and
``tests/unit/test_verb_shape.py`` checks they match LinkChange's fields.
"""

from __future__ import annotations

from typing import TypedDict

from ._spec import NetnsRef, PortSettings
from ._types import LinkRef

__all__ = ["LinkGroupFields", "LinkSetFields"]


class LinkGroupFields(TypedDict, total=False):
    """What ``set_group`` changes on every link of a group (``None``: leave as it is)."""

    up: bool | None
    mtu: int | None
    master: LinkRef | None
    nomaster: bool
    netns: NetnsRef | None
    alias: str | None
    txqlen: int | None
    carrier: bool | None
    arp: bool | None
    promisc: bool | None
    allmulticast: bool | None
    multicast: bool | None


class LinkSetFields(LinkGroupFields, total=False):
    """:class:`~rawns.link.LinkChange`'s fields but ``ref``: what ``link.set`` changes."""

    mac: str | None
    name: str | None
    group: int | None
    port: PortSettings | None
