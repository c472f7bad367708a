# Types for the cffi extension built from csrc/rawns_ns.h.
from typing import Any

ffi: Any

class _Lib:
    def rawns_setns(self, fd: int, nstype: int) -> int: ...
    def rawns_unshare(self, flags: int) -> int: ...
    def rawns_mount(
        self, source: bytes, target: bytes, fstype: bytes, flags: int, data: Any
    ) -> int: ...
    def rawns_umount2(self, target: bytes, flags: int) -> int: ...

lib: _Lib
