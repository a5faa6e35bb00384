"""Connectionist temporal classification: ``F.ctc_loss`` (Graves et al., 2006), like PyTorch's.

Not course material. CTC scores an unsegmented target sequence (say the
characters ``"cat"``) against per-frame class log-probabilities: it sums the
probabilities of every frame-by-frame *alignment* that collapses to the target
once repeats are merged and blanks removed (``"-cc-aa-t"`` -> ``"cat"``).

The sum runs over the *extended* label sequence, the target with a blank
before, between and after its labels (``"-c-a-t-"``, length ``2 S + 1``). The
forward variable ``alpha[t, s]`` is the log-probability of all alignment
prefixes of frames ``0..t`` that end in extended position ``s``::

    alpha[t, s] = emit[t, s] + logsumexp(alpha[t-1, s], alpha[t-1, s-1], alpha[t-1, s-2] if skip[s])

where ``emit[t, s] = log_probs[t, ext[s]]`` and the jump over ``s - 1``
(``skip``) is allowed only onto a label that differs from the label two places
back (a blank must separate repeats: ``"aa"`` needs ``"a-a"``). The loss is
``-log p`` with ``log p = logsumexp(alpha[T-1, 2S], alpha[T-1, 2S-1])``.

One Python loop over the frames is inherent (each frame needs the previous
one, as in an RNN); each step is vectorised over the batch and all ``2 S + 1``
positions. ``CTCLossFunction`` is fused: forward keeps ``alpha``; backward runs
the backward variable ``beta`` (the same recursion from the end, right to
left) and forms the gradient in one scatter over the classes.

The gradient is PyTorch's, which assumes ``log_probs`` come from
``log_softmax``: with ``gamma[t, s] = exp(alpha[t, s] + beta[t, s] - log p)``
the occupancy of position ``s`` at frame ``t``,

    d loss / d log_probs[t, c] = exp(log_probs[t, c]) - sum_{s: ext[s] = c} gamma[t, s]     (t < input_length)

The ``exp(log_probs)`` term is not in the derivative of the recursion; it sums
to 1 over the classes of a frame, so ``log_softmax``'s backward (which removes
each frame's sum times the softmax) cancels it: through ``log_softmax`` the
gradient is exact. Frames past a sample's input length get 0.
"""

from __future__ import annotations

import numpy as np
import tt_tensor
from tt_autograd import Function

from ._checks import float_arg, reduction_arg, tensor_arg


