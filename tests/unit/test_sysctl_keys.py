"""Sysctl keys are validated before anything is opened (no root needed)."""

from __future__ import annotations

import pytest

from rawns import sysctl


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward"),
        ("net.ipv6.conf.all.forwarding", "/proc/sys/net/ipv6/conf/all/forwarding"),
        ("net.ipv4.conf.veth-red.rp_filter", "/proc/sys/net/ipv4/conf/veth-red/rp_filter"),
        (
            ("net", "ipv4", "conf", "eth0.100", "forwarding"),
            "/proc/sys/net/ipv4/conf/eth0.100/forwarding",
        ),
        (["net", "core", "somaxconn"], "/proc/sys/net/core/somaxconn"),
    ],
)
def test_good_keys_map_below_proc_sys_net(key: sysctl.Key, path: str) -> None:
    assert sysctl.key_path(key) == path


@pytest.mark.parametrize(
    "key",
    [
        "",
        "net",
        "net.",
        ".net.ipv4",
        "net..ipv4",
        "net/ipv4/ip_forward",
        "/proc/sys/net/ipv4/ip_forward",
        "/etc/passwd",
        "../../etc/passwd",
        "net.ipv4.conf.../../etc",
        "kernel.hostname",
        "vm.swappiness",
        "NET.ipv4.ip_forward",
        "net.ipv4.ip forward",
        "net.ipv4.ip_forward\n",
        "net.ipv4.ip_forward\0",
        ("net", ".."),
        ("net", "."),
        ("net", "ipv4/../../.."),
        ("net", ""),
        ("kernel", "hostname"),
        (),
    ],
)
def test_bad_keys_are_value_errors(key: sysctl.Key) -> None:
    with pytest.raises(ValueError) as exc:
        sysctl.key_path(key)
    assert "sysctl key" in str(exc.value)


@pytest.mark.parametrize("key", [None, 5, b"net.ipv4.ip_forward", ["net", 4]])
def test_non_string_keys_are_type_errors(key: object) -> None:
    with pytest.raises(TypeError):
        sysctl.key_path(key)  # type: ignore[arg-type]


def test_bad_values_are_refused_before_opening() -> None:
    with pytest.raises(ValueError):
        sysctl.set(None, "net.ipv4.ip_forward", "1\0")
    with pytest.raises(ValueError):
        sysctl.set(None, "net.ipv4.ip_forward", "1" * 5000)
    with pytest.raises(TypeError):
        sysctl.set(None, "net.ipv4.ip_forward", 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sysctl.set(None, "kernel.hostname", "x")


@pytest.mark.parametrize(
    ("value", "shown"),
    [("1\n0", "'1\\n0'"), ("1\0", "'1\\x00'"), ("", "empty"), ("\udc80", "'\\udc80'")],
    ids=repr,
)
def test_a_value_the_kernel_would_read_as_two_or_none_is_refused(value: str, shown: str) -> None:
    with pytest.raises(ValueError) as exc:
        sysctl.set(None, "net.ipv4.ip_forward", value)
    assert "sysctl value" in str(exc.value) and shown in str(exc.value)


def test_tab_separated_vectors_are_values_as_get_returns_them() -> None:
    assert sysctl._value("4096\t131072\t6291456") == b"4096\t131072\t6291456"
    assert sysctl._value(True) == b"1" and sysctl._value(0) == b"0"


@pytest.mark.parametrize(
    "key", ["net.ipv4." + "x" * 256, ("net", "ipv4", "\udc80"), "net.ipv4.\u2028"], ids=repr
)
def test_components_too_long_or_not_text_are_refused(key: sysctl.Key) -> None:
    with pytest.raises(ValueError, match="sysctl key"):
        sysctl.key_path(key)


@pytest.mark.parametrize("where", [5.5, 0, b"red", "a/b", "", ["red"]], ids=repr)  # 5: a pid
def test_where_is_checked_before_anything_is_opened(where: object) -> None:
    with pytest.raises((TypeError, ValueError)) as exc:
        sysctl.get(where, "net.ipv4.ip_forward")  # type: ignore[arg-type]
    assert repr(where) in str(exc.value) or "empty" in str(exc.value)


# ---------------------------------------------------------------------------
# a dot inside a component: '/' in a dotted key, as sysctl(8) writes it


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("net.ipv4.conf.eth0/100.forwarding", "/proc/sys/net/ipv4/conf/eth0.100/forwarding"),
        ("net.ipv6.conf.a/b/c.mtu", "/proc/sys/net/ipv6/conf/a.b.c/mtu"),
        ("net.ipv4.neigh.v0/10.gc_stale_time", "/proc/sys/net/ipv4/neigh/v0.10/gc_stale_time"),
    ],
)
def test_a_slash_in_a_later_component_is_a_dot_in_the_name(key: str, path: str) -> None:
    assert sysctl.key_path(key) == path


@pytest.mark.parametrize(
    ("key", "dotted"),
    [
        ("net.ipv4.ip_forward", "net.ipv4.ip_forward"),
        (("net", "ipv4", "conf", "eth0.100", "forwarding"), "net.ipv4.conf.eth0/100.forwarding"),
        (["net", "ipv4", "conf", "a.b.c", "mtu"], "net.ipv4.conf.a/b/c.mtu"),
        ("net.ipv4.conf.eth0/100.forwarding", "net.ipv4.conf.eth0/100.forwarding"),
    ],
)
def test_dotted_is_one_spelling_per_file(key: sysctl.Key, dotted: str) -> None:
    assert sysctl.dotted(key) == dotted
    assert sysctl.key_path(dotted) == sysctl.key_path(key)


def test_the_two_readings_of_a_dotted_name_are_two_keys() -> None:
    """The ambiguity dump() used to have: conf/v0/10 and conf/v0.10 differ."""
    split = sysctl.dotted(("net", "ipv4", "conf", "v0", "10", "forwarding"))
    joined = sysctl.dotted(("net", "ipv4", "conf", "v0.10", "forwarding"))
    assert split == "net.ipv4.conf.v0.10.forwarding"
    assert joined == "net.ipv4.conf.v0/10.forwarding"
    assert sysctl.key_path(split) != sysctl.key_path(joined)


@pytest.mark.parametrize(
    "key",
    [
        "net/ipv4.ip_forward",  # a path in the first component
        "n/et.ipv4.ip_forward",
        "/net.ipv4.ip_forward",
        "net.ipv4./.x",  # '/' alone is the component '.'
        "net.ipv4.//.x",  # '..'
        "net.ipv4.conf./..x",
        ("net", "ipv4", "eth0/100"),  # a component given as such is literal: no '/'
    ],
)
def test_slashes_that_would_be_paths_or_dot_components_are_refused(key: sysctl.Key) -> None:
    with pytest.raises(ValueError, match="sysctl key"):
        sysctl.key_path(key)
    with pytest.raises(ValueError, match="sysctl key"):
        sysctl.dotted(key)
