"""``MultiheadAttention``'s repr and state-dict keys as PyTorch's. PyTorch 2.13 (scratch script):
``repr(nn.MultiheadAttention(8, 2))`` is ``MultiheadAttention(\\n  (out_proj):
NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)\\n)``: no line of its own
(no ``extra_repr``); keys ``in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias``, and with
``kdim=4, vdim=3, bias=False``: ``q_proj_weight, k_proj_weight, v_proj_weight, out_proj.weight``.

Not course material, so no module number.
"""

from __future__ import annotations

from tt_nn import Linear
from tt_nn.linear import NonDynamicallyQuantizableLinear
from tt_text import MultiheadAttention


def test_the_repr_has_no_line_of_its_own():
    lines = repr(MultiheadAttention(8, 2)).splitlines()
    assert lines[0] == "MultiheadAttention(" and lines[-1] == ")" and len(lines) == 3
    out_proj = "NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)"
    assert lines[1] == f"  (out_proj): {out_proj}"
    assert "bias=False)" in repr(MultiheadAttention(8, 2, bias=False))


def test_the_state_dict_keys_are_pytorchs():
    layer = MultiheadAttention(8, 2)
    assert list(layer.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert type(layer.out_proj) is NonDynamicallyQuantizableLinear and isinstance(layer.out_proj, Linear)
    separate = MultiheadAttention(8, 2, kdim=4, vdim=3, bias=False, batch_first=True)
    assert list(separate.state_dict()) == [
        "q_proj_weight",
        "k_proj_weight",
        "v_proj_weight",
        "out_proj.weight",
    ]
