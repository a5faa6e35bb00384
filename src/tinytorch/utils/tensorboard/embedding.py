"""``add_embedding``: the files TensorBoard's projector reads, as PyTorch writes them.

In ``<log_dir>/<global_step:05d>/<tag>/``: ``tensors.tsv`` (one row a point),
``metadata.tsv`` (a label a point, or a header row and columns) and
``sprite.png`` (the thumbnails, tiled in a square); ``<log_dir>/
projector_config.pbtxt`` lists every embedding written so far.
"""

from __future__ import annotations

import io
import math
import os
from typing import Any

import numpy as np

from .summary import grid, to_numpy


def _encode(tag: str) -> str:
    """``tag`` as one folder name: ``%``, ``/`` and ``\\`` percent-encoded."""
    return tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def _write(path: str, text: str | bytes) -> None:
    with open(path, "wb") as file:
        file.write(text.encode("utf-8") if isinstance(text, str) else text)


def write_embedding(
    writer: Any,
    mat: Any,
    metadata: list | None,
    label_img: Any,
    global_step: int | None,
    tag: str,
    metadata_header: list | None,
) -> None:
    """Write one embedding's files for ``writer`` (a SummaryWriter) and update its projector config."""
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo, ProjectorConfig

    if not isinstance(tag, str):
        raise TypeError(f"add_embedding: tag must be a str, got {type(tag).__name__}")
    mat = to_numpy(mat, "add_embedding")
    step = 0 if global_step is None else global_step
    subdir = f"{str(step).zfill(5)}/{_encode(tag)}"
    logdir = writer._get_file_writer().get_logdir()
    folder = os.path.join(logdir, subdir)
    if os.path.isdir(folder):
        print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
    elif os.path.exists(folder):
        raise NotADirectoryError(f"add_embedding: {folder} exists and is a file")
    if mat.ndim != 2:
        raise ValueError(f"add_embedding: mat must be 2-d (points × features), got shape {tuple(mat.shape)}")
    if metadata is not None and len(metadata) != mat.shape[0]:
        raise ValueError(f"add_embedding: {len(metadata)} labels for {mat.shape[0]} points")
    if metadata_header and any(len(row) != len(metadata_header) for row in metadata or []):
        raise ValueError(
            f"add_embedding: each metadata row needs {len(metadata_header)} columns, as the header"
        )
    images = None if label_img is None else to_numpy(label_img, "add_embedding")
    if images is not None and (images.ndim != 4 or images.shape[0] != mat.shape[0]):
        raise ValueError(
            f"add_embedding: label_img must be NCHW with one image a point ({mat.shape[0]}), "
            f"got shape {tuple(images.shape)}"
        )
    os.makedirs(folder, exist_ok=True)
    info = EmbeddingInfo(tensor_name=f"{tag}:{str(step).zfill(5)}", tensor_path=f"{subdir}/tensors.tsv")
    if metadata is not None:
        if metadata_header:
            lines = ["\t".join(str(e) for e in row) for row in [metadata_header, *metadata]]
        else:
            lines = [str(x) for x in metadata]
        _write(os.path.join(folder, "metadata.tsv"), "\n".join(lines) + "\n")
        info.metadata_path = f"{subdir}/metadata.tsv"
    if images is not None:
        from PIL import Image

        tiled = grid(images, ncols=math.ceil(images.shape[0] ** 0.5), what="add_embedding").transpose(1, 2, 0)
        square = np.zeros((tiled.shape[1], tiled.shape[1], 3))
        square[: tiled.shape[0]] = tiled
        buffer = io.BytesIO()
        Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(buffer, format="PNG")
        _write(os.path.join(folder, "sprite.png"), buffer.getvalue())
        info.sprite.image_path = f"{subdir}/sprite.png"
        info.sprite.single_image_dim.extend([images.shape[3], images.shape[2]])
    rows = ["\t".join(str(x.item()) for x in row) + "\n" for row in mat]
    _write(os.path.join(folder, "tensors.tsv"), "".join(rows))
    if not hasattr(writer, "_projector_config"):
        writer._projector_config = ProjectorConfig()
    writer._projector_config.embeddings.extend([info])
    _write(
        os.path.join(logdir, "projector_config.pbtxt"), text_format.MessageToString(writer._projector_config)
    )
