"""PyTorch's yardstick for milestone 06, in a process of its own: the same CNN and GPT, PyTorch's pipeline.

Opt-in only: ``python milestones/06_systems.py --torch`` runs this file as a
child process (``nox -s milestone-06-torch`` installs ``torch==2.13.0``), so
the milestone itself never imports PyTorch. It can also be run alone::

    python benchmarks/torch_systems.py --weights build/milestones/04_cnn_cifar10.npz \\
        --gpt-weights ~/.cache/tinytorch/milestones/05/gpt_char.npz --out torch.json

**CNN**: milestone 04's trained network rebuilt in PyTorch with the same
weights, then what a PyTorch user would do to it: the float32 model; batch
norm and ReLU fused into the convolutions (``torch.ao.quantization.fuse_modules``);
``quantize_dynamic`` (INT8 weights of the ``Linear``, the only layer it
touches here); the static flow with fbgemm (``prepare`` → calibrate on the
first 512 training images, as the milestone does → ``convert``: INT8
activations and weights). Each stage: accuracy on all test images, size (bytes
of its serialized ``state_dict``), p90 latency of one image with the calls of
all four interleaved (200 rounds), on ``--threads`` threads.

**GPT**: milestone 05's model with its weights (``torch_gpt_kv.py``), greedy
decoding of ``block_size − 16`` tokens after a 16-token prompt drawn from the
milestone's seed: nanoGPT's uncached loop and a preallocated KV cache, in 5
alternated rounds; the cached speed-up and the generated tokens.

Writes ``{"cnn": [rows], "gpt": {...}}`` to ``--out`` (JSON).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from perf_kv_cache import alternate  # benchmarks/perf_kv_cache.py: interleaved rounds, median ms
from run import milestone  # benchmarks/run.py: a milestone script as a module
from torch_gpt_kv import torch_generate, torch_gpt  # the same GPT in PyTorch (imports torch when called)

PROMPT = 16  # as milestones/06_systems.py


def torch_cnn(model):
    """Milestone 04's CNN (a TinyTorch ``Sequential``) in PyTorch, with its weights; eval mode."""
    import torch
    from torch import nn

    layers = []
    for layer in model:
        kind = type(layer).__name__
        if kind == "Conv2d":
            shape = (layer.in_channels, layer.out_channels, layer.kernel_size)
            layers.append(
                nn.Conv2d(*shape, stride=layer.stride, padding=layer.padding, bias=layer.bias is not None)
            )
        elif kind == "BatchNorm2d":
            layers.append(nn.BatchNorm2d(layer.num_features, eps=layer.eps))
        elif kind == "ReLU":
            layers.append(nn.ReLU())
        elif kind == "MaxPool2d":
            layers.append(nn.MaxPool2d(layer.kernel_size))
        elif kind == "Flatten":
            layers.append(nn.Flatten())
        elif kind == "Linear":
            layers.append(nn.Linear(layer.in_features, layer.out_features))
        else:
            raise ValueError(f"torch_cnn: no PyTorch counterpart written for {kind}")
    reference = nn.Sequential(*layers)
    state = {k: torch.tensor(np.asarray(v.numpy())) for k, v in model.state_dict().items()}
    reference.load_state_dict(state)
    return reference.eval()


def fuse_groups(reference) -> list[list[str]]:
    """``[conv, bn, relu]`` name triples for ``fuse_modules``."""
    names = [type(m).__name__ for m in reference]
    return [[str(i), str(i + 1), str(i + 2)] for i in range(len(names) - 2)
            if names[i : i + 3] == ["Conv2d", "BatchNorm2d", "ReLU"]]  # fmt: skip


def static_int8(fused, calibration):
    import torch
    from torch.ao import quantization

    wrapped = torch.nn.Sequential(quantization.QuantStub(), copy.deepcopy(fused), quantization.DeQuantStub())
    wrapped.eval().qconfig = quantization.get_default_qconfig("fbgemm")
    torch.backends.quantized.engine = "fbgemm"
    prepared = quantization.prepare(wrapped)
    with torch.inference_mode():
        for start in range(0, len(calibration), 128):
            prepared(calibration[start : start + 128])
    return quantization.convert(prepared)


