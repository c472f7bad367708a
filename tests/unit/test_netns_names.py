"""Namespace names are checked before anything touches the filesystem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rawns import _netns_fd, _netns_native, _netns_paths, netns

BAD_NAMES = [
    "",
    ".",
    "..",
    "/",
    "a/b",
    "../../etc",
    "red/",
    "a\x00b",
    "\x00",
    "x" * 256,
    "é" * 128,  # 256 bytes in UTF-8
    " ",
    "a b",
    "red\n",
    "\tred",
    "red\x7f",
    "red\x1b[0m",
    "a\u2028b",  # Unicode line separator
    "eth%d",  # '%' is refused, as in interface names
    "%",
    "\udc80",  # not encodable as UTF-8
]

GOOD_NAMES = ["red", "v-net-0", "a.b", "...", "x" * 255, "é" * 127, "ns_1", "Ω"]

NOT_STR: list[Any] = [None, b"red", 7, ["red"], Path("red")]


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_validate_name_refuses(name: str) -> None:
    with pytest.raises(ValueError) as info:
        netns.validate_name(name)
    msg = str(info.value)
    if name:
        assert repr(name[:20]) in msg  # the message names the value
    else:
        assert "empty" in msg


@pytest.mark.parametrize("name", NOT_STR, ids=repr)
def test_validate_name_refuses_non_str(name: object) -> None:
    with pytest.raises(TypeError) as info:
        netns.validate_name(name)
    assert repr(name) in str(info.value)
    assert type(name).__name__ in str(info.value)


@pytest.mark.parametrize("name", GOOD_NAMES, ids=repr)
def test_validate_name_accepts(name: str) -> None:
    assert netns.validate_name(name) == name


@pytest.fixture
def untouchable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A run_dir that must not be created, and syscalls that must not be reached."""

    def touched(*args: object, **kw: object) -> None:
        raise AssertionError(f"touched the system before validating: {args!r}")

    # Each module of netns that calls one of them holds its own reference.
    for mod in (netns, _netns_fd, _netns_native, _netns_paths):
        for fn in ("_mount", "_umount2", "_unshare", "_setns", "_ensure_run_dir", "_in_new_thread"):
            if hasattr(mod, fn):
                monkeypatch.setattr(mod, fn, touched)
    return tmp_path / "netns"


VERBS: list[tuple[str, Callable[[str, str], object]]] = [
    ("create", lambda name, rd: netns.create(name, run_dir=rd)),
    ("delete", lambda name, rd: netns.delete(name, run_dir=rd)),
    ("open", lambda name, rd: netns.open(name, run_dir=rd)),
    ("open(name=)", lambda name, rd: netns.open(name=name, run_dir=rd)),
    ("exists", lambda name, rd: netns.exists(name, run_dir=rd)),
]


@pytest.mark.parametrize(("verb", "call"), VERBS, ids=[v for v, _ in VERBS])
@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_verbs_refuse_bad_names_before_touching_anything(
    untouchable: Path, verb: str, call: Callable[[str, str], object], name: str
) -> None:
    with pytest.raises(ValueError):
        call(name, str(untouchable))
    assert not untouchable.exists()
    assert list(untouchable.parent.iterdir()) == []


@pytest.mark.parametrize(("verb", "call"), VERBS, ids=[v for v, _ in VERBS])
@pytest.mark.parametrize("name", NOT_STR, ids=repr)
def test_verbs_refuse_non_str_before_touching_anything(
    untouchable: Path, verb: str, call: Callable[[Any, str], object], name: object
) -> None:
    with pytest.raises(TypeError):
        call(name, str(untouchable))
    assert list(untouchable.parent.iterdir()) == []


def test_good_name_in_an_empty_run_dir_is_not_found(untouchable: Path) -> None:
    untouchable.mkdir()
    with pytest.raises(FileNotFoundError, match="red"):
        netns.open("red", run_dir=str(untouchable))
    with pytest.raises(FileNotFoundError, match="red"):
        netns.delete("red", run_dir=str(untouchable))
    assert not netns.exists("red", run_dir=str(untouchable))
    assert netns.dump(run_dir=str(untouchable)) == []
    assert netns.dump(run_dir=str(untouchable / "missing")) == []
