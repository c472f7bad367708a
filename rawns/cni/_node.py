"""The node a command configures: the namespace the plugin runs in.

A CNI plugin configures the network namespace it is run in (the node's). An
exec'd plugin is in it: its node handle is ``Handle.open()``, opened and
closed per command. The resident daemon (:mod:`rawns.cni._daemon`) is not:
it works for a shim that passed it an fd of the shim's namespace, and lends
each command a :class:`Node`, a handle it keeps open on that namespace between
requests (the handle's sockets and fd; never what the kernel holds: every
command asks the kernel afresh).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager
    from types import TracebackType
    from typing import TypeVar

    from ..handle import Handle
    from ._spec import Request

    T = TypeVar("T")


class Node:
    """An open handle on a node namespace, lent to one command at a time (the daemon's)."""

    __slots__ = ("handle",)

    def __init__(self, handle: Handle) -> None:
        if handle.netns is None:
            raise ValueError("a Node's handle must be opened on a namespace (netns=...)")
        self.handle = handle

    def __repr__(self) -> str:
        return f"Node({self.handle!r})"


class _Lent:
    """A context manager yielding a handle it does not close (its owner does)."""

    __slots__ = ("_h",)

    def __init__(self, h: Handle) -> None:
        self._h = h

    def __enter__(self) -> Handle:
        return self._h

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


def handle(req: Request) -> AbstractContextManager[Handle]:
    """The node's handle for one command: the daemon's lent one, or one opened (and closed
    on exit) in this thread's namespace."""
    if req.node is not None:
        return _Lent(req.node.handle)
    from ..handle import Handle

    return Handle.open()


def run_in(req: Request, fn: Callable[[], T]) -> T:
    """``fn()`` inside the node's namespace (what an exec'd delegate must inherit)."""
    if req.node is None:
        return fn()
    from ..netns import run_in as _run_in

    return _run_in(req.node.handle.netns, fn)
