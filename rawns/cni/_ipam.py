"""IPAM delegation, as the CNI spec says: exec ``ipam.type`` from ``CNI_PATH``.

The delegate gets the same stdin (the whole network configuration) and the
same environment with ``CNI_COMMAND`` set; its result (ADD) or error object is
read from its stdout. ``rawns-host-local`` runs in-process instead (the same
code as the executable), saving an exec per pod.
"""

from __future__ import annotations

import json
import os

from . import _spec
from ._spec import CniError, Request

TYPE_CHECKING = False  # not typing's (start-up cost)
if TYPE_CHECKING:
    from typing import Any

IN_PROCESS = "rawns-host-local"


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
    import subprocess

    exe = find_plugin(typ, req.env.path)
    env = dict(os.environ)
    env["CNI_COMMAND"] = command
    try:
        p = subprocess.run([exe], input=req.raw, env=env, capture_output=True, check=False)
    except OSError as e:
        raise CniError(_spec.DELEGATE_FAILED, f"ipam.type {typ!r}: cannot run {exe}: {e}") from None
    out = p.stdout.strip()
    if p.returncode != 0:
        try:
            err = json.loads(out)
            code, msg = int(err["code"]), str(err["msg"])
        except (ValueError, KeyError, TypeError):
            stderr = p.stderr.decode(errors="replace").strip()
            raise CniError(
                _spec.DELEGATE_FAILED,
                f"ipam.type {typ!r} ({command}) failed with status {p.returncode}",
                stderr[-400:],
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
