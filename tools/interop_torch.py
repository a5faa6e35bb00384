"""safetensors files both ways between TinyTorch and PyTorch, same outputs (``nox -s interop-torch``).

For milestone 03's MLP, 04's CNN and 05's GPT (a small configuration):

* TinyTorch → PyTorch: a trained-looking TinyTorch model is saved with
  ``tt.save(model.state_dict(), "x.safetensors")``; the equivalent PyTorch
  model (fresh weights) loads it with ``safetensors.torch.load_model`` and
  must give the same outputs on the same input (relative error ≤ 1e-5);
* PyTorch → TinyTorch: a fresh PyTorch model is saved with
  ``safetensors.torch.save_model``; a fresh TinyTorch model loads it with
  ``load_state_dict(tt.load(...))`` and must agree the same way.

PyTorch keeps one name of a tied weight when it saves (GPT's token
embedding and ``lm_head.weight``); TinyTorch's ``load_state_dict`` then
reports the other one missing, so the models load with ``strict=False`` and
the script checks that one of the two tied names is all that is missing. Opt-in (it installs
torch); not part of CI. Prints one line per direction and model; exits 1 on
any mismatch.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import numpy as np
import safetensors.torch
import torch
import tt_nn as nn
from tt_text import GPT, GPTConfig

import tinytorch as tt

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 1e-5


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_models() -> dict[str, tuple[nn.Module, np.ndarray]]:
    """The three milestone models (as their scripts build them; a small GPT) and an input for each."""
    rng = np.random.default_rng(0)
    sys.path.insert(0, str(ROOT / "milestones"))
    mlp = _load("milestone_03", ROOT / "milestones" / "03_mlp_mnist.py").build_mlp(784)
    cnn = _load("milestone_04", ROOT / "milestones" / "04_cnn_cifar10.py").build_cnn(3, 32)
    sys.path.remove(str(ROOT / "milestones"))
    cnn.train()
    with tt.no_grad():
        cnn(tt.randn(16, 3, 32, 32) * 2 + 0.5)  # running statistics away from 0 and 1
    config = GPTConfig(vocab_size=65, block_size=32, n_layer=2, n_head=4, n_embd=64, gelu_approximate="tanh")
    return {
        "MLP (milestone 03)": (mlp, rng.standard_normal((4, 1, 28, 28)).astype(np.float32)),
        "CNN (milestone 04)": (cnn, rng.standard_normal((4, 3, 32, 32)).astype(np.float32)),
        "GPT (milestone 05)": (GPT(config), rng.integers(0, 65, (4, 32))),
    }


def torch_twin(name: str, model: nn.Module) -> torch.nn.Module:
    """The PyTorch model with the same module tree (so the same state-dict keys), fresh weights."""
    if name.startswith("GPT"):
        text = _load("bench_text", ROOT / "benchmarks" / "text.py")
        twin = text.torch_model(model)  # nanoGPT's module names; then new weights, so a load must happen
    else:
        layers = []
        for layer in model:
            kind = type(layer).__name__
            if kind == "Linear":
                layers.append(torch.nn.Linear(layer.in_features, layer.out_features))
            elif kind == "Conv2d":
                conv = torch.nn.Conv2d(layer.in_channels, layer.out_channels, 3, padding=1, bias=False)
                layers.append(conv)
            elif kind == "BatchNorm2d":
                layers.append(torch.nn.BatchNorm2d(layer.num_features))
            else:
                simple = {
                    "ReLU": torch.nn.ReLU,
                    "MaxPool2d": lambda: torch.nn.MaxPool2d(2),
                    "Flatten": torch.nn.Flatten,
                    "Dropout": lambda: torch.nn.Dropout(0.2),
                }
                layers.append(simple[kind]())
        twin = torch.nn.Sequential(*layers)
    with torch.no_grad():
        for value in twin.state_dict().values():
            if value.is_floating_point():
                value.copy_(torch.randn_like(value) * 0.1 + (1.0 if value.ndim == 1 else 0.0))
    return twin.eval()


def outputs(model: nn.Module, twin: torch.nn.Module, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    with tt.no_grad():
        ours = model(tt.tensor(x)).numpy()
    with torch.no_grad():
        theirs = twin(torch.from_numpy(x)).numpy()
    return ours, theirs


def compare(label: str, ours: np.ndarray, theirs: np.ndarray) -> bool:
    error = float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))
    ok = ours.shape == theirs.shape and error <= TOLERANCE
    print(f"{label:55s} relative error {error:.1e}  {'OK' if ok else 'MISMATCH'}")
    return ok


def main() -> int:
    tt.manual_seed(0)
    torch.manual_seed(0)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        for name, (model, x) in tiny_models().items():
            path = Path(folder) / "tinytorch.safetensors"
            tt.save(model.state_dict(), path)
            twin = torch_twin(name, model)
            safetensors.torch.load_model(twin, str(path))
            ok &= compare(f"{name}: TinyTorch file -> PyTorch", *outputs(model, twin, x))

            twin = torch_twin(name, model)
            path = Path(folder) / "torch.safetensors"
            safetensors.torch.save_model(twin, str(path))
            result = model.load_state_dict(tt.load(path), strict=False)
            tied = {"lm_head.weight", "transformer.wte.weight"} if name.startswith("GPT") else set()
            one_tied_name = len(result.missing_keys) == len(tied) // 2 and set(result.missing_keys) <= tied
            if not one_tied_name or result.unexpected_keys:
                print(f"{name}: unexpected key mismatch {result}")
                ok = False
            ok &= compare(f"{name}: PyTorch file -> TinyTorch", *outputs(model, twin, x))
    print("all equal" if ok else "MISMATCHES above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
