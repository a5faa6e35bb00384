"""What ``saved_tensors_hooks`` sees on one training step: arrays saved through ``save_for_backward``
(routed through the hooks) against arrays kept as ``ctx`` attributes (not routed), per model.

Run: ``python benchmarks/saved_tensor_hooks.py``. The autograd chapter quotes its output.
"""

from __future__ import annotations

from tt_autograd.saved_hooks import census
from tt_text.gpt import GPT, GPTConfig
from tt_vision import Conv2d, MaxPool2d

import tinytorch as torch


def steps():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    x, y = torch.randn(64, 784), torch.randint(0, 10, (64,))
    yield "MLP 784-256-10, batch 64", lambda: torch.nn.functional.cross_entropy(mlp(x), y)
    cnn = torch.nn.Sequential(
        Conv2d(3, 16, 3, padding=1),
        torch.nn.ReLU(),
        MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(16 * 16 * 16, 10),
    )
    images = torch.randn(16, 3, 32, 32)
    yield (
        "CNN conv-relu-pool-linear, batch 16",
        lambda: torch.nn.functional.cross_entropy(cnn(images), y[:16]),
    )
    gpt = GPT(GPTConfig(vocab_size=65, block_size=64, n_layer=2, n_head=4, n_embd=64, dropout=0.1))
    ids = torch.randint(0, 65, (8, 65))
    yield (
        "GPT 2 layers, n_embd 64, batch 8 x 64, dropout 0.1",
        lambda: torch.nn.functional.cross_entropy(gpt(ids[:, :-1]).reshape(-1, 65), ids[:, 1:].reshape(-1)),
    )
    q = torch.randn(8, 4, 64, 16, requires_grad=True)
    bias = torch.randn(64, 64)  # a float mask: attention keeps it as ctx.bias
    yield (
        "attention with a float mask, 8 x 4 heads x 64 x 16",
        lambda: torch.nn.functional.scaled_dot_product_attention(q, q, q, attn_mask=bias).square().mean(),
    )


def main() -> None:
    calls: list[int] = []
    for label, step in steps():
        calls.clear()
        with torch.autograd.graph.saved_tensors_hooks(lambda t: calls.append(t.numel()) or t, lambda t: t):
            loss = step()
        counts = census(loss.grad_fn)
        assert len(calls) == counts["hooked"]
        share = 100 * counts["hooked_bytes"] / (counts["hooked_bytes"] + counts["attribute_bytes"])
        print(
            f"{label}: {counts['nodes']} nodes; through the hooks {counts['hooked']} arrays, "
            f"{counts['hooked_bytes'] / 2**20:.2f} MiB ({share:.1f}% of bytes); "
            f"as attributes {counts['attributes']} arrays, {counts['attribute_bytes'] / 2**20:.2f} MiB"
        )
        print("    attribute arrays by node:", counts["holders"] or "none")


if __name__ == "__main__":
    main()
