"""cffi build script for ``rawns._native`` (API mode, out of line).

Used by ``setup.py`` through ``cffi_modules``; the header doubles as the cdef.
"""

from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent

ffibuilder = FFI()
ffibuilder.cdef((HERE / "rawns_ns.h").read_text())
ffibuilder.set_source(
    "rawns._native",
    '#include "rawns_ns.h"',
    sources=[str(Path("csrc") / "rawns_ns.c")],
    include_dirs=[str(Path("csrc"))],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
