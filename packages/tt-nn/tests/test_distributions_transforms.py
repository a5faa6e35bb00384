"""Transforms (``torch.distributions.transforms``): maps, inverses, log-Jacobians, caching, equality.

Not course material (outside any solution region), so no module number. Every
``log_abs_det_jacobian`` is checked against the log-determinant of the Jacobian that
autograd computes (``autograd.functional.jacobian``, float64), block by block over the
event dims; the maps against NumPy formulas; one value per class pinned from PyTorch 2.13.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.functional_ad import jacobian
from tt_nn.distributions import constraints
from tt_nn.distributions.transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    IndependentTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
    Transform,
    identity_transform,
)


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def autograd_log_det(transform: Transform, x: np.ndarray, event_dim: int) -> np.ndarray:
    """``log |det dy/dx|`` per event of ``x`` (events of ``event_dim`` dims) from autograd's full Jacobian.

    The Jacobian of the whole batch must be block-diagonal (events do not mix); each block's
    log-determinant is one entry.
    """
    batch = x.shape[: x.ndim - event_dim]
    n, size = int(np.prod(batch)), x.size
    jac = jacobian(lambda v: transform(v).reshape(-1), f64(x)).numpy().reshape(size, size)
    blocks = jac.reshape(n, size // n, n, size // n)
    for b in range(n):
        off = np.delete(blocks[b], b, axis=1)
        np.testing.assert_array_equal(off, 0.0, err_msg=f"{transform!r}: event {b} depends on other events")
    return np.array([np.linalg.slogdet(blocks[b, :, b, :])[1] for b in range(n)]).reshape(batch)


X = np.array([[-1.3, 0.2, 2.5], [0.7, -0.4, 1.1]])
ELEMENTWISE = [
    (ExpTransform(), X, np.exp(X)),
    (PowerTransform(f64(2.5)), np.abs(X), np.abs(X) ** 2.5),  # a number becomes a float32 tensor, as PyTorch
    (PowerTransform(f64([0.5, -2.0, 1.5])), np.abs(X), np.abs(X) ** np.array([0.5, -2.0, 1.5])),
    (SigmoidTransform(), X, 1 / (1 + np.exp(-X))),
    (TanhTransform(), X, np.tanh(X)),
    (SoftplusTransform(), X, np.log1p(np.exp(X))),
    (AffineTransform(0.3, -2.0), X, 0.3 - 2.0 * X),
    (AffineTransform(f64([1.0, 0.0, -1.0]), f64([[2.0, -0.5, 3.0]])), X, [1.0, 0.0, -1.0] + X * [2, -0.5, 3]),
]  # fmt: skip


@pytest.mark.parametrize(
    "transform, x, y", ELEMENTWISE, ids=lambda v: repr(v) if isinstance(v, Transform) else ""
)
def test_elementwise_maps_inverses_and_log_det(transform, x, y):
    out = transform(f64(x))
    np.testing.assert_allclose(out.numpy(), y, rtol=1e-12)
    np.testing.assert_allclose(transform.inv(out).numpy(), x, rtol=1e-10)
    log_det = transform.log_abs_det_jacobian(f64(x), out).numpy()
    assert log_det.shape == x.shape
    np.testing.assert_allclose(log_det, autograd_log_det(transform, x, 0), rtol=1e-10, atol=1e-12)
    # the inverse's log-Jacobian is minus the forward's, at the swapped pair
    np.testing.assert_allclose(transform.inv.log_abs_det_jacobian(out, f64(x)).numpy(), -log_det, rtol=1e-12)
    assert transform.bijective and transform.event_dim == 0 and transform.inv.inv is transform


def test_pinned_pytorch_values():
    x = f64([-1.3, 0.2, 2.5])
    # torch 2.13, float64 (scratch script): t.log_abs_det_jacobian(x, t(x)) for x = [-1.3, 0.2, 2.5]
    pinned = {
        SigmoidTransform(): [-1.7820169076659844, -1.3962777387631835, -2.6577794685850993],
        TanhTransform(): [-1.3569950228154495, -0.03973614368001466, -3.6271363358583453],
        SoftplusTransform(): [-1.5410084538329922, -0.5981388693815918, -0.07888973429254963],
        AffineTransform(0.3, f64(-2.0)): [0.6931471805599453] * 3,
        ExpTransform(): [-1.3, 0.2, 2.5],
    }
    for transform, expected in pinned.items():
        np.testing.assert_allclose(
            transform.log_abs_det_jacobian(x, transform(x)).numpy(), expected, rtol=1e-12
        )
    power = PowerTransform(f64(2.5))  # on |x|
    np.testing.assert_allclose(
        power.log_abs_det_jacobian(x.abs(), power(x.abs())).numpy(),
        [1.3098371285753918, -1.4978661367769954, 2.2907268296853878],
        rtol=1e-12,
    )
    # torch 2.13: TanhTransform's log-Jacobian at 20 (where 1 - tanh(20)**2 rounds to 0)
    tanh = TanhTransform()
    assert tanh.log_abs_det_jacobian(f64(20.0), tanh(f64(20.0))).item() == pytest.approx(
        -38.61370563888011, rel=1e-12
    )


def test_stable_tails_and_clamped_sigmoid():
    x = f64([-40.0, 40.0])
    # log(1 - tanh²x) = log 4 - 2|x| - 2 log(1 + exp(-2|x|)): finite where tanh rounds to ±1
    tanh = TanhTransform()
    np.testing.assert_allclose(tanh.log_abs_det_jacobian(x, tanh(x)).numpy(), math.log(4) - 80.0, rtol=1e-12)
    sigmoid = SigmoidTransform()
    y = sigmoid(f64([-800.0, 800.0]))  # clamped to [tiny, 1 - eps], so its inverse stays finite
    info = np.finfo(np.float64)
    np.testing.assert_array_equal(y.numpy(), [info.tiny, 1 - info.eps])
    assert np.isfinite(sigmoid.inv(y).numpy()).all()
    np.testing.assert_array_equal(sigmoid.inv(f64([0.0, 1.0])).numpy(), sigmoid.inv(y).numpy())
    assert np.isinf(tanh.inv(f64([1.0])).numpy()).all()  # not clamped, as PyTorch
    np.testing.assert_allclose(
        SoftplusTransform().inv(f64([1e-8, 50.0])).numpy(), [math.log(1e-8), 50.0], rtol=1e-7
    )


def test_signs():
    assert ExpTransform().sign == 1 and TanhTransform().sign == 1 and SigmoidTransform().sign == 1
    assert AffineTransform(0.0, -2.0).sign == -1 and AffineTransform(0.0, 3.0).sign == 1
    assert AffineTransform(0.0, 0.0).sign == 0
    assert AffineTransform(0.0, 0.5).sign == 1 and AffineTransform(0.0, -0.5).sign == -1
    np.testing.assert_array_equal(AffineTransform(0.0, f64([-2.0, 3.0])).sign.numpy(), [-1.0, 1.0])
    np.testing.assert_array_equal(PowerTransform(f64([-2.0, 0.5])).sign.numpy(), [-1.0, 1.0])
    assert AffineTransform(0.0, -2.0).inv.sign == -1
    assert (
        ComposeTransform([AffineTransform(0.0, -2.0), ExpTransform(), AffineTransform(1.0, -1.0)]).sign == 1
    )
    assert ComposeTransform([ExpTransform(), AffineTransform(0.0, -2.0)]).sign == -1
    for transform in (AbsTransform(), ReshapeTransform((2,), (2, 1)), Transform()):
        with pytest.raises(NotImplementedError, match="has no sign"):
            transform.sign


def test_cache():
    x = f64([0.3, -0.2])
    cached, plain = TanhTransform(cache_size=1), TanhTransform()
    y = cached(x)
    assert cached(x) is y and cached.inv(y) is x  # the same objects back
    assert plain.inv(plain(x)) is not x
    z = f64([0.5])
    assert cached.inv(z) is not None and cached(cached.inv(z)) is z  # inverse calls fill the cache too
    with pytest.raises(ValueError, match="cache_size must be 0 or 1, got 2"):
        ExpTransform(cache_size=2)
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        AffineTransform(0.0, 1.0, cache_size=True)
    # with_cache: itself when unchanged, a new equal transform otherwise
    assert cached.with_cache(1) is cached and plain.with_cache(0) is plain
    assert plain.with_cache(1)._cache_size == 1 and plain.with_cache() == plain
    assert plain.inv.with_cache(1)._cache_size == 1 and plain.inv.with_cache(1) == plain.inv
    affine = AffineTransform(1.0, f64([2.0, 3.0]), event_dim=1).with_cache()
    assert affine._cache_size == 1 and affine.event_dim == 1
    power = PowerTransform(-2.0)  # a number exponent becomes a default-dtype tensor, as PyTorch's
    assert power.with_cache()._cache_size == 1 and power.with_cache(0) is power
    assert isinstance(power.exponent, autograd.Tensor)
    assert power.exponent.dtype == autograd.get_default_dtype()
    assert power.sign.item() == -1.0
    assert ReshapeTransform((2,), (1, 2)).with_cache().forward_shape((2,)) == (1, 2)
    independent = IndependentTransform(ExpTransform(), 1).with_cache()
    assert independent.base_transform._cache_size == 1
    compose = ComposeTransform([ExpTransform(), AffineTransform(0.0, 2.0)], cache_size=1)
    assert all(part._cache_size == 1 for part in compose.parts)
    assert compose.with_cache(1) is compose and compose.with_cache(0).parts == compose.parts

    class Shift(Transform):
        def __init__(self, by: float) -> None:
            super().__init__()
            self.by = by

    with pytest.raises(NotImplementedError, match="Shift.with_cache"):
        Shift(1.0).with_cache()


def test_equality():
    assert ExpTransform() == ExpTransform() and ExpTransform() != TanhTransform()
    assert ExpTransform().inv == ExpTransform().inv and ExpTransform().inv != ExpTransform()
    assert AffineTransform(1.0, 2.0) == AffineTransform(1.0, 2.0) != AffineTransform(1.0, 3.0)
    assert AffineTransform(f64([1.0, 2.0]), 2.0) == AffineTransform(f64([1.0, 2.0]), f64(2.0))
    assert AffineTransform(f64([1.0, 2.0]), 2.0) != AffineTransform(f64([1.0, 3.0]), 2.0)
    assert (AffineTransform(f64([1.0, 2.0]), 2.0) == AffineTransform(f64([1.0, 2.0, 3.0]), 2.0)) is False
    assert PowerTransform(2.0) == PowerTransform(f64(2.0)) != PowerTransform(3.0)
    # a tensor parameter against a number: one bool, True where every entry equals it (torch 2.13)
    assert (PowerTransform(f64([2.0, 2.0])) == PowerTransform(2.0)) is True
    assert (PowerTransform(f64([2.0, 3.0])) == PowerTransform(2.0)) is False
    assert (AffineTransform(0.0, f64([1.0, 2.0])) == AffineTransform(0.0, 1.0)) is False
    assert AbsTransform() == AbsTransform() != ExpTransform()
    assert ComposeTransform([ExpTransform(), TanhTransform()]) == ComposeTransform(
        [ExpTransform(), TanhTransform()]
    )
    assert ComposeTransform([ExpTransform()]) != ComposeTransform([TanhTransform()])
    assert Transform() != Transform()  # the base compares by identity
    assert len({ExpTransform(), ExpTransform()}) == 2  # hashable, by identity as PyTorch


def test_event_dims_and_errors():
    assert AffineTransform(0.0, 1.0, event_dim=2).domain.event_dim == 2
    assert repr(AffineTransform(0.0, 1.0, event_dim=1).codomain) == "IndependentConstraint(Real(), 1)"
    reshape = ReshapeTransform((6,), (2, 3))
    with pytest.raises(ValueError, match="use .domain.event_dim or .codomain.event_dim"):
        reshape.event_dim
    with pytest.raises(ValueError, match="different numbers of elements"):
        ReshapeTransform((6,), (2, 2))
    for event_dim in (-1, True, 1.0):
        with pytest.raises(ValueError, match="event_dim must be an int >= 0"):
            AffineTransform(0.0, 1.0, event_dim=event_dim)
    with pytest.raises(TypeError, match="loc must be a number or a tensor, got str"):
        AffineTransform("0", 1.0)
    with pytest.raises(TypeError, match="scale must be a number or a tensor, got list"):
        AffineTransform(0.0, [1.0])
    with pytest.raises(TypeError, match="exponent must be a number or a tensor"):
        PowerTransform("2")
    with pytest.raises(TypeError, match="parts must be a list of Transforms"):
        ComposeTransform([ExpTransform, TanhTransform()])
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims must be an int >= 0"):
        IndependentTransform(ExpTransform(), -1)
    with pytest.raises(TypeError, match="base_transform must be a Transform"):
        IndependentTransform(np.exp, 1)
    with pytest.raises(ValueError, match="too few dimensions on input"):
        IndependentTransform(ExpTransform(), 2)(f64([1.0]))
    with pytest.raises(ValueError, match="too few dimensions on input"):
        IndependentTransform(ExpTransform(), 2).inv(f64([1.0]))
    with pytest.raises(ValueError, match=r"shape mismatch: expected \(\.\.\., \*\(6,\)\) but got \(2, 5\)"):
        reshape.forward_shape((2, 5))
    with pytest.raises(ValueError, match="too few dimensions"):
        reshape.inverse_shape((3,))
    for method in ("log_abs_det_jacobian", "_call", "_inverse"):
        with pytest.raises(NotImplementedError):
            getattr(Transform(), method)(*([f64(1.0)] * (2 if method == "log_abs_det_jacobian" else 1)))
    with pytest.raises(NotImplementedError, match="AbsTransform has no log_abs_det_jacobian"):
        AbsTransform().log_abs_det_jacobian(f64(1.0), f64(1.0))


def test_abs_shapes_and_reprs():
    abs_ = AbsTransform()
    np.testing.assert_array_equal(abs_(f64([-2.0, 3.0])).numpy(), [2.0, 3.0])
    assert abs_.inv(f64([2.0])).item() == 2.0 and not abs_.bijective and abs_.codomain is constraints.positive
    assert PowerTransform(f64([1.0, 2.0])).forward_shape((3, 1)) == (3, 2)
    assert PowerTransform(2.0).inverse_shape((3, 1)) == (3, 1)
    affine = AffineTransform(f64([[1.0], [2.0]]), f64([1.0, 2.0, 3.0]))
    assert affine.forward_shape(()) == (2, 3) and affine.inverse_shape((4, 1, 1)) == (4, 2, 3)
    assert affine.inv.forward_shape((1,)) == (2, 3)
    reshape = ReshapeTransform((6,), (2, 3))
    assert reshape.forward_shape((4, 6)) == (4, 2, 3) and reshape.inverse_shape((4, 2, 3)) == (4, 6)
    assert reshape.inv.forward_shape((2, 3)) == (6,) and reshape.inv.inverse_shape((6,)) == (2, 3)
    # PyTorch's reprs: no parameters shown
    assert (
        repr(PowerTransform(2.0)) == "PowerTransform()" and repr(AffineTransform(0, 1)) == "AffineTransform()"
    )
    assert repr(ExpTransform().inv) == "_InverseTransform(ExpTransform())"
    assert repr(IndependentTransform(TanhTransform(), 1)) == "IndependentTransform(TanhTransform(), 1)"
    assert repr(ComposeTransform([ExpTransform(), AbsTransform()])) == (
        "ComposeTransform(\n    ExpTransform(),\n    AbsTransform()\n)"
    )


def test_event_dim_transforms_against_the_jacobian(rng):
    x = rng.standard_normal((2, 2, 3))
    scale = f64([[2.0, -0.5, 3.0]])  # broadcasts over the event's first dim: counted twice
    cases = [
        (AffineTransform(0.5, scale, event_dim=2), 2),
        (AffineTransform(f64([1.0, 2.0, 3.0]), -1.5, event_dim=1), 1),
        (IndependentTransform(TanhTransform(), 2), 2),
        (IndependentTransform(AffineTransform(0.0, scale, event_dim=1), 1), 2),
        (ReshapeTransform((2, 3), (3, 2)), 2),
    ]
    for transform, event_dim in cases:
        y = transform(f64(x))
        log_det = transform.log_abs_det_jacobian(f64(x), y)
        assert log_det.shape == x.shape[: 3 - event_dim]
        np.testing.assert_allclose(log_det.numpy(), autograd_log_det(transform, x, event_dim), atol=1e-10)
        np.testing.assert_allclose(transform.inv(y).numpy(), x, rtol=1e-10)
    assert IndependentTransform(TanhTransform(), 2).domain.event_dim == 2
    assert IndependentTransform(AffineTransform(0.0, -1.0), 1).sign == -1


def test_compose_event_dims_and_log_det(rng):
    # element-wise, then a 1-dim affine, then element-wise: the chain's events are vectors
    flow = ComposeTransform([
        TanhTransform(),
        AffineTransform(f64([0.1, 0.2, 0.3]), f64([1.0, 2.0, -3.0]), event_dim=1),
        SoftplusTransform().inv.inv,
        ExpTransform(),
    ])  # fmt: skip
    assert flow.domain.event_dim == 1 and flow.codomain.event_dim == 1 and flow.event_dim == 1
    assert repr(flow.domain) == "IndependentConstraint(Real(), 1)"
    assert repr(flow.codomain) == "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)"
    x = rng.standard_normal((4, 3))
    y = flow(f64(x))
    log_det = flow.log_abs_det_jacobian(f64(x), y)
    assert log_det.shape == (4,)
    np.testing.assert_allclose(log_det.numpy(), autograd_log_det(flow, x, 1), rtol=1e-10)
    np.testing.assert_allclose(flow.inv(y).numpy(), x, rtol=1e-9)
    np.testing.assert_allclose(flow.inv.log_abs_det_jacobian(y, f64(x)).numpy(), -log_det.numpy(), rtol=1e-12)
    assert flow.inv.inv is flow and flow.bijective
    assert not ComposeTransform([ExpTransform(), AbsTransform()]).bijective
    # a reshape inside moves the event dims: domain (6,), codomain (2, 3)
    reshaping = ComposeTransform([ExpTransform(), ReshapeTransform((6,), (2, 3)), AffineTransform(0.0, 2.0)])
    assert reshaping.domain.event_dim == 1 and reshaping.codomain.event_dim == 2
    x6 = rng.standard_normal((2, 6))
    out = reshaping(f64(x6))
    assert out.shape == (2, 2, 3) and reshaping.forward_shape((2, 6)) == (2, 2, 3)
    assert reshaping.inverse_shape((2, 2, 3)) == (2, 6)
    np.testing.assert_allclose(
        reshaping.log_abs_det_jacobian(f64(x6), out).numpy(), autograd_log_det(reshaping, x6, 1), rtol=1e-10
    )


def test_identity_transform():
    x = f64([[1.0, -2.0]])
    assert identity_transform(x) is x and identity_transform.inv(x) is x
    np.testing.assert_array_equal(identity_transform.log_abs_det_jacobian(x, x).numpy(), [[0.0, 0.0]])
    assert identity_transform.domain is constraints.real and identity_transform.codomain is constraints.real
    assert identity_transform.sign == 1 and identity_transform.bijective
    assert identity_transform.forward_shape((2,)) == (2,) and identity_transform.inverse_shape((3,)) == (3,)


def test_log_det_gradients_and_second_order(check_grad):
    x = f64([[-1.3, 0.2, 2.5], [0.7, -0.4, 1.1]], True)
    scale = f64([2.0, -0.5, 3.0], True)
    for transform in (TanhTransform(), SigmoidTransform(), SoftplusTransform(), AffineTransform(0.3, scale)):
        check_grad(lambda v, t=transform: t.log_abs_det_jacobian(v, t(v)), x)
        assert autograd.gradgradcheck(lambda v, t=transform: t.log_abs_det_jacobian(v, t(v)), [x])
    exponent = f64([0.5, -2.0, 1.5], True)
    check_grad(
        lambda e, v: PowerTransform(e).log_abs_det_jacobian(v.abs(), PowerTransform(e)(v.abs())), exponent, x
    )
    check_grad(lambda s: AffineTransform(0.0, s, event_dim=1).log_abs_det_jacobian(x, x), scale)


def test_compose_event_dims_through_reshapes():
    # torch 2.13 (scratch script): domain and codomain of these chains, whose parts add and drop event dims
    widen, narrow = (lambda: ReshapeTransform((6,), (2, 3))), (lambda: ReshapeTransform((2, 3), (6,)))
    cases = [
        (
            [ExpTransform(), widen(), narrow()],
            "IndependentConstraint(Real(), 1)",
            "IndependentConstraint(Real(), 1)",
        ),
        (
            [widen(), narrow(), ExpTransform()],
            "IndependentConstraint(Real(), 1)",
            "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)",
        ),
        (
            [ExpTransform().inv, TanhTransform()],
            "GreaterThan(lower_bound=0.0)",
            "Interval(lower_bound=-1.0, upper_bound=1.0)",
        ),
        (
            [narrow(), widen(), ExpTransform()],
            "IndependentConstraint(Real(), 2)",
            "IndependentConstraint(GreaterThan(lower_bound=0.0), 2)",
        ),
        (
            [ExpTransform(), narrow(), widen()],
            "IndependentConstraint(Real(), 2)",
            "IndependentConstraint(Real(), 2)",
        ),
        (
            [IndependentTransform(ExpTransform(), 1), narrow()],
            "IndependentConstraint(IndependentConstraint(Real(), 1), 1)",
            "IndependentConstraint(Real(), 1)",
        ),
        (
            [widen(), IndependentTransform(ExpTransform(), 1)],
            "IndependentConstraint(Real(), 1)",
            "IndependentConstraint(IndependentConstraint(GreaterThan(lower_bound=0.0), 1), 1)",
        ),
    ]
    for parts, domain, codomain in cases:
        compose = ComposeTransform(parts)
        assert (repr(compose.domain), repr(compose.codomain)) == (domain, codomain), parts
