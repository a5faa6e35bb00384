"""``BatchNorm2d`` and ``BatchNorm3d``: per-channel batch normalisation of images and volumes.

Parameters, buffers, running statistics and the training/evaluation logic
are tt-nn's ``BatchNormBase`` (module 04), shared with ``BatchNorm1d``, and so is
the kernel, ``tt_nn.functional.batch_norm`` (channels-last and threaded, so it is
fast on the channels-last activations the vision layers produce).
"""

from __future__ import annotations

from tt_nn.normalization import BatchNormBase


class BatchNorm2d(BatchNormBase):
    """Normalise each channel over the batch and the pixels, like ``torch.nn.BatchNorm2d``.

    In training mode each channel is normalised by the mean and (biased)
    variance of the batch over ``N, H, W``, and the running statistics move
    towards them: ``running = (1 − momentum)·running + momentum·batch`` (the
    unbiased variance); ``momentum=None`` keeps a cumulative average instead.
    In evaluation mode the running statistics are used.

    Args:
        num_features: channels ``C``.
        eps: added to the variance before the square root.
        momentum: weight of the newest batch in the running statistics.
        affine: learn a per-channel scale ``weight`` (init 1) and shift ``bias`` (init 0).
        bias: with ``affine``, learn the shift too (keyword-only, as in PyTorch 2.13; default True).
        track_running_stats: keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers (else batch statistics are used always).

    Shape:
        input and output ``(N, C, H, W)``.

    Example:
        >>> bn = BatchNorm2d(16)
        >>> sorted(bn.state_dict())
        ['bias', 'num_batches_tracked', 'running_mean', 'running_var', 'weight']
    """

    def _check_input_dim(self, input) -> None:  # noqa: A002
        """What makes batch norm *2-d*: the input must be a batch of images (N, C, H, W)."""
        # BEGIN SOLUTION 09
        # TODO: refuse an input that is not 4-D (N, C, H, W) with a ValueError naming its shape
        #   (§ How it is built, "Batch norm").
        if input.ndim != 4:
            raise ValueError(
                f"BatchNorm2d: expected a 4-d input (N, C, H, W), got shape {tuple(input.shape)}"
            )
        # END SOLUTION


class BatchNorm3d(BatchNormBase):
    """Batch normalisation of volumes ``(N, C, D, H, W)``, like ``torch.nn.BatchNorm3d``.

    Each channel is normalised over ``N, D, H, W``; the arguments, running
    statistics and modes are :class:`BatchNorm2d`'s (both are tt-nn's
    ``BatchNormBase``), and so is the kernel, ``tt_nn.functional.batch_norm``,
    which takes any ``(N, C, ...)`` shape. Not a ``BatchNorm2d``: code that
    looks for 2-d batch norms (fusing them into a ``Conv2d``) leaves it alone.

    Shape:
        input and output ``(N, C, D, H, W)``.

    Example:
        >>> import tt_autograd as autograd
        >>> bn = BatchNorm3d(2)
        >>> y = bn(autograd.randn(4, 2, 3, 5, 5))
        >>> y.shape, bool(abs(y.detach().numpy().mean(axis=(0, 2, 3, 4))).max() < 1e-6)
        (tt.Size([4, 2, 3, 5, 5]), True)
    """

    def _check_input_dim(self, input) -> None:  # noqa: A002
        if input.ndim != 5:
            raise ValueError(
                f"BatchNorm3d: expected a 5-d input (N, C, D, H, W), got shape {tuple(input.shape)}"
            )
