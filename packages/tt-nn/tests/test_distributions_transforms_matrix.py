"""Transforms onto the simplex, Cholesky factors, SPD and correlation matrices; cat/stack; biject_to.

Not course material (outside any solution region), so no module number. Maps against
NumPy formulas, log-Jacobians against the log-determinant of autograd's Jacobian (float64)
of the map onto the output's free coordinates, a value per class pinned from PyTorch 2.13,
and ``biject_to`` / ``transform_to`` landing in each constraint they are registered for.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import tt_autograd as autograd
from tt_autograd.functional_ad import jacobian
from tt_nn.distributions import (
    Independent,
    LogisticNormal,
    Normal,
    TransformedDistribution,
    biject_to,
    constraints,
    transform_to,
)
from tt_nn.distributions.constraint_registry import ConstraintRegistry
from tt_nn.distributions.transforms import (
    AffineTransform,
    CatTransform,
    ComposeTransform,
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    StackTransform,
    StickBreakingTransform,
    TanhTransform,
    identity_transform,
)
from tt_nn.distributions.transforms_join import cat, stack
from tt_nn.distributions.transforms_matrix import corr_cholesky, tril_matrix_to_vec, vec_to_tril_matrix


def f64(array: object, grad: bool = False) -> autograd.Tensor:
    return autograd.tensor(np.asarray(array, dtype=np.float64), dtype=autograd.float64, requires_grad=grad)


def log_det(fn, x: np.ndarray) -> float:
    """``log |det|`` of autograd's Jacobian of ``fn`` (a map onto as many coordinates) at one event ``x``."""
    jac = jacobian(lambda v: fn(v).reshape(-1), f64(x)).numpy()
    return float(np.linalg.slogdet(jac.reshape(jac.shape[0], -1))[1])


def test_stick_breaking(rng):
    t = StickBreakingTransform()
    x = rng.standard_normal((4, 3))
    y = t(f64(x))
    z = 1 / (1 + np.exp(-(x - np.log([3.0, 2.0, 1.0]))))  # each break takes its share of what is left
    left = np.concatenate([np.ones((4, 1)), np.cumprod(1 - z, -1)], -1)
    np.testing.assert_allclose(y.numpy(), np.concatenate([z, np.ones((4, 1))], -1) * left, rtol=1e-12)
    assert constraints.simplex.check(y.numpy()).all() and t.bijective
    np.testing.assert_allclose(t.inv(y).numpy(), x, rtol=1e-9)
    expected = [log_det(lambda v: t(v)[..., :-1], row) for row in x]  # y's first K-1 entries are free
    np.testing.assert_allclose(t.log_abs_det_jacobian(f64(x), y).numpy(), expected, rtol=1e-10)
    for batch in ((), (4,), (2, 5)):
        assert t.forward_shape((*batch, 3)) == (*batch, 4) and t.inverse_shape((*batch, 4)) == (*batch, 3)
    # the uniform point of the simplex is x = 0
    np.testing.assert_allclose(t(f64(np.zeros(3))).numpy(), [0.25] * 4, rtol=1e-12)
    # torch 2.13, float64 (scratch script): StickBreakingTransform's log-Jacobian at [0.3, -1.2, 2.0]
    x0 = f64([0.3, -1.2, 2.0])
    assert t.log_abs_det_jacobian(x0, t(x0)).item() == pytest.approx(-6.85258297341167, rel=1e-12)
    # a break that rounds to the whole stick is clamped below 1: every entry stays positive (torch 2.13)
    y_big = t(f64([40.0, 0.0, -3.0])).numpy()
    assert (y_big > 0).all() and y_big[0] < 1 and np.isfinite(t.inv(f64(y_big)).numpy()).all()
    for shape in ((3,), (2, 2, 3)):  # the inverse of an unbatched and of a twice-batched point
        xs = rng.standard_normal(shape)
        np.testing.assert_allclose(t.inv(t(f64(xs))).numpy(), xs, rtol=1e-9)
    for shape_of in (t.forward_shape, t.inverse_shape):
        with pytest.raises(ValueError, match="too few dimensions on input"):
            shape_of(())


