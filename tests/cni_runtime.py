"""A small CNI runtime for the tests: what containerd/CRI-O/podman do with a conflist.

- conflist -> one request configuration per plugin (``name`` and ``cniVersion``
  from the list; ``runtimeConfig`` from the plugin's ``capabilities`` and the
  capability arguments given; ``prevResult`` from the plugin before);
- a result cache per attachment (network, container id, ifname), read for
  CHECK and DEL (DEL runs the plugins in reverse order, with the cached result
  as prevResult, and then forgets it);
- every plugin runs as a subprocess *inside the node namespace*
  (``nsenter --net=/run/netns/NODE``), never in the machine's own.

``plugin_dir(tmp)`` makes a CNI_PATH directory holding the rawns plugins (the
launchers ``python -m rawns.cni install`` writes; ``style="console"`` writes
the console scripts pip installs instead; ``style="resident"`` the shims of
``install --resident``, compiled or Python, forwarding to a daemon
:func:`resident_daemon` starts)
and links to the reference plugins in /usr/lib/cni (Debian's
containernetworking-plugins).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rawns.cni import _launcher

REFERENCE_DIR = Path("/usr/lib/cni")
RAWNS_PLUGINS = dict(_launcher.PLUGINS)
#: What pip writes for a [project.scripts] entry point.
SCRIPT = """#!{python}
import sys
from {module} import main
if __name__ == "__main__":
    sys.exit(main())
"""


def plugin_dir(
    tmp: Path, style: str = "launcher", *, socket_path: str | None = None, shim: str = "c"
) -> Path:
    """A CNI_PATH directory: the rawns plugins and the reference ones (if installed).

    ``style`` "launcher": what ``python -m rawns.cni install`` writes (``-I -S``);
    "console": what pip writes for the console scripts (``site``, the environment's
    ``PYTHON*`` variables); "resident": the shims of ``install --resident``, forwarding
    to the daemon at ``socket_path`` (:func:`resident_daemon`): copies of the compiled
    shim (csrc/cni_shim.c; ``shim="c"``, the default, failing if rawns was not built
    with it) or the Python ones (``shim="python"``).
    """
    d = tmp / "cni-bin"
    d.mkdir(exist_ok=True)
    if style == "launcher":
        _launcher.install(str(d))
    elif style == "resident":
        if socket_path is None:
            raise ValueError("style 'resident' needs socket_path (a resident_daemon's)")
        _launcher.install(str(d), resident=socket_path, shim=shim)
    elif style == "console":
        for name, module in RAWNS_PLUGINS.items():
            p = d / name
            p.write_text(SCRIPT.format(python=sys.executable, module=module))
            p.chmod(0o755)
    else:
        raise ValueError(f"style must be 'launcher', 'console' or 'resident', not {style!r}")
    if REFERENCE_DIR.is_dir():
        for p in REFERENCE_DIR.iterdir():
            link = d / p.name
            if not link.exists():
                link.symlink_to(p)
    return d


@dataclass
class Daemon:
    """A resident daemon started by :func:`resident_daemon`."""

    pid: int
    socket: str
    netns: str  # the name of the namespace it runs in (not the node's)
    log: Path

    def cpu_seconds(self) -> float:
        """Its user + system CPU time so far (it is no child the runtime waits for)."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def resident_daemon(idle: float | None = None) -> Iterator[Daemon]:
    """``python -m rawns.cni serve`` inside a namespace made for it (never the machine's
    own, nor the node's: the work must land in the shim's), its socket in a fresh
    directory; stopped by its PID (SIGTERM, then SIGKILL) and everything removed on exit."""
    from rawns import netns

    d = tempfile.mkdtemp(prefix="rcni-", dir="/tmp")  # short: sun_path holds 107 bytes
    sock = os.path.join(d, "d.sock")
    log = Path(d) / "daemon.log"
    ns = netns.create(f"rawns-t-cnid-{uuid.uuid4().hex[:8]}")
    proc: subprocess.Popen[bytes] | None = None
    try:
        argv = ["nsenter", f"--net=/run/netns/{ns.name}", sys.executable, "-m", "rawns.cni"]
        argv += ["serve", "--socket", sock]
        if idle is not None:
            argv += ["--idle", str(idle)]
        with open(log, "wb") as f:
            proc = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the daemon exited with {proc.returncode}: {log.read_text()}")
            with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
                probe.connect(sock)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the daemon never listened: {log.read_text()}")
            time.sleep(0.05)
        yield Daemon(pid=proc.pid, socket=sock, netns=str(ns.name), log=log)
    finally:
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, 15)  # SIGTERM: it finishes requests under way, removes its socket
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, 9)
                proc.wait()
        ns.close()
        with contextlib.suppress(FileNotFoundError):
            netns.delete(str(ns.name))
        shutil.rmtree(d, ignore_errors=True)


def have_reference() -> bool:
    return all((REFERENCE_DIR / n).exists() for n in ("bridge", "host-local", "portmap"))


class CniFailed(Exception):
    """A plugin answered with an error object (or crashed)."""

    def __init__(self, plugin: str, command: str, code: int, msg: str, raw: str) -> None:
        super().__init__(f"{plugin} {command}: code {code}: {msg}")
        self.plugin = plugin
        self.command = command
        self.code = code
        self.msg = msg
        self.raw = raw


