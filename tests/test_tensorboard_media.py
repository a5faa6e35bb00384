"""``SummaryWriter``'s videos, audio, meshes, custom-scalar layouts and ONNX graphs, read back by TensorBoard.

As in ``test_tensorboard.py``: event files are read with ``tensorboard``'s
``EventAccumulator`` (or its raw loader) and the values are worked out here
from the inputs: a GIF's frames decoded by Pillow, a WAV's samples by ``wave``,
the mesh and custom-scalars plugins' protos by the plugins' own parsers.
"""

from __future__ import annotations

import io
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence
from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.mesh import metadata as mesh_metadata
from tensorboard.plugins.mesh.plugin_data_pb2 import MeshPluginData
from tensorboard.util import tensor_util
from tensorboard_files import read

import tinytorch as tt
from tinytorch.utils.tensorboard import SummaryWriter


def summary_values(folder: Path) -> dict:
    """Each summary value of the folder's event files, by tag (the raw protos, colorspace included)."""
    values = {}
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for record in RawEventFileLoader(str(path)).Load():  # not migrated: images keep their colorspace
            event = Event.FromString(record)
            values.update({value.tag: value for value in event.summary.value})
    return values


def gif_frames(encoded: bytes) -> list:
    """``(pixels, duration in ms, loop)`` of each frame of a GIF."""
    gif = Image.open(io.BytesIO(encoded))
    loop = gif.info.get("loop")
    return [(np.asarray(f.convert("RGB")), f.info.get("duration"), loop) for f in ImageSequence.Iterator(gif)]


