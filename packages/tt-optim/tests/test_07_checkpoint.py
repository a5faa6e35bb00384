"""Checkpoints: exact round trips, no pickle (a crafted file runs no code), atomic writes (module 07)."""

from __future__ import annotations

import os
import pathlib
import pickle
import zipfile

import numpy as np
import pytest
import tt_autograd as autograd
import tt_optim
from tt_optim import SGD, Adam, CheckpointError, load, load_checkpoint, save, save_checkpoint
from tt_optim.lr_scheduler import OneCycleLR


def test_a_tree_round_trips_exactly(tmp_path):
    tree = {
        "weights": autograd.randn(3, 4),
        "double": autograd.tensor([1.0, np.pi], dtype=autograd.float64),
        "ints": autograd.arange(5),
        "mask": autograd.tensor([True, False]),
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "transposed": np.arange(6.0).reshape(2, 3).T,
        "scalar": autograd.tensor(2.5),
        "by_index": {0: {"step": autograd.tensor(3.0)}, 7: None},
        "betas": (0.9, 0.999),
        "nested": [1, 2.5, "three", None, True, {"__tensor__": "not a tag here"}],
        "tiny": 1e-300,
        "inf": float("inf"),
    }
    save(tree, tmp_path / "tree.npz")
    back = load(tmp_path / "tree.npz")
    for key in ("weights", "double", "ints", "mask", "scalar"):
        assert isinstance(back[key], autograd.Tensor) and back[key].array.dtype == tree[key].array.dtype
        assert back[key].shape == tree[key].shape, f"{key}: shape {back[key].shape}, saved {tree[key].shape}"
        np.testing.assert_array_equal(back[key].numpy(), tree[key].numpy())
    assert isinstance(back["array"], np.ndarray) and back["array"].dtype == np.int16
    np.testing.assert_array_equal(back["transposed"], tree["transposed"])
    assert list(back["by_index"]) == [0, 7] and float(back["by_index"][0]["step"]) == 3.0
    assert back["betas"] == (0.9, 0.999) and isinstance(back["betas"], tuple)
    assert back["nested"] == tree["nested"]
    assert back["tiny"] == 1e-300 and back["inf"] == float("inf")


