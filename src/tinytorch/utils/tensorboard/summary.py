"""The summaries ``SummaryWriter`` writes, as TensorBoard's protocol buffers (its ``Summary`` messages).

Each function takes plain values (a tensor, a NumPy array or a Python number,
read through :func:`to_numpy`) and returns a ``tensorboard.compat.proto``
message, built as PyTorch's ``torch.utils.tensorboard.summary`` builds it, so
TensorBoard's plugins (scalars, histograms, images, text, hparams, PR curves)
read both the same way. ``tensorboard`` is imported inside the functions: this
module imports without the extra installed.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import tt_tensor

_MINIMUM_COUNT = 1e-7  # PR curves: the smallest denominator, as TensorBoard's pr_curve plugin


def to_numpy(value: Any, what: str = "value") -> np.ndarray:
    """``value`` (a TinyTorch tensor, a NumPy array or a Python number) as a NumPy array.

    A tensor that requires grad is read as it is (its values, not its graph);
    a Python number becomes a one-element array, as in PyTorch's ``make_np``.
    """
    if isinstance(value, tt_tensor.Tensor):
        return np.asarray(value.array)
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bool, int, float, np.generic)):
        return np.array([value])
    raise TypeError(f"{what}: expected a tensor, a NumPy array or a number, got {type(value).__name__}")


def _proto():
    try:
        from tensorboard.compat.proto import summary_pb2, tensor_pb2, tensor_shape_pb2
    except ImportError as error:  # the optional extra is missing
        raise ImportError(
            "tinytorch.utils.tensorboard needs the tensorboard package: pip install 'tinytorch[tensorboard]'"
        ) from error
    return summary_pb2, tensor_pb2, tensor_shape_pb2


def scalar(tag: str, value: Any, new_style: bool = False, double_precision: bool = False):
    """A one-value summary: ``simple_value``, or (``new_style``) a scalars-plugin tensor."""
    summary_pb2, tensor_pb2, _ = _proto()
    array = to_numpy(value, "add_scalar").squeeze()
    if array.ndim != 0:
        raise ValueError(
            f"add_scalar: {tag!r} needs one value, got {array.size} values (shape {tuple(array.shape)})"
        )
    number = float(array)
    if not new_style:
        return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=number)])
    if double_precision:
        tensor = tensor_pb2.TensorProto(double_val=[number], dtype="DT_DOUBLE")
    else:
        tensor = tensor_pb2.TensorProto(float_val=[number], dtype="DT_FLOAT")
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])


def tensorflow_bins() -> list[float]:
    """``bins='tensorflow'``: ±1e-12 growing by ×1.1 up to 1e20, and 0 between (PyTorch's default bins)."""
    positive, edge = [], 1e-12
    while edge < 1e20:
        positive.append(edge)
        edge *= 1.1
    return [-e for e in reversed(positive)] + [0] + positive


def histogram(tag: str, values: Any, bins: Any, max_bins: int | None = None):
    """A ``HistogramProto`` of ``values``: counts over ``bins`` (as ``np.histogram`` takes them).

    Empty buckets at both ends are dropped but for one leading empty bucket;
    ``max_bins`` merges neighbouring buckets until at most that many remain.
    """
    summary_pb2, _, _ = _proto()
    array = to_numpy(values, "add_histogram").astype(float).reshape(-1)
    if array.size == 0:
        raise ValueError(f"add_histogram: {tag!r} has no values")
    if not np.isfinite(array).all():
        raise ValueError(f"add_histogram: {tag!r} holds NaN or infinite values")
    counts, limits = np.histogram(array, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, (-len(counts)) % group)).reshape(-1, group).sum(axis=1)
        limits = np.concatenate([limits[:-1:group], limits[-1:]])
    used = np.flatnonzero(counts)
    first, last = int(used[0]), int(used[-1])
    if first > 0:  # keep the empty bucket before the first used one: its upper limit is the data's start
        counts, limits = counts[first - 1 : last + 1], limits[first : last + 2]
    else:
        counts, limits = np.concatenate([[0], counts[: last + 1]]), limits[: last + 2]
    proto = summary_pb2.HistogramProto(
        min=array.min(),
        max=array.max(),
        num=array.size,
        sum=array.sum(),
        sum_squares=array.dot(array),
        bucket_limit=limits.tolist(),
        bucket=counts.tolist(),
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=proto)])


