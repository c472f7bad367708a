"""docs/asyncio.md's examples run as written, each as a script in a fresh interpreter."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run

PAGE = Path(__file__).resolve().parents[2] / "docs" / "asyncio.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", PAGE.read_text(), re.S | re.M)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_asyncio_page_example_runs(index: int) -> None:
    p = subprocess.run(
        [sys.executable, "-c", BLOCKS[index]], capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 0, f"docs/asyncio.md example {index}:\n{p.stderr}"
    assert "rawns-doc-aio" not in run("ip", "netns", "list")


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 2
