"""Every TinyTorch workflow, one nox session each: ``nox -l`` lists them.

``nox`` alone runs ``lint`` and ``tests``. CI runs the README's test command: ``lint``,
``tests-beyond-modules``, ``curriculum`` (the modules' tests), ``docs``, ``learner-edition``, ``mutation``.
``nox -s module-05`` tests one course module in a venv holding only the
packages that module needs, so a missing dependency fails there first.
Venvs are kept between runs; ``nox -R -s …`` also skips the install step.

The module table is read from ``src/tinytorch/curriculum.py`` by file path,
so nothing needs installing before nox can list or run a session.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
TEST_DEPS = ("pytest>=8", "hypothesis>=6")
# What tt-dist (module 21) needs besides NumPy, for the sessions that put the packages on
# PYTHONPATH instead of installing them: mpi4py and an MPI runtime wheel (its `mpiexec`).
MPI_DEPS = ("mpi4py>=4.0", "mpich>=4.2")
# Several packages installed editable in one pip command take each other's pins
# from the command line: see tools/hatch_siblings.py.
EDITABLE_TOGETHER = {"TT_EDITABLE_SIBLINGS": "0"}

nox.needs_version = ">=2024.10.9"
nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"


def _load_curriculum():
    path = ROOT / "src" / "tinytorch" / "curriculum.py"
    spec = importlib.util.spec_from_file_location("_tinytorch_curriculum", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses looks its module up there
    spec.loader.exec_module(module)
    return module


curriculum = _load_curriculum()
PACKAGES = curriculum.existing_packages(ROOT)


def editable(*packages: str) -> list[str]:
    """pip arguments installing ``packages`` (folder names under packages/) editable."""
    return [arg for name in packages for arg in ("-e", f"packages/{name}")]


def install_everything(session: nox.Session, extra: str = "") -> None:
    """Every package and the meta-package, editable, plus the meta-package's ``extra``."""
    meta = f".[{extra}]" if extra else "."
    session.install(*editable(*PACKAGES), "-e", meta, env=EDITABLE_TOGETHER)


def _module_session(module):
    def run(session: nox.Session) -> None:
        files = [str(path.relative_to(ROOT)) for path in module.test_files(ROOT)]
        if not files:
            session.error(f"module {module.tag} has no tests: nothing matches {' '.join(module.test_globs)}")
        session.install(*editable(*curriculum.closure(module.package)), *TEST_DEPS, env=EDITABLE_TOGETHER)
        session.run("pytest", *files, *session.posargs)

    run.__doc__ = f"Module {module.tag} — {module.title} ({', '.join(module.packages)})"
    return run


for _module in curriculum.MODULES:
    if curriculum.is_built(_module, ROOT):
        nox.session(name=f"module-{_module.tag}")(_module_session(_module))


@nox.session
def tests(session: nox.Session) -> None:
    """Every package's tests and the cross-package tests/, with everything installed.

    The documentation's tests (tests/test_docs_*.py) run in ``nox -s docs``, on the site
    it builds; without arguments this session leaves them to it rather than building
    the site a second time. ``nox -s tests -- tests/test_docs_api.py`` runs them here.
    Without arguments the tests run on every core (pytest-xdist, ``-n auto``): on CI's two
    cores that nearly halves the session's time.
    """
    _install_for_tests(session)
    session.run("pytest", *(session.posargs or ["-n", "auto", "--ignore-glob=tests/test_docs_*.py"]))


@nox.session(name="tests-beyond-modules")
def tests_beyond_modules(session: nox.Session) -> None:
    """``tests`` without the course modules' own tests (their ``test_NN_*.py``): CI's share.

    ``nox -s curriculum`` runs every module's tests on the solution first (its control run,
    which must pass, in a venv holding only NumPy and the test tools) and then on the stubs,
    so CI runs those files there and this session runs everything else: each test once.
    """
    _install_for_tests(session)
    modules = [path for module in curriculum.MODULES for path in module.test_files(ROOT)]
    ignored = [f"--ignore={path.relative_to(ROOT)}" for path in modules]
    session.run("pytest", "-n", "auto", "--ignore-glob=tests/test_docs_*.py", *ignored, *session.posargs)


def _install_for_tests(session: nox.Session) -> None:
    # onnx: ONNX Runtime; plot: tt-perf's PNGs; tensorboard: tests/test_tensorboard.py reads event files back
    install_everything(session, extra="dev,docs,onnx,plot,tensorboard")
    # the packages' own extras: safetensors files, JPEG through Pillow (test_io_jpeg.py)
    session.install(
        "-e", "packages/tt-nn[safetensors]", "-e", "packages/tt-vision[jpeg]", env=EDITABLE_TOGETHER
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check over the whole tree."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", *(session.posargs or ["."]))


