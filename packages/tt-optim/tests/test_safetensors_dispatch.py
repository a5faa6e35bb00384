"""``save``/``load`` pick the format by the file's extension (issue #17): ``.safetensors`` or ``.npz``.

Needs the optional ``safetensors`` package (the CI ``tests`` session installs it).
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
import safetensors.numpy
import tt_autograd as autograd
import tt_nn as nn
from tt_optim import load, save


def test_a_safetensors_path_writes_safetensors_with_metadata(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    path = tmp_path / "model.safetensors"
    save(model.state_dict(), path, metadata={"config": json.dumps({"hidden": 4})})
    assert not zipfile.is_zipfile(path)
    raw = safetensors.numpy.load_file(str(path))
    assert sorted(raw) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert nn.safetensors_metadata(path)["config"] == '{"hidden": 4}'
    loaded = load(path)
    assert isinstance(loaded["0.weight"], autograd.Tensor)
    for key, value in model.state_dict().items():
        assert loaded[key].array.tobytes() == value.array.tobytes()


def test_other_paths_stay_npz_checkpoints(tmp_path):
    path = tmp_path / "run.npz"
    save({"w": autograd.ones(2), "step": 3}, path)
    assert zipfile.is_zipfile(path)
    assert load(path)["step"] == 3
    with pytest.raises(ValueError, match=r"metadata= is for \.safetensors files"):
        save({"w": np.ones(2)}, tmp_path / "x.npz", metadata={"a": "b"})
