"""``tt.utils.tensorboard.SummaryWriter``: what it writes, read back by TensorBoard's own readers.

Every test writes event files and reads them with ``tensorboard``'s
``EventAccumulator`` (or its raw ``EventFileLoader``), then checks tags, steps
and values against what was logged: expected values are worked out here from
the inputs (TensorBoard's bucket edges, a PNG's pixels, a PR table by counting).
Needs ``tinytorch[tensorboard]``: the ``tests`` and ``tests-beyond-modules``
nox sessions install it (and ``plot``, for ``add_figure``'s matplotlib).
"""

from __future__ import annotations

import io
import os
import sys
import threading

import numpy as np
import pytest
from PIL import Image
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData
from tensorboard.util import tensor_util
from tensorboard_files import raw_events, read

import tinytorch as tt
from tinytorch.utils.tensorboard import SummaryWriter


def test_scalars_from_numbers_arrays_and_tensors_that_require_grad(tmp_path):
    w = tt.tensor([2.5], requires_grad=True)
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss", 1.25, 0)
        writer.add_scalar("loss", np.float32(0.5), 1)
        writer.add_scalar("loss", (w * 2).sum(), 2)  # a tensor in a graph: read, not refused
        writer.add_scalar("loss", np.array([[0.125]]), 3)  # one element, any shape
        writer.add_scalar("acc", 3, 5, new_style=True)
        writer.add_scalar("exact", 0.1, 0, new_style=True, double_precision=True)
    events = read(tmp_path)
    assert [(e.step, e.value) for e in events.Scalars("loss")] == [(0, 1.25), (1, 0.5), (2, 5.0), (3, 0.125)]
    (acc,) = events.Tensors("acc")
    assert acc.step == 5 and tensor_util.make_ndarray(acc.tensor_proto) == np.float32(3.0)
    assert events.SummaryMetadata("acc").plugin_data.plugin_name == "scalars"
    assert tensor_util.make_ndarray(events.Tensors("exact")[0].tensor_proto) == 0.1  # float64, not rounded


