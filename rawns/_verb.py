"""The one verb shape: ``verb(h, spec=None, /, **fields)``, decided here for every object.

Each ``add``/``replace``/``delete`` of link, addr, route, neigh (and the FDB)
and rule takes either a spec object (an :class:`~rawns.addr.Address`, a
:class:`~rawns.route.Route`...) or its fields as typed keywords, never both.
:func:`spec_or_fields` is the one rule, with one error text:

* a spec of the verb's type, and no keyword (a keyword given as ``None``
  counts as not given): the spec is used as it is;
* no spec: the keywords are the fields;
* a spec and keywords together: :class:`TypeError` naming the keywords;
* a positional value of another type: :class:`TypeError` naming the type
  expected and the type given -- except the object's *key* (a route's
  destination, an address), which a verb may take positionally as shorthand
  for that one keyword, as ``ip route add 10.0.0.0/8 ...`` and
  ``ip addr add 10.0.0.1/24 ...`` do.

Calls that passed the spec by keyword in an older release (``route=``,
``address=Address(...)``) go through :func:`moved_spec`, which warns
(:class:`DeprecationWarning`) and keeps them working for one release.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ._check import _show

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from typing import TypeVar

    S = TypeVar("S")

__all__ = ["given", "moved_spec", "spec_or_fields"]


def given(fields: Mapping[str, object]) -> dict[str, object]:
    """The keywords a caller gave: those whose value is not ``None`` (None means unset)."""
    return {k: v for k, v in fields.items() if v is not None}


def spec_or_fields(
    verb: str,
    spec: object,
    fields: Mapping[str, object],
    cls: type[S],
    *,
    key: str | None = None,
    key_types: tuple[type, ...] = (),
    allowed: Collection[str] | None = None,
) -> tuple[S | None, dict[str, object]]:
    """Decide how ``verb`` was called: ``(spec, {})`` or ``(None, fields)``.

    ``fields`` are the keywords as given; the returned dict holds those not
    ``None``. With ``key``, a positional value of one of ``key_types`` is
    that keyword (``route.add(h, "10.0.0.0/8")`` is ``dst="10.0.0.0/8"``).
    Raises :class:`TypeError` for a spec with keywords, a key given twice, a
    positional value of another type, or a keyword not in ``allowed`` (the
    verb's TypedDict keys, which mypy checks too).
    """
    if allowed is not None and not all(k in allowed for k in fields):
        unknown = sorted(k for k in fields if k not in allowed)
        if unknown:
            raise TypeError(
                f"{verb}() got an unexpected keyword argument {unknown[0]!r} "
                f"(it takes {', '.join(sorted(allowed))})"
            )
    kw = given(fields)
    if spec is None:
        return None, kw
    if isinstance(spec, cls):
        if kw:
            raise TypeError(
                f"{verb}() takes a {cls.__name__} or keywords, not both "
                f"(got a {cls.__name__} and {', '.join(sorted(kw))})"
            )
        return spec, {}
    if key is not None and isinstance(spec, key_types) and not isinstance(spec, bool):
        if key in kw:
            raise TypeError(
                f"{verb}() got {key} twice: {_show(spec)} (positional) and {key}={_show(kw[key])}"
            )
        return None, {key: spec, **kw}
    expected = cls.__name__
    if key is not None:
        expected += f" or a {key} ({' or '.join(t.__name__ for t in key_types)})"
    raise TypeError(
        f"{verb}() takes a {expected} as its first argument after the handle, "
        f"not {type(spec).__name__}: {_show(spec)}"
    )


def moved_spec(
    verb: str, spec: object, fields: dict[str, object], name: str, cls: type[S]
) -> object:
    """A spec passed by keyword ``name=`` (the old form): warn, and return it as the spec.

    Removes ``name`` from ``fields`` when it holds a ``cls`` (or when ``name`` is
    not one of the object's fields at all); returns ``spec`` unchanged otherwise.
    """
    value = fields.get(name)
    if not isinstance(value, cls):
        return spec
    del fields[name]
    import warnings  # here: only a deprecated call needs it (issue 13: import cost)

    warnings.warn(
        f"{verb}({name}=<{cls.__name__}>) is deprecated: pass the {cls.__name__} "
        f"positionally, {verb}(h, {name})",
        DeprecationWarning,
        stacklevel=3,
    )
    if spec is not None:
        raise TypeError(f"{verb}() got a {cls.__name__} twice (positional and {name}=)")
    return value
