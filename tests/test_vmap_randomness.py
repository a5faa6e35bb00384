"""``vmap``'s ``randomness`` option for the random tensor functions, with PyTorch 2.13's semantics.

``"error"`` refuses any draw with PyTorch's message; ``"different"`` gives each sample its own
draw (checked by the rows differing and by each row having the distribution asked for, a batched
argument's sample for each row); ``"same"`` gives one draw shared by the samples, and refuses a
batched tensor argument as PyTorch does (the ``_like`` forms read only their input's shape).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinytorch as torch
from tinytorch.func import vmap

B = 5
ERROR = (
    "vmap: called random operation while in randomness error mode. Please either use the 'same' or "
    "'different' randomness flags on vmap or perform the randomness operation out of vmap"
)

#: (name, func of one sample v of shape (4,), the shape of one sample's result)
DRAWS = [
    ("rand", lambda v: torch.rand(2, 3), (2, 3)),
    ("randn", lambda v: torch.randn(3, dtype=torch.float64), (3,)),
    ("rand_like", lambda v: torch.rand_like(v), (4,)),
    ("randn_like", lambda v: torch.randn_like(v), (4,)),
    ("randint", lambda v: torch.randint(0, 10**6, (3,)), (3,)),
    ("randint_like", lambda v: torch.randint_like(v, 10**6), (4,)),
    ("normal", lambda v: torch.normal(0.0, 1.0, (3,)), (3,)),
    ("normal", lambda v: torch.normal(torch.zeros(4), 1.0), (4,)),
    ("bernoulli", lambda v: torch.bernoulli(torch.full((40,), 0.5)), (40,)),
    ("multinomial", lambda v: torch.multinomial(torch.ones(50), 3), (3,)),
    ("randperm", lambda v: torch.randperm(30), (30,)),
    ("poisson", lambda v: torch.poisson(torch.full((6,), 100.0)), (6,)),
]
#: draws whose argument is the batched sample itself (refused under "same")
BATCHED_ARGUMENT = [
    ("normal", lambda v: torch.normal(v, 1.0)),
    ("normal", lambda v: torch.normal(0.0, v)),
    ("bernoulli", lambda v: torch.bernoulli(v / 2)),
    ("bernoulli", lambda v: torch.bernoulli(v, 0.5)),
    ("bernoulli", lambda v: (v / 2).bernoulli()),
    ("multinomial", lambda v: torch.multinomial(v, 2)),
    ("multinomial", lambda v: v.multinomial(2)),
    ("poisson", lambda v: torch.poisson(v)),
]


def samples():
    return torch.ones(B, 4)


def run(func, randomness, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no per-sample fallback warning: these draws have their rule
        return vmap(func, randomness=randomness, **options)(samples())


@pytest.mark.parametrize("name, func, shape", DRAWS)
def test_error_mode_refuses_every_draw_with_pytorchs_message(name, func, shape):
    with pytest.raises(RuntimeError) as caught:
        vmap(func)(samples())
    assert str(caught.value).startswith(ERROR) and f"{name}()" in str(caught.value)


@pytest.mark.parametrize("name, func", BATCHED_ARGUMENT)
def test_error_mode_refuses_draws_from_batched_arguments(name, func):
    with pytest.raises(RuntimeError, match="randomness error mode"):
        vmap(func)(samples())


@pytest.mark.parametrize("name, func, shape", DRAWS)
def test_different_gives_each_sample_its_own_draw(name, func, shape):
    torch.manual_seed(0)
    out = run(func, "different")
    assert tuple(out.shape) == (B, *shape)
    assert out.dtype == func(samples()[0]).dtype  # (as one sample's draw outside vmap)
    rows = out.numpy().reshape(B, -1)
    assert all(not np.array_equal(rows[0], rows[i]) for i in range(1, B))


@pytest.mark.parametrize("name, func, shape", DRAWS)
def test_same_gives_one_draw_shared_by_the_samples(name, func, shape):
    torch.manual_seed(0)
    out = run(func, "same")
    assert tuple(out.shape) == (B, *shape)
    rows = out.numpy()
    assert all(np.array_equal(rows[0], rows[i]) for i in range(1, B))


@pytest.mark.parametrize("name, func", BATCHED_ARGUMENT)
def test_same_refuses_a_batched_argument_and_different_draws_from_each_samples_own(name, func):
    with pytest.raises(RuntimeError, match="same randomness with a batched tensor input"):
        vmap(func, randomness="same")(samples())
    torch.manual_seed(1)
    out = run(func, "different")
    assert out.shape[0] == B and not all(torch.equal(out[0], out[i]) for i in range(1, B))


def test_different_draws_follow_each_samples_arguments():
    means = torch.arange(B, dtype=torch.float64)[:, None] * 100 + torch.zeros(B, 1000, dtype=torch.float64)
    draws = vmap(lambda m: torch.normal(m, 1.0), randomness="different")(means).numpy()
    np.testing.assert_allclose(draws.mean(1), np.arange(B) * 100, atol=0.2)
    np.testing.assert_allclose(draws.std(1), 1.0, atol=0.1)
    chances = torch.tensor([[0.0] * 20, [1.0] * 20, [0.0] * 20, [1.0] * 20, [0.0] * 20])
    assert vmap(torch.bernoulli, randomness="different")(chances).tolist() == chances.tolist()
    weights = torch.eye(B)  # sample i can only draw category i
    picked = vmap(lambda w: w.multinomial(1), randomness="different")(weights)
    assert picked.tolist() == [[i] for i in range(B)]
    torch.manual_seed(2)
    normal = vmap(lambda v: torch.randn(2000, dtype=torch.float64), randomness="different")(samples()).numpy()
    np.testing.assert_allclose(normal.mean(1), 0.0, atol=0.12)
    np.testing.assert_allclose(normal.std(1), 1.0, atol=0.08)
    integers = vmap(lambda v: torch.randint(3, 7, (500,)), randomness="different")(samples()).numpy()
    assert integers.min() == 3 and integers.max() == 6
    orders = vmap(lambda v: torch.randperm(30), randomness="different")(samples()).numpy()
    assert all(sorted(row) == list(range(30)) for row in orders)


def test_same_with_a_like_form_of_a_batched_input_and_a_draw_added_to_each_sample():
    x = torch.arange(B * 4, dtype=torch.float32).reshape(B, 4)
    torch.manual_seed(3)
    out = vmap(lambda v: v + torch.rand_like(v), randomness="same")(x)
    assert tuple(out.shape) == (B, 4) and out.dtype == torch.float32
    noise = (out - x).numpy()
    np.testing.assert_allclose(noise, np.broadcast_to(noise[0], (B, 4)), atol=1e-5)
    assert np.all((noise[0] >= 0) & (noise[0] < 1)) and len(set(noise[0].tolist())) == 4


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_different_with_chunks_gives_every_sample_a_draw(chunk):
    torch.manual_seed(4)
    out = run(lambda v: torch.rand(3) + v[:3] * 0, "different", chunk_size=chunk)
    assert tuple(out.shape) == (B, 3)
    assert len({tuple(row) for row in out.tolist()}) == B


def test_nested_levels_each_with_its_randomness():
    grid = torch.zeros(3, B, 2)
    torch.manual_seed(5)
    out = vmap(vmap(lambda v: torch.rand(2) + v, randomness="same"), randomness="different")(grid)
    assert tuple(out.shape) == (3, B, 2)
    rows = out.numpy()
    assert all(np.array_equal(rows[i, 0], rows[i, j]) for i in range(3) for j in range(B))  # inner: same
    assert len({tuple(rows[i, 0]) for i in range(3)}) == 3  # outer: different
    out = vmap(vmap(lambda v: torch.rand(2) + v, randomness="different"), randomness="same")(grid)
    rows = out.numpy()
    assert all(np.array_equal(rows[0], rows[i]) for i in range(3))  # outer: same
    assert len({tuple(r) for r in rows[0]}) == B  # inner: different
    with pytest.raises(RuntimeError, match="randomness error mode"):
        vmap(vmap(lambda v: torch.rand(2) + v, randomness="different"))(grid)


FILLS = [
    ("uniform_", lambda v: v.clone().uniform_()),
    ("normal_", lambda v: v.clone().normal_(2.0, 0.5)),
    ("bernoulli_", lambda v: v.clone().bernoulli_(0.5)),
    ("random_", lambda v: v.clone().random_(0, 10**6)),
    ("exponential_", lambda v: v.clone().exponential_()),
    ("cauchy_", lambda v: v.clone().cauchy_()),
    ("log_normal_", lambda v: v.clone().log_normal_()),
    ("geometric_", lambda v: v.clone().geometric_(0.01)),
]


@pytest.mark.parametrize("name, fill", FILLS)
def test_in_place_fills_of_a_batched_tensor_follow_the_randomness(name, fill):
    with pytest.raises(RuntimeError) as caught:
        vmap(fill)(samples())
    assert str(caught.value) == f"{ERROR} (the random operation: {name}())"
    torch.manual_seed(6)
    different = run(fill, "different").numpy()
    assert different.shape == (B, 4) and len({tuple(row) for row in different}) == B
    same = run(fill, "same").numpy()
    assert same.shape == (B, 4) and all(np.array_equal(same[0], row) for row in same)
    assert len(set(same[0].tolist())) > 1  # (drawn, not left as it was)


def test_different_in_place_randomness_needs_a_tensor_batched_over_every_different_level():
    with pytest.raises(RuntimeError, match="different inplace randomness on an unbatched tensor"):
        vmap(lambda v: torch.empty(4).uniform_() + v, randomness="different")(samples())
    torch.manual_seed(7)
    shared = vmap(lambda v: torch.empty(4).uniform_() + v, randomness="same")(samples()).numpy()
    assert all(np.array_equal(shared[0], row) for row in shared)
    grid = torch.zeros(3, B, 2)
    with pytest.raises(RuntimeError, match="different inplace randomness on an unbatched tensor"):
        vmap(
            lambda r: vmap(lambda v: r.clone().uniform_() + v, randomness="different")(r),
            randomness="different",
        )(grid)
    out = vmap(
        lambda row: vmap(lambda v: v.clone().normal_(), randomness="same")(row), randomness="different"
    )(grid).numpy()  # each outer sample its own values, shared by its inner samples
    assert all(np.array_equal(out[i, 0], out[i, j]) for i in range(3) for j in range(B))
    assert len({tuple(out[i, 0]) for i in range(3)}) == 3


class CountingDraws:
    """A generator's NumPy generator that counts the draws made from it (its method lookups)."""

    def __init__(self, inner):
        self.inner, self.draws = inner, 0

    def __getattr__(self, name):
        self.draws += 1
        return getattr(self.inner, name)


