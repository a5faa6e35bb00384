"""PyTorch's module paths (``torch.nn.modules.loss``, ``torch.distributions.normal``, ...) in TinyTorch.

User code imports from where PyTorch defines a name, not only from the namespace that
gathers it: ``from torch.nn.modules.loss import _Loss``, ``from torch.optim.optimizer
import Optimizer``, ``import torch.distributions.normal as normal``. Each such path is
here a module whose names are the SAME objects as TinyTorch's own (``tinytorch.nn.modules.
loss.MSELoss is tinytorch.nn.MSELoss``): no copies, no second class to keep in step.

**One table, not a hundred small files.** ``PATHS`` maps each path (under ``tinytorch.``) to
where its names come from and which they are: the names PyTorch 2.13's module defines that
TinyTorch has. A hundred near-empty files would each repeat the same three lines and hide
the one thing that matters, the list of names, which is easier to read and review as a
table. ``BASES`` adds the private base classes users subclass (``_Loss``, ``_BatchNorm``,
...), each the nearest common base of the public classes it lists, so ``issubclass(MSELoss,
_Loss)`` holds as in PyTorch; ``EQUIVALENTS`` says what to use instead for a name TinyTorch
lacks but covers another way.

**How.** At the end of ``import tinytorch``, :func:`install` builds every module from the
table through a small finder/loader, puts it in ``sys.modules`` and sets it on its parent,
as PyTorch's own package imports do; so ``tinytorch.nn.modules.loss.MSELoss`` works without
an import statement, and ``import ... as m``, ``from ... import X`` and
``importlib.import_module`` find the module. A parent attribute that already exists is kept
(``tinytorch.autograd.gradcheck`` stays the function, as ``torch.autograd.gradcheck`` is), and
one that is already a module is that path's module (``tinytorch.distributions.constraints``).
The finder stays on ``sys.meta_path`` only to answer for these modules (``importlib.reload``)
and to turn ``from tinytorch.nn.modules.loss import NLLLoss2d`` into an error that names
PyTorch's path and the equivalent, where Python would otherwise say only "cannot import
name". Reading a missing name (``m.NLLLoss2d``) raises the same text as an ``AttributeError``.
Cost: a hundred small module objects at import, all built from objects already loaded.

**Package aliases.** ``tinytorch.vision``, ``tinytorch.text`` and ``tinytorch.perf`` are tt-vision,
tt-text and tt-perf themselves, and import as subpackages (``from tinytorch.vision import
transforms``, ``import tinytorch.vision.models``, torchvision's imports with its name changed): a
finder first on ``sys.meta_path`` hands out the packages' own module objects under those names
(:data:`PACKAGE_ALIASES`), so no file is ever loaded twice.

The legacy quantization paths (``torch.nn.quantized``, ``torch.nn.intrinsic``, ``torch.nn.qat``)
are rows here, taking their names from ``tinytorch.ao.nn``.

Not here: private, CUDA-only and TorchScript/ONNX internals (and the quantization paths
``torch.ao.nn.quantized.modules.*``, ``torch.ao.quantization.observer``, ...), and paths of which
TinyTorch has no name at all (``torch.nn.grad``, ``torch.nn.attention``, ``torch.autograd.forward_ad``).
Paths that are real files of this package (``tinytorch.optim.lr_scheduler``, ``tinytorch.nn.utils.rnn``,
``tinytorch.ao.quantization``, ...) are not in the table.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType

from ._unsupported import unsupported

#: ``path under tinytorch: "source: name name ...; source: name ..."``; parents come before children.
#: ``source: *`` takes the names that the rows under the path take from that source (``torch.nn.modules``
#: gathers its submodules' classes, as ``torch.nn`` does).
PATHS: dict[str, str] = {
    "nn.modules": "tinytorch.nn: *",
    "nn.parameter": (
        "tinytorch.nn: Parameter UninitializedParameter Buffer UninitializedBuffer; tt_nn.parameter: is_lazy "
        "UninitializedTensorMixin"
    ),
    "autograd.function": "tinytorch.autograd: Function FunctionCtx once_differentiable",
    "autograd.grad_mode": "tinytorch.autograd: no_grad enable_grad set_grad_enabled inference_mode",
    "autograd.anomaly_mode": "tinytorch.autograd: detect_anomaly set_detect_anomaly",
    "autograd.gradcheck": "tinytorch.autograd: gradcheck gradgradcheck; tinytorch: GradcheckError",
    "utils.data.dataset": (
        "tinytorch.utils.data: Dataset IterableDataset TensorDataset StackDataset ConcatDataset ChainDataset "
        "Subset random_split"
    ),
    "utils.data.sampler": (
        "tinytorch.utils.data: BatchSampler RandomSampler Sampler SequentialSampler SubsetRandomSampler "
        "WeightedRandomSampler"
    ),
    "utils.data.distributed": "tinytorch.utils.data: DistributedSampler",
    "utils.hooks": "tt_autograd.hooks: RemovableHandle",
    "amp.autocast_mode": "tinytorch.amp: autocast is_autocast_available custom_fwd custom_bwd",
    "amp.grad_scaler": "tinytorch.amp: GradScaler",
    "nn.utils.clip_grad": "tinytorch.nn.utils: clip_grad_norm clip_grad_norm_ clip_grad_value_",
    "nn.utils.convert_parameters": "tinytorch.nn.utils: parameters_to_vector vector_to_parameters",
    "nn.utils.spectral_norm": "tinytorch.nn.utils: spectral_norm remove_spectral_norm",
    "nn.utils.weight_norm": "tinytorch.nn.utils: weight_norm remove_weight_norm",
    "profiler.profiler": (
        "tinytorch.profiler: supported_activities ProfilerAction schedule tensorboard_trace_handler profile"
    ),
    "nn.parallel.data_parallel": "tinytorch.nn.parallel: DataParallel data_parallel",
    "nn.parallel.distributed": "tinytorch.nn.parallel: DistributedDataParallel",
    "distributed.algorithms": "tt_dist.join: Join Joinable JoinHook",
    "distributed.algorithms.join": "tt_dist.join: Join Joinable JoinHook",
    "distributed.optim": "tt_dist.zero: ZeroRedundancyOptimizer",
    "distributed.optim.zero_redundancy_optimizer": "tt_dist.zero: ZeroRedundancyOptimizer",
    "distributed.fsdp": (
        "tt_dist.fsdp: FullyShardedDataParallel ShardingStrategy StateDictType FullStateDictConfig "
        "LocalStateDictConfig ShardedStateDictConfig StateDictConfig StateDictSettings BackwardPrefetch "
        "CPUOffload MixedPrecision"
    ),
    "distributed.fsdp.fully_sharded_data_parallel": (
        "tt_dist.fsdp: FullyShardedDataParallel ShardingStrategy StateDictType FullStateDictConfig"
    ),
    "distributed.fsdp.wrap": (
        "tt_dist.fsdp: ModuleWrapPolicy size_based_auto_wrap_policy transformer_auto_wrap_policy"
    ),
    "distributed.algorithms.ddp_comm_hooks": "",
    "distributed.algorithms.ddp_comm_hooks.default_hooks": (
        "tt_dist.algorithms.ddp_comm_hooks.default_hooks: allreduce_hook fp16_compress_hook "
        "bf16_compress_hook fp16_compress_wrapper bf16_compress_wrapper"
    ),
    "distributed.algorithms.ddp_comm_hooks.powerSGD_hook": (
        "tt_dist.algorithms.ddp_comm_hooks.powerSGD_hook: PowerSGDState powerSGD_hook"
    ),
    "nn.modules.activation": (
        "tinytorch.nn: Threshold ReLU RReLU Hardtanh ReLU6 Sigmoid Hardsigmoid Tanh SiLU Mish Hardswish ELU "
        "CELU SELU GLU GELU Hardshrink LeakyReLU LogSigmoid Softplus Softshrink MultiheadAttention PReLU "
        "Softsign Tanhshrink Softmin Softmax Softmax2d LogSoftmax"
    ),
    "nn.modules.adaptive": "tinytorch.nn: AdaptiveLogSoftmaxWithLoss",
    "nn.modules.batchnorm": (
        "tinytorch.nn: BatchNorm1d LazyBatchNorm1d BatchNorm2d LazyBatchNorm2d BatchNorm3d LazyBatchNorm3d "
        "SyncBatchNorm"
    ),
    "nn.modules.channelshuffle": "tinytorch.nn: ChannelShuffle",
    "nn.modules.container": "tinytorch.nn: Sequential ModuleList ModuleDict ParameterList ParameterDict",
    "nn.modules.conv": (
        "tinytorch.nn: Conv1d Conv2d Conv3d ConvTranspose1d ConvTranspose2d ConvTranspose3d LazyConv1d "
        "LazyConv2d LazyConv3d LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d"
    ),
    "nn.modules.distance": "tinytorch.nn: PairwiseDistance CosineSimilarity",
    "nn.modules.dropout": (
        "tinytorch.nn: Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout"
    ),
    "nn.modules.flatten": "tinytorch.nn: Flatten Unflatten",
    "nn.modules.fold": "tinytorch.nn: Fold Unfold",
    "nn.modules.instancenorm": (
        "tinytorch.nn: InstanceNorm1d InstanceNorm2d InstanceNorm3d LazyInstanceNorm1d LazyInstanceNorm2d "
        "LazyInstanceNorm3d"
    ),
    "nn.modules.lazy": "tt_nn.lazy: LazyModuleMixin",
    "nn.modules.linear": (
        "tinytorch.nn: Bilinear Identity LazyLinear Linear; tt_nn.linear: NonDynamicallyQuantizableLinear"
    ),
    "nn.modules.loss": (
        "tinytorch.nn: L1Loss NLLLoss PoissonNLLLoss GaussianNLLLoss KLDivLoss MSELoss BCELoss "
        "BCEWithLogitsLoss HingeEmbeddingLoss MultiLabelMarginLoss SmoothL1Loss HuberLoss SoftMarginLoss "
        "CrossEntropyLoss MultiLabelSoftMarginLoss CosineEmbeddingLoss MarginRankingLoss MultiMarginLoss "
        "TripletMarginLoss TripletMarginWithDistanceLoss CTCLoss"
    ),
    "nn.modules.module": "tinytorch.nn: Module",
    "nn.modules.normalization": "tinytorch.nn: LocalResponseNorm LayerNorm GroupNorm RMSNorm",
    "nn.modules.padding": (
        "tinytorch.nn: CircularPad1d CircularPad2d CircularPad3d ConstantPad1d ConstantPad2d ConstantPad3d "
        "ReflectionPad1d ReflectionPad2d ReflectionPad3d ReplicationPad1d ReplicationPad2d ReplicationPad3d "
        "ZeroPad1d ZeroPad2d ZeroPad3d"
    ),
    "nn.modules.pixelshuffle": "tinytorch.nn: PixelShuffle PixelUnshuffle",
    "nn.modules.pooling": (
        "tinytorch.nn: MaxPool1d MaxPool2d MaxPool3d MaxUnpool1d MaxUnpool2d MaxUnpool3d AvgPool1d AvgPool2d "
        "AvgPool3d FractionalMaxPool2d FractionalMaxPool3d LPPool1d LPPool2d LPPool3d AdaptiveMaxPool1d "
        "AdaptiveMaxPool2d AdaptiveMaxPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d AdaptiveAvgPool3d"
    ),
    "nn.modules.rnn": "tinytorch.nn: RNNBase RNN LSTM GRU RNNCellBase RNNCell LSTMCell GRUCell",
    "nn.modules.sparse": "tinytorch.nn: Embedding EmbeddingBag",
    "nn.modules.transformer": (
        "tinytorch.nn: Transformer TransformerEncoder TransformerDecoder TransformerEncoderLayer "
        "TransformerDecoderLayer"
    ),
    "nn.modules.upsampling": "tinytorch.nn: Upsample UpsamplingNearest2d UpsamplingBilinear2d",
    "distributions.bernoulli": "tinytorch.distributions: Bernoulli",
    "distributions.beta": "tinytorch.distributions: Beta",
    "distributions.binomial": "tinytorch.distributions: Binomial",
    "distributions.categorical": "tinytorch.distributions: Categorical",
    "distributions.cauchy": "tinytorch.distributions: Cauchy",
    "distributions.chi2": "tinytorch.distributions: Chi2",
    "distributions.constraint_registry": (
        "tt_nn.distributions.constraint_registry: ConstraintRegistry; tinytorch.distributions: biject_to "
        "transform_to"
    ),
    "distributions.constraints": (
        "tt_nn.distributions.constraints: Constraint boolean corr_cholesky greater_than greater_than_eq "
        "independent integer_interval interval half_open_interval less_than lower_cholesky multinomial "
        "nonnegative nonnegative_integer one_hot positive positive_definite real real_vector simplex "
        "unit_interval"
    ),
    "distributions.continuous_bernoulli": "tinytorch.distributions: ContinuousBernoulli",
    "distributions.dirichlet": "tinytorch.distributions: Dirichlet",
    "distributions.distribution": "tinytorch.distributions: Distribution",
    "distributions.exp_family": "tinytorch.distributions: ExponentialFamily",
    "distributions.exponential": "tinytorch.distributions: Exponential",
    "distributions.fishersnedecor": "tinytorch.distributions: FisherSnedecor",
    "distributions.gamma": "tinytorch.distributions: Gamma",
    "distributions.generalized_pareto": "tinytorch.distributions: GeneralizedPareto",
    "distributions.geometric": "tinytorch.distributions: Geometric",
    "distributions.gumbel": "tinytorch.distributions: Gumbel",
    "distributions.half_cauchy": "tinytorch.distributions: HalfCauchy",
    "distributions.half_normal": "tinytorch.distributions: HalfNormal",
    "distributions.independent": "tinytorch.distributions: Independent",
    "distributions.inverse_gamma": "tinytorch.distributions: InverseGamma",
    "distributions.kl": "tinytorch.distributions: register_kl kl_divergence",
    "distributions.kumaraswamy": "tinytorch.distributions: Kumaraswamy",
    "distributions.laplace": "tinytorch.distributions: Laplace",
    "distributions.lkj_cholesky": "tinytorch.distributions: LKJCholesky",
    "distributions.log_normal": "tinytorch.distributions: LogNormal",
    "distributions.logistic_normal": "tinytorch.distributions: LogisticNormal",
    "distributions.lowrank_multivariate_normal": "tinytorch.distributions: LowRankMultivariateNormal",
    "distributions.mixture_same_family": "tinytorch.distributions: MixtureSameFamily",
    "distributions.multinomial": "tinytorch.distributions: Multinomial",
    "distributions.multivariate_normal": "tinytorch.distributions: MultivariateNormal",
    "distributions.negative_binomial": "tinytorch.distributions: NegativeBinomial",
    "distributions.normal": "tinytorch.distributions: Normal",
    "distributions.one_hot_categorical": (
        "tinytorch.distributions: OneHotCategorical OneHotCategoricalStraightThrough"
    ),
    "distributions.pareto": "tinytorch.distributions: Pareto",
    "distributions.poisson": "tinytorch.distributions: Poisson",
    "distributions.relaxed_bernoulli": "tinytorch.distributions: RelaxedBernoulli",
    "distributions.relaxed_categorical": "tinytorch.distributions: RelaxedOneHotCategorical",
    "distributions.studentT": "tinytorch.distributions: StudentT",
    "distributions.transformed_distribution": "tinytorch.distributions: TransformedDistribution",
    "distributions.transforms": (
        "tinytorch.distributions: AbsTransform AffineTransform CatTransform ComposeTransform "
        "CorrCholeskyTransform CumulativeDistributionTransform ExpTransform IndependentTransform "
        "LowerCholeskyTransform PositiveDefiniteTransform PowerTransform ReshapeTransform SigmoidTransform "
        "SoftplusTransform TanhTransform SoftmaxTransform StackTransform StickBreakingTransform Transform "
        "identity_transform"
    ),
    "distributions.uniform": "tinytorch.distributions: Uniform",
    "distributions.utils": (
        "tt_nn.distributions.utils: broadcast_all logits_to_probs clamp_probs probs_to_logits"
    ),
    "distributions.von_mises": "tinytorch.distributions: VonMises",
    "distributions.weibull": "tinytorch.distributions: Weibull",
    "distributions.wishart": "tinytorch.distributions: Wishart",
    "optim.adadelta": "tinytorch.optim: Adadelta",
    "optim.adagrad": "tinytorch.optim: Adagrad",
    "optim.adam": "tinytorch.optim: Adam",
    "optim.adamax": "tinytorch.optim: Adamax",
    "optim.adamw": "tinytorch.optim: AdamW",
    "optim.asgd": "tinytorch.optim: ASGD",
    "optim.lbfgs": "tinytorch.optim: LBFGS",
    "optim.nadam": "tinytorch.optim: NAdam",
    "optim.optimizer": (
        "tinytorch.optim: Optimizer; tt_optim.optimizer_hooks: register_optimizer_step_pre_hook "
        "register_optimizer_step_post_hook"
    ),
    "optim.radam": "tinytorch.optim: RAdam",
    "optim.rmsprop": "tinytorch.optim: RMSprop",
    "optim.rprop": "tinytorch.optim: Rprop",
    "optim.sgd": "tinytorch.optim: SGD",
    "autograd.variable": "tinytorch.autograd: Variable",
    "nn.modules.utils": (
        "tt_nn.module_utils: _single _pair _triple _quadruple _ntuple _reverse_repeat_tuple "
        "_list_with_default consume_prefix_in_state_dict_if_present"
    ),
    "optim.sparse_adam": "",
    "nn.quantized": (
        "tinytorch.ao.nn.quantized: Linear Conv2d Quantize DeQuantize FloatFunctional FXFloatFunctional "
        "QFunctional dynamic"
    ),
    "nn.quantized.dynamic": "tinytorch.ao.nn.quantized.dynamic: Linear LSTM GRU RNNCell LSTMCell GRUCell",
    "nn.intrinsic": "tinytorch.ao.nn.intrinsic: ConvReLU2d LinearReLU ConvBn2d ConvBnReLU2d qat quantized",
    "nn.intrinsic.quantized": "tinytorch.ao.nn.intrinsic.quantized: ConvReLU2d LinearReLU",
    "nn.intrinsic.qat": (
        "tinytorch.ao.nn.intrinsic.qat: ConvReLU2d LinearReLU ConvBn2d ConvBnReLU2d freeze_bn_stats "
        "update_bn_stats"
    ),
    "nn.qat": "tinytorch.ao.nn.qat: Linear Conv2d",
}

#: PyTorch's private base classes, each the nearest common base of the public classes listed.
#: Bases with no such class here: ``_NormBase`` (batch and instance norms share only ``Module``),
#: ``_ConvNd`` (``Conv2d`` and ``Conv1d``/``Conv3d`` have different bases), ``_AvgPoolNd``,
#: ``_AdaptiveMaxPoolNd``, ``_AdaptiveAvgPoolNd``, ``_MaxUnpoolNd`` (each layer is its own class),
#: ``_ReflectionPadNd``, ``_ReplicationPadNd``, ``_CircularPadNd`` (one ``_PadNd`` serves all three).
BASES: dict[str, dict[str, str]] = {
    "nn.modules.loss": {"_Loss": "L1Loss MSELoss CrossEntropyLoss", "_WeightedLoss": "NLLLoss BCELoss"},
    "nn.modules.batchnorm": {
        "_BatchNorm": "BatchNorm1d BatchNorm2d",
        "_LazyNormBase": "LazyBatchNorm1d LazyBatchNorm2d",
    },
    "nn.modules.instancenorm": {"_InstanceNorm": "InstanceNorm1d InstanceNorm2d"},
    "nn.modules.conv": {
        "_ConvTransposeNd": "ConvTranspose1d ConvTranspose2d",
        "_LazyConvXdMixin": "LazyConv1d LazyConvTranspose2d",
    },
    "nn.modules.dropout": {"_DropoutNd": "Dropout1d Dropout2d AlphaDropout"},
    "nn.modules.padding": {"_ConstantPadNd": "ConstantPad1d ZeroPad2d"},
    "nn.modules.pooling": {"_MaxPoolNd": "MaxPool1d MaxPool2d MaxPool3d", "_LPPoolNd": "LPPool1d LPPool2d"},
}

#: What to use for a PyTorch name these paths lack, when TinyTorch covers it another way.
EQUIVALENTS: dict[str, str] = {
    "torch.nn.modules.loss.NLLLoss2d": "tinytorch.nn.NLLLoss, which takes (N, C, H, W) inputs",
    "torch.nn.modules.container.Container": "tinytorch.nn.Module (Container is deprecated)",
    "torch.nn.modules.batchnorm._NormBase": (
        "tinytorch.nn.modules.batchnorm._BatchNorm or tinytorch.nn.modules.instancenorm._InstanceNorm"
    ),
    "torch.nn.modules.conv._ConvNd": "tinytorch.nn.Module (Conv2d and Conv1d/Conv3d share no other base)",
    "torch.optim.sparse_adam.SparseAdam": "tinytorch.optim.Adam (dense gradients)",
}


def names_of(short: str) -> list[tuple[str, list[str]]]:
    """``[(source module, [names])]`` of a row, a ``*`` gathering the names of the rows under it."""
    pairs = [[text.strip() for text in part.split(":")] for part in PATHS[short].split(";") if part.strip()]
    under = [path for path in PATHS if path.startswith(f"{short}.")]
    return [
        (source, [n for path in under for s, ns in names_of(path) if s == source for n in ns])
        if names == "*"
        else (source, names.split())
        for source, names in pairs
    ]


def _common_base(classes: list[type]) -> type:
    """The nearest class above ``classes[0]`` that every one of ``classes`` derives from."""
    return next(base for base in classes[0].__mro__[1:] if all(issubclass(c, base) for c in classes))


def _missing(module: str, name: str, available: object) -> AttributeError:
    """The error for ``torch.<path>.<name>`` that the path lacks: it names it, and the equivalent if any."""
    torch_name = f"torch{module.removeprefix('tinytorch')}.{name}"
    if torch_name in EQUIVALENTS:
        return AttributeError(f"{torch_name} is not part of TinyTorch; use {EQUIVALENTS[torch_name]}.")
    return unsupported(torch_name.rpartition(".")[0], name, available)


class _ModulePaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and fills the modules of ``PATHS``; refuses a missing name under one of them by name."""

    def find_spec(self, fullname: str, path: object = None, target: object = None):
        short = fullname.removeprefix("tinytorch.")
        if short in PATHS:
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        parent, _, name = fullname.rpartition(".")
        if parent.removeprefix("tinytorch.") in PATHS and parent in sys.modules:
            # ``from <path> import <name>`` asks for a submodule once the attribute is missing.
            raise ImportError(str(_missing(parent, name, vars(sys.modules[parent]))), name=fullname)
        return None

    def create_module(self, spec: object) -> None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        short = module.__name__.removeprefix("tinytorch.")
        public = []
        for source, names in names_of(short):
            origin = importlib.import_module(source)
            for name in names:
                setattr(module, name, getattr(origin, name))
            public += names
        for base, listed in BASES.get(short, {}).items():
            setattr(module, base, _common_base([getattr(module, name) for name in listed.split()]))
        module.__all__ = public
        module.__doc__ = f"``torch.{short}``: the same objects in TinyTorch (``tinytorch.module_paths``)."

        def __getattr__(name: str) -> object:  # noqa: N807  (PEP 562's name)
            raise _missing(module.__name__, name, vars(module))

        module.__getattr__ = __getattr__


