"""``torch.distributions``: tt-nn's probability distributions (``tt_nn.distributions``).

``from tinytorch.distributions import Categorical, Normal, kl_divergence``
runs the policy-gradient and VAE code that imports them from PyTorch.
"""

from __future__ import annotations

from tt_nn.distributions import *  # noqa: F403
from tt_nn.distributions import __all__  # noqa: F401
