"""rawns-bandwidth: a pod's rates measured with real TCP, within ±20% of the configured rate."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from rawns import Handle, link, netns
from tests.cni_runtime import CniFailed, Runtime, plugin_dir
from tests.conftest import kernel_lacks

RATE = 8_000_000  # bit/s
SECONDS = 2.0


def _rate(sender: netns.Netns, receiver: netns.Netns, ip: str) -> float:
    """Bits per second received over SECONDS of a bulk TCP send from sender to ip."""

    def listen() -> socket.socket:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ip, 5201))
        s.listen(1)
        s.settimeout(5)
        return s

    srv = netns.run_in(receiver, listen)
    got: list[float] = []

    def serve() -> None:
        conn, _ = srv.accept()
        with conn:
            conn.settimeout(5)
            n, t0 = 0, None
            while True:
                b = conn.recv(65536)
                if not b:
                    break
                if t0 is None:
                    t0 = time.monotonic()
                n += len(b)
            got.append(n * 8 / (time.monotonic() - (t0 or 0)))

    th = threading.Thread(target=serve)
    th.start()
    c = netns.run_in(sender, lambda: socket.create_connection((ip, 5201), timeout=5))
    chunk = b"x" * 65536
    end = time.monotonic() + SECONDS
    with c:
        while time.monotonic() < end:
            c.sendall(chunk)
    th.join(10)
    srv.close()
    return got[0]


@pytest.mark.parametrize("direction", ["egress", "ingress"])
def test_bandwidth_rate(make_ns: Any, tmp_path: Path, direction: str) -> None:
    node, pod = make_ns(), make_ns()
    rt = Runtime(node=str(node.name), cni_path=plugin_dir(tmp_path), cache_dir=tmp_path / "c")
    cl = {
        "cniVersion": "1.1.0",
        "name": "bw",
        "plugins": [
            {
                "type": "rawns-bridge",
                "bridge": "cni0",
                "isGateway": True,
                "ipam": {
                    "type": "rawns-host-local",
                    "dataDir": str(tmp_path / "ipam"),
                    "subnet": "10.66.0.0/24",
                },
            },
            {"type": "rawns-bandwidth", "capabilities": {"bandwidth": True}},
        ],
    }
    bw = {f"{direction}Rate": RATE, f"{direction}Burst": 256_000}  # burst in bits
    try:
        rt.add(cl, "bw1", f"/run/netns/{pod.name}", capability_args={"bandwidth": bw})
    except CniFailed as e:
        if "EOPNOTSUPP" in e.msg or "not supported" in e.msg.lower():
            kernel_lacks(f"tbf/ifb: {e.msg}")
        raise
    rt.check(cl, "bw1", f"/run/netns/{pod.name}")
    sender, receiver, ip = (
        (pod, node, "10.66.0.1") if direction == "egress" else (node, pod, "10.66.0.2")
    )
    rate = _rate(sender, receiver, ip)
    assert 0.8 * RATE <= rate <= 1.2 * RATE, f"{direction}: {rate / 1e6:.2f} Mbit/s"
    rt.delete(cl, "bw1", f"/run/netns/{pod.name}")
    with Handle.open(netns=node) as h:
        assert not [lk.name for lk in link.dump(h) if lk.name.startswith("bwp")]
