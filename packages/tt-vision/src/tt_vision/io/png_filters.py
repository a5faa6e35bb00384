"""PNG scanline filters: undoing all five when decoding, choosing among three when encoding.

Each scanline starts with a filter-type byte; its other bytes ``x`` were
stored as ``x - predictor (mod 256)``, where the predictor looks at ``a``,
the byte one *pixel* to the left (``bpp`` bytes back, 0 at the row's start),
``b``, the byte above, and ``c``, the byte above-left:

====  =========  ============================================================
type  name       predictor
====  =========  ============================================================
0     None       0
1     Sub        ``a``
2     Up         ``b``
3     Average    ``(a + b) // 2``
4     Paeth      whichever of ``a, b, c`` is nearest to ``a + b - c`` (ties: a, b, c)
====  =========  ============================================================

Decoding adds the predictor back, but the predictor reads *decoded* bytes:
rows depend on the row above, and within a row Sub, Average and Paeth
depend on the pixel to the left. How this is vectorised:

* None, Sub and Up only (what our encoder writes): one NumPy step per row —
  Sub is a cumulative sum mod 256 along the row, per byte of the pixel; Up
  adds the decoded row above.
* Any Average or Paeth row: a *wavefront*. Pixel ``(r, c)`` needs only
  ``(r, c-1)``, ``(r-1, c)`` and ``(r-1, c-1)``, all on earlier anti-diagonals
  ``r + c``, so the image is decoded one anti-diagonal at a time, every row's
  pixel on it at once (each with its own row's filter): ``H + W - 1`` NumPy
  steps, each over at most ``min(H, W)`` pixels.

Cost: ``O(H · row_bytes)`` work either way, in ``H`` or ``H + W`` NumPy steps.
"""

from __future__ import annotations

import numpy as np

NONE, SUB, UP, AVERAGE, PAETH = range(5)


def unfilter(scanlines: np.ndarray, bytes_per_pixel: int) -> np.ndarray:
    """Decoded bytes ``(H, row_bytes)`` from filtered scanlines ``(H, 1 + row_bytes)`` (``uint8``).

    Args:
        scanlines: each row is its filter-type byte then its filtered bytes.
        bytes_per_pixel: the distance Sub, Average and Paeth look left
            (``max(1, bits_per_pixel // 8)``).
    """
    kinds, filtered = scanlines[:, 0], scanlines[:, 1:]
    if kinds.size and kinds.max() > PAETH:
        row = int(np.argmax(kinds > PAETH))
        raise RuntimeError(
            f"decode_png: scanline {row} has filter type {int(kinds[row])}; PNG defines 0-4: "
            "the file is corrupt"
        )
    height, row_bytes = filtered.shape
    pixels = filtered.reshape(height, row_bytes // bytes_per_pixel, bytes_per_pixel)
    if np.any(kinds >= AVERAGE):
        return _unfilter_wavefront(kinds, pixels).reshape(height, row_bytes)
    return _unfilter_by_rows(kinds, pixels).reshape(height, row_bytes)


def _unfilter_by_rows(kinds: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """None, Sub and Up rows: one NumPy step per row (Sub a cumulative sum, wrapping mod 256 in uint8)."""
    out = np.empty_like(pixels)
    above = np.zeros_like(pixels[0])
    for row, kind in enumerate(kinds.tolist()):
        if kind == SUB:
            np.cumsum(pixels[row], axis=0, dtype=np.uint8, out=out[row])
        elif kind == UP:
            np.add(pixels[row], above, out=out[row])
        else:
            out[row] = pixels[row]
        above = out[row]
    return out


def _unfilter_wavefront(kinds: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Any filter mix: one anti-diagonal of pixels per step, each pixel with its own row's filter."""
    height, width, depth = pixels.shape
    decoded = np.zeros((height + 1, width + 1, depth), dtype=np.int16)  # a zero row above and column left
    for diagonal in range(height + width - 1):
        rows = np.arange(max(0, diagonal - width + 1), min(height - 1, diagonal) + 1)
        cols = diagonal - rows
        left, up, up_left = decoded[rows + 1, cols], decoded[rows, cols + 1], decoded[rows, cols]
        kind = kinds[rows][:, None]
        predictor = np.select(
            [kind == SUB, kind == UP, kind == AVERAGE, kind == PAETH],
            [left, up, (left + up) >> 1, paeth(left, up, up_left)],
            0,
        )
        decoded[rows + 1, cols + 1] = (pixels[rows, cols] + predictor) & 0xFF
    return decoded[1:, 1:].astype(np.uint8)


def paeth(left: np.ndarray, up: np.ndarray, up_left: np.ndarray) -> np.ndarray:
    """The Paeth predictor, per element: which of ``left, up, up_left`` is nearest ``left + up - up_left``."""
    to_left = np.abs(up - up_left)  # |p - left| with p = left + up - up_left
    to_up = np.abs(left - up_left)
    to_up_left = np.abs(left + up - 2 * up_left)
    return np.where(
        (to_left <= to_up) & (to_left <= to_up_left), left, np.where(to_up <= to_up_left, up, up_left)
    )


def filter_rows(rows: np.ndarray, bytes_per_pixel: int) -> np.ndarray:
    """Filtered scanlines ``(H, 1 + row_bytes)`` for raw bytes ``(H, row_bytes)``, a filter chosen per row.

    Each row gets whichever of None, Sub and Up makes its bytes smallest read as
    signed (libpng's "minimum sum of absolute differences" heuristic), all three
    computed for the whole image at once. Average and Paeth are left out: they
    would compress photographs a little better, but decoding them takes the
    wavefront (``H + W`` steps) where None/Sub/Up take ``H``.
    """
    height, row_bytes = rows.shape
    before = np.zeros((height, bytes_per_pixel), dtype=np.uint8)
    sub = rows - np.concatenate([before, rows[:, : row_bytes - bytes_per_pixel]], axis=1)
    up = rows - np.concatenate([np.zeros((1, row_bytes), dtype=np.uint8), rows[:-1]], axis=0)
    candidates = np.stack([rows, sub, up])  # (3, H, row_bytes), indexed by filter type
    signed_size = np.minimum(candidates, 256 - candidates.astype(np.int32)).sum(axis=2)
    best = np.argmin(signed_size, axis=0)
    chosen = candidates[best, np.arange(height)]
    return np.concatenate([best.astype(np.uint8)[:, None], chosen], axis=1)
