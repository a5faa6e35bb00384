"""``Chi2``: the chi-squared distribution with ``df`` degrees of freedom (``torch.distributions.Chi2``).

The sum of ``df`` squared standard normals; as in PyTorch it is ``Gamma(df / 2, 1 / 2)``
(a subclass, so every method, ``rsample``'s implicit gradient and the Gamma-Gamma
``kl_divergence`` carry over).
"""

from __future__ import annotations

from . import constraints
from .gamma import Gamma
from .utils import broadcast_all


class Chi2(Gamma):
    """Chi-squared with positive ``df`` (any real ``df > 0``, not only whole numbers).

    Args:
        df: the degrees of freedom (a number or a tensor).
        validate_args: check ``df > 0`` and ``log_prob``'s values (default: on).

    Example:
        >>> Chi2(4.0).mean
        tensor(4.)
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: object, validate_args: bool | None = None) -> None:
        (self.df,) = broadcast_all(df, op=type(self).__name__)
        super().__init__(0.5 * self.df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape: tuple[int, ...]) -> Chi2:
        """The same distribution repeated over a larger ``batch_shape``."""
        return Chi2(self.df.expand(*tuple(batch_shape)), self._validate_args)
