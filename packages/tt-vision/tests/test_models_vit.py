"""tt_vision.models' Vision Transformer against torchvision 0.28's: counts, keys, attention, init, errors.

Parameter counts are torchvision's published ``meta["num_params"]`` (at 224×224); the attention
is checked against multi-head attention written here in NumPy. Not course material.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
from tt_vision.models import VisionTransformer, list_models, vit_b_16, vit_b_32, vit_h_14, vit_l_16, vit_l_32
from tt_vision.models import vision_transformer as vit_module
from tt_vision.models.vision_transformer import (
    ConvStemConfig,
    EncoderBlock,
    EncoderSelfAttention,
    MLPBlock,
)


def count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def tiny(**kwargs) -> VisionTransformer:
    options = {"image_size": 8, "patch_size": 4, "num_layers": 2, "num_heads": 2, "hidden_dim": 8}
    return VisionTransformer(**{**options, "mlp_dim": 16, **kwargs})


def formula_count(
    patch: int, layers: int, width: int, mlp: int, image: int = 224, classes: int = 1000
) -> int:
    """ViT's parameters by hand: patch convolution, class token, position embedding, per layer two norms,
    the attention's (3D x D) + 3D input and D x D + D output projections and the MLP; final norm, head."""
    tokens = (image // patch) ** 2 + 1
    per_layer = 2 * width + 3 * width * width + 3 * width + width * width + width + 2 * width
    per_layer += width * mlp + mlp + mlp * width + width
    embed = 3 * patch * patch * width + width + width + tokens * width
    return embed + layers * per_layer + 2 * width + width * classes + classes


def recorded(monkeypatch, build, **kwargs) -> dict:
    """The arguments ``build`` hands to VisionTransformer (without building it: vit_h_14 has 632M
    parameters); it must return the model."""
    calls, model = [], object()

    def record(**options):
        calls.append(options)
        return model

    monkeypatch.setattr(vit_module, "VisionTransformer", record)
    assert build(**kwargs) is model
    return calls[0]


def test_parameter_counts_are_torchvisions(monkeypatch):
    published = {
        vit_b_16: 86_567_656,
        vit_b_32: 88_224_232,
        vit_l_16: 304_326_632,
        vit_l_32: 306_535_400,
        vit_h_14: 632_045_800,
    }
    for build, expected in published.items():
        options = recorded(monkeypatch, build)
        shape = [options[k] for k in ("patch_size", "num_layers", "hidden_dim", "mlp_dim")]
        assert formula_count(*shape, image=options["image_size"]) == expected
    monkeypatch.undo()
    # built at 64x64: 5 tokens instead of torchvision's 50, the position embedding 45 x 768 smaller
    model_b_32 = vit_b_32(image_size=64)  # one build (~5 s) for the count, layout, keys and initialisation
    check_layout_and_state_dict_keys(model_b_32)
    check_initialisation(model_b_32)
    assert count(model_b_32) == formula_count(32, 12, 768, 3072, image=64) == 88_224_232 - 45 * 768
    assert count(tiny(num_classes=3)) == formula_count(4, 2, 8, 16, image=8, classes=3)


def test_builders_settings_and_registry(monkeypatch):
    settings = {
        vit_b_16: (16, 12, 12, 768, 3072),
        vit_b_32: (32, 12, 12, 768, 3072),
        vit_l_16: (16, 24, 16, 1024, 4096),
        vit_l_32: (32, 24, 16, 1024, 4096),
        vit_h_14: (14, 32, 16, 1280, 5120),
    }
    names = ("patch_size", "num_layers", "num_heads", "hidden_dim", "mlp_dim")
    for build, values in settings.items():
        assert recorded(monkeypatch, build) == {"image_size": 224, **dict(zip(names, values))}
    assert recorded(monkeypatch, vit_b_16, image_size=384, num_classes=5)["image_size"] == 384
    assert recorded(monkeypatch, vit_b_16, image_size=384, num_classes=5)["num_classes"] == 5
    assert list_models(include="vit_*") == ["vit_b_16", "vit_b_32", "vit_h_14", "vit_l_16", "vit_l_32"]


def check_layout_and_state_dict_keys(model):
    assert model.seq_length == 5 and model.encoder.pos_embedding.shape == (1, 5, 768)
    assert model.conv_proj.weight.shape == (768, 3, 32, 32) and model.conv_proj.stride == (32, 32)
    assert model.class_token.shape == (1, 1, 768) and model.heads.head.weight.shape == (1000, 768)
    layer = model.encoder.layers.encoder_layer_11
    assert layer.self_attention.in_proj_weight.shape == (2304, 768) and layer.self_attention.num_heads == 12
    assert type(layer.self_attention.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert [type(m).__name__ for m in layer.mlp] == ["Linear", "GELU", "Dropout", "Linear", "Dropout"]
    assert layer.ln_1.eps == 1e-6 and model.encoder.ln.eps == 1e-6
    keys = list(model.state_dict())
    assert keys[:16] == [
        "class_token",
        "conv_proj.weight",
        "conv_proj.bias",
        "encoder.pos_embedding",
        "encoder.layers.encoder_layer_0.ln_1.weight",
        "encoder.layers.encoder_layer_0.ln_1.bias",
        "encoder.layers.encoder_layer_0.self_attention.in_proj_weight",
        "encoder.layers.encoder_layer_0.self_attention.in_proj_bias",
        "encoder.layers.encoder_layer_0.self_attention.out_proj.weight",
        "encoder.layers.encoder_layer_0.self_attention.out_proj.bias",
        "encoder.layers.encoder_layer_0.ln_2.weight",
        "encoder.layers.encoder_layer_0.ln_2.bias",
        "encoder.layers.encoder_layer_0.mlp.0.weight",
        "encoder.layers.encoder_layer_0.mlp.0.bias",
        "encoder.layers.encoder_layer_0.mlp.3.weight",
        "encoder.layers.encoder_layer_0.mlp.3.bias",
    ]
    assert keys[-4:] == ["encoder.ln.weight", "encoder.ln.bias", "heads.head.weight", "heads.head.bias"]
    assert len(keys) == 4 + 12 * 12 + 4


def multi_head_attention(x, in_w, in_b, out_w, out_b, heads):
    """PyTorch's MultiheadAttention(x, x, x) in NumPy, head by head."""
    width = x.shape[-1]
    d = width // heads
    q, k, v = np.split(x @ in_w.T + in_b, 3, axis=-1)
    out = np.zeros_like(x)
    for h in range(heads):
        part = slice(h * d, (h + 1) * d)
        scores = q[..., part] @ np.swapaxes(k[..., part], -1, -2) / math.sqrt(d)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        out[..., part] = weights / weights.sum(-1, keepdims=True) @ v[..., part]
    return out @ out_w.T + out_b


def test_self_attention_is_multi_head_attention(rng, leaf, check_grad):
    attn = EncoderSelfAttention(6, 3).double()
    with autograd.no_grad():
        for p in attn.parameters():
            p.copy_(autograd.tensor(rng.normal(size=tuple(p.shape))))
    x = rng.normal(size=(2, 5, 6))
    params = {k: v.detach().numpy() for k, v in attn.state_dict().items()}
    expected = multi_head_attention(x, params["in_proj_weight"], params["in_proj_bias"],
                                    params["out_proj.weight"], params["out_proj.bias"], 3)  # fmt: skip
    np.testing.assert_allclose(attn(autograd.tensor(x)).detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    check_grad(attn, leaf(1, 3, 6))


def test_self_attention_initialisation_and_dropout():
    attn = EncoderSelfAttention(64, 4, dropout=0.5)
    weight = attn.in_proj_weight.detach().numpy()
    bound = math.sqrt(6 / (64 + 192))  # xavier_uniform_ over the (3D, D) matrix
    assert weight.max() <= bound and weight.min() >= -bound and weight.max() > 0.95 * bound
    assert np.all(attn.in_proj_bias.detach().numpy() == 0) and np.all(
        attn.out_proj.bias.detach().numpy() == 0
    )
    assert np.abs(attn.out_proj.weight.detach().numpy()).max() <= 1 / 8  # a Linear's: U(+-1/sqrt(64))
    x = autograd.randn(2, 3, 64)
    attn.eval()
    first = attn(x).detach().numpy()
    np.testing.assert_array_equal(attn(x).detach().numpy(), first)
    attn.train()
    assert not np.allclose(attn(x).detach().numpy(), first)  # the weights' dropout is on in training
    assert tiny(attention_dropout=0.25).encoder.layers.encoder_layer_1.self_attention.dropout == 0.25


def test_encoder_block_is_pre_norm_residual(rng, leaf, check_grad):
    block = EncoderBlock(2, 8, 16, 0.0, 0.0).double().eval()
    x = autograd.tensor(rng.normal(size=(2, 3, 8)))
    h = x + block.self_attention(block.ln_1(x))
    expected = h + block.mlp(block.ln_2(h))
    np.testing.assert_allclose(block(x).detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    check_grad(block, leaf(1, 3, 8))
    dropped = EncoderBlock(2, 8, 16, 0.5, 0.0)
    assert dropped.dropout.p == 0.5 and dropped.mlp[2].p == 0.5 and dropped.mlp[4].p == 0.5


def test_forward_reads_the_class_token(rng):
    model = tiny(num_classes=3).double().eval()
    with autograd.no_grad():
        model.heads.head.weight.copy_(autograd.tensor(rng.normal(size=(3, 8))))
    x = autograd.tensor(rng.normal(size=(2, 3, 8, 8)))
    patches = model.conv_proj(x).reshape(2, 8, 4).permute(0, 2, 1)
    tokens = autograd.cat([model.class_token.expand(2, -1, -1), patches], dim=1)
    expected = model.heads(model.encoder(tokens)[:, 0])
    np.testing.assert_allclose(model(x).detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    # the patches are taken row by row: patch (0, 1) is token 2
    np.testing.assert_allclose(
        patches[:, 1].detach().numpy(), model.conv_proj(x)[:, :, 0, 1].detach().numpy()
    )


def test_forward_shapes_and_every_parameter_gets_a_gradient():
    model = tiny(num_classes=5, representation_size=6)
    with autograd.no_grad():
        model.heads.head.weight.fill_(0.1)  # zero at first: nothing would reach the layers below
    out = model(autograd.randn(2, 3, 8, 8))
    assert out.shape == (2, 5) and out.dtype == autograd.float32
    nn.functional.cross_entropy(out, autograd.tensor([0, 4])).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not np.any(p.grad.numpy())]
    assert missing == []
    assert [type(m).__name__ for m in model.heads] == ["Linear", "Tanh", "Linear"]
    assert list(model.heads._modules) == ["pre_logits", "act", "head"]


def check_initialisation(model):
    conv = model.conv_proj.weight.detach().numpy()
    assert abs(conv.std() / math.sqrt(1 / (3 * 32 * 32)) - 1) < 0.01 and np.all(
        model.conv_proj.bias.detach().numpy() == 0
    )
    assert abs(model.encoder.pos_embedding.detach().numpy().std() / 0.02 - 1) < 0.05
    assert np.all(model.class_token.detach().numpy() == 0)
    assert np.all(model.heads.head.weight.detach().numpy() == 0) and np.all(
        model.heads.head.bias.detach().numpy() == 0
    )
    assert np.all(model(autograd.randn(1, 3, 64, 64)).detach().numpy() == 0)  # a new model outputs zeros
    mlp = model.encoder.layers.encoder_layer_0.mlp
    bound = math.sqrt(6 / (768 + 3072))
    assert np.abs(mlp[0].weight.detach().numpy()).max() <= bound
    assert mlp[0].weight.detach().numpy().max() > 0.95 * bound
    bias = mlp[3].bias.detach().numpy()
    assert 0 < np.abs(bias).max() < 1e-5 and abs(bias.std() / 1e-6 - 1) < 0.2
    head = tiny(representation_size=64, hidden_dim=256, num_heads=4).heads
    assert abs(head.pre_logits.weight.detach().numpy().std() / math.sqrt(1 / 256) - 1) < 0.05
    assert np.all(head.pre_logits.bias.detach().numpy() == 0)


def test_conv_stem():
    stem = [ConvStemConfig(4, 3, 2), ConvStemConfig(6, 3, 2, activation_layer=nn.ReLU6)]
    model = tiny(conv_stem_configs=stem)
    assert list(model.conv_proj._modules) == ["conv_bn_relu_0", "conv_bn_relu_1", "conv_last"]
    assert (
        model.conv_proj.conv_bn_relu_0[0].stride == (2, 2)
        and model.conv_proj.conv_bn_relu_0[0].out_channels == 4
    )
    assert type(model.conv_proj.conv_bn_relu_1[2]).__name__ == "ReLU6"
    assert type(model.conv_proj.conv_bn_relu_0[1]).__name__ == "BatchNorm2d"
    last = model.conv_proj.conv_last
    assert last.weight.shape == (8, 6, 1, 1) and np.all(last.bias.detach().numpy() == 0)
    wide = tiny(conv_stem_configs=[ConvStemConfig(16, 3, 4)], hidden_dim=512, num_heads=4)
    last = wide.conv_proj.conv_last.weight.detach().numpy()
    assert abs(last.std() / math.sqrt(2 / 512) - 1) < 0.05 and abs(last.mean()) < 0.01
    assert model(autograd.randn(2, 3, 8, 8)).shape == (2, 1000)


def test_mlp_block_loads_legacy_keys(rng):
    block = MLPBlock(4, 8, 0.0)
    legacy = {
        "linear_1.weight": rng.normal(size=(8, 4)),
        "linear_1.bias": rng.normal(size=8),
        "linear_2.weight": rng.normal(size=(4, 8)),
        "linear_2.bias": rng.normal(size=4),
    }
    block.load_state_dict({k: autograd.tensor(v, dtype=autograd.float32) for k, v in legacy.items()})
    np.testing.assert_allclose(block[0].weight.detach().numpy(), legacy["linear_1.weight"], rtol=1e-6)
    np.testing.assert_allclose(block[3].bias.detach().numpy(), legacy["linear_2.bias"], rtol=1e-6)
    saved = block.state_dict()
    assert saved._metadata[""]["version"] == 2 and list(saved) == ["0.weight", "0.bias", "3.weight", "3.bias"]
    MLPBlock(4, 8, 0.0).load_state_dict(saved)  # version 2: the keys are kept as they are
    legacy_named = {k.replace("0.", "linear_1.").replace("3.", "linear_2."): v for k, v in saved.items()}
    current = type(saved)(legacy_named)
    current._metadata = saved._metadata  # version 2 says the names are current: nothing is renamed
    with pytest.raises(RuntimeError, match="linear_1.weight"):
        MLPBlock(4, 8, 0.0).load_state_dict(current)


def test_bad_arguments():
    with pytest.raises(ValueError, match="image_size=30 is not divisible by patch_size=4"):
        tiny(image_size=30)
    with pytest.raises(ValueError, match="wrong image size 16x16; this model was built for 8x8"):
        tiny()(autograd.randn(1, 3, 16, 16))
    with pytest.raises(ValueError, match="wrong image size 8x4"):
        tiny()(autograd.randn(1, 3, 8, 4))
    with pytest.raises(ValueError, match=r"EncoderBlock: expected \(batch_size, seq_length, hidden_dim\)"):
        EncoderBlock(2, 8, 16, 0.0, 0.0)(autograd.randn(3, 8))
    with pytest.raises(ValueError, match=r"Encoder: expected .* got \(2, 5, 8, 1\)"):
        tiny().encoder(autograd.randn(2, 5, 8, 1))
    with pytest.raises(ValueError, match="embed_dim=8 must be divisible by num_heads=3"):
        tiny(num_heads=3)
    with pytest.raises(ValueError, match="vit_l_16: pretrained weights"):
        vit_l_16(weights="IMAGENET1K_V1")


def test_encoder_adds_the_position_embedding(rng):
    model = tiny().double().eval()
    encoder = model.encoder
    with autograd.no_grad():
        encoder.pos_embedding.copy_(autograd.tensor(rng.normal(size=(1, 5, 8))))
    x = autograd.tensor(rng.normal(size=(2, 5, 8)))
    expected = encoder.ln(encoder.layers(x + encoder.pos_embedding))
    np.testing.assert_allclose(encoder(x).detach().numpy(), expected.detach().numpy(), rtol=1e-12)


def test_options_reach_the_layers():
    model = tiny(
        dropout=0.1, attention_dropout=0.2, norm_layer=partial(nn.LayerNorm, eps=1e-3), num_classes=4
    )
    layer = model.encoder.layers.encoder_layer_1
    assert model.encoder.dropout.p == 0.1 and layer.dropout.p == 0.1 and layer.mlp[4].p == 0.1
    assert layer.self_attention.dropout == 0.2 and layer.num_heads == 2 and layer.mlp[0].out_features == 16
    assert all(m.eps == 1e-3 for m in model.modules() if isinstance(m, nn.LayerNorm))
    assert (model.dropout, model.attention_dropout, model.num_classes, model.mlp_dim) == (0.1, 0.2, 4, 16)
    assert model.representation_size is None and list(model.heads._modules) == ["head"]
    assert len(model.encoder.layers) == 2 and model.patch_size == 4 and model.image_size == 8
    bigger = tiny(image_size=12)  # 3 x 3 patches and the class token
    assert bigger.seq_length == 10 and bigger.encoder.pos_embedding.shape == (1, 10, 8)
    norm = partial(nn.LayerNorm, eps=1e-3)
    assert tiny(norm_layer=norm).norm_layer is norm and tiny(hidden_dim=16).hidden_dim == 16
