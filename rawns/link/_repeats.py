"""Two specs of one ``add_many`` making the same link: refused before anything is sent."""

from __future__ import annotations

from ..netns import Netns
from ._spec import LinkSpec, NetnsRef


def _where(ns: NetnsRef | None) -> object:
    """A key for the namespace a link is made in (the handle's: None)."""
    if isinstance(ns, Netns):
        return ("netns", ns.inode())
    return None if ns is None else ("pid", ns)


def refuse_repeats(specs: list[LinkSpec], whats: list[str]) -> None:
    """Two specs making a link of the same name in the same namespace: the second
    create would fail (EEXIST) after the first; a caller mistake, refused first."""
    made: dict[tuple[object, str], str] = {}
    for spec, what in zip(specs, whats, strict=True):
        for ns, name in spec._creates():
            by = made.setdefault((_where(ns), name), what)
            if by != what:
                raise ValueError(
                    f"{what} makes a link named {name!r} where {by} makes one too: the "
                    "second create would fail with File exists after the first"
                )
