"""tt_tensor.blas_kernels: which OpenBLAS kernels run NumPy's products, switched at run time.

Switching kernels refuses while other threads run, and a test process may
already run TinyTorch's worker pool, so the switches run in fresh child
processes (one per scenario, printing JSON).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from tt_tensor import blas_kernels

#: x86-64 kernel sets exist only on x86-64 (elsewhere an x86 name makes OpenBLAS pick from the CPU);
#: Haswell (AVX2) and Sandybridge (AVX) run on every x86-64 these tests meet.
X86 = platform.machine().lower() in ("x86_64", "amd64")


def child(code: str, **env: str) -> dict:
    """Run ``code`` (which prints one JSON line) in a fresh Python with ``env`` added; its answer."""
    ours = ("OPENBLAS_CORETYPE", "TINYTORCH_BLAS_KERNELS")
    environment = {k: v for k, v in os.environ.items() if k not in ours}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env={**environment, **env},
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_this_numpy_has_an_openblas_that_switches() -> None:
    """The project's NumPy wheels ship OpenBLAS built for many CPUs: the switch must be available."""
    name = blas_kernels.kernel_name()
    assert isinstance(name, str) and name


SWITCH = """
import json, os
import numpy as np
from tt_tensor import blas_kernels as b
first = b.kernel_name()
rng = np.random.default_rng(0)
a = rng.standard_normal((300, 200), dtype=np.float32); c = rng.standard_normal((200, 100), dtype=np.float32)
product = a @ c
os.environ["OPENBLAS_CORETYPE"] = "Prescott"  # the user's: put back afterwards
haswell = b.use_kernels("Haswell")
kept = os.environ.pop("OPENBLAS_CORETYPE")
same = float(np.abs(a @ c - product).max() / np.abs(product).max())
cpu = b.use_kernels(None)
b.use_kernels("Haswell")
unset = "OPENBLAS_CORETYPE" not in os.environ
b.use_kernels(None)
print(json.dumps(dict(first=first, haswell=haswell, kept=kept, same=same, cpu=cpu, unset=unset)))
"""


def test_use_kernels_switches_keeps_results_and_restores_the_variable() -> None:
    answer = child(SWITCH)
    assert answer["haswell"] == ("Haswell" if X86 else answer["first"])
    assert answer["kept"] == "Prescott"
    assert answer["same"] < 1e-5  # the same product to float32 rounding
    assert answer["cpu"] == answer["first"]  # None: OpenBLAS's own pick from the CPU again
    assert answer["unset"]


def test_use_kernels_refuses_while_threads_run() -> None:
    code = """
    import json, threading
    from tt_tensor import blas_kernels as b
    stop = threading.Event(); worker = threading.Thread(target=stop.wait); worker.start()
    try:
        b.use_kernels("Haswell"); message = ""
    except RuntimeError as error:
        message = str(error)
    stop.set(); worker.join()
    print(json.dumps({"message": message, "after": b.use_kernels("Haswell")}))
    """
    answer = child(code)
    assert "2 threads are running" in answer["message"] and "use_kernels('Haswell')" in answer["message"]
    assert answer["after"] == "Haswell" or not X86  # once the thread is gone, it switches


IMPORTED = """
import json, os
from tt_tensor import blas_kernels as b
variable = os.environ.get("OPENBLAS_CORETYPE")
print(json.dumps({"name": b.kernel_name(), "variable": variable}))
"""


def test_import_keeps_openblass_choice_by_default() -> None:
    answer = child(IMPORTED)
    assert answer["name"] == child(IMPORTED, OPENBLAS_CORETYPE="")["name"]  # "" : OpenBLAS picks from the CPU
    assert answer["variable"] is None  # nothing left in the environment


def test_import_takes_a_named_kernel_set_and_leaves_the_users_variable_alone() -> None:
    cpu = child(IMPORTED)["name"]
    assert child(IMPORTED, TINYTORCH_BLAS_KERNELS="Sandybridge")["name"] == ("Sandybridge" if X86 else cpu)
    assert child(IMPORTED, TINYTORCH_BLAS_KERNELS=cpu)["name"] == cpu
    chosen = child(IMPORTED, OPENBLAS_CORETYPE="Sandybridge", TINYTORCH_BLAS_KERNELS="Haswell")
    assert chosen["name"] == ("Sandybridge" if X86 else cpu) and chosen["variable"] == "Sandybridge"


def test_import_warns_and_keeps_the_kernels_when_threads_run() -> None:
    code = """
    import json, threading, warnings
    stop = threading.Event(); worker = threading.Thread(target=stop.wait); worker.start()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from tt_tensor import blas_kernels as b
        again = b.apply_environment()  # called with the thread still running: the same warning
    stop.set(); worker.join()
    print(json.dumps({"name": b.kernel_name(), "again": again, "warnings": [str(w.message) for w in caught]}))
    """
    cpu = child(IMPORTED)["name"]
    answer = child(code, TINYTORCH_BLAS_KERNELS="Sandybridge")
    assert answer["name"] == answer["again"] == cpu
    message = "TINYTORCH_BLAS_KERNELS='Sandybridge' is ignored: 2 threads"
    ignored = [w for w in answer["warnings"] if message in w]
    assert len(ignored) == 2


def test_product_results_agree_across_kernel_sets_for_float64_too() -> None:
    code = """
    import json
    import numpy as np
    from tt_tensor import blas_kernels as b
    rng = np.random.default_rng(1)
    a = rng.standard_normal((129, 65)); c = rng.standard_normal((65, 33))
    out = {}
    for name in ("Sandybridge", "Haswell"):
        b.use_kernels(name); out[name] = (a @ c).tolist()
    print(json.dumps(out))
    """
    answer = child(code)
    np.testing.assert_allclose(answer["Sandybridge"], answer["Haswell"], rtol=1e-12, atol=1e-12)


def test_apply_environment_decides_without_switching_needlessly(monkeypatch) -> None:
    """Which calls ``apply_environment`` makes, with the switch itself replaced by a recorder."""
    asked: list[object] = []
    monkeypatch.setattr(blas_kernels, "use_kernels", lambda name: asked.append(name) or f"now {name}")
    monkeypatch.setattr(blas_kernels, "kernel_name", lambda: "SkylakeX")
    monkeypatch.setattr(blas_kernels.threading, "active_count", lambda: 1)  # (a test process may run workers)
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    monkeypatch.delenv("TINYTORCH_BLAS_KERNELS", raising=False)
    assert blas_kernels.apply_environment() == "SkylakeX" and asked == []  # unset: OpenBLAS's choice
    monkeypatch.setenv("TINYTORCH_BLAS_KERNELS", "SkylakeX")
    assert blas_kernels.apply_environment() == "SkylakeX" and asked == []  # already running
    monkeypatch.setenv("TINYTORCH_BLAS_KERNELS", "Haswell")
    assert blas_kernels.apply_environment() == "now Haswell" and asked == ["Haswell"]
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Sandybridge")  # the user's own choice, obeyed at load
    assert blas_kernels.apply_environment() == "SkylakeX" and asked == ["Haswell"]
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    monkeypatch.setattr(blas_kernels, "kernel_name", lambda: None)  # no switchable OpenBLAS
    assert blas_kernels.apply_environment() is None and asked == ["Haswell"]


def test_without_a_switchable_openblas_nothing_switches(monkeypatch) -> None:
    monkeypatch.setattr(blas_kernels, "_CORENAME", None)
    assert blas_kernels.kernel_name() is None
    with pytest.raises(RuntimeError, match="not an OpenBLAS that picks its kernels at run time"):
        blas_kernels.use_kernels("Haswell")
