"""``tt.onnx.export`` (issue #17): milestones 03-05's models run in ONNX Runtime with TinyTorch's outputs.

Each model is exported from a trace with a dynamic batch axis, checked by
``onnx.checker`` (with shape inference), run by ONNX Runtime on random inputs
of batch sizes other than the traced one, and compared with TinyTorch's own
forward pass (relative error ≤ 1e-4). Needs ``tinytorch[onnx]`` (onnx and
onnxruntime); the CI ``tests`` session installs it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
import tt_nn as nn
from tt_text import GPT, GPTConfig
from tt_text.functional import scaled_dot_product_attention
from tt_vision import AvgPool2d, BatchNorm2d, Conv2d, fuse_batch_norm_relu

import tinytorch as tt
from tinytorch.onnx import OnnxExporterError, UnsupportedOperatorError

ROOT = Path(__file__).resolve().parents[1]
BATCH = {"input": {0: "batch"}, "output": {0: "batch"}}


def milestone(name: str):
    """A milestone script loaded as a module (its build_* functions), with milestones/ importable."""
    sys.path.insert(0, str(ROOT / "milestones"))
    try:
        spec = importlib.util.spec_from_file_location(f"milestone_{name}", ROOT / "milestones" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "milestones"))
    return module


def reference(model, x: np.ndarray) -> np.ndarray:
    model.eval()
    with tt.no_grad():
        return model(tt.tensor(x)).numpy()


def run_onnx(path: Path, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def assert_close(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype
    error = np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-12)
    assert error <= 1e-4, f"relative error {error:.2e}"


def exported(model, example, path: Path, **options) -> onnx.ModelProto:
    tt.onnx.export(model, example, path, **options)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    return proto


def test_milestone_03_mlp(tmp_path):
    tt.manual_seed(0)
    model = milestone("03_mlp_mnist").build_mlp(28 * 28)
    path = tmp_path / "mlp.onnx"
    proto = exported(model, tt.randn(4, 1, 28, 28), path, dynamic_axes=BATCH)
    assert model.training  # put back in the mode it was in
    assert set(model.state_dict()) <= {i.name for i in proto.graph.initializer}  # under their own names
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    rng = np.random.default_rng(1)
    for batch in (1, 7):
        x = rng.standard_normal((batch, 1, 28, 28)).astype(np.float32)
        assert_close(run_onnx(path, {"input": x})[0], reference(model, x))


@pytest.mark.parametrize("fused", [None, "pair", "pool"])  # "pool": as milestone 04 trains it
def test_milestone_04_cnn_in_eval_mode(tmp_path, fused):
    tt.manual_seed(0)
    model = milestone("04_cnn_cifar10").build_cnn(3, 32)
    if fused:
        assert fuse_batch_norm_relu(model, max_pool=fused == "pool") == 3
    model.train()
    with tt.no_grad():
        model(tt.randn(16, 3, 32, 32) * 2 + 0.5)  # running statistics that are not the initial 0 and 1
    path = tmp_path / "cnn.onnx"
    exported(
        model,
        tt.randn(2, 3, 32, 32),
        path,
        input_names=["images"],
        output_names=["logits"],
        dynamic_axes={"images": {0: "n"}, "logits": {0: "n"}},
    )
    rng = np.random.default_rng(2)
    for batch in (1, 5):
        x = rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)
        assert_close(run_onnx(path, {"images": x})[0], reference(model, x))


@pytest.mark.parametrize("gelu, positional", [("tanh", "learned"), ("none", "sinusoidal")])
def test_milestone_05_gpt(tmp_path, gelu, positional):
    tt.manual_seed(0)
    config = GPTConfig(vocab_size=40, block_size=16, n_layer=2, n_head=2, n_embd=16, gelu_approximate=gelu,
                       positional=positional)  # fmt: skip
    model = GPT(config)
    path = tmp_path / "gpt.onnx"
    rng = np.random.default_rng(3)
    proto = exported(model, tt.tensor(rng.integers(0, 40, (2, 16))), path, dynamic_axes=BATCH)
    names = {i.name for i in proto.graph.initializer}
    assert "transformer.wte.weight" in names and "lm_head.weight" not in names  # tied: stored once
    for batch in (1, 3):
        ids = rng.integers(0, 40, (batch, 16))
        assert_close(run_onnx(path, {"input": ids})[0], reference(model, ids))


class Zoo(nn.Module):
    """The other exporters: strided/grouped/padded conv, avg pool, LayerNorm, attention with a mask, ..."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = Conv2d(4, 8, 3, stride=2, padding=(1, 2), groups=2)
        self.bn = BatchNorm2d(8)
        self.pool = AvgPool2d(2)
        self.norm = nn.LayerNorm(8)
        self.proj = nn.Linear(8, 8)

    def forward(self, x):
        y = self.pool(self.bn(self.conv(x)).relu())  # (B, 8, 2, 3)
        y = nn.functional.gelu(y.flatten(2).transpose(1, 2).reshape(-1, 2, 3, 8), approximate="tanh")
        y = self.norm(y)  # (B, 2, 3, 8) as (batch, heads, length, features)
        mask = np.array([[True, False, True], [True, True, False], [False, True, True]])
        attended = scaled_dot_product_attention(y, y, self.proj(y), attn_mask=mask)
        causal = scaled_dot_product_attention(y, y, y, is_causal=True)
        z = (attended + causal).permute(0, 2, 1, 3).sum(dim=-1) / 3.0 - self.proj(y).mean(
            dim=(2, 3)
        ).unsqueeze(1)
        return nn.functional.log_softmax(z, dim=-1), nn.functional.softmax(z, dim=1)


