"""Write ``docs/pytorch-coverage.md``: which PyTorch names TinyTorch has, looked up in the code itself.

The names come from ``tools/pytorch_api.toml`` (with the programs that use
each); every one is resolved on ``tinytorch`` (``torch.nn.functional.pad`` ->
``tinytorch.nn.functional.pad``, ``torch.Tensor.topk`` -> ``tinytorch.Tensor.topk``),
so the table says what the code does, not what someone remembered. The result
of ``nox -s parity`` (``docs/assets/parity.json``, written by that session) is
added when it exists.

Usage:
    python tools/pytorch_coverage.py          # rewrite the page
    python tools/pytorch_coverage.py --check  # exit 1 if the page is stale (the docs test does this)
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tools" / "pytorch_api.toml"
PAGE = ROOT / "docs" / "pytorch-coverage.md"
PARITY = ROOT / "docs" / "assets" / "parity.json"
NANOGPT = ROOT / "docs" / "assets" / "nanogpt_upstream.json"

SECTIONS = [
    ("torchvision.", "`torchvision`, as `tinytorch.vision`"),
    ("torch.nn.functional.", "`torch.nn.functional`"),
    ("torch.nn.", "`torch.nn`"),
    ("torch.Tensor.", "`torch.Tensor` methods and attributes"),
    ("torch.optim.", "`torch.optim`"),
    ("torch.utils.tensorboard.", "`torch.utils.tensorboard`"),
    ("torch.utils.", "`torch.utils.data`"),
    ("torch.", "`torch`"),
]


def resolve(name: str) -> bool:
    """Whether ``name`` (``torch.…``; ``torchvision.…`` means ``tinytorch.vision.…``) exists on tinytorch."""
    obj: object = importlib.import_module("tinytorch")
    parts = name.split(".")
    if parts[0] == "torchvision":
        parts[0] = "vision"
    for part in parts[1 if parts[0] == "torch" else 0 :]:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return False
    return True


def load(path: Path = DATA) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """``(programs, {name: (used_by_letters, note)})`` from the data file."""
    data = tomllib.loads(path.read_text())
    names = {}
    for name, value in data["names"].items():
        used, note = (value, "") if isinstance(value, str) else (value["used"], value.get("note", ""))
        names[name] = (used, note)
    return data["programs"], names


def section_of(name: str) -> str:
    return next(title for prefix, title in SECTIONS if name.startswith(prefix))


def parity_markdown(path: Path = PARITY) -> str:
    if not path.exists():
        return "Not run yet on this checkout: `nox -s parity` writes its result here.\n"
    result = json.loads(path.read_text())
    lines = [
        f"Last run: PyTorch {result['torch_version']} against TinyTorch, {len(result['programs'])} programs, "
        f"tolerance {result['rtol']:g} relative; **{'all passed' if result['passed'] else 'FAILED'}**.",
        "",
        "| program | what it compares | steps | largest relative difference | result |",
        "|---|---|---|---|---|",
    ]
    for program in result["programs"]:
        verdict = "pass" if program["passed"] else "**fail**"
        lines.append(
            f"| `{program['name']}` | {program['what']} | {program['steps']} | "
            f"{program['max_rel_diff']:.1e} | {verdict} |"
        )
    if result.get("example_runs_on_torch"):
        lines += [
            "",
            "`examples/nanogpt_shakespeare.py` also ran unchanged on PyTorch (its import line aside).",
        ]
    lines += ["", "Run it with `nox -s parity` (installs `torch==2.13.0`; not part of CI)."]
    return "\n".join(lines) + "\n"


def nanogpt_markdown(path: Path = NANOGPT) -> str:
    """The last run of karpathy's own nanoGPT scripts on TinyTorch (``tools/parity/nanogpt_upstream.py``)."""
    if not path.exists():
        return "Not run yet on this checkout: `tools/parity/nanogpt_upstream.py` writes its result here.\n"
    result = json.loads(path.read_text())
    changed = sum(len(lines) for lines in result["changed_lines"].values())
    first, last = result["evaluations"][0], result["evaluations"][-1]
    lines = [
        f"karpathy/nanoGPT at `{result['nanogpt_commit'][:12]}`: its own `prepare.py`, `train.py` "
        f"(`config/train_shakespeare_char.py`, a smaller model on the CPU, {result['iters']} iterations, "
        f"checkpoint saved) and `sample.py` (top-k sampling from that checkpoint) ran on TinyTorch with "
        f"{changed} import lines changed and nothing else; "
        f"**{'passed' if result['passed'] else 'FAILED'}**: validation loss {first[2]:.4f} at step "
        f"{first[0]} → {last[2]:.4f} at step {last[0]}, {result['samples']} samples printed.",
        "",
        "| file | import line in nanoGPT | on TinyTorch |",
        "|---|---|---|",
    ]
    for name, pairs in result["changed_lines"].items():
        lines += [f"| `{name}` | `{before}` | `{after}` |" for before, after in pairs]
    lines += [
        "",
        "Run it with `python tools/parity/nanogpt_upstream.py PATH/TO/nanoGPT` (needs `tiktoken`, which "
        "nanoGPT's `sample.py` imports, and `TINYTORCH_DATA`; not part of CI, which has no copy of nanoGPT).",
    ]
    return "\n".join(lines) + "\n"


