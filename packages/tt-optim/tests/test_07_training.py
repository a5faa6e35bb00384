"""The training loop: fit, evaluate, metrics, progress output, and resuming bit for bit (module 07)."""

from __future__ import annotations

import sys
import time
import types

import numpy as np
import pytest
import tt_autograd as autograd
import tt_nn
import tt_optim
from tt_optim import SGD, Adam, DataLoader, TensorDataset, accuracy, evaluate, fit
from tt_optim.lr_scheduler import CyclicLR, OneCycleLR, ReduceLROnPlateau, StepLR


def blobs(n=240, features=8, classes=3, seed=0):
    """Gaussian clusters around fixed random centres (``seed`` draws the points): easy to learn."""
    centres = np.random.default_rng(0).standard_normal((classes, features)) * 3
    rng = np.random.default_rng(seed + 1)
    labels = rng.integers(0, classes, n)
    points = centres[labels] + rng.standard_normal((n, features))
    return TensorDataset(autograd.tensor(points, dtype=autograd.float32), autograd.tensor(labels))


def mlp(features=8, classes=3, p=0.2):
    return tt_nn.Sequential(
        tt_nn.Linear(features, 32), tt_nn.ReLU(), tt_nn.Dropout(p), tt_nn.Linear(32, classes)
    )


@pytest.fixture
def quiet(monkeypatch):
    """No tqdm, whatever is installed: fit prints plain lines."""
    monkeypatch.setattr(tt_optim.training, "_load_tqdm", lambda: None)


def test_fit_learns_and_records_a_history(quiet, capsys):
    autograd.manual_seed(0)
    model = mlp()
    train = DataLoader(blobs(), batch_size=32, shuffle=True, generator=autograd.Generator(0))
    val = DataLoader(blobs(seed=1, n=90), batch_size=45)
    history = fit(
        model, tt_nn.CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), train, epochs=4, val_loader=val
    )
    assert isinstance(history, tt_optim.History) and len(history) == 4
    assert history["epoch"] == [1, 2, 3, 4]
    assert set(history[0]) == {"epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc", "time"}
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history[-1]["train_acc"] > 0.9 and history[-1]["val_acc"] > 0.9
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[0].startswith("epoch 1/4  train_loss ") and "val_acc" in lines[0]
    with pytest.raises(KeyError, match="History has no 'test_acc'"):
        history["test_acc"]


def test_epoch_metrics_are_means_weighted_by_batch_size(quiet):
    """With lr 0 the model is fixed, so each epoch's loss and accuracy equal evaluate's over the whole set."""
    autograd.manual_seed(1)
    model = mlp(p=0.0)
    data = blobs(n=50)
    loss_fn = tt_nn.CrossEntropyLoss()
    history = fit(
        model,
        loss_fn,
        SGD(model.parameters(), lr=0.0),
        DataLoader(data, batch_size=16),
        epochs=1,
        verbose=False,
    )
    x, y = data.tensors
    with autograd.no_grad():
        output = model(x)
        whole_loss = loss_fn(output, y).item()
    assert history[0]["train_loss"] == pytest.approx(whole_loss, rel=1e-5)
    assert history[0]["train_acc"] == pytest.approx(accuracy(output, y))
    assert evaluate(model, loss_fn, DataLoader(data, batch_size=7))["loss"] == pytest.approx(
        whole_loss, rel=1e-5
    )


def test_evaluate_uses_eval_mode_no_gradients_and_restores_the_mode():
    autograd.manual_seed(2)
    model = mlp(p=0.5)
    loader = DataLoader(blobs(n=40), batch_size=40)
    first = evaluate(model, tt_nn.CrossEntropyLoss(), loader)
    second = evaluate(model, tt_nn.CrossEntropyLoss(), loader)
    assert first == second, "dropout must be off in evaluation"
    assert model.training and all(p.grad is None for p in model.parameters())
    assert set(first) == {"loss", "acc"}
    model.eval()
    evaluate(model, tt_nn.CrossEntropyLoss(), loader)
    assert not model.training, "a model in eval mode stays in eval mode"


def test_evaluate_leaves_a_model_without_a_training_flag_in_eval_mode():
    """A duck-typed model with train()/eval() but no ``training`` attribute is not switched to training."""
    inner = mlp(p=0.0)
    modes = []

    class Wrapper:
        def __call__(self, x):
            return inner(x)

        def eval(self):
            modes.append("eval")

        def train(self, mode=True):
            modes.append(f"train({mode})")

    evaluate(Wrapper(), tt_nn.CrossEntropyLoss(), DataLoader(blobs(n=8), batch_size=8))
    assert modes == ["eval", "train(False)"]


