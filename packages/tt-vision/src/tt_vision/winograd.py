"""3×3, stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3): 2.25× fewer multiply-adds.

Not a course topic: module 09 teaches convolution as im2col + one GEMM
(``_conv.py``), and that is what every other convolution runs. This file is
why the common case — the 3×3, stride-1, padding-1 convolutions between wide
layers of a small CNN — costs less. The output is cut into 2×2 tiles; each
needs a 4×4 tile of the input, and in the transformed domain the 3×3
convolution of a tile is an element-wise product (Lavin & Gray, 2015)::

    Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A        g: 3×3 kernel, d: 4×4 input tile, Y: 2×2 output

Summed over input channels, each of the 16 positions of the 4×4 transformed
tile is one matrix product, ``(tiles × C) @ (C × C_out)``: 16·C·C_out
multiply-adds per 2×2 outputs instead of 4·9·C·C_out. The transforms are
additions only (Bᵀ and Aᵀ hold 0 and ±1, G halves), done channels-last on
strided views of the whole chunk: the four input rows of every tile at once,
then its four columns. Results equal im2col's up to float rounding (a few
float32 epsilons of the largest output: the transforms add before they
multiply).

Backward runs in the transformed domain too. The output's gradient, tile by
tile, becomes ``Z = A dY Aᵀ`` (:func:`gradient_transform`); the weight
gradient is 16 GEMMs of the transformed input and ``Z`` (:func:`weight_grad`),
and the input gradient 16 GEMMs ``Z · Uᵀ`` taken back through the input
transform, the overlapping tiles added (:func:`input_adjoint`) — one transform
of ``dY`` serving both, where convolving ``dY`` with the flipped kernel
would transform it a second time, on the wider side (``C_out`` channels).

Measured by ``benchmarks/cnn_rank_step.py`` on milestone 04's 32→64 layer at
16×16 and 64→128 at 8×8, one thread, batch 64 (an MPI rank's half): forward and
backward of the two layers 52.2 → 35.4 ms per step (2026-12-04). Used wherever it applies
(:func:`applies`): in an MPI rank and on ``nn.DataParallel``'s worker threads alike
(``cnn_rank_step.py --threads``; docs/modules/09-convolutions.md has the figures).
"""

from __future__ import annotations

import numpy as np

from ._tuning import in_chunks

#: Channels below which im2col stays: the 16 products would have too small an inner dimension.
MIN_CHANNELS = 16
#: Output pixels (N·H·W) below which im2col stays: the kernel transform (16·C·C_out values written,
#: per call) and the tile passes outweigh the saved multiply-adds. One image, one thread, CPU time,
#: Winograd / im2col: 256 channels 1.79 at 3×3, 1.13 at 12×12, 0.97 at 16×16, 0.72 at 64×64;
#: 64 channels 1.44 at 3×3, 1.13 at 16×16, 0.95 at 20×20 (2026-12-08, session 40: detection
#: heads run a 3×3 convolution on every pyramid level, down to 3×3 pixels).
MIN_PIXELS = 256

#: G of F(2×2, 3×3): the kernel transform, ``U = G g Gᵀ``.
G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
#: Both sides of the kernel transform at once, (16, 9): ``KRON[4a + b, 3i + j] = G[a, i] · G[b, j]``.
KRON = np.kron(G, G)


def applies(geometry, c_in: int, c_out: int, pixels: int) -> bool:
    """Whether a convolution of this geometry, these channel counts and ``pixels`` output pixels
    (N·H·W) runs here.

    In any process: an MPI rank's one thread, or the slices of a batch on the worker
    threads of one process (:func:`in_chunks` gives each slice its own scratch).
    """
    kernel, stride, padding, dilation, groups = geometry
    same = kernel == (3, 3) and stride == (1, 1) and dilation == (1, 1) and padding == (1, 1, 1, 1)
    return same and groups == 1 and min(c_in, c_out) >= MIN_CHANNELS and pixels >= MIN_PIXELS


