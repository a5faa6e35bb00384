"""A fast slice of the fuzz suite (``python -m tools.fuzz`` runs all of it): every third API case, and
every autograd-API case (transforms, hooks, parametrizations, ``functional_call``, checkpoint) and every
layer of ``tinytorch.nn`` called with an input that is not a tensor, every number parameter of dropout,
the activations and the norms given junk, and every distribution, scheduler and sampler given a junk
first argument, and ``nn.init``, the parameter-vector helpers and ``save`` / ``load`` given junk, and
every ``Tensor`` method given a junk first argument.

Each case must end in a clear error or the right result; the full suite,
with its file cases, hang detection and ``kill -9`` experiment, is a tool,
not a CI test (its summary is in TESTING.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.fuzz import (  # noqa: E402
    cases_api,
    cases_autograd,
    cases_layers,
    cases_methods,
    cases_number_args,
    cases_probability_data,
    cases_utilities,
)
from tools.fuzz.__main__ import classify  # noqa: E402


def assert_all_fine(cases) -> None:
    """Each case ends in a clear error or the right result (the fuzz suite's two good outcomes)."""
    outcomes = {case.label: classify(case) for case in cases}
    bad = {
        label: result
        for label, result in outcomes.items()
        if result[0] not in ("clear error", "correct result")
    }
    assert not bad, f"{len(bad)} of {len(cases)} cases are not fine: {bad}"


def test_a_third_of_the_api_cases_end_clearly_or_right():
    cases = cases_api.all_cases()[::3]
    assert len(cases) > 100
    assert_all_fine(cases)


def test_every_autograd_api_case_ends_clearly_or_right():
    cases = cases_autograd.all_cases()
    assert len(cases) > 150
    assert_all_fine(cases)


def test_every_layer_names_itself_or_its_op_for_an_input_that_is_not_a_tensor():
    cases = cases_layers.all_cases()
    assert len(cases) > 300  # about 130 layers, 3 junk inputs each
    assert_all_fine(cases)


def test_every_number_parameter_of_dropout_the_activations_and_the_norms_refuses_junk_by_name():
    cases = cases_number_args.all_cases()
    assert len(cases) > 200  # about 80 parameters, 3 junk values each, and out-of-range probabilities
    assert {
        "F.dropout(p=1.5)",
        "nn.LeakyReLU(negative_slope=None)",
        "F.rrelu(lower=nan)",
        "F.layer_norm(eps=str)",
    } <= {case.label for case in cases}
    assert_all_fine(cases)


def test_every_distribution_scheduler_sampler_and_init_function_names_itself_for_junk():
    cases = cases_probability_data.all_cases() + cases_utilities.all_cases()
    assert len(cases) > 200
    assert_all_fine(cases)


def test_every_tensor_method_names_itself_or_gives_the_right_result_for_a_junk_first_argument():
    cases = cases_methods.all_cases()
    assert len(cases) > 600  # about 270 methods, 3 junk values each
    labels = {case.label for case in cases}
    assert set(cases_methods.STILL_FAILING) <= labels, "a listed case is no longer made"
    assert_all_fine([case for case in cases if case.label not in cases_methods.STILL_FAILING])


def test_the_still_failing_tensor_method_cases_still_fail():
    """A case fixed must leave ``cases_methods.STILL_FAILING`` (and so be checked by the test above)."""
    listed = [case for case in cases_methods.all_cases() if case.label in cases_methods.STILL_FAILING]
    fixed = [case.label for case in listed if classify(case)[0] in ("clear error", "correct result")]
    assert not fixed, f"fixed, remove from STILL_FAILING: {fixed}"