def test_a_single_sample_and_an_empty_loader(quiet):
    model, loss_fn = mlp(), tt_nn.CrossEntropyLoss()
    data = blobs(n=5)
    x, y = data.tensors
    model.eval()
    with autograd.no_grad():
        expected = loss_fn(model(x[:1]), y[:1]).item()
    one = TensorDataset(x[:1], y[:1])
    result = evaluate(model, loss_fn, DataLoader(one, batch_size=1))
    assert result["loss"] == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="yielded no batches"):
        fit(model, loss_fn, SGD(model.parameters(), lr=0.1), DataLoader(data, 8, drop_last=True), epochs=1)


def test_fit_trains_in_train_mode_and_times_each_epoch(quiet):
    model = mlp(p=0.5)
    model.eval()  # e.g. left in eval mode by an earlier evaluation
    modes = []
    model.register_forward_hook(lambda module, inputs, output: modes.append(module.training))
    loader, optimizer = DataLoader(blobs(n=32), 16), SGD(model.parameters(), lr=0.1)
    begin = time.perf_counter()
    history = fit(model, tt_nn.CrossEntropyLoss(), optimizer, loader, epochs=2, verbose=False)
    elapsed = time.perf_counter() - begin
    assert modes == [True] * 4 and model.training
    assert all(0 <= record["time"] <= elapsed for record in history)


def test_progress_bar_comes_from_tqdm_when_it_is_installed(monkeypatch):
    bars, written = [], []

    class FakeTqdm:
        def __init__(self, iterable, **options):
            self.iterable, self.options, self.postfixes = iterable, options, []
            bars.append(self)

        def __iter__(self):
            return iter(self.iterable)

        def set_postfix(self, **values):
            self.postfixes.append(values)

        write = staticmethod(written.append)

    monkeypatch.setitem(sys.modules, "tqdm", types.ModuleType("tqdm"))
    monkeypatch.setitem(sys.modules, "tqdm.auto", types.SimpleNamespace(tqdm=FakeTqdm))
    model = mlp()
    loader = DataLoader(blobs(n=64), batch_size=16)
    fit(model, tt_nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), loader, epochs=2)
    assert [bar.options["desc"] for bar in bars] == ["epoch 1/2", "epoch 2/2"]
    assert bars[0].options["total"] == 4 and len(bars[0].postfixes) == 4
    assert len(written) == 2 and written[1].startswith("epoch 2/2")


def test_schedules_step_per_epoch_or_per_batch(quiet):
    model = mlp()
    loader = DataLoader(blobs(n=64), batch_size=16)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    step_lr = StepLR(optimizer, step_size=1, gamma=0.5)
    history = fit(
        model, tt_nn.CrossEntropyLoss(), optimizer, loader, epochs=3, scheduler=step_lr, verbose=False
    )
    assert step_lr.last_epoch == 3 and history["lr"] == [0.1, 0.05, 0.025]
    one_cycle = OneCycleLR(optimizer, max_lr=0.1, epochs=3, steps_per_epoch=len(loader))
    fit(model, tt_nn.CrossEntropyLoss(), optimizer, loader, epochs=3, scheduler=one_cycle, verbose=False)
    assert one_cycle.last_epoch == 12, "OneCycleLR steps after every batch"
    cyclic = CyclicLR(optimizer, 0.01, 0.1, step_size_up=5)
    fit(model, tt_nn.CrossEntropyLoss(), optimizer, loader, epochs=2, scheduler=cyclic, verbose=False)
    assert cyclic.last_epoch == 8, "CyclicLR steps after every batch"


class RecordingPlateau(ReduceLROnPlateau):
    """ReduceLROnPlateau that keeps the figures it was stepped on."""

    def __init__(self, optimizer, **options):
        super().__init__(optimizer, **options)
        self.seen = []

    def step(self, metrics):
        self.seen.append(metrics)
        super().step(metrics)


