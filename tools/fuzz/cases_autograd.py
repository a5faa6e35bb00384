"""Bad arguments for the autograd API: ``torch.func``, ``autograd.grad``, hooks, parametrizations, checkpoint.

The same kind of cases as :mod:`tools.fuzz.cases_api` (``Case(group, label, run,
names, check)``): every transform and hook API with each of the junk values
in each argument, plus the shape and arity mistakes a user makes with them
(a cotangent of the wrong shape, a hook replacing a gradient by one of another
shape, a parametrization that changes the shape).
"""

from __future__ import annotations

import tinytorch as tt
from tinytorch import nn
from tinytorch.func import functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp

from .cases_api import JUNK, Case, t

GROUP = "autograd API"


def _leaf(*shape: int):
    return tt.randn(*shape).requires_grad_()


def _square(x):
    return (x * x).sum()


def transform_cases() -> list[Case]:
    """``torch.func``'s transforms: junk functions, junk inputs, bad argnums, non-scalar outputs."""
    cases = []
    transforms = {
        "grad": grad,
        "grad_and_value": grad_and_value,
        "jacrev": jacrev,
        "jacfwd": jacfwd,
        "hessian": hessian,
    }
    for name, transform in transforms.items():
        for junk_name, junk in JUNK.items():
            cases.append(
                Case(GROUP, f"{name}: func {junk_name}", lambda f=transform, j=junk: f(j)(t(3)), (name,))
            )
            cases.append(
                Case(GROUP, f"{name}: input {junk_name}", lambda f=transform, j=junk: f(_square)(j), (name,))
            )
        for argnums in (2, -3, (0, 0), (), 1.5):
            cases.append(
                Case(
                    GROUP,
                    f"{name}: argnums {argnums!r}",
                    lambda f=transform, a=argnums: f(_square, argnums=a)(t(3)),
                    (name, "argnums"),
                )
            )
        cases.append(
            Case(
                GROUP, f"{name}: an integer input", lambda f=transform: f(_square)(tt.tensor([1, 2])), (name,)
            )
        )
    for name in ("grad", "grad_and_value"):
        transform = transforms[name]
        cases.append(
            Case(GROUP, f"{name}: output (3,)", lambda f=transform: f(lambda x: x * 2)(t(3)), (name,))
        )
        cases.append(
            Case(
                GROUP,
                f"{name}: has_aux without a pair",
                lambda f=transform: f(_square, has_aux=True)(t(3)),
                (name, "has_aux"),
            )
        )
    cases.append(
        Case(
            GROUP,
            "vjp: cotangent (4,) for output (3,)",
            lambda: vjp(lambda x: x * 2, t(3))[1](t(4)),
            ("grad_output", "vjp"),
        )
    )
    for junk_name, junk in JUNK.items():
        cases.append(
            Case(
                GROUP,
                f"vjp: cotangent {junk_name}",
                lambda j=junk: vjp(lambda x: x * 2, t(3))[1](j),
                ("vjp",),
            )
        )
        cases.append(
            Case(GROUP, f"jvp: primals {junk_name}", lambda j=junk: jvp(_square, j, (t(3),)), ("jvp",))
        )
    cases.append(
        Case(
            GROUP,
            "jvp: tangent (4,) for primal (3,)",
            lambda: jvp(lambda x: x * 2, (t(3),), (t(4),)),
            ("jvp", "tangent"),
        )
    )
    cases.append(
        Case(
            GROUP,
            "vjp: one cotangent for a pair of outputs",
            lambda: vjp(lambda x: (x * 2, x * 3), t(3))[1](t(3)),
            ("needs a tuple of",),  # the message must say what to pass
        )
    )
    cases.append(
        Case(
            GROUP,
            "jvp: one tangent for two primals",
            lambda: jvp(lambda a, b: a * b, (t(3), t(3)), (t(3),)),
            ("jvp",),
        )
    )
    cases.append(
        Case(
            GROUP,
            "hessian of a non-scalar output (PyTorch: a (3, 3, 3) tensor)",
            lambda: hessian(lambda x: x * x)(t(3)),
            (),
            check=lambda r: tuple(r.shape) == (3, 3, 3),
        )
    )
    return cases


