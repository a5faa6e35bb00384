"""``OneHotCategoricalStraightThrough``: one-hot draws, straight-through gradients (Bengio et al. 2013).

``rsample`` returns the one-hot draw ``s`` in the forward pass, but its gradient is that of
``probs``: the value is ``s + (probs - probs.detach())``. The estimate is biased yet cheap,
and lets a discrete choice sit inside a network trained by backpropagation
(``torch.distributions.OneHotCategoricalStraightThrough``).
"""

from __future__ import annotations

import tt_autograd as autograd

from .one_hot_categorical import OneHotCategorical


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """A :class:`OneHotCategorical` whose ``rsample`` passes gradients straight through to ``probs``.

    Example:
        >>> import tt_autograd as autograd
        >>> logits = autograd.zeros(3, requires_grad=True)
        >>> d = OneHotCategoricalStraightThrough(logits=logits)
        >>> (d.rsample() * autograd.tensor([1.0, 2.0, 3.0])).sum().backward()
        >>> logits.grad.shape
        tt.Size([3])
    """

    has_rsample = True

    def rsample(self, sample_shape: object = ()) -> autograd.Tensor:
        """The one-hot draw, plus ``probs - probs.detach()`` (zero in value, ``probs``'s gradient)."""
        samples = self.sample(sample_shape)
        probs = self.probs
        return samples + (probs - probs.detach())
