"""The roofline: is a layer limited by arithmetic or by memory traffic, on this machine?

A layer doing ``F`` FLOPs while moving ``B`` bytes (its inputs and output
read or written once, its parameters read once) has an **arithmetic
intensity** ``I = F / B`` FLOP per byte. A machine with peak ``P`` GFLOP/s
and memory bandwidth ``W`` GB/s can run it at best at

    attainable = min(P, I · W)  GFLOP/s

— the "roof". Below the **ridge** ``I = P / W`` the layer is
**memory-bound** (faster arithmetic would not help; moving fewer bytes,
e.g. fusing it with its neighbour or int8 weights, would); above it,
**compute-bound**. Element-wise layers (ReLU: 1 FLOP per 8 bytes) sit far
left of any ridge; large matmuls far right.

:func:`measure_peaks` measures ``P`` with a 1024³ float32 matmul (BLAS
sgemm, ``2·n³`` FLOPs) and ``W`` with a large array copy (``2·size`` bytes:
read and written), best of a few runs. Both are what NumPy reaches, not the
chip's datasheet: the honest roof for this framework.

Example:
    >>> import tt_autograd as autograd, tt_nn as nn
    >>> rows = roofline(nn.Sequential(nn.Linear(256, 256), nn.ReLU()), autograd.zeros(256, 256),
    ...                 peaks=MachinePeaks(gflops=100.0, gbytes_per_s=10.0))
    >>> [(row.kind, row.bound) for row in rows]
    [('Linear', 'compute'), ('ReLU', 'memory')]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from tt_nn import Module

from .flops import forward_with_hooks, layer_flops


@dataclass(frozen=True)
class MachinePeaks:
    """Peak float32 GFLOP/s and memory bandwidth in GB/s (10⁹ bytes per second)."""

    gflops: float
    gbytes_per_s: float

    @property
    def ridge(self) -> float:
        """The arithmetic intensity (FLOP/byte) where the two roofs meet."""
        return self.gflops / self.gbytes_per_s


def measure_peaks(
    n: int = 1024, copy_mib: int = 256, repeats: int = 10, clock: Callable[[], float] = time.perf_counter
) -> MachinePeaks:
    """This machine's float32 matmul GFLOP/s (an ``n³`` sgemm) and copy bandwidth (``copy_mib`` MiB).

    Best of ``repeats`` runs of each (the least disturbed by other work on the
    machine). Cost: ``repeats`` matmuls of ``2·n³`` FLOPs and copies of
    ``copy_mib`` MiB, about a second at the defaults; memory ``2·copy_mib`` MiB.
    """
    if n < 1 or copy_mib < 1 or repeats < 1:
        raise ValueError(
            f"measure_peaks: n, copy_mib and repeats must be positive, got {n}, {copy_mib}, {repeats}"
        )
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
    source = np.ones(copy_mib * 2**20 // 4, dtype=np.float32)
    target = np.empty_like(source)
    # BEGIN SOLUTION 14
    # TODO: this machine's float32 matmul GFLOP/s (an n^3 sgemm: 2 n^3 FLOPs) and copy bandwidth, the best
    #   of repeats each (§ How it is built, roofline.py).
    # HINT: a copy moves each byte twice (read and write); take the minimum time, not the mean.
    matmul, copy = [], []
    for _ in range(repeats):
        start = clock()
        np.matmul(a, b)
        matmul.append(clock() - start)
        start = clock()
        np.copyto(target, source)
        copy.append(clock() - start)
    return MachinePeaks(2 * n**3 / min(matmul) / 1e9, 2 * source.nbytes / min(copy) / 1e9)
    # END SOLUTION


@dataclass
class RooflineRow:
    """One layer call: FLOPs, bytes moved, intensity, the roof above it and which roof that is."""

    name: str
    kind: str
    flops: int
    bytes: int
    intensity: float
    attainable_gflops: float
    bound: str  # "memory" or "compute"


def classify(flops: int, nbytes: int, peaks: MachinePeaks) -> tuple[float, float, str]:
    """``(intensity, attainable GFLOP/s, "memory" | "compute")`` of ``flops`` over ``nbytes`` moved."""
    # BEGIN SOLUTION 14
    # TODO: (intensity, attainable, bound): intensity = flops / nbytes; attainable = min(peak GFLOP/s,
    #   intensity * bandwidth); "compute" at or beyond the ridge point, else "memory".
    intensity = flops / nbytes
    attainable = min(peaks.gflops, intensity * peaks.gbytes_per_s)
    return intensity, attainable, "compute" if intensity >= peaks.ridge else "memory"
    # END SOLUTION


def _nbytes(values) -> int:
    return sum(v.element_size() * v.numel() if hasattr(v, "element_size") else 0 for v in values)


def moved_bytes(module: Module, inputs: tuple, output: object) -> int:
    """Bytes one call moves at least once: its tensor inputs and output, and its own parameters."""
    # BEGIN SOLUTION 14
    # TODO: the bytes one call moves at least once: its tensor inputs, its outputs and its own parameters.
    outputs = output if isinstance(output, tuple) else (output,)
    return _nbytes(inputs) + _nbytes(outputs) + _nbytes(module.parameters(recurse=False))
    # END SOLUTION


def roofline(model: Module, *inputs: object, peaks: MachinePeaks) -> list[RooflineRow]:
    """Each counted layer call of ``model(*inputs)`` placed under the roofline of ``peaks``.

    Layers with no FLOP rule or no FLOPs (``Flatten``, ``Dropout``) are left
    out. One forward pass without a graph; hooks removed even if it fails.
    """
    rows = []

    def record(name: str):
        def hook(module: Module, args: tuple, output: object) -> None:
            flops = layer_flops(module, args, output)
            if flops:
                nbytes = moved_bytes(module, args, output)
                rows.append(
                    RooflineRow(name, type(module).__name__, flops, nbytes, *classify(flops, nbytes, peaks))
                )

        return hook

    forward_with_hooks(model, inputs, record)
    return rows
