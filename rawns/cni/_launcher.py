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


def install(directory: str, *, python: str | None = None, resident: str | None = None) -> list[str]:
    """Write the four launchers into ``directory`` (a runtime's plugin directory, such as
    ``/opt/cni/bin``); returns their paths. ``resident``: a daemon's socket; the
    launchers are then shims forwarding to it. Each is written to a temporary name and
    renamed, so a runtime never execs a half-written file."""
    texts = {  # all checked first
        name: script(name, python=python)
        if resident is None
        else resident_script(name, resident, python=python)
        for name in PLUGINS
    }
    out = []
    for name, text in texts.items():
        path = os.path.join(directory, name)
        tmp = f"{path}.tmp-{os.getpid()}"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o755)  # noqa: S103 - an executable the runtime (root) runs
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        out.append(path)
    return out