def test_reduce_on_plateau_steps_on_the_monitored_figure(quiet):
    autograd.manual_seed(2)
    model = mlp()
    train = DataLoader(blobs(n=64), batch_size=16)
    val = DataLoader(blobs(seed=1, n=32), batch_size=16)
    optimizer = SGD(model.parameters(), lr=0.05)
    plateau = RecordingPlateau(optimizer)
    history = fit(model, tt_nn.CrossEntropyLoss(), optimizer, train, 3, val_loader=val, scheduler=plateau)
    assert plateau.seen == history["val_loss"] and plateau.last_epoch == 3
    by_accuracy = RecordingPlateau(optimizer, mode="max")
    history = fit(
        model, tt_nn.CrossEntropyLoss(), optimizer, train, 2, scheduler=by_accuracy, monitor="train_acc"
    )
    assert by_accuracy.seen == history["train_acc"]


def test_reduce_on_plateau_cuts_the_rate_when_the_figure_stalls(quiet):
    """With a learning rate too small to move float32 weights, every epoch after the first is a bad one."""
    model = mlp(p=0.0)
    loader = DataLoader(blobs(n=32), batch_size=16)
    optimizer = SGD(model.parameters(), lr=1e-12)
    plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=1, eps=0.0)
    history = fit(model, tt_nn.CrossEntropyLoss(), optimizer, loader, 5, val_loader=loader, scheduler=plateau)
    assert history["lr"] == [1e-12, 1e-12, 1e-12, 0.5e-12, 0.5e-12]


def test_reduce_on_plateau_needs_a_recorded_figure(quiet):
    model = mlp()
    loader = DataLoader(blobs(n=32), batch_size=16)
    optimizer = SGD(model.parameters(), lr=0.1)
    loss = tt_nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match=r"monitor='val_loss' .* \(no val_loader was given\).*'train_acc'\]"):
        fit(model, loss, optimizer, loader, 1, scheduler=ReduceLROnPlateau(optimizer))
    with pytest.raises(ValueError, match=r"monitor='val_f1' is not a figure fit records; .*'val_acc'\]"):
        fit(
            model,
            loss,
            optimizer,
            loader,
            1,
            val_loader=loader,
            scheduler=ReduceLROnPlateau(optimizer),
            monitor="val_f1",
        )
    with pytest.raises(ValueError, match="steps once per epoch on a metric; use scheduler_interval='auto'"):
        fit(
            model,
            loss,
            optimizer,
            loader,
            1,
            val_loader=loader,
            scheduler=ReduceLROnPlateau(optimizer),
            scheduler_interval="batch",
        )


def test_gradients_are_clipped_before_each_step(quiet):
    norms = []

    class Recording(SGD):
        def step(self, closure=None):
            norms.append(np.sqrt(sum(np.sum(p.grad.numpy() ** 2) for p in self.param_groups[0]["params"])))
            return super().step(closure)

    model = mlp()
    fit(
        model,
        tt_nn.CrossEntropyLoss(),
        Recording(model.parameters(), lr=0.1),
        DataLoader(blobs(n=64), 16),
        epochs=1,
        clip_grad_norm=0.01,
        verbose=False,
    )
    assert len(norms) == 4 and max(norms) <= 0.01 * (1 + 1e-4)


def test_a_non_finite_loss_stops_training_with_advice(quiet):
    model = mlp()
    with pytest.raises(
        FloatingPointError, match="loss became nan at epoch 1, batch 1; lower the learning rate"
    ):
        fit(
            model,
            lambda out, y: out.sum() * float("nan"),
            SGD(model.parameters(), lr=0.1),
            DataLoader(blobs(n=16), 8),
            epochs=1,
        )


def test_batches_must_be_inputs_then_target(quiet):
    model = mlp()
    loader = DataLoader(TensorDataset(autograd.randn(8, 8)), batch_size=4)
    with pytest.raises(TypeError, match=r"each batch must be a sequence \(inputs..., target\)"):
        fit(model, tt_nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), loader, epochs=1)


def test_accuracy_metric():
    scores = autograd.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [9.0, 0.0, 0.0]])
    assert accuracy(scores, autograd.tensor([0, 1, 1, 1])) == 0.5
    assert accuracy(scores, autograd.tensor(np.eye(3)[[0, 1, 2, 0]])) == 1.0
    assert accuracy(
        autograd.tensor([[0.3], [-2.0], [0.1]]), autograd.tensor([[1.0], [0.0], [0.0]])
    ) == pytest.approx(2 / 3)
    assert accuracy(autograd.tensor([0.7, 0.2]), autograd.tensor([1.0, -1.0]), threshold=0.5) == 1.0
    with pytest.raises(ValueError, match=r"need targets of shape \(4,\)"):
        accuracy(scores, autograd.tensor([0, 1]))
    # binary: positive when the score exceeds the threshold; a 0 label is negative
    assert accuracy(autograd.tensor([-1.0, 2.0]), autograd.tensor([0, 1])) == 1.0
    assert accuracy(autograd.tensor([0.5, 0.9]), autograd.tensor([0.0, 1.0]), threshold=0.5) == 1.0
    with pytest.raises(ValueError, match=r"3 scores for 2 targets"):
        accuracy(autograd.tensor([0.1, 0.2, 0.3]), autograd.tensor([0, 1]))


