"""Module 07: temporary files of killed saves are removed by the next save (issue #14).

A ``kill -9`` runs no cleanup code, so a save killed mid-write leaves its
temporary file. Before, 40 kills left 30 orphans (452 MiB) that no later save
removed; now each temporary is named after its writer
(``.<name>.ttsave-<host>-<pid>-<random>.tmp``) and the next save to the
folder deletes those whose writer is gone — and nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from tt_optim import checkpoint_files as checkpoint
from tt_optim import load, save

WRITER = textwrap.dedent(
    """
    import sys, numpy as np
    from tt_optim import save
    weights = np.ones((1 << 21,), dtype=np.float32)  # 8 MiB: a save takes a while
    print("ready", flush=True)
    step = 0
    while True:
        step += 1
        weights[0] = step
        save({"weights": weights, "step": step}, sys.argv[1])
    """
)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def temporaries(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_save_removes_stale_temporaries_of_dead_writers_only(tmp_path):
    host = checkpoint._host()
    stale = tmp_path / f".model.npz.ttsave-{host}-{dead_pid()}-abcd1234.tmp"
    alive = tmp_path / f".model.npz.ttsave-{host}-{os.getpid()}-efgh5678.tmp"  # a save in progress
    elsewhere = tmp_path / f".model.npz.ttsave-otherhost-{dead_pid()}-ijkl9012.tmp"  # another machine's
    foreign = tmp_path / ".notes.txt.abcdefgh.tmp"  # not beside a file of that name: not ours
    for path in (stale, alive, elsewhere, foreign):
        path.write_bytes(b"partial")
    save({"x": np.arange(3)}, tmp_path / "model.npz")
    assert not stale.exists()
    assert alive.exists() and elsewhere.exists() and foreign.exists()
    assert temporaries(tmp_path) == sorted(p.name for p in (alive, elsewhere, foreign))


def test_old_style_temporaries_go_only_beside_their_file_and_when_an_hour_old(tmp_path):
    (tmp_path / "run.npz").write_bytes(b"")
    old = tmp_path / ".run.npz.k2j4h5g6.tmp"
    recent = tmp_path / ".run.npz.a1b2c3d4.tmp"
    for path in (old, recent):
        path.write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert checkpoint.remove_stale_temporaries(tmp_path) == [old]
    assert recent.exists()


def test_kill_9_during_saves_leaves_a_loadable_file_and_the_next_save_cleans_up(tmp_path):
    target = tmp_path / "weights.npz"
    save({"weights": np.zeros(4), "step": 0}, target)
    rng = np.random.default_rng(14)
    kills = 3
    for _ in range(kills):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.3))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        writer.stdout.close()
        loaded = load(target)  # the previous complete checkpoint, never a torn one
        assert int(loaded["step"]) == 0 or loaded["weights"][0] == loaded["step"]
    save({"weights": np.zeros(4), "step": -1}, target)
    assert temporaries(tmp_path) == []
    assert int(load(target)["step"]) == -1


@pytest.mark.parametrize("bad", [None, "."])
def test_cleaning_an_unreadable_folder_is_harmless(bad, tmp_path):
    assert checkpoint.remove_stale_temporaries(tmp_path / "missing" if bad is None else tmp_path) == []


def test_dataloader_refuses_a_negative_num_workers():
    import tt_autograd as autograd
    from tt_optim import DataLoader, TensorDataset

    with pytest.raises(ValueError, match="DataLoader: num_workers must be a non-negative integer, got -1"):
        DataLoader(TensorDataset(autograd.zeros(3)), num_workers=-1)