def test_every_layer_exporter_against_onnx_runtime(tmp_path):
    tt.manual_seed(0)
    model = Zoo()
    path = tmp_path / "zoo.onnx"
    axes = {"input": {0: "batch"}, "output_0": {0: "batch"}, "output_1": {0: "batch"}}
    proto = exported(model, tt.randn(2, 4, 8, 10), path, dynamic_axes=axes)
    ops = {node.op_type for node in proto.graph.node}
    assert {
        "Conv",
        "BatchNormalization",
        "AveragePool",
        "LayerNormalization",
        "Tanh",
        "Transpose",
        "Reshape",
        "Softmax",
        "LogSoftmax",
        "ReduceSum",
        "ReduceMean",
        "MatMul",
        "Where",
    } <= ops
    x = np.random.default_rng(4).standard_normal((3, 4, 8, 10)).astype(np.float32)
    model.eval()
    with tt.no_grad():
        want = [t.numpy() for t in model(tt.tensor(x))]
    for got, expected in zip(run_onnx(path, {"input": x}), want):
        assert_close(got, expected)


class Cumulative(nn.Module):
    def forward(self, x):
        return x.cumsum(1)


def test_an_op_without_exporter_is_named_with_its_layer(tmp_path):
    model = nn.Sequential(nn.Linear(3, 3), Cumulative())
    with pytest.raises(UnsupportedOperatorError, match=r"CumsumFunction, called in layer 1 \(Cumulative\)"):
        tt.onnx.export(model, tt.randn(2, 3), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


class NumpyInside(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 3)

    def forward(self, x):
        return self.linear(x) + np.tanh(x.numpy())  # computed outside TinyTorch's ops


def test_a_value_computed_outside_the_traced_ops_is_refused(tmp_path):
    with pytest.raises(OnnxExporterError, match=r"neither a model input, a parameter nor the result"):
        tt.onnx.export(NumpyInside(), tt.randn(2, 3), tmp_path / "m.onnx", dynamic_axes=BATCH)


def test_dynamic_axes_must_name_an_input_or_output(tmp_path):
    with pytest.raises(ValueError, match=r"dynamic_axes names \['x'\], which are neither inputs \['input'\]"):
        tt.onnx.export(nn.Linear(2, 2), tt.randn(1, 2), tmp_path / "m.onnx", dynamic_axes={"x": [0]})


def test_without_dynamic_axes_the_batch_is_fixed(tmp_path):
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 2))
    proto = exported(model, tt.randn(2, 3, 4), tmp_path / "fixed.onnx")
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [2, 3, 4]
    x = np.random.default_rng(5).standard_normal((2, 3, 4)).astype(np.float32)
    assert_close(run_onnx(tmp_path / "fixed.onnx", {"input": x})[0], reference(model, x))


class Primitives(nn.Module):
    """The tt-autograd primitives' exporters, and the activations and pools the milestones do not use."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(5, 5)
        self.gate = nn.Linear(5, 5, bias=False)

    def forward(self, x):  # x: (B, 5)
        h = self.linear(x)
        a = nn.functional.leaky_relu(h, 0.1) + nn.functional.silu(h) - (-h).exp() / 4 + (h * h + 1).log()
        b = (h.abs() + 1).sqrt().reciprocal() ** 2 + h.sin() * h.cos() + h.sigmoid().tanh()
        c = tt.maximum(a, b).clamp(min=-2.0, max=3.0) - tt.minimum(a, b)
        c = c.masked_fill(np.array([True, False, False, True, False]), 0.5)
        c = tt.where(np.array([True, False, True, True, False]), c, self.gate(c))  # (h > 0 records no op)
        picked = c.index_select(1, np.array([4, 0, 2]))  # (B, 3)
        wide = tt.cat([picked, c.amax(dim=1, keepdim=True), c.logsumexp(dim=1, keepdim=True)], dim=1)
        grid = tt.stack([wide, wide * 2], dim=1).unsqueeze(-1).expand(-1, 2, 5, 4)  # (B, 2, 5, 4)
        functional = tt.nn.functional
        pooled = functional.max_pool2d(grid, 2, ceil_mode=True).sum(dim=(2, 3))  # windows (B, 2, 3, 2)
        pooled = pooled + functional.adaptive_avg_pool2d(grid, 1).flatten(1)
        pooled = pooled + functional.avg_pool2d(grid, 2, padding=1, count_include_pad=False).mean(dim=(2, 3))
        return (pooled + grid.amax(dim=(1, 2)).sum(dim=1, keepdim=True)).double()


def test_every_primitive_exporter_against_onnx_runtime(tmp_path):
    tt.manual_seed(0)
    model = Primitives()
    path = tmp_path / "primitives.onnx"
    exported(model, tt.randn(3, 5), path, dynamic_axes=BATCH)
    x = np.random.default_rng(6).standard_normal((4, 5)).astype(np.float32)
    assert_close(run_onnx(path, {"input": x})[0], reference(model, x))