def test_a_scalar_needs_one_value_and_a_str_tag(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(
            ValueError, match=r"add_scalar: 'loss' needs one value, got 3 values \(shape \(3,\)\)"
        ):
            writer.add_scalar("loss", tt.tensor([1.0, 2.0, 3.0]), 0)
        with pytest.raises(TypeError, match="add_scalar: tag must be a str, got int"):
            writer.add_scalar(3, 1.0)
        with pytest.raises(TypeError, match="expected a tensor, a NumPy array or a number, got list"):
            writer.add_scalar("loss", [1.0])
    assert read(tmp_path).Tags()["scalars"] == []


def test_add_scalars_writes_one_run_per_key_under_the_main_tag(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(3):
            writer.add_scalars("lr/sched", {"train": step * 1.0, "val": tt.tensor(step + 0.5)}, step)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["lr_sched_train", "lr_sched_val"]
    train, val = read(tmp_path / "lr_sched_train"), read(tmp_path / "lr_sched_val")
    assert [(e.step, e.value) for e in train.Scalars("lr/sched")] == [(0, 0.0), (1, 1.0), (2, 2.0)]
    assert [e.value for e in val.Scalars("lr/sched")] == [0.5, 1.5, 2.5]


def test_add_scalars_refuses_junk_and_stamps_every_run_with_one_wall_time(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(TypeError, match="^add_scalars: tag must be a str, got int$"):
            writer.add_scalars(3, {"a": 1.0})
        with pytest.raises(TypeError, match="^add_scalars: tag_scalar_dict must be a dict, got list$"):
            writer.add_scalars("t", [1.0])
        writer.add_scalars("now", {"a": 1.0, "b": 2.0, "c": 3.0}, 0)
        writer.add_scalars("then", {"a": 1.0}, 1, walltime=12.5)
    times = {read(tmp_path / f"now_{key}").Scalars("now")[0].wall_time for key in "abc"}
    assert len(times) == 1  # one time for the call, as PyTorch
    assert read(tmp_path / "then_a").Scalars("then")[0].wall_time == 12.5


@pytest.mark.parametrize(
    "method",
    [
        "add_histogram",
        "add_image",
        "add_images",
        "add_text",
        "add_pr_curve",
        "add_video",
        "add_audio",
        "add_mesh",
    ],
)
def test_every_method_refuses_a_tag_that_is_not_a_str(tmp_path, method):
    data = {"add_text": ("x",), "add_pr_curve": (np.ones(2), np.ones(2)), "add_mesh": (np.ones((1, 3, 3)),)}
    with (
        SummaryWriter(tmp_path) as writer,
        pytest.raises(TypeError, match=f"^{method}: tag must be a str, got int$"),
    ):
        getattr(writer, method)(3, *data.get(method, (np.ones((1, 1, 3, 2, 2)),)))


def tensorflow_edges() -> np.ndarray:
    """TensorBoard's default bucket edges: ±1e-12 · 1.1^k below 1e20, and 0."""
    positive = 1e-12 * 1.1 ** np.arange(int(np.log(1e32) / np.log(1.1)) + 1)
    positive = positive[positive < 1e20]
    return np.concatenate([-positive[::-1], [0.0], positive])


def expected_histogram(values: np.ndarray, edges: np.ndarray) -> tuple[list, list]:
    """Buckets from the one before the first used to the last used: right edges and counts."""
    counts, edges = np.histogram(values, bins=edges)
    used = np.flatnonzero(counts)
    first, last = used[0], used[-1]
    return edges[first : last + 2], [0, *counts[first : last + 1]]


def test_histograms_default_bins_numpy_bins_and_max_bins(tmp_path):
    rng = np.random.default_rng(0)
    values = rng.normal(size=500)
    uniform = rng.random(400)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("w", tt.tensor(values, requires_grad=True), 3)
        writer.add_histogram("auto", values, 4, bins="auto")
        writer.add_histogram("merged", uniform, 5, bins=np.linspace(0, 1, 21), max_bins=6)
    events = read(tmp_path)
    (w,) = events.Histograms("w")
    limits, counts = expected_histogram(values, tensorflow_edges())
    assert w.step == 3 and w.histogram_value.bucket == counts
    np.testing.assert_allclose(w.histogram_value.bucket_limit, limits, rtol=1e-12)
    hist = w.histogram_value
    assert (hist.min, hist.max, hist.num) == (values.min(), values.max(), 500)
    np.testing.assert_allclose([hist.sum, hist.sum_squares], [values.sum(), (values**2).sum()], rtol=1e-12)
    limits, counts = expected_histogram(values, np.histogram_bin_edges(values, "auto"))
    assert events.Histograms("auto")[0].histogram_value.bucket == counts
    assert events.Histograms("auto")[0].histogram_value.bucket_limit == limits.tolist()
    merged = events.Histograms("merged")[0].histogram_value  # 20 buckets in groups of 20 // 6 = 3
    fine, _ = np.histogram(uniform, bins=np.linspace(0, 1, 21))
    assert merged.bucket == [0, *np.add.reduceat(fine, range(0, 20, 3))]
    np.testing.assert_allclose(merged.bucket_limit, [0.0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.0])


@pytest.mark.parametrize(
    "values",
    [[0.5], [0.5, 1.5], [1.5], [1.5, 2.5], [2.5]],  # the first used bucket and the last, each place
)
def test_only_the_used_buckets_are_kept_and_one_empty_before_them(tmp_path, values):
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("h", np.array(values), bins=edges)
    hist = read(tmp_path).Histograms("h")[0].histogram_value
    limits, counts = expected_histogram(np.array(values), edges)
    assert (hist.bucket_limit, hist.bucket) == (limits.tolist(), counts)


def test_default_bins_end_below_1e20_and_values_beyond_are_not_in_a_bucket(tmp_path):
    values = np.array([1.0, 1.5e20, -3.0])  # as PyTorch: counted in num, min and max, in no bucket
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("wide", values)
    hist = read(tmp_path).Histograms("wide")[0].histogram_value
    assert (hist.num, hist.max, sum(hist.bucket)) == (3, 1.5e20, 2)
    edges = tensorflow_edges()
    assert edges[-1] < 1e20 < edges[-1] * 1.1
    np.testing.assert_allclose(hist.bucket_limit[-1], edges[np.searchsorted(edges, 1.0)], rtol=1e-12)


def test_a_histogram_of_nothing_or_of_nan_is_refused(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="add_histogram: 'w' has no values"):
            writer.add_histogram("w", np.zeros(0))
        with pytest.raises(ValueError, match="add_histogram: 'w' holds NaN or infinite values"):
            writer.add_histogram("w", np.array([1.0, np.nan]))


def pixels(image_event) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(image_event.encoded_image_string)))


def test_images_in_every_layout_scaled_clipped_and_tiled(tmp_path):
    rng = np.random.default_rng(1)
    chw = rng.random((3, 4, 5)).astype(np.float32)
    chw[0, 0, :2] = [-0.5, 1.5]  # clipped to 0 and 255
    # floats scaled by 255, clipped and truncated to uint8 (PyTorch's rule)
    rgb = np.floor(np.clip(chw.transpose(1, 2, 0) * np.float32(255), 0, 255))
    gray = (np.arange(20, dtype=np.uint8) * 10).reshape(4, 5)
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("chw", tt.tensor(chw, requires_grad=True), 1)
        writer.add_image("hwc", chw.transpose(1, 2, 0), 1, dataformats="HWC")
        writer.add_image("hw", gray, 1, dataformats="HW")
        writer.add_image("hw1", gray[..., None], 1, dataformats="HWC")
        writer.add_images("batch", np.stack([gray[None]] * 10), 2)  # NCHW, one channel: 8 a row
        writer.add_images("nhwc", np.stack([chw.transpose(1, 2, 0)] * 2), 2, dataformats="NHWC")
    events = read(tmp_path)
    for tag in ("chw", "hwc"):
        (image,) = events.Images(tag)
        assert (image.step, image.width, image.height) == (1, 5, 4)
        assert (pixels(image) == rgb).all() and pixels(image)[0, 0, 0] == 0 and pixels(image)[0, 1, 0] == 255
    for tag in ("hw", "hw1"):
        (image,) = events.Images(tag)
        assert pixels(image).shape == (4, 5, 3) and image.width == 5  # gray in R, G and B; uint8 as is
        assert (pixels(image) == gray[..., None]).all()
    batch = pixels(events.Images("batch")[0])
    assert batch.shape == (8, 40, 3) and (batch[:4, 35:40, 1] == gray).all() and (batch[4:, 10:] == 0).all()
    assert (batch[4:, :5, 2] == gray).all()  # the ninth image starts the second row
    nhwc = events.Images("nhwc")[0]
    assert (nhwc.width, nhwc.height) == (10, 4) and (pixels(nhwc)[:, 5:] == pixels(nhwc)[:, :5]).all()


@pytest.mark.parametrize("channels", [2, 4])
def test_gray_with_alpha_and_rgba_images_keep_their_channels(tmp_path, channels):
    hwc = np.random.default_rng(channels).integers(0, 256, (3, 2, channels)).astype(np.uint8)
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("alpha", hwc, 0, dataformats="HWC")
    (image,) = read(tmp_path).Images("alpha")
    assert (pixels(image) == hwc).all()  # PNG "LA" and "RGBA", as PyTorch's writer makes them


@pytest.mark.parametrize(
    ("shape", "dataformats", "message"),
    [
        ((3, 4, 5), "CHWX", r"dataformats 'CHWX' is not a layout of NCHW, CHW or HW"),
        ((3, 4, 5), "CCW", r"dataformats 'CCW' is not a layout"),
        ((4, 5), "CHW", r"dataformats 'CHW' needs a 3-d image, got shape \(4, 5\)"),
        ((4, 5, 5), "HWC", r"an image needs 1 to 4 channels, got 5 \(shape \(4, 5, 5\)\)"),
        ((0, 4, 5), "CHW", r"an image needs 1 to 4 channels, got 0"),
        ((2, 2, 4, 5), "NCHW", r"images need 1 or 3 channels, got 2"),
    ],
)
def test_wrong_dataformats_are_refused(tmp_path, shape, dataformats, message):
    with SummaryWriter(tmp_path) as writer, pytest.raises(ValueError, match=message):
        writer.add_image("bad", np.zeros(shape, dtype=np.float32), dataformats=dataformats)


def test_add_figure_renders_matplotlib_figures(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(2, 1), dpi=50)
    figure.patch.set_facecolor((1.0, 0.0, 0.0))
    with SummaryWriter(tmp_path) as writer:
        writer.add_figure("fig", figure, 4)
        writer.add_figure("figs", [plt.figure(figsize=(1, 1), dpi=30), plt.figure(figsize=(1, 1), dpi=30)], 4)
    (image,) = read(tmp_path).Images("fig")
    assert (image.step, image.width, image.height) == (4, 100, 50)
    assert (pixels(image) == [255, 0, 0]).all()
    assert (read(tmp_path).Images("figs")[0].width, read(tmp_path).Images("figs")[0].height) == (60, 30)
    assert not plt.fignum_exists(figure.number)  # close=True closes it


def test_text(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_text("notes", "lr **0.1** — ok", 7)
        with pytest.raises(TypeError, match="add_text: text_string must be a str, got float"):
            writer.add_text("notes", 0.5)
    events = read(tmp_path)
    (text,) = events.Tensors("notes/text_summary")
    assert text.step == 7
    assert tensor_util.make_ndarray(text.tensor_proto).tolist() == ["lr **0.1** — ok".encode()]
    plugin = events.SummaryMetadata("notes/text_summary").plugin_data
    assert plugin.plugin_name == "text" and TextPluginData.FromString(plugin.content).version == 0


def test_pr_curve_counts_each_threshold(tmp_path):
    labels = np.array([0, 1, 0, 1, 1, 1])
    predictions = np.array([0.1, 0.3, 0.6, 0.9, 0.55, 0.05])
    weights = np.array([2.0, 2.0, 0.5, 1.0, 0.5, 1.5])
    with SummaryWriter(tmp_path) as writer:
        writer.add_pr_curve("pr", tt.tensor(labels), tt.tensor(predictions), 2, num_thresholds=5)
        writer.add_pr_curve("weighted", labels, predictions, 2, num_thresholds=5, weights=weights)
        writer.add_pr_curve("many", labels, predictions, 2, num_thresholds=500)  # at most 127, as PyTorch
        writer.add_pr_curve("one", labels, predictions, 2, num_thresholds=1)  # one threshold: 0
        writer.add_pr_curve("beyond", np.array([1, 1]), np.array([0.5, 1.3]), 2, num_thresholds=5)
        with pytest.raises(ValueError, match="^add_pr_curve: num_thresholds must be at least 1, got 0$"):
            writer.add_pr_curve("bad", labels, predictions, num_thresholds=0)
        with pytest.raises(ValueError, match=r"labels \(6,\) and predictions \(4,\) differ in shape"):
            writer.add_pr_curve("bad", labels, predictions[:4])
        for junk in [(None, predictions), (labels, "abc")]:
            with pytest.raises(
                TypeError, match="^add_pr_curve: expected a tensor, a NumPy array or a number"
            ):
                writer.add_pr_curve("bad", *junk)
    events = read(tmp_path)
    for tag, weight in [("pr", np.ones(6)), ("weighted", weights)]:
        (curve,) = events.Tensors(tag)
        table = tensor_util.make_ndarray(curve.tensor_proto)
        above = predictions[None, :] >= np.linspace(0, 1, 5)[:, None]  # a point counts at thresholds ≤ it
        tp = (above * labels * weight).sum(axis=1)
        fp = (above * (1 - labels) * weight).sum(axis=1)
        tn, fn = fp[0] - fp, tp[0] - tp
        precision, recall = tp / np.maximum(tp + fp, 1e-7), tp / (tp + fn)
        np.testing.assert_allclose(table, np.stack([tp, fp, tn, fn, precision, recall]), rtol=1e-6)
    assert events.SummaryMetadata("pr").plugin_data.plugin_name == "pr_curves"
    for tag, count in [("pr", 5), ("many", 127)]:
        content = events.SummaryMetadata(tag).plugin_data.content
        assert PrCurvePluginData.FromString(content).num_thresholds == count
        assert PrCurvePluginData.FromString(content).version == 0  # the version PyTorch writes
    many = tensor_util.make_ndarray(events.Tensors("many")[0].tensor_proto)
    one = tensor_util.make_ndarray(events.Tensors("one")[0].tensor_proto)
    beyond = tensor_util.make_ndarray(events.Tensors("beyond")[0].tensor_proto)
    assert beyond[0].tolist() == [1, 1, 1, 0, 0]  # a prediction past 1 is in no bucket, as in PyTorch
    np.testing.assert_allclose(one, [[4], [2], [0], [0], [4 / 6], [1]])  # everything counts at threshold 0
    assert many.shape == (6, 127) and many[0, 0] == 4 and many[0, 64] == 2  # TP at 0 and at 64 / 126


def test_hparams_write_a_run_with_the_plugin_data_and_the_metrics(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams(
            {"lr": 0.01, "opt": "adam", "layers": tt.tensor([3]), "skip": None},
            {"hparam/loss": tt.tensor(0.25, requires_grad=True)},
            hparam_domain_discrete={"opt": ["adam", "sgd"]},
            run_name="trial",
        )
        with pytest.raises(TypeError, match="hparam_dict and metric_dict should be dictionaries"):
            writer.add_hparams([("lr", 0.1)], {})
        with pytest.raises(TypeError, match=r"hparam_domain_discrete\['opt'\] should be of"):
            writer.add_hparams({"opt": "adam"}, {}, hparam_domain_discrete={"opt": [1, 2]})
        with pytest.raises(ValueError, match="'sizes' is a list; values should be int, float, str, bool"):
            writer.add_hparams({"sizes": [1, 2]}, {})
    run = tmp_path / "trial"
    plugin = {}
    for event in raw_events(run):
        for value in event.summary.value:
            if value.metadata.plugin_data.plugin_name == "hparams":
                plugin[value.tag] = plugin_data_pb2.HParamsPluginData.FromString(
                    value.metadata.plugin_data.content
                )
    experiment = plugin["_hparams_/experiment"].experiment
    assert [(h.name, h.type) for h in experiment.hparam_infos] == [("lr", 3), ("opt", 1), ("layers", 3)]
    assert [v.string_value for v in experiment.hparam_infos[1].domain_discrete.values] == ["adam", "sgd"]
    assert [m.name.tag for m in experiment.metric_infos] == ["hparam/loss"]
    start = plugin["_hparams_/session_start_info"].session_start_info.hparams
    assert [start["lr"].number_value, start["opt"].string_value, start["layers"].number_value] == [
        0.01,
        "adam",
        3,
    ]
    assert "skip" not in start and plugin["_hparams_/session_end_info"].session_end_info.status == 1
    assert [e.value for e in read(run).Scalars("hparam/loss")] == [0.25]


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        (["adam"], "hparam_domain_discrete should be a dictionary"),
        ({"opt": "adam"}, r"hparam_domain_discrete\['opt'\] should be a list of values of 'opt'"),
        ({"lr": [0.1]}, r"hparam_domain_discrete\['lr'\] should be a list of values of 'lr'"),  # not a hparam
    ],
)
def test_hparam_domains_that_do_not_fit_are_refused(tmp_path, domain, message):
    with SummaryWriter(tmp_path) as writer, pytest.raises(TypeError, match=f"^add_hparams: {message}$"):
        writer.add_hparams({"opt": "adam"}, {}, hparam_domain_discrete=domain)


def test_a_tensor_hparam_is_its_first_value(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams({"sizes": tt.tensor([2.0, 9.0])}, {}, run_name="t")  # PyTorch: make_np(v)[0]
    for event in raw_events(tmp_path / "t"):
        for value in event.summary.value:
            if value.tag == "_hparams_/session_start_info":
                content = plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)
                assert content.session_start_info.hparams["sizes"].number_value == 2.0
                return
    raise AssertionError("no session_start_info written")


def test_purge_step_flush_close_and_reopen(tmp_path):
    writer = SummaryWriter(tmp_path, purge_step=10, flush_secs=1000, max_queue=100, filename_suffix=".x")
    writer.add_scalar("loss", 1.0, 10)
    writer.flush()
    events = raw_events(tmp_path)
    assert [e.file_version for e in events[:2]] == ["brain.Event:2", "brain.Event:2"]
    assert events[2].step == 10 and events[2].session_log.status == events[2].session_log.START
    assert [(e.step, tensor_util.make_ndarray(e.summary.value[0].tensor)) for e in events[3:]] == [(10, 1.0)]
    assert all(name.endswith(".x") for name in os.listdir(tmp_path))
    writer.close()
    writer.close()  # twice is harmless
    writer.add_scalar("loss", 2.0, 11)  # a new event file, without the purge events again
    writer.close()
    assert len(os.listdir(tmp_path)) == 2
    assert [(e.step, e.value) for e in read(tmp_path).Scalars("loss")] == [(10, 1.0), (11, 2.0)]
    assert writer.get_logdir() == tmp_path


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"log_dir": 3}, TypeError, "log_dir must be a path \\(str or os.PathLike\\), got int"),
        ({"comment": None}, TypeError, "comment must be a str, got NoneType"),
        ({"filename_suffix": 1}, TypeError, "filename_suffix must be a str, got int"),
        ({"purge_step": -1}, ValueError, "purge_step must be a non-negative int, got -1"),
        ({"purge_step": 2.0}, ValueError, "purge_step must be a non-negative int, got 2.0"),
        ({"max_queue": True}, ValueError, "max_queue must be a non-negative int, got True"),
        ({"max_queue": None}, ValueError, "max_queue must be a non-negative int, got None"),
        ({"flush_secs": 0}, ValueError, "flush_secs must be a positive number of seconds, got 0"),
        ({"flush_secs": "5"}, ValueError, "flush_secs must be a positive number of seconds, got '5'"),
    ],
)
def test_bad_options_are_refused_by_name(tmp_path, options, error, message):
    with pytest.raises(error, match=f"^SummaryWriter: {message}$"):
        SummaryWriter(**{"log_dir": tmp_path / "run", **options})
    assert not (tmp_path / "run").exists()