def _log_add(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``log(exp(a) + exp(b) + exp(c))`` element-wise, ``-inf`` where all three are ``-inf``."""
    top = np.maximum(np.maximum(a, b), c)
    top = np.where(np.isneginf(top), 0, top)  # all -inf: the sum below is 0, its log -inf
    with np.errstate(divide="ignore"):
        return top + np.log(np.exp(a - top) + np.exp(b - top) + np.exp(c - top))


def _shifted(values: np.ndarray, by: int, fill: float) -> np.ndarray:
    """``values`` moved ``by`` places along the last axis (right if ``by > 0``), the gap filled."""
    out = np.full_like(values, fill)
    if by > 0:
        out[:, by:] = values[:, :-by]
    else:
        out[:, :by] = values[:, -by:]
    return out


class CTCLossFunction(Function):
    """Per-sample CTC losses ``-log p(target | log_probs)`` of ``(T, N, C)`` log-probabilities."""

    @staticmethod
    def forward(ctx, log_probs, ext, skip, input_lengths, label_lengths, zero_infinity):
        frames, batch, _ = log_probs.shape
        emit = log_probs[:, np.arange(batch)[:, None], ext]  # (T, N, L): each position's label, per frame
        alpha = np.full_like(emit, -np.inf)
        alpha[0, :, :2] = emit[0, :, :2]  # an alignment starts on the first blank or the first label
        for t in range(1, int(input_lengths.max(initial=0))):  # the frame loop: each frame needs the last
            previous = alpha[t - 1]
            jump = np.where(skip, _shifted(previous, 2, -np.inf), -np.inf)
            alpha[t] = _log_add(previous, _shifted(previous, 1, -np.inf), jump) + emit[t]
        samples = np.arange(batch)
        last = alpha[np.maximum(input_lengths - 1, 0), samples]  # (N, L) at each sample's last frame
        ends_on_label = last[samples, label_lengths - 1]
        ends_on_blank = np.where(label_lengths > 1, last[samples, np.maximum(label_lengths - 2, 0)], -np.inf)
        log_likelihood = np.logaddexp(ends_on_label, ends_on_blank)
        # no frame at all: the empty target is the only one matched, with probability 1
        log_likelihood = np.where(
            input_lengths == 0, np.where(label_lengths == 1, 0, -np.inf), log_likelihood
        )
        loss = -log_likelihood.astype(log_probs.dtype)
        ctx.infinite = np.isinf(loss)
        if zero_infinity:
            loss[ctx.infinite] = 0
        ctx.save_for_backward(log_probs, alpha)
        ctx.ext, ctx.skip, ctx.log_likelihood = ext, skip, log_likelihood
        ctx.input_lengths, ctx.label_lengths, ctx.zero_infinity = input_lengths, label_lengths, zero_infinity
        return loss

    @staticmethod
    def backward(ctx, grad):
        log_probs, alpha = ctx.saved_tensors
        ext, skip, input_lengths = ctx.ext, ctx.skip, ctx.input_lengths
        frames, batch, classes = log_probs.shape
        emit = log_probs[:, np.arange(batch)[:, None], ext]
        positions = np.arange(ext.shape[1])
        ends = (positions == ctx.label_lengths[:, None] - 1) | (positions == ctx.label_lengths[:, None] - 2)
        start = np.where(ends, 0, -np.inf).astype(emit.dtype)  # beta at a sample's last frame
        skip_back = _shifted(skip, -2, False)  # from s, a jump lands on s + 2 when skip[s + 2]
        beta = np.full_like(emit, -np.inf)  # beta[t, s]: log-probability of frames t+1.. given s at t
        ahead = np.full_like(emit[0], -np.inf)  # beta[t + 1] + emit[t + 1]
        for t in range(int(input_lengths.max(initial=0)) - 1, -1, -1):
            jump = np.where(skip_back, _shifted(ahead, -2, -np.inf), -np.inf)
            beta[t] = _log_add(ahead, _shifted(ahead, -1, -np.inf), jump)
            beta[t] = np.where((input_lengths == t + 1)[:, None], start, beta[t])
            ahead = beta[t] + emit[t]
        with np.errstate(invalid="ignore"):  # -inf - -inf where no alignment exists: NaN, as PyTorch
            occupancy = np.exp(alpha + beta - ctx.log_likelihood[:, None].astype(emit.dtype))
        cell = (np.arange(frames)[:, None, None] * batch + np.arange(batch)[:, None]) * classes + ext
        per_class = np.bincount(cell.ravel(), weights=occupancy.ravel(), minlength=frames * batch * classes)
        dx = np.exp(log_probs) - per_class.reshape(log_probs.shape).astype(log_probs.dtype)
        dx[:, ctx.infinite] = 0 if ctx.zero_infinity else np.nan
        dx[np.arange(frames)[:, None] >= input_lengths] = 0  # frames past each sample's input length
        dx *= grad[:, None]
        return (dx,)


# ----------------------------------------------------------------- argument handling


def _lengths(op: str, name: str, value: object, batch: int) -> np.ndarray:
    """``input_lengths`` or ``target_lengths`` (a tensor, a sequence, an int unbatched) as ``(N,)`` ints."""
    array = np.asarray(value.array if isinstance(value, tt_tensor.Tensor) else value)
    if array.dtype.kind not in "iu" and not (array.dtype.kind == "f" and np.all(array == np.round(array))):
        raise TypeError(f"{op}: {name} must hold whole numbers, got {array.dtype} {array.ravel()[:4]}")
    array = array.astype(np.int64).reshape(-1)
    if array.shape != (batch,):
        raise ValueError(f"{op}: {name} must have one entry per sample ({batch}), got {array.size} entries")
    if np.any(array < 0):
        raise ValueError(f"{op}: {name} must be >= 0, got {array.min()}")
    return array


def _padded_targets(op: str, targets, target_lengths: np.ndarray, batched: bool) -> np.ndarray:
    """The targets as ``(N, max(target_lengths))`` ints, from ``(N, S)`` padded or 1-D concatenated."""
    labels = tensor_arg(op, targets, "targets").array.astype(np.int64)  # float labels truncate, as in PyTorch
    longest = int(target_lengths.max(initial=0))
    if not batched or labels.ndim == 2:  # padded rows: (N, S), or (S,) for an unbatched sample
        rows = labels.reshape(1, -1) if not batched else labels
        if rows.shape[0] != target_lengths.size or rows.shape[1] < longest:
            raise ValueError(
                f"{op}: padded targets of shape {tuple(labels.shape)} must have one row per sample "
                f"({target_lengths.size}) and at least max(target_lengths) = {longest} columns"
            )
        return rows[:, :longest]  # entries past a sample's length are never read as labels
    if labels.ndim != 1 or labels.size != target_lengths.sum():
        raise ValueError(
            f"{op}: targets must be (N, S) padded or 1-D concatenated with sum(target_lengths) = "
            f"{target_lengths.sum()} entries, got shape {tuple(labels.shape)}"
        )
    starts = np.cumsum(target_lengths) - target_lengths
    within = np.arange(longest) < target_lengths[:, None]
    return labels[np.where(within, starts[:, None] + np.arange(longest), 0)] if labels.size else within * 0


def _extended(labels: np.ndarray, within: np.ndarray, blank: int) -> tuple[np.ndarray, np.ndarray]:
    """The extended labels ``(N, 2S+1)`` (a blank around every label) and where a jump of two is allowed."""
    batch, longest = labels.shape
    ext = np.full((batch, 2 * longest + 1), blank, dtype=np.int64)
    ext[:, 1::2] = np.where(within, labels, blank)
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 3::2] = labels[:, 1:] != labels[:, :-1]  # never onto a repeat
    return ext, skip


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False):  # fmt: skip
    """The connectionist temporal classification loss ``-log p(target | log_probs)``.

    Args:
        log_probs: ``(T, N, C)`` (or ``(T, C)`` unbatched) log-probabilities,
            e.g. ``log_softmax(logits, dim=2)`` (the gradient assumes it: see the module's docstring).
        targets: ``(N, S)`` labels padded to any ``S >= max(target_lengths)``
            (the padding is ignored), or all targets concatenated in 1-D
            (``sum(target_lengths)`` entries); ``(S,)`` unbatched. Labels in
            ``[0, C)``; a label equal to ``blank`` is accepted, as in PyTorch.
        input_lengths: ``(N,)`` frames used per sample, each ``<= T`` (a tensor or a sequence).
        target_lengths: ``(N,)`` labels per sample.
        blank: the blank class, in ``[0, C)``.
        reduction: ``"mean"`` (each loss divided by its target length, at least 1,
            then averaged over the batch: PyTorch's), ``"sum"`` or ``"none"``.
        zero_infinity: an impossible alignment (too few frames, e.g. ``"aa"`` in
            2 frames) gives an infinite loss and NaN gradients; with ``True`` both become 0.

    Shape:
        a scalar, or ``(N,)`` (``()`` unbatched) with ``"none"``. Cost: ~12 passes over
        ``(N, 2S+1)`` per frame forward, ~15 backward; memory ``3 (T, N, 2S+1)``.

    Example:
        >>> log_probs = F.log_softmax(logits, dim=2)  # (T, N, C)  # doctest: +SKIP
        >>> F.ctc_loss(log_probs, targets, input_lengths, target_lengths).backward()  # doctest: +SKIP
    """
    op = "ctc_loss"
    reduction = reduction_arg(op, reduction)
    lp = float_arg(op, log_probs, "log_probs")
    if lp.ndim not in (2, 3):
        raise ValueError(f"{op}: log_probs must be (T, N, C) or (T, C), got shape {tuple(lp.shape)}")
    batched = lp.ndim == 3
    lp3 = lp if batched else lp.unsqueeze(1)
    frames, batch, classes = lp3.shape
    if not 0 <= blank < classes:
        raise ValueError(f"{op}: blank must be in label range [0, {classes}), got {blank}")
    input_lengths = _lengths(op, "input_lengths", input_lengths, batch)
    target_lengths = _lengths(op, "target_lengths", target_lengths, batch)
    if np.any(input_lengths > frames):
        raise ValueError(f"{op}: input_lengths must be <= T = {frames}, got {input_lengths.max()}")
    labels = _padded_targets(op, targets, target_lengths, batched)
    within = np.arange(labels.shape[1]) < target_lengths[:, None]
    if np.any(within & ((labels < 0) | (labels >= classes))):
        bad = labels[within & ((labels < 0) | (labels >= classes))][0]
        raise IndexError(f"{op}: target label {bad} is out of range [0, {classes}) for C = {classes} classes")
    ext, skip = _extended(labels, within, blank)
    losses = CTCLossFunction.apply(
        lp3, ext=ext, skip=skip, input_lengths=input_lengths, label_lengths=2 * target_lengths + 1,
        zero_infinity=bool(zero_infinity),
    )  # fmt: skip
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return (losses / np.maximum(target_lengths, 1).astype(lp.dtype.numpy)).mean()
    return losses if batched else losses.reshape(())
