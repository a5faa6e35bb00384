"""``tt.nn.utils.parametrize``: a module tensor recomputed from other tensors (:mod:`tt_nn.parametrize`)."""

from __future__ import annotations

from tt_nn.parametrize import (
    ParametrizationList,
    cached,
    is_parametrized,
    register_parametrization,
    remove_parametrizations,
    type_before_parametrizations,
)

__all__ = [
    "ParametrizationList",
    "cached",
    "is_parametrized",
    "register_parametrization",
    "remove_parametrizations",
    "type_before_parametrizations",
]