def grid(images: np.ndarray, ncols: int = 8, what: str = "add_images") -> np.ndarray:
    """A batch NCHW (C 1 or 3) tiled into one CHW image, ``ncols`` images a row (PyTorch's ``make_grid``)."""
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, axis=1)
    if images.shape[1] != 3:
        raise ValueError(
            f"{what}: images need 1 or 3 channels, got {images.shape[1]} (shape {tuple(images.shape)})"
        )
    count, _, height, width = images.shape
    ncols = min(count, ncols)
    nrows = -(-count // ncols)
    canvas = np.zeros((3, height * nrows, width * ncols), dtype=images.dtype)
    for i in range(count):
        row, col = divmod(i, ncols)
        canvas[:, row * height : (row + 1) * height, col * width : (col + 1) * width] = images[i]
    return canvas


def to_hwc(array: np.ndarray, dataformats: str, what: str = "add_image") -> np.ndarray:
    """``array`` laid out as ``dataformats`` (NCHW, CHW, HWC, HW, ... in any order) as one HWC RGB image."""
    layout = str(dataformats).upper()
    wanted = {4: "NCHW", 3: "CHW", 2: "HW"}.get(len(layout))
    if wanted is None or sorted(layout) != sorted(wanted):
        raise ValueError(
            f"{what}: dataformats {dataformats!r} is not a layout of NCHW, CHW or HW "
            "(each letter once, e.g. 'CHW', 'HWC', 'HW', 'NCHW', 'NHWC')"
        )
    if array.ndim != len(layout):
        raise ValueError(
            f"{what}: dataformats {dataformats!r} needs a {len(layout)}-d image, "
            f"got shape {tuple(array.shape)}"
        )
    if len(layout) == 4:
        return grid(array.transpose([layout.index(c) for c in "NCHW"]), what=what).transpose(1, 2, 0)
    if len(layout) == 2:
        return np.stack([array.transpose([layout.index(c) for c in "HW"])] * 3, axis=2)
    hwc = array.transpose([layout.index(c) for c in "HWC"])
    if not 1 <= hwc.shape[2] <= 4:  # gray, gray + alpha, RGB, RGBA: what a PNG holds
        raise ValueError(
            f"{what}: an image needs 1 to 4 channels, got {hwc.shape[2]} (shape {tuple(array.shape)})"
        )
    return np.concatenate([hwc] * 3, axis=2) if hwc.shape[2] == 1 else hwc


def image(tag: str, values: Any, dataformats: str = "NCHW", what: str = "add_image"):
    """A PNG of ``values``: floats in [0, 1] scaled by 255, ``uint8`` as is; clipped to 0..255."""
    summary_pb2, _, _ = _proto()
    from PIL import Image  # Pillow comes with tensorboard

    array = to_hwc(to_numpy(values, what), dataformats, what)
    scale = 1 if array.dtype == np.uint8 else 255
    pixels = (array.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    height, width, channels = pixels.shape
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    proto = summary_pb2.Summary.Image(
        height=height, width=width, colorspace=channels, encoded_image_string=buffer.getvalue()
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, image=proto)])


def figure_to_chw(figure: Any, close: bool = True) -> np.ndarray:
    """A matplotlib figure rendered (Agg) as a CHW ``uint8`` RGB array; closed afterwards if ``close``."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = canvas.get_width_height()
    rgba = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(height, width, 4)
    if close:
        plt.close(figure)
    return np.ascontiguousarray(rgba[:, :, :3].transpose(2, 0, 1))


def text(tag: str, text_string: str):
    """The text plugin's summary: one UTF-8 string under ``tag + '/text_summary'``."""
    summary_pb2, tensor_pb2, shape_pb2 = _proto()
    from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

    if not isinstance(text_string, str):
        raise TypeError(f"add_text: text_string must be a str, got {type(text_string).__name__}")
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name="text", content=TextPluginData(version=0).SerializeToString()
        )
    )
    tensor = tensor_pb2.TensorProto(
        dtype="DT_STRING",
        string_val=[text_string.encode("utf-8")],
        tensor_shape=shape_pb2.TensorShapeProto(dim=[shape_pb2.TensorShapeProto.Dim(size=1)]),
    )
    value = summary_pb2.Summary.Value(tag=tag + "/text_summary", metadata=metadata, tensor=tensor)
    return summary_pb2.Summary(value=[value])


