# cffi has no pyproject hook: this file exists only to pass cffi_modules, and to tag
# the wheel for the stable ABI the extension is built for (rawns/_native.abi3.so),
# so that one wheel installs on CPython 3.11 and every later 3.x.
from setuptools import setup

setup(
    cffi_modules=["csrc/build_native.py:ffibuilder"],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
