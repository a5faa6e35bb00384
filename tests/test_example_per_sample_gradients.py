"""``examples/per_sample_gradients.py`` runs, and vmap's per-sample gradients equal the loop's."""

from __future__ import annotations

from by_path import ROOT, load_file


def test_vmap_and_the_loop_agree_and_both_are_timed(capsys):
    example = load_file("per_sample_gradients_example", ROOT / "examples" / "per_sample_gradients.py")
    model, data, targets = example.problem(batch=6, features=4, hidden=5, classes=3)
    vmapped = example.vmapped_gradients(model, data, targets)
    looped = example.looped_gradients(model, data, targets)
    assert [tuple(g.shape) for g in vmapped] == [(6, *p.shape) for p in model.parameters()]
    assert example.largest_gap(vmapped, looped) < 1e-6  # float32
    example.main()
    printed = capsys.readouterr().out
    assert float(printed.split("largest gap between vmap and the loop ")[1].split()[0]) < 1e-6
    assert "ms; a loop of backward passes:" in printed
