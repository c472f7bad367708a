"""IP values at the edge: normalise caller input, build ipaddress objects fast.

Callers may pass ``str`` or :mod:`ipaddress` objects; everything is turned
into ``ipaddress`` objects once, here, with a :class:`ValueError` that names
the field and the bad value (h11's ``bytesify``). The decoders use the
packed-bytes constructors, with a small cache for addresses, since gateways
and preferred sources repeat across a dump while destinations do not.
"""

from __future__ import annotations

import _socket  # not socket.py, whose enums cost an import

TYPE_CHECKING = False  # not typing's: importing it costs (rawns._typing)
if TYPE_CHECKING:
    import ipaddress as ip
    from ipaddress import (
        IPv4Address,
        IPv4Interface,
        IPv4Network,
        IPv6Address,
        IPv6Interface,
        IPv6Network,
    )

    IPAddress = IPv4Address | IPv6Address
    IPNetwork = IPv4Network | IPv6Network
    IPInterface = IPv4Interface | IPv6Interface
else:

    class _Ipaddress:
        """The :mod:`ipaddress` module, imported on first use of one of its names.

        Importing it is one of the dearest parts of ``from rawns import ...``
        (issue 13), and a program may never meet an address. So the modules on
        that import path write ``ip.IPv4Address`` (mypy sees the module itself);
        the first such look-up imports ipaddress and copies its public names here,
        so later ones are plain attribute reads.
        """

        def __getattr__(self, name):
            import ipaddress

            self.__dict__.update((k, v) for k, v in vars(ipaddress).items() if k[0] != "_")
            return getattr(ipaddress, name)

    ip = _Ipaddress()

    _ALIASES = {
        "IPAddress": ("IPv4Address", "IPv6Address"),
        "IPNetwork": ("IPv4Network", "IPv6Network"),
        "IPInterface": ("IPv4Interface", "IPv6Interface"),
    }

    def __getattr__(name):
        """The type aliases, for the modules that use them at run time (PEP 562)."""
        if name not in _ALIASES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        v4, v6 = _ALIASES[name]
        value = globals()[name] = getattr(ip, v4) | getattr(ip, v6)
        return value


__all__ = [
    "AF_INET",
    "AF_INET6",
    "IPAddress",
    "IPInterface",
    "IPNetwork",
    "addr_bytes",
    "addr_from_bytes",
    "family_name",
    "family_of",
    "ip",
    "to_address",
    "to_interface",
    "to_network",
]

AF_INET: int = _socket.AF_INET
AF_INET6: int = _socket.AF_INET6

_ADDR_CACHE: dict[bytes, IPAddress] = {}
_ADDR_CACHE_MAX = 4096


def family_name(family: int) -> str:
    return {AF_INET: "IPv4", AF_INET6: "IPv6"}.get(family, f"family {family}")


def family_of(value: IPAddress | IPNetwork | IPInterface) -> int:
    return AF_INET if value.version == 4 else AF_INET6


def addr_from_bytes(raw: bytes) -> IPAddress:
    """An address from its packed form (4 or 16 bytes), shared through a small cache.

    ipaddress objects are immutable, so sharing one between many routes is
    safe; the cache is emptied when it grows past a few thousand entries.
    """
    a = _ADDR_CACHE.get(raw)
    if a is None:
        a = ip.IPv4Address(raw) if len(raw) == 4 else ip.IPv6Address(raw)
        if len(_ADDR_CACHE) >= _ADDR_CACHE_MAX:
            _ADDR_CACHE.clear()
        _ADDR_CACHE[raw] = a
    return a


def addr_bytes(value: IPAddress) -> bytes:
    return value.packed


def _want(family: int | None, value: IPAddress | IPNetwork | IPInterface, what: str) -> None:
    if family and family_of(value) != family:
        raise ValueError(
            f"{what} {value} is {family_name(family_of(value))} where "
            f"{family_name(family)} is expected (families must match)"
        )


def _pton(text: str) -> bytes | None:
    """Packed form of a plain address string, via the C parser, or None.

    inet_pton is at least as strict as ipaddress for these forms (no leading
    zeros, no scope ids); anything it refuses goes through ipaddress, which
    gives the error message.
    """
    try:
        return _socket.inet_pton(AF_INET6 if ":" in text else AF_INET, text)
    except (OSError, ValueError):
        return None


def to_address(value: object, what: str, family: int | None = None) -> IPAddress:
    """``str`` or ipaddress object to an address; ``ValueError`` names ``what``."""
    if isinstance(value, str):  # the common case first
        packed = _pton(value)
        if packed is not None:
            a: IPAddress = addr_from_bytes(packed)
        else:
            try:
                a = ip.ip_address(value)
            except ValueError:
                raise ValueError(f"{what} must be an IP address, not {value!r}") from None
    elif isinstance(value, ip.IPv4Interface | ip.IPv6Interface):  # (subclasses of the addresses)
        if value.network.prefixlen != value.max_prefixlen:
            # Taking its address would silently drop the prefix length the caller gave.
            raise ValueError(
                f"{what} {value} has a prefix length: an address is wanted here, without one"
            )
        a = value.ip
    elif isinstance(value, ip.IPv4Address | ip.IPv6Address):
        a = value
    else:
        raise TypeError(f"{what} must be a str or an ipaddress address, not {value!r}")
    _want(family, a, what)
    return a


