"""The ``>>>`` examples of docs/nat.md, docs/nft.md and the rawns.nft docstrings run as written."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
MODULES = ["rawns.nft.match", "rawns.nft.render", "rawns.nft.nat", "rawns.nft.expr._base"]


@pytest.mark.parametrize("page", ["nat.md", "nft.md"])
def test_doc_page_doctests(page: str) -> None:
    result = doctest.testfile(
        str(DOCS / page), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
