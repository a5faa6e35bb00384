"""Which OpenBLAS kernels run NumPy's matrix products, chosen at run time (not a course topic).

OpenBLAS, the BLAS inside NumPy's wheels, is built for many CPUs at once and
picks one set of kernels when it loads. On an AMD Zen 4 it picks the AVX-512
"SkylakeX" set, written for Intel cores with full 512-bit units; Zen 4 runs
each 512-bit instruction as two 256-bit halves. There the AVX2 "Haswell" set
computes the GPT's large float32 products 2–7% faster, but the SkylakeX set
has kernels for small matrices that the Haswell set lacks, and whole training
steps came out even: over three runs on the project's machine one rank's GPT
step changed by −2.7 to +1.9% with Haswell, the CNN step by −5.0 to +1.0%
(``python benchmarks/blas_kernels.py`` prints both sets in one run). So
TinyTorch keeps OpenBLAS's choice by default, and this module lets a program
whose time goes into large products pick another set:

* :func:`kernel_name` — the set OpenBLAS runs now (``"SkylakeX"``, ...);
* :func:`use_kernels` — switch to a named set (None: OpenBLAS's pick from the CPU);
* ``TINYTORCH_BLAS_KERNELS=Haswell`` — the same, applied when tt-tensor is imported.

The results are exact either way: only the order of the additions inside a
product changes (float rounding).

**How.** OpenBLAS reads ``OPENBLAS_CORETYPE`` when it picks its kernels, and
exports the two functions that pick them (``gotoblas_dynamic_quit`` and
``gotoblas_dynamic_init``). :func:`use_kernels` sets the variable, calls
both through ``ctypes`` (the library :mod:`tt_tensor.threads` found), and
puts the variable back as it was. It refuses while other threads run, since
a product running in one during the switch would find no kernels. Where
NumPy's BLAS is not an OpenBLAS built for many CPUs, :func:`kernel_name` is
None and there is nothing to switch.

Example:
    >>> from tt_tensor import blas_kernels
    >>> blas_kernels.kernel_name() is None or isinstance(blas_kernels.kernel_name(), str)
    True
"""

from __future__ import annotations

import ctypes
import os
import threading
import warnings

from .threads import _find

__all__ = ["apply_environment", "kernel_name", "use_kernels"]

_CORENAME, _QUIT, _INIT = _find(
    ("scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"),
    ("gotoblas_dynamic_quit",),
    ("gotoblas_dynamic_init",),
)
if _CORENAME is not None:
    _CORENAME.argtypes, _CORENAME.restype = [], ctypes.c_char_p
    _QUIT.argtypes, _QUIT.restype = [], None
    _INIT.argtypes, _INIT.restype = [], None


def kernel_name() -> str | None:
    """The kernel set OpenBLAS runs now (``"Haswell"``, ``"SkylakeX"``, ...), or None if it cannot switch."""
    if _CORENAME is None:
        return None
    return _CORENAME().decode()


def use_kernels(name: str | None) -> str:
    """Make OpenBLAS run kernel set ``name`` (None: its pick from the CPU); returns the set now run.

    Cost: microseconds. Call it while no other thread runs (it raises otherwise).
    A name OpenBLAS does not know also makes it pick from the CPU.
    """
    if _CORENAME is None:
        raise RuntimeError(
            "tt_tensor.blas_kernels.use_kernels: NumPy's BLAS is not an OpenBLAS that picks its kernels "
            "at run time, so there is nothing to switch"
        )
    if threading.active_count() > 1:
        raise RuntimeError(
            f"tt_tensor.blas_kernels.use_kernels({name!r}): {threading.active_count()} threads are running; "
            "switch kernels before starting threads (a product running during the switch would crash)"
        )
    before = os.environ.pop("OPENBLAS_CORETYPE", None)
    if name is not None:
        os.environ["OPENBLAS_CORETYPE"] = name
    try:
        _QUIT()
        _INIT()
    finally:
        os.environ.pop("OPENBLAS_CORETYPE", None)
        if before is not None:
            os.environ["OPENBLAS_CORETYPE"] = before
    return kernel_name()


def apply_environment() -> str | None:
    """At import: switch to the set ``TINYTORCH_BLAS_KERNELS`` names; the set in use (None: no OpenBLAS).

    Nothing changes when the variable is unset or names the set already running,
    or when the user set ``OPENBLAS_CORETYPE`` (OpenBLAS obeyed it when it loaded).
    With threads already running it warns and changes nothing (:func:`use_kernels` would refuse).
    """
    current = kernel_name()
    wanted = os.environ.get("TINYTORCH_BLAS_KERNELS")
    if current is None or not wanted or wanted == current or "OPENBLAS_CORETYPE" in os.environ:
        return current
    if threading.active_count() > 1:
        warnings.warn(
            f"TINYTORCH_BLAS_KERNELS={wanted!r} is ignored: {threading.active_count()} threads were running "
            f"when tt_tensor was imported; set OPENBLAS_CORETYPE={wanted} instead (OpenBLAS reads it when it "
            "loads)",
            RuntimeWarning,
            stacklevel=2,
        )
        return current
    return use_kernels(wanted)
