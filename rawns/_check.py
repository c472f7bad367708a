"""Edge checks shared by the object modules: caller mistakes become ValueError/TypeError."""

from __future__ import annotations

__all__ = ["check_uint"]


def check_uint(value: int | None, bits: int, what: str) -> None:
    """Refuse a non-int (TypeError) or an int outside ``0..2**bits - 1`` (ValueError).

    ``None`` (a field left unset) passes. Messages name ``what`` and the value.
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {value!r}")
    if not 0 <= value < (1 << bits):
        raise ValueError(f"{what} {value} is out of range (0..{(1 << bits) - 1})")
