"""State dicts as safetensors files (issue #17): bit-exact round trips, tied weights, dtypes, bad files.

Needs the optional ``safetensors`` package (``pip install tt-nn[safetensors]``);
the CI ``tests`` session installs it.
"""

from __future__ import annotations

import json
import os
import struct

import numpy as np
import pytest
import safetensors.numpy
import tt_autograd as autograd
import tt_nn as nn
from tt_nn import SafetensorsError, load_safetensors, safetensors_metadata, save_safetensors


def _bits(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array).tobytes()


def _raw_file(path, entries: dict[str, tuple[str, list[int], bytes]], metadata=None) -> None:
    """Write a safetensors file by hand: name -> (dtype code, shape, raw bytes)."""
    header, offset, data = {}, 0, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in entries.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.GELU(), nn.Linear(7, 3))


def test_round_trip_is_bit_exact_for_every_dtype(tmp_path):
    rng = np.random.default_rng(0)
    values = {
        "f32": rng.standard_normal((3, 4)).astype(np.float32),
        "f32_special": np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45], dtype=np.float32),
        "f16": rng.standard_normal(6).astype(np.float16),
        "f64": rng.standard_normal((2, 2, 2)),
        "i64": rng.integers(-(2**62), 2**62, size=5, dtype=np.int64),
        "u8": rng.integers(0, 255, size=(4,), dtype=np.uint8),
        "flag": np.array([True, False, True]),
        "scalar": np.array(2.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    state = {key: autograd.Tensor.from_array(value) for key, value in values.items()}
    path = tmp_path / "all.safetensors"
    save_safetensors(state, path)
    loaded = load_safetensors(path)
    assert sorted(loaded) == sorted(values)
    for key, value in values.items():
        assert loaded[key].array.dtype == value.dtype, key
        assert loaded[key].shape == value.shape, key
        assert _bits(loaded[key].array) == _bits(value), key
    # the safetensors library reads the same file, and we read its files
    theirs = safetensors.numpy.load_file(str(path))
    assert all(_bits(theirs[key]) == _bits(value) for key, value in values.items())
    safetensors.numpy.save_file({"w": values["f64"]}, str(tmp_path / "theirs.safetensors"))
    assert _bits(load_safetensors(tmp_path / "theirs.safetensors")["w"].array) == _bits(values["f64"])


def test_model_round_trip_restores_outputs_exactly(tmp_path):
    autograd.manual_seed(0)
    model = _model()
    model.train()
    model(autograd.randn(16, 5))  # moves the BatchNorm running statistics and its counter
    model.eval()
    x = autograd.randn(4, 5)
    path = tmp_path / "model.safetensors"
    save_safetensors(model.state_dict(), path)
    other = _model().eval()
    other.load_state_dict(load_safetensors(path))
    for key, value in model.state_dict().items():
        assert _bits(other.state_dict()[key].array) == _bits(value.array), key
    assert other.state_dict()["1.num_batches_tracked"].array.dtype == np.int64
    with autograd.no_grad():
        assert np.array_equal(other(x).numpy(), model(x).numpy())


class _Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(4, 6, bias=False)
        self.head = nn.Linear(4, 6, bias=False)
        self.head.weight = self.embed.weight

    def forward(self, x):
        return self.head(x) + self.embed(x)


def test_tied_weights_are_stored_once_and_restored_under_both_names(tmp_path):
    model = _Tied()
    path = tmp_path / "tied.safetensors"
    save_safetensors(model.state_dict(), path)
    stored = safetensors.numpy.load_file(str(path))
    assert list(stored) == ["embed.weight"]  # one copy in the file
    assert json.loads(safetensors_metadata(path)["tinytorch.aliases"]) == {"head.weight": "embed.weight"}
    loaded = load_safetensors(path)
    assert sorted(loaded) == ["embed.weight", "head.weight"]
    assert loaded["head.weight"] is loaded["embed.weight"]
    fresh = _Tied()
    fresh.load_state_dict(loaded)
    assert fresh.head.weight is fresh.embed.weight
    assert np.array_equal(fresh.embed.weight.detach().numpy(), model.embed.weight.detach().numpy())


def test_partly_shared_memory_is_refused(tmp_path):
    base = np.arange(12, dtype=np.float32)
    with pytest.raises(SafetensorsError, match=r"'b' and 'a' share part of their memory.*clone"):
        save_safetensors({"a": base[:8], "b": base[4:]}, tmp_path / "x.safetensors")
    assert not list(tmp_path.iterdir())


def test_metadata_round_trips_and_marks_the_pytorch_layout(tmp_path):
    path = tmp_path / "m.safetensors"
    config = {"n_layer": 2, "n_embd": 32}
    metadata = {"config": json.dumps(config), "epochs": 3}
    save_safetensors({"w": np.ones(2, np.float32)}, path, metadata=metadata)
    meta = safetensors_metadata(path)
    assert json.loads(meta["config"]) == config
    assert meta["epochs"] == "3" and meta["format"] == "pt"


def test_unsupported_dtype_is_refused_naming_the_key(tmp_path):
    with pytest.raises(SafetensorsError, match=r"'z' has dtype complex64"):
        save_safetensors({"z": np.ones(2, np.complex64)}, tmp_path / "z.safetensors")


def test_bfloat16_is_widened_to_float32_exactly_with_a_warning(tmp_path):
    exact = np.array([1.5, -2.0, 3.140625, 0.0, -1e30], dtype=np.float32)
    exact = ((exact.view(np.uint32) >> 16) << 16).view(np.float32)  # representable in bfloat16
    top = (exact.view(np.uint32) >> 16).astype("<u2")
    path = tmp_path / "bf16.safetensors"
    _raw_file(path, {"w": ("BF16", [5], top.tobytes()), "b": ("F32", [2], np.ones(2, np.float32).tobytes())})
    with pytest.warns(UserWarning, match=r"bfloat16 tensors \(w\).*widened to float32"):
        loaded = load_safetensors(path)
    assert loaded["w"].array.dtype == np.float32
    assert _bits(loaded["w"].array) == _bits(exact)
    assert np.array_equal(loaded["b"].numpy(), np.ones(2))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda raw: raw[:-3], r"truncated"),
        (lambda raw: raw[:5], r"fewer than the 8-byte header length"),
        (lambda raw: struct.pack("<Q", 10**9) + raw[8:], r"header claims 1000000000 bytes"),
        (lambda raw: raw[:8] + b"#" + raw[9:], r"header is not JSON"),
        (lambda raw: raw + b"\0" * 8, r"truncated/padded"),
    ],
)
def test_a_damaged_file_is_refused_naming_the_path(tmp_path, damage, message):
    path = tmp_path / "model.safetensors"
    model = _model()
    save_safetensors(model.state_dict(), path)
    path.write_bytes(damage(path.read_bytes()))
    before = {key: value.numpy().copy() for key, value in model.state_dict().items()}
    with pytest.raises(SafetensorsError, match=message) as error:
        model.load_state_dict(load_safetensors(path))
    assert str(path) in str(error.value) and "nothing was loaded" in str(error.value)
    assert all(np.array_equal(model.state_dict()[key].numpy(), value) for key, value in before.items())


def test_inconsistent_entries_are_refused(tmp_path):
    path = tmp_path / "bad.safetensors"
    _raw_file(path, {"w": ("F32", [3], b"\0" * 8)})
    with pytest.raises(SafetensorsError, match=r"'w' of shape \(3,\) needs 12 bytes, its range has 8"):
        load_safetensors(path)
    _raw_file(path, {"w": ("C64", [1], b"\0" * 8)})
    with pytest.raises(SafetensorsError, match=r"'w' has dtype 'C64'"):
        load_safetensors(path)
    with pytest.raises(FileNotFoundError, match="no file at"):
        load_safetensors(tmp_path / "missing.safetensors")


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    save_safetensors({"w": np.ones(3, np.float32)}, path)
    old = path.read_bytes()

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        save_safetensors({"w": np.zeros(3, np.float32)}, path)
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]
