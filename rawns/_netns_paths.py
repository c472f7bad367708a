"""Named namespaces on disk: names, ``/run/netns`` paths, and the verbs that need no fd.

A named namespace is an empty file under ``/run/netns`` with the namespace
bind-mounted on it (iproute2 ``ip/ipnetns.c``). :mod:`rawns.netns` re-exports
:func:`validate_name`, :func:`delete`, :func:`exists`, :func:`dump` and
:func:`delete_stale`.
"""

from __future__ import annotations

import errno
import os

from . import _check
from ._netns_native import MNT_DETACH, MS_BIND, MS_REC, MS_SHARED, _mount, _needs_root, _umount2

NETNS_RUN_DIR = "/run/netns"
NAME_MAX = _check.NAME_MAX
PATH_MAX = 4096


#: The shortest prefix :func:`delete_stale` accepts: a prefix names one
#: program's namespaces, never "every namespace whose name starts with r".
STALE_PREFIX_MIN = 4


def validate_name(name: object) -> str:
    """Check a namespace name the way ``ip netns add`` does, and stricter.

    Refused with :class:`ValueError` (:class:`TypeError` for a non-string)
    before anything is touched: empty, ``.`` or ``..``, containing ``/``,
    ``%`` or NUL, longer than 255 bytes, or with whitespace/control characters.
    """
    return _check.netns_name(name, "namespace name")


def _run_dir(run_dir: object) -> str:
    """An absolute directory path (``/run/netns``, or a test's own)."""
    if isinstance(run_dir, os.PathLike):
        run_dir = os.fspath(run_dir)
    path = _check.text(run_dir, "run_dir", max_bytes=PATH_MAX - 1)
    if not path.startswith("/"):
        raise ValueError(f"run_dir {path!r} must be an absolute path")
    return path


def _prefix(prefix: object, what: str = "prefix") -> str:
    """A namespace name prefix: like a name, but may be empty (in :func:`dump`)."""
    if prefix == "":
        return ""
    try:
        return _check.netns_name(prefix, what)
    except ValueError:
        if prefix in (".", ".."):  # fine as the start of a name ("..a" is one)
            return str(prefix)
        raise


def _ensure_run_dir(run_dir: str) -> None:
    """Make ``run_dir`` a shared mount point, as ``ip netns add`` does.

    A shared mount propagates the per-namespace bind mounts into mount
    namespaces made later (``ip netns exec`` makes one per command).
    """
    os.makedirs(run_dir, mode=0o755, exist_ok=True)
    try:
        _mount("none", run_dir, "none", MS_SHARED | MS_REC)
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise
        # Not a mount point yet: bind it onto itself, then make it shared.
        _mount(run_dir, run_dir, "none", MS_BIND | MS_REC)
        _mount("none", run_dir, "none", MS_SHARED | MS_REC)


def _path_for(name: object, run_dir: object) -> str:
    name = validate_name(name)
    rd = _run_dir(run_dir)
    path = os.path.join(rd, name)
    # validate_name already excludes '/', '.' and '..'; this is the second lock.
    if os.path.dirname(path) != os.path.normpath(rd) and os.path.dirname(path) != rd.rstrip("/"):
        raise ValueError(f"namespace name {name!r} escapes {rd}")
    return path


# try/except rather than contextlib.suppress: contextlib is an import of its own (issue 13)


def _detach(path: str) -> None:
    """Unmount a named namespace's file (lazily); not mounted, or gone, is fine."""
    try:  # noqa: SIM105 - see above
        _umount2(path, MNT_DETACH)
    except OSError:
        pass


def _remove(path: str) -> None:
    """Unmount and unlink a named namespace's file; what is already gone is fine."""
    _detach(path)
    try:  # noqa: SIM105 - see above
        os.unlink(path)
    except FileNotFoundError:
        pass


def delete(name: str, *, run_dir: str = NETNS_RUN_DIR) -> None:
    """Remove a named namespace (``ip netns del NAME``).

    Equivalent to: ip netns del NAME

    The namespace itself lives on while a process, socket or fd still uses
    it. Raises :class:`FileNotFoundError` if there is no such name,
    :class:`ValueError`/:class:`TypeError` for a bad name or run_dir,
    :class:`~rawns.errors.PermissionDenied` without privilege.
    """
    path = _path_for(name, run_dir)
    if not os.path.lexists(path):
        raise FileNotFoundError(errno.ENOENT, f"no network namespace named {name!r}", path)
    _detach(path)
    try:
        os.unlink(path)
    except PermissionError as e:
        raise _needs_root("netns delete", name, e) from e


def exists(name: str, *, run_dir: str = NETNS_RUN_DIR) -> bool:
    """True if ``run_dir`` has a namespace file of that name (mounted or not).

    Raises :class:`ValueError`/:class:`TypeError` for a bad name or run_dir.
    """
    return os.path.exists(_path_for(name, run_dir))


def dump(*, run_dir: str = NETNS_RUN_DIR, prefix: str = "") -> list[str]:
    """Names of the namespaces under ``/run/netns`` (those starting with ``prefix``), sorted.

    Equivalent to: ip netns list
    """
    rd = _run_dir(run_dir)
    prefix = _prefix(prefix)
    try:
        return sorted(n for n in os.listdir(rd) if n.startswith(prefix))
    except FileNotFoundError:
        return []


def delete_stale(prefix: str, *, run_dir: str = NETNS_RUN_DIR) -> list[str]:
    """Delete every named namespace whose name starts with ``prefix``; return their names.

    Equivalent to: for n in $(ip netns list | grep ^PREFIX); do ip netns del $n; done

    For the namespaces a crashed run left behind (killed by SIGKILL, or
    without :func:`unwind_on_signals`): give each run's names a prefix of
    their own and call this at the next start. Also removes a placeholder
    file whose mount never happened. The prefix must be at least
    :data:`STALE_PREFIX_MIN` bytes (:class:`ValueError` for ``""`` or ``"r"``),
    so that no typo deletes every namespace.
    """
    prefix = _prefix(prefix)
    if len(prefix.encode()) < STALE_PREFIX_MIN:
        raise ValueError(
            f"prefix {prefix!r} is too short: delete_stale() needs at least "
            f"{STALE_PREFIX_MIN} bytes, so that it cannot delete namespaces it does not own"
        )
    rd = _run_dir(run_dir)
    removed = []
    for name in dump(run_dir=rd, prefix=prefix):
        path = os.path.join(rd, name)
        if not os.path.lexists(path):
            continue  # another cleaner was faster
        _detach(path)
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        except PermissionError as e:
            raise _needs_root("netns delete_stale", name, e) from e
        removed.append(name)
    return removed
