"""``docs/pytorch-coverage.md`` is generated from the code (issue #16) and must not be stale.

The page lists PyTorch names (``tools/pytorch_api.toml``) and whether each
resolves on ``tinytorch``; adding or removing an op without regenerating the
page (``python tools/pytorch_coverage.py``) fails here.
"""

from __future__ import annotations

from pathlib import Path

from by_path import load_file

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    return load_file("pytorch_coverage", ROOT / "tools" / "pytorch_coverage.py")


def test_the_coverage_page_is_up_to_date():
    tool = _tool()
    assert tool.PAGE.read_text() == tool.page_markdown(), (
        "docs/pytorch-coverage.md is stale: run python tools/pytorch_coverage.py and commit the page"
    )


def test_names_resolve_through_the_tinytorch_namespaces():
    tool = _tool()
    assert tool.resolve("torch.topk") and tool.resolve("torch.nn.functional.pad")
    assert tool.resolve("torch.Tensor.scatter_add") and tool.resolve("torch.autograd.grad")
    assert not tool.resolve("torch.quantized_batch_norm") and not tool.resolve("torch.nn.functional.conv_tbc")
