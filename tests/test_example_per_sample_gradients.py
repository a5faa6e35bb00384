"""``examples/per_sample_gradients.py`` runs, and vmap's per-sample gradients equal the loop's."""

from __future__ import annotations

import warnings

from by_path import ROOT, load_file


def test_vmap_and_the_loop_agree_and_both_are_timed(capsys):
    example = load_file("per_sample_gradients_example", ROOT / "examples" / "per_sample_gradients.py")
    model, data, targets = example.problem(batch=6, features=4, hidden=5, classes=3)
    vmapped = example.vmapped_gradients(model, data, targets)
    looped = example.looped_gradients(model, data, targets)
    assert [tuple(g.shape) for g in vmapped] == [(6, *p.shape) for p in model.parameters()]
    assert example.largest_gap(vmapped, looped) < 1e-6  # float32
    model, data, targets = example.cnn_problem(batch=5, side=6, channels=3, classes=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # conv2d and pooling have batching rules: no per-sample loop
        vmapped = example.vmapped_gradients(model, data, targets)
    assert example.largest_gap(vmapped, example.looped_gradients(model, data, targets)) < 1e-6
    example.main()
    printed = capsys.readouterr().out
    for name in ("MLP", "CNN"):
        assert (
            float(printed.split(f"{name}: per-sample gradients")[1].split("the loop ")[1].split()[0]) < 1e-6
        )
        assert f"{name}: vmap(grad(...)):" in printed
    assert printed.count("ms; a loop of backward passes:") == 2