def test_stick_breaking_normal_is_logistic_normal(check_grad):
    loc, scale = f64([[0.5, -1.0, 0.2]], True), f64([[1.5, 0.3, 0.7]], True)
    m = TransformedDistribution(Normal(loc, scale), StickBreakingTransform())
    assert m.batch_shape == (1,) and m.event_shape == (4,) and isinstance(m.base_dist, Independent)
    value = f64([[0.1, 0.2, 0.3, 0.4]])
    reference = LogisticNormal(loc, scale).log_prob(value)
    np.testing.assert_allclose(m.log_prob(value).detach().numpy(), reference.detach().numpy(), rtol=1e-12)
    assert repr(m.support) == "Simplex()"
    check_grad(
        lambda a, b: TransformedDistribution(Normal(a, b), StickBreakingTransform()).log_prob(value),
        loc,
        scale,
    )


def test_softmax():
    t = SoftmaxTransform()
    x = f64([[1000.0, 1001.0, 999.0], [0.0, 0.0, 0.0]])  # large logits: the max is subtracted first
    y = t(x)
    e = np.exp([-1.0, 0.0, -2.0])
    np.testing.assert_allclose(y.numpy(), [e / e.sum(), [1 / 3] * 3], rtol=1e-12)
    np.testing.assert_allclose(t(t.inv(y)).numpy(), y.numpy(), rtol=1e-12)  # log y is one preimage
    assert not t.bijective and t == SoftmaxTransform() and t.codomain is constraints.simplex
    assert t.forward_shape((2, 3)) == (2, 3) and t.inverse_shape((3,)) == (3,)
    with pytest.raises(ValueError, match="too few dimensions"):
        t.forward_shape(())
    with pytest.raises(NotImplementedError):
        t.log_abs_det_jacobian(x, y)
    g = f64([[0.2, -0.4, 1.0]], True)
    assert autograd.gradcheck(lambda v: t(v) * f64([1.0, 2.0, 3.0]), [g])


def test_lower_cholesky_and_positive_definite(rng):
    x = rng.standard_normal((2, 3, 3))
    lower = LowerCholeskyTransform()(f64(x)).numpy()
    expected = np.tril(x, -1) + np.exp(x.diagonal(axis1=-2, axis2=-1))[..., None] * np.eye(3)
    np.testing.assert_allclose(lower, expected, rtol=1e-12)
    assert constraints.lower_cholesky.check(lower).all()
    np.testing.assert_allclose(LowerCholeskyTransform().inv(f64(lower)).numpy(), np.tril(x), rtol=1e-12)
    spd = PositiveDefiniteTransform()(f64(x)).numpy()
    np.testing.assert_allclose(spd, expected @ np.swapaxes(expected, -1, -2), rtol=1e-12)
    assert constraints.positive_definite.check(spd).all()
    np.testing.assert_allclose(PositiveDefiniteTransform().inv(f64(spd)).numpy(), np.tril(x), rtol=1e-10)
    assert LowerCholeskyTransform() == LowerCholeskyTransform() != PositiveDefiniteTransform()
    assert (
        PositiveDefiniteTransform() == PositiveDefiniteTransform() and not LowerCholeskyTransform().bijective
    )
    assert LowerCholeskyTransform().domain.event_dim == 2 == PositiveDefiniteTransform().codomain.event_dim


