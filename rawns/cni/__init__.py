"""rawns as CNI plugins: rawns-bridge, rawns-portmap, rawns-bandwidth, rawns-host-local.

Each plugin is an executable a container runtime runs per pod per command,
with the network configuration on stdin and the command in ``CNI_*``
environment variables (the CNI specification 1.0.0 and 1.1.0). See
docs/cni.md. This package imports nothing on its own: a plugin's start-up
cost is the modules its own entry point needs.
"""