def test_zero_is_a_purge_step_and_a_queue_size_and_close_ends_the_writer_thread(tmp_path):
    threads = threading.active_count()
    with SummaryWriter(tmp_path, purge_step=0, max_queue=0, flush_secs=0.5) as writer:
        writer.add_scalar("loss", 1.0, 0)
        assert threading.active_count() == threads + 1  # TensorBoard's background writer
    assert threading.active_count() == threads
    events = raw_events(tmp_path)
    assert events[2].step == 0 and events[2].session_log.status == events[2].session_log.START


def test_steps_and_wall_times_are_numbers(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("x", 1.0, np.int64(4), walltime=np.float32(12.5))
        writer.add_scalar("x", 2.0, tt.tensor(5), walltime=20)
        for name in ("global_step", "walltime"):
            with pytest.raises(TypeError, match=f"^SummaryWriter: {name} must be a number, got str$"):
                writer.add_scalar("x", 3.0, **{name: "6"})
            with pytest.raises(TypeError, match=f"^SummaryWriter: {name} must be a number, got list$"):
                writer.add_scalar("x", 3.0, **{name: [6]})
    assert [(e.step, e.wall_time, e.value) for e in read(tmp_path).Scalars("x")] == [
        (4, 12.5, 1.0),
        (5, 20.0, 2.0),
    ]


def test_the_default_log_dir_is_runs_time_host_comment(tmp_path, monkeypatch):
    import socket
    from datetime import datetime

    monkeypatch.chdir(tmp_path)
    before = datetime.now().replace(microsecond=0)
    with SummaryWriter(comment="_lr0.1") as writer:
        folder, name = os.path.split(writer.get_logdir())
    assert folder == "runs" and name.endswith(f"_{socket.gethostname()}_lr0.1")
    stamp = datetime.strptime(name[:14], "%b%d_%H-%M-%S").replace(year=before.year)
    assert 0 <= (stamp - before).total_seconds() <= 60 and (tmp_path / "runs" / name).is_dir()


def test_without_tensorboard_a_writer_says_how_to_install_it(tmp_path, monkeypatch):
    for name in [name for name in sys.modules if name == "tensorboard" or name.startswith("tensorboard.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(
        ImportError, match=r"needs the tensorboard package: pip install 'tinytorch\[tensorboard\]'"
    ):
        SummaryWriter(tmp_path)
    assert tt.utils.tensorboard.SummaryWriter is SummaryWriter  # the module itself imports without it
