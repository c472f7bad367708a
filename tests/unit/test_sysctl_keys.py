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
