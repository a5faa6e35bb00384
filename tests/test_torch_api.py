"""The meta-package's torch surface (issue #16): unsupported names, ``autograd``, ``cuda``, ``device``.

A name TinyTorch lacks fails with an error that names it and says it is not
part of TinyTorch (with near names when there are some), never a bare
``AttributeError``; supported names are untouched by that hook.
"""

from __future__ import annotations

import pytest

import tinytorch as torch
import tinytorch.nn.functional as F
from tinytorch import nn


@pytest.mark.parametrize(
    ("namespace", "prefix", "name"),
    [
        (torch, "torch", "quantized_batch_norm"),
        (nn, "torch.nn", "CrossMapLRN2d"),
        (F, "torch.nn.functional", "conv_tbc"),
        (torch.linalg, "torch.linalg", "ldl_factor"),
        (torch.special, "torch.special", "airy_ai"),
    ],
)
def test_an_unsupported_name_says_so(namespace, prefix, name):
    with pytest.raises(AttributeError, match=rf"^{prefix}\.{name} is not part of TinyTorch[.;] .*coverage"):
        getattr(namespace, name)


def test_a_misspelt_name_gets_suggestions():
    with pytest.raises(
        AttributeError, match=r"torch\.topkk is not part of TinyTorch; did you mean torch\.topk\?"
    ):
        torch.topkk  # noqa: B018
    with pytest.raises(AttributeError, match=r"did you mean torch\.nn\.functional\.softplus"):
        F.softpluss  # noqa: B018
    assert not hasattr(torch, "no_such_thing")  # still an AttributeError for hasattr/getattr defaults


def test_autograd_namespace_and_cpu_only_device_helpers():
    from tinytorch.autograd import grad

    x = torch.tensor([3.0], requires_grad=True)
    assert grad((x * x).sum(), [x])[0].tolist() == [6.0]
    assert torch.autograd.Function is torch.Function is torch.autograd.function.Function  # on tensors
    from tinytorch.autograd.functional import hessian

    assert hessian(lambda x: (x**3).sum(), x).tolist() == [[18.0]]  # 6x at x = 3
    assert torch.autograd.functional.jacobian(lambda x: x * 2.0, x).tolist() == [[2.0]]
    with torch.autograd.set_detect_anomaly(True):  # the anomaly switches (tt_autograd.anomaly)
        assert torch.is_anomaly_enabled() and torch.is_anomaly_check_nan_enabled()
    assert not torch.is_anomaly_enabled() and callable(torch.autograd.detect_anomaly)
    assert torch.cuda.is_available() is False and torch.cuda.device_count() == 0
    assert torch.accelerator.is_available() is False and torch.accelerator.current_accelerator() is None
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert nn.Linear(2, 2).to(device).weight.shape == (2, 2)


def test_the_gpu_switches_of_a_training_script_are_harmless_no_ops():
    torch.backends.cuda.matmul.allow_tf32 = True  # nanoGPT's train.py sets these first
    torch.backends.cudnn.allow_tf32 = True
    assert torch.backends.mps.is_available() is False
    model = nn.Linear(2, 1)
    assert torch.compile(model) is model
    assert torch.compile(mode="max-autotune")(len) is len
    with pytest.warns(FutureWarning, match=r"Please use `torch.amp.GradScaler\('cuda', args...\)`"):
        scaler = torch.cuda.amp.GradScaler(enabled=False)  # deprecated in PyTorch too
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss = model(torch.ones(1, 2)).sum()
    assert scaler.scale(loss) is loss
    scaler.scale(loss).backward()
    before = model.bias.detach().clone()
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    assert model.bias.item() == pytest.approx(before.item() - 0.5)  # d(loss)/d(bias) = 1
    with pytest.warns(UserWarning, match="CUDA is not available"), pytest.warns(FutureWarning):
        assert torch.cuda.amp.GradScaler().is_enabled() is False
    assert isinstance(scaler, torch.amp.GradScaler)


def test_amp_custom_fwd_and_custom_bwd_run_a_functions_forward_and_backward_as_they_are():
    class Cube(torch.autograd.Function):
        @staticmethod
        @torch.amp.custom_fwd(device_type="cpu", cast_inputs=torch.float32)
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @torch.amp.custom_bwd(device_type="cpu")
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return (3 * x**2 * grad,)

    x = torch.tensor([2.0, -1.0], requires_grad=True)
    with torch.autocast("cpu", dtype=torch.float32):
        Cube.apply(x).sum().backward()
    assert x.grad.tolist() == [12.0, 3.0]
    assert Cube.forward.__name__ == "forward" and torch.amp.custom_bwd(len, device_type="cpu")([1]) == 1
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        torch.amp.custom_fwd(device_type=None)
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        torch.amp.custom_bwd(len, device_type=0)


def test_torch_load_takes_pytorchs_keywords(tmp_path):
    model = nn.Linear(3, 2)
    path = tmp_path / "model_weights.pth"
    torch.save(model.state_dict(), path)
    fresh = nn.Linear(3, 2)
    with torch.serialization.safe_globals([nn.Linear]):  # the word-language-model's idiom
        fresh.load_state_dict(torch.load(path, map_location=torch.device("cpu"), weights_only=True))
    assert fresh.weight.tolist() == model.weight.tolist() and fresh.bias.tolist() == model.bias.tolist()
    with pytest.raises(RuntimeError, match="load: map_location 'cuda:0' is not available"):
        torch.load(path, map_location="cuda:0")


def test_autocast_runs_its_block_as_is_and_says_so_once():
    import types
    import warnings

    lower = types.SimpleNamespace(name="float8_e4m3")  # a precision no other test asks for
    with pytest.warns(UserWarning, match="dtype=float8_e4m3.*no mixed precision"):
        with torch.autocast(device_type="cpu", dtype=lower):
            y = torch.ones(2, 3) @ torch.ones(3, 2)
    assert y.dtype == torch.float32 and float(y.sum()) == 12.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per dtype; float32 never warns
        with torch.amp.autocast(device_type="cpu", dtype=lower), torch.autocast("cpu", torch.float32):
            pass

    @torch.autocast("cpu", dtype=torch.float32)
    def double(x):
        return x * 2

    assert double(torch.ones(2)).tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="device_type must be a string"):
        torch.autocast(3)


def test_bfloat16_can_be_named_but_not_used():
    ptdtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}["float32"]  # nanoGPT's lookup
    assert ptdtype is torch.float32 and "bfloat16" in repr(torch.bfloat16)
    with pytest.raises(TypeError, match="NumPy has no bfloat16; use tinytorch.float32"):
        torch.zeros(2, dtype=torch.bfloat16)


def test_legacy_typed_constructors():
    ids = torch.LongTensor([3, 1, 2])
    assert ids.dtype == torch.int64 and ids.tolist() == [3, 1, 2]
    empty = torch.FloatTensor(2, 3)
    assert empty.dtype == torch.float32 and empty.shape == (2, 3)
    with pytest.raises(TypeError, match="LongTensor: expected data"):
        torch.LongTensor(2, "x")
