"""Module 17: the inference plan (``optimize_for_inference``) computes what the module computes."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_perf.acceleration import InferencePlan, optimize_for_inference
from tt_perf.quantization import QuantizedConv2d, QuantizedLinear, quantize_weights
from tt_vision import BatchNorm2d, Conv2d, MaxPool2d, fuse_batch_norm_relu


def _with_statistics(model: nn.Module, rng: np.random.Generator) -> nn.Module:
    """Give every BatchNorm2d non-trivial statistics and affine parameters (negative scales too)."""
    for module in model.modules():
        if isinstance(module, BatchNorm2d):
            c = module.num_features
            module.running_mean.copy_(rng.normal(0, 0.5, c).astype(np.float32))
            module.running_var.copy_(rng.uniform(0.3, 2.0, c).astype(np.float32))
            module.weight.detach().copy_(rng.normal(0, 1.0, c).astype(np.float32))  # signs mixed
            module.bias.detach().copy_(rng.normal(0, 0.5, c).astype(np.float32))
    return model.eval()


def _cnn(rng, size: int = 12) -> nn.Module:
    model = nn.Sequential(
        Conv2d(3, 8, 3, padding=1, bias=False), BatchNorm2d(8), nn.ReLU(), MaxPool2d(2),
        Conv2d(8, 12, 3, padding=1), nn.ReLU(), MaxPool2d(3), nn.Dropout(0.5),
        nn.Flatten(), nn.Linear(12 * (size // 6) ** 2, 16), nn.ReLU(), nn.Linear(16, 5),
    )  # fmt: skip
    return _with_statistics(model, rng)


def _reference(model, x) -> np.ndarray:
    with autograd.no_grad():
        return model(autograd.from_numpy(x)).numpy()


@pytest.mark.parametrize("batch", [1, 5, 37])  # 37 > max_batch=16: run in chunks
def test_plan_equals_the_module_for_every_batch_size(rng, batch):
    model = _cnn(rng)
    plan = optimize_for_inference(model, max_batch=16)
    x = rng.normal(size=(batch, 3, 12, 12)).astype(np.float32)
    out = plan(autograd.from_numpy(x))
    assert isinstance(out, autograd.Tensor) and out.dtype == np.float32 and tuple(out.shape) == (batch, 5)
    assert not out.requires_grad
    np.testing.assert_allclose(out.numpy(), _reference(model, x), rtol=1e-5, atol=1e-5)
    assert [type(s).__name__ for s in plan.steps()] == ["ConvStep", "ConvStep", "FlattenStep", "LinearStep",
                                                       "LinearStep"]  # fmt: skip
    # batch norm folded, pool and ReLU fused; the model itself is unchanged
    assert plan.steps()[0].pool == 2 and plan.steps()[0].relu and plan.steps()[1].pool == 3
    assert isinstance(model[1], BatchNorm2d)
    assert tuple(plan(np.zeros((0, 3, 12, 12), np.float32)).shape) == (0, 5)  # an empty batch, as the module


@pytest.mark.parametrize("max_pool", [False, True])  # BatchNormReLU2d, or BatchNormReLUMaxPool2d
def test_a_model_with_fused_batch_norm_relu_plans_the_same_steps(rng, max_pool):
    model = _cnn(rng)
    fused = copy.deepcopy(model)
    assert fuse_batch_norm_relu(fused, max_pool=max_pool) == 1
    x = rng.normal(size=(4, 3, 12, 12)).astype(np.float32)
    plan = optimize_for_inference(fused)
    plain_steps = optimize_for_inference(model).steps()
    assert [type(s).__name__ for s in plan.steps()] == [type(s).__name__ for s in plain_steps]
    assert plan.steps()[0].relu and plan.steps()[0].pool == 2 and plan.steps()[1].pool == 3
    expected = _reference(model, x)
    np.testing.assert_allclose(plan(autograd.from_numpy(x)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_plan_handles_stride_dilation_and_no_padding_and_a_feature_map_output(rng):
    model = nn.Sequential(
        Conv2d(2, 4, 3, stride=2, padding=2, dilation=2), nn.ReLU(), Conv2d(4, 3, (2, 3), padding=(0, 1)),
        BatchNorm2d(3),
    )  # fmt: skip
    model = _with_statistics(model, rng)
    x = rng.normal(size=(3, 2, 11, 9)).astype(np.float32)
    np.testing.assert_allclose(
        optimize_for_inference(model)(x).numpy(), _reference(model, x), rtol=1e-5, atol=1e-5
    )
    flat = nn.Sequential(
        Conv2d(2, 4, 3), nn.ReLU(), nn.Flatten()
    ).eval()  # flattened in PyTorch's (C, H, W) order
    np.testing.assert_allclose(
        optimize_for_inference(flat)(x).numpy(), _reference(flat, x), rtol=1e-5, atol=1e-6
    )


def test_a_plan_result_is_never_overwritten_by_the_next_call(rng):
    plan = optimize_for_inference(_cnn(rng))
    a, b = (rng.normal(size=(1, 3, 12, 12)).astype(np.float32) for _ in range(2))
    first = plan(a).numpy().copy()
    kept = plan(a)
    plan(b)
    np.testing.assert_array_equal(kept.numpy(), first)


def test_qint8_storage_holds_int8_in_the_state_dict_and_computes_with_the_dequantized_weights(rng):
    model = _cnn(rng)
    plan = optimize_for_inference(model, weight_dtype="qint8")
    state = plan.state_dict()
    weights = {k: v.numpy() for k, v in state.items() if k.endswith("weight_int8")}
    assert len(weights) == 4 and all(w.dtype == np.int8 for w in weights.values())
    assert not any(k.endswith(".weight") for k in state)
    assert max(int(np.abs(w).max()) for w in weights.values()) >= 127  # the range is used
    float_plan = optimize_for_inference(model)
    ratio = sum(v.numpy().nbytes for v in float_plan.state_dict().values()) / sum(
        v.numpy().nbytes for v in state.values()
    )
    assert 3.0 < ratio < 4.0  # int8 weights; float32 biases and scales
    # the same function as the float model whose weights are quantize_weights' int8 ones
    x = rng.normal(size=(4, 3, 12, 12)).astype(np.float32)
    from tt_perf.quantization import fuse_conv_bn

    int8_model = quantize_weights(fuse_conv_bn(copy.deepcopy(model)))
    np.testing.assert_allclose(plan(x).numpy(), _reference(int8_model, x), rtol=1e-4, atol=1e-5)
    assert np.abs(plan(x).numpy() - float_plan(x).numpy()).max() > 1e-6  # it did round
    # re-storing a plan: float -> qint8 gives the same plan as planning with qint8 directly
    np.testing.assert_allclose(
        optimize_for_inference(float_plan, "qint8")(x).numpy(), plan(x).numpy(), atol=1e-6
    )


def test_weight_only_int8_layers_keep_their_integers(rng):
    model = nn.Sequential(Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 25, 4)).eval()
    int8 = quantize_weights(model)
    plan = optimize_for_inference(int8)
    assert isinstance(int8[0], QuantizedConv2d) and isinstance(int8[3], QuantizedLinear)
    conv_ints = plan.steps()[0].weight_int8.numpy().reshape(6, 3, 3, 3).transpose(0, 3, 1, 2)
    np.testing.assert_array_equal(conv_ints, int8[0].weight_int8.numpy())
    x = rng.normal(size=(2, 3, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(plan(x).numpy(), _reference(int8, x), rtol=1e-4, atol=1e-5)


def test_load_state_dict_refreshes_the_float_copies(rng):
    source, target = optimize_for_inference(_cnn(rng), "qint8"), optimize_for_inference(_cnn(rng), "qint8")
    x = rng.normal(size=(2, 3, 12, 12)).astype(np.float32)
    assert np.abs(source(x).numpy() - target(x).numpy()).max() > 1e-3
    target.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(target(x).numpy(), source(x).numpy())


def test_a_deep_copy_is_independent(rng):
    plan = optimize_for_inference(_cnn(rng))
    x = rng.normal(size=(1, 3, 12, 12)).astype(np.float32)
    before = plan(x).numpy().copy()
    twin = copy.deepcopy(plan)
    twin.steps()[-1].bias.copy_(np.full(5, 100.0, np.float32))
    np.testing.assert_array_equal(plan(x).numpy(), before)
    np.testing.assert_allclose(twin(x).numpy(), before - plan.steps()[-1].bias.numpy() + 100.0, atol=1e-4)


def test_layers_the_plan_does_not_compile_run_as_themselves(rng):
    model = nn.Sequential(
        Conv2d(4, 6, 3, padding=1, groups=2), BatchNorm2d(6), nn.GELU(), Conv2d(6, 5, 3), nn.ReLU(),
        MaxPool2d(2, stride=1), nn.Flatten(), nn.Linear(5 * 5 * 5, 3),
    )  # fmt: skip
    model = _with_statistics(model, rng)
    plan = optimize_for_inference(model)
    kinds = [type(s).__name__ for s in plan.steps()]
    compiled = ["ConvStep", "ToChannelsFirstStep", "ModuleStep", "FlattenStep", "LinearStep"]
    assert kinds == ["ModuleStep"] * 3 + compiled
    x = rng.normal(size=(3, 4, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(plan(x).numpy(), _reference(model, x), rtol=1e-5, atol=1e-5)
    # a static INT8 model: its integer layers keep their own kernels inside the plan
    from tt_perf.quantization import convert, prepare

    small = nn.Sequential(Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 16, 2)).eval()
    prepared = prepare(small)
    calibration = rng.normal(size=(8, 3, 6, 6)).astype(np.float32)
    with autograd.no_grad():
        prepared(autograd.from_numpy(calibration))
    static = convert(prepared)
    plan = optimize_for_inference(static)
    assert [type(s).__name__ for s in plan.steps()] == ["ModuleStep", "ReluStep", "FlattenStep", "ModuleStep"]
    np.testing.assert_allclose(
        plan(calibration).numpy(), _reference(static, calibration), rtol=1e-5, atol=1e-5
    )


def test_a_convolution_padding_by_another_mode_runs_as_itself(rng):
    model = nn.Sequential(Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), nn.ReLU()).eval()
    plan = optimize_for_inference(model)
    assert [type(s).__name__ for s in plan.steps()] == ["ModuleStep", "ReluStep"]
    x = rng.normal(size=(2, 3, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(plan(x).numpy(), _reference(model, x), rtol=1e-5, atol=1e-5)


def test_what_a_plan_cannot_do_is_refused_with_the_reason(rng):
    with pytest.raises(RuntimeError, match="eval"):
        optimize_for_inference(nn.Sequential(nn.Linear(2, 2)))
    with pytest.raises(TypeError, match="Sequential"):
        optimize_for_inference(nn.Linear(2, 2).eval())
    with pytest.raises(ValueError, match="weight_dtype"):
        optimize_for_inference(nn.Sequential(nn.Linear(3, 2)).eval(), weight_dtype="int4")
    with pytest.raises(ValueError, match="max_batch"):
        optimize_for_inference(nn.Sequential(nn.Linear(3, 2)).eval(), max_batch=0)
    plan = optimize_for_inference(nn.Sequential(Conv2d(3, 2, 3)).eval())
    assert isinstance(plan, InferencePlan)
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        plan(np.zeros((1, 4, 5, 5), np.float32))
    with pytest.raises(ValueError, match="too small"):
        plan(np.zeros((1, 3, 2, 2), np.float32))
