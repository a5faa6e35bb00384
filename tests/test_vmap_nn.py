"""``torch.func.vmap`` with torch.nn: per-sample gradients (PyTorch's tutorial) and nn.functional's rules.

Each result is compared with the same call made one sample at a time; the per-sample gradients also
with the gradient of each sample's loss taken alone (``torch.autograd.grad``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinytorch as torch
import tinytorch.nn.functional as F
from tinytorch.func import functional_call, grad, vmap

B = 4


def rand(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def close(got, want):
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)


def per_sample(func, *args, in_dims):
    size = next(a.shape[d] for a, d in zip(args, in_dims) if d is not None)
    return torch.stack(
        [func(*(a if d is None else a.select(d, i) for a, d in zip(args, in_dims))) for i in range(size)]
    )


def test_per_sample_gradients_of_an_mlp_as_in_pytorchs_tutorial():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    data, targets = rand(B, 5), torch.tensor([0, 2, 1, 2])
    names = tuple(params)

    def compute_loss(*args):
        *weights, sample, target = args
        prediction = functional_call(model, dict(zip(names, weights)), (sample.unsqueeze(0),))
        return F.cross_entropy(prediction, target.unsqueeze(0))

    argnums = tuple(range(len(names)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no per-sample fallback on the way
        grads = vmap(grad(compute_loss, argnums=argnums), in_dims=(None,) * len(names) + (0, 0))(
            *params.values(), data, targets
        )
    for position, name in enumerate(names):
        want = []
        for i in range(B):
            model.zero_grad()
            F.cross_entropy(model(data[i : i + 1]), targets[i : i + 1]).backward()
            want.append(dict(model.named_parameters())[name].grad)
        close(grads[position], torch.stack(want))


FUNCTIONAL = [
    lambda x: F.relu(x) + F.gelu(x) + F.tanh(x) * F.sigmoid(x),
    lambda x: F.gelu(x, approximate="tanh") + F.silu(x) + F.leaky_relu(x, 0.1) + F.softplus(x),
    lambda x: F.softmax(x, dim=-1),
    lambda x: F.log_softmax(x, dim=0),
    lambda x: F.linear(x, torch.ones(2, 3, dtype=torch.float64), torch.arange(2.0, dtype=torch.float64)),
    lambda x: F.normalize(x, dim=-1),
    lambda x: F.mse_loss(x, torch.zeros(2, 3, dtype=torch.float64)),
    lambda x: F.mse_loss(x, torch.ones(2, 3, dtype=torch.float64), reduction="none"),
    lambda x: F.layer_norm(x, (3,)),
    lambda x: F.layer_norm(
        x, (2, 3), torch.ones(2, 3, dtype=torch.float64), torch.zeros(2, 3, dtype=torch.float64)
    ),
    lambda x: F.rms_norm(x, (3,)),
    lambda x: x.index_select(1, torch.tensor([2, 0])),
]


@pytest.mark.parametrize("func", FUNCTIONAL)
def test_functional_rules(func):
    x = rand(B, 2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(func)(x)
    close(got, per_sample(func, x, in_dims=(0,)))


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"reduction": "sum"},
        {"reduction": "none"},
        {"weight": torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64)},
        {"ignore_index": 1},
        {"weight": torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64), "ignore_index": 0},
        {"label_smoothing": 0.1, "reduction": "sum"},
    ],
)
@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_class_index_losses(loss, options):
    if loss is F.nll_loss and "label_smoothing" in options:
        return
    logits, labels = rand(B, 5, 3), torch.tensor(np.random.default_rng(0).integers(0, 3, size=(B, 5)))
    func = lambda x, y: loss(x, y, **options)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(func)(logits, labels)
    close(got, per_sample(func, logits, labels, in_dims=(0, 0)))
    single = vmap(func)(logits[:, 0], labels[:, 0])  # one sample each: (C,) logits and a 0-d label
    close(single, per_sample(func, logits[:, 0], labels[:, 0], in_dims=(0, 0)))


def test_probability_targets_and_label_smoothing_with_mean():
    logits, probs = rand(B, 5, 3), F.softmax(rand(B, 5, 3), dim=-1)
    close(vmap(F.cross_entropy)(logits, probs), per_sample(F.cross_entropy, logits, probs, in_dims=(0, 0)))
    labels = torch.tensor(np.random.default_rng(1).integers(0, 3, size=(B, 5)))
    func = lambda x, y: F.cross_entropy(x, y, label_smoothing=0.2)  # noqa: E731
    with pytest.warns(UserWarning, match="no batching rule"):  # (mean with smoothing: the loop)
        got = vmap(func)(logits, labels)
    close(got, per_sample(func, logits, labels, in_dims=(0, 0)))


WEIGHT, BIAS, IMAGES = rand(4, 2, 3, 3), rand(4), rand(B, 2, 6, 6)
BATCHED = {  # what each case maps over, at dim 0 (batches of images, of (N, C, H, W) inputs, ...)
    "images": IMAGES,
    "batches": rand(B, 2, 2, 6, 6),
    "weights": rand(B, 4, 2, 3, 3),
    "biases": rand(B, 4),
}
CONV_AND_POOL = [
    (lambda image: F.conv2d(image.unsqueeze(0), WEIGHT, padding=1), "images"),  # the samples fold into N
    (lambda image: F.conv2d(image, WEIGHT, BIAS, stride=2), "images"),  # a (C, H, W) sample
    (lambda batch: F.conv2d(batch, WEIGHT, BIAS, padding="same", dilation=2), "batches"),
    (lambda image, w: F.conv2d(image, w, BIAS, padding=1), "images weights"),  # per-sample weights: groups
    (lambda w: F.conv2d(IMAGES[0], w), "weights"),  # an ensemble on one input
    (lambda batch, w: F.conv2d(batch, w[:, :1], groups=2), "batches weights"),  # groups within a sample
    (lambda b: F.conv2d(IMAGES[:2], WEIGHT, b, stride=(2, 1)), "biases"),  # only the bias batched
    (lambda image: F.max_pool2d(image, 2) + F.avg_pool2d(image, 3, 2, 1), "images"),
    (lambda batch: F.adaptive_avg_pool2d(batch, (2, 3)), "batches"),
]
TWEIGHT, TBIAS = rand(2, 3, 3, 3), rand(3)  # conv_transpose's (C_in, C_out / groups, kh, kw)
BATCHED.update(tweights=rand(B, 2, 3, 3, 2), tbiases=rand(B, 3), signals=rand(B, 2, 7))
BATCHED.update(volumes=rand(B, 2, 5, 4, 6), vbatches=rand(B, 2, 2, 5, 6, 4))  # (C, D, H, W), (N, C, D, H, W)
SAMPLES, SAMPLES3 = torch.rand(2, 2, 2, dtype=torch.float64), torch.rand(2, 2, 3, dtype=torch.float64)


def times_indices(pooled):
    """``(values, indices)`` of a pooling as one tensor that is wrong if either is."""
    values, indices = pooled
    return values * (indices + 1)


CONV_AND_POOL += [
    (
        lambda image: F.conv_transpose2d(image, TWEIGHT, TBIAS, stride=2, padding=1, output_padding=1),
        "images",
    ),
    (lambda batch: F.conv_transpose2d(batch, TWEIGHT, dilation=2), "batches"),
    (lambda image, w: F.conv_transpose2d(image, w, TBIAS, stride=(1, 2)), "images tweights"),
    (lambda batch, w, b: F.conv_transpose2d(batch, w, b.repeat(2), groups=2), "batches tweights tbiases"),
    (lambda b: F.conv_transpose2d(IMAGES[:2], TWEIGHT, b, padding=1), "tbiases"),  # only the bias batched
    (lambda signal: F.conv_transpose1d(signal, TWEIGHT[..., 0], TBIAS, stride=2), "signals"),  # (C, L)
    (lambda signal, w: F.conv_transpose1d(signal.unsqueeze(0), w[..., 0], padding=1), "signals tweights"),
    (lambda image: times_indices(F.max_pool2d(image, 2, return_indices=True)), "images"),
    (lambda batch: times_indices(F.max_pool2d(batch, 3, 2, 1, return_indices=True)), "batches"),
    (lambda batch: times_indices(F.adaptive_max_pool2d(batch, (2, 3), return_indices=True)), "batches"),
    (lambda image: times_indices(F.adaptive_max_pool2d(image, 4, return_indices=True)), "images"),
    (lambda batch: F.adaptive_max_pool2d(batch, (3, 2)), "batches"),  # (the same Function, no indices)
    (lambda signal: times_indices(F.max_pool1d(signal, 2, return_indices=True)), "signals"),
    (lambda batch: F.fractional_max_pool2d(batch, 2, output_size=3, _random_samples=SAMPLES), "batches"),
    (
        lambda image: times_indices(
            F.fractional_max_pool2d(
                image, (2, 3), output_ratio=0.5, return_indices=True, _random_samples=SAMPLES[:1]
            )
        ),
        "images",
    ),
    (
        lambda batch: times_indices(
            F.fractional_max_pool3d(
                batch[:, :, None].expand(2, 2, 4, 6, 6), 2, 2, return_indices=True, _random_samples=SAMPLES3
            )
        ),
        "batches",
    ),
    (lambda signal: times_indices(F.max_pool1d(signal[None], 3, 2, 1, return_indices=True)), "signals"),
    (lambda volume: times_indices(F.max_pool3d(volume, 2, (1, 2, 2), 1, return_indices=True)), "volumes"),
    (lambda batch: times_indices(F.max_pool3d(batch, (3, 2, 2), 2, 1, (1, 2, 1), True, True)), "vbatches"),
    (lambda volume: F.max_pool3d(volume, 3, 2), "volumes"),
    (lambda batch: times_indices(F.adaptive_max_pool3d(batch, (2, 3, 3), return_indices=True)), "vbatches"),
    (lambda volume: times_indices(F.adaptive_max_pool3d(volume, (3, 2, 4), return_indices=True)), "volumes"),
    (lambda batch: F.pad(batch, (1, 0, 2, 1), value=-1.0), "batches"),  # (constant padding's rule)
]


def squares(func):
    return lambda *args: func(*args).pow(2).sum()


@pytest.mark.parametrize("func, mapped", CONV_AND_POOL)
def test_convolution_and_pooling_rules_with_their_gradients(func, mapped):
    args = tuple(BATCHED[name] for name in mapped.split())
    dims = (0,) * len(args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a rule, not the per-sample loop
        got = vmap(func)(*args)
        grads = vmap(grad(squares(func), argnums=tuple(range(len(args)))))(*args)
    close(got, per_sample(func, *args, in_dims=dims))
    for position, got_grad in enumerate(grads):
        each = grad(squares(func), argnums=position)
        close(got_grad, torch.stack([each(*(a[i] for a in args)) for i in range(B)]))


def test_per_sample_gradients_of_a_small_cnn_without_a_loop():
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 3, 3, groups=1),
        torch.nn.Tanh(),
        torch.nn.Flatten(),
        torch.nn.Linear(3, 5),
    ).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    images, labels = rand(B, 1, 6, 6), torch.tensor([0, 4, 2, 4])

    names = tuple(params)

    def compute_loss(*args):
        *weights, image, label = args
        prediction = functional_call(model, dict(zip(names, weights)), (image.unsqueeze(0),))
        return F.cross_entropy(prediction, label.unsqueeze(0))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every op of the CNN has a batching rule
        grads = vmap(
            grad(compute_loss, argnums=tuple(range(len(names)))), in_dims=(None,) * len(names) + (0, 0)
        )(*params.values(), images, labels)
    for got, parameter in zip(grads, model.parameters()):
        want = []
        for i in range(B):
            model.zero_grad()
            F.cross_entropy(model(images[i : i + 1]), labels[i : i + 1]).backward()
            want.append(parameter.grad.clone())
        close(got, torch.stack(want))


def test_embedding():
    table, tokens = rand(10, 3), torch.tensor(np.random.default_rng(2).integers(0, 10, size=(B, 5)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        close(vmap(lambda ids: F.embedding(ids, table))(tokens), table[tokens])


def test_dropout_randomness():
    x = torch.ones(B, 50, dtype=torch.float64)
    with pytest.raises(RuntimeError, match=r"randomness error mode.*\(the random operation: dropout\(\)\)"):
        vmap(lambda v: F.dropout(v, 0.5))(x)
    torch.manual_seed(0)
    same = vmap(lambda v: F.dropout(v, 0.5), randomness="same")(x).numpy()
    assert same.shape == (B, 50)
    assert np.all(same == same[:1]) and 0 < (same == 0).sum() < same.size
    different = vmap(lambda v: F.dropout(v, 0.5), randomness="different")(x).numpy()
    assert different.shape == (B, 50)
    assert not np.all(different == different[:1])
    assert set(np.unique(different)) <= {0.0, 2.0}


def test_tinytorch_vmap_is_torch_func_vmap():
    assert torch.vmap is vmap
    assert "vmap" in torch.func.__all__


def test_batched_weights_of_layer_norm_and_embedding_loop_over_the_samples():
    x, weights = rand(B, 2, 3), rand(B, 3)
    func = lambda v, w: F.layer_norm(v, (3,), w)  # noqa: E731
    with pytest.warns(UserWarning, match="no batching rule for NativeLayerNorm"):
        close(vmap(func)(x, weights), per_sample(func, x, weights, in_dims=(0, 0)))
    tables, tokens = rand(B, 10, 3), torch.tensor(np.random.default_rng(3).integers(0, 10, size=(B, 5)))
    with pytest.warns(UserWarning, match="no batching rule for Embedding"):
        close(vmap(F.embedding)(tokens, tables), per_sample(F.embedding, tokens, tables, in_dims=(0, 0)))


def test_linear_with_batched_weights_or_bias_an_ensemble():
    x, weights, biases = rand(5, 3), rand(B, 2, 3), rand(B, 2)
    for func, args, dims in [
        (lambda w, b: F.linear(x, w, b), (weights, biases), (0, 0)),
        (lambda b: F.linear(x, weights[0], b), (biases,), (0,)),
        (lambda v, w: F.linear(v, w), (rand(B, 5, 3), weights), (0, 0)),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = vmap(func, in_dims=dims)(*args)
        close(got, per_sample(func, *args, in_dims=dims))


def test_class_losses_with_an_unbatched_side_and_probability_targets_with_extra_dims():
    logits, labels = rand(B, 5, 3), torch.tensor(np.random.default_rng(4).integers(0, 3, size=(B, 5)))
    for loss in (F.cross_entropy, F.nll_loss):
        for args, dims in [((logits, labels[0]), (0, None)), ((logits[0], labels), (None, 0))]:
            got = vmap(loss, in_dims=dims)(*args)
            close(got, per_sample(loss, *args, in_dims=dims))
    logits, probs = rand(B, 5, 3, 2), F.softmax(rand(B, 5, 3, 2), dim=2)
    func = lambda x, p: F.cross_entropy(x, p, reduction="none")  # noqa: E731
    close(vmap(func)(logits, probs), per_sample(func, logits, probs, in_dims=(0, 0)))


def test_fractional_max_pool_under_same_randomness_shares_one_draw_of_samples():
    batches = BATCHED["batches"]
    torch.manual_seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(lambda b: F.fractional_max_pool2d(b, 2, output_size=3), randomness="same")(batches)
    torch.manual_seed(3)
    shared = torch.rand(2, 2, 2, dtype=torch.float64)  # (the (N, C, 2) uniforms the pool draws)
    close(
        got,
        per_sample(lambda b: F.fractional_max_pool2d(b, 2, 3, _random_samples=shared), batches, in_dims=(0,)),
    )


def test_the_pick_along_depth_with_an_unbatched_maximum_expands_it_to_every_sample():
    from tt_vision.pooling_3d import PickAlongDepthFunction

    fixed = rand(2, 5, 3, 4)  # (C, D, H, W) maxima, not batched: the same for every sample
    valid = np.ones((2, 5), dtype=bool)

    def pick(volume):
        positions: list = []
        out = PickAlongDepthFunction.apply(volume[None], fixed[None], valid=valid, positions=positions)
        return out * (out.from_array(positions[0]) + 1)

    volumes = rand(B, 2, 5, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vmap(pick)(volumes)
        grads = vmap(grad(squares(pick)))(volumes)
    close(got, per_sample(pick, volumes, in_dims=(0,)))
    close(grads, torch.stack([grad(squares(pick))(v) for v in volumes]))