def to_network(value: object, what: str, family: int | None = None) -> IPNetwork:
    """A route destination: ``"default"``, ``"10.0.0.0/8"``, a bare address (a host route).

    Host bits set below the prefix (``"10.0.0.1/8"``) are refused, as the
    kernel would refuse them.
    """
    if type(value) is str and value not in ("default", "all", "any"):  # the common case first
        fast = _network_fast(value)
        if fast is not None:
            _want(family, fast, what)
            return fast
    if isinstance(value, ip.IPv4Network | ip.IPv6Network):
        n: IPNetwork = value
    elif isinstance(value, ip.IPv4Interface | ip.IPv6Interface):  # before their base, the address
        n = value.network
        if value.ip != n.network_address:
            raise ValueError(f"{what} {value} has host bits set below /{n.prefixlen}")
    elif isinstance(value, ip.IPv4Address | ip.IPv6Address):
        n = ip.ip_network(value)
    elif isinstance(value, str):
        if value in ("default", "all", "any"):
            return ip.IPv6Network("::/0") if family == AF_INET6 else ip.IPv4Network("0.0.0.0/0")
        try:
            n = ip.ip_network(value)
        except ValueError as e:
            if "host bits set" in str(e):
                raise ValueError(f"{what} {value!r} has host bits set below its prefix") from None
            raise ValueError(f"{what} must be a network like '10.0.0.0/8', not {value!r}") from None
    else:
        raise TypeError(f"{what} must be a str or an ipaddress network, not {value!r}")
    _want(family, n, what)
    return n


def _prefix_fast(text: str) -> tuple[bytes, int] | None:
    """``"ADDR[/LEN]"`` as (packed address, prefix length) by the C parser, or None
    (anything unusual: the caller's ipaddress path says what is wrong)."""
    addr, sep, plen_text = text.partition("/")
    packed = _pton(addr)
    if packed is None or (sep and not (plen_text.isdigit() and plen_text.isascii())):
        return None
    bits = len(packed) * 8
    plen = int(plen_text) if sep else bits
    return None if plen > bits else (packed, plen)


def _network_fast(text: str) -> IPNetwork | None:
    """``"10.1.0.0/16"`` without ipaddress's pure-Python string parsing, or None."""
    got = _prefix_fast(text)
    if got is None:
        return None
    packed, plen = got
    bits = len(packed) * 8
    n = int.from_bytes(packed, "big")
    if n & ((1 << (bits - plen)) - 1):
        return None  # host bits set: let ipaddress say so
    return ip.IPv4Network((n, plen)) if bits == 32 else ip.IPv6Network((n, plen))


def v4_prefix(text: str) -> tuple[int, int] | None:
    """``"10.1.0.0/16"`` as ``(network, prefixlen)`` numbers, as :func:`to_network`
    (``family=AF_INET``) would give them, or None for anything else (IPv6, a
    name like ``"default"``, an error: the caller takes the plain path)."""
    got = _prefix_fast(text)
    if got is None or len(got[0]) != 4:
        return None
    packed, plen = got
    n = int.from_bytes(packed, "big")
    if n & ((1 << (32 - plen)) - 1):
        return None  # let the plain path say what is wrong
    return n, plen


def _interface_fast(text: str) -> IPInterface | None:
    """``"10.1.0.1/16"`` without ipaddress's pure-Python string parsing, or None."""
    got = _prefix_fast(text)
    if got is None:
        return None
    packed, plen = got
    n = int.from_bytes(packed, "big")
    return ip.IPv4Interface((n, plen)) if len(packed) == 4 else ip.IPv6Interface((n, plen))


def to_interface(value: object, what: str, family: int | None = None) -> IPInterface:
    """An address with its prefix length; a bare address means /32 or /128, as ``ip``."""
    if type(value) is str:  # the common case first
        fast = _interface_fast(value)
        if fast is not None:
            _want(family, fast, what)
            return fast
    if isinstance(value, ip.IPv4Interface | ip.IPv6Interface):
        i: IPInterface = value
    elif isinstance(value, ip.IPv4Address):
        i = ip.IPv4Interface(value)
    elif isinstance(value, ip.IPv6Address):
        i = ip.IPv6Interface(value)
    elif isinstance(value, str):
        try:
            i = ip.ip_interface(value)
        except ValueError:
            raise ValueError(
                f"{what} must be an address like '192.168.15.1/24', not {value!r}"
            ) from None
    else:
        raise TypeError(f"{what} must be a str or an ipaddress interface, not {value!r}")
    _want(family, i, what)
    return i
