"""The library never shells out: no subprocess, os.system, os.popen, os.exec*, os.spawn*.

(Tests may run ``ip``/``nft`` as an outside oracle; the library itself may not.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import rawns

SOURCE = Path(rawns.__file__).parent
FORBIDDEN_MODULES = {"subprocess", "pty", "commands", "popen2"}


def _forbidden_os_name(name: str) -> bool:
    return name in {"system", "popen", "fork", "forkpty"} or name.startswith(
        ("exec", "spawn", "posix_spawn")
    )


def offences(source: str, filename: str = "<src>") -> list[str]:
    """Every shell-out in ``source``: imports, os.* calls or references, dynamic imports."""
    found: list[str] = []
    tree = ast.parse(source, filename)
    os_aliases = {"os"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in FORBIDDEN_MODULES:
                    found.append(f"{filename}:{node.lineno}: import {a.name}")
                if a.name == "os" and a.asname:
                    os_aliases.add(a.asname)
        elif isinstance(node, ast.ImportFrom):
            mod = (node.module or "").split(".")[0]
            if mod in FORBIDDEN_MODULES:
                found.append(f"{filename}:{node.lineno}: from {node.module} import ...")
            if mod == "os":
                for a in node.names:
                    if _forbidden_os_name(a.name) or a.name == "*":
                        found.append(f"{filename}:{node.lineno}: from os import {a.name}")
        elif isinstance(node, ast.Attribute):
            if (
                isinstance(node.value, ast.Name)
                and node.value.id in os_aliases
                and _forbidden_os_name(node.attr)
            ):
                found.append(f"{filename}:{node.lineno}: os.{node.attr}")
        elif isinstance(node, ast.Call):
            # __import__("subprocess"), importlib.import_module("subprocess")
            fn = node.func
            name = (
                fn.id
                if isinstance(fn, ast.Name)
                else fn.attr
                if isinstance(fn, ast.Attribute)
                else ""
            )
            if name in {"__import__", "import_module"} and node.args:
                arg = node.args[0]
                if (
                    isinstance(arg, ast.Constant)
                    and str(arg.value).split(".")[0] in FORBIDDEN_MODULES
                ):
                    found.append(f"{filename}:{node.lineno}: {name}({arg.value!r})")
    return found


SOURCES = sorted(SOURCE.rglob("*.py"))


def test_there_is_source_to_check() -> None:
    names = {p.name for p in SOURCES}
    assert {"_wire.py", "netns.py", "transport.py"} <= names


#: The one file that must run a program, by specification (never ip/nft/tc), with the reason.
SPEC_EXECS = {"cni/_ipam.py": "CNI spec: a plugin runs its ipam.type delegate from CNI_PATH"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_library_source_does_not_shell_out(path: Path) -> None:
    rel = str(path.relative_to(SOURCE))
    found = offences(path.read_text(), rel)
    if rel in SPEC_EXECS:  # os.posix_spawn only (not subprocess), nothing else
        found = [f for f in found if not f.endswith(": os.posix_spawn")]
    assert found == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import subprocess",
        "import subprocess as sp",
        "from subprocess import run",
        "import os\nos.system('ip link')",
        "import os\nos.popen('ip link')",
        "import os\nos.execvp('ip', ['ip'])",
        "import os\nos.execl('/bin/sh', 'sh')",
        "import os\nos.spawnlp(os.P_WAIT, 'ip', 'ip')",
        "import os\nos.posix_spawnp('ip', ['ip'], {})",
        "import os as o\no.system('x')",
        "from os import system",
        "from os import execv",
        "f = __import__('subprocess')",
        "import importlib\nimportlib.import_module('subprocess')",
        "import os\nrun = os.system",
    ],
)
def test_the_checker_catches_shell_outs(snippet: str) -> None:
    assert offences(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    ["import os\nos.open('/run/netns/x', os.O_RDONLY)", "import socket", "import os\nos.setns"],
)
def test_the_checker_allows_ordinary_os_use(snippet: str) -> None:
    assert offences(snippet) == []
