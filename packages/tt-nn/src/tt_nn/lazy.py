"""Lazy modules: layers whose input size is read from their first input, as ``torch.nn``'s.

``LazyLinear(8)`` is a ``Linear(?, 8)``: its ``weight`` and ``bias`` start as
:class:`~tt_nn.parameter.UninitializedParameter` (no shape, no values), and the first forward
reads ``in_features`` from the input, materializes those same objects in place (an optimizer
built before still holds them), draws them exactly as the eager layer would, and turns the
module into a plain ``Linear`` (``type(m) is Linear``; the class's :attr:`cls_to_become`).
A ``load_state_dict`` before the first forward takes the checkpoint's shapes instead.

:class:`LazyModuleMixin` holds the machinery; each lazy class names its eager class and says
how the input gives the missing size. The lazy convolutions and 2-d/3-d batch norms live in
tt-vision, beside ``Conv2d`` and ``BatchNorm2d``; they use :class:`LazyNormBase` and the mixin.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import tt_tensor
from tt_tensor.checks import check_tensor

from .linear import Linear
from .normalization import BatchNorm1d
from .normalization_extra import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .parameter import UninitializedBuffer, UninitializedParameter, is_lazy

__all__ = [
    "LazyBatchNorm1d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
    "LazyLinear",
    "LazyModuleMixin",
    "LazyNormBase",
    "no_draws",
]


@contextmanager
def no_draws() -> Iterator[None]:
    """Run the block, then put the default generator back where it was.

    A lazy module builds its eager class with placeholder sizes, whose parameters it then
    replaces; restoring the generator keeps that throw-away draw from shifting the numbers
    that the first forward draws (so ``manual_seed(0); LazyLinear(3)(x)`` draws what
    ``manual_seed(0); Linear(4, 3)`` draws, as in PyTorch).
    """
    state = tt_tensor.get_rng_state()
    try:
        yield
    finally:
        tt_tensor.set_rng_state(state)


class LazyModuleMixin:
    """What a lazy module adds to its eager class, like ``torch.nn.modules.lazy.LazyModuleMixin``.

    A subclass lists the mixin first (``class LazyLinear(LazyModuleMixin, Linear)``), sets
    :attr:`cls_to_become` and defines :meth:`initialize_parameters`, which reads the missing
    sizes from the input and materializes the uninitialized parameters and buffers. A forward
    pre-hook calls it before the first forward; the module then becomes ``cls_to_become``.
    """

    #: The eager class the module becomes after its first forward (None: it stays lazy).
    cls_to_become: type | None = None
    #: The size the first input gives (``"in_features"``, ``"in_channels"``, ...): 0 until then.
    inferred_size = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters)

    def uninitialize(self, name: str, dtype: object = None, buffer: bool = False) -> None:
        """Set ``self.<name>`` to a new uninitialized parameter (or buffer) whose errors name it."""
        tensor = UninitializedBuffer(dtype=dtype) if buffer else UninitializedParameter(dtype=dtype)
        tensor.owner = f"{type(self).__name__}.{name}"
        setattr(self, name, tensor)

    def materialize_parameters(self, shapes: dict[str, tuple[int, ...]]) -> None:
        """Give each uninitialized member of ``shapes`` its shape, then draw them as the eager class does.

        Members that ``load_state_dict`` already filled keep their values; loading some but not
        all of them is refused (drawing the rest would redraw the loaded ones too).
        """
        members = {name: getattr(self, name) for name in shapes if getattr(self, name) is not None}
        lazy = [name for name, tensor in members.items() if is_lazy(tensor)]
        if not lazy:
            return
        if len(lazy) < len(members):
            loaded = [name for name in members if name not in lazy]
            raise RuntimeError(
                f"{type(self).__name__}: {', '.join(loaded)} came from load_state_dict but {', '.join(lazy)} "
                "did not; load all of them or none before the first forward"
            )
        for name in lazy:
            members[name].materialize(shapes[name])
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the parameters as the eager class does, once they have a shape (before: nothing to draw)."""
        if not self.has_uninitialized_params() and getattr(self, self.inferred_size) != 0:
            super().reset_parameters()

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module (not its children) is still uninitialized."""
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Read the missing sizes from the input and materialize the parameters (each lazy class's own)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def _infer_parameters(self, module: Any, args: tuple) -> None:
        """The forward pre-hook: initialize from the first input, then become ``cls_to_become``."""
        self.initialize_parameters(*args)
        if self.has_uninitialized_params():
            raise RuntimeError(f"module {type(self).__name__} has not been fully initialized")
        self._initialize_hook.remove()
        del self._initialize_hook
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become

    def _lazy_load_hook(self, state_dict: dict, prefix: str) -> None:
        """Before ``load_state_dict``: each uninitialized tensor takes its checkpoint entry's shape."""
        for name, tensor in (*self._parameters.items(), *self._buffers.items()):
            value = state_dict.get(prefix + name)
            if is_lazy(tensor) and value is not None and not is_lazy(value):
                tensor.materialize(tuple(value.shape))


