# cffi has no pyproject hook: this file exists to pass cffi_modules, to tag the wheel
# for the stable ABI the extension is built for (rawns/_native.abi3.so), so that one
# wheel installs on CPython 3.11 and every later 3.x, and to build the resident CNI
# mode's shim (csrc/cni_shim.c -> rawns/cni/_shim_bin, an executable shipped as package
# data) with the compiler build_ext uses for the extension. build_ext runs for wheels
# and, in place, for editable installs (pip install -e .), so both get the shim.
# The shim is linked statically: a dynamic executable linked against glibc >= 2.34
# needs __libc_start_main@GLIBC_2.34 (from crt1.o, whatever the program calls), which
# would raise the wheel's manylinux tag from 2_17 to 2_34. Without a static libc
# (no libc.a) it is linked dynamically, with a note.
import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import LinkError

SHIM_SOURCE = os.path.join("csrc", "cni_shim.c")
SHIM = os.path.join("rawns", "cni", "_shim_bin")


def build_shim(compiler, build_temp, out):
    """Compile and link csrc/cni_shim.c into the executable ``out``."""
    objects = compiler.compile(
        [SHIM_SOURCE], output_dir=build_temp, extra_preargs=["-std=c99", "-O2"]
    )
    name, where = os.path.basename(out), os.path.dirname(out)
    try:
        compiler.link_executable(objects, name, output_dir=where, extra_preargs=["-static"])
    except LinkError:
        print("note: no static libc: the CNI shim is linked dynamically", file=sys.stderr)
        compiler.link_executable(objects, name, output_dir=where)
    os.chmod(out, 0o755)  # noqa: S103 - an executable, as the runtime (root) runs it


class BuildExtAndShim(build_ext):
    def run(self):
        super().run()
        build_shim(self.compiler, self.build_temp, self._shim_path())

    def _shim_path(self):
        return SHIM if self.inplace else os.path.join(self.build_lib, SHIM)

    def get_outputs(self):
        return [*super().get_outputs(), os.path.join(self.build_lib, SHIM)]


if __name__ == "__main__":  # (setuptools' build backend runs this file as __main__)
    setup(
        cffi_modules=["csrc/build_native.py:ffibuilder"],
        cmdclass={"build_ext": BuildExtAndShim},
        options={"bdist_wheel": {"py_limited_api": "cp311"}},
    )