def test_add_video_tiles_the_batch_into_the_frames_of_a_gif(tmp_path):
    rng = np.random.default_rng(0)
    colors = rng.integers(0, 256, (3, 4, 3, 6, 5)).astype(np.uint8)  # 3 videos: padded to 4, one row
    gray = rng.random((4, 2, 1, 3, 2))  # 4 videos: 2 × 2; floats in [0, 1]
    with SummaryWriter(tmp_path) as writer:
        writer.add_video("colors", colors, 1, fps=5)
        writer.add_video("gray", tt.tensor(gray, requires_grad=True), 2)
    events, raw = read(tmp_path), summary_values(tmp_path)
    (image,) = events.Images("colors")
    assert (image.step, image.width, image.height, raw["colors"].image.colorspace) == (1, 20, 6, 3)
    frames = gif_frames(image.encoded_image_string)
    assert len(frames) == 4 and {(duration, loop) for _, duration, loop in frames} == {(200, 0)}
    for t, (pixels, _, _) in enumerate(frames):
        for n in range(3):
            assert (pixels[:, 5 * n : 5 * n + 5] == colors[n, t].transpose(1, 2, 0)).all()
        assert (pixels[:, 15:] == 0).all()  # the padding video is black
    (image,) = events.Images("gray")
    assert (image.step, image.width, image.height, raw["gray"].image.colorspace) == (2, 4, 6, 1)
    frames = gif_frames(image.encoded_image_string)
    assert [duration for _, duration, _ in frames] == [250, 250]  # fps 4 by default
    expected = np.floor(gray * 255)  # scaled by 255 and truncated, as images
    for t, (pixels, _, _) in enumerate(frames):
        for n in range(4):
            tile = pixels[3 * (n // 2) : 3 * (n // 2) + 3, 2 * (n % 2) : 2 * (n % 2) + 2]
            assert (tile == expected[n, t, 0][..., None]).all()


@pytest.mark.parametrize(
    ("video", "fps", "error", "message"),
    [
        (
            np.zeros((2, 3, 4, 4)),
            4,
            ValueError,
            r"vid_tensor must be 5-d \(N, T, C, H, W\), got shape \(2, 3, 4, 4\)",
        ),
        (np.zeros((1, 2, 2, 4, 4)), 4, ValueError, "a video needs 1 or 3 channels, got 2"),
        (np.zeros((1, 0, 3, 4, 4)), 4, ValueError, r"vid_tensor has no pixels \(shape \(1, 0, 3, 4, 4\)\)"),
        (np.zeros((1, 1, 3, 4, 4), dtype=complex), 4, TypeError, "vid_tensor must hold real numbers"),
        (np.zeros((1, 1, 3, 4, 4)), 0, ValueError, "fps must be a positive number, got 0"),
        (np.zeros((1, 1, 3, 4, 4)), "4", ValueError, "fps must be a positive number, got '4'"),
    ],
)
def test_bad_videos_are_refused(tmp_path, video, fps, error, message):
    with SummaryWriter(tmp_path) as writer, pytest.raises(error, match=f"^add_video: {message}"):
        writer.add_video("v", video, fps=fps)


def wav_samples(audio) -> tuple[np.ndarray, tuple]:
    with wave.open(io.BytesIO(audio.encoded_audio_string)) as wav:
        shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes())
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2"), shape


def test_add_audio_writes_a_16_bit_wav_clipped_to_one(tmp_path, capsys):
    sound = np.sin(np.linspace(0, 40, 300)) * 1.25
    quiet = np.linspace(-0.5, 0.75, 40)
    with SummaryWriter(tmp_path) as writer:
        writer.add_audio("loud", tt.tensor(sound[None]), 3, sample_rate=8000)
        assert capsys.readouterr().out == "warning: audio amplitude out of range, auto clipped.\n"
        writer.add_audio("quiet", quiet, 4)
        assert capsys.readouterr().out == ""
    events = read(tmp_path)
    for tag, values, rate, step in [("loud", sound, 8000, 3), ("quiet", quiet, 44100, 4)]:
        (audio,) = events.Audio(tag)
        assert (audio.step, audio.sample_rate, audio.length_frames) == (step, rate, values.size)
        assert audio.content_type == "audio/wav"
        samples, shape = wav_samples(audio)
        assert shape == (1, 2, rate, values.size)
        np.testing.assert_array_equal(samples, np.trunc(np.clip(values, -1, 1) * 32767))  # toward zero


@pytest.mark.parametrize(
    ("sound", "rate", "message"),
    [
        (
            np.zeros((2, 10)),
            8000,
            r"one channel of samples \(shape \(1, L\) or \(L,\), L > 0\), got shape \(2, 10\)$",
        ),
        (np.zeros((1, 0)), 8000, r"snd_tensor must hold one channel of samples .* got shape \(1, 0\)"),
        (np.array([0.5, np.nan]), 8000, "'a' holds NaN or infinite samples"),
        (np.array(["a", "b"]), 8000, "snd_tensor must hold real numbers, got dtype <U1"),
        (np.zeros(4), -1, "sample_rate must be a positive number, got -1"),
        (np.zeros(4), None, "sample_rate must be a positive number, got None"),
    ],
)
def test_bad_audio_is_refused(tmp_path, sound, rate, message):
    with (
        SummaryWriter(tmp_path) as writer,
        pytest.raises((ValueError, TypeError), match=f"^add_audio: (snd_tensor must hold )?{message}"),
    ):
        writer.add_audio("a", sound, sample_rate=rate)


def test_add_mesh_writes_vertices_faces_and_colors_for_the_mesh_plugin(tmp_path):
    vertices = np.array([[[1, 1, 1], [-1, -1, 1], [1, -1, -1], [-1, 1, -1]]], dtype=np.float32)
    colors = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 0, 255]]], dtype=np.uint8)
    faces = np.array([[[0, 2, 3], [0, 3, 1], [0, 1, 2], [1, 3, 2]]])
    config = {"camera": {"cls": "PerspectiveCamera", "fov": 75}, "a": 1}
    cloud = np.random.default_rng(3).normal(size=(2, 5, 3))
    with SummaryWriter(tmp_path) as writer:
        writer.add_mesh(
            "tetra", tt.tensor(vertices), colors=colors, faces=faces, config_dict=config, global_step=4
        )
        writer.add_mesh("cloud", cloud, global_step=5)
    events = read(tmp_path)
    every = (1 << MeshPluginData.VERTEX) | (1 << MeshPluginData.FACE) | (1 << MeshPluginData.COLOR)
    for tag, values, kind, components, step, json_config in [
        ("tetra_VERTEX", vertices, MeshPluginData.VERTEX, every, 4, '{"a": 1, "camera": {"cls": "Perspe'),
        ("tetra_FACE", faces, MeshPluginData.FACE, every, 4, '{"a": 1, "camera"'),
        ("tetra_COLOR", colors, MeshPluginData.COLOR, every, 4, '{"a": 1, "camera"'),
        ("cloud_VERTEX", cloud, MeshPluginData.VERTEX, 1 << MeshPluginData.VERTEX, 5, "{}"),
    ]:
        (event,) = events.Tensors(tag)
        assert event.step == step
        np.testing.assert_array_equal(tensor_util.make_ndarray(event.tensor_proto), values.astype(np.float32))
        plugin = events.SummaryMetadata(tag).plugin_data
        data = mesh_metadata.parse_plugin_metadata(plugin.content)
        assert plugin.plugin_name == "mesh" and data.name == tag.rsplit("_", 1)[0]
        assert (data.content_type, data.components, list(data.shape)) == (
            kind,
            components,
            list(values.shape),
        )
        assert data.json_config.startswith(json_config)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"vertices": np.zeros((4, 3))}, ValueError, r"vertices must have shape \(B, N, 3\), got \(4, 3\)"),
        ({"vertices": np.zeros((1, 4, 2))}, ValueError, r"vertices must have shape \(B, N, 3\)"),
        ({"faces": np.zeros((1, 4))}, ValueError, r"faces must have shape \(B, N, 3\), got \(1, 4\)"),
        ({"colors": np.zeros((1, 4, 3), dtype=object)}, TypeError, "colors must hold real numbers"),
        ({"config_dict": "{}"}, TypeError, "config_dict must be a dict, got str"),
        ({"vertices": None}, TypeError, r"vertices must be a \(B, N, 3\) tensor or array, got None"),
    ],
)
def test_bad_meshes_are_refused(tmp_path, arguments, error, message):
    with SummaryWriter(tmp_path) as writer, pytest.raises(error, match=f"^add_mesh: {message}"):
        writer.add_mesh("m", **{"vertices": np.zeros((1, 4, 3)), **arguments})


