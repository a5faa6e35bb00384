"""NumPy's floating-point warnings are silent inside TinyTorch, as PyTorch is (``tt_tensor.float_warnings``).

Run in a fresh interpreter: pytest resets the warnings filters around every test, so the
filter that ``import tt_tensor`` adds is checked where a user meets it, in a script.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import warnings
import numpy as np
import tt_autograd as autograd
import tt_tensor as tt

{after_import}
x = autograd.tensor([0.0, 1.0, -1.0], requires_grad=True)
(autograd.log(x) + x.sqrt() + x / autograd.zeros(3) + x.exp() * 1e39).sum().backward()
print(tt.tensor([0.0]).log().tolist(), x.grad.tolist())
print(np.log(np.zeros(1)).tolist())  # the user's own NumPy call
warnings.warn("overflow encountered in a user's own message", RuntimeWarning)
"""


def run(after_import: str = "", check: bool = True) -> subprocess.CompletedProcess:
    script = SCRIPT.format(after_import=after_import)
    # -W default: show every warning no filter silences, each time (Python shows a warning once per line)
    return subprocess.run(
        [sys.executable, "-W", "default", "-c", script], capture_output=True, text=True, check=check
    )


def test_ops_give_ieee_values_without_numpys_warnings():
    result = run()
    assert result.stdout.splitlines()[0] == "[-inf] [inf, inf, nan]"
    # only the two warnings the user's own code raised: none from inside TinyTorch
    warned = [line for line in result.stderr.splitlines() if "Warning" in line]
    assert len(warned) == 2, result.stderr
    assert "divide by zero encountered in log" in warned[0] and warned[0].startswith("<string>:")
    assert "a user's own message" in warned[1]


def test_a_filter_given_after_the_import_still_wins():
    result = run('warnings.simplefilter("error")', check=False)
    assert result.returncode != 0 and "RuntimeWarning: divide by zero encountered in log" in result.stderr
