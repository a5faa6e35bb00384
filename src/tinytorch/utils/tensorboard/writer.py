"""``SummaryWriter``: PyTorch's ``torch.utils.tensorboard.SummaryWriter`` over TensorBoard's own event writer.

Event files are written by ``tensorboard.summary.writer.event_file_writer``
(TensorBoard's record format, CRCs and background flushing); the summaries are
built in :mod:`.summary`, the model graph in :mod:`.graph`.
"""

from __future__ import annotations

import os
import socket
import time
from datetime import datetime
from typing import Any

import numpy as np

from . import summary as _summary
from .graph import graph_def


def _check_tag(tag: Any, what: str) -> str:
    if not isinstance(tag, str):
        raise TypeError(f"{what}: tag must be a str, got {type(tag).__name__}")
    return tag


def _number(value: Any, name: str, kind: type) -> Any:
    """``kind(value)`` (PyTorch's ``int(global_step)``, ``walltime``), refusing what is not a number."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"SummaryWriter: {name} must be a number, got {type(value).__name__}")
    try:
        return kind(value)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"SummaryWriter: {name} must be a number, got {type(value).__name__}") from error


def _check_options(log_dir: Any, comment: Any, purge_step: Any, max_queue: Any, flush_secs: Any, suffix: Any):
    """The constructor's arguments, refused with their name when they are not what they should be."""
    if log_dir is not None and not isinstance(log_dir, (str, os.PathLike)):
        raise TypeError(
            f"SummaryWriter: log_dir must be a path (str or os.PathLike), got {type(log_dir).__name__}"
        )
    for name, value in (("comment", comment), ("filename_suffix", suffix)):
        if not isinstance(value, str):
            raise TypeError(f"SummaryWriter: {name} must be a str, got {type(value).__name__}")
    for name, value in (("purge_step", purge_step), ("max_queue", max_queue)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0
        ):
            raise ValueError(f"SummaryWriter: {name} must be a non-negative int, got {value!r}")
    if max_queue is None:
        raise ValueError("SummaryWriter: max_queue must be a non-negative int, got None")
    if (
        isinstance(flush_secs, bool)
        or not isinstance(flush_secs, (int, float, np.number))
        or not flush_secs > 0
    ):
        raise ValueError(
            f"SummaryWriter: flush_secs must be a positive number of seconds, got {flush_secs!r}"
        )


class _FileWriter:
    """One event file in ``log_dir``: summaries and events stamped with a step and a wall time."""

    def __init__(self, log_dir: str, max_queue: int, flush_secs: float, filename_suffix: str) -> None:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        return self.event_writer.get_logdir()

    def add_event(self, event: Any, step: Any = None, walltime: float | None = None) -> None:
        event.wall_time = time.time() if walltime is None else _number(walltime, "walltime", float)
        if step is not None:
            event.step = _number(step, "global_step", int)
        self.event_writer.add_event(event)

    def add_summary(self, summary: Any, step: Any = None, walltime: float | None = None) -> None:
        from tensorboard.compat.proto import event_pb2

        self.add_event(event_pb2.Event(summary=summary), step, walltime)

    def flush(self) -> None:
        self.event_writer.flush()

    def close(self) -> None:
        self.event_writer.close()


