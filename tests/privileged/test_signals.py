"""A script killed by SIGTERM removes its named namespace; a crashed run's are found by prefix.

Each script runs in a subprocess that creates a named namespace (never touching
the machine's own network namespace), says "ready", and is then sent a signal
by the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rawns import netns
from tests.conftest import run, unique_name

ROOT = Path(__file__).resolve().parents[2]


def _start(body: str, *args: str) -> subprocess.Popen[str]:
    code = "import sys, time\nfrom rawns import netns\n" + textwrap.dedent(body)
    p = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None
    line = p.stdout.readline()
    if line != "ready\n":
        p.kill()
        _, err = p.communicate(timeout=30)
        raise AssertionError(f"the script did not start: {line!r} {err}")
    return p


def _finish(p: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = p.communicate(timeout=60)
    return p.returncode, out, err


SCRIPT = """
{setup}
with netns.create(sys.argv[1]) as ns:
    print("ready", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_named_namespace_is_removed_when_the_script_gets_the_signal(sig: signal.Signals) -> None:
    name = unique_name("rawns-sig")
    p = _start(SCRIPT.format(setup="netns.unwind_on_signals()"), name)
    try:
        assert netns.exists(name)
        assert name in run("ip", "netns", "list")
        p.send_signal(sig)
        code, _, err = _finish(p)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        netns.delete_stale(name)
    assert code == 128 + sig, err
    assert err == ""
    assert not netns.exists(name)
    assert name not in run("ip", "netns", "list")
    with open("/proc/self/mountinfo") as f:
        assert f"/run/netns/{name}" not in f.read()


def test_without_it_the_namespace_stays_and_delete_stale_removes_it() -> None:
    """The control, and the cleanup of a crashed run: two leftovers, found by their prefix."""
    prefix = unique_name("rawns-crash")
    left = [f"{prefix}-a", f"{prefix}-b"]
    for name in left:
        p = _start(SCRIPT.format(setup=""), name)
        p.send_signal(signal.SIGTERM)
        code, _, _ = _finish(p)
        assert code == -signal.SIGTERM
        assert netns.exists(name), "the control: SIGTERM skipped the with block"
    # a placeholder whose mount never happened (a crash between mknod and mount)
    placeholder = f"{prefix}-c"
    Path(netns.NETNS_RUN_DIR, placeholder).touch()
    other = unique_name("rawns-keep")
    with netns.create(other):
        assert netns.dump(prefix=prefix) == [*left, placeholder]
        assert netns.delete_stale(prefix) == [*left, placeholder]
        assert netns.dump(prefix=prefix) == []
        assert netns.exists(other), "a namespace without the prefix is untouched"
        assert netns.delete_stale(prefix) == []
    listed = run("ip", "netns", "list")
    assert prefix not in listed
    with open("/proc/self/mountinfo") as f:
        assert f"/run/netns/{prefix}" not in f.read()


@pytest.mark.parametrize("prefix", ["", "r", "raw", "é"], ids=repr)
def test_delete_stale_refuses_a_prefix_that_could_match_everything(prefix: str) -> None:
    listing = netns.dump()
    with pytest.raises(ValueError, match="too short"):
        netns.delete_stale(prefix)
    assert netns.dump() == listing


def test_dump_prefix_filters_and_is_checked(tmp_path: Path) -> None:
    for n in ("app-1", "app-2", "other"):
        (tmp_path / n).touch()
    assert netns.dump(run_dir=str(tmp_path), prefix="app-") == ["app-1", "app-2"]
    assert netns.dump(run_dir=str(tmp_path)) == ["app-1", "app-2", "other"]
    with pytest.raises(ValueError, match="'a/'"):
        netns.dump(run_dir=str(tmp_path), prefix="a/")
    with pytest.raises(TypeError, match="None"):
        netns.dump(run_dir=str(tmp_path), prefix=None)  # type: ignore[arg-type]
    assert netns.delete_stale("app-", run_dir=str(tmp_path)) == ["app-1", "app-2"]
    assert os.listdir(tmp_path) == ["other"]
