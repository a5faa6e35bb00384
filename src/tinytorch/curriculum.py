"""The course's single source of truth: which module lives in which package.

Everything that needs the module map reads it from here: the noxfile (one
``module-NN`` session per row), ``tito`` and the docs. This file imports
nothing but the standard library, so the noxfile can load it by path before
anything is installed.

Tests of module NN live in ``packages/<package>/tests/test_NN_*.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Each distribution and the earlier distributions it depends on directly.
PACKAGES: dict[str, tuple[str, ...]] = {
    "tt-tensor": (),
    "tt-autograd": ("tt-tensor",),
    "tt-nn": ("tt-autograd",),
    "tt-optim": ("tt-nn",),
    "tt-vision": ("tt-optim",),
    "tt-text": ("tt-optim",),
    "tt-perf": ("tt-vision", "tt-text"),
}


@dataclass(frozen=True)
class Module:
    """One module of the course: its number, short name, title and package."""

    number: int
    name: str
    title: str
    package: str

    @property
    def tag(self) -> str:
        """Two-digit module number, as used in session names: ``"01"``."""
        return f"{self.number:02d}"

    @property
    def test_glob(self) -> str:
        """Path pattern, relative to the repository root, of this module's tests."""
        return f"packages/{self.package}/tests/test_{self.tag}_*.py"


MODULES: tuple[Module, ...] = (
    Module(
        1, "tensor", "Tensor: n-d arrays, dtypes, broadcasting, reductions, matmul, indexing", "tt-tensor"
    ),
    Module(2, "autograd", "Autograd: computation graph, backward, no_grad, gradcheck", "tt-autograd"),
    Module(3, "activations", "Activations", "tt-nn"),
    Module(4, "layers", "Layers: Module, Parameter, Linear, Dropout, Sequential, norms, state_dict", "tt-nn"),
    Module(5, "losses", "Losses", "tt-nn"),
    Module(6, "optimizers", "Optimizers and learning-rate schedules", "tt-optim"),
    Module(7, "training", "Training: Dataset, DataLoader, training loop, metrics, checkpoints", "tt-optim"),
    Module(
        8, "vision-data", "Vision data: MNIST and CIFAR-10 datasets, transforms, augmentation", "tt-vision"
    ),
    Module(9, "convolutions", "Convolutions: Conv2d, pooling, BatchNorm2d, CNNs", "tt-vision"),
    Module(10, "tokenization", "Tokenization: character and BPE tokenizers, text datasets", "tt-text"),
    Module(11, "embeddings", "Embeddings: token and positional", "tt-text"),
    Module(12, "attention", "Attention: scaled dot-product, multi-head, causal masks", "tt-text"),
    Module(13, "transformers", "Transformers: blocks, GPT model, generation", "tt-text"),
    Module(14, "profiling", "Profiling: parameters, FLOPs, memory, time per layer", "tt-perf"),
    Module(15, "quantization", "Quantization: INT8 post-training quantization", "tt-perf"),
    Module(16, "compression", "Compression: pruning, distillation, low rank", "tt-perf"),
    Module(17, "acceleration", "Acceleration: vectorised and fused kernels, memory layout", "tt-perf"),
    Module(18, "memoization", "Memoization: KV cache for generation", "tt-perf"),
    Module(19, "benchmarking", "Benchmarking: an MLPerf-style harness", "tt-perf"),
    Module(20, "capstone", "Capstone: optimise a model end to end under a budget", "tt-perf"),
)


@dataclass(frozen=True)
class Milestone:
    """A historical milestone: a script that proves the modules it needs work together."""

    number: int
    year: int
    title: str
    script: str
    requires: tuple[int, ...]

    @property
    def tag(self) -> str:
        """Two-digit milestone number: ``"01"``."""
        return f"{self.number:02d}"


def _through(last: int, *extra: int) -> tuple[int, ...]:
    return tuple(range(1, last + 1)) + extra


MILESTONES: tuple[Milestone, ...] = (
    Milestone(
        1,
        1957,
        "Perceptron: a single layer separates a linearly separable set",
        "milestones/01_perceptron.py",
        _through(7),
    ),
    Milestone(2, 1969, "XOR: one layer cannot, two layers can", "milestones/02_xor.py", _through(7)),
    Milestone(
        3, 1986, "Backpropagation: an MLP reads MNIST digits", "milestones/03_mlp_mnist.py", _through(8)
    ),
    Milestone(4, 1998, "CNN: convolutions classify CIFAR-10", "milestones/04_cnn_cifar10.py", _through(9)),
    Milestone(
        5,
        2017,
        "Transformers: a GPT writes Shakespeare",
        "milestones/05_gpt_shakespeare.py",
        _through(7, 10, 11, 12, 13),
    ),
    Milestone(
        6,
        2018,
        "Systems: optimise a model end to end under a budget",
        "milestones/06_systems.py",
        _through(13, 15, 18, 20),  # the modules its script uses: CNN, GPT, quantization, KV cache, capstone
    ),
)


def milestone(number: int) -> Milestone:
    """The milestone with this number; a clear error for an unknown one."""
    for entry in MILESTONES:
        if entry.number == number:
            return entry
    raise KeyError(f"there is no milestone {number}: milestones are numbered 1 to {len(MILESTONES)}")


def module(number: int) -> Module:
    """The module with this number; a clear error for an unknown one."""
    for entry in MODULES:
        if entry.number == number:
            return entry
    raise KeyError(f"there is no module {number}: modules are numbered 1 to {len(MODULES)}")


def closure(package: str) -> list[str]:
    """``package`` and every package it needs, dependencies first."""
    order: list[str] = []

    def visit(name: str) -> None:
        for dep in PACKAGES[name]:
            visit(dep)
        if name not in order:
            order.append(name)

    visit(package)
    return order


#: Modules whose package exists but whose code is not written yet: ``tito`` refuses to start them,
#: the noxfile registers no session for them and the docs list them as coming.
#: ``tests/test_exercises.py`` fails as soon as one of them has solution regions, so an entry
#: cannot outlive the module's arrival.
PLANNED: frozenset[int] = frozenset()


def is_built(module: Module, root: Path) -> bool:
    """Whether ``module``'s package exists under ``root`` and the module is not still planned."""
    return module.number not in PLANNED and (root / "packages" / module.package / "pyproject.toml").is_file()


def existing_packages(root: Path) -> list[str]:
    """The packages of ``PACKAGES`` that have a folder under ``root/packages``, in order."""
    return [name for name in PACKAGES if (root / "packages" / name / "pyproject.toml").is_file()]