def counted(seed):
    generator = torch.Generator(seed)
    generator.numpy = CountingDraws(generator.numpy)
    return generator


#: (func of one sample v of shape (4,) and a generator): draws that "different" makes in one call
AT_ONCE = [
    lambda v, g: torch.rand(2, 3, generator=g),
    lambda v, g: torch.randn(size=(3,), generator=g, dtype=torch.float64),
    lambda v, g: torch.randint(0, 100, (3,), generator=g),
    lambda v, g: torch.randint(7, (2, 2), generator=g),  # randint(high, size)
    lambda v, g: torch.randint(5, generator=g),  # a 0-d sample
    lambda v, g: torch.normal(0.0, 2.0, (3,), generator=g),
    lambda v, g: torch.normal(v, 1.0, generator=g),  # a batched mean
    lambda v, g: torch.normal(torch.zeros(3, 1), v.abs() + 1, generator=g),  # broadcast, batched std
    lambda v, g: torch.normal(torch.zeros(4), 0.5, generator=g),  # an unbatched mean: expanded
    lambda v, g: torch.bernoulli(v / 2, generator=g),
    lambda v, g: torch.bernoulli(torch.full((4,), 0.5), generator=g),
    lambda v, g: (v / 2).bernoulli(generator=g),
    lambda v, g: torch.poisson(v * 3, generator=g),
    lambda v, g: torch.multinomial(v, 2, generator=g),
    lambda v, g: torch.multinomial(v.expand(3, 4), 2, True, generator=g),  # rows: the sample's rows
    lambda v, g: v.multinomial(2, generator=g),
    lambda v, g: torch.rand_like(v, generator=g),
    lambda v, g: torch.randint_like(v, 10, generator=g),
    lambda v, g: torch.randn_like(torch.zeros(2), generator=g),  # an unbatched input
    lambda v, g: torch.randperm(30, generator=g),  # each row shuffled on its own
]


