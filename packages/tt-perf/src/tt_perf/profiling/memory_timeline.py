"""``torch.profiler.profile.export_memory_timeline``: the memory a recording held, over time.

While ``profile_memory=True`` records, the profiler notes the bytes ``tracemalloc``
traces (net of what it traced when the recording began) at the start and end of
every event: a point ``(microseconds from the profiler's start, bytes)``. This
module writes those points in PyTorch's three forms, chosen by the path's suffix:

* ``.json`` (``.json.gz`` compressed): ``[times, sizes]``, ``times`` in
  microseconds (ints, one per distinct instant), ``sizes`` one list per time of
  9 ints: a leading 0, then PyTorch's categories (``PARAMETER``,
  ``OPTIMIZER_STATE``, ``INPUT``, ``TEMPORARY``, ``ACTIVATION``, ``GRADIENT``,
  ``AUTOGRAD_DETAIL``) and last the unknown one. ``tracemalloc`` counts bytes, not
  tensors, so every byte is counted as unknown here and the other slots stay 0;
* ``.raw.json.gz``: ``[[nanoseconds, action, bytes, category], ...]``, one row per
  change (action 2, ``CREATE``, for a growth; 4, ``DESTROY``, for a fall, the
  bytes then negative; category 7, unknown);
* ``.html``: the timeline as a step plot (an inline SVG; PyTorch embeds a
  matplotlib PNG, which TinyTorch, on NumPy alone, cannot draw).

Example:
    >>> timeline([(0.4, 0), (1.2, 96), (1.7, 64)])  # 1.2 and 1.7 are one instant, 1 µs: its last size
    ([0, 1], [[0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 64]])
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

#: PyTorch's categories in the order of its ``sizes`` lists (after the leading 0); tracemalloc's bytes are
#: all the last one's.
CATEGORIES = (
    "PARAMETER",
    "OPTIMIZER_STATE",
    "INPUT",
    "TEMPORARY",
    "ACTIVATION",
    "GRADIENT",
    "AUTOGRAD_DETAIL",
    "Unknown",
)
_CREATE, _DESTROY = 2, 4  # PyTorch's Action values


def timeline(points: list[tuple[float, int]]) -> tuple[list[int], list[list[int]]]:
    """``[times, sizes]`` (PyTorch's coalesced form): one entry per whole microsecond, its last size."""
    times: list[int] = []
    sizes: list[list[int]] = []
    for time_us, nbytes in points:
        instant = int(time_us)
        if not times or instant != times[-1]:
            times.append(instant)
            sizes.append([0] * (len(CATEGORIES) + 1))
        sizes[-1][-1] = int(nbytes)
    return times, sizes


def raw_events(points: list[tuple[float, int]]) -> list[list[int]]:
    """One ``[nanoseconds, action, bytes, category]`` row per change of the traced bytes."""
    rows, held = [], 0
    for time_us, nbytes in points:
        change = int(nbytes) - held
        if change != 0:
            rows.append(
                [int(time_us * 1e3), _CREATE if change > 0 else _DESTROY, change, len(CATEGORIES) - 1]
            )
        held = int(nbytes)
    return rows


def _html(times: list[int], sizes: list[list[int]]) -> str:
    """The timeline as a step plot in an SVG (milliseconds across, megabytes up), in a page."""
    width, height, margin = 800, 400, 60
    values = [row[-1] for row in sizes]
    span_t = max(max(times) - min(times), 1) if times else 1
    low, high = min([0, *values]), max([1, *values])
    start = min(times) if times else 0

    def x(t: int) -> float:
        return margin + (width - 2 * margin) * (t - start) / span_t

    def y(b: int) -> float:
        return height - margin - (height - 2 * margin) * (b - low) / (high - low)

    corners = []
    for index, (t, b) in enumerate(zip(times, values)):
        if index:
            corners.append(f"{x(t):.1f},{y(values[index - 1]):.1f}")
        corners.append(f"{x(t):.1f},{y(b):.1f}")
    title = f"Max memory allocated: {max([0, *values]) / 2**20:.2f} MiB (tracemalloc, all Unknown)"
    return f"""<html>
<head><meta charset="utf-8" /><title>Memory Timeline HTML</title></head>
<body>
  <svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">
    <text x="{width / 2}" y="24" text-anchor="middle">{title}</text>
    <polyline fill="none" stroke="gray" stroke-width="2" points="{" ".join(corners)}" />
    <text x="{width / 2}" y="{height - 16}" text-anchor="middle">Time ({span_t / 1e3:.3f} ms across)</text>
    <text x="16" y="{height / 2}" transform="rotate(-90 16 {height / 2})" text-anchor="middle">Memory \
({low / 2**20:.2f} to {high / 2**20:.2f} MiB)</text>
  </svg>
</body>
</html>
"""


def write_memory_timeline(points: list[tuple[float, int]], path: str | os.PathLike) -> Path:
    """Write ``points`` to ``path`` in its suffix's form (``.html``, ``.raw.json.gz``, ``.gz``, else JSON)."""
    path = Path(path)
    times, sizes = timeline(points)
    if path.name.endswith(".html"):
        path.write_text(_html(times, sizes), encoding="utf-8")
    elif path.name.endswith(".gz"):
        data = raw_events(points) if path.name.endswith("raw.json.gz") else [times, sizes]
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            json.dump(data, handle)
    else:
        path.write_text(json.dumps([times, sizes]), encoding="utf-8")
    return path
