"""Exceptions raised by rawns.

Imported by every other module; imports nothing from rawns.

::

    RawnsError
    ├── KernelError(OSError)   .errno (.code) .strerror .extack .op .target .seq .netns .hint
    │   ├── AlreadyExists(FileExistsError)   NotFound(FileNotFoundError)
    │   ├── PermissionDenied(PermissionError) Busy  NotSupported  InvalidArgument
    ├── DumpInterrupted        .partial
    └── DecodeError(ValueError)

A refusal by the kernel is a :class:`KernelError`; a caller mistake found
before anything is sent is a plain :class:`ValueError` or :class:`TypeError`.
"""

from __future__ import annotations

import errno as _errno
import os

# Not `typing.TYPE_CHECKING`: `import rawns` loads this module, and typing is the
# largest part of what that would import (mypy treats the name as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "AlreadyExists",
    "Busy",
    "Conflict",
    "DecodeError",
    "DumpInterrupted",
    "InvalidArgument",
    "KernelError",
    "NotFound",
    "NotSupported",
    "PermissionDenied",
    "RawnsError",
    "kernel_error",
]


class RawnsError(Exception):
    """Base class of every exception rawns defines."""


class KernelError(RawnsError, OSError):
    """The kernel refused a request.

    ``errno`` and ``strerror`` are the kernel's; ``extack`` is the kernel's
    extended-ACK message (``None`` if it sent none); ``op`` names the request
    (``RTM_NEWLINK``), ``target`` the object (``veth-red``), ``seq`` the
    netlink sequence number of the refused message. ``netns`` names the
    network namespace the request went to when it is not the caller's own
    (``None`` otherwise); ``hint`` says what to do about it, when rawns knows
    (``PermissionDenied`` from ``netns.create``: run as root, or rootless).

    ``str()`` reads ``OP TARGET: STRERROR (ENAME): EXTACK; HINT (in netns NS)``,
    each part only when there is one.
    """

    extack: str | None
    op: str
    target: str
    seq: int | None
    offset: int | None
    netns: str | None
    hint: str | None

    def __init__(
        self,
        err: int,
        *,
        op: str = "",
        target: str = "",
        extack: str | None = None,
        seq: int | None = None,
        offset: int | None = None,
        netns: str | None = None,
        hint: str | None = None,
    ) -> None:
        # An errno is a C int; checked here (errors.py imports nothing from rawns)
        # so that a bad value is a ValueError naming it, not os.strerror's OverflowError.
        if isinstance(err, bool) or not isinstance(err, int):
            raise TypeError(f"err must be an int errno, not {type(err).__name__}: {err!r}")
        if not 0 <= err <= 0x7FFFFFFF:
            raise ValueError(f"err must be an errno in 0..2147483647, not {err}")
        strerror = os.strerror(err)
        OSError.__init__(self, err, strerror)
        self.extack = extack
        self.op = op
        self.target = target
        self.seq = seq
        self.offset = offset
        self.netns = netns
        self.hint = hint

    @property
    def code(self) -> int:
        """The errno, under the name pyroute2's ``NetlinkError.code`` uses (read-only).

        ``e.code == e.errno`` always; new code should prefer ``errno``, which
        every :class:`OSError` has.
        """
        return self.errno or 0

    def __str__(self) -> str:
        code = self.errno or 0
        name = _errno.errorcode.get(code, str(code))
        head = " ".join(p for p in (self.op, self.target) if p)
        text = f"{self.strerror} ({name})"
        if self.extack:
            text += f": {self.extack}"
        if self.hint:
            text += f"; {self.hint}"
        if self.netns:
            text += f" (in netns {self.netns!r})"
        return f"{head}: {text}" if head else text

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (
                type(self),
                self.errno,
                self.op,
                self.target,
                self.extack,
                self.seq,
                self.offset,
                self.netns,
                self.hint,
            ),
        )