def autograd_grad_cases() -> list[Case]:
    cases = []
    for junk_name, junk in JUNK.items():
        cases.append(
            Case(
                GROUP,
                f"autograd.grad: outputs {junk_name}",
                lambda j=junk: tt.autograd.grad(j, _leaf(3)),
                ("grad",),
            )
        )
        cases.append(
            Case(
                GROUP,
                f"autograd.grad: inputs {junk_name}",
                lambda j=junk: tt.autograd.grad(_square(_leaf(3)), j),
                ("grad",),
            )
        )
    cases.append(
        Case(
            GROUP,
            "autograd.grad: an input the output does not depend on",
            lambda: tt.autograd.grad(_square(_leaf(3)), _leaf(3)),
            ("grad", "allow_unused"),
        )
    )
    cases.append(
        Case(
            GROUP,
            "autograd.grad: a non-scalar output without grad_outputs",
            lambda: (lambda x: tt.autograd.grad(x * 2, x))(_leaf(3)),
            ("grad",),
        )
    )
    cases.append(
        Case(
            GROUP,
            "autograd.functional.jacobian: func junk",
            lambda: tt.autograd.functional.jacobian("abc", t(3)),
            ("jacobian",),
        )
    )
    return cases


def _linear():
    return nn.Linear(3, 2)


def hook_cases() -> list[Case]:
    """Tensor hooks and module backward hooks: junk hooks, replacements of the wrong shape or count."""
    cases = []
    for junk_name, junk in JUNK.items():
        cases.append(
            Case(
                GROUP,
                f"Tensor.register_hook: hook {junk_name}",
                lambda j=junk: _leaf(3).register_hook(j),
                ("register_hook",),
            )
        )
        for register in ("register_full_backward_hook", "register_full_backward_pre_hook"):
            cases.append(
                Case(
                    GROUP,
                    f"Module.{register}: hook {junk_name}",
                    lambda j=junk, r=register: getattr(_linear(), r)(j),
                    (register, "hook"),
                )
            )

    def hooked_backward(hook):
        x = _leaf(3)
        x.register_hook(hook)
        (x * 2).sum().backward()

    cases.append(
        Case(
            GROUP,
            "Tensor hook returns a gradient of another shape",
            lambda: hooked_backward(lambda g: t(5)),
            ("hook", "size"),
        )
    )
    cases.append(
        Case(GROUP, "Tensor hook returns a string", lambda: hooked_backward(lambda g: "abc"), ("hook",))
    )

    def module_backward(register, hook):
        layer = _linear()
        getattr(layer, register)(hook)
        layer(_leaf(1, 3)).sum().backward()

    for register, kind in (
        ("register_full_backward_hook", "full backward hook"),
        ("register_full_backward_pre_hook", "full backward pre hook"),
    ):
        cases.append(
            Case(
                GROUP,
                f"{kind} returns 3 gradients for 1",
                lambda r=register: module_backward(r, lambda m, *g: (t(1), t(1), t(1))),
                (kind,),
            )
        )
        cases.append(
            Case(
                GROUP,
                f"{kind} returns a gradient of shape (7,)",
                lambda r=register: module_backward(r, lambda m, *g: (t(7),)),
                (kind, "shape"),
            )
        )
    return cases


