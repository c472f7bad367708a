"""``rawns-host-local``: the reference ``host-local`` IPAM plugin, same on-disk format.

State lives in ``<dataDir>/<network name>/`` (``dataDir`` defaults to
``/var/lib/cni/networks``): one file per reserved address, named by the
address (``10.22.0.2``, ``fd00::2``) and holding ``<container id>\\r\\n<ifname>``;
``last_reserved_ip.<i>`` holding the last address given from range set ``i``;
and ``lock``, flock'ed around every change, so concurrent ADDs never hand out
one address twice and a node can switch between this and the reference
plugin. Allocation walks each range set from the address after the last one
reserved (wrapping around), skipping the gateway and reserved addresses,
exactly as the reference does.

Run as a plugin (``rawns-host-local``), or in-process by ``rawns-bridge``
when ``ipam.type`` is ``rawns-host-local`` (the same functions).
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import os

from . import _spec
from ._spec import CniError, Request

TYPE_CHECKING = False  # not typing's (start-up cost)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, TypeAlias

DEFAULT_DATA_DIR = "/var/lib/cni/networks"
_LAST = "last_reserved_ip."
_LINE_BREAK = "\r\n"

if TYPE_CHECKING:
    Net: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
    Addr: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address


class Range:
    """One range of a range set: the subnet, the first and last address given, the gateway."""

    __slots__ = ("end", "gateway", "start", "subnet")

    def __init__(self, *, subnet: Net, start: int, end: int, gateway: Addr | None) -> None:
        self.subnet = subnet
        self.start = start
        self.end = end
        self.gateway = gateway

    def __contains__(self, ip: Addr) -> bool:
        return ip.version == self.subnet.version and self.start <= int(ip) <= self.end


class Config:
    """The ``ipam`` section, checked."""

    __slots__ = ("data_dir", "dns", "range_sets", "routes")

    def __init__(
        self,
        *,
        range_sets: tuple[tuple[Range, ...], ...],
        routes: tuple[dict[str, Any], ...],
        data_dir: str,
        dns: dict[str, Any],
    ) -> None:
        self.range_sets = range_sets
        self.routes = routes
        self.data_dir = data_dir
        self.dns = dns


def _addr(value: object, where: str) -> Addr:
    if not isinstance(value, str):
        raise CniError(_spec.INVALID_CONFIG, f"{where} must be a string, not {value!r:.80}")
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        raise CniError(_spec.INVALID_CONFIG, f"{where} {value!r} is not an IP address") from None


def _range(obj: object, where: str) -> Range:
    if not isinstance(obj, dict):
        raise CniError(_spec.INVALID_CONFIG, f"{where} must be an object, not {obj!r:.80}")
    sub = _spec.get(obj, "subnet", str, "", where=f"{where}.")
    if not sub:
        raise CniError(_spec.INVALID_CONFIG, f"{where}.subnet is missing")
    try:
        net = ipaddress.ip_network(sub, strict=False)
    except ValueError:
        raise CniError(
            _spec.INVALID_CONFIG, f"{where}.subnet {sub!r} is not a subnet (CIDR)"
        ) from None
    if net.max_prefixlen - net.prefixlen < 2:
        raise CniError(_spec.INVALID_CONFIG, f"{where}.subnet {sub} is too small to allocate from")
    first = int(net.network_address) + 1
    last = int(net.broadcast_address) - (1 if net.version == 4 else 0)
    start, end = first, last
    for key in ("rangeStart", "rangeEnd"):
        if obj.get(key) is not None:
            ip = _addr(obj[key], f"{where}.{key}")
            if ip.version != net.version or not first <= int(ip) <= last:
                raise CniError(
                    _spec.INVALID_CONFIG, f"{where}.{key} {ip} is not a usable address of {net}"
                )
            if key == "rangeStart":
                start = int(ip)
            else:
                end = int(ip)
    if start > end:
        raise CniError(_spec.INVALID_CONFIG, f"{where}.rangeStart is after {where}.rangeEnd")
    gw: Addr | None
    if obj.get("gateway") is not None:
        gw = _addr(obj["gateway"], f"{where}.gateway")
        if gw not in net:
            raise CniError(_spec.INVALID_CONFIG, f"{where}.gateway {gw} is not in {net}")
    else:
        gw = _ip(net.version, first)
    return Range(subnet=net, start=start, end=end, gateway=gw)


def parse_config(req: Request) -> Config:
    """The request's ``ipam`` section (the reference's keys); code 7 naming a bad key."""
    ipam = _spec.get(req.config, "ipam", dict)
    if ipam is None:
        raise CniError(_spec.INVALID_CONFIG, "ipam is missing from the network configuration")
    ranges = _spec.get(ipam, "ranges", list, where="ipam.")
    sets: list[tuple[Range, ...]] = []
    if ranges is None:
        if ipam.get("subnet") is None:
            raise CniError(_spec.INVALID_CONFIG, "ipam has neither ranges nor subnet")
        keys = ("subnet", "rangeStart", "rangeEnd", "gateway")
        sets.append((_range({k: ipam.get(k) for k in keys}, "ipam"),))
    for i, rs in enumerate(ranges or []):
        if not isinstance(rs, list) or not rs:
            raise CniError(_spec.INVALID_CONFIG, f"ipam.ranges[{i}] must be a non-empty array")
        sets.append(tuple(_range(r, f"ipam.ranges[{i}][{j}]") for j, r in enumerate(rs)))
    seen: list[tuple[str, Net]] = []
    for i, rs in enumerate(sets):
        for r in rs:
            for where, other in seen:
                if r.subnet.version == other.version and r.subnet.overlaps(other):
                    raise CniError(
                        _spec.INVALID_CONFIG,
                        f"ipam.ranges[{i}] subnet {r.subnet} overlaps {where} ({other})",
                    )
            seen.append((f"ipam.ranges[{i}]", r.subnet))
    routes = _spec.get(ipam, "routes", list, [], where="ipam.")
    for i, rt in enumerate(routes):
        if not isinstance(rt, dict) or not isinstance(rt.get("dst"), str):
            raise CniError(_spec.INVALID_CONFIG, f"ipam.routes[{i}].dst must be a string")
        try:
            ipaddress.ip_network(rt["dst"], strict=False)
        except ValueError:
            raise CniError(
                _spec.INVALID_CONFIG, f"ipam.routes[{i}].dst {rt['dst']!r} is not a prefix"
            ) from None
        if rt.get("gw") is not None:
            _addr(rt["gw"], f"ipam.routes[{i}].gw")
    data_dir = _spec.get(ipam, "dataDir", str, DEFAULT_DATA_DIR, where="ipam.")
    if not os.path.isabs(data_dir):
        raise CniError(_spec.INVALID_CONFIG, f"ipam.dataDir {data_dir!r} is not an absolute path")
    dns = _spec.get(ipam, "dns", dict, {}, where="ipam.")
    return Config(range_sets=tuple(sets), routes=tuple(routes), data_dir=data_dir, dns=dns)


# ---------------------------------------------------------------------------
# the store


class Store:
    """``<dataDir>/<network>``: reservation files, last-reserved markers, the lock."""

    def __init__(self, data_dir: str, network: str) -> None:
        self.dir = os.path.join(data_dir, network)

    @contextlib.contextmanager
    def locked(self, create: bool = True) -> Iterator[bool]:
        """Hold the flock on ``<dir>/lock``; yield False if the directory is absent (not made)."""
        if create:
            os.makedirs(self.dir, mode=0o755, exist_ok=True)
        elif not os.path.isdir(self.dir):
            yield False
            return
        fd = os.open(os.path.join(self.dir, "lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield True
        finally:
            os.close(fd)  # closing drops the flock

    def reserved(self) -> dict[str, tuple[str, str]]:
        """address file -> (container id, ifname)."""
        out = {}
        for name in os.listdir(self.dir):
            if name == "lock" or name.startswith(_LAST):
                continue
            try:
                with open(os.path.join(self.dir, name), encoding="utf-8", newline="") as f:
                    text = f.read()
            except (FileNotFoundError, IsADirectoryError):
                continue
            cid, _, ifname = text.partition(_LINE_BREAK)
            out[name] = (cid.strip(), ifname.strip())
        return out

    def reserve(self, ip: Addr, cid: str, ifname: str, set_index: int) -> bool:
        path = os.path.join(self.dir, str(ip))
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(cid.strip() + _LINE_BREAK + ifname)
        with open(os.path.join(self.dir, f"{_LAST}{set_index}"), "w", encoding="utf-8") as f:
            f.write(str(ip))
        return True

    def last_reserved(self, set_index: int) -> Addr | None:
        try:
            with open(os.path.join(self.dir, f"{_LAST}{set_index}"), encoding="utf-8") as f:
                return ipaddress.ip_address(f.read().strip())
        except (FileNotFoundError, ValueError):
            return None

    def release(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.dir, name))


def _ip(version: int, n: int) -> Addr:
    return ipaddress.IPv4Address(n) if version == 4 else ipaddress.IPv6Address(n)


def _candidates(rs: tuple[Range, ...], last: Addr | None) -> Iterator[tuple[Range, Addr]]:
    """Every address of the range set once, starting after ``last`` (the reference's RangeIter)."""
    i0, n0 = 0, rs[0].start
    if last is not None:
        for i, r in enumerate(rs):
            if last in r:
                if int(last) < r.end:
                    i0, n0 = i, int(last) + 1
                else:
                    i0 = (i + 1) % len(rs)
                    n0 = rs[i0].start
                break
    first = rs[i0]
    v = first.subnet.version
    for n in range(n0, first.end + 1):
        yield first, _ip(v, n)
    for k in range(1, len(rs)):
        r = rs[(i0 + k) % len(rs)]
        for n in range(r.start, r.end + 1):
            yield r, _ip(v, n)
    for n in range(first.start, n0):
        yield first, _ip(v, n)


def _route_json(rt: dict[str, Any]) -> dict[str, Any]:
    out = {"dst": rt["dst"]}
    if rt.get("gw") is not None:
        out["gw"] = rt["gw"]
    return out


def add(req: Request) -> dict[str, Any]:
    """ADD: one address from each range set, under the lock; the IPAM result."""
    conf = parse_config(req)
    cid, ifname = req.env.container_id, req.env.ifname
    store = Store(conf.data_dir, req.name)
    ips: list[dict[str, Any]] = []
    with store.locked():
        have = store.reserved()
        for name, owner in have.items():
            if owner == (cid, ifname):
                raise CniError(
                    _spec.ALREADY_EXISTS,
                    f"{name} is already allocated to container {cid} interface {ifname}: "
                    "a second ADD of the same attachment is refused",
                )
        got: list[str] = []
        try:
            for i, rs in enumerate(conf.range_sets):
                ip, r = _allocate(store, rs, i, have, cid, ifname)
                got.append(str(ip))
                entry: dict[str, Any] = {"address": f"{ip}/{r.subnet.prefixlen}"}
                if r.gateway is not None:
                    entry["gateway"] = str(r.gateway)
                ips.append(entry)
        except BaseException:
            for name in got:
                store.release(name)
            raise
    result: dict[str, Any] = {
        "cniVersion": req.version,
        "ips": ips,
        "routes": [_route_json(r) for r in conf.routes],
    }
    if conf.dns:
        result["dns"] = conf.dns
    return result


def _allocate(
    store: Store,
    rs: tuple[Range, ...],
    index: int,
    have: dict[str, tuple[str, str]],
    cid: str,
    ifname: str,
) -> tuple[Addr, Range]:
    for r, ip in _candidates(rs, store.last_reserved(index)):
        if ip == r.gateway or str(ip) in have:
            continue
        if store.reserve(ip, cid, ifname, index):
            return ip, r
    subnets = ", ".join(str(r.subnet) for r in rs)
    raise CniError(
        _spec.NO_ADDRESS,
        f"no IP addresses available in range set {index} ({subnets}) of network "
        f"{os.path.basename(store.dir)!r}",
    )


def delete(req: Request) -> None:
    """DEL: release every address held by (container id, ifname); idempotent."""
    conf = parse_config(req)
    store = Store(conf.data_dir, req.name)
    with store.locked(create=False) as present:
        if not present:
            return None
        for name, owner in store.reserved().items():
            if owner == (req.env.container_id, req.env.ifname):
                store.release(name)
    return None


def check(req: Request) -> None:
    """CHECK: the attachment holds an address in each range set (and prevResult's, if given)."""
    conf = parse_config(req)
    store = Store(conf.data_dir, req.name)
    owner = (req.env.container_id, req.env.ifname)
    with store.locked(create=False) as present:
        mine = {n for n, o in store.reserved().items() if o == owner} if present else set()
    for i, rs in enumerate(conf.range_sets):
        if not any(ipaddress.ip_address(n) in r for n in mine for r in rs):
            raise CniError(
                _spec.UNKNOWN_CONTAINER,
                f"container {owner[0]} interface {owner[1]} holds no address of range set {i}",
            )
    for ip in (req.prev_result or {}).get("ips", []):
        a = str(ip.get("address", "")).split("/")[0]
        inside = any(ipaddress.ip_address(a) in r for rs in conf.range_sets for r in rs)
        if inside and a not in mine:
            raise CniError(
                _spec.UNKNOWN_CONTAINER, f"address {a} of prevResult is not reserved for {owner[0]}"
            )
    return None


def valid_attachments(req: Request) -> set[tuple[str, str]]:
    """GC's ``cni.dev/valid-attachments``: (container id, ifname) pairs, checked (code 7)."""
    raw = _spec.get(req.config, "cni.dev/valid-attachments", list, [])
    out = set()
    for i, a in enumerate(raw):
        if not isinstance(a, dict) or not isinstance(a.get("containerID"), str):
            raise CniError(
                _spec.INVALID_CONFIG, f"cni.dev/valid-attachments[{i}].containerID must be a string"
            )
        out.add((a["containerID"], str(a.get("ifname", ""))))
    return out


def gc(req: Request) -> None:
    """GC: release every address whose attachment is not in ``cni.dev/valid-attachments``."""
    conf = parse_config(req)
    valid = valid_attachments(req)
    store = Store(conf.data_dir, req.name)
    with store.locked(create=False) as present:
        if present:
            for name, owner in store.reserved().items():
                if owner not in valid:
                    store.release(name)
    return None


def status(req: Request) -> None:
    """STATUS: ready if the data directory can be written."""
    conf = parse_config(req)
    probe = conf.data_dir
    while not os.path.isdir(probe):
        probe = os.path.dirname(probe)
    if not os.access(probe, os.W_OK):
        raise CniError(_spec.NOT_AVAILABLE, f"ipam.dataDir {conf.data_dir} is not writable")
    return None


COMMANDS: dict[str, _spec.Command] = {
    "ADD": add,
    "DEL": delete,
    "CHECK": check,
    "GC": gc,
    "STATUS": status,
}


def main() -> int:
    """The ``rawns-host-local`` executable."""
    return _spec.run(COMMANDS)


if __name__ == "__main__":
    raise SystemExit(main())