def weight_transform(weight: np.ndarray) -> np.ndarray:
    """PyTorch's ``(C_out, C, 3, 3)`` kernel as the 16 GEMM operands ``G g Gᵀ``: ``(16, C, C_out)``.

    One product ``KRON (16, 9) @ taps (9, C·C_out)``: a tenth of ``np.einsum``'s time, whose
    contraction-path search alone costs more than the arithmetic at these sizes.
    """
    c_out, c = weight.shape[:2]
    taps = np.ascontiguousarray(weight.reshape(c_out, c, 9).transpose(2, 1, 0))  # (9, C, C_out)
    return (KRON.astype(weight.dtype) @ taps.reshape(9, -1)).reshape(16, c, c_out)


def _combine(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, out: np.ndarray) -> None:
    """Bᵀ along one axis: taps ``a, b, c, d`` (rows or columns 0–3 of every tile) into ``out[0:4]``."""
    np.subtract(a, c, out=out[0])
    np.add(b, c, out=out[1])
    np.subtract(c, b, out=out[2])
    np.subtract(b, d, out=out[3])


def split_columns(x: np.ndarray, th: int, tw: int, out: np.ndarray) -> np.ndarray:
    """``x`` (n, H, W, C) padded by one zero pixel, even and odd columns apart: (2, n, 2·th + 2, tw + 1, C).

    Column ``2q`` of the padded image is ``out[0, :, :, q]``, column ``2q + 1`` is
    ``out[1, :, :, q]``: so the four column taps of every tile (padded columns
    2x … 2x + 3) are contiguous slices, ``out[0, :, :, :tw]``, ``out[1, :, :, :tw]``,
    ``out[0, :, :, 1:]``, ``out[1, :, :, 1:]``, and every later pass runs over long rows.
    """
    n, h, w, _ = x.shape
    out[:, :, 0] = 0
    out[:, :, h + 1 :] = 0
    even, odd = out[0, :, 1 : h + 1], out[1, :, 1 : h + 1]
    even[:, :, 0] = 0  # padded column 0
    even[:, :, 1 : w // 2 + 1] = x[:, :, 1::2]  # padded column 2q holds x's column 2q − 1
    even[:, :, w // 2 + 1 :] = 0
    odd[:, :, : (w + 1) // 2] = x[:, :, 0::2]  # padded column 2q + 1 holds x's column 2q
    odd[:, :, (w + 1) // 2 :] = 0
    return out


def input_transform(parts: np.ndarray, th: int, tw: int, out: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``Bᵀ d B`` for every 4×4 tile of the padded image held as :func:`split_columns`' ``parts``.

    Writes ``out`` (4, 4, n, th, tw, C), using ``cols`` (4, n, 2·th + 2, tw, C) as scratch.
    """
    even, odd = parts
    _combine(even[:, :, :tw], odd[:, :, :tw], even[:, :, 1:], odd[:, :, 1:], cols)  # along the tiles' columns
    _combine(*(cols[:, :, k : k + 2 * th : 2] for k in range(4)), out)  # then along their rows, all 4 at once
    return out


def output_transform(m: np.ndarray, out: np.ndarray, sums: np.ndarray) -> None:
    """``Aᵀ M A`` per tile: ``m`` (4, 4, n, th, tw, C_out) into the 2×2 tiles of ``out`` (n, H, W, C_out).

    ``sums`` (2, 4, n, th, tw, C_out) is scratch; ``out``'s H and W may be odd (the last tile is cut).
    """
    np.add(m[0], m[1], out=sums[0])  # Aᵀ's rows (1, 1, 1, 0) and (0, 1, -1, -1), along the tile's rows
    sums[0] += m[2]
    np.subtract(m[1], m[2], out=sums[1])
    sums[1] -= m[3]
    n, h, w, c = out.shape
    if h % 2 == 0 and w % 2 == 0:  # then along its columns, straight into both output rows of every tile
        pixels = out.reshape(n, h // 2, 2, w // 2, 2, c)
        # (2, n, th, tw, c) each: output pixels (2y + i, 2x + j) of every tile, for j = 0 and 1
        first, second = (pixels[:, :, :, :, j].transpose(2, 0, 1, 3, 4) for j in range(2))
        np.add(sums[:, 0], sums[:, 1], out=first)
        first += sums[:, 2]
        np.subtract(sums[:, 1], sums[:, 2], out=second)
        second -= sums[:, 3]
        return
    for i in range(2):
        s = sums[i]
        for j in range(2):  # then along its columns: output pixel (2y + i, 2x + j) of every tile
            tile = out[:, i::2, j::2]
            value = s[0] + s[1] + s[2] if j == 0 else s[1] - s[2] - s[3]
            tile[...] = value[:, : tile.shape[1], : tile.shape[2]]


def transformed_input(x: np.ndarray, scratch, out: np.ndarray | None = None) -> np.ndarray:
    """``Bᵀ d B`` of every tile of the channels-last ``x`` (n, H, W, C): (4, 4, n, ⌈H/2⌉, ⌈W/2⌉, C).

    Written into ``out`` if given, else into ``scratch``'s buffer.
    """
    n, h, w, c = x.shape
    th, tw = (h + 1) // 2, (w + 1) // 2
    parts = split_columns(x, th, tw, scratch.get("parts", (2, n, 2 * th + 2, tw + 1, c), x.dtype))
    cols = scratch.get("cols", (4, n, 2 * th + 2, tw, c), x.dtype)
    out = scratch.get("v", (4, 4, n, th, tw, c), x.dtype) if out is None else out
    return input_transform(parts, th, tw, out, cols)


def conv3x3(x: np.ndarray, u: np.ndarray, bias: np.ndarray | None, out: np.ndarray, scratch, v=None):
    """``out`` (n, H, W, C_out) = the 3×3, stride-1, padding-1 convolution of the channels-last ``x``.

    ``x`` is (n, H, W, C), ``u`` :func:`weight_transform`'s (16, C, C_out), ``scratch`` a ``_tuning.Scratch``;
    ``v``, if given, (4, 4, n, ⌈H/2⌉, ⌈W/2⌉, C) receives the transformed input (kept for :func:`weight_grad`).
    Cost: 16·⌈H/2⌉·⌈W/2⌉·C·C_out multiply-adds per image, plus ~14 passes over the transformed tiles.
    """
    n, h, w, c = x.shape
    c_out = u.shape[2]
    th, tw = (h + 1) // 2, (w + 1) // 2
    v = transformed_input(x, scratch, v)
    m = scratch.get("m", (16, n * th * tw, c_out), out.dtype)
    np.matmul(v.reshape(16, n * th * tw, c), u, out=m)
    sums = scratch.get("sums", (2, 4, n, th, tw, c_out), out.dtype)
    output_transform(m.reshape(4, 4, n, th, tw, c_out), out, sums)
    if bias is not None:
        out += bias
    return out


def _expand(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """A along one axis: the two taps ``a, b`` of every 2×2 tile as four, into ``out[0:4]``."""
    np.copyto(out[0], a)
    np.add(a, b, out=out[1])
    np.subtract(a, b, out=out[2])
    np.negative(b, out=out[3])


def gradient_transform(dy: np.ndarray, th: int, tw: int, out: np.ndarray, scratch) -> np.ndarray:
    """``A dY Aᵀ`` for every 2×2 tile of ``dy`` (n, H, W, C_out): ``out`` (4, 4, n, th, tw, C_out).

    The adjoint of :func:`output_transform`; a cut last tile (odd H or W) has zeros where ``dy`` has none.
    The tiles' two columns are first copied apart (as in :func:`split_columns`), so every
    later pass runs over long contiguous rows.
    """
    n, h, w, c = dy.shape
    columns = scratch.get("dy columns", (2, n, 2 * th, tw, c), dy.dtype)
    columns[0, :, :h, : (w + 1) // 2] = dy[:, :, 0::2]
    columns[1, :, :h, : w // 2] = dy[:, :, 1::2]
    columns[:, :, h:] = 0
    columns[1, :, :h, w // 2 :] = 0  # a cut last column (odd W)
    expanded = scratch.get("dy rows", (4, n, 2 * th, tw, c), dy.dtype)
    _expand(columns[0], columns[1], expanded)  # along each tile's columns
    _expand(expanded[:, :, 0::2], expanded[:, :, 1::2], out)  # then along its rows, all 4 at once
    return out


def _adjoint_taps(t0, t1, t2, t3, even: np.ndarray, odd: np.ndarray) -> None:
    """Bᵀ's adjoint along one axis (axis 2 of each tap): ``t0…t3`` into the even and odd image lines.

    A tile's four taps ``(a, b, c, d) = (t0, t1 − t2 + t3, t1 + t2 − t0, −t3)`` fall on padded
    lines 2q … 2q + 3; its c and d on the next tile's a and b. Image line 2q (padded 2q + 1)
    is therefore ``b[q] + d[q − 1]``, image line 2q + 1 is ``c[q] + a[q + 1]``; the padding's
    lines are dropped.
    """
    np.subtract(t1, t2, out=even)
    even += t3
    even[:, :, 1:] -= t3[:, :, :-1]
    np.add(t1, t2, out=odd)
    odd -= t0
    odd[:, :, :-1] += t0[:, :, 1:]


def input_adjoint(dv: np.ndarray, dx: np.ndarray, scratch) -> np.ndarray:
    """The input gradient ``dx`` (n, H, W, C) from the transformed tiles' gradient (4, 4, n, th, tw, C).

    The adjoint of :func:`transformed_input`: ``B dV Bᵀ`` per tile, the 4×4 tiles'
    overlaps (2 lines each way) added up. Along the tiles' rows, then their columns;
    ``scratch`` holds the rows' result (4, n, 2·th, tw, C). Cost: 12 passes, the first six
    over ``dv``'s size, the rest over half of it.
    """
    _, _, n, th, tw, c = dv.shape
    h, w = dx.shape[1:3]
    rows = scratch.get("adjoint rows", (4, n, th, 2, tw, c), dv.dtype)
    _adjoint_taps(dv[0], dv[1], dv[2], dv[3], rows[:, :, :, 0], rows[:, :, :, 1])
    rows = rows.reshape(4, n, 2 * th, tw, c)[:, :, :h]
    if w % 2 == 0:  # straight into dx's even and odd columns
        columns = dx.reshape(n, h, tw, 2, c)
        _adjoint_taps(rows[0], rows[1], rows[2], rows[3], columns[:, :, :, 0], columns[:, :, :, 1])
    else:  # the last tile is cut: its odd column falls outside
        full = scratch.get("adjoint columns", (n, h, tw, 2, c), dv.dtype)
        _adjoint_taps(rows[0], rows[1], rows[2], rows[3], full[:, :, :, 0], full[:, :, :, 1])
        dx[...] = full.reshape(n, h, 2 * tw, c)[:, :, :w]
    return dx


def weight_grad(x: np.ndarray, z: np.ndarray, scratch, v=None) -> np.ndarray:
    """``Σ Vᵀ Z`` over the tiles of a run of images: the transformed weight gradient, (16, C, C_out).

    ``x`` (n, H, W, C) is the forward's input, ``z`` :func:`gradient_transform`'s
    ``A dY Aᵀ`` (4, 4, n, th, tw, C_out). Since ``U = G g Gᵀ`` and ``Y = Aᵀ (U ⊙ V) A`` per tile,
    the gradient of ``U`` at each of the 16 positions is ``Vᵀ Z``: one GEMM per position whose
    inner dimension is the number of tiles. :func:`weight_from_transform` brings the sum back
    to ``(C_out, C, 3, 3)``.
    """
    c, c_out = x.shape[3], z.shape[-1]
    if v is None:  # not kept by the forward pass: transform the input again
        v = transformed_input(x, scratch)
    return np.matmul(v.reshape(16, -1, c).transpose(0, 2, 1), z.reshape(16, -1, c_out))


def weight_from_transform(du: np.ndarray) -> np.ndarray:
    """``Gᵀ dU G``: the (16, C, C_out) gradient of ``U`` as PyTorch's (C_out, C, 3, 3) weight gradient."""
    c, c_out = du.shape[1:]
    taps = KRON.T.astype(du.dtype) @ du.reshape(16, -1)  # (9, C·C_out): Σ over the 16 positions
    return np.ascontiguousarray(taps.reshape(3, 3, c, c_out).transpose(3, 2, 0, 1))


def _chunk_bytes(h: int, w: int, c: int, c_out: int, itemsize: int) -> int:
    """Scratch per image (transformed input and products), doubled: chunks of ~2 MiB stay in cache."""
    return 2 * 16 * ((h + 1) // 2) * ((w + 1) // 2) * (c + c_out) * itemsize


def convolve(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, out: np.ndarray, keep: bool = False):
    """:func:`conv3x3` of a channels-last batch ``x`` (n, H, W, C) into ``out``, in cache-sized chunks.

    Returns ``(U, V)`` for :func:`backward`: the transformed kernel (16, C, C_out), and with
    ``keep`` the transformed input (4, 4, n, ⌈H/2⌉, ⌈W/2⌉, C; 4× the input's size), else None
    — backward then transforms neither again.
    """
    n, h, w, c = x.shape
    u = weight_transform(weight)
    kept = np.empty((4, 4, n, (h + 1) // 2, (w + 1) // 2, c), x.dtype) if keep else None
    in_chunks(n, _chunk_bytes(h, w, c, weight.shape[0], x.itemsize),
              lambda a, b, scratch: conv3x3(x[a:b], u, bias, out[a:b], scratch,
                                            None if kept is None else kept[:, :, a:b]))  # fmt: skip
    return u, kept


def backward(dy, x, weight, need_x: bool, need_w: bool, need_b: bool, kept=None, u=None):
    """``(dX, dW, db)`` (each or None) of a convolution :func:`applies` accepts; ``dy``, ``x`` channels-last.

    Per chunk, ``Z = A dY Aᵀ`` once (:func:`gradient_transform`); dX is ``Z · Uᵀ`` taken back
    through the input transform (:func:`input_adjoint`), dW comes from :func:`weight_grad`.
    ``u`` and ``kept``: :func:`convolve`'s transformed kernel and input, reused instead of
    transforming them again (None: transformed anew).
    """
    n, h, w, c = x.shape
    c_out = dy.shape[3]
    th, tw = (h + 1) // 2, (w + 1) // 2
    dx = np.empty(x.shape, dtype=dy.dtype) if need_x else None
    if need_x:
        u_transposed = (weight_transform(weight) if u is None else u).transpose(0, 2, 1)  # (16, C_out, C)

    def chunk(a: int, b: int, scratch):
        z = None
        if need_x or need_w:
            z = gradient_transform(
                dy[a:b], th, tw, scratch.get("z", (4, 4, b - a, th, tw, c_out), dy.dtype), scratch
            )
        if need_x:
            dv = scratch.get("dv", (16, (b - a) * th * tw, c), dy.dtype)
            np.matmul(z.reshape(16, -1, c_out), u_transposed, out=dv)
            input_adjoint(dv.reshape(4, 4, b - a, th, tw, c), dx[a:b], scratch)
        v = None if kept is None else kept[:, :, a:b]
        du = weight_grad(x[a:b], z, scratch, v) if need_w else None
        db = np.einsum("nhwc->c", dy[a:b]) if need_b else None
        return du, db

    du, db = in_chunks(n, _chunk_bytes(h, w, c, c_out, x.itemsize), chunk) or (None, None)
    return dx, (weight_from_transform(du) if need_w else None), db
