"""Module 07: every damaged or crafted checkpoint raises ``CheckpointError`` with the path (issue #14).

Before: a bit-flipped file raised ``BadZipFile``, crafted metadata a raw
``TypeError`` or ``RecursionError``, a 200 MB deflate bomb was inflated
without limit, and a truncated file was blamed on "torch.save or pickle".
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from tt_optim import CheckpointError, load, save


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.npz"
    rng = np.random.default_rng(0)
    save({"weight": rng.standard_normal((64, 64)), "step": 3}, path)
    return path


def write_archive(path, entries, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def metadata_entry(tree):
    text = json.dumps({"format": "tinytorch-checkpoint", "version": 1, "tree": tree})
    return npy_bytes(np.frombuffer(text.encode(), dtype=np.uint8))


def test_a_truncated_checkpoint_says_truncated_not_pickle(saved):
    saved.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(CheckpointError, match=r"model\.npz is truncated or damaged") as caught:
        load(saved)
    assert "pickle" not in str(caught.value)


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_a_bit_flipped_checkpoint_is_a_checkpoint_error_naming_the_file(saved, where):
    raw = bytearray(saved.read_bytes())
    offset = int(len(raw) * where)
    raw[offset] ^= 0x04
    saved.write_bytes(bytes(raw))
    try:
        value = load(saved)
    except CheckpointError as error:
        assert str(saved) in str(error)
    else:  # a flip inside an array's data is not detectable without a checksum: it loads, intact shape
        assert value["weight"].shape == (64, 64)


@pytest.mark.parametrize(
    "tree",
    [
        {"__tuple__": 5},
        {"__dict__": [[1]]},
        {"__dict__": 7},
        {"__tensor__": ["weight"]},
        {"__tensor__": "nothing-of-that-name"},
        {"a": {"__tuple__": [{"__dict__": [["k", 1, 2]]}]}},
    ],
)
def test_crafted_metadata_is_a_checkpoint_error(tmp_path, tree):
    path = tmp_path / "crafted.npz"
    write_archive(path, {"weight.npy": npy_bytes(np.ones(2)), "__metadata__.npy": metadata_entry(tree)})
    with pytest.raises(CheckpointError, match=r"crafted\.npz"):
        load(path)


def test_deeply_nested_metadata_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "deep.npz"
    text = '{"format": "tinytorch-checkpoint", "version": 1, "tree": ' + "[" * 100_000 + "]" * 100_000 + "}"
    write_archive(path, {"__metadata__.npy": npy_bytes(np.frombuffer(text.encode(), dtype=np.uint8))})
    with pytest.raises(CheckpointError, match=r"deep\.npz"):
        load(path)


def test_a_deflate_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.npz"
    zeros = npy_bytes(np.zeros(50_000_000, dtype=np.uint8))  # 50 MB that deflates to ~50 kB
    write_archive(path, {"weight.npy": zeros, "__metadata__.npy": metadata_entry({})}, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(CheckpointError, match="would inflate .* refused as a likely deflate bomb"):
        load(path)


def test_an_entry_longer_than_its_header_declares_is_refused(tmp_path):
    path = tmp_path / "padded.npz"
    entry = npy_bytes(np.ones(4)) + b"\0" * 4096
    write_archive(path, {"weight.npy": entry, "__metadata__.npy": metadata_entry({})})
    with pytest.raises(CheckpointError, match="header declares"):
        load(path)


def test_a_good_checkpoint_still_loads(saved):
    assert load(saved)["step"] == 3