FINDER = _ModulePaths()

#: The packages ``tinytorch`` re-exports as its own subpackages, as torchvision's paths are under
#: ``tinytorch.vision``: ``from tinytorch.vision import models`` and ``import tinytorch.vision.transforms``
#: give tt-vision's own module objects (no second copy of any module).
PACKAGE_ALIASES = {"tinytorch.vision": "tt_vision", "tinytorch.text": "tt_text", "tinytorch.perf": "tt_perf"}


def aliased(fullname: str) -> str | None:
    """The module behind ``fullname`` (``tinytorch.vision.ops`` -> ``tt_vision.ops``), or None."""
    for alias, package in PACKAGE_ALIASES.items():
        if fullname == alias or fullname.startswith(f"{alias}."):
            return package + fullname.removeprefix(alias)
    return None


class _PackageAliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``tinytorch.vision.X`` as ``tt_vision.X`` itself: the same object under both names.

    First on ``sys.meta_path``, so Python's path finder never loads a file of tt-vision a second
    time under the alias; it answers for the aliased names only.
    """

    def find_spec(self, fullname: str, path: object = None, target: object = None):
        real = aliased(fullname)
        if real is None or importlib.util.find_spec(real) is None:
            return None  # (a name tt-vision lacks: the usual ModuleNotFoundError, naming the alias)
        return importlib.util.spec_from_loader(fullname, self)

    def __init__(self) -> None:
        self._own_specs: dict[str, object] = {}

    def create_module(self, spec: object) -> ModuleType:
        module = importlib.import_module(aliased(spec.name))  # the real module; its attributes are kept
        self._own_specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # Already executed under its own name; the import system has just set the alias's spec on it
        # (whatever create_module returned): put the module's own spec back.
        module.__spec__ = self._own_specs.pop(module.__name__, module.__spec__)


ALIAS_FINDER = _PackageAliases()


def install() -> None:
    """Build every module of ``PATHS`` and set it on its parent (run once, by ``tinytorch/__init__.py``)."""
    if FINDER not in sys.meta_path:
        sys.meta_path.append(FINDER)
    if ALIAS_FINDER not in sys.meta_path:
        sys.meta_path.insert(0, ALIAS_FINDER)
    for alias, package in PACKAGE_ALIASES.items():  # and what is loaded already, module-like names too
        for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
            sys.modules.setdefault(alias + name.removeprefix(package), sys.modules[name])
    for short in PATHS:
        name = f"tinytorch.{short}"
        parent, _, attribute = name.rpartition(".")
        existing = vars(sys.modules[parent]).get(attribute)
        if isinstance(existing, ModuleType):  # already there under another name (tt-nn's constraints)
            sys.modules.setdefault(name, existing)
            continue
        if name in sys.modules:
            continue
        module = importlib.util.module_from_spec(FINDER.find_spec(name))
        sys.modules[name] = module
        FINDER.exec_module(module)
        if existing is None:  # a function of the same name stays (torch.autograd.gradcheck is one)
            setattr(sys.modules[parent], attribute, module)