@nox.session(name="format")
def format_(session: nox.Session) -> None:
    """ruff format --check (pass paths to narrow it, or --diff)."""
    session.install("ruff>=0.6")
    session.run("ruff", "format", "--check", *(session.posargs or ["."]))


@nox.session
def demo(session: nox.Session) -> None:
    """Train a small model and print it learning: examples/demo.py."""
    install_everything(session)
    session.run("python", "examples/demo.py", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against a baseline in the same process: benchmarks/run.py."""
    install_everything(session)
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def build(session: nox.Session) -> None:
    """Release artifacts: sdist and wheel of every package and the meta-package into dist/."""
    session.install("build>=1.2")
    for project in [*(f"packages/{name}" for name in PACKAGES), "."]:
        session.run("python", "-m", "build", "--outdir", "dist", project, *session.posargs)


@nox.session(venv_backend="none")
def dev(session: nox.Session) -> None:
    """A .venv with every package editable plus the dev extra: edit any src/ and it shows."""
    venv = ROOT / ".venv"
    if not venv.exists():
        session.run(sys.executable, "-m", "venv", str(venv), external=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    session.run(
        str(python), "-m", "pip", "install", "--quiet",
        *editable(*PACKAGES), "-e", ".[dev]",
        env=EDITABLE_TOGETHER, external=True,
    )  # fmt: skip
    session.log(f"ready: activate it with `source {venv.relative_to(ROOT)}/bin/activate`")


@nox.session(name="curriculum")
def curriculum_check(session: nox.Session) -> None:  # not `curriculum`: that name is the module table
    """Every module's tests pass on its solution and fail on its stubs: tools/check_curriculum.py.

    ``nox -s curriculum -- 05 13`` checks two modules; ``-- --jobs 1`` one module at a time.
    """
    session.install("numpy>=2.0", *TEST_DEPS, *MPI_DEPS)
    session.run("python", "tools/check_curriculum.py", *session.posargs)


@nox.session(name="learner-edition")
def learner_edition(session: nox.Session) -> None:
    """Export the learner's edition, refill and complete its modules in order, run every milestone.

    tools/learner_edition.py: proves each module can be done with the later ones still stubbed,
    and that every milestone unlocks and passes its quick run on the refilled edition.
    tools/learner_journey.py: a learner's modules 01-03 (init, start, a planted bug, complete), run
    beside it: the module steps run one at a time and leave the second core idle.
    """
    install_everything(session, extra="cli")
    session.install(*TEST_DEPS)
    session.run("python", "tools/learner_edition.py", "--with-journey", *session.posargs)


@nox.session
def mutation(session: nox.Session) -> None:
    """Mutation testing of solution regions: ``nox -s mutation -- 05`` (tools/mutation; TESTING.md).

    No argument runs the CI sample (6 mutants per module, seeded, 300 s at most);
    ``-- NN --sample K --seed S --time-budget SECONDS --json PATH`` narrows or records a run.
    """
    session.install("numpy>=2.0", *TEST_DEPS, *MPI_DEPS, "coverage>=7")
    session.run("python", "-m", "tools.mutation", *session.posargs)


# ---------------------------------------------------------------------------- documentation
DOCS_SITE = ROOT / "build" / "site"  # mkdocs.yml's site_dir
DOCS_ENV = {"NO_MKDOCS_2_WARNING": "1", "TT_DOCS_SITE": str(DOCS_SITE)}


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site: mkdocs build --strict into build/site/, then tests/test_docs_*.py on it.

    ``nox -s docs -- serve`` serves it on localhost:8000 instead, rebuilding on every edit.
    """
    # onnx: the export example of module 17 runs; tensorboard: module 07's SummaryWriter example;
    # tt-vision[jpeg]: the docstring examples of tt_vision.io.jpeg (tests/test_docs_api.py)
    install_everything(session, extra="docs,onnx,tensorboard")
    session.install(
        "-e", "packages/tt-nn[safetensors]", "-e", "packages/tt-vision[jpeg]", env=EDITABLE_TOGETHER
    )
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:], env=DOCS_ENV)
        return
    session.install(*TEST_DEPS)
    session.run("mkdocs", "build", "--strict", "--quiet", env=DOCS_ENV)
    tests = sorted(glob.glob("tests/test_docs_*.py", root_dir=ROOT))
    session.run("pytest", "-q", *(t for t in tests if "browser" not in t), *session.posargs, env=DOCS_ENV)
    # every chapter as a notebook, top to bottom (its exercise cells: `nox -s notebooks`)
    session.run("python", "tools/chapter_notebooks.py", "--check", "--exercises", "none")


