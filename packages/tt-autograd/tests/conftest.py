"""Shared fixtures for tt-autograd's tests (module 02).

Test files here are not importable modules (pytest runs with
``--import-mode=importlib``), so helpers are handed out as fixtures:

* ``leaf(shape, ...)``: a random float64 leaf tensor that requires grad, for
  ``gradcheck``; options keep samples away from kinks and out of domains
  where an op is not differentiable.
* ``check_grad(fn, *inputs)``: ``gradcheck`` that raises its own readable
  ``GradcheckError`` (which input, which index, both values) on failure.
* ``check(actual, expected)``: a tt-autograd ``Tensor`` equal to a NumPy array.
* ``check_twice(fn, inputs)``: ``gradgradcheck``, and the recorded first
  derivatives equal to the plain backward's.
* ``cmatrices(shape, seed)`` and ``check_both(fn, inputs)``: complex128 leaves, and
  ``gradcheck`` with ``gradgradcheck``, for the complex linalg tests.
* ``vmap_agrees(func, *args, in_dims=0, argnums=None)``: ``vmap(func)`` runs with no per-sample
  loop (its warning is an error) and equals ``func`` of each sample, stacked; with ``argnums``, so
  do the per-sample gradients ``vmap(grad(loss))`` of a loss of its (first) output.
* ``vmap_same_error(func, *args, in_dims=0)``: ``func`` refuses sample 0, and under vmap it raises
  the same error (the op's own, whether vmap loops or checks first).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded NumPy generator, so a failing case reproduces."""
    return np.random.default_rng(20240602)


@pytest.fixture
def leaf(rng):
    """``leaf(shape, low=-1, high=1, away_from=(), requires_grad=True)``: a random float64 leaf.

    ``away_from`` lists points (kinks such as 0 for ``abs``/``relu``) that no
    sample may lie within 0.1 of; samples that do are moved 0.2 further up.
    """

    def make(shape=(), low=-1.0, high=1.0, away_from=(), requires_grad=True) -> autograd.Tensor:
        values = rng.uniform(low, high, size=shape)
        for point in away_from:
            values = np.where(np.abs(values - point) < 0.1, values + 0.2, values)
        return autograd.tensor(values, dtype=autograd.float64, requires_grad=requires_grad)

    return make


@pytest.fixture
def check_grad():
    """``check_grad(fn, *inputs)``: run ``gradcheck`` and insist that it passed."""

    def run(fn, *inputs, **options) -> None:
        assert autograd.gradcheck(fn, list(inputs), **options) is True

    return run


@pytest.fixture
def check_twice():
    """``check_twice(fn, inputs)``: ``gradgradcheck`` of ``fn``, plus the recorded first derivatives
    (``create_graph=True``) equal to the plain backward's: a rule that is wrong but differentiated
    consistently would pass ``gradgradcheck`` alone."""

    def run(fn, inputs) -> None:
        assert autograd.gradgradcheck(fn, inputs) is True
        out = fn(*inputs)
        weights = autograd.tensor(np.random.default_rng(3).standard_normal(out.shape))
        grad = autograd.gradients.grad
        recorded = grad(out, inputs, grad_outputs=weights, create_graph=True, allow_unused=True)
        plain = grad(fn(*inputs), inputs, grad_outputs=weights, allow_unused=True)
        for r, p in zip(recorded, plain):
            assert (r is None) == (p is None)
            if r is not None:
                np.testing.assert_allclose(r.detach().numpy(), p.numpy(), rtol=1e-10, atol=1e-12)

    return run


def assert_tensor(actual: object, expected: object, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """Fail unless ``actual`` is a tt-autograd Tensor with the shape and values of ``expected``."""
    assert isinstance(actual, autograd.Tensor), f"expected a tt_autograd.Tensor, got {type(actual).__name__}"
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape}, expected {expected.shape}"
    np.testing.assert_allclose(actual.detach().numpy(), expected, rtol=rtol, atol=atol)


@pytest.fixture
def check():
    """The :func:`assert_tensor` comparison as a fixture."""
    return assert_tensor


@pytest.fixture
def restore_default_dtype():
    """For tests that change the default float dtype: put it back afterwards, pass or fail."""
    before = autograd.get_default_dtype()
    yield
    autograd.set_default_dtype(before)


@pytest.fixture
def cmatrices():
    """``cmatrices(shape, seed=0)``: a complex128 leaf whose real and imaginary parts are standard normal."""

    def make(shape, seed=0) -> autograd.Tensor:
        rng = np.random.default_rng(seed)
        values = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        return autograd.tensor(values, dtype=autograd.complex128, requires_grad=True)

    return make


@pytest.fixture
def check_both():
    """``check_both(fn, inputs)``: ``gradcheck`` and ``gradgradcheck`` of ``fn`` at ``inputs``."""
    from tt_autograd.gradcheck import gradcheck, gradgradcheck

    def run(fn, inputs) -> None:
        assert gradcheck(fn, inputs) is True
        assert gradgradcheck(fn, inputs) is True

    return run


def _one_by_one(func, args, in_dims) -> object:
    """``func`` of each sample (each argument cut at its in_dim, or whole for None), stacked."""
    size = next(a.shape[d] for a, d in zip(args, in_dims) if d is not None)
    outs = [func(*(a if d is None else a.select(d, k) for a, d in zip(args, in_dims))) for k in range(size)]
    if isinstance(outs[0], tuple):
        return tuple(autograd.stack([o[k] for o in outs]) for k in range(len(outs[0])))
    return autograd.stack(outs)


def _equal(got, want) -> None:
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _equal(g, w)
        return
    assert got.dtype == want.dtype and tuple(got.shape) == tuple(want.shape), (got, want)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


@pytest.fixture
def vmap_agrees():
    """See the module docstring."""
    import warnings

    from tt_autograd import vmap
    from tt_autograd.transforms import grad

    def run(func, *args, in_dims=0, argnums=None) -> None:
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        with warnings.catch_warnings():
            warnings.filterwarnings("error", "vmap: there is no batching rule")  # the rule, not the loop
            got = vmap(func, in_dims=in_dims)(*args)
        _equal(got, _one_by_one(func, args, dims))
        if argnums is not None:

            def squares(*a):
                out = func(*a)
                out = out[0] if isinstance(out, tuple) else out
                return (out.abs() ** 2).sum()  # (|z|^2: real for a complex output)

            loss = grad(squares, argnums=argnums)
            with warnings.catch_warnings():
                warnings.filterwarnings("error", "vmap: there is no batching rule")
                grads = vmap(loss, in_dims=in_dims)(*args)
            _equal(grads, _one_by_one(loss, args, dims))

    return run


@pytest.fixture
def vmap_same_error():
    """See the module docstring."""
    import warnings

    from tt_autograd import vmap

    def run(func, *args, in_dims=0) -> None:
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        with pytest.raises(Exception) as one:
            func(*(a if d is None else a.select(d, 0) for a, d in zip(args, dims)))
        with pytest.raises(type(one.value)) as batched, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vmap(func, in_dims=in_dims)(*args)
        assert str(batched.value) == str(one.value)

    return run
