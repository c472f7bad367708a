# cffi has no pyproject hook: this file exists only to pass cffi_modules.
from setuptools import setup

setup(cffi_modules=["csrc/build_native.py:ffibuilder"])
