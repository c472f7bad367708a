"""Signals that unwind: :func:`unwind_on_signals` makes SIGTERM/SIGHUP raise :class:`Terminated`.

:mod:`rawns.netns` re-exports all three names.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable
from types import FrameType, TracebackType

from . import _check

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import Any


class Terminated(SystemExit):
    """SIGTERM or SIGHUP (or another signal given to :func:`unwind_on_signals`), as an exception.

    A :class:`SystemExit` (not an :class:`Exception`): ``except Exception``
    blocks let it through, while ``with`` blocks and ``finally`` clauses run,
    as for Ctrl-C. Uncaught, the process exits with status ``128 + signum``
    (143 for SIGTERM), what a shell reports for a process the signal killed.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    def __str__(self) -> str:
        try:
            return f"terminated by {signal.Signals(self.signum).name}"
        except ValueError:
            return f"terminated by signal {self.signum}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.signum,))


class SignalUnwinding:
    """What :func:`unwind_on_signals` installed; :meth:`restore` (or ``with``) undoes it.

    ``SignalUnwinding(signals)`` is the same as ``unwind_on_signals(signals)``.
    """

    def __init__(self, signals: Iterable[int] = (signal.SIGTERM, signal.SIGHUP)) -> None:
        self.signals = _signals(signals)
        if threading.current_thread() is not threading.main_thread():
            raise ValueError("unwind_on_signals() must be called from the main thread")
        self._old: dict[int, Any] = {}
        try:
            for s in self.signals:
                self._old[s] = signal.signal(s, self._unwind)
        except BaseException:
            self.restore()
            raise

    def _unwind(self, signum: int, frame: FrameType | None) -> None:
        # The first signal unwinds; more of them while the stack unwinds are
        # ignored, so that a second SIGTERM cannot cut a cleanup short (a
        # SIGKILL still can). restore() puts the previous handlers back.
        for s in self.signals:
            signal.signal(s, signal.SIG_IGN)
        raise Terminated(signum)

    def restore(self) -> None:
        """Put back the handlers that were there before. Idempotent."""
        old, self._old = self._old, {}
        for s, handler in old.items():
            signal.signal(s, handler)

    def __enter__(self) -> SignalUnwinding:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.restore()


_UNCATCHABLE = {signal.SIGKILL, signal.SIGSTOP}
_NAMED = {int(s) for s in signal.Signals}


def unwind_on_signals(
    signals: Iterable[int] = (signal.SIGTERM, signal.SIGHUP),
) -> SignalUnwinding:
    """Make SIGTERM and SIGHUP unwind the main thread like Ctrl-C does.

    Equivalent to: trap 'cleanup' TERM HUP (in a shell script)

    By default Python dies of SIGTERM on the spot: no ``finally``, no
    ``__exit__``, so a namespace from ``netns.create()`` stays in
    ``/run/netns``. After this call the signal raises :class:`Terminated` in
    the main thread instead; ``with`` blocks clean up, and an uncaught
    :class:`Terminated` exits with status ``128 + signum``. Later signals of
    these kinds are ignored while that happens. Call it once at the start
    of a script, or use it as a context manager to restore the previous
    handlers at the end of the block::

        with netns.unwind_on_signals(), netns.create("red") as red:
            ...

    Raises :class:`ValueError` outside the main thread, for SIGKILL/SIGSTOP,
    an unknown signal number or an empty list; :class:`TypeError` for
    anything but signal numbers.
    """
    return SignalUnwinding(signals)


def _signals(signals: object) -> tuple[int, ...]:
    """Catchable signal numbers, each once, in order; at least one."""
    if isinstance(signals, int | str | bytes) or not isinstance(signals, Iterable):
        raise TypeError(
            "signals must be a sequence of signal numbers such as (signal.SIGTERM,), "
            f"not {type(signals).__name__}: {_check._show(signals)}"
        )
    valid = signal.valid_signals()
    chosen: list[int] = []
    for s in signals:
        n = _check.integer(s, "signals", 1, signal.NSIG - 1)
        if n not in valid:
            raise ValueError(f"signals: {s!r} is not a signal number of this system")
        if n in _UNCATCHABLE:
            raise ValueError(f"signals: {signal.Signals(n).name} cannot be caught")
        if n not in chosen:
            chosen.append(n)
    if not chosen:
        raise ValueError("signals must name at least one signal")
    # Real-time signals between SIGRTMIN and SIGRTMAX have no enum member: stay ints.
    return tuple(signal.Signals(n) if n in _NAMED else n for n in chosen)
