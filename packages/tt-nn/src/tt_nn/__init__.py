"""tt-nn: neural-network layers, losses and initialisers on tt-autograd (TinyTorch modules 03–05).

The namespace is ``torch.nn``'s: ``Module`` and ``Parameter``, the layers,
the losses, and the ``functional`` and ``init`` submodules. State-dict keys
match PyTorch's for the same module tree, so weights move between the two.

Example:
    >>> import tt_autograd as autograd
    >>> import tt_nn as nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    >>> loss = nn.CrossEntropyLoss()(model(autograd.randn(16, 4)), autograd.randint(0, 3, (16,)))
    >>> loss.backward()
    >>> list(model.state_dict())
    ['0.weight', '0.bias', '2.weight', '2.bias']
"""

from __future__ import annotations

from . import functional, init, rnn_utils
from .activations import (
    GELU,
    CosineSimilarity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .containers import ModuleDict, ModuleList, Sequential
from .data_parallel import DataParallel
from .dropout import Dropout
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .losses_extra import (
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    MarginRankingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from .module import IncompatibleKeys, Module, RemovableHandle
from .normalization import BatchNorm1d, LayerNorm
from .parameter import Parameter
from .serialization import SafetensorsError, load_safetensors, safetensors_metadata, save_safetensors

__version__ = "0.1.0"

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CosineEmbeddingLoss",
    "CosineSimilarity",
    "CrossEntropyLoss",
    "DataParallel",
    "Dropout",
    "Flatten",
    "GELU",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "HuberLoss",
    "Identity",
    "IncompatibleKeys",
    "KLDivLoss",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MarginRankingLoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "NLLLoss",
    "Parameter",
    "PoissonNLLLoss",
    "ReLU",
    "RemovableHandle",
    "SafetensorsError",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "SoftMarginLoss",
    "Softmax",
    "Softplus",
    "Tanh",
    "TripletMarginLoss",
    "Unflatten",
    "functional",
    "init",
    "rnn_utils",
    "load_safetensors",
    "safetensors_metadata",
    "save_safetensors",
]
