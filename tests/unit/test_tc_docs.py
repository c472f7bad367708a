"""docs/tc.md's python examples run (doctest), and every tc verb appears in its table."""

from __future__ import annotations

import doctest
from pathlib import Path

import rawns.tc

DOC = Path(__file__).resolve().parents[2] / "docs" / "tc.md"


def test_tc_doc_examples_run() -> None:
    result = doctest.testfile(str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_every_verb_is_in_the_table() -> None:
    text = DOC.read_text()
    for mod in (rawns.tc.qdisc, rawns.tc.tclass, rawns.tc.filter):
        name = mod.__name__.rsplit(".", 1)[1]
        for verb in ("add", "delete", "dump"):
            assert f"tc.{name}.{verb}(" in text, (name, verb)
