"""Shared fixtures of the cross-package tests."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def offline_datasets() -> Path | None:
    """The folder of real datasets: ``$TINYTORCH_DATA``, else ``../shared/datasets`` beside the checkout."""
    for candidate in (os.environ.get("TINYTORCH_DATA"), ROOT.parent / "shared" / "datasets"):
        if candidate and (Path(candidate) / "mnist.npz").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The offline datasets; a clear failure (never a skip) when they are not there."""
    found = offline_datasets()
    if found is None:
        pytest.fail(
            "no offline datasets: set TINYTORCH_DATA to the folder holding mnist.npz, cifar10.npz "
            "and tinyshakespeare.txt (../shared/datasets on these machines; .ci/run does it)"
        )
    return found


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    given = os.environ.get("TT_DOCS_SITE")
    if given:
        path = Path(given)
        if not (path / "index.html").is_file():
            pytest.fail(f"TT_DOCS_SITE={given} holds no built site: run mkdocs build first")
        return path
    if importlib.util.find_spec("mkdocs") is None:
        pytest.fail("mkdocs is not installed: pip install -e '.[docs]'", pytrace=False)
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    if result.returncode:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}")
    return out


@pytest.fixture
def check_export():
    """A check of a milestone's ``--export DIR`` (issue #17): both files load and agree with the .npz weights.

    ``check(folder, npz)``: ``folder/model.safetensors`` holds exactly the arrays
    of the ``.npz`` checkpoint ``npz`` (bit for bit); ``folder/model.onnx``
    passes ``onnx.checker`` and ONNX Runtime runs it on a batch of 3 (the
    traced batch was 2: the batch axis is dynamic). Needs ``tinytorch[onnx]``.
    """
    import numpy as np
    import onnx
    import onnxruntime

    import tinytorch as tt

    def check(folder: Path, npz: Path) -> None:
        weights = tt.load(folder / "model.safetensors")
        with np.load(npz, allow_pickle=False) as saved:
            entries = {name: saved[name] for name in saved.files if name != "__metadata__"}
        assert sorted(weights) == sorted(entries)
        for name, array in entries.items():
            assert weights[name].array.tobytes() == array.tobytes(), name
        proto = onnx.load(str(folder / "model.onnx"))
        onnx.checker.check_model(proto, full_check=True)
        (graph_input,) = proto.graph.input
        dims = [3] + [d.dim_value for d in graph_input.type.tensor_type.shape.dim[1:]]
        integer = graph_input.type.tensor_type.elem_type == onnx.TensorProto.INT64
        rng = np.random.default_rng(0)
        feed = rng.integers(0, 2, dims) if integer else rng.standard_normal(dims).astype(np.float32)
        session = onnxruntime.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
        (output,) = session.run(None, {graph_input.name: feed})
        assert output.shape[0] == 3 and np.isfinite(output).all()

    return check
