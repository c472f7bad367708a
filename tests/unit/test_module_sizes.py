"""Issue 12's size bars, kept: no module of rawns over 700 lines (the generated kernel
constant tables excepted) and no function over 100 lines. Counted from the source, so a
module that grows past a bar fails here rather than in a review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "rawns"
GENERATED = {"_rtnl_consts.py", "_nfnl_consts.py"}
MODULE_BAR = 700
FUNCTION_BAR = 100

MODULES = sorted(p for p in PKG.rglob("*.py") if p.name not in GENERATED)


def test_the_tree_is_there() -> None:
    assert len(MODULES) > 50


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_and_function_sizes(path: Path) -> None:
    text = path.read_text()
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    assert lines <= MODULE_BAR, f"{path.relative_to(PKG)}: {lines} lines > {MODULE_BAR}"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > FUNCTION_BAR
    ]
    assert not long, f"{path.relative_to(PKG)}: functions over {FUNCTION_BAR} lines: {long}"
