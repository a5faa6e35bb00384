"""Bad arguments for ``torch.autograd.graph``: node hooks, saved-tensor hooks, multi-grad hooks, versions.

The same kind of cases as :mod:`tools.fuzz.cases_api`: each junk value in each argument, and the
mistakes a hook makes (a replacement of the wrong count, kind or shape; an unpack hook that
returns no tensor).
"""

from __future__ import annotations

import tinytorch as tt
from tinytorch.autograd import graph

from .cases_api import JUNK, Case, t

GROUP = "autograd graph API"


def _node():
    return (tt.randn(3).requires_grad_() * 2).grad_fn


def _hooked_backward(register: str, hook) -> None:
    y = tt.randn(3).requires_grad_() * 2
    getattr(y.grad_fn, register)(hook)
    y.sum().backward()


def _unpacked_by(unpack) -> None:
    x = tt.randn(3).requires_grad_()
    with graph.saved_tensors_hooks(lambda tensor: tensor, unpack):
        y = (x * x).sum()
    y.backward()


def node_cases() -> list[Case]:
    cases = []
    for junk_name, junk in JUNK.items():
        for register in ("register_hook", "register_prehook"):
            cases.append(
                Case(
                    GROUP,
                    f"grad_fn.{register}: hook {junk_name}",
                    lambda j=junk, r=register: getattr(_node(), r)(j),
                    (register,),
                )
            )
            cases.append(
                Case(
                    GROUP,
                    f"AccumulateGrad.{register}: hook {junk_name}",
                    lambda j=junk, r=register: getattr(_node().next_functions[0][0], r)(j),
                    (register,),
                )
            )
    wrong = {
        "a tensor, not a tuple": ("register_prehook", lambda go: go[0]),
        "two gradients for one": ("register_prehook", lambda go: (go[0], go[0])),
        "a string in the tuple": ("register_prehook", lambda go: ("abc",)),
        "a gradient of shape (5,)": ("register_prehook", lambda go: (t(5),)),
        "three gradients for two inputs": ("register_hook", lambda gi, go: (gi[0], None, None)),
        "an input gradient of shape (7,)": ("register_hook", lambda gi, go: (t(7), None)),
    }
    for label, (register, hook) in wrong.items():
        cases.append(
            Case(
                GROUP,
                f"node {register} returns {label}",
                lambda r=register, h=hook: _hooked_backward(r, h),
                ("hook",),
            )
        )
    return cases


def saved_tensors_cases() -> list[Case]:
    cases = []
    for junk_name, junk in JUNK.items():
        for role, make in (
            ("pack_hook", lambda j: graph.saved_tensors_hooks(j, lambda p: p)),
            ("unpack_hook", lambda j: graph.saved_tensors_hooks(lambda p: p, j)),
        ):
            cases.append(
                Case(
                    GROUP,
                    f"saved_tensors_hooks: {role} {junk_name}",
                    lambda j=junk, m=make: m(j).__enter__(),
                    (role,),
                )
            )
        cases.append(
            Case(
                GROUP,
                f"unpack_hook returns {junk_name}",
                lambda j=junk: _unpacked_by(lambda p: j),
                ("unpack_hook",),
            )
        )
        if not isinstance(junk, str):
            cases.append(
                Case(
                    GROUP,
                    f"disable_saved_tensors_hooks: error_message {junk_name}",
                    lambda j=junk: graph.disable_saved_tensors_hooks(j).__enter__(),
                    ("disable_saved_tensors_hooks",),
                )
            )
    return cases


def multi_grad_cases() -> list[Case]:
    cases = []
    leaf = tt.randn(2).requires_grad_()
    for junk_name, junk in JUNK.items():
        cases.append(
            Case(
                GROUP,
                f"register_multi_grad_hook: tensors {junk_name}",
                lambda j=junk: graph.register_multi_grad_hook(j, lambda grads: None),
                ("register_multi_grad_hook",),
            )
        )
        cases.append(
            Case(
                GROUP,
                f"register_multi_grad_hook: fn {junk_name}",
                lambda j=junk: graph.register_multi_grad_hook((leaf,), j),
                ("register_multi_grad_hook",),
            )
        )
        cases.append(
            Case(
                GROUP,
                f"register_multi_grad_hook: mode {junk_name}",
                lambda j=junk: graph.register_multi_grad_hook((leaf,), lambda grads: None, mode=j),
                ("mode",),
            )
        )
        cases.append(
            Case(
                GROUP,
                f"increment_version: {junk_name}",
                lambda j=junk: graph.increment_version(j),
                ("increment_version",),
            )
        )
    cases.append(
        Case(
            GROUP,
            "register_multi_grad_hook: a tensor that does not require grad",
            lambda: graph.register_multi_grad_hook((t(2),), lambda grads: None),
            ("register_multi_grad_hook",),
        )
    )
    return cases


def all_cases() -> list[Case]:
    return node_cases() + saved_tensors_cases() + multi_grad_cases()
