"""``tt.utils.tensorboard``: ``SummaryWriter``, as ``torch.utils.tensorboard``.

Needs ``pip install 'tinytorch[tensorboard]'``.

Logs scalars, histograms, images, videos (GIF), audio (WAV), text,
hyperparameters, PR curves, meshes, custom-scalar layouts, embeddings and the
model's graph (or an ONNX file's) as TensorBoard event files, written by the
``tensorboard`` package's own event writer; ``tensorboard --logdir runs``
shows them. The module imports without ``tensorboard``; making a
``SummaryWriter`` without it fails with the install hint.
"""

from __future__ import annotations

from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
