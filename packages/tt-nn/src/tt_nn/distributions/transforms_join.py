"""``CatTransform`` and ``StackTransform``: different transforms on different slices of one tensor.

``CatTransform([ExpTransform(), identity_transform], dim=0, lengths=[2, 3])`` applies ``exp``
to the first 2 entries along ``dim`` and the identity to the next 3, and concatenates;
``StackTransform(tseq, dim)`` applies ``tseq[i]`` to ``x.select(dim, i)`` and stacks. Their
domains are the constraints ``cat`` / ``stack`` of the parts' (here as in
``torch.distributions.constraints``), so ``biject_to`` maps each slice to its own set.
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd

from . import constraints
from .distribution import sum_rightmost
from .transforms import Transform, _is_transform_list

__all__ = ["CatTransform", "StackTransform"]


def _check_dim(name: str, dim: object) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{name}: dim must be an int, got {dim!r}")
    return dim


def _check_lengths(name: str, lengths: object, count: int) -> list[int]:
    if lengths is None:
        return [1] * count
    lengths = list(lengths)
    if len(lengths) != count or any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in lengths):
        raise ValueError(f"{name}: lengths must be {count} ints >= 0 (one per part), got {lengths!r}")
    return lengths


class _Cat(constraints.Constraint):
    """Slices along ``dim`` (of ``lengths``) each in its own constraint of ``cseq``."""

    def __init__(
        self, cseq: list[constraints.Constraint], dim: int = 0, lengths: list[int] | None = None
    ) -> None:
        self.cseq = list(cseq)
        self.dim = _check_dim("constraints.cat", dim)
        self.lengths = _check_lengths("constraints.cat", lengths, len(self.cseq))
        self.hint = "; ".join(
            f"entries {n} along dim {dim}: {c.hint}" for c, n in zip(self.cseq, self.lengths)
        )

    @property
    def is_discrete(self) -> bool:
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:
        return max(c.event_dim for c in self.cseq)

    def check(self, value: np.ndarray) -> np.ndarray:
        bounds = np.cumsum([0] + self.lengths)
        parts = [np.take(value, range(a, b), axis=self.dim) for a, b in zip(bounds[:-1], bounds[1:])]
        return np.concatenate([c.check(v) for c, v in zip(self.cseq, parts)], axis=self.dim)

    def __repr__(self) -> str:
        return "Cat()"


class _Stack(constraints.Constraint):
    """The slices ``value.select(dim, i)`` each in its own constraint ``cseq[i]``."""

    def __init__(self, cseq: list[constraints.Constraint], dim: int = 0) -> None:
        self.cseq = list(cseq)
        self.dim = _check_dim("constraints.stack", dim)
        self.hint = "; ".join(f"slice {i} along dim {dim}: {c.hint}" for i, c in enumerate(self.cseq))

    @property
    def is_discrete(self) -> bool:
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:
        dim = max(c.event_dim for c in self.cseq)
        return dim + 1 if self.dim + dim < 0 else dim

    def check(self, value: np.ndarray) -> np.ndarray:
        parts = [np.take(value, i, axis=self.dim) for i in range(value.shape[self.dim])]
        return np.stack([c.check(v) for c, v in zip(self.cseq, parts)], axis=self.dim)

    def __repr__(self) -> str:
        return "Stack()"


cat = _Cat
stack = _Stack


def _parts(name: str, tseq: object, cache_size: int) -> list[Transform]:
    if not _is_transform_list(tseq) or not tseq:
        raise TypeError(f"{name}: tseq must be a non-empty list of Transforms, got {tseq!r}")
    return [t.with_cache(cache_size) for t in tseq] if cache_size else list(tseq)


class CatTransform(Transform):
    """``tseq[i]`` applied to the ``i``-th slice (``lengths[i]`` entries, default 1) along ``dim``.

    Args:
        tseq: the transforms, one per slice.
        dim: the dim the slices are cut along.
        lengths: each slice's length along ``dim`` (default: 1 each).
        cache_size: 0 or 1, given to every part.
    """

    def __init__(
        self, tseq: list[Transform], dim: int = 0, lengths: list[int] | None = None, cache_size: int = 0
    ):
        self.transforms = _parts("CatTransform", tseq, cache_size)
        self.dim = _check_dim("CatTransform", dim)
        self.lengths = _check_lengths("CatTransform", lengths, len(self.transforms))
        super().__init__(cache_size=cache_size)

    @property
    def event_dim(self) -> int:
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self) -> int:
        return sum(self.lengths)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _slices(self, value: autograd.Tensor) -> list[autograd.Tensor]:
        if not -value.dim() <= self.dim < value.dim():
            raise ValueError(
                f"CatTransform: dim {self.dim} is out of range for a tensor of shape {tuple(value.shape)}"
            )
        if value.shape[self.dim] != self.length:
            raise ValueError(
                f"CatTransform: the input has {value.shape[self.dim]} entries along dim {self.dim} "
                f"(shape {tuple(value.shape)}), but the lengths {self.lengths} add up to {self.length}"
            )
        bounds = np.cumsum([0] + self.lengths)
        return [value.narrow(self.dim, int(a), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:])]

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return autograd.cat([t(v) for t, v in zip(self.transforms, self._slices(x))], dim=self.dim)

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return autograd.cat([t.inv(v) for t, v in zip(self.transforms, self._slices(y))], dim=self.dim)

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        """Each slice's log-Jacobian (summed to the common event dims); concatenated along ``dim`` when
        ``dim`` is a batch dim, added when it lies inside the event."""
        terms = []
        for t, xs, ys in zip(self.transforms, self._slices(x), self._slices(y)):
            terms.append(sum_rightmost(t.log_abs_det_jacobian(xs, ys), self.event_dim - t.event_dim))
        dim = (self.dim - x.dim() if self.dim >= 0 else self.dim) + self.event_dim
        if dim < 0:
            return autograd.cat(terms, dim=dim)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    @property
    def bijective(self) -> bool:
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self) -> constraints.Constraint:
        return _Cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @property
    def codomain(self) -> constraints.Constraint:
        return _Cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """``tseq[i]`` applied to ``x.select(dim, i)``, the results stacked along ``dim``.

    Args:
        tseq: the transforms, one per index along ``dim``.
        dim: the dim to slice and stack along.
        cache_size: 0 or 1, given to every part.
    """

    def __init__(self, tseq: list[Transform], dim: int = 0, cache_size: int = 0) -> None:
        self.transforms = _parts("StackTransform", tseq, cache_size)
        self.dim = _check_dim("StackTransform", dim)
        super().__init__(cache_size=cache_size)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, value: autograd.Tensor) -> list[autograd.Tensor]:
        if not -value.dim() <= self.dim < value.dim():
            raise ValueError(
                f"StackTransform: dim {self.dim} is out of range for a tensor of shape {tuple(value.shape)}"
            )
        if value.shape[self.dim] != len(self.transforms):
            raise ValueError(
                f"StackTransform: the input has {value.shape[self.dim]} entries along dim {self.dim} "
                f"(shape {tuple(value.shape)}), but there are {len(self.transforms)} transforms"
            )
        return [value.select(self.dim, i) for i in range(len(self.transforms))]

    def _call(self, x: autograd.Tensor) -> autograd.Tensor:
        return autograd.stack([t(v) for t, v in zip(self.transforms, self._slices(x))], dim=self.dim)

    def _inverse(self, y: autograd.Tensor) -> autograd.Tensor:
        return autograd.stack([t.inv(v) for t, v in zip(self.transforms, self._slices(y))], dim=self.dim)

    def log_abs_det_jacobian(self, x: autograd.Tensor, y: autograd.Tensor) -> autograd.Tensor:
        terms = [
            t.log_abs_det_jacobian(a, b) for t, a, b in zip(self.transforms, self._slices(x), self._slices(y))
        ]
        return autograd.stack(terms, dim=self.dim)

    @property
    def bijective(self) -> bool:
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self) -> constraints.Constraint:
        return _Stack([t.domain for t in self.transforms], self.dim)

    @property
    def codomain(self) -> constraints.Constraint:
        return _Stack([t.codomain for t in self.transforms], self.dim)
