"""Probability distributions for sampling and likelihoods (``torch.distributions``).

``Categorical`` for policies (REINFORCE: ``loss = -m.log_prob(action) * R``),
``Normal`` with reparameterised ``rsample`` and ``kl_divergence`` for VAEs,
and ``Bernoulli``, ``OneHotCategorical``, ``Uniform``, ``Exponential``,
``Laplace``, ``MultivariateNormal``, ``Gamma``, ``Chi2``, ``Beta``, ``Dirichlet``,
``Poisson``, ``Geometric``, ``Binomial``, ``Cauchy``, ``HalfNormal``, ``LogNormal``,
``StudentT``, ``Gumbel``, ``HalfCauchy``, ``Pareto``, ``Weibull``,
``InverseGamma``, ``NegativeBinomial``, ``Multinomial``, ``Kumaraswamy``,
``FisherSnedecor``, ``ContinuousBernoulli``, ``RelaxedBernoulli``,
``RelaxedOneHotCategorical``, ``GeneralizedPareto``, ``VonMises``, ``LogisticNormal``,
``LowRankMultivariateNormal``, ``Wishart``, ``LKJCholesky`` and ``Independent``;
``TransformedDistribution`` and the transforms (``ExpTransform``, ``TanhTransform``,
``AffineTransform``, ...) build new ones;
``MixtureSameFamily``, ``OneHotCategoricalStraightThrough`` and the ``ExponentialFamily`` base.
Sampling draws from TinyTorch's default generator, so ``tt.manual_seed`` makes it reproducible.

Example:
    >>> import tt_autograd as autograd
    >>> from tt_nn.distributions import Categorical
    >>> logits = autograd.zeros(2, 3, requires_grad=True)
    >>> m = Categorical(logits=logits)
    >>> (-m.log_prob(autograd.tensor([0, 2]))).sum().backward()
    >>> logits.grad.shape
    tt.Size([2, 3])
"""

from __future__ import annotations

from . import (  # noqa: F401  (importing registers their KLs)
    constraints,
    kl_continuous_bernoulli,
    kl_cross,
    kl_extreme,
    kl_gaussian,
    transforms,
)
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .fisher_snedecor import FisherSnedecor
from .gamma import Gamma
from .generalized_pareto import GeneralizedPareto
from .geometric import Geometric
from .gumbel import Gumbel
from .half_cauchy import HalfCauchy
from .half_normal import HalfNormal
from .independent import Independent
from .inverse_gamma import InverseGamma
from .kl import kl_divergence, register_kl
from .kumaraswamy import Kumaraswamy
from .laplace import Laplace
from .lkj_cholesky import LKJCholesky
from .log_normal import LogNormal
from .logistic_normal import LogisticNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .one_hot_straight_through import OneHotCategoricalStraightThrough
from .pareto import Pareto
from .poisson import Poisson
from .relaxed_bernoulli import RelaxedBernoulli
from .relaxed_categorical import RelaxedOneHotCategorical
from .student_t import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    IndependentTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
    Transform,
    identity_transform,
)
from .transforms_join import CatTransform, StackTransform
from .transforms_matrix import (
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    SoftmaxTransform,
    StickBreakingTransform,
)
from .uniform import Uniform
from .von_mises import VonMises
from .weibull import Weibull
from .wishart import Wishart

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "Bernoulli",
    "Beta",
    "Binomial",
    "CatTransform",
    "Categorical",
    "Cauchy",
    "Chi2",
    "ComposeTransform",
    "ContinuousBernoulli",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "Dirichlet",
    "Distribution",
    "ExpTransform",
    "Exponential",
    "ExponentialFamily",
    "FisherSnedecor",
    "Gamma",
    "GeneralizedPareto",
    "Geometric",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "Independent",
    "IndependentTransform",
    "InverseGamma",
    "Kumaraswamy",
    "LKJCholesky",
    "Laplace",
    "LogNormal",
    "LogisticNormal",
    "LowRankMultivariateNormal",
    "LowerCholeskyTransform",
    "MixtureSameFamily",
    "Multinomial",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "OneHotCategorical",
    "OneHotCategoricalStraightThrough",
    "Pareto",
    "Poisson",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StackTransform",
    "StickBreakingTransform",
    "StudentT",
    "TanhTransform",
    "Transform",
    "TransformedDistribution",
    "Uniform",
    "VonMises",
    "Weibull",
    "Wishart",
    "biject_to",
    "constraints",
    "identity_transform",
    "kl_divergence",
    "register_kl",
    "transform_to",
    "transforms",
]
