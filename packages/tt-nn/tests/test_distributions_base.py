"""The ``Distribution`` base and ``Independent``: shapes, sample_shape, validation switches, repr, errors.

Not course material (outside module 05's solution regions), so no module number.
Every distribution's ``sample(sample_shape)`` has shape ``sample_shape +
batch_shape + event_shape``; reprs follow PyTorch 2.13's form (one-element
parameters by value, others by shape, printed as TinyTorch prints shapes).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_nn.distributions import (
    Bernoulli,
    Categorical,
    Distribution,
    Exponential,
    Independent,
    Laplace,
    Normal,
    OneHotCategorical,
    Uniform,
    constraints,
)

BATCH = (2, 3)


def every_distribution():
    ones = autograd.ones(*BATCH)
    return {
        "Normal": (Normal(autograd.zeros(*BATCH), ones), ()),
        "Uniform": (Uniform(autograd.zeros(*BATCH), ones), ()),
        "Exponential": (Exponential(ones), ()),
        "Laplace": (Laplace(autograd.zeros(*BATCH), ones), ()),
        "Bernoulli": (Bernoulli(probs=ones * 0.5), ()),
        "Categorical": (Categorical(probs=autograd.ones(*BATCH, 4)), ()),
        "OneHotCategorical": (OneHotCategorical(logits=autograd.zeros(*BATCH, 4)), (4,)),
        "Independent": (Independent(Normal(autograd.zeros(*BATCH, 5), 1.0), 1), (5,)),
    }


@pytest.mark.parametrize("name", list(every_distribution()))
def test_sample_shapes_and_dtypes(name):
    m, event = every_distribution()[name]
    assert m.batch_shape == BATCH and m.event_shape == event
    for sample_shape in [(), (4,), (2, 1), 3]:
        expected = ((sample_shape,) if isinstance(sample_shape, int) else sample_shape) + BATCH + event
        draw = m.sample(sample_shape)
        assert draw.shape == expected, (name, sample_shape)
        assert not draw.requires_grad
        kind = autograd.int64 if name == "Categorical" else autograd.float32
        assert draw.dtype == kind
        if m.has_rsample:
            assert m.rsample(sample_shape).shape == expected
    log_prob = m.log_prob(m.sample((4,)))
    assert log_prob.shape == (4,) + BATCH
    assert m.entropy().shape == BATCH


def test_unbatched_distributions_sample_scalars():
    for m in (Bernoulli(0.3), Normal(0.0, 1.0), Uniform(0.0, 1.0), Exponential(1.0), Laplace(0.0, 1.0),
              Categorical(probs=autograd.ones(3)), OneHotCategorical(probs=autograd.ones(3))):  # fmt: skip
        event = m.event_shape
        assert m.batch_shape == () and m.sample().shape == event and m.sample((2,)).shape == (2,) + event
        assert m.log_prob(m.sample()).shape == () and m.entropy().shape == ()


def test_has_rsample_flags():
    flags = {name: m.has_rsample for name, (m, _) in every_distribution().items()}
    assert flags == {
        "Normal": True,
        "Uniform": True,
        "Exponential": True,
        "Laplace": True,
        "Bernoulli": False,
        "Categorical": False,
        "OneHotCategorical": False,
        "Independent": True,
    }
    with pytest.raises(NotImplementedError, match="Categorical has no rsample"):
        Categorical(probs=autograd.ones(3)).rsample()


def test_sampling_follows_the_global_seed():
    for m, _ in every_distribution().values():
        autograd.manual_seed(123)
        first = m.sample((3,))
        autograd.manual_seed(123)
        assert m.sample((3,)).equal(first)


def test_repr_follows_pytorch():
    assert repr(Normal(autograd.zeros(3), autograd.ones(3))) == "Normal(loc: (3,), scale: (3,))"
    assert repr(Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(Categorical(probs=autograd.ones(2, 2))) == "Categorical(probs: (2, 2))"
    assert repr(Categorical(logits=autograd.zeros(3))) == "Categorical(logits: (3,))"
    assert repr(Bernoulli(probs=autograd.tensor(0.3))) == "Bernoulli(probs: 0.30000001192092896)"
    assert repr(Bernoulli(logits=autograd.zeros(2))) == "Bernoulli(logits: (2,))"
    assert repr(Uniform(0.0, 1.0)) == "Uniform(low: 0.0, high: 1.0)"
    assert repr(Exponential(autograd.tensor([2.0]))) == "Exponential(rate: tensor([2.]))"
    assert repr(Laplace(0.0, 1.0)) == "Laplace(loc: 0.0, scale: 1.0)"
    inner = Normal(autograd.zeros(2, 3), 1.0)
    assert repr(Independent(inner, 1)) == "Independent(Normal(loc: (2, 3), scale: (2, 3)), 1)"


def test_moments_of_the_base_class():
    m = Bernoulli(probs=autograd.tensor([0.2, 0.5], dtype=autograd.float64))
    np.testing.assert_allclose(m.stddev.numpy(), np.sqrt([0.16, 0.25]))  # from variance
    h = -(0.2 * np.log(0.2) + 0.8 * np.log(0.8))
    np.testing.assert_allclose(m.perplexity().numpy(), np.exp([h, np.log(2)]), rtol=1e-12)


def test_base_class_names_what_is_missing():
    class Bare(Distribution):
        pass

    bare = Bare((2,))
    assert bare.batch_shape == (2,) and bare.event_shape == () and repr(bare) == "Bare()"
    for call in (
        lambda: bare.log_prob(autograd.zeros(2)),
        lambda: bare.entropy(),
        lambda: bare.cdf(autograd.zeros(2)),
        lambda: bare.icdf(autograd.zeros(2)),
        lambda: bare.enumerate_support(),
        lambda: bare.mean,
        lambda: bare.mode,
        lambda: bare.variance,
        lambda: bare.stddev,
    ):
        with pytest.raises(NotImplementedError, match="Bare does not define"):
            call()
    with pytest.raises(NotImplementedError, match="Bare has no rsample"):
        bare.sample()


def test_validate_args_switches():
    assert Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
    Distribution.set_default_validate_args(False)
    try:
        assert Normal(0.0, -1.0).scale.item() == -1.0
        assert np.isnan(Normal(0.0, 1.0).log_prob(autograd.tensor(float("nan"))).item())
        with pytest.raises(ValueError, match="Normal: parameter scale"):
            Normal(0.0, -1.0, validate_args=True)
    finally:
        Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError, match="Normal: parameter scale"):
        Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="expected True or False"):
        Distribution.set_default_validate_args("yes")


@pytest.mark.parametrize(
    ("sample_shape", "error", "match"),
    [((-1,), ValueError, "must not be negative"), (2.5, TypeError, "tuple of ints such as")],
)
def test_bad_sample_shape(sample_shape, error, match):
    with pytest.raises(error, match=match):
        Normal(0.0, 1.0).sample(sample_shape)


def test_empty_sample_shape_is_allowed():
    assert Normal(autograd.zeros(2), 1.0).sample((0,)).shape == (0, 2)
    assert Categorical(probs=autograd.ones(2, 3)).sample((0, 4)).shape == (0, 4, 2)


def test_invalid_rows_of_a_vector_parameter_are_shown():
    logits = autograd.tensor([[0.0, float("nan"), 1.0], [2.0, 3.0, 4.0]])
    # the normalised logits are checked (as PyTorch does): the NaN row, and only it
    with pytest.raises(ValueError, match=r"invalid values: \[nan nan nan\]\. Pass a tensor with no NaN"):
        Categorical(logits=logits)


def test_constraint_reprs():
    assert repr(constraints.positive) == "GreaterThan(lower_bound=0.0)"
    assert repr(constraints.nonnegative) == "GreaterThanEq(lower_bound=0.0)"
    assert repr(constraints.simplex) == "Simplex()" and repr(constraints.boolean) == "Boolean()"
    assert repr(constraints.one_hot) == "OneHot()" and repr(constraints.real) == "Real()"
    assert repr(constraints.unit_interval) == "Interval(lower_bound=0.0, upper_bound=1.0)"
    assert repr(constraints.integer_interval(0, 2)) == "IntegerInterval(lower_bound=0, upper_bound=2)"
    assert constraints.simplex.check(np.array([[0.5, 0.5], [0.5, 0.4999]])).tolist() == [True, False]
    assert not constraints.simplex.check(np.array([1.0000015, 0.0]))  # PyTorch's tolerance: |sum - 1| < 1e-6
    assert constraints.simplex.check(np.array([1.0000005, 0.0])) and not constraints.simplex.check(
        np.array([1.2, -0.2])
    )


# ---------------------------------------------------------------------------- Independent
def test_independent_sums_over_reinterpreted_dims(rng, check_grad):
    loc = autograd.tensor(rng.standard_normal((2, 3, 4)), dtype=autograd.float64, requires_grad=True)
    scale = autograd.tensor(rng.random((2, 3, 4)) + 0.5, dtype=autograd.float64, requires_grad=True)
    value = autograd.tensor(rng.standard_normal((5, 1, 3, 4)), dtype=autograd.float64)
    base = Normal(loc, scale)
    for n in (0, 1, 2):
        m = Independent(base, n)
        assert m.batch_shape == (2, 3, 4)[: 3 - n] and m.event_shape == (2, 3, 4)[3 - n :]
        dims = tuple(range(-n, 0))
        expected_log_prob = base.log_prob(value).detach().numpy().sum(axis=dims) if n else None
        if n:
            np.testing.assert_allclose(m.log_prob(value).detach().numpy(), expected_log_prob, rtol=1e-12)
            np.testing.assert_allclose(
                m.entropy().detach().numpy(), base.entropy().detach().numpy().sum(axis=dims), rtol=1e-12
            )
        assert m.mean is base.mean or np.array_equal(m.mean.detach().numpy(), loc.detach().numpy())
    m = Independent(base, 1)
    np.testing.assert_allclose(m.variance.detach().numpy(), scale.detach().numpy() ** 2)
    np.testing.assert_allclose(m.mode.detach().numpy(), loc.detach().numpy())
    assert m.has_rsample and m.rsample((3,)).shape == (3, 2, 3, 4)
    check_grad(lambda a, b: Independent(Normal(a, b), 2).log_prob(value), loc, scale)
    check_grad(lambda a, b: Independent(Normal(a, b), 1).entropy(), loc, scale)


def test_independent_support_errors_and_enumeration():
    base = Bernoulli(probs=autograd.full((2, 3), 0.4))
    assert Independent(base, 0).has_enumerate_support
    assert Independent(base, 0).enumerate_support().shape == (2, 2, 3)
    assert not Independent(base, 1).has_enumerate_support
    with pytest.raises(NotImplementedError, match="enumerate_support"):
        Independent(base, 1).enumerate_support()
    assert not Independent(base, 1).has_rsample
    assert Independent(base, 1).support is base.support
    with pytest.raises(
        ValueError, match=r"from 0 to the base distribution's batch dims \(2, batch_shape \(2, 3\)\)"
    ):
        Independent(base, 3)
    with pytest.raises(ValueError, match="got -1"):
        Independent(base, -1)
    for odd in (True, 1.5):  # a bool or a float is refused (PyTorch reads True as 1)
        with pytest.raises(ValueError, match=f"got {odd}"):
            Independent(base, odd)
    with pytest.raises(TypeError, match="must be a Distribution"):
        Independent(autograd.zeros(2), 1)
    with pytest.raises(ValueError, match="support Boolean"):
        Independent(base, 1).log_prob(autograd.full((2, 3), 0.5))


def test_top_level_samplers_return_autograd_tensors():
    for draw in (
        autograd.bernoulli(autograd.full((3,), 0.5)),
        autograd.normal(autograd.zeros(3), 1.0),
        autograd.poisson(autograd.ones(3)),
    ):
        assert isinstance(draw, autograd.Tensor) and not draw.requires_grad and draw.shape == (3,)


def test_survivor_edges():
    base = Normal(autograd.zeros(2, 3), 1.0)
    assert Independent(base, 0).log_prob(autograd.zeros(2, 3)).shape == (2, 3)  # nothing summed
    assert Independent(base, 0).entropy().shape == (2, 3)
    with pytest.raises(ValueError, match=r"invalid values: \[-1\. -1\. -1\. -1\. -1\. -1\.\] \.\.\.\. Pass"):
        Normal(0.0, -autograd.ones(7))
    with pytest.raises(ValueError, match=r"invalid values: \[-1\. -1\. -1\. -1\. -1\. -1\.\]\. Pass"):
        Normal(0.0, -autograd.ones(6))
    with pytest.raises(ValueError, match=r"invalid values: \[-0\.1235\]\. Pass"):
        Normal(0.0, autograd.tensor([-0.123456], dtype=autograd.float64))
    with pytest.raises(ValueError, match="Uniform: parameter low"):
        Uniform(1.0, 1.0)  # low == high is not an interval
    with pytest.raises(ValueError, match=r"Pass values in \[0\.0, 1\.0\]"):
        Uniform(0.0, 1.0).log_prob(autograd.tensor(2.0))
    m = Categorical(probs=autograd.tensor([0.25, 0.75]))
    assert m.log_prob(autograd.tensor(1.0)).item() == pytest.approx(np.log(0.75))  # a whole float is accepted


def test_constraints_check_tensors_as_pytorch():
    # Each check is written for arrays; given a tensor (detached first) it answers with a bool tensor.
    # simplex, one_hot, lower_cholesky, ... used NumPy's axis= on the tensor (a TypeError).
    from tt_nn.distributions import constraints

    probabilities = autograd.tensor([[0.2, 0.8], [0.5, 0.6]], requires_grad=True)
    result = constraints.simplex.check(probabilities)
    assert isinstance(result, autograd.Tensor) and result.dtype == autograd.bool
    assert result.tolist() == [True, False]
    assert constraints.positive.check(autograd.tensor([1.0, -1.0])).tolist() == [True, False]
    assert constraints.one_hot.check(autograd.tensor([[0.0, 1.0], [1.0, 1.0]])).tolist() == [True, False]
    assert constraints.lower_cholesky.check(autograd.eye(2)[None]).tolist() == [True]
    assert constraints.positive_definite.check(-autograd.eye(2)[None]).tolist() == [False]
    assert isinstance(
        constraints.simplex.check(np.array([0.5, 0.5])), (np.ndarray, np.bool_)
    )  # arrays: arrays