@pytest.mark.parametrize("func", AT_ONCE)
def test_different_draws_every_sample_in_one_call_with_the_values_of_a_loop(func):
    x = torch.arange(1.0, 1.0 + B * 4).reshape(B, 4) / (B * 4)  # (chances in (0, 1])
    generator = counted(8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = vmap(lambda v: func(v, generator), randomness="different")(x)
    assert generator.numpy.draws == 1  # one call for the whole batch
    looped = counted(8)
    want = torch.stack([func(x[i], looped) for i in range(B)])
    assert looped.numpy.draws == B
    assert tuple(out.shape) == tuple(want.shape) and out.dtype == want.dtype
    np.testing.assert_array_equal(out.numpy(), want.numpy())  # NumPy fills the batch in order


def test_refused_forms_loop_for_the_functions_error():
    for func in (
        lambda v: torch.normal(0.0, 1.0),  # no size: normal's own error
        lambda v: torch.rand(2, size=(3,)),
        lambda v: torch.normal(torch.zeros(3), v),  # shapes that do not broadcast
        lambda v: torch.multinomial(v.expand(2, 2, 4), 1),  # 3-d weights
        lambda v: torch.randn(3, shape=(3,)),  # a keyword randn does not take
        lambda v: torch.randperm(-1),  # (checked as randperm checks it)
    ):
        with pytest.raises(Exception) as one:
            func(samples()[0])
        with pytest.raises(type(one.value)) as batched:
            vmap(func, randomness="different")(samples())
        assert str(batched.value) == str(one.value)


@pytest.mark.parametrize(
    "func", [lambda v, g: torch.randperm(7, generator=g), lambda v, g: torch.rand(2, generator=g)]
)
def test_nested_different_levels_draw_once_with_the_values_of_nested_loops(func):
    grid, generator, looped = torch.zeros(3, B, 2), counted(10), counted(10)
    inner = vmap(lambda v: func(v, generator), randomness="different")
    out = vmap(inner, randomness="different")(grid)
    want = torch.stack([torch.stack([func(v, looped) for v in row]) for row in grid])
    assert generator.numpy.draws == 1 and looped.numpy.draws == 3 * B
    assert tuple(out.shape) == tuple(want.shape)
    np.testing.assert_array_equal(out.numpy(), want.numpy())
