"""PyTorch's legacy tensor-type names (``"torch.FloatTensor"``), as ``Tensor.type`` reads and writes them.

``x.type()`` names a tensor by its type (``"torch.DoubleTensor"`` for float64); ``x.type(name)``
converts to the dtype a name stands for, as PyTorch's ``x.type("torch.LongTensor")`` does. The
``torch.sparse.`` prefix converts the same (PyTorch 2.13 returns a dense tensor there too); a CUDA
type (``torch.cuda.FloatTensor``) is refused, TinyTorch running on the CPU only. One table, both ways.
"""

from __future__ import annotations

from . import dtypes

#: The stem of each dtype's legacy name: float32 is ``torch.FloatTensor``.
STEMS = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}
_BY_NAME = {f"{stem}Tensor": dtypes.as_dtype(name) for name, stem in STEMS.items()}


def type_name(dtype: dtypes.DType) -> str:
    """The legacy name of a tensor of ``dtype``: ``type_name(float64)`` is ``"torch.DoubleTensor"``."""
    return f"torch.{STEMS[dtype.name]}Tensor"


def dtype_of(op: str, name: str) -> dtypes.DType:
    """The dtype a legacy type name stands for (``"torch.LongTensor"``: int64); else PyTorch's
    ``ValueError("invalid type: ...")``, or a ``RuntimeError`` for a CUDA type."""
    head, _, tail = name.rpartition(".")
    if head in ("torch", "torch.sparse") and tail in _BY_NAME:
        return _BY_NAME[tail]
    if head == "torch.cuda" and tail in _BY_NAME:
        raise RuntimeError(
            f"{op}: {name!r} is a CUDA type; TinyTorch runs on the CPU only (use 'torch.{tail}')"
        )
    raise ValueError(
        f"{op}: invalid type: {name!r}; give a dtype (torch.float64) or a legacy type name such as "
        "'torch.DoubleTensor'"
    )