def test_corr_cholesky(rng):
    t = CorrCholeskyTransform()
    x = rng.standard_normal((3, 6))
    y = t(f64(x))
    assert (
        y.shape == (3, 4, 4) and t.forward_shape((3, 6)) == (3, 4, 4) and t.inverse_shape((3, 4, 4)) == (3, 6)
    )
    out = y.numpy()
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), 1.0, rtol=1e-12)  # rows of unit length
    assert corr_cholesky.check(out).all() and not corr_cholesky.check(2 * out).any()
    corr = out @ np.swapaxes(out, -1, -2)
    np.testing.assert_allclose(corr.diagonal(axis1=-2, axis2=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(t.inv(y).numpy(), x, rtol=1e-9)
    # a tanh that rounds to ±1 is kept eps inside: a positive diagonal and a finite inverse (torch 2.13)
    far = t(f64([40.0, -40.0, 0.3]))
    assert corr_cholesky.check(far.numpy()).all() and np.isfinite(t.inv(far).numpy()).all()
    assert t == CorrCholeskyTransform() and t != StickBreakingTransform()
    x4 = rng.standard_normal((2, 5, 6))  # two batch dims: the factors are (2, 5, 4, 4)
    np.testing.assert_allclose(t.inv(t(f64(x4))).numpy(), x4, rtol=1e-9)
    # row 1's off-diagonal entry is tanh(x_0): the first correlation
    np.testing.assert_allclose(out[:, 1, 0], np.tanh(x[:, 0]), rtol=1e-12)
    expected = [
        log_det(lambda v: tril_matrix_to_vec(t(v)), row) for row in x
    ]  # the free (strictly lower) entries
    np.testing.assert_allclose(t.log_abs_det_jacobian(f64(x), y).numpy(), expected, rtol=1e-10)
    # torch 2.13, float64 (scratch script): CorrCholeskyTransform's log-Jacobian at [0.3, -1.2, 2.0]
    x0 = f64([0.3, -1.2, 2.0])
    assert t.log_abs_det_jacobian(x0, t(x0)).item() == pytest.approx(-4.519753949349623, rel=1e-12)
    with pytest.raises(ValueError, match=r"the last dim \(4\) is not D \(D - 1\) / 2"):
        t(f64(np.zeros(4)))
    with pytest.raises(ValueError, match="not square"):
        t.inverse_shape((3, 4))
    with pytest.raises(ValueError, match="too few dimensions"):
        t.inverse_shape((3,))
    with pytest.raises(ValueError, match="too few dimensions"):
        t.forward_shape(())
    for batch in ((), (2, 5)):
        assert t.forward_shape((*batch, 6)) == (*batch, 4, 4)
        back = t.inverse_shape((*batch, 4, 4))
        assert back == (*batch, 6) and all(type(n) is int for n in back)
    assert repr(corr_cholesky) == "CorrCholesky()" and t.codomain is corr_cholesky


def test_tril_vector_helpers():
    vec = f64([[1.0, 2.0, 3.0]])
    mat = vec_to_tril_matrix(vec, 3)
    np.testing.assert_array_equal(mat.numpy(), [[[0, 0, 0], [1, 0, 0], [2, 3, 0]]])
    np.testing.assert_array_equal(tril_matrix_to_vec(mat).numpy(), vec.numpy())
    np.testing.assert_array_equal(tril_matrix_to_vec(mat, diagonal=-2).numpy(), [[2.0]])


def test_cumulative_distribution_transform(check_grad):
    normal = Normal(f64(0.5), f64(2.0))
    t = CumulativeDistributionTransform(normal)
    x = f64([-1.0, 0.5, 3.0])
    y = t(x)
    np.testing.assert_allclose(y.numpy(), normal.cdf(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.inv(y).numpy(), x.numpy(), rtol=1e-10)
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y).numpy(), normal.log_prob(x).numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        t.log_abs_det_jacobian(x, y).numpy(), [log_det(t, v) for v in x.numpy()], rtol=1e-9
    )
    assert (
        t.sign == 1 and t.bijective and t.domain is normal.support and t.codomain is constraints.unit_interval
    )
    cached = t.with_cache()
    assert cached.distribution is normal and cached._cache_size == 1 and cached.with_cache(1) is cached
    with pytest.raises(TypeError, match="distribution must be a Distribution, got str"):
        CumulativeDistributionTransform("normal")
    # a Gaussian copula's margin: uniform draws pushed through the normal's icdf are normal
    u = TransformedDistribution(normal, [t])
    np.testing.assert_allclose(u.log_prob(f64([0.2, 0.9])).numpy(), [0.0, 0.0], atol=1e-12)


def test_cat_transform(rng):
    t = CatTransform([ExpTransform(), AffineTransform(1.0, 2.0)], dim=0, lengths=[1, 2])
    x = f64([0.3, -1.2, 2.0])
    y = t(x)
    np.testing.assert_allclose(y.numpy(), [math.exp(0.3), -1.4, 5.0], rtol=1e-12)
    np.testing.assert_allclose(t.inv(y).numpy(), x.numpy(), rtol=1e-12)
    # torch 2.13: the log-Jacobians, one per entry (dim 0 is a batch dim of element-wise parts)
    np.testing.assert_allclose(
        t.log_abs_det_jacobian(x, y).numpy(), [0.3, math.log(2), math.log(2)], rtol=1e-12
    )
    assert t.length == 3 and t.event_dim == 0 and t.bijective
    # parts with vector events, cut along the event dim: their log-Jacobians add
    vec = CatTransform(
        [IndependentTransform(SigmoidTransform(), 1), IndependentTransform(ExpTransform(), 1)], -1, [2, 1]
    )
    xs = rng.standard_normal((2, 3))
    ys = vec(f64(xs))
    assert vec.event_dim == 1 and vec.domain.event_dim == 1
    np.testing.assert_allclose(
        vec.log_abs_det_jacobian(f64(xs), ys).numpy(), [log_det(vec, r) for r in xs], rtol=1e-10
    )
    # cut along a batch dim: concatenated
    rows = CatTransform(
        [IndependentTransform(TanhTransform(), 1), IndependentTransform(ExpTransform(), 1)], dim=0
    )
    lad = rows.log_abs_det_jacobian(f64(xs), rows(f64(xs)))
    np.testing.assert_allclose(lad.numpy(), [log_det(TanhTransform(), xs[0]), xs[1].sum()], rtol=1e-10)
    assert repr(t.domain) == "Cat()" and t.domain.check(np.array([1.0, np.nan, 2.0])).tolist() == [
        True,
        False,
        True,
    ]
    assert t.codomain.check(np.array([-1.0, 0.0, 2.0])).tolist() == [False, True, True]
    assert not t.domain.is_discrete and cat([constraints.boolean], 0).is_discrete
    assert t.with_cache(0) is t and t.with_cache(1).transforms[0]._cache_size == 1
    with pytest.raises(
        ValueError, match=r"has 2 entries along dim 0 \(shape \(2,\)\), but the lengths \[1, 2\] add up to 3"
    ):
        t(f64([1.0, 2.0]))
    for dim in (1, 2, -2):  # x is 1-D
        with pytest.raises(ValueError, match=f"dim {dim} is out of range"):
            CatTransform([ExpTransform()], dim=dim)(x)
    with pytest.raises(ValueError, match="lengths must be 2 ints >= 0"):
        CatTransform([ExpTransform(), ExpTransform()], lengths=[1])
    # lengths: any sequence of ints >= 0 (a tuple; a part of length 0), but no bool, float or negative
    as_tuple = CatTransform([ExpTransform(), AffineTransform(1.0, 2.0)], dim=0, lengths=(1, 2))
    np.testing.assert_allclose(as_tuple(x).numpy(), y.numpy(), rtol=1e-12)
    first_empty = CatTransform([ExpTransform(), AffineTransform(1.0, 2.0)], dim=0, lengths=[0, 3])
    np.testing.assert_allclose(first_empty(x).numpy(), 1.0 + 2.0 * x.numpy(), rtol=1e-12)
    for bad in ([True, 2], [1.5, 1.5], [-1, 4]):
        with pytest.raises(ValueError, match="lengths must be 2 ints >= 0"):
            CatTransform([ExpTransform(), ExpTransform()], lengths=bad)
    parts = (constraints.positive, constraints.unit_interval)
    assert cat(list(parts), dim=-1, lengths=[1, 2]).hint == (
        f"entries 1 along dim -1: {parts[0].hint}; entries 2 along dim -1: {parts[1].hint}"
    )
    with pytest.raises(TypeError, match="tseq must be a non-empty list of Transforms"):
        CatTransform([])
    with pytest.raises(TypeError, match="dim must be an int"):
        CatTransform([ExpTransform()], dim=0.5)


def test_stack_transform(rng):
    t = StackTransform([ExpTransform(), SigmoidTransform(), identity_transform], dim=1)
    xs = rng.standard_normal((2, 3))
    y = t(f64(xs))
    np.testing.assert_allclose(
        y.numpy(), np.stack([np.exp(xs[:, 0]), 1 / (1 + np.exp(-xs[:, 1])), xs[:, 2]], 1)
    )
    np.testing.assert_allclose(t.inv(y).numpy(), xs, rtol=1e-10)
    lad = t.log_abs_det_jacobian(f64(xs), y)
    assert lad.shape == (2, 3)
    np.testing.assert_allclose(lad.numpy().sum(), log_det(t, xs), rtol=1e-10)
    assert t.event_dim == 0 and t.bijective and repr(t.codomain) == "Stack()"
    assert t.codomain.check(np.array([[1.0, 0.5, -3.0]])).tolist() == [[True, True, True]]
    assert t.codomain.check(np.array([[-1.0, 1.5, -3.0]])).tolist() == [[False, False, True]]
    assert (
        stack([constraints.real_vector], dim=-2).event_dim == 2
        and stack([constraints.simplex], -1).event_dim == 1
    )
    assert t.with_cache(1).transforms[0]._cache_size == 1 and t.with_cache(0) is t
    assert not StackTransform([ExpTransform(), SoftmaxTransform()]).bijective
    assert stack([constraints.real, constraints.boolean]).is_discrete and not t.codomain.is_discrete
    assert t.codomain.hint == (
        f"slice 0 along dim 1: {constraints.positive.hint}; slice 1 along dim 1: "
        f"{constraints.unit_interval.hint}; slice 2 along dim 1: {constraints.real.hint}"
    )
    with pytest.raises(ValueError, match="but there are 3 transforms"):
        t(f64(np.zeros((2, 2))))
    with pytest.raises(ValueError, match="dim 1 is out of range"):
        t(f64([1.0, 2.0, 3.0]))
    rows = StackTransform([ExpTransform(), identity_transform], dim=-2)  # the first dim, counted from the end
    np.testing.assert_allclose(rows(f64(xs)).numpy(), np.stack([np.exp(xs[0]), xs[1]]), rtol=1e-12)
    with pytest.raises(ValueError, match="dim -3 is out of range"):
        StackTransform([ExpTransform(), identity_transform], dim=-3)(f64(xs))


CONSTRAINTS = [
    constraints.real,
    constraints.positive,
    constraints.nonnegative,
    constraints.greater_than(2.0),
    constraints.greater_than_eq(-1.0),
    constraints.less_than(1.0),
    constraints.unit_interval,
    constraints.interval(-1.0, 3.0),
    constraints.half_open_interval(0.0, 2.0),
    constraints.simplex,
    constraints.real_vector,
    constraints.independent(constraints.positive, 1),
    corr_cholesky,
    cat([constraints.positive, constraints.unit_interval], dim=-1, lengths=[1, 2]),
    stack([constraints.real, constraints.positive, constraints.less_than(0.0)], dim=-1),
]


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=repr)
def test_biject_to_and_transform_to_land_in_the_constraint(constraint, rng):
    x = f64(rng.standard_normal((4, 3)) * 3)
    for registry in (biject_to, transform_to):
        t = registry(constraint)
        y = t(x)
        assert constraint.check(y.numpy()).all(), (registry, constraint, y)
        if registry is biject_to:
            assert t.bijective
            np.testing.assert_allclose(t(t.inv(y)).numpy(), y.numpy(), rtol=1e-8, atol=1e-12)


