"""torch.distributed's debug level (TORCH_DISTRIBUTED_DEBUG) and is_torchelastic_launched, as PyTorch's."""

from __future__ import annotations

import pytest
import tt_dist as dist
from tt_dist import DebugLevel


@pytest.fixture(autouse=True)
def restore_level():
    before = dist.get_debug_level()
    yield
    dist.set_debug_level(before)


def test_levels_are_pytorchs():
    assert [(level.name, int(level)) for level in DebugLevel] == [("OFF", 0), ("INFO", 1), ("DETAIL", 2)]
    assert str(DebugLevel.INFO) == "DebugLevel.INFO"


def test_set_and_get(monkeypatch):
    dist.set_debug_level(DebugLevel.DETAIL)
    assert dist.get_debug_level() is DebugLevel.DETAIL
    for bad in ("INFO", 1):
        with pytest.raises(
            TypeError, match=r"set_debug_level: level is a DebugLevel \(DebugLevel.OFF, INFO or DET"
        ):
            dist.set_debug_level(bad)
    assert dist.get_debug_level() is DebugLevel.DETAIL


def test_from_env_reads_any_case_and_refuses_other_values(monkeypatch):
    monkeypatch.setenv("TORCH_DISTRIBUTED_DEBUG", "detail")
    dist.set_debug_level_from_env()
    assert dist.get_debug_level() is DebugLevel.DETAIL
    monkeypatch.setenv("TORCH_DISTRIBUTED_DEBUG", "Info")
    dist.set_debug_level_from_env()
    assert dist.get_debug_level() is DebugLevel.INFO
    monkeypatch.setenv("TORCH_DISTRIBUTED_DEBUG", "bogus")
    with pytest.raises(
        ValueError, match=r"^The value of TORCH_DISTRIBUTED_DEBUG must be OFF, INFO, or DETAIL, got 'bogus'"
    ):
        dist.set_debug_level_from_env()
    assert dist.get_debug_level() is DebugLevel.INFO  # unchanged, as PyTorch's
    monkeypatch.delenv("TORCH_DISTRIBUTED_DEBUG")
    dist.set_debug_level_from_env()
    assert dist.get_debug_level() is DebugLevel.OFF


def test_the_level_is_read_at_import(monkeypatch):
    import importlib.util

    import tt_dist.debug

    for value, expected in (("INFO", 1), ("wrong", 0)):  # a bad value at import leaves OFF
        monkeypatch.setenv("TORCH_DISTRIBUTED_DEBUG", value)
        spec = importlib.util.spec_from_file_location("fresh_debug", tt_dist.debug.__file__)
        fresh = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(fresh)  # a fresh copy: the package's own level is untouched
        assert fresh.get_debug_level() == expected


def test_is_torchelastic_launched(monkeypatch):
    monkeypatch.delenv("TORCHELASTIC_RUN_ID", raising=False)
    assert dist.is_torchelastic_launched() is False
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "")
    assert dist.is_torchelastic_launched() is True  # set, even empty, as PyTorch's check
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "run-7")
    assert dist.is_torchelastic_launched() is True
