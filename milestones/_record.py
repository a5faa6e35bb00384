"""What every milestone script shares: the optional plotting backend and the record of a run.

A run is recorded as ``NN.json`` in the output folder, with the run's PNG
figures beside it: by default ``build/milestones/`` (untracked), so running a
milestone never changes a tracked file; ``--record`` (developers, full runs
only) writes to ``docs/assets/milestones/``, where the docs' milestones page
reads it; ``--out`` names any other folder. The keys are the ones the docs require:
``milestone``, ``verdict``, ``passed``, ``metrics``, ``wall_time_s``,
``machine``, ``date``, ``command`` and ``figures``.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np
from tt_nn.serialization import atomic_write_bytes

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "docs" / "assets" / "milestones"
SMOKE = ROOT / "build" / "milestones"  # quick runs: never over the recorded full runs


def output_arguments(parser: Any) -> None:
    """The options that say where a run's record and figures go: --out, --record."""
    parser.add_argument("--out", type=Path, default=None, help="folder for the record and figure")
    parser.add_argument(
        "--record", action="store_true", help="developers: write the record into docs/assets/milestones"
    )


def output_folder(args: Any) -> Path:
    """Where this run's record goes: ``--out``, else the docs' assets with ``--record``, else ``build/``.

    ``--record`` refuses a ``--quick`` run (a smoke run is no result to publish), a run
    that names ``--out`` too, and a machine without matplotlib (the record would lose its
    figures): it exits with a message before any training starts.
    """
    if not getattr(args, "record", False):
        return args.out if args.out is not None else SMOKE
    if getattr(args, "quick", False):
        raise SystemExit("--record: a --quick run is a smoke test, not a result for the docs")
    if args.out is not None:
        raise SystemExit("--record writes to docs/assets/milestones: leave out --out")
    if getattr(args, "no_plot", False) or pyplot() is None:
        raise SystemExit("--record needs the figures: install matplotlib and leave out --no-plot")
    return ASSETS


def pyplot() -> Any:
    """matplotlib's pyplot on the file-only Agg backend, or None (and a note) when it is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed, so no figure was saved (pip install matplotlib)")
        return None
    return plt


def save_figure(figure: Any, path: Path) -> Path:
    """Save a matplotlib ``figure`` as ``path`` (PNG, folders made), close it, and return the path."""
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    pyplot().close(figure)
    return path


def machine() -> str:
    """A one-line description of where the run happened."""
    python = platform.python_version()
    return f"{os.cpu_count()}-core {platform.machine()}, Python {python}, NumPy {np.__version__}"


def write(
    number: str,
    *,
    verdict: str,
    passed: bool,
    metrics: dict,
    wall_time_s: float,
    figures: list[str],
    out_dir: Path,
) -> Path:
    """Write ``out_dir/NN.json`` describing this run; returns its path."""
    script = Path(sys.argv[0]).resolve()
    shown = script.relative_to(ROOT) if script.is_relative_to(ROOT) else script
    record = {
        "milestone": number,
        "verdict": verdict,
        "passed": passed,
        "metrics": metrics,
        "wall_time_s": round(wall_time_s, 2),
        "machine": machine(),
        "date": datetime.date.today().isoformat(),
        "command": " ".join(["python", str(shown), *sys.argv[1:]]),
        "figures": figures,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{number}.json"
    text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))  # the docs never read half a record
    return path


def training_arguments(parser: Any, data: str, weights: Path) -> None:
    """Options of every training milestone: --quick, --seed, --root, --no-plot, --out, --record, --weights."""
    parser.add_argument("--quick", action="store_true", help="smoke run: a slice of the data, one epoch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--root", type=Path, default=None, help=f"a folder holding {data} (looked in first)")
    parser.add_argument("--no-plot", action="store_true", help="do not save a figure")
    output_arguments(parser)
    parser.add_argument("--weights", type=Path, default=weights, help="where to save the weights (.npz)")
    export_argument(parser)
    data_parallel_argument(parser)


def data_parallel_argument(parser: Any) -> None:
    """``--no-data-parallel``: in one process, do not cut each batch over the worker threads."""
    parser.add_argument(
        "--no-data-parallel", action="store_true",
        help="one process: do not cut each batch over the worker threads (nn.DataParallel)",
    )  # fmt: skip


def over_threads(model: Any, args: Any) -> Any:
    """``model`` in ``nn.DataParallel`` when the worker pool has several threads (unless --no-data-parallel).

    Each batch is cut over the worker threads, forward and backward run on
    each slice at once with a one-thread BLAS, and the gradients are summed:
    the same update (batch norm's statistics apart: per slice, as with
    ``mpiexec``), both cores busy for the whole step.
    """
    import tt_nn

    return tt_nn.DataParallel(model) if data_parallel_threads(args) else model


def data_parallel_threads(args: Any) -> int:
    """The threads :func:`over_threads` cuts each batch over: the worker pool's size, or 0 if it does not."""
    from tt_tensor import threads

    workers = threads.workers()
    return 0 if getattr(args, "no_data_parallel", False) or workers < 2 else workers


def export_argument(parser: Any) -> None:
    """``--export DIR``: also write the trained model as ``DIR/model.safetensors`` and ``DIR/model.onnx``."""
    parser.add_argument(
        "--export", type=Path, default=None, metavar="DIR",
        help="also write the model as DIR/model.safetensors and DIR/model.onnx (needs tinytorch[onnx])",
    )  # fmt: skip


def export_model(model: Any, example: Any, folder: Path, metadata: dict | None = None) -> list[Path]:
    """Write ``model`` as ``folder/model.safetensors`` (``metadata`` in its header) and ``model.onnx``.

    The ONNX graph is traced on ``example`` (a batch of inputs) with a dynamic
    batch axis: input ``input``, output ``output``. Returns both paths.
    """
    import tinytorch as tt  # the export extras, imported only when asked for

    folder.mkdir(parents=True, exist_ok=True)
    weights, graph = folder / "model.safetensors", folder / "model.onnx"
    tt.save(model.state_dict(), weights, metadata=metadata)
    batch = {"input": {0: "batch"}, "output": {0: "batch"}}
    tt.onnx.export(model, example, graph, input_names=["input"], output_names=["output"], dynamic_axes=batch)
    print(f"exported {weights} and {graph}")
    return [weights, graph]


def finish(
    number: str,
    *,
    args: Any,
    model: Any,
    plot: Any,
    figure: str,
    verdict: str,
    passed: bool,
    metrics: dict,
    wall_time_s: float,
    example: Any = None,
) -> int:
    """Save the weights (no pickle), the figure (``plot(path)``) and the record; print the verdict.

    With ``--export DIR`` the model is also written as safetensors and ONNX
    (:func:`export_model`, traced on ``example``). Returns the process exit
    code: 0 if the milestone passed.
    """
    from tt_optim import save  # the milestones' own dependency, imported where it is used

    args.weights.parent.mkdir(parents=True, exist_ok=True)
    save(model.state_dict(), args.weights)
    print(f"weights saved to {args.weights}")
    if getattr(args, "export", None) is not None:
        export_model(model, example, args.export, {"milestone": number, "verdict": verdict})
    figures = []
    if not args.no_plot and (saved := plot(args.out / figure)) is not None:
        print(f"figure saved to {saved}")
        figures.append(figure)
    write(
        number,
        verdict=verdict,
        passed=passed,
        metrics=metrics,
        figures=figures,
        out_dir=args.out,
        wall_time_s=wall_time_s,
    )
    print(verdict)
    return 0 if passed else 1
