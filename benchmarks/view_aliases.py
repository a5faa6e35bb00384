"""What following a memory's writes costs: ``detach()`` and ``.data`` link their result into the memory's
family (``tt_autograd.view_writes.link_alias``), a view op links its result to its base.

Prints, per call, tt-tensor's plain ``detach`` (no link) against tt-autograd's (linked), on an
intermediate and on a ``Parameter``, ``.data``, a slice (a view op), and a recorded in-place op
on a tensor with and without a live alias (the alias makes it copy the memory once). Alternating
rounds, medians (``timing.paired_median``).

Run: ``python benchmarks/view_aliases.py`` (``taskset -c 1`` on a shared machine).
"""

from __future__ import annotations

import tt_tensor
from timing import paired_median, repeated

import tinytorch as torch

CALLS = 2000


def per_call(function):
    """A callable running ``function`` ``CALLS`` times."""
    return repeated(function, CALLS)


def main() -> None:
    plain = tt_tensor.Tensor.detach
    y = torch.randn(256, requires_grad=True) * 2.0
    weight = torch.nn.Parameter(torch.randn(256))
    pairs = {
        "detach() of an intermediate": (lambda: plain(y), y.detach),
        "detach() of a Parameter": (lambda: plain(weight), weight.detach),
        ".data of a Parameter": (lambda: tt_tensor.Tensor.data.fget(weight), lambda: weight.data),
    }
    print(f"per call, us (median of alternating rounds of {CALLS} calls): unlinked vs linked")
    for name, (unlinked, linked) in pairs.items():
        a, b = paired_median(per_call(unlinked), per_call(linked), rounds=7, repeats=3)
        print(f"  {name:30s} {a / CALLS * 1e6:7.2f}  {b / CALLS * 1e6:7.2f}  (+{(b - a) / CALLS * 1e6:.2f})")
    x = torch.randn(256, requires_grad=True)

    def inplace(alias: bool):
        def run():
            h = x * 1.0
            kept = h.detach() if alias else None
            h.mul_(2.0)
            return kept

        return run

    a, b = paired_median(per_call(inplace(False)), per_call(inplace(True)), rounds=7, repeats=3)
    print(
        f"  x*1 then a recorded mul_:      {a / CALLS * 1e6:7.2f} without an alias, {b / CALLS * 1e6:7.2f} "
        "with a live detach() alias (its memory copied once)"
    )
    view = paired_median(per_call(lambda: y[1:]), per_call(lambda: y[1:]), rounds=3, repeats=3)[0]
    print(f"  a slice y[1:] (a view op, linked to y): {view / CALLS * 1e6:.2f}")


if __name__ == "__main__":
    main()
