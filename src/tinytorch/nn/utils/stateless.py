"""``tt.nn.utils.stateless``: ``functional_call`` under its older PyTorch path (:mod:`tt_nn.stateless`)."""

from __future__ import annotations

from tt_nn.stateless import functional_call

__all__ = ["functional_call"]
