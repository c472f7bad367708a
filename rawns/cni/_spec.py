"""The CNI specification (1.0.0, 1.1.0): environment, request, results, errors, VERSION.

Sans-I/O apart from :func:`run`, which reads stdin and the environment,
calls a plugin's command functions and writes the answer (a result or an
error object) to stdout, exiting 0 or 1 as the spec says. A plugin is exec'd
per pod per command, so this module imports only what ``json`` loads anyway
(``re``) and ``os``/``sys``: no ``dataclasses``, no ``typing`` at run time.
"""

from __future__ import annotations

import json
import os
import re
import sys

TYPE_CHECKING = False  # not typing's: importing typing is start-up cost (docs/cni.md)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, TypeAlias

#: The versions a rawns plugin speaks (a request's cniVersion must be one of them).
SUPPORTED = ("1.0.0", "1.1.0")
COMMANDS = ("ADD", "DEL", "CHECK", "VERSION", "STATUS", "GC")

# The spec's well-known error codes (SPEC.md, "Error"), and rawns' plugin-specific ones (100+).
INCOMPATIBLE_VERSION = 1
UNSUPPORTED_FIELD = 2
UNKNOWN_CONTAINER = 3
INVALID_ENV = 4
IO_FAILURE = 5
DECODING_FAILURE = 6
INVALID_CONFIG = 7
TRY_AGAIN_LATER = 11
NOT_AVAILABLE = 50
LIMITED_CONNECTIVITY = 51
#: The interface (or the attachment) already exists in the container.
ALREADY_EXISTS = 100
#: IPAM: no free address left in the range set(s).
NO_ADDRESS = 101
#: portmap: the host port is already mapped by another pod.
PORT_IN_USE = 102
#: The kernel refused a request (the message names the operation and errno).
KERNEL_REFUSED = 103
#: A delegated plugin (IPAM) could not be run.
DELEGATE_FAILED = 104
#: The resident daemon refused the caller (not root, nor the daemon's own user).
PEER_REFUSED = 105
#: A plugin bug (an unexpected exception).
INTERNAL = 999

_CONTAINER_ID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.\-]*\Z")
_NETWORK_NAME = _CONTAINER_ID
_IFNAMSIZ = 16


class CniError(Exception):
    """An error the plugin reports as a CNI error object (code, msg, details)."""

    def __init__(self, code: int, msg: str, details: str = "") -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.details = details

    def to_json(self, version: str) -> dict[str, Any]:
        out: dict[str, Any] = {"cniVersion": version, "code": self.code, "msg": self.msg}
        if self.details:
            out["details"] = self.details
        return out


# ---------------------------------------------------------------------------
# environment


