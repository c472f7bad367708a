"""Steps as data: :class:`Step`, :func:`run_steps` and the undo machinery.

A multi-step helper (and :class:`~rawns.topology.Topology`) builds its list of
``(description, do, undo)`` steps once; :func:`run_steps` runs it and, if a
step fails, undoes the ones before it, newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .. import _check
from .._dataclass import dataclass
from ..handle import Handle
from ..netns import Netns, NetnsLike, resolve

#: A handle, or how to get one when a step runs (a namespace opened only then).
_HandleSource = Handle | Callable[[], Handle]

# ---------------------------------------------------------------------------
# steps as data


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a multi-step helper: ``(description, do, undo)``.

    ``description`` is the equivalent command. ``do()`` makes at most one
    change (reads may come before it, never after) and returns True if it
    changed something; only then is ``undo()`` called to take it back when a
    later step fails (or at teardown). ``undo`` is ``None`` for a step whose
    change goes away with an earlier step's undo (anything inside a namespace
    that a step created).
    """

    description: str
    do: Callable[[], bool]
    undo: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        _check.text(self.description, "Step.description", max_bytes=_TEXT_MAX)
        if not callable(self.do):
            raise TypeError(f"Step.do must be callable, not {_check._show(self.do)}")
        if self.undo is not None and not callable(self.undo):
            raise TypeError(f"Step.undo must be callable or None, not {_check._show(self.undo)}")


_TEXT_MAX = 1 << 16  # a description or label: text for people, not for the kernel


def run_steps(steps: Sequence[Step], label: str | None = None) -> list[Step]:
    """Run ``steps`` in order; return those that changed something (to undo later).

    Equivalent to: the steps' commands in order, as a shell script with
    ``set -e`` and a trap that runs the undo commands of those done.

    If a step raises, the steps before it are undone, newest first, and the
    step's own exception is re-raised, unchanged, with a note (if ``label``
    is given) naming the step, its number, how many changes were undone, and
    any undo that failed in turn. Nothing raised by an undo replaces it.
    Raises :class:`TypeError` if ``steps`` is not a list of :class:`Step`
    (nothing run).
    """
    if isinstance(steps, str | bytes) or not isinstance(steps, Sequence):
        raise TypeError(f"steps must be a list of compose.Step, not {_check._show(steps)}")
    for s in steps:
        if not isinstance(s, Step):
            raise TypeError(f"steps must hold compose.Step, not {_check._show(s)}")
    if label is not None:
        _check.text(label, "label", max_bytes=_TEXT_MAX)
    done: list[Step] = []
    for i, s in enumerate(steps, 1):
        try:
            changed = s.do()
        except BaseException as e:
            problems, undone = _unwind(done)
            if label is not None:
                e.add_note(
                    f"rawns {label}: step {i}/{len(steps)} failed: {s.description}; "
                    f"undid {len(undone)} earlier step(s)"
                    + (f"; undo problems: {'; '.join(problems)}" if problems else "")
                )
            raise
        if changed and s.undo is not None:
            done.append(s)
    return done


def _unwind(done: list[Step]) -> tuple[list[str], list[Step]]:
    """Undo ``done`` newest first, emptying it; returns (problems, the steps undone).

    An undo that fails is reported (``"description: error"``) and the rest
    still run.
    """
    problems: list[str] = []
    undone: list[Step] = []
    while done:
        s = done.pop()
        undone.append(s)
        try:
            assert s.undo is not None
            s.undo()
        except Exception as e:  # keep undoing; report what failed
            problems.append(f"undo of {s.description!r}: {type(e).__name__}: {e}")
    return problems, undone


def _group(description: str, steps: Sequence[Step]) -> Step:
    """Several steps shown as one: all or nothing, undone together (newest first)."""
    done: list[Step] = []

    def do() -> bool:
        done[:] = run_steps(steps)
        return bool(done)

    def undo() -> None:
        problems, _ = _unwind(done)
        if problems:
            raise RuntimeError("; ".join(problems))

    return Step(description, do, undo)


def _source(h: _HandleSource) -> Callable[[], Handle]:
    if isinstance(h, Handle):
        return lambda: h
    return h


class _Inside:
    """A namespace (given, or named) and a handle on it, opened on first use.

    Steps that act inside a member namespace get their handle from here when
    they run, and again when they are undone (for a :class:`Topology
    <rawns.topology.Topology>` that may be much later: a named namespace is
    then opened again). :meth:`close` closes what was opened.
    """

    def __init__(self, ns: NetnsLike) -> None:
        self._given = ns
        self._ns: Netns | None = None
        self._h: Handle | None = None

    def netns(self) -> Netns:
        if isinstance(self._given, Netns):
            return self._given
        if self._ns is None:
            self._ns = resolve(self._given, "ns")  # a name, a path or a pid
        return self._ns

    def handle(self) -> Handle:
        if self._h is None:
            self._h = Handle.open(netns=self.netns())
        return self._h

    def close(self) -> None:
        if self._h is not None:
            self._h.close()
            self._h = None
        if self._ns is not None:
            self._ns.close()
            self._ns = None