def test_registry_choices_and_errors(rng):
    assert biject_to(constraints.real) is identity_transform
    assert biject_to(constraints.unit_interval) == SigmoidTransform()
    assert biject_to(constraints.positive) == ComposeTransform([ExpTransform(), AffineTransform(0.0, 1)])
    assert biject_to(constraints.simplex) == StickBreakingTransform()
    assert transform_to(constraints.simplex) == SoftmaxTransform()
    assert transform_to(constraints.lower_cholesky) == LowerCholeskyTransform()
    assert transform_to(constraints.positive_definite) == PositiveDefiniteTransform()
    x = f64(rng.standard_normal((2, 3, 3)))
    assert constraints.lower_cholesky.check(transform_to(constraints.lower_cholesky)(x).numpy()).all()
    assert constraints.positive_definite.check(transform_to(constraints.positive_definite)(x).numpy()).all()
    # an interval's bijection covers all of it (a bare sigmoid would only reach (0, 1))
    for constraint, (low, high) in (
        (constraints.interval(-1.0, 3.0), (-1.0, 3.0)),
        (constraints.interval(0.0, 2.0), (0.0, 2.0)),
        (constraints.half_open_interval(0.0, 2.0), (0.0, 2.0)),
    ):
        y = f64(np.linspace(low, high, 7)[1:-1])
        for registry in (biject_to, transform_to):
            t = registry(constraint)
            np.testing.assert_allclose(t(t.inv(y)).numpy(), y.numpy(), rtol=1e-10)
    # a tensor bound: shifted entry by entry
    bound = f64([0.0, 10.0, -5.0])
    y = transform_to(constraints.greater_than(bound))(f64(np.zeros(3)))
    np.testing.assert_allclose(y.numpy(), [1.0, 11.0, -4.0])
    for missing in (constraints.lower_cholesky, constraints.positive_definite, constraints.boolean):
        with pytest.raises(
            NotImplementedError, match=f"Cannot transform {type(missing).__name__} constraints"
        ):
            biject_to(missing)
    registry = ConstraintRegistry()

    @registry.register(constraints.boolean)
    def _to_boolean(constraint):
        return SigmoidTransform()

    assert registry(constraints.boolean) == SigmoidTransform() and _to_boolean(None) == SigmoidTransform()
    registry.register(type(constraints.real), lambda c: ExpTransform())
    assert registry(constraints.real) == ExpTransform()
    with pytest.raises(TypeError, match="expected a Constraint subclass or instance, but got 'real'"):
        registry.register("real", lambda c: ExpTransform())
    with pytest.raises(TypeError, match="expected a Constraint subclass or instance"):
        registry.register(int, lambda c: ExpTransform())


