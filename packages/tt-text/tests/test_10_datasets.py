"""Module 10 — next-token windows over a token stream, batched without a per-sample loop."""

from __future__ import annotations

import numpy as np
import pytest
import tt_optim
import tt_tensor
import tt_text.datasets
from tt_text import TokenWindows, load_tiny_shakespeare, split_tokens


def test_a_window_and_its_target_are_shifted_by_one():
    ds = TokenWindows(np.arange(20), block_size=5)
    x, y = ds[1]
    assert x.tolist() == [5, 6, 7, 8, 9] and y.tolist() == [6, 7, 8, 9, 10]
    assert x.dtype == tt_tensor.int64


def test_length_counts_full_windows_only():
    assert len(TokenWindows(np.arange(11), block_size=5)) == 2  # windows need block_size + 1 tokens
    assert len(TokenWindows(np.arange(10), block_size=5)) == 1
    assert len(TokenWindows(np.arange(20), block_size=4, stride=1)) == 16


def test_getitems_gathers_a_batch_in_one_go():
    ds = TokenWindows(np.arange(100) * 3, block_size=8, stride=2)
    x, y = ds.__getitems__([0, 5, 7])
    assert x.shape == (3, 8) and y.shape == (3, 8)
    for row, index in enumerate([0, 5, 7]):
        expected_x, expected_y = ds[index]
        assert x[row].tolist() == expected_x.tolist() and y[row].tolist() == expected_y.tolist()


def test_random_batches_are_windows_of_the_stream_and_seeded():
    tokens = np.arange(1000)
    ds = TokenWindows(tokens, block_size=16)
    x, y = ds.random_batch(64, generator=tt_tensor.Generator(3))
    assert x.shape == (64, 16)
    xs, ys = x.numpy(), y.numpy()
    assert (np.diff(xs, axis=1) == 1).all() and (ys == xs + 1).all(), (
        "each row is a contiguous slice, target +1"
    )
    assert xs.min() >= 0 and ys.max() <= 999
    again, _ = ds.random_batch(64, generator=tt_tensor.Generator(3))
    assert (again.numpy() == xs).all()
    assert len(np.unique(xs[:, 0])) > 40, "starts are random, not fixed strides"


def test_batches_cover_every_window_once():
    ds = TokenWindows(np.arange(50), block_size=4)
    seen = [
        row[0] for x, _ in ds.batches(5, shuffle=True, generator=tt_tensor.Generator(0)) for row in x.tolist()
    ]
    assert sorted(seen) == [4 * i for i in range(len(ds))]


def test_too_short_streams_and_bad_indices_are_clear_errors():
    with pytest.raises(ValueError, match="too few for one window"):
        TokenWindows(np.arange(5), block_size=5)
    with pytest.raises(IndexError, match="out of range"):
        TokenWindows(np.arange(20), block_size=5)[3]


def test_windows_at_the_edges_of_their_ranges():
    ds = TokenWindows(np.arange(6), block_size=5)  # exactly block_size + 1 tokens: one window
    assert len(ds) == 1 and ds[-1][1].tolist() == [1, 2, 3, 4, 5]
    ds = TokenWindows(np.arange(20), block_size=5)
    assert ds[-3][0].tolist() == ds[0][0].tolist(), "negative indices count from the end, down to -len"
    with pytest.raises(IndexError, match="out of range"):
        ds[-4]
    assert TokenWindows(np.arange(3), block_size=1)[1][0].tolist() == [1]  # block_size 1 is valid
    starts = TokenWindows(np.arange(7), block_size=5).random_batch(200, generator=tt_tensor.Generator(0))
    assert set(starts[0].numpy()[:, 0].tolist()) == {0, 1}, "every start position is drawn, 0 included"


def test_bad_streams_and_sizes_are_clear_errors():
    with pytest.raises(ValueError, match="1-d sequence of ints"):
        TokenWindows(np.arange(20).reshape(4, 5), block_size=2)
    with pytest.raises(ValueError, match="1-d sequence of ints"):
        TokenWindows(np.linspace(0, 1, 20), block_size=2)
    with pytest.raises(ValueError, match="block_size must be positive"):
        TokenWindows(np.arange(20), block_size=0)
    for fraction in (0, 1, 1.5):
        with pytest.raises(ValueError, match=r"val_fraction must be in \(0, 1\)"):
            split_tokens(np.arange(10), fraction)


def test_split_holds_out_the_last_fraction():
    train, val = split_tokens(np.arange(100), 0.1)
    assert train.tolist() == list(range(90)) and val.tolist() == list(range(90, 100))
    train, val = split_tokens(np.arange(10), 0.04)  # less than half a token: nothing held out
    assert train.tolist() == list(range(10)) and val.size == 0


def test_tiny_shakespeare_is_found_and_checked():
    text = load_tiny_shakespeare()
    assert len(text) == 1_115_394 and text.startswith("First Citizen:")


def refuse_downloads(*args, **kwargs):
    raise AssertionError("no download was asked for")


def test_missing_data_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(tt_text.datasets.urllib.request, "urlopen", refuse_downloads)
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_tiny_shakespeare(tmp_path, download=False)


def test_a_corrupted_copy_is_refused(tmp_path):
    (tmp_path / tt_text.datasets.TINY_SHAKESPEARE_FILE).write_text("First Citizen: not the real file")
    with pytest.raises(ValueError, match="SHA-256"):
        load_tiny_shakespeare(tmp_path, download=False)


class FakeResponse:
    """What urlopen returns, serving fixed bytes (no network in the tests)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def read(self) -> bytes:
        return self.data


def test_download_goes_to_the_last_root_verified_and_atomic(tmp_path, monkeypatch):
    real = load_tiny_shakespeare().encode("utf-8")
    monkeypatch.setattr(tt_text.datasets.urllib.request, "urlopen", lambda *a, **k: FakeResponse(real))
    first, cache = tmp_path / "first", tmp_path / "cache" / "nested"
    first.mkdir()
    monkeypatch.setattr(tt_text.datasets, "data_roots", lambda: [first, cache])
    assert load_tiny_shakespeare() == real.decode("utf-8")
    assert (cache / tt_text.datasets.TINY_SHAKESPEARE_FILE).read_bytes() == real
    assert not list(first.iterdir()) and [p.name for p in cache.iterdir()] == ["tinyshakespeare.txt"]
    (cache / tt_text.datasets.TINY_SHAKESPEARE_FILE).unlink()  # the folder exists now: download again
    assert load_tiny_shakespeare() == real.decode("utf-8")
    monkeypatch.setattr(tt_text.datasets.urllib.request, "urlopen", lambda *a, **k: FakeResponse(b"junk"))
    with pytest.raises(ValueError, match="SHA-256"):
        load_tiny_shakespeare(tmp_path / "other")
    assert not (tmp_path / "other").exists(), "a bad download is never written"


def test_a_failed_download_is_a_clear_error(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(tt_text.datasets.urllib.request, "urlopen", offline)
    with pytest.raises(FileNotFoundError, match="network unreachable"):
        load_tiny_shakespeare(tmp_path)


def test_works_with_tt_optims_dataloader():
    loader = tt_optim.DataLoader(TokenWindows(np.arange(200), block_size=8), batch_size=4, shuffle=True)
    x, y = next(iter(loader))
    assert x.shape == (4, 8) and (y.numpy() - x.numpy() == 1).all()
    assert sum(len(batch) for batch, _ in loader) == 24
