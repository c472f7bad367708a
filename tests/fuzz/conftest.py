"""Report how many inputs the fuzz suites tried (hypothesis here; atheris in its own test)."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from . import test_mutations
    from .targets import ATHERIS_RUNS

    tried = test_mutations.TRIED
    if not tried and not ATHERIS_RUNS:
        return
    terminalreporter.section("fuzz inputs tried")
    for name, n in sorted(tried.items()):
        terminalreporter.write_line(f"hypothesis {n:>8}  {name}")
    if tried:
        terminalreporter.write_line(f"hypothesis {sum(tried.values()):>8}  total")
    for name, n in sorted(ATHERIS_RUNS.items()):
        terminalreporter.write_line(f"atheris    {n:>8}  {name}")