def _rebuild(
    cls: type[KernelError],
    err: int,
    op: str,
    target: str,
    extack: str | None,
    seq: int | None,
    offset: int | None,
    netns: str | None = None,
    hint: str | None = None,
) -> KernelError:
    return cls(
        err, op=op, target=target, extack=extack, seq=seq, offset=offset, netns=netns, hint=hint
    )


class AlreadyExists(KernelError, FileExistsError):
    """EEXIST: the object is already there."""


class NotFound(KernelError, FileNotFoundError):
    """ENOENT, ENODEV, ESRCH, EADDRNOTAVAIL: the object or a reference is missing."""


class PermissionDenied(KernelError, PermissionError):
    """EPERM, EACCES: missing CAP_NET_ADMIN in the namespace's user namespace."""


class Busy(KernelError):
    """EBUSY: the object is in use (e.g. a table referenced by another)."""


class NotSupported(KernelError):
    """EOPNOTSUPP, EAFNOSUPPORT, EPROTONOSUPPORT: the kernel lacks the feature."""


class InvalidArgument(KernelError):
    """EINVAL, ERANGE, ENETUNREACH, EHOSTUNREACH: the kernel rejected a value; see ``extack``."""


# One explicit table: an OSError subclass gets no automatic errno mapping.
_BY_ERRNO: dict[int, type[KernelError]] = {
    _errno.EEXIST: AlreadyExists,
    _errno.ENOENT: NotFound,
    _errno.ENODEV: NotFound,
    _errno.ESRCH: NotFound,
    _errno.EADDRNOTAVAIL: NotFound,
    _errno.EPERM: PermissionDenied,
    _errno.EACCES: PermissionDenied,
    _errno.EBUSY: Busy,
    _errno.EOPNOTSUPP: NotSupported,
    _errno.EAFNOSUPPORT: NotSupported,
    _errno.EPROTONOSUPPORT: NotSupported,
    _errno.EINVAL: InvalidArgument,
    _errno.ERANGE: InvalidArgument,
    _errno.ENETUNREACH: InvalidArgument,
    _errno.EHOSTUNREACH: InvalidArgument,
}


def kernel_error(
    err: int,
    *,
    op: str = "",
    target: str = "",
    extack: str | None = None,
    seq: int | None = None,
    offset: int | None = None,
    netns: str | None = None,
    hint: str | None = None,
) -> KernelError:
    """Build the :class:`KernelError` subclass that matches ``err`` (a positive errno)."""
    cls = _BY_ERRNO.get(err, KernelError)
    return cls(
        err, op=op, target=target, extack=extack, seq=seq, offset=offset, netns=netns, hint=hint
    )


class Conflict(RawnsError, FileExistsError):
    """An object with that name exists but differs from what was asked.

    Raised by the idempotent helpers of :mod:`rawns.compose` ("ensure"
    semantics): an identical existing object is fine, a different one is
    this error, and nothing was changed.
    """

    def __init__(self, message: str) -> None:
        FileExistsError.__init__(self, _errno.EEXIST, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DumpInterrupted(RawnsError):
    """A dump kept being interrupted (``NLM_F_DUMP_INTR``) after every retry.

    ``partial`` holds what the last attempt returned: possibly inconsistent,
    but often good enough for display.
    """

    def __init__(self, op: str, attempts: int, partial: list[Any]) -> None:
        super().__init__(
            f"{op}: dump interrupted by concurrent changes {attempts} times in a row; "
            f"{len(partial)} objects in the partial result"
        )
        self.op = op
        self.attempts = attempts
        self.partial = partial


class DecodeError(RawnsError, ValueError):
    """Bytes from the kernel (or a capture) are truncated or malformed.

    ``offset`` is where in the buffer decoding stopped; the nesting path is
    added as notes (``add_note``) on the way out.
    """

    def __init__(self, message: str, *, offset: int | None = None) -> None:
        super().__init__(message if offset is None else f"{message} (at byte {offset})")
        self.offset = offset
