"""The meta-package's ``tt.optim``, ``tt.optim.lr_scheduler``, ``tt.utils.data`` and ``tt.save``/``tt.load``.

They are tt-optim's objects under PyTorch's import paths, so ``from torch.utils.data import
DataLoader`` and ``torch.save(model.state_dict(), path)`` work with ``torch`` changed to ``tinytorch``.
"""

from __future__ import annotations

import numpy as np
import tt_optim

import tinytorch as tt


def test_pytorch_import_paths_reach_tt_optim():
    from tinytorch.optim import SGD, Adam, AdamW, RMSprop
    from tinytorch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, OneCycleLR, SequentialLR, StepLR
    from tinytorch.utils.data import DataLoader, Dataset, TensorDataset

    assert (SGD, Adam, AdamW, RMSprop) == (tt_optim.SGD, tt_optim.Adam, tt_optim.AdamW, tt_optim.RMSprop)
    assert tt.optim.lr_scheduler.StepLR is StepLR is tt_optim.lr_scheduler.StepLR
    schedules = (CosineAnnealingLR, LinearLR, OneCycleLR, SequentialLR)
    assert schedules == tuple(getattr(tt_optim.lr_scheduler, s.__name__) for s in schedules)
    assert DataLoader is tt_optim.DataLoader and Dataset is tt_optim.Dataset
    assert TensorDataset is tt_optim.TensorDataset


def test_save_and_load_a_state_dict_like_torch(tmp_path):
    w = tt.randn(3, 2, requires_grad=True)
    optimizer = tt.optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = tt.ones(3, 2)
    optimizer.step()
    tt.save({"w": w.detach(), "optimizer": optimizer.state_dict()}, tmp_path / "state.npz")
    state = tt.load(tmp_path / "state.npz")
    np.testing.assert_array_equal(state["w"].numpy(), w.detach().numpy())
    assert state["optimizer"]["param_groups"][0]["momentum"] == 0.9
