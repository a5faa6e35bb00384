"""``torch.nn.utils.parametrizations.orthogonal``: a weight kept orthogonal while it trains.

After ``orthogonal(layer)`` the weight ``Q`` (``m x n``, or a batch ``(..., m, n)``)
has orthonormal columns when ``m >= n`` (``QᵀQ = I``) and orthonormal rows when
``m < n`` (``QQᵀ = I``), whatever an optimizer does to what is trained: ``Q`` is
computed at every access from an unconstrained original ``X`` by one of three
maps. A wide ``X`` is transposed first, so each map sees a tall ``n x k`` matrix
(``n >= k``) and its result is transposed back.

* ``"matrix_exp"``: ``Q = exp(A)[:, :k]``, ``A = L - Lᵀ`` skew-symmetric from the
  lower triangle ``L`` of ``X`` (padded with zero columns to ``n x n``): the
  exponential of a skew-symmetric matrix is orthogonal.
* ``"cayley"``: ``Q = ((I - A/2)^{-1} (I + A/2))[:, :k]``, the same ``A``: a
  rational map, cheaper than the exponential, orthogonal for the same reason.
* ``"householder"``: the product of ``k`` reflectors whose vectors are the
  columns of ``X``'s strict lower triangle (:func:`tt_autograd.linalg.householder_product`,
  ``tau = 2 / ‖v‖²``), each column then multiplied by ``X``'s diagonal entry
  truncated to an integer (so ``-1`` or ``1``; not differentiated).

The default is ``"matrix_exp"`` for a square weight and ``"householder"``
otherwise (PyTorch's rule).

A complex weight (complex64 or complex128) is made unitary: ``QᴴQ = I`` (``QQᴴ = I`` when wide),
with ``A = L - Lᴴ`` skew-Hermitian, whose exponential and Cayley map are unitary; the default map is
then ``"matrix_exp"`` whatever the shape, and ``"householder"`` is refused, as in PyTorch (its sign
step has no complex counterpart there). The base and the QR completion are complex alike.

``use_trivialization=True`` (the default) keeps a second, fixed orthogonal
``n x n`` matrix ``B``, the buffer ``parametrizations.<name>[0].base``, and makes
the weight ``B Q``: the original starts at the point where the map gives the
identity (``-I``, which all three send to ``I``), so training moves around the
weight the layer started from rather than around ``I`` (Lezcano-Casado 2019,
"Trivializations for gradient-based optimization on manifolds"). Assigning to
``module.<name>`` (and registration) runs ``right_inverse``: with a base, the
assigned matrix is made orthogonal (kept if it is, else the ``Q`` of its QR
factorisation with a non-negative ``R`` diagonal, a tall or wide one first
completed with random columns) and stored as the base; without one, only the
Householder map can go back (the reflectors of its QR factorisation), and the
other two raise ``NotImplementedError``, so registration keeps the original
as it is and the initial weight is the map's value at it.

The state dict holds ``parametrizations.<name>.original`` and, with a base,
``parametrizations.<name>.0.base``: PyTorch's keys.

Cost per access: an exponential or a solve of an ``n x n`` matrix, or ``k``
rank-one updates (Householder), plus a product with the base.

Example:
    >>> import tt_autograd as autograd
    >>> from tt_nn import Linear
    >>> layer = orthogonal(Linear(3, 5))
    >>> q = layer.weight
    >>> bool(autograd.allclose(q.mT @ q, autograd.eye(3), atol=1e-6))
    True
"""

from __future__ import annotations

import numpy as np
import tt_autograd as autograd
import tt_tensor
from tt_autograd import no_grad

from .module import Module
from .parametrize import register_parametrization

MAPS = ("matrix_exp", "cayley", "householder")


def is_orthogonal(q: np.ndarray) -> bool:
    """``QᴴQ ≈ I`` (``QᵀQ`` for real ``Q``) for every matrix of a batch of ``n x k`` matrices, within
    ``10 n`` units of roundoff."""
    n, k = q.shape[-2:]
    eps = 10.0 * n * np.finfo(q.dtype).eps
    gram = np.swapaxes(q, -1, -2).conj() @ q
    return bool(np.allclose(gram, np.eye(k, dtype=q.dtype), rtol=1e-5, atol=eps))


def make_orthogonal(a: np.ndarray) -> np.ndarray:
    """The ``Q`` of ``A = QR`` with ``R``'s diagonal real non-negative (a zero one zeroes a column):
    each column of ``Q`` times the phase ``r / |r|`` of its diagonal entry (its sign when real)."""
    q, r = np.linalg.qr(a)
    diagonal = np.diagonal(r, axis1=-2, axis2=-1)
    magnitude = np.abs(diagonal)
    phase = np.where(magnitude == 0, 0, diagonal / np.where(magnitude == 0, 1, magnitude))
    return q * phase[..., None, :].astype(q.dtype)


def householder_reflectors(q: np.ndarray) -> np.ndarray:
    """The original that the Householder map sends to ``Q`` (tall): ``Q``'s compact QR form, diagonal ±1.

    The reflectors below the diagonal; on it, the sign of ``R``'s diagonal, flipped where LAPACK
    used no reflection (``tau = 0``), so that the map's sign step undoes what the reflections do.
    """
    h, tau = np.linalg.qr(q, mode="raw")  # LAPACK's geqrf, each matrix transposed
    reflectors = np.swapaxes(h, -1, -2).copy()
    diagonal = np.sign(np.diagonal(reflectors, axis1=-2, axis2=-1))
    diagonal = np.where(tau == 0.0, -diagonal, diagonal)
    k = reflectors.shape[-1]
    reflectors[..., np.arange(k), np.arange(k)] = diagonal
    return reflectors