class LazyLinear(LazyModuleMixin, Linear):
    """A :class:`~tt_nn.linear.Linear` whose ``in_features`` is the last size of its first input.

    Args:
        out_features: size of each output sample.
        bias: learn an additive bias (default True).
        device: only ``None``/``"cpu"``.
        dtype: parameter dtype (default: the default float dtype).

    Shape:
        input ``(*, H_in)``, output ``(*, out_features)``; ``H_in`` is fixed by the first input.

    Example:
        >>> layer = LazyLinear(2)  # doctest: +SKIP
        >>> layer  # doctest: +SKIP
        LazyLinear(in_features=0, out_features=2, bias=True)
        >>> layer(tt_autograd.randn(8, 4)).shape, type(layer).__name__  # doctest: +SKIP
        ((8, 2), 'Linear')
    """

    cls_to_become = Linear
    inferred_size = "in_features"

    def __init__(
        self, out_features: int, bias: bool = True, device: object = None, dtype: object = None
    ) -> None:
        with no_draws():
            super().__init__(1, out_features, bias, device, dtype)
        self.in_features = 0
        self.uninitialize("weight", dtype)
        if bias:
            self.uninitialize("bias", dtype)

    def initialize_parameters(self, input) -> None:  # noqa: A002
        """``in_features`` from ``input.shape[-1]``; ``weight`` and ``bias`` materialized and drawn."""
        check_tensor(type(self).__name__, input)
        if input.ndim == 0:
            raise RuntimeError(
                f"{type(self).__name__}: a 0-d input (shape {tuple(input.shape)}) has no features dim"
            )
        if self.in_features == 0:
            self.in_features = input.shape[-1]
        self.materialize_parameters(
            {"weight": (self.out_features, self.in_features), "bias": (self.out_features,)}
        )


class LazyNormBase(LazyModuleMixin):
    """A lazy batch or instance norm: ``num_features`` is the size of the input's channel dim.

    ``affine`` and ``track_running_stats`` default to True (for the instance norms too, as in
    PyTorch's lazy classes). A subclass lists this first, then its eager class; the channel dim
    is dim 1, or dim 0 of an unbatched instance-norm input (the eager class's ``unbatched_ndim``).
    """

    inferred_size = "num_features"

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: object = None, dtype: object = None, *,
                 bias: bool = True) -> None:  # fmt: skip
        with no_draws():
            super().__init__(1, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.num_features = 0
        if affine:
            self.uninitialize("weight", dtype)
            if bias:
                self.uninitialize("bias", dtype)
        if track_running_stats:
            self.uninitialize("running_mean", dtype, buffer=True)
            self.uninitialize("running_var", dtype, buffer=True)

    def _channel_dim(self, input) -> int:  # noqa: A002
        """Dim 1, or dim 0 of an unbatched instance-norm input; the input's rank checked first."""
        name, unbatched = type(self).__name__, getattr(self, "unbatched_ndim", 0)
        if unbatched:
            if input.ndim not in (unbatched, unbatched + 1):
                raise ValueError(
                    f"{name}: expected {unbatched}D or {unbatched + 1}D input (got {input.ndim}D input of "
                    f"shape {tuple(input.shape)})"
                )
            return input.ndim - unbatched
        try:
            self._check_input_dim(input)
        except ValueError as error:  # the eager class's message, under the lazy module's name
            raise ValueError(f"{name}: {error}") from None
        return 1

    def initialize_parameters(self, input) -> None:  # noqa: A002
        """``num_features`` from the input's channel dim; parameters and running statistics ``(C,)``."""
        check_tensor(type(self).__name__, input)
        channels = input.shape[self._channel_dim(input)]
        if self.num_features == 0:  # (PyTorch leaves 0 after a load_state_dict; the eager checks need C)
            self.num_features = channels
        names = ("weight", "bias", "running_mean", "running_var")
        self.materialize_parameters(dict.fromkeys(names, (self.num_features,)))


class LazyBatchNorm1d(LazyNormBase, BatchNorm1d):
    """A :class:`~tt_nn.normalization.BatchNorm1d` whose ``num_features`` is dim 1 of its first input.

    Args: ``BatchNorm1d``'s without ``num_features`` (see :class:`LazyNormBase`).
    """

    cls_to_become = BatchNorm1d


class LazyInstanceNorm1d(LazyNormBase, InstanceNorm1d):
    """An :class:`~tt_nn.InstanceNorm1d` whose ``num_features`` is read from its first input.

    Args: ``InstanceNorm1d``'s without ``num_features``; ``affine`` and ``track_running_stats``
    default to True, as in PyTorch's lazy norms (see :class:`LazyNormBase`).
    """

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(LazyNormBase, InstanceNorm2d):
    """An ``InstanceNorm2d`` whose ``num_features`` comes from its first input (as ``LazyInstanceNorm1d``)."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(LazyNormBase, InstanceNorm3d):
    """An ``InstanceNorm3d`` whose ``num_features`` comes from its first input (as ``LazyInstanceNorm1d``)."""

    cls_to_become = InstanceNorm3d