class SummaryWriter:
    """Write TensorBoard event files to ``log_dir``, as ``torch.utils.tensorboard.SummaryWriter``.

    ``log_dir`` defaults to ``runs/<Mon dd_HH-MM-SS>_<hostname><comment>``.
    ``purge_step`` tells TensorBoard to drop events at or after that step left
    by an earlier crashed run; ``max_queue`` events are buffered and written at
    least every ``flush_secs`` seconds. Values may be TinyTorch tensors (those
    that require grad too), NumPy arrays or Python numbers. Needs the
    ``tensorboard`` package (``pip install 'tinytorch[tensorboard]'``).

    Example:
        >>> with SummaryWriter("runs/demo") as writer:  # doctest: +SKIP
        ...     for step in range(100):
        ...         writer.add_scalar("loss", 1.0 / (step + 1), step)
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
    ) -> None:
        _summary._proto()  # fail here, with the install hint, when the extra is missing
        _check_options(log_dir, comment, purge_step, max_queue, flush_secs, filename_suffix)
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer: _FileWriter | None = None
        self.all_writers: dict[str, _FileWriter] | None = None
        self._get_file_writer()
        self.default_bins = _summary.tensorflow_bins()

    def _get_file_writer(self) -> _FileWriter:
        """The main event file, opened again after ``close`` (with the purge events, once)."""
        if self.all_writers is None or self.file_writer is None:
            from tensorboard.compat.proto.event_pb2 import Event, SessionLog

            self.file_writer = _FileWriter(
                self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix
            )
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                step = self.purge_step
                self.file_writer.add_event(Event(step=step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str | os.PathLike[str]:
        """The directory the event files go to."""
        return self.log_dir

    def _write(self, summary: Any, global_step: Any, walltime: float | None) -> None:
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """One value (a number or a one-element tensor/array) under ``tag`` at ``global_step``."""
        tag = _check_tag(tag, "add_scalar")
        self._write(_summary.scalar(tag, scalar_value, new_style, double_precision), global_step, walltime)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: dict[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Several values on one chart: each in its run ``<log_dir>/<main_tag>_<tag>``, under ``main_tag``."""
        main_tag = _check_tag(main_tag, "add_scalars")
        if not isinstance(tag_scalar_dict, dict):
            raise TypeError(
                f"add_scalars: tag_scalar_dict must be a dict, got {type(tag_scalar_dict).__name__}"
            )
        walltime = time.time() if walltime is None else walltime
        logdir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            run = f"{logdir}/{main_tag.replace('/', '_')}_{tag}"
            if run not in self.all_writers:
                self.all_writers[run] = _FileWriter(
                    run, self.max_queue, self.flush_secs, self.filename_suffix
                )
            self.all_writers[run].add_summary(_summary.scalar(main_tag, value), global_step, walltime)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """A histogram of ``values``; ``bins`` as ``np.histogram`` takes them, or ``'tensorflow'``."""
        tag = _check_tag(tag, "add_histogram")
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._write(_summary.histogram(tag, values, bins, max_bins), global_step, walltime)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """One image, laid out as ``dataformats`` (CHW, HWC, HW): floats in [0, 1] or ``uint8`` in 0..255."""
        tag = _check_tag(tag, "add_image")
        self._write(_summary.image(tag, img_tensor, dataformats, "add_image"), global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """A batch of images (NCHW or NHWC) tiled into one grid, 8 a row."""
        tag = _check_tag(tag, "add_images")
        self._write(_summary.image(tag, img_tensor, dataformats, "add_images"), global_step, walltime)

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: int | None = None,
        close: bool = True,
        walltime: float | None = None,
    ) -> None:
        """A matplotlib figure (or a list of them, as a grid) rendered as an image; needs matplotlib."""
        if isinstance(figure, list):
            images = np.stack([_summary.figure_to_chw(f, close) for f in figure])
            self.add_image(tag, images, global_step, walltime, dataformats="NCHW")
        else:
            self.add_image(
                tag, _summary.figure_to_chw(figure, close), global_step, walltime, dataformats="CHW"
            )

    def add_text(
        self, tag: str, text_string: str, global_step: int | None = None, walltime: float | None = None
    ) -> None:
        """A string (Markdown) under ``tag + '/text_summary'``."""
        tag = _check_tag(tag, "add_text")
        self._write(_summary.text(tag, text_string), global_step, walltime)

    def add_video(
        self,
        tag: str,
        vid_tensor: Any,
        global_step: int | None = None,
        fps: float = 4,
        walltime: float | None = None,
    ) -> None:
        """An ``(N, T, C, H, W)`` batch of videos (C 1 or 3), tiled a frame, as an animated GIF at ``fps``.

        Floats in [0, 1] or ``uint8`` in 0..255, as images. PyTorch encodes the
        GIF with moviepy; TinyTorch with Pillow (same frames, size and timing).
        """
        from .media import video

        tag = _check_tag(tag, "add_video")
        self._write(video(tag, vid_tensor, fps), global_step, walltime)

    def add_audio(
        self,
        tag: str,
        snd_tensor: Any,
        global_step: int | None = None,
        sample_rate: int = 44100,
        walltime: float | None = None,
    ) -> None:
        """One channel of sound, shape ``(1, L)`` or ``(L,)``, values in [-1, 1], as a 16-bit WAV."""
        from .media import audio

        tag = _check_tag(tag, "add_audio")
        self._write(audio(tag, snd_tensor, sample_rate), global_step, walltime)

    def add_mesh(
        self,
        tag: str,
        vertices: Any,
        colors: Any = None,
        faces: Any = None,
        config_dict: dict | None = None,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """A 3-D mesh or point cloud: ``(B, N, 3)`` vertices, optional colors (0..255) and triangle faces.

        ``config_dict`` holds Three.js settings (camera, lights, material) for the mesh plugin.
        """
        from .media import mesh

        tag = _check_tag(tag, "add_mesh")
        self._write(mesh(tag, vertices, colors, faces, config_dict), global_step, walltime)

    def add_custom_scalars(self, layout: dict[str, dict[str, list]]) -> None:
        """Charts of scalar tags: ``{category: {title: ['Multiline', tags] or ['Margin', [v, lo, hi]]}}``."""
        from .media import custom_scalars

        self._write(custom_scalars(layout), None, None)

    def add_custom_scalars_multilinechart(
        self, tags: list[str], category: str = "default", title: str = "untitled"
    ) -> None:
        """One multiline chart of ``tags`` (``add_custom_scalars`` with one chart)."""
        self.add_custom_scalars({category: {title: ["Multiline", tags]}})

    def add_custom_scalars_marginchart(
        self, tags: list[str], category: str = "default", title: str = "untitled"
    ) -> None:
        """One margin chart: ``tags`` are the value, the lower bound and the upper bound."""
        self.add_custom_scalars({category: {title: ["Margin", tags]}})

    def add_onnx_graph(self, prototxt: str | os.PathLike[str]) -> None:
        """The graph of the ONNX model file ``prototxt`` (e.g. from ``tt.onnx.export``); needs ``onnx``."""
        from tensorboard.compat.proto import event_pb2

        from .media import onnx_graph

        graph = onnx_graph(prototxt)
        self._get_file_writer().add_event(event_pb2.Event(graph_def=graph.SerializeToString()))

    def add_pr_curve(
        self,
        tag: str,
        labels: Any,
        predictions: Any,
        global_step: int | None = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: float | None = None,
    ) -> None:
        """A precision-recall curve of ``predictions`` (in [0, 1]) against 0/1 ``labels``."""
        tag = _check_tag(tag, "add_pr_curve")
        self._write(
            _summary.pr_curve(tag, labels, predictions, num_thresholds, weights), global_step, walltime
        )

    def add_hparams(
        self,
        hparam_dict: dict[str, Any],
        metric_dict: dict[str, Any],
        hparam_domain_discrete: dict[str, list] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
    ) -> None:
        """Hyperparameters and their metrics, in a run ``<log_dir>/<run_name>`` (default: the time)."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("add_hparams: hparam_dict and metric_dict should be dictionaries")
        summaries = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        run = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=run) as writer:
            for item in summaries:
                writer.file_writer.add_summary(item, global_step)
            for key, value in metric_dict.items():
                writer.add_scalar(key, value, global_step)

    def add_graph(
        self, model: Any, input_to_model: Any = None, verbose: bool = False, use_strict_trace: bool = True
    ) -> None:
        """The model's graph, from one forward pass on ``input_to_model`` (a tensor or a tuple of them).

        ``use_strict_trace`` is accepted for PyTorch's signature; TinyTorch records
        calls rather than tracing TorchScript, so it changes nothing.
        """
        from tensorboard.compat.proto import event_pb2

        graph, metadata = graph_def(model, input_to_model, verbose)
        writer = self._get_file_writer()
        writer.add_event(event_pb2.Event(graph_def=graph.SerializeToString()))
        tagged = event_pb2.TaggedRunMetadata(tag="step1", run_metadata=metadata.SerializeToString())
        writer.add_event(event_pb2.Event(tagged_run_metadata=tagged))

    def add_embedding(
        self,
        mat: Any,
        metadata: list | None = None,
        label_img: Any = None,
        global_step: int | None = None,
        tag: str = "default",
        metadata_header: list | None = None,
    ) -> None:
        """Points (rows of the 2-d ``mat``) for TensorBoard's projector, with labels and thumbnails.

        Writes ``<log_dir>/<step:05d>/<tag>/tensors.tsv`` (and ``metadata.tsv``,
        ``sprite.png``) and adds the embedding to ``projector_config.pbtxt``.
        """
        from .embedding import write_embedding

        write_embedding(self, mat, metadata, label_img, global_step, tag, metadata_header)

    def flush(self) -> None:
        """Write every pending event to disk."""
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self) -> None:
        """Flush and close every event file; a later ``add_*`` opens a new one. Closing twice is harmless."""
        for writer in (self.all_writers or {}).values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
