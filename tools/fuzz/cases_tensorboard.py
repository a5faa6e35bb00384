"""Junk arguments for ``tinytorch.utils.tensorboard.SummaryWriter`` (needs the ``tensorboard`` extra).

Each ``add_*`` method gets each junk value as its data (and as its tag, its
step and its wall time), the constructor gets junk options, ``add_image``
gets layouts that do not fit, and the media methods junk rates, colors and
configs. Each case writes into a temporary folder of its own, removed after
it. A clear error names the method or the argument.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

from .cases_api import JUNK, Case

GROUP = "tensorboard"


def _in_writer(action: Callable[[Any], Any], **options: Any) -> Callable[[], Any]:
    def run() -> Any:
        from tinytorch.utils.tensorboard import SummaryWriter

        with (
            tempfile.TemporaryDirectory() as folder,
            SummaryWriter(**{"log_dir": folder, **options}) as writer,
        ):
            return action(writer)

    return run


def data_cases() -> list[Case]:
    calls = {
        "add_scalar": lambda w, j: w.add_scalar("tag", j),
        "add_scalars": lambda w, j: w.add_scalars("tag", j),
        "add_histogram": lambda w, j: w.add_histogram("tag", j),
        "add_image": lambda w, j: w.add_image("tag", j),
        "add_images": lambda w, j: w.add_images("tag", j),
        "add_text": lambda w, j: w.add_text("tag", j),
        "add_pr_curve": lambda w, j: w.add_pr_curve("tag", j, np.array([0.5])),
        "add_hparams": lambda w, j: w.add_hparams(j, {}),
        "add_embedding": lambda w, j: w.add_embedding(j),
        "add_graph": lambda w, j: w.add_graph(j),
        "add_video": lambda w, j: w.add_video("tag", j),
        "add_audio": lambda w, j: w.add_audio("tag", j),
        "add_mesh": lambda w, j: w.add_mesh("tag", j),
        "add_custom_scalars": lambda w, j: w.add_custom_scalars(j),
        "add_onnx_graph": lambda w, j: w.add_onnx_graph(j),
    }
    valid = {("add_scalars", "dict"), ("add_text", "str"), ("add_hparams", "dict")}  # {"a": 1}, "abc"
    cases = []
    for method, call in calls.items():
        for junk_name, junk in JUNK.items():
            if (method, junk_name) in valid:
                continue
            run = _in_writer(lambda w, c=call, j=junk: c(w, j))
            cases.append(Case(GROUP, f"{method}({junk_name})", run, (method,)))
    for junk_name, junk in JUNK.items():
        if junk_name == "str":
            continue  # "abc" is a tag
        cases.append(
            Case(
                GROUP,
                f"add_scalar(tag={junk_name})",
                _in_writer(lambda w, j=junk: w.add_scalar(j, 1.0)),
                ("tag",),
            )
        )
        if junk is not None:  # None is the default of both
            for name in ("global_step", "walltime"):
                run = _in_writer(lambda w, n=name, j=junk: w.add_scalar("tag", 1.0, **{n: j}))
                cases.append(Case(GROUP, f"add_scalar({name}={junk_name})", run, (name,)))
    return cases


def option_cases() -> list[Case]:
    cases = []
    bad = {
        "log_dir": [{"a": 1}, object(), 3],
        "comment": [None, 3],
        "purge_step": [-1, "abc", 2.5],
        "max_queue": [-1, "abc", None],
        "flush_secs": [0, -1, "abc", None],
        "filename_suffix": [None, 3],
    }
    for name, values in bad.items():
        for value in values:
            cases.append(
                Case(
                    GROUP,
                    f"SummaryWriter({name}={value!r})",
                    _in_writer(lambda w: w, **{name: value}),
                    (name,),
                )
            )
    for shape, layout in (
        ((3, 4, 5), "CHWX"),
        ((3, 4, 5), "HW"),
        ((4, 5), "CHW"),
        ((3, 4, 9), "HWC"),
        ((2, 2, 4, 5), "NCHW"),
    ):
        run = _in_writer(lambda w, s=shape, f=layout: w.add_image("tag", np.zeros(s), dataformats=f))
        cases.append(Case(GROUP, f"add_image({shape}, dataformats={layout!r})", run, ("add_image",)))
    media = {
        "add_video(fps)": lambda w, j: w.add_video("tag", np.zeros((1, 2, 3, 4, 4)), fps=j),
        "add_audio(sample_rate)": lambda w, j: w.add_audio("tag", np.zeros(8), sample_rate=j),
        "add_mesh(colors)": lambda w, j: w.add_mesh("tag", np.zeros((1, 4, 3)), colors=j),
        "add_mesh(config_dict)": lambda w, j: w.add_mesh("tag", np.zeros((1, 4, 3)), config_dict=j),
    }
    for label, call in media.items():
        for junk_name, junk in JUNK.items():
            if junk is None or (label == "add_mesh(config_dict)" and junk_name == "dict"):
                continue  # None: the default (or no colors); {"a": 1} is a config
            run = _in_writer(lambda w, c=call, j=junk: c(w, j))
            cases.append(Case(GROUP, f"{label}({junk_name})", run, (label.split("(")[0],)))
    return cases


def all_cases() -> list[Case]:
    return data_cases() + option_cases()
