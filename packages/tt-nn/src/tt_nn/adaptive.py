"""``nn.AdaptiveLogSoftmaxWithLoss``: the adaptive softmax of Grave et al. (2017), like PyTorch's.

Not course material. For a large vocabulary with a few frequent words, the
classes are split at ``cutoffs``: a *head* scores the ``cutoffs[0]`` frequent
classes plus one entry per *cluster* of rarer ones, and cluster ``i`` has its
own small *tail* network (a projection to ``in_features // div_value**(i+1)``,
then to the cluster's classes). A class in cluster ``i`` has

    log p(c | x) = log_softmax(head(x))[shortlist + i] + log_softmax(tail_i(x))[c - cutoffs[i]]

and a shortlist class just its head entry. Training runs each tail only on
the rows whose target falls in its cluster, so the cost per row is the head's
plus, for rare targets, one small tail. The forward is composed from recorded
primitives (``Linear``, ``log_softmax``, ``gather``, ``scatter_add``); the
Python loop is over the clusters (a handful), never over rows.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import tt_autograd
import tt_tensor
from tt_tensor.devices import check_cpu

from . import functional as F
from .containers import ModuleList, Sequential
from .linear import Linear
from .module import Module

#: What ``forward`` returns: each row's target log-probability and the mean negative log-likelihood.
_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """An efficient softmax over a large vocabulary: a head for frequent classes, small tails for the rest.

    Args:
        in_features: size of each input row.
        n_classes: number of classes.
        cutoffs: increasing class ids in ``[1, n_classes - 1]`` where the clusters start,
            e.g. ``[1000, 10000]``: classes 0..999 in the head, then two clusters.
        div_value: each further cluster's projection is ``div_value`` times smaller (default 4).
        head_bias: give the head a bias (the tails never have one).
        device, dtype: as :class:`Linear`'s (the CPU only; the parameters' dtype).

    Shape:
        input ``(N, in_features)`` or ``(in_features,)``, target ``(N,)`` or ``()``;
        ``forward`` returns ``(output, loss)``: output ``(N,)`` (``()``), the target log-probabilities,
        loss the mean of ``-output``. ``log_prob(input)`` is ``(N, n_classes)``, ``predict(input)`` ``(N,)``.

    Example:
        >>> asm = AdaptiveLogSoftmaxWithLoss(64, 10000, cutoffs=[100, 1000])  # doctest: +SKIP
        >>> asm(hidden, targets).loss.backward()  # doctest: +SKIP
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0,
                 head_bias: bool = False, device: object = None, dtype: object = None) -> None:  # fmt: skip
        super().__init__()
        check_cpu("AdaptiveLogSoftmaxWithLoss", device)
        factory = {"device": device, "dtype": dtype}
        cutoffs = list(cutoffs)
        if (
            not cutoffs
            or cutoffs != sorted(set(cutoffs))
            or any(int(c) != c for c in cutoffs)
            or cutoffs[0] <= 0
            or cutoffs[-1] > n_classes - 1
        ):
            raise ValueError(
                "AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of unique, positive integers "
                "sorted in an increasing order, where each value is between 1 and n_classes-1 "
                f"= {n_classes - 1}; got {cutoffs}"
            )
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList(
            Sequential(
                Linear(in_features, int(in_features // (div_value ** (i + 1))), bias=False, **factory),
                Linear(int(in_features // (div_value ** (i + 1))), high - low, bias=False, **factory),
            )
            for i, (low, high) in enumerate(zip(self.cutoffs, self.cutoffs[1:]))
        )

    def reset_parameters(self) -> None:
        """Redraw the head's and the tails' weights as ``Linear`` does."""
        self.head.reset_parameters()
        for projection, scores in self.tail:
            projection.reset_parameters()
            scores.reset_parameters()

    def forward(self, input_, target_):
        input, target = input_, target_  # noqa: A001  (PyTorch's parameter names)
        batched = input.ndim == 2
        rows = input if batched else input.unsqueeze(0)
        labels = np.asarray(getattr(target, "array", target)).astype(np.int64).reshape(-1)
        if input.ndim not in (1, 2) or (target.ndim != input.ndim - 1) or labels.size != rows.shape[0]:
            raise RuntimeError(
                "AdaptiveLogSoftmaxWithLoss: input (N, in_features) and target (N,) should have the same "
                f"size in the batch dimension; got input {tuple(input.shape)} and target "
                f"{tuple(target.shape)}"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= self.n_classes):
            raise RuntimeError(
                f"AdaptiveLogSoftmaxWithLoss: target values should be in [0, {self.n_classes - 1}], but "
                f"values in range [{labels.min()}, {labels.max()}] were found"
            )
        cluster = np.searchsorted(self.cutoffs, labels, side="right")  # 0: shortlist, i + 1: cluster i
        head_column = np.where(cluster == 0, labels, self.shortlist_size + cluster - 1)
        head_logprob = F.log_softmax(self.head(rows), dim=1)
        output = head_logprob.gather(1, tt_tensor.tensor(head_column[:, None])).reshape(-1)
        for i, tail in enumerate(self.tail):
            members = np.flatnonzero(cluster == i + 1)
            if members.size == 0:
                continue
            cluster_logprob = F.log_softmax(tail(rows[members]), dim=1)
            local = cluster_logprob.gather(1, tt_tensor.tensor((labels[members] - self.cutoffs[i])[:, None]))
            output = output.scatter_add(0, tt_tensor.tensor(members), local.reshape(-1))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.reshape(()), loss)

    def _full_log_prob(self, rows, head_logprob):
        """``(N, n_classes)`` log-probabilities from the head's: the shortlist, then each cluster's block."""
        blocks = [head_logprob[:, : self.shortlist_size]]
        for i, tail in enumerate(self.tail):
            cluster_logprob = F.log_softmax(tail(rows), dim=1)
            blocks.append(
                cluster_logprob + head_logprob[:, self.shortlist_size + i : self.shortlist_size + i + 1]
            )
        return tt_autograd.cat(blocks, 1)

    def log_prob(self, input):  # noqa: A002
        """Log-probabilities of every class, ``(N, n_classes)`` (``(n_classes,)`` for an unbatched row)."""
        rows = input if input.ndim == 2 else input.unsqueeze(0)
        out = self._full_log_prob(rows, F.log_softmax(self.head(rows), dim=1))
        return out if input.ndim == 2 else out.reshape(-1)

    def predict(self, input):  # noqa: A002
        """The most likely class of each row, ``(N,)`` integers (``()`` unbatched)."""
        rows = input if input.ndim == 2 else input.unsqueeze(0)
        picked = self.log_prob(rows).detach().array.argmax(1)
        return tt_tensor.tensor(picked if input.ndim == 2 else picked[0])