def test_log_det_gradients(check_grad):
    x = f64([[0.3, -1.2, 2.0], [0.1, 0.5, -0.7]], True)
    for t in (StickBreakingTransform(), CorrCholeskyTransform()):
        check_grad(lambda v, t=t: t.log_abs_det_jacobian(v, t(v)), x)
        assert autograd.gradgradcheck(lambda v, t=t: t.log_abs_det_jacobian(v, t(v)), [x])
        check_grad(lambda v, t=t: t(v), x)


def test_pinned_pytorch_values():
    # torch 2.13, float64 (scratch script), x = [0.3, -1.2, 2.0] and m = [[0.3, -1.2], [2.0, 0.5]]
    x, m = f64([0.3, -1.2, 2.0]), f64([[0.3, -1.2], [2.0, 0.5]])
    np.testing.assert_allclose(
        SoftmaxTransform()(x).numpy(),
        [0.14931886218339122, 0.03331754163216139, 0.8173635961844474],
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        LowerCholeskyTransform()(m).numpy(),
        [[1.3498588075760032, 0.0], [2.0, 1.6487212707001282]],
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        PositiveDefiniteTransform()(m).numpy(),
        [[1.822118800390509, 2.6997176151520064], [2.6997176151520064, 6.7182818284590455]],
        rtol=1e-12,
    )
    stack = StackTransform([ExpTransform(), SigmoidTransform(), SoftplusTransform()])
    np.testing.assert_allclose(
        stack.log_abs_det_jacobian(x, stack(x)).numpy(),
        [0.3, -1.7265649346760623, -0.1269280110429725],
        rtol=1e-12,
    )
    cdf = CumulativeDistributionTransform(Normal(f64(0.5), f64(2.0)))
    np.testing.assert_allclose(cdf(x).numpy(), [0.460172162722971, 0.19766254312269244, 0.7733726476231317])
    independent = IndependentTransform(TanhTransform(), 1)
    assert independent.log_abs_det_jacobian(x, independent(x)).item() == pytest.approx(-3.9260649777556185)
    compose = ComposeTransform([AffineTransform(0.5, 2.0), TanhTransform()])
    np.testing.assert_allclose(
        compose.log_abs_det_jacobian(x, compose(x)).numpy(),
        [-0.3307250978575561, -1.764806891229922, -6.92080526269961],
        rtol=1e-12,
    )
