"""``rawns-bandwidth``: the reference ``bandwidth`` plugin (capability ``bandwidth``) on rawns.tc.

Rates are bits per second and bursts bits, as in the reference
(``ingressRate``/``ingressBurst``/``egressRate``/``egressBurst``, from
``runtimeConfig.bandwidth`` or the plugin's own keys). *Ingress* is what the
pod receives: a tbf root qdisc on the pod's host-side veth
(:func:`rawns.compose.limit_rate`). *Egress* is what the pod sends: the host
veth's ingress redirected to an ifb device ``bwp<hash>`` shaped by a tbf
(:func:`rawns.compose.limit_ingress`). DEL removes the ifb (the veth's
qdiscs go with the veth).
"""

from __future__ import annotations

import contextlib
import hashlib

from . import _node, _spec
from ._spec import CniError, Request

# rawns' netlink and tc layers load inside the command that needs them (VERSION
# and STATUS need none): the plugin is exec'd per pod per command.
TYPE_CHECKING = False  # not typing's (start-up cost)
if TYPE_CHECKING:
    from typing import Any

    from .. import link
    from ..handle import Handle

PLUGIN = "bandwidth"
_LATENCY = "25ms"  # the reference's latencyInMillis
_KEYS = ("ingressRate", "ingressBurst", "egressRate", "egressBurst")


def ifb_name(network: str, container_id: str) -> str:
    return "bwp" + hashlib.sha256(f"{network}/{container_id}".encode()).hexdigest()[:12]


def limits(req: Request) -> dict[str, int]:
    """The four numbers (0 = unset), from runtimeConfig.bandwidth or the plugin's keys."""
    rc = _spec.get(req.runtime_config, "bandwidth", dict, None, where="runtimeConfig.")
    src, where = (rc, "runtimeConfig.bandwidth.") if rc is not None else (req.config, "")
    out = {}
    for k in _KEYS:
        v = _spec.get(src, k, int, 0, where=where)
        if v < 0:
            raise CniError(_spec.INVALID_CONFIG, f"{where}{k} must not be negative, not {v}")
        out[k] = v
    for d in ("ingress", "egress"):
        rate, burst = out[f"{d}Rate"], out[f"{d}Burst"]
        if (rate == 0) != (burst == 0):
            raise CniError(
                _spec.INVALID_CONFIG, f"{where}{d}Rate and {d}Burst must be set together"
            )
    return out


def _host_veth(node: Handle, prev: dict[str, Any]) -> link.Link:
    from .. import link
    from ..errors import NotFound

    for i in prev.get("interfaces", []):
        if isinstance(i, dict) and not i.get("sandbox") and i.get("name"):
            with contextlib.suppress(NotFound):
                lk = link.get(node, str(i["name"]))
                if lk.kind == "veth":
                    return lk
    raise CniError(_spec.INVALID_CONFIG, "prevResult names no host-side veth for the pod")


def _output(req: Request) -> dict[str, Any]:
    prev = dict(req.prev_result or _spec.empty_result(req.version))
    prev["cniVersion"] = req.version
    return prev


def add(req: Request) -> dict[str, Any]:
    if req.prev_result is None:
        raise CniError(_spec.INVALID_CONFIG, "bandwidth must be chained: prevResult is missing")
    lim = limits(req)
    if not any(lim.values()):
        return _output(req)
    from ..compose import limit_ingress, limit_rate

    with _node.handle(req) as node:
        veth = _host_veth(node, req.prev_result)
        ifb = ifb_name(req.name, req.env.container_id)
        if lim["ingressRate"]:
            limit_rate(
                node,
                veth.index,
                rate=lim["ingressRate"],
                burst=lim["ingressBurst"] // 8,
                latency=_LATENCY,
            )
        if lim["egressRate"]:
            try:
                limit_ingress(
                    node,
                    veth.index,
                    rate=lim["egressRate"],
                    burst=lim["egressBurst"] // 8,
                    ifb=ifb,
                    latency=_LATENCY,
                )
            except BaseException:
                if lim["ingressRate"]:
                    with contextlib.suppress(Exception):
                        from ..tc import qdisc

                        qdisc.delete(node, dev=veth.index, parent="root")
                raise
    return _output(req)


def delete(req: Request) -> None:
    from .. import link
    from ..errors import NotFound

    with _node.handle(req) as node, contextlib.suppress(NotFound):
        link.delete(node, ifb_name(req.name, req.env.container_id))
    return None


def check(req: Request) -> None:
    if req.prev_result is None:
        raise CniError(_spec.INVALID_CONFIG, "CHECK needs prevResult in the network configuration")
    lim = limits(req)
    from .. import link
    from ..errors import NotFound
    from ..tc import qdisc

    with _node.handle(req) as node:
        veth = _host_veth(node, req.prev_result)
        if lim["ingressRate"]:
            kinds = [q.kind for q in qdisc.dump(node, veth.index) if q.handle != 0]
            if "tbf" not in kinds:
                raise CniError(_spec.UNKNOWN_CONTAINER, f"{veth.name} has no tbf qdisc")
        if lim["egressRate"]:
            try:
                link.get(node, ifb_name(req.name, req.env.container_id))
            except NotFound:
                raise CniError(_spec.UNKNOWN_CONTAINER, "the egress ifb device is gone") from None
    return None


def status(req: Request) -> None:
    return None


COMMANDS: dict[str, _spec.Command] = {"ADD": add, "DEL": delete, "CHECK": check, "STATUS": status}


def main() -> int:
    """The ``rawns-bandwidth`` executable."""
    return _spec.run(COMMANDS)


if __name__ == "__main__":
    raise SystemExit(main())
