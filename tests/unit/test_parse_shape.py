"""Every object's ``parse_*`` takes ``(payload, origin=None)``; the old offset form warns.

``parse_route`` and ``parse_address`` took ``(payload, start=0, end=None,
origin=None)`` until issue 13: a positional int second argument is that old
form, still decoded the same for one release, with a DeprecationWarning.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from rawns import _typing, addr, link, neigh, route, rule
from rawns.addr import Address
from rawns.errors import DecodeError
from rawns.route import Route

HERE = (7, 42)

PARSERS: list[Callable[..., Any]] = [
    link.parse_link,
    addr.parse_address,
    route.parse_route,
    neigh.parse_neighbour,
    rule.parse_rule,
]


def _public_shape(fn: Callable[..., Any]) -> list[tuple[str, object]]:
    """The first two parameters of the typed form: the first overload, if any."""
    overloads = _typing.get_overloads(fn)  # typing's, and those made before typing loaded
    sig = inspect.signature(overloads[0] if overloads else fn)
    return [(p.name, p.default) for p in list(sig.parameters.values())[:2]]


@pytest.mark.parametrize("fn", PARSERS, ids=lambda f: f.__name__)
def test_every_parser_takes_payload_then_origin(fn: Callable[..., Any]) -> None:
    assert _public_shape(fn) == [("payload", inspect.Parameter.empty), ("origin", None)]


def _route_raw() -> bytes:
    return route.build_add(Route(dst="10.1.0.0/16", gateway="10.0.0.5", oif=3))


def _addr_raw() -> bytes:
    return addr.build_add(Address(index=2, address="10.0.0.1/24"))


@pytest.mark.parametrize(
    ("parse", "make"),
    [(route.parse_route, _route_raw), (addr.parse_address, _addr_raw)],
    ids=["route", "address"],
)
def test_new_form_needs_no_offsets_and_takes_origin_either_way(
    parse: Callable[..., Any], make: Callable[[], bytes]
) -> None:
    raw = make()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new form never warns
        plain = parse(raw[16:])
        assert plain.origin is None
        assert parse(raw[16:], origin=HERE).origin == HERE
        assert parse(raw[16:], HERE).origin == HERE
        assert parse(raw[16:], HERE) == plain  # origin is not part of equality


@pytest.mark.parametrize(
    ("parse", "make", "name"),
    [
        (route.parse_route, _route_raw, "parse_route"),
        (addr.parse_address, _addr_raw, "parse_address"),
    ],
    ids=["route", "address"],
)
def test_old_offset_form_still_decodes_with_a_deprecation_warning(
    parse: Callable[..., Any], make: Callable[[], bytes], name: str
) -> None:
    raw = make()
    new = parse(raw[16:], origin=HERE)
    with pytest.warns(DeprecationWarning, match=rf"{name}\(data, start, end\) is deprecated"):
        old = parse(raw, 16, origin=HERE)
    assert old == new and old.origin == HERE
    with pytest.warns(DeprecationWarning):
        assert parse(b"junk" + raw, 4 + 16, 4 + len(raw)) == new
    with pytest.warns(DeprecationWarning):
        assert parse(raw, 16, None, HERE).origin == HERE
    with pytest.warns(DeprecationWarning), pytest.raises(DecodeError):
        parse(raw, 16, len(raw) + 1)


def test_origin_twice_or_end_without_start_is_refused() -> None:
    raw = _route_raw()[16:]
    with pytest.raises(TypeError, match="origin twice"):
        route.parse_route(raw, HERE, origin=HERE)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="takes no end="):
        route.parse_route(raw, end=4)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="takes no end="):
        addr.parse_address(_addr_raw()[16:], end=4)  # type: ignore[call-overload]
