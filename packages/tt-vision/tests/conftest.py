"""Shared fixtures for tt-vision's tests (modules 08 and 09).

Test files are not importable modules (pytest runs with
``--import-mode=importlib``), so helpers are handed out as fixtures:

* ``rng``: a seeded NumPy generator.
* (automatic) the decoded-dataset cache points at a temporary folder for the session,
  so tests never write into ``~/.cache``.
* ``leaf(shape)``: a random float64 tensor that requires grad, for ``gradcheck``.
* ``check_grad(fn, *inputs)``: ``gradcheck`` that must pass (its error names input and element).
* ``reference``: slow, obviously-correct loops (conv, pooling, fractional max-pooling) to compare values with.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import tt_autograd as autograd


@pytest.fixture(scope="session", autouse=True)
def private_decoded_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TINYTORCH_CACHE", str(tmp_path_factory.mktemp("decoded")))
        yield


@pytest.fixture(autouse=True)
def seeded_default_generator():
    """Every test starts from one seed of the default generator (the one ``tt.manual_seed`` seeds): the
    random transforms' draws, and the statistics tests check on them, are the same on every run."""
    autograd.manual_seed(0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240608)


@pytest.fixture
def leaf(rng):
    def make(*shape, low=-1.0, high=1.0, requires_grad=True) -> autograd.Tensor:
        return autograd.tensor(
            rng.uniform(low, high, size=shape), dtype=autograd.float64, requires_grad=requires_grad
        )

    return make


@pytest.fixture
def check_grad():
    def run(fn, *inputs, **options) -> None:
        assert autograd.gradcheck(fn, list(inputs), **options) is True

    return run


class Reference:
    """Direct definitions, loop by loop: slow, and easy to check by eye."""

    @staticmethod
    def conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
        n, c, h, wd = x.shape
        c_out, cg, kh, kw = w.shape
        top, bottom, left, right = padding
        xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
        ho = (h + top + bottom - dilation[0] * (kh - 1) - 1) // stride[0] + 1
        wo = (wd + left + right - dilation[1] * (kw - 1) - 1) // stride[1] + 1
        out = np.zeros((n, c_out, ho, wo))
        per_group = c_out // groups
        for o in range(c_out):
            g = o // per_group
            for i in range(ho):
                for j in range(wo):
                    r, s = i * stride[0], j * stride[1]
                    window = xp[
                        :,
                        g * cg : (g + 1) * cg,
                        r : r + dilation[0] * (kh - 1) + 1 : dilation[0],
                        s : s + dilation[1] * (kw - 1) + 1 : dilation[1],
                    ]
                    out[:, o, i, j] = (window * w[o]).sum(axis=(1, 2, 3))
            if b is not None:
                out[:, o] += b[o]
        return out

    @staticmethod
    def pool2d(
        x, kernel, stride, padding=(0, 0), op="max", ceil_mode=False, dilation=(1, 1), count_include_pad=True
    ):
        """PyTorch's pooling, window by window, including its ceil-mode and divisor rules."""
        n, c, h, w = x.shape

        def size(length, k, s, p, d):
            span = length + 2 * p - d * (k - 1) - 1
            out = (-(-span // s) if ceil_mode else span // s) + 1
            if ceil_mode and (out - 1) * s >= length + p:
                out -= 1
            return out

        ho = size(h, kernel[0], stride[0], padding[0], dilation[0])
        wo = size(w, kernel[1], stride[1], padding[1], dilation[1])
        out = np.zeros((n, c, ho, wo))
        for i in range(ho):
            for j in range(wo):
                r0, s0 = i * stride[0] - padding[0], j * stride[1] - padding[1]
                rows = [r0 + a * dilation[0] for a in range(kernel[0])]
                cols = [s0 + b * dilation[1] for b in range(kernel[1])]
                inside_r = [r for r in rows if 0 <= r < h]
                inside_c = [q for q in cols if 0 <= q < w]
                window = x[:, :, inside_r][:, :, :, inside_c]
                if op == "max":
                    out[:, :, i, j] = window.max(axis=(2, 3))
                else:
                    if count_include_pad:
                        r_end = min(r0 + kernel[0], h + padding[0])
                        c_end = min(s0 + kernel[1], w + padding[1])
                        divisor = (r_end - r0) * (c_end - s0)
                    else:
                        divisor = len(inside_r) * len(inside_c)
                    out[:, :, i, j] = window.sum(axis=(2, 3)) / divisor
        return out

    @staticmethod
    def fractional_starts(u, length, out, kernel):
        """Fractional max-pooling, one axis of one plane: PyTorch's generate_intervals in u's dtype."""
        kind = type(u)
        if out == 1:
            return [length - kernel]
        alpha = kind(length - kernel) / kind(out - 1)
        return [int((kind(i) + u) * alpha) - int(u * alpha) for i in range(out - 1)] + [length - kernel]

    @staticmethod
    def fractional_max_pool(x, kernel, out, samples):
        """Plane by plane, window by window: values and flat positions in the plane (``h·W + w``, …).

        ``samples`` (N, C, axes) holds one ``u`` per spatial axis, in the axes' order; the first
        maximum in scan order wins, or a window's last NaN.
        """
        n, c, *spatial = x.shape
        values, where = np.zeros((n, c, *out), x.dtype), np.zeros((n, c, *out), np.int64)
        for i, j in itertools.product(range(n), range(c)):
            starts = [
                Reference.fractional_starts(samples[i, j, a], spatial[a], out[a], kernel[a])
                for a in range(len(spatial))
            ]
            for o in itertools.product(*(range(m) for m in out)):
                best, at = -np.inf, None
                for offset in itertools.product(*(range(k) for k in kernel)):
                    point = tuple(starts[a][o[a]] + offset[a] for a in range(len(spatial)))
                    v = x[(i, j, *point)]
                    if at is None or v > best or np.isnan(v):
                        best, at = v, np.ravel_multi_index(point, spatial)
                values[(i, j, *o)], where[(i, j, *o)] = best, at
        return values, where

    @staticmethod
    def unnormalize(coordinate, size, align_corners):
        """grid_sample: a normalised coordinate in pixels (±1: the corner centres, or the outer edges)."""
        return (coordinate + 1) / 2 * (size - 1) if align_corners else ((coordinate + 1) * size - 1) / 2

    @staticmethod
    def pad(p, size, padding_mode, align_corners):
        """grid_sample's padding of a pixel position ``p``: as is, clamped, or mirrored until inside."""
        if padding_mode == "zeros":
            return p
        if padding_mode == "reflection":
            low, high = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
            if high == low:
                return 0.0
            while p < low or p > high:  # mirror at whichever edge it passed, until inside
                p = 2 * low - p if p < low else 2 * high - p
        return min(max(p, 0.0), size - 1.0)


@pytest.fixture
def reference() -> type[Reference]:
    return Reference


@pytest.fixture
def points_between_pixels(rng):
    """``make(shape, sizes, align_corners)``: a grid of ``shape + (k,)`` for an input of ``sizes`` (x first).

    Each position is a quarter or 0.7 of a pixel past a pixel centre, some up to 2 pixels outside
    the image: away from the kinks of every mode (pixel centres, edges, mirror lines), for
    ``gradcheck``.
    """

    def make(shape, sizes, align_corners):
        sizes = np.array(sizes)
        fraction = rng.choice([0.25, 0.7], (*shape, len(sizes)))
        pixels = rng.integers(-2, sizes + 1, (*shape, len(sizes))) + fraction
        return pixels / (sizes - 1) * 2 - 1 if align_corners else (2 * pixels + 1) / sizes - 1

    return make