def serialized_bytes(model) -> int:
    import torch

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def cnn_pipeline(model, images, labels, calibration, repeats: int = 200) -> list[dict]:
    """Rows ``{"name", "accuracy", "size_bytes", "latency_ms"}`` for PyTorch's four stages of ``model``."""
    import torch
    from torch.ao import quantization

    reference = torch_cnn(model)
    fused = quantization.fuse_modules(copy.deepcopy(reference), fuse_groups(reference))
    stages = {
        "PyTorch float32": reference,
        "PyTorch BN+ReLU fused": fused,
        "PyTorch quantize_dynamic (Linear)": quantization.quantize_dynamic(
            copy.deepcopy(fused), {torch.nn.Linear}
        ),
        "PyTorch static INT8 (fbgemm)": static_int8(fused, torch.from_numpy(calibration)),
    }
    x, example = torch.from_numpy(images), torch.from_numpy(images[:1])
    times: dict[str, list[float]] = {name: [] for name in stages}
    accuracy = {}
    with torch.inference_mode():
        for name, m in stages.items():
            predictions = torch.cat([m(x[i : i + 500]) for i in range(0, len(x), 500)]).argmax(1).numpy()
            accuracy[name] = float((predictions == labels).mean())
            for _ in range(5):
                m(example)
        for _ in range(repeats):  # interleaved: load drift hits all four alike
            for name, m in stages.items():
                start = time.perf_counter()
                m(example)
                times[name].append(time.perf_counter() - start)
    return [
        {"name": name, "accuracy": accuracy[name], "size_bytes": serialized_bytes(m),
         "latency_ms": float(np.percentile(times[name], 90) * 1e3)}
        for name, m in stages.items()
    ]  # fmt: skip


def gpt_decoding(model, prompt: np.ndarray, rounds: int = 5) -> dict:
    """PyTorch's uncached and cached greedy decoding of ``model``'s weights: ms, speed-up, tokens."""
    reference = torch_gpt(model)
    tokens = model.config.block_size - PROMPT
    ways = {
        "no cache": lambda: torch_generate(reference, prompt, tokens, use_cache=False),
        "KV cache": lambda: torch_generate(reference, prompt, tokens, use_cache=True),
    }
    outputs = {name: np.asarray(run()) for name, run in ways.items()}  # warm-up; tokens compared
    ms = alternate(ways, rounds)
    return {
        "ms": ms,
        "speedup": ms["no cache"] / ms["KV cache"],
        "tokens": outputs["KV cache"].tolist(),
        "same tokens cached and uncached": bool(np.array_equal(outputs["no cache"], outputs["KV cache"])),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", type=Path, required=True, help="milestone 04's trained CNN (.npz)")
    parser.add_argument("--gpt-weights", type=Path, required=True, help="milestone 05's gpt_char.npz")
    parser.add_argument("--root", type=Path, default=None, help="a folder holding CIFAR-10")
    parser.add_argument("--seed", type=int, default=0, help="the milestone's seed (the GPT prompt)")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch's threads")
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON")
    args = parser.parse_args(argv)
    import torch  # opt-in yardstick only, in this process of its own
    import tt_optim
    from tt_text import GPT, GPTConfig

    torch.set_num_threads(args.threads)
    m04 = milestone("04_cnn_cifar10")  # benchmarks/run.py's loader
    load_args = argparse.Namespace(quick=False, seed=args.seed, root=args.root, epochs=None, budget=0.0)
    train_set, test_set, _ = m04.load_data(load_args)
    image = test_set.get_batch(np.arange(1))[0]
    cnn = m04.build_cnn(image.shape[1], image.shape[2])
    cnn.load_state_dict(tt_optim.load(args.weights))
    images, labels = test_set.get_batch(np.arange(len(test_set)))
    calibration = train_set.get_batch(np.arange(512))[0]
    rows = cnn_pipeline(cnn.eval(), images.numpy(), labels.numpy(), calibration.numpy())
    config = args.gpt_weights.with_name(args.gpt_weights.name.removesuffix(".npz") + ".config.json")
    gpt = GPT(GPTConfig.from_dict(json.loads(config.read_text())))
    gpt.load_state_dict(tt_optim.load(args.gpt_weights))
    prompt = np.random.default_rng(args.seed).integers(0, gpt.config.vocab_size, (1, PROMPT))
    result = {"cnn": rows, "gpt": gpt_decoding(gpt.eval(), prompt), "torch": torch.__version__,
              "threads": args.threads}  # fmt: skip
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