class Env:
    """The ``CNI_*`` variables of one invocation, validated (a plain class: no dataclasses)."""

    __slots__ = ("args", "command", "container_id", "environ", "ifname", "netns", "path")

    def __init__(
        self,
        command: str,
        container_id: str = "",
        netns: str = "",
        ifname: str = "",
        args: tuple[tuple[str, str], ...] = (),
        path: tuple[str, ...] = (),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.command = command
        self.container_id = container_id
        self.netns = netns
        self.ifname = ifname
        self.args = args
        self.path = path
        #: the whole environment an IPAM delegate is exec'd with (None: os.environ)
        self.environ = environ

    def with_command(self, command: str) -> Env:
        """The same invocation with another ``CNI_COMMAND`` (an IPAM delegate's)."""
        return Env(
            command,
            self.container_id,
            self.netns,
            self.ifname,
            self.args,
            self.path,
            self.environ,
        )

    def __repr__(self) -> str:
        return f"Env(command={self.command!r}, container_id={self.container_id!r})"


def check_ifname(name: str, what: str = "CNI_IFNAME", code: int = INVALID_ENV) -> str:
    """The spec's interface-name rules (Linux's dev_valid_name): 1..15 bytes, not ``.``/``..``,
    no ``/``, ``:`` or whitespace."""
    raw = name.encode("utf-8", "surrogateescape")
    if not raw:
        raise CniError(code, f"{what} is empty")
    if len(raw) >= _IFNAMSIZ:
        raise CniError(code, f"{what} {name!r} is longer than 15 bytes")
    if name in (".", ".."):
        raise CniError(code, f"{what} {name!r} is not a valid interface name")
    for c in name:
        if c in "/:" or c.isspace() or c == "\0":
            raise CniError(code, f"{what} {name!r} holds {c!r}, not allowed in a name")
    return name


def check_container_id(cid: str, what: str = "CNI_CONTAINERID") -> str:
    """The spec: alphanumeric first, then alphanumerics, underscore, dot or hyphen."""
    if not cid:
        raise CniError(INVALID_ENV, f"{what} is empty")
    if not _CONTAINER_ID.match(cid):
        raise CniError(
            INVALID_ENV,
            f"{what} {cid!r} must start with a letter or digit and hold only letters, "
            "digits, '_', '.' and '-'",
        )
    return cid


def _need(environ: Mapping[str, str], name: str) -> str:
    v = environ.get(name)
    if v is None or v == "":
        raise CniError(INVALID_ENV, f"required environment variable {name} is missing")
    return v


def parse_env(environ: Mapping[str, str]) -> Env:
    """Read and validate ``CNI_*`` exactly as the spec says which are required for which command.

    ADD/CHECK need CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME and CNI_PATH; DEL the
    same but CNI_NETNS (optional: the namespace may be gone); GC and STATUS
    CNI_PATH; VERSION nothing. Raises :class:`CniError` code 4 naming the variable.
    """
    cmd = environ.get("CNI_COMMAND", "")
    if not cmd:
        raise CniError(INVALID_ENV, "required environment variable CNI_COMMAND is missing")
    if cmd not in COMMANDS:
        raise CniError(INVALID_ENV, f"CNI_COMMAND {cmd!r} is not one of {', '.join(COMMANDS)}")
    if cmd == "VERSION":
        return Env(command=cmd, environ=environ)
    cid = netns = ifname = ""
    if cmd in ("ADD", "DEL", "CHECK"):
        cid = check_container_id(_need(environ, "CNI_CONTAINERID"))
        ifname = check_ifname(_need(environ, "CNI_IFNAME"))
        netns = environ.get("CNI_NETNS", "") if cmd == "DEL" else _need(environ, "CNI_NETNS")
    path = tuple(p for p in _need(environ, "CNI_PATH").split(os.pathsep) if p)
    return Env(
        command=cmd,
        container_id=cid,
        netns=netns,
        ifname=ifname,
        args=parse_args(environ.get("CNI_ARGS", "")),
        path=path,
        environ=environ,
    )


def parse_args(text: str) -> tuple[tuple[str, str], ...]:
    """``CNI_ARGS``: ``FOO=BAR;ABC=123`` (each pair must hold one ``=``)."""
    out = []
    for part in text.split(";"):
        if not part:
            continue
        key, eq, value = part.partition("=")
        if not eq or not key:
            raise CniError(INVALID_ENV, f"CNI_ARGS: {part!r} is not KEY=VALUE")
        out.append((key, value))
    return tuple(out)


# ---------------------------------------------------------------------------
# the request


class Request:
    """One invocation: the environment and the network configuration (stdin), decoded."""

    __slots__ = (
        "config",
        "env",
        "name",
        "node",
        "prev_result",
        "raw",
        "runtime_config",
        "version",
    )

    def __init__(
        self,
        env: Env,
        config: dict[str, Any],
        raw: bytes,
        version: str,
        name: str,
        prev_result: dict[str, Any] | None = None,
        runtime_config: dict[str, Any] | None = None,
        node: Node | None = None,
    ) -> None:
        self.env = env
        self.config = config
        self.raw = raw
        self.version = version
        self.name = name
        self.prev_result = prev_result
        self.runtime_config: dict[str, Any] = {} if runtime_config is None else runtime_config
        #: the node's namespace when it is not this thread's (the resident daemon), else None
        self.node = node

    def with_command(self, command: str) -> Request:
        """The same request for another command (what an IPAM delegate is run with)."""
        return Request(
            self.env.with_command(command),
            self.config,
            self.raw,
            self.version,
            self.name,
            self.prev_result,
            self.runtime_config,
            self.node,
        )

    def __repr__(self) -> str:
        return f"Request(env={self.env!r}, name={self.name!r}, version={self.version!r})"


def decode_config(raw: bytes) -> dict[str, Any]:
    """stdin as a JSON object (code 6 if it is not one)."""
    try:
        conf = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise CniError(DECODING_FAILURE, f"network configuration is not valid JSON: {e}") from None
    if not isinstance(conf, dict):
        raise CniError(
            DECODING_FAILURE, f"network configuration must be a JSON object, not {_kind(conf)}"
        )
    return conf


def _kind(v: object) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(v), type(v).__name__)


