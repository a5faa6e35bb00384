"""Rprop, ASGD and Adafactor follow PyTorch's documented updates step for step.

The references transcribe into float64 NumPy the pseudo-code of each
optimizer's page in ``torch.optim`` (Rprop, Adafactor) or, for ASGD, which
has none, the update its page and the paper describe (Polyak & Juditsky, 1992),
with η and μ rounded to float32 as PyTorch keeps them. A few runs are also
pinned to the values PyTorch 2.13 gives.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_optim
from tt_optim import ASGD, Adafactor, Rprop
from tt_optim.adafactor import lerp_
from tt_optim.lr_scheduler import StepLR

STEPS = 8


def _schedule(lr, t):
    """The lr of step t (1-based): a number, or a list of one per step."""
    return lr[t - 1] if isinstance(lr, list) else lr


def rprop_reference(theta, grads, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    (eta_minus, eta_plus), (smallest, largest) = etas, step_sizes
    theta, prev, size, out = theta.copy(), np.zeros(theta.size), np.full(theta.size, _schedule(lr, 1)), []
    for gradient in grads:
        g = (-gradient if maximize else gradient).reshape(-1).copy()
        for i in range(theta.size):  # the page's loop over coordinates
            if prev[i] * g[i] > 0:
                size[i] = min(size[i] * eta_plus, largest)
            elif prev[i] * g[i] < 0:
                size[i] = max(size[i] * eta_minus, smallest)
                g[i] = 0
        theta = theta - (size * np.sign(g)).reshape(theta.shape)
        prev = g
        out.append(theta)
    return out


def asgd_reference(theta, grads, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False):
    eta, mu, average, out = float(np.float32(_schedule(lr, 1))), 1.0, np.zeros_like(theta), []
    for t, gradient in enumerate(grads, start=1):
        g = -gradient if maximize else gradient
        g = g + weight_decay * theta
        theta = theta * (1 - lambd * eta) - eta * g
        average = average + mu * (theta - average)
        eta = float(np.float32(_schedule(lr, t) / (1 + lambd * _schedule(lr, t) * t) ** alpha))
        mu = float(np.float32(1 / max(1, t - t0)))
        out.append((theta, average))
    return out


def adafactor_reference(theta, grads, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0,
                        maximize=False):  # fmt: skip
    eps1 = np.finfo(theta.dtype).eps if eps[0] is None else eps[0]
    rows, cols, variance, out = 0.0, 0.0, 0.0, []
    for t, gradient in enumerate(grads, start=1):
        g, rate = -gradient if maximize else gradient, _schedule(lr, t)
        beta2 = 1 - t**beta2_decay
        rho = min(rate, 1 / np.sqrt(t))
        step_size = max(eps[1], np.sqrt(np.mean(theta**2))) * rho
        theta = theta - rate * weight_decay * theta
        if theta.ndim > 1:  # the page's R·1_m and 1ᵀ_n·C, as means
            rows = beta2 * rows + (1 - beta2) * np.mean(g * g, axis=-1, keepdims=True)
            cols = beta2 * cols + (1 - beta2) * np.mean(g * g, axis=-2, keepdims=True)
            v = rows * cols / np.maximum(np.mean(rows, axis=-2, keepdims=True), eps1)
        else:
            variance = v = beta2 * variance + (1 - beta2) * g * g
        u = g / np.maximum(np.sqrt(v), eps1)
        u = u / max(1, np.sqrt(np.mean(u * u)) / d)
        theta = theta - step_size * u
        out.append(theta)
    return out


CASES = [
    (Rprop, rprop_reference, dict()),
    (Rprop, rprop_reference, dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),  # both bounds reached
    (Rprop, rprop_reference, dict(lr=0.05, etas=(0.7, 1.1), maximize=True)),
    (ASGD, asgd_reference, dict()),
    (
        ASGD,
        asgd_reference,
        dict(lr=0.1, lambd=0.1, alpha=0.5, t0=3, weight_decay=0.1),
    ),  # averaging from t = 4
    (ASGD, asgd_reference, dict(lr=0.05, lambd=0.5, alpha=1.0, t0=0, maximize=True)),  # μ ≠ 1 from t = 2
    (ASGD, asgd_reference, dict(lr=0.2, t0=-2.5, weight_decay=1.0)),
    (Adafactor, adafactor_reference, dict()),
    (
        Adafactor,
        adafactor_reference,
        dict(lr=0.3, beta2_decay=-0.5, eps=(1e-4, 0.5), d=1.5, weight_decay=0.1),
    ),
    (Adafactor, adafactor_reference, dict(lr=0.9, beta2_decay=0.0, eps=(0.5, 1e-3), d=3.0, maximize=True)),
    (Adafactor, adafactor_reference, dict(lr=0.05, weight_decay=1.0, d=1.2, eps=(0.3, 2.0))),
]


def _positions(out):
    return [step[0] if isinstance(step, tuple) else step for step in out]


@pytest.mark.parametrize(("optimizer_class", "reference", "settings"), CASES)
def test_matches_the_documented_update(optimizer_class, reference, settings, leaves, gradient_feed):
    params, start = leaves(
        (4, 3), (2, 3, 5), (3,), ()
    )  # matrices are factored (batched over dim 0), vectors not
    grads, install = gradient_feed(params, STEPS)
    optimizer = optimizer_class(params, **settings)
    expected = [reference(start[i], [g[i] for g in grads], **settings) for i in range(len(params))]
    for t in range(STEPS):
        install(t)
        optimizer.step()
        for i, p in enumerate(params):
            np.testing.assert_allclose(p.detach().numpy(), _positions(expected[i])[t], rtol=1e-10, atol=1e-12)
            if optimizer_class is ASGD:
                average = optimizer.state[p]["ax"].detach().numpy()
                np.testing.assert_allclose(average, expected[i][t][1], rtol=1e-10, atol=1e-12)
                if (
                    t + 1 <= settings.get("t0", 1e6) + 1
                ):  # μ = 1: PyTorch copies θ (no rounding of ā + (θ - ā))
                    np.testing.assert_array_equal(average, p.detach().numpy())
    assert optimizer.state[params[0]]["step"].item() == STEPS


# PyTorch 2.13's values (float64, 5 steps) from a scratch script:
#     w = torch.tensor(W0, requires_grad=True); b = torch.tensor(B0, requires_grad=True)
#     opt = torch.optim.<name>([w, b], **settings); 5 × (zero_grad, LOSS(w, b).backward(), step)
W0 = [[0.5, -1.0, 2.0], [1.5, -0.25, 0.75]]
B0 = [0.3, -0.7, 1.1]
TARGET = [[1.0, 0.0, -1.0], [0.5, 2.0, -0.5]]
PINNED = [
    (
        Rprop,
        dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.4)),
        [[1.3125, 0.21250000000000013, 0.7875],
         [0.28749999999999987, 0.9625000000000001, -0.4625000000000001]],
        [-0.9125000000000001, -1.9125, -0.11250000000000004],
    ),
    (
        ASGD,
        dict(lr=0.1, lambd=0.1, alpha=0.5, t0=2, weight_decay=0.1),
        [[0.7893421232848421, -0.2927192541926084, -0.057543987803321234],
         [0.7605701293831816, 1.2127851788289237, -0.10195180744981273]],
        [0.22110959942017702, -1.1562929482177906, 0.5201043665550815],
    ),
    (
        Adafactor,
        dict(lr=0.1, beta2_decay=-0.5, eps=(None, 1e-3), d=1.5, weight_decay=0.1),
        [[0.7527160248393726, -0.7029737664174098, 1.3321509733318428],
         [0.8341715243563907, 0.4304604291335194, 0.43225640144684224]],
        [0.06451328659552391, -1.0561583089846776, 0.7183517157963984],
    ),
]  # fmt: skip


def _loss(w, b):
    return ((w - autograd.tensor(TARGET)) ** 2).sum() + (b**3).sum() * 0.5


@pytest.mark.parametrize(("optimizer_class", "settings", "w_after", "b_after"), PINNED)
def test_matches_pytorch(optimizer_class, settings, w_after, b_after):
    w = autograd.tensor(W0, dtype=autograd.float64, requires_grad=True)
    b = autograd.tensor(B0, dtype=autograd.float64, requires_grad=True)
    optimizer = optimizer_class([w, b], **settings)
    for _ in range(5):
        optimizer.zero_grad()
        _loss(w, b).backward()
        optimizer.step()
    np.testing.assert_allclose(w.detach().numpy(), w_after, rtol=0, atol=1e-14)
    np.testing.assert_allclose(b.detach().numpy(), b_after, rtol=0, atol=1e-14)
    if optimizer_class is ASGD:  # PyTorch's state: the average and η, μ as float32 scalars
        state = optimizer.state[w]
        np.testing.assert_allclose(
            state["ax"].detach().numpy(),
            [[0.7728726282732222, -0.33297801977656816, 0.059572421168197956],
             [0.8026588388573213, 1.1295227318257344, -0.053458294360043075]],
            rtol=0, atol=1e-14,
        )  # fmt: skip
        assert (state["eta"].item(), state["mu"].item()) == (0.09759000688791275, 0.3333333432674408)
        assert state["eta"].array.dtype == state["mu"].array.dtype == np.float32


@pytest.mark.parametrize(
    "optimizer_class, settings",
    [(Rprop, dict(lr=0.1, etas=(0.3, 1.5))), (ASGD, dict(lr=0.1, t0=2)), (Adafactor, dict(weight_decay=0.1))],
)
def test_a_saved_state_resumes_identically(optimizer_class, settings, leaves, gradient_feed, tmp_path):
    params, start = leaves((4, 3), (2, 3, 5), (3,))
    grads, install = gradient_feed(params, STEPS)
    optimizer = optimizer_class(params, **settings)
    for t in range(STEPS):
        install(t)
        optimizer.step()
    straight = [p.detach().numpy().copy() for p in params]
    for p, value in zip(params, start):
        p.array[...] = value
    optimizer = optimizer_class(params, **settings)
    for t in range(STEPS // 2):
        install(t)
        optimizer.step()
    tt_optim.save(optimizer.state_dict(), tmp_path / "optimizer.pt")
    resumed = optimizer_class(params)  # the saved hyper-parameters replace the defaults
    resumed.load_state_dict(tt_optim.load(tmp_path / "optimizer.pt"))
    assert {key: value.shape for key, value in resumed.state[params[1]].items()} == {
        key: value.shape for key, value in optimizer.state[params[1]].items()
    }
    for t in range(STEPS // 2, STEPS):
        install(t)
        resumed.step()
    for p, expected in zip(params, straight):
        np.testing.assert_array_equal(p.detach().numpy(), expected)


def test_a_state_of_the_wrong_shape_is_refused(leaves, gradient_feed):
    params, _ = leaves((4, 3))
    _, install = gradient_feed(params, 1)
    optimizer = Adafactor(params)
    install(0)
    optimizer.step()
    saved = optimizer.state_dict()
    assert saved["state"][0]["row_var"].shape == (4, 1) and saved["state"][0]["col_var"].shape == (1, 3)
    saved["state"][0]["col_var"] = autograd.zeros(4, 1)
    with pytest.raises(ValueError, match=r"state 'col_var' of parameter 0 has shape \(4, 1\)"):
        Adafactor(params).load_state_dict(saved)


@pytest.mark.parametrize(
    ("optimizer_class", "reference", "settings"),
    [
        (ASGD, asgd_reference, dict(lr=0.1, lambd=0.5, t0=1)),
        (Adafactor, adafactor_reference, dict(lr=0.4, weight_decay=0.2)),
        (Rprop, rprop_reference, dict(lr=0.1)),  # lr is only the first step size: later changes do nothing
    ],
)
def test_an_lr_scheduler_drives_the_learning_rate(
    optimizer_class, reference, settings, leaves, gradient_feed
):
    params, start = leaves((3, 2), (4,))
    grads, install = gradient_feed(params, STEPS)
    optimizer = optimizer_class(params, **settings)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.1)
    rates = [settings["lr"] * 0.1 ** (t // 2) for t in range(STEPS)]
    expected = [reference(start[i], [g[i] for g in grads], **{**settings, "lr": rates}) for i in range(2)]
    for t in range(STEPS):
        install(t)
        optimizer.step()
        scheduler.step()
        for i, p in enumerate(params):
            np.testing.assert_allclose(p.detach().numpy(), _positions(expected[i])[t], rtol=1e-10, atol=1e-12)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(rates[-1] * 0.1)


def test_the_state_follows_pytorchs_dtypes(leaves, gradient_feed):
    params, _ = leaves((3, 2), (2,), dtype=np.float32)
    _, install = gradient_feed(params, 2)
    for optimizer_class in (Rprop, ASGD, Adafactor):
        optimizer = optimizer_class(params)
        for t in range(2):
            install(t)
            optimizer.step()
        assert all(p.array.dtype == np.float32 for p in params)
        assert {s.array.dtype for s in optimizer.state[params[0]].values()} == {np.dtype(np.float32)}
    previous = autograd.get_default_dtype()
    autograd.set_default_dtype(autograd.float64)  # PyTorch's scalar state follows the default dtype
    try:
        optimizer = ASGD(params)
        install(0)
        optimizer.step()
    finally:
        autograd.set_default_dtype(previous)
    state = optimizer.state[params[0]]
    assert state["step"].array.dtype == state["eta"].array.dtype == state["mu"].array.dtype == np.float64
    assert state["ax"].array.dtype == np.float32


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        (0.25, [409.5742382348219, 65.58986302122727, 49.10416437581798, -69.1911941946646]),
        (0.5, [817.1075573482588, 133.73539107376874, 97.79022990491018, -137.81461878320127]),
        (0.75, [1224.6408764616954, 201.88091912631018, 146.4762954340024, -206.43804337173793]),
    ],
)
def test_adafactors_averages_round_as_pytorchs_lerp(weight, expected):
    # torch.lerp's values (PyTorch 2.13, from a scratch script): start + w(end - start) below w = 0.5,
    # end - (end - start)(1 - w) from 0.5 on; each formula rounds some of these four differently
    start = np.array([2.0409191213851825, -2.5556650313141818, 0.41809884672577885, -0.5677696061279298])
    end = np.array([1632.1741955751322, 270.02644717885164, 195.16236096309459, -275.0614679602746])
    lerp_(start, end, weight)
    np.testing.assert_array_equal(start, expected)


def test_adafactor_on_float16_takes_float16s_eps(rng):
    # Computed in float32 like every float16 update here, but ε₁ = None means finfo(float16).eps as in
    # PyTorch: with gradients of 1e-4 the floor √ε₁² (1e-3) shrinks the update tenfold
    results, starts = {}, [rng.standard_normal(shape).astype(np.float16) for shape in ((3, 4), (4,))]
    for eps1 in (None, float(np.finfo(np.float16).eps), float(np.finfo(np.float32).eps)):
        params = [autograd.tensor(v, requires_grad=True) for v in starts]
        optimizer = Adafactor(params, lr=0.1, eps=(eps1, 1e-3))
        for _ in range(3):
            for p in params:
                p.grad = autograd.full(p.shape, 1e-4, dtype=autograd.float16)
            optimizer.step()
        assert all(s.array.dtype == np.float32 for s in optimizer.state[params[1]].values())
        results[eps1] = [p.detach().numpy().copy() for p in params]
    (taken, float16, float32) = results.values()
    for a, b, c in zip(taken, float16, float32):
        np.testing.assert_array_equal(a, b)
        assert np.any(a != c)


def test_adafactor_factors_the_last_two_dimensions(leaves, gradient_feed):
    params, _ = leaves((2, 3, 5), (5,), ())
    _, install = gradient_feed(params, 1)
    optimizer = Adafactor(params)
    install(0)
    optimizer.step()
    assert {key: value.shape for key, value in optimizer.state[params[0]].items()} == {
        "step": (), "row_var": (2, 3, 1), "col_var": (2, 1, 5)
    }  # fmt: skip
    assert set(optimizer.state[params[1]]) == set(optimizer.state[params[2]]) == {"step", "variance"}


def test_rprop_skips_a_coordinate_whose_sign_flipped():
    w = autograd.tensor([1.0, 1.0, 1.0], dtype=autograd.float64, requires_grad=True)
    optimizer = Rprop([w], lr=0.1, etas=(0.5, 2.0))
    for gradient in ([1.0, 1.0, 0.0], [1.0, -1.0, 2.0], [1.0, 3.0, 2.0]):
        w.grad = autograd.tensor(gradient, dtype=autograd.float64)
        optimizer.step()
    # coordinate 0: steps 0.1, 0.2, 0.4; 1: 0.1, skipped (size 0.05), then 0.05 as prev was zeroed;
    # 2: no step (sign 0), 0.1, 0.2
    np.testing.assert_allclose(w.detach().numpy(), [0.3, 0.85, 0.7], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(optimizer.state[w]["prev"].detach().numpy(), [1.0, 3.0, 2.0])
    np.testing.assert_allclose(optimizer.state[w]["step_size"].detach().numpy(), [0.4, 0.05, 0.2])


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: Rprop(p, lr=-0.1), ValueError, "Rprop: invalid learning rate -0.1: it must be >= 0"),
        (lambda p: Rprop(p, etas=(1.0, 1.2)), ValueError, "Rprop: invalid eta values 1.0, 1.2"),
        (lambda p: Rprop(p, etas=(0.5, 0.9)), ValueError, "Rprop: invalid eta values 0.5, 0.9"),
        (lambda p: Rprop(p, etas=(0.0, 1.2)), ValueError, "Rprop: invalid eta values 0.0, 1.2"),
        (lambda p: Rprop(p, etas=(0.5, 1.0)), ValueError, "Rprop: invalid eta values 0.5, 1.0"),
        (lambda p: Rprop(p, etas=0.5), TypeError, "Rprop: etas must be a pair of floats, got 0.5"),
        (lambda p: Rprop(p, step_sizes=(1e-6,)), TypeError, r"Rprop: step_sizes must be a pair of floats"),
        (lambda p: Rprop(p, step_sizes=("a", 1)), TypeError, r"Rprop: step_sizes\[0\] must be a number"),
        (
            lambda p: Rprop(p, differentiable=True),
            NotImplementedError,
            r"Rprop: differentiable=True .* \(False\)",
        ),
        (lambda p: ASGD(p, lr=-1), ValueError, "ASGD: invalid learning rate -1: it must be >= 0"),
        (lambda p: ASGD(p, weight_decay=-1), ValueError, "ASGD: invalid weight_decay -1: it must be >= 0"),
        (lambda p: ASGD(p, t0="soon"), TypeError, "ASGD: t0 must be a number, got str"),
        (lambda p: ASGD(p, lambd=None), TypeError, "ASGD: lambd must be a number, got NoneType"),
        (lambda p: ASGD(p, alpha=True), TypeError, "ASGD: alpha must be a number, got bool"),
        (lambda p: ASGD(p, differentiable=True), NotImplementedError, "ASGD: differentiable=True"),
        (lambda p: Adafactor(p, lr=-1), ValueError, "Adafactor: invalid learning rate -1: it must be >= 0"),
        (
            lambda p: Adafactor(p, beta2_decay=0.1),
            ValueError,
            "Adafactor: invalid beta2_decay 0.1: it must be <= 0",
        ),
        (
            lambda p: Adafactor(p, eps=(-1e-3, 1e-3)),
            ValueError,
            "Adafactor: invalid eps1 -0.001: it must be >= 0",
        ),
        (lambda p: Adafactor(p, eps=(None, -1)), ValueError, "Adafactor: invalid eps2 -1: it must be >= 0"),
        (lambda p: Adafactor(p, eps=(1e-3, None)), TypeError, r"Adafactor: eps\[1\] must be a number"),
        (lambda p: Adafactor(p, eps=1e-3), TypeError, "Adafactor: eps must be a pair of floats"),
        (
            lambda p: Adafactor(p, eps=(None, "x")),
            TypeError,
            r"Adafactor: eps\[1\] must be a number, got str",
        ),
        (lambda p: Rprop(p, etas=(None, 1.2)), TypeError, r"Rprop: etas\[0\] must be a number, got NoneType"),
        (
            lambda p: Adafactor(p, d=0.5),
            ValueError,
            "Adafactor: invalid clipping threshold d 0.5: it must be >= 1",
        ),
        (lambda p: Adafactor(p, d="x"), TypeError, "Adafactor: d must be a number, got str"),
        (lambda p: Adafactor(p, weight_decay=-1), ValueError, "Adafactor: invalid weight_decay -1"),
    ],
)
def test_bad_settings_are_refused_by_name(make, error, message, leaves):
    params, _ = leaves((3,))
    with pytest.raises(error, match=message):
        make(params)


def test_the_defaults_are_pytorchs(leaves):
    params, _ = leaves((3,))
    assert Rprop(params, foreach=False).defaults == dict(
        lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False
    )
    assert ASGD(params, foreach=None).defaults == dict(
        lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False
    )
    assert Adafactor(params).defaults == dict(
        lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, maximize=False
    )
    assert (
        ASGD(params, 0.1, 0.2, 0.3, 4.0, 0.5, None, True).defaults["maximize"] is True
    )  # positional, as PyTorch's
