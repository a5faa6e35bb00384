"""PyTorch's process-wide switches and constants at ``tinytorch``'s top level, and ``torch.random``.

Each switch is recorded and read back as PyTorch's is; bad values are refused by name. The
constants are Python's own; ``tt.dtype`` is the class of ``tt.float32``.
"""

from __future__ import annotations

import math

import pytest

import tinytorch as tt


@pytest.fixture(autouse=True)
def _restore():
    yield
    tt.use_deterministic_algorithms(False)
    tt.set_float32_matmul_precision("highest")
    tt.set_num_interop_threads(1)
    tt.set_warn_always(False)


def test_deterministic_algorithms_and_debug_mode_are_one_switch():
    assert not tt.are_deterministic_algorithms_enabled() and tt.get_deterministic_debug_mode() == 0
    tt.use_deterministic_algorithms(True, warn_only=True)
    assert tt.are_deterministic_algorithms_enabled() and tt.is_deterministic_algorithms_warn_only_enabled()
    assert tt.get_deterministic_debug_mode() == 1
    tt.set_deterministic_debug_mode("error")
    assert tt.get_deterministic_debug_mode() == 2 and not tt.is_deterministic_algorithms_warn_only_enabled()
    tt.set_deterministic_debug_mode(0)
    assert not tt.are_deterministic_algorithms_enabled()
    with pytest.raises(RuntimeError, match="set_deterministic_debug_mode: expected one of .* got 'loud'"):
        tt.set_deterministic_debug_mode("loud")
    with pytest.raises(TypeError, match="use_deterministic_algorithms: mode and warn_only must be bools"):
        tt.use_deterministic_algorithms(1)


def test_matmul_precision_interop_threads_warnings_and_denormals():
    tt.set_float32_matmul_precision("high")
    assert tt.get_float32_matmul_precision() == "high"
    with pytest.raises(RuntimeError, match="set_float32_matmul_precision: expected .* got 'low'"):
        tt.set_float32_matmul_precision("low")
    tt.set_num_interop_threads(3)
    assert tt.get_num_interop_threads() == 3
    with pytest.raises(RuntimeError, match="set_num_interop_threads: expected a positive int, got 0"):
        tt.set_num_interop_threads(0)
    tt.set_warn_always(True)
    assert tt.is_warn_always_enabled()
    assert tt.set_flush_denormal(True) is False


def test_default_device_is_the_cpu_only():
    tt.set_default_device("cpu")
    tt.set_default_device(None)
    assert tt.get_default_device() == "cpu" and tt.get_default_device().type == "cpu"
    with pytest.raises(RuntimeError, match="set_default_device: TinyTorch runs on the CPU only, so 'cuda:0'"):
        tt.set_default_device("cuda:0")


def test_constants_dtype_class_and_newaxis():
    assert (tt.pi, tt.e, tt.inf) == (math.pi, math.e, math.inf) and math.isnan(tt.nan)
    assert isinstance(tt.float32, tt.dtype) and isinstance(tt.zeros(1).dtype, tt.dtype)
    assert tuple(tt.zeros(2, 3)[:, tt.newaxis].shape) == (2, 1, 3)
    assert not hasattr(tt, "math")  # the constants do not bring the math module along


def test_random_namespace_seed_and_fork_rng():
    tt.random.manual_seed(5)
    expected = tt.rand(3).tolist()
    tt.manual_seed(5)
    with tt.random.fork_rng():
        tt.rand(10)  # draws inside the block do not move the generator outside it
    assert tt.rand(3).tolist() == expected
    tt.manual_seed(5)
    with tt.random.fork_rng(enabled=False):
        tt.rand(3)
    assert tt.rand(3).tolist() != expected
    new_seed = tt.seed()
    assert tt.initial_seed() == new_seed == tt.random.initial_seed()
    state = tt.random.get_rng_state()
    first = tt.rand(2).tolist()
    tt.random.set_rng_state(state)
    assert tt.rand(2).tolist() == first
