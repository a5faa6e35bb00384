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
    [(torch, "torch", "fft"), (nn, "torch.nn", "PixelShuffle"), (F, "torch.nn.functional", "grid_sample")],
)
def test_an_unsupported_name_says_so(namespace, prefix, name):
    with pytest.raises(AttributeError, match=rf"^{prefix}\.{name} is not part of TinyTorch\. .*coverage"):
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
    assert torch.autograd.Function is torch.Function
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
    scaler = torch.cuda.amp.GradScaler(enabled=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss = model(torch.ones(1, 2)).sum()
    assert scaler.scale(loss) is loss
    scaler.scale(loss).backward()
    before = model.bias.detach().clone()
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    assert model.bias.item() == pytest.approx(before.item() - 0.5)  # d(loss)/d(bias) = 1
    with pytest.warns(UserWarning, match="CUDA is not available"):
        assert torch.cuda.amp.GradScaler().is_enabled() is False


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