def test_the_file_is_a_plain_npz_that_numpy_reads_without_pickle(tmp_path):
    save({"model": {"0.weight": autograd.ones(2, 2)}}, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as archive:
        assert sorted(archive.files) == ["__metadata__", "model/0.weight"]
        assert b'"format": "tinytorch-checkpoint"' in archive["__metadata__"].tobytes()


class Payload:
    """Unpickling this object creates the marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def test_an_npz_carrying_a_pickle_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.npz"
    np.savez(evil, weights=np.ones(3), payload=np.array([Payload(str(marker))], dtype=object))
    with pytest.raises(CheckpointError, match="'payload' holds Python objects .* nothing in it was run"):
        load(evil)
    with pytest.raises(CheckpointError, match="pickle"):
        load_checkpoint(evil)
    assert not marker.exists(), "loading the checkpoint executed code from it"


def test_a_pickle_file_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "model.pt"
    evil.write_bytes(pickle.dumps({"state": Payload(str(marker))}))
    with pytest.raises(CheckpointError, match="torch.save or pickle, it is refused"):
        load(evil)
    assert not marker.exists()


def test_other_files_are_refused_with_a_reason(tmp_path):
    with zipfile.ZipFile(tmp_path / "notes.npz", "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(CheckpointError, match="unexpected entry 'notes.txt'"):
        load(tmp_path / "notes.npz")
    np.savez(tmp_path / "plain.npz", a=np.ones(2))
    with pytest.raises(CheckpointError, match="no __metadata__"):
        load(tmp_path / "plain.npz")
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load(tmp_path / "missing.npz")


def test_values_that_need_pickle_are_refused_when_saving(tmp_path):
    with pytest.raises(TypeError, match="cannot store a builtin_function_or_method \\(at fn\\)"):
        save({"fn": print}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="only numeric arrays"):
        save({"a": np.array(["text"])}, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_a_failure_mid_save_leaves_the_old_checkpoint_intact(tmp_path, monkeypatch):
    path = tmp_path / "run.npz"
    save({"w": autograd.ones(100)}, path)
    before = path.read_bytes()
    calls = []
    real = np.lib.format.write_array

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the first array is already written to the temporary file
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing)
    with pytest.raises(OSError, match="disk full"):
        save({"w": autograd.zeros(100), "v": autograd.zeros(100), "u": autograd.zeros(3)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["run.npz"], "the temporary file must be removed"
    np.testing.assert_array_equal(load(path)["w"].numpy(), np.ones(100))


def test_the_write_goes_through_a_temporary_file_and_a_rename(tmp_path, monkeypatch):
    renames = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (renames.append((src, dst)), real(src, dst)))
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    save({"w": autograd.ones(2)}, tmp_path / "c.npz")
    ((source, target),) = renames
    assert os.path.dirname(source) == str(tmp_path) and target == tmp_path / "c.npz"
    assert synced, "the data must be fsync-ed before the rename"


def make_training_state(seed):
    autograd.manual_seed(seed)
    w = autograd.randn(4, 3, requires_grad=True)
    b = autograd.zeros(3, requires_grad=True)
    optimizer = Adam([w, b], lr=0.01, amsgrad=True)
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=20)
    return w, b, optimizer, scheduler


class Pair:
    """A minimal model for the checkpoint: a state_dict of two tensors."""

    def __init__(self, w, b):
        self.w, self.b = w, b

    def state_dict(self):
        return {"w": self.w.detach(), "b": self.b.detach()}

    def load_state_dict(self, state, strict=True):
        self.w.array[...] = state["w"].numpy()
        self.b.array[...] = state["b"].numpy()


def test_save_checkpoint_restores_model_optimizer_scheduler_and_rng(tmp_path):
    w, b, optimizer, scheduler = make_training_state(0)
    for _ in range(3):
        w.grad, b.grad = autograd.randn(4, 3), autograd.randn(3)
        optimizer.step()
        scheduler.step()
    loader_generator = autograd.Generator(9)
    loader_generator.numpy.random(5)
    save_checkpoint(
        tmp_path / "c.npz",
        model=Pair(w, b),
        optimizer=optimizer,
        scheduler=scheduler,
        epoch=3,
        extra={"note": "hello"},
        generators={"train": loader_generator},
    )
    next_default, next_loader = autograd.rand(4).numpy(), loader_generator.numpy.random(4)

    w2, b2, optimizer2, scheduler2 = make_training_state(1)
    other_generator = autograd.Generator(123)
    saved = load_checkpoint(
        tmp_path / "c.npz",
        model=Pair(w2, b2),
        optimizer=optimizer2,
        scheduler=scheduler2,
        generators={"train": other_generator},
    )
    assert saved["epoch"] == 3 and saved["extra"] == {"note": "hello"}
    np.testing.assert_array_equal(w2.detach().numpy(), w.detach().numpy())
    assert optimizer2.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
    assert optimizer2.param_groups[0]["betas"] == optimizer.param_groups[0]["betas"]
    assert scheduler2.last_epoch == 3 and scheduler2.get_last_lr() == scheduler.get_last_lr()
    np.testing.assert_array_equal(
        optimizer2.state[w2]["max_exp_avg_sq"].numpy(), optimizer.state[w]["max_exp_avg_sq"].numpy()
    )
    np.testing.assert_array_equal(autograd.rand(4).numpy(), next_default)
    np.testing.assert_array_equal(other_generator.numpy.random(4), next_loader)


def test_load_checkpoint_says_what_is_missing(tmp_path):
    w, b, optimizer, _ = make_training_state(0)
    save_checkpoint(tmp_path / "c.npz", model=Pair(w, b), epoch=1)
    with pytest.raises(CheckpointError, match="no optimizer state"):
        load_checkpoint(tmp_path / "c.npz", optimizer=optimizer)
    with pytest.raises(CheckpointError, match="no state for generator 'train'"):
        load_checkpoint(tmp_path / "c.npz", generators={"train": autograd.Generator(0)})
    save({"just": "a tree"}, tmp_path / "tree.npz")
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        load_checkpoint(tmp_path / "tree.npz")


def test_an_sgd_state_dict_with_no_state_round_trips(tmp_path):
    optimizer = SGD([autograd.zeros(2, requires_grad=True)], lr=0.1)
    save(optimizer.state_dict(), tmp_path / "o.npz")
    optimizer.load_state_dict(load(tmp_path / "o.npz"))
    assert optimizer.param_groups[0]["lr"] == 0.1
    assert tt_optim.checkpoint.FORMAT == "tinytorch-checkpoint"


def test_colliding_names_numpy_scalars_and_bad_keys(tmp_path):
    tree = {
        "a/b": autograd.ones(2),
        "a": {"b": autograd.zeros(3)},  # stored under the same path as "a/b"
        "__metadata__": np.arange(4),  # the name of the metadata entry itself
        "count": np.int64(3),
        "rate": np.float32(0.5),
    }
    save(tree, tmp_path / "t.npz")
    back = load(tmp_path / "t.npz")
    np.testing.assert_array_equal(back["a/b"].numpy(), np.ones(2))
    np.testing.assert_array_equal(back["a"]["b"].numpy(), np.zeros(3))
    np.testing.assert_array_equal(back["__metadata__"], np.arange(4))
    assert back["count"] == 3 and type(back["count"]) is int and back["rate"] == 0.5
    with pytest.raises(TypeError, match="has a key of type tuple"):
        save({(1, 2): 3}, tmp_path / "k.npz")


def test_metadata_naming_a_missing_array_is_refused(tmp_path):
    save({"w": autograd.ones(2)}, tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as archive:
        metadata = archive["__metadata__"].tobytes().replace(b'"w"}', b'"gone"}')
        weights = archive["w"]
    np.savez(tmp_path / "c.npz", w=weights, __metadata__=np.frombuffer(metadata, dtype=np.uint8))
    with pytest.raises(CheckpointError, match="array 'gone' that the file does not hold"):
        load(tmp_path / "c.npz")


def open_descriptors_under(folder) -> list[str]:
    """Paths of this process's open file descriptors that point into ``folder``."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed between listing and reading (another thread's)
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def test_saving_keeps_file_permissions_and_no_open_descriptors(tmp_path):
    path = tmp_path / "p.npz"
    save({"w": autograd.ones(2)}, path)
    assert path.stat().st_mode & 0o777 == 0o644  # a new file: readable by all, like an ordinary open()
    os.chmod(path, 0o600)
    for _ in range(3):
        save({"w": autograd.ones(2)}, path)
    assert path.stat().st_mode & 0o777 == 0o600  # an existing file keeps its mode
    # counted on the saved file and its temporaries only: other threads' descriptors come and go
    assert open_descriptors_under(tmp_path) == [], "save leaked file descriptors"
    with open(path, "rb"):  # the check sees a descriptor that is open
        assert open_descriptors_under(tmp_path) == [str(path)]