def module_paths_markdown() -> str:
    """PyTorch's module paths in TinyTorch (``tinytorch.module_paths``): what, why, how and what is left."""
    paths = importlib.import_module("tinytorch.module_paths")
    gathered = [short for short, row in paths.PATHS.items() if not row.endswith("*")]
    names = sum(len(listed) for short in gathered for _, listed in paths.names_of(short))
    bases = [f"`{base}`" for row in paths.BASES.values() for base in row] + ["`_LRScheduler`"]
    what = [
        "User code imports from where PyTorch defines a name, not only from the namespace that gathers it:",
        "`from torch.nn.modules.loss import _Loss`, `from torch.optim.optimizer import Optimizer`,",
        f"`import torch.distributions.normal`. TinyTorch has {len(paths.PATHS)} such paths",
        f"(`tinytorch.nn.modules.loss`, `tinytorch.optim.adam`, ...) holding {names} names, each the",
        "same object as in TinyTorch's own namespace",
        "(`tinytorch.nn.modules.loss.MSELoss is tinytorch.nn.MSELoss`),",
        f"and the private base classes user code subclasses: {', '.join(bases)}. A name a path lacks fails",
        "with an error that names PyTorch's path and what to use instead, for `from ... import` too",
        "(`torch.nn.modules.loss.NLLLoss2d is not part of TinyTorch; use tinytorch.nn.NLLLoss, ...`).",
    ]
    how = [
        "How: one table, `src/tinytorch/module_paths.py` (path → where its names come from, and which), read",
        "by a small importlib finder and loader. The modules are built when `tinytorch` is imported, from",
        "objects already loaded, and set on their parents as PyTorch's own imports do, so",
        "`tinytorch.nn.modules.loss.MSELoss` needs no import statement. Not covered: private, CUDA-only",
        "and TorchScript/ONNX internals (quantization's too: `torch.ao.quantization.observer`; the",
        "quantization names are at `torch.ao.quantization`, `torch.ao.nn.*` and the legacy",
        "`torch.quantization`, `torch.nn.quantized`, `torch.nn.intrinsic`, `torch.nn.qat`), paths of which",
        "TinyTorch has no name (`torch.nn.grad`,",
        "`torch.nn.attention`, `torch.autograd.forward_ad`).",
    ]
    return " ".join(what) + "\n\n" + " ".join(how) + "\n"


def page_markdown() -> str:
    programs, names = load()
    found = {name: resolve(name) for name in names}
    out = [
        "# PyTorch API coverage",
        "",
        "`import tinytorch as torch` runs a PyTorch program unchanged as far as the names it uses are here.",
        "This page is generated from the code by `tools/pytorch_coverage.py` (the names and the programs",
        "that use them are in `tools/pytorch_api.toml`; each name is looked up on `tinytorch`), and a test",
        "fails when it is stale. A name that is not supported fails at the point of use with an error that",
        "names it: `torch.stft is not part of TinyTorch. …` (with near names when there are some).",
        "",
        "## By program",
        "",
        "| program | names it uses | supported | missing |",
        "|---|---|---|---|",
    ]
    for letter, program in programs.items():
        used = [n for n, (by, _) in names.items() if letter in by]
        missing = [n for n in used if not found[n]]
        listed = ", ".join(f"`{n}`" for n in missing) or "—"
        out.append(f"| {program} | {len(used)} | {len(used) - len(missing)} | {listed} |")
    out += ["", "## Parity with PyTorch", "", parity_markdown()]
    out += ["## nanoGPT's own scripts, unchanged", "", nanogpt_markdown()]
    out += ["## PyTorch's module paths", "", module_paths_markdown()]
    for _, title in reversed(SECTIONS):
        rows = [n for n in names if section_of(n) == title]
        out += [f"## {title}", "", "| name | TinyTorch | used by | note |", "|---|---|---|---|"]
        for name in rows:
            used, note = names[name]
            users = ", ".join(programs[c] for c in used)
            mark = "supported" if found[name] else "**not supported**"
            out.append(f"| `{name}` | {mark} | {users} | {note} |")
        out.append("")
    total, supported = len(names), sum(found.values())
    out.append(f"In all: {supported} of {total} names supported.")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    markdown = page_markdown()
    if "--check" in argv:
        if not PAGE.exists() or PAGE.read_text() != markdown:
            print(f"{PAGE.relative_to(ROOT)} is stale: run python tools/pytorch_coverage.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(markdown)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
