"""Video, audio, mesh and custom-scalar summaries, built as PyTorch's ``tensorboard.summary`` builds them.

* ``video``: the N videos of an ``(N, T, C, H, W)`` batch tiled into one
  grid a frame (N padded with black videos to a power of 2, as PyTorch's
  ``_prepare_video``), encoded as an animated GIF in an image summary.
  PyTorch encodes it with moviepy; TinyTorch with Pillow (which comes with
  ``tensorboard``): the frames, size and frame time are the same, the bytes
  of the GIF are the encoder's own.
* ``audio``: mono 16-bit WAV (the standard library's ``wave``).
* ``mesh``: the mesh plugin's vertex, face and color tensors.
* ``custom_scalars``: the custom-scalars plugin's layout (multiline and margin charts).
* ``onnx_graph``: an ONNX model file's graph as a GraphDef (needs ``onnx``).
"""

from __future__ import annotations

import io
import json
import numbers
import os
import wave
from typing import Any

import numpy as np

from .summary import _proto, to_numpy


def _numeric(array: np.ndarray, what: str, name: str) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what}: {name} must hold real numbers, got dtype {array.dtype}")
    return array


def _positive(value: Any, what: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{what}: {name} must be a positive number, got {value!r}")
    return value


def video_frames(values: Any) -> np.ndarray:
    """``(T, rows·H, cols·W, C)`` uint8 frames of an ``(N, T, C, H, W)`` batch, as PyTorch lays them out."""
    array = _numeric(to_numpy(values, "add_video"), "add_video", "vid_tensor")
    if array.ndim != 5:
        raise ValueError(f"add_video: vid_tensor must be 5-d (N, T, C, H, W), got shape {tuple(array.shape)}")
    batch, frames, channels, height, width = array.shape
    if channels not in (1, 3):
        raise ValueError(f"add_video: a video needs 1 or 3 channels, got {channels} (shape {array.shape})")
    if min(batch, frames, height, width) == 0:
        raise ValueError(f"add_video: vid_tensor has no pixels (shape {tuple(array.shape)})")
    if array.dtype == np.uint8:
        array = np.float32(array) / 255.0
    if batch & (batch - 1):  # pad with black videos to the next power of 2
        padding = np.zeros((2 ** batch.bit_length() - batch, frames, channels, height, width))
        array = np.concatenate((array, padding), axis=0)
    rows = 2 ** ((batch.bit_length() - 1) // 2)
    cols = array.shape[0] // rows
    array = array.reshape(rows, cols, frames, channels, height, width).transpose(2, 0, 4, 1, 5, 3)
    array = array.reshape(frames, rows * height, cols * width, channels)
    return (array.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)


def video(tag: str, values: Any, fps: Any = 4):
    """An image summary holding an animated GIF, ``fps`` frames a second, looping."""
    summary_pb2, _, _ = _proto()
    from PIL import Image

    fps = _positive(fps, "add_video", "fps")
    frames = video_frames(values)
    _, height, width, channels = frames.shape
    images = [Image.fromarray(frame[:, :, 0] if channels == 1 else frame) for frame in frames]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=1000 / fps, loop=0)
    proto = summary_pb2.Summary.Image(
        height=height, width=width, colorspace=channels, encoded_image_string=buffer.getvalue()
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, image=proto)])


def audio(tag: str, values: Any, sample_rate: Any = 44100):
    """A mono 16-bit WAV of ``values`` in [-1, 1] (clipped there, with a warning, as PyTorch)."""
    summary_pb2, _, _ = _proto()
    sample_rate = _positive(sample_rate, "add_audio", "sample_rate")
    array = _numeric(to_numpy(values, "add_audio"), "add_audio", "snd_tensor")
    if array.squeeze().ndim != 1 or array.size == 0:
        raise ValueError(
            "add_audio: snd_tensor must hold one channel of samples (shape (1, L) or (L,), L > 0), "
            f"got shape {array.shape}"
        )
    array = array.squeeze()
    if not np.isfinite(array).all():
        raise ValueError(f"add_audio: {tag!r} holds NaN or infinite samples")
    if abs(array).max() > 1:
        print("warning: audio amplitude out of range, auto clipped.")
        array = array.clip(-1, 1)
    samples = (array * np.iinfo(np.int16).max).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(samples.tobytes())
    proto = summary_pb2.Summary.Audio(
        sample_rate=sample_rate,
        num_channels=1,
        length_frames=len(samples),  # (one channel: samples is 1-d)
        encoded_audio_string=buffer.getvalue(),
        content_type="audio/wav",
    )
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, audio=proto)])


