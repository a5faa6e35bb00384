"""tt-optim: optimizers, learning-rate schedules, data loading, the training loop and checkpoints.

TinyTorch modules 06 (optimizers and schedules) and 07 (training). The
PyTorch names are kept: ``tt_optim.SGD`` is ``torch.optim.SGD``,
``tt_optim.lr_scheduler`` is ``torch.optim.lr_scheduler``, ``tt_optim.data``
is ``torch.utils.data`` and ``tt_optim.utils.clip_grad_norm_`` is
``torch.nn.utils.clip_grad_norm_``. In the meta-package they appear as
``tt.optim``, ``tt.optim.lr_scheduler`` and ``tt.utils.data``.

Example:
    >>> import tt_autograd as autograd, tt_nn as nn, tt_optim
    >>> _ = autograd.manual_seed(0)
    >>> x, y = autograd.randn(64, 4), autograd.randint(0, 2, (64,))
    >>> model = nn.Linear(4, 2)
    >>> optimizer = tt_optim.Adam(model.parameters(), lr=1e-2)
    >>> scheduler = tt_optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=2)
    >>> loader = tt_optim.DataLoader(tt_optim.TensorDataset(x, y), batch_size=16, shuffle=True)
    >>> history = tt_optim.fit(model, nn.CrossEntropyLoss(), optimizer, loader, epochs=2,
    ...                        scheduler=scheduler, verbose=False)
    >>> len(history), sorted(history[0])
    (2, ['epoch', 'lr', 'time', 'train_acc', 'train_loss'])
"""

from __future__ import annotations

from . import data, lr_scheduler, swa_utils, utils
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .checkpoint import CheckpointError, load, load_checkpoint, save, save_checkpoint
from .data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split
from .lbfgs import LBFGS
from .lr_scheduler import CosineAnnealingLR, LinearLR, LRScheduler, OneCycleLR, SequentialLR, StepLR
from .metrics import accuracy
from .muon import Muon
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .training import History, evaluate, fit
from .utils import clip_grad_norm_, clip_grad_value_

__version__ = "0.1.0"
