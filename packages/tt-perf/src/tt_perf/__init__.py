"""tt-perf: TinyTorch's systems toolkit (Part IV, modules 14–20).

One subpackage per module; each is importable on its own and lists its API
in ``__all__``:

* :mod:`tt_perf.profiling` — module 14: parameters, FLOPs, time per layer, memory;
* :mod:`tt_perf.quantization` — module 15: INT8 quantization, observers,
  INT8-weight layers, batch-norm folding;
* :mod:`tt_perf.compression` — module 16: pruning, channel removal, distillation, low rank;
* :mod:`tt_perf.acceleration` — module 17: the matmul ladder, a fused kernel, memory and layout;
* :mod:`tt_perf.memoization` — module 18: measuring tt-text's KV cache (``GPT.generate(use_cache=True)``);
* :mod:`tt_perf.benchmarking` — module 19: an MLPerf-style benchmark harness;
* :mod:`tt_perf.capstone` — module 20: optimise a model end to end under a budget.

Example:
    >>> import tt_perf
    >>> sorted(tt_perf.__all__)
    ['acceleration', 'benchmarking', 'capstone', 'compression', 'memoization', 'profiling', 'quantization']
"""

from __future__ import annotations

from . import acceleration, benchmarking, capstone, compression, memoization, profiling, quantization

__version__ = "0.1.0"

__all__ = [
    "acceleration",
    "benchmarking",
    "capstone",
    "compression",
    "memoization",
    "profiling",
    "quantization",
]