def layouts(folder: Path) -> list:
    events = read(folder)
    assert events.SummaryMetadata("custom_scalars__config__").plugin_data.plugin_name == "custom_scalars"
    return [
        layout_pb2.Layout.FromString(tensor_util.make_ndarray(event.tensor_proto).item())
        for event in events.Tensors("custom_scalars__config__")
    ]


def test_custom_scalar_layouts_of_multiline_and_margin_charts(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_custom_scalars(
            {
                "Taiwan": {"twse": ["Multiline", ["twse/0050", "twse/2330"]]},
                "USA": {"dow": ["Margin", ["dow/a", "dow/lo", "dow/hi"]], "nasdaq": ["Multiline", ["n/a"]]},
            }
        )
        writer.add_custom_scalars_multilinechart(["a", "b"], category="loss", title="both")
        writer.add_custom_scalars_marginchart(["m", "low", "high"])
    full, multiline, margin = layouts(tmp_path)
    assert [(c.title, [chart.title for chart in c.chart]) for c in full.category] == [
        ("Taiwan", ["twse"]),
        ("USA", ["dow", "nasdaq"]),
    ]
    assert list(full.category[0].chart[0].multiline.tag) == ["twse/0050", "twse/2330"]
    (series,) = full.category[1].chart[0].margin.series
    assert (series.value, series.lower, series.upper) == ("dow/a", "dow/lo", "dow/hi")
    assert list(full.category[1].chart[1].multiline.tag) == ["n/a"]
    assert (multiline.category[0].title, multiline.category[0].chart[0].title) == ("loss", "both")
    assert list(multiline.category[0].chart[0].multiline.tag) == ["a", "b"]
    assert (margin.category[0].title, margin.category[0].chart[0].title) == ("default", "untitled")
    (series,) = margin.category[0].chart[0].margin.series
    assert (series.value, series.lower, series.upper) == ("m", "low", "high")


@pytest.mark.parametrize(
    ("layout", "error", "message"),
    [
        ([("c", {})], TypeError, "layout must be a dict, got list"),
        ({"c": ["Multiline", ["a"]]}, TypeError, r"layout\['c'\] must be a dict of charts, got list"),
        (
            {"c": {"t": ["Bars", ["a"]]}},
            ValueError,
            r"chart 't' must be \['Multiline', tags\] or \['Margin', tags\]",
        ),
        ({"c": {"t": ["Multiline"]}}, ValueError, r"chart 't' must be \['Multiline', tags\]"),
        ({"c": {"t": "Multiline"}}, ValueError, r"chart 't' must be"),
        ({"c": {"t": ["Multiline", "a"]}}, TypeError, r"chart 't' needs a list of str tags, got 'a'"),
        ({"c": {"t": ["Multiline", ["a", 2]]}}, TypeError, r"chart 't' needs a list of str tags"),
        (
            {"c": {"t": ["Margin", ["a", "b"]]}},
            ValueError,
            r"margin chart 't' needs 3 tags \(value, lower, upper\), got 2",
        ),
    ],
)
def test_bad_layouts_are_refused(tmp_path, layout, error, message):
    with SummaryWriter(tmp_path) as writer, pytest.raises(error, match=f"^add_custom_scalars: {message}"):
        writer.add_custom_scalars(layout)


def test_add_onnx_graph_shows_an_exported_model(tmp_path):
    import onnx  # the dev and onnx extras

    path = tmp_path / "model.onnx"
    tt.onnx.export(tt.nn.Sequential(tt.nn.Linear(3, 2), tt.nn.ReLU()), (tt.randn(1, 3),), str(path))
    model = onnx.load(str(path)).graph
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_onnx_graph(path)
    nodes = read(tmp_path / "run").Graph().node
    ends = [*model.input, *model.output]
    assert [(n.name, n.op) for n in nodes] == [
        *[(v.name, "Variable") for v in ends],
        *[(node.output[0], node.op_type) for node in model.node],
    ]
    assert [list(n.input) for n in nodes[len(ends) :]] == [list(node.input) for node in model.node]
    for node, value in zip(nodes, ends):
        assert node.attr["dtype"].type == value.type.tensor_type.elem_type
        dims = [d.dim_value for d in value.type.tensor_type.shape.dim]
        assert [d.size for d in node.attr["shape"].shape.dim] == dims
    gemm = next(n for n in nodes if n.op == "Gemm")
    assert gemm.attr["parameters"].s == b"transB = 1 = 2"  # name = value = AttributeProto.INT, as PyTorch


def test_add_onnx_graph_refuses_what_is_not_an_onnx_file(tmp_path):
    (tmp_path / "junk.onnx").write_bytes(b"\xff\xff not a model")
    with SummaryWriter(tmp_path / "run") as writer:
        with pytest.raises(
            TypeError, match="^add_onnx_graph: prototxt must be a path to an ONNX file, got int$"
        ):
            writer.add_onnx_graph(3)
        with pytest.raises(FileNotFoundError, match="^add_onnx_graph: cannot read '.*missing.onnx'"):
            writer.add_onnx_graph(tmp_path / "missing.onnx")
        with pytest.raises(ValueError, match="^add_onnx_graph: '.*junk.onnx' is not an ONNX model"):
            writer.add_onnx_graph(str(tmp_path / "junk.onnx"))


def test_add_video_pads_five_videos_to_eight_and_clips_the_pixels(tmp_path):
    video = np.full((5, 1, 1, 2, 3), 0.5)
    video[0, 0, 0, 0, 0], video[0, 0, 0, 0, 1] = 1.5, -0.5  # clipped to [0, 255] once scaled, as PyTorch
    with SummaryWriter(tmp_path) as writer:
        writer.add_video("five", video, fps=10.01)  # a frame time of 99.9 ms
        writer.add_video("slow", video[:1], fps=0.5)  # fps below 1 is a positive number too
    events = read(tmp_path)
    (image,) = events.Images("five")
    assert (image.width, image.height) == (4 * 3, 2 * 2)  # 8 videos: 2 rows of 4, as PyTorch's
    ((frame, duration, _),) = gif_frames(image.encoded_image_string)
    assert duration == 90  # 1000 / fps ms, in the GIF's whole centiseconds (rounded down)
    pixels = frame[..., 0]  # (gray)
    assert (pixels[0, 0], pixels[0, 1]) == (255, 0)
    assert (pixels[0, 2:] == 127).all() and (pixels[1, :] == 127).all()  # videos 0 to 3: the first row
    assert (pixels[2:, :3] == 127).all() and (pixels[2:, 3:] == 0).all()  # video 4, then 3 black ones
    (image,) = events.Images("slow")
    assert [duration for _, duration, _ in gif_frames(image.encoded_image_string)] == [2000]


def test_add_audio_takes_a_column_and_does_not_warn_at_full_scale(tmp_path, capsys):
    full = np.array([1.0, -1.0, 0.25, 0.0])
    with SummaryWriter(tmp_path) as writer:
        writer.add_audio("column", full[:, None], sample_rate=16000)  # (L, 1): squeezed, as PyTorch
    assert capsys.readouterr().out == ""  # |x| = 1 is in range: no clipping warning
    (audio,) = read(tmp_path).Audio("column")
    assert audio.length_frames == 4
    samples, shape = wav_samples(audio)
    assert shape == (1, 2, 16000, 4)
    np.testing.assert_array_equal(samples, [32767, -32767, 8191, 0])
    assert summary_values(tmp_path)["column"].audio.num_channels == 1


def test_add_onnx_graph_without_onnx_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now fails, as when it is not installed
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ImportError, match=r"^add_onnx_graph needs the onnx package: pip install"):
            writer.add_onnx_graph(tmp_path / "model.onnx")


def test_add_onnx_graph_versions_the_graph_as_pytorch(tmp_path):
    path = tmp_path / "model.onnx"
    tt.onnx.export(tt.nn.Linear(2, 1), (tt.randn(1, 2),), str(path))
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_onnx_graph(path)
    assert read(tmp_path / "run").Graph().versions.producer == 22  # PyTorch 2.13's _onnx_graph writes 22
