"""Coverage-guided fuzzing of every rawns parser with atheris (libFuzzer).

Usage (what ``test_atheris.py`` runs, with a fixed number of iterations)::

    python -m tests.fuzz.atheris_harness CORPUS_DIR -runs=100000 -max_len=65536

The first byte of an input picks the target (``targets()[byte % n]``), the
rest is its bytes; :func:`write_corpus` seeds ``CORPUS_DIR`` with every
kernel capture for every target. The property is the hypothesis suite's: the
target returns or raises ``DecodeError``, within ``time_bound(len)``; any other
exception (or a slow input) is a crash, which libFuzzer saves and reports.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Any

# Imported in main(), not here: pytest's --doctest-modules imports this file
# where atheris may be missing, and rawns must first be imported under
# atheris.instrument_imports() for coverage feedback.
TARGETS: list[Any] = []
_LOADED: dict[str, Any] = {}


def _load() -> None:
    import atheris

    with atheris.instrument_imports(include=["rawns"]):
        import rawns  # noqa: F401 - instrumented for coverage feedback
        from rawns.errors import DecodeError
        from tests.fuzz.targets import targets, time_bound
    TARGETS[:] = targets()
    _LOADED.update(DecodeError=DecodeError, time_bound=time_bound)


def write_corpus(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    n = 0
    for i, t in enumerate(TARGETS):
        for j, seed in enumerate(dict.fromkeys(t.seeds)):
            (directory / f"{i:02d}-{j:04d}").write_bytes(bytes([i]) + seed)
            n += 1
    return n


def _timed(t: Any, data: bytes) -> float:
    t0 = time.perf_counter()
    with contextlib.suppress(_LOADED["DecodeError"]):
        t.call(data)
    return time.perf_counter() - t0


def one_input(data: bytes) -> None:
    if not data:
        return
    t = TARGETS[data[0] % len(TARGETS)]
    body = data[1:]
    elapsed = _timed(t, body)
    bound = _LOADED["time_bound"](len(body))
    if elapsed > bound and min(_timed(t, body) for _ in range(3)) > bound:
        raise AssertionError(f"{t.name} took {elapsed:.3f}s on {len(body)} bytes (> {bound:.3f}s)")


def main() -> None:
    import atheris

    _load()
    argv = list(sys.argv)
    corpus = next((Path(a) for a in argv[1:] if not a.startswith("-")), None)
    if corpus is not None and not any(corpus.glob("*")):
        write_corpus(corpus)
    print("targets: " + ", ".join(f"{i}={t.name}" for i, t in enumerate(TARGETS)), flush=True)
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
