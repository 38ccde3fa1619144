"""Compiler settings for the generated C++, and the floating-point mode the model runs in.

Two host-dependent costs are handled here, once for every device:

* **Vectorised state updates.** GCC only vectorises the state updaters when it may call a
  SIMD ``exp`` (``diehlsim_vector_math.h``), may check enough pointer pairs for aliasing, and
  may use the vector width of libmvec's clone. On AVX-512 targets whose tuning prefers
  256-bit vectors (Intel Skylake-SP to Sapphire Rapids, Rocket Lake), GCC 12 selects the
  512-bit ``exp`` clone and then leaves the loop scalar ("no vectype for stmt");
  ``-mprefer-vector-width=512`` lets it use that clone. Targets without AVX-512 ignore it.
* **Subnormal numbers.** Quantities that decay by multiplication (traces, conductances)
  end at the smallest subnormal double, which rounds back to itself, and every later
  operation on it is slow on Intel CPUs. Flush-to-zero and denormals-are-zero (MXCSR bits
  15 and 6) make them exact zeros: in the standalone binary from the first line of
  ``main``, on the runtime device around each run of the Cython code objects.
"""

from __future__ import annotations

import contextlib
import platform
import re
from pathlib import Path

NATIVE_DIR = str(Path(__file__).resolve().parent)
VECTOR_MATH_HEADER = '"diehlsim_vector_math.h"'

# Brian2 declares its array pointers __restrict, but GCC ignores that on local pointers and
# must check aliasing at run time: a state updater touches 8 arrays, more pairs than GCC's
# default limit of 10 checks, so without this it leaves the loop scalar.
ALIAS_CHECKS_FLAG = "--param=vect-max-version-for-alias-checks=100"
VECTOR_WIDTH_FLAG = "-mprefer-vector-width=512"
PROJECT_FLAGS = (ALIAS_CHECKS_FLAG, VECTOR_WIDTH_FLAG)

PREFETCH_MACRO = "DIEHLSIM_PREFETCH_DISTANCE"

FTZ_DAZ_BITS = 0x8040
_MARCH = re.compile(r"^-march=")


def is_x86_64() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64")


def compile_flags(flags: list[str], *, vectorise: bool, march: str = "native") -> list[str]:
    """``flags`` (Brian2's GCC arguments) with the project's vectorisation flags added or
    removed, and ``-march`` set to ``march`` (Brian2's default is ``native``; ``""`` drops
    it, for a binary that runs on any CPU of the family)."""
    kept = [f for f in flags if f not in PROJECT_FLAGS and not _MARCH.match(f)]
    if march:
        kept.append(f"-march={march}")
    if vectorise and is_x86_64():
        kept += list(PROJECT_FLAGS)
    return kept


def use_vector_math(enabled: bool, march: str = "native") -> None:
    """Set Brian2's (global) C++ preferences for the project's vectorised build, or give the
    other devices Brian2's defaults back."""
    from brian2 import prefs

    cpp = prefs.codegen.cpp
    headers = [h for h in cpp.headers if h != VECTOR_MATH_HEADER]
    include_dirs = [d for d in cpp.include_dirs if d != NATIVE_DIR]
    if enabled:
        headers.append(VECTOR_MATH_HEADER)
        include_dirs.append(NATIVE_DIR)
    cpp.headers, cpp.include_dirs = headers, include_dirs
    cpp.extra_compile_args_gcc = compile_flags(
        list(cpp.extra_compile_args_gcc), vectorise=enabled, march=march)


def use_prefetch(distance: int) -> None:
    """Define ``DIEHLSIM_PREFETCH_DISTANCE`` for the generated C++ (0 leaves it undefined):
    the input synapses' event code prefetches the arrays of the synapse that many events
    ahead (``models/templates/prefetch/synapses.cpp``)."""
    from brian2 import prefs

    cpp = prefs.codegen.cpp
    macros = [m for m in cpp.define_macros if m[0] != PREFETCH_MACRO]
    if distance > 0:
        macros.append((PREFETCH_MACRO, str(int(distance))))
    cpp.define_macros = macros


def flush_subnormals_code() -> str:
    """C++ for the start of ``main``: FTZ and DAZ for the whole process. The binary's
    threads start from this thread's MXCSR. A no-op where the compiler targets no SSE."""
    return ("#if defined(__SSE__)\n"
            "// flush subnormal results to zero and read subnormal inputs as zero (FTZ | DAZ)\n"
            f"__builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() | {FTZ_DAZ_BITS:#x});\n"
            "#endif")


_MXCSR_MODULE = """
cdef extern from "xmmintrin.h":
    unsigned int _mm_getcsr() nogil
    void _mm_setcsr(unsigned int) nogil

def get_csr():
    return _mm_getcsr()

def set_csr(unsigned int value):
    _mm_setcsr(value)
"""


def _mxcsr():
    """The MXCSR accessors, compiled once (and cached) by Brian2's Cython extension manager,
    the same compiler the runtime device's code objects go through."""
    from brian2.codegen.runtime.cython_rt.extension_manager import cython_extension_manager

    return cython_extension_manager.create_extension(_MXCSR_MODULE,
                                                     name="_diehlsim_mxcsr")


@contextlib.contextmanager
def flush_subnormals(enabled: bool = True):
    """Run the body with FTZ and DAZ set in this thread, then restore the previous mode.

    MXCSR belongs to the thread, and the runtime device runs its compiled code objects in
    the calling thread, so the bits apply to them. Python's own float arithmetic in the body
    is affected too, which is why the mode is restored afterwards.
    """
    if not (enabled and is_x86_64()):
        yield
        return
    mxcsr = _mxcsr()
    previous = mxcsr.get_csr()
    mxcsr.set_csr(previous | FTZ_DAZ_BITS)
    try:
        yield
    finally:
        mxcsr.set_csr(previous)
