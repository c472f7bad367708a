"""The plugin executables a runtime execs: lean launchers (``python -m rawns.cni install``).

A runtime execs a plugin per pod per command, so what the interpreter does
before the plugin's first line is paid on every ADD and DEL. A console script
as pip writes it (``#!python`` then ``from rawns.cni.bridge import main``)
starts Python with ``site``: every ``.pth`` file of the environment is read and
run (an editable install's import finder among them), and the ``PYTHON*``
variables of the runtime's environment apply (``PYTHONDONTWRITEBYTECODE`` then
makes every exec compile rawns' modules again). A launcher runs Python with
``-I -S`` instead (isolated: no ``site``, no user site, no ``PYTHON*``
variables, no script directory on ``sys.path``) and puts on ``sys.path`` the
two directories the plugin loads from, fixed when it is written: the one
holding the ``rawns`` package and the one holding ``_cffi_backend`` (rawns'
only runtime dependency). The plugin's code is the same; only the start-up
differs. docs/cni.md ("Install", "Start-up cost") says what this saves.
"""

from __future__ import annotations

import os
import sys

#: executable name -> the module whose ``main()`` it runs.
PLUGINS = {
    "rawns-bridge": "rawns.cni.bridge",
    "rawns-portmap": "rawns.cni.portmap",
    "rawns-bandwidth": "rawns.cni.bandwidth",
    "rawns-host-local": "rawns.cni.host_local",
}

_TEMPLATE = """\
#!{python} -IS
# rawns CNI plugin {name}, written by `python -m rawns.cni install` (docs/cni.md).
# -I -S: no site, no PYTHON* variables; rawns and cffi load from the directories below.
import sys
sys.path[:0] = {first!r}  # rawns' directory, before the standard library
sys.path += {rest!r}  # cffi's, after it (as site would add it)
from {module} import main
sys.exit(main())
"""


def search_path() -> list[str]:
    """The directories a launcher puts on ``sys.path``: rawns' (first) and ``_cffi_backend``'s."""
    here = os.path.dirname(os.path.abspath(__file__))  # .../rawns/cni
    paths = [os.path.dirname(os.path.dirname(here))]
    from importlib.util import find_spec

    spec = find_spec("_cffi_backend")
    if spec is not None and spec.origin:
        d = os.path.dirname(os.path.abspath(spec.origin))
        if d not in paths:
            paths.append(d)
    return paths


def script(name: str, *, python: str | None = None, paths: list[str] | None = None) -> str:
    """The launcher's text for the plugin ``name`` (one of :data:`PLUGINS`).

    Raises :class:`ValueError` for an unknown plugin, or a ``python`` path the
    kernel cannot take in a ``#!`` line (relative, or holding whitespace).
    """
    if name not in PLUGINS:
        raise ValueError(f"no rawns CNI plugin {name!r} (one of {', '.join(PLUGINS)})")
    py = sys.executable if python is None else python
    if not os.path.isabs(py) or any(c.isspace() for c in py):
        raise ValueError(f"python {py!r} must be an absolute path without whitespace (#! line)")
    dirs = search_path() if paths is None else list(paths)
    return _TEMPLATE.format(
        python=py, name=name, module=PLUGINS[name], first=dirs[:1], rest=dirs[1:]
    )


def check_socket(path: str) -> str:
    """A resident daemon's socket path: absolute, at most 107 bytes (``sun_path``), no NUL."""
    if (
        not isinstance(path, str)
        or not os.path.isabs(path)
        or "\0" in path
        or len(os.fsencode(path)) > 107
    ):
        raise ValueError(f"socket {path!r} must be an absolute path of at most 107 bytes")
    return path


def resident_script(name: str, socket: str, *, python: str | None = None) -> str:
    """The shim's text for the plugin ``name``: :mod:`rawns.cni._shim` with its constants set,
    forwarding to the resident daemon at ``socket`` (docs/cni.md, "Resident mode")."""
    script(name, python=python, paths=[])  # the same checks of name and python
    check_socket(socket)
    from . import _shim
    from ._spec import SUPPORTED

    with open(_shim.__file__, encoding="utf-8") as f:
        text = f.read()
    head, sep, rest = text.partition("# -- set by the launcher")
    consts, sep2, tail = rest.partition("# -- end --")
    if not sep or not sep2:
        raise ValueError(f"{_shim.__file__} lost its constants block")
    consts = (
        f" (python -m rawns.cni install --resident) --\n"
        f"SOCKET = {socket!r}\nPLUGIN = {name!r}\nSUPPORTED = {tuple(SUPPORTED)!r}\n"
    )
    py = sys.executable if python is None else python
    return (
        f"#!{py} -IS\n"
        f"# rawns CNI shim {name}, written by `python -m rawns.cni install --resident`.\n"
        + (head + sep + consts + sep2 + tail)
    )


