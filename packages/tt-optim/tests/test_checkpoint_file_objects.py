"""``save`` / ``load`` on file objects (a bytes buffer, an open file), as PyTorch takes them."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
import tt_autograd as autograd
import tt_optim


def state():
    return {"weight": autograd.tensor([[1.0, -2.0], [0.5, 3.0]]), "step": 7, "names": ["a", "b"]}


def test_a_state_round_trips_through_a_bytes_buffer_and_an_open_file(tmp_path):
    buffer = io.BytesIO()
    tt_optim.save(state(), buffer)
    written = buffer.getvalue()
    assert written[:2] == b"PK"  # the same .npz archive a path gets
    buffer.seek(0)
    loaded = tt_optim.load(buffer)
    np.testing.assert_array_equal(loaded["weight"].numpy(), state()["weight"].numpy())
    assert loaded["step"] == 7 and loaded["names"] == ["a", "b"]
    path = tmp_path / "state.npz"
    with open(path, "wb") as file:
        tt_optim.save(state(), file)
    assert path.read_bytes() == written
    with open(path, "rb") as file:
        assert tt_optim.load(file)["step"] == 7
    assert not [name for name in os.listdir(tmp_path) if name != "state.npz"]  # no temporary left beside it


def test_a_damaged_buffer_is_refused_naming_the_object_not_a_temporary():
    with pytest.raises(tt_optim.CheckpointError, match=r"^the BytesIO given is not a TinyTorch checkpoint"):
        tt_optim.load(io.BytesIO(b"\x80\x04garbage"))


def test_text_files_and_things_that_are_no_path_are_refused():
    with pytest.raises(TypeError, match=r"load: the file object gave str, not bytes; open it in binary mode"):
        tt_optim.load(io.StringIO("text"))
    with pytest.raises(TypeError, match=r"save: expected a path .* or a writable file object, got int"):
        tt_optim.save(state(), 5)
    with pytest.raises(TypeError, match=r"load: expected a path .* or a readable file object, got NoneType"):
        tt_optim.load(None)
