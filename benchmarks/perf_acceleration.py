"""The acceleration module's measurements (module 17): ``python benchmarks/perf_acceleration.py``.

* the matmul ladder in GFLOP/s (each rung at a size it finishes in seconds);
* ``fused_linear_gelu`` against ``gelu(linear(x))``, forward + backward,
  a transformer MLP's first layer (4,096 positions, 128 → 512), alternated rounds;
* a 2×2 max-pool of a ``128×32×32×32`` batch as NCHW against NHWC memory;
* milestone 04's CNN training step in two fresh processes, without and with
  ``set_allocator_policy()``: page faults (``ru_minflt``) and time per step.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

import numpy as np
import tt_autograd as ag
import tt_nn as nn
from run import median_time  # benchmarks/run.py: warm-up, then the median of repeats
from tt_perf.acceleration import fused_linear_gelu, gflops, matmul_blocked, matmul_loops, matmul_rows

STEP = """
import resource, sys, time
sys.path.insert(0, "milestones")
import numpy as np, tinytorch as tt, tt_nn as nn, tt_optim as optim
from tt_perf.acceleration import set_allocator_policy
if {policy}:
    assert set_allocator_policy()
import importlib.util
spec = importlib.util.spec_from_file_location("m04", "milestones/04_cnn_cifar10.py")
m04 = importlib.util.module_from_spec(spec); spec.loader.exec_module(m04)
model = m04.build_cnn(3, 32); opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x, y = tt.randn(128, 3, 32, 32), tt.randint(0, 10, (128,)); loss = nn.CrossEntropyLoss()
def step():
    opt.zero_grad(); loss(model(x), y).backward(); opt.step()
for _ in range(3): step()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt; start = time.perf_counter()
for _ in range({steps}): step()
seconds = (time.perf_counter() - start) / {steps}
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / {steps}, seconds)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    args = parser.parse_args(argv)
    sizes = (24, 128, 256, 256) if args.quick else (48, 512, 1024, 1024)
    rungs = (("Python loops", matmul_loops), ("row by row", matmul_rows), ("blocked tiles", matmul_blocked),
             ("BLAS (np.matmul)", np.matmul))  # fmt: skip
    print("matmul ladder, float32:")
    for (name, function), n in zip(rungs, sizes):
        print(f"  {name:18s} n={n:5d}  {gflops(function, n, repeats=1 if n <= 48 else 3):9.3f} GFLOP/s")

    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((4096, 128)).astype(np.float32), requires_grad=True)
    linear = nn.Linear(128, 512)

    def composed():
        nn.functional.gelu(linear(x), approximate="tanh").sum().backward()

    def fused():
        fused_linear_gelu(x, linear.weight, linear.bias).sum().backward()

    repeats = 5 if args.quick else 20
    rounds = [(median_time(composed, repeats), median_time(fused, repeats)) for _ in range(3)]
    base, fast = statistics.median(r[0] for r in rounds), statistics.median(r[1] for r in rounds)
    print(f"Linear 128→512 + tanh GELU on 4,096 positions, fwd+bwd: composed {base * 1e3:.2f} ms, "
          f"fused {fast * 1e3:.2f} ms ({base / fast:.2f}x)")  # fmt: skip

    nchw = rng.standard_normal((128, 32, 32, 32)).astype(np.float32)
    nhwc = np.ascontiguousarray(nchw.transpose(0, 2, 3, 1))
    pool_first = median_time(lambda: nchw.reshape(128, 32, 16, 2, 16, 2).max(axis=(3, 5)), repeats)
    pool_last = median_time(lambda: nhwc.reshape(128, 16, 2, 16, 2, 32).max(axis=(2, 4)), repeats)
    print(f"2x2 max-pool of 128x32x32x32: NCHW {pool_first * 1e3:.1f} ms, NHWC {pool_last * 1e3:.1f} ms "
          f"({pool_first / pool_last:.1f}x)")  # fmt: skip

    steps = 3 if args.quick else 10
    for policy in (False, True):
        code = STEP.format(policy=policy, steps=steps)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        faults, seconds = map(float, out.split())
        label = "with set_allocator_policy()" if policy else "default glibc malloc     "
        print(f"CNN step (batch 128), {label}: {faults:8.0f} page faults, {seconds * 1e3:6.1f} ms per step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