def parametrization_cases() -> list[Case]:
    """``nn.utils.parametrize`` and ``parametrizations``: junk modules, names and parametrizations."""
    parametrize = nn.utils.parametrize
    parametrizations = nn.utils.parametrizations

    class Shrink(nn.Module):
        def forward(self, w):
            return w[:1]

    cases = []
    for junk_name, junk in JUNK.items():
        cases.append(
            Case(
                GROUP,
                f"register_parametrization: parametrization {junk_name}",
                lambda j=junk: parametrize.register_parametrization(_linear(), "weight", j),
                ("register_parametrization", "parametrization"),
            )
        )
        cases.append(
            Case(
                GROUP,
                f"register_parametrization: module {junk_name}",
                lambda j=junk: parametrize.register_parametrization(j, "weight", nn.Identity()),
                ("register_parametrization",),
            )
        )
        for name, fn in (
            ("weight_norm", parametrizations.weight_norm),
            ("spectral_norm", parametrizations.spectral_norm),
        ):
            cases.append(
                Case(
                    GROUP, f"parametrizations.{name}: module {junk_name}", lambda f=fn, j=junk: f(j), (name,)
                )
            )
    cases.append(
        Case(
            GROUP,
            "register_parametrization: shape (2, 3) -> (1, 3)",
            lambda: parametrize.register_parametrization(_linear(), "weight", Shrink()),
            ("parametrization", "shape"),
        )
    )
    cases.append(
        Case(
            GROUP,
            "register_parametrization: no tensor 'nope'",
            lambda: parametrize.register_parametrization(_linear(), "nope", nn.Identity()),
            ("register_parametrization", "nope"),
        )
    )
    cases.append(
        Case(
            GROUP,
            "remove_parametrizations: nothing registered",
            lambda: parametrize.remove_parametrizations(_linear(), "weight"),
            ("remove_parametrizations",),
        )
    )
    cases.append(
        Case(
            GROUP,
            "parametrizations.weight_norm: dim 5 of a 2-d weight",
            lambda: parametrizations.weight_norm(_linear(), dim=5),
            ("weight_norm", "dim"),
        )
    )
    cases.append(
        Case(
            GROUP,
            "parametrizations.spectral_norm: n_power_iterations 0",
            lambda: parametrizations.spectral_norm(_linear(), n_power_iterations=0),
            ("spectral_norm", "n_power_iterations"),
        )
    )
    cases.append(
        Case(
            GROUP,
            "nn.utils.spectral_norm twice on one weight",
            lambda: nn.utils.spectral_norm(nn.utils.spectral_norm(_linear())),
            ("spectral_norm",),
        )
    )
    return cases


def functional_call_cases() -> list[Case]:
    cases = []
    for junk_name, junk in JUNK.items():
        if junk_name != "dict":
            cases.append(
                Case(
                    GROUP,
                    f"functional_call: parameters {junk_name}",
                    lambda j=junk: functional_call(_linear(), j, (t(3),)),
                    ("functional_call",),
                )
            )
        cases.append(
            Case(
                GROUP,
                f"functional_call: module {junk_name}",
                lambda j=junk: functional_call(j, {}, (t(3),)),
                ("functional_call",),
            )
        )
    cases.append(
        Case(
            GROUP,
            "functional_call: an unknown key with strict=True",
            lambda: functional_call(_linear(), {"nope": t(2)}, (t(3),), strict=True),
            ("functional_call", "nope"),
        )
    )
    cases.append(
        Case(
            GROUP,
            "functional_call: a weight of shape (5, 5)",
            lambda: functional_call(_linear(), {"weight": t(5, 5)}, (t(3),)),
            ("linear",),
        )
    )
    return cases


def checkpoint_cases() -> list[Case]:
    checkpoint = tt.utils.checkpoint.checkpoint
    cases = []
    for junk_name, junk in JUNK.items():
        cases.append(
            Case(
                GROUP,
                f"checkpoint: function {junk_name}",
                lambda j=junk: checkpoint(j, _leaf(3), use_reentrant=False),
                ("checkpoint",),
            )
        )
    cases.append(
        Case(
            GROUP,
            "checkpoint_sequential: 0 segments",
            lambda: tt.utils.checkpoint.checkpoint_sequential([abs] * 3, 0, _leaf(3)),
            ("checkpoint_sequential", "segments"),
        )
    )
    return cases


def all_cases() -> list[Case]:
    return (
        transform_cases()
        + autograd_grad_cases()
        + hook_cases()
        + parametrization_cases()
        + functional_call_cases()
        + checkpoint_cases()
    )
