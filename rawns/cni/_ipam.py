"""IPAM delegation, as the CNI spec says: exec ``ipam.type`` from ``CNI_PATH``.

Why a CNI plugin execs its IPAM delegate: in the CNI specification an IPAM
plugin *is* an executable, found by the name in ``ipam.type`` in the
``CNI_PATH`` directories and run with the same stdin (the whole network
configuration) and environment, ``CNI_COMMAND`` set to the command; its
result (ADD) or error object is read from its stdout ("Delegated plugins
(IPAM)" in SPEC.md). The delegate may be any implementation (host-local,
dhcp, whereabouts, a vendor's), so exec'ing it is the only interface there is.
This is not a shell: the executable is spawned directly (``os.posix_spawn``,
argv ``[path]``, no command line is parsed), with pipes for stdin, stdout and
stderr, and waited for (:func:`_spawn`). rawns' own netlink code never execs
anything.

``rawns-host-local`` runs in-process instead (the same code as the
executable), saving an exec per pod.
"""

from __future__ import annotations

import json
import os

from . import _node, _spec
from ._spec import CniError, Request

TYPE_CHECKING = False  # not typing's (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

IN_PROCESS = "rawns-host-local"
_CHUNK = 65536


def ipam_type(req: Request) -> str:
    """``ipam.type``, checked (a plugin name: no ``/``); code 7 naming it."""
    ipam = _spec.get(req.config, "ipam", dict)
    if ipam is None:
        raise CniError(_spec.INVALID_CONFIG, "ipam is missing from the network configuration")
    typ: str = _spec.get(ipam, "type", str, "", where="ipam.")
    if not typ or "/" in typ or typ in (".", ".."):
        raise CniError(_spec.INVALID_CONFIG, f"ipam.type {typ!r} is not a plugin name")
    return typ


def find_plugin(name: str, path: tuple[str, ...]) -> str:
    """The first executable ``name`` in the ``CNI_PATH`` directories."""
    for d in path:
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    raise CniError(
        _spec.DELEGATE_FAILED,
        f"ipam.type {name!r}: no such plugin in CNI_PATH ({os.pathsep.join(path)})",
    )


def run(req: Request, command: str) -> dict[str, Any] | None:
    """Run the IPAM plugin for ``command``; its result for ADD (checked), else None."""
    typ = ipam_type(req)
    if typ == IN_PROCESS:
        from . import host_local

        result = host_local.COMMANDS[command](req.with_command(command))
    else:
        result = _exec(req, typ, command)
    if command == "ADD":
        return _spec.check_result(result, f"the result of ipam.type {typ!r}")
    return None


def _exec(req: Request, typ: str, command: str) -> dict[str, Any] | None:
    exe = find_plugin(typ, req.env.path)
    env = dict(os.environ if req.env.environ is None else req.env.environ)
    env["CNI_COMMAND"] = command
    try:
        # spawned from a thread inside the node's namespace (the daemon's case), which the
        # delegate inherits: a CNI plugin configures the namespace it runs in
        status, stdout, stderr = _node.run_in(req, lambda: _spawn(exe, req.raw, env))
    except OSError as e:
        raise CniError(_spec.DELEGATE_FAILED, f"ipam.type {typ!r}: cannot run {exe}: {e}") from None
    out = stdout.strip()
    if status != 0:
        try:
            err = json.loads(out)
            code, msg = int(err["code"]), str(err["msg"])
        except (ValueError, KeyError, TypeError):
            text = stderr.decode(errors="replace").strip()
            raise CniError(
                _spec.DELEGATE_FAILED,
                f"ipam.type {typ!r} ({command}) failed with status {status}",
                text[-400:],
            ) from None
        raise CniError(code, f"ipam.type {typ!r} ({command}): {msg}", str(err.get("details", "")))
    if command != "ADD":
        return None
    try:
        result = json.loads(out)
    except ValueError:
        raise CniError(
            _spec.DECODING_FAILURE, f"ipam.type {typ!r} printed no JSON result: {out[:200]!r}"
        ) from None
    if not isinstance(result, dict):
        raise CniError(_spec.DECODING_FAILURE, f"ipam.type {typ!r} printed no result object")
    return result


def _spawn(exe: str, data: bytes, env: Mapping[str, str]) -> tuple[int, bytes, bytes]:
    """Run ``exe`` with ``data`` on its stdin; its exit status (negative: killed by that
    signal), stdout and stderr. Raises :class:`OSError` if it cannot be started.

    What ``subprocess.run(input=..., capture_output=True)`` does, minus the
    module: ``os.posix_spawn`` with the three pipe ends dup2'ed onto fds 0-2,
    any other inheritable descriptor closed in the child (``close_fds``; Python
    makes its own close-on-exec) and SIGPIPE and SIGXFSZ back to their default
    action (``restore_signals``: Python ignores SIGPIPE, and an ignored signal
    stays ignored across exec), then one ``poll`` loop feeding stdin and
    draining stdout and stderr together, so neither side blocks on a full pipe.
    If this process is interrupted meanwhile, the child is killed and reaped
    before the error propagates.
    """
    import select
    import signal

    fds: list[int] = []
    try:
        r_in, w_in = os.pipe()
        fds += (r_in, w_in)
        r_out, w_out = os.pipe()
        fds += (r_out, w_out)
        r_err, w_err = os.pipe()
        fds += (r_err, w_err)
        actions: list[tuple[int, ...]] = [
            (os.POSIX_SPAWN_DUP2, r_in, 0),
            (os.POSIX_SPAWN_DUP2, w_out, 1),
            (os.POSIX_SPAWN_DUP2, w_err, 2),
        ]
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd > 2 and fd not in fds and _inheritable(fd):
                actions.append((os.POSIX_SPAWN_CLOSE, fd))
        pid = os.posix_spawn(
            exe,
            [exe],
            env,
            file_actions=actions,
            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
        )
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    for fd in (r_in, w_out, w_err):  # the child's ends
        os.close(fd)
    open_fds = {w_in, r_out, r_err}
    chunks: dict[int, list[bytes]] = {r_out: [], r_err: []}
    try:
        os.set_blocking(w_in, False)
        view = memoryview(data)
        poller = select.poll()
        if view:
            poller.register(w_in, select.POLLOUT)
        else:
            os.close(w_in)
            open_fds.discard(w_in)
        for fd in (r_out, r_err):
            poller.register(fd, select.POLLIN)
        while open_fds:  # w_in leaves the set once all of data is written
            for fd, _ in poller.poll():
                if fd == w_in:
                    try:
                        view = view[os.write(w_in, view[:_CHUNK]) :]
                    except BrokenPipeError:  # the child does not read all of stdin
                        view = view[:0]
                    if not view:
                        poller.unregister(w_in)
                        os.close(w_in)
                        open_fds.discard(w_in)
                else:
                    chunk = os.read(fd, _CHUNK)
                    if chunk:
                        chunks[fd].append(chunk)
                    else:
                        poller.unregister(fd)
                        os.close(fd)
                        open_fds.discard(fd)
        _, wait_status = os.waitpid(pid, 0)
    except BaseException:
        for fd in open_fds:
            os.close(fd)
        try:
            os.kill(pid, 9)  # SIGKILL
            os.waitpid(pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
        raise
    return os.waitstatus_to_exitcode(wait_status), b"".join(chunks[r_out]), b"".join(chunks[r_err])


def _inheritable(fd: int) -> bool:
    try:
        return os.get_inheritable(fd)
    except OSError:  # listdir's own descriptor, closed since
        return False
