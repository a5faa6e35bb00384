"""``embedding``'s ``scale_grad_by_freq``/``sparse`` and ``scaled_dot_product_attention``'s ``is_causal``
take a Python bool only, as PyTorch 2.13's argument parser (each form run on torch 2.13 in a scratch
script): a NumPy bool or an int is a ``TypeError`` naming the op and the argument. Not course material.
"""

from __future__ import annotations

import numpy as np
import pytest
import tt_autograd as autograd
from tt_text.embedding import embedding
from tt_text.sdpa import scaled_dot_product_attention

W = autograd.tensor([[1.0, 2.0], [3.0, 4.0]])
Q = autograd.tensor([[[1.0, 0.0], [0.0, 1.0]]])
V = autograd.tensor([[[1.0, 2.0], [3.0, 4.0]]])

FLAGS = [
    (
        "embedding",
        "scale_grad_by_freq",
        lambda v: embedding(autograd.tensor([1, 1]), W, scale_grad_by_freq=v),
    ),
    ("embedding", "sparse", lambda v: embedding(autograd.tensor([1]), W, sparse=v)),
    (
        "scaled_dot_product_attention",
        "is_causal",
        lambda v: scaled_dot_product_attention(Q, Q, V, is_causal=v),
    ),
]


@pytest.mark.parametrize(("op", "name", "call"), FLAGS, ids=[f"{op}-{name}" for op, name, _ in FLAGS])
def test_a_flag_that_is_not_a_python_bool_is_refused(op, name, call):
    for junk, kind in ((np.True_, "numpy.bool"), (1, "int"), (None, "NoneType")):
        with pytest.raises(TypeError, match=rf"^{op}: argument '{name}' must be bool, got {kind}"):
            call(junk)
    call(False)


def test_is_causal_still_masks():
    # the first query sees only the first key: its output is the first value row
    out = scaled_dot_product_attention(Q, Q, V, is_causal=True)
    assert out[0, 0].tolist() == [1.0, 2.0]
    assert embedding(autograd.tensor([1]), W, scale_grad_by_freq=True).tolist() == [[3.0, 4.0]]
