"""The add path's shortcuts (issue 15) against the plain checks they stand in for.

Each shortcut must give what the plain path gives: the same value, or the same
error type and message.
"""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from rawns import _check, tc
from rawns._check_tc import _HANDLE_CACHE, _parse_handle, tc_handle
from rawns._inet import AF_INET, to_network, v4_prefix
from rawns.link._types import check_ref
from rawns.tc._types import U32, U32Key


def _outcome(fn: object, *args: object) -> tuple[str, object]:
    try:
        return ("ok", fn(*args))  # type: ignore[operator]  # any callable under test
    except (TypeError, ValueError) as e:
        return (type(e).__name__, str(e))


_ints = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32 - 1, 2**32]),
)
_values = st.one_of(
    _ints, st.booleans(), st.floats(allow_nan=False), st.none(), st.text(max_size=3)
)
_handle_text = st.one_of(
    st.text(alphabet="0123456789abcdefABCDEF:gx ", max_size=10),
    st.sampled_from(["1:", "1:10", ":1", "ffff:", "root", "ROOT", "ingress", "clsact", "", ":"]),
)


@given(st.one_of(_handle_text, _values))
def test_tc_handle_cached_matches_plain(value: object) -> None:
    # twice: the first fills the cache, the second reads it
    assert _outcome(tc_handle, value, "parent") == _outcome(_parse_handle, value, "parent")
    assert _outcome(tc_handle, value, "parent") == _outcome(_parse_handle, value, "parent")


def test_tc_handle_cache_is_bounded() -> None:
    for i in range(3000):
        tc_handle(f"{i:x}:", "handle")
    assert len(_HANDLE_CACHE) <= 512


_octet = st.integers(min_value=0, max_value=300).map(str)
_v4_text = st.one_of(
    st.builds(
        lambda a, b, c, d, p: f"{a}.{b}.{c}.{d}{p}",
        _octet,
        _octet,
        _octet,
        _octet,
        st.one_of(st.just(""), st.integers(min_value=0, max_value=40).map(lambda n: f"/{n}")),
    ),
    st.text(alphabet="0123456789./:%a", max_size=20),
    st.sampled_from(
        ["default", "::1/128", "10.0.0.0/8", "10.0.0.1/8", "1.2.3.4%eth0", "1.2.3.4/032"]
    ),
)


@given(_v4_text)
def test_v4_prefix_matches_to_network(text: str) -> None:
    fast = v4_prefix(text)
    if fast is None:
        return  # the caller takes the plain path
    net = to_network(text, "dst", AF_INET)
    assert isinstance(net, ipaddress.IPv4Network)
    assert fast == (int(net.network_address), net.prefixlen)


@given(_v4_text)
def test_u32_match_str_matches_network_object(text: str) -> None:
    """A str dst (the shortcut) gives the keys, or the error, of the plain path."""
    got = _outcome(lambda: tc.u32_match(dst=text, src=text))
    plain = _outcome(lambda: _plain_u32_match(text))
    assert got == plain


def _plain_u32_match(text: str) -> tuple[U32Key, ...]:
    # the plain path: the checks u32_match runs on a str, then the network object
    _check.no_zone(text, "u32 src")
    net = to_network(text, "u32 src")
    if not isinstance(net, ipaddress.IPv4Network):
        raise ValueError(f"u32 src {_check._show(text)}: u32 ip matches are IPv4")
    return tc.u32_match(src=net, dst=net)  # type: ignore[arg-type]  # an object, not a str


@given(_values, _values, _values, _values)
def test_u32_key_matches_checks(val: object, mask: object, off: object, offmask: object) -> None:
    def plain() -> None:
        _check.uint(val, 32, "u32 key val")
        _check.uint(mask, 32, "u32 key mask")
        _check.sint(off, 32, "u32 key off")
        _check.sint(offmask, 32, "u32 key offmask")

    got = _outcome(lambda: U32Key(val, mask, off, offmask) and None)  # type: ignore[arg-type]
    assert got == _outcome(plain)


@given(_values, _values, _values, _values, _values, _values)
def test_u32_selector_matches_checks(
    sh: object, om: object, off: object, oo: object, ho: object, hm: object
) -> None:
    def plain() -> None:
        _check.uint(sh, 8, "u32 offshift")
        _check.uint(om, 16, "u32 offmask")
        _check.uint(off, 16, "u32 off")
        _check.sint(oo, 16, "u32 offoff")
        _check.sint(ho, 16, "u32 hoff")
        _check.uint(hm, 32, "u32 hmask")

    got = _outcome(
        lambda: U32(offshift=sh, offmask=om, off=off, offoff=oo, hoff=ho, hmask=hm) and None  # type: ignore[arg-type]
    )
    assert got == _outcome(plain)


@given(
    st.one_of(_values, st.sampled_from(["eth0", "", "x" * 200])),
    st.sampled_from(["ip", "IP", "arp", "bogus", 0x800, "all"]),
)
def test_spec_dev_and_protocol_match_plain(dev: object, proto: object) -> None:
    def plain() -> None:
        check_ref(dev, "class dev")

    got = _outcome(lambda: tc.Class(dev=dev, handle="1:1", options=tc.HtbClass(rate=8)) and None)  # type: ignore[arg-type]
    assert got == _outcome(plain)
    f = _outcome(lambda: tc.Filter(dev=1, parent="1:", protocol=proto, options=U32()).protocol)  # type: ignore[arg-type]
    want = {"ip": 0x800, "IP": 0x800, "arp": 0x806, "all": 3, 0x800: 0x800}.get(proto)  # type: ignore[call-overload]
    if want is None:
        assert f[0] == "ValueError"
    else:
        assert f == ("ok", want)
