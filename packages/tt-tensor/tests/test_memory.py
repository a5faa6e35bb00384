"""The memory runtime: with freed memory kept, re-allocating a step's arrays costs no page faults."""

from __future__ import annotations

import platform
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tt_tensor import memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def faults_per_step(steps: int = 20) -> float:
    """Minor page faults per 'step' of allocating, writing and freeing 4 MiB arrays, as a layer does."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((512, 512)).astype(np.float32)
    for _ in range(3):
        y = x * 2  # warm-up: the heap grows once
        del y
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        a = x * 2  # 1 MiB
        b = np.concatenate([a, a, a, a])  # 4 MiB
        c = b + 1.0
        del a, b, c
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps


def test_importing_tt_tensor_keeps_freed_memory_on_glibc():
    assert memory.keeping_freed_memory() is GLIBC
    assert memory.keep_freed_memory() is GLIBC  # idempotent


def test_a_step_reuses_its_memory_instead_of_faulting_it_in():
    assert GLIBC, "this test measures glibc's malloc; the CI machine runs Linux with glibc"
    kept = faults_per_step()
    # 9 MiB of fresh pages per step would be ~2,300 faults; reused memory faults (almost) never
    assert kept < 250, f"{kept:.0f} page faults per step with freed memory kept"


def test_the_environment_variable_keeps_glibc_defaults_and_then_pages_fault():
    here = str(Path(__file__).parent)
    code = (
        f"import tt_tensor, sys; sys.path.insert(0, {here!r}); import test_memory as t; "
        "print(tt_tensor.memory.keeping_freed_memory(), t.faults_per_step())"
    )
    env = {"TINYTORCH_KEEP_FREED_MEMORY": "0", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    kept, faults = out.stdout.split()
    assert kept == "False"
    assert float(faults) > 500, f"glibc's defaults should fault fresh pages in; got {faults} per step"


def test_a_bad_setting_is_refused_with_the_fix():
    env = {"TINYTORCH_KEEP_FREED_MEMORY": "maybe", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", "import tt_tensor"], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "TINYTORCH_KEEP_FREED_MEMORY must be 0 or 1" in out.stderr


@pytest.mark.parametrize("setting", ["1", "on", ""])
def test_true_settings_keep_it(setting):
    env = {"TINYTORCH_KEEP_FREED_MEMORY": setting, "PATH": "/usr/bin:/bin"}
    code = "import tt_tensor; print(tt_tensor.memory.keeping_freed_memory())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(GLIBC)
