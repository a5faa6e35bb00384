"""A PyTorch yardstick for milestone 06: the same CNN, same weights, through PyTorch's own pipeline.

Opt-in only (``python milestones/06_systems.py --torch``; ``nox -s
milestone-06-torch`` installs ``torch==2.13.0``): the framework never
imports PyTorch.

:func:`torch_cnn` rebuilds milestone 04's ``Sequential`` (conv–BN–ReLU–pool
×3, flatten, linear) in PyTorch and copies the weights from their NumPy
arrays. :func:`torch_pipeline` then runs what a PyTorch user would on it:
the float32 model; batch norm (and ReLU) fused into the convolutions
(``torch.ao.quantization.fuse_modules``); ``quantize_dynamic`` (INT8 weights
of the ``Linear``, activations quantized per batch: the only layer it
touches here); and the static flow with fbgemm (``prepare`` → calibrate on
the same images as TinyTorch's → ``convert``: INT8 activations and weights).
Each is measured like TinyTorch's stages: accuracy on the same test images,
size (bytes of its serialized ``state_dict``), p90 latency of one image with
the calls of all four interleaved.
"""

from __future__ import annotations

import copy
import io
import time

import numpy as np


def torch_cnn(model):
    """Milestone 04's CNN (a TinyTorch ``Sequential``) in PyTorch, with its weights; eval mode."""
    import torch
    from torch import nn

    layers = []
    for layer in model:
        kind = type(layer).__name__
        if kind == "Conv2d":
            layers.append(
                nn.Conv2d(
                    layer.in_channels,
                    layer.out_channels,
                    layer.kernel_size,
                    stride=layer.stride,
                    padding=layer.padding,
                    bias=layer.bias is not None,
                )  # fmt: skip
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


def _fuse_groups(reference) -> list[list[str]]:
    """``[conv, bn, relu]`` name triples for ``fuse_modules``."""
    names = [type(m).__name__ for m in reference]
    return [[str(i), str(i + 1), str(i + 2)] for i in range(len(names) - 2)
            if names[i : i + 3] == ["Conv2d", "BatchNorm2d", "ReLU"]]  # fmt: skip


def _static_int8(fused, calibration):
    import torch
    from torch.ao import quantization

    wrapped = torch.nn.Sequential(
        quantization.QuantStub(), copy.deepcopy(fused), quantization.DeQuantStub()
    ).eval()
    wrapped.qconfig = quantization.get_default_qconfig("fbgemm")
    torch.backends.quantized.engine = "fbgemm"
    prepared = quantization.prepare(wrapped)
    with torch.inference_mode():
        prepared(calibration)
    return quantization.convert(prepared)


def _size(model) -> int:
    import torch

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def torch_pipeline(model, images: np.ndarray, labels: np.ndarray, calibration: np.ndarray,
                   repeats: int = 200) -> list[dict]:  # fmt: skip
    """Rows ``{"name", "accuracy", "size_bytes", "latency_ms"}`` for PyTorch's four stages of ``model``."""
    import torch
    from torch.ao import quantization

    reference = torch_cnn(model)
    fused = quantization.fuse_modules(copy.deepcopy(reference), _fuse_groups(reference))
    stages = {
        "PyTorch float32": reference,
        "PyTorch BN+ReLU fused": fused,
        "PyTorch quantize_dynamic (Linear)": quantization.quantize_dynamic(
            copy.deepcopy(fused), {torch.nn.Linear}
        ),
        "PyTorch static INT8 (fbgemm)": _static_int8(fused, torch.from_numpy(calibration)),
    }
    x, example = torch.from_numpy(images), torch.from_numpy(images[:1])
    times = {name: [] for name in stages}
    rows = []
    with torch.inference_mode():
        accuracy = {}
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
    for name, m in stages.items():
        rows.append({"name": name, "accuracy": accuracy[name], "size_bytes": _size(m),
                     "latency_ms": float(np.percentile(times[name], 90) * 1e3)})  # fmt: skip
    return rows