@nox.session
def notebooks(session: nox.Session) -> None:
    """Every chapter's notebook top to bottom, every exercise cell included (a few minutes).

    ``nox -s notebooks -- docs/modules/03-activations.md`` runs one chapter: tools/chapter_notebooks.py.
    """
    # onnx, safetensors: chapter 17's examples; tensorboard: chapter 07's
    install_everything(session, extra="notebooks,onnx,tensorboard")
    session.install("-e", "packages/tt-nn[safetensors]", env=EDITABLE_TOGETHER)
    session.install(*TEST_DEPS)
    session.run("python", "tools/chapter_notebooks.py", "--check", *session.posargs)


@nox.session(name="docs-browser")
def docs_browser(session: nox.Session) -> None:
    """Serve the built site on localhost and load pages in headless Chromium; fail on console errors.

    Uses Debian's chromium and chromium-driver, installed with apt-get when missing
    (as root, or through passwordless sudo); never downloads a browser of its own.
    """
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        sudo = [] if getattr(os, "geteuid", lambda: -1)() == 0 else ["sudo", "-n"]
        if not shutil.which("apt-get") or (sudo and not shutil.which("sudo")):
            session.error("docs-browser needs Debian's chromium and chromium-driver (apt-get install them)")
        apt = [*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
        session.run(*apt, "update", "-qq", external=True)
        session.run(*apt, "install", "-y", "-qq", "chromium", "chromium-driver", external=True)
    install_everything(session, extra="docs")
    session.install("selenium>=4.20", *TEST_DEPS)
    session.run("mkdocs", "build", "--strict", "--quiet", env=DOCS_ENV)
    session.run("pytest", "-q", "tests/browser", *session.posargs, env=DOCS_ENV)


@nox.session
def milestones(session: nox.Session) -> None:
    """The historical milestones: `nox -s milestones -- 01` runs one, no argument runs them all."""
    install_everything(session, extra="plot")
    scripts = sorted((ROOT / "milestones").glob("[0-9][0-9]_*.py"))
    wanted = {arg.zfill(2) for arg in session.posargs}
    chosen = [script for script in scripts if not wanted or script.name[:2] in wanted]
    if not chosen:
        known = ", ".join(script.name[:2] for script in scripts)
        session.error(f"no milestone {' '.join(session.posargs)}: the milestones are {known}")
    for script in chosen:
        session.run("python", str(script.relative_to(ROOT)))


@nox.session(name="bench-torch-text")
def bench_torch_text(session: nox.Session) -> None:
    """Milestone 05's GPT training step against PyTorch's, same weights, one run (opt-in: installs torch)."""
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "benchmarks/text.py", "--torch", *session.posargs)


@nox.session(name="bench-torch-quant")
def bench_torch_quant(session: nox.Session) -> None:
    """Module 15's quantization table with PyTorch's own flows on the same models, one run (opt-in: torch)."""
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "benchmarks/perf_quantization.py", "--torch", *session.posargs)


@nox.session(name="bench-torch-kv")
def bench_torch_kv(session: nox.Session) -> None:
    """The KV cache's speed-up beside PyTorch's, same GPT and weights, one run (opt-in: installs torch).

    ``nox -s bench-torch-kv -- --weights PATH/gpt_char.npz`` also measures what the approximate
    ``cache_window="halve"`` costs in perplexity with milestone 05's trained weights.
    """
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "benchmarks/perf_kv_cache.py", "--torch", *session.posargs)


@nox.session
def parity(session: nox.Session) -> None:
    """Small PyTorch programs run with torch and tinytorch, compared step by step (opt-in: installs torch).

    Writes docs/assets/parity.json; regenerate the coverage page afterwards
    (``python tools/pytorch_coverage.py``). Needs $TINYTORCH_DATA for the example.
    """
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "tools/parity/run.py", *session.posargs)
    session.run("python", "tools/pytorch_coverage.py")


@nox.session(name="parity-sweep")
def parity_sweep(session: nox.Session) -> None:
    """Every Tensor method shared with PyTorch, called both ways on a grid of inputs (opt-in: installs torch).

    Values, dtypes, shapes and input gradients must agree; the differences that are PyTorch's quirks or
    documented choices are listed in ``tools/parity/sweep*.py``'s ACCEPTED. Exit status 1 on any other.
    Groups: methods, gradients, dtypes, float16, reductions, transforms, linalg, distributions, optimizers,
    modules.
    """
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "tools/parity/sweep.py", *session.posargs)


