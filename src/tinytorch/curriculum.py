"""The course's single source of truth: which module touches which packages.

Everything that needs the module map reads it from here: the noxfile (one
``module-NN`` session per row), ``tito``, the curriculum check, the learner's
edition and the docs. This file imports nothing but the standard library, so
the noxfile can load it by path before anything is installed.

A module has a *home* package (its table row's ``package``: the chapter's
package, whose dependency closure is the module's venv) and may put solution
regions and tests in other packages of that closure, where the capability
belongs (``also``). ``Module.packages`` is all of them, in dependency order.
Regions of module NN are ``# BEGIN SOLUTION NN`` in ``packages/<p>/src`` and its
tests ``packages/<p>/tests/test_NN_*.py``, for every ``p`` in ``packages``;
``tests/test_curriculum_map.py`` checks that the sources agree with the table.
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
    "tt-dist": ("tt-optim",),
}


def closure(package: str) -> list[str]:
    """``package`` and every package it needs, dependencies first."""
    if package not in PACKAGES:
        raise KeyError(f"there is no package {package!r}: the packages are {', '.join(PACKAGES)}")
    order: list[str] = []

    def visit(name: str) -> None:
        for dep in PACKAGES[name]:
            visit(dep)
        if name not in order:
            order.append(name)

    visit(package)
    return order


@dataclass(frozen=True)
class Module:
    """One module of the course: number, short name, title, home package and the other packages it touches.

    ``package`` is the home: the chapter's package, and the module's venv is its closure.
    ``also`` lists further packages, all in that closure, that hold some of the module's
    solution regions or tests (module 18's KV cache in tt-text's attention, say).
    """

    number: int
    name: str
    title: str
    package: str
    also: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        reachable = closure(self.package)
        outside = [p for p in self.also if p not in reachable]
        if outside:
            raise ValueError(
                f"module {self.tag} lists {outside} in `also`, outside its home {self.package}'s "
                f"closure {reachable}: a module's code may only sit in packages its home depends on"
            )

    @property
    def tag(self) -> str:
        """Two-digit module number, as used in session names: ``"01"``."""
        return f"{self.number:02d}"

    @property
    def packages(self) -> tuple[str, ...]:
        """Every package this module touches (home and ``also``), in dependency order."""
        touched = {self.package, *self.also}
        return tuple(p for p in closure(self.package) if p in touched)

    @property
    def test_globs(self) -> tuple[str, ...]:
        """Path patterns, relative to the repository root, of this module's tests: one per package."""
        return tuple(f"packages/{p}/tests/test_{self.tag}_*.py" for p in self.packages)

    def test_files(self, root: Path, part: str = "all") -> list[Path]:
        """This module's test files under ``root``, sorted: "all", the "core" ones or the "extras".

        The extras' tests are the files named ``test_NN_*_extras.py`` (:data:`EXTRAS_SUFFIX`):
        optional work, which ``tito module complete`` reports but does not require.
        """
        if part not in ("all", "core", "extras"):
            raise ValueError(f"part must be 'all', 'core' or 'extras', got {part!r}")
        files = sorted(path for pattern in self.test_globs for path in root.glob(pattern))
        if part == "all":
            return files
        return [path for path in files if path.name.endswith(EXTRAS_SUFFIX) == (part == "extras")]


#: How the file name of an extras' test ends: ``test_03_erf_extras.py`` tests module 03's extras.
EXTRAS_SUFFIX = "_extras.py"

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
    Module(15, "quantization", "Quantization: INT8, post-training and quantization-aware", "tt-perf"),
    Module(16, "compression", "Compression: pruning, distillation, low rank", "tt-perf"),
    Module(17, "acceleration", "Acceleration: vectorised and fused kernels, memory layout", "tt-perf"),
    Module(18, "memoization", "Memoization: KV cache for generation", "tt-perf", also=("tt-text",)),
    Module(19, "benchmarking", "Benchmarking: an MLPerf-style harness", "tt-perf"),
    Module(20, "capstone", "Capstone: optimise a model end to end under a budget", "tt-perf"),
    Module(
        21, "distributed", "Distributed training: data-parallel on MPI, DDP, DistributedSampler", "tt-dist"
    ),
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
        # its script uses: CNN, GPT, quantization, pruning, plan, cache, capstone
        _through(13, 15, 16, 17, 18, 20),
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
