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