@nox.session(name="parity-signatures")
def parity_signatures(session: nox.Session) -> None:
    """Every shared name's signature against PyTorch 2.13's (opt-in: installs torch).

    Constructors of the nn modules, optimizers, schedulers, data classes and distributions, nn.functional,
    nn.init, nn.utils, the classes' methods, torch.distributed, torch.* and Tensor's methods: missing,
    extra, different defaults, kinds and order, and parameters TinyTorch takes but never reads.
    Deliberate differences are listed with their reasons in ``tools/parity/sweep_signatures.py``'s
    ACCEPTED; exit status 1 on any other.
    """
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "tools/parity/sweep_signatures.py", *session.posargs)


@nox.session(name="bench-torch")
def bench_torch(session: nox.Session) -> None:
    """The reference small CNN's training step against PyTorch's, one run (opt-in: installs torch)."""
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "benchmarks/vision.py", "--torch", *session.posargs)


@nox.session(name="bench-torch-higher-order")
def bench_torch_higher_order(session: nox.Session) -> None:
    """A WGAN-GP critic step and a Hessian-vector product against PyTorch's, one run (opt-in: torch)."""
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "benchmarks/higher_order.py", "--torch", *session.posargs)


@nox.session(name="bench-torch-dist")
def bench_torch_dist(session: nox.Session) -> None:
    """GPT and CNN steps: two MPI ranks vs one process vs PyTorch's (opt-in: installs torch)."""
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "benchmarks/dist.py", "--torch", *session.posargs)


@nox.session(name="bench-fsdp-memory")
def bench_fsdp_memory(session: nox.Session) -> None:
    """Bytes per rank at rest and at a step's peak: DDP, FSDP SHARD_GRAD_OP and FULL_SHARD, two MPI ranks."""
    install_everything(session)
    mpiexec = str(Path(session.bin) / "mpiexec")  # the mpich wheel's, beside the session's Python
    session.run(mpiexec, "-n", "2", "python", "benchmarks/fsdp_memory.py", *session.posargs,
                env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}, external=True)  # fmt: skip


@nox.session(name="bench-torch-grid-sample")
def bench_torch_grid_sample(session: nox.Session) -> None:
    """grid_sample's forward and backward per mode against PyTorch's, one run (opt-in: installs torch)."""
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "benchmarks/grid_sample.py", "--torch", *session.posargs)


@nox.session(name="bench-torch-deform-conv")
def bench_torch_deform_conv(session: nox.Session) -> None:
    """deform_conv2d's forward and backward against torchvision's compiled op, one run (opt-in: torchvision).

    The comparison runs in a child process of this session's Python (torchvision's C++ ops and
    NumPy); ``nox -s bench-torch-deform-conv -- --memory`` adds the memory figures.
    """
    install_everything(session)
    # PyPI's torchvision 0.28 does not load its compiled ops beside the CPU build of torch 2.13.0 that
    # the other torch sessions install (``torchvision::nms does not exist``); 2.14.1 with 0.29.1 does.
    session.install("torch==2.14.1", "torchvision==0.29.1")
    session.run("python", "benchmarks/deform_conv.py", "--torchvision", "python", *session.posargs)


@nox.session(name="milestone-04-long-torch")
def milestone_04_long_torch(session: nox.Session) -> None:
    """PyTorch's time for milestone 04's --long recipe, added to the run's record (opt-in: installs torch).

    ``nox -s milestone-04-long-torch -- --record build/milestones/04-long.json`` trains as many
    epochs as that TinyTorch run did, on 2 threads, and adds PyTorch's minutes and accuracy to it.
    """
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "benchmarks/torch_cifar_long.py", *session.posargs)


@nox.session(name="milestone-06-torch")
def milestone_06_torch(session: nox.Session) -> None:
    """Milestone 06 with PyTorch's pipeline on the same weights beside it (opt-in: installs torch).

    Pass the trained weights: ``nox -s milestone-06-torch -- --weights W.npz --gpt-weights G.npz``.
    """
    install_everything(session)
    session.install("torch==2.13.0")
    session.run("python", "milestones/06_systems.py", "--torch", *session.posargs)


@nox.session(name="interop-torch")
def interop_torch(session: nox.Session) -> None:
    """safetensors both ways between TinyTorch and PyTorch, equal outputs (opt-in: installs torch)."""
    install_everything(session)
    session.install("-e", "packages/tt-nn[safetensors]", env=EDITABLE_TOGETHER)
    session.install("torch==2.13.0")
    session.run("python", "tools/interop_torch.py", *session.posargs)
