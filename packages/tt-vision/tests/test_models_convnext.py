"""tt_vision.models' ConvNeXt against torchvision 0.28's: counts, structure, blocks, initialisation, errors.

Parameter counts are torchvision's published ``meta["num_params"]``; the layer layout and the
stochastic-depth rule are read from its source. Values are checked against NumPy written here.
Not course material.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision import Conv2d
from tt_vision.models import (
    CNBlock,
    CNBlockConfig,
    ConvNeXt,
    LayerNorm2d,
    convnext_base,
    convnext_large,
    convnext_small,
    convnext_tiny,
    get_model,
    list_models,
)
from tt_vision.models import convnext as convnext_module


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def small_setting() -> list[CNBlockConfig]:
    return [CNBlockConfig(8, 16, 1), CNBlockConfig(16, None, 2)]


def formula_count(stages: list[tuple[int, int | None, int]], num_classes: int = 1000) -> int:
    """ConvNeXt's parameters by hand: stem conv 4x4 + norm; per block a 7x7 depthwise conv, a norm, two
    Linear layers C <-> 4C and the layer scale; per downsampling a norm and a 2x2 conv; norm and head."""
    first = stages[0][0]
    total = 3 * 16 * first + first + 2 * first
    for width, following, blocks in stages:
        # 49C + C (depthwise), 2C (norm), 4C² + 4C and 4C² + C (Linear layers), C (layer scale)
        total += blocks * (8 * width * width + 58 * width)
        if following is not None:
            total += 2 * width + 4 * width * following + following
    last = stages[-1][1] or stages[-1][0]
    return total + 2 * last + last * num_classes + num_classes


def recorded_setting(monkeypatch, build, **kwargs) -> tuple[list[tuple[int, int | None, int]], dict]:
    """The stages and arguments ``build`` hands to ConvNeXt (without building it: convnext_large takes
    ~1 min); it must return the model."""
    calls, model = [], object()

    def record(block_setting, **options):
        calls.append(([(c.input_channels, c.out_channels, c.num_layers) for c in block_setting], options))
        return model

    monkeypatch.setattr(convnext_module, "ConvNeXt", record)
    assert build(**kwargs) is model
    return calls[0]


def test_parameter_counts_are_torchvisions(monkeypatch):
    tiny = convnext_tiny()
    assert count(tiny) == 28_589_128 == formula_count(recorded_setting(monkeypatch, convnext_tiny)[0])
    published = {convnext_small: 50_223_688, convnext_base: 88_591_464, convnext_large: 197_767_336}
    for build, expected in published.items():
        assert formula_count(recorded_setting(monkeypatch, build)[0]) == expected
    # the models themselves are built and counted in test_models_family_c_sizes.py


def test_builders_settings_and_registry(monkeypatch):
    probabilities = {convnext_tiny: 0.1, convnext_small: 0.4, convnext_base: 0.5, convnext_large: 0.5}
    for build, probability in probabilities.items():
        assert recorded_setting(monkeypatch, build)[1] == {"stochastic_depth_prob": probability}
    stages, options = recorded_setting(monkeypatch, convnext_large, stochastic_depth_prob=0.2, num_classes=3)
    assert stages == [(192, 384, 3), (384, 768, 3), (768, 1536, 27), (1536, None, 3)]
    assert options == {"stochastic_depth_prob": 0.2, "num_classes": 3}
    assert recorded_setting(monkeypatch, convnext_base)[0][0] == (128, 256, 3)
    monkeypatch.undo()
    assert list_models(include="convnext*") == [
        "convnext_base",
        "convnext_large",
        "convnext_small",
        "convnext_tiny",
    ]
    assert type(get_model("convnext_tiny", num_classes=3)).__name__ == "ConvNeXt"


def test_tiny_layout_and_state_dict_keys():
    model = convnext_tiny(num_classes=10)
    kinds = [type(m).__name__ for m in model.features]
    assert kinds == ["Conv2dNormActivation"] + ["Sequential"] * 7
    assert [len(model.features[i]) for i in (1, 3, 5, 7)] == [3, 3, 9, 3]
    stem = model.features[0]
    assert [type(m).__name__ for m in stem] == ["Conv2d", "LayerNorm2d"]
    assert stem[0].weight.shape == (96, 3, 4, 4) and stem[0].stride == (4, 4) and stem[0].bias is not None
    assert stem[0].padding == (0, 0)  # non-overlapping 4x4 patches
    assert stem[1].eps == 1e-6 and stem[1].normalized_shape == (96,)
    down = model.features[6]
    assert type(down[0]).__name__ == "LayerNorm2d" and down[1].weight.shape == (768, 384, 2, 2)
    assert down[1].stride == (2, 2)
    block = model.features[7][2]
    kinds = [type(m).__name__ for m in block.block]
    assert kinds == ["Conv2d", "Permute", "LayerNorm", "Linear", "GELU", "Linear", "Permute"]
    assert block.block[0].weight.shape == (768, 1, 7, 7) and block.block[0].padding == (3, 3)
    assert block.block[2].eps == 1e-6 and block.block[3].weight.shape == (3072, 768)
    assert block.block[1].dims == [0, 2, 3, 1] and block.block[6].dims == [0, 3, 1, 2]
    keys = list(model.state_dict())
    assert keys[:5] == [
        "features.0.0.weight",
        "features.0.0.bias",
        "features.0.1.weight",
        "features.0.1.bias",
        "features.1.0.layer_scale",
    ]
    assert keys[-6:] == [
        "features.7.2.block.5.weight",
        "features.7.2.block.5.bias",
        "classifier.0.weight",
        "classifier.0.bias",
        "classifier.2.weight",
        "classifier.2.bias",
    ]
    assert len(keys) == 4 + 18 * 9 + 3 * 4 + 4  # stem, blocks, downsampling layers, classifier
    assert type(model.classifier[1]).__name__ == "Flatten" and model.classifier[2].weight.shape == (10, 768)


def test_stochastic_depth_grows_linearly_over_all_blocks():
    model = convnext_tiny()
    blocks = [b for i in (1, 3, 5, 7) for b in model.features[i]]
    probabilities = [b.stochastic_depth.p for b in blocks]
    np.testing.assert_allclose(probabilities, 0.1 * np.arange(18) / 17, rtol=1e-12, atol=0)
    assert all(b.stochastic_depth.mode == "row" for b in blocks)
    assert [b.stochastic_depth.p for b in model.features[7]][-1] == pytest.approx(0.1)
    custom = ConvNeXt(small_setting(), stochastic_depth_prob=0.3)
    assert [b.stochastic_depth.p for i in (1, 3) for b in custom.features[i]] == pytest.approx(
        [0.0, 0.15, 0.3]
    )


def test_layer_scale_parameter():
    model = ConvNeXt(small_setting())
    scale = model.features[3][1].layer_scale
    assert isinstance(scale, nn.Parameter) and scale.shape == (16, 1, 1)
    assert np.all(scale.detach().numpy() == np.float32(1e-6))
    other = ConvNeXt(small_setting(), layer_scale=0.5)
    assert np.all(other.features[1][0].layer_scale.detach().numpy() == 0.5)


def layer_norm_channels(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight[:, None, None] + bias[:, None, None]


def test_layer_norm_2d_normalises_each_pixel_over_channels(rng, leaf, check_grad):
    norm = LayerNorm2d(5, eps=1e-6).double()
    with autograd.no_grad():
        norm.weight.copy_(autograd.tensor(rng.uniform(0.5, 1.5, 5)))
        norm.bias.copy_(autograd.tensor(rng.normal(size=5)))
    x = rng.normal(size=(2, 5, 3, 4))
    expected = layer_norm_channels(x, norm.weight.detach().numpy(), norm.bias.detach().numpy(), 1e-6)
    np.testing.assert_allclose(norm(autograd.tensor(x)).detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    check_grad(norm, leaf(2, 5, 3, 2))


def gelu(x: np.ndarray) -> np.ndarray:
    from math import erf

    return x * 0.5 * (1 + np.vectorize(erf)(x / np.sqrt(2)))


def test_block_computes_residual_of_scaled_branch(rng):
    dim = 3
    block = CNBlock(dim, layer_scale=0.7, stochastic_depth_prob=0.0).double().eval()
    for p in block.parameters():
        with autograd.no_grad():
            p.copy_(autograd.tensor(rng.normal(size=tuple(p.shape))))
    params = {k: v.detach().numpy() for k, v in block.state_dict().items()}
    x = rng.normal(size=(2, dim, 5, 6))
    padded = np.pad(x, ((0, 0), (0, 0), (3, 3), (3, 3)))
    kernel = params["block.0.weight"][:, 0]  # (C, 7, 7)
    conv = (
        sum(
            padded[:, :, i : i + 5, j : j + 6] * kernel[None, :, i, j, None, None]
            for i in range(7)
            for j in range(7)
        )
        + params["block.0.bias"][None, :, None, None]
    )
    normed = layer_norm_channels(conv, params["block.2.weight"], params["block.2.bias"], 1e-6)
    last = normed.transpose(0, 2, 3, 1)
    hidden = gelu(last @ params["block.3.weight"].T + params["block.3.bias"])
    branch = (hidden @ params["block.5.weight"].T + params["block.5.bias"]).transpose(0, 3, 1, 2)
    expected = x + params["layer_scale"] * branch
    np.testing.assert_allclose(block(autograd.tensor(x)).detach().numpy(), expected, rtol=1e-9, atol=1e-10)


def test_block_gradient_matches_finite_differences(leaf, check_grad):
    block = CNBlock(2, layer_scale=0.5, stochastic_depth_prob=0.0).double()
    check_grad(block, leaf(1, 2, 3, 3))


def test_stochastic_depth_drops_the_branch_not_the_input():
    block = CNBlock(4, layer_scale=1.0, stochastic_depth_prob=1.0)
    x = autograd.randn(3, 4, 5, 5)
    np.testing.assert_array_equal(block.train()(x).detach().numpy(), x.numpy())
    assert not np.allclose(block.eval()(x).detach().numpy(), x.numpy())


def test_forward_shapes_and_every_parameter_gets_a_gradient():
    model = ConvNeXt(small_setting(), num_classes=5, layer_scale=0.5)
    x = autograd.randn(2, 3, 16, 16)
    assert model.features(x).shape == (2, 16, 2, 2)
    out = model(x)
    assert out.shape == (2, 5) and out.dtype == autograd.float32
    nn.functional.cross_entropy(out, autograd.tensor([0, 4])).backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not np.any(p.grad.numpy())]
    assert missing == []
    assert convnext_tiny(num_classes=10)(autograd.randn(1, 3, 32, 32)).shape == (1, 10)


def test_initialisation_follows_torchvision():
    model = convnext_tiny()
    linear = model.features[5][0].block[3].weight.detach().numpy()  # 1536 x 384
    assert abs(linear.std() / 0.02 - 1) < 0.01 and abs(linear.mean()) < 0.0005
    for module in model.modules():
        if isinstance(module, (Conv2d, nn.Linear)):
            assert np.all(module.bias.detach().numpy() == 0)
            assert np.abs(module.weight.detach().numpy()).max() < 0.02 * 6
    stem = model.features[0][0].weight.detach().numpy()
    assert abs(stem.std() / 0.02 - 1) < 0.1
    norms = [m for m in model.modules() if isinstance(m, nn.LayerNorm)]
    assert len(norms) == 1 + 18 + 3 + 1
    assert all(np.all(m.weight.detach().numpy() == 1) and np.all(m.bias.detach().numpy() == 0) for m in norms)


def test_options_and_bad_arguments():
    assert (
        repr(CNBlockConfig(96, None, 3))
        == "CNBlockConfig(input_channels=96, out_channels=None, num_layers=3)"
    )
    grouped = ConvNeXt(small_setting(), norm_layer=lambda c: nn.GroupNorm(1, c))
    assert (
        type(grouped.classifier[0]).__name__ == "GroupNorm"
        and type(grouped.features[2][0]).__name__ == "GroupNorm"
    )
    assert ConvNeXt([CNBlockConfig(8, 12, 1), CNBlockConfig(12, 20, 1)]).classifier[2].in_features == 20
    with pytest.raises(ValueError, match="should not be empty"):
        ConvNeXt([])
    with pytest.raises(TypeError, match="List\\[CNBlockConfig\\]"):
        ConvNeXt([(8, None, 1)])
    with pytest.raises(ValueError, match="convnext_small: pretrained weights"):
        convnext_small(weights="DEFAULT")
    with pytest.raises(TypeError):
        convnext_tiny(None)