def mesh(tag: str, vertices: Any, colors: Any, faces: Any, config_dict: dict | None):
    """The mesh plugin's summary: one ``(B, N, 3)`` tensor each for vertices, faces and colors given."""
    summary_pb2, tensor_pb2, shape_pb2 = _proto()
    from tensorboard.plugins.mesh import metadata
    from tensorboard.plugins.mesh.plugin_data_pb2 import MeshPluginData

    if vertices is None:
        raise TypeError("add_mesh: vertices must be a (B, N, 3) tensor or array, got None")
    if config_dict is not None and not isinstance(config_dict, dict):
        raise TypeError(f"add_mesh: config_dict must be a dict, got {type(config_dict).__name__}")
    json_config = "{}" if config_dict is None else json.dumps(config_dict, sort_keys=True)
    parts = []
    for name, value, kind in [
        ("vertices", vertices, MeshPluginData.VERTEX),
        ("faces", faces, MeshPluginData.FACE),
        ("colors", colors, MeshPluginData.COLOR),
    ]:
        if value is not None:
            array = _numeric(to_numpy(value, "add_mesh"), "add_mesh", name)
            if array.ndim != 3 or array.shape[2] != 3:
                raise ValueError(f"add_mesh: {name} must have shape (B, N, 3), got {array.shape}")
            parts.append((array, kind))
    components = metadata.get_components_bitmask([kind for _, kind in parts])
    values = []
    for array, kind in parts:
        tensor = tensor_pb2.TensorProto(
            dtype="DT_FLOAT",
            float_val=array.reshape(-1).tolist(),
            tensor_shape=shape_pb2.TensorShapeProto(
                dim=[shape_pb2.TensorShapeProto.Dim(size=n) for n in array.shape]
            ),
        )
        meta = metadata.create_summary_metadata(
            tag, None, kind, components, array.shape, None, json_config=json_config
        )
        values.append(
            summary_pb2.Summary.Value(tag=metadata.get_instance_name(tag, kind), tensor=tensor, metadata=meta)
        )
    return summary_pb2.Summary(value=values)


def custom_scalars(layout: Any):
    """The custom-scalars plugin's layout: ``{category: {title: ['Multiline' or 'Margin', tags]}}``."""
    summary_pb2, tensor_pb2, shape_pb2 = _proto()
    from tensorboard.plugins.custom_scalar import layout_pb2

    if not isinstance(layout, dict):
        raise TypeError(f"add_custom_scalars: layout must be a dict, got {type(layout).__name__}")
    categories = []
    for category, charts in layout.items():
        if not isinstance(charts, dict):
            raise TypeError(
                f"add_custom_scalars: layout[{category!r}] must be a dict of charts, "
                f"got {type(charts).__name__}"
            )
        protos = []
        for title, chart in charts.items():
            if (
                not isinstance(chart, (list, tuple))
                or len(chart) != 2
                or chart[0] not in ("Multiline", "Margin")
            ):
                raise ValueError(
                    f"add_custom_scalars: chart {title!r} must be ['Multiline', tags] or ['Margin', tags], "
                    f"got {chart!r}"
                )
            kind, tags = chart
            if isinstance(tags, str) or not all(isinstance(tag, str) for tag in tags):
                raise TypeError(f"add_custom_scalars: chart {title!r} needs a list of str tags, got {tags!r}")
            if kind == "Margin":
                if len(tags) != 3:
                    raise ValueError(
                        f"add_custom_scalars: margin chart {title!r} needs 3 tags (value, lower, upper), "
                        f"got {len(tags)}"
                    )
                series = layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1], upper=tags[2])
                protos.append(
                    layout_pb2.Chart(title=title, margin=layout_pb2.MarginChartContent(series=[series]))
                )
            else:
                protos.append(
                    layout_pb2.Chart(title=title, multiline=layout_pb2.MultilineChartContent(tag=tags))
                )
        categories.append(layout_pb2.Category(title=category, chart=protos))
    tensor = tensor_pb2.TensorProto(
        dtype="DT_STRING",
        string_val=[layout_pb2.Layout(category=categories).SerializeToString()],
        tensor_shape=shape_pb2.TensorShapeProto(),
    )
    meta = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="custom_scalars")
    )
    value = summary_pb2.Summary.Value(tag="custom_scalars__config__", tensor=tensor, metadata=meta)
    return summary_pb2.Summary(value=[value])


def onnx_graph(path: Any):
    """The GraphDef of the ONNX model file at ``path``: its inputs and outputs, then one node an op."""
    from tensorboard.compat.proto import (
        attr_value_pb2,
        graph_pb2,
        node_def_pb2,
        tensor_shape_pb2,
        versions_pb2,
    )

    try:
        import onnx
    except ImportError as error:
        raise ImportError("add_onnx_graph needs the onnx package: pip install 'tinytorch[onnx]'") from error
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"add_onnx_graph: prototxt must be a path to an ONNX file, got {type(path).__name__}")
    try:
        graph = onnx.load(path).graph
    except OSError as error:
        raise FileNotFoundError(f"add_onnx_graph: cannot read {os.fspath(path)!r}: {error}") from error
    except Exception as error:  # the protobuf parser's DecodeError: not an ONNX model
        raise ValueError(f"add_onnx_graph: {os.fspath(path)!r} is not an ONNX model ({error})") from error
    nodes = []
    for value in [*graph.input, *graph.output]:
        dims = [
            tensor_shape_pb2.TensorShapeProto.Dim(size=d.dim_value) for d in value.type.tensor_type.shape.dim
        ]
        attr = {
            "dtype": attr_value_pb2.AttrValue(type=value.type.tensor_type.elem_type),
            "shape": attr_value_pb2.AttrValue(shape=tensor_shape_pb2.TensorShapeProto(dim=dims)),
        }
        nodes.append(node_def_pb2.NodeDef(name=value.name, op="Variable", input=[], attr=attr))
    for node in graph.node:
        described = ", ".join(" = ".join(str(f[1]) for f in a.ListFields()) for a in node.attribute)
        attr = {"parameters": attr_value_pb2.AttrValue(s=described.encode("utf-8"))}
        nodes.append(node_def_pb2.NodeDef(name=node.output[0], op=node.op_type, input=node.input, attr=attr))
    return graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))
