"""Lazy modules (``LazyLinear``, ``LazyBatchNorm1d``, ``LazyInstanceNorm1d/2d/3d``), their uninitialized
parameters and ``nn.Buffer``, with PyTorch 2.13's semantics.

The lazy convolutions and 2-d/3-d batch norms are tt-vision's (its ``test_lazy_conv_modules.py``),
as is the optimizer built before the first forward (tt-optim comes after this package).
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn as nn
import tt_tensor
from tt_nn.lazy import LazyModuleMixin
from tt_nn.parameter import is_lazy


def values(tensor) -> np.ndarray:
    return tensor.detach().numpy().copy()


def seeded(build, x, seed=3):
    autograd.manual_seed(seed)
    module = build()
    if x is not None:
        module(x)
    return module


# ----------------------------------------------------------------- LazyLinear
@pytest.mark.parametrize(("batch_shape", "features"), [((), 4), ((5,), 1), ((2, 3), 4)])
def test_lazy_linear_draws_what_linear_draws_and_becomes_a_linear(batch_shape, features):
    x = autograd.randn(*batch_shape, features)
    lazy = seeded(lambda: nn.LazyLinear(3), x)
    eager = seeded(lambda: nn.Linear(features, 3), None)
    assert type(lazy) is nn.Linear and lazy.in_features == features and lazy.out_features == 3
    np.testing.assert_array_equal(values(lazy.weight), values(eager.weight))
    np.testing.assert_array_equal(values(lazy.bias), values(eager.bias))
    np.testing.assert_array_equal(values(lazy(x)), values(eager(x)))
    assert type(lazy.weight) is nn.Parameter and lazy.weight.requires_grad


def test_lazy_linear_repr_before_and_after():
    layer = nn.LazyLinear(3, bias=False)
    assert repr(layer) == "LazyLinear(in_features=0, out_features=3, bias=False)"
    layer(autograd.randn(2, 5))
    assert repr(layer) == "Linear(in_features=5, out_features=3, bias=False)"
    assert list(layer.state_dict()) == ["weight"]


def test_the_same_parameter_objects_are_materialized_in_place():
    layer = nn.LazyLinear(2)
    before = list(layer.parameters())
    assert [type(p) for p in before] == [nn.UninitializedParameter] * 2
    assert all(is_lazy(p) for p in before) and layer.has_uninitialized_params()
    layer(autograd.randn(3, 4))
    after = list(layer.parameters())
    assert all(a is b for a, b in zip(before, after)) and len(after) == 2
    assert [p.shape for p in after] == [(2, 4), (2,)]
    assert not any(is_lazy(p) for p in after)


def test_gradients_match_the_eager_module_and_gradcheck_through_the_materialized_one(rng):
    x = autograd.tensor(rng.standard_normal((4, 3)), dtype=autograd.float64, requires_grad=True)
    lazy = seeded(lambda: nn.LazyLinear(2, dtype=autograd.float64), x)
    eager = seeded(lambda: nn.Linear(3, 2, dtype=autograd.float64), None)
    for module in (lazy, eager):
        x.grad = None
        (module(x) ** 2).sum().backward()
        module.grad_x = values(x.grad)
    np.testing.assert_allclose(lazy.grad_x, eager.grad_x, rtol=1e-12)
    np.testing.assert_allclose(values(lazy.weight.grad), values(eager.weight.grad), rtol=1e-12)
    np.testing.assert_allclose(values(lazy.bias.grad), values(eager.bias.grad), rtol=1e-12)
    assert autograd.gradcheck(lambda a, w, b: lazy(a) * w.sum() + b.sum(), [x, lazy.weight, lazy.bias])
    assert autograd.gradgradcheck(lambda a: (lazy(a) ** 2).sum(), [x])


def test_an_uninitialized_parameter_refuses_its_shape_and_values_naming_the_module():
    layer = nn.LazyLinear(3)
    for attempt in (
        lambda: layer.weight.numel(),
        lambda: layer.weight + 1,
        lambda: layer.weight.shape,
        lambda: layer.bias.tolist(),
        lambda: np.asarray(layer.weight),
    ):
        with pytest.raises(RuntimeError, match=r"LazyLinear\.(weight|bias) .*run a forward pass"):
            attempt()
    assert repr(layer.weight) == "<UninitializedParameter>"
    assert layer.weight.dtype == autograd.float32 and layer.weight.is_floating_point()
    assert layer.weight.detach() is layer.weight  # nothing to share: state_dict keeps it as it is


def test_initialize_parameters_materializes_but_only_the_first_forward_changes_the_class():
    layer = nn.LazyLinear(2)
    autograd.manual_seed(0)
    layer.initialize_parameters(autograd.randn(1, 6))
    assert type(layer) is nn.LazyLinear and not layer.has_uninitialized_params()
    assert layer.weight.shape == (2, 6) and layer.in_features == 6
    drawn = values(layer.weight)
    layer(autograd.randn(1, 6))
    assert type(layer) is nn.Linear
    np.testing.assert_array_equal(values(layer.weight), drawn)  # not drawn again
    assert not hasattr(layer, "_initialize_hook")


def test_forward_hooks_registered_before_the_first_forward_still_run():
    layer = nn.LazyLinear(2)
    seen = []
    layer.register_forward_pre_hook(lambda module, args: seen.append(args[0].shape))
    layer(autograd.randn(3, 4))
    layer(autograd.randn(1, 4))
    assert seen == [(3, 4), (1, 4)]


def test_a_zero_dim_input_is_refused_naming_the_module():
    with pytest.raises(RuntimeError, match=r"LazyLinear: a 0-d input"):
        nn.LazyLinear(2)(autograd.tensor(1.0))
    with pytest.raises(TypeError, match="LazyLinear"):
        nn.LazyLinear(2)([1.0, 2.0])


def test_to_dtype_before_the_first_forward_gives_parameters_of_that_dtype():
    layer = nn.LazyLinear(2).double()
    assert layer.weight.dtype == autograd.float64
    layer.zero_grad()
    layer(autograd.randn(3, 4, dtype=autograd.float64))
    assert layer.weight.dtype == layer.bias.dtype == autograd.float64


def test_requires_grad_false_survives_materialization():
    layer = nn.LazyLinear(2).requires_grad_(False)
    layer(autograd.randn(3, 4))
    assert not layer.weight.requires_grad and not layer.bias.requires_grad


# ----------------------------------------------------------------- state dicts
def test_state_dict_of_a_lazy_module_holds_its_uninitialized_parameters():
    layer = nn.LazyLinear(3)
    state = layer.state_dict()
    assert list(state) == ["weight", "bias"]
    assert state["weight"] is layer.weight and is_lazy(state["bias"])


def test_load_state_dict_materializes_from_the_checkpoint_shapes():
    eager = nn.Linear(4, 3)
    layer = nn.LazyLinear(3)
    weight = layer.weight
    assert layer.load_state_dict(eager.state_dict()) == ([], [])
    assert type(layer) is nn.LazyLinear and layer.weight is weight and weight.shape == (3, 4)
    np.testing.assert_array_equal(values(layer.weight), values(eager.weight))
    x = autograd.randn(2, 4)
    np.testing.assert_array_equal(values(layer(x)), values(eager(x)))  # loaded values are not redrawn
    assert type(layer) is nn.Linear and layer.in_features == 4


def test_reset_parameters_before_the_first_forward_draws_nothing_even_after_a_load():
    layer = nn.LazyLinear(3)
    layer.reset_parameters()  # nothing to draw into yet
    eager = nn.Linear(4, 3)
    layer.load_state_dict(eager.state_dict())
    layer.reset_parameters()  # in_features is still unknown (0), as in PyTorch: the loaded values stay
    np.testing.assert_array_equal(values(layer.weight), values(eager.weight))
    np.testing.assert_array_equal(values(layer.bias), values(eager.bias))


def test_a_model_of_lazy_layers_round_trips_through_its_state_dict():
    def model():
        return nn.Sequential(nn.LazyLinear(5), nn.ReLU(), nn.LazyLinear(2))

    x = autograd.randn(3, 4)
    trained = model()
    trained(x)
    restored = model()
    assert restored.load_state_dict(trained.state_dict()) == ([], [])
    np.testing.assert_array_equal(values(restored(x)), values(trained(x)))
    assert [type(m) for m in restored] == [nn.Linear, nn.ReLU, nn.Linear]


def test_loading_some_parameters_but_not_all_is_refused_at_the_first_forward():
    layer = nn.LazyLinear(3)
    assert layer.load_state_dict({"weight": autograd.ones(3, 4)}, strict=False).missing_keys == ["bias"]
    with pytest.raises(RuntimeError, match=r"LazyLinear: weight came from load_state_dict but bias did not"):
        layer(autograd.randn(2, 4))


def test_a_strict_load_with_a_missing_key_is_still_refused():
    with pytest.raises(RuntimeError, match="missing keys: bias"):
        nn.LazyLinear(3).load_state_dict({"weight": autograd.ones(3, 4)})


# ----------------------------------------------------------------- lazy norms
def test_lazy_batch_norm_1d_matches_batch_norm_1d_after_its_first_forward(rng):
    x = autograd.tensor(rng.standard_normal((6, 3, 5)))
    lazy, eager = nn.LazyBatchNorm1d(momentum=0.3), nn.BatchNorm1d(3, momentum=0.3)
    assert (
        repr(lazy)
        == "LazyBatchNorm1d(0, eps=1e-05, momentum=0.3, affine=True, bias=True, track_running_stats=True)"
    )
    assert [is_lazy(b) for b in lazy.buffers()] == [True, True, False]
    assert isinstance(lazy.running_mean, nn.UninitializedBuffer)
    np.testing.assert_allclose(values(lazy(x)), values(eager(x)), rtol=1e-6)
    assert type(lazy) is nn.BatchNorm1d and repr(lazy) == repr(eager)
    for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(values(getattr(lazy, name)), values(getattr(eager, name)), rtol=1e-6)
    assert type(lazy.running_mean) is autograd.Tensor


def test_lazy_batch_norm_first_forward_in_eval_mode_uses_fresh_running_statistics(rng):
    x = autograd.tensor(rng.standard_normal((4, 2)))
    lazy = nn.LazyBatchNorm1d().eval()
    np.testing.assert_allclose(values(lazy(x)), values(x) / np.sqrt(1 + 1e-5), rtol=1e-6)
    assert lazy.num_batches_tracked.item() == 0 and not lazy.training


def test_lazy_batch_norm_without_affine_or_statistics():
    bn = nn.LazyBatchNorm1d(affine=False)
    assert list(bn.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]
    bn(autograd.randn(4, 3))
    assert bn.weight is None and bn.running_mean.shape == (3,)


def test_lazy_norms_refuse_an_input_that_is_not_a_tensor():
    for norm in (nn.LazyBatchNorm1d(), nn.LazyInstanceNorm1d()):
        with pytest.raises(TypeError, match=type(norm).__name__):
            norm([[1.0, 2.0], [3.0, 4.0]])


def test_lazy_batch_norm_refuses_a_wrong_rank_naming_itself_and_the_shape():
    with pytest.raises(ValueError, match=r"LazyBatchNorm1d: .*\(2, 3, 4, 5\)"):
        nn.LazyBatchNorm1d()(autograd.randn(2, 3, 4, 5))


@pytest.mark.parametrize(
    ("lazy_class", "eager_class", "shape"),
    [
        (nn.LazyInstanceNorm1d, nn.InstanceNorm1d, (2, 3, 7)),
        (nn.LazyInstanceNorm1d, nn.InstanceNorm1d, (3, 7)),
        (nn.LazyInstanceNorm2d, nn.InstanceNorm2d, (2, 3, 4, 5)),
        (nn.LazyInstanceNorm2d, nn.InstanceNorm2d, (3, 4, 5)),
        (nn.LazyInstanceNorm3d, nn.InstanceNorm3d, (2, 3, 2, 3, 4)),
    ],
)
def test_lazy_instance_norms_read_the_channel_dim_batched_or_not(lazy_class, eager_class, shape, rng):
    x = autograd.tensor(rng.standard_normal(shape))
    lazy = lazy_class()
    eager = eager_class(3, affine=True, track_running_stats=True)  # the lazy classes' defaults
    np.testing.assert_allclose(values(lazy(x)), values(eager(x)), rtol=1e-6, atol=1e-7)
    assert type(lazy) is eager_class and repr(lazy) == repr(eager)
    np.testing.assert_allclose(values(lazy.running_var), values(eager.running_var), rtol=1e-6)


def test_lazy_instance_norm_without_parameters_still_learns_its_channel_count():
    norm = nn.LazyInstanceNorm2d(affine=False, track_running_stats=False)
    assert not norm.has_uninitialized_params() and list(norm.parameters()) == []
    norm(autograd.randn(2, 5, 3, 3))
    assert type(norm) is nn.InstanceNorm2d and norm.num_features == 5


def test_lazy_instance_norm_refuses_a_wrong_rank_naming_itself_and_the_shape():
    with pytest.raises(ValueError, match=r"LazyInstanceNorm2d: expected 3D or 4D input .*\(1, 2, 3, 4, 5\)"):
        nn.LazyInstanceNorm2d()(autograd.randn(1, 2, 3, 4, 5))


def test_lazy_norm_loads_a_checkpoint_then_runs_as_the_eager_norm(rng):
    eager = nn.BatchNorm1d(4)
    eager(autograd.tensor(rng.standard_normal((8, 4))))
    lazy = nn.LazyBatchNorm1d()
    lazy.load_state_dict(eager.state_dict())
    x = autograd.tensor(rng.standard_normal((5, 4)))
    np.testing.assert_allclose(values(lazy.eval()(x)), values(eager.eval()(x)), rtol=1e-6)
    assert lazy.num_features == 4


def test_a_lazy_class_without_initialize_parameters_says_so():
    class Half(LazyModuleMixin, nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(NotImplementedError, match="initialize_parameters is not implemented for Half"):
        Half()(autograd.ones(2))


def test_a_lazy_class_that_leaves_a_parameter_uninitialized_is_refused():
    class Forgetful(LazyModuleMixin, nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.UninitializedParameter()

        def initialize_parameters(self, x):
            pass

    with pytest.raises(RuntimeError, match="module Forgetful has not been fully initialized"):
        Forgetful()(autograd.ones(2))


# ----------------------------------------------------------------- UninitializedParameter / Buffer
def test_uninitialized_parameter_materializes_into_a_parameter_in_place():
    p = nn.UninitializedParameter(dtype=autograd.float64)
    assert isinstance(p, nn.Parameter) and p.requires_grad
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == autograd.float64
    np.testing.assert_array_equal(values(p), np.zeros((2, 3)))
    assert "owner" not in vars(p) and "_empty" not in vars(p)  # nothing of the placeholder is left
    q = nn.UninitializedParameter(requires_grad=False)
    q.materialize((1,), dtype=autograd.float16)
    assert q.dtype == autograd.float16 and not q.requires_grad


def test_uninitialized_buffer_is_a_buffer_that_becomes_a_plain_tensor():
    b = nn.UninitializedBuffer(persistent=False)
    assert isinstance(b, nn.Buffer) and not b.requires_grad and repr(b) == "<UninitializedBuffer>"
    m = nn.Module()
    m.stats = b
    assert list(dict(m.named_buffers())) == ["stats"] and list(m.state_dict()) == []
    b.materialize((4,))
    assert type(b) is autograd.Tensor and b.shape == (4,)


def test_an_integer_uninitialized_tensor_cannot_require_grad_and_is_not_converted_by_to():
    b = nn.UninitializedBuffer(dtype=autograd.int64)
    with pytest.raises(RuntimeError, match="only floating-point tensors can require gradients"):
        b.requires_grad = True
    m = nn.Module()
    m.count = b
    m.double()
    assert b.dtype == autograd.int64 and not b.is_floating_point()


def test_uninitialized_tensors_refuse_other_devices():
    for make in (nn.UninitializedParameter, nn.UninitializedBuffer):
        with pytest.raises(RuntimeError, match="CPU only"):
            make(device="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.UninitializedParameter().materialize((2,), device="cuda")
    with pytest.raises(RuntimeError, match="no storage to write into"):
        nn.UninitializedParameter().array = np.zeros(2)


def test_buffer_is_the_detached_tensor_marked_as_a_buffer():
    x = autograd.ones(2, requires_grad=True)
    b = nn.Buffer(x)
    assert type(b) is autograd.Tensor and isinstance(b, nn.Buffer) and not isinstance(x, nn.Buffer)
    assert b is not x and np.shares_memory(b.array, x.array)
    assert b.requires_grad and b.is_leaf and b.persistent
    plain = nn.Buffer(tt_tensor.ones(2))  # a tt-tensor tensor (no autograd): it does not require grad
    assert type(plain) is autograd.Tensor and not plain.requires_grad and isinstance(plain, nn.Buffer)
    empty = nn.Buffer()
    assert empty.shape == (0,) and not nn.Buffer(autograd.ones(1), persistent=False).persistent
    with pytest.raises(TypeError, match="Buffer: data must be a tensor or None, got list"):
        nn.Buffer([1.0, 2.0])


def test_assigning_a_buffer_registers_it_with_its_persistence():
    m = nn.Module()
    m.a = nn.Buffer(autograd.zeros(2))
    m.b = nn.Buffer(autograd.ones(1), persistent=False)
    assert list(dict(m.named_buffers())) == ["a", "b"] and list(m.state_dict()) == ["a"]
    m.a = autograd.ones(3)  # a plain tensor replaces a buffer and keeps its persistence
    assert m.a.shape == (3,) and list(m.state_dict()) == ["a"]
    m.b = nn.Buffer(autograd.ones(1))  # a Buffer brings its own: persistent now
    assert list(m.state_dict()) == ["a", "b"]


def test_a_buffer_cannot_take_a_parameter_module_or_attribute_name():
    m = nn.Module()
    m.p = nn.Parameter(autograd.ones(1))
    m.child = nn.Identity()
    m.plain = 5
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'p'"):
        m.p = nn.Buffer(autograd.ones(1))
    with pytest.raises(TypeError, match="cannot assign a Buffer as child module 'child'"):
        m.child = nn.Buffer(autograd.ones(1))
    with pytest.raises(KeyError, match="attribute 'plain' already exists"):
        m.plain = nn.Buffer(autograd.ones(1))
    assert list(m._buffers) == []


def test_a_buffer_assigned_before_module_init_is_refused():
    class Early(nn.Module):
        def __init__(self):
            self.x = nn.Buffer(autograd.ones(1))

    with pytest.raises(AttributeError, match="cannot assign buffer 'x' before Module.__init__"):
        Early()


def test_a_forward_hook_that_removes_itself_does_not_skip_the_next_one():
    layer, seen = nn.Identity(), []
    handle = layer.register_forward_hook(lambda module, args, output: handle.remove())
    layer.register_forward_hook(lambda module, args, output: seen.append(output.shape))
    layer(autograd.ones(2))
    assert seen == [(2,)] and len(layer._forward_hooks) == 1


def test_a_deep_copy_of_a_lazy_module_initializes_on_its_own():
    import copy

    original = nn.LazyLinear(3)
    twin = copy.deepcopy(original)
    assert twin.weight is not original.weight and is_lazy(twin.weight)
    twin(autograd.randn(2, 4))
    original(autograd.randn(2, 5))
    assert (twin.weight.shape, original.weight.shape) == ((3, 4), (3, 5))
    assert type(twin) is type(original) is nn.Linear