def get(
    conf: Mapping[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    default: Any = None,
    where: str = "",
) -> Any:
    """``conf[key]`` of JSON type ``kind`` (bool is not a number), else code 7 naming the key."""
    if key not in conf or conf[key] is None:
        return default
    v = conf[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    ok = isinstance(v, kinds) and not (isinstance(v, bool) and bool not in kinds)
    if not ok:
        want = " or ".join(_kind(k()) if k is not type(None) else "null" for k in kinds)
        raise CniError(
            INVALID_CONFIG, f"{where}{key} must be {want}, not {_kind(v)}: {json.dumps(v)[:80]}"
        )
    return v


def parse_request(env: Env, raw: bytes, node: Node | None = None) -> Request:
    """Decode stdin and check the keys every plugin reads: cniVersion, name, prevResult."""
    conf = decode_config(raw)
    version = get(conf, "cniVersion", str, "")
    if not version:
        raise CniError(INVALID_CONFIG, "cniVersion is missing from the network configuration")
    if version not in SUPPORTED:
        raise CniError(
            INCOMPATIBLE_VERSION,
            f"cniVersion {version!r} is not supported (supported: {', '.join(SUPPORTED)})",
        )
    if env.command in ("STATUS", "GC") and version == "1.0.0":
        raise CniError(
            INCOMPATIBLE_VERSION, f"CNI_COMMAND {env.command} needs cniVersion 1.1.0, not 1.0.0"
        )
    name = get(conf, "name", str, "")
    if not name:
        raise CniError(INVALID_CONFIG, "name is missing from the network configuration")
    if not _NETWORK_NAME.match(name):
        raise CniError(
            INVALID_CONFIG,
            f"name {name!r} must start with a letter or digit and hold only letters, digits, "
            "'_', '.' and '-'",
        )
    prev = get(conf, "prevResult", dict)
    rc = get(conf, "runtimeConfig", dict, {})
    return Request(
        env=env,
        config=conf,
        raw=raw,
        version=version,
        name=name,
        prev_result=prev,
        runtime_config=rc,
        node=node,
    )


def version_answer() -> dict[str, Any]:
    """What VERSION prints."""
    return {"cniVersion": SUPPORTED[-1], "supportedVersions": list(SUPPORTED)}


# ---------------------------------------------------------------------------
# running a plugin

if TYPE_CHECKING:
    Command: TypeAlias = Callable[[Request], dict[str, Any] | None]
    from ._node import Node


def run(
    commands: Mapping[str, Command],
    *,
    environ: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    out: Any = None,
) -> int:
    """Run one exec'd plugin invocation; return the exit status (0, or 1 after an error object).

    ``commands`` maps ADD/DEL/CHECK/STATUS/GC to functions taking the
    :class:`Request` and returning the result object (or None: nothing printed).
    The node is the namespace this process runs in.
    """
    stream = sys.stdout if out is None else out
    code, text = dispatch(
        commands,
        os.environ if environ is None else environ,
        sys.stdin.buffer.read if stdin is None else stdin,
    )
    if text:
        stream.write(text.decode())
        stream.flush()
    return code


def dispatch(
    commands: Mapping[str, Command],
    environ: Mapping[str, str],
    stdin: bytes | Callable[[], bytes],
    node: Node | None = None,
) -> tuple[int, bytes]:
    """One invocation, from its environment and stdin to (exit status, stdout bytes).

    What an exec'd plugin and the resident daemon (:mod:`rawns.cni._daemon`)
    both run. ``stdin`` may be a reader, called only if the command needs the
    configuration (VERSION does not). ``node`` is the node's namespace when it
    is not the calling thread's (the daemon works for a shim in another one).
    """
    version = SUPPORTED[-1]
    try:
        env = parse_env(environ)
        if env.command == "VERSION":
            return 0, _dump(version_answer())
        raw = stdin if isinstance(stdin, bytes) else stdin()
        req = parse_request(env, raw, node)
        version = req.version
        fn = commands.get(env.command)
        if fn is None:
            raise CniError(
                INVALID_ENV, f"CNI_COMMAND {env.command} is not supported by this plugin"
            )
        result = fn(req)
    except CniError as e:
        return 1, _dump(e.to_json(version))
    except Exception as e:  # reported as a CNI error object, never a traceback on stdout
        return 1, _dump(to_cni_error(e).to_json(version))
    return 0, (b"" if result is None else _dump(result))


def to_cni_error(e: BaseException) -> CniError:
    """An exception from rawns or the OS as a CNI error (the note naming the step kept)."""
    notes = "; ".join(getattr(e, "__notes__", []))
    if isinstance(e, CniError):
        return e
    name = type(e).__name__
    if name in ("Conflict", "AlreadyExists", "FileExistsError"):
        code = ALREADY_EXISTS
    elif isinstance(e, TypeError | ValueError):
        code = INVALID_CONFIG
    elif name == "NotSupported":
        code = NOT_AVAILABLE
    elif isinstance(e, OSError) and getattr(e, "op", None) is not None:
        code = KERNEL_REFUSED
    elif isinstance(e, OSError):
        code = IO_FAILURE
    else:
        code = INTERNAL
    return CniError(code, str(e) or name, notes)


def _dump(obj: Mapping[str, Any]) -> bytes:
    return (json.dumps(obj) + "\n").encode()


# ---------------------------------------------------------------------------
# results


def empty_result(version: str) -> dict[str, Any]:
    return {"cniVersion": version, "interfaces": [], "ips": [], "routes": [], "dns": {}}


def check_result(obj: object, what: str = "prevResult") -> dict[str, Any]:
    """A result object's shape (from a delegate or prevResult), code 7/6 naming the key."""
    if not isinstance(obj, dict):
        raise CniError(DECODING_FAILURE, f"{what} must be an object, not {_kind(obj)}")
    for key in ("interfaces", "ips", "routes"):
        get(obj, key, list, where=f"{what}.")
    for i, ip in enumerate(obj.get("ips") or []):
        if not isinstance(ip, dict) or not isinstance(ip.get("address"), str):
            raise CniError(INVALID_CONFIG, f"{what}.ips[{i}].address must be a string")
    return obj