class _Orthogonal(Module):
    """The map from an unconstrained ``X`` to an orthogonal ``Q`` (see the module docstring)."""

    def __init__(self, weight, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.array.dtype.kind == "c" and orthogonal_map == "householder":
            raise ValueError(
                "The householder parametrization does not support complex tensors. (orthogonal: use "
                f"orthogonal_map='matrix_exp' or 'cayley' for the complex {weight.dtype} weight)"
            )
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        self.use_trivialization = use_trivialization
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X, n, k = X.mT, k, n
        if self.orthogonal_map == "householder":
            Q = self._householder(X)
        else:
            Q = self._skew_map(X, n, k)
        if self.use_trivialization:
            if self.base is None:
                raise TypeError(
                    "orthogonal: the base of the trivialization was never set (this parametrization was "
                    "added on top of another, so its right_inverse did not run); assign an orthogonal matrix "
                    "to the parametrized tensor first, or register it with use_trivialization=False"
                )
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def _skew_map(self, X, n: int, k: int):
        """``exp(A)`` or the Cayley map of ``A = L - Lᴴ`` (``L``: ``X``'s lower triangle, padded square)."""
        X = X.tril()
        if n != k:
            padding = np.zeros(tuple(X.shape[:-2]) + (n, n - k), dtype=X.array.dtype)
            X = autograd.cat([X, autograd.Tensor.from_array(padding)], dim=-1)
        A = X - X.mH  # skew-symmetric, or skew-Hermitian for a complex X
        if self.orthogonal_map == "matrix_exp":
            Q = autograd.linalg.matrix_exp(A)
        else:
            identity = autograd.eye(n, dtype=A.dtype)
            Q = autograd.linalg.solve(identity - 0.5 * A, identity + 0.5 * A)
        return Q[..., :k] if n != k else Q

    @staticmethod
    def _householder(X):
        """The product of the reflectors in ``X``'s strict lower triangle, columns signed by its diagonal."""
        A = X.tril(-1)
        tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
        Q = autograd.linalg.householder_product(A, tau)
        signs = np.trunc(np.diagonal(X.array, axis1=-2, axis2=-1))  # PyTorch's .int(): not differentiated
        return Q * autograd.Tensor.from_array(signs[..., None, :].astype(X.array.dtype))

    def right_inverse(self, Q):
        """The original giving ``Q`` (see the module docstring); with a base, also sets the base."""
        if tuple(Q.shape) != self.shape:
            raise ValueError(
                f"orthogonal: Expected a matrix or batch of matrices of shape {self.shape}, got a tensor of "
                f"shape {tuple(Q.shape)}"
            )
        with no_grad():
            q = np.array(Q.detach().array)
            transposed = q.shape[-2] < q.shape[-1]
            if transposed:
                q = np.swapaxes(q, -1, -2)
            n, k = q.shape[-2:]
            if not self.use_trivialization:
                if self.orthogonal_map != "householder":
                    raise NotImplementedError(
                        f"orthogonal: the {self.orthogonal_map} map cannot be assigned to when "
                        "use_trivialization=False (it has no inverse that keeps the original unconstrained); "
                        "use orthogonal_map='householder' or use_trivialization=True"
                    )
                reflectors = householder_reflectors(q)
                if transposed:
                    reflectors = np.swapaxes(reflectors, -1, -2)
                return autograd.Tensor.from_array(reflectors)
            if n != k:  # complete to n x n with random columns, then orthogonalise
                extra = autograd.randn(*q.shape[:-2], n, n - k, dtype=Q.dtype).array
                q = make_orthogonal(np.concatenate([q, extra], axis=-1))
            elif not is_orthogonal(q):
                q = make_orthogonal(q)
            self.base = autograd.Tensor.from_array(q.astype(Q.array.dtype))
            minus_identity = np.zeros(Q.shape, dtype=Q.array.dtype)
            diagonal = np.arange(min(Q.shape[-2:]))
            minus_identity[..., diagonal, diagonal] = -1.0  # all three maps send -I to I
            return autograd.Tensor.from_array(minus_identity)


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    """Make ``module.<name>`` an orthogonal matrix (or batch of them) from now on; returns ``module``.

    Args:
        module: the layer.
        name: the parameter or buffer, of shape ``(..., m, n)``, float32, float64, complex64 or
            complex128 (then made unitary).
        orthogonal_map: ``"matrix_exp"``, ``"cayley"`` or ``"householder"`` (real weights only); None
            picks ``"matrix_exp"`` for a square or complex matrix, ``"householder"`` otherwise.
        use_trivialization: keep a fixed orthogonal base ``B`` and make the weight ``B Q`` (see the
            module docstring); it also makes every map assignable.

    Shape: the weight keeps its shape; ``QᵀQ = I`` when ``m >= n``, ``QQᵀ = I`` when ``m < n``
    (``QᴴQ``, ``QQᴴ`` when complex).
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, tt_tensor.Tensor):
        raise ValueError(f"orthogonal: {type(module).__name__} has no parameter or buffer named {name!r}")
    if weight.ndim < 2:
        raise ValueError(
            f"orthogonal: Expected a matrix or batch of matrices, got {name!r} of shape "
            f"{tuple(weight.shape)} ({weight.ndim} dimensions)"
        )
    if weight.array.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise TypeError(
            f"orthogonal: {name!r} must be float32, float64, complex64 or complex128, got {weight.dtype}; "
            "convert it with .float()"
        )
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.array.dtype.kind == "c" else "householder"
    if orthogonal_map not in MAPS:
        raise ValueError(
            f'orthogonal: orthogonal_map has to be one of "matrix_exp", "cayley", "householder", got '
            f"{orthogonal_map!r}"
        )
    parametrization = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    return register_parametrization(module, name, parametrization, unsafe=True)
