"""The accepted differences of :mod:`sweep_signatures`' groups ``torch`` and ``tensor`` (``torch.*`` and
``torch.Tensor``'s methods), each with the reason it is deliberate or harmless; merged into
``sweep_signatures.ACCEPTED``. Behaviours named "checked" were compared with PyTorch 2.13's calls."""

from __future__ import annotations

#: (group, name, parameter) -> why the difference is deliberate (merged into sweep_signatures.ACCEPTED;
#: shell patterns as there: ``[*]`` is ``*args``).
ACCEPTED: dict[tuple[str, str, str], str] = {
    # ---- one parameter where PyTorch's overloads share a position: TinyTorch dispatches on the value
    (
        "torch",
        "max",
        "other",
    ): "max(x, y): a tensor where dim goes is read as other (checked); other= by name too",
    ("torch", "min", "other"): "as max's",
    ("tensor", "Tensor.m[ai][xn]", "other"): "as torch.max's",
    (
        "torch",
        "view_copy",
        "dtype",
    ): "view_copy(x, dtype): a dtype in size's place is the dtype form (checked)",
    ("torch", "scatter", "value"): "a number by position goes to src and is written as the value (checked)",
    ("tensor", "Tensor.scatter*", "value"): "as torch.scatter's",
    ("torch", "std*", "unbiased"): (
        "std(x, True): a bool where dim goes is read as unbiased (checked); the NOT_GIVEN default is "
        "PyTorch's unbiased=True unless correction is given"
    ),
    ("torch", "var*", "unbiased"): "as std's",
    ("tensor", "Tensor.std", "unbiased"): "as torch.std's",
    ("tensor", "Tensor.var", "unbiased"): "as torch.std's",
    (
        "torch",
        "arange",
        "end",
    ): "arange(5) is read as end (start, end, step by position otherwise; end= by name)",
    ("torch", "randint", "*"): "randint(10, (3,)) is read as (high, size); high=/size= by name too (checked)",
    ("torch", "randint_like", "high"): "randint_like(x, 5) is read as high, as PyTorch's (x, high) form",
    (
        "torch",
        "repeat_interleave",
        "repeats",
    ): "repeat_interleave(r) alone is read as PyTorch's (repeats) form",
    (
        "torch",
        "sparse_coo_tensor",
        "size",
    ): "PyTorch's sparse_coo_tensor(size) (an empty tensor) is not taken",
    (
        "torch",
        "nuclear_norm",
        "keepdim",
    ): "deprecated in PyTorch (linalg.matrix_norm): (input, dim, keepdim) only",
    ("torch", "norm", "*"): "PyTorch's legacy torch.norm takes out and dtype by position; by name here",
    ("torch", "tensordot", "*"): "(a, b) are (input, other) here; by position the same; out keyword-only",
    (
        "torch",
        "rsub",
        "alpha",
    ): "PyTorch's (Number other, Number alpha) overload is for TorchScript; alpha= here",
    ("torch", "subtract", "alpha"): "as rsub's",
    ("tensor", "Tensor.subtract*", "alpha"): "as rsub's",
    ("torch", "isin", "*"): "PyTorch's scalar overloads (element=, test_element=) by name are not taken",
    (
        "torch",
        "result_type",
        "*",
    ): "tensor1/tensor2 (PyTorch's docstring); its overloads' names differ per type",
    ("torch", "quantize_per_tensor", "*"): "PyTorch's list form (tensors, scales, zero_points) is not taken",
    ("torch", "dequantize", "*"): "PyTorch's list form (tensors) is not taken; dequantize(x) the same",
    # ---- names of a second operand that PyTorch's parser and its docstrings spell differently
    (
        "torch",
        "*",
        "out_dtype",
    ): "PyTorch 2.13's low-precision matmul output (CUDA); results keep the input dtype",
    (
        "torch",
        "c*_*",
        "*",
    ): "the legacy linalg forms keep their documented names (B, L, A); by position the same",
    ("torch", "lu_solve", "*"): "as cholesky_solve's",
    ("torch", "triangular_solve", "*"): "as cholesky_solve's",
    ("torch", "ormqr", "*"): "as cholesky_solve's",
    ("torch", "orgqr", "*"): "as cholesky_solve's",
    ("torch", "matrix_*", "*"): "as cholesky_solve's (A)",
    ("*", "*[dhv]split", "*"): (
        "one positional-only indices_or_sections (PyTorch's overloads pick by type), and PyTorch's "
        "per-type names (sections, indices) by keyword"
    ),
    ("*", "*tensor_split", "*"): "as hsplit's",
    ("tensor", "Tensor.resize_as_", "*"): "other, PyTorch's docstring name (its parser's the_template)",
    ("torch", "einsum", "*"): "(equation, *operands): PyTorch's (*args) read the same way",
    ("torch", "from_numpy", "*"): "array is ndarray's position; from_numpy(x) the same",
    ("torch", "*dlpack", "*"): "the DLPack capsule's names; copy/device of PyTorch 2.13 not taken (CPU only)",
    ("torch", "set_*", "*"): "global setters' argument names (PyTorch's C ones take theirs by position)",
    # ---- defaults that mean the same
    ("torch", "conv[123]d", "padding"): "0 and PyTorch's 'valid' are the same padding",
    (
        "*",
        "*",
        "memory_format",
    ): "None means PyTorch's default format (preserve_format, contiguous_format for empty)",
    ("torch", "tri[lu]_indices", "*"): "None means PyTorch's long and CPU",
    ("torch", "asarray", "requires_grad"): "False and PyTorch's None: no gradient either way",
    ("torch", "*trapezoid", "dx"): "None means 1 (PyTorch's dx=1 form); trapz the same",
    ("torch", "trapz", "dx"): "as trapezoid's",
    ("torch", "gradient", "spacing"): "1 and PyTorch's None: unit spacing either way",
    ("torch", "meshgrid", "indexing"): "'ij', what PyTorch's None means (it warns to spell it out)",
    ("tensor", "Tensor.to", "device"): (
        "NOT_GIVEN means PyTorch's None (False for non_blocking/copy): it tells a keyword repeating a "
        "positional argument, to(dtype, False, non_blocking=False), which PyTorch refuses (checked)"
    ),
    ("tensor", "Tensor.to", "dtype"): "as device's",
    ("tensor", "Tensor.to", "non_blocking"): "as device's",
    ("tensor", "Tensor.to", "copy"): "as device's",
    # ---- taken where PyTorch's is not (a superset), or left to PyTorch's other devices
    ("torch", "*", "requires_grad"): "every TinyTorch factory takes requires_grad (PyTorch's most do)",
    ("torch", "*", "device"): "every TinyTorch factory takes device (CPU only; PyTorch's most do)",
    ("torch", "sparse_coo_tensor", "pin_memory"): "not taken: pinned memory needs an accelerator",
    ("torch", "*_mean", "out"): "out= on std_mean/var_mean/histogramdd, a superset of PyTorch's",
    ("torch", "histogramdd", "out"): "as std_mean's",
    ("*", "*", "rounding_mode"): "floor_divide/true_divide are div with rounding_mode fixed: refused by name",
    ("torch", "selu", "inplace"): "torch.selu is F.selu here (inplace=False by default: the same call)",
    ("tensor", "Tensor.cuda", "memory_format"): "cuda() is refused whatever its arguments (CPU only)",
    (
        "tensor",
        "Tensor.to_sparse",
        "*",
    ): "COO only: to_sparse(sparse_dim); PyTorch's layout/blocksize form not taken",
    (
        "torch",
        "save",
        "*",
    ): "safetensors without pickle: save(obj, path, metadata); pickle_module/protocol have no use",
    ("torch", "searchsorted", "*"): "values, NumPy's and PyTorch's docstring's name (its parser's input)",
    ("torch", "spmm", "*"): "sparse @ dense without out= (TinyTorch's sparse matmul returns a new tensor)",
    ("torch", "load", "weights_only"): "TinyTorch never unpickles: every load is weights-only (documented)",
    ("torch", "load", "mmap"): "the file is read whole; a memory map would give the same values",
    ("torch", "set_flush_denormal", "mode"): "False, PyTorch's answer where unsupported: NumPy cannot set it",
    ("torch", "sparse_coo_tensor", "check_invariants"): "the indices are always checked",
    ("torch", "sparse_coo_tensor", "is_coalesced"): "a hint; TinyTorch coalesces when it needs to",
}
