"""What logging to TensorBoard costs a training loop: ``SummaryWriter``'s calls timed, and their bytes.

Each row is the median of ``--repeats`` rounds of ``--calls`` calls (after a
warm-up round), in microseconds a call, into a fresh folder, with the event
file flushed at the end of each round (included in the time). Bytes are the
event file's growth a call. The figures in docs/modules/07-training.md come
from this script. Run: ``python benchmarks/tensorboard_cost.py`` (needs
``tinytorch[tensorboard]``; a few seconds).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import tinytorch as tt
from tinytorch.utils.tensorboard import SummaryWriter


def cases() -> dict[str, Callable[[SummaryWriter, int], None]]:
    """Each logged thing, as a call taking the writer and the step."""
    rng = np.random.default_rng(0)
    loss = tt.tensor(0.5, requires_grad=True) * 2
    weights = tt.tensor(rng.normal(size=(256, 784)).astype(np.float32), requires_grad=True)
    image = tt.tensor(rng.random((3, 32, 32)).astype(np.float32))
    video = rng.random((4, 16, 3, 32, 32)).astype(np.float32)
    sound = np.sin(np.linspace(0, 2000 * np.pi, 16000))
    cloud = rng.normal(size=(1, 1000, 3))
    return {
        "add_scalar (a loss tensor)": lambda w, step: w.add_scalar("loss", loss, step),
        "add_histogram (a 256 × 784 weight, default bins)": lambda w, step: w.add_histogram(
            "fc1", weights, step
        ),
        "add_image (3 × 32 × 32, PNG)": lambda w, step: w.add_image("sample", image, step),
        "add_video (4 videos of 16 frames of 3 × 32 × 32, GIF)": lambda w, step: w.add_video(
            "clip", video, step
        ),
        "add_audio (1 s at 16 kHz, WAV)": lambda w, step: w.add_audio("sound", sound, step, 16000),
        "add_mesh (1,000 points)": lambda w, step: w.add_mesh("cloud", cloud, global_step=step),
    }


def measure(call: Callable[[SummaryWriter, int], None], calls: int, repeats: int) -> tuple[float, float]:
    """Median microseconds a call and bytes a call."""
    times, sizes = [], []
    for _ in range(repeats + 1):
        with tempfile.TemporaryDirectory() as folder:
            writer = SummaryWriter(folder, flush_secs=3600)
            writer.flush()
            empty = sum(p.stat().st_size for p in Path(folder).iterdir())
            start = time.perf_counter()
            for step in range(calls):
                call(writer, step)
            writer.flush()
            times.append((time.perf_counter() - start) / calls * 1e6)
            writer.close()
            sizes.append((sum(p.stat().st_size for p in Path(folder).iterdir()) - empty) / calls)
    return statistics.median(times[1:]), statistics.median(sizes[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("| call | µs a call | bytes a call |\n|---|---|---|")
    for name, call in cases().items():
        micros, size = measure(call, args.calls, args.repeats)
        print(f"| {name} | {micros:,.0f} | {size:,.0f} |")


if __name__ == "__main__":
    main()