def pr_curve(tag: str, labels: Any, predictions: Any, num_thresholds: int = 127, weights: Any = None):
    """The pr_curves plugin's 6 × ``num_thresholds`` table: TP, FP, TN, FN, precision, recall."""
    summary_pb2, tensor_pb2, shape_pb2 = _proto()
    from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData

    labels = to_numpy(labels, "add_pr_curve").astype(np.float64)
    predictions = to_numpy(predictions, "add_pr_curve")
    if labels.shape != predictions.shape:
        raise ValueError(
            f"add_pr_curve: labels {tuple(labels.shape)} and predictions "
            f"{tuple(predictions.shape)} differ in shape"
        )
    num_thresholds = min(int(num_thresholds), 127)
    if num_thresholds < 1:
        raise ValueError(f"add_pr_curve: num_thresholds must be at least 1, got {num_thresholds}")
    weights = 1.0 if weights is None else to_numpy(weights, "add_pr_curve")
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    span = (0, num_thresholds - 1)
    tp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=span, weights=labels * weights)
    fp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=span, weights=(1.0 - labels) * weights)
    tp = np.cumsum(tp_buckets[::-1])[::-1]
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(_MINIMUM_COUNT, tp + fp)
    recall = tp / np.maximum(_MINIMUM_COUNT, tp + fn)
    table = np.stack([tp, fp, tn, fn, precision, recall])
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="pr_curves", content=content)
    )
    tensor = tensor_pb2.TensorProto(
        dtype="DT_FLOAT",
        float_val=table.reshape(-1).tolist(),
        tensor_shape=shape_pb2.TensorShapeProto(
            dim=[shape_pb2.TensorShapeProto.Dim(size=n) for n in table.shape]
        ),
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, metadata=metadata, tensor=tensor)])


def _plugin_summary(tag: str, content: Any):
    """A value with no data, only the hparams plugin's ``content`` in its metadata."""
    summary_pb2, _, _ = _proto()
    from tensorboard.plugins.hparams.metadata import PLUGIN_NAME

    plugin = summary_pb2.SummaryMetadata.PluginData(
        plugin_name=PLUGIN_NAME, content=content.SerializeToString()
    )
    value = summary_pb2.Summary.Value(tag=tag, metadata=summary_pb2.SummaryMetadata(plugin_data=plugin))
    return summary_pb2.Summary(value=[value])


def hparams(hparam_dict: dict, metric_dict: dict, hparam_domain_discrete: dict | None = None):
    """The hparams plugin's three summaries: the experiment, the session's start (its values) and end.

    Values are numbers (``bool`` counts as a number, as in PyTorch), strings or
    one-element tensors; ``None`` values are left out. ``add_hparams`` checks both are dicts.
    """
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("add_hparams: hparam_domain_discrete should be a dictionary")
    for key, domain in domains.items():
        if key not in hparam_dict or not isinstance(domain, list):
            raise TypeError(
                f"add_hparams: hparam_domain_discrete[{key!r}] should be a list of values of {key!r}"
            )
        if not all(isinstance(d, type(hparam_dict[key])) for d in domain):
            raise TypeError(
                f"add_hparams: hparam_domain_discrete[{key!r}] should be of hparam_dict[{key!r}]'s type"
            )
    start = plugin_data_pb2.SessionStartInfo()
    infos = []
    for key, value in hparam_dict.items():
        if value is None:
            continue
        if isinstance(value, tt_tensor.Tensor):
            value = float(to_numpy(value).reshape(-1)[0])
        if isinstance(value, (int, float)):
            start.hparams[key].number_value = value
            kind, field = "DATA_TYPE_FLOAT64", "number_value"
        elif isinstance(value, str):
            start.hparams[key].string_value = value
            kind, field = "DATA_TYPE_STRING", "string_value"
        else:
            raise ValueError(
                f"add_hparams: {key!r} is a {type(value).__name__}; "
                "values should be int, float, str, bool or a tensor"
            )
        discrete = None
        if key in domains:
            discrete = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d}) for d in domains[key]])
        infos.append(
            api_pb2.HParamInfo(name=key, type=api_pb2.DataType.Value(kind), domain_discrete=discrete)
        )
    metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=key)) for key in metric_dict]
    version = metadata.PLUGIN_DATA_VERSION
    experiment = plugin_data_pb2.HParamsPluginData(
        experiment=api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics), version=version
    )
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))
    return (
        _plugin_summary(metadata.EXPERIMENT_TAG, experiment),
        _plugin_summary(
            metadata.SESSION_START_INFO_TAG,
            plugin_data_pb2.HParamsPluginData(session_start_info=start, version=version),
        ),
        _plugin_summary(
            metadata.SESSION_END_INFO_TAG,
            plugin_data_pb2.HParamsPluginData(session_end_info=end, version=version),
        ),
    )
