"""Reading TensorBoard event files back, for the SummaryWriter tests (tensorboard's own readers)."""

from __future__ import annotations

from pathlib import Path

from tensorboard.backend.event_processing import event_accumulator
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

KINDS = [
    event_accumulator.SCALARS,
    event_accumulator.HISTOGRAMS,
    event_accumulator.IMAGES,
    event_accumulator.AUDIO,
    event_accumulator.TENSORS,
]


def read(folder: Path) -> event_accumulator.EventAccumulator:
    """Every event of the folder's files, nothing sampled away."""
    accumulator = event_accumulator.EventAccumulator(str(folder), size_guidance={kind: 0 for kind in KINDS})
    accumulator.Reload()
    return accumulator


def raw_events(folder: Path) -> list:
    """The folder's events as the loader reads them, in file order."""
    files = sorted(folder.glob("events.out.tfevents.*"))
    return [event for path in files for event in EventFileLoader(str(path)).Load()]
