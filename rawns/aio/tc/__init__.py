"""Traffic control as coroutines: :mod:`rawns.tc`'s verbs, on an :class:`~rawns.aio.AsyncHandle`.

``aio.tc.qdisc``, ``aio.tc.tclass`` and ``aio.tc.filter`` mirror
:mod:`rawns.tc.qdisc`, :mod:`rawns.tc.tclass` and :mod:`rawns.tc.filter`:
each verb runs the very plan its sync twin runs.
"""

from __future__ import annotations

from . import filter, qdisc, tclass

__all__ = ["filter", "qdisc", "tclass"]
