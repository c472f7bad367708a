"""The twins' docstrings, taken from the sync verbs so that they cannot drift."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def twin(sync: Callable[..., Any]) -> Callable[[F], F]:
    """Give the decorated coroutine ``sync``'s docstring, naming the sync verb it mirrors."""

    def deco(fn: F) -> F:
        where = f"{sync.__module__.split('._')[0]}.{sync.__name__}"
        fn.__doc__ = (sync.__doc__ or "").rstrip() + (
            f"\n\n    The asyncio twin of :func:`{where}` (the same plan, driven on the loop)."
        )
        return fn

    return deco
