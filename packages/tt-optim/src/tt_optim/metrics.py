"""Metrics of a batch of predictions: ``accuracy``.

A metric takes the model's output and the targets of one batch and returns a
Python float, the batch's *mean*; :func:`tt_optim.fit` weights it by the batch
size to get the epoch's value.
"""

from __future__ import annotations

import numpy as np
import tt_tensor


def _array(value: object) -> np.ndarray:
    return value.array if isinstance(value, tt_tensor.Tensor) else np.asarray(value)


def accuracy(output: tt_tensor.Tensor, target: tt_tensor.Tensor, threshold: float = 0.0) -> float:
    """The fraction of samples predicted right.

    * Class scores ``(N, C)`` with class-index targets ``(N,)``: the predicted
      class is the argmax (logits or probabilities alike). Targets of shape
      ``(N, C)`` (one-hot or soft labels) are compared by their argmax too.
    * One score per sample, ``(N,)`` or ``(N, 1)``, with binary targets (0/1
      or -1/+1): the prediction is positive when the score exceeds
      ``threshold`` — 0 for logits (the default), 0.5 for probabilities.

    Example:
        >>> import tt_autograd as autograd
        >>> accuracy(autograd.tensor([[2.0, 1.0], [0.0, 3.0]]), autograd.tensor([0, 0]))
        0.5
    """
    # BEGIN SOLUTION 07
    # TODO: the fraction right: argmax over classes for (N, C) scores (one-hot or index targets), or
    #   scores > threshold for binary outputs; shapes that do not fit are an error naming both.
    scores, labels = _array(output), _array(target)
    if scores.ndim == 2 and scores.shape[1] > 1:
        if labels.shape == scores.shape:
            labels = labels.argmax(axis=1)
        if labels.shape != scores.shape[:1]:
            raise ValueError(
                f"accuracy: class scores of shape {scores.shape} need targets of shape "
                f"({scores.shape[0]},), got {labels.shape}"
            )
        return float(np.mean(scores.argmax(axis=1) == labels))
    if scores.size != labels.size:
        raise ValueError(
            f"accuracy: {scores.size} scores for {labels.size} targets (shapes {scores.shape} and "
            f"{labels.shape})"
        )
    return float(np.mean((scores.reshape(-1) > threshold) == (labels.reshape(-1) > 0)))
    # END SOLUTION