class Interrupted(Exception):
    pass


def crashing_loss(after_batches):
    """Cross-entropy that raises (like a crash or Ctrl-C) once it has run ``after_batches`` times."""
    loss_fn, calls = tt_nn.CrossEntropyLoss(), [0]

    def loss(output, target):
        calls[0] += 1
        if calls[0] > after_batches:
            raise Interrupted
        return loss_fn(output, target)

    return loss


def training_run(seed, loader_seed, per_batch_schedule):
    """A fresh model, optimizer, schedule and shuffled loader, as a new process would build them."""
    autograd.manual_seed(seed)
    model = mlp(p=0.3)
    dataset = blobs(n=96)
    if per_batch_schedule:  # shuffled by the default generator, dropout too; momentum cycled
        loader = DataLoader(dataset, batch_size=16, shuffle=True)
        optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
        scheduler = OneCycleLR(optimizer, max_lr=0.1, epochs=5, steps_per_epoch=len(loader))
    else:  # shuffled by the loader's own generator
        loader = DataLoader(dataset, batch_size=16, shuffle=True, generator=autograd.Generator(loader_seed))
        optimizer = Adam(model.parameters(), lr=0.01, amsgrad=True)
        scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    return model, optimizer, scheduler, loader


@pytest.mark.parametrize(
    "per_batch_schedule", [False, True], ids=["adam-steplr-own-generator", "sgd-onecycle"]
)
def test_a_resumed_run_ends_bit_for_bit_where_an_uninterrupted_one_does(
    per_batch_schedule, tmp_path, quiet, capsys
):
    model, optimizer, scheduler, loader = training_run(0, 7, per_batch_schedule)
    whole = fit(
        model,
        tt_nn.CrossEntropyLoss(),
        optimizer,
        loader,
        epochs=5,
        scheduler=scheduler,
        checkpoint=tmp_path / "whole.npz",
        verbose=False,
    )
    expected = {name: value.numpy().copy() for name, value in model.state_dict().items()}

    # The same run, killed in the middle of epoch 4 (after 3 epochs of 6 batches and 2 more batches).
    model, optimizer, scheduler, loader = training_run(0, 7, per_batch_schedule)
    with pytest.raises(Interrupted):
        fit(
            model,
            crashing_loss(3 * 6 + 2),
            optimizer,
            loader,
            epochs=5,
            scheduler=scheduler,
            checkpoint=tmp_path / "run.npz",
            verbose=False,
        )
    assert tt_optim.load_checkpoint(tmp_path / "run.npz", restore_rng=False)["epoch"] == 3

    # A new process: everything built from other seeds, then resumed from the checkpoint.
    model, optimizer, scheduler, loader = training_run(99, 1234, per_batch_schedule)
    resumed = fit(
        model,
        tt_nn.CrossEntropyLoss(),
        optimizer,
        loader,
        epochs=5,
        scheduler=scheduler,
        checkpoint=tmp_path / "run.npz",
        resume=True,
    )
    assert capsys.readouterr().out.splitlines()[0] == f"resumed from {tmp_path / 'run.npz'} after epoch 3"
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), expected[name], err_msg=f"{name} differs after resuming")
    drop_time = [{k: v for k, v in record.items() if k != "time"} for record in resumed]
    assert drop_time == [{k: v for k, v in record.items() if k != "time"} for record in whole]


def test_resume_without_a_checkpoint_file_starts_from_epoch_one(tmp_path, quiet):
    model = mlp()
    history = fit(
        model,
        tt_nn.CrossEntropyLoss(),
        SGD(model.parameters(), lr=0.1),
        DataLoader(blobs(n=32), 16),
        epochs=2,
        checkpoint=tmp_path / "new.npz",
        resume=True,
        verbose=False,
    )
    assert history["epoch"] == [1, 2] and (tmp_path / "new.npz").exists()
