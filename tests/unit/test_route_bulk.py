"""route.add_many's destination-string fast path encodes exactly what Route + build_add do."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rawns import Handle, route
from rawns.route import Route, build_add, build_replace

COMMON: list[dict[str, Any]] = [
    {"gateway": "10.0.0.2"},
    {"gateway": "10.0.0.2", "metric": 7, "table": 100, "protocol": 4},
    {"oif": 3},
    {"gateway": "fd00::2"},
    {"gateway": "fd00::2", "metric": 1, "mtu": 1400},
    {"type": 6},  # prohibit
]


class _Recorder(Handle):
    """A stand-in Handle (no sockets) whose rtnl.pipeline records the messages."""

    def __init__(self) -> None:  # no super().__init__: nothing to open
        self.msgs: list[bytes] = []
        self._ident = (0, 0)
        self._label = "the recorder's"

    @property
    def closed(self) -> bool:
        return False

    @property
    def rtnl(self) -> Any:
        return self

    def pipeline(self, msgs: list[bytes], **kw: Any) -> list[None]:
        self.msgs = list(msgs)
        return [None] * len(msgs)


def _dsts(v6: bool) -> st.SearchStrategy[str]:
    bits = 128 if v6 else 32
    return st.builds(
        lambda n, plen: str(
            (ipaddress.IPv6Network if v6 else ipaddress.IPv4Network)((n, plen), strict=False)
        ),
        st.integers(0, 2**bits - 1),
        st.integers(1, bits),
    )


@pytest.mark.parametrize("common", COMMON)
@pytest.mark.parametrize("replace", [False, True])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_fast_path_bytes_equal_the_route_path(
    common: dict[str, Any], replace: bool, data: st.DataObject
) -> None:
    v6 = ":" in str(common.get("gateway", "")) or (
        "gateway" not in common and data.draw(st.booleans())
    )
    dsts = data.draw(st.lists(_dsts(v6), min_size=1, max_size=5, unique=True))
    h = _Recorder()
    route.add_many(h, dsts, replace=replace, **common)
    build = build_replace if replace else build_add
    assert h.msgs == [build(Route(dst=d, **common)) for d in dsts]


@pytest.mark.parametrize(
    "bad", ["10.0.0.1/24", "10.0.0.0/33", "10.0.0.0/0", "x/24", "10.0.0.0/abc", "fd00::1/64"]
)
def test_bad_destination_is_named_before_sending(bad: str) -> None:
    h = _Recorder()
    with pytest.raises(ValueError, match=r"route (dst|gateway)"):
        route.add_many(h, ["10.1.0.0/24", bad], gateway="10.0.0.2")
    assert h.msgs == []


def test_keywords_do_not_apply_to_route_values() -> None:
    with pytest.raises(TypeError):
        route.add_many(_Recorder(), [Route(dst="10.0.0.0/8")], gateway="10.0.0.2")
