"""Smoke test of the cffi shim (argon2-cffi-bindings style): no root assumed.

Every call here either does nothing (unshare(0)) or fails in the kernel's
argument checks before it could change anything.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from rawns import netns

CLONE_NEWNET = 0x40000000


def test_shim_imports_and_exposes_four_functions() -> None:
    from rawns import _native

    for name in ("rawns_setns", "rawns_unshare", "rawns_mount", "rawns_umount2"):
        assert callable(getattr(_native.lib, name))
    assert _native.ffi is not None


def test_unshare_nothing_succeeds() -> None:
    from rawns import _native

    assert _native.lib.rawns_unshare(0) == 0
    netns._unshare(0)  # the Python wrapper: no exception


def test_setns_bad_fd_returns_minus_ebadf() -> None:
    from rawns import _native

    assert _native.lib.rawns_setns(-1, CLONE_NEWNET) == -errno.EBADF


def test_setns_bad_fd_raises_oserror_ebadf() -> None:
    with pytest.raises(OSError) as info:
        netns._setns(-1, CLONE_NEWNET)
    assert info.value.errno == errno.EBADF
    assert type(info.value) is OSError
    assert "setns" in str(info.value)


def test_setns_on_a_regular_file_is_einval(tmp_path: Path) -> None:
    p = tmp_path / "not-a-namespace"
    p.write_bytes(b"")
    fd = os.open(p, os.O_RDONLY)
    try:
        with pytest.raises(OSError) as info:
            netns._setns(fd, CLONE_NEWNET)
    finally:
        os.close(fd)
    assert info.value.errno == errno.EINVAL


def test_umount2_of_a_plain_directory_fails_cleanly(tmp_path: Path) -> None:
    from rawns import _native

    # Not a mount point: EINVAL as root, EPERM without CAP_SYS_ADMIN.
    ret = _native.lib.rawns_umount2(str(tmp_path).encode(), 0)
    assert ret in (-errno.EINVAL, -errno.EPERM)
    with pytest.raises(OSError) as info:
        netns._umount2(str(tmp_path), 0)
    assert info.value.errno in (errno.EINVAL, errno.EPERM)
    assert info.value.filename == str(tmp_path)


def test_umount2_of_a_missing_path(tmp_path: Path) -> None:
    from rawns import _native

    ret = _native.lib.rawns_umount2(str(tmp_path / "missing").encode(), 0)
    assert ret in (-errno.ENOENT, -errno.EPERM)


def test_without_the_extension_import_fails_at_once_with_the_fix() -> None:
    """Not at the first namespace call: at ``import rawns.netns``, naming cause and fix."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['rawns._native'] = None  # as if it had never been built\n"
        "import rawns\n"
        "print(rawns.errors.KernelError.__name__)  # the package itself still imports\n"
        "try:\n"
        "    import rawns.netns\n"
        "except ImportError as e:\n"
        "    print(e.name)\n"
        "    print(e)\n"
    )
    root = Path(__file__).resolve().parents[2]
    p = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False
    )
    lines = p.stdout.splitlines()
    assert lines[:2] == ["KernelError", "rawns._native"], p.stdout + p.stderr
    msg = lines[2]
    assert "rawns._native" in msg and "not built" in msg
    assert "pip install -e ." in msg
    assert "import of rawns._native halted" in msg  # the cause, as Python said it