@dataclass
class Runtime:
    """Runs a conflist's plugins for attachments, inside the node namespace ``node``."""

    node: str
    cni_path: Path
    cache_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    # -- one plugin ----------------------------------------------------------
    def exec_plugin(
        self,
        plugin: str,
        command: str,
        conf: Mapping[str, Any] | bytes | None,
        *,
        container_id: str | None = None,
        netns: str | None = None,
        ifname: str | None = None,
        env: Mapping[str, str | None] | None = None,
    ) -> dict[str, Any] | None:
        """Run one plugin; its JSON answer (None if it printed nothing). Raises CniFailed."""
        e = {k: v for k, v in os.environ.items() if not k.startswith("CNI_")}
        e.update(self.extra_env)
        e["CNI_COMMAND"] = command
        e["CNI_PATH"] = str(self.cni_path)
        if container_id is not None:
            e["CNI_CONTAINERID"] = container_id
        if netns is not None:
            e["CNI_NETNS"] = netns
        if ifname is not None:
            e["CNI_IFNAME"] = ifname
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        data = conf if isinstance(conf, bytes) else json.dumps(conf or {}).encode()
        exe = str(self.cni_path / plugin)
        argv = ["nsenter", f"--net=/run/netns/{self.node}", exe]
        self.calls.append((plugin, command))
        p = subprocess.run(argv, input=data, env=e, capture_output=True, timeout=60, check=False)
        out = p.stdout.decode().strip()
        if p.returncode != 0:
            try:
                err = json.loads(out)
                code, msg = int(err["code"]), str(err["msg"])
            except (ValueError, KeyError, TypeError):
                code, msg = -1, f"status {p.returncode}: {out} {p.stderr.decode()[-2000:]}"
            raise CniFailed(plugin, command, code, msg, out)
        return json.loads(out) if out else None

    # -- a conflist ----------------------------------------------------------
    @staticmethod
    def plugin_conf(
        conflist: Mapping[str, Any],
        plugin: Mapping[str, Any],
        *,
        prev: Mapping[str, Any] | None,
        capability_args: Mapping[str, Any],
    ) -> dict[str, Any]:
        conf = dict(plugin)
        conf["name"] = conflist["name"]
        conf["cniVersion"] = conflist["cniVersion"]
        rc = {
            cap: capability_args[cap]
            for cap, on in (plugin.get("capabilities") or {}).items()
            if on and cap in capability_args
        }
        if rc:
            conf["runtimeConfig"] = rc
        if prev is not None:
            conf["prevResult"] = prev
        return conf

    def _cache(self, conflist: Mapping[str, Any], cid: str, ifname: str) -> Path:
        return self.cache_dir / f"{conflist['name']}-{cid}-{ifname}.json"

    def add(
        self,
        conflist: Mapping[str, Any],
        container_id: str,
        netns: str,
        ifname: str = "eth0",
        capability_args: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        prev: dict[str, Any] | None = None
        caps = capability_args or {}
        for plugin in conflist["plugins"]:
            conf = self.plugin_conf(conflist, plugin, prev=prev, capability_args=caps)
            res = self.exec_plugin(
                plugin["type"], "ADD", conf, container_id=container_id, netns=netns, ifname=ifname
            )
            if res is None:
                raise AssertionError(f"{plugin['type']} ADD printed no result")
            prev = res
        assert prev is not None
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._cache(conflist, container_id, ifname).write_text(
            json.dumps({"result": prev, "capability_args": dict(caps)})
        )
        return prev

    def cached(self, conflist: Mapping[str, Any], cid: str, ifname: str = "eth0") -> Any:
        p = self._cache(conflist, cid, ifname)
        return json.loads(p.read_text()) if p.exists() else None

    def check(
        self, conflist: Mapping[str, Any], container_id: str, netns: str, ifname: str = "eth0"
    ) -> None:
        cached = self.cached(conflist, container_id, ifname)
        if cached is None:
            raise AssertionError(f"no cached result for {container_id}")
        for plugin in conflist["plugins"]:
            conf = self.plugin_conf(
                conflist, plugin, prev=cached["result"], capability_args=cached["capability_args"]
            )
            self.exec_plugin(
                plugin["type"],
                "CHECK",
                conf,
                container_id=container_id,
                netns=netns,
                ifname=ifname,
            )

    def delete(
        self,
        conflist: Mapping[str, Any],
        container_id: str,
        netns: str | None,
        ifname: str = "eth0",
        *,
        use_cache: bool = True,
        capability_args: Mapping[str, Any] | None = None,
    ) -> None:
        cached = self.cached(conflist, container_id, ifname) if use_cache else None
        prev = cached["result"] if cached else None
        caps = cached["capability_args"] if cached else (capability_args or {})
        for plugin in reversed(conflist["plugins"]):
            conf = self.plugin_conf(conflist, plugin, prev=prev, capability_args=caps)
            self.exec_plugin(
                plugin["type"],
                "DEL",
                conf,
                container_id=container_id,
                netns=netns or None,
                ifname=ifname,
                env={"CNI_NETNS": None} if not netns else None,
            )
        self._cache(conflist, container_id, ifname).unlink(missing_ok=True)

    def gc(self, conflist: Mapping[str, Any], valid: list[tuple[str, str]]) -> None:
        attachments = [{"containerID": c, "ifname": i} for c, i in valid]
        for plugin in conflist["plugins"]:
            conf = self.plugin_conf(conflist, plugin, prev=None, capability_args={})
            conf["cni.dev/valid-attachments"] = attachments
            self.exec_plugin(plugin["type"], "GC", conf)

    def status(self, conflist: Mapping[str, Any]) -> None:
        for plugin in conflist["plugins"]:
            conf = self.plugin_conf(conflist, plugin, prev=None, capability_args={})
            self.exec_plugin(plugin["type"], "STATUS", conf)

    def version(self, plugin: str) -> dict[str, Any]:
        res = self.exec_plugin(plugin, "VERSION", {"cniVersion": "1.1.0"})
        assert res is not None
        return res
