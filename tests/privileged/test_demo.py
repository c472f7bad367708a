"""`python -m rawns demo`: passes as root and rootless, leaves nothing behind, even interrupted."""

from __future__ import annotations

import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from rawns import netns
from tests.conftest import CI, ip_json

ROOT = Path(__file__).resolve().parents[2]
DEMO = [sys.executable, "-m", "rawns", "demo"]


def _demo_namespaces() -> set[str]:
    return {n for n in netns.dump() if n.startswith("rawns-demo-")}


def _root_links() -> list[str]:
    # Read only: the demo must never add anything to the machine's own namespace.
    return sorted(x["ifname"] for x in ip_json(None, "link", "show"))


def test_demo_as_root_passes_and_cleans_up() -> None:
    before_ns, before_links = _demo_namespaces(), _root_links()
    p = subprocess.run(DEMO, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "mode: root" in p.stdout
    assert "7 passed, 0 failed" in p.stdout
    assert "external saw source 192.168.1.2" in p.stdout  # masquerade, seen by the far end
    assert "blue-web saw source 192.168.1.3" in p.stdout  # DNAT landed on blue
    assert "nothing left behind" in p.stdout
    assert _demo_namespaces() == before_ns
    assert _root_links() == before_links


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGINT, signal.SIGINT, signal.SIGTERM])
def test_demo_interrupted_at_a_random_point_leaves_nothing(sig: int) -> None:
    before_ns, before_links = _demo_namespaces(), _root_links()
    p = subprocess.Popen(DEMO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        time.sleep(random.uniform(0.15, 0.6))
        p.send_signal(sig)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode in (0, 1, 130, 143, -sig), out + err
    assert _demo_namespaces() == before_ns, out + err
    assert _root_links() == before_links


def _nobody() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        return None


def test_readme_demo_command_rootless_as_nobody() -> None:
    """README command 1 on a fresh clone, in a new venv, as the unprivileged user nobody."""
    user = _nobody()
    python = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
    if user is None or python is None or not shutil.which("git"):
        if CI:
            pytest.fail("rootless demo test needs the nobody user, a system python3 and git")
        pytest.skip("needs the nobody user, a system python3 and git")
    readme = (ROOT / "README.md").read_text().splitlines()
    start = readme.index("<!-- demo-command -->")
    command = readme[start + 2]
    assert command.startswith("python3 -m venv .venv"), command
    # pytest's tmp_path lives under a 0700 root directory: nobody needs its own.
    top = Path(tempfile.mkdtemp(prefix="rawns-rootless-"))
    try:
        _run_as_nobody(top, user, command)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _run_as_nobody(top: Path, user: pwd.struct_passwd, command: str) -> None:
    top.chmod(0o711)
    clone = top / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(clone)], check=True)
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(clone),
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "LANG": "C.UTF-8",
    }

    def as_nobody() -> None:
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    p = subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=clone,
        env=env,
        preexec_fn=as_nobody,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert "mode: rootless" in p.stdout
    assert "7 passed, 0 failed" in p.stdout
    # the README's mention of `demo k8s`, in the venv command 1 made, rootless too
    p = subprocess.run(
        [".venv/bin/python", "-m", "rawns", "demo", "k8s", "--mode", "vxlan"],
        cwd=clone,
        env=env,
        preexec_fn=as_nobody,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert "as rootless" in p.stdout
    assert "6 passed, 0 failed" in p.stdout
