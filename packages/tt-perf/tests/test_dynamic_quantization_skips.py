"""Dynamic quantization passes over ``NonDynamicallyQuantizableLinear`` (both flows swap layers by their
exact type), as PyTorch 2.13's ``torch.ao.quantization.quantize_dynamic(Sequential(Linear(2, 2),
NonDynamicallyQuantizableLinear(2, 2)), {nn.Linear})`` keeps the second float (scratch script: the
swapped types are ``['Linear', 'NonDynamicallyQuantizableLinear']`` in its quantized copy, the first a
quantized dynamic Linear).

Not course material, so no module number.
"""

from __future__ import annotations

import tt_nn as nn
from tt_nn.linear import NonDynamicallyQuantizableLinear
from tt_perf.quantization import QuantizedLinear, quantize_dynamic
from tt_perf.quantization.eager_flows import quantize_dynamic as eager_quantize_dynamic


def test_both_dynamic_flows_leave_it_float():
    model = nn.Sequential(nn.Linear(2, 2), NonDynamicallyQuantizableLinear(2, 2))
    course = quantize_dynamic(model, {nn.Linear})
    assert isinstance(course[0], QuantizedLinear) and type(course[1]) is NonDynamicallyQuantizableLinear
    eager = eager_quantize_dynamic(model, {nn.Linear})
    assert type(eager[0]) is not nn.Linear and type(eager[1]) is NonDynamicallyQuantizableLinear
    assert type(model[0]) is nn.Linear  # (copies: the model itself is untouched)