#: The compiled shim (csrc/cni_shim.c), built with the package (setup.py) beside this file.
SHIM_BINARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_shim_bin")
#: csrc/cni_shim.c's configuration buffer: its size and the marker it holds until patched.
SHIM_CONF_SIZE = 4096
SHIM_MARKER = b"rawns-cni-shim:configuration:not-patched:9b1f4c7e2a6d3085"
_SHIM_PATCHED = b"rCS1"
#: ``shim=`` of :func:`install`: "auto" (the compiled one if built, else the Python one),
#: "c" (the compiled one, or FileNotFoundError), "python".
SHIMS = ("auto", "c", "python")


def shim_conf(name: str, socket: str) -> bytes:
    """The configuration written into a copy of the compiled shim for plugin ``name`` and
    the daemon at ``socket``: ``rCS1`` and five NUL-terminated fields (socket path,
    plugin, the VERSION answer, the two error-11 JSON prefixes up to the open "msg"
    string), rendered with :mod:`rawns.cni._shim`'s own functions so the texts are the
    Python shim's. Raises :class:`ValueError` as :func:`resident_script` does."""
    if name not in PLUGINS:
        raise ValueError(f"no rawns CNI plugin {name!r} (one of {', '.join(PLUGINS)})")
    check_socket(socket)
    from . import _shim
    from ._spec import SUPPORTED

    supported = tuple(SUPPORTED)

    def prefix(msg: str) -> bytes:  # try_again(msg) up to its msg string's closing quote
        return _shim.try_again(msg, supported)[: -len('"}')].encode("utf-8", "surrogateescape")

    fields = (
        os.fsencode(socket),
        name.encode("ascii"),
        (_shim.version_answer(supported) + "\n").encode(),
        prefix(f"{name}: the rawns CNI daemon is not reachable at {socket}: "),
        prefix(f"{name}: rawns CNI daemon at {socket}: "),
    )
    conf = _SHIM_PATCHED + b"".join(f + b"\0" for f in fields)
    if len(conf) >= SHIM_CONF_SIZE:  # (cannot happen with a 107-byte socket path)
        raise ValueError(f"socket {socket!r}: the shim's configuration is too long")
    return conf.ljust(SHIM_CONF_SIZE, b"\0")


def patch_shim(binary: bytes, name: str, socket: str) -> bytes:
    """``binary`` (the compiled shim) with its configuration for ``name`` and ``socket``.

    Raises :class:`ValueError` if the marker is not there exactly once."""
    at = binary.find(SHIM_MARKER)
    if at < 0 or binary.find(SHIM_MARKER, at + 1) >= 0:
        raise ValueError("the compiled CNI shim has no (single) configuration marker")
    conf = shim_conf(name, socket)
    return binary[:at] + conf + binary[at + len(conf) :]


def shim_binary() -> bytes | None:
    """The compiled shim's bytes, or None if this rawns was not built with it."""
    try:
        with open(SHIM_BINARY, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def install(
    directory: str,
    *,
    python: str | None = None,
    resident: str | None = None,
    shim: str = "auto",
) -> list[str]:
    """Write the four launchers into ``directory`` (a runtime's plugin directory, such as
    ``/opt/cni/bin``); returns their paths. ``resident``: a daemon's socket; the
    launchers are then shims forwarding to it: copies of the compiled shim with the
    socket and plugin written in (``shim="c"``), or :mod:`rawns.cni._shim` scripts
    (``shim="python"``); ``"auto"`` takes the compiled one if this rawns was built
    with it, else the Python one with a note on stderr. Each is written to a temporary
    name and renamed, so a runtime never execs a half-written file.

    Raises :class:`ValueError` for a bad name, python or socket,
    :class:`FileNotFoundError` for ``shim="c"`` without a compiled shim."""
    if shim not in SHIMS:
        raise ValueError(f"shim {shim!r} must be one of {', '.join(SHIMS)}")
    binary = None
    if resident is not None and shim != "python":
        binary = shim_binary()
        if binary is None and shim == "c":
            raise FileNotFoundError(
                f"no compiled CNI shim at {SHIM_BINARY} (a source tree without a build: "
                "pip install . builds it)"
            )
        if binary is None:
            print(
                f"python -m rawns.cni install: no compiled CNI shim at {SHIM_BINARY} (a "
                "source tree without a build); writing the Python shims instead",
                file=sys.stderr,
            )
    texts: dict[str, bytes] = {}  # all checked first
    for name in PLUGINS:
        if resident is None:
            texts[name] = script(name, python=python).encode()
        elif binary is not None:
            script(name, python=python, paths=[])  # python is checked all the same
            texts[name] = patch_shim(binary, name, resident)
        else:
            texts[name] = resident_script(name, resident, python=python).encode()
    out = []
    for name, text in texts.items():
        path = os.path.join(directory, name)
        tmp = f"{path}.tmp-{os.getpid()}"
        try:
            with open(tmp, "wb") as f:
                f.write(text)
            os.chmod(tmp, 0o755)  # noqa: S103 - an executable the runtime (root) runs
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        out.append(path)
    return out
