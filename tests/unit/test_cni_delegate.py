"""rawns.cni: exec'ing a foreign IPAM delegate (os.posix_spawn, no subprocess) and the
plugin launchers ``python -m rawns.cni install`` writes. No root needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rawns.cni import _ipam, _launcher, _spec

RESULT = {"cniVersion": "1.0.0", "ips": [{"address": "10.9.0.2/24"}], "routes": []}


def _delegate(d: Path, name: str, body: str) -> Path:
    """A fake IPAM plugin: a shell script that saves its stdin and environment, then ``body``."""
    p = d / name
    p.write_text(
        "#!/bin/sh\n"
        f'cat > "{d}/{name}.stdin"\n'
        f'echo "$CNI_COMMAND $CNI_CONTAINERID" > "{d}/{name}.env"\n' + body
    )
    p.chmod(0o755)
    return p


def _req(d: Path, typ: str, command: str = "ADD", **extra: Any) -> _spec.Request:
    conf = {"cniVersion": "1.0.0", "name": "net", "ipam": {"type": typ}, **extra}
    raw = json.dumps(conf).encode()
    env = _spec.Env(command, "c1", "/x", "eth0", (), (str(d / "empty"), str(d)))
    return _spec.parse_request(env, raw)


def test_delegate_gets_stdin_and_command(tmp_path: Path) -> None:
    _delegate(tmp_path, "fake", f"echo '{json.dumps(RESULT)}'\n")
    req = _req(tmp_path, "fake", "DEL")  # the plugin's own command is DEL...
    assert _ipam.run(req, "ADD") == RESULT  # ...the delegate is run for ADD
    assert (tmp_path / "fake.stdin").read_bytes() == req.raw
    assert (tmp_path / "fake.env").read_text().split()[:1] == ["ADD"]
    assert _ipam.run(req, "DEL") is None


def test_delegate_large_stdin_and_stdout(tmp_path: Path) -> None:
    # more than a pipe buffer each way: neither side may block on the other
    big = {**RESULT, "dns": {"search": ["x" * 100] * 2000}}
    (tmp_path / "big.json").write_text(json.dumps(big))
    _delegate(tmp_path, "fake", f'cat "{tmp_path}/big.json"\n')
    req = _req(tmp_path, "fake", pad=["y" * 100] * 2000)
    assert _ipam.run(req, "ADD") == big
    assert (tmp_path / "fake.stdin").read_bytes() == req.raw


def test_delegate_error_object_keeps_its_code(tmp_path: Path) -> None:
    err = {"cniVersion": "1.0.0", "code": 101, "msg": "no addresses", "details": "range full"}
    _delegate(tmp_path, "fake", f"echo '{json.dumps(err)}'\nexit 1\n")
    with pytest.raises(_spec.CniError) as e:
        _ipam.run(_req(tmp_path, "fake"), "ADD")
    assert e.value.code == 101 and "no addresses" in e.value.msg and e.value.details == "range full"


def test_delegate_crash_is_104_with_stderr(tmp_path: Path) -> None:
    _delegate(tmp_path, "fake", "echo 'it broke' >&2\nexit 3\n")
    with pytest.raises(_spec.CniError) as e:
        _ipam.run(_req(tmp_path, "fake"), "ADD")
    assert e.value.code == _spec.DELEGATE_FAILED and "status 3" in e.value.msg
    assert "it broke" in e.value.details


def test_delegate_killed_by_a_signal(tmp_path: Path) -> None:
    _delegate(tmp_path, "fake", "kill -9 $$\n")
    with pytest.raises(_spec.CniError) as e:
        _ipam.run(_req(tmp_path, "fake"), "ADD")
    assert e.value.code == _spec.DELEGATE_FAILED and "status -9" in e.value.msg


def test_delegate_not_json(tmp_path: Path) -> None:
    _delegate(tmp_path, "fake", "echo hello\n")
    with pytest.raises(_spec.CniError) as e:
        _ipam.run(_req(tmp_path, "fake"), "ADD")
    assert e.value.code == _spec.DECODING_FAILURE and "hello" in e.value.msg


def test_delegate_that_cannot_start(tmp_path: Path) -> None:
    p = tmp_path / "fake"
    p.write_text("#!/nonexistent/interpreter\n")
    p.chmod(0o755)
    with pytest.raises(_spec.CniError) as e:
        _ipam.run(_req(tmp_path, "fake"), "ADD")
    assert e.value.code == _spec.DELEGATE_FAILED and "cannot run" in e.value.msg


def test_delegate_missing(tmp_path: Path) -> None:
    with pytest.raises(_spec.CniError) as e:
        _ipam.run(_req(tmp_path, "nope"), "ADD")
    assert e.value.code == _spec.DELEGATE_FAILED and "nope" in e.value.msg


def test_spawn_leaves_no_descriptor_open(tmp_path: Path) -> None:
    _delegate(tmp_path, "fake", "echo '{}'\n")
    before = set(os.listdir("/proc/self/fd"))
    for _ in range(5):
        _ipam._spawn(str(tmp_path / "fake"), b"{}", dict(os.environ))
    assert set(os.listdir("/proc/self/fd")) == before


def test_spawn_is_like_subprocess_run(tmp_path: Path) -> None:
    # close_fds: an inheritable descriptor of the plugin does not reach the delegate;
    # restore_signals: the delegate gets SIGPIPE's default action, not Python's SIG_IGN
    _delegate(tmp_path, "fake", "ls /proc/self/fd; grep SigIgn /proc/self/status\n")
    r, w = os.pipe()
    high = os.dup2(w, 97, inheritable=True)  # a number ls's own descriptors never take
    try:
        status, out, _ = _ipam._spawn(str(tmp_path / "fake"), b"", dict(os.environ))
    finally:
        for fd in (r, w, high):
            os.close(fd)
    lines = out.decode().split()
    assert status == 0 and "97" not in lines[: lines.index("SigIgn:")]
    ignored = int(lines[lines.index("SigIgn:") + 1], 16)
    assert not ignored & (1 << (13 - 1))  # SIGPIPE


def test_ipam_module_does_not_import_subprocess() -> None:
    code = "import sys, rawns.cni.bridge, rawns.cni._ipam; print('subprocess' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


# ---------------------------------------------------------------------------
# launchers


def test_launcher_runs_the_plugin_isolated(tmp_path: Path) -> None:
    paths = _launcher.install(str(tmp_path))
    assert sorted(os.path.basename(p) for p in paths) == sorted(_launcher.PLUGINS)
    text = (tmp_path / "rawns-bridge").read_text()
    assert text.startswith(f"#!{sys.executable} -IS\n")
    env = {"CNI_COMMAND": "VERSION", "PYTHONPATH": "/nonexistent", "PATH": "/usr/bin:/bin"}
    for p in paths:
        out = subprocess.run([p], env=env, capture_output=True, check=True).stdout
        assert json.loads(out) == _spec.version_answer()


def test_launcher_refuses_a_python_a_shebang_cannot_hold() -> None:
    with pytest.raises(ValueError, match="absolute"):
        _launcher.script("rawns-bridge", python="python3")
    with pytest.raises(ValueError, match="whitespace"):
        _launcher.script("rawns-bridge", python="/opt/my python/bin/python3")
    with pytest.raises(ValueError, match="no rawns CNI plugin"):
        _launcher.script("rawns-nope")
