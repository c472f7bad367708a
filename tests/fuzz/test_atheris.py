"""Run the atheris (libFuzzer) harness for a fixed number of iterations.

Coverage-guided, so it reaches what the hypothesis mutations may not. Skipped
with a clear reason when atheris is not installed, except under ``CI=true``,
where it must run (``pip install atheris``). ``RAWNS_ATHERIS_RUNS`` changes
the iteration count (default 300,000: about ten seconds here).
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .targets import ATHERIS_RUNS

ROOT = Path(__file__).resolve().parents[2]
CI = os.environ.get("CI", "").lower() == "true"
RUNS = int(os.environ.get("RAWNS_ATHERIS_RUNS", "300000"))
TIMEOUT = int(os.environ.get("RAWNS_ATHERIS_TIMEOUT", "300"))


def test_atheris_finds_nothing_in_a_fixed_number_of_runs(tmp_path: Path) -> None:
    if importlib.util.find_spec("atheris") is None:
        if CI:
            pytest.fail("atheris is not installed but CI=true: `pip install atheris` in .ci/run")
        pytest.skip("atheris is not installed (pip install atheris); CI runs this harness")
    argv = [
        sys.executable,
        "-m",
        "tests.fuzz.atheris_harness",
        str(tmp_path / "corpus"),
        f"-runs={RUNS}",
        "-max_len=65536",
        "-max_total_time=150",
        "-timeout=10",
        f"-artifact_prefix={tmp_path}/",
    ]
    try:
        p = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr or ""
        pytest.fail(f"atheris still running after {TIMEOUT}s:\n{err[-4000:]}")
    if p.returncode != 0:
        names = dict(re.findall(r"(\d+)=(\S+?)[,\n]", p.stdout + "\n"))
        crashes = []
        for c in tmp_path.glob("crash-*"):
            data = c.read_bytes()
            target = names.get(str(data[0] % max(1, len(names))), "?") if data else "?"
            crashes.append(f"{target}: {base64.b64encode(data[1:]).decode()}")
        tail = "\n".join(p.stderr.splitlines()[-40:])
        pytest.fail(f"atheris found a crash (target: base64 input):\n{crashes}\n{tail}")
    done = re.search(r"Done (\d+) runs in (\d+) second", p.stderr)
    assert done, p.stderr[-2000:]
    ATHERIS_RUNS["all targets"] = int(done.group(1))
    assert int(done.group(1)) >= RUNS
