"""Composable helpers for private networks, built only from the public verbs.

Each helper is a handful of verb calls (``link.add``, ``addr.add``,
``route.add``, ``sysctl.set``, an ``nft`` transaction) with "ensure"
semantics where that is natural: an existing identical object is not an
error, a conflicting one raises :class:`~rawns.errors.Conflict` naming it, and
nothing is changed in that case. Each returns whether it created something, so
callers (like :class:`rawns.topology.Topology`) know what to undo.

Every helper checks all of its arguments before its first request
(:class:`TypeError`/:class:`ValueError` naming the argument and the value).
A helper that changes more than one thing runs a list of :class:`Step`\\ s
(:func:`run_steps`): if any step fails, the steps before it are undone,
newest first, and the step's own exception is raised with a note naming it.

The steps machinery is in ``_steps``, argument checks in ``_args``, the
single-change helpers and their steps in ``_ensure``, the NAT helpers in
``_nat``, the multi-change helpers (``forwarding``, ``connect``,
``gateway``) in ``_connect``, the tc ones in ``_tc``: each loads on first use
of one of its names (PEP 562), so ``from rawns import compose`` costs little.

The seed scenario, by hand::

    from rawns import Handle, compose, netns

    with netns.create("host") as host_ns, netns.create("red") as red, \\
            Handle.open(netns=host_ns) as host:
        compose.gateway(host, bridge="v-net-0", address="192.168.15.5/24")
        compose.connect(host, red, bridge="v-net-0", veth="veth-red",
                        bridge_end="veth-red-br", address="192.168.15.1/24",
                        gateway="192.168.15.5")
        compose.masquerade(host, source="192.168.15.0/24", not_oif="v-net-0")
        compose.port_forward(host, 80, to="192.168.15.2", to_port=80)
"""

from __future__ import annotations

import sys

__all__ = [
    "NAT_HOOKS",
    "Step",
    "accept_established",
    "connect",
    "ensure_address",
    "ensure_fdb",
    "ensure_link",
    "ensure_nat_rule",
    "ensure_neigh",
    "ensure_route",
    "forwarding",
    "gateway",
    "limit_ingress",
    "limit_rate",
    "masquerade",
    "port_forward",
    "run_steps",
    "snat",
]

# name -> the submodule that defines it (the private two are rawns.topology's)
_LAZY = {
    **dict.fromkeys(("NAT_HOOKS", "ensure_nat_rule", "masquerade", "port_forward", "snat"), "_nat"),
    **dict.fromkeys(("Step", "run_steps"), "_steps"),
    **dict.fromkeys(
        ("ensure_address", "ensure_fdb", "ensure_link", "ensure_neigh", "ensure_route"), "_ensure"
    ),
    **dict.fromkeys(
        ("connect", "forwarding", "gateway", "_connect_steps", "_gateway_steps"), "_connect"
    ),
    **dict.fromkeys(("limit_ingress", "limit_rate"), "_tc"),
}
TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    from .. import nft
    from ._connect import _connect_steps as _connect_steps
    from ._connect import _gateway_steps as _gateway_steps
    from ._connect import connect, forwarding, gateway
    from ._ensure import ensure_address, ensure_fdb, ensure_link, ensure_neigh, ensure_route
    from ._nat import NAT_HOOKS, ensure_nat_rule, masquerade, port_forward, snat
    from ._steps import Step, run_steps
    from ._tc import limit_ingress, limit_rate

    accept_established = nft.accept_established
else:

    def __getattr__(name: str) -> object:
        if name == "accept_established":
            from .. import nft

            return nft.accept_established
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        __import__(f"{__name__}.{module}")  # not importlib's: it (and warnings) cost an import
        value = getattr(sys.modules[f"{__name__}.{module}"], name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), "accept_established", *_LAZY})
